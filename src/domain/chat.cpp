#include "domain/chat.hpp"

#include <array>
#include <string_view>

namespace opchat {

bool IsKnownMessageType(std::string_view type) {
  static constexpr std::array<std::string_view, 8> kTypes = {"txt", "img",  "audio", "video",
                                                             "loc", "file", "cmd",   "custom"};
  for (auto t : kTypes) {
    if (t == type) return true;
  }
  return false;
}

bool HasStoredObject(std::string_view type) {
  return type == "img" || type == "audio" || type == "video" || type == "file";
}

namespace {

std::optional<std::string> Owned(const std::optional<std::string_view>& v) {
  return v ? std::optional<std::string>(*v) : std::nullopt;
}

}  // namespace

MessageView ViewOf(const Message& m) {
  return MessageView{.seq = m.seq,
                     .user_message_id = m.user_message_id,
                     .from = m.from,
                     .to = m.to,
                     .type = m.type,
                     .msg = m.msg,
                     .url = m.url,
                     .filename = m.filename,
                     .thumb = m.thumb,
                     .secret = m.secret,
                     .thumb_secret = m.thumb_secret,
                     .addr = m.addr,
                     .key = m.key,
                     .length = m.length,
                     .file_length = m.file_length,
                     .lat = m.lat,
                     .lng = m.lng,
                     .create_ms = m.create_ms,
                     .ext = m.ext};
}

Message MessageOf(const MessageView& v) {
  Message m;
  m.seq = v.seq;
  m.user_message_id = v.user_message_id;
  m.from = v.from;
  m.to = v.to;
  m.type = v.type;
  m.msg = Owned(v.msg);
  m.url = Owned(v.url);
  m.filename = Owned(v.filename);
  m.thumb = Owned(v.thumb);
  m.secret = Owned(v.secret);
  m.thumb_secret = Owned(v.thumb_secret);
  m.addr = Owned(v.addr);
  m.key = Owned(v.key);
  m.length = v.length;
  m.file_length = v.file_length;
  m.lat = v.lat;
  m.lng = v.lng;
  m.create_ms = v.create_ms;
  m.ext = v.ext;
  return m;
}

}  // namespace opchat
