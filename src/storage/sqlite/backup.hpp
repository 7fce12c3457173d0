// Online backup of a SQLite database with SQLite's backup API: a consistent copy of the whole
// database while a server keeps reading and writing it. Not thread-safe (one backup at a time
// per call); safe to run beside a server in another process.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.hpp"

namespace opchat::sqlite {

struct BackupProgress {
  int64_t pages_done = 0;
  int64_t pages_total = 0;
};

// Copies the database at `source_path` into a new file `dest_path` (owner-only permissions),
// `pages_per_step` pages at a time so a writer is never blocked for long. The copy is a
// snapshot: when the source changes during the copy, SQLite restarts it. InvalidArgument when
// `dest_path` exists; Unavailable when either file cannot be opened.
Status BackupDatabase(const std::string& source_path, const std::string& dest_path,
                      int pages_per_step = 1024,
                      const std::function<void(const BackupProgress&)>& on_progress = {});

}  // namespace opchat::sqlite
