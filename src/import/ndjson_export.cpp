#include "import/ndjson_export.hpp"

#include "codec/message_codec.hpp"
#include "common/clock.hpp"
#include "common/json_writer.hpp"

namespace opchat {
namespace {

constexpr size_t kFlushBytes = 1 << 20;
constexpr int64_t kProgressEvery = 5000;

}  // namespace

void AppendExportLine(std::string& out, const Chat& chat, const Message& m,
                      const QiniuUrlSigner* signer, int64_t now_s) {
  JsonWriter w(out);
  WriteMessage(w, m, signer ? signer->ForChannel(chat.channel) : ChannelMedia(nullptr, nullptr),
               now_s);
  // Reopen the object for the export's own keys; a fresh writer adds no leading comma.
  out.back() = ',';
  JsonWriter more(out);
  auto text = [&](const char* name, const std::optional<std::string>& v) {
    more.Key(name);
    more.String(v);
  };
  text("key", m.key);
  text("chatId", chat.id);
  text("channel", chat.channel);
  text("userId", chat.user_id);
  text("operatorId", chat.operator_id);
  more.Key("chatStatus");
  more.Int(static_cast<int>(chat.status));
  more.Key("chatExt");
  more.Raw(chat.ext.empty() ? std::string_view("{}") : std::string_view(chat.ext));
  out += "}\n";
}

Result<NdjsonExportReport> ExportNdjson(Store& store, const ExportFilter& filter, std::ostream& out,
                                        const NdjsonExportOptions& options) {
  NdjsonExportReport report;
  std::string buffer;
  std::string last_chat;
  const int64_t now_s = NowMillis() / 1000;
  auto flush = [&]() -> Status {
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    buffer.clear();
    return out ? Status::Ok() : Status::Unavailable("cannot write the export");
  };
  Status s = store.ForEachMessage(filter, [&](const Chat& chat, const Message& m) -> Status {
    if (chat.id != last_chat) {
      last_chat = chat.id;
      ++report.chats;
    }
    AppendExportLine(buffer, chat, m, options.sign_urls, now_s);
    if (++report.messages % kProgressEvery == 0 && options.on_progress) {
      options.on_progress(report.messages, report.chats);
    }
    return buffer.size() >= kFlushBytes ? flush() : Status::Ok();
  });
  if (!s.ok()) return s;
  RETURN_IF_ERROR(flush());
  out.flush();
  if (!out) return Status::Unavailable("cannot write the export");
  return report;
}

}  // namespace opchat
