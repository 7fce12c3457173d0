#include "auth/replay_guard.hpp"

#include <cstring>

#include "common/crypto.hpp"

namespace opchat {

bool ReplayGuard::CheckAndRemember(std::string_view client, std::string_view nonce, int64_t now_ms,
                                   int64_t expires_ms) {
  // A digest, not the nonce: an entry costs the same for an 8- and a 64-byte nonce, and a
  // collision (2^-128) cannot be aimed at another client, whose nonces live apart.
  std::string full = Sha256Digest(nonce);
  Digest digest;
  std::memcpy(digest.data(), full.data(), sizeof digest);

  MutexLock lock(mu_);
  ClientNonces& nonces = clients_[std::string(client)];
  size_t before = nonces.expiry_by_digest.size();
  EvictExpired(nonces, now_ms);
  if (nonces.expiry_by_digest.contains(digest)) {
    size_ -= before - nonces.expiry_by_digest.size();
    return false;
  }
  if (nonces.expiry_by_digest.size() >= capacity_per_client_ && !nonces.digests_by_expiry.empty()) {
    auto soonest = nonces.digests_by_expiry.begin();
    nonces.expiry_by_digest.erase(soonest->second);
    nonces.digests_by_expiry.erase(soonest);
  }
  nonces.expiry_by_digest.emplace(digest, expires_ms);
  nonces.digests_by_expiry.emplace(expires_ms, digest);
  size_ += nonces.expiry_by_digest.size();
  size_ -= before;
  return true;
}

size_t ReplayGuard::size() const {
  MutexLock lock(mu_);
  return size_;
}

void ReplayGuard::EvictExpired(ClientNonces& nonces, int64_t now_ms) {
  auto& by_expiry = nonces.digests_by_expiry;
  while (!by_expiry.empty() && by_expiry.begin()->first < now_ms) {
    nonces.expiry_by_digest.erase(by_expiry.begin()->second);
    by_expiry.erase(by_expiry.begin());
  }
}

}  // namespace opchat
