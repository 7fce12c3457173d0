#include "auth/login_throttle.hpp"

#include <gtest/gtest.h>

namespace opchat {
namespace {

TEST(LoginThrottleTest, FiveFailuresOfALoginHoldItForAMinute) {
  LoginThrottle t;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(t.RetryAfter("ch", "alice", "10.0.0.1", 1000), 0) << i;
    t.RecordFailure("ch", "alice", "10.0.0.1", 1000);
  }
  EXPECT_GT(t.RetryAfter("ch", "alice", "10.0.0.2", 1000), 0) << "from any address";
  EXPECT_EQ(t.RetryAfter("ch", "bob", "10.0.0.2", 1000), 0) << "another login is not held";
  EXPECT_EQ(t.RetryAfter("other", "alice", "10.0.0.2", 1000), 0) << "nor another channel's";
  EXPECT_EQ(t.RetryAfter("ch", "alice", "10.0.0.2", 61'000), 0) << "a minute later: one more try";
}

TEST(LoginThrottleTest, TwentyFailuresFromAnAddressHoldEveryLoginFromIt) {
  LoginThrottle t;
  for (int i = 0; i < 20; ++i) t.RecordFailure("ch", "user" + std::to_string(i), "10.0.0.9", 1000);
  EXPECT_GT(t.RetryAfter("ch", "someone", "10.0.0.9", 1000), 0);
  EXPECT_EQ(t.RetryAfter("ch", "someone", "10.0.0.8", 1000), 0);
}

}  // namespace
}  // namespace opchat
