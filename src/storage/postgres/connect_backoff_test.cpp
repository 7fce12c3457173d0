#include "storage/postgres/connect_backoff.hpp"

#include <gtest/gtest.h>

namespace opchat::postgres {
namespace {

using std::chrono::milliseconds;

const ConnectBackoff::Clock::time_point t0 =
    ConnectBackoff::Clock::time_point{} + std::chrono::hours(1);

TEST(ConnectBackoffTest, HealthyPoolConnectsSeveralAtOnce) {
  ConnectBackoff b;
  EXPECT_TRUE(b.Begin(t0).ok());
  EXPECT_TRUE(b.Begin(t0).ok());
  b.Succeeded();
  b.Succeeded();
}

TEST(ConnectBackoffTest, OutageFailsFastWithinAGrowingWindow) {
  ConnectBackoff b(milliseconds(50), milliseconds(1000));
  ASSERT_TRUE(b.Begin(t0).ok());
  b.Failed(t0);
  EXPECT_EQ(b.Begin(t0 + milliseconds(49)).code(), StatusCode::kUnavailable);
  ASSERT_TRUE(b.Begin(t0 + milliseconds(50)).ok());
  b.Failed(t0 + milliseconds(50));  // second failure: 100 ms
  EXPECT_FALSE(b.Begin(t0 + milliseconds(149)).ok());
  auto now = t0 + milliseconds(150);
  ASSERT_TRUE(b.Begin(now).ok());
  for (int i = 0; i < 10; ++i) {
    b.Failed(now);
    now += milliseconds(1000);  // the window never exceeds the maximum
    ASSERT_TRUE(b.Begin(now).ok()) << i;
  }
  b.Succeeded();
  EXPECT_TRUE(b.Begin(now).ok()) << "a success resets the backoff";
  EXPECT_TRUE(b.Begin(now).ok());
}

TEST(ConnectBackoffTest, AtMostOneAttemptAtATimeWhileFailing) {
  ConnectBackoff b(milliseconds(50), milliseconds(1000));
  ASSERT_TRUE(b.Begin(t0).ok());
  b.Failed(t0);
  auto later = t0 + milliseconds(60);
  ASSERT_TRUE(b.Begin(later).ok()) << "one probe";
  EXPECT_EQ(b.Begin(later).code(), StatusCode::kUnavailable) << "others answer at once";
  b.Succeeded();
  EXPECT_TRUE(b.Begin(later).ok());
}

TEST(ConnectBackoffTest, ALostConnectionMakesAttemptsGoOneAtATime) {
  ConnectBackoff b;
  b.Lost();
  ASSERT_TRUE(b.Begin(t0).ok()) << "no window: the first reconnect is immediate";
  EXPECT_FALSE(b.Begin(t0).ok());
  b.Succeeded();
  EXPECT_TRUE(b.Begin(t0).ok());
  EXPECT_TRUE(b.Begin(t0).ok());
}

}  // namespace
}  // namespace opchat::postgres
