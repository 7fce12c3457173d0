// opchat backup --to FILE: a consistent online copy of a SQLite database, safe while serving.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "storage/sqlite/backup.hpp"

namespace opchat::cli {
namespace {

struct BackupFlags {
  StorageFlags storage;
  std::string to;
};

int RunBackup(const BackupFlags& flags) {
  auto config = ResolveConfig(flags.storage);
  if (!config.ok()) return Fail(config.status());
  const std::string& url = config->storage_url;
  if (url.rfind("sqlite:", 0) != 0) {
    return Fail(Status::InvalidArgument(
        "backup copies SQLite databases; for PostgreSQL use pg_dump or the server's own backups"));
  }
  std::string path = url.substr(7);
  if (path.rfind("//", 0) == 0) path = path.substr(2);
  const bool tty = isatty(STDERR_FILENO);
  Status s = sqlite::BackupDatabase(path, flags.to, 1024, [&](const sqlite::BackupProgress& p) {
    if (tty && p.pages_total > 0) {
      std::fprintf(stderr, "\rbackup: %lld / %lld pages", static_cast<long long>(p.pages_done),
                   static_cast<long long>(p.pages_total));
    }
  });
  if (tty) std::fprintf(stderr, "\n");
  if (!s.ok()) return Fail(s);
  std::cout << "{\"backup\":\"" << flags.to << "\"}\n";
  return 0;
}

}  // namespace

void RegisterBackup(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<BackupFlags>();
  CLI::App* cmd =
      app.add_subcommand("backup", "Copy a SQLite database consistently while the server runs");
  AddStorageFlags(cmd, flags->storage);
  cmd->add_option("--to", flags->to, "the new backup file (must not exist)")->required();
  cmd->callback([flags, &exit_code] { exit_code = RunBackup(*flags); });
}

}  // namespace opchat::cli
