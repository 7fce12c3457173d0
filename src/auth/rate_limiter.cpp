#include "auth/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace opchat {

RateLimiter::RateLimiter(double rate, double burst)
    : rate_(rate), burst_(burst > 0 ? burst : std::max(rate, 1.0)) {}

int64_t RateLimiter::Acquire(const std::string& client, int64_t now_ms) {
  if (rate_ <= 0) return 0;
  MutexLock lock(mu_);
  auto [it, inserted] = buckets_.try_emplace(client, Bucket{burst_, now_ms});
  Bucket& b = it->second;
  if (now_ms > b.last_ms) {
    b.tokens = std::min(burst_, b.tokens + (now_ms - b.last_ms) * rate_ / 1000.0);
    b.last_ms = now_ms;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1.0 - b.tokens) / rate_)));
}

}  // namespace opchat
