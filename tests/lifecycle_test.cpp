// The chat lifecycle and message endpoints of docs/api.md over real HTTP.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "test_server.hpp"

namespace opchat::testing {
namespace {

namespace json = boost::json;

class LifecycleTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>(GetParam());
    cred_ = server_->AddClient();
  }
  HttpResponse Do(const std::string& name, const std::string& body) {
    return Call(server_->port(), cred_, name, body);
  }
  HttpResponse OnChat(const std::string& name, const std::string& chat,
                      const std::string& more = "") {
    return Do(name, R"({"chatId":")" + chat + "\"" + more + "}");
  }
  int StatusCodeOf(const std::string& chat) {
    return static_cast<int>(OnChat("chatInfo", chat).Json().at("data").at("statusCode").as_int64());
  }

  std::unique_ptr<TestServer> server_;
  Credential cred_;
};

TEST_P(LifecycleTest, TransitionsFollowTheRulesAndIllegalOnesAre409) {
  auto created = Do("createChat", R"({"userId":"user-7","ext":{"source":"app"}})");
  ASSERT_EQ(created.status, 200) << created.body;
  auto data = created.Json().at("data").as_object();
  std::string chat = std::string(data["chatId"].as_string());
  EXPECT_EQ(chat.size(), 37u);
  EXPECT_EQ(chat.substr(0, 5), "u0001");
  EXPECT_EQ(data["statusCode"], 1);
  EXPECT_EQ(data["status"], "等待接待");
  EXPECT_EQ(data["channel"], json::value(cred_.channel));
  EXPECT_EQ(data["ext"].at("source"), "app");

  EXPECT_EQ(OnChat("suspendChat", chat).status, 409);
  EXPECT_EQ(OnChat("acceptChat", chat).status, 400) << "operatorId is required";
  auto accepted = OnChat("acceptChat", chat, R"(,"operatorId":"op-1")");
  ASSERT_EQ(accepted.status, 200);
  EXPECT_EQ(accepted.Json().at("data").at("operatorId"), "op-1");
  EXPECT_EQ(OnChat("acceptChat", chat, R"(,"operatorId":"op-2")").status, 409);
  EXPECT_EQ(OnChat("suspendChat", chat).status, 200);
  EXPECT_EQ(StatusCodeOf(chat), 30);
  EXPECT_EQ(OnChat("suspendChat", chat).status, 409);
  EXPECT_EQ(OnChat("resumeChat", chat).status, 200);
  EXPECT_EQ(StatusCodeOf(chat), 3);
  EXPECT_EQ(OnChat("endChat", chat).status, 200);
  auto again = OnChat("endChat", chat);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.Json().at("code"), 409);
  EXPECT_EQ(OnChat("resumeChat", chat).status, 409);
  EXPECT_EQ(OnChat("deleteChat", chat).status, 200);
  EXPECT_EQ(StatusCodeOf(chat), 6);
  // Deleted by the user, still readable by operators.
  auto history = OnChat("operatorToUserChatMessages", chat, R"(,"pageNum":1,"pageSize":5)");
  ASSERT_EQ(history.status, 200);
  EXPECT_EQ(history.Json().at("data").at("status"), "用户删除");

  EXPECT_EQ(Do("createChat", R"({"userId":"u","chatId":")" + chat + "\"}").status, 409);
  EXPECT_EQ(Do("createChat", R"({"chatId":"x"})").status, 400);
}

// Chat ids are per channel (docs/design.md, "Storage model"): chat ids are unique per channel. An
// id taken on another channel neither answers 409 (which would tell that it exists there) nor
// blocks the client: it gets its own chat.
TEST_P(LifecycleTest, CreateChatWithAnIdTakenOnAnotherChannelSucceedsAndStaysSeparate) {
  const std::string chat = CreateChat(server_->port(), cred_, "user-a");
  ASSERT_EQ(SendText(server_->port(), cred_, chat, "a's message").status, 200);
  Credential other = server_->AddClient();
  auto theirs = Call(server_->port(), other, "createChat",
                     R"({"userId":"user-b","chatId":")" + chat + R"("})");
  ASSERT_EQ(theirs.status, 200) << theirs.body;
  EXPECT_EQ(theirs.Json().at("data").at("chatId"), json::value(chat));
  EXPECT_EQ(theirs.Json().at("data").at("channel"), json::value(other.channel));
  EXPECT_EQ(Call(server_->port(), other, "createChat",
                 R"({"userId":"user-b","chatId":")" + chat + R"("})")
                .status,
            409)
      << "taken on its own channel now";

  auto accepted = Call(server_->port(), other, "acceptChat",
                       R"({"chatId":")" + chat + R"(","operatorId":"op-b"})");
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  ASSERT_EQ(SendText(server_->port(), other, chat, "b's reply", "operatorToUser").status, 200);
  ASSERT_EQ(Call(server_->port(), other, "endChat", R"({"chatId":")" + chat + R"("})").status, 200);

  auto mine = OnChat("chatInfo", chat).Json().at("data");
  EXPECT_EQ(mine.at("statusCode"), 1);
  EXPECT_EQ(mine.at("userId"), "user-a");
  EXPECT_EQ(mine.at("messageCount"), 1);
  EXPECT_TRUE(mine.at("operatorId").is_null());
  auto mine_history = AllMessages(server_->port(), cred_, chat);
  ASSERT_EQ(mine_history.size(), 1u);
  EXPECT_EQ(mine_history[0].at("msg"), "a's message");
  auto their_history = AllMessages(server_->port(), other, chat);
  ASSERT_EQ(their_history.size(), 1u);
  EXPECT_EQ(their_history[0].at("msg"), "b's reply");
  EXPECT_EQ(their_history[0].at("form"), "op-b");
  // This channel's chat still takes messages: the other one's end did not reach it.
  EXPECT_EQ(SendText(server_->port(), cred_, chat, "still open").status, 200);
}

TEST_P(LifecycleTest, SendingFollowsDirectionAndRefusesClosedChats) {
  std::string chat = CreateChat(server_->port(), cred_, "user-9");
  auto early = SendText(server_->port(), cred_, chat, "hi", "operatorToUser");
  EXPECT_EQ(early.status, 409) << "no operator has accepted the chat yet";
  auto waiting = SendText(server_->port(), cred_, chat, "anyone?");
  ASSERT_EQ(waiting.status, 200) << waiting.body;
  EXPECT_EQ(waiting.Json().at("data").at("form"), "user-9");
  EXPECT_TRUE(waiting.Json().at("data").at("to").is_null());
  ASSERT_EQ(OnChat("acceptChat", chat, R"(,"operatorId":"op-5")").status, 200);
  auto reply = SendText(server_->port(), cred_, chat, "hello", "operatorToUser");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Json().at("data").at("form"), "op-5");
  EXPECT_EQ(reply.Json().at("data").at("to"), "user-9");
  EXPECT_EQ(reply.Json().at("data").at("seq"), 2);

  EXPECT_EQ(OnChat("sendMessage", chat, R"(,"direction":"sideways","type":"txt","msg":"x")").status,
            400);
  EXPECT_EQ(
      OnChat("sendMessage", chat, R"(,"direction":"userToOperator","type":"gif","msg":"x")").status,
      400);
  EXPECT_EQ(OnChat("sendMessage", chat, R"(,"direction":"userToOperator","type":"txt")").status,
            400);
  EXPECT_EQ(OnChat("sendMessage", chat, R"(,"direction":"userToOperator","type":"img")").status,
            400);
  EXPECT_EQ(
      OnChat("sendMessage", chat, R"(,"direction":"userToOperator","type":"loc","lat":91,"lng":0)")
          .status,
      400);
  EXPECT_EQ(
      OnChat("sendMessage", chat,
             R"(,"direction":"userToOperator","type":"txt","msg":"x","createTime":"yesterday")")
          .status,
      400);

  ASSERT_EQ(OnChat("endChat", chat).status, 200);
  EXPECT_EQ(SendText(server_->port(), cred_, chat, "too late").status, 409);
}

TEST_P(LifecycleTest, SendIsIdempotentByUserMessageId) {
  std::string chat = CreateChat(server_->port(), cred_);
  std::string body =
      R"(,"direction":"userToOperator","type":"txt","msg":"once","userMessageId":"client-42")";
  auto first = OnChat("sendMessage", chat, body);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Json().at("duplicate"), false);
  auto second = OnChat("sendMessage", chat, body);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.Json().at("duplicate"), true);
  EXPECT_EQ(second.Json().at("data"), first.Json().at("data"));
  EXPECT_EQ(OnChat("chatInfo", chat).Json().at("data").at("messageCount"), 1);
}

TEST_P(LifecycleTest, ConcurrentSendsGetDensePositions) {
  std::string chat = CreateChat(server_->port(), cred_);
  constexpr int kThreads = 8, kEach = 10;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (SendText(server_->port(), cred_, chat, std::to_string(t) + "-" + std::to_string(i))
                .status == 200)
          ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(ok.load(), kThreads * kEach);
  auto h = OnChat("operatorToUserChatMessages", chat, R"(,"pageNum":1,"pageSize":100)");
  auto msgs = h.Json().at("data").at("msg").as_array();
  ASSERT_EQ(msgs.size(), static_cast<size_t>(kThreads * kEach));
  for (size_t i = 0; i < msgs.size(); ++i)
    EXPECT_EQ(msgs[i].at("seq"), static_cast<int64_t>(i + 1));
}

TEST_P(LifecycleTest, ChatsListAndChatInfo) {
  std::string a = CreateChat(server_->port(), cred_, "alice");
  std::string b = CreateChat(server_->port(), cred_, "bob");
  ASSERT_EQ(OnChat("acceptChat", a, R"(,"operatorId":"op-1")").status, 200);
  // Activity times are in milliseconds: make b's strictly later than a's.
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(SendText(server_->port(), cred_, b, "latest").status, 200);
  auto all = Do("chats", "{}");
  ASSERT_EQ(all.status, 200) << all.body;
  auto doc = all.Json().as_object();
  EXPECT_EQ(doc["page"].at("total"), 2);
  EXPECT_EQ(doc["data"].at("chats").at(0).at("chatId"), json::value(b)) << "newest activity first";
  auto chatting = Do("chats", R"({"status":3})").Json();
  ASSERT_EQ(chatting.at("data").at("chats").as_array().size(), 1u);
  EXPECT_EQ(chatting.at("data").at("chats").at(0).at("chatId"), json::value(a));
  EXPECT_EQ(Do("chats", R"({"operatorId":"op-1"})").Json().at("page").at("total"), 1);
  EXPECT_EQ(Do("chats", R"({"userId":"bob"})").Json().at("page").at("total"), 1);
  EXPECT_EQ(Do("chats", R"({"status":2})").status, 400);
  EXPECT_EQ(
      Do("chats", R"({"pageSize":1,"pageNum":2})").Json().at("data").at("chats").at(0).at("chatId"),
      json::value(a));
  auto info = OnChat("chatInfo", b).Json().at("data").as_object();
  EXPECT_EQ(info["userId"], "bob");
  EXPECT_EQ(info["messageCount"], 1);
  EXPECT_EQ(info["status"], "等待接待");
  EXPECT_TRUE(info["operatorId"].is_null());
  EXPECT_TRUE(info["lastMessageTime"].is_string());
}

INSTANTIATE_TEST_SUITE_P(BackEnds, LifecycleTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat::testing
