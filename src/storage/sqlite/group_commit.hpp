// The single writer of a SQLite database, with group commit.
// Callers on any thread Submit() a unit of work and block until it is durable, or Post() it
// with a callback for when it is. The writer thread takes every unit queued so far, runs them
// in one transaction and commits once: one fsync for many requests. Thread-safe.
//
// The contract of a unit: it checks everything that can refuse the request (returning
// NotFound, Conflict, InvalidArgument, ...) before its first write, so a refused unit has
// written nothing and its neighbours commit unaffected. A unit that fails with Unavailable or
// Internal (a storage failure, possibly after writing) rolls back the whole transaction and
// every unit in it fails with Unavailable.
#pragma once

#include <functional>
#include <memory>
#include <span>

#include "common/batch_worker.hpp"
#include "storage/sqlite/sqlite_db.hpp"

namespace opchat::sqlite {

class GroupCommitWriter {
 public:
  using Work = std::function<Status(SqliteDb&)>;

  explicit GroupCommitWriter(std::unique_ptr<SqliteDb> db);

  // Runs `work` in a write transaction; returns its Status once committed, or the commit's
  // failure. Values the work computes are only meaningful when this returns OK.
  Status Submit(Work work) { return Enqueue(std::move(work), false); }
  // The same, but in a transaction of its own: for large units such as a bulk import, which
  // gain nothing from sharing a commit.
  Status SubmitAlone(Work work) { return Enqueue(std::move(work), true); }
  // Runs `work` in a later write transaction and returns at once; `done` is called on the
  // writer's thread with Submit's Status once that transaction has committed or failed (or at
  // once, here, when the writer is stopping). It must not throw.
  void Post(Work work, std::function<void(const Status&)> done);

 private:
  struct Unit {
    Work work;
    bool alone = false;
    Status result;
    std::function<void(const Status&)> done;  // Post's
  };

  Status Enqueue(Work work, bool alone);
  void RunBatch(std::span<Unit* const> batch);
  // One transaction for `units`.
  void RunTransaction(const std::vector<Unit*>& units);

  std::unique_ptr<SqliteDb> db_;  // used by the worker's thread only
  // Declared last: finishes queued work, then stops, before the database closes.
  BatchWorker<Unit> worker_;
};

}  // namespace opchat::sqlite
