// Copies a whole database from one store to another (SQLite -> PostgreSQL, or back) through
// the Store interface: clients with their secrets, chats with their status, messages at the
// same positions. Resumable: re-running skips what is already complete in the target, and the
// store's import never writes a message twice. Verifies per-chat counts and statuses at the
// end. Not thread-safe (one migration at a time).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "storage/store.hpp"

namespace opchat {

struct MigrationOptions {
  size_t batch = 5000;  // messages per import transaction
  // After each batch: chats visited and messages copied so far.
  std::function<void(int64_t chats, int64_t messages)> on_progress;
};

struct MigrationReport {
  int64_t clients_copied = 0;
  int64_t clients_present = 0;  // already in the target (an earlier, interrupted run)
  int64_t chats = 0;
  int64_t chats_complete = 0;  // skipped: the target already held all their messages
  int64_t messages_copied = 0;
  int64_t statuses_synced = 0;  // chats whose status or operator the verification corrected
  std::vector<std::string>
      mismatches;  // chats ("id (channel c)") whose counts still differ after the copy
};

Result<MigrationReport> MigrateStore(Store& from, Store& to, const MigrationOptions& options);

}  // namespace opchat
