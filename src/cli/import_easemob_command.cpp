// opchat import easemob FILE...: Easemob (环信) chat history into opchat chats. The rules (chat
// assignment, operator side, order, idempotence) are in import/easemob_import.hpp.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/progress_line.hpp"
#include "common/json_writer.hpp"
#include "import/easemob_import.hpp"

namespace opchat::cli {
namespace {

struct EasemobFlags {
  StorageFlags storage;
  std::vector<std::string> files;
  EasemobImportOptions options;
  int64_t idle_gap_s = 30 * 60;
  bool defer_index = false;
  bool no_events = false;
};

std::string SummaryJson(const EasemobImportReport& r, double seconds, const IndexReport& index,
                        bool events) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  auto field = [&](const char* name, int64_t v) {
    w.Key(name);
    w.Int(v);
  };
  field("files", r.files);
  field("records", r.records);
  field("messages", r.messages);
  field("inserted", r.inserted);
  field("duplicates", r.duplicates);
  field("rejected", r.rejected);
  field("groupRecords", r.group_records);
  field("late", r.late);
  field("chatsStarted", r.chats_started);
  field("chatsContinued", r.chats_continued);
  field("keyedRecords", r.keyed_records);
  w.Key("seconds");
  w.Double(seconds);
  field("messagesPerSecond", static_cast<int64_t>(seconds > 0 ? r.inserted / seconds : 0));
  w.Key("eventsRecorded");
  w.Bool(events);
  field("indexed", index.indexed);
  w.Key("indexSeconds");
  w.Double(index.seconds);
  w.EndObject();
  return out;
}

int RunImportEasemob(EasemobFlags& flags) {
  auto config = ResolveConfig(flags.storage);
  if (!config.ok()) return Fail(config.status());
  auto store = OpenConfiguredStore(*config, {.create = true, .bulk_load = true});
  if (!store.ok()) return Fail(store.status());
  flags.options.idle_gap_ms = flags.idle_gap_s * 1000;
  flags.options.store.events = !flags.no_events;
  ProgressLine progress("import easemob", "msg");
  flags.options.on_bad_record = [&](const std::string& file, int64_t line, const std::string& why) {
    progress.Finish();
    std::cerr << file << ":" << line << ": skipped: " << why << "\n";
  };
  flags.options.on_late = [&](const std::string& file, int64_t line) {
    progress.Finish();
    std::cerr << file << ":" << line
              << ": warning: imported out of time order (outside the reorder window)\n";
  };
  flags.options.on_progress = [&](const EasemobImportReport& r) {
    progress.Update(r.inserted + r.duplicates,
                    r.bytes_total > 0 ? static_cast<double>(r.bytes_read) / r.bytes_total : -1);
  };
  auto report = ImportEasemob(flags.files, **store, flags.options);
  progress.Finish();
  if (!report.ok()) return Fail(report.status());
  const double seconds = progress.elapsed_s();
  auto index = IndexAfterLoad(**store, flags.defer_index);
  if (!index.ok()) return Fail(index.status());
  std::cout << SummaryJson(*report, seconds, *index, !flags.no_events) << "\n";
  if (flags.no_events) std::cerr << "events not recorded (--no-events)\n";
  return report->rejected > 0 ? 3 : 0;
}

}  // namespace

void RegisterImportEasemob(CLI::App* import_command, int& exit_code) {
  auto flags = std::make_shared<EasemobFlags>();
  CLI::App* cmd = import_command->add_subcommand(
      "easemob",
      "Import Easemob (环信) chat history: REST chatmessages responses or hourly export files "
      "(one record per line), plain or gzip. Prints a JSON summary; exit code 3 when records "
      "were skipped as bad (each reported as FILE:LINE on stderr).");
  AddStorageFlags(cmd, flags->storage);
  cmd->add_option("files", flags->files, "Easemob files, in time order")->required();
  cmd->add_option("--channel", flags->options.channel, "channel of the imported chats")->required();
  // One value per flag: otherwise the file names after it would be taken as more operators.
  cmd->add_option("--operator", flags->options.operator_ids,
                  "Easemob username of an operator (repeat for each)")
      ->allow_extra_args(false);
  cmd->add_option("--operator-prefix", flags->options.operator_prefixes,
                  "usernames starting with this are operators (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--chat-key", flags->options.chat_key,
                  "dot path in the payload whose value is the chat id (default ext.chatId; "
                  "'' = never)");
  cmd->add_option("--idle-gap-s", flags->idle_gap_s,
                  "without a chat key, a pair's silence longer than this starts a new chat "
                  "(default 1800)");
  cmd->add_option("--batch", flags->options.batch_size, "messages per transaction (default 5000)");
  cmd->add_option("--reorder-window", flags->options.reorder_window,
                  "records held to put them in time order (default 20000)");
  AddDeferIndexFlag(cmd, flags->defer_index);
  AddNoEventsFlag(cmd, flags->no_events);
  cmd->callback([flags, &exit_code] { exit_code = RunImportEasemob(*flags); });
}

}  // namespace opchat::cli
