// Fuzzes the JSON body handling of every endpoint: the first byte picks the endpoint, the rest
// is the body. Requests are signed here, so every input reaches the body parser and the
// handler. Every answer must be a JSON envelope.
#include <cstdint>
#include <string>

#include "auth/canonical_request.hpp"
#include "auth/signature.hpp"
#include "fuzz_target_support.hpp"

namespace {
constexpr const char* kEndpoints[] = {
    "operatorToUserChatMessages", "createChat", "acceptChat", "suspendChat", "resumeChat",
    "endChat", "deleteChat", "sendMessage", "chats", "chatInfo", "searchMessages", "chatTranscript"};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opchat;
  if (size < 1) return 0;
  auto& h = fuzz::SharedHarness();
  std::string name = kEndpoints[data[0] % (sizeof kEndpoints / sizeof *kEndpoints)];
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  QueryParams params = {{"client", "fuzz"}, {"channel", fuzz::Harness::kChannel}};
  std::string sign = ComputeSignature(SignMethod::kMd5, CanonicalQuery(params), body, "secret");
  std::string target = "/op/v2/" + name + "?client=fuzz&channel=" + fuzz::Harness::kChannel + "&sign=" + sign;
  ApiResponse r = h.api->Handle({"POST", target, "application/json", body});
  fuzz::CheckIsEnvelope(r.body);
  return 0;
}
