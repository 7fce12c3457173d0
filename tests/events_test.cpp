// Events and live delivery (docs/api.md, "Events"): the long poll, WebSocket and SSE, their
// filters, resume, expiry, limits and refusals, on every back end.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <future>
#include <memory>
#include <set>
#include <thread>

#include "live_client.hpp"
#include "test_server.hpp"

namespace opchat::testing {
namespace {

using Clock = std::chrono::steady_clock;
namespace json = boost::json;

class EventsTest : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(BackEnds, EventsTest, ::testing::ValuesIn(BackEnds()));

// POST /op/v2/events with `body`; the answer's data (asserting 200).
json::object PollEvents(int port, const Credential& cred, const std::string& body) {
  HttpResponse r = Call(port, cred, "events", body);
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return {};
  return r.Json().at("data").as_object();
}

std::string Str(const json::value& v) { return std::string(v.as_string()); }

// Every event of the channel after `after`, read to the end.
std::vector<json::object> AllEvents(int port, const Credential& cred, const std::string& after,
                                    std::string* next = nullptr) {
  std::vector<json::object> all;
  std::string cursor = after;
  for (;;) {
    json::object data = PollEvents(port, cred, R"({"after":")" + cursor + R"(","limit":1000})");
    if (data.empty()) break;
    for (const auto& e : data.at("events").as_array()) all.push_back(e.as_object());
    std::string n = Str(data.at("next"));
    if (data.at("events").as_array().empty()) break;
    cursor = n;
  }
  if (next) *next = cursor;
  return all;
}

TEST_P(EventsTest, EveryWriteHasItsEventInOrder) {
  TestServer server(GetParam());
  Credential cred = server.AddClient();
  std::string chat = CreateChat(server.port(), cred);
  ASSERT_EQ(SendText(server.port(), cred, chat, "hello").status, 200);
  ASSERT_EQ(
      Call(server.port(), cred, "acceptChat", R"({"chatId":")" + chat + R"(","operatorId":"op-1"})")
          .status,
      200);
  ASSERT_EQ(Call(server.port(), cred, "endChat", R"({"chatId":")" + chat + R"("})").status, 200);

  std::string next;
  auto events = AllEvents(server.port(), cred, "0", &next);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].at("type"), "chat.created");
  EXPECT_EQ(events[0].at("data").at("chatId"), chat.c_str());
  EXPECT_EQ(events[1].at("type"), "message.created");
  EXPECT_EQ(events[1].at("data").at("seq"), 1);
  EXPECT_EQ(events[1].at("data").at("message").at("msg"), "hello");
  EXPECT_EQ(events[2].at("type"), "chat.status_changed");
  EXPECT_EQ(events[2].at("data").at("from"), 1);
  EXPECT_EQ(events[2].at("data").at("statusCode"), 3);
  EXPECT_EQ(events[3].at("data").at("from"), 3);
  EXPECT_EQ(events[3].at("data").at("statusCode"), 5);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].at("id"), std::to_string(i + 1).c_str()) << "dense ids from 1";
    EXPECT_EQ(events[i].at("channel"), cred.channel.c_str());
    EXPECT_EQ(events[i].at("chatId"), chat.c_str());
  }
  EXPECT_EQ(next, "4");
  // A refused write records nothing; a duplicate send neither.
  EXPECT_EQ(SendText(server.port(), cred, chat, "after the end").status, 409);
  EXPECT_TRUE(AllEvents(server.port(), cred, "4").empty());
  // Without `after`: only events from now on.
  json::object now = PollEvents(server.port(), cred, "{}");
  EXPECT_TRUE(now.at("events").as_array().empty());
  EXPECT_EQ(now.at("next"), "4");
}

TEST_P(EventsTest, FiltersByChatAndType) {
  TestServer server(GetParam());
  Credential cred = server.AddClient();
  std::string a = CreateChat(server.port(), cred), b = CreateChat(server.port(), cred);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(SendText(server.port(), cred, a, "a" + std::to_string(i)).status, 200);
    ASSERT_EQ(SendText(server.port(), cred, b, "b" + std::to_string(i)).status, 200);
  }
  json::object only_b = PollEvents(
      server.port(), cred, R"({"after":"0","chatId":")" + b + R"(","types":["message.created"]})");
  const auto& events = only_b.at("events").as_array();
  ASSERT_EQ(events.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i].at("chatId"), b.c_str());
    EXPECT_EQ(events[i].at("data").at("message").at("msg"), ("b" + std::to_string(i)).c_str());
  }
  EXPECT_EQ(only_b.at("next"), "8") << "scanned to the head";
  json::object created = PollEvents(server.port(), cred, R"({"after":"0","types":"chat.created"})");
  EXPECT_EQ(created.at("events").as_array().size(), 2u);
  json::object limited = PollEvents(server.port(), cred, R"({"after":"0","limit":3})");
  EXPECT_EQ(limited.at("events").as_array().size(), 3u);
  EXPECT_EQ(limited.at("next"), "3");
  // Bad input: a clear 400 naming the field.
  for (const char* body :
       {R"({"types":["message.deleted"]})", R"({"after":"x1"})", R"({"after":"999"})",
        R"({"limit":1001})", R"({"waitMs":30001})", R"({"after":{}})"}) {
    HttpResponse r = Call(server.port(), cred, "events", body);
    EXPECT_EQ(r.status, 400) << body << " " << r.body;
  }
}

TEST_P(EventsTest, LongPollWaitsForTheFirstEventAndExpires) {
  TestServer server(GetParam());
  Credential cred = server.AddClient();
  std::string chat = CreateChat(server.port(), cred);
  auto start = Clock::now();
  auto waiting = std::async(std::launch::async, [&] {
    return PollEvents(server.port(), cred, R"({"after":"1","waitMs":10000})");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(SendText(server.port(), cred, chat, "wake up").status, 200);
  json::object data = waiting.get();
  auto took = Clock::now() - start;
  ASSERT_EQ(data.at("events").as_array().size(), 1u);
  EXPECT_EQ(data.at("events").as_array()[0].at("data").at("message").at("msg"), "wake up");
  EXPECT_LT(took, std::chrono::seconds(3)) << "answered when the event came, not at waitMs";

  start = Clock::now();
  json::object empty = PollEvents(server.port(), cred, R"({"after":"2","waitMs":700})");
  took = Clock::now() - start;
  EXPECT_TRUE(empty.at("events").as_array().empty());
  EXPECT_EQ(empty.at("next"), "2");
  EXPECT_GE(took, std::chrono::milliseconds(650));
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST_P(EventsTest, ChannelsNeverSeeEachOthersEvents) {
  TestServer server(GetParam());
  Credential a = server.AddClient(), b = server.AddClient();
  WsClient ws(server.port(), "/op/v2/live?" + LiveQuery(a, {{"after", "0"}}));
  ASSERT_TRUE(ws.upgraded()) << ws.refusal().body;
  std::string chat_b = CreateChat(server.port(), b);
  ASSERT_EQ(SendText(server.port(), b, chat_b, "secret of b").status, 200);
  std::string chat_a = CreateChat(server.port(), a);
  auto frame = ws.Read(5000);
  ASSERT_TRUE(frame);
  json::value e = json::parse(*frame);
  EXPECT_EQ(e.at("type"), "chat.created");
  EXPECT_EQ(e.at("chatId"), chat_a.c_str()) << "b's events were skipped";
  EXPECT_EQ(e.at("channel"), a.channel.c_str());
  auto only_a = AllEvents(server.port(), a, "0");
  ASSERT_EQ(only_a.size(), 1u);
  SseClient sse(server.port(), "/op/v2/live?" + LiveQuery(a, {{"after", "0"}}));
  ASSERT_EQ(sse.status(), 200);
  auto first = sse.Read(5000);
  ASSERT_TRUE(first);
  EXPECT_EQ(json::parse(first->data).at("chatId"), chat_a.c_str());
  EXPECT_FALSE(sse.Read(300)) << "nothing of channel b";
  // The same chat id in the other channel is another chat with its own events.
  EXPECT_FALSE(ws.Read(300));
}

TEST_P(EventsTest, WebSocketDeliversEverythingOnceAndResumesAfterADrop) {
  TestServer server(GetParam());
  Credential cred = server.AddClient();
  std::string chat = CreateChat(server.port(), cred);  // event 1
  std::string last;
  {
    WsClient ws(server.port(), "/op/v2/live?" + LiveQuery(cred, {{"after", "1"}}));
    ASSERT_TRUE(ws.upgraded()) << ws.refusal().body;
    for (int i = 0; i < 20; ++i)
      ASSERT_EQ(SendText(server.port(), cred, chat, "m" + std::to_string(i)).status, 200);
    for (int i = 0; i < 20; ++i) {
      auto frame = ws.Read(5000);
      ASSERT_TRUE(frame) << "frame " << i;
      json::value e = json::parse(*frame);
      EXPECT_EQ(e.at("data").at("seq"), i + 1);
      EXPECT_EQ(e.at("id"), std::to_string(i + 2).c_str());
      last = Str(e.at("id"));
    }
    EXPECT_FALSE(ws.Read(200)) << "nothing more";
    ws.Drop();
  }
  for (int i = 20; i < 30; ++i)
    ASSERT_EQ(SendText(server.port(), cred, chat, "m" + std::to_string(i)).status, 200);
  WsClient again(server.port(), "/op/v2/live?" + LiveQuery(cred, {{"after", last}}));
  ASSERT_TRUE(again.upgraded()) << again.refusal().body;
  for (int i = 20; i < 30; ++i) {
    auto frame = again.Read(5000);
    ASSERT_TRUE(frame) << "missed frame " << i;
    EXPECT_EQ(json::parse(*frame).at("data").at("seq"), i + 1) << "exactly the missed ones";
  }
  EXPECT_FALSE(again.Read(200)) << "no duplicate";
  // Filters on the socket too.
  std::string other = CreateChat(server.port(), cred);
  WsClient filtered(server.port(),
                    "/op/v2/live?" + LiveQuery(cred, {{"after", "0"},
                                                      {"chatId", other},
                                                      {"types", "chat.created,message.created"}}));
  ASSERT_TRUE(filtered.upgraded());
  auto frame = filtered.Read(5000);
  ASSERT_TRUE(frame);
  EXPECT_EQ(json::parse(*frame).at("chatId"), other.c_str());
  EXPECT_FALSE(filtered.Read(200));
}

TEST_P(EventsTest, ServerSentEventsHonourLastEventId) {
  TestServer server(GetParam());
  Credential cred = server.AddClient();
  std::string chat = CreateChat(server.port(), cred);
  {
    SseClient sse(server.port(), "/op/v2/live?" + LiveQuery(cred, {{"after", "0"}}));
    ASSERT_EQ(sse.status(), 200) << sse.refusal().body;
    ASSERT_EQ(SendText(server.port(), cred, chat, "one").status, 200);
    auto first = sse.Read(5000), second = sse.Read(5000);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->id, "1");
    EXPECT_EQ(json::parse(first->data).at("type"), "chat.created");
    EXPECT_EQ(second->id, "2");
    EXPECT_EQ(json::parse(second->data).at("data").at("message").at("msg"), "one");
  }
  ASSERT_EQ(SendText(server.port(), cred, chat, "two").status, 200);
  ASSERT_EQ(SendText(server.port(), cred, chat, "three").status, 200);
  // EventSource reconnects to the same URL with the last id it saw: that wins over `after`.
  SseClient resumed(server.port(), "/op/v2/live?" + LiveQuery(cred, {{"after", "0"}}), "2");
  ASSERT_EQ(resumed.status(), 200);
  auto e3 = resumed.Read(5000), e4 = resumed.Read(5000);
  ASSERT_TRUE(e3 && e4);
  EXPECT_EQ(e3->id, "3");
  EXPECT_EQ(e4->id, "4");
  EXPECT_FALSE(resumed.Read(200));
  SseClient bad(server.port(), "/op/v2/live?" + LiveQuery(cred), "not-a-cursor");
  EXPECT_EQ(bad.status(), 400) << bad.refusal().body;
  // Filters, as on the WebSocket.
  SseClient filtered(server.port(),
                     "/op/v2/live?" + LiveQuery(cred, {{"after", "0"}, {"types", "chat.created"}}));
  ASSERT_EQ(filtered.status(), 200);
  auto created = filtered.Read(5000);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->id, "1");
  EXPECT_FALSE(filtered.Read(300)) << "the messages were filtered out";
}

TEST_P(EventsTest, BadUpgradesAreRefusedWithAJsonError) {
  TestServer server(GetParam(), "[live]\nmax_connections_per_client = 2\n");
  Credential cred = server.AddClient();
  CreateChat(server.port(), cred);
  std::string good = LiveQuery(cred);
  struct Case {
    std::string target;
    int status;
  };
  std::string tampered = good;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  Credential other_channel = cred;
  other_channel.channel = "not-my-channel";
  const std::vector<Case> cases = {
      {"/op/v2/live?" + tampered, 401},
      {"/op/v2/live?" + LiveQuery(other_channel), 403},
      {"/op/v2/live?" + LiveQuery(cred, {{"after", "abc"}}), 400},
      {"/op/v2/live?" + LiveQuery(cred, {{"after", "99"}}), 400},
      {"/op/v2/live?" + LiveQuery(cred, {{"types", "nope"}}), 400},
      {"/op/v2/live?" + LiveQuery(cred, {}, "hmac-sha256").replace(0, 0, "x=1&"), 401},
      {"/op/v2/live", 401},
  };
  for (const Case& c : cases) {
    WsClient ws(server.port(), c.target);
    EXPECT_FALSE(ws.upgraded()) << c.target;
    EXPECT_EQ(ws.refusal().status, c.status) << c.target << " " << ws.refusal().body;
    EXPECT_EQ(json::parse(ws.refusal().body).at("code"), c.status) << ws.refusal().body;
  }
  // Neither WebSocket nor SSE.
  HttpResponse plain = Get(server.port(), "/op/v2/live?" + good);
  EXPECT_EQ(plain.status, 400) << plain.body;
  // POST to the live URL.
  EXPECT_EQ(Post(server.port(), "/op/v2/live?" + good, "{}").status, 400);
  // Over the per-client limit: 429; a slot frees when a connection goes.
  auto first = std::make_unique<WsClient>(server.port(), "/op/v2/live?" + LiveQuery(cred));
  WsClient second(server.port(), "/op/v2/live?" + LiveQuery(cred));
  ASSERT_TRUE(first->upgraded() && second.upgraded());
  WsClient third(server.port(), "/op/v2/live?" + LiveQuery(cred));
  EXPECT_FALSE(third.upgraded());
  EXPECT_EQ(third.refusal().status, 429) << third.refusal().body;
  first->Close();
  first.reset();
  bool admitted = false;
  for (int i = 0; i < 50 && !admitted; ++i) {
    WsClient fourth(server.port(), "/op/v2/live?" + LiveQuery(cred));
    admitted = fourth.upgraded();
    if (!admitted) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(admitted);
  // hmac-sha256 signs "GET\n/op/v2/live\n" + the parameters: accepted, and only there.
  // (Retried while the slot of the connection closed just above is being freed.)
  std::unique_ptr<WsClient> hmac;
  for (int i = 0; i < 50 && !(hmac && hmac->refusal().status != 429); ++i) {
    if (hmac) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    hmac = std::make_unique<WsClient>(server.port(),
                                      "/op/v2/live?" + LiveQuery(cred, {}, "hmac-sha256"));
  }
  EXPECT_TRUE(hmac->upgraded()) << hmac->refusal().body;
  const std::string signed_for_post = SignedQuery(cred, "", {}, "hmac-sha256", "live");
  WsClient wrong_method(server.port(), "/op/v2/live?" + signed_for_post);
  EXPECT_EQ(wrong_method.refusal().status, 401) << "signed as POST /op/v2/live";
  // The server is still well.
  EXPECT_EQ(Call(server.port(), cred, "chats", "{}").status, 200);
}

TEST_P(EventsTest, ExpiredCursorIsGoneWith410AndTheOldestCursor) {
  // Events kept 2 seconds, pruned every second.
  TestServer server(GetParam(), "[events]\nkeep_hours = 0.0005\nprune_interval_s = 1\n");
  Credential cred = server.AddClient();
  std::string chat = CreateChat(server.port(), cred);
  ASSERT_EQ(SendText(server.port(), cred, chat, "old").status, 200);
  HttpResponse gone;
  for (int i = 0; i < 80 && gone.status != 410; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = Call(server.port(), cred, "events", R"({"after":"0"})");
  }
  ASSERT_EQ(gone.status, 410) << gone.body;
  EXPECT_EQ(gone.Json().at("code"), 410);
  EXPECT_EQ(gone.Json().at("data").at("oldest"), "2");
  WsClient ws(server.port(), "/op/v2/live?" + LiveQuery(cred, {{"after", "1"}}));
  EXPECT_FALSE(ws.upgraded());
  EXPECT_EQ(ws.refusal().status, 410);
  SseClient sse(server.port(), "/op/v2/live?" + LiveQuery(cred), "1");
  EXPECT_EQ(sse.status(), 410) << "Last-Event-ID too";
  EXPECT_EQ(json::parse(sse.refusal().body).at("data").at("oldest"), "2");
  // From the oldest cursor on, nothing is missing.
  EXPECT_EQ(Call(server.port(), cred, "events", R"({"after":"2"})").status, 200);
}

TEST_P(EventsTest, ASlowConsumerIsClosedAndTheOthersAndTheWritersGoOn) {
  // Messages of 300 KB against a queue of 1 MB: a reader that stops reading falls behind once
  // the kernel's socket buffers (a few MB on loopback) are full.
  TestServer server(GetParam(), "[live]\nqueue_bytes = 1048576\n", "max_body_bytes = 1048576\n");
  Credential cred = server.AddClient();
  std::string chat = CreateChat(server.port(), cred);
  WsClient fast(server.port(), "/op/v2/live?" + LiveQuery(cred, {{"after", "1"}}));
  // The slow reader's receive window is tiny: the server's writes to it stall at once.
  WsClient slow(server.port(), "/op/v2/live?" + LiveQuery(cred, {{"after", "1"}}), 4096);
  ASSERT_TRUE(fast.upgraded() && slow.upgraded());
  constexpr int kMessages = 40;
  const std::string text(300 * 1024, 'x');
  std::atomic<int> received{0};
  std::thread reader([&] {
    while (received < kMessages) {
      if (!fast.Read(20000)) break;
      ++received;
    }
  });
  auto start = Clock::now();
  for (int i = 0; i < kMessages; ++i)
    ASSERT_EQ(SendText(server.port(), cred, chat, text + std::to_string(i)).status, 200);
  auto sending = Clock::now() - start;
  reader.join();
  EXPECT_EQ(received.load(), kMessages) << "the fast subscriber got everything";
  EXPECT_LT(sending, std::chrono::seconds(30)) << "the writers were not held up";
  EXPECT_TRUE(fast.Read(100) == std::nullopt && !fast.closed());
  // The slow one, read now: what the buffers held, then a close that says where to resume.
  int frames = 0;
  while (slow.Read(5000)) ++frames;
  EXPECT_LT(frames, kMessages);
  EXPECT_EQ(slow.close_code(), 4000) << slow.close_reason();
  EXPECT_NE(slow.close_reason().find("resume with after="), std::string::npos)
      << slow.close_reason();
}

TEST_P(EventsTest, StoppingClosesLiveConnectionsAndAnswersLongPolls) {
  TestServer server(GetParam());
  Credential cred = server.AddClient();
  WsClient ws(server.port(), "/op/v2/live?" + LiveQuery(cred));
  ASSERT_TRUE(ws.upgraded());
  auto poll = std::async(std::launch::async, [&] {
    return Call(server.port(), cred, "events", R"({"waitMs":30000})");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto start = Clock::now();
  server.Stop();  // SIGTERM
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5)) << "nobody held the drain";
  EXPECT_EQ(poll.get().status, 200) << "the long poll was answered, empty";
  EXPECT_FALSE(ws.Read(2000));
  EXPECT_EQ(ws.close_code(), 1001) << ws.close_reason();
}

TEST_P(EventsTest, MetricsCountLiveConnectionsAndDeliveries) {
  TestServer server(GetParam());
  Credential cred = server.AddClient();
  WsClient ws(server.port(), "/op/v2/live?" + LiveQuery(cred));
  ASSERT_TRUE(ws.upgraded());
  CreateChat(server.port(), cred);
  ASSERT_TRUE(ws.Read(5000));
  std::string metrics = Get(server.port(), "/metrics").body;
  EXPECT_NE(metrics.find("opchat_live_connections 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("opchat_events_delivered_total 1"), std::string::npos);
  EXPECT_NE(metrics.find("opchat_event_delivery_lag_seconds_count 1"), std::string::npos);
}

TEST_P(EventsTest, ImportRecordsEventsUnlessToldNot) {
  TestServer server(GetParam());
  Credential cred = server.AddClient();
  const std::string file = server.dir() + "/in.ndjson";
  auto write_file = [&](const std::string& chat) {
    std::ofstream out(file);
    for (int i = 0; i < 3; ++i) {
      out << R"({"channel":")" << cred.channel << R"(","chatId":")" << chat
          << R"(","userId":"u1","userMessageId":"17000000000000)" << chat.back() << i
          << R"(","form":"u1","to":"op","type":"txt","msg":"imported )" << i
          << R"(","timestamp":1700000000000})"
          << "\n";
    }
  };
  write_file("imported-1");
  CommandOutcome with =
      RunOpchatIn("", {"import", "ndjson", "--config", server.config_path(), file});
  ASSERT_EQ(with.exit_code, 0) << with.err;
  auto events = AllEvents(server.port(), cred, "0");
  ASSERT_EQ(events.size(), 4u) << "chat.created + 3 message.created";
  EXPECT_EQ(events[0].at("type"), "chat.created");
  write_file("imported-2");
  CommandOutcome without =
      RunOpchatIn("", {"import", "ndjson", "--no-events", "--config", server.config_path(), file});
  ASSERT_EQ(without.exit_code, 0) << without.err;
  EXPECT_NE((without.out + without.err).find("--no-events"), std::string::npos)
      << "the summary says so: " << without.out << without.err;
  EXPECT_EQ(AllEvents(server.port(), cred, "4").size(), 0u);
  EXPECT_EQ(AllMessages(server.port(), cred, "imported-2").size(), 3u);
}

}  // namespace
}  // namespace opchat::testing
