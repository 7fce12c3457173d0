// The client side of signing (docs/api.md, "Signing"): builds the query string of a request,
// signed. `opchat sign` and the test clients use it. Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "auth/canonical_request.hpp"
#include "auth/signature.hpp"

namespace opchat {

struct QuerySigning {
  std::string client;
  std::string secret;
  std::string channel;
  SignMethod method = SignMethod::kMd5;
  SignedTarget target;  // covered by hmac-sha256
  // Appended after the standard parameters (apiVersion, client, channel, version, signMethod),
  // e.g. timestamp and nonce.
  QueryParams extra;
};

// "apiVersion=01&client=…&channel=…&version=2.0[&signMethod=…][&extra…]&sign=…", each value
// percent-encoded (RFC 3986 unreserved characters stay as they are).
std::string SignedQueryString(const QuerySigning& signing, std::string_view body);

// Percent-encodes a query value.
std::string EncodeQueryValue(std::string_view value);

}  // namespace opchat
