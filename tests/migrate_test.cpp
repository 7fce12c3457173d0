// opchat migrate from a SQLite database into PostgreSQL: everything arrives, the copy serves the
// same history, and a second run after more traffic continues where the first stopped.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>

#include "test_server.hpp"

namespace opchat::testing {
namespace {

class MigrateTest : public ::testing::TestWithParam<std::string> {};
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(MigrateTest);

// The chat's messages as the API shows them, without the time-dependent getUrl.
std::vector<boost::json::value> Messages(int port, const Credential& cred,
                                         const std::string& chat) {
  auto out = AllMessages(port, cred, chat);
  for (auto& m : out) m.as_object().erase("getUrl");
  return out;
}

TEST_P(MigrateTest, SqliteToPostgresIsCompleteResumableAndVerified) {
  TestServer source("sqlite");
  Credential cred = source.AddClient();
  std::vector<std::string> chats;
  for (int c = 0; c < 4; ++c) {
    chats.push_back(CreateChat(source.port(), cred, "user-" + std::to_string(c)));
    for (int i = 0; i < 30 * c; ++i)
      SendText(source.port(), cred, chats.back(), "m" + std::to_string(i));
  }
  ASSERT_EQ(Call(source.port(), cred, "acceptChat",
                 R"({"chatId":")" + chats[1] + R"(","operatorId":"op-7"})")
                .status,
            200);
  ASSERT_EQ(Call(source.port(), cred, "sendMessage",
                 R"({"chatId":")" + chats[1] +
                     R"(","direction":"operatorToUser","type":"img","url":"http://h/a.jpg"})")
                .status,
            200);
  const std::string sqlite_url = source.db_url();
  const std::string pg_url = std::getenv("OPCHAT_TEST_PG_URL");

  int code = -1;
  std::string out =
      RunOpchat({"migrate", "--from", sqlite_url, "--to", pg_url, "--batch", "7"}, &code);
  ASSERT_EQ(code, 0) << out;
  auto report = boost::json::parse(out).as_object();
  EXPECT_GE(report["chats"].as_int64(), 4);
  EXPECT_EQ(report["mismatches"], 0);
  EXPECT_GE(report["messagesCopied"].as_int64(), 30 + 60 + 90 + 1);

  // More traffic on the source, then a second run: only the difference is copied.
  SendText(source.port(), cred, chats[2], "late");
  ASSERT_EQ(Call(source.port(), cred, "endChat", R"({"chatId":")" + chats[3] + R"("})").status,
            200);
  out = RunOpchat({"migrate", "--from", sqlite_url, "--to", pg_url}, &code);
  ASSERT_EQ(code, 0) << out;
  report = boost::json::parse(out).as_object();
  EXPECT_EQ(report["messagesCopied"], 1) << out;
  EXPECT_GE(report["statusesSynced"].as_int64(), 1) << "the ended chat's status follows";
  EXPECT_GE(report["clientsPresent"].as_int64(), 1);

  // The copy serves the same history to the same client with the same secret.
  TestServer copy("postgres");
  for (const auto& chat : chats) {
    EXPECT_EQ(Messages(copy.port(), cred, chat), Messages(source.port(), cred, chat)) << chat;
    auto a =
        Call(source.port(), cred, "chatInfo", R"({"chatId":")" + chat + R"("})").Json().at("data");
    auto b =
        Call(copy.port(), cred, "chatInfo", R"({"chatId":")" + chat + R"("})").Json().at("data");
    EXPECT_EQ(a.at("statusCode"), b.at("statusCode"));
    EXPECT_EQ(a.at("operatorId"), b.at("operatorId"));
    EXPECT_EQ(a.at("messageCount"), b.at("messageCount"));
  }
}

// Chat ids are per channel (docs/design.md, "Storage model"): two channels' chats of one id are
// both copied, each with its own messages and status.
TEST_P(MigrateTest, ChatsSharingAnIdAcrossChannelsAreBothCopied) {
  TestServer source("sqlite");
  Credential a = source.AddClient(), b = source.AddClient();
  const std::string chat = CreateChat(source.port(), a, "user-a");
  auto created =
      Call(source.port(), b, "createChat", R"({"userId":"user-b","chatId":")" + chat + R"("})");
  ASSERT_EQ(created.status, 200) << created.body;
  for (int i = 0; i < 3; ++i) SendText(source.port(), a, chat, "a" + std::to_string(i));
  SendText(source.port(), b, chat, "b0");
  ASSERT_EQ(Call(source.port(), b, "endChat", R"({"chatId":")" + chat + R"("})").status, 200);

  int code = -1;
  std::string out = RunOpchat({"migrate", "--from", source.db_url(), "--to",
                               std::getenv("OPCHAT_TEST_PG_URL"), "--batch", "2"},
                              &code);
  ASSERT_EQ(code, 0) << out;
  auto report = boost::json::parse(out).as_object();
  EXPECT_EQ(report["chats"], 2);
  EXPECT_EQ(report["messagesCopied"], 4);
  EXPECT_EQ(report["mismatches"], 0);

  TestServer copy("postgres");
  for (const Credential* cred : {&a, &b}) {
    EXPECT_EQ(Messages(copy.port(), *cred, chat), Messages(source.port(), *cred, chat));
    auto info = Call(copy.port(), *cred, "chatInfo", R"({"chatId":")" + chat + R"("})");
    ASSERT_EQ(info.status, 200) << info.body;
    EXPECT_EQ(info.Json().at("data").at("channel"), boost::json::value(cred->channel));
  }
  EXPECT_EQ(Messages(copy.port(), a, chat).size(), 3u);
  EXPECT_EQ(Messages(copy.port(), b, chat).size(), 1u);
  auto a_info =
      Call(copy.port(), a, "chatInfo", R"({"chatId":")" + chat + R"("})").Json().at("data");
  auto b_info =
      Call(copy.port(), b, "chatInfo", R"({"chatId":")" + chat + R"("})").Json().at("data");
  EXPECT_EQ(a_info.at("statusCode"), 1);
  EXPECT_EQ(b_info.at("statusCode"), 5);
}

INSTANTIATE_TEST_SUITE_P(Postgres, MigrateTest, ::testing::ValuesIn(PostgresOnly()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat::testing
