#include "storage/sqlite/group_commit.hpp"

namespace opchat::sqlite {

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<SqliteDb> db)
    : db_(std::move(db)), thread_([this] { Loop(); }) {}

GroupCommitWriter::~GroupCommitWriter() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  work_ready_.SignalAll();
  thread_.join();
}

Status GroupCommitWriter::Enqueue(Work work, bool alone) {
  Pending pending;
  pending.work = std::move(work);
  pending.alone = alone;
  {
    MutexLock lock(mu_);
    if (stopping_) return Status::Unavailable("store is closing");
    queue_.push_back(&pending);
  }
  work_ready_.Signal();
  MutexLock done_lock(pending.done_mu);
  while (!pending.done) pending.done_cv.Wait(pending.done_mu);
  return pending.result;
}

void GroupCommitWriter::Loop() {
  MutexLock lock(mu_);
  for (;;) {
    while (!stopping_ && queue_.empty()) work_ready_.Wait(mu_);
    if (queue_.empty()) return;  // stopping, nothing left
    std::deque<Pending*> batch;
    batch.swap(queue_);
    mu_.Unlock();
    RunBatch(batch);
    for (Pending* p : batch) {
      MutexLock done_lock(p->done_mu);  // held while signalling: p dies once seen done
      p->done = true;
      p->done_cv.Signal();
    }
    mu_.Lock();
  }
}

void GroupCommitWriter::RunBatch(std::deque<Pending*>& batch) {
  std::vector<Pending*> group;
  auto flush = [&] {
    if (!group.empty()) RunTransaction(group);
    group.clear();
  };
  for (Pending* p : batch) {
    if (p->alone) flush();
    group.push_back(p);
    if (p->alone) flush();
  }
  flush();
}

void GroupCommitWriter::RunTransaction(const std::vector<Pending*>& units) {
  // Statements are prepared once: this runs for every write request.
  auto exec = [&](const char* sql) { return db_->Prepare(sql).Run(); };
  Status begin = exec("BEGIN IMMEDIATE");
  if (!begin.ok()) {
    for (Pending* p : units) p->result = begin;
    return;
  }
  // No savepoint per unit: by contract a unit refuses a request (NotFound, Conflict, ...)
  // before it writes anything, so a refused unit leaves nothing to undo. A storage failure
  // (Unavailable, Internal) may leave half a unit behind: then the whole transaction goes.
  bool storage_failed = false;
  for (Pending* p : units) {
    try {
      p->result = p->work(*db_);
    } catch (const std::exception& e) {
      p->result = Status::Internal(e.what());
    }
    StatusCode code = p->result.code();
    if (code == StatusCode::kUnavailable || code == StatusCode::kInternal) {
      storage_failed = true;
      break;
    }
  }
  // A unit alone in its transaction (SubmitAlone, or a batch of one) is rolled back on any
  // failure: nothing else depends on the transaction committing.
  const bool rollback = storage_failed || (units.size() == 1 && !units[0]->result.ok());
  if (rollback) {
    (void)exec("ROLLBACK");
    for (Pending* p : units) {
      if (p->result.ok()) p->result = Status::Unavailable("write transaction rolled back");
    }
    return;
  }
  Status commit = exec("COMMIT");
  if (!commit.ok()) {
    (void)exec("ROLLBACK");
    for (Pending* p : units) {
      if (p->result.ok()) p->result = commit;
    }
  }
}

}  // namespace opchat::sqlite
