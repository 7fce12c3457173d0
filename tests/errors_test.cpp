// Every error of docs/api.md, "Errors", over real HTTP: the envelope, the code and the HTTP status
// agree, the message names the problem, and the server keeps answering.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include <boost/json.hpp>

#include "test_server.hpp"

namespace opchat::testing {
namespace {

class ErrorsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>(GetParam());
    cred_ = server_->AddClient();
    chat_ = CreateChat(server_->port(), cred_);
  }

  // Asserts the error envelope with `code`, and that the message mentions `needle`.
  void ExpectError(const HttpResponse& r, int code, const std::string& needle = "") {
    ASSERT_EQ(r.status, code) << r.body;
    auto doc = r.Json().as_object();
    EXPECT_EQ(doc["code"], code);
    EXPECT_TRUE(doc["data"].is_null());
    EXPECT_TRUE(doc["foot"].is_object());
    EXPECT_TRUE(doc["message"].is_string());
    if (!needle.empty()) {
      EXPECT_NE(std::string(doc["message"].as_string()).find(needle), std::string::npos)
          << doc["message"];
    }
    EXPECT_EQ(r.headers.at("content-type"), "application/json; charset=utf-8");
  }

  HttpResponse History(const std::string& body) {
    return Call(server_->port(), cred_, "operatorToUserChatMessages", body);
  }

  std::unique_ptr<TestServer> server_;
  Credential cred_;
  std::string chat_;
};

TEST_P(ErrorsTest, InvalidParametersAre400NamingTheField) {
  ExpectError(History("{not json"), 400, "JSON");
  ExpectError(History("[1,2]"), 400);
  ExpectError(History(R"({"pageNum":1,"pageSize":20})"), 400, "chatId");
  ExpectError(History(R"({"chatId":"","pageNum":1,"pageSize":20})"), 400, "chatId");
  ExpectError(History(R"({"chatId":7,"pageNum":1,"pageSize":20})"), 400, "chatId");
  ExpectError(History(R"({"chatId":"x","pageNum":"abc","pageSize":20})"), 400, "pageNum");
  ExpectError(History(R"({"chatId":"x","pageNum":0,"pageSize":20})"), 400, "pageNum");
  ExpectError(History(R"({"chatId":"x","pageNum":1.5,"pageSize":20})"), 400, "pageNum");
  ExpectError(History(R"({"chatId":"x","pageNum":1})"), 400, "pageSize");
  ExpectError(History(R"({"chatId":"x","pageNum":1,"pageSize":101})"), 400, "pageSize");
  ExpectError(History(R"({"chatId":"x","pageNum":99999999999999999999,"pageSize":1})"), 400,
              "pageNum");
  ExpectError(History("{\"chatId\":\"\xff\xfe\",\"pageNum\":1,\"pageSize\":1}"), 400);
  ExpectError(History(std::string(5000, '[') + std::string(5000, ']')), 400);
}

TEST_P(ErrorsTest, SignatureProblemsAre401) {
  std::string body = R"({"chatId":"x","pageNum":1,"pageSize":20})";
  std::string path = "/op/v2/operatorToUserChatMessages?";
  ExpectError(Post(server_->port(),
                   path + "apiVersion=01&client=" + cred_.client + "&channel=" + cred_.channel +
                       "&version=2.0",
                   body),
              401, "sign");
  std::string query = SignedQuery(cred_, body);
  ExpectError(Post(server_->port(), path + query, body + " "), 401);  // body changed after signing
  Credential wrong = cred_;
  wrong.secret = "not-the-secret";
  ExpectError(Call(server_->port(), wrong, "operatorToUserChatMessages", body), 401);
  Credential unknown = cred_;
  unknown.client = "no-such-client";
  ExpectError(Call(server_->port(), unknown, "operatorToUserChatMessages", body), 401);
}

TEST_P(ErrorsTest, ForbiddenChannelIs403AndUnknownChatIs404) {
  Credential other = cred_;
  other.channel = "not-my-channel";
  ExpectError(Call(server_->port(), other, "operatorToUserChatMessages",
                   R"({"chatId":"x","pageNum":1,"pageSize":20})"),
              403);
  ExpectError(
      History(R"({"chatId":"u0001ffffffffffffffffffffffffffffffff","pageNum":1,"pageSize":20})"),
      404);
}

TEST_P(ErrorsTest, RoutingErrors) {
  ExpectError(Post(server_->port(), "/op/v2/noSuchThing", "{}"), 404);
  ExpectError(Post(server_->port(), "/", "{}"), 404);
  auto get = Get(server_->port(), "/op/v2/operatorToUserChatMessages");
  ExpectError(get, 405);
  EXPECT_EQ(get.headers.at("allow"), "POST");
  std::string body = R"({"chatId":"x","pageNum":1,"pageSize":20})";
  ExpectError(Post(server_->port(), "/op/v2/operatorToUserChatMessages?" + SignedQuery(cred_, body),
                   body, "text/plain"),
              415);
  ExpectError(Post(server_->port(), "/op/v2/operatorToUserChatMessages?" + SignedQuery(cred_, body),
                   body, ""),
              415);
}

TEST_P(ErrorsTest, OversizedBodyIs413) {
  std::string body = R"({"chatId":")" + std::string(70000, 'x') + R"(","pageNum":1,"pageSize":20})";
  ExpectError(Call(server_->port(), cred_, "operatorToUserChatMessages", body), 413);
  // A body far over the limit: the server answers, then reads and drops the rest before
  // closing, so the client (or a proxy) sees the 413 rather than a connection reset.
  std::string huge = R"({"chatId":")" + std::string(2 << 20, 'x') + R"("})";
  ExpectError(
      Post(server_->port(), "/op/v2/operatorToUserChatMessages?" + SignedQuery(cred_, huge), huge),
      413);
  EXPECT_EQ(Get(server_->port(), "/healthz").status, 200);
}

TEST_P(ErrorsTest, BrokenHttpGetsA400AndTheServerLivesOn) {
  for (const std::string& raw :
       {std::string("GARBAGE\r\n\r\n"),
        std::string("POST /op/v2/chats HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
        std::string(
            "POST /op/v2/chats HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
        std::string("\0\0\0\0\r\n\r\n", 8)}) {
    auto r = SendRaw(server_->port(), raw, 2000);
    EXPECT_TRUE(r.status == 400 || r.status == 0) << r.status;
    if (r.status == 400) {
      EXPECT_EQ(r.Json().at("code"), 400);
    }
  }
  auto huge_header = SendRaw(server_->port(),
                             "GET /healthz HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_EQ(huge_header.status, 400);
  EXPECT_EQ(Get(server_->port(), "/healthz").status, 200);
  auto ok = History(R"({"chatId":")" + chat_ + R"(","pageNum":1,"pageSize":20})");
  EXPECT_EQ(ok.status, 200);
}

TEST_P(ErrorsTest, HealthAndReadiness) {
  EXPECT_EQ(Get(server_->port(), "/healthz").Json().at("status"), "ok");
  auto ready = Get(server_->port(), "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.Json().at("status"), "ready");
}

TEST_P(ErrorsTest, ServesItsOwnOpenApiDescriptionUnsigned) {
  auto yaml = Get(server_->port(), "/op/v2/openapi.yaml");
  EXPECT_EQ(yaml.status, 200);
  EXPECT_EQ(yaml.headers["content-type"], "application/yaml; charset=utf-8");
  std::ifstream file(std::string(OPCHAT_SOURCE_DIR) + "/docs/openapi.yaml", std::ios::binary);
  std::string expected((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(expected.empty());
  EXPECT_TRUE(yaml.body == expected) << "the file of this source tree, byte for byte";
}

TEST_P(ErrorsTest, TheOpenApiDescriptionIsReadNotPosted) {
  auto posted = Post(server_->port(), "/op/v2/openapi.yaml", "{}");
  ExpectError(posted, 405, "GET");
  EXPECT_EQ(posted.headers["allow"], "GET, HEAD");
}

TEST_P(ErrorsTest, HeadAnswersHeadersOnlySoTheConnectionStaysInStep) {
  // A HEAD then a GET on one connection: the second answer must follow the first's headers at
  // once (a body after a HEAD's headers would be read as the next answer).
  int fd = ConnectLoopback(server_->port());
  ASSERT_GE(fd, 0);
  std::string raw =
      "HEAD /op/v2/openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL), static_cast<ssize_t>(raw.size()));
  std::string data;
  char buf[65536];
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) data.append(buf, n);
  ::close(fd);
  size_t first_end = data.find("\r\n\r\n");
  ASSERT_NE(first_end, std::string::npos) << data;
  EXPECT_NE(data.find("Content-Type: application/yaml"), std::string::npos) << data;
  EXPECT_TRUE(data.substr(first_end + 4).starts_with("HTTP/1.1 200 OK")) << data.substr(0, 400);
  EXPECT_TRUE(data.ends_with("{\"status\":\"ok\"}")) << data.substr(0, 400);
}

INSTANTIATE_TEST_SUITE_P(BackEnds, ErrorsTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat::testing
