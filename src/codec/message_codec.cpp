#include "codec/message_codec.hpp"

#include "codec/request_fields.hpp"
#include "common/clock.hpp"

namespace opchat {
namespace {

constexpr int64_t kMaxTextBytes = 1 << 20;

void WriteDigits(JsonWriter& w, const std::optional<int64_t>& v) {
  // The seed sends length and file_length as strings, "0" when not applicable.
  w.String(std::to_string(v.value_or(0)));
}

// Every member of a message but getUrl's value, which `write_get_url(w, m)` writes.
template <typename WriteGetUrl>
void WriteMessageWith(JsonWriter& w, const MessageView& m, WriteGetUrl&& write_get_url) {
  w.BeginObject();
  w.Key("userMessageId");
  w.String(m.user_message_id);
  w.Key("form");  // sic: the wire name of the sender since the first version
  w.String(m.from);
  w.Key("to");
  if (m.to.empty()) {
    w.Null();
  } else {
    w.String(m.to);
  }
  w.Key("type");
  w.String(m.type);
  w.Key("msg");
  w.String(m.msg);
  w.Key("url");
  w.String(m.url);
  w.Key("filename");
  w.String(m.filename);
  w.Key("thumb");
  w.String(m.thumb);
  w.Key("secret");
  w.String(m.secret);
  w.Key("thumb_secret");
  w.String(m.thumb_secret);
  w.Key("length");
  WriteDigits(w, m.length);
  w.Key("file_length");
  WriteDigits(w, m.file_length);
  w.Key("addr");
  w.String(m.addr);
  w.Key("lat");
  w.Double(m.lat);
  w.Key("lng");
  w.Double(m.lng);
  w.Key("createTime");
  std::string time;
  AppendLocalTime(time, m.create_ms);
  w.String(time);
  w.Key("getUrl");
  write_get_url(w, m);
  w.Key("ext");
  w.Raw(m.ext.empty() ? std::string_view("{}") : m.ext);
  w.Key("seq");
  w.Int(m.seq);
  w.Key("timestamp");
  w.Int(m.create_ms);
  w.EndObject();
}

}  // namespace

std::optional<StoredObject> StoredObjectOf(const MessageView& m) {
  if (!HasStoredObject(m.type)) return std::nullopt;
  auto key = ObjectKeyOf(m.key, m.url);
  if (!key) return std::nullopt;
  return StoredObject{std::move(*key), m.type == "img"};
}

void WriteMessage(JsonWriter& w, const MessageView& m, const ChannelMedia& media, int64_t now_s) {
  WriteMessageWith(w, m, [&](JsonWriter& out, const MessageView& v) {
    std::optional<std::string> url;
    if (auto object = StoredObjectOf(v)) url = media.Sign(object->key, object->is_image, now_s);
    out.String(url);
  });
}

void WriteMessage(JsonWriter& w, const Message& m, const ChannelMedia& media, int64_t now_s) {
  WriteMessage(w, ViewOf(m), media, now_s);
}

size_t WriteMessageUnsigned(JsonWriter& w, const MessageView& m) {
  size_t null_at = 0;
  WriteMessageWith(w, m, [&](JsonWriter& out, const MessageView&) {
    null_at = out.size();
    out.Null();
  });
  return null_at;
}

void WriteChat(JsonWriter& w, const Chat& c, std::optional<ChatStatus> from) {
  auto time_or_null = [&](const std::optional<int64_t>& ms) {
    if (ms) {
      w.String(FormatLocalTime(*ms));
    } else {
      w.Null();
    }
  };
  w.BeginObject();
  w.Key("chatId");
  w.String(c.id);
  w.Key("channel");
  w.String(c.channel);
  w.Key("userId");
  w.String(c.user_id);
  w.Key("operatorId");
  w.String(c.operator_id);
  w.Key("statusCode");
  w.Int(static_cast<int>(c.status));
  w.Key("status");
  w.String(StatusText(c.status));
  w.Key("messageCount");
  w.Int(c.message_count);
  w.Key("createTime");
  time_or_null(c.created_ms);
  w.Key("updateTime");
  time_or_null(c.updated_ms);
  w.Key("lastMessageTime");
  time_or_null(c.last_message_ms);
  w.Key("createTimestamp");
  w.Int(c.created_ms);
  w.Key("updateTimestamp");
  w.Int(c.updated_ms);
  w.Key("ext");
  w.Raw(c.ext);
  if (from) {
    w.Key("from");
    w.Int(static_cast<int>(*from));
  }
  w.EndObject();
}

Result<Message> ParseMessageContent(const boost::json::object& body) {
  Message m;
  auto type = RequiredString(body, "type");
  if (!type.ok() || !IsKnownMessageType(*type)) return FieldError("type");
  m.type = *type;

  ASSIGN_OR_RETURN(m.msg, OptionalString(body, "msg"));
  ASSIGN_OR_RETURN(m.url, OptionalString(body, "url"));
  ASSIGN_OR_RETURN(m.key, OptionalString(body, "key"));
  ASSIGN_OR_RETURN(m.filename, OptionalString(body, "filename"));
  ASSIGN_OR_RETURN(m.thumb, OptionalString(body, "thumb"));
  ASSIGN_OR_RETURN(m.secret, OptionalString(body, "secret"));
  ASSIGN_OR_RETURN(m.thumb_secret, OptionalString(body, "thumb_secret"));
  ASSIGN_OR_RETURN(m.addr, OptionalString(body, "addr"));
  ASSIGN_OR_RETURN(m.length, OptionalInt(body, "length", 0, INT32_MAX));
  ASSIGN_OR_RETURN(m.file_length, OptionalInt(body, "file_length", 0, INT64_MAX / 2));
  ASSIGN_OR_RETURN(m.lat, OptionalDouble(body, "lat", -90, 90));
  ASSIGN_OR_RETURN(m.lng, OptionalDouble(body, "lng", -180, 180));
  ASSIGN_OR_RETURN(m.ext, OptionalObjectText(body, "ext"));

  RETURN_IF_ERROR(CheckMessageContent(m));
  return m;
}

Status CheckMessageContent(const Message& m) {
  if (!IsKnownMessageType(m.type)) return FieldError("type");
  if (m.msg && static_cast<int64_t>(m.msg->size()) > kMaxTextBytes) return FieldError("msg");
  if ((m.type == "txt" || m.type == "cmd") && !m.msg) return FieldError("msg");
  if (HasStoredObject(m.type) && !m.url && !m.key) return FieldError("url");
  if (m.key && !IsSafeObjectKey(*m.key)) return FieldError("key");
  if (m.type == "loc" && (!m.lat || !m.lng)) return FieldError(m.lat ? "lng" : "lat");
  return Status::Ok();
}

Result<int64_t> ParseMessageTime(const boost::json::object& body, int64_t now_ms) {
  // A relayed message's time must be plausible: a timestamp in seconds, or 1, would otherwise
  // store a message from 1970 that sorts before everything else, and a clock far ahead would
  // put one in the future. The window: from 2000-01-01T00:00:00Z to one day after now.
  const auto plausible = [&](int64_t ms) {
    return ms >= kEarliestMessageTimeMs && ms <= now_ms + kMessageTimeLeadMs;
  };
  ASSIGN_OR_RETURN(auto ts, OptionalInt(body, "timestamp", 0, kMaxTimestampMs));
  if (ts) {
    if (!plausible(*ts)) return FieldError("timestamp");
    return *ts;
  }
  ASSIGN_OR_RETURN(auto text, OptionalString(body, "createTime"));
  if (text) {
    auto ms = ParseLocalTime(*text);
    if (!ms || !plausible(*ms)) return FieldError("createTime");
    return *ms;
  }
  return now_ms;
}

}  // namespace opchat
