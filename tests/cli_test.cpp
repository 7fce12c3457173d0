// The command line (SPEC §8): help everywhere, sign against an independent vector, client
// management, and the demo's curl working against a real server.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <regex>
#include <thread>

#include "common/crypto.hpp"
#include "test_server.hpp"

namespace opchat::testing {
namespace {

TEST(CliTest, EverySubcommandHasHelp) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"--help"}, {"serve", "--help"}, {"client", "--help"},
        {"client", "add", "--help"}, {"client", "list", "--help"}, {"client", "disable", "--help"},
        {"sign", "--help"}, {"demo", "--help"}, {"import", "ndjson", "--help"}}) {
    int code = -1;
    std::string out = RunOpchat(args, &code);
    EXPECT_EQ(code, 0) << args[0];
    EXPECT_NE(out.find("Usage"), std::string::npos) << args[0];
  }
  int code = 0;
  RunOpchat({"no-such-command"}, &code);
  EXPECT_NE(code, 0);
}

TEST(CliTest, SignPrintsTheSeedsSignedQuery) {
  std::string body = R"({"chatId":"u000103b6237d8f94447ab3bd6cbe9c89d70a","pageNum":1,"pageSize":20})";
  std::string out = RunOpchat({"sign", "--client", "70374ddd0f3641368d419b2d93127b8f", "--secret",
                               "test-secret", "--channel", "eba920d452d34adb8f2badb08b9e69bb", body});
  // Same vector as the unit test: printf '%s%s%s' "$C" "$BODY" test-secret | md5sum
  EXPECT_EQ(out,
            "apiVersion=01&client=70374ddd0f3641368d419b2d93127b8f&channel=eba920d452d34adb8f2badb08b9e69bb"
            "&version=2.0&sign=8fb9c9ef3ca13f0301b39582122fcfe7\n");
  std::string stamped = RunOpchat({"sign", "--client", "c", "--secret", "s", "--channel", "ch",
                                   "--method", "hmac-sha256", "--timestamp", "{}"});
  EXPECT_TRUE(std::regex_search(stamped, std::regex("signMethod=hmac-sha256&timestamp=\\d{13}&nonce=[0-9a-f]{16}&sign=[0-9a-f]{64}")))
      << stamped;
}

TEST(CliTest, ClientListNeverShowsSecrets) {
  std::string dir = std::filesystem::temp_directory_path() / ("opchat-cli-" + RandomHex(4));
  std::string db = "sqlite:" + dir + "/c.db";
  int code = -1;
  std::string added = RunOpchat({"client", "add", "--db", db, "--name", "shop", "--channel", "a", "--channel", "b"}, &code);
  ASSERT_EQ(code, 0);
  auto v = boost::json::parse(added).as_object();
  std::string secret = std::string(v["secret"].as_string());
  EXPECT_EQ(secret.size(), 32u);
  EXPECT_EQ(v["channels"], boost::json::parse(R"(["a","b"])"));
  std::string listed = RunOpchat({"client", "list", "--db", db}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(listed.find(std::string(v["client"].as_string())), std::string::npos);
  EXPECT_EQ(listed.find(secret), std::string::npos);
  EXPECT_EQ(std::filesystem::status(dir + "/c.db").permissions() & std::filesystem::perms::others_all,
            std::filesystem::perms::none) << "the database is owner-only";
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
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/null")) << "renaming over it would replace it";
  std::filesystem::remove_all(dir);
}

TEST(CliTest, DemoPrintsACurlThatWorks) {
  TestServer server("sqlite");
  int code = -1;
  std::string out = RunOpchat({"demo", "--config", server.config_path()}, &code);
  ASSERT_EQ(code, 0) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex("--data-binary '([^']+)'[^']*'http://[^/]+(/op/v2/[^']+)'")))
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
  for (auto& msg : doc["data"].at("msg").as_array()) types.insert(std::string(msg.at("type").as_string()));
  EXPECT_EQ(types, (std::set<std::string>{"txt", "img", "audio", "video", "loc", "file", "cmd", "custom"}));
  // A second run reuses what is there.
  std::string again = RunOpchat({"demo", "--config", server.config_path()}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(again.find(m[2].str()), std::string::npos) << "same client, same secret, same curl";
}

}  // namespace
}  // namespace opchat::testing
