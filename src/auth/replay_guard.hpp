// Remembers the nonces seen within the timestamp window so a captured request cannot be
// replayed (SPEC §2). Memory is bounded: at most `capacity` nonces; when full, the entry that
// expires soonest is forgotten first. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace opchat {

class ReplayGuard {
 public:
  explicit ReplayGuard(size_t capacity = 1'000'000) : capacity_(capacity) {}

  // Records (client, nonce) until `expires_ms`. Returns false when it is already recorded and
  // has not expired at `now_ms` (a replay).
  bool CheckAndRemember(const std::string& client, const std::string& nonce, int64_t now_ms,
                        int64_t expires_ms);

  size_t size() const;

 private:
  void EvictExpired(int64_t now_ms);  // REQUIRES: mu_ held

  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int64_t> expiry_by_key_;  // GUARDED_BY(mu_)
  std::multimap<int64_t, std::string> keys_by_expiry_;      // GUARDED_BY(mu_)
};

}  // namespace opchat
