// The one storage interface: chats, their messages, and API clients.
// Back ends (sqlite/, postgres/) implement it; nothing above this layer sees SQL.
//
// Thread-safety: every method may be called concurrently from any thread.
// Durability: a write method that returns OK has been made durable (fsync'd or equivalent).
// Errors: NotFound, Conflict and InvalidArgument describe the request; Unavailable means the
// database could not be reached or was busy (retry); Internal is anything else.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "domain/chat.hpp"
#include "domain/event.hpp"
#include "domain/page.hpp"
#include "storage/operator_store.hpp"
#include "storage/webhook_store.hpp"

namespace opchat {

struct ClientRecord {
  std::string id;
  std::string name;
  std::string secret;
  bool enabled = true;
  std::vector<std::string> channels;
  int64_t created_ms = 0;
  // While a secret is being rotated, the one it replaces; empty when none. Requests signed
  // with either are accepted.
  std::string previous_secret;
};

struct ChatFilter {
  std::string channel;  // required
  std::optional<ChatStatus> status;
  std::optional<std::string> operator_id;
  std::optional<std::string> user_id;
  std::optional<int64_t> since_ms;  // last activity >= since
  std::optional<int64_t> until_ms;  // last activity < until
  int64_t offset = 0;               // a negative offset counts as 0
  // A negative limit means no limit; 0 returns no chats (the total still counts).
  int64_t limit = 20;
};

struct ChatPage {
  Chat chat;
  std::vector<Message> messages;
};

// A page read that completes later (Store::VisitChatPageLater): VisitChatPage's arguments,
// owned, and what to call with the outcome. The callbacks must not throw.
struct PageVisit {
  std::string channel;
  std::string chat_id;
  int64_t offset = 0;
  int64_t size = 0;
  bool descending = false;
  std::function<void(const Chat&)> on_chat;
  std::function<void(const MessageView&)> on_message;
  std::function<void(const Status&)> done;  // called last, exactly once
};

struct ChatList {
  std::vector<Chat> chats;  // newest activity first
  int64_t total = 0;        // chats matching the filter
};

struct AppendOutcome {
  Message message;         // as stored (seq assigned)
  bool duplicate = false;  // the chat already held this userMessageId: nothing was written
};

// Fills in what a message takes from its chat (its sender and recipient), or refuses the send
// with the Status it returns. Called with the chat as the append finds it, locked.
using AddressMessage = std::function<Status(const Chat& chat, Message& message)>;

// A send that completes later (Store::AppendMessageLater): AppendMessage's arguments, owned, and
// what to call with the outcome. The callbacks must not throw.
struct MessageSend {
  std::string channel;
  std::string chat_id;
  Message message;
  AddressMessage address;                           // may be empty
  std::function<void(Result<AppendOutcome>)> done;  // called last, exactly once, once durable
};

// One message of a bulk import, with the chat it belongs to (created if absent).
struct ImportRecord {
  Chat chat;
  Message message;
};

// How an import writes.
struct ImportOptions {
  // Whether the import records its events (a chat.created per chat it creates, a
  // message.created per message it inserts), as sends do. A bulk migration of old history may
  // turn this off so that live subscribers and webhooks are not flooded with the past.
  bool events = true;
};

struct ImportCounts {
  int64_t inserted = 0;
  int64_t duplicates = 0;
};

// Which messages ForEachMessage visits. Empty optionals do not filter.
struct ExportFilter {
  std::optional<std::string> channel;  // absent: every channel
  std::optional<std::string> chat_id;  // just this chat of `channel` (which it requires)
  std::optional<int64_t> since_ms;     // message time >= since
  std::optional<int64_t> until_ms;     // message time < until
};

// A message search in one channel (POST /op/v2/searchMessages): messages whose `msg` contains
// `keyword` as a substring, ASCII letters compared case-insensitively.
struct SearchQuery {
  std::string channel;  // required
  std::string keyword;  // required, non-empty
  std::optional<std::string> chat_id;
  std::optional<std::string> type;
  std::optional<int64_t> since_ms;  // message time >= since
  std::optional<int64_t> until_ms;  // message time < until
  int64_t offset = 0;               // a negative offset counts as 0
  int64_t limit = 20;               // a negative limit means no limit
  // The count stops here (a negative max_total counts as 0): a keyword common in a large
  // channel costs no more than this many matches to count (the page itself is limit + offset
  // rows).
  int64_t max_total = kSearchMaxTotal;
  static constexpr int64_t kSearchMaxTotal = 10000;
};

struct SearchHit {
  std::string chat_id;
  Message message;
};

struct SearchResult {
  std::vector<SearchHit> hits;  // newest first (time, then chat id and seq, descending)
  // Messages matching the query, at most query.max_total; total_exact is false when more
  // match than that (total is then max_total).
  int64_t total = 0;
  bool total_exact = true;
};

// Which events ReadEvents returns: those of one channel after a cursor, optionally of one chat
// and of some types.
struct EventQuery {
  std::string channel;  // required
  int64_t after = 0;    // events with id > after
  std::optional<std::string> chat_id;
  EventTypeSet types;   // empty: every type
  int64_t limit = 100;  // REQUIRES: > 0
};

// Where a channel's events stand: its event ids run densely from 1 to `head`.
struct EventBounds {
  int64_t head = 0;  // the id of the channel's last committed event; 0 when it has none
  // Events with id <= pruned_through were deleted by PruneEvents (retention): a reader whose
  // cursor is below it has missed events that no longer exist.
  int64_t pruned_through = 0;
};

struct EventPage {
  std::vector<Event> events;  // ascending id, each passing the query's filters
  // The cursor to pass back as `after`: every event with id <= next that passes the filters
  // was returned by this or an earlier page. The last event returned when `limit` were
  // returned, else bounds.head (the filters skipped the rest).
  int64_t next = 0;
  EventBounds bounds;  // as of the same read
};

// Called once per exported message; a non-OK status stops the scan and is returned.
using MessageVisitor = std::function<Status(const Chat& chat, const Message& message)>;

class Store {
 public:
  virtual ~Store() = default;

  // --- chats ---
  // A chat is named by its channel and its id: an id is unique within its channel only, so
  // chats of different channels may share one (docs/design.md, "Storage model"), and every
  // method that names a chat takes both.
  //
  // The errors and their texts are those of storage/chat_rules.hpp, the same on every back end.
  //
  // Returns the chat. Fails: NotFound ("会话不存在") when the channel has no chat with this id.
  virtual Result<Chat> GetChat(std::string_view channel, std::string_view chat_id) = 0;
  // Stores a new chat as given (its message_count and last_message_ms are ignored: a new
  // chat has no messages) and returns it as given. Fails: Conflict ("会话已存在: ID") when
  // its channel already has a chat with this id; nothing is written then.
  virtual Result<Chat> CreateChat(const Chat& chat) = 0;
  // Moves the chat to `to` if its current status is one of `from` (empty = any; the lifecycle
  // table is domain/chat_status.hpp), replacing the operator only when one is given, and sets
  // its last activity to max(last activity, now_ms). Returns the chat as stored afterwards.
  // Fails: NotFound when the chat is missing; Conflict naming the current status
  // ("会话状态不允许该操作: 当前状态 已结束") when the transition does not start from it.
  virtual Result<Chat> TransitionChat(std::string_view channel, std::string_view chat_id,
                                      std::span<const ChatStatus> from, ChatStatus to,
                                      const std::optional<std::string>& operator_id,
                                      int64_t now_ms) = 0;
  // One page of the channel's chats matching the filter, newest activity first (ties by chat
  // id), and how many match in all. REQUIRES: filter.channel is not empty.
  virtual Result<ChatList> ListChats(const ChatFilter& filter) = 0;

  // --- messages ---
  // The messages of `range` in the range's order (ascending or descending seq). Positions past
  // the end are simply absent, and so is every message of a missing chat: no NotFound. An
  // empty range reads nothing.
  virtual Result<std::vector<Message>> ReadMessages(std::string_view channel,
                                                    std::string_view chat_id, SeqRange range) = 0;
  // The chat and the page of its messages that RangeAfterSkipping(chat.message_count, offset,
  // size, descending) names, read together: one round trip, and on PostgreSQL one snapshot, so
  // the count and the page agree. Hands `on_chat` the chat, then `on_message` each message in
  // page order, viewed in the statement's row (valid during the call only): the history
  // endpoint encodes the page without copying it. Fails: NotFound as GetChat, before any call.
  // The default runs GetChat, then ReadMessages.
  virtual Status VisitChatPage(std::string_view channel, std::string_view chat_id, int64_t offset,
                               int64_t size, bool descending,
                               const std::function<void(const Chat&)>& on_chat,
                               const std::function<void(const MessageView&)>& on_message);
  // VisitChatPage without waiting for it: `visit`'s callbacks run on a thread of the store's, or
  // on the caller's before this returns, and `done` always runs, with the outcome. A back end
  // whose reads are round trips to a server (PostgreSQL) reads every page asked for meanwhile
  // in one statement, and the caller's thread serves other requests during the round trip.
  // The default calls VisitChatPage at once.
  virtual void VisitChatPageLater(PageVisit visit);
  // The same page, copied.
  Result<ChatPage> ReadChatPage(std::string_view channel, std::string_view chat_id, int64_t offset,
                                int64_t size, bool descending);
  // Appends `message` at the chat's next position (message_count + 1; positions are dense and
  // 1-based, message.seq is ignored), raising the chat's message count, its last message time
  // and its last activity. When the chat already holds a message with the same
  // user_message_id, writes nothing and returns that message (duplicate = true): a retried send
  // is answered this way even after the chat has ended or been deleted. Concurrent appends to one
  // chat are serialised, on PostgreSQL across processes too.
  // Fails: NotFound when the chat is missing; Conflict naming the current status
  // ("会话状态不允许发送消息: 当前状态 已结束") when the chat is ended or deleted; Conflict
  // when it already holds store_rules::kMaxSeq messages.
  virtual Result<AppendOutcome> AppendMessage(std::string_view channel, std::string_view chat_id,
                                              const Message& message) = 0;
  // AppendMessage for a request that should not hold a thread while its commit is awaited:
  // `send.done` is called with the outcome once it is durable, on a thread of the store's (the
  // writer's); `send.address` first, with the chat locked, before the duplicate check. A back
  // end that group-commits queues the send for its next batch and returns at once. The default
  // reads the chat, addresses the message and calls AppendMessage before it returns.
  virtual void AppendMessageLater(MessageSend send);
  // Bulk load in one durable transaction: creates missing chats (as the first record of each
  // chat describes it), appends each message at its chat's next position in the records'
  // order, skips user_message_ids the chat already holds (a duplicate within `records` too).
  // Messages are appended whatever the chat's status. A record's chat is the one of its
  // chat's channel and id: never a chat of another channel. On failure nothing is written.
  // With options.events, the import's events are written in the same transaction.
  // How many Import calls of disjoint chats pay to run at once: 1 where one writer stores
  // everything (SQLite).
  virtual size_t ImportStreams() const { return 1; }
  virtual Result<ImportCounts> Import(std::span<const ImportRecord> records,
                                      const ImportOptions& options) = 0;

  // --- bulk read and search ---
  // Visits the filter's messages chat by chat (chats in (channel, chat id) byte order, each chat's
  // messages in seq order), reading a page of chats and a page of messages at a time, so memory
  // stays flat whatever the database size. Pages are read one after another, not in one snapshot:
  // messages appended during the scan may or may not be visited. Chats without messages are
  // skipped. NotFound when filter.chat_id names no chat of filter.channel; InvalidArgument when it
  // is given without a channel; otherwise the visitor's first error, if any.
  virtual Status ForEachMessage(const ExportFilter& filter, const MessageVisitor& visit) = 0;
  // One page of a keyword search, newest first (SearchResult). Fails: InvalidArgument when the
  // keyword is empty.
  virtual Result<SearchResult> SearchMessages(const SearchQuery& query) = 0;
  // Up to `limit` chats of every channel, empty ones included, that sort after
  // (after_channel, after_chat_id) in (channel, chat id) byte order: a keyset scan of the
  // whole database (copying it elsewhere). ("", "") starts at the beginning; fewer than
  // `limit` chats means the scan is done. REQUIRES: limit > 0.
  virtual Result<std::vector<Chat>> ScanChats(std::string_view after_channel,
                                              std::string_view after_chat_id, int64_t limit) = 0;

  // --- search index ---
  // Adds up to `limit` stored messages that the search index does not hold yet (SQLite: chat by
  // chat, oldest chat first) in one durable transaction, and returns how many it added.
  // Searches are exact either way (messages not yet indexed are scanned); the index only makes
  // them fast. Writes leave the indexing to this call so that a send or an import does not pay
  // for the trigrams.
  // A back end whose index the database maintains itself (PostgreSQL) returns 0.
  // REQUIRES: limit > 0.
  virtual Result<int64_t> CatchUpSearchIndex(int64_t limit) = 0;

  // --- events (docs/design.md, "Events") ---
  // Every write records its events in its own transaction, so an acknowledged write always has
  // them and a rolled-back one never does: CreateChat a chat.created, TransitionChat a
  // chat.status_changed (with the status before), AppendMessage a message.created (none for a
  // duplicate), Import both kinds unless told not to. DeleteInactiveChats records none.
  // Within a channel, event ids are dense and become visible in id order, also with concurrent
  // writers on several processes: a reader that has seen id N will never later find a new event
  // with an id below N. (On PostgreSQL a channel's writers take their ids under a per-channel row
  // lock held to commit; see docs/design.md.)
  //
  // The channel's events after query.after that pass its filters, oldest first, at most
  // query.limit, with the channel's bounds, all as of one consistent read. An `after` below
  // bounds.pruned_through is not an error here: the caller decides (410).
  virtual Result<EventPage> ReadEvents(const EventQuery& query) = 0;
  // The channel's bounds (head 0 for a channel without events).
  virtual Result<EventBounds> GetEventBounds(std::string_view channel) = 0;
  // Deletes up to `limit` events of any channel whose time is before `before_ms`, oldest first,
  // raising each channel's pruned_through to the highest id it deleted, in one durable
  // transaction. Returns how many went. REQUIRES: limit > 0.
  virtual Result<int64_t> PruneEvents(int64_t before_ms, int64_t limit) = 0;

  // Wake-ups between processes that share the database. Only a hint: a reader that misses one
  // finds the events anyway when it next reads (the table is the truth).
  //
  // Tells other processes listening on this database that `channel` has new events (PostgreSQL:
  // NOTIFY; SQLite: nothing, returns OK).
  virtual Status AnnounceEvents(std::string_view channel) = 0;
  // Starts listening for the announcements of any process (this one included): `on_events` is
  // called with the channel, on a thread of the listener's own, until the returned handle is
  // destroyed; with "" after a reconnection, meaning "any channel may have new events". Returns
  // nullptr when this back end has no announcements (SQLite).
  class EventListener {
   public:
    virtual ~EventListener() = default;
  };
  virtual Result<std::unique_ptr<EventListener>> ListenForEvents(
      std::function<void(std::string_view channel)> on_events) = 0;

  // --- webhooks (storage/webhook_store.hpp) ---
  // The same database's webhook endpoints and outbox; lives as long as the Store.
  virtual WebhookStore& webhooks() = 0;

  // --- console operators (storage/operator_store.hpp) ---
  // The same database's operators and their sessions; lives as long as the Store.
  virtual OperatorStore& operators() = 0;

  // --- retention ---
  // The channels that have at least one chat.
  virtual Result<std::vector<std::string>> ListChannels() = 0;
  // Deletes up to `limit` chats of `channel` whose last activity is before `before_ms`, with
  // all their messages, in one durable transaction, whatever their status. Returns how many
  // chats went. A chat being written to at that moment may be left for the next call
  // (PostgreSQL skips locked rows). REQUIRES: limit > 0.
  virtual Result<int64_t> DeleteInactiveChats(std::string_view channel, int64_t before_ms,
                                              int64_t limit) = 0;

  // --- clients ---
  virtual Status AddClient(const ClientRecord& client) = 0;  // Conflict when the id is taken
  virtual Result<std::vector<ClientRecord>> ListClients() = 0;
  virtual Status SetClientEnabled(std::string_view client_id, bool enabled) = 0;  // NotFound
  // With a value: the current secret becomes the previous one and `new_secret` the current.
  // Without: forgets the previous secret (the rotation is finished). NotFound.
  virtual Status RotateClientSecret(std::string_view client_id,
                                    const std::optional<std::string>& new_secret) = 0;
  // A number that changes whenever any client changes, so a server can poll cheaply.
  virtual Result<int64_t> ClientsRevision() = 0;

  // Whether the database answers (readiness).
  virtual Status Ping() = 0;
};

struct StoreOptions {
  // SQLite: "full" syncs the WAL at every commit (an answered write survives power loss);
  // "normal" survives a process crash only.
  std::string sqlite_synchronous = "full";
  int pool_size = 8;  // connections for concurrent readers / PostgreSQL workers
  // SQLite: the writer's page cache. Bulk loads (import, migrate) ask for more: at 10M
  // messages its working set outgrows 16 MB, and each miss is a read back from the OS
  // (import of 10M: 134,000 msg/s at 16 MB, 143,000 at 64 MB, with half the system time).
  int sqlite_writer_cache_mb = 16;
  // SQLite: the page size of a database created by this open (an existing one keeps its own).
  int sqlite_page_size = 8192;
  // SQLite: whether a missing database file is created. When false, opening a path where no
  // file exists fails with InvalidArgument "no database at PATH", so a command that only reads
  // never leaves an empty database behind. PostgreSQL databases are never created by opchat.
  bool create_if_missing = true;
};

// The storage URL with any password replaced by "***", for logs and messages.
std::string RedactStorageUrl(const std::string& url);

// Opens "sqlite:PATH" or "postgres://..." / "postgresql://...", applying schema migrations.
Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const StoreOptions& options = {});

}  // namespace opchat
