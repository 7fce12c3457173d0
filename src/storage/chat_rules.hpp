// The chat rules every storage back end applies, written once above the back ends (as LevelDB
// keeps one DBImpl over many Envs): which chats accept a message, which transitions a chat
// allows, the errors a store answers with (their texts reach the client, docs/api.md), and the
// page sizes of a bulk scan. A back end only says how to read and write rows; it decides
// nothing here. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "domain/chat.hpp"
#include "storage/store.hpp"

namespace opchat::store_rules {

// --- errors ---
// NotFound: the channel has no chat with this id.
Status ChatNotFound();
// Conflict: the channel already has a chat with this id (CreateChat).
Status ChatExists(std::string_view chat_id);
// Conflict naming the chat's current status: the transition does not start from it.
Status TransitionRefused(ChatStatus current);
// Conflict naming the chat's current status: an ended or deleted chat takes no new message.
Status SendRefused(ChatStatus current);
// Conflict: the chat holds kMaxSeq messages already.
Status ChatFull();
// InvalidArgument: SearchMessages with an empty keyword.
Status EmptySearchKeyword();
// Conflict: AddClient with an id that is taken.
Status ClientExists(std::string_view client_id);
// NotFound: no client has this id.
Status ClientNotFound(std::string_view client_id);
// Conflict: AddWebhook with an id that is taken.
Status WebhookExists(std::string_view id);
// NotFound: no webhook endpoint has this id.
Status WebhookNotFound(std::string_view id);
// Conflict: AddOperator with an id that is taken.
Status OperatorExists(std::string_view id);
// Conflict: AddOperator with a login its channel already has.
Status OperatorLoginTaken(std::string_view channel, std::string_view login);
// NotFound: no operator has this id (or this login in this channel).
Status OperatorNotFound(std::string_view id);
// PermissionDenied: CreateSession for a disabled operator.
Status OperatorDisabled(std::string_view id);
// NotFound: no live session has this token (the token itself is never put in a message).
Status SessionNotFound();

// --- decisions ---
// OK when a chat in `current` may move to `to` by a transition that starts from one of `from`
// (empty: from any status, domain/chat_status.hpp); else TransitionRefused(current).
Status CheckTransition(ChatStatus current, std::span<const ChatStatus> from, ChatStatus to);
// OK when a chat in `current` accepts a new message; else SendRefused(current). Asked only
// after the duplicate check: a retried send of a stored message is answered as a duplicate
// even once the chat has ended (Store::AppendMessage).
Status CheckSend(ChatStatus current);

// Positions fit in 32 bits (4 billion messages a chat is beyond any use, and a bound keeps
// positions plain ints everywhere).
inline constexpr int64_t kMaxSeq = 0xFFFFFFFF;
// The position of the message appended after `message_count` others; ChatFull past kMaxSeq.
Result<int64_t> NextSeq(int64_t message_count);

// The chat record after a transition to `to` at `now_ms` that the back end has written:
// the operator is replaced only when one is given, and the last activity never goes back.
void ApplyTransition(Chat& chat, ChatStatus to, const std::optional<std::string>& operator_id,
                     int64_t now_ms);

// --- the order of a write ---
// The steps of an append, supplied by a back end and run inside its own write transaction.
struct AppendSteps {
  // The chat, locked against other writers until the transaction ends; ChatNotFound() when
  // missing.
  std::function<Result<Chat>()> lock_chat;
  // The chat's stored message with this user_message_id, if any.
  std::function<Result<std::optional<Message>>(const std::string& user_message_id)> find;
  // Writes the message at position `seq` and the chat's new count, last message time and
  // last activity.
  std::function<Status(const Message& message, int64_t seq)> insert;
};
// Store::AppendMessage on top of `steps`: the locked chat addresses the message (when
// `address` is given, Store::AppendMessageLater); a stored user_message_id is answered as a
// duplicate before the chat's status is looked at (a retried send succeeds after the chat
// ended); then CheckSend, NextSeq, and the insert. Everything that refuses comes before the
// first write.
Result<AppendOutcome> AppendMessage(const AppendSteps& steps, Message message,
                                    const AddressMessage& address = {});

// The steps of a transition, supplied by a back end and run inside its write transaction.
struct TransitionSteps {
  std::function<Result<Chat>()> lock_chat;  // as AppendSteps::lock_chat
  // Stores the new status (the operator only when given, last activity never back) and
  // returns the chat as stored.
  std::function<Result<Chat>(Chat current)> write;
};
// Store::TransitionChat on top of `steps`: CheckTransition on the locked chat, then the write.
Result<Chat> TransitionChat(const TransitionSteps& steps, std::span<const ChatStatus> from,
                            ChatStatus to);

// --- events ---
// EventPage::next for a page of `returned` events read with `query` at `head`: the last event's
// id when the page is full, else the head (the filters skipped the rest); never below
// query.after (a cursor past the head stays where it is).
int64_t NextEventCursor(const EventQuery& query, const std::vector<Event>& returned, int64_t head);
// The types a query passes as a bit mask, bit N for the type of code N; 0 for every type. Both
// back ends filter with "mask = 0 OR (mask >> type) & 1".
int64_t EventTypeMask(const EventTypeSet& types);
// The set of a mask (EventTypeMask's inverse; 0 is the empty set, every type).
EventTypeSet EventTypesOfMask(int64_t mask);

// --- pages ---
// A page's LIMIT: nullopt (no limit) for a negative limit, as ChatFilter and SearchQuery say
// (SQLite reads a negative LIMIT so itself; PostgreSQL rejects one).
std::optional<int64_t> RowLimit(int64_t limit);
// A page's OFFSET: a negative offset counts as 0.
int64_t RowOffset(int64_t offset);

// --- search totals ---
// How many matches the count of `query` reads at most: one past max_total, so that the count
// tells whether the total is exact.
int64_t SearchCountLimit(const SearchQuery& query);
// Fills out.total and out.total_exact from `counted` (a count limited by SearchCountLimit).
void SetSearchTotal(const SearchQuery& query, int64_t counted, SearchResult& out);

// --- bulk scans ---
// ForEachMessage reads this many chats, then this many messages of a chat, at a time.
inline constexpr int64_t kExportChatPage = 200;
inline constexpr int64_t kExportMessagePage = 1000;

// (channel, chat id) byte order: the order of scans, and the order in which imports take chats,
// so that two imports sharing chats queue instead of deadlocking.
bool ChatKeyLess(const Chat& a, const Chat& b);
// The order in which a back end stores a batch of imported records: chat by chat (ChatKeyLess),
// each chat's records in their given order, so positions are those of the records' order. A
// time-ordered file interleaves thousands of chats; stored in file order, each message lands on
// another page of each index (and, on PostgreSQL, of the heap), while grouped, a chat's
// messages share their pages (and so does a page of its history, read later).
std::vector<const ImportRecord*> ChatByChat(std::span<const ImportRecord> records);

}  // namespace opchat::store_rules
