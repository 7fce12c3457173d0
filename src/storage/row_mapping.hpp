// The rows of chats, messages and events as every back end stores them: the column lists, in the
// one order both schemas' statements select and insert them, and the mapping between those columns
// and Chat / Message. A back end adapts its own cursor (sqlite3_stmt, PGresult) to RowReader
// and its own parameters to RowWriter; a column is added here, once, then to each schema.
// Pure functions; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/chat.hpp"
#include "domain/event.hpp"

// The chat columns that ReadChat reads, in order.
#define OPCHAT_CHAT_COLUMNS                                                             \
  "chat_id, channel_id, user_id, operator_id, status, ext, message_count, created_ms, " \
  "updated_ms, last_message_ms"

// The message columns that ReadMessage reads and WriteMessage writes, in order.
#define OPCHAT_MESSAGE_COLUMNS                                                                  \
  "seq, user_message_id, from_id, to_id, type, msg, url, object_key, filename, thumb, secret, " \
  "thumb_secret, length, file_length, addr, lat, lng, create_ms, ext"

// OPCHAT_MESSAGE_COLUMNS of a table named `m` (searches join messages to chats).
#define OPCHAT_M_MESSAGE_COLUMNS                                                            \
  "m.seq, m.user_message_id, m.from_id, m.to_id, m.type, m.msg, m.url, m.object_key, "      \
  "m.filename, m.thumb, m.secret, m.thumb_secret, m.length, m.file_length, m.addr, m.lat, " \
  "m.lng, m.create_ms, m.ext"

// The columns that ReadEvent reads, of an events table `e` joined (LEFT JOIN) to the messages
// table `m` for a message.created event's message: the event's own columns, then its chat
// snapshot (OPCHAT_CHAT_COLUMNS; NULL for a message event), then the message's.
#define OPCHAT_EVENT_COLUMNS                                                            \
  "e.id, e.type, e.time_ms, e.seq, e.from_status, e.chat_id, e.channel_id, e.user_id, " \
  "e.operator_id, e.status, e.ext, e.message_count, e.created_ms, e.updated_ms, "       \
  "e.last_message_ms, " OPCHAT_M_MESSAGE_COLUMNS

// The columns of an events row that WriteEvent writes, in order (after channel_id, id and
// time_ms, which the back end binds).
#define OPCHAT_EVENT_VALUE_COLUMNS                                                      \
  "type, chat_id, seq, from_status, user_id, operator_id, status, ext, message_count, " \
  "created_ms, updated_ms, last_message_ms"

namespace opchat {

// How many columns a comma-separated list names.
constexpr int CountColumns(std::string_view list) {
  int n = 1;
  for (char c : list) n += c == ',' ? 1 : 0;
  return n;
}

// A column that follows a list stands at this index (SQLite's chat number, a search hit's
// chat id).
inline constexpr int kChatColumnCount = 10;
inline constexpr int kMessageColumnCount = 19;
static_assert(CountColumns(OPCHAT_CHAT_COLUMNS) == kChatColumnCount);
static_assert(CountColumns(OPCHAT_MESSAGE_COLUMNS) == kMessageColumnCount);
static_assert(CountColumns(OPCHAT_M_MESSAGE_COLUMNS) == kMessageColumnCount);
inline constexpr int kEventValueCount = 12;
static_assert(CountColumns(OPCHAT_EVENT_VALUE_COLUMNS) == kEventValueCount);
static_assert(CountColumns(OPCHAT_EVENT_COLUMNS) == 5 + kChatColumnCount + kMessageColumnCount);

// One row of a result, read by 0-based column index. NULL reads as 0 / "" / nullopt. Text is
// viewed in the result's own buffer, valid while the row is.
class RowReader {
 public:
  virtual ~RowReader() = default;
  virtual int64_t Int(int col) const = 0;
  virtual std::string_view Text(int col) const = 0;
  virtual std::optional<std::string_view> OptText(int col) const = 0;
  virtual std::optional<int64_t> OptInt(int col) const = 0;
  virtual std::optional<double> OptDouble(int col) const = 0;

  std::string String(int col) const { return std::string(Text(col)); }
  std::optional<std::string> OptString(int col) const {
    auto v = OptText(col);
    return v ? std::optional<std::string>(*v) : std::nullopt;
  }
};

// The values of one row to write, appended in column order. Text is passed by reference and
// must stay alive and unchanged until the row is written (SQLite binds it without a copy).
class RowWriter {
 public:
  virtual ~RowWriter() = default;
  virtual void Add(int64_t v) = 0;
  virtual void Add(const std::string& v) = 0;
  virtual void Add(const std::optional<std::string>& v) = 0;
  virtual void Add(const std::optional<int64_t>& v) = 0;
  virtual void Add(const std::optional<double>& v) = 0;
};

// The chat whose OPCHAT_CHAT_COLUMNS start at column `first`. An unknown status code reads as
// waiting.
Chat ReadChat(const RowReader& row, int first = 0);
// The message whose OPCHAT_MESSAGE_COLUMNS start at column `first`: copied, or viewed in the row.
Message ReadMessage(const RowReader& row, int first = 0);
MessageView ReadMessageView(const RowReader& row, int first = 0);

// An event a write records, before the back end gives it its channel's next id: the chat it
// concerns (its snapshot, for a chat event: the chat right after the change), the message's
// position for message.created, the status before for chat.status_changed.
struct NewEvent {
  EventType type = EventType::kMessageCreated;
  const Chat* chat = nullptr;  // never null; outlives the write
  int64_t seq = 0;
  std::optional<ChatStatus> from;
};

// The event whose OPCHAT_EVENT_COLUMNS start at column `first`, in `channel`. An unknown type
// code reads as message.created.
Event ReadEvent(const RowReader& row, int first = 0);
// The OPCHAT_EVENT_VALUE_COLUMNS of `event`: NULL where its type has no value.
void WriteEvent(RowWriter& row, const NewEvent& event);

// The values of a new chat: chat_id, channel_id, user_id, operator_id, status, ext,
// created_ms, updated_ms (8; a new chat has no messages, so the count and last message time
// are the statement's constants).
inline constexpr int kNewChatValueCount = 8;
void WriteNewChat(RowWriter& row, const Chat& chat);
// The OPCHAT_MESSAGE_COLUMNS of `message` stored at position `seq` (its own seq is ignored).
void WriteMessage(RowWriter& row, const Message& message, int64_t seq);

}  // namespace opchat
