// The Op API as a plain function: request in, complete response out (SPEC §1-§6).
// The HTTP layer hands every request here and writes back what it gets; no handler sees a
// socket. Thread-safe: Handle() may run on many threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/verifier.hpp"
#include "common/ids.hpp"
#include "common/status.hpp"
#include "media/qiniu_url.hpp"
#include "storage/store.hpp"

namespace opchat {

struct ApiRequest {
  std::string_view method;        // "POST"
  std::string_view target;        // "/op/v2/name?query"
  std::string_view content_type;  // as sent, may be empty
  std::string_view body;
};

struct ApiResponse {
  int status = 200;
  std::string body;       // a complete JSON document
  std::string client_id;  // the authenticated caller, for the access log; empty when none
  bool allow_post_only = false;  // 405: the HTTP layer adds "Allow: POST"
};

struct ApiSettings {
  std::string host_name;
  std::string service_phone;
  int64_t max_page_size = 100;
};

// What every handler may use. All members outlive the Api.
struct ApiDeps {
  Store& store;
  RequestVerifier& verifier;
  const QiniuUrlSigner& media;
  MessageIdGenerator& ids;
  ApiSettings settings;
};

class Api {
 public:
  explicit Api(ApiDeps deps) : deps_(std::move(deps)) {}

  // Never throws; every outcome is a SPEC §3 envelope (or a health document).
  ApiResponse Handle(const ApiRequest& request) const;

  // Whether the request's endpoint writes to storage. Writes wait for a durable commit, so the
  // HTTP layer runs them off its I/O threads.
  static bool IsWrite(std::string_view target);

  // An error envelope for failures found before a request reaches Handle (body too large,
  // malformed HTTP).
  ApiResponse Error(const Status& status) const;

 private:
  ApiResponse Dispatch(const ApiRequest& request) const;
  ApiDeps deps_;
};

}  // namespace opchat
