#include "storage/postgres/connect_backoff.hpp"

#include <algorithm>
#include <string>

namespace opchat::postgres {

Status ConnectBackoff::Begin(Clock::time_point now) {
  MutexLock lock(mu_);
  if (degraded_) {
    if (now < retry_at_) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now);
      return Status::Unavailable("PostgreSQL unreachable; next connection attempt in " +
                                 std::to_string(wait.count()) + " ms");
    }
    if (in_flight_ > 0) {
      return Status::Unavailable("PostgreSQL unreachable; a connection attempt is under way");
    }
  }
  ++in_flight_;
  return Status::Ok();
}

void ConnectBackoff::Succeeded() {
  MutexLock lock(mu_);
  --in_flight_;
  degraded_ = false;
  failures_ = 0;
}

void ConnectBackoff::Failed(Clock::time_point now) {
  MutexLock lock(mu_);
  --in_flight_;
  degraded_ = true;
  failures_ = std::min(failures_ + 1, 30);  // 2^30 x 50 ms is far past the cap
  auto delay = std::min<std::chrono::milliseconds>(first_ * (int64_t{1} << (failures_ - 1)), max_);
  retry_at_ = std::max(retry_at_, now + delay);
}

void ConnectBackoff::Lost() {
  MutexLock lock(mu_);
  degraded_ = true;
}

}  // namespace opchat::postgres
