// Wire encoding of messages and chats (docs/api.md: the message and chat objects), and the
// decoding of a message's fields from a request body. Below the API, the importers and the
// transcripts, which all speak it. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "common/json_writer.hpp"
#include "common/status.hpp"
#include "domain/chat.hpp"
#include "media/qiniu_url.hpp"

namespace opchat {

// Writes one element of `msg`: every key of the seed, always present (null when the message
// has none), plus `seq` and `timestamp`. `now_s` dates the getUrl deadline; getUrl is null
// when the message has no stored object or `media` may not sign its key.
void WriteMessage(JsonWriter& w, const MessageView& m, const ChannelMedia& media, int64_t now_s);
void WriteMessage(JsonWriter& w, const Message& m, const ChannelMedia& media, int64_t now_s);

// The object in the media bucket a message's getUrl signs: none unless its type carries one
// (HasStoredObject) and its key or url names one (ObjectKeyOf).
struct StoredObject {
  std::string key;
  bool is_image = false;
};
std::optional<StoredObject> StoredObjectOf(const MessageView& m);

// WriteMessage with getUrl written as `null`, for an encoding kept to be signed later (the page
// cache): returns where in the writer's output that `null` begins.
size_t WriteMessageUnsigned(JsonWriter& w, const MessageView& m);

// Writes a chat object: ids, status code and text, operator, user, counts, times; and `from`
// (the status before a change) when given, as a chat.status_changed event carries it.
void WriteChat(JsonWriter& w, const Chat& chat, std::optional<ChatStatus> from = std::nullopt);

// Reads `type` and that type's fields (msg, url, key, filename, thumb, secret, thumb_secret,
// length, file_length, addr, lat, lng, ext) from a body. Required per type: txt/cmd: msg;
// img/audio/video/file: url or key; loc: lat and lng. A `key` must be IsSafeObjectKey. Does not
// touch ids, sender or time.
Result<Message> ParseMessageContent(const boost::json::object& body);
// The rules of the above that join fields (known type, text size, what each type requires), for
// a message read another way.
Status CheckMessageContent(const Message& m);

// The earliest message time a sender may give (2000-01-01T00:00:00Z) and how far past the
// server clock it may lie (one day).
constexpr int64_t kEarliestMessageTimeMs = 946684800000;
constexpr int64_t kMessageTimeLeadMs = 86400000;

// The message time of a body: `timestamp` (Unix ms) or `createTime` (local "yyyy-MM-dd
// HH:mm:ss"), else `now_ms`. InvalidArgument naming the field when the time lies outside
// [kEarliestMessageTimeMs, now_ms + kMessageTimeLeadMs].
Result<int64_t> ParseMessageTime(const boost::json::object& body, int64_t now_ms);

}  // namespace opchat
