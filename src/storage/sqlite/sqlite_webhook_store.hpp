// The webhook endpoints and outbox of a SQLite database (storage/webhook_store.hpp). Writes go
// through the store's single GroupCommitWriter, whose one writer makes every check-and-write
// atomic (a claim needs no more than that to be a compare-and-set); reads that can run beside
// the writer (finding due queues, reading claimed events) use the store's reader connections.
// Thread-safe, as SqliteStore.
#pragma once

#include <functional>
#include <string>

#include "common/mutex.hpp"

#include "storage/sqlite/group_commit.hpp"
#include "storage/sqlite/sqlite_db.hpp"
#include "storage/webhook_store.hpp"

namespace opchat::sqlite {

// A (endpoint, chat) queue of deliveries.
struct QueueKey {
  std::string endpoint_id;
  std::string chat_id;
};

// Runs `read` on a reader connection lent for the call; its status, or why no reader was had.
using WithReader = std::function<Status(const std::function<Status(SqliteDb&)>& read)>;

class SqliteWebhookStore final : public WebhookStore {
 public:
  // `writer` must outlive this; `with_reader` is called from any thread.
  SqliteWebhookStore(GroupCommitWriter& writer, WithReader with_reader)
      : writer_(writer), with_reader_(std::move(with_reader)) {}

  Status AddWebhook(const WebhookEndpoint& endpoint) override;
  Result<std::vector<WebhookEndpoint>> ListWebhooks() override;
  Status SetWebhookEnabled(std::string_view id, bool enabled, std::string_view reason) override;
  Status RotateWebhookSecret(std::string_view id, std::string_view new_secret,
                             int64_t previous_until_ms) override;
  Status RemoveWebhook(std::string_view id) override;
  Result<int64_t> FanOutWebhook(std::string_view endpoint_id, int64_t limit, int64_t now_ms,
                                FanOutLease* lease) override;
  Result<std::vector<ClaimedDelivery>> ClaimWebhookDeliveries(const ClaimRequest& request) override;
  Status RenewWebhookLeases(std::string_view owner, int64_t lease_until_ms) override;
  Status RecordWebhookOutcomes(std::string_view owner,
                               std::span<const DeliveryOutcome> outcomes) override;
  Result<std::vector<DeliveryRecord>> ListWebhookDeliveries(const DeliveryFilter& filter) override;
  Result<int64_t> ReplayWebhook(std::string_view id, int64_t after_id, int64_t now_ms) override;
  Result<int64_t> PruneWebhookDeliveries(int64_t before_ms, int64_t limit) override;
  Result<WebhookQueueStats> GetWebhookQueueStats() override;

 private:
  GroupCommitWriter& writer_;
  const WithReader with_reader_;
  // Where the last claim's scan of the queues stopped; the next one starts after it.
  Mutex scan_mu_;
  QueueKey scan_from_ GUARDED_BY(scan_mu_);
};

}  // namespace opchat::sqlite
