#include "events/event_json.hpp"

#include <charconv>

#include "codec/message_codec.hpp"
#include "common/json_writer.hpp"

namespace opchat {

void WriteEvent(JsonWriter& w, const Event& event, const ChannelMedia& media, int64_t now_s) {
  w.BeginObject();
  w.Key("id");
  w.String(FormatCursor(event.id));
  w.Key("type");
  w.String(EventTypeName(event.type));
  w.Key("channel");
  w.String(event.channel);
  w.Key("chatId");
  w.String(event.chat_id);
  w.Key("time");
  w.Int(event.time_ms);
  w.Key("data");
  WriteEventData(w, event, media, now_s);
  w.EndObject();
}

void WriteEventData(JsonWriter& w, const Event& event, const ChannelMedia& media, int64_t now_s) {
  if (event.type == EventType::kMessageCreated) {
    w.BeginObject();
    w.Key("chatId");
    w.String(event.chat_id);
    w.Key("seq");
    w.Int(event.seq);
    w.Key("message");
    if (event.message) {
      WriteMessage(w, *event.message, media, now_s);
    } else {
      w.Null();  // removed by retention since
    }
    w.EndObject();
  } else if (event.chat) {
    WriteChat(w, *event.chat,
              event.type == EventType::kChatStatusChanged ? event.from : std::nullopt);
  } else {
    w.Null();
  }
}

std::string EncodeEvent(const Event& event, const ChannelMedia& media, int64_t now_s) {
  std::string out;
  out.reserve(768);
  JsonWriter w(out);
  WriteEvent(w, event, media, now_s);
  return out;
}

std::string FormatCursor(int64_t id) { return std::to_string(id); }

std::optional<int64_t> ParseCursor(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id < 0) return std::nullopt;
  if (text.size() > 1 && text.front() == '0') return std::nullopt;  // one spelling per cursor
  return id;
}

}  // namespace opchat
