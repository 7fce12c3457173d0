#include "webhooks/retry_schedule.hpp"

#include <cmath>

namespace opchat {

int64_t FirstAttemptDelayMs(const WebhookSettings& settings) {
  if (settings.retry_schedule_s.empty()) return 0;
  return std::llround(settings.retry_schedule_s.front() * 1000);
}

std::optional<int64_t> NextAttemptMs(const WebhookSettings& settings, int attempts, int64_t now_ms,
                                     double random01) {
  const auto& schedule = settings.retry_schedule_s;
  if (attempts < 1 || static_cast<size_t>(attempts) >= schedule.size()) return std::nullopt;
  const double scale = 1 + settings.jitter * (2 * random01 - 1);
  return now_ms + std::llround(schedule[attempts] * 1000 * scale);
}

}  // namespace opchat
