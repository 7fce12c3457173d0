// The subcommands of the `opchat` binary (docs/configuration.md, "Command line"). Each Register*
// adds one subcommand to the app; when it runs, it stores its exit code in `exit_code`.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "common/status.hpp"
#include "config/config.hpp"
#include "storage/store.hpp"

namespace opchat::cli {

// --config FILE and --db URL, shared by every command that touches storage.
struct StorageFlags {
  std::string config_path;
  std::string db_url;
};
void AddStorageFlags(CLI::App* command, StorageFlags& flags);

// The configuration file (when given) with the flags applied over it, finished.
Result<Config> ResolveConfig(const StorageFlags& flags);
// How a command opens its storage. Only the commands that exist to fill a database (serve,
// demo, client add, import, and migrate's target) set `create`; every other command fails with
// "no database at PATH" (exit 2) instead of leaving an empty SQLite file behind and reporting
// success. `bulk_load`: for commands that write many messages (a larger SQLite writer cache).
struct OpenIntent {
  bool create = false;
  bool bulk_load = false;
};
Result<std::unique_ptr<Store>> OpenConfiguredStore(const Config& config, OpenIntent intent);

// Refuses an empty value ("--name: must not be empty"), for flags where an empty string would
// otherwise be stored or silently replaced by a default.
const CLI::Validator& NonEmpty();

// Prints "opchat: <message>" to stderr and returns the exit code for it.
int Fail(const Status& status);

// After a bulk load (import, migrate): brings the search index up to date, with a progress
// line, unless `defer` (the server then does it in the background; searches are exact either
// way).
struct IndexReport {
  int64_t indexed = 0;
  double seconds = 0;
  // `,"indexed":N,"indexSeconds":S`: the members every load command ends its summary with.
  std::string JsonMembers() const;
};
Result<IndexReport> IndexAfterLoad(Store& store, bool defer);
void AddDeferIndexFlag(CLI::App* command, bool& defer);
// --no-events: an import that records no events (Store::Import's ImportOptions::events).
void AddNoEventsFlag(CLI::App* command, bool& no_events);

void RegisterServe(CLI::App& app, int& exit_code);
void RegisterBackup(CLI::App& app, int& exit_code);
void RegisterMigrate(CLI::App& app, int& exit_code);
void RegisterClient(CLI::App& app, int& exit_code);
void RegisterSign(CLI::App& app, int& exit_code);
void RegisterDemo(CLI::App& app, int& exit_code);
void RegisterImport(CLI::App& app, int& exit_code);
// Adds `easemob` under the `import` command.
void RegisterImportEasemob(CLI::App* import_command, int& exit_code);
void RegisterExport(CLI::App& app, int& exit_code);
void RegisterTranscript(CLI::App& app, int& exit_code);
void RegisterWebhook(CLI::App& app, int& exit_code);
void RegisterOperator(CLI::App& app, int& exit_code);

}  // namespace opchat::cli
