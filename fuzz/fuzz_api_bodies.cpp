// Fuzzes the JSON body handling of every endpoint: the first byte picks the endpoint, the rest
// is the body. Requests are signed here, so every input reaches the body parser and the
// handler. Every answer must be a JSON envelope.
#include <cstdint>
#include <string>

#include "auth/query_signer.hpp"
#include "common/clock.hpp"
#include "fuzz_target_support.hpp"

namespace {
constexpr const char* kEndpoints[] = {"operatorToUserChatMessages",
                                      "createChat",
                                      "acceptChat",
                                      "suspendChat",
                                      "resumeChat",
                                      "endChat",
                                      "deleteChat",
                                      "transferChat",
                                      "sendMessage",
                                      "chats",
                                      "chatInfo",
                                      "searchMessages",
                                      "chatTranscript"};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace opchat;
  if (size < 1) return 0;
  auto& h = fuzz::SharedHarness();
  std::string name = kEndpoints[data[0] % (sizeof kEndpoints / sizeof *kEndpoints)];
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  // A fresh timestamp and nonce for every input: write endpoints require them.
  static uint64_t nonce = 0;
  std::string path = "/op/v2/" + name;
  QuerySigning signing{
      "fuzz",
      "secret",
      fuzz::Harness::kChannel,
      SignMethod::kHmacSha256,
      {"POST", path},
      {{"timestamp", std::to_string(NowMillis())}, {"nonce", std::to_string(++nonce)}}};
  std::string target = path + "?" + SignedQueryString(signing, body);
  ApiResponse r = h.api->Handle({"POST", target, "application/json", body});
  fuzz::CheckIsEnvelope(r.body);
  return 0;
}
