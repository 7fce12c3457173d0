// opchat migrate --from URL --to URL: copy a whole database to another storage back end.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/progress_line.hpp"
#include "storage/migration.hpp"

namespace opchat::cli {
namespace {

struct MigrateFlags {
  std::string config_path;
  std::string from, to;
  size_t batch = 5000;
  bool defer_index = false;
};

int RunMigrate(const MigrateFlags& flags) {
  StorageFlags storage{flags.config_path, flags.from};
  auto config = ResolveConfig(storage);
  if (!config.ok()) return Fail(config.status());
  if (flags.from == flags.to) return Fail(Status::InvalidArgument("--from and --to are the same"));
  auto from = OpenConfiguredStore(*config, {});
  if (!from.ok()) return Fail(from.status());
  Config target = *config;
  target.storage_url = flags.to;
  // The target may be new: copying into a fresh SQLite file is how a database is moved.
  auto to = OpenConfiguredStore(target, {.create = true, .bulk_load = true});
  if (!to.ok()) return Fail(to.status());

  ProgressLine progress("migrate", "msg");
  MigrationOptions options;
  options.batch = flags.batch;
  options.on_progress = [&](int64_t, int64_t messages) { progress.Update(messages, -1); };
  auto report = MigrateStore(**from, **to, options);
  progress.Finish();
  if (!report.ok()) return Fail(report.status());
  const double seconds = progress.elapsed_s();
  auto index = IndexAfterLoad(**to, flags.defer_index);
  if (!index.ok()) return Fail(index.status());
  std::cout << "{\"from\":\"" << RedactStorageUrl(flags.from) << "\",\"to\":\""
            << RedactStorageUrl(flags.to) << "\",\"clientsCopied\":" << report->clients_copied
            << ",\"clientsPresent\":" << report->clients_present << ",\"chats\":" << report->chats
            << ",\"chatsAlreadyComplete\":" << report->chats_complete
            << ",\"messagesCopied\":" << report->messages_copied
            << ",\"statusesSynced\":" << report->statuses_synced
            << ",\"mismatches\":" << report->mismatches.size() << ",\"seconds\":" << seconds
            << index->JsonMembers() << "}\n";
  for (size_t i = 0; i < report->mismatches.size() && i < 20; ++i) {
    std::cerr << "opchat: count differs after copy: chat " << report->mismatches[i] << "\n";
  }
  return report->mismatches.empty() ? 0 : 1;
}

}  // namespace

void RegisterMigrate(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<MigrateFlags>();
  CLI::App* cmd = app.add_subcommand(
      "migrate", "Copy clients, chats and messages to another storage (resumable, verified)");
  cmd->add_option("--config", flags->config_path, "TOML configuration file")
      ->check(CLI::ExistingFile);
  cmd->add_option("--from", flags->from, "source storage URL (sqlite:PATH or postgres://...)")
      ->required();
  cmd->add_option("--to", flags->to, "target storage URL")->required();
  cmd->add_option("--batch", flags->batch, "messages per import transaction (default 5000)");
  AddDeferIndexFlag(cmd, flags->defer_index);
  cmd->callback([flags, &exit_code] { exit_code = RunMigrate(*flags); });
}

}  // namespace opchat::cli
