// opchat transcript --channel C --chat ID --format json|csv|html [--out FILE]: one chat for people
// to read (formats in transcript/transcript.hpp). Media links are signed with the configured keys
// and expire like the API's.
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "common/clock.hpp"
#include "common/private_files.hpp"
#include "transcript/transcript.hpp"

namespace opchat::cli {
namespace {

struct TranscriptFlags {
  StorageFlags storage;
  std::string channel;
  std::string chat;
  std::string format = "html";
  std::string out;
};

int RunTranscript(const TranscriptFlags& flags) {
  auto format = ParseTranscriptFormat(flags.format);
  if (!format) return Fail(Status::InvalidArgument("--format: json, csv or html"));
  auto config = ResolveConfig(flags.storage);
  if (!config.ok()) return Fail(config.status());
  auto store = OpenConfiguredStore(*config, {});
  if (!store.ok()) return Fail(store.status());
  auto chat = (*store)->GetChat(flags.channel, flags.chat);
  if (!chat.ok()) return Fail(chat.status());

  std::ofstream file;
  if (!flags.out.empty()) {
    // Owner-only, like the database it comes from (a device or pipe is written as it is).
    if (Status s = PreparePrivateFile(flags.out); !s.ok()) return Fail(s);
    file.open(flags.out, std::ios::binary | std::ios::trunc);
    if (!file) return Fail(Status::InvalidArgument("cannot write " + flags.out));
  }
  std::ostream& out = flags.out.empty() ? std::cout : file;
  QiniuUrlSigner signer(config->media);
  TranscriptOptions options{signer.ForChannel(chat->channel), NowMillis() / 1000};
  Status s = WriteTranscript(**store, *chat, *format, options, [&](std::string_view chunk) {
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    return out ? Status::Ok() : Status::Unavailable("cannot write the transcript");
  });
  out.flush();
  if (s.ok() && !out) s = Status::Unavailable("cannot write the transcript");
  return s.ok() ? 0 : Fail(s);
}

}  // namespace

void RegisterTranscript(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<TranscriptFlags>();
  CLI::App* cmd = app.add_subcommand(
      "transcript",
      "Write one chat as a transcript: json, csv (UTF-8 with BOM, opens in Excel) or a "
      "self-contained html page");
  AddStorageFlags(cmd, flags->storage);
  cmd->add_option("--channel", flags->channel, "the chat's channel (chat ids are per channel)")
      ->required();
  cmd->add_option("--chat", flags->chat, "chat id")->required();
  cmd->add_option("--format", flags->format, "json, csv or html (default html)")
      ->check(CLI::IsMember({"json", "csv", "html"}));
  cmd->add_option("--out", flags->out, "output file (default: stdout)");
  cmd->callback([flags, &exit_code] { exit_code = RunTranscript(*flags); });
}

}  // namespace opchat::cli
