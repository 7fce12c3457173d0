// Events across instances and crashes: two opchat instances on one PostgreSQL database, with
// writers on both and subscribers on both dropping and resuming at random; and kill -9 during
// sends (every back end).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "live_client.hpp"
#include "test_server.hpp"

namespace opchat::testing {
namespace {

using Clock = std::chrono::steady_clock;
namespace json = boost::json;

// Every event of the channel after `after`, through the long poll.
std::vector<json::object> ReadAllEvents(int port, const Credential& cred, std::string after) {
  std::vector<json::object> all;
  for (;;) {
    HttpResponse r = Call(port, cred, "events", R"({"after":")" + after + R"(","limit":1000})");
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) break;
    const json::value answer = r.Json();
    const json::object& data = answer.at("data").as_object();
    const json::array& events = data.at("events").as_array();
    for (const auto& e : events) all.push_back(e.as_object());
    if (events.empty()) break;
    after = std::string(data.at("next").as_string());
  }
  return all;
}

std::string SendTagged(int port, const Credential& cred, const std::string& chat,
                       const std::string& tag) {
  auto r = Call(port, cred, "sendMessage",
                R"({"chatId":")" + chat + R"(","direction":"userToOperator","type":"txt","msg":")" +
                    tag + R"(","userMessageId":")" + tag + R"("})");
  return r.status == 200 ? tag : "";
}

class EventsClusterTest : public ::testing::TestWithParam<std::string> {};
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(EventsClusterTest);
INSTANTIATE_TEST_SUITE_P(Postgres, EventsClusterTest, ::testing::ValuesIn(PostgresOnly()));

TEST_P(EventsClusterTest, AnEventCommittedOnOneInstanceReachesTheOtherAtOnce) {
  TestServer a("postgres"), b("postgres");
  Credential cred = a.AddClient();
  std::string chat = CreateChat(a.port(), cred);
  // b learns of the client through the database within a second.
  std::unique_ptr<WsClient> ws;
  for (int i = 0; i < 40 && !(ws && ws->upgraded()); ++i) {
    if (ws) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ws = std::make_unique<WsClient>(b.port(), "/op/v2/live?" + LiveQuery(cred, {{"after", "1"}}));
  }
  ASSERT_TRUE(ws->upgraded()) << ws->refusal().body;
  std::vector<double> latencies_ms;
  for (int i = 0; i < 20; ++i) {
    ASSERT_FALSE(SendTagged(a.port(), cred, chat, "x" + std::to_string(i)).empty());
    auto acked = Clock::now();
    auto frame = ws->Read(5000);
    ASSERT_TRUE(frame) << "event " << i << " never reached instance b";
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - acked).count());
    EXPECT_EQ(json::parse(*frame).at("data").at("seq"), i + 1);
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  std::printf("cross-instance delivery: median %.1f ms, max %.1f ms\n",
              latencies_ms[latencies_ms.size() / 2], latencies_ms.back());
  // The target is 100 ms; a loaded CI machine gets ten times that before this fails.
  EXPECT_LT(latencies_ms[latencies_ms.size() / 2], 1000.0);
}

TEST_P(EventsClusterTest, SubscribersThatDropAndResumeGetEveryEventOnceInOrder) {
  TestServer a("postgres"), b("postgres");
  Credential cred = a.AddClient();
  const int ports[2] = {a.port(), b.port()};
  for (int i = 0; i < 40 && Call(b.port(), cred, "chats", "{}").status != 200; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  constexpr int kChats = 6, kWriters = 4, kEach = 40, kSubscribers = 4;
  std::vector<std::string> chats;
  for (int i = 0; i < kChats; ++i) chats.push_back(CreateChat(ports[i % 2], cred));
  const std::string start = std::to_string(kChats);  // after the chat.created events

  std::atomic<int> writers_left{kWriters};
  std::vector<std::thread> threads;
  std::atomic<int> acked{0};
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937 rng(w);
      for (int i = 0; i < kEach; ++i) {
        const std::string& chat = chats[rng() % kChats];
        std::string tag = "w" + std::to_string(w) + "-" + std::to_string(i);
        if (!SendTagged(ports[(w + i) % 2], cred, chat, tag).empty()) ++acked;
      }
      --writers_left;
    });
  }
  // Each subscriber: connect from its cursor, read for a random while, drop, resume.
  std::vector<std::vector<json::object>> received(kSubscribers);
  std::vector<int> reconnects(kSubscribers, 0);
  for (int s = 0; s < kSubscribers; ++s) {
    threads.emplace_back([&, s] {
      std::mt19937 rng(100 + s);
      std::string cursor = start;
      auto quiet_since = Clock::now();
      while (writers_left > 0 || Clock::now() - quiet_since < std::chrono::seconds(2)) {
        WsClient ws(ports[rng() % 2], "/op/v2/live?" + LiveQuery(cred, {{"after", cursor}}));
        if (!ws.upgraded()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          continue;
        }
        ++reconnects[s];
        auto until = Clock::now() + std::chrono::milliseconds(50 + rng() % 250);
        while (Clock::now() < until) {
          auto frame = ws.Read(50);
          if (!frame) continue;
          json::object e = json::parse(*frame).as_object();
          cursor = std::string(e.at("id").as_string());
          received[s].push_back(std::move(e));
          quiet_since = Clock::now();
        }
        ws.Drop();
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(acked.load(), kWriters * kEach);

  auto truth = ReadAllEvents(a.port(), cred, start);
  ASSERT_EQ(truth.size(), static_cast<size_t>(kWriters * kEach)) << "one event per message";
  for (int s = 0; s < kSubscribers; ++s) {
    SCOPED_TRACE("subscriber " + std::to_string(s) + ", " + std::to_string(reconnects[s]) +
                 " connections");
    EXPECT_GT(reconnects[s], 1);
    ASSERT_EQ(received[s].size(), truth.size()) << "every event exactly once";
    std::map<std::string, int64_t> last_seq;
    for (size_t i = 0; i < truth.size(); ++i) {
      EXPECT_EQ(received[s][i].at("id"), truth[i].at("id")) << "in the table's order";
      std::string chat(received[s][i].at("chatId").as_string());
      int64_t seq = received[s][i].at("data").at("seq").as_int64();
      EXPECT_EQ(seq, last_seq[chat] + 1) << "each chat's messages in seq order";
      last_seq[chat] = seq;
    }
  }
}

class EventsDurabilityTest : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(BackEnds, EventsDurabilityTest, ::testing::ValuesIn(BackEnds()));

TEST_P(EventsDurabilityTest, EveryAcknowledgedMessageHasItsEventAfterKill9) {
  TestServer server(GetParam());
  Credential cred = server.AddClient();
  constexpr int kClients = 4;
  std::vector<std::string> chats;
  for (int i = 0; i < kClients; ++i) chats.push_back(CreateChat(server.port(), cred));
  const std::string cursor = std::to_string(kClients);
  std::mutex mu;
  std::vector<std::string> acked;
  std::atomic<bool> stop{false};
  std::vector<std::thread> senders;
  for (int c = 0; c < kClients; ++c) {
    senders.emplace_back([&, c] {
      for (int i = 0; !stop && i < 100000; ++i) {
        std::string tag = SendTagged(server.port(), cred, chats[c],
                                     "k" + std::to_string(c) + "-" + std::to_string(i));
        if (tag.empty()) return;  // the server is gone
        std::lock_guard lock(mu);
        acked.push_back(tag);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  server.Kill();
  stop = true;
  for (auto& t : senders) t.join();
  ASSERT_GT(acked.size(), 20u);

  server.Start();
  // A subscriber resuming from its cursor gets every acknowledged message, once.
  WsClient ws(server.port(), "/op/v2/live?" + LiveQuery(cred, {{"after", cursor}}));
  ASSERT_TRUE(ws.upgraded()) << ws.refusal().body;
  std::map<std::string, int> seen;
  while (auto frame = ws.Read(1500)) {
    json::value e = json::parse(*frame);
    ++seen[std::string(e.at("data").at("message").at("msg").as_string())];
  }
  for (const std::string& tag : acked) EXPECT_EQ(seen[tag], 1) << tag;
  EXPECT_LE(seen.size(), acked.size() + kClients) << "at most one unacknowledged send per sender";
}

}  // namespace
}  // namespace opchat::testing
