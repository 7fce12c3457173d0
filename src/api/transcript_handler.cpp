// POST /op/v2/chatTranscript — one chat of the signed channel as a transcript.
// Body: chatId (required), format: "json", "csv" or "html" (default "html"), fromSeq and toSeq
// (optional: only the messages at those positions, inclusive; for chats too large for one).
// Answers data: {"chatId", "format", "contentType", "fileName", "content"}; content is the
// whole document as a string (CSV with its byte-order mark), ready to save under fileName.
#include <algorithm>
#include <cstdint>

#include "api/handlers.hpp"
#include "codec/request_fields.hpp"
#include "common/clock.hpp"
#include "transcript/transcript.hpp"

namespace opchat {
namespace {

// The answer is built in memory, so it is bounded by messages as well as by bytes
// (limits.max_transcript_bytes); longer chats are for ranges or `opchat transcript`, which
// streams.
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

// The document would pass limits.max_transcript_bytes. The answer says which messages fit, so
// the client can ask for the chat in ranges.
Status TooLarge(const TranscriptOptions& options, int64_t fitted) {
  std::string message = "参数错误: chatId (会话记录超过 limits.max_transcript_bytes = " +
                        std::to_string(options.max_bytes) + " 字节; ";
  if (fitted >= options.first_seq) {
    message += "第 " + std::to_string(options.first_seq) + "-" + std::to_string(fitted) +
               " 条在限额内, 请用 fromSeq/toSeq 分段获取, 或用 opchat transcript 导出)";
  } else {
    message += "第 " + std::to_string(options.first_seq) +
               " 条消息已超过限额, 请用 opchat transcript 导出)";
  }
  return Status::InvalidArgument(std::move(message));
}

}  // namespace

Status HandleChatTranscript(const HandlerInput& in, JsonWriter& w) {
  ASSIGN_OR_RETURN(auto chat_id, RequiredString(in.body, "chatId"));
  ASSIGN_OR_RETURN(auto format_name, OptionalString(in.body, "format"));
  auto format = ParseTranscriptFormat(format_name.value_or("html"));
  if (!format) return FieldError("format");
  ASSIGN_OR_RETURN(auto from_seq, OptionalInt(in.body, "fromSeq", 1, INT64_MAX));
  ASSIGN_OR_RETURN(auto to_seq, OptionalInt(in.body, "toSeq", from_seq.value_or(1), INT64_MAX));
  ASSIGN_OR_RETURN(auto chat, VisibleChat(in, chat_id));
  const int64_t first = from_seq.value_or(1);
  const int64_t last = std::min(to_seq.value_or(chat.message_count), chat.message_count);
  if (last - first + 1 > kMaxTranscriptMessages) {
    return Status::InvalidArgument(
        "参数错误: chatId (会话消息超过 " + std::to_string(kMaxTranscriptMessages) +
        " 条, 请用 fromSeq/toSeq 分段获取, 或用 opchat transcript 导出)");
  }
  std::string content;
  TranscriptOptions options{in.deps.media.ForChannel(in.caller.channel), NowMillis() / 1000, first,
                            last, in.deps.settings.max_transcript_bytes};
  int64_t fitted = 0;
  Status s = WriteTranscript(
      in.deps.store, chat, *format, options,
      [&](std::string_view chunk) {
        content.append(chunk);
        return Status::Ok();
      },
      &fitted);
  if (s.code() == StatusCode::kResourceExhausted) return TooLarge(options, fitted);
  if (!s.ok()) return s;

  w.Key("data");
  w.BeginObject();
  w.Key("chatId");
  w.String(chat.id);
  w.Key("format");
  w.String(FormatName(*format));
  w.Key("contentType");
  w.String(ContentTypeOf(*format));
  w.Key("fileName");
  w.String(FileNameFor(chat.id, *format));
  w.Key("content");
  w.String(content);
  w.EndObject();
  return Status::Ok();
}

}  // namespace opchat
