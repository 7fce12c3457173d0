// Micro-benchmarks of the history endpoint's hot path, without sockets: signature check,
// page query, JSON encoding, and the whole handler. Prints Google Benchmark's table.
//   build/micro_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "api/api.hpp"
#include "auth/replay_guard.hpp"
#include "auth/signature.hpp"
#include "codec/message_codec.hpp"
#include "common/clock.hpp"
#include "common/crypto.hpp"

namespace opchat {
namespace {

constexpr const char* kBody =
    R"({"chatId":"u000103b6237d8f94447ab3bd6cbe9c89d70a","pageNum":1,"pageSize":20})";

// One database shared by the storage benchmarks: a 10,000-message chat.
struct Fixture {
  Fixture() {
    (void)SetProcessTimeZone("Asia/Shanghai");
    dir = std::filesystem::temp_directory_path() / ("opchat-bench-" + RandomHex(4));
    store = std::move(*OpenStore("sqlite:" + dir + "/b.db"));
    (void)store->AddClient({"c", "bench", "secret", true, {"ch"}, 0});
    std::vector<ImportRecord> records;
    for (int i = 0; i < 10000; ++i) {
      ImportRecord r;
      r.chat.id = "u000103b6237d8f94447ab3bd6cbe9c89d70a";
      r.chat.channel = "ch";
      r.chat.user_id = "u0001fd9fb3524e52470899cba2d5ee84a801";
      r.chat.operator_id = "148992112329753020";
      r.chat.status = ChatStatus::kChatting;
      r.message.user_message_id = std::to_string(164556432430072736LL + i);
      r.message.from = r.chat.user_id;
      r.message.to = *r.chat.operator_id;
      r.message.type = i % 10 == 0 ? "img" : "txt";
      if (i % 10 == 0) {
        r.message.url = "http://up.example.com/chat/" + std::to_string(i) + ".jpg";
      } else {
        r.message.msg = "您好，请问订单 2024" + std::to_string(i) + " 什么时候发货？";
      }
      r.message.create_ms = 1'700'000'000'000 + i * 1000LL;
      records.push_back(std::move(r));
    }
    (void)store->Import(records, {});
  }
  ~Fixture() { std::filesystem::remove_all(dir); }
  std::string dir;
  std::unique_ptr<Store> store;
};

constexpr SignedTarget kHistoryTarget = {"POST", "/op/v2/operatorToUserChatMessages"};

Fixture& Shared() {
  static Fixture f;
  return f;
}

void BM_Md5Signature(benchmark::State& state) {
  QueryParams params = {{"apiVersion", "01"},
                        {"client", "70374ddd0f3641368d419b2d93127b8f"},
                        {"channel", "eba920d452d34adb8f2badb08b9e69bb"},
                        {"version", "2.0"}};
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        ComputeSignature(SignMethod::kMd5, kHistoryTarget, CanonicalQuery(params), kBody, "s"));
  }
}
BENCHMARK(BM_Md5Signature);

// Remembering one 64-character nonce (the longest allowed): time per call, and the resident
// memory each remembered nonce costs (counter "bytes_per_nonce", from VmRSS).
long ResidentKb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

void BM_ReplayGuardRemember(benchmark::State& state) {
  ReplayGuard guard(2'000'000);
  std::string nonce(ReplayGuard::kMaxNonceBytes, 'n');
  const long before_kb = ResidentKb();
  uint64_t i = 0;
  for (auto _ : state) {
    std::string n = std::to_string(i++);
    nonce.replace(0, n.size(), n);
    benchmark::DoNotOptimize(guard.CheckAndRemember("client-1", nonce, 0, INT64_MAX));
  }
  state.counters["bytes_per_nonce"] =
      static_cast<double>(ResidentKb() - before_kb) * 1024 / static_cast<double>(guard.size());
}
BENCHMARK(BM_ReplayGuardRemember)->Iterations(1'000'000);

void BM_ReadPage(benchmark::State& state) {
  Store& store = *Shared().store;
  std::mt19937 rng(1);
  for (auto _ : state) {
    int64_t page = rng() % 500;
    auto r = store.ReadMessages("ch", "u000103b6237d8f94447ab3bd6cbe9c89d70a",
                                {page * 20 + 1, page * 20 + 20, false});
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ReadPage);

void BM_EncodePage(benchmark::State& state) {
  Store& store = *Shared().store;
  auto msgs = *store.ReadMessages("ch", "u000103b6237d8f94447ab3bd6cbe9c89d70a", {1, 20, false});
  QiniuUrlSigner media({"http://media.example.com", "ak", "sk", 3600, "imageView2/1/w/200/h/200"});
  std::string out;
  for (auto _ : state) {
    out.clear();
    JsonWriter w(out);
    w.BeginArray();
    for (const auto& m : msgs) WriteMessage(w, m, media.ForChannel("ch"), 1'700'000'000);
    w.EndArray();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_EncodePage);

// What the history endpoint does with a page: read it and encode each message from its row.
void BM_VisitAndEncodePage(benchmark::State& state) {
  Store& store = *Shared().store;
  QiniuUrlSigner media({"http://media.example.com", "ak", "sk", 3600, "imageView2/1/w/200/h/200"});
  const ChannelMedia channel_media = media.ForChannel("ch");
  std::mt19937 rng(1);
  std::string out;
  for (auto _ : state) {
    out.clear();
    JsonWriter w(out);
    w.BeginArray();
    Status s = store.VisitChatPage(
        "ch", "u000103b6237d8f94447ab3bd6cbe9c89d70a", (rng() % 500) * 20, 20, false,
        [](const Chat&) {},
        [&](const MessageView& m) { WriteMessage(w, m, channel_media, 1'700'000'000); });
    if (!s.ok()) state.SkipWithError("read failed");
    w.EndArray();
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_VisitAndEncodePage);

void BM_HandleHistory(benchmark::State& state) {
  Fixture& f = Shared();
  ClientRegistry clients(*f.store);
  (void)clients.Refresh();
  ReplayGuard replay;
  RequestVerifier verifier(clients, replay, {});
  QiniuUrlSigner media({"http://media.example.com", "ak", "sk", 3600, "imageView2/1/w/200/h/200"});
  MessageIdGenerator ids(1);
  Api api(ApiDeps{*f.store, verifier, media, ids, ApiSettings{"bench", "400800400", 100}});
  std::mt19937 rng(2);
  std::vector<std::pair<std::string, std::string>> requests;  // target, body
  for (int i = 0; i < 256; ++i) {
    std::string body = R"({"chatId":"u000103b6237d8f94447ab3bd6cbe9c89d70a","pageNum":)" +
                       std::to_string(1 + rng() % 500) + R"(,"pageSize":20})";
    QueryParams params = {
        {"apiVersion", "01"}, {"client", "c"}, {"channel", "ch"}, {"version", "2.0"}};
    std::string sign =
        ComputeSignature(SignMethod::kMd5, kHistoryTarget, CanonicalQuery(params), body, "secret");
    requests.emplace_back(
        "/op/v2/operatorToUserChatMessages?apiVersion=01&client=c&channel=ch&version=2.0&sign=" +
            sign,
        body);
  }
  size_t i = 0;
  for (auto _ : state) {
    const auto& [target, body] = requests[i++ % requests.size()];
    ApiResponse r = api.Handle({"POST", target, "application/json", body});
    if (r.status != 200) state.SkipWithError("handler failed");
    benchmark::DoNotOptimize(r.body.data());
  }
}
BENCHMARK(BM_HandleHistory);

// Durable appends (synchronous=FULL) from many threads, each to its own chat: what the group
// commit writer sustains without HTTP in front of it.
void BM_DurableAppend(benchmark::State& state) {
  static Store* store = [] {
    std::string dir = std::filesystem::temp_directory_path() / ("opchat-append-" + RandomHex(4));
    return OpenStore("sqlite:" + dir + "/a.db")->release();  // lives until the process exits
  }();
  std::string chat_id =
      "u0001append-" + std::to_string(state.threads()) + "-" + std::to_string(state.thread_index());
  Chat chat;
  chat.id = chat_id;
  chat.channel = "ch";
  chat.user_id = "u";
  chat.status = ChatStatus::kChatting;
  (void)store->CreateChat(chat);
  MessageIdGenerator ids(static_cast<uint32_t>(state.thread_index()));
  for (auto _ : state) {
    Message m;
    m.user_message_id = ids.Next();
    m.from = "u";
    m.to = "op";
    m.type = "txt";
    m.msg = "您好，请问订单什么时候发货？";
    m.create_ms = NowMillis();
    if (!store->AppendMessage(chat.channel, chat_id, m).ok()) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DurableAppend)->Threads(1)->Threads(8)->Threads(16)->Threads(32)->UseRealTime();

}  // namespace
}  // namespace opchat

BENCHMARK_MAIN();
