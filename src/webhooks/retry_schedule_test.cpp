#include "webhooks/retry_schedule.hpp"

#include <gtest/gtest.h>

namespace opchat {
namespace {

TEST(RetrySchedule, FollowsTheStandardScheduleThenGivesUp) {
  WebhookSettings s;  // 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
  s.jitter = 0;
  EXPECT_EQ(FirstAttemptDelayMs(s), 0);
  const int64_t now = 1'000'000;
  EXPECT_EQ(NextAttemptMs(s, 1, now, 0.5), now + 5'000);
  EXPECT_EQ(NextAttemptMs(s, 2, now, 0.5), now + 300'000);
  EXPECT_EQ(NextAttemptMs(s, 3, now, 0.5), now + 1'800'000);
  EXPECT_EQ(NextAttemptMs(s, 7, now, 0.5), now + 36'000'000);
  EXPECT_EQ(NextAttemptMs(s, 8, now, 0.5), std::nullopt);  // eight attempts in all
}

TEST(RetrySchedule, JitterStaysWithinItsFraction) {
  WebhookSettings s;
  s.jitter = 0.1;
  EXPECT_EQ(NextAttemptMs(s, 1, 0, 0.0), 4'500);
  EXPECT_EQ(NextAttemptMs(s, 1, 0, 0.5), 5'000);
  EXPECT_EQ(NextAttemptMs(s, 1, 0, 0.999999), 5'500);
}

TEST(RetrySchedule, AScheduleOfOneAttemptNeverRetries) {
  WebhookSettings s;
  s.retry_schedule_s = {0.25};
  EXPECT_EQ(FirstAttemptDelayMs(s), 250);
  EXPECT_EQ(NextAttemptMs(s, 1, 0, 0.5), std::nullopt);
}

}  // namespace
}  // namespace opchat
