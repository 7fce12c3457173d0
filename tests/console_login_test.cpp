// The console's sign-in (docs/console.md): POST /console/api/login, POST /console/api/logout and
// GET /console/api/me against the real binary, on SQLite and, under tests/pg_harness.sh,
// PostgreSQL. Every answer is recorded (SendRaw) and validated against docs/openapi.yaml.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "common/crypto.hpp"
#include "test_server.hpp"

namespace opchat::testing {
namespace {

constexpr const char* kPassword = "console password";

HttpResponse ConsoleCall(int port, const std::string& method, const std::string& path,
                         const std::string& body = "",
                         const std::vector<std::string>& headers = {}) {
  std::string raw = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (method == "POST") {
    raw +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  for (const std::string& h : headers) raw += h + "\r\n";
  return SendRaw(port, raw + "\r\n" + body);
}

std::string LoginBody(const std::string& channel, const std::string& login,
                      const std::string& password) {
  boost::json::object o{{"channel", channel}, {"login", login}, {"password", password}};
  return boost::json::serialize(o);
}

// "opchat_session=TOKEN" of a Set-Cookie header.
std::string CookieOf(const HttpResponse& r) {
  auto it = r.headers.find("set-cookie");
  if (it == r.headers.end()) return "";
  return it->second.substr(0, it->second.find(';'));
}

class ConsoleLoginTest : public ::testing::TestWithParam<std::string> {
 protected:
  // A server whose console allows plain HTTP on loopback (the tests speak plain HTTP).
  void SetUp() override {
    server_ =
        std::make_unique<TestServer>(GetParam(), "[console]\ninsecure_loopback_http = true\n");
    channel_ = "ch-" + RandomHex(6);
  }

  // Adds an operator with the CLI; returns its id.
  std::string AddOperator(const std::string& login, const std::string& role = "agent") {
    CommandOutcome r = RunOpchatWithInput(
        {"operator", "add", "--config", server_->config_path(), "--channel", channel_, "--login",
         login, "--name", "Name " + login, "--role", role, "--password-stdin"},
        std::string(kPassword) + "\n");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? std::string(boost::json::parse(r.out).at("id").as_string()) : "";
  }

  HttpResponse Login(const std::string& login, const std::string& password = kPassword) {
    return ConsoleCall(server_->port(), "POST", "/console/api/login",
                       LoginBody(channel_, login, password));
  }

  HttpResponse Me(const std::string& cookie) {
    return ConsoleCall(server_->port(), "GET", "/console/api/me", "", {"Cookie: " + cookie});
  }

  std::unique_ptr<TestServer> server_;
  std::string channel_;
};

TEST_P(ConsoleLoginTest, LoginSetsAProtectedCookieThatMeAccepts) {
  const std::string id = AddOperator("alice", "supervisor");
  HttpResponse r = Login("alice");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string set_cookie = r.headers["set-cookie"];
  EXPECT_NE(set_cookie.find("opchat_session="), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("; HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("; SameSite=Strict"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("; Path=/"), std::string::npos) << set_cookie;
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos) << "insecure_loopback_http";
  EXPECT_EQ(r.headers["cache-control"], "no-store");
  auto body = r.Json().as_object();
  EXPECT_EQ(body.at("code"), 200);
  EXPECT_EQ(body.at("operator").at("id").as_string(), id);
  EXPECT_EQ(body.at("operator").at("login").as_string(), "alice");
  EXPECT_EQ(body.at("operator").at("channel").as_string(), channel_);
  EXPECT_EQ(body.at("operator").at("role").as_string(), "supervisor");
  EXPECT_FALSE(body.at("operator").as_object().contains("passwordHash"));
  const std::string csrf(body.at("csrfToken").as_string());
  EXPECT_EQ(csrf.size(), 32u);

  HttpResponse me = Me(CookieOf(r));
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.Json().at("operator").at("id").as_string(), id);
  EXPECT_EQ(me.Json().at("csrfToken").as_string(), csrf);
  EXPECT_EQ(Me("").status, 401);
  EXPECT_EQ(Me("opchat_session=" + RandomHex(32)).status, 401);
  EXPECT_EQ(ConsoleCall(server_->port(), "GET", "/console/api/login").status, 405);
  EXPECT_EQ(ConsoleCall(server_->port(), "GET", "/console/api/nothing").status, 404);
}

TEST_P(ConsoleLoginTest, LogoutNeedsTheCsrfTokenAndEndsTheSession) {
  AddOperator("bob");
  HttpResponse r = Login("bob");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string cookie = CookieOf(r);
  const std::string csrf(r.Json().at("csrfToken").as_string());
  const int port = server_->port();
  HttpResponse no_token =
      ConsoleCall(port, "POST", "/console/api/logout", "{}", {"Cookie: " + cookie});
  EXPECT_EQ(no_token.status, 403) << no_token.body;
  HttpResponse wrong = ConsoleCall(port, "POST", "/console/api/logout", "{}",
                                   {"Cookie: " + cookie, "X-CSRF-Token: " + RandomHex(16)});
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(Me(cookie).status, 200) << "a refused logout ends nothing";

  HttpResponse out = ConsoleCall(port, "POST", "/console/api/logout", "{}",
                                 {"Cookie: " + cookie, "X-CSRF-Token: " + csrf});
  EXPECT_EQ(out.status, 200) << out.body;
  EXPECT_NE(out.headers["set-cookie"].find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Me(cookie).status, 401);
  EXPECT_EQ(ConsoleCall(port, "POST", "/console/api/logout", "{}",
                        {"Cookie: " + cookie, "X-CSRF-Token: " + csrf})
                .status,
            401);
}

TEST_P(ConsoleLoginTest, WrongPasswordsAndUnknownLoginsLookAlikeAndAreThrottled) {
  AddOperator("carol");
  HttpResponse wrong = Login("carol", "not the password");
  HttpResponse unknown = Login("nobody", kPassword);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.Json().at("message"), unknown.Json().at("message"));
  EXPECT_TRUE(CookieOf(wrong).empty());
  HttpResponse missing =
      ConsoleCall(server_->port(), "POST", "/console/api/login", R"({"channel":"x","login":"y"})");
  EXPECT_EQ(missing.status, 400) << missing.body;
  // Five failures of one login in a row: the sixth attempt is refused, even with the password.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Login("carol", "still wrong").status, 401);
  HttpResponse throttled = Login("carol");
  EXPECT_EQ(throttled.status, 429) << throttled.body;
  EXPECT_FALSE(throttled.headers["retry-after"].empty());
  EXPECT_TRUE(CookieOf(throttled).empty());
}

TEST_P(ConsoleLoginTest, DisablingAnOperatorEndsItsSessionAndRefusesItsLogin) {
  const std::string id = AddOperator("dave");
  HttpResponse r = Login("dave");
  ASSERT_EQ(r.status, 200) << r.body;
  CommandOutcome off =
      RunOpchatWithInput({"operator", "disable", "--config", server_->config_path(), id}, "");
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_EQ(Me(CookieOf(r)).status, 401);
  HttpResponse again = Login("dave");
  EXPECT_EQ(again.status, 403) << again.body;
  EXPECT_TRUE(CookieOf(again).empty());
}

INSTANTIATE_TEST_SUITE_P(BackEnds, ConsoleLoginTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

// Without insecure_loopback_http the cookie is Secure: a browser sends it over HTTPS only.
TEST(ConsoleCookieTest, TheCookieIsSecureByDefault) {
  TestServer server("sqlite");
  const std::string channel = "ch-" + RandomHex(6);
  CommandOutcome add =
      RunOpchatWithInput({"operator", "add", "--config", server.config_path(), "--channel", channel,
                          "--login", "eve", "--name", "Eve", "--password-stdin"},
                         std::string(kPassword) + "\n");
  ASSERT_EQ(add.exit_code, 0) << add.err;
  HttpResponse r = ConsoleCall(server.port(), "POST", "/console/api/login",
                               LoginBody(channel, "eve", kPassword));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.headers["set-cookie"].find("; Secure"), std::string::npos) << r.headers["set-cookie"];
}

// A cookie without Secure crosses the network in clear: serve refuses it off loopback.
TEST(ConsoleCookieTest, InsecureHttpIsRefusedOffLoopback) {
  const std::string dir =
      std::filesystem::temp_directory_path() / ("opchat-console-" + RandomHex(4));
  std::filesystem::create_directories(dir);
  const std::string config = dir + "/c.toml";
  std::ofstream(config) << "[server]\nlisten = \"0.0.0.0:0\"\n[storage]\nurl = \"sqlite:" << dir
                        << "/c.db\"\n[console]\ninsecure_loopback_http = true\n";
  CommandOutcome r = RunOpchatIn(dir, {"serve", "--config", config});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("console.insecure_loopback_http"), std::string::npos) << r.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace opchat::testing
