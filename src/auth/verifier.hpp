// Decides who is calling (SPEC §2): checks the signature of a request against the client's
// secret, the optional timestamp window and nonce, and whether the client may use the channel.
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/canonical_request.hpp"
#include "auth/client_registry.hpp"
#include "auth/replay_guard.hpp"
#include "common/status.hpp"

namespace opchat {

struct AuthSettings {
  bool require_timestamp = false;  // also makes `nonce` mandatory
  int64_t timestamp_window_ms = 300'000;
};

// An authenticated caller: a client acting on one channel it is allowed on.
struct Caller {
  std::string client_id;
  std::string channel;
};

class RequestVerifier {
 public:
  RequestVerifier(ClientRegistry& clients, ReplayGuard& replay, AuthSettings settings)
      : clients_(clients), replay_(replay), settings_(settings) {}

  // Unauthenticated (401) for a missing, wrong or expired signature or a replayed nonce;
  // PermissionDenied (403) for a disabled client or a channel it is not allowed on;
  // InvalidArgument (400) for a missing channel or an unknown signMethod.
  Result<Caller> Verify(const QueryParams& params, std::string_view body, int64_t now_ms) const;

 private:
  ClientRegistry& clients_;
  ReplayGuard& replay_;
  const AuthSettings settings_;
};

}  // namespace opchat
