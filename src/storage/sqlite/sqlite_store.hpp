// The SQLite back end: one database file in WAL mode.
// Reads run on a small pool of connections, each used by one thread at a time; writes go
// through the single GroupCommitWriter. Thread-safe.
#pragma once

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/mutex.hpp"
#include "storage/sqlite/group_commit.hpp"
#include "storage/sqlite/sqlite_db.hpp"
#include "storage/sqlite/sqlite_operator_store.hpp"
#include "storage/sqlite/sqlite_webhook_store.hpp"
#include "storage/sqlite/wal_checkpointer.hpp"
#include "storage/store.hpp"

namespace opchat::sqlite {

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed, owner-only permissions) the database at `path` and migrates it.
  static Result<std::unique_ptr<Store>> Open(const std::string& path, const StoreOptions& options);

  Result<Chat> GetChat(std::string_view channel, std::string_view chat_id) override;
  Result<Chat> CreateChat(const Chat& chat) override;
  Result<Chat> TransitionChat(std::string_view channel, std::string_view chat_id,
                              std::span<const ChatStatus> from, ChatStatus to,
                              const std::optional<std::string>& operator_id,
                              int64_t now_ms) override;
  Result<ChatList> ListChats(const ChatFilter& filter) override;
  Status VisitChatPage(std::string_view channel, std::string_view chat_id, int64_t offset,
                       int64_t size, bool descending,
                       const std::function<void(const Chat&)>& on_chat,
                       const std::function<void(const MessageView&)>& on_message) override;
  Result<std::vector<Message>> ReadMessages(std::string_view channel, std::string_view chat_id,
                                            SeqRange range) override;
  Result<AppendOutcome> AppendMessage(std::string_view channel, std::string_view chat_id,
                                      const Message& message) override;
  void AppendMessageLater(MessageSend send) override;
  Result<ImportCounts> Import(std::span<const ImportRecord> records,
                              const ImportOptions& options) override;
  Status ForEachMessage(const ExportFilter& filter, const MessageVisitor& visit) override;
  Result<std::vector<Chat>> ScanChats(std::string_view after_channel,
                                      std::string_view after_chat_id, int64_t limit) override;
  Result<EventPage> ReadEvents(const EventQuery& query) override;
  Result<EventBounds> GetEventBounds(std::string_view channel) override;
  Result<int64_t> PruneEvents(int64_t before_ms, int64_t limit) override;
  Status AnnounceEvents(std::string_view channel) override;
  Result<std::unique_ptr<EventListener>> ListenForEvents(
      std::function<void(std::string_view channel)> on_events) override;
  WebhookStore& webhooks() override;
  OperatorStore& operators() override;
  Result<std::vector<std::string>> ListChannels() override;
  Result<int64_t> DeleteInactiveChats(std::string_view channel, int64_t before_ms,
                                      int64_t limit) override;
  Result<SearchResult> SearchMessages(const SearchQuery& query) override;
  Result<int64_t> CatchUpSearchIndex(int64_t limit) override;
  Status AddClient(const ClientRecord& client) override;
  Result<std::vector<ClientRecord>> ListClients() override;
  Status SetClientEnabled(std::string_view client_id, bool enabled) override;
  Status RotateClientSecret(std::string_view client_id,
                            const std::optional<std::string>& new_secret) override;
  Result<int64_t> ClientsRevision() override;
  Status Ping() override;

 private:
  // A reader connection lent to one caller for the length of one call.
  class Lease {
   public:
    Lease(SqliteStore& store, std::unique_ptr<SqliteDb> db) : store_(store), db_(std::move(db)) {}
    Lease(Lease&&) = default;
    ~Lease();
    SqliteDb* operator->() { return db_.get(); }
    SqliteDb& operator*() { return *db_; }
    bool ok() const { return db_ != nullptr; }

   private:
    SqliteStore& store_;
    std::unique_ptr<SqliteDb> db_;
  };

  SqliteStore(std::string path, StoreOptions options, std::unique_ptr<SqliteDb> writer_db,
              std::unique_ptr<WalCheckpointer> checkpointer);
  Result<Lease> Reader();

  const std::string path_;
  const StoreOptions options_;
  Mutex pool_mu_;
  std::vector<std::unique_ptr<SqliteDb>> idle_readers_ GUARDED_BY(pool_mu_);
  // Declared before the writer, so it outlives the writer's last commit. None in memory.
  std::unique_ptr<WalCheckpointer> checkpointer_;
  GroupCommitWriter writer_;
  SqliteWebhookStore webhooks_;    // declared after the writer it submits to
  SqliteOperatorStore operators_;  // likewise
};

// Applies the versioned schema migrations that `db` has not seen yet, up to `up_to` (tests of
// an upgrade stop at an older version).
Status MigrateSqlite(SqliteDb& db, int up_to = std::numeric_limits<int>::max());

}  // namespace opchat::sqlite
