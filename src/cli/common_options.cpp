#include <iostream>

#include "cli/commands.hpp"
#include "cli/progress_line.hpp"
#include "common/clock.hpp"
#include "common/logging.hpp"
#include "storage/search_index.hpp"

namespace opchat::cli {

void AddStorageFlags(CLI::App* command, StorageFlags& flags) {
  command->add_option("--config", flags.config_path, "TOML configuration file")
      ->check(CLI::ExistingFile);
  command->add_option(
      "--db", flags.db_url,
      "storage URL: sqlite:PATH (default sqlite:./data/opchat.db) or postgres://...");
}

Result<Config> ResolveConfig(const StorageFlags& flags) {
  Config config = DefaultConfig();
  if (!flags.config_path.empty()) {
    ASSIGN_OR_RETURN(auto loaded, LoadConfig(flags.config_path));
    config = std::move(loaded);
  }
  if (!flags.db_url.empty()) config.storage_url = flags.db_url;
  RETURN_IF_ERROR(FinishConfig(config));
  RETURN_IF_ERROR(SetProcessTimeZone(config.server.timezone));
  return config;
}

Result<std::unique_ptr<Store>> OpenConfiguredStore(const Config& config, OpenIntent intent) {
  StoreOptions options;
  options.create_if_missing = intent.create;
  options.sqlite_synchronous = config.sqlite_synchronous;
  options.sqlite_page_size = config.sqlite_page_size;
  options.pool_size = config.storage_pool_size;
  if (intent.bulk_load) options.sqlite_writer_cache_mb = 64;
  return OpenStore(config.storage_url, options);
}

const CLI::Validator& NonEmpty() {
  static const CLI::Validator validator(
      [](std::string& value) {
        return value.empty() ? std::string("must not be empty") : std::string();
      },
      "NOT EMPTY", "NonEmpty");
  return validator;
}

int Fail(const Status& status) {
  std::cerr << "opchat: " << OneLine(status.message()) << "\n";
  return status.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

Result<IndexReport> IndexAfterLoad(Store& store, bool defer) {
  IndexReport report;
  ProgressLine progress("search index", "msg");
  while (!defer) {
    ASSIGN_OR_RETURN(auto step, CatchUpSearchIndex(store, 10, kBulkSearchIndexChunk));
    report.indexed += step;
    progress.Update(report.indexed, -1);
    if (step < 10 * kBulkSearchIndexChunk) break;
  }
  progress.Finish();
  report.seconds = progress.elapsed_s();
  return report;
}

std::string IndexReport::JsonMembers() const {
  return ",\"indexed\":" + std::to_string(indexed) + ",\"indexSeconds\":" + std::to_string(seconds);
}

void AddDeferIndexFlag(CLI::App* command, bool& defer) {
  command->add_flag("--defer-index", defer,
                    "leave the search index to the server, which builds it in the background "
                    "(searches stay exact meanwhile, only slower)");
}

void AddNoEventsFlag(CLI::App* command, bool& no_events) {
  command->add_flag("--no-events", no_events,
                    "record no events for the imported chats and messages (old history: live "
                    "subscribers and webhooks are not sent the past)");
}

}  // namespace opchat::cli
