// The single writer of a SQLite database, with group commit.
// Callers on any thread Submit() a unit of work and block until it is durable. The writer
// thread takes every unit queued so far, runs them in one transaction (each inside its own
// savepoint, so one failing unit does not undo the others) and commits once: one fsync for
// many requests. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "storage/sqlite/sqlite_db.hpp"

namespace opchat::sqlite {

class GroupCommitWriter {
 public:
  using Work = std::function<Status(SqliteDb&)>;

  explicit GroupCommitWriter(std::unique_ptr<SqliteDb> db);
  ~GroupCommitWriter();  // finishes queued work, then stops

  // Runs `work` in a write transaction; returns its Status once committed, or the commit's
  // failure. Values the work computes are only meaningful when this returns OK.
  Status Submit(Work work);

 private:
  struct Pending {
    Work work;
    Status result;
    bool done = false;
  };

  void Loop();
  void RunBatch(std::deque<Pending*>& batch);

  std::unique_ptr<SqliteDb> db_;  // used by the writer thread only
  std::mutex mu_;
  std::condition_variable work_ready_;
  std::condition_variable work_done_;
  std::deque<Pending*> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;       // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace opchat::sqlite
