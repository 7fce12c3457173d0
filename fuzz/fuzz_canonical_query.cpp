// Fuzzes query-string decoding, the unambiguity rules and the canonical string of the signature.
// Invariant checked: a query that passes CheckUnambiguous has exactly one reading, so its
// canonical string splits back into the same (name, value) pairs it was built from.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "auth/canonical_request.hpp"
#include "auth/signature.hpp"

namespace {

// Splits a canonical query string ("a=1&b=2") on '&' and the first '=' of each pair.
opchat::QueryParams Split(std::string_view canonical) {
  opchat::QueryParams out;
  while (!canonical.empty()) {
    size_t amp = canonical.find('&');
    std::string_view pair = canonical.substr(0, amp);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) std::abort();  // every pair is written as name=value
    out.emplace_back(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
    canonical = amp == std::string_view::npos ? std::string_view{} : canonical.substr(amp + 1);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opchat;
  std::string_view query(reinterpret_cast<const char*>(data), size);
  auto params = ParseQuery(query);
  if (!params.ok()) return 0;
  std::string canonical = CanonicalQuery(*params);
  // Signing must always work, unambiguous or not.
  (void)ComputeSignature(SignMethod::kMd5, {"POST", "/op/v2/chats"}, canonical, "{}", "s");
  (void)ComputeSignature(SignMethod::kHmacSha256, {"POST", "/op/v2/chats"}, canonical, "{}", "s");
  if (!CheckUnambiguous(*params).ok()) return 0;

  // Accepted: the canonical string reads back as the sorted parameters (sign left out), with
  // no pair that could have come from a differently split query.
  QueryParams expected;
  for (const auto& p : *params) {
    if (p.first != "sign") expected.push_back(p);
  }
  std::sort(expected.begin(), expected.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  if (Split(canonical) != expected) std::abort();
  return 0;
}
