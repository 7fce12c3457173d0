// A customer-service chat (session) and a message in it: the records storage keeps.
// Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/chat_status.hpp"

namespace opchat {

struct Chat {
  std::string id;
  std::string channel;
  std::string user_id;
  std::optional<std::string> operator_id;
  ChatStatus status = ChatStatus::kWaiting;
  std::string ext = "{}";  // JSON object text
  int64_t message_count = 0;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;  // last activity: creation, transition or message
  std::optional<int64_t> last_message_ms;
};

// Message types of the Op API (docs/api.md).
bool IsKnownMessageType(std::string_view type);
// Whether messages of this type carry a stored object (and so a signed getUrl).
bool HasStoredObject(std::string_view type);

struct Message {
  int64_t seq = 0;  // 1-based position in its chat; dense
  std::string user_message_id;
  std::string from;  // the wire calls it `form`
  std::string to;
  std::string type;
  std::optional<std::string> msg, url, filename, thumb, secret, thumb_secret, addr;
  std::optional<std::string> key;  // object key in the media bucket, when given
  std::optional<int64_t> length, file_length;
  std::optional<double> lat, lng;
  int64_t create_ms = 0;
  std::string ext = "{}";  // JSON object text
};

// A message whose text lives elsewhere (a statement's current row, or a Message): what the
// history endpoint encodes without a copy. Valid while what it views lives and stays unchanged.
struct MessageView {
  int64_t seq = 0;
  std::string_view user_message_id, from, to, type;
  std::optional<std::string_view> msg, url, filename, thumb, secret, thumb_secret, addr, key;
  std::optional<int64_t> length, file_length;
  std::optional<double> lat, lng;
  int64_t create_ms = 0;
  std::string_view ext;
};

MessageView ViewOf(const Message& m);
Message MessageOf(const MessageView& v);

}  // namespace opchat
