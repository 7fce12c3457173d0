// The single writer of a SQLite database, with group commit.
// Callers on any thread Submit() a unit of work and block until it is durable. The writer
// thread takes every unit queued so far, runs them in one transaction and commits once: one
// fsync for many requests. Thread-safe.
//
// The contract of a unit: it checks everything that can refuse the request (returning
// NotFound, Conflict, InvalidArgument, ...) before its first write, so a refused unit has
// written nothing and its neighbours commit unaffected. A unit that fails with Unavailable or
// Internal (a storage failure, possibly after writing) rolls back the whole transaction and
// every unit in it fails with Unavailable.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "common/mutex.hpp"
#include "storage/sqlite/sqlite_db.hpp"

namespace opchat::sqlite {

class GroupCommitWriter {
 public:
  using Work = std::function<Status(SqliteDb&)>;

  explicit GroupCommitWriter(std::unique_ptr<SqliteDb> db);
  ~GroupCommitWriter();  // finishes queued work, then stops

  // Runs `work` in a write transaction; returns its Status once committed, or the commit's
  // failure. Values the work computes are only meaningful when this returns OK.
  Status Submit(Work work) { return Enqueue(std::move(work), false); }
  // The same, but in a transaction of its own: for large units such as a bulk import, which
  // gain nothing from sharing a commit.
  Status SubmitAlone(Work work) { return Enqueue(std::move(work), true); }

 private:
  struct Pending {
    Work work;
    bool alone = false;
    Status result;
    // Each waiter has its own wake-up: a condition variable shared by all would wake every
    // waiting request thread at each commit to find, mostly, that its own unit is not done.
    // (Not std::binary_semaphore: libstdc++ spins on sched_yield before it sleeps, which cost
    // 13 % of the CPU under write load with 32 waiting threads.)
    Mutex done_mu;
    CondVar done_cv;
    bool done GUARDED_BY(done_mu) = false;
  };

  Status Enqueue(Work work, bool alone);
  void Loop();
  void RunBatch(std::deque<Pending*>& batch);
  // One transaction for `units`.
  void RunTransaction(const std::vector<Pending*>& units);

  std::unique_ptr<SqliteDb> db_;  // used by the writer thread only
  Mutex mu_;
  CondVar work_ready_;
  std::deque<Pending*> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace opchat::sqlite
