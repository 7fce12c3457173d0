#include "auth/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace opchat {

RateLimiter::RateLimiter(double rate, double burst, size_t max_keys)
    : rate_(rate), burst_(burst > 0 ? burst : std::max(rate, 1.0)), max_keys_(max_keys) {}

double RateLimiter::Refilled(const Bucket& b, int64_t now_ms) const {
  if (now_ms <= b.last_ms) return b.tokens;
  return std::min(burst_, b.tokens + (now_ms - b.last_ms) * rate_ / 1000.0);
}

int64_t RateLimiter::WaitSeconds(double tokens) const {
  if (tokens >= 1.0) return 0;
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1.0 - tokens) / rate_)));
}

void RateLimiter::DropFullBuckets(int64_t now_ms) {
  std::erase_if(buckets_,
                [&](const auto& entry) { return Refilled(entry.second, now_ms) >= burst_; });
  if (buckets_.size() >= max_keys_) buckets_.clear();
}

int64_t RateLimiter::Acquire(const std::string& client, int64_t now_ms) {
  if (rate_ <= 0) return 0;
  MutexLock lock(mu_);
  if (max_keys_ > 0 && buckets_.size() >= max_keys_ && !buckets_.contains(client)) {
    DropFullBuckets(now_ms);
  }
  auto [it, inserted] = buckets_.try_emplace(client, Bucket{burst_, now_ms});
  Bucket& b = it->second;
  b.tokens = Refilled(b, now_ms);
  b.last_ms = std::max(b.last_ms, now_ms);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return WaitSeconds(b.tokens);
}

int64_t RateLimiter::Peek(const std::string& client, int64_t now_ms) {
  if (rate_ <= 0) return 0;
  MutexLock lock(mu_);
  auto it = buckets_.find(client);
  return it == buckets_.end() ? 0 : WaitSeconds(Refilled(it->second, now_ms));
}

}  // namespace opchat
