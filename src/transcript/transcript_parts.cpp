#include "transcript/transcript_parts.hpp"

#include <cstdio>

#include "codec/message_codec.hpp"
#include "common/json_writer.hpp"

namespace opchat {
namespace {

std::string Seconds(const std::optional<int64_t>& length) {
  return length && *length > 0 ? " " + std::to_string(*length) + "秒" : "";
}

std::string ShortNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

std::optional<std::string> SignedUrlOf(const Message& m, const TranscriptOptions& options) {
  auto object = StoredObjectOf(ViewOf(m));
  if (!object) return std::nullopt;
  return options.media.Sign(object->key, object->is_image, options.now_s);
}

bool IsFromUser(const Chat& chat, const Message& m) { return m.from == chat.user_id; }

std::string HumanSize(int64_t bytes) {
  char buf[32];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  } else if (bytes < 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KB", bytes / 1024.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MB", bytes / (1024.0 * 1024.0));
  }
  return buf;
}

std::string DescribeMessage(const Message& m) {
  const std::string name = m.filename.value_or("");
  const std::string size = m.file_length ? " (" + HumanSize(*m.file_length) + ")" : "";
  if (m.type == "txt") return m.msg.value_or("");
  if (m.type == "img") return "[图片] " + name + size;
  if (m.type == "audio") return "[语音]" + Seconds(m.length) + (name.empty() ? "" : " " + name);
  if (m.type == "video") return "[视频] " + name + Seconds(m.length) + size;
  if (m.type == "file") return "[文件] " + name + size;
  if (m.type == "loc") {
    std::string where = "[位置] " + m.addr.value_or("");
    if (m.lat && m.lng) where += " (" + ShortNumber(*m.lat) + ", " + ShortNumber(*m.lng) + ")";
    return where;
  }
  if (m.type == "cmd") return "[命令] " + m.msg.value_or("");
  // custom and anything newer: its text, else its ext, which is what carries the content.
  std::string out = "[自定义] ";
  out += m.msg ? *m.msg : (m.ext.empty() ? std::string("{}") : m.ext);
  return out;
}

}  // namespace opchat
