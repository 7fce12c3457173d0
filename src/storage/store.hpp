// The one storage interface: chats, their messages, and API clients.
// Back ends (sqlite/, postgres/) implement it; nothing above this layer sees SQL.
//
// Thread-safety: every method may be called concurrently from any thread.
// Durability: a write method that returns OK has been made durable (fsync'd or equivalent).
// Errors: NotFound, Conflict and InvalidArgument describe the request; Unavailable means the
// database could not be reached or was busy (retry); Internal is anything else.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "domain/chat.hpp"
#include "domain/page.hpp"

namespace opchat {

struct ClientRecord {
  std::string id;
  std::string name;
  std::string secret;
  bool enabled = true;
  std::vector<std::string> channels;
  int64_t created_ms = 0;
};

struct ChatFilter {
  std::string channel;  // required
  std::optional<ChatStatus> status;
  std::optional<std::string> operator_id;
  std::optional<std::string> user_id;
  std::optional<int64_t> since_ms;  // last activity >= since
  std::optional<int64_t> until_ms;  // last activity < until
  int64_t offset = 0;
  int64_t limit = 20;
};

struct ChatList {
  std::vector<Chat> chats;  // newest activity first
  int64_t total = 0;        // chats matching the filter
};

struct AppendOutcome {
  Message message;         // as stored (seq assigned)
  bool duplicate = false;  // the chat already held this userMessageId: nothing was written
};

// One message of a bulk import, with the chat it belongs to (created if absent).
struct ImportRecord {
  Chat chat;
  Message message;
};

struct ImportCounts {
  int64_t inserted = 0;
  int64_t duplicates = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // --- chats ---
  // NotFound when no chat has this id.
  virtual Result<Chat> GetChat(std::string_view chat_id) = 0;
  // Stores a new chat as given. Conflict when the id is taken.
  virtual Result<Chat> CreateChat(const Chat& chat) = 0;
  // Moves the chat to `to` if its current status is one of `from` (empty = any), setting the
  // operator when given. NotFound / Conflict (with the current status in the message).
  virtual Result<Chat> TransitionChat(std::string_view chat_id, std::span<const ChatStatus> from,
                                      ChatStatus to, const std::optional<std::string>& operator_id,
                                      int64_t now_ms) = 0;
  virtual Result<ChatList> ListChats(const ChatFilter& filter) = 0;

  // --- messages ---
  // The messages of `range` in the range's order. Positions past the end are simply absent.
  virtual Result<std::vector<Message>> ReadMessages(std::string_view chat_id, SeqRange range) = 0;
  // Appends `message` at the chat's next position. When the chat already holds a message with
  // the same user_message_id, writes nothing and returns that message (duplicate = true).
  // NotFound when the chat is missing; Conflict when it no longer accepts messages.
  virtual Result<AppendOutcome> AppendMessage(std::string_view chat_id, const Message& message) = 0;
  // Bulk load in one durable transaction: creates missing chats, appends each message at its
  // chat's next position, skips user_message_ids the chat already holds.
  virtual Result<ImportCounts> Import(std::span<const ImportRecord> records) = 0;

  // --- clients ---
  virtual Status AddClient(const ClientRecord& client) = 0;  // Conflict when the id is taken
  virtual Result<std::vector<ClientRecord>> ListClients() = 0;
  virtual Status SetClientEnabled(std::string_view client_id, bool enabled) = 0;  // NotFound
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
};

// The storage URL with any password replaced by "***", for logs and messages.
std::string RedactStorageUrl(const std::string& url);

// Opens "sqlite:PATH" or "postgres://..." / "postgresql://...", applying schema migrations.
Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const StoreOptions& options = {});

}  // namespace opchat
