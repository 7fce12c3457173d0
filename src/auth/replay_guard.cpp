#include "auth/replay_guard.hpp"

namespace opchat {

bool ReplayGuard::CheckAndRemember(const std::string& client, const std::string& nonce,
                                   int64_t now_ms, int64_t expires_ms) {
  // '\n' cannot occur in a decoded client id that passed lookup, so the key is unambiguous.
  std::string key = client + '\n' + nonce;
  std::lock_guard lock(mu_);
  EvictExpired(now_ms);
  auto it = expiry_by_key_.find(key);
  if (it != expiry_by_key_.end()) return false;
  if (expiry_by_key_.size() >= capacity_ && !keys_by_expiry_.empty()) {
    auto oldest = keys_by_expiry_.begin();
    expiry_by_key_.erase(oldest->second);
    keys_by_expiry_.erase(oldest);
  }
  expiry_by_key_.emplace(key, expires_ms);
  keys_by_expiry_.emplace(expires_ms, std::move(key));
  return true;
}

size_t ReplayGuard::size() const {
  std::lock_guard lock(mu_);
  return expiry_by_key_.size();
}

void ReplayGuard::EvictExpired(int64_t now_ms) {
  while (!keys_by_expiry_.empty() && keys_by_expiry_.begin()->first < now_ms) {
    expiry_by_key_.erase(keys_by_expiry_.begin()->second);
    keys_by_expiry_.erase(keys_by_expiry_.begin());
  }
}

}  // namespace opchat
