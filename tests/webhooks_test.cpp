// Webhooks end to end (docs/webhooks.md): the real server delivers a channel's events to a Node
// receiver that verifies each one with the Standard Webhooks reference library (npm
// `standardwebhooks`), never with opchat's own code. On SQLite and PostgreSQL; the lease
// take-over between two instances on PostgreSQL only.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "common/crypto.hpp"
#include "test_server.hpp"
#include "webhook_receiver.hpp"

namespace opchat::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Deliveries = std::vector<json::object>;

// Short retries, so that a schedule of several attempts runs in a second or two: attempts at
// 0, +0.3 s, +0.6 s, +0.9 s, +1.2 s, then failed. A 1 s timeout; leases of 3 s (the take-over
// test).
const char* const kWebhookConfig =
    "[webhooks]\n"
    "allow_private = true\n"  // the receiver is on 127.0.0.1
    "retry_schedule_s = [0, 0.3, 0.6, 0.9, 1.2]\n"
    "jitter = 0\n"
    "timeout_s = 1\n"
    "lease_s = 3\n"
    "poll_interval_ms = 100\n";

struct Endpoint {
  std::string id;
  std::string secret;
};

// `opchat webhook add`, through the CLI as an operator would.
Endpoint AddWebhook(const TestServer& server, const std::string& channel, const std::string& url,
                    const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"webhook",   "add",   "--config", server.config_path(),
                                   "--channel", channel, "--url",    url};
  args.insert(args.end(), extra.begin(), extra.end());
  CommandOutcome r = RunOpchatIn("", args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  json::object o = json::parse(r.out).as_object();
  return {std::string(o.at("id").as_string()), std::string(o.at("secret").as_string())};
}

CommandOutcome Webhook(const TestServer& server, std::vector<std::string> args) {
  args.insert(args.begin(), "webhook");
  args.insert(args.end(), {"--config", server.config_path()});
  return RunOpchatIn("", args);
}

// The JSON lines a command printed.
std::vector<json::object> Lines(const std::string& out) {
  std::vector<json::object> lines;
  size_t begin = 0;
  while (begin < out.size()) {
    size_t end = out.find('\n', begin);
    if (end == std::string::npos) end = out.size();
    if (end > begin) lines.push_back(json::parse(out.substr(begin, end - begin)).as_object());
    begin = end + 1;
  }
  return lines;
}

// The endpoints `webhook list` shows for `channel` (PostgreSQL keeps other tests' too).
std::vector<json::object> ListFor(const TestServer& server, const std::string& channel) {
  std::vector<json::object> out;
  for (auto& e : Lines(Webhook(server, {"list"}).out)) {
    if (e.at("channel").as_string() == channel) out.push_back(e);
  }
  return out;
}

std::string ChatOf(const json::object& d) {
  const json::value* chat = d.if_contains("chatId");
  return chat && chat->is_string() ? std::string(chat->as_string()) : "";
}

// Unix ms of "2026-12-01T08:06:48.123Z".
int64_t ParseIsoMillis(std::string_view text) {
  std::tm t{};
  std::string s(text);
  strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &t);
  return static_cast<int64_t>(timegm(&t)) * 1000 + std::stoi(s.substr(20, 3));
}

// A message's seq, 0 for a chat event.
int64_t SeqOf(const json::object& d) {
  if (d.at("type").as_string() != "message.created") return 0;
  return d.at("data").at("seq").as_int64();
}

// The deliveries answered 2xx.
Deliveries Accepted(const Deliveries& all) {
  Deliveries out;
  for (const auto& d : all) {
    const json::value& a = d.at("answeredWith");
    if (a.is_int64() && a.as_int64() >= 200 && a.as_int64() < 300) out.push_back(d);
  }
  return out;
}

std::set<std::string> DistinctIds(const Deliveries& all) {
  std::set<std::string> ids;
  for (const auto& d : all) ids.insert(std::string(d.at("id").as_string()));
  return ids;
}

std::string Send(int port, const Credential& cred, const std::string& chat,
                 const std::string& tag) {
  HttpResponse r = SendText(port, cred, chat, tag);
  EXPECT_EQ(r.status, 200) << r.body;
  return tag;
}

// Creates `chats` chats and sends `each` messages to every one, round robin.
void FillChats(int port, const Credential& cred, int chats, int each) {
  std::vector<std::string> ids;
  for (int i = 0; i < chats; ++i) ids.push_back(CreateChat(port, cred));
  for (int i = 0; i < each; ++i) {
    for (const auto& chat : ids) Send(port, cred, chat, "m" + std::to_string(i));
  }
}

// Per chat, a message arrives only after every earlier one has arrived (a re-delivery after a
// crash may repeat some, never skip ahead).
void ExpectNoChatSkipsAhead(const Deliveries& got) {
  std::map<std::string, int64_t> highest;
  for (const auto& d : got) {
    int64_t& top = highest[ChatOf(d)];
    EXPECT_LE(SeqOf(d), top + 1) << "chat " << ChatOf(d) << " skipped to " << SeqOf(d);
    top = std::max(top, SeqOf(d));
  }
}

class WebhooksTest : public ::testing::TestWithParam<std::string> {
 protected:
  // A path of this test's own: endpoints of earlier tests (PostgreSQL keeps one database) never
  // count here.
  const std::string path_ = "/hook-" + RandomHex(6);
};
INSTANTIATE_TEST_SUITE_P(BackEnds, WebhooksTest, ::testing::ValuesIn(BackEnds()));

TEST_P(WebhooksTest, EveryEventArrivesSignedAndInOrder) {
  WebhookReceiver receiver({}, /*record_bodies=*/true);
  TestServer server(GetParam(), kWebhookConfig);
  Credential cred = server.AddClient();
  Endpoint endpoint = AddWebhook(server, cred.channel, receiver.Url(path_));
  EXPECT_TRUE(endpoint.id.starts_with("wh_"));
  EXPECT_TRUE(endpoint.secret.starts_with("whsec_"));
  receiver.SetSecrets({endpoint.secret});

  std::string chat = CreateChat(server.port(), cred);
  for (int i = 0; i < 10; ++i) Send(server.port(), cred, chat, "m" + std::to_string(i));
  ASSERT_EQ(
      Call(server.port(), cred, "acceptChat", R"({"chatId":")" + chat + R"(","operatorId":"op-1"})")
          .status,
      200);
  Deliveries got = receiver.WaitFor(
      path_, [](const Deliveries& d) { return d.size() >= 12; }, 10s);
  ASSERT_EQ(got.size(), 12u);
  // The order of the events: chat.created, the ten messages, the status change.
  EXPECT_EQ(got.front().at("type").as_string(), "chat.created");
  EXPECT_EQ(got.back().at("type").as_string(), "chat.status_changed");
  for (size_t i = 0; i < got.size(); ++i) {
    const json::object& d = got[i];
    EXPECT_EQ(d.at("verifiedWith"), json::parse("[0]")) << json::serialize(d);
    EXPECT_EQ(d.at("id").as_string(), std::to_string(i + 1));  // webhook-id: the event id
    EXPECT_EQ(ChatOf(d), chat);
    if (i >= 1 && i <= 10) EXPECT_EQ(SeqOf(d), static_cast<int64_t>(i));
    // {"type","timestamp","data"} and nothing else, the timestamp RFC 3339 in UTC.
    const json::object& body = d.at("body").as_object();
    EXPECT_EQ(body.size(), 3u);
    std::string ts(body.at("timestamp").as_string());
    EXPECT_EQ(ts.size(), 24u) << ts;
    EXPECT_EQ(ts.back(), 'Z') << ts;
  }
  EXPECT_EQ(got.back().at("data").at("from").as_int64(), 1);  // waiting -> accepted

  // The delivery log and the metrics say the same.
  CommandOutcome log = Webhook(server, {"deliveries", endpoint.id, "--limit", "100"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  auto lines = Lines(log.out);
  ASSERT_EQ(lines.size(), 12u);
  EXPECT_EQ(lines.front().at("eventId").as_string(), "12");  // newest first
  EXPECT_EQ(lines.front().at("state").as_string(), "succeeded");
  EXPECT_EQ(lines.front().at("attempts").as_array().at(0).at("status").as_int64(), 200);
  HttpResponse metrics = Get(server.port(), "/metrics");
  EXPECT_NE(metrics.body.find("opchat_webhook_deliveries_total{endpoint=\"" + endpoint.id +
                              "\",outcome=\"succeeded\"} 12"),
            std::string::npos)
      << metrics.body;
  Webhook(server, {"remove", endpoint.id});
}

TEST_P(WebhooksTest, ARotationSignsWithBothSecretsForItsOverlap) {
  WebhookReceiver receiver({}, /*record_bodies=*/true);
  TestServer server(GetParam(), kWebhookConfig);
  Credential cred = server.AddClient();
  Endpoint endpoint = AddWebhook(server, cred.channel, receiver.Url(path_));
  CommandOutcome rotated = Webhook(server, {"rotate", endpoint.id});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  std::string fresh(json::parse(rotated.out).at("secret").as_string());
  ASSERT_NE(fresh, endpoint.secret);
  receiver.SetSecrets({endpoint.secret, fresh});
  std::this_thread::sleep_for(300ms);  // the server reloads endpoints every 100 ms here
  CreateChat(server.port(), cred);
  Deliveries got = receiver.WaitFor(
      path_, [](const Deliveries& d) { return !d.empty(); }, 10s);
  ASSERT_EQ(got.size(), 1u);
  // A receiver that knows either secret accepts it.
  EXPECT_EQ(got[0].at("verifiedWith"), json::parse("[0,1]")) << json::serialize(got[0]);
  std::string header(got[0].at("signatureHeader").as_string());
  EXPECT_EQ(std::count(header.begin(), header.end(), ' '), 1) << header;

  // With no overlap, only the new secret signs.
  ASSERT_EQ(Webhook(server, {"rotate", endpoint.id, "--overlap-hours", "0"}).exit_code, 0);
  Webhook(server, {"remove", endpoint.id});
}

TEST_P(WebhooksTest, RetriesFollowTheScheduleAndTheChatsLaterEventsWait) {
  WebhookReceiver receiver({}, /*record_bodies=*/true);
  TestServer server(GetParam(), kWebhookConfig);
  Credential cred = server.AddClient();
  Endpoint endpoint =
      AddWebhook(server, cred.channel, receiver.Url(path_), {"--event", "message.created"});
  receiver.SetSecrets({endpoint.secret});
  std::string slow = CreateChat(server.port(), cred);
  std::string other = CreateChat(server.port(), cred);
  // The first message of `slow` fails three ways before an attempt succeeds: a 500, a timeout,
  // and connections closed without an answer. (The client retries a request at once, within
  // the same attempt, when a kept-alive connection turns out closed: the two closes may be
  // one attempt or two.)
  receiver.SetRules(R"([{"match":{"chatId":")" + slow +
                    R"("},"times":1,"action":"status:500"},)"
                    R"({"match":{"chatId":")" +
                    slow +
                    R"("},"times":1,"action":"delay:1500"},)"
                    R"({"match":{"chatId":")" +
                    slow + R"("},"times":2,"action":"close"}])");
  Send(server.port(), cred, slow, "s1");
  Send(server.port(), cred, slow, "s2");
  Send(server.port(), cred, other, "o1");
  // Done when s2 (which waits for s1) and o1 have arrived.
  auto arrived = [](const Deliveries& d, const std::string& chat, int64_t seq) {
    return std::any_of(d.begin(), d.end(),
                       [&](const auto& x) { return ChatOf(x) == chat && SeqOf(x) == seq; });
  };
  Deliveries got = receiver.WaitFor(
      path_, [&](const Deliveries& d) { return arrived(d, slow, 2) && arrived(d, other, 1); }, 15s);
  std::vector<int64_t> seqs;
  int64_t s1_done_ms = 0;
  for (const auto& d : got) {
    if (ChatOf(d) != slow) continue;
    seqs.push_back(SeqOf(d));
    if (SeqOf(d) == 1) s1_done_ms = d.at("receivedMs").as_int64();
  }
  // s2 only after s1's last attempt: every 1 before the 2.
  ASSERT_FALSE(seqs.empty());
  EXPECT_EQ(seqs.back(), 2);
  EXPECT_EQ(std::count(seqs.begin(), seqs.end(), 2), 1);
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
  // The other chat did not wait for `slow`.
  for (const auto& d : got) {
    if (ChatOf(d) == other) EXPECT_LT(d.at("receivedMs").as_int64(), s1_done_ms);
  }
  // The log shows s1's attempts: 500, timeout, one or two without an answer, then 200, each
  // after the schedule's delay (0.3, 0.6, 0.9, 1.2 s after the previous attempt ended).
  CommandOutcome log = Webhook(server, {"deliveries", endpoint.id});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  bool found = false;
  for (const auto& line : Lines(log.out)) {
    if (line.at("chatId").as_string() != slow || line.at("eventId").as_string() != "3") continue;
    found = true;
    EXPECT_EQ(line.at("state").as_string(), "succeeded");
    const json::array& attempts = line.at("attempts").as_array();
    ASSERT_GE(attempts.size(), 4u) << log.out;
    ASSERT_LE(attempts.size(), 5u) << log.out;
    EXPECT_EQ(attempts[0].at("status").as_int64(), 500);
    EXPECT_EQ(attempts[1].at("status").as_int64(), 0);
    EXPECT_EQ(attempts[1].at("error").as_string(), "timeout");
    for (size_t i = 2; i + 1 < attempts.size(); ++i) {
      EXPECT_EQ(attempts[i].at("status").as_int64(), 0);
      EXPECT_NE(std::string(attempts[i].at("error").as_string()).find("closed"), std::string::npos)
          << json::serialize(attempts[i]);
    }
    EXPECT_EQ(attempts.back().at("status").as_int64(), 200);
    auto started = [&](size_t i) { return ParseIsoMillis(attempts[i].at("time").as_string()); };
    for (size_t i = 1; i < attempts.size(); ++i) {
      const int64_t gap = started(i) - started(i - 1) - attempts[i - 1].at("latencyMs").as_int64();
      EXPECT_GE(gap, static_cast<int64_t>(300 * i) - 20) << "before attempt " << i + 1;
    }
  }
  EXPECT_TRUE(found) << log.out;
  Webhook(server, {"remove", endpoint.id});
}

TEST_P(WebhooksTest, AGivenUpDeliveryIsKeptAndReplayed) {
  WebhookReceiver receiver({}, /*record_bodies=*/true);
  TestServer server(GetParam(), kWebhookConfig);
  Credential cred = server.AddClient();
  Endpoint endpoint = AddWebhook(server, cred.channel, receiver.Url(path_));
  receiver.SetSecrets({endpoint.secret});
  receiver.SetRules(R"([{"match":{},"times":5,"action":"status:503"}])");
  std::string chat = CreateChat(server.port(), cred);
  // Five attempts (the whole schedule), all 503: failed. Then the chat's next event goes.
  Send(server.port(), cred, chat, "after");
  Deliveries got = receiver.WaitFor(
      path_, [](const Deliveries& d) { return Accepted(d).size() >= 1; }, 10s);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got.back().at("type").as_string(), "message.created");
  CommandOutcome failed = Webhook(server, {"deliveries", endpoint.id, "--state", "failed"});
  auto lines = Lines(failed.out);
  ASSERT_EQ(lines.size(), 1u) << failed.out;
  EXPECT_EQ(lines[0].at("eventId").as_string(), "1");
  EXPECT_EQ(lines[0].at("attempts").as_array().size(), 5u);

  // replay --since 0: both events again, in order, with the same webhook-id as before.
  CommandOutcome replay = Webhook(server, {"replay", endpoint.id, "--since", "0"});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(json::parse(replay.out).at("queued").as_int64(), 2);
  got = receiver.WaitFor(
      path_, [](const Deliveries& d) { return Accepted(d).size() >= 3; }, 10s);
  Deliveries accepted = Accepted(got);
  ASSERT_EQ(accepted.size(), 3u);
  EXPECT_EQ(accepted[1].at("id").as_string(), "1");
  EXPECT_EQ(accepted[2].at("id").as_string(), "2");
  EXPECT_EQ(Lines(Webhook(server, {"deliveries", endpoint.id, "--state", "failed"}).out).size(),
            0u);
  Webhook(server, {"remove", endpoint.id});
}

TEST_P(WebhooksTest, GoneDisablesTheEndpointAtOnceAndEnableResumes) {
  WebhookReceiver receiver({}, /*record_bodies=*/true);
  TestServer server(GetParam(), kWebhookConfig);
  Credential cred = server.AddClient();
  Endpoint endpoint = AddWebhook(server, cred.channel, receiver.Url(path_));
  receiver.SetSecrets({endpoint.secret});
  receiver.SetRules(R"([{"match":{},"times":1,"action":"status:410"}])");
  std::string chat = CreateChat(server.port(), cred);
  Send(server.port(), cred, chat, "while-gone");
  receiver.WaitFor(
      path_, [](const Deliveries& d) { return !d.empty(); }, 10s);
  std::this_thread::sleep_for(1500ms);  // several retries, had it retried
  EXPECT_EQ(receiver.Deliveries(path_).size(), 1u);
  auto list = ListFor(server, cred.channel);
  bool seen = false;
  for (const auto& e : list) {
    if (e.at("id").as_string() != endpoint.id) continue;
    seen = true;
    EXPECT_FALSE(e.at("enabled").as_bool());
    EXPECT_NE(std::string(e.at("disabledReason").as_string()).find("410"), std::string::npos);
  }
  EXPECT_TRUE(seen);
  // Enabled again, it sends what waited: the message (the 410'd chat.created was failed).
  ASSERT_EQ(Webhook(server, {"enable", endpoint.id}).exit_code, 0);
  Deliveries got = receiver.WaitFor(
      path_, [](const Deliveries& d) { return Accepted(d).size() >= 1; }, 10s);
  ASSERT_EQ(Accepted(got).size(), 1u);
  EXPECT_EQ(Accepted(got)[0].at("type").as_string(), "message.created");
  Webhook(server, {"remove", endpoint.id});
}

TEST_P(WebhooksTest, NoDeliveryIsLostToKillNine) {
  WebhookReceiver receiver({}, /*record_bodies=*/true);
  TestServer server(GetParam(), kWebhookConfig);
  Credential cred = server.AddClient();
  Endpoint endpoint =
      AddWebhook(server, cred.channel, receiver.Url(path_), {"--event", "message.created"});
  receiver.SetSecrets({endpoint.secret});
  // Slow answers, so that deliveries are queued and in flight when the server dies: a chat's 15
  // take 4.5 s at least, longer than filling the chats takes even under AddressSanitizer, and
  // time enough for a loaded machine to get from the 10th to the kill.
  receiver.SetRules(R"([{"match":{},"action":"delay:300"}])");
  constexpr int kChats = 4, kEach = 15;
  FillChats(server.port(), cred, kChats, kEach);
  receiver.WaitFor(
      path_, [](const Deliveries& d) { return d.size() >= 10; }, 10s);
  server.Kill();
  const size_t before_restart = receiver.Deliveries(path_).size();
  EXPECT_LT(before_restart, static_cast<size_t>(kChats * kEach)) << "nothing was left to lose";
  server.Start();
  Deliveries got = receiver.WaitFor(
      path_, [&](const Deliveries& d) { return DistinctIds(Accepted(d)).size() >= kChats * kEach; },
      30s);
  EXPECT_EQ(DistinctIds(Accepted(got)).size(), static_cast<size_t>(kChats * kEach));
  ExpectNoChatSkipsAhead(got);
  Webhook(server, {"remove", endpoint.id});
}

TEST_P(WebhooksTest, PrivateDestinationsAreRefusedAtAddAndAtDelivery) {
  TestServer server(GetParam());  // allow_private off, the default
  Credential cred = server.AddClient();
  for (const std::string url :
       {"http://127.0.0.1:9/h", "http://10.1.2.3/h", "http://169.254.169.254/latest",
        "http://[::1]:8080/h", "http://localhost:9/h", "https://192.168.0.10/h"}) {
    CommandOutcome r = Webhook(server, {"add", "--channel", cred.channel, "--url", url});
    EXPECT_EQ(r.exit_code, 2) << url << ": " << r.out;
    EXPECT_NE(r.err.find("refused"), std::string::npos) << url << ": " << r.err;
  }
  EXPECT_EQ(
      Webhook(server, {"add", "--channel", cred.channel, "--url", "ftp://example.com/"}).exit_code,
      2);
  EXPECT_EQ(ListFor(server, cred.channel).size(), 0u);

  // An endpoint added while allowed (another config) is refused at delivery by this server.
  WebhookReceiver receiver({}, /*record_bodies=*/true);
  const std::string permissive = server.dir() + "/permissive.toml";
  std::ofstream(permissive) << kWebhookConfig;
  CommandOutcome added =
      RunOpchatIn("", {"webhook", "add", "--db", server.db_url(), "--config", permissive,
                       "--channel", cred.channel, "--url", receiver.Url(path_)});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  std::string id(json::parse(added.out).at("id").as_string());
  CreateChat(server.port(), cred);
  // The server (poll interval 1 s) finds the endpoint and makes its first attempt.
  std::vector<json::object> lines;
  for (int i = 0; i < 100; ++i) {
    lines = Lines(Webhook(server, {"deliveries", id}).out);
    if (!lines.empty() && !lines[0].at("attempts").as_array().empty()) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(receiver.Deliveries(path_).size(), 0u);
  ASSERT_EQ(lines.size(), 1u);
  const json::array& attempts = lines[0].at("attempts").as_array();
  ASSERT_FALSE(attempts.empty());
  EXPECT_NE(std::string(attempts[0].at("error").as_string()).find("destination refused"),
            std::string::npos)
      << json::serialize(attempts[0]);
  Webhook(server, {"remove", id});
}

TEST_P(WebhooksTest, CommandsCheckTheirInput) {
  TestServer server(GetParam(), kWebhookConfig);
  Credential cred = server.AddClient();
  EXPECT_EQ(Webhook(server, {"add", "--channel", cred.channel, "--url", "http://127.0.0.1:9/",
                             "--event", "message.deleted"})
                .exit_code,
            2);
  EXPECT_EQ(Webhook(server, {"disable", "wh_0000000000000000"}).exit_code, 1);
  EXPECT_EQ(Webhook(server, {"replay", "wh_0000000000000000", "--since", "x"}).exit_code, 2);
  EXPECT_EQ(Webhook(server, {"deliveries", "wh_0000000000000000", "--state", "odd"}).exit_code, 2);
  EXPECT_EQ(ListFor(server, cred.channel).size(), 0u);
}

// Two instances share the outbox: one dies holding leases, the other takes them over once they
// run out, and every event still arrives, each chat in order.
class WebhooksClusterTest : public ::testing::TestWithParam<std::string> {};
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(WebhooksClusterTest);
INSTANTIATE_TEST_SUITE_P(Postgres, WebhooksClusterTest, ::testing::ValuesIn(PostgresOnly()));

TEST_P(WebhooksClusterTest, TheOtherInstanceTakesOverTheLeasesOfADeadOne) {
  const std::string path = "/hook-" + RandomHex(6);
  WebhookReceiver receiver({}, /*record_bodies=*/true);
  TestServer a("postgres", kWebhookConfig), b("postgres", kWebhookConfig);
  Credential cred = a.AddClient();
  Endpoint endpoint =
      AddWebhook(a, cred.channel, receiver.Url(path), {"--event", "message.created"});
  receiver.SetSecrets({endpoint.secret});
  receiver.SetRules(R"([{"match":{},"action":"delay:100"}])");
  constexpr int kChats = 6, kEach = 10;
  FillChats(a.port(), cred, kChats, kEach);
  receiver.WaitFor(
      path, [](const Deliveries& d) { return d.size() >= 8; }, 10s);
  a.Kill();
  Deliveries got = receiver.WaitFor(
      path, [&](const Deliveries& d) { return DistinctIds(Accepted(d)).size() >= kChats * kEach; },
      30s);
  EXPECT_EQ(DistinctIds(Accepted(got)).size(), static_cast<size_t>(kChats * kEach));
  ExpectNoChatSkipsAhead(got);
  Webhook(b, {"remove", endpoint.id});
}

}  // namespace
}  // namespace opchat::testing
