#include "auth/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace opchat {
namespace {

TEST(RateLimiterTest, AllowsTheBurstThenRefillsAtTheRate) {
  RateLimiter limiter(2, 3);  // 2 per second, bursts of 3
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Acquire("c", 1000), 0);
  EXPECT_EQ(limiter.Acquire("c", 1000), 1) << "empty bucket: retry after a second";
  EXPECT_EQ(limiter.Acquire("other", 1000), 0) << "buckets are per client";
  EXPECT_EQ(limiter.Acquire("c", 1500), 0) << "half a second refills one token";
  EXPECT_GT(limiter.Acquire("c", 1500), 0);
}

TEST(RateLimiterTest, ZeroRateMeansOff) {
  RateLimiter off(0, 0);
  EXPECT_FALSE(off.enabled());
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(off.Acquire("c", 0), 0);
}

TEST(RateLimiterTest, PeekTellsWithoutTaking) {
  RateLimiter limiter(1, 2);
  EXPECT_EQ(limiter.Peek("c", 1000), 0) << "an unknown key has a full bucket";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(limiter.Peek("c", 1000), 0);
  EXPECT_EQ(limiter.Acquire("c", 1000), 0);
  EXPECT_EQ(limiter.Acquire("c", 1000), 0);
  EXPECT_EQ(limiter.Peek("c", 1000), 1);
  EXPECT_EQ(limiter.Peek("c", 2000), 0);
}

// Keys from strangers (logins tried at the console) must not grow the map without bound.
TEST(RateLimiterTest, MaxKeysDropsTheBucketsThatHaveRefilled) {
  RateLimiter limiter(1, 1, 3);
  EXPECT_EQ(limiter.Acquire("a", 1000), 0);
  EXPECT_EQ(limiter.Acquire("b", 1000), 0);
  EXPECT_EQ(limiter.Acquire("c", 5000), 0);  // a and b have refilled by now
  EXPECT_EQ(limiter.Acquire("d", 5000), 0);  // past max_keys: a and b go
  EXPECT_EQ(limiter.Acquire("c", 5000), 1) << "c, still empty, was kept";
}

}  // namespace
}  // namespace opchat
