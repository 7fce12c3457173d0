// /op/v2 called by the console with a session instead of a signature (docs/console.md, "The Op
// API from the console"): the channel is the operator's, writes need the CSRF token, agents act
// only in their own chats, supervisors transfer; a signature, when present, decides alone. On
// SQLite and, under tests/pg_harness.sh, PostgreSQL. The /op/v2 answers are recorded for
// docs/openapi.yaml like every other.
#include <gtest/gtest.h>

#include <algorithm>

#include <boost/json.hpp>

#include "common/crypto.hpp"
#include "live_client.hpp"
#include "test_server.hpp"

namespace opchat::testing {
namespace {

namespace json = boost::json;

constexpr const char* kPassword = "console password";
constexpr const char* kFirstPage = R"(,"pageNum":1,"pageSize":20)";

struct Session {
  std::string cookie;  // "opchat_session=TOKEN"
  std::string csrf;
};

class ConsoleSessionApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    server_ =
        std::make_unique<TestServer>(GetParam(), "[console]\ninsecure_loopback_http = true\n");
    channel_ = "ch-" + RandomHex(6);
    cred_ = server_->AddClient({channel_});
  }

  // Adds an operator of the test's channel with the CLI; returns its id.
  std::string AddOperator(const std::string& login, const std::string& role) {
    CommandOutcome r = RunOpchatWithInput(
        {"operator", "add", "--config", server_->config_path(), "--channel", channel_, "--login",
         login, "--name", "Name " + login, "--role", role, "--password-stdin"},
        std::string(kPassword) + "\n");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? std::string(json::parse(r.out).at("id").as_string()) : "";
  }

  Session SignIn(const std::string& login) {
    const std::string body = json::serialize(
        json::object{{"channel", channel_}, {"login", login}, {"password", kPassword}});
    HttpResponse r = Exchange(server_->port(), Raw("/console/api/login", body, {}));
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    const std::string set_cookie = r.headers["set-cookie"];
    return {set_cookie.substr(0, set_cookie.find(';')),
            std::string(r.Json().at("csrfToken").as_string())};
  }

  static std::string Raw(const std::string& target, const std::string& body,
                         const std::vector<std::string>& headers) {
    std::string raw = "POST " + target +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                      "Content-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n";
    for (const std::string& h : headers) raw += h + "\r\n";
    return raw + "\r\n" + body;
  }

  // POST /op/v2/<name> with the session's cookie (and its CSRF token unless `csrf` says
  // otherwise), no signature.
  HttpResponse AsOperator(const Session& s, const std::string& name, const std::string& body,
                          std::optional<std::string> csrf = std::nullopt,
                          const std::string& query = "") {
    std::vector<std::string> headers = {"Cookie: theme=dark; " + s.cookie};
    const std::string token = csrf.value_or(s.csrf);
    if (!token.empty()) headers.push_back("X-CSRF-Token: " + token);
    return SendRaw(server_->port(),
                   Raw("/op/v2/" + name + (query.empty() ? "" : "?" + query), body, headers));
  }

  HttpResponse Signed(const std::string& name, const std::string& body) {
    return Call(server_->port(), cred_, name, body);
  }

  std::string NewChat() { return CreateChat(server_->port(), cred_, "user-1"); }

  static std::string OnChat(const std::string& chat, const std::string& more = "") {
    return R"({"chatId":")" + chat + "\"" + more + "}";
  }
  static std::string Reply(const std::string& chat) {
    return OnChat(chat, R"(,"direction":"operatorToUser","type":"txt","msg":"您好")");
  }
  static std::string MessageOf(const HttpResponse& r) {
    return std::string(r.Json().at("message").as_string());
  }

  std::unique_ptr<TestServer> server_;
  std::string channel_;
  Credential cred_;
};

TEST_P(ConsoleSessionApiTest, SessionReadsTheOperatorsChannel) {
  AddOperator("amy", "agent");
  const Session amy = SignIn("amy");
  const std::string chat = NewChat();
  ASSERT_EQ(SendText(server_->port(), cred_, chat, "hello").status, 200);

  HttpResponse list = AsOperator(amy, "chats", "{}", "");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.Json().at("data").at("chats").as_array().size(), 1u);
  EXPECT_EQ(list.headers["cache-control"], "no-store");
  HttpResponse info = AsOperator(amy, "chatInfo", OnChat(chat), "");
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_EQ(info.Json().at("data").at("channel"), json::value(channel_));
  HttpResponse history =
      AsOperator(amy, "operatorToUserChatMessages", OnChat(chat, kFirstPage), "");
  ASSERT_EQ(history.status, 200) << history.body;
  EXPECT_EQ(history.Json().at("page").at("total"), 1);
  EXPECT_EQ(AsOperator(amy, "chatInfo", OnChat(chat), "", "channel=" + channel_).status, 200);

  HttpResponse other = AsOperator(amy, "chatInfo", OnChat(chat), "", "channel=ch-elsewhere");
  EXPECT_EQ(other.status, 403) << other.body;
  HttpResponse unknown = AsOperator({"opchat_session=" + std::string(64, 'a'), ""}, "chats", "{}");
  EXPECT_EQ(unknown.status, 401) << unknown.body;
}

TEST_P(ConsoleSessionApiTest, WritesNeedTheSessionsCsrfToken) {
  AddOperator("amy", "agent");
  const Session amy = SignIn("amy");
  const std::string chat = NewChat();
  HttpResponse none = AsOperator(amy, "acceptChat", OnChat(chat), "");
  EXPECT_EQ(none.status, 403) << none.body;
  EXPECT_NE(MessageOf(none).find("CSRF"), std::string::npos) << none.body;
  HttpResponse wrong = AsOperator(amy, "acceptChat", OnChat(chat), std::string(32, '0'));
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  HttpResponse right = AsOperator(amy, "acceptChat", OnChat(chat));
  EXPECT_EQ(right.status, 200) << right.body;
}

TEST_P(ConsoleSessionApiTest, AnAgentAcceptsAWaitingChatAndRepliesOnlyInItsOwn) {
  const std::string amy_id = AddOperator("amy", "agent");
  const std::string bob_id = AddOperator("bob", "agent");
  const Session amy = SignIn("amy");
  const Session bob = SignIn("bob");
  const std::string chat = NewChat();

  HttpResponse for_bob =
      AsOperator(amy, "acceptChat", OnChat(chat, R"(,"operatorId":")" + bob_id + "\""));
  EXPECT_EQ(for_bob.status, 403) << for_bob.body;
  HttpResponse accepted = AsOperator(amy, "acceptChat", OnChat(chat));
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(accepted.Json().at("data").at("operatorId"), json::value(amy_id));
  HttpResponse sent = AsOperator(amy, "sendMessage", Reply(chat));
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(sent.Json().at("data").at("form"), json::value(amy_id));

  for (const std::string name : {"sendMessage", "suspendChat", "endChat"}) {
    HttpResponse refused =
        AsOperator(bob, name, name == "sendMessage" ? Reply(chat) : OnChat(chat));
    EXPECT_EQ(refused.status, 403) << name << " " << refused.body;
    EXPECT_EQ(MessageOf(refused), "只能在自己接待的会话中操作");
  }
  EXPECT_EQ(
      AsOperator(bob, "transferChat", OnChat(chat, R"(,"operatorId":")" + bob_id + "\"")).status,
      403);
  EXPECT_EQ(AsOperator(amy, "sendMessage",
                       OnChat(chat, R"(,"direction":"userToOperator","type":"txt","msg":"x")"))
                .status,
            403);
  // Reads cover the whole channel.
  HttpResponse read = AsOperator(bob, "operatorToUserChatMessages", OnChat(chat, kFirstPage), "");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.Json().at("page").at("total"), 1);
  EXPECT_EQ(AsOperator(amy, "suspendChat", OnChat(chat)).status, 200);
  EXPECT_EQ(AsOperator(amy, "resumeChat", OnChat(chat)).status, 200);
  EXPECT_EQ(AsOperator(amy, "endChat", OnChat(chat)).status, 200);
}

TEST_P(ConsoleSessionApiTest, ASupervisorTransfersAChattingChat) {
  const std::string amy_id = AddOperator("amy", "agent");
  const std::string bob_id = AddOperator("bob", "agent");
  AddOperator("sue", "supervisor");
  const Session amy = SignIn("amy");
  const Session bob = SignIn("bob");
  const Session sue = SignIn("sue");
  const std::string chat = NewChat();
  const std::string to_bob = OnChat(chat, R"(,"operatorId":")" + bob_id + "\"");
  EXPECT_EQ(AsOperator(sue, "transferChat", to_bob).status, 409) << "a waiting chat";
  ASSERT_EQ(AsOperator(amy, "acceptChat", OnChat(chat)).status, 200);

  HttpResponse moved = AsOperator(sue, "transferChat", to_bob);
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(moved.Json().at("data").at("statusCode"), 3);
  EXPECT_EQ(moved.Json().at("data").at("operatorId"), json::value(bob_id));
  EXPECT_EQ(AsOperator(amy, "sendMessage", Reply(chat)).status, 403);
  HttpResponse sent = AsOperator(bob, "sendMessage", Reply(chat));
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(sent.Json().at("data").at("form"), json::value(bob_id));
  // A supervisor may act in anyone's chat.
  EXPECT_EQ(AsOperator(sue, "sendMessage", Reply(chat)).status, 200);
  EXPECT_EQ(AsOperator(sue, "endChat", OnChat(chat)).status, 200);
  EXPECT_EQ(AsOperator(sue, "transferChat", to_bob).status, 409) << "an ended chat";
  (void)amy_id;
}

TEST_P(ConsoleSessionApiTest, ASignedClientTransfersAndTheEventTellsIt) {
  const std::string chat = NewChat();
  ASSERT_EQ(Signed("acceptChat", OnChat(chat, R"(,"operatorId":"op-1")")).status, 200);
  HttpResponse events = Signed("events", R"({"chatId":")" + chat + R"(","waitMs":0})");
  ASSERT_EQ(events.status, 200) << events.body;
  const std::string cursor = std::string(events.Json().at("data").at("next").as_string());

  EXPECT_EQ(Signed("transferChat", OnChat(chat)).status, 400) << "operatorId is required";
  HttpResponse moved = Signed("transferChat", OnChat(chat, R"(,"operatorId":"op-2")"));
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(moved.Json().at("data").at("operatorId"), "op-2");
  EXPECT_EQ(moved.Json().at("data").at("statusCode"), 3);

  HttpResponse after =
      Signed("events", R"({"chatId":")" + chat + R"(","after":")" + cursor + R"("})");
  ASSERT_EQ(after.status, 200) << after.body;
  const json::value answer = after.Json();
  const json::array& list = answer.at("data").at("events").as_array();
  ASSERT_EQ(list.size(), 1u) << after.body;
  EXPECT_EQ(list[0].at("type"), "chat.status_changed");
  EXPECT_EQ(list[0].at("data").at("from"), 3);
  EXPECT_EQ(list[0].at("data").at("operatorId"), "op-2");

  ASSERT_EQ(Signed("endChat", OnChat(chat)).status, 200);
  EXPECT_EQ(Signed("transferChat", OnChat(chat, R"(,"operatorId":"op-3")")).status, 409);
}

TEST_P(ConsoleSessionApiTest, ADisabledOperatorsSessionIsRefusedAtOnce) {
  const std::string id = AddOperator("amy", "supervisor");
  const Session amy = SignIn("amy");
  ASSERT_EQ(AsOperator(amy, "chats", "{}").status, 200);
  CommandOutcome off =
      RunOpchatWithInput({"operator", "disable", "--config", server_->config_path(), id}, "");
  ASSERT_EQ(off.exit_code, 0) << off.err;
  HttpResponse r = AsOperator(amy, "chats", "{}");
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.Json().at("code"), 401);
}

TEST_P(ConsoleSessionApiTest, WithACookieAndASignatureTheSignatureDecides) {
  AddOperator("amy", "agent");
  const Session amy = SignIn("amy");
  // An agent may not create chats, but the signed client may: the cookie is ignored.
  const std::string body = R"({"userId":"user-9"})";
  const std::string target =
      "/op/v2/createChat?" + SignedQuery(cred_, body, FreshStamp(), "md5", "createChat");
  HttpResponse created = SendRaw(
      server_->port(), Raw(target, body, {"Cookie: " + amy.cookie, "X-CSRF-Token: " + amy.csrf}));
  EXPECT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(AsOperator(amy, "createChat", body).status, 403);
  // A wrong signature is not rescued by a good session.
  HttpResponse bad = SendRaw(
      server_->port(), Raw("/op/v2/chats?apiVersion=01&client=" + cred_.client +
                               "&channel=" + channel_ + "&version=2.0&sign=" + std::string(32, '0'),
                           "{}", {"Cookie: " + amy.cookie}));
  EXPECT_EQ(bad.status, 401) << bad.body;
}

TEST_P(ConsoleSessionApiTest, TheLiveWebSocketTakesTheSessionFromThisOriginOnly) {
  AddOperator("amy", "agent");
  const Session amy = SignIn("amy");
  const std::vector<std::string> same = {"Cookie: " + amy.cookie, "Origin: http://127.0.0.1"};
  WsClient live(server_->port(), "/op/v2/live?after=0", 0, same);
  ASSERT_TRUE(live.upgraded()) << live.refusal().status << " " << live.refusal().body;
  const std::string chat = NewChat();
  std::optional<std::string> frame = live.Read(5000);
  ASSERT_TRUE(frame.has_value());
  json::value event = json::parse(*frame);
  EXPECT_EQ(event.at("type"), "chat.created");
  EXPECT_EQ(event.at("channel"), json::value(channel_));

  // A page of another site, with the browser adding the cookie (cross-site WebSocket hijacking).
  WsClient foreign(server_->port(), "/op/v2/live?after=0", 0,
                   {"Cookie: " + amy.cookie, "Origin: http://evil.example"});
  EXPECT_FALSE(foreign.upgraded());
  EXPECT_EQ(foreign.refusal().status, 403) << foreign.refusal().body;
  WsClient nobody(server_->port(), "/op/v2/live?after=0", 0, {"Origin: http://127.0.0.1"});
  EXPECT_EQ(nobody.refusal().status, 401) << nobody.refusal().body;
  WsClient elsewhere(server_->port(), "/op/v2/live?after=0&channel=ch-elsewhere", 0, same);
  EXPECT_EQ(elsewhere.refusal().status, 403) << elsewhere.refusal().body;

  // Signed out: the next connection is refused.
  std::string logout =
      "POST /console/api/logout HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
      "close\r\nCookie: " +
      amy.cookie + "\r\nX-CSRF-Token: " + amy.csrf + "\r\nContent-Length: 0\r\n\r\n";
  ASSERT_EQ(Exchange(server_->port(), logout).status, 200);
  WsClient after(server_->port(), "/op/v2/live?after=0", 0, same);
  EXPECT_EQ(after.refusal().status, 401) << after.refusal().body;
}

TEST_P(ConsoleSessionApiTest, ASessionsRequestFromAnotherOriginIsRefused) {
  AddOperator("amy", "agent");
  const Session amy = SignIn("amy");
  const std::string chat = NewChat();
  std::vector<std::string> foreign = {"Cookie: " + amy.cookie, "X-CSRF-Token: " + amy.csrf,
                                      "Origin: https://evil.example"};
  HttpResponse accept = SendRaw(server_->port(), Raw("/op/v2/acceptChat", OnChat(chat), foreign));
  EXPECT_EQ(accept.status, 403) << accept.body;
  EXPECT_NE(MessageOf(accept).find("Origin"), std::string::npos) << accept.body;
  const std::string credentials = json::serialize(
      json::object{{"channel", channel_}, {"login", "amy"}, {"password", kPassword}});
  HttpResponse login = Exchange(
      server_->port(), Raw("/console/api/login", credentials, {"Origin: https://evil.example"}));
  EXPECT_EQ(login.status, 403) << login.body;
  EXPECT_EQ(login.headers.count("set-cookie"), 0u);
  // The same requests from the console's own origin pass (the Host here is 127.0.0.1).
  std::vector<std::string> own = {"Cookie: " + amy.cookie, "X-CSRF-Token: " + amy.csrf,
                                  "Origin: http://127.0.0.1"};
  HttpResponse accepted = SendRaw(server_->port(), Raw("/op/v2/acceptChat", OnChat(chat), own));
  EXPECT_EQ(accepted.status, 200) << accepted.body;
}

TEST_P(ConsoleSessionApiTest, OperatorsListsTheChannelsEnabledOperators) {
  const std::string amy_id = AddOperator("amy", "agent");
  const std::string bob_id = AddOperator("bob", "supervisor");
  const std::string cat_id = AddOperator("cat", "agent");
  CommandOutcome disabled =
      RunOpchatWithInput({"operator", "disable", "--config", server_->config_path(), cat_id}, "");
  ASSERT_EQ(disabled.exit_code, 0) << disabled.err;
  const Session amy = SignIn("amy");
  std::string get =
      "GET /console/api/operators HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
      "close\r\nCookie: " +
      amy.cookie + "\r\n\r\n";
  HttpResponse list = SendRaw(server_->port(), get);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.headers["cache-control"], "no-store");
  std::vector<std::string> ids;
  const json::value answer = list.Json();
  for (const json::value& op : answer.at("operators").as_array()) {
    ids.emplace_back(op.at("id").as_string());
    EXPECT_EQ(op.at("channel"), json::value(channel_));
    EXPECT_FALSE(op.as_object().contains("passwordHash"));
  }
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> expected = {amy_id, bob_id};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ids, expected) << "the disabled operator is left out";
  HttpResponse anonymous =
      SendRaw(server_->port(),
              "GET /console/api/operators HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
              "close\r\n\r\n");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
}

INSTANTIATE_TEST_SUITE_P(BackEnds, ConsoleSessionApiTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat::testing
