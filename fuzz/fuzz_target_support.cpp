#include "fuzz_target_support.hpp"

#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "common/clock.hpp"
#include "common/crypto.hpp"

namespace opchat::fuzz {

Harness& SharedHarness() {
  static Harness* h = [] {
    auto* h = new Harness;
    (void)SetProcessTimeZone("Asia/Shanghai");
    std::string dir =
        std::filesystem::temp_directory_path() / ("opchat-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    h->store = std::move(*OpenStore("sqlite:" + dir + "/f.db", {"normal", 2}));
    (void)h->store->AddClient({"fuzz", "fuzz", "secret", true, {Harness::kChannel}, 0});
    Chat chat;
    chat.id = Harness::kChat;
    chat.channel = Harness::kChannel;
    chat.user_id = "user";
    chat.operator_id = "op";
    chat.status = ChatStatus::kChatting;
    (void)h->store->CreateChat(chat);
    h->clients = std::make_unique<ClientRegistry>(*h->store);
    (void)h->clients->Refresh();
    h->verifier = std::make_unique<RequestVerifier>(*h->clients, h->replay, AuthSettings{});
    h->media = std::make_unique<QiniuUrlSigner>(MediaSettings{});
    h->ids = std::make_unique<MessageIdGenerator>(1);
    h->api = std::make_unique<Api>(ApiDeps{*h->store, *h->verifier, *h->media, *h->ids,
                                           ApiSettings{"fuzz", "400", 100, false}});
    return h;
  }();
  return *h;
}

void CheckIsEnvelope(const std::string& body) {
  boost::json::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) {
    std::fprintf(stderr, "not JSON: %s\n", body.c_str());
    std::abort();
  }
  const auto& o = v.get_object();
  if (!o.contains("status") && !(o.contains("code") && o.at("code").is_int64())) {
    std::fprintf(stderr, "not an envelope: %s\n", body.c_str());
    std::abort();
  }
}

}  // namespace opchat::fuzz
