// opchat import ndjson FILE: bulk-load messages (opchat's export format or the benchmark
// dataset) through the storage layer.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "import/ndjson_import.hpp"

namespace opchat::cli {
namespace {

struct ImportFlags {
  StorageFlags storage;
  std::vector<std::string> files;
  std::string channel;
  size_t batch = 5000;
};

int RunImportNdjson(const ImportFlags& flags) {
  auto config = ResolveConfig(flags.storage);
  if (!config.ok()) return Fail(config.status());
  auto store = OpenConfiguredStore(*config);
  if (!store.ok()) return Fail(store.status());
  const bool tty = isatty(STDERR_FILENO);
  const auto started = std::chrono::steady_clock::now();
  auto elapsed_s = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  NdjsonImportReport total;
  for (const auto& path : flags.files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Fail(Status::InvalidArgument("cannot open " + path));
    NdjsonImportOptions options;
    options.batch_size = flags.batch;
    options.default_channel = flags.channel;
    options.on_bad_line = [&](int64_t line, const std::string& why) {
      std::cerr << path << ":" << line << ": skipped: " << why << "\n";
    };
    options.on_progress = [&](const NdjsonImportReport& r) {
      if (!tty) return;
      double s = elapsed_s();
      std::fprintf(stderr, "\r%s: %lld lines, %.0f msg/s   ", path.c_str(),
                   static_cast<long long>(total.lines + r.lines),
                   s > 0 ? (total.inserted + r.inserted) / s : 0.0);
    };
    auto report = ImportNdjson(in, **store, options);
    if (!report.ok()) return Fail(report.status());
    total.lines += report->lines;
    total.inserted += report->inserted;
    total.duplicates += report->duplicates;
    total.rejected += report->rejected;
  }
  if (tty) std::fprintf(stderr, "\n");
  double s = elapsed_s();
  std::cout << "{\"lines\":" << total.lines << ",\"inserted\":" << total.inserted
            << ",\"duplicates\":" << total.duplicates << ",\"rejected\":" << total.rejected
            << ",\"seconds\":" << s << ",\"messagesPerSecond\":"
            << static_cast<int64_t>(s > 0 ? total.inserted / s : 0) << "}\n";
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
  ndjson->add_option("--batch", flags->batch, "messages per transaction (default 5000)");
  ndjson->callback([flags, &exit_code] { exit_code = RunImportNdjson(*flags); });
}

}  // namespace opchat::cli
