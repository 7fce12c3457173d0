#include "storage/sqlite/group_commit.hpp"

#include <limits>

namespace opchat::sqlite {

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<SqliteDb> db)
    : db_(std::move(db)),
      worker_([this](std::span<Unit* const> batch) { RunBatch(batch); },
              std::numeric_limits<size_t>::max()) {}

Status GroupCommitWriter::Enqueue(Work work, bool alone) {
  Unit unit{.work = std::move(work), .alone = alone};
  if (!worker_.Submit(unit)) return Status::Unavailable("store is closing");
  return unit.result;
}

void GroupCommitWriter::Post(Work work, std::function<void(const Status&)> done) {
  auto unit = std::make_unique<Unit>(Unit{.work = std::move(work), .done = std::move(done)});
  if (auto refused = worker_.Post(std::move(unit))) {
    refused->done(Status::Unavailable("store is closing"));
  }
}

void GroupCommitWriter::RunBatch(std::span<Unit* const> batch) {
  std::vector<Unit*> group;
  auto flush = [&] {
    if (group.empty()) return;
    RunTransaction(group);
    for (Unit* p : group) {
      if (p->done) p->done(p->result);
    }
    group.clear();
  };
  for (Unit* p : batch) {
    if (p->alone) flush();
    group.push_back(p);
    if (p->alone) flush();
  }
  flush();
}

void GroupCommitWriter::RunTransaction(const std::vector<Unit*>& units) {
  // Statements are prepared once: this runs for every write request.
  auto exec = [&](const char* sql) { return db_->Prepare(sql).Run(); };
  Status begin = exec("BEGIN IMMEDIATE");
  if (!begin.ok()) {
    for (Unit* p : units) p->result = begin;
    return;
  }
  // No savepoint per unit: by contract a unit refuses a request (NotFound, Conflict, ...)
  // before it writes anything, so a refused unit leaves nothing to undo. A storage failure
  // (Unavailable, Internal) may leave half a unit behind: then the whole transaction goes.
  bool storage_failed = false;
  for (Unit* p : units) {
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
    for (Unit* p : units) {
      if (p->result.ok()) p->result = Status::Unavailable("write transaction rolled back");
    }
    return;
  }
  Status commit = exec("COMMIT");
  if (!commit.ok()) {
    (void)exec("ROLLBACK");
    for (Unit* p : units) {
      if (p->result.ok()) p->result = commit;
    }
  }
}

}  // namespace opchat::sqlite
