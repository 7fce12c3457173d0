#include "storage/testing/failing_store.hpp"

#include <cassert>
#include <utility>

namespace opchat {

void FailingStore::FailNth(int64_t n, Status failure, StoreCallKind kind) {
  assert(n >= 1 && !failure.ok());
  fail_at_.store(0);  // no call matches while the others change
  failure_ = std::move(failure);
  counted_.store(kind);
  calls_.store(0);
  failed_.store(false);
  fail_at_.store(n);
}

void FailingStore::Disarm() { fail_at_.store(0); }

Status FailingStore::Admit(StoreCallKind kind) {
  const StoreCallKind counted = counted_.load();
  if (counted != StoreCallKind::kAny && counted != kind) return Status::Ok();
  const int64_t n = calls_.fetch_add(1) + 1;
  if (n != fail_at_.load()) return Status::Ok();
  failed_.store(true);
  return failure_;
}

// Each method: the injected failure, or the call passed through unchanged.
#define OPCHAT_ADMIT_(kind) \
  if (Status injected = Admit(kind); !injected.ok()) return injected

Result<Chat> FailingStore::GetChat(std::string_view channel, std::string_view chat_id) {
  OPCHAT_ADMIT_(StoreCallKind::kRead);
  return inner_.GetChat(channel, chat_id);
}
Result<Chat> FailingStore::CreateChat(const Chat& chat) {
  OPCHAT_ADMIT_(StoreCallKind::kWrite);
  return inner_.CreateChat(chat);
}
Result<Chat> FailingStore::TransitionChat(std::string_view channel, std::string_view chat_id,
                                          std::span<const ChatStatus> from, ChatStatus to,
                                          const std::optional<std::string>& operator_id,
                                          int64_t now_ms) {
  OPCHAT_ADMIT_(StoreCallKind::kWrite);
  return inner_.TransitionChat(channel, chat_id, from, to, operator_id, now_ms);
}
Result<ChatList> FailingStore::ListChats(const ChatFilter& filter) {
  OPCHAT_ADMIT_(StoreCallKind::kRead);
  return inner_.ListChats(filter);
}
Result<std::vector<Message>> FailingStore::ReadMessages(std::string_view channel,
                                                        std::string_view chat_id, SeqRange range) {
  OPCHAT_ADMIT_(StoreCallKind::kRead);
  auto messages = inner_.ReadMessages(channel, chat_id, range);
  if (messages.ok()) messages_read_ += static_cast<int64_t>(messages->size());
  return messages;
}
Result<AppendOutcome> FailingStore::AppendMessage(std::string_view channel,
                                                  std::string_view chat_id,
                                                  const Message& message) {
  OPCHAT_ADMIT_(StoreCallKind::kWrite);
  return inner_.AppendMessage(channel, chat_id, message);
}
Result<ImportCounts> FailingStore::Import(std::span<const ImportRecord> records,
                                          const ImportOptions& options) {
  OPCHAT_ADMIT_(StoreCallKind::kWrite);
  return inner_.Import(records, options);
}
Status FailingStore::ForEachMessage(const ExportFilter& filter, const MessageVisitor& visit) {
  OPCHAT_ADMIT_(StoreCallKind::kRead);
  return inner_.ForEachMessage(filter, visit);
}
Result<SearchResult> FailingStore::SearchMessages(const SearchQuery& query) {
  OPCHAT_ADMIT_(StoreCallKind::kRead);
  return inner_.SearchMessages(query);
}
Result<std::vector<Chat>> FailingStore::ScanChats(std::string_view after_channel,
                                                  std::string_view after_chat_id, int64_t limit) {
  OPCHAT_ADMIT_(StoreCallKind::kRead);
  return inner_.ScanChats(after_channel, after_chat_id, limit);
}
Result<int64_t> FailingStore::CatchUpSearchIndex(int64_t limit) {
  OPCHAT_ADMIT_(StoreCallKind::kWrite);
  return inner_.CatchUpSearchIndex(limit);
}
WebhookStore& FailingStore::webhooks() { return inner_.webhooks(); }
OperatorStore& FailingStore::operators() { return inner_.operators(); }
Result<std::vector<std::string>> FailingStore::ListChannels() {
  OPCHAT_ADMIT_(StoreCallKind::kRead);
  return inner_.ListChannels();
}
Result<int64_t> FailingStore::DeleteInactiveChats(std::string_view channel, int64_t before_ms,
                                                  int64_t limit) {
  OPCHAT_ADMIT_(StoreCallKind::kWrite);
  return inner_.DeleteInactiveChats(channel, before_ms, limit);
}
Result<EventPage> FailingStore::ReadEvents(const EventQuery& query) {
  OPCHAT_ADMIT_(StoreCallKind::kRead);
  return inner_.ReadEvents(query);
}
Result<EventBounds> FailingStore::GetEventBounds(std::string_view channel) {
  OPCHAT_ADMIT_(StoreCallKind::kRead);
  return inner_.GetEventBounds(channel);
}
Result<int64_t> FailingStore::PruneEvents(int64_t before_ms, int64_t limit) {
  OPCHAT_ADMIT_(StoreCallKind::kWrite);
  return inner_.PruneEvents(before_ms, limit);
}
Status FailingStore::AnnounceEvents(std::string_view channel) {
  OPCHAT_ADMIT_(StoreCallKind::kWrite);
  return inner_.AnnounceEvents(channel);
}
Result<std::unique_ptr<Store::EventListener>> FailingStore::ListenForEvents(
    std::function<void(std::string_view channel)> on_events) {
  OPCHAT_ADMIT_(StoreCallKind::kRead);
  return inner_.ListenForEvents(std::move(on_events));
}
Status FailingStore::AddClient(const ClientRecord& client) {
  OPCHAT_ADMIT_(StoreCallKind::kClient);
  return inner_.AddClient(client);
}
Result<std::vector<ClientRecord>> FailingStore::ListClients() {
  OPCHAT_ADMIT_(StoreCallKind::kClient);
  return inner_.ListClients();
}
Status FailingStore::SetClientEnabled(std::string_view client_id, bool enabled) {
  OPCHAT_ADMIT_(StoreCallKind::kClient);
  return inner_.SetClientEnabled(client_id, enabled);
}
Status FailingStore::RotateClientSecret(std::string_view client_id,
                                        const std::optional<std::string>& new_secret) {
  OPCHAT_ADMIT_(StoreCallKind::kClient);
  return inner_.RotateClientSecret(client_id, new_secret);
}
Result<int64_t> FailingStore::ClientsRevision() {
  OPCHAT_ADMIT_(StoreCallKind::kClient);
  return inner_.ClientsRevision();
}
Status FailingStore::Ping() {
  OPCHAT_ADMIT_(StoreCallKind::kPing);
  return inner_.Ping();
}

#undef OPCHAT_ADMIT_

}  // namespace opchat
