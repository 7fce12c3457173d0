// The PostgreSQL back end: a bounded pool of libpq connections to one database.
// Several opchat processes may share the database: each write runs in one transaction that
// locks the chat row it changes, so per-chat sequence numbers stay dense across processes.
// Every query on chats and messages is keyed by chat_id, so both tables can be distributed by
// chat_id (Citus) unchanged. Thread-safe: each call borrows a connection for its duration.
// Sends are group-committed: concurrent AppendMessage calls share one transaction, and the
// history endpoint's page reads (VisitChatPageLater) asked for meanwhile share one statement.
#pragma once

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/batch_worker.hpp"
#include "common/mutex.hpp"
#include "storage/postgres/connect_backoff.hpp"
#include "storage/postgres/pg_conn.hpp"
#include "storage/postgres/pg_operator_store.hpp"
#include "storage/postgres/pg_webhook_store.hpp"
#include "storage/store.hpp"

namespace opchat::postgres {

// One send waiting for its batch (PgStore::RunAppends): AppendMessage's, whose caller waits, or
// AppendMessageLater's, whose `send.done` the batch calls.
struct PendingAppend {
  MessageSend send;
  Status status;  // set by the batch
  AppendOutcome outcome;
};

class PgStore final : public Store {
 public:
  // Connects to `url` (postgres://... or postgresql://...) and applies schema migrations.
  // InvalidArgument for a malformed URL; Unavailable when the server cannot be reached.
  static Result<std::unique_ptr<Store>> Open(const std::string& url, const StoreOptions& options);

  Result<Chat> GetChat(std::string_view channel, std::string_view chat_id) override;
  Result<Chat> CreateChat(const Chat& chat) override;
  Result<Chat> TransitionChat(std::string_view channel, std::string_view chat_id,
                              std::span<const ChatStatus> from, ChatStatus to,
                              const std::optional<std::string>& operator_id,
                              int64_t now_ms) override;
  Result<ChatList> ListChats(const ChatFilter& filter) override;
  Result<std::vector<Message>> ReadMessages(std::string_view channel, std::string_view chat_id,
                                            SeqRange range) override;
  // Two: one backend stores a batch while the other's next one is parsed and sent; measured
  // in docs/performance.md ("Import").
  size_t ImportStreams() const override { return 2; }
  Status VisitChatPage(std::string_view channel, std::string_view chat_id, int64_t offset,
                       int64_t size, bool descending,
                       const std::function<void(const Chat&)>& on_chat,
                       const std::function<void(const MessageView&)>& on_message) override;
  void VisitChatPageLater(PageVisit visit) override;
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
  // A connection lent to one caller for one call; goes back to the pool (or, when lost or
  // left inside a transaction, is closed) when the lease ends.
  class Lease {
   public:
    Lease(PgStore& store, std::unique_ptr<PgConn> conn) : store_(&store), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PgConn* operator->() { return conn_.get(); }
    PgConn& operator*() { return *conn_; }

   private:
    PgStore* store_;
    std::unique_ptr<PgConn> conn_;
  };

  PgStore(std::string url, int pool_size, std::unique_ptr<PgConn> first);

  // Waits for an idle connection or a free slot. A slot is filled by connecting now, once, when
  // the backoff allows it: a call made while the server is down returns Unavailable after one
  // failed attempt, or at once within the backoff window.
  Result<Lease> Acquire();
  void Release(std::unique_ptr<PgConn> conn);

  const std::string url_;
  const int pool_size_;
  Mutex mu_;
  CondVar slot_free_;  // signalled when a connection goes idle or a slot frees
  std::vector<std::unique_ptr<PgConn>> idle_ GUARDED_BY(mu_);
  int open_ GUARDED_BY(mu_) = 0;  // connections idle or lent out
  ConnectBackoff backoff_;
  PgWebhookStore webhooks_;    // borrows this pool's connections
  PgOperatorStore operators_;  // likewise

  // Runs a batch of sends in one transaction. Why: every send of a channel takes the channel's
  // event head row lock and holds it through COMMIT (ids must become visible in order), so sends
  // one transaction each are serialised on a commit's flush; a batch pays that once.
  void RunAppends(std::span<PendingAppend* const> batch);
  // Reads a batch of pages in one statement. Why: a page costs the backend far less than the
  // round trip around it (docs/performance.md, "Shallow reads on PostgreSQL").
  void RunPageVisits(std::span<PageVisit* const> batch);
  // Declared last: stop (running what is queued) before the pool they borrow from goes.
  BatchWorker<PendingAppend> appends_;
  BatchWorker<PageVisit> page_visits_;
};

// Applies the versioned schema migrations the database has not seen yet, up to `up_to` (tests
// of upgrades stop early), in one transaction under an advisory lock, so opchat processes
// starting together do not race.
Status MigratePostgres(PgConn& conn, int up_to = std::numeric_limits<int>::max());

}  // namespace opchat::postgres
