// A signed request works once and only where it was meant (docs/api.md, "Signing"), over real
// HTTP. Each test is one way a captured or reshaped request was accepted before.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "auth/canonical_request.hpp"
#include "auth/signature.hpp"
#include "common/clock.hpp"
#include "test_server.hpp"

namespace opchat::testing {
namespace {

class RequestBindingTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>(GetParam());
    cred_ = server_->AddClient();
    chat_ = CreateChat(server_->port(), cred_);
    read_body_ = R"({"chatId":")" + chat_ + R"(","pageNum":1,"pageSize":20})";
  }
  HttpResponse PostTo(const std::string& endpoint, const std::string& query,
                      const std::string& body) {
    return Post(server_->port(), "/op/v2/" + endpoint + "?" + query, body);
  }
  int64_t StatusCodeOfChat() {
    auto info = Call(server_->port(), cred_, "chatInfo", R"({"chatId":")" + chat_ + R"("})");
    return info.Json().at("data").at("statusCode").as_int64();
  }

  std::unique_ptr<TestServer> server_;
  Credential cred_;
  std::string chat_, read_body_;
};

TEST_P(RequestBindingTest, ReadSignedWithoutStampCannotBeReplayedAsDeleteChat) {
  std::string q = SignedQuery(cred_, read_body_);  // the original API's form: md5, no nonce
  EXPECT_EQ(PostTo("operatorToUserChatMessages", q, read_body_).status, 200);
  auto moved = PostTo("deleteChat", q, read_body_);
  EXPECT_EQ(moved.status, 401) << moved.body;
  EXPECT_NE(moved.body.find("timestamp"), std::string::npos) << moved.body;
  EXPECT_EQ(StatusCodeOfChat(), 1) << "the chat must not have moved";
}

TEST_P(RequestBindingTest, StampedMd5ReadCannotBeReplayedAsAWrite) {
  std::string q = SignedQuery(cred_, read_body_, FreshStamp());
  EXPECT_EQ(PostTo("operatorToUserChatMessages", q, read_body_).status, 200);
  for (const char* write : {"deleteChat", "endChat", "suspendChat"}) {
    auto moved = PostTo(write, q, read_body_);
    EXPECT_EQ(moved.status, 401) << write << ": " << moved.body;
  }
  EXPECT_EQ(StatusCodeOfChat(), 1);
}

TEST_P(RequestBindingTest, HmacSignatureForOneEndpointFailsOnAnother) {
  // Never sent where it was meant: only the signature's coverage of the path stops it.
  std::string q =
      SignedQuery(cred_, read_body_, FreshStamp(), "hmac-sha256", "operatorToUserChatMessages");
  auto moved = PostTo("deleteChat", q, read_body_);
  EXPECT_EQ(moved.status, 401) << moved.body;
  EXPECT_EQ(StatusCodeOfChat(), 1);
  std::string body = R"({"chatId":")" + chat_ + R"("})";
  std::string right = SignedQuery(cred_, body, FreshStamp(), "hmac-sha256", "endChat");
  EXPECT_EQ(PostTo("endChat", right, body).status, 200);
  EXPECT_EQ(StatusCodeOfChat(), 5);
}

TEST_P(RequestBindingTest, WriteRequestWorksOnce) {
  std::string body =
      R"({"chatId":")" + chat_ + R"(","direction":"userToOperator","type":"txt","msg":"once"})";
  std::string q = SignedQuery(cred_, body, FreshStamp(), "md5", "sendMessage");
  EXPECT_EQ(PostTo("sendMessage", q, body).status, 200);
  auto again = PostTo("sendMessage", q, body);
  EXPECT_EQ(again.status, 401);
  EXPECT_NE(again.body.find("nonce"), std::string::npos);
  EXPECT_EQ(AllMessages(server_->port(), cred_, chat_).size(), 1u);
}

TEST_P(RequestBindingTest, NonceSmuggledInsideAParameterNameIsRefused) {
  // The real request: timestamp and nonce as parameters. Its canonical string is also what one
  // parameter named "nonce=…&timestamp=…&version" with the value "2.0" gives, which would let
  // a replay drop the real timestamp and nonce.
  std::string ts = std::to_string(NowMillis());
  QueryParams real = {{"apiVersion", "01"},   {"channel", cred_.channel}, {"client", cred_.client},
                      {"nonce", "smuggle-1"}, {"timestamp", ts},          {"version", "2.0"}};
  std::string sign = ComputeSignature(SignMethod::kMd5, {"POST", "/op/v2/chats"},
                                      CanonicalQuery(real), "{}", cred_.secret);
  std::string replay = "apiVersion=01&channel=" + cred_.channel + "&client=" + cred_.client +
                       "&nonce%3Dsmuggle-1%26timestamp%3D" + ts + "%26version=2.0&sign=" + sign;
  for (int i = 0; i < 3; ++i) {
    auto r = PostTo("chats", replay, "{}");
    EXPECT_EQ(r.status, 401) << "attempt " << i << ": " << r.body;
  }
}

TEST_P(RequestBindingTest, NonceLongerThan64CharactersIsRefused) {
  auto huge = PostTo(
      "operatorToUserChatMessages",
      SignedQuery(cred_, read_body_,
                  {{"timestamp", std::to_string(NowMillis())}, {"nonce", std::string(7000, 'n')}}),
      read_body_);
  EXPECT_EQ(huge.status, 401) << huge.body;
  auto longest = PostTo(
      "operatorToUserChatMessages",
      SignedQuery(cred_, read_body_,
                  {{"timestamp", std::to_string(NowMillis())}, {"nonce", std::string(64, 'n')}}),
      read_body_);
  EXPECT_EQ(longest.status, 200) << longest.body;
}

TEST_P(RequestBindingTest, WriteEndpointRefusesFieldsItDoesNotTake) {
  auto r = Call(server_->port(), cred_, "createChat", R"({"userId":"u-1","pageNum":1})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("pageNum"), std::string::npos) << r.body;
  auto end = Call(server_->port(), cred_, "endChat",
                  R"({"chatId":")" + chat_ + R"(","operatorId":"op-1"})");
  EXPECT_EQ(end.status, 400) << end.body;
  EXPECT_EQ(StatusCodeOfChat(), 1);
  // Reads stay lenient: the original API's clients may send extras.
  auto read = Call(server_->port(), cred_, "chatInfo", R"({"chatId":")" + chat_ + R"(","x":1})");
  EXPECT_EQ(read.status, 200);
}

TEST_P(RequestBindingTest, SignMethodsSettingRefusesMd5) {
  TestServer strict(GetParam(), "[auth]\nsign_methods = [\"hmac-sha256\"]\n");
  Credential c = strict.AddClient();
  std::string body = "{}";
  auto md5 = Post(strict.port(), "/op/v2/chats?" + SignedQuery(c, body, {}, "md5", "chats"), body);
  EXPECT_EQ(md5.status, 401) << md5.body;
  auto hmac =
      Post(strict.port(), "/op/v2/chats?" + SignedQuery(c, body, {}, "hmac-sha256", "chats"), body);
  EXPECT_EQ(hmac.status, 200) << hmac.body;
}

TEST_P(RequestBindingTest, SignCommandOutputWorksForAWrite) {
  std::string body = R"({"userId":"u-sign"})";
  for (const char* method : {"md5", "hmac-sha256"}) {
    int code = -1;
    std::string q =
        RunOpchat({"sign", "--client", cred_.client, "--secret", cred_.secret, "--channel",
                   cred_.channel, "--method", method, "--endpoint", "createChat", body},
                  &code);
    ASSERT_EQ(code, 0);
    while (!q.empty() && q.back() == '\n') q.pop_back();
    EXPECT_NE(q.find("nonce="), std::string::npos) << "writes get a nonce: " << q;
    auto r = PostTo("createChat", q, body);
    EXPECT_EQ(r.status, 200) << method << ": " << r.body;
  }
}

INSTANTIATE_TEST_SUITE_P(BackEnds, RequestBindingTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat::testing
