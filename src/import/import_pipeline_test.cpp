// The import pipeline stores batches in the order given, hands their vectors back for reuse,
// and stops at the first storage failure, which every later call reports.
#include "import/import_pipeline.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace opchat {
namespace {

// Records the first user_message_id of each batch; fails the `fail_at`-th Import (1-based),
// slowly, so that the batches pushed meanwhile are waiting when it fails.
class RecordingStore final : public Store {
 public:
  explicit RecordingStore(int fail_at = 0) : fail_at_(fail_at) {}
  std::vector<std::string> batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }

  Result<ImportCounts> Import(std::span<const ImportRecord> records,
                              const ImportOptions&) override {
    std::unique_lock lock(mu_);
    if (++calls_ == fail_at_) {
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return Status::Unavailable("disk full");
    }
    batches_.push_back(records.front().message.user_message_id);
    return ImportCounts{static_cast<int64_t>(records.size()) - 1, 1};
  }

  // Nothing else is called.
  Result<Chat> GetChat(std::string_view, std::string_view) override { return Unused(); }
  Result<Chat> CreateChat(const Chat&) override { return Unused(); }
  Result<Chat> TransitionChat(std::string_view, std::string_view, std::span<const ChatStatus>,
                              ChatStatus, const std::optional<std::string>&, int64_t) override {
    return Unused();
  }
  Result<ChatList> ListChats(const ChatFilter&) override { return Unused(); }
  Result<std::vector<Message>> ReadMessages(std::string_view, std::string_view, SeqRange) override {
    return Unused();
  }
  Result<AppendOutcome> AppendMessage(std::string_view, std::string_view, const Message&) override {
    return Unused();
  }
  Status ForEachMessage(const ExportFilter&, const MessageVisitor&) override { return Unused(); }
  Result<SearchResult> SearchMessages(const SearchQuery&) override { return Unused(); }
  Result<std::vector<Chat>> ScanChats(std::string_view, std::string_view, int64_t) override {
    return Unused();
  }
  Result<int64_t> CatchUpSearchIndex(int64_t) override { return Unused(); }
  Result<std::vector<std::string>> ListChannels() override { return Unused(); }
  WebhookStore& webhooks() override { std::abort(); }  // not used by the pipeline
  OperatorStore& operators() override { std::abort(); }
  Result<int64_t> DeleteInactiveChats(std::string_view, int64_t, int64_t) override {
    return Unused();
  }
  Result<EventPage> ReadEvents(const EventQuery&) override { return Unused(); }
  Result<EventBounds> GetEventBounds(std::string_view) override { return Unused(); }
  Result<int64_t> PruneEvents(int64_t, int64_t) override { return Unused(); }
  Status AnnounceEvents(std::string_view) override { return Unused(); }
  Result<std::unique_ptr<EventListener>> ListenForEvents(
      std::function<void(std::string_view)>) override {
    return Unused();
  }
  Status AddClient(const ClientRecord&) override { return Unused(); }
  Result<std::vector<ClientRecord>> ListClients() override { return Unused(); }
  Status SetClientEnabled(std::string_view, bool) override { return Unused(); }
  Status RotateClientSecret(std::string_view, const std::optional<std::string>&) override {
    return Unused();
  }
  Result<int64_t> ClientsRevision() override { return Unused(); }
  Status Ping() override { return Unused(); }

 private:
  static Status Unused() { return Status::Internal("not used by the pipeline"); }
  std::mutex mu_;
  int calls_ = 0;
  const int fail_at_;
  std::vector<std::string> batches_;
};

std::vector<ImportRecord> Batch(int first, int size) {
  std::vector<ImportRecord> b(static_cast<size_t>(size));
  for (int i = 0; i < size; ++i)
    b[static_cast<size_t>(i)].message.user_message_id = std::to_string(first + i);
  return b;
}

TEST(ImportPipelineTest, StoresBatchesInOrderAndHandsTheirVectorsBack) {
  RecordingStore store;
  ImportPipeline pipeline(store, 2);
  size_t reused = 0;
  for (int i = 0; i < 50; ++i) {
    auto next = pipeline.Push(Batch(i * 100, 100));
    ASSERT_TRUE(next.ok()) << next.status().message();
    if (next->capacity() >= 100) ++reused;
  }
  auto total = pipeline.Finish();
  ASSERT_TRUE(total.ok()) << total.status().message();
  EXPECT_EQ(total->inserted, 50 * 99);
  EXPECT_EQ(total->duplicates, 50);
  std::vector<std::string> expected;
  for (int i = 0; i < 50; ++i) expected.push_back(std::to_string(i * 100));
  EXPECT_EQ(store.batches(), expected);
  EXPECT_GT(reused, 0u);  // stored batches came back to be filled again
}

TEST(ImportPipelineTest, TheFirstStorageFailureStopsEverythingAfterIt) {
  RecordingStore store(3);
  ImportPipeline pipeline(store, 3);
  Status failure;
  for (int i = 0; i < 20 && failure.ok(); ++i) {
    auto next = pipeline.Push(Batch(i * 10, 10));
    if (!next.ok()) failure = next.status();
  }
  auto total = pipeline.Finish();
  ASSERT_FALSE(total.ok());
  EXPECT_EQ(total.status().message(), "disk full");
  // Nothing after the third, not even the batches that were waiting when it failed.
  EXPECT_EQ(store.batches(), (std::vector<std::string>{"0", "10"}));
  if (!failure.ok()) {
    EXPECT_EQ(failure.message(), "disk full");
  }
}

}  // namespace
}  // namespace opchat
