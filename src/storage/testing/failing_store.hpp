// A Store that fails on demand, for testing error paths (as LevelDB's ErrorEnv and Beast's
// fail_count do): it forwards every call to another Store, except the N-th call counted since
// the last FailNth(), which returns a chosen Status without reaching the store underneath.
// Calls may be counted all together or only those of one kind (reads, writes, clients, ping).
//
// Thread-safety: the Store methods may be called concurrently; the counter is atomic, so exactly
// one counted call fails. FailNth() and Disarm() must not run while other threads call in.
#pragma once

#include <atomic>
#include <cstdint>

#include "storage/store.hpp"

namespace opchat {

// Which calls a FailingStore counts toward the N-th.
enum class StoreCallKind {
  kAny,
  kRead,    // GetChat, ListChats, ReadMessages, ForEachMessage, SearchMessages, ScanChats,
            // ListChannels, ReadEvents, GetEventBounds, ListenForEvents
  kWrite,   // CreateChat, TransitionChat, AppendMessage, Import, CatchUpSearchIndex,
            // DeleteInactiveChats, PruneEvents, AnnounceEvents
  kClient,  // AddClient, ListClients, SetClientEnabled, RotateClientSecret, ClientsRevision
  kPing,    // Ping
};

class FailingStore final : public Store {
 public:
  // `inner` must outlive this. Nothing fails until FailNth() is called.
  explicit FailingStore(Store& inner) : inner_(inner) {}

  // From now on, counts the calls of `kind` and makes the `n`-th one (1-based) return
  // `failure` instead of reaching the store underneath; every other call passes through.
  // REQUIRES: n >= 1 and !failure.ok().
  void FailNth(int64_t n, Status failure = Status::Unavailable("injected failure"),
               StoreCallKind kind = StoreCallKind::kAny);
  // Stops failing; calls are still counted.
  void Disarm();

  // Calls of the chosen kind since the last FailNth() (or since construction: of any kind).
  int64_t calls() const { return calls_.load(); }
  // Whether the armed failure has been returned.
  bool failed() const { return failed_.load(); }
  // Messages handed back by ReadMessages since construction: what reads cost in rows.
  int64_t messages_read() const { return messages_read_.load(); }

  Result<Chat> GetChat(std::string_view channel, std::string_view chat_id) override;
  Result<Chat> CreateChat(const Chat& chat) override;
  Result<Chat> TransitionChat(std::string_view channel, std::string_view chat_id,
                              std::span<const ChatStatus> from, ChatStatus to,
                              const std::optional<std::string>& operator_id,
                              int64_t now_ms) override;
  Result<ChatList> ListChats(const ChatFilter& filter) override;
  Result<std::vector<Message>> ReadMessages(std::string_view channel, std::string_view chat_id,
                                            SeqRange range) override;
  Result<AppendOutcome> AppendMessage(std::string_view channel, std::string_view chat_id,
                                      const Message& message) override;
  size_t ImportStreams() const override { return inner_.ImportStreams(); }
  Result<ImportCounts> Import(std::span<const ImportRecord> records,
                              const ImportOptions& options) override;
  Status ForEachMessage(const ExportFilter& filter, const MessageVisitor& visit) override;
  Result<SearchResult> SearchMessages(const SearchQuery& query) override;
  Result<std::vector<Chat>> ScanChats(std::string_view after_channel,
                                      std::string_view after_chat_id, int64_t limit) override;
  Result<int64_t> CatchUpSearchIndex(int64_t limit) override;
  Result<EventPage> ReadEvents(const EventQuery& query) override;
  Result<EventBounds> GetEventBounds(std::string_view channel) override;
  Result<int64_t> PruneEvents(int64_t before_ms, int64_t limit) override;
  Status AnnounceEvents(std::string_view channel) override;
  Result<std::unique_ptr<EventListener>> ListenForEvents(
      std::function<void(std::string_view channel)> on_events) override;
  // The wrapped store's, unwrapped: webhook calls are not counted and never fail here.
  WebhookStore& webhooks() override;
  // The same for operator and session calls.
  OperatorStore& operators() override;
  Result<std::vector<std::string>> ListChannels() override;
  Result<int64_t> DeleteInactiveChats(std::string_view channel, int64_t before_ms,
                                      int64_t limit) override;
  Status AddClient(const ClientRecord& client) override;
  Result<std::vector<ClientRecord>> ListClients() override;
  Status SetClientEnabled(std::string_view client_id, bool enabled) override;
  Status RotateClientSecret(std::string_view client_id,
                            const std::optional<std::string>& new_secret) override;
  Result<int64_t> ClientsRevision() override;
  Status Ping() override;

 private:
  // Counts a call of `kind`; OK to go ahead, or the failure this call is to return.
  Status Admit(StoreCallKind kind);

  Store& inner_;
  std::atomic<StoreCallKind> counted_{StoreCallKind::kAny};
  std::atomic<int64_t> calls_{0};
  std::atomic<int64_t> fail_at_{0};  // 0: nothing fails
  std::atomic<bool> failed_{false};
  std::atomic<int64_t> messages_read_{0};
  // Written by FailNth() only (see the thread-safety note above), read once fail_at_ matched.
  Status failure_;
};

}  // namespace opchat
