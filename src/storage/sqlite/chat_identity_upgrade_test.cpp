// Schema migration 6: chats keyed by (channel_id, chat_id). A database of schema 5 keeps every
// chat, message, status and search hit, and afterwards takes a chat id that another channel
// already uses.
#include <gtest/gtest.h>
#include <unistd.h>

#include "common/crypto.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace opchat::sqlite {
namespace {

class ChatIdentityUpgradeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/chat_identity_" + std::to_string(getpid()) + "_" +
            RandomHex(6) + ".db";
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path_ + suffix).c_str());
  }

  // Schema 5 as release 5 left it: two chats of channel "ch", the first with its message
  // indexed for search, the second with one waiting above its search_seq.
  void WriteSchema5Database() {
    auto db = SqliteDb::Open(path_, true, "full");
    ASSERT_TRUE(db.ok()) << db.status().message();
    ASSERT_TRUE(MigrateSqlite(**db, 5).ok());
    ASSERT_TRUE((*db)
                    ->Exec(R"sql(
INSERT INTO chats (chat_id, channel_id, user_id, operator_id, status, ext, message_count,
                   created_ms, updated_ms, last_message_ms, chat_no, search_seq)
VALUES ('x', 'ch', 'u-x', 'op', 5, '{"v":1}', 1, 1000, 1100, 1100, 1, 1),
       ('y', 'ch', 'u-y', NULL, 1, '{}', 1, 2000, 2100, 2100, 2, 0);
INSERT INTO messages (chat_no, seq, user_message_id, from_id, to_id, type, msg, create_ms, ext)
VALUES (1, 1, 'x1', 'u-x', 'op', 'txt', '退款申请已提交', 1000, '{}'),
       (2, 1, 'y1', 'u-y', '', 'txt', '退款申请通过了', 2000, '{}');
INSERT INTO search_extents (base, chat_no, first_seq, last_seq) VALUES (1, 1, 1, 1);
INSERT INTO messages_fts (rowid, msg) VALUES (1, '退款申请已提交');
UPDATE counters SET value = 2 WHERE name = 'search_next_rowid';
)sql")
                    .ok());
  }

  std::unique_ptr<Store> OpenCurrent() {
    auto store = SqliteStore::Open(path_, StoreOptions{});
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::vector<std::string> Search(Store& store, const std::string& channel) {
    SearchQuery q;
    q.channel = channel;
    q.keyword = "退款申请";
    auto r = store.SearchMessages(q);
    EXPECT_TRUE(r.ok()) << r.status().message();
    std::vector<std::string> out;
    if (r.ok()) {
      for (const SearchHit& h : r->hits) out.push_back(h.chat_id + "/" + *h.message.msg);
    }
    return out;
  }

  std::string path_;
};

TEST_F(ChatIdentityUpgradeTest, ChatsKeepEverythingAndSearchStillFindsThem) {
  WriteSchema5Database();
  auto store = OpenCurrent();
  ASSERT_TRUE(store);
  auto x = store->GetChat("ch", "x");
  ASSERT_TRUE(x.ok()) << x.status().message();
  EXPECT_EQ(x->status, ChatStatus::kEnded);
  EXPECT_EQ(x->user_id, "u-x");
  EXPECT_EQ(x->operator_id, "op");
  EXPECT_EQ(x->ext, R"({"v":1})");
  EXPECT_EQ(x->message_count, 1);
  EXPECT_EQ(x->last_message_ms, 1100);
  auto y = store->GetChat("ch", "y");
  ASSERT_TRUE(y.ok());
  EXPECT_FALSE(y->operator_id.has_value());
  auto read = store->ReadMessages("ch", "y", {1, 1, false});
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0].user_message_id, "y1");

  const std::vector<std::string> both = {"y/退款申请通过了", "x/退款申请已提交"};
  EXPECT_EQ(Search(*store, "ch"), both);  // x from the index, y from the scan above search_seq
  auto indexed = store->CatchUpSearchIndex(100);
  ASSERT_TRUE(indexed.ok()) << indexed.status().message();
  EXPECT_EQ(*indexed, 1);
  EXPECT_EQ(Search(*store, "ch"), both);
}

TEST_F(ChatIdentityUpgradeTest, AnotherChannelMayThenUseTheSameIds) {
  WriteSchema5Database();
  auto store = OpenCurrent();
  ASSERT_TRUE(store);
  Chat other;
  other.id = "x";
  other.channel = "other";
  other.user_id = "u-o";
  other.status = ChatStatus::kChatting;
  other.created_ms = other.updated_ms = 3000;
  ASSERT_TRUE(store->CreateChat(other).ok());
  EXPECT_EQ(store->CreateChat(other).status().code(), StatusCode::kConflict);
  Message m;
  m.user_message_id = "x1";  // the same id as the first channel's message: another chat
  m.from = "u-o";
  m.to = "op";
  m.type = "txt";
  m.msg = "退款申请又来了";
  m.create_ms = 3000;
  auto appended = store->AppendMessage("other", "x", m);
  ASSERT_TRUE(appended.ok()) << appended.status().message();
  EXPECT_FALSE(appended->duplicate);
  EXPECT_EQ(appended->message.seq, 1);
  EXPECT_EQ(store->GetChat("ch", "x")->message_count, 1);
  EXPECT_EQ(store->GetChat("ch", "x")->status, ChatStatus::kEnded);
  ASSERT_TRUE(store->CatchUpSearchIndex(100).ok());
  EXPECT_EQ(Search(*store, "other"), std::vector<std::string>{"x/退款申请又来了"});
  EXPECT_EQ(Search(*store, "ch").size(), 2u);

  // Deleting a chat still takes its search extents along (the trigger is made again).
  ASSERT_TRUE(store->DeleteInactiveChats("other", 1LL << 62, 10).ok());
  EXPECT_EQ(store->GetChat("other", "x").status().code(), StatusCode::kNotFound);
  auto db = SqliteDb::Open(path_, false, "full");
  ASSERT_TRUE(db.ok());
  auto q = (*db)->Prepare(
      "SELECT COUNT(*) FROM search_extents WHERE chat_no NOT IN (SELECT chat_no FROM chats)");
  ASSERT_TRUE(q.Step());
  EXPECT_EQ(q.Int(0), 0);
  EXPECT_EQ(Search(*store, "ch").size(), 2u);
}

}  // namespace
}  // namespace opchat::sqlite
