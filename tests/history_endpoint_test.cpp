// The seed endpoint, driven over HTTP against the real binary (docs/api.md).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>
#include <set>

#include "test_server.hpp"

namespace opchat::testing {
namespace {

namespace json = boost::json;

class HistoryTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>(GetParam());
    cred_ = server_->AddClient();
  }

  json::object History(const std::string& chat_id, const std::string& extra = "", int page = 1,
                       int size = 20) {
    std::string body = R"({"chatId":")" + chat_id + R"(","pageNum":)" + std::to_string(page) +
                       R"(,"pageSize":)" + std::to_string(size) + extra + "}";
    auto r = Call(server_->port(), cred_, "operatorToUserChatMessages", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json().as_object();
  }

  std::string AcceptedChat() {
    std::string chat = CreateChat(server_->port(), cred_, "u0001fd9fb3524e52470899cba2d5ee84a801");
    auto r = Call(server_->port(), cred_, "acceptChat",
                  R"({"chatId":")" + chat + R"(","operatorId":"148992112329753020"})");
    EXPECT_EQ(r.status, 200) << r.body;
    return chat;
  }

  std::unique_ptr<TestServer> server_;
  Credential cred_;
};

std::set<std::string> Keys(const json::object& o) {
  std::set<std::string> keys;
  for (const auto& kv : o) keys.insert(std::string(kv.key()));
  return keys;
}

TEST_P(HistoryTest, SeedExampleMessageComesBackInTheSeedsShape) {
  std::string chat = AcceptedChat();
  auto sent =
      Call(server_->port(), cred_, "sendMessage",
           R"({"chatId":")" + chat +
               R"(","direction":"operatorToUser","type":"txt",)"
               R"("msg":"黑胡椒","ext":{"template":{}},"createTime":"2016-02-19 18:43:00"})");
  ASSERT_EQ(sent.status, 200) << sent.body;

  json::object doc = History(chat);
  EXPECT_EQ(Keys(doc), (std::set<std::string>{"code", "message", "data", "page", "foot"}));
  EXPECT_EQ(doc["code"], 200);
  EXPECT_EQ(doc["message"], "成功");
  json::object& data = doc["data"].as_object();
  EXPECT_EQ(Keys(data), (std::set<std::string>{"status", "msg", "chatId"}));
  EXPECT_EQ(data["status"], "聊天中");
  EXPECT_EQ(data["chatId"], json::value(chat));
  ASSERT_EQ(data["msg"].as_array().size(), 1u);
  json::object& m = data["msg"].as_array()[0].as_object();
  const std::set<std::string> seed_keys = {
      "userMessageId", "form",  "to",     "type",         "msg",    "url",
      "filename",      "thumb", "secret", "thumb_secret", "length", "file_length",
      "addr",          "lat",   "lng",    "createTime",   "getUrl", "ext"};
  std::set<std::string> keys = Keys(m);
  for (const auto& k : seed_keys) EXPECT_TRUE(keys.count(k)) << "missing key " << k;
  EXPECT_EQ(keys.size(), seed_keys.size() + 2) << "seed keys plus seq and timestamp";
  EXPECT_EQ(m["to"], "u0001fd9fb3524e52470899cba2d5ee84a801");
  EXPECT_EQ(m["form"], "148992112329753020");
  EXPECT_EQ(m["createTime"], "2016-02-19 18:43:00");
  EXPECT_TRUE(m["thumb_secret"].is_null());
  EXPECT_EQ(m["file_length"], "0");
  EXPECT_EQ(m["length"], "0");
  EXPECT_TRUE(m["addr"].is_null());
  EXPECT_TRUE(m["lng"].is_null());
  EXPECT_TRUE(m["lat"].is_null());
  EXPECT_EQ(m["type"], "txt");
  EXPECT_EQ(m["msg"], "黑胡椒");
  EXPECT_EQ(m["ext"], json::parse(R"({"template":{}})"));
  EXPECT_TRUE(m["url"].is_null());
  EXPECT_TRUE(m["getUrl"].is_null());
  EXPECT_TRUE(m["secret"].is_null());
  EXPECT_TRUE(m["filename"].is_null());
  EXPECT_TRUE(m["thumb"].is_null());
  EXPECT_TRUE(
      std::regex_match(std::string(m["userMessageId"].as_string()), std::regex("[0-9]{18,19}")));
  EXPECT_EQ(m["seq"], 1);
  EXPECT_EQ(m["timestamp"], 1455878580000);  // date -d '2016-02-19 18:43:00 +0800' +%s%3N

  json::object& page = doc["page"].as_object();
  EXPECT_EQ(
      page,
      json::parse(R"({"total":1,"page":1,"pageSize":20,"count":1,"next":false,"startIndex":0})"));
  json::object& foot = doc["foot"].as_object();
  EXPECT_TRUE(std::regex_match(std::string(foot["operationTime"].as_string()),
                               std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")));
  EXPECT_EQ(foot["servicePhone"], "400800400");
  EXPECT_EQ(foot["host"], "test3");
  EXPECT_EQ(foot["timezone"], "+08:00");
}

TEST_P(HistoryTest, MediaMessagesGetSignedQiniuUrls) {
  std::string chat = AcceptedChat();
  auto r = Call(
      server_->port(), cred_, "sendMessage",
      R"({"chatId":")" + chat +
          R"(","direction":"userToOperator","type":"img",)"
          R"("url":"http://upload.example.com/chat/a b.jpg","secret":"s1","file_length":"2048"})");
  ASSERT_EQ(r.status, 200) << r.body;
  r = Call(server_->port(), cred_, "sendMessage",
           R"({"chatId":")" + chat +
               R"(","direction":"userToOperator","type":"audio",)"
               R"("key":"voice/1.amr","length":6})");
  ASSERT_EQ(r.status, 200) << r.body;
  r = Call(server_->port(), cred_, "sendMessage",
           R"({"chatId":")" + chat +
               R"(","direction":"userToOperator","type":"loc",)"
               R"("addr":"上海","lat":31.23,"lng":"121.47"})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto msgs = History(chat)["data"].as_object()["msg"].as_array();
  ASSERT_EQ(msgs.size(), 3u);
  std::string img = std::string(msgs[0].at("getUrl").as_string());
  EXPECT_TRUE(std::regex_match(
      img,
      std::regex(
          R"(http://media\.example\.com/chat/a%20b\.jpg\?imageView2/1/w/200/h/200&e=\d{10}&token=ak:[A-Za-z0-9_=-]{28})")))
      << img;
  EXPECT_EQ(msgs[0].at("file_length"), "2048");
  std::string audio = std::string(msgs[1].at("getUrl").as_string());
  EXPECT_TRUE(std::regex_match(
      audio, std::regex(R"(http://media\.example\.com/voice/1\.amr\?e=\d{10}&token=ak:\S{28})")))
      << audio;
  EXPECT_EQ(msgs[1].at("length"), "6");
  EXPECT_TRUE(msgs[2].at("getUrl").is_null());
  EXPECT_EQ(msgs[2].at("lat"), 31.23);
  EXPECT_EQ(msgs[2].at("lng"), 121.47);
}

TEST_P(HistoryTest, PagesCoverTheChatAndAPagePastTheEndIsEmpty) {
  std::string chat = AcceptedChat();
  for (int i = 1; i <= 45; ++i) {
    ASSERT_EQ(SendText(server_->port(), cred_, chat, "m" + std::to_string(i)).status, 200);
  }
  auto p2 = History(chat, "", 2, 20);
  EXPECT_EQ(
      p2["page"],
      json::parse(R"({"total":45,"page":2,"pageSize":20,"count":20,"next":true,"startIndex":20})"));
  EXPECT_EQ(p2["data"].at("msg").at(0).at("msg"), "m21");
  auto p3 = History(chat, "", 3, 20);
  EXPECT_EQ(p3["page"].at("count"), 5);
  EXPECT_EQ(p3["page"].at("next"), false);
  auto p4 = History(chat, "", 4, 20);
  EXPECT_EQ(
      p4["page"],
      json::parse(R"({"total":45,"page":4,"pageSize":20,"count":0,"next":false,"startIndex":60})"));
  EXPECT_TRUE(p4["data"].at("msg").as_array().empty());
  // Numbers as decimal strings are accepted.
  std::string body = R"({"chatId":")" + chat + R"(","pageNum":"2","pageSize":"10"})";
  auto r = Call(server_->port(), cred_, "operatorToUserChatMessages", body);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Json().at("page").at("startIndex"), 10);
}

TEST_P(HistoryTest, NoMessageIsLostOrRepeatedWhileMessagesArrive) {
  std::string chat = AcceptedChat();
  int sent = 0;
  for (; sent < 25; ++sent) SendText(server_->port(), cred_, chat, "m" + std::to_string(sent + 1));
  std::vector<std::string> seen;
  for (int page = 1;; ++page) {
    auto doc = History(chat, "", page, 10);
    for (auto& m : doc["data"].at("msg").as_array())
      seen.push_back(std::string(m.at("msg").as_string()));
    if (!doc["page"].at("next").as_bool()) break;
    // New messages arrive between page reads: they land after the last position, so the
    // pages already read and the ones still to read do not shift.
    for (int k = 0; k < 3 && sent < 40; ++k, ++sent) {
      ASSERT_EQ(SendText(server_->port(), cred_, chat, "m" + std::to_string(sent + 1)).status, 200);
    }
  }
  ASSERT_EQ(seen.size(), static_cast<size_t>(sent));
  for (int i = 0; i < sent; ++i)
    EXPECT_EQ(seen[static_cast<size_t>(i)], "m" + std::to_string(i + 1));
}

TEST_P(HistoryTest, DescendingOrderAndAfterSeq) {
  std::string chat = AcceptedChat();
  for (int i = 1; i <= 7; ++i) SendText(server_->port(), cred_, chat, "m" + std::to_string(i));
  auto desc = History(chat, R"(,"order":"desc")", 1, 3);
  auto msgs = desc["data"].at("msg").as_array();
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[0].at("msg"), "m7");
  EXPECT_EQ(msgs[2].at("msg"), "m5");
  EXPECT_EQ(desc["page"].at("next"), true);
  std::string body = R"({"chatId":")" + chat + R"(","afterSeq":5,"pageSize":10})";
  auto after = Call(server_->port(), cred_, "operatorToUserChatMessages", body);
  ASSERT_EQ(after.status, 200) << after.body;
  auto a = after.Json().as_object();
  ASSERT_EQ(a["data"].at("msg").as_array().size(), 2u);
  EXPECT_EQ(a["data"].at("msg").at(0).at("seq"), 6);
  EXPECT_EQ(a["page"].at("startIndex"), 5);
  EXPECT_EQ(a["page"].at("total"), 7);
  auto bad = Call(server_->port(), cred_, "operatorToUserChatMessages",
                  R"({"chatId":")" + chat + R"(","pageNum":1,"pageSize":5,"order":"sideways"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("order"), std::string::npos);
}

TEST_P(HistoryTest, DataSurvivesRestartAndKill9) {
  std::string chat = AcceptedChat();
  ASSERT_EQ(SendText(server_->port(), cred_, chat, "before-restart").status, 200);
  server_->Stop();
  server_->Start();
  ASSERT_EQ(SendText(server_->port(), cred_, chat, "acknowledged").status, 200);
  server_->Kill();  // SIGKILL right after the answer
  server_->Start();
  auto msgs = History(chat)["data"].at("msg").as_array();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].at("msg"), "before-restart");
  EXPECT_EQ(msgs[1].at("msg"), "acknowledged");
}

// The body without what is written for each answer: every getUrl's deadline and token, and
// the foot's operationTime.
std::string Unsigned(std::string body) {
  static const std::regex kSignature(R"(e=\d{10}&token=ak:[A-Za-z0-9_=-]{28})");
  static const std::regex kAnswerTime(R"("operationTime":"[^"]*")");
  return std::regex_replace(std::regex_replace(body, kSignature, "e=…"), kAnswerTime,
                            R"("operationTime":"…")");
}

// Prometheus counter `name` (with its labels) in /metrics, or -1 when absent.
int64_t MetricValue(int port, const std::string& name) {
  const std::string text = Get(port, "/metrics").body;
  const size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + name.size() + 2));
}

TEST_P(HistoryTest, FullPagesReadAgainComeFromThePageCacheUnchanged) {
  TestServer server(GetParam(), "", "", "page_cache_mb = 8\n");
  Credential cred = server.AddClient();
  std::string chat = CreateChat(server.port(), cred);
  for (int i = 1; i <= 45; ++i) {
    const std::string body =
        i % 10 == 0
            ? R"({"chatId":")" + chat +
                  R"(","direction":"userToOperator","type":"img","key":"chat/p)" +
                  std::to_string(i) + R"(.jpg"})"
            : R"({"chatId":")" + chat + R"(","direction":"userToOperator","type":"txt","msg":"m)" +
                  std::to_string(i) + R"("})";
    ASSERT_EQ(Call(server.port(), cred, "sendMessage", body).status, 200);
  }
  auto read = [&](int page, const std::string& extra = "") {
    std::string body = R"({"chatId":")" + chat + R"(","pageNum":)" + std::to_string(page) +
                       R"(,"pageSize":20)" + extra + "}";
    auto r = Call(server.port(), cred, "operatorToUserChatMessages", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  };
  const std::string first[] = {read(1), read(2), read(3)};
  EXPECT_EQ(Unsigned(read(1)), Unsigned(first[0]));
  EXPECT_EQ(Unsigned(read(2)), Unsigned(first[1]));
  EXPECT_EQ(Unsigned(read(3)), Unsigned(first[2]));
  EXPECT_NE(first[1].find("chat/p30.jpg?imageView2/1/w/200/h/200&e="), std::string::npos)
      << first[1];
  // Pages 1 and 2 were full and kept; page 3 (5 messages) is read each time.
  const std::string hits = R"(opchat_page_cache_lookups_total{outcome="hit"})";
  const std::string misses = R"(opchat_page_cache_lookups_total{outcome="miss"})";
  EXPECT_EQ(MetricValue(server.port(), hits), 2);
  EXPECT_EQ(MetricValue(server.port(), misses), 4);

  // A new message leaves the kept page as it was, but the count and the next page follow it.
  ASSERT_EQ(SendText(server.port(), cred, chat, "m46").status, 200);
  json::object again = json::parse(read(2)).as_object();
  EXPECT_EQ(again["page"].at("total"), 46);
  EXPECT_EQ(again["page"].at("next"), true);
  EXPECT_EQ(again["data"].at("msg").at(0).at("msg"), "m21");
  EXPECT_EQ(again["data"].at("msg").as_array().size(), 20u);
  EXPECT_EQ(MetricValue(server.port(), hits), 3);
  // Descending pages move with every message: never kept, never looked up.
  read(1, R"(,"order":"desc")");
  EXPECT_EQ(MetricValue(server.port(), hits) + MetricValue(server.port(), misses), 7);
}

TEST_P(HistoryTest, ThePageCacheIsOnByDefaultOnPostgreSqlAndOffOnSqlite) {
  std::string chat = AcceptedChat();
  for (int i = 1; i <= 20; ++i) SendText(server_->port(), cred_, chat, "m" + std::to_string(i));
  History(chat);
  History(chat);
  const int64_t hits =
      MetricValue(server_->port(), R"(opchat_page_cache_lookups_total{outcome="hit"})");
  EXPECT_EQ(hits, GetParam() == "postgres" ? 1 : 0);
}

INSTANTIATE_TEST_SUITE_P(BackEnds, HistoryTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat::testing
