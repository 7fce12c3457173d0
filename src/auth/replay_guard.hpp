// Remembers the nonces seen within the timestamp window so a captured request cannot be
// replayed (docs/api.md, "Signing"). A nonce is remembered per client, across all endpoints, as
// a 128-bit digest whatever its length, so memory per entry is fixed. Each client has its own
// bound: when a client holds `capacity_per_client` nonces, its own entry that expires soonest is
// forgotten, so one client's traffic never evicts another's. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/mutex.hpp"

namespace opchat {

class ReplayGuard {
 public:
  // Longer nonces are refused by the verifier before they reach the guard.
  static constexpr size_t kMaxNonceBytes = 64;

  explicit ReplayGuard(size_t capacity_per_client = 250'000)
      : capacity_per_client_(capacity_per_client) {}

  // Records (client, nonce) until `expires_ms`. Returns false when it is already recorded and
  // has not expired at `now_ms` (a replay).
  bool CheckAndRemember(std::string_view client, std::string_view nonce, int64_t now_ms,
                        int64_t expires_ms);

  size_t size() const;  // nonces remembered, all clients together

 private:
  using Digest = std::array<uint64_t, 2>;
  struct DigestHash {
    size_t operator()(const Digest& d) const { return static_cast<size_t>(d[0]); }
  };
  struct ClientNonces {
    std::unordered_map<Digest, int64_t, DigestHash> expiry_by_digest;
    std::multimap<int64_t, Digest> digests_by_expiry;
  };

  static void EvictExpired(ClientNonces& nonces, int64_t now_ms);

  const size_t capacity_per_client_;
  mutable Mutex mu_;
  std::unordered_map<std::string, ClientNonces> clients_ GUARDED_BY(mu_);
  size_t size_ GUARDED_BY(mu_) = 0;
};

}  // namespace opchat
