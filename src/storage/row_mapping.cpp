#include "storage/row_mapping.hpp"

namespace opchat {

Chat ReadChat(const RowReader& row, int first) {
  int i = first;
  Chat c;
  c.id = row.String(i++);
  c.channel = row.String(i++);
  c.user_id = row.String(i++);
  c.operator_id = row.OptString(i++);
  c.status = ChatStatusFromCode(row.Int(i++)).value_or(ChatStatus::kWaiting);
  c.ext = row.String(i++);
  c.message_count = row.Int(i++);
  c.created_ms = row.Int(i++);
  c.updated_ms = row.Int(i++);
  c.last_message_ms = row.OptInt(i++);
  return c;
}

MessageView ReadMessageView(const RowReader& row, int first) {
  int i = first;
  MessageView m;
  m.seq = row.Int(i++);
  m.user_message_id = row.Text(i++);
  m.from = row.Text(i++);
  m.to = row.Text(i++);
  m.type = row.Text(i++);
  m.msg = row.OptText(i++);
  m.url = row.OptText(i++);
  m.key = row.OptText(i++);
  m.filename = row.OptText(i++);
  m.thumb = row.OptText(i++);
  m.secret = row.OptText(i++);
  m.thumb_secret = row.OptText(i++);
  m.length = row.OptInt(i++);
  m.file_length = row.OptInt(i++);
  m.addr = row.OptText(i++);
  m.lat = row.OptDouble(i++);
  m.lng = row.OptDouble(i++);
  m.create_ms = row.Int(i++);
  m.ext = row.Text(i++);
  return m;
}

Message ReadMessage(const RowReader& row, int first) {
  return MessageOf(ReadMessageView(row, first));
}

Event ReadEvent(const RowReader& row, int first) {
  int i = first;
  Event e;
  e.id = row.Int(i++);
  e.type = EventTypeFromCode(row.Int(i++)).value_or(EventType::kMessageCreated);
  e.time_ms = row.Int(i++);
  e.seq = row.Int(i++);
  const std::optional<int64_t> from = row.OptInt(i++);
  if (from) e.from = ChatStatusFromCode(*from);
  e.chat_id = row.String(i);
  e.channel = row.String(i + 1);
  if (e.type != EventType::kMessageCreated) e.chat = ReadChat(row, i);
  i += kChatColumnCount;
  // The message's columns are NULL when it no longer exists (its chat went by retention).
  if (e.type == EventType::kMessageCreated && row.OptInt(i)) e.message = ReadMessage(row, i);
  return e;
}

void WriteEvent(RowWriter& row, const NewEvent& e) {
  const bool chat_event = e.type != EventType::kMessageCreated;
  const std::optional<int64_t> no_int;
  const std::optional<std::string> no_text;
  row.Add(int64_t{static_cast<int>(e.type)});
  row.Add(e.chat->id);
  row.Add(chat_event ? no_int : std::optional<int64_t>(e.seq));
  row.Add(e.from ? std::optional<int64_t>(static_cast<int>(*e.from)) : no_int);
  if (!chat_event) {
    for (int i = 0; i < 8; ++i) row.Add(no_text);  // the chat snapshot's 8 columns
    return;
  }
  const Chat& c = *e.chat;
  row.Add(c.user_id);  // text by reference: the chat outlives the write (RowWriter)
  row.Add(c.operator_id);
  row.Add(std::optional<int64_t>(static_cast<int>(c.status)));
  row.Add(c.ext);
  row.Add(std::optional<int64_t>(c.message_count));
  row.Add(std::optional<int64_t>(c.created_ms));
  row.Add(std::optional<int64_t>(c.updated_ms));
  row.Add(c.last_message_ms);
}

void WriteNewChat(RowWriter& row, const Chat& c) {
  row.Add(c.id);
  row.Add(c.channel);
  row.Add(c.user_id);
  row.Add(c.operator_id);
  row.Add(int64_t{static_cast<int>(c.status)});
  row.Add(c.ext);
  row.Add(c.created_ms);
  row.Add(c.updated_ms);
}

void WriteMessage(RowWriter& row, const Message& m, int64_t seq) {
  row.Add(seq);
  row.Add(m.user_message_id);
  row.Add(m.from);
  row.Add(m.to);
  row.Add(m.type);
  row.Add(m.msg);
  row.Add(m.url);
  row.Add(m.key);
  row.Add(m.filename);
  row.Add(m.thumb);
  row.Add(m.secret);
  row.Add(m.thumb_secret);
  row.Add(m.length);
  row.Add(m.file_length);
  row.Add(m.addr);
  row.Add(m.lat);
  row.Add(m.lng);
  row.Add(m.create_ms);
  row.Add(m.ext);
}

}  // namespace opchat
