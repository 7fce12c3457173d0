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

}  // namespace
}  // namespace opchat
