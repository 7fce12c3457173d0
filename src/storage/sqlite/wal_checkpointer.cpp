#include "storage/sqlite/wal_checkpointer.hpp"

#include <sqlite3.h>

namespace opchat::sqlite {

WalCheckpointer::WalCheckpointer(std::unique_ptr<SqliteDb> own, SqliteDb& writer, int pages)
    : pages_(pages), db_(std::move(own)), thread_([this] { Loop(); }) {
  // Replaces the writer's automatic checkpoint, which is itself a WAL hook.
  sqlite3_wal_hook(writer.raw(), &WalCheckpointer::OnCommit, this);
}

WalCheckpointer::~WalCheckpointer() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.Signal();
  thread_.join();
}

int WalCheckpointer::OnCommit(void* self, sqlite3* writer, const char* schema, int wal_pages) {
  auto* me = static_cast<WalCheckpointer*>(self);
  if (wal_pages >= 10 * me->pages_) {
    // Busy (this thread's checkpoint is running) is fine: the next commit tries again.
    sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (wal_pages >= me->pages_) {
    {
      MutexLock lock(me->mu_);
      me->due_ = true;
    }
    me->wake_.Signal();
  }
  return SQLITE_OK;  // a failed checkpoint is not the commit's failure
}

void WalCheckpointer::Loop() {
  MutexLock lock(mu_);
  for (;;) {
    while (!stopping_ && !due_) wake_.Wait(mu_);
    if (stopping_) return;
    due_ = false;
    mu_.Unlock();
    // A failure (busy, or I/O) leaves the log to the next round or to the writer's backstop.
    sqlite3_wal_checkpoint_v2(db_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    mu_.Lock();
  }
}

}  // namespace opchat::sqlite
