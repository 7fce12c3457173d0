#include "import/ndjson_line.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <vector>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/monotonic_resource.hpp>

#include "codec/message_codec.hpp"
#include "codec/request_fields.hpp"
#include "common/clock.hpp"

namespace opchat {
namespace {

// The keys a line may hold (ndjson_import.hpp lists them); kOther for the rest, ignored.
enum Field : uint8_t {
  kChatId,
  kChannel,
  kChatStatus,
  kChatExt,
  kUserId,
  kOperatorId,
  kUserMessageId,
  kFrom,
  kForm,
  kTo,
  kType,
  kMsg,
  kUrl,
  kKey,
  kFilename,
  kThumb,
  kSecret,
  kThumbSecret,
  kLength,
  kFileLength,
  kAddr,
  kLat,
  kLng,
  kCreateTime,
  kTimestamp,
  kExt,
  kFieldCount,
  kOther = kFieldCount
};

constexpr std::array<std::string_view, kFieldCount> kFieldNames = {
    "chatId",   "channel", "chatStatus", "chatExt",      "userId", "operatorId",  "userMessageId",
    "from",     "form",    "to",         "type",         "msg",    "url",         "key",
    "filename", "thumb",   "secret",     "thumb_secret", "length", "file_length", "addr",
    "lat",      "lng",     "createTime", "timestamp",    "ext"};

// Appends `text` to `out` as boost::json::serialize writes a string's characters: quote,
// backslash and control characters escaped, nothing else.
void AppendEscaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && ch != '"' && ch != '\\') {
      out.push_back(ch);
      continue;
    }
    out.push_back('\\');
    switch (ch) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '\b': out.push_back('b'); break;
      case '\t': out.push_back('t'); break;
      case '\n': out.push_back('n'); break;
      case '\f': out.push_back('f'); break;
      case '\r': out.push_back('r'); break;
      default:
        out.append("u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
}

Field FieldOf(std::string_view key) {
  for (size_t i = 0; i < kFieldNames.size(); ++i) {
    if (kFieldNames[i] == key) return static_cast<Field>(i);
  }
  return kOther;
}

// The tree reader: the line as a JSON tree, read with the API's field helpers.
Result<ImportRecord> ReadTreeLine(std::string_view line, const std::string& default_channel,
                                  boost::json::storage_ptr tree) {
  ASSIGN_OR_RETURN(auto body, ParseBodyObject(line, std::move(tree)));
  ImportRecord r;
  ASSIGN_OR_RETURN(auto chat_id, RequiredString(body, "chatId"));
  r.chat.id = chat_id;
  ASSIGN_OR_RETURN(auto channel, OptionalString(body, "channel"));
  r.chat.channel = channel.value_or(default_channel);
  if (r.chat.channel.empty()) return FieldError("channel");
  ASSIGN_OR_RETURN(auto user, RequiredString(body, "userId"));
  r.chat.user_id = user;
  ASSIGN_OR_RETURN(auto op, OptionalString(body, "operatorId"));
  r.chat.operator_id = op;
  ASSIGN_OR_RETURN(auto status, OptionalInt(body, "chatStatus", 0, 1000));
  auto chat_status = ChatStatusFromCode(status.value_or(3));
  if (!chat_status) return FieldError("chatStatus");
  r.chat.status = *chat_status;
  ASSIGN_OR_RETURN(auto chat_ext, OptionalObjectText(body, "chatExt"));
  r.chat.ext = std::move(chat_ext);

  ASSIGN_OR_RETURN(auto content, ParseMessageContent(body));
  r.message = std::move(content);
  ASSIGN_OR_RETURN(auto umid, RequiredString(body, "userMessageId"));
  r.message.user_message_id = umid;
  ASSIGN_OR_RETURN(auto from, OptionalString(body, "from"));
  if (!from) {
    ASSIGN_OR_RETURN(from, OptionalString(body, "form"));
  }
  if (!from) return FieldError("from");
  r.message.from = *from;
  ASSIGN_OR_RETURN(auto to, OptionalString(body, "to"));
  r.message.to = to.value_or("");

  // createTime: Unix ms here (generator) or the wire's local text (export); timestamp wins.
  ASSIGN_OR_RETURN(auto ts, OptionalInt(body, "timestamp", 0, kMaxTimestampMs));
  std::optional<int64_t> ms = ts;
  if (!ms) {
    auto it = body.find("createTime");
    if (it != body.end() && it->value().is_string()) {
      ms = ParseLocalTime(it->value().get_string());
    } else {
      ASSIGN_OR_RETURN(auto n, OptionalInt(body, "createTime", 0, kMaxTimestampMs));
      ms = n;
    }
  }
  if (!ms) return FieldError("createTime");
  r.message.create_ms = *ms;
  r.chat.created_ms = r.chat.updated_ms = *ms;
  return r;
}

}  // namespace

// The streaming reader: a boost::json::basic_parser handler that keeps the top-level values of
// the known keys, and writes the objects `ext` and `chatExt` as compact text the way
// boost::json::serialize does. It gives up (`bad`) on what only the tree reader can judge: a
// repeated key (at any depth inside those objects), an array or object as the value of another
// known key, a number with a fraction or exponent inside those objects (serialize's way of
// writing doubles is its own), a document that is no object.
struct NdjsonLineReader::Streaming {
  struct Value {
    enum Kind : uint8_t { kAbsent, kNull, kString, kInt, kUint, kDouble, kObject, kOther };
    Kind kind = kAbsent;
    std::string text;  // kString, kObject (as JSON); its memory is kept from line to line
    int64_t i = 0;
    uint64_t u = 0;
    double d = 0;
  };

  struct Handler {
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);

    std::array<Value, kFieldCount> values;
    int depth = 0;
    Field field = kOther;  // the key whose value comes next, at depth 1
    bool bad = false;
    bool in_key = false, in_string = false;
    std::string key;

    // The object being written as text (ext or chatExt), one Level per open object or array.
    struct Level {
      bool array = false;
      bool first = true;
      std::vector<std::string> keys;  // an object's, to find repeats
    };
    std::string* capture = nullptr;
    std::vector<Level> levels;
    size_t open = 0;  // levels in use

    bool Capturing() const { return capture != nullptr && depth >= 2; }
    void Open(bool array) {
      if (levels.size() == open) levels.emplace_back();
      Level& l = levels[open++];
      l.array = array;
      l.first = true;
      l.keys.clear();
      capture->push_back(array ? '[' : '{');
    }
    void Close() {
      capture->push_back(levels[--open].array ? ']' : '}');
      if (open == 0) capture = nullptr;
    }
    // Before a value inside the captured object: the comma between array elements.
    void BeforeValue() {
      Level& l = levels[open - 1];
      if (l.array && !l.first) capture->push_back(',');
      l.first = false;
    }
    void CaptureKey(std::string_view k) {
      Level& l = levels[open - 1];
      for (const std::string& seen : l.keys) {
        if (seen == k) bad = true;
      }
      l.keys.emplace_back(k);
      if (!l.first) capture->push_back(',');
      l.first = false;
      capture->push_back('"');
      AppendEscaped(*capture, k);
      capture->append("\":");
    }
    void CaptureNumber(auto n) {
      BeforeValue();
      char digits[24];
      auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
      capture->append(digits, end);
    }

    // The value of the current top-level key, or null when it is to be ignored.
    Value* Target() {
      if (depth != 1 || field == kOther) return nullptr;
      Value& v = values[field];
      if (v.kind != Value::kAbsent) bad = true;  // repeated key
      return &v;
    }
    void Scalar(Value::Kind kind, int64_t i = 0, uint64_t u = 0, double d = 0) {
      if (Value* v = Target()) {
        v->kind = kind;
        v->i = i;
        v->u = u;
        v->d = d;
      }
    }

    using ec_t = boost::json::error_code;
    using sv_t = boost::json::string_view;
    bool on_document_begin(ec_t&) {
      for (Value& v : values) v.kind = Value::kAbsent;
      depth = 0;
      field = kOther;
      bad = in_key = in_string = false;
      capture = nullptr;
      open = 0;
      return true;
    }
    bool on_document_end(ec_t&) { return true; }
    bool on_object_begin(ec_t&) {
      if (depth == 1 && field != kOther) {
        if (field == kExt || field == kChatExt) {
          Value* v = Target();
          v->kind = Value::kObject;
          v->text.clear();
          capture = &v->text;
          Open(false);
        } else {
          bad = true;
        }
      } else if (Capturing()) {
        BeforeValue();
        Open(false);
      }
      ++depth;
      return true;
    }
    bool on_object_end(std::size_t, ec_t&) {
      --depth;
      if (Capturing() || (capture && depth == 1)) Close();
      return true;
    }
    bool on_array_begin(ec_t&) {
      if (depth == 0 || (depth == 1 && field != kOther)) bad = true;
      if (Capturing()) {
        BeforeValue();
        Open(true);
      }
      ++depth;
      return true;
    }
    bool on_array_end(std::size_t, ec_t&) {
      --depth;
      if (Capturing()) Close();
      return true;
    }
    // A key or string may come in parts; `part` is the next, `last` whether it ends it.
    void KeyPart(sv_t part, bool last) {
      if (depth != 1 && !Capturing()) return;
      const std::string_view piece(part.data(), part.size());
      std::string_view whole = piece;
      if (in_key || !last) {
        if (!in_key) key.clear();
        key.append(piece);
        whole = key;
      }
      in_key = !last;
      if (!last) return;
      if (depth == 1) {
        field = FieldOf(whole);
      } else {
        CaptureKey(whole);
      }
    }
    void StringPart(sv_t part, bool last) {
      const std::string_view piece(part.data(), part.size());
      if (Capturing()) {
        if (!in_string) {
          BeforeValue();
          capture->push_back('"');
        }
        AppendEscaped(*capture, piece);
        if (last) capture->push_back('"');
      } else if (depth == 1 && field != kOther) {
        if (!in_string) {
          Value* v = Target();
          v->kind = Value::kString;
          v->text.clear();
        }
        values[field].text.append(piece);
      }
      in_string = !last;
    }
    bool on_key_part(sv_t part, std::size_t, ec_t&) {
      KeyPart(part, false);
      return true;
    }
    bool on_key(sv_t part, std::size_t, ec_t&) {
      KeyPart(part, true);
      return true;
    }
    bool on_string_part(sv_t part, std::size_t, ec_t&) {
      StringPart(part, false);
      return true;
    }
    bool on_string(sv_t part, std::size_t, ec_t&) {
      StringPart(part, true);
      return true;
    }
    bool on_number_part(sv_t, ec_t&) { return true; }
    bool on_int64(int64_t i, sv_t, ec_t&) {
      if (Capturing()) {
        CaptureNumber(i);
      } else {
        Scalar(Value::kInt, i);
      }
      return true;
    }
    bool on_uint64(uint64_t u, sv_t, ec_t&) {
      if (Capturing()) {
        CaptureNumber(u);
      } else {
        Scalar(Value::kUint, 0, u);
      }
      return true;
    }
    bool on_double(double d, sv_t, ec_t&) {
      if (Capturing()) {
        bad = true;
      } else {
        Scalar(Value::kDouble, 0, 0, d);
      }
      return true;
    }
    bool on_bool(bool b, ec_t&) {
      if (Capturing()) {
        BeforeValue();
        capture->append(b ? "true" : "false");
      } else {
        Scalar(Value::kOther);
      }
      return true;
    }
    bool on_null(ec_t&) {
      if (Capturing()) {
        BeforeValue();
        capture->append("null");
      } else {
        Scalar(Value::kNull);
      }
      return true;
    }
    bool on_comment_part(sv_t, ec_t&) { return true; }
    bool on_comment(sv_t, ec_t&) { return true; }
  };

  boost::json::basic_parser<Handler> parser{boost::json::parse_options{}};

  const Value& Get(Field f) { return parser.handler().values[f]; }
  static bool IsAbsent(const Value& v) {
    return v.kind == Value::kAbsent || v.kind == Value::kNull;
  }
  // Text as the request-field helpers accept it: non-empty, without NUL.
  static bool IsText(const Value& v) {
    return v.kind == Value::kString && !v.text.empty() && v.text.find('\0') == std::string::npos;
  }

  bool Required(Field f, std::string& out) {
    const Value& v = Get(f);
    if (!IsText(v)) return false;
    out.assign(v.text);
    return true;
  }
  bool Optional(Field f, std::optional<std::string>& out) {
    const Value& v = Get(f);
    if (IsAbsent(v)) {
      out.reset();
      return true;
    }
    if (!IsText(v)) return false;
    if (out) {
      out->assign(v.text);
    } else {
      out.emplace(v.text);
    }
    return true;
  }
  // JSON integers only: a digit string, which the tree reader also accepts, goes to it.
  bool OptionalInt(Field f, int64_t min, int64_t max, std::optional<int64_t>& out) {
    const Value& v = Get(f);
    out.reset();
    if (IsAbsent(v)) return true;
    int64_t n = 0;
    if (v.kind == Value::kInt) {
      n = v.i;
    } else if (v.kind == Value::kUint && v.u <= static_cast<uint64_t>(INT64_MAX)) {
      n = static_cast<int64_t>(v.u);
    } else {
      return false;
    }
    if (n < min || n > max) return false;
    out = n;
    return true;
  }
  bool OptionalDouble(Field f, double min, double max, std::optional<double>& out) {
    const Value& v = Get(f);
    out.reset();
    if (IsAbsent(v)) return true;
    double d = 0;
    if (v.kind == Value::kDouble) {
      d = v.d;
    } else if (v.kind == Value::kInt) {
      d = static_cast<double>(v.i);
    } else if (v.kind == Value::kUint) {
      d = static_cast<double>(v.u);
    } else {
      return false;
    }
    if (!std::isfinite(d) || d < min || d > max) return false;
    out = d;
    return true;
  }
  bool ObjectText(Field f, std::string& out) {
    const Value& v = Get(f);
    if (IsAbsent(v)) {
      out.assign("{}");
    } else if (v.kind == Value::kObject) {
      out.assign(v.text);
    } else {
      return false;
    }
    return true;
  }

  // The same fields, rules and defaults as ReadTreeLine; false wherever it might disagree.
  bool Read(std::string_view line, const std::string& default_channel, ImportRecord& out) {
    parser.reset();
    boost::json::error_code ec;
    const std::size_t used = parser.write_some(false, line.data(), line.size(), ec);
    if (ec || used != line.size() || parser.handler().bad) return false;

    Chat& c = out.chat;
    Message& m = out.message;
    if (!Required(kChatId, c.id) || !Required(kUserId, c.user_id)) return false;
    const Value& channel = Get(kChannel);
    if (IsAbsent(channel)) {
      if (default_channel.empty()) return false;
      c.channel.assign(default_channel);
    } else if (!Required(kChannel, c.channel)) {
      return false;
    }
    std::optional<int64_t> status;
    if (!Optional(kOperatorId, c.operator_id) || !OptionalInt(kChatStatus, 0, 1000, status)) {
      return false;
    }
    auto chat_status = ChatStatusFromCode(status.value_or(3));
    if (!chat_status) return false;
    c.status = *chat_status;
    if (!ObjectText(kChatExt, c.ext)) return false;
    c.message_count = 0;
    c.last_message_ms.reset();

    m.seq = 0;
    if (!Required(kType, m.type) || !Optional(kMsg, m.msg) || !Optional(kUrl, m.url) ||
        !Optional(kKey, m.key) || !Optional(kFilename, m.filename) || !Optional(kThumb, m.thumb) ||
        !Optional(kSecret, m.secret) || !Optional(kThumbSecret, m.thumb_secret) ||
        !Optional(kAddr, m.addr) || !OptionalInt(kLength, 0, INT32_MAX, m.length) ||
        !OptionalInt(kFileLength, 0, INT64_MAX / 2, m.file_length) ||
        !OptionalDouble(kLat, -90, 90, m.lat) || !OptionalDouble(kLng, -180, 180, m.lng) ||
        !ObjectText(kExt, m.ext) || !CheckMessageContent(m).ok()) {
      return false;
    }
    if (!Required(kUserMessageId, m.user_message_id)) return false;
    const Field from = IsAbsent(Get(kFrom)) ? kForm : kFrom;
    if (!Required(from, m.from)) return false;
    if (IsAbsent(Get(kTo))) {
      m.to.clear();
    } else if (!Required(kTo, m.to)) {
      return false;
    }

    std::optional<int64_t> ms;
    if (!OptionalInt(kTimestamp, 0, kMaxTimestampMs, ms)) return false;
    if (!ms) {
      const Value& created = Get(kCreateTime);
      if (created.kind == Value::kString) {
        ms = ParseLocalTime(created.text);
      } else if (!OptionalInt(kCreateTime, 0, kMaxTimestampMs, ms)) {
        return false;
      }
    }
    if (!ms) return false;
    m.create_ms = *ms;
    c.created_ms = c.updated_ms = *ms;
    return true;
  }
};

NdjsonLineReader::NdjsonLineReader(std::string default_channel)
    : default_channel_(std::move(default_channel)), streaming_(std::make_unique<Streaming>()) {}

NdjsonLineReader::~NdjsonLineReader() = default;

Status NdjsonLineReader::Read(std::string_view line, ImportRecord& out) {
  if (TryStreaming(line, out)) return Status::Ok();
  return ReadTree(line, out);
}

bool NdjsonLineReader::TryStreaming(std::string_view line, ImportRecord& out) {
  return streaming_->Read(line, default_channel_, out);
}

Status NdjsonLineReader::ReadTree(std::string_view line, ImportRecord& out) {
  // The tree lives in a buffer on the stack, not in a heap allocation per node.
  unsigned char buffer[16 * 1024];
  boost::json::monotonic_resource tree(buffer, sizeof buffer);
  ASSIGN_OR_RETURN(auto record,
                   ReadTreeLine(line, default_channel_, boost::json::storage_ptr(&tree)));
  out = std::move(record);
  return Status::Ok();
}

}  // namespace opchat
