// Delivers the outbox (storage/webhook_store.hpp) to the endpoints (docs/webhooks.md).
//
// One thread runs the loop; requests go out through a WebhookSender and come back on its thread.
// Each turn of the loop:
//   1. queues deliveries for the new events of every channel it was told of (Nudge: a local
//      write, another instance's announcement) and, every poll interval, of every endpoint;
//   2. turns the answers that came back into outcomes (success, retry at the schedule's next
//      time, failed, endpoint disabled) and records them in one transaction;
//   3. claims more (endpoint, chat) queues while there is room, leased to this instance;
//   4. sends: each claimed queue one delivery at a time, in event order (the next waits for the
//      previous to succeed or be given up), at most max_in_flight_per_endpoint requests to an
//      endpoint, different chats in parallel.
// A success is sent on before it is recorded: a crash then sends it again (at least once),
// never a later event first.
//
// Thread-safe: Nudge may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "auth/secret_box.hpp"
#include "common/metrics.hpp"
#include "common/mutex.hpp"
#include "common/status.hpp"
#include "media/qiniu_url.hpp"
#include "storage/webhook_store.hpp"
#include "webhooks/webhook_request.hpp"
#include "webhooks/webhook_sender.hpp"
#include "webhooks/webhook_settings.hpp"

namespace opchat {

class WebhookDispatcher {
 public:
  WebhookDispatcher(WebhookStore& store, WebhookSender& sender, const QiniuUrlSigner& media,
                    const SecretBox* secrets, WebhookSettings settings, Metrics* metrics = nullptr);
  ~WebhookDispatcher();  // Stop()

  // Starts the loop's thread.
  void Start();
  // `channel` has new events ("" = any channel may have).
  void Nudge(std::string_view channel);
  // Stops claiming and sending, waits up to `grace_ms` for the requests in flight, records what
  // came back and releases the rest of its claims so another instance (or the next start) can
  // take them at once. Idempotent.
  void Stop(int64_t grace_ms = 2000);

  const std::string& owner() const { return owner_; }

 private:
  // An endpoint as the loop knows it (reloaded every poll interval).
  struct Endpoint {
    WebhookEndpoint record;
    std::optional<SigningKeys> keys;  // unset when its secrets cannot be opened (logged)
    int64_t in_flight = 0;
    int64_t claimed_queues = 0;  // of claimed_
  };
  // A claimed (endpoint, chat) queue: its deliveries are sent one after another. Finished when
  // all are sent, or released (its leases given back) from the first that must wait.
  struct Queue {
    std::vector<ClaimedDelivery> deliveries;
    size_t next = 0;  // the delivery to send (or in flight)
    // Pending deliveries may wait behind it in the store, unleased (a claim took the first
    // kPerQueue, or a fan-out could not lease): a claim follows when it finishes.
    bool followers = false;
  };
  struct Answer {
    std::shared_ptr<Queue> queue;
    OutboundResponse response;
    int64_t started_ms = 0;
  };

  void Loop();
  void Reload(int64_t now_ms);
  void FanOut(const std::string& endpoint_id, int64_t now_ms);
  void Handle(Answer answer, int64_t now_ms);
  void Finish(const std::shared_ptr<Queue>& queue);
  void ReleaseFrom(const std::shared_ptr<Queue>& queue, size_t from);
  void DisableEndpoint(Endpoint& endpoint, const std::string& reason);
  void Claim(int64_t now_ms);
  std::vector<std::shared_ptr<Queue>> Adopt(std::vector<ClaimedDelivery> leased, int64_t now_ms);
  int64_t HeldDeliveries() const;
  void Pump(int64_t now_ms);
  void SendNext(const std::shared_ptr<Queue>& queue, int64_t now_ms);
  void Flush();
  void UpdateQueueMetrics(int64_t now_ms);

  WebhookStore& store_;
  WebhookSender& sender_;
  const QiniuUrlSigner& media_;
  const SecretBox* const secrets_;
  const WebhookSettings settings_;
  Metrics* const metrics_;
  const std::string owner_;

  // Shared with Nudge and the sender's callbacks.
  Mutex mu_;
  CondVar wake_;
  std::set<std::string, std::less<>> nudged_ GUARDED_BY(mu_);
  bool nudged_all_ GUARDED_BY(mu_) = false;
  std::vector<Answer> answers_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  int64_t grace_until_ms_ GUARDED_BY(mu_) = 0;

  // The loop's own (its thread only).
  std::map<std::string, Endpoint, std::less<>> endpoints_;
  std::map<std::string, std::vector<std::string>, std::less<>> by_channel_;
  // Every claimed queue not yet finished, by (endpoint id, chat id).
  std::map<std::pair<std::string, std::string>, std::shared_ptr<Queue>> claimed_;
  std::deque<std::shared_ptr<Queue>> ready_;  // of which those waiting for a request slot
  int64_t in_flight_ = 0;
  std::vector<DeliveryOutcome> outcomes_;  // to record
  bool claim_wanted_ = true;
  // The last claim left due queues behind (no room, or endpoints skipped): a finished queue
  // makes room, so it claims again.
  bool claim_limited_ = false;

  std::thread thread_;
};

}  // namespace opchat
