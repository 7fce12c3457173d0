// Request signatures (SPEC §2). Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace opchat {

enum class SignMethod { kMd5, kHmacSha256 };

// "md5" (also when absent) or "hmac-sha256"; nullopt for anything else.
std::optional<SignMethod> ParseSignMethod(const std::string* value);
std::string_view SignMethodName(SignMethod method);

// md5:         lowercase hex MD5(canonical_query + body + secret)
// hmac-sha256: lowercase hex HMAC-SHA256(key = secret, canonical_query + body)
std::string ComputeSignature(SignMethod method, std::string_view canonical_query,
                             std::string_view body, std::string_view secret);

}  // namespace opchat
