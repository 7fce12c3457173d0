// Request signatures (docs/api.md, "Signing"). Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace opchat {

enum class SignMethod { kMd5, kHmacSha256 };

// "md5" (also when absent) or "hmac-sha256"; nullopt for anything else.
std::optional<SignMethod> ParseSignMethod(const std::string* value);
std::string_view SignMethodName(SignMethod method);

// Where a request is sent: what an hmac-sha256 signature binds it to.
struct SignedTarget {
  std::string_view http_method;  // "POST", or "GET" for /op/v2/live
  std::string_view path;         // "/op/v2/deleteChat": no query
};

// md5:         lowercase hex MD5(canonical_query + body + secret): the original API's form, kept
//              byte for byte for its clients; it does not cover the target.
// hmac-sha256: lowercase hex HMAC-SHA256(key = secret,
//              http_method + "\n" + path + "\n" + canonical_query + body).
std::string ComputeSignature(SignMethod method, const SignedTarget& target,
                             std::string_view canonical_query, std::string_view body,
                             std::string_view secret);

}  // namespace opchat
