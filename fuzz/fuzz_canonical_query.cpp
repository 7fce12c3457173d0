// Fuzzes query-string decoding and the canonical string of the signature.
#include <cstdint>
#include <string>

#include "auth/canonical_request.hpp"
#include "auth/signature.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opchat;
  std::string_view query(reinterpret_cast<const char*>(data), size);
  auto params = ParseQuery(query);
  if (!params.ok()) return 0;
  std::string canonical = CanonicalQuery(*params);
  // Re-parsing the canonical form of decoded values need not succeed (values may hold '&'),
  // but signing must always work.
  (void)ComputeSignature(SignMethod::kMd5, canonical, "{}", "s");
  (void)ComputeSignature(SignMethod::kHmacSha256, canonical, "{}", "s");
  return 0;
}
