#include "storage/chat_rules.hpp"

#include <algorithm>
#include <string>
#include <tuple>

namespace opchat::store_rules {

Status ChatNotFound() { return Status::NotFound("会话不存在"); }

Status ChatExists(std::string_view chat_id) {
  return Status::Conflict("会话已存在: " + std::string(chat_id));
}

Status TransitionRefused(ChatStatus current) {
  return Status::Conflict("会话状态不允许该操作: 当前状态 " + std::string(StatusText(current)));
}

Status SendRefused(ChatStatus current) {
  return Status::Conflict("会话状态不允许发送消息: 当前状态 " + std::string(StatusText(current)));
}

Status ChatFull() { return Status::Conflict("会话消息数已达上限"); }

Status EmptySearchKeyword() { return Status::InvalidArgument("empty search keyword"); }

Status ClientExists(std::string_view client_id) {
  return Status::Conflict("client exists: " + std::string(client_id));
}

Status ClientNotFound(std::string_view client_id) {
  return Status::NotFound("no such client: " + std::string(client_id));
}

Status WebhookExists(std::string_view id) {
  return Status::Conflict("webhook exists: " + std::string(id));
}

Status WebhookNotFound(std::string_view id) {
  return Status::NotFound("no such webhook: " + std::string(id));
}

Status OperatorExists(std::string_view id) {
  return Status::Conflict("operator exists: " + std::string(id));
}

Status OperatorLoginTaken(std::string_view channel, std::string_view login) {
  return Status::Conflict("login taken in channel " + std::string(channel) + ": " +
                          std::string(login));
}

Status OperatorNotFound(std::string_view id) {
  return Status::NotFound("no such operator: " + std::string(id));
}

Status OperatorDisabled(std::string_view id) {
  return Status::PermissionDenied("operator disabled: " + std::string(id));
}

Status SessionNotFound() { return Status::NotFound("no such session"); }

Status CheckTransition(ChatStatus current, std::span<const ChatStatus> from, ChatStatus to) {
  return Allows(Transition{from, to}, current) ? Status::Ok() : TransitionRefused(current);
}

Status CheckSend(ChatStatus current) {
  return AcceptsMessages(current) ? Status::Ok() : SendRefused(current);
}

Result<int64_t> NextSeq(int64_t message_count) {
  if (message_count >= kMaxSeq) return ChatFull();
  return message_count + 1;
}

void ApplyTransition(Chat& chat, ChatStatus to, const std::optional<std::string>& operator_id,
                     int64_t now_ms) {
  chat.status = to;
  if (operator_id) chat.operator_id = operator_id;
  chat.updated_ms = std::max(chat.updated_ms, now_ms);
}

Result<AppendOutcome> AppendMessage(const AppendSteps& steps, Message message,
                                    const AddressMessage& address) {
  ASSIGN_OR_RETURN(const Chat chat, steps.lock_chat());
  if (address) RETURN_IF_ERROR(address(chat, message));
  ASSIGN_OR_RETURN(std::optional<Message> stored, steps.find(message.user_message_id));
  if (stored) return AppendOutcome{std::move(*stored), true};
  RETURN_IF_ERROR(CheckSend(chat.status));
  ASSIGN_OR_RETURN(const int64_t seq, NextSeq(chat.message_count));
  RETURN_IF_ERROR(steps.insert(message, seq));
  AppendOutcome out{std::move(message), false};
  out.message.seq = seq;
  return out;
}

Result<Chat> TransitionChat(const TransitionSteps& steps, std::span<const ChatStatus> from,
                            ChatStatus to) {
  ASSIGN_OR_RETURN(Chat chat, steps.lock_chat());
  RETURN_IF_ERROR(CheckTransition(chat.status, from, to));
  return steps.write(std::move(chat));
}

int64_t NextEventCursor(const EventQuery& query, const std::vector<Event>& returned, int64_t head) {
  const bool full = static_cast<int64_t>(returned.size()) >= query.limit && !returned.empty();
  return std::max(query.after, full ? returned.back().id : head);
}

int64_t EventTypeMask(const EventTypeSet& types) {
  if (types.empty()) return 0;
  int64_t mask = 0;
  for (EventType t :
       {EventType::kMessageCreated, EventType::kChatCreated, EventType::kChatStatusChanged}) {
    if (types.Passes(t)) mask |= int64_t{1} << static_cast<int>(t);
  }
  return mask;
}

EventTypeSet EventTypesOfMask(int64_t mask) {
  EventTypeSet types;
  for (EventType t :
       {EventType::kMessageCreated, EventType::kChatCreated, EventType::kChatStatusChanged}) {
    if ((mask >> static_cast<int>(t)) & 1) types.Add(t);
  }
  return types;
}

std::optional<int64_t> RowLimit(int64_t limit) {
  return limit < 0 ? std::nullopt : std::optional<int64_t>(limit);
}

int64_t RowOffset(int64_t offset) { return std::max<int64_t>(offset, 0); }

int64_t SearchCountLimit(const SearchQuery& query) {
  return std::max<int64_t>(query.max_total, 0) + 1;
}

void SetSearchTotal(const SearchQuery& query, int64_t counted, SearchResult& out) {
  const int64_t cap = std::max<int64_t>(query.max_total, 0);
  out.total_exact = counted <= cap;
  out.total = std::min(counted, cap);
}

bool ChatKeyLess(const Chat& a, const Chat& b) {
  return std::tie(a.channel, a.id) < std::tie(b.channel, b.id);
}

std::vector<const ImportRecord*> ChatByChat(std::span<const ImportRecord> records) {
  std::vector<const ImportRecord*> ordered;
  ordered.reserve(records.size());
  for (const ImportRecord& r : records) ordered.push_back(&r);
  std::stable_sort(
      ordered.begin(), ordered.end(),
      [](const ImportRecord* a, const ImportRecord* b) { return ChatKeyLess(a->chat, b->chat); });
  return ordered;
}

}  // namespace opchat::store_rules
