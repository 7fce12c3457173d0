// PostgreSQL migration 4: chats keyed by (channel_id, chat_id), messages carrying channel_id. A
// database of schema 3 keeps every chat and message, and afterwards takes a chat id that
// another channel already uses. Migration 5 (events) starts every channel without events;
// migration 7 (console operators) starts with none and keeps the webhooks of 6. Runs when
// OPCHAT_TEST_PG_URL names a server (tests/pg_harness.sh), in a database of its own, created and
// dropped here.
#include <gtest/gtest.h>

#include <cstdlib>

#include "common/crypto.hpp"
#include "storage/postgres/pg_store.hpp"
#include "storage/testing/postgres_url.hpp"

namespace opchat::postgres {
namespace {

// Instantiated with the harness's database only (storage/testing/postgres_url.hpp).
class ChatIdentityPgUpgradeTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    admin_url_ = GetParam();
    // The harness's URL names its database as the path: postgresql:///NAME?host=...
    const size_t slash = admin_url_.find(":///");
    const size_t end = admin_url_.find('?');
    ASSERT_NE(slash, std::string::npos) << admin_url_;
    name_ = "opchat_upgrade_" + RandomHex(6);
    url_ = admin_url_.substr(0, slash + 4) + name_ +
           (end == std::string::npos ? "" : admin_url_.substr(end));
    auto admin = PgConn::Connect(admin_url_);
    ASSERT_TRUE(admin.ok()) << admin.status().message();
    ASSERT_TRUE((*admin)->ExecScript(("CREATE DATABASE " + name_).c_str()).ok());
  }
  void TearDown() override {
    if (name_.empty()) return;
    auto admin = PgConn::Connect(admin_url_);
    if (admin.ok()) (void)(*admin)->ExecScript(("DROP DATABASE IF EXISTS " + name_).c_str());
  }

  // Schema 3 as release 3 left it: chat "x" of channel "ch" with two messages, chat "y" empty.
  void WriteSchema3Database() {
    auto conn = PgConn::Connect(url_);
    ASSERT_TRUE(conn.ok()) << conn.status().message();
    ASSERT_TRUE(MigratePostgres(**conn, 3).ok());
    ASSERT_TRUE((*conn)
                    ->ExecScript(R"sql(
INSERT INTO chats (chat_id, channel_id, user_id, operator_id, status, ext, message_count,
                   created_ms, updated_ms, last_message_ms)
VALUES ('x', 'ch', 'u-x', 'op', 3, '{"v":1}', 2, 1000, 1100, 1100),
       ('y', 'ch', 'u-y', NULL, 1, '{}', 0, 2000, 2000, NULL);
INSERT INTO messages (chat_id, seq, user_message_id, from_id, to_id, type, msg, create_ms, ext)
VALUES ('x', 1, 'x1', 'u-x', 'op', 'txt', '退款申请已提交', 1000, '{}'),
       ('x', 2, 'x2', 'op', 'u-x', 'txt', '好的', 1100, '{"k":1}');
)sql")
                    .ok());
  }

  std::string admin_url_, url_, name_;
};

TEST_P(ChatIdentityPgUpgradeTest, ChatsAndMessagesSurviveAndAnotherChannelMayReuseTheIds) {
  WriteSchema3Database();
  auto opened = PgStore::Open(url_, StoreOptions{});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  Store& store = **opened;

  auto x = store.GetChat("ch", "x");
  ASSERT_TRUE(x.ok()) << x.status().message();
  EXPECT_EQ(x->message_count, 2);
  EXPECT_EQ(x->ext, R"({"v":1})");
  EXPECT_EQ(x->operator_id, "op");
  auto read = store.ReadMessages("ch", "x", {1, 2, false});
  ASSERT_TRUE(read.ok()) << read.status().message();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[1].ext, R"({"k":1})");
  EXPECT_TRUE(store.GetChat("ch", "y").ok());

  Message m;
  m.user_message_id = "x2";  // a retry of a message stored before the upgrade
  m.from = "op";
  m.to = "u-x";
  m.type = "txt";
  m.msg = "好的";
  m.create_ms = 1100;
  auto retry = store.AppendMessage("ch", "x", m);
  ASSERT_TRUE(retry.ok()) << retry.status().message();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->message.seq, 2);

  Chat other;
  other.id = "x";
  other.channel = "other";
  other.user_id = "u-o";
  other.status = ChatStatus::kChatting;
  other.created_ms = other.updated_ms = 3000;
  ASSERT_TRUE(store.CreateChat(other).ok());
  m.msg = "退款申请又来了";
  auto theirs = store.AppendMessage("other", "x", m);
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  EXPECT_FALSE(theirs->duplicate) << "idempotency keys are per chat";
  EXPECT_EQ(theirs->message.seq, 1);
  EXPECT_EQ(store.GetChat("ch", "x")->message_count, 2);
  // Migration 5: the history from before has no events; writes after it record theirs from 1.
  EXPECT_EQ(store.GetEventBounds("ch").value().head, 0);
  auto events = store.ReadEvents({.channel = "other"});
  ASSERT_TRUE(events.ok()) << events.status().message();
  ASSERT_EQ(events->events.size(), 2u);
  EXPECT_EQ(events->events[0].id, 1);
  EXPECT_EQ(events->events[1].type, EventType::kMessageCreated);
  EXPECT_EQ(events->events[1].message->msg, "退款申请又来了");

  auto found = store.SearchMessages({.channel = "ch", .keyword = "退款申请"});
  ASSERT_TRUE(found.ok()) << found.status().message();
  ASSERT_EQ(found->hits.size(), 1u);
  EXPECT_EQ(found->hits[0].message.user_message_id, "x1");
  opened->reset();
}

TEST_P(ChatIdentityPgUpgradeTest, OperatorsStartEmptyAfterMigrationSeven) {
  {
    auto conn = PgConn::Connect(url_);
    ASSERT_TRUE(conn.ok()) << conn.status().message();
    ASSERT_TRUE(MigratePostgres(**conn, 6).ok());
    ASSERT_TRUE(
        (*conn)
            ->ExecScript("INSERT INTO webhook_endpoints (id, channel_id, url, types, secret,"
                         " enabled, created_ms, cursor) VALUES ('wh_1', 'ch',"
                         " 'https://example.com/h', 0, 's', 1, 1000, 0)")
            .ok());
  }
  auto opened = PgStore::Open(url_, StoreOptions{});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  Store& store = **opened;
  auto hooks = store.webhooks().ListWebhooks();
  ASSERT_TRUE(hooks.ok()) << hooks.status().message();
  ASSERT_EQ(hooks->size(), 1u);
  EXPECT_EQ((*hooks)[0].id, "wh_1");
  auto none = store.operators().ListOperators("");
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_TRUE(none->empty());
  Operator op;
  op.id = "op_1";
  op.channel = "ch";
  op.login = "alice";
  op.name = "Alice";
  op.password_hash = "$argon2id$x";
  op.created_ms = 2000;
  ASSERT_TRUE(store.operators().AddOperator(op).ok());
  EXPECT_EQ(store.operators().FindOperatorByLogin("ch", "alice")->id, "op_1");
  opened->reset();
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ChatIdentityPgUpgradeTest);
INSTANTIATE_TEST_SUITE_P(Postgres, ChatIdentityPgUpgradeTest,
                         ::testing::ValuesIn(opchat::testing::PostgresTestUrls()));

}  // namespace
}  // namespace opchat::postgres
