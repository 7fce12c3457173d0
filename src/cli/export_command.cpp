// opchat export: messages as NDJSON (format in import/ndjson_export.hpp), for backups, moving
// between back ends (`opchat import ndjson` reads it back) and analysis.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/progress_line.hpp"
#include "common/clock.hpp"
#include "common/private_files.hpp"
#include "import/ndjson_export.hpp"

namespace opchat::cli {
namespace {

struct ExportFlags {
  StorageFlags storage;
  std::string channel, chat, since, until, out;
  bool sign_urls = false;
};

// Unix milliseconds, "yyyy-MM-dd HH:mm:ss" or "yyyy-MM-dd" in the configured zone.
Result<std::optional<int64_t>> ParseInstant(const std::string& text, const char* flag) {
  if (text.empty()) return std::optional<int64_t>();
  if (text.find_first_not_of("0123456789") == std::string::npos && text.size() <= 15) {
    return std::optional<int64_t>(std::stoll(text));
  }
  auto ms = ParseLocalTime(text.size() == 10 ? text + " 00:00:00" : text);
  if (!ms) {
    return Status::InvalidArgument(std::string(flag) +
                                   ": expected Unix ms, yyyy-MM-dd or yyyy-MM-dd HH:mm:ss");
  }
  return std::optional<int64_t>(*ms);
}

// How much of the export is done, for the ETA: by messages for one chat, by chats for a
// channel, unknown for everything.
std::function<double(int64_t, int64_t)> ShareDone(Store& store, const ExportFilter& f) {
  if (f.chat_id && f.channel) {
    auto chat = store.GetChat(*f.channel, *f.chat_id);
    int64_t total = chat.ok() ? chat->message_count : 0;
    return [total](int64_t messages, int64_t) { return total > 0 ? 1.0 * messages / total : -1; };
  }
  if (f.channel) {
    ChatFilter cf;
    cf.channel = *f.channel;
    cf.limit = 0;
    auto list = store.ListChats(cf);
    int64_t total = list.ok() ? list->total : 0;
    return [total](int64_t, int64_t chats) { return total > 0 ? 1.0 * chats / total : -1; };
  }
  return [](int64_t, int64_t) { return -1.0; };
}

int RunExport(const ExportFlags& flags) {
  auto config = ResolveConfig(flags.storage);
  if (!config.ok()) return Fail(config.status());
  ExportFilter filter;
  if (!flags.channel.empty()) filter.channel = flags.channel;
  if (!flags.chat.empty()) filter.chat_id = flags.chat;
  auto since = ParseInstant(flags.since, "--since");
  if (!since.ok()) return Fail(since.status());
  auto until = ParseInstant(flags.until, "--until");
  if (!until.ok()) return Fail(until.status());
  filter.since_ms = *since;
  filter.until_ms = *until;
  auto store = OpenConfiguredStore(*config, {});
  if (!store.ok()) return Fail(store.status());

  // A regular file appears only complete: written under a temporary name, renamed at the end.
  // Anything else (/dev/null, a pipe, a terminal) is written in place: renaming over it would
  // replace the device or pipe with a file.
  std::error_code kind_ec;
  const auto kind = std::filesystem::status(flags.out, kind_ec).type();
  const bool via_tmp = !flags.out.empty() && (kind == std::filesystem::file_type::regular ||
                                              kind == std::filesystem::file_type::not_found);
  const std::string tmp = via_tmp ? flags.out + ".partial" : "";
  std::ofstream file;
  if (!flags.out.empty()) {
    // Owner-only, like the database it comes from.
    if (via_tmp) {
      if (Status s = PreparePrivateFile(tmp); !s.ok()) return Fail(s);
    }
    file.open(via_tmp ? tmp : flags.out, std::ios::binary | std::ios::trunc);
    if (!file) return Fail(Status::InvalidArgument("cannot write " + (via_tmp ? tmp : flags.out)));
  }
  std::ostream& out = flags.out.empty() ? std::cout : file;

  QiniuUrlSigner signer(config->media);
  NdjsonExportOptions options;
  if (flags.sign_urls) options.sign_urls = &signer;
  ProgressLine progress("export", "msg");
  auto share = ShareDone(**store, filter);
  options.on_progress = [&](int64_t messages, int64_t chats) {
    progress.Update(messages, share(messages, chats));
  };
  auto report = ExportNdjson(**store, filter, out, options);
  progress.Finish();
  if (!report.ok()) {
    if (!tmp.empty()) std::filesystem::remove(tmp);
    return Fail(report.status());
  }
  if (!tmp.empty()) {
    file.close();
    std::error_code ec;
    std::filesystem::rename(tmp, flags.out, ec);
    if (ec) return Fail(Status::Unavailable("cannot rename " + tmp + ": " + ec.message()));
  }
  const double s = progress.elapsed_s();
  std::ostream& summary = flags.out.empty() ? std::cerr : std::cout;
  summary << "{\"messages\":" << report->messages << ",\"chats\":" << report->chats
          << ",\"seconds\":" << s
          << ",\"messagesPerSecond\":" << static_cast<int64_t>(s > 0 ? report->messages / s : 0)
          << "}\n";
  return 0;
}

}  // namespace

void RegisterExport(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ExportFlags>();
  CLI::App* cmd = app.add_subcommand(
      "export",
      "Export messages as NDJSON, one message per line (the API's message object plus its "
      "chat's fields); `opchat import ndjson` reads it back. Without filters: everything.");
  AddStorageFlags(cmd, flags->storage);
  auto* channel = cmd->add_option("--channel", flags->channel, "only this channel's chats");
  auto* chat = cmd->add_option("--chat", flags->chat,
                               "only this chat of --channel (chat ids are per channel)");
  auto* since =
      cmd->add_option("--since", flags->since,
                      "messages at or after: Unix ms, yyyy-MM-dd or 'yyyy-MM-dd HH:mm:ss'");
  auto* until = cmd->add_option("--until", flags->until, "messages before (same formats)");
  chat->needs(channel)->excludes(since)->excludes(until);
  cmd->add_option("--out", flags->out,
                  "output file (default: stdout; the summary then goes to stderr)");
  cmd->add_flag("--sign-urls", flags->sign_urls,
                "write signed getUrl links valid from now (default null: reproducible output)");
  cmd->callback([flags, &exit_code] { exit_code = RunExport(*flags); });
}

}  // namespace opchat::cli
