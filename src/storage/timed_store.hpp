// A Store that forwards every call to another and records how long it took in the metrics
// (opchat_storage_duration_seconds). Thread-safe as the wrapped Store is.
#pragma once

#include <chrono>

#include "common/metrics.hpp"
#include "storage/store.hpp"

namespace opchat {

class TimedStore final : public Store {
  // Defined first: its return type is deduced, so it must be seen before its uses.
  template <class F>
  auto Timed(F&& call) {
    auto start = std::chrono::steady_clock::now();
    auto result = call();
    metrics_.RecordStorage(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return result;
  }
  // `done` of a call that completes later, recording the time from now until it is called.
  template <class Outcome>
  std::function<void(Outcome)> TimedUntilDone(std::function<void(Outcome)> done) {
    return [this, start = std::chrono::steady_clock::now(), done = std::move(done)](Outcome o) {
      metrics_.RecordStorage(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      done(std::move(o));
    };
  }

 public:
  TimedStore(Store& inner, Metrics& metrics) : inner_(inner), metrics_(metrics) {}

  Result<Chat> GetChat(std::string_view channel, std::string_view chat_id) override {
    return Timed([&] { return inner_.GetChat(channel, chat_id); });
  }
  Result<Chat> CreateChat(const Chat& chat) override {
    return Timed([&] { return inner_.CreateChat(chat); });
  }
  Result<Chat> TransitionChat(std::string_view channel, std::string_view chat_id,
                              std::span<const ChatStatus> from, ChatStatus to,
                              const std::optional<std::string>& operator_id,
                              int64_t now_ms) override {
    return Timed(
        [&] { return inner_.TransitionChat(channel, chat_id, from, to, operator_id, now_ms); });
  }
  Result<ChatList> ListChats(const ChatFilter& filter) override {
    return Timed([&] { return inner_.ListChats(filter); });
  }
  Result<std::vector<Message>> ReadMessages(std::string_view channel, std::string_view chat_id,
                                            SeqRange range) override {
    return Timed([&] { return inner_.ReadMessages(channel, chat_id, range); });
  }
  Status VisitChatPage(std::string_view channel, std::string_view chat_id, int64_t offset,
                       int64_t size, bool descending,
                       const std::function<void(const Chat&)>& on_chat,
                       const std::function<void(const MessageView&)>& on_message) override {
    return Timed([&] {
      return inner_.VisitChatPage(channel, chat_id, offset, size, descending, on_chat, on_message);
    });
  }
  // Timed from the call to `done`: the wait for a batch is part of the read.
  void VisitChatPageLater(PageVisit visit) override {
    visit.done = TimedUntilDone(std::move(visit.done));
    inner_.VisitChatPageLater(std::move(visit));
  }
  Result<AppendOutcome> AppendMessage(std::string_view channel, std::string_view chat_id,
                                      const Message& message) override {
    return Timed([&] { return inner_.AppendMessage(channel, chat_id, message); });
  }
  void AppendMessageLater(MessageSend send) override {
    send.done = TimedUntilDone(std::move(send.done));
    inner_.AppendMessageLater(std::move(send));
  }
  size_t ImportStreams() const override { return inner_.ImportStreams(); }
  Result<ImportCounts> Import(std::span<const ImportRecord> records,
                              const ImportOptions& options) override {
    return Timed([&] { return inner_.Import(records, options); });
  }
  Status ForEachMessage(const ExportFilter& filter, const MessageVisitor& visit) override {
    return inner_.ForEachMessage(filter, visit);  // a long scan: it would only skew the histogram
  }
  Result<SearchResult> SearchMessages(const SearchQuery& query) override {
    return Timed([&] { return inner_.SearchMessages(query); });
  }
  Result<int64_t> CatchUpSearchIndex(int64_t limit) override {
    return inner_.CatchUpSearchIndex(limit);  // background work: not a request's storage time
  }
  Result<std::vector<Chat>> ScanChats(std::string_view after_channel,
                                      std::string_view after_chat_id, int64_t limit) override {
    return Timed([&] { return inner_.ScanChats(after_channel, after_chat_id, limit); });
  }
  Result<EventPage> ReadEvents(const EventQuery& query) override {
    return Timed([&] { return inner_.ReadEvents(query); });
  }
  Result<EventBounds> GetEventBounds(std::string_view channel) override {
    return Timed([&] { return inner_.GetEventBounds(channel); });
  }
  Result<int64_t> PruneEvents(int64_t before_ms, int64_t limit) override {
    return Timed([&] { return inner_.PruneEvents(before_ms, limit); });
  }
  Status AnnounceEvents(std::string_view channel) override {
    return Timed([&] { return inner_.AnnounceEvents(channel); });
  }
  Result<std::unique_ptr<EventListener>> ListenForEvents(
      std::function<void(std::string_view channel)> on_events) override {
    return inner_.ListenForEvents(std::move(on_events));  // starts a thread: not a storage call
  }
  // Not timed here: the dispatcher's calls are background work, not a request's storage time.
  WebhookStore& webhooks() override { return inner_.webhooks(); }
  // Not timed either: operators are few, and a session lookup is not a chat's storage time.
  OperatorStore& operators() override { return inner_.operators(); }
  Result<std::vector<std::string>> ListChannels() override {
    return Timed([&] { return inner_.ListChannels(); });
  }
  Result<int64_t> DeleteInactiveChats(std::string_view channel, int64_t before_ms,
                                      int64_t limit) override {
    return Timed([&] { return inner_.DeleteInactiveChats(channel, before_ms, limit); });
  }
  Status AddClient(const ClientRecord& client) override {
    return Timed([&] { return inner_.AddClient(client); });
  }
  Result<std::vector<ClientRecord>> ListClients() override {
    return Timed([&] { return inner_.ListClients(); });
  }
  Status SetClientEnabled(std::string_view client_id, bool enabled) override {
    return Timed([&] { return inner_.SetClientEnabled(client_id, enabled); });
  }
  Status RotateClientSecret(std::string_view client_id,
                            const std::optional<std::string>& new_secret) override {
    return Timed([&] { return inner_.RotateClientSecret(client_id, new_secret); });
  }
  Result<int64_t> ClientsRevision() override {
    return Timed([&] { return inner_.ClientsRevision(); });
  }
  Status Ping() override {
    return Timed([&] { return inner_.Ping(); });
  }

 private:
  Store& inner_;
  Metrics& metrics_;
};

}  // namespace opchat
