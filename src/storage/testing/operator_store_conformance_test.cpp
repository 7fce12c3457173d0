// The conformance suite of OperatorStore (storage/operator_store.hpp), run unchanged on SQLite
// and, under tests/pg_harness.sh, on PostgreSQL, as webhook_store_conformance_test.cpp is.
// Tests on a shared PostgreSQL database use fresh random channels and ids, so they never see
// each other's operators.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "storage/sqlite/sqlite_db.hpp"
#include "storage/store.hpp"

namespace opchat {
namespace {

std::vector<std::string> BackEnds() {
  std::vector<std::string> v = {"sqlite"};
  if (const char* pg = std::getenv("OPCHAT_TEST_PG_URL"); pg && *pg) v.push_back("postgres");
  return v;
}

constexpr int64_t kIdle = 30 * 60'000;
constexpr int64_t kHour = 3'600'000;

class OperatorStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      path_ = ::testing::TempDir() + "/operators_" + std::to_string(getpid()) + "_" + RandomHex(6) +
              ".db";
      url_ = "sqlite:" + path_;
    } else {
      url_ = std::getenv("OPCHAT_TEST_PG_URL");
    }
    auto s = OpenStore(url_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
    channel_ = "ch-" + RandomHex(6);
    now_ = NowMillis();
  }

  void TearDown() override {
    store_.reset();
    if (!path_.empty()) {
      for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path_ + suffix).c_str());
    }
  }

  OperatorStore& ops() { return store_->operators(); }

  // A new operator of channel_ (or `channel`), stored.
  Operator Add(const std::string& login, OperatorRole role = OperatorRole::kAgent,
               const std::string& channel = "") {
    Operator op;
    op.id = "op_" + RandomHex(6);
    op.channel = channel.empty() ? channel_ : channel;
    op.login = login;
    op.name = "Name of " + login;
    op.role = role;
    op.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$fake$" + op.id;
    op.created_ms = now_ + created_++;
    Status s = ops().AddOperator(op);
    EXPECT_TRUE(s.ok()) << s.message();
    return op;
  }

  // A new session of `op` started at now_, with its token.
  std::string Login(const Operator& op, int64_t lifetime = 12 * kHour) {
    const std::string token = RandomHex(32);
    OperatorSession s;
    s.operator_id = op.id;
    s.csrf_token = "csrf-" + RandomHex(8);
    s.created_ms = s.last_seen_ms = now_;
    s.expires_ms = now_ + lifetime;
    Status st = ops().CreateSession(token, s);
    EXPECT_TRUE(st.ok()) << st.message();
    return token;
  }

  bool Live(const std::string& token, int64_t at) {
    auto r = ops().LookupSession(token, at, kIdle);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().message();
    }
    return r.ok();
  }

  std::string path_;
  std::string url_;
  std::unique_ptr<Store> store_;
  std::string channel_;
  int64_t now_ = 0;
  int64_t created_ = 0;
};

TEST_P(OperatorStoreTest, AnAddedOperatorReadsBackAsGiven) {
  Operator a = Add("alice", OperatorRole::kSupervisor);
  auto got = ops().GetOperator(a.id);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->id, a.id);
  EXPECT_EQ(got->channel, channel_);
  EXPECT_EQ(got->login, "alice");
  EXPECT_EQ(got->name, "Name of alice");
  EXPECT_EQ(got->role, OperatorRole::kSupervisor);
  EXPECT_EQ(got->password_hash, a.password_hash);
  EXPECT_TRUE(got->enabled);
  EXPECT_EQ(got->created_ms, a.created_ms);
  auto by_login = ops().FindOperatorByLogin(channel_, "alice");
  ASSERT_TRUE(by_login.ok());
  EXPECT_EQ(by_login->id, a.id);
  EXPECT_EQ(ops().FindOperatorByLogin(channel_, "ALICE").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ops().FindOperatorByLogin("other-" + channel_, "alice").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ops().GetOperator("op_none" + RandomHex(4)).status().code(), StatusCode::kNotFound);
}

TEST_P(OperatorStoreTest, ALoginIsUniqueWithinItsChannelOnly) {
  Operator a = Add("bob");
  Operator again = a;
  again.id = "op_" + RandomHex(6);
  Status s = ops().AddOperator(again);
  EXPECT_EQ(s.code(), StatusCode::kConflict);
  EXPECT_NE(s.message().find("login taken"), std::string::npos) << s.message();
  Operator same_id = a;
  same_id.login = "bob2";
  s = ops().AddOperator(same_id);
  EXPECT_EQ(s.code(), StatusCode::kConflict);
  EXPECT_NE(s.message().find("operator exists"), std::string::npos) << s.message();
  Add("bob", OperatorRole::kAgent, "other-" + channel_);  // another channel: fine
  auto mine = ops().ListOperators(channel_);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].id, a.id);
}

TEST_P(OperatorStoreTest, ListIsByChannelInOrderOfCreation) {
  Operator a = Add("a");
  Operator b = Add("b");
  Operator c = Add("c", OperatorRole::kAgent, "other-" + channel_);
  auto mine = ops().ListOperators(channel_);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].id, a.id);
  EXPECT_EQ((*mine)[1].id, b.id);
  auto all = ops().ListOperators("");
  ASSERT_TRUE(all.ok());
  int seen = 0;
  for (const Operator& op : *all) seen += op.id == a.id || op.id == b.id || op.id == c.id;
  EXPECT_EQ(seen, 3);
}

TEST_P(OperatorStoreTest, ASessionLivesUntilIdleOrExpired) {
  Operator a = Add("carol");
  const std::string token = Login(a, 2 * kHour);
  auto found = ops().LookupSession(token, now_ + 1000, kIdle);
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(found->op.id, a.id);
  EXPECT_EQ(found->op.login, "carol");
  EXPECT_EQ(found->session.operator_id, a.id);
  EXPECT_EQ(found->session.csrf_token.rfind("csrf-", 0), 0u);
  EXPECT_EQ(found->session.created_ms, now_);
  EXPECT_EQ(found->session.expires_ms, now_ + 2 * kHour);
  EXPECT_EQ(found->session.last_seen_ms, now_);  // less than a touch interval: not rewritten

  EXPECT_FALSE(Live(token, now_ + kIdle));  // idle for the whole limit
  EXPECT_FALSE(Live("not-" + token, now_ + 1000));
  EXPECT_FALSE(Live("", now_));
}

TEST_P(OperatorStoreTest, UseKeepsASessionAliveUntilItsAbsoluteEnd) {
  Operator a = Add("dave");
  const std::string token = Login(a, 2 * kHour);
  // Used every 20 minutes: each use moves last_seen, so the 30-minute idle limit never hits.
  for (int64_t at = now_ + 20 * 60'000; at < now_ + 2 * kHour; at += 20 * 60'000) {
    auto r = ops().LookupSession(token, at, kIdle);
    ASSERT_TRUE(r.ok()) << "at +" << (at - now_) / 60'000 << " min";
    EXPECT_EQ(r->session.last_seen_ms, at);
  }
  EXPECT_FALSE(Live(token, now_ + 2 * kHour));  // the absolute lifetime
}

TEST_P(OperatorStoreTest, LastSeenMovesOnlyForward) {
  Operator a = Add("erin");
  const std::string token = Login(a);
  ASSERT_TRUE(ops().LookupSession(token, now_ + 10 * 60'000, kIdle).ok());
  // A lookup with an older clock (another instance) does not move it back.
  auto older = ops().LookupSession(token, now_ + 8 * 60'000, kIdle);
  ASSERT_TRUE(older.ok());
  auto later = ops().LookupSession(token, now_ + 10 * 60'000 + 1, kIdle);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->session.last_seen_ms, now_ + 10 * 60'000);
}

TEST_P(OperatorStoreTest, LogoutEndsOneSession) {
  Operator a = Add("frank");
  const std::string one = Login(a);
  const std::string two = Login(a);
  ASSERT_TRUE(ops().DeleteSession(one).ok());
  EXPECT_FALSE(Live(one, now_ + 1));
  EXPECT_TRUE(Live(two, now_ + 1));
  EXPECT_TRUE(ops().DeleteSession(one).ok()) << "a second logout is fine";
}

TEST_P(OperatorStoreTest, DisableEndsEverySessionAndRefusesNewOnes) {
  Operator a = Add("grace");
  Operator b = Add("heidi");
  const std::string t1 = Login(a);
  const std::string t2 = Login(a);
  const std::string other = Login(b);
  ASSERT_TRUE(ops().SetOperatorEnabled(a.id, false).ok());
  EXPECT_FALSE(Live(t1, now_ + 1));
  EXPECT_FALSE(Live(t2, now_ + 1));
  EXPECT_TRUE(Live(other, now_ + 1));
  EXPECT_FALSE(ops().GetOperator(a.id)->enabled);

  OperatorSession s;
  s.operator_id = a.id;
  s.created_ms = s.last_seen_ms = now_;
  s.expires_ms = now_ + kHour;
  EXPECT_EQ(ops().CreateSession(RandomHex(32), s).code(), StatusCode::kPermissionDenied);
  s.operator_id = "op_missing" + RandomHex(4);
  EXPECT_EQ(ops().CreateSession(RandomHex(32), s).code(), StatusCode::kNotFound);

  ASSERT_TRUE(ops().SetOperatorEnabled(a.id, true).ok());
  EXPECT_TRUE(ops().GetOperator(a.id)->enabled);
  EXPECT_FALSE(Live(t1, now_ + 2)) << "enabling again does not bring sessions back";
  EXPECT_TRUE(Live(Login(a), now_ + 2));
  EXPECT_EQ(ops().SetOperatorEnabled("op_missing" + RandomHex(4), false).code(),
            StatusCode::kNotFound);
}

TEST_P(OperatorStoreTest, ANewPasswordEndsTheOperatorsSessions) {
  Operator a = Add("ivan");
  const std::string token = Login(a);
  ASSERT_TRUE(ops().SetOperatorPassword(a.id, "$argon2id$new").ok());
  EXPECT_EQ(ops().GetOperator(a.id)->password_hash, "$argon2id$new");
  EXPECT_FALSE(Live(token, now_ + 1));
  EXPECT_TRUE(ops().GetOperator(a.id)->enabled);
  EXPECT_EQ(ops().SetOperatorPassword("op_missing" + RandomHex(4), "x").code(),
            StatusCode::kNotFound);
}

TEST_P(OperatorStoreTest, DeleteOperatorSessionsCountsThem) {
  Operator a = Add("judy");
  Login(a);
  Login(a);
  auto n = ops().DeleteOperatorSessions(a.id);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(*ops().DeleteOperatorSessions(a.id), 0);
}

TEST_P(OperatorStoreTest, PurgeDeletesOnlySessionsThatAreOver) {
  Operator a = Add("mallory");
  const std::string live = Login(a, 12 * kHour);
  const std::string short_lived = Login(a, 10 * 60'000);
  const int64_t at = now_ + 20 * 60'000;
  // Purge at `at`: the short one is past its end, the other idle 20 of 30 minutes. Other
  // tests' sessions on a shared database may be purged too, so only these two are checked.
  for (int i = 0; i < 100; ++i) {
    auto n = ops().PurgeExpiredSessions(at, kIdle, 1000);
    ASSERT_TRUE(n.ok()) << n.status().message();
    if (*n < 1000) break;
  }
  EXPECT_TRUE(Live(live, at));
  EXPECT_FALSE(Live(short_lived, now_ + 1)) << "deleted, so not live even at an earlier time";
  EXPECT_EQ(*ops().DeleteOperatorSessions(a.id), 1);
}

// The database keeps the token's SHA-256, never the token: a copy of the file does not hold a
// live session. Run on SQLite only, whose file the test can open beside the store; both back
// ends key their sessions by the same SessionTokenHash.
class OperatorStoreFileTest : public OperatorStoreTest {};

TEST_P(OperatorStoreFileTest, TheDatabaseHoldsNoToken) {
  Operator a = Add("niaj");
  const std::string token = Login(a);
  auto db = sqlite::SqliteDb::Open(path_, false, "full");
  ASSERT_TRUE(db.ok());
  auto q = (*db)->Prepare("SELECT token_hash FROM operator_sessions");
  int rows = 0;
  while (q.Step()) {
    ++rows;
    EXPECT_EQ(q.String(0), SessionTokenHash(token));
    EXPECT_NE(q.String(0), token);
  }
  EXPECT_EQ(rows, 1);
}

INSTANTIATE_TEST_SUITE_P(BackEnds, OperatorStoreTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Sqlite, OperatorStoreFileTest, ::testing::Values("sqlite"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat
