// The checkpointer copies committed pages from the log into the database file by itself: the
// writer's commits only report the log's size.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/crypto.hpp"
#include "storage/sqlite/wal_checkpointer.hpp"

namespace opchat::sqlite {
namespace {

TEST(WalCheckpointerTest, CopiesTheLogIntoTheDatabaseWhileTheWriterGoesOn) {
  const std::string path = ::testing::TempDir() + "/checkpointer_" + std::to_string(getpid()) +
                           "_" + RandomHex(6) + ".db";
  auto writer = SqliteDb::Open(path, true, "full");
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  auto own = SqliteDb::Open(path, false, "full");
  ASSERT_TRUE(own.ok());
  ASSERT_TRUE((*writer)->Exec("CREATE TABLE t (v BLOB)").ok());
  const auto initial = std::filesystem::file_size(path);
  {
    WalCheckpointer checkpointer(std::move(*own), **writer, 16);
    // 40 commits of 4 pages each: the log passes 16 pages again and again.
    for (int i = 0; i < 40; ++i) {
      ASSERT_TRUE((*writer)->Exec("INSERT INTO t VALUES (randomblob(16000))").ok());
    }
    // Nothing but the checkpointer moves pages into the database file (the writer's own
    // automatic checkpoint is replaced, and no connection has closed).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::filesystem::file_size(path) < initial + 320'000 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_GE(std::filesystem::file_size(path), initial + 320'000);
  }
  writer->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
}

}  // namespace
}  // namespace opchat::sqlite
