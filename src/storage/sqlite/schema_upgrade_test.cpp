// A database written by an older release opens in this one with every message where it was:
// the upgrade to schema 5 (messages keyed by chat number, search rowids made from it) keeps
// positions, fields and search, for messages the old index held and for those it had not yet.
#include <gtest/gtest.h>

#include <unistd.h>

#include "common/crypto.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace opchat::sqlite {
namespace {

class SchemaUpgradeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ =
        ::testing::TempDir() + "/upgrade_" + std::to_string(getpid()) + "_" + RandomHex(6) + ".db";
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path_ + suffix).c_str());
  }

  // Schema 4 as release 4 left it: two chats, the older created second; of the three messages
  // with text, the first was indexed and the others still waited above the watermark.
  void WriteSchema4Database() {
    auto db = SqliteDb::Open(path_, true, "full");
    ASSERT_TRUE(db.ok()) << db.status().message();
    ASSERT_TRUE(MigrateSqlite(**db, 4).ok());
    ASSERT_TRUE((*db)
                    ->Exec(R"sql(
INSERT INTO chats (chat_id, channel_id, user_id, operator_id, status, ext, message_count,
                   created_ms, updated_ms, last_message_ms)
VALUES ('chat-b', 'ch', 'u-b', 'op', 3, '{}', 2, 2000, 2100, 2100),
       ('chat-a', 'ch', 'u-a', 'op', 3, '{}', 2, 1000, 1100, 1100);
INSERT INTO messages (chat_id, seq, user_message_id, from_id, to_id, type, msg, url, create_ms, ext)
VALUES ('chat-a', 1, 'a1', 'u-a', 'op', 'txt', '我要申请退款', NULL, 1000, '{}'),
       ('chat-a', 2, 'a2', 'op', 'u-a', 'img', NULL, 'http://m.example/a.png', 1100, '{}'),
       ('chat-b', 1, 'b1', 'u-b', 'op', 'txt', '退款申请已提交', NULL, 2000, '{"k":1}'),
       ('chat-b', 2, 'b2', 'op', 'u-b', 'txt', '退款申请通过了', NULL, 2100, '{}');
INSERT INTO messages_fts_rowid (chat_id, seq) VALUES ('chat-a', 1), ('chat-b', 1), ('chat-b', 2);
INSERT INTO messages_fts (rowid, msg) VALUES (1, '我要申请退款');
UPDATE counters SET value = 1 WHERE name = 'search_indexed_upto';
)sql")
                    .ok());
  }

  std::unique_ptr<Store> OpenCurrent() {
    auto store = SqliteStore::Open(path_, StoreOptions{});
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::vector<std::string> SearchChats(Store& store, const std::string& keyword) {
    SearchQuery q;
    q.channel = "ch";
    q.keyword = keyword;
    auto r = store.SearchMessages(q);
    EXPECT_TRUE(r.ok()) << r.status().message();
    std::vector<std::string> out;
    if (r.ok()) {
      for (const SearchHit& h : r->hits)
        out.push_back(h.chat_id + "/" + std::to_string(h.message.seq));
    }
    return out;
  }

  std::string path_;
};

TEST_F(SchemaUpgradeTest, MessagesKeepTheirPositionsAndFields) {
  WriteSchema4Database();
  auto store = OpenCurrent();
  ASSERT_TRUE(store);
  auto a = store->ReadMessages("ch", "chat-a", {1, 2, false});
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].user_message_id, "a1");
  EXPECT_EQ((*a)[0].msg, "我要申请退款");
  EXPECT_EQ((*a)[1].url, "http://m.example/a.png");
  auto b = store->ReadMessages("ch", "chat-b", {1, 2, true});
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->size(), 2u);
  EXPECT_EQ((*b)[0].user_message_id, "b2");
  EXPECT_EQ((*b)[1].ext, R"({"k":1})");
}

TEST_F(SchemaUpgradeTest, SearchFindsIndexedAndWaitingMessagesBeforeAndAfterTheCatchUp) {
  WriteSchema4Database();
  auto store = OpenCurrent();
  ASSERT_TRUE(store);
  const std::vector<std::string> newest_first = {"chat-b/2", "chat-b/1", "chat-a/1"};
  EXPECT_EQ(SearchChats(*store, "退款"), newest_first);                            // the LIKE scan
  EXPECT_EQ(SearchChats(*store, "申请退"), std::vector<std::string>{"chat-a/1"});  // trigrams
  EXPECT_EQ(SearchChats(*store, "退款申请"), (std::vector<std::string>{"chat-b/2", "chat-b/1"}));
  auto indexed = store->CatchUpSearchIndex(100);
  ASSERT_TRUE(indexed.ok()) << indexed.status().message();
  EXPECT_EQ(*indexed, 3);  // the upgrade rebuilds the index from every message with text
  EXPECT_EQ(SearchChats(*store, "退款申请"), (std::vector<std::string>{"chat-b/2", "chat-b/1"}));
  EXPECT_EQ(SearchChats(*store, "申请退"), std::vector<std::string>{"chat-a/1"});
}

TEST_F(SchemaUpgradeTest, NewChatsAndMessagesFollowTheUpgradedOnes) {
  WriteSchema4Database();
  auto store = OpenCurrent();
  ASSERT_TRUE(store);
  Chat c;
  c.id = "chat-c";
  c.channel = "ch";
  c.user_id = "u-c";
  c.operator_id = "op";
  c.status = ChatStatus::kChatting;
  c.created_ms = c.updated_ms = 3000;
  ASSERT_TRUE(store->CreateChat(c).ok());
  Message m;
  m.user_message_id = "c1";
  m.from = "u-c";
  m.to = "op";
  m.type = "txt";
  m.msg = "退款申请怎么撤回";
  m.create_ms = 3000;
  auto appended = store->AppendMessage("ch", "chat-c", m);
  ASSERT_TRUE(appended.ok()) << appended.status().message();
  EXPECT_EQ(appended->message.seq, 1);
  m.user_message_id = "b3";
  auto to_b = store->AppendMessage("ch", "chat-b", m);
  ASSERT_TRUE(to_b.ok());
  EXPECT_EQ(to_b->message.seq, 3);
  EXPECT_EQ(SearchChats(*store, "退款申请").size(), 4u);

  auto db = SqliteDb::Open(path_, false, "full");
  ASSERT_TRUE(db.ok());
  auto q = (*db)->Prepare("SELECT chat_id FROM chats ORDER BY chat_no");
  std::vector<std::string> by_number;
  while (q.Step()) by_number.push_back(q.String(0));
  EXPECT_EQ(by_number, (std::vector<std::string>{"chat-a", "chat-b", "chat-c"}));  // by creation
}

// Schema 7 adds events: the history from before has none (head 0), and the first write after the
// upgrade records event 1.
TEST_F(SchemaUpgradeTest, EventsStartAtOneAfterTheUpgrade) {
  {
    auto db = SqliteDb::Open(path_, true, "full");
    ASSERT_TRUE(db.ok()) << db.status().message();
    ASSERT_TRUE(MigrateSqlite(**db, 6).ok());
    ASSERT_TRUE((*db)
                    ->Exec("INSERT INTO chats (channel_id, chat_id, chat_no, user_id, status,"
                           " message_count, created_ms, updated_ms)"
                           " VALUES ('ch', 'old', 1, 'u', 3, 0, 1000, 1000)")
                    .ok());
  }
  auto store = OpenCurrent();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetEventBounds("ch").value().head, 0);
  Message m;
  m.user_message_id = "after-1";
  m.from = "u";
  m.to = "op";
  m.type = "txt";
  m.msg = "hi";
  m.create_ms = 2000;
  ASSERT_TRUE(store->AppendMessage("ch", "old", m).ok());
  auto page = store->ReadEvents({.channel = "ch"});
  ASSERT_TRUE(page.ok()) << page.status().message();
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].id, 1);
  EXPECT_EQ(page->events[0].seq, 1);
  ASSERT_TRUE(page->events[0].message.has_value());
  EXPECT_EQ(page->events[0].message->msg, "hi");
}

// Schema 9 adds console operators and their sessions: a database of schema 8 opens with none,
// keeps what it had, and takes operators and sessions afterwards.
TEST_F(SchemaUpgradeTest, OperatorsStartEmptyAfterTheUpgrade) {
  {
    auto db = SqliteDb::Open(path_, true, "full");
    ASSERT_TRUE(db.ok()) << db.status().message();
    ASSERT_TRUE(MigrateSqlite(**db, 8).ok());
    ASSERT_TRUE((*db)
                    ->Exec("INSERT INTO chats (channel_id, chat_id, chat_no, user_id, status,"
                           " message_count, created_ms, updated_ms)"
                           " VALUES ('ch', 'old', 1, 'u', 3, 0, 1000, 1000)")
                    .ok());
  }
  auto store = OpenCurrent();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->GetChat("ch", "old").ok());
  auto none = store->operators().ListOperators("");
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_TRUE(none->empty());
  Operator op;
  op.id = "op_1";
  op.channel = "ch";
  op.login = "alice";
  op.name = "Alice";
  op.password_hash = "$argon2id$x";
  op.created_ms = 2000;
  ASSERT_TRUE(store->operators().AddOperator(op).ok());
  OperatorSession session;
  session.operator_id = "op_1";
  session.created_ms = session.last_seen_ms = 2000;
  session.expires_ms = 9000;
  ASSERT_TRUE(store->operators().CreateSession("token", session).ok());
  auto found = store->operators().LookupSession("token", 2001, 60'000);
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(found->op.login, "alice");

  auto db = SqliteDb::Open(path_, false, "full");
  ASSERT_TRUE(db.ok());
  auto q = (*db)->Prepare("SELECT MAX(version) FROM schema_migrations");
  ASSERT_TRUE(q.Step());
  EXPECT_EQ(q.Int(0), 9);
}

}  // namespace
}  // namespace opchat::sqlite
