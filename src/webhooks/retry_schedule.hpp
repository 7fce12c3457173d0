// When a delivery is attempted again after a failure ([webhooks] retry_schedule_s, jitter).
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "webhooks/webhook_settings.hpp"

namespace opchat {

// The delay of the first attempt after the event, in ms (retry_schedule_s[0], no jitter).
int64_t FirstAttemptDelayMs(const WebhookSettings& settings);

// After `attempts` attempts (>= 1) have all failed, the last at `now_ms`: when to make the next
// one, or nullopt when the schedule is used up (the delivery is failed). `random01` in [0, 1)
// picks the jitter: the delay is scaled by 1 + jitter * (2 * random01 - 1).
std::optional<int64_t> NextAttemptMs(const WebhookSettings& settings, int attempts, int64_t now_ms,
                                     double random01);

}  // namespace opchat
