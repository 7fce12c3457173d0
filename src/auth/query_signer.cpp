#include "auth/query_signer.hpp"

#include "common/percent_encoding.hpp"

namespace opchat {

std::string EncodeQueryValue(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      AppendPercentEscaped(out, c);
    }
  }
  return out;
}

std::string SignedQueryString(const QuerySigning& signing, std::string_view body) {
  QueryParams params = {{"apiVersion", "01"},
                        {"client", signing.client},
                        {"channel", signing.channel},
                        {"version", "2.0"}};
  if (signing.method != SignMethod::kMd5) {
    params.emplace_back("signMethod", SignMethodName(signing.method));
  }
  params.insert(params.end(), signing.extra.begin(), signing.extra.end());
  std::string sign = ComputeSignature(signing.method, signing.target, CanonicalQuery(params), body,
                                      signing.secret);
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += EncodeQueryValue(value);
  }
  return out + "&sign=" + sign;
}

}  // namespace opchat
