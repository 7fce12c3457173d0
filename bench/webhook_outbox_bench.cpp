// How fast the webhook outbox moves deliveries through storage alone, as the dispatcher drives
// it: fan out each endpoint, claim due queues, record a batch of outcomes, again and again,
// while nothing is sent. Prints deliveries per second.
//
//   webhook_outbox_bench [STORAGE_URL] [MESSAGES] [CHATS] [ENDPOINTS] [MAX_QUEUES] [PER_QUEUE]
//   (default: a fresh SQLite file in /tmp, 50000 messages over 500 chats, 2 endpoints, claims of
//   up to 100 queues of 20 deliveries)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/ids.hpp"
#include "storage/store.hpp"

namespace {

using opchat::Status;

int Fail(const std::string& what, const Status& s) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), s.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace opchat;
  const std::string url =
      argc > 1 ? argv[1] : "sqlite:/tmp/webhook_bench_" + std::to_string(getpid()) + ".db";
  const int messages = argc > 2 ? std::atoi(argv[2]) : 50'000;
  const int chats = argc > 3 ? std::atoi(argv[3]) : 500;
  const int endpoints = argc > 4 ? std::atoi(argv[4]) : 2;
  const int64_t max_queues = argc > 5 ? std::atoll(argv[5]) : 100;
  const int64_t per_queue = argc > 6 ? std::atoll(argv[6]) : 20;
  auto opened = OpenStore(url);  // as the server opens it: synchronous=full
  if (!opened.ok()) return Fail("open", opened.status());
  Store& store = **opened;
  WebhookStore& hooks = store.webhooks();
  const std::string channel = "bench-" + RandomHex(4);
  std::vector<std::string> ids;
  for (int i = 0; i < endpoints; ++i) {
    WebhookEndpoint w;
    w.id = "wh_" + RandomHex(8);
    w.channel = channel;
    w.url = "https://example.com/" + w.id;
    w.secret = "s";
    w.created_ms = NowMillis();
    if (Status s = hooks.AddWebhook(w); !s.ok()) return Fail("add", s);
    ids.push_back(w.id);
  }
  std::vector<ImportRecord> records;
  records.reserve(static_cast<size_t>(messages));
  MessageIdGenerator gen(3);
  std::vector<Chat> chat_list;
  for (int c = 0; c < chats; ++c) {
    Chat chat;
    chat.id = NewChatId();
    chat.channel = channel;
    chat.user_id = "u" + std::to_string(c);
    chat.status = ChatStatus::kChatting;
    chat.created_ms = chat.updated_ms = NowMillis();
    chat_list.push_back(chat);
  }
  for (int i = 0; i < messages; ++i) {
    Message m;
    m.user_message_id = gen.Next();
    m.from = "user";
    m.to = "op";
    m.type = "txt";
    m.msg = "hello " + std::to_string(i);
    m.create_ms = NowMillis();
    records.push_back({chat_list[static_cast<size_t>(i % chats)], m});
  }
  if (auto r = store.Import(records, {}); !r.ok()) return Fail("import", r.status());
  const int64_t expected = static_cast<int64_t>(messages + chats) * endpoints;

  const auto start = std::chrono::steady_clock::now();
  int64_t delivered = 0, claims = 0;
  double fan_s = 0, claim_s = 0, record_s = 0;
  auto seconds = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  while (delivered < expected) {
    const int64_t now = NowMillis();
    auto t0 = std::chrono::steady_clock::now();
    for (const std::string& id : ids) {
      if (auto n = hooks.FanOutWebhook(id, 1000, now, nullptr); !n.ok())
        return Fail("fan-out", n.status());
    }
    auto t1 = std::chrono::steady_clock::now();
    auto claimed = hooks.ClaimWebhookDeliveries({.owner = "bench",
                                                 .now_ms = now,
                                                 .lease_until_ms = now + 30'000,
                                                 .max_queues = max_queues,
                                                 .per_queue = per_queue});
    if (!claimed.ok()) return Fail("claim", claimed.status());
    ++claims;
    auto t2 = std::chrono::steady_clock::now();
    std::vector<DeliveryOutcome> outcomes;
    outcomes.reserve(claimed->size());
    for (const ClaimedDelivery& d : *claimed) {
      DeliveryOutcome o;
      o.endpoint_id = d.endpoint_id;
      o.event_id = d.event.id;
      o.state = DeliveryState::kSucceeded;
      o.attempt = WebhookAttempt{.time_ms = now, .http_status = 200, .latency_ms = 3};
      outcomes.push_back(std::move(o));
    }
    if (Status s = hooks.RecordWebhookOutcomes("bench", outcomes); !s.ok())
      return Fail("record", s);
    auto t3 = std::chrono::steady_clock::now();
    fan_s += seconds(t0, t1);
    claim_s += seconds(t1, t2);
    record_s += seconds(t2, t3);
    delivered += static_cast<int64_t>(claimed->size());
  }
  const double total = seconds(start, std::chrono::steady_clock::now());
  std::printf(
      "%lld deliveries in %.2f s: %.0f/s (%lld claims; fan-out %.2f s, claim %.2f s,"
      " record %.2f s)\n",
      static_cast<long long>(delivered), total, static_cast<double>(delivered) / total,
      static_cast<long long>(claims), fan_s, claim_s, record_s);
  return 0;
}
