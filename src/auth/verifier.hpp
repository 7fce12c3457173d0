// Decides who is calling (docs/api.md, "Signing"): checks that the query can be read one way
// only, the signature against the client's secret, the timestamp window and the nonce (both
// required on write endpoints), and whether the client may use the channel. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/canonical_request.hpp"
#include "auth/client_registry.hpp"
#include "auth/replay_guard.hpp"
#include "auth/signature.hpp"
#include "common/status.hpp"

namespace opchat {

struct AuthSettings {
  bool require_timestamp = false;  // also on reads; makes `nonce` mandatory too
  int64_t timestamp_window_ms = 300'000;
  std::vector<SignMethod> sign_methods = {SignMethod::kMd5, SignMethod::kHmacSha256};
};

// An authenticated caller: a client acting on one channel it is allowed on.
struct Caller {
  std::string client_id;
  std::string channel;
};

// A request as the verifier sees it.
struct SignedRequest {
  const QueryParams& params;
  SignedTarget target;
  std::string_view body;
  bool writes = false;  // a write endpoint: timestamp and nonce are required whatever the method
};

class RequestVerifier {
 public:
  RequestVerifier(ClientRegistry& clients, ReplayGuard& replay, AuthSettings settings)
      : clients_(clients), replay_(replay), settings_(std::move(settings)) {}

  // Unauthenticated (401) for an ambiguous query, a missing, wrong or expired signature, a
  // sign method the deployment turned off, a missing or over-long nonce where one is needed, or
  // a replayed nonce; PermissionDenied (403) for a disabled client or a channel it is not allowed
  // on; InvalidArgument (400) for a missing channel or an unknown signMethod.
  Result<Caller> Verify(const SignedRequest& request, int64_t now_ms) const;

 private:
  Status CheckFreshness(const SignedRequest& request, int64_t now_ms,
                        int64_t* remember_until) const;

  ClientRegistry& clients_;
  ReplayGuard& replay_;
  const AuthSettings settings_;
};

}  // namespace opchat
