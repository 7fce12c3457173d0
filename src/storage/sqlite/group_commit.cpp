#include "storage/sqlite/group_commit.hpp"

namespace opchat::sqlite {

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<SqliteDb> db)
    : db_(std::move(db)), thread_([this] { Loop(); }) {}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  thread_.join();
}

Status GroupCommitWriter::Submit(Work work) {
  Pending pending{std::move(work), {}, false};
  std::unique_lock lock(mu_);
  if (stopping_) return Status::Unavailable("store is closing");
  queue_.push_back(&pending);
  work_ready_.notify_one();
  work_done_.wait(lock, [&] { return pending.done; });
  return pending.result;
}

void GroupCommitWriter::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    std::deque<Pending*> batch;
    batch.swap(queue_);
    lock.unlock();
    RunBatch(batch);
    lock.lock();
    for (Pending* p : batch) p->done = true;
    work_done_.notify_all();
  }
}

void GroupCommitWriter::RunBatch(std::deque<Pending*>& batch) {
  Status begin = db_->Exec("BEGIN IMMEDIATE");
  if (!begin.ok()) {
    for (Pending* p : batch) p->result = begin;
    return;
  }
  for (Pending* p : batch) {
    Status sp = db_->Exec("SAVEPOINT unit");
    if (!sp.ok()) {
      p->result = sp;
      continue;
    }
    try {
      p->result = p->work(*db_);
    } catch (const std::exception& e) {
      p->result = Status::Internal(e.what());
    }
    if (!p->result.ok()) (void)db_->Exec("ROLLBACK TO unit");
    (void)db_->Exec("RELEASE unit");
  }
  Status commit = db_->Exec("COMMIT");
  if (!commit.ok()) {
    (void)db_->Exec("ROLLBACK");
    for (Pending* p : batch) {
      if (p->result.ok()) p->result = commit;
    }
  }
}

}  // namespace opchat::sqlite
