// The command line (docs/configuration.md): help everywhere, sign against an independent vector,
// client management, and the demo's curl working against a real server.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "common/crypto.hpp"
#include "test_server.hpp"

namespace opchat::testing {
namespace {

TEST(CliTest, EverySubcommandHasHelp) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--help"},
                                        {"serve", "--help"},
                                        {"client", "--help"},
                                        {"client", "add", "--help"},
                                        {"client", "list", "--help"},
                                        {"client", "disable", "--help"},
                                        {"sign", "--help"},
                                        {"demo", "--help"},
                                        {"import", "ndjson", "--help"}}) {
    int code = -1;
    std::string out = RunOpchat(args, &code);
    EXPECT_EQ(code, 0) << args[0];
    EXPECT_NE(out.find("Usage"), std::string::npos) << args[0];
  }
  int code = 0;
  RunOpchat({"no-such-command"}, &code);
  EXPECT_NE(code, 0);
}

// A fresh empty directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() / ("opchat-cli-" + RandomHex(4))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

size_t Lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

TEST(CliTest, ReadingCommandsOnAMissingDatabaseCreateNothing) {
  TempDir dir;
  // The default storage is sqlite:./data/opchat.db, relative to where the command runs.
  for (std::vector<std::string> args : {std::vector<std::string>{"client", "list"},
                                        {"client", "disable", "c1"},
                                        {"client", "enable", "c1"},
                                        {"client", "rotate", "c1"},
                                        {"export", "--channel", "x"},
                                        {"transcript", "--channel", "x", "--chat", "u1"},
                                        {"backup", "--to", "copy.db"},
                                        {"client", "list", "--db", "sqlite:elsewhere/x.db"}}) {
    CommandOutcome r = RunOpchatIn(dir.path(), args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args[1] << ": " << r.err;
    EXPECT_NE(r.err.find("no database at "), std::string::npos) << args[1] << ": " << r.err;
    EXPECT_EQ(Lines(r.err), 1u) << r.err;
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()))
        << args[0] << " " << args[1] << " created files";
  }
  CommandOutcome migrate = RunOpchatIn(
      dir.path(),
      {"migrate", "--from", "sqlite:" + dir.path() + "/no/such.db", "--to", "sqlite:t.db"});
  EXPECT_EQ(migrate.exit_code, 2) << migrate.out << migrate.err;
  EXPECT_NE(migrate.err.find("no database at " + dir.path() + "/no/such.db"), std::string::npos)
      << migrate.err;
  EXPECT_EQ(migrate.out.find("mismatches"), std::string::npos) << "no summary of a copy of nothing";
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  // An import whose file is missing creates no database either.
  CommandOutcome import = RunOpchatIn(dir.path(), {"import", "ndjson", "--no-events", "no.ndjson"});
  EXPECT_EQ(import.exit_code, 2) << import.err;
  EXPECT_NE(import.err.find("cannot open no.ndjson"), std::string::npos) << import.err;
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));

  // The commands that fill a database create it.
  CommandOutcome add =
      RunOpchatIn(dir.path(), {"client", "add", "--name", "shop", "--channel", "a"});
  EXPECT_EQ(add.exit_code, 0) << add.err;
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/data/opchat.db"));
  EXPECT_EQ(RunOpchatIn(dir.path(), {"client", "list"}).exit_code, 0);
}

TEST(CliTest, UsageAndConfigErrorsExitTwoWithOneLine) {
  TempDir dir;
  const std::string db = "sqlite:" + dir.path() + "/u.db";
  // Should a check regress and `serve` start, it takes a free port (and the 30 s time limit).
  const std::string any_port = "127.0.0.1:0";
  std::ofstream(dir.path() + "/bad-threads.toml")
      << "[server]\nthreads = -1\nlisten = \"" << any_port << "\"\n";
  for (std::vector<std::string> args :
       {std::vector<std::string>{},
        {"no-such-command"},
        {"client"},
        {"import"},
        {"serve", "--config", dir.path() + "/no-such.toml"},
        {"client", "list", "--config", dir.path() + "/no-such.toml"},
        {"serve", "--listen", any_port, "--db", db, "--threads", "-1"},
        {"serve", "--listen", any_port, "--db", db, "--threads", "0"},
        {"serve", "--listen", any_port, "--db", db, "--threads", "100000"},
        {"serve", "--listen", any_port, "--db", db, "--threads", "many"},
        {"serve", "--config", dir.path() + "/bad-threads.toml", "--db", db},
        {"client", "list", "--db", db, "--no-such-flag"},
        {"sign", "--client", "c"}}) {
    CommandOutcome r = RunOpchatIn(dir.path(), args);
    std::string shown = args.empty() ? "(none)" : args[0] + (args.size() > 1 ? " " + args[1] : "");
    EXPECT_EQ(r.exit_code, 2) << shown << ": " << r.err;
    EXPECT_EQ(r.err.rfind("opchat: ", 0), 0u) << shown << ": " << r.err;
    EXPECT_EQ(Lines(r.err), 1u) << shown << ": " << r.err;
  }
  for (std::vector<std::string> args : {std::vector<std::string>{"--help"},
                                        {"serve", "--help"},
                                        {"client", "rotate", "--help"},
                                        {"--version"}}) {
    EXPECT_EQ(RunOpchatIn(dir.path(), args).exit_code, 0) << args[0];
  }
}

TEST(CliTest, ClientAddRefusesEmptyValuesNamingThem) {
  TempDir dir;
  const std::string db = "sqlite:" + dir.path() + "/c.db";
  const std::vector<std::string> base = {"client", "add", "--db", db};
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--name", "shop", "--channel", ""}, "--channel"},
      {{"--name", "shop", "--channel", "a", "--channel", ""}, "--channel"},
      {{"--name", "", "--channel", "a"}, "--name"},
      {{"--name", "shop", "--channel", "a", "--secret", ""}, "--secret"},
      {{"--name", "shop", "--channel", "a", "--id", ""}, "--id"}};
  for (const auto& [extra, flag] : cases) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    CommandOutcome r = RunOpchatIn(dir.path(), args);
    EXPECT_EQ(r.exit_code, 2) << flag << ": " << r.out;
    EXPECT_NE(r.err.find(flag), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "") << "no client was created";
  }
  CommandOutcome listed = RunOpchatIn(dir.path(), {"client", "list", "--db", db});
  EXPECT_EQ(listed.out, "") << listed.err;
}

TEST(CliTest, SecondRotateIsRefusedWhileThePreviousSecretIsInUse) {
  TempDir dir;
  const std::string db = "sqlite:" + dir.path() + "/r.db";
  CommandOutcome add =
      RunOpchatIn(dir.path(), {"client", "add", "--db", db, "--name", "shop", "--channel", "a",
                               "--id", "c1", "--secret", "first"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  CommandOutcome first =
      RunOpchatIn(dir.path(), {"client", "rotate", "--db", db, "c1", "--secret", "second"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("still accepted"), std::string::npos);

  CommandOutcome again =
      RunOpchatIn(dir.path(), {"client", "rotate", "--db", db, "c1", "--secret", "third"});
  EXPECT_EQ(again.exit_code, 2) << again.out;
  EXPECT_NE(again.err.find("in progress"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("--finish"), std::string::npos) << again.err;
  EXPECT_EQ(again.out, "");

  CommandOutcome finish =
      RunOpchatIn(dir.path(), {"client", "rotate", "--db", db, "c1", "--finish"});
  EXPECT_EQ(finish.exit_code, 0) << finish.err;
  CommandOutcome next = RunOpchatIn(dir.path(), {"client", "rotate", "--db", db, "c1"});
  EXPECT_EQ(next.exit_code, 0) << next.err << " a new rotation may begin after --finish";
  CommandOutcome wrong = RunOpchatIn(dir.path(), {"client", "rotate", "--db", db, "nobody"});
  EXPECT_NE(wrong.exit_code, 0);
}

TEST(CliTest, SignPrintsTheSeedsSignedQuery) {
  std::string body =
      R"({"chatId":"u000103b6237d8f94447ab3bd6cbe9c89d70a","pageNum":1,"pageSize":20})";
  std::string out =
      RunOpchat({"sign", "--client", "70374ddd0f3641368d419b2d93127b8f", "--secret", "test-secret",
                 "--channel", "eba920d452d34adb8f2badb08b9e69bb", body});
  // Same vector as the unit test: printf '%s%s%s' "$C" "$BODY" test-secret | md5sum
  EXPECT_EQ(out,
            "apiVersion=01&client=70374ddd0f3641368d419b2d93127b8f&channel="
            "eba920d452d34adb8f2badb08b9e69bb"
            "&version=2.0&sign=8fb9c9ef3ca13f0301b39582122fcfe7\n");
  std::string stamped = RunOpchat({"sign", "--client", "c", "--secret", "s", "--channel", "ch",
                                   "--method", "hmac-sha256", "--timestamp", "{}"});
  EXPECT_TRUE(std::regex_search(
      stamped,
      std::regex("signMethod=hmac-sha256&timestamp=\\d{13}&nonce=[0-9a-f]{16}&sign=[0-9a-f]{64}")))
      << stamped;
}

TEST(CliTest, ClientListNeverShowsSecrets) {
  std::string dir = std::filesystem::temp_directory_path() / ("opchat-cli-" + RandomHex(4));
  std::string db = "sqlite:" + dir + "/c.db";
  int code = -1;
  std::string added = RunOpchat(
      {"client", "add", "--db", db, "--name", "shop", "--channel", "a", "--channel", "b"}, &code);
  ASSERT_EQ(code, 0);
  auto v = boost::json::parse(added).as_object();
  std::string secret = std::string(v["secret"].as_string());
  EXPECT_EQ(secret.size(), 32u);
  EXPECT_EQ(v["channels"], boost::json::parse(R"(["a","b"])"));
  std::string listed = RunOpchat({"client", "list", "--db", db}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(listed.find(std::string(v["client"].as_string())), std::string::npos);
  EXPECT_EQ(listed.find(secret), std::string::npos);
  EXPECT_EQ(
      std::filesystem::status(dir + "/c.db").permissions() & std::filesystem::perms::others_all,
      std::filesystem::perms::none)
      << "the database is owner-only";
  RunOpchat({"client", "disable", "--db", db, "nobody"}, &code);
  EXPECT_NE(code, 0);
  std::filesystem::remove_all(dir);
}

TEST(CliTest, ExportToADeviceWritesInPlaceAndLeavesItADevice) {
  std::string dir = std::filesystem::temp_directory_path() / ("opchat-cli-" + RandomHex(4));
  int code = -1;
  RunOpchat({"demo", "--db", "sqlite:" + dir + "/d.db"}, &code);
  ASSERT_EQ(code, 0);
  RunOpchat({"export", "--db", "sqlite:" + dir + "/d.db", "--out", "/dev/null"}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"))
      << "renaming over it would replace it";
  std::filesystem::remove_all(dir);
}

TEST(CliTest, DemoPrintsACurlThatWorks) {
  TestServer server("sqlite");
  int code = -1;
  std::string out = RunOpchat({"demo", "--config", server.config_path()}, &code);
  ASSERT_EQ(code, 0) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      out, m, std::regex("--data-binary '([^']+)'[^']*'http://[^/]+(/op/v2/[^']+)'")))
      << out;
  // The demo client was written while the server ran: give the registry its second.
  HttpResponse r;
  for (int i = 0; i < 40 && r.status != 200; ++i) {
    r = Post(server.port(), m[2].str(), m[1].str());
    if (r.status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = r.Json().as_object();
  EXPECT_EQ(doc["data"].at("chatId"), "u000103b6237d8f94447ab3bd6cbe9c89d70a");
  std::set<std::string> types;
  for (auto& msg : doc["data"].at("msg").as_array())
    types.insert(std::string(msg.at("type").as_string()));
  EXPECT_EQ(types, (std::set<std::string>{"txt", "img", "audio", "video", "loc", "file", "cmd",
                                          "custom"}));
  // The console operator it prints signs in, as the supervisor owning the open chat.
  std::smatch login;
  ASSERT_TRUE(std::regex_search(
      out, login, std::regex("--data '([^']+)'[^h]*http://[^/]+(/console/api/login)")))
      << out;
  HttpResponse signed_in = Post(server.port(), login[2].str(), login[1].str());
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  auto who = signed_in.Json().as_object()["operator"].as_object();
  EXPECT_EQ(who["role"], "supervisor");
  EXPECT_EQ(who["id"], "148992112329753020") << "the operator of the demo's open chat";
  // A second run reuses what is there.
  std::string again = RunOpchat({"demo", "--config", server.config_path()}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(again.find(m[2].str()), std::string::npos) << "same client, same secret, same curl";
  EXPECT_EQ(Post(server.port(), login[2].str(), login[1].str()).status, 200)
      << "the operator is kept, password and all";
}

}  // namespace
}  // namespace opchat::testing
