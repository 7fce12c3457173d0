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
  for (int i = 0; i < 50; ++i)
    ASSERT_EQ(SendText(server.port(), cred, chat, "m" + std::to_string(i)).status, 200);

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
                R"({"chatId":")" + chat + R"(","afterSeq":)" + std::to_string(count - 1) +
                    R"(,"pageSize":5})");
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(h.Json().at("data").at("msg").at(0).at("seq"), count) << "count and messages agree";
}

TEST(OperationsTest, BackupRefusesPostgresWithAHint) {
  int code = -1;
  RunOpchat({"backup", "--db", "postgresql://nowhere/db", "--to", "/tmp/x.db"}, &code);
  EXPECT_NE(code, 0);
}

TEST(OperationsTest, RetentionDeletesChatsInactiveLongerThanTheirChannelsMaximumAge) {
  TestServer server("sqlite",
                    "[retention]\ndefault_days = 30\ncheck_interval_s = 1\n"
                    "[retention.channels]\nkeep-forever = 0\n");
  Credential cred = server.AddClient();
  Credential keeper = server.AddClient({"keep-forever"});
  // Chats whose last activity was in 2016, brought in through the importer.
  std::string old_file = server.dir() + "/old.ndjson";
  std::ofstream(old_file)
      << R"({"chatId":"u0001old1","channel":")" << cred.channel
      << R"(","userId":"u","operatorId":"op","chatStatus":5,"userMessageId":"1","from":"u","to":"op","type":"txt","msg":"old","createTime":1455878580000})"
         "\n"
      << R"({"chatId":"u0001old2","channel":"keep-forever","userId":"u","operatorId":"op","chatStatus":5,"userMessageId":"1","from":"u","to":"op","type":"txt","msg":"old","createTime":1455878580000})"
         "\n";
  int code = -1;
  RunOpchat({"import", "ndjson", "--config", server.config_path(), old_file}, &code);
  ASSERT_EQ(code, 0);
  std::string fresh = CreateChat(server.port(), cred);
  // The import worked: the chat of the channel that keeps everything is there (the other old
  // one may be gone already, the task runs every second).
  ASSERT_EQ(Call(server.port(), keeper, "chatInfo", R"({"chatId":"u0001old2"})").status, 200);

  // The retention task runs every second.
  HttpResponse r;
  for (int i = 0; i < 60; ++i) {
    r = Call(server.port(), cred, "chatInfo", R"({"chatId":"u0001old1"})");
    if (r.status == 404) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(r.status, 404) << "an old chat goes, with its messages";
  EXPECT_EQ(Call(server.port(), cred, "chatInfo", R"({"chatId":")" + fresh + R"("})").status, 200);
  EXPECT_EQ(Call(server.port(), keeper, "chatInfo", R"({"chatId":"u0001old2"})").status, 200)
      << "a channel with 0 days keeps everything";
}

TEST(OperationsTest, ConfigRefusesUnknownKeysAndBadValues) {
  std::string dir = std::filesystem::temp_directory_path() / ("opchat-cfg-" + RandomHex(4));
  std::filesystem::create_directories(dir);
  for (const char* bad :
       {"[server]\nthreds = 2\n", "[retention]\ndefault_days = -1\n",
        "[retention.channels]\nx = \"forever\"\n", "[server]\nlog_level = \"loud\"\n", "[nope]\n",
        "not toml at all [", "[storage]\nsqlite_page_size = 5000\n",
        "[storage]\nsqlite_page_size = 256\n", "[storage]\npage_cache_mb = -1\n",
        "[storage]\npage_cache_mb = \"64M\"\n"}) {
    std::ofstream(dir + "/bad.toml") << bad;
    int code = -1;
    RunOpchat({"client", "list", "--config", dir + "/bad.toml", "--db", "sqlite:" + dir + "/x.db"},
              &code);
    EXPECT_EQ(code, 2) << bad;
  }
  std::filesystem::remove_all(dir);
}

// The page size as the SQLite file format stores it: two big-endian bytes at offset 16, where
// 1 means 65536 (https://www.sqlite.org/fileformat.html#the_database_header); read from the
// file itself, not through SQLite.
int PageSizeInHeader(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char header[18] = {};
  in.read(reinterpret_cast<char*>(header), sizeof header);
  int size = header[16] << 8 | header[17];
  return size == 1 ? 65536 : size;
}

TEST(OperationsTest, SqlitePageSizeAppliesToNewDatabasesOnly) {
  std::string dir = std::filesystem::temp_directory_path() / ("opchat-page-" + RandomHex(4));
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/small.toml") << "[storage]\nsqlite_page_size = 4096\n";
  std::ofstream(dir + "/default.toml") << "";
  auto open = [&](const std::string& config, const std::string& db) {
    int code = -1;
    // `client add`: a command that may create the database (`client list` may not).
    RunOpchat({"client", "add", "--config", dir + "/" + config, "--db", "sqlite:" + dir + "/" + db,
               "--name", "n", "--channel", "c"},
              &code);
    EXPECT_EQ(code, 0) << config << " " << db;
  };
  open("small.toml", "small.db");
  open("default.toml", "default.db");
  EXPECT_EQ(PageSizeInHeader(dir + "/small.db"), 4096);
  EXPECT_EQ(PageSizeInHeader(dir + "/default.db"), 8192);
  open("small.toml", "default.db");  // an existing database keeps its page size
  EXPECT_EQ(PageSizeInHeader(dir + "/default.db"), 8192);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace opchat::testing
