// A corpus of hostile requests, each signed (so it reaches body parsing) or raw (broken HTTP):
// every one gets a JSON error or, for broken HTTP, an error or a closed connection; the
// server answers normally afterwards and the data is unchanged.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "test_server.hpp"

namespace opchat::testing {
namespace {

class HostileInputTest : public ::testing::TestWithParam<std::string> {};

TEST_P(HostileInputTest, EveryMalformedRequestGetsAJsonErrorAndNothingChanges) {
  TestServer server(GetParam());
  Credential cred = server.AddClient();
  std::string chat = CreateChat(server.port(), cred);
  ASSERT_EQ(SendText(server.port(), cred, chat, "keep me").status, 200);

  const std::string deep = std::string(20000, '[') + std::string(20000, ']');
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"operatorToUserChatMessages", "\xc3\x28 invalid utf-8"},
      {"operatorToUserChatMessages", R"({"chatId":"\ud800","pageNum":1,"pageSize":1})"},
      {"operatorToUserChatMessages",
       "{\"chatId\":\"" + chat + "\xff\",\"pageNum\":1,\"pageSize\":1}"},
      {"operatorToUserChatMessages", deep},
      {"operatorToUserChatMessages",
       R"({"chatId":")" + chat + R"(","pageNum":1e400,"pageSize":1})"},
      {"operatorToUserChatMessages",
       R"({"chatId":")" + chat + R"(","pageNum":-9223372036854775809,"pageSize":1})"},
      {"operatorToUserChatMessages",
       R"({"chatId":")" + chat + R"(","pageNum":1,"pageSize":"1e3"})"},
      {"operatorToUserChatMessages", R"({"chatId":"' OR 1=1 --","pageNum":1,"pageSize":20})"},
      {"operatorToUserChatMessages", R"({"chatId":["a"],"pageNum":{},"pageSize":null})"},
      {"operatorToUserChatMessages", R"({"chatId":"x\u0000y","pageNum":1,"pageSize":1})"},
      {"operatorToUserChatMessages", std::string("{\"chatId\":\"a\0b\",\"pageNum\":1}", 29)},
      {"operatorToUserChatMessages", R"({"chatId":"a","chatId":"b","pageNum":1,"pageSize":1})"},
      {"operatorToUserChatMessages", ""},
      {"operatorToUserChatMessages", "null"},
      {"operatorToUserChatMessages", "\"just a string\""},
      {"sendMessage",
       R"({"chatId":")" + chat +
           R"(","direction":"userToOperator","type":"txt","msg":"'); DROP TABLE messages; --"})"},
      {"sendMessage",
       R"({"chatId":")" + chat +
           R"(","direction":"userToOperator","type":"txt","msg":"x","ext":"not an object"})"},
      {"sendMessage",
       R"({"chatId":")" + chat +
           R"(","direction":"userToOperator","type":"txt","msg":"x","timestamp":-1})"},
      {"sendMessage",
       R"({"chatId":")" + chat +
           R"(","direction":"userToOperator","type":"txt","msg":"x","userMessageId":"../../etc"})"},
      {"sendMessage", R"({"chatId":")" + chat +
                          R"(","direction":"userToOperator","type":"loc","lat":"NaN","lng":0})"},
      {"sendMessage",
       R"({"chatId":")" + chat +
           R"(","direction":"userToOperator","type":"audio","url":"u","length":99999999999})"},
      {"createChat", R"({"userId":"has space"})"},
      {"createChat", R"({"userId":")" + std::string(1000, 'u') + R"("})"},
      {"chats", R"({"since":"2016-13-45 99:99:99"})"},
      {"chats", R"({"pageSize":0})"},
  };
  int sql_text_stored = 0;
  for (const auto& [name, body] : bodies) {
    auto r = Call(server.port(), cred, name, body);
    ASSERT_NE(r.status, 0) << "no answer for " << body.substr(0, 80);
    ASSERT_NO_THROW(r.Json()) << r.body;
    auto doc = r.Json().as_object();
    EXPECT_EQ(doc["code"], r.status);
    if (r.status == 200) {
      // Only the SQL-looking text and the duplicate-key body are legitimate requests.
      EXPECT_TRUE(body.find("DROP TABLE") != std::string::npos ||
                  body.find(R"("chatId":"a","chatId":"b")") != std::string::npos)
          << body.substr(0, 80);
      if (body.find("DROP TABLE") != std::string::npos) ++sql_text_stored;
    } else {
      EXPECT_TRUE(r.status == 400 || r.status == 404) << r.status << " " << body.substr(0, 80);
    }
  }
  EXPECT_EQ(sql_text_stored, 1);

  // The chat holds exactly what was legitimately sent, stored verbatim.
  auto h = Call(server.port(), cred, "operatorToUserChatMessages",
                R"({"chatId":")" + chat + R"(","pageNum":1,"pageSize":100})");
  ASSERT_EQ(h.status, 200);
  auto msgs = h.Json().at("data").at("msg").as_array();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].at("msg"), "keep me");
  EXPECT_EQ(msgs[1].at("msg"), "'); DROP TABLE messages; --");
}

TEST_P(HostileInputTest, BrokenHttpIsAnsweredOrClosedAndTheServerLivesOn) {
  TestServer server(GetParam());
  const std::vector<std::string> raws = {
      "GET / HTTP/9.9\r\n\r\n",
      "POST /op/v2/chats HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef",
      "POST /op/v2/chats HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
      "POST /op/v2/chats HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
      "POST /op/v2/chats HTTP/1.1\r\nHost: a\r\nHost\r\n\r\n",
      std::string("GET /healthz\0 HTTP/1.1\r\n\r\n", 26),
      "\xff\xfe\xfd\r\n\r\n",
      "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n",
  };
  // Found by fuzz_http_request: a repeated parameter whose name is not UTF-8 was quoted in the
  // error message, which made the answer invalid JSON.
  auto repeated = Post(server.port(), "/op/v2/chats?%FF%FE=1&%FF%FE=2", "{}");
  EXPECT_EQ(repeated.status, 400);
  EXPECT_NO_THROW(repeated.Json()) << repeated.body;
  for (const auto& raw : raws) {
    auto r = SendRaw(server.port(), raw, 3000);
    if (r.status != 0) {
      EXPECT_GE(r.status, 400) << raw.substr(0, 60);
      EXPECT_NO_THROW(r.Json()) << r.body;
    }
    ASSERT_EQ(Get(server.port(), "/healthz").status, 200) << "after " << raw.substr(0, 60);
  }
}

INSTANTIATE_TEST_SUITE_P(BackEnds, HostileInputTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat::testing
