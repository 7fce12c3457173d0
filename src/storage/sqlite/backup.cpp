#include "storage/sqlite/backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "storage/sqlite/sqlite_db.hpp"

namespace opchat::sqlite {
namespace {

struct Closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Handle = std::unique_ptr<sqlite3, Closer>;

Result<Handle> OpenRaw(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Handle h(raw);
  if (rc != SQLITE_OK) return SqliteError(raw, rc, "open " + path);
  sqlite3_busy_timeout(raw, 5000);
  return h;
}

}  // namespace

Status BackupDatabase(const std::string& source_path, const std::string& dest_path,
                      int pages_per_step,
                      const std::function<void(const BackupProgress&)>& on_progress) {
  if (std::filesystem::exists(dest_path)) {
    return Status::InvalidArgument("backup target exists: " + dest_path);
  }
  if (!std::filesystem::exists(source_path)) {
    return Status::InvalidArgument("no database at " + source_path);
  }
  // Owner-only from the first byte, like the database itself.
  int fd = ::open(dest_path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot create " + dest_path);
  ::close(fd);

  auto source = OpenRaw(source_path, SQLITE_OPEN_READONLY);
  if (!source.ok()) return source.status();
  auto dest = OpenRaw(dest_path, SQLITE_OPEN_READWRITE);
  if (!dest.ok()) return dest.status();
  sqlite3_backup* backup = sqlite3_backup_init(dest->get(), "main", source->get(), "main");
  if (!backup) return SqliteError(dest->get(), sqlite3_errcode(dest->get()), "backup init");
  int rc = SQLITE_OK;
  do {
    rc = sqlite3_backup_step(backup, pages_per_step);
    if (on_progress) {
      int total = sqlite3_backup_pagecount(backup);
      on_progress({total - sqlite3_backup_remaining(backup), total});
    }
    // Busy/locked: a writer holds the lock for a moment; give it room and go on.
    if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      std::this_thread::sleep_for(std::chrono::milliseconds(rc == SQLITE_OK ? 0 : 20));
    }
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    Status s = SqliteError(dest->get(), rc, "backup");
    std::filesystem::remove(dest_path);
    return s;
  }
  // The copy keeps the source's WAL mode; make it a self-contained single file now.
  char* err = nullptr;
  sqlite3_exec(dest->get(), "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, &err);
  sqlite3_free(err);
  return Status::Ok();
}

}  // namespace opchat::sqlite
