// Operations over the real binary: online backup while serving, and the backup served again.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/crypto.hpp"
#include "test_server.hpp"

namespace opchat::testing {
namespace {

TEST(OperationsTest, BackupWhileServingGivesAConsistentCopy) {
  TestServer server("sqlite");
  Credential cred = server.AddClient();
  std::string chat = CreateChat(server.port(), cred);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(SendText(server.port(), cred, chat, "m" + std::to_string(i)).status, 200);

  std::atomic<bool> stop{false};
  std::atomic<int> sent_during{0};
  std::thread writer([&] {
    while (!stop) {
      if (SendText(server.port(), cred, chat, "during").status == 200) ++sent_during;
    }
  });
  std::string backup = server.dir() + "/backup.db";
  int code = -1;
  std::string out = RunOpchat({"backup", "--config", server.config_path(), "--to", backup}, &code);
  stop = true;
  writer.join();
  ASSERT_EQ(code, 0) << out;
  EXPECT_GT(sent_during.load(), 0) << "the server kept serving writes";
  EXPECT_EQ(std::filesystem::status(backup).permissions() & std::filesystem::perms::others_all,
            std::filesystem::perms::none);
  RunOpchat({"backup", "--config", server.config_path(), "--to", backup}, &code);
  EXPECT_NE(code, 0) << "an existing backup file is never overwritten";

  // Serve the copy: it holds a dense prefix of the chat, at least the 50 sent before.
  std::string dir = server.dir() + "/restored";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/opchat.toml") << "[storage]\nurl = \"sqlite:" << backup << "\"\n";
  std::string listed = RunOpchat({"client", "list", "--db", "sqlite:" + backup}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(listed.find(cred.client), std::string::npos) << "clients are in the copy";
  server.Stop();
  // Point the same server configuration at the backup by replacing the live file with it.
  std::filesystem::rename(backup, server.dir() + "/opchat.db");
  std::filesystem::remove(server.dir() + "/opchat.db-wal");
  std::filesystem::remove(server.dir() + "/opchat.db-shm");
  server.Start();
  auto r = Call(server.port(), cred, "chatInfo", R"({"chatId":")" + chat + R"("})");
  ASSERT_EQ(r.status, 200) << r.body;
  int64_t count = r.Json().at("data").at("messageCount").as_int64();
  EXPECT_GE(count, 50);
  auto h = Call(server.port(), cred, "operatorToUserChatMessages",
                R"({"chatId":")" + chat + R"(","afterSeq":)" + std::to_string(count - 1) + R"(,"pageSize":5})");
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(h.Json().at("data").at("msg").at(0).at("seq"), count) << "count and messages agree";
}

TEST(OperationsTest, BackupRefusesPostgresWithAHint) {
  int code = -1;
  RunOpchat({"backup", "--db", "postgresql://nowhere/db", "--to", "/tmp/x.db"}, &code);
  EXPECT_NE(code, 0);
}

}  // namespace
}  // namespace opchat::testing
