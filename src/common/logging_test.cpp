#include "common/logging.hpp"

#include <gtest/gtest.h>

namespace opchat {
namespace {

using std::chrono::milliseconds;

TEST(LoggingTest, OneLineTurnsLibpqsTwoLineMessageIntoOne) {
  EXPECT_EQ(
      OneLine("connection to server failed: No such file or directory\n\tIs the server "
              "running locally?\n"),
      "connection to server failed: No such file or directory Is the server running locally?");
  EXPECT_EQ(OneLine("a\r\nb\x1b[31mc"), "a b [31mc");
  EXPECT_EQ(OneLine("plain"), "plain");
}

TEST(LoggingTest, RepeatedWarningsAreLetThroughOncePerIntervalWithACount) {
  RateLimitedLog log(milliseconds(1000));
  auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  EXPECT_EQ(log.Admit(t0), 0) << "the first is logged at once";
  for (int i = 1; i <= 20000; ++i) {
    EXPECT_FALSE(log.Admit(t0 + milliseconds(i % 1000 == 0 ? 999 : i % 1000))) << i;
  }
  EXPECT_EQ(log.Admit(t0 + milliseconds(1000)), 20000) << "the next line carries the count";
  EXPECT_FALSE(log.Admit(t0 + milliseconds(1500)));
  EXPECT_EQ(log.Admit(t0 + milliseconds(5000)), 1);
  EXPECT_EQ(log.Admit(t0 + milliseconds(9000)), 0);
}

}  // namespace
}  // namespace opchat
