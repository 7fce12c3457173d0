// `opchat operator add | list | disable | enable | reset-password` (docs/console.md), run as the
// real binary on SQLite and, under tests/pg_harness.sh, PostgreSQL. Each test uses a channel of
// its own, so tests on the shared PostgreSQL database do not see each other's operators.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>

#include "auth/password_hash.hpp"
#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "storage/store.hpp"
#include "test_server.hpp"

namespace opchat::testing {
namespace {

class OperatorCliTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("opchat-op-" + RandomHex(4));
    std::filesystem::create_directories(dir_);
    db_ = GetParam() == "postgres" ? std::string(std::getenv("OPCHAT_TEST_PG_URL"))
                                   : "sqlite:" + dir_ + "/ops.db";
    channel_ = "ch-" + RandomHex(6);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // `opchat operator ARGS --db DB`, with `input` on stdin.
  CommandOutcome Run(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), "operator");
    args.push_back("--db");
    args.push_back(db_);
    return RunOpchatWithInput(args, input);
  }

  // Adds an operator of channel_ whose password is `password`; returns what add printed.
  boost::json::object Add(const std::string& login, const std::string& password,
                          std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"add", "--channel", channel_,        "--login",
                                     login, "--name",    "Name " + login, "--password-stdin"};
    args.insert(args.end(), extra.begin(), extra.end());
    CommandOutcome r = Run(args, password + "\n");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (r.exit_code != 0) return {};
    return boost::json::parse(r.out).as_object();
  }

  std::vector<boost::json::object> List(const std::string& channel) {
    CommandOutcome r = Run({"list", "--channel", channel});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<boost::json::object> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      out.push_back(boost::json::parse(line).as_object());
    }
    return out;
  }

  std::unique_ptr<Store> OpenDb() {
    auto store = OpenStore(db_);
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // A session of the operator, made as a login would make it; returns its token.
  std::string StartSession(Store& store, const std::string& operator_id) {
    const std::string token = RandomHex(32);
    OperatorSession s;
    s.operator_id = operator_id;
    s.csrf_token = RandomHex(16);
    s.created_ms = s.last_seen_ms = NowMillis();
    s.expires_ms = s.created_ms + 3'600'000;
    EXPECT_TRUE(store.operators().CreateSession(token, s).ok());
    return token;
  }

  bool SessionLive(Store& store, const std::string& token) {
    return store.operators().LookupSession(token, NowMillis(), 1'800'000).ok();
  }

  std::string dir_, db_, channel_;
};

std::string Str(const boost::json::object& o, const char* key) {
  return o.contains(key) && o.at(key).is_string() ? std::string(o.at(key).as_string()) : "";
}

TEST_P(OperatorCliTest, AddPrintsTheOperatorAndListShowsItWithoutTheHash) {
  boost::json::object alice = Add("alice", "correct horse");
  const std::string id = Str(alice, "id");
  EXPECT_EQ(id.rfind("op_", 0), 0u) << id;
  EXPECT_EQ(id.size(), 15u) << "op_ and 12 hex digits";
  EXPECT_EQ(Str(alice, "channel"), channel_);
  EXPECT_EQ(Str(alice, "login"), "alice");
  EXPECT_EQ(Str(alice, "name"), "Name alice");
  EXPECT_EQ(Str(alice, "role"), "agent");
  EXPECT_EQ(alice.at("enabled"), true);
  EXPECT_FALSE(Str(alice, "created").empty());
  const std::string chosen = "kf_" + RandomHex(3);  // fresh: the PostgreSQL database is shared
  boost::json::object boss =
      Add("boss", "another secret", {"--role", "supervisor", "--id", chosen});
  EXPECT_EQ(Str(boss, "id"), chosen);
  EXPECT_EQ(Str(boss, "role"), "supervisor");

  auto listed = List(channel_);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(Str(listed[0], "id"), id);
  EXPECT_EQ(Str(listed[1], "id"), chosen);
  EXPECT_TRUE(List("other-" + channel_).empty());
  CommandOutcome all = Run({"list"});
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("\"" + chosen + "\""), std::string::npos);
  EXPECT_EQ(all.out.find("argon2"), std::string::npos) << "no hash is ever printed";
  EXPECT_EQ(all.out.find("password"), std::string::npos);

  auto store = OpenDb();
  ASSERT_NE(store, nullptr);
  auto stored = store->operators().GetOperator(id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->password_hash.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword(stored->password_hash, "correct horse"));
}

TEST_P(OperatorCliTest, AddRefusesBadInputWithOneClearLine) {
  Add("taken", "long enough");
  const std::vector<std::string> base = {"add", "--channel", channel_, "--name", "N"};
  struct Case {
    std::vector<std::string> args;
    std::string input;
    int exit_code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--login", "new", "--password-stdin"}, "short\n", 2, "at least 8 characters"},
      {{"--login", "new", "--password-stdin"}, "", 2, "stdin is empty"},
      {{"--login", "new"}, "long enough\n", 2, "not a terminal"},
      {{"--login", "taken", "--password-stdin"}, "long enough\n", 1, "login taken"},
      {{"--login", "has space", "--password-stdin"}, "long enough\n", 2, "login"},
      {{"--login", "new", "--id", "bad id", "--password-stdin"}, "long enough\n", 2, "--id"},
      {{"--login", "new", "--role", "admin", "--password-stdin"}, "long enough\n", 2, "--role"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = base;
    args.insert(args.end(), c.args.begin(), c.args.end());
    CommandOutcome r = Run(args, c.input);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.says << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_EQ(r.err.rfind("opchat: ", 0), 0u) << r.err;
    EXPECT_EQ(r.out, "");
  }
  EXPECT_EQ(List(channel_).size(), 1u) << "nothing was added";
}

TEST_P(OperatorCliTest, DisableEndsSessionsAndEnableLetsTheOperatorBackIn) {
  const std::string id = Str(Add("carol", "carol's password"), "id");
  auto store = OpenDb();
  ASSERT_NE(store, nullptr);
  const std::string token = StartSession(*store, id);
  ASSERT_TRUE(SessionLive(*store, token));

  CommandOutcome off = Run({"disable", id});
  EXPECT_EQ(off.exit_code, 0) << off.err;
  EXPECT_EQ(boost::json::parse(off.out).at("enabled"), false);
  EXPECT_FALSE(SessionLive(*store, token));
  EXPECT_EQ(List(channel_)[0].at("enabled"), false);

  CommandOutcome on = Run({"enable", id});
  EXPECT_EQ(on.exit_code, 0) << on.err;
  EXPECT_EQ(List(channel_)[0].at("enabled"), true);
  EXPECT_TRUE(SessionLive(*store, StartSession(*store, id)));

  CommandOutcome missing = Run({"disable", "op_missing"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no such operator: op_missing"), std::string::npos) << missing.err;
}

TEST_P(OperatorCliTest, ResetPasswordReplacesItAndEndsSessions) {
  const std::string id = Str(Add("dave", "the old password"), "id");
  auto store = OpenDb();
  ASSERT_NE(store, nullptr);
  const std::string token = StartSession(*store, id);

  CommandOutcome shortened = Run({"reset-password", id, "--password-stdin"}, "2short\n");
  EXPECT_EQ(shortened.exit_code, 2) << shortened.err;
  EXPECT_TRUE(SessionLive(*store, token)) << "a refused reset changes nothing";

  CommandOutcome r = Run({"reset-password", id, "--password-stdin"}, "the new password\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(boost::json::parse(r.out).at("passwordReset"), true);
  EXPECT_FALSE(SessionLive(*store, token));
  auto stored = store->operators().GetOperator(id);
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(VerifyPassword(stored->password_hash, "the new password"));
  EXPECT_FALSE(VerifyPassword(stored->password_hash, "the old password"));

  CommandOutcome missing = Run({"reset-password", "op_missing", "--password-stdin"}, "whatever1\n");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no such operator"), std::string::npos) << missing.err;
}

TEST(OperatorCliHelpTest, EverySubcommandHasHelp) {
  for (const char* sub : {"add", "list", "disable", "enable", "reset-password"}) {
    int code = -1;
    std::string out = RunOpchat({"operator", sub, "--help"}, &code);
    EXPECT_EQ(code, 0) << sub;
    EXPECT_NE(out.find("Usage"), std::string::npos) << sub;
  }
}

INSTANTIATE_TEST_SUITE_P(BackEnds, OperatorCliTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat::testing
