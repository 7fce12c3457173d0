#include "import/easemob_import.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "common/crypto.hpp"

namespace opchat {
namespace {

constexpr int64_t kT0 = 1710468000000;  // 2024-03-15 10:00 +08:00
constexpr int64_t kMinute = 60'000;

std::string Line(const std::string& id, int64_t ts, const std::string& from, const std::string& to,
                 const std::string& text, const std::string& ext = "{}",
                 const std::string& chat_type = "chat") {
  return R"({"msg_id":")" + id + R"(","timestamp":)" + std::to_string(ts) + R"(,"chat_type":")" +
         chat_type + R"(","payload":{"bodies":[{"msg":")" + text + R"(","type":"txt"}],"ext":)" +
         ext + R"(,"from":")" + from + R"(","to":")" + to + "\"}}\n";
}

class EasemobImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        ::testing::TempDir() + "/easemob_import_" + std::to_string(getpid()) + "_" + RandomHex(4);
    auto store = OpenStore("sqlite:" + dir_ + "/db.sqlite");
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
    options_.channel = "shop";
    options_.operator_prefixes = {"kf_"};
    options_.on_bad_record = [this](const std::string& file, int64_t line, const std::string& why) {
      bad_.push_back(file.substr(file.rfind('/') + 1) + ":" + std::to_string(line) + ": " + why);
    };
    options_.on_late = [this](const std::string&, int64_t line) { late_.push_back(line); };
  }

  std::string File(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  EasemobImportReport Import(const std::vector<std::string>& files) {
    auto r = ImportEasemob(files, *store_, options_);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : EasemobImportReport{};
  }

  // The chats of the channel, oldest activity first, each as its messages' texts.
  std::vector<std::vector<std::string>> Chats() {
    ChatFilter f;
    f.channel = "shop";
    f.limit = 100;
    auto list = store_->ListChats(f);
    std::vector<std::vector<std::string>> out;
    for (auto it = list->chats.rbegin(); it != list->chats.rend(); ++it) {
      auto messages = store_->ReadMessages(it->channel, it->id, {1, 1000, false});
      std::vector<std::string> texts;
      for (const auto& m : *messages) texts.push_back(m.msg.value_or(""));
      out.push_back(texts);
    }
    return out;
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  EasemobImportOptions options_;
  std::vector<std::string> bad_;
  std::vector<int64_t> late_;
};

TEST_F(EasemobImportTest, PutsRecordsInTimeOrderAndSplitsAPairAtTheIdleGap) {
  std::string f = File("h10.ndjson", Line("3", kT0 + 2 * kMinute, "kf_wang", "u_a", "c") +
                                         Line("1", kT0, "u_a", "kf_wang", "a") +
                                         Line("5", kT0 + 40 * kMinute, "kf_wang", "u_a", "e") +
                                         Line("2", kT0 + kMinute, "u_a", "kf_wang", "b") +
                                         Line("4", kT0 + 35 * kMinute, "u_a", "kf_wang", "d"));
  auto r = Import({f});
  EXPECT_EQ(r.records, 5);
  EXPECT_EQ(r.inserted, 5);
  EXPECT_EQ(r.chats_started, 2);
  EXPECT_EQ(r.late, 0);
  EXPECT_EQ(Chats(), (std::vector<std::vector<std::string>>{{"a", "b", "c"}, {"d", "e"}}));
  auto chat = store_->ListChats({.channel = "shop", .limit = 1});
  EXPECT_EQ(chat->chats[0].user_id, "u_a");
  EXPECT_EQ(chat->chats[0].operator_id, "kf_wang");
  EXPECT_EQ(chat->chats[0].status, ChatStatus::kEnded);

  // Again: nothing new, the same chats.
  auto again = Import({f});
  EXPECT_EQ(again.inserted, 0);
  EXPECT_EQ(again.duplicates, 5);
  EXPECT_EQ(Chats().size(), 2u);
}

TEST_F(EasemobImportTest, ChatKeyWinsOverTheGapRule) {
  std::string f = File(
      "keyed.ndjson", Line("1", kT0, "u_a", "kf_1", "a", R"({"chatId":"s-1"})") +
                          Line("2", kT0 + 90 * kMinute, "kf_2", "u_a", "b", R"({"chatId":"s-1"})") +
                          Line("3", kT0 + 91 * kMinute, "u_a", "kf_2", "c"));
  auto r = Import({f});
  EXPECT_EQ(r.keyed_records, 2);
  EXPECT_EQ(r.chats_started, 1);
  auto keyed = store_->GetChat("shop", "s-1");
  ASSERT_TRUE(keyed.ok());
  EXPECT_EQ(keyed->message_count, 2);
  EXPECT_EQ(keyed->operator_id, "kf_1");  // the chat's first record describes it
}

TEST_F(EasemobImportTest, AChatKeyOfAnotherChannelsChatGetsItsOwnChat) {
  std::string f = File("two.ndjson", Line("1", kT0, "u_a", "kf_1", "a", R"({"chatId":"s-1"})") +
                                         Line("2", kT0 + 1, "u_b", "kf_1", "b"));
  const std::string first_channel = options_.channel;
  Import({f});
  options_.channel = "other-shop";
  auto r = Import({f});
  EXPECT_EQ(r.rejected, 0);
  EXPECT_EQ(r.inserted, 2);  // both records, into the other channel's own chats
  EXPECT_TRUE(bad_.empty());
  EXPECT_EQ(store_->GetChat(first_channel, "s-1")->message_count, 1);
  auto theirs = store_->GetChat("other-shop", "s-1");
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(theirs->message_count, 1);
  EXPECT_EQ(theirs->channel, "other-shop");
}

TEST_F(EasemobImportTest, AConversationCutByTheHourBoundaryStaysOneChatAcrossRuns) {
  std::string h10 = File("h10.ndjson", Line("1", kT0 + 50 * kMinute, "u_a", "kf_wang", "a") +
                                           Line("2", kT0 + 55 * kMinute, "kf_wang", "u_a", "b"));
  std::string h11 = File("h11.ndjson", Line("3", kT0 + 65 * kMinute, "u_a", "kf_wang", "c") +
                                           Line("4", kT0 + 70 * kMinute, "u_b", "kf_wang", "x"));
  Import({h10});
  auto r = Import({h11});
  EXPECT_EQ(r.chats_continued, 1);
  EXPECT_EQ(r.chats_started, 1);
  EXPECT_EQ(Chats(), (std::vector<std::vector<std::string>>{{"a", "b", "c"}, {"x"}}));
  // Both hours again, together: nothing changes.
  auto both = Import({h10, h11});
  EXPECT_EQ(both.inserted, 0);
  EXPECT_EQ(Chats().size(), 2u);
}

TEST_F(EasemobImportTest, ReportsBadRecordsAndSkipsGroupChats) {
  std::string f =
      File("mixed.ndjson", Line("1", kT0, "u_a", "kf_wang", "ok") + "{broken\n" +
                               Line("2", kT0 + 1, "u_a", "u_b", "users only") +
                               Line("3", kT0 + 2, "kf_a", "kf_b", "operators only") +
                               Line("4", kT0 + 3, "u_a", "group-1", "group", "{}", "groupchat"));
  auto r = Import({f});
  EXPECT_EQ(r.records, 5);
  EXPECT_EQ(r.inserted, 1);
  EXPECT_EQ(r.rejected, 3);
  EXPECT_EQ(r.group_records, 1);
  ASSERT_EQ(bad_.size(), 3u);
  EXPECT_EQ(bad_[0].substr(0, 14), "mixed.ndjson:2");
  EXPECT_EQ(bad_[1], "mixed.ndjson:3: neither from nor to is an operator");
  EXPECT_EQ(bad_[2], "mixed.ndjson:4: both from and to are operators");
}

TEST_F(EasemobImportTest, RecordsLaterThanTheWindowAreImportedAndReported) {
  options_.reorder_window = 1;
  std::string f = File("late.ndjson", Line("1", kT0 + 2 * kMinute, "u_a", "kf_wang", "b") +
                                          Line("2", kT0 + 3 * kMinute, "u_a", "kf_wang", "c") +
                                          Line("3", kT0, "u_a", "kf_wang", "a"));
  auto r = Import({f});
  EXPECT_EQ(r.inserted, 3);
  EXPECT_EQ(r.late, 1);
  EXPECT_EQ(late_, (std::vector<int64_t>{3}));
  // The window of one holds c back while a arrives: a goes out next, after b.
  EXPECT_EQ(Chats(), (std::vector<std::vector<std::string>>{{"b", "a", "c"}}));
}

TEST_F(EasemobImportTest, OperatorIdsAndSmallBatches) {
  options_.operator_prefixes.clear();
  options_.operator_ids = {"148992112329753020"};
  options_.batch_size = 2;
  std::string text;
  for (int i = 0; i < 7; ++i) {
    text += Line(std::to_string(100 + i), kT0 + i * 1000, i % 2 ? "148992112329753020" : "u_a",
                 i % 2 ? "u_a" : "148992112329753020", "m" + std::to_string(i));
  }
  auto r = Import({File("ids.ndjson", text)});
  EXPECT_EQ(r.inserted, 7);
  EXPECT_EQ(Chats(),
            (std::vector<std::vector<std::string>>{{"m0", "m1", "m2", "m3", "m4", "m5", "m6"}}));
}

TEST_F(EasemobImportTest, RefusesUnusableOptions) {
  options_.operator_prefixes.clear();
  EXPECT_EQ(ImportEasemob({}, *store_, options_).status().code(), StatusCode::kInvalidArgument);
  options_.operator_prefixes = {"kf_"};
  options_.channel.clear();
  EXPECT_EQ(ImportEasemob({}, *store_, options_).status().code(), StatusCode::kInvalidArgument);
  options_.channel = "shop";
  EXPECT_EQ(ImportEasemob({dir_ + "/missing.json"}, *store_, options_).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace opchat
