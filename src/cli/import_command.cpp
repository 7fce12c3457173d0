// opchat import ndjson FILE: bulk-load messages (opchat's export format or the benchmark
// dataset) through the storage layer.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/progress_line.hpp"
#include "import/ndjson_import.hpp"

namespace opchat::cli {
namespace {

struct ImportFlags {
  StorageFlags storage;
  std::vector<std::string> files;
  std::string channel;
  // Larger than the other importers' 5,000: the store inserts each batch chat by chat, and the
  // more of a chat's messages a batch holds, the fewer pages an import dirties (1M messages in
  // time order: 69,000 msg/s at 5,000, 82,500 at 20,000, peak RSS 43 and 78 MB).
  size_t batch = 20000;
  size_t streams = 0;  // 0: as many as the store says pay (Store::ImportStreams)
  bool defer_index = false;
  bool no_events = false;
};

int RunImportNdjson(const ImportFlags& flags) {
  auto config = ResolveConfig(flags.storage);
  if (!config.ok()) return Fail(config.status());
  // Every file is readable before the store is opened: a typo creates no empty database.
  for (const auto& path : flags.files) {
    if (!std::ifstream(path, std::ios::binary)) {
      return Fail(Status::InvalidArgument("cannot open " + path));
    }
  }
  auto store = OpenConfiguredStore(*config, {.create = true, .bulk_load = true});
  if (!store.ok()) return Fail(store.status());
  ProgressLine progress("import ndjson", "msg");
  int64_t bytes_total = 0, bytes_before = 0;
  for (const auto& path : flags.files) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (!ec) bytes_total += static_cast<int64_t>(size);
  }
  NdjsonImportReport total;
  for (const auto& path : flags.files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Fail(Status::InvalidArgument("cannot open " + path));
    NdjsonImportOptions options;
    options.batch_size = flags.batch;
    options.streams = flags.streams > 0 ? flags.streams : (*store)->ImportStreams();
    options.default_channel = flags.channel;
    options.store.events = !flags.no_events;
    options.on_bad_line = [&](int64_t line, const std::string& why) {
      progress.Finish();
      std::cerr << path << ":" << line << ": skipped: " << why << "\n";
    };
    options.on_progress = [&](const NdjsonImportReport& r) {
      const auto pos = static_cast<int64_t>(in.tellg());
      progress.Update(
          total.inserted + total.duplicates + r.inserted + r.duplicates,
          bytes_total > 0 && pos >= 0 ? static_cast<double>(bytes_before + pos) / bytes_total : -1);
    };
    auto report = ImportNdjson(in, **store, options);
    if (!report.ok()) return Fail(report.status());
    total.lines += report->lines;
    total.inserted += report->inserted;
    total.duplicates += report->duplicates;
    total.rejected += report->rejected;
    in.clear();
    bytes_before += std::max<int64_t>(0, static_cast<int64_t>(in.tellg()));
  }
  progress.Finish();
  double s = progress.elapsed_s();
  auto index = IndexAfterLoad(**store, flags.defer_index);
  if (!index.ok()) return Fail(index.status());
  std::cout << "{\"lines\":" << total.lines << ",\"inserted\":" << total.inserted
            << ",\"duplicates\":" << total.duplicates << ",\"rejected\":" << total.rejected
            << ",\"seconds\":" << s
            << ",\"messagesPerSecond\":" << static_cast<int64_t>(s > 0 ? total.inserted / s : 0)
            << ",\"eventsRecorded\":" << (flags.no_events ? "false" : "true")
            << index->JsonMembers() << "}\n";
  if (flags.no_events) std::cerr << "events not recorded (--no-events)\n";
  return total.rejected > 0 ? 3 : 0;
}

}  // namespace

void RegisterImport(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ImportFlags>();
  CLI::App* cmd = app.add_subcommand("import", "Import chat history");
  cmd->require_subcommand(1);
  CLI::App* ndjson = cmd->add_subcommand("ndjson", "Import opchat NDJSON (one message per line)");
  AddStorageFlags(ndjson, flags->storage);
  ndjson->add_option("files", flags->files, "NDJSON files")->required();
  ndjson->add_option("--channel", flags->channel, "channel for lines that name none");
  ndjson->add_option("--batch", flags->batch, "messages per transaction (default 20000)");
  ndjson
      ->add_option("--streams", flags->streams,
                   "batches stored at once, each with its own share of the chats (default: 1 "
                   "on SQLite, 2 on PostgreSQL)")
      ->check(CLI::Range(1, 16));
  AddDeferIndexFlag(ndjson, flags->defer_index);
  AddNoEventsFlag(ndjson, flags->no_events);
  ndjson->callback([flags, &exit_code] { exit_code = RunImportNdjson(*flags); });
  RegisterImportEasemob(cmd, exit_code);
}

}  // namespace opchat::cli
