#include "import/easemob_record.hpp"

#include <cmath>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "codec/message_codec.hpp"
#include "codec/request_fields.hpp"

namespace opchat {
namespace {

constexpr size_t kMaxIdBytes = 128;

Status Bad(std::string why) { return Status::InvalidArgument(std::move(why)); }

const boost::json::value* Member(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

// Ids become chat, user and message ids: the API's rule for ids a client chooses (printable
// ASCII without spaces, at most 128 bytes) keeps them safe in URLs, logs and CSV.
bool IsUsableId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  for (char c : id) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

// A string, or an integer written as its decimal text (newer Easemob ids are numbers in
// some exports). nullopt for anything else or an empty string.
std::optional<std::string> IdText(const boost::json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_string() && !v->get_string().empty()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return std::nullopt;
}

std::optional<int64_t> Millis(const boost::json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(kMaxTimestampMs)) {
    return static_cast<int64_t>(v->get_uint64());
  }
  if (v->is_string()) {
    std::string_view s = v->get_string();
    if (s.empty() || s.size() > 15) return std::nullopt;
    int64_t n = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
    return n;
  }
  return std::nullopt;
}

// A JSON object, or a string holding one (some SDKs send ext as serialized JSON).
std::optional<boost::json::object> ObjectOf(const boost::json::value* v) {
  if (!v) return boost::json::object();
  if (v->is_object()) return v->get_object();
  if (v->is_string()) {
    boost::json::error_code ec;
    boost::json::value parsed = boost::json::parse(v->get_string(), ec);
    if (!ec && parsed.is_object()) return std::move(parsed.get_object());
  }
  return std::nullopt;
}

Result<std::optional<std::string>> ChatKeyOf(const boost::json::object& payload,
                                             const std::vector<std::string>& path) {
  if (path.empty()) return std::optional<std::string>();
  const boost::json::object* at = &payload;
  const boost::json::value* v = nullptr;
  for (size_t i = 0; i < path.size(); ++i) {
    v = Member(*at, path[i]);
    if (!v) return std::optional<std::string>();
    if (i + 1 < path.size()) {
      if (!v->is_object()) return std::optional<std::string>();
      at = &v->get_object();
    }
  }
  // Some SDKs write "chatId":"" for a message outside any chat: the same as no key.
  if (v->is_string() && v->get_string().empty()) return std::optional<std::string>();
  auto key = IdText(v);
  if (!key || !IsUsableId(*key)) return Bad("chat key is not a usable chat id");
  return key;
}

// The body's fields under their §1 names; empty strings count as absent (the old export
// writes "url": "" for messages without a file).
void CopyFields(const boost::json::object& body, boost::json::object& out) {
  static constexpr std::string_view kFields[] = {
      "msg",    "url",         "filename", "thumb", "secret", "thumb_secret",
      "length", "file_length", "addr",     "lat",   "lng"};
  for (std::string_view f : kFields) {
    const boost::json::value* v = Member(body, f);
    if (!v || (v->is_string() && v->get_string().empty())) continue;
    // Sizes and durations sometimes arrive as 6630.0.
    if ((f == "length" || f == "file_length") && v->is_double() &&
        std::trunc(v->get_double()) == v->get_double() && v->get_double() >= 0 &&
        v->get_double() < 9e15) {
      out[f] = static_cast<int64_t>(v->get_double());
      continue;
    }
    out[f] = *v;
  }
}

// customExts: the v2 map, else the old array of one-key objects merged into one map.
boost::json::object CustomExts(const boost::json::object& body) {
  if (const auto* v2 = Member(body, "v2:customExts"); v2 && v2->is_object()) {
    return v2->get_object();
  }
  boost::json::object out;
  const auto* old = Member(body, "customExts");
  if (old && old->is_object()) return old->get_object();
  if (old && old->is_array()) {
    for (const auto& item : old->get_array()) {
      if (!item.is_object()) continue;
      for (const auto& kv : item.get_object()) out[kv.key()] = kv.value();
    }
  }
  return out;
}

// The §1 request body for one Easemob body, so ParseMessageContent applies the API's checks.
boost::json::object SpecBody(const boost::json::object& body, std::string_view type,
                             const boost::json::object& ext) {
  boost::json::object out;
  boost::json::object message_ext = ext;
  CopyFields(body, out);
  if (type == "cmd") {
    if (auto action = IdText(Member(body, "action"))) out["msg"] = *action;
    out["type"] = "cmd";
  } else if (type == "custom") {
    if (const auto* ev = Member(body, "customEvent"); ev && ev->is_string()) {
      message_ext["customEvent"] = *ev;
    }
    boost::json::object exts = CustomExts(body);
    if (!exts.empty()) message_ext["customExts"] = std::move(exts);
    out["type"] = "custom";
  } else if (IsKnownMessageType(type)) {
    out["type"] = type;
  } else {
    // Keep what opchat has no field for, whole, rather than lose it.
    message_ext["easemobType"] = type;
    message_ext["easemobBody"] = body;
    out.erase("msg");
    out["type"] = "custom";
  }
  out["ext"] = std::move(message_ext);
  return out;
}

}  // namespace

std::vector<std::string> ParseKeyPath(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    size_t dot = path.find('.');
    out.emplace_back(path.substr(0, dot));
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  return out;
}

Result<EasemobRecord> ParseEasemobRecord(const boost::json::object& record,
                                         const std::vector<std::string>& chat_key_path) {
  EasemobRecord r;
  auto msg_id = IdText(Member(record, "msg_id"));
  if (!msg_id || !IsUsableId(*msg_id)) return Bad("msg_id missing or not a usable id");
  r.msg_id = *msg_id;
  auto ts = Millis(Member(record, "timestamp"));
  if (!ts || *ts <= 0 || *ts > kMaxTimestampMs) return Bad("timestamp missing or invalid");
  r.timestamp_ms = *ts;
  if (const auto* ct = Member(record, "chat_type"); ct) {
    if (!ct->is_string()) return Bad("chat_type is not a string");
    r.chat_type = std::string(ct->get_string());
  }
  auto payload = ObjectOf(Member(record, "payload"));
  if (!payload || payload->empty()) return Bad("payload missing or not an object");

  // The export documents the top-level from/to as internal and payload.from/to as the parties;
  // the REST entities carry the same values in both places.
  auto from = IdText(Member(*payload, "from"));
  if (!from) from = IdText(Member(record, "from"));
  auto to = IdText(Member(*payload, "to"));
  if (!to) to = IdText(Member(record, "to"));
  if (!from || !IsUsableId(*from)) return Bad("from missing or not a usable id");
  if (!to || !IsUsableId(*to)) return Bad("to missing or not a usable id");
  r.from = *from;
  r.to = *to;

  ASSIGN_OR_RETURN(auto key, ChatKeyOf(*payload, chat_key_path));
  r.chat_key = key;

  auto ext = ObjectOf(Member(*payload, "ext"));
  if (!ext) return Bad("payload.ext is not an object");
  const auto* bodies = Member(*payload, "bodies");
  if (!bodies || !bodies->is_array() || bodies->get_array().empty()) {
    return Bad("payload.bodies missing or empty");
  }
  const auto& list = bodies->get_array();
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "body " + std::to_string(i + 1);
    if (!list[i].is_object()) return Bad(where + " is not an object");
    const auto& body = list[i].get_object();
    const auto* type = Member(body, "type");
    if (!type || !type->is_string() || type->get_string().empty()) {
      return Bad(where + ": type missing");
    }
    auto content = ParseMessageContent(SpecBody(body, type->get_string(), *ext));
    if (!content.ok()) {
      return Bad(where + " (" + std::string(type->get_string()) +
                 "): " + content.status().message());
    }
    Message m = std::move(*content);
    m.user_message_id = i == 0 ? r.msg_id : r.msg_id + "#" + std::to_string(i + 1);
    m.from = r.from;
    m.to = r.to;
    m.create_ms = r.timestamp_ms;
    r.messages.push_back(std::move(m));
  }
  return r;
}

}  // namespace opchat
