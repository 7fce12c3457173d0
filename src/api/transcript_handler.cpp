// POST /op/v2/chatTranscript — one chat of the signed channel as a transcript.
// Body: chatId (required), format: "json", "csv" or "html" (default "html").
// Answers data: {"chatId", "format", "contentType", "fileName", "content"}; content is the
// whole document as a string (CSV with its byte-order mark), ready to save under fileName.
#include "api/handlers.hpp"
#include "api/request_fields.hpp"
#include "common/clock.hpp"
#include "transcript/transcript.hpp"

namespace opchat {
namespace {

// The answer is built in memory; longer chats are for `opchat transcript`, which streams.
constexpr int64_t kMaxTranscriptMessages = 10000;

// A chat id may hold '/' and other characters a file name should not.
std::string FileNameFor(const std::string& chat_id, TranscriptFormat format) {
  std::string name = "chat-";
  for (char c : chat_id) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.';
    name += safe ? c : '_';
  }
  return name + "." + std::string(FormatName(format));
}

}  // namespace

Status HandleChatTranscript(const HandlerInput& in, JsonWriter& w) {
  auto chat_id = RequiredString(in.body, "chatId");
  if (!chat_id.ok()) return chat_id.status();
  auto format_name = OptionalString(in.body, "format");
  if (!format_name.ok()) return format_name.status();
  auto format = ParseTranscriptFormat(format_name->value_or("html"));
  if (!format) return FieldError("format");
  auto chat = VisibleChat(in, *chat_id);
  if (!chat.ok()) return chat.status();
  if (chat->message_count > kMaxTranscriptMessages) {
    return Status::InvalidArgument("参数错误: chatId (会话消息超过 " +
                                   std::to_string(kMaxTranscriptMessages) +
                                   " 条, 请用 opchat transcript 导出)");
  }
  std::string content;
  TranscriptOptions options{in.deps.media.ForChannel(in.caller.channel), NowMillis() / 1000};
  Status s = WriteTranscript(in.deps.store, *chat, *format, options, [&](std::string_view chunk) {
    content.append(chunk);
    return Status::Ok();
  });
  if (!s.ok()) return s;

  w.Key("data");
  w.BeginObject();
  w.Key("chatId");
  w.String(chat->id);
  w.Key("format");
  w.String(FormatName(*format));
  w.Key("contentType");
  w.String(ContentTypeOf(*format));
  w.Key("fileName");
  w.String(FileNameFor(chat->id, *format));
  w.Key("content");
  w.String(content);
  w.EndObject();
  return Status::Ok();
}

}  // namespace opchat
