#include "auth/signature.hpp"

#include "common/crypto.hpp"

namespace opchat {

std::optional<SignMethod> ParseSignMethod(const std::string* value) {
  if (!value || *value == "md5") return SignMethod::kMd5;
  if (*value == "hmac-sha256") return SignMethod::kHmacSha256;
  return std::nullopt;
}

std::string_view SignMethodName(SignMethod method) {
  return method == SignMethod::kMd5 ? "md5" : "hmac-sha256";
}

std::string ComputeSignature(SignMethod method, const SignedTarget& target,
                             std::string_view canonical_query, std::string_view body,
                             std::string_view secret) {
  std::string data;
  if (method == SignMethod::kMd5) {
    data.reserve(canonical_query.size() + body.size() + secret.size());
    data.append(canonical_query).append(body).append(secret);
    return Md5Hex(data);
  }
  data.reserve(target.http_method.size() + target.path.size() + 2 + canonical_query.size() +
               body.size());
  data.append(target.http_method).append(1, '\n').append(target.path).append(1, '\n');
  data.append(canonical_query).append(body);
  return HmacSha256Hex(secret, data);
}

}  // namespace opchat
