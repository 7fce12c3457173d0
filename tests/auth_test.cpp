// Signing and access over real HTTP (docs/api.md, "Signing").
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "common/clock.hpp"
#include "test_server.hpp"

namespace opchat::testing {
namespace {

class AuthTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>(GetParam());
    cred_ = server_->AddClient();
    chat_ = CreateChat(server_->port(), cred_);
    body_ = R"({"chatId":")" + chat_ + R"(","pageNum":1,"pageSize":20})";
  }
  HttpResponse PostSigned(const std::string& query) {
    return Post(server_->port(), "/op/v2/operatorToUserChatMessages?" + query, body_);
  }

  std::unique_ptr<TestServer> server_;
  Credential cred_;
  std::string chat_, body_;
};

TEST_P(AuthTest, HmacSha256IsAccepted) {
  EXPECT_EQ(PostSigned(SignedQuery(cred_, body_, {}, "hmac-sha256")).status, 200);
  auto unknown = PostSigned(SignedQuery(cred_, body_, {{"signMethod", "sha1"}}));
  EXPECT_EQ(unknown.status, 400);
}

TEST_P(AuthTest, ChatOfAnotherChannelIsAnsweredAsMissing) {
  Credential other = server_->AddClient();  // another client on another channel
  std::string theirs = CreateChat(server_->port(), other);
  auto r = Call(server_->port(), cred_, "operatorToUserChatMessages",
                R"({"chatId":")" + theirs + R"(","pageNum":1,"pageSize":20})");
  auto missing = Call(server_->port(), cred_, "operatorToUserChatMessages",
                      R"({"chatId":"u0001nothere","pageNum":1,"pageSize":20})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json().at("message"), missing.Json().at("message")) << "no existence leak";
  const std::string send_fields = R"(,"direction":"userToOperator","type":"txt","msg":"x")";
  for (std::string name : {"chatInfo", "endChat", "sendMessage"}) {
    auto w =
        Call(server_->port(), cred_, name,
             R"({"chatId":")" + theirs + "\"" + (name == "sendMessage" ? send_fields : "") + "}");
    EXPECT_EQ(w.status, 404) << name << ": " << w.body;
  }
}

TEST_P(AuthTest, TimestampWindowAndReplayedNonce) {
  std::string now = std::to_string(NowMillis());
  std::string q = SignedQuery(cred_, body_, {{"timestamp", now}, {"nonce", "n-1"}});
  EXPECT_EQ(PostSigned(q).status, 200);
  auto replay = PostSigned(q);
  EXPECT_EQ(replay.status, 401);
  EXPECT_NE(replay.body.find("nonce"), std::string::npos);
  std::string old = std::to_string(NowMillis() - 301'000);
  EXPECT_EQ(PostSigned(SignedQuery(cred_, body_, {{"timestamp", old}, {"nonce", "n-2"}})).status,
            401);
  EXPECT_EQ(PostSigned(SignedQuery(cred_, body_, {{"timestamp", "soon"}})).status, 401);
}

TEST_P(AuthTest, DisablingAClientTakesEffectWithinASecond) {
  int code = -1;
  RunOpchat({"client", "disable", "--config", server_->config_path(), cred_.client}, &code);
  ASSERT_EQ(code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto r = PostSigned(SignedQuery(cred_, body_));
  EXPECT_EQ(r.status, 403);
  RunOpchat({"client", "enable", "--config", server_->config_path(), cred_.client}, &code);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(PostSigned(SignedQuery(cred_, body_)).status, 200);
}

TEST_P(AuthTest, SecretRotationFromTheCommandLine) {
  int code = -1;
  std::string out =
      RunOpchat({"client", "rotate", "--config", server_->config_path(), cred_.client}, &code);
  ASSERT_EQ(code, 0) << out;
  Credential rotated = cred_;
  rotated.secret = std::string(boost::json::parse(out).at("secret").as_string());
  EXPECT_NE(rotated.secret, cred_.secret);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(PostSigned(SignedQuery(cred_, body_)).status, 200) << "the old secret still works";
  EXPECT_EQ(PostSigned(SignedQuery(rotated, body_)).status, 200) << "and so does the new one";
  RunOpchat({"client", "rotate", "--config", server_->config_path(), cred_.client, "--finish"},
            &code);
  ASSERT_EQ(code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(PostSigned(SignedQuery(cred_, body_)).status, 401) << "the old secret is refused";
  EXPECT_EQ(PostSigned(SignedQuery(rotated, body_)).status, 200);
  std::string log;
  std::ifstream in(server_->dir() + "/server.log");
  log.assign(std::istreambuf_iterator<char>(in), {});
  EXPECT_EQ(log.find(cred_.secret), std::string::npos) << "secrets never reach the log";
  EXPECT_EQ(log.find(rotated.secret), std::string::npos);
}

TEST_P(AuthTest, RequireTimestampMode) {
  TestServer strict(GetParam(), "[auth]\nrequire_timestamp = true\n");
  Credential c = strict.AddClient();
  std::string body = "{}";
  auto plain = Post(strict.port(), "/op/v2/chats?" + SignedQuery(c, body), body);
  EXPECT_EQ(plain.status, 401);
  auto stamped =
      Post(strict.port(),
           "/op/v2/chats?" +
               SignedQuery(c, body, {{"timestamp", std::to_string(NowMillis())}, {"nonce", "abc"}}),
           body);
  EXPECT_EQ(stamped.status, 200) << stamped.body;
}

INSTANTIATE_TEST_SUITE_P(BackEnds, AuthTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat::testing
