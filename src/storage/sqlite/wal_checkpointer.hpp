// Copies the write-ahead log back into the database file on a connection and thread of its
// own, so that the writer never stops for it. Left to SQLite, the checkpoint runs inside the
// writer's commit every 1,000 pages, and the writer waits while it reads those pages back
// and writes them into the database (1M messages imported: 173,000 msg/s without checkpoints,
// 141,000 with them inline; docs/performance.md).
//
// The writer's WAL hook, called after each of its commits with the log's size, wakes this
// thread past `pages`; the thread then runs a PASSIVE checkpoint, which blocks neither the
// writer nor the readers. Should it fall behind (the log reaching ten times `pages`), the hook
// checkpoints inline, as SQLite would, so the log stays bounded.
#pragma once

#include <memory>
#include <thread>

#include "common/mutex.hpp"
#include "storage/sqlite/sqlite_db.hpp"

namespace opchat::sqlite {

class WalCheckpointer {
 public:
  // Takes over `writer`'s checkpoints; `writer` must outlive this object, and this object
  // must outlive the writer's last commit.
  WalCheckpointer(std::unique_ptr<SqliteDb> own, SqliteDb& writer, int pages = 1000);
  ~WalCheckpointer();

 private:
  static int OnCommit(void* self, sqlite3* writer, const char* schema, int wal_pages);
  void Loop();

  const int pages_;
  std::unique_ptr<SqliteDb> db_;  // used by the thread only
  Mutex mu_;
  CondVar wake_;
  bool due_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace opchat::sqlite
