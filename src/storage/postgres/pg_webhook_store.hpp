// The webhook endpoints and outbox of a PostgreSQL database (storage/webhook_store.hpp), shared by
// every opchat process on it. FanOut locks the endpoint row, so two processes never queue one
// event twice; a claim locks each queue's first pending delivery (SKIP LOCKED) and re-checks its
// lease under the lock, so a queue is never leased to two owners. Thread-safe: each call borrows
// a pooled connection of the store.
#pragma once

#include <atomic>

#include <functional>
#include <string>
#include <utility>

#include "common/mutex.hpp"

#include "storage/postgres/pg_conn.hpp"
#include "storage/webhook_store.hpp"

namespace opchat::postgres {

// Runs `use` on a pooled connection lent for the call; its status, or why none was had.
using WithConnection = std::function<Status(const std::function<Status(PgConn&)>& use)>;

class PgWebhookStore final : public WebhookStore {
 public:
  // `with_connection` is called from any thread.
  explicit PgWebhookStore(WithConnection with_connection)
      : with_connection_(std::move(with_connection)) {}

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
  // Analyzes webhook_deliveries once kAnalyzeEvery deliveries were queued since the last time.
  Status AnalyzeAfterGrowth(int64_t queued);
  static constexpr int64_t kAnalyzeEvery = 5000;

  const WithConnection with_connection_;
  std::atomic<int64_t> queued_since_analyze_{0};
  // Where this process's last claim stopped in the ring of queues; the next starts after it.
  // Claims run beside each other: it is only where to start looking.
  Mutex scan_mu_;
  std::pair<std::string, std::string> scan_from_ GUARDED_BY(scan_mu_);  // (endpoint, chat)
};

}  // namespace opchat::postgres
