#include "import/ndjson_export.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <map>

#include <boost/json/parse.hpp>
#include <sstream>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "import/ndjson_import.hpp"

namespace opchat {
namespace {

std::unique_ptr<Store> TempStore(const std::string& name) {
  auto store = OpenStore("sqlite:" + ::testing::TempDir() + "/ndjson_export_" +
                         std::to_string(getpid()) + "_" + RandomHex(4) + "_" + name + ".db");
  EXPECT_TRUE(store.ok()) << store.status().message();
  return std::move(*store);
}

Message Base(const std::string& id, const std::string& type, int64_t ms) {
  Message m;
  m.user_message_id = id;
  m.from = "u_a";
  m.to = "kf_1";
  m.type = type;
  m.create_ms = ms;
  return m;
}

// A chat of every message type, with text that needs escaping.
void Fill(Store& store, const std::string& chat_id, const std::string& channel) {
  Chat c;
  c.id = chat_id;
  c.channel = channel;
  c.user_id = "u_a";
  c.operator_id = "kf_1";
  c.status = ChatStatus::kChatting;
  c.ext = R"({"vip":true,"tags":["退款"]})";
  c.created_ms = c.updated_ms = 1710468000000;
  ASSERT_TRUE(store.CreateChat(c).ok());
  std::vector<Message> v;
  Message txt = Base("1", "txt", 1710468000000);
  txt.msg = "退款 \"quoted\" \\ 换行\n制表\t😀 <b>";
  txt.ext = R"({"n":15,"s":"ü"})";
  v.push_back(txt);
  Message img = Base("2", "img", 1710468001000);
  img.url = "https://a1.easemob.com/o/a/chatfiles/65e5";
  img.key = "chat/2024/a b.jpg";
  img.filename = "订单.jpg";
  img.secret = "S";
  img.file_length = 128827;
  v.push_back(img);
  Message loc = Base("3", "loc", 1710468002000);
  loc.addr = "西城区";
  loc.lat = 39.9053;
  loc.lng = -116.36302;
  v.push_back(loc);
  Message video = Base("4", "video", 1710468003000);
  video.url = "https://h/v.mp4";
  video.thumb = "https://h/t.jpg";
  video.thumb_secret = "TS";
  video.length = 10;
  v.push_back(video);
  Message custom = Base("5", "custom", 1710468004000);
  custom.from = "kf_1";
  custom.to = "";
  custom.ext = R"({"customEvent":"gift"})";
  v.push_back(custom);
  for (const auto& m : v) ASSERT_TRUE(store.AppendMessage(channel, chat_id, m).ok());
}

std::string Export(Store& store, const ExportFilter& filter) {
  std::ostringstream out;
  auto r = ExportNdjson(store, filter, out);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return out.str();
}

TEST(NdjsonExportTest, LineIsTheApiMessagePlusItsChat) {
  Chat chat;
  chat.id = "c1";
  chat.channel = "shop";
  chat.user_id = "u_a";
  chat.status = ChatStatus::kEnded;
  Message m = Base("1", "img", 1710468000000);
  m.url = "https://h/x.jpg";
  m.key = "k/x.jpg";
  m.seq = 3;
  std::string line;
  AppendExportLine(line, chat, m, nullptr, 1);
  ASSERT_EQ(line.back(), '\n');
  auto v = boost::json::parse(line).as_object();
  EXPECT_TRUE(v.at("getUrl").is_null());
  EXPECT_EQ(v.at("key"), "k/x.jpg");
  EXPECT_EQ(v.at("chatId"), "c1");
  EXPECT_EQ(v.at("channel"), "shop");
  EXPECT_EQ(v.at("userId"), "u_a");
  EXPECT_TRUE(v.at("operatorId").is_null());
  EXPECT_EQ(v.at("chatStatus"), 5);
  EXPECT_EQ(v.at("chatExt"), boost::json::object());
  EXPECT_EQ(v.at("form"), "u_a");
  EXPECT_EQ(v.at("seq"), 3);
  // The §1 keys come first, in the API's order.
  EXPECT_EQ(line.rfind(R"({"userMessageId":"1","form":"u_a","to":"kf_1","type":"img")", 0), 0u);

  QiniuUrlSigner signer(MediaSettings{"http://m.example.com", "ak", "sk", 3600, ""});
  std::string signed_line;
  AppendExportLine(signed_line, chat, m, &signer, 1000);
  auto s = boost::json::parse(signed_line).as_object();
  EXPECT_EQ(std::string(s.at("getUrl").as_string())
                .rfind("http://m.example.com/k/x.jpg?e=4600&token=ak:", 0),
            0u);
}

TEST(NdjsonExportTest, ExportImportExportIsByteIdentical) {
  auto a = TempStore("a");
  Fill(*a, "c-2", "shop");
  Fill(*a, "c-1", "shop");
  Fill(*a, "c-3", "other");
  const std::string first = Export(*a, {.channel = "shop"});
  EXPECT_EQ(std::count(first.begin(), first.end(), '\n'), 10);
  EXPECT_LT(first.find("\"chatId\":\"c-1\""), first.find("\"chatId\":\"c-2\"")) << "chat-id order";
  EXPECT_EQ(first.find("\"chatId\":\"c-3\""), std::string::npos);

  auto b = TempStore("b");
  std::istringstream in(first);
  auto imported = ImportNdjson(in, *b, {});
  ASSERT_TRUE(imported.ok());
  EXPECT_EQ(imported->inserted, 10);
  EXPECT_EQ(imported->rejected, 0);
  EXPECT_EQ(Export(*b, {}), first);
  EXPECT_EQ(b->GetChat("shop", "c-1")->ext, R"({"vip":true,"tags":["退款"]})");
}

// Lines of several chats interleaved, imported by several streams in small batches: each chat's
// messages keep the file's order, so the export is the same again.
TEST(NdjsonExportTest, SeveralImportStreamsKeepEachChatsOrder) {
  auto a = TempStore("streams-a");
  Fill(*a, "c-1", "shop");
  Fill(*a, "c-2", "shop");
  Fill(*a, "c-3", "other");
  const std::string first = Export(*a, {});
  std::map<std::string, std::vector<std::string>> by_chat;
  std::istringstream lines(first);
  for (std::string line; std::getline(lines, line);) {
    by_chat[std::string(boost::json::parse(line).at("chatId").as_string())].push_back(line);
  }
  ASSERT_EQ(by_chat.size(), 3u);
  std::string interleaved;
  for (size_t i = 0; i < 5; ++i) {
    for (const auto& [chat, chat_lines] : by_chat) interleaved += chat_lines.at(i) + "\n";
  }

  auto b = TempStore("streams-b");
  std::istringstream in(interleaved);
  auto imported = ImportNdjson(in, *b, {.batch_size = 2, .streams = 3});
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  EXPECT_EQ(imported->inserted, 15);
  EXPECT_EQ(Export(*b, {}), first);
}

TEST(NdjsonExportTest, FiltersByChatAndTime) {
  auto a = TempStore("filters");
  Fill(*a, "c-1", "shop");
  Fill(*a, "c-2", "shop");
  std::string one = Export(*a, {.channel = std::string("shop"), .chat_id = std::string("c-2")});
  EXPECT_EQ(std::count(one.begin(), one.end(), '\n'), 5);
  EXPECT_EQ(one.find("\"chatId\":\"c-1\""), std::string::npos);
  std::string window = Export(*a, {.since_ms = 1710468001000, .until_ms = 1710468003000});
  EXPECT_EQ(std::count(window.begin(), window.end(), '\n'), 4);  // 2 of each chat
  EXPECT_EQ(window.find("\"userMessageId\":\"1\""), std::string::npos);
  ExportFilter missing;
  missing.channel = "shop";
  missing.chat_id = "nope";
  std::ostringstream out;
  EXPECT_EQ(ExportNdjson(*a, missing, out).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace opchat
