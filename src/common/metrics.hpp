// Process metrics in the Prometheus text format (version 0.0.4): requests by endpoint and
// code, a latency histogram per endpoint, requests in flight, open connections, time spent
// in storage, live connections, event deliveries, webhooks and the page cache. Endpoints are a
// fixed list given at construction, so labels stay bounded whatever paths clients send.
// Thread-safe; recording is lock-free except the first sighting of an (endpoint, code) pair.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.hpp"

namespace opchat {

class Metrics {
 public:
  // Latency bucket upper bounds, in seconds.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  // `endpoints`: the label values; anything else is counted as "other".
  explicit Metrics(std::vector<std::string> endpoints);

  void RecordRequest(std::string_view endpoint, int status, double seconds);
  void RecordStorage(double seconds);
  void AddInFlight(int delta) { in_flight_.fetch_add(delta, std::memory_order_relaxed); }
  void AddConnections(int delta) { connections_.fetch_add(delta, std::memory_order_relaxed); }
  void CountRefusedConnection() { refused_connections_.fetch_add(1, std::memory_order_relaxed); }
  // Live delivery (WebSocket, SSE): open connections, and each event frame sent with its lag
  // (event time to the frame's write).
  void AddLiveConnections(int delta) {
    live_connections_.fetch_add(delta, std::memory_order_relaxed);
  }
  void RecordEventDelivered(double lag_seconds);
  // Webhooks: an attempt's outcome ("succeeded", "retrying", "failed") for an endpoint, with the
  // lag from the event's commit to a success (negative: none); and the outbox's queue.
  void RecordWebhookDelivery(std::string_view endpoint, std::string_view outcome,
                             double lag_seconds);
  void SetWebhookQueue(int64_t pending, int64_t retrying, double oldest_pending_s);
  // The history page cache: a lookup's outcome, and the bytes it holds.
  void CountPageCacheLookup(bool hit) {
    (hit ? page_cache_hits_ : page_cache_misses_).fetch_add(1, std::memory_order_relaxed);
  }
  void SetPageCacheBytes(int64_t bytes) {
    page_cache_bytes_.store(bytes, std::memory_order_relaxed);
  }

  std::string Render() const;

 private:
  struct Series {
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};  // last = +Inf
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> micros{0};
  };
  size_t IndexOf(std::string_view endpoint) const;

  std::vector<std::string> endpoints_;  // + "other" at the end
  std::vector<Series> latency_;         // one per endpoint
  mutable Mutex codes_mu_;
  std::map<std::pair<size_t, int>, uint64_t> codes_ GUARDED_BY(codes_mu_);
  Series storage_;
  Series delivery_lag_;
  Series webhook_lag_;
  mutable Mutex webhooks_mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> webhook_outcomes_
      GUARDED_BY(webhooks_mu_);
  int64_t webhook_pending_ GUARDED_BY(webhooks_mu_) = 0;
  int64_t webhook_retrying_ GUARDED_BY(webhooks_mu_) = 0;
  double webhook_oldest_s_ GUARDED_BY(webhooks_mu_) = 0;
  std::atomic<int64_t> live_connections_{0};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> connections_{0};
  std::atomic<uint64_t> refused_connections_{0};
  std::atomic<uint64_t> page_cache_hits_{0};
  std::atomic<uint64_t> page_cache_misses_{0};
  std::atomic<int64_t> page_cache_bytes_{0};
};

}  // namespace opchat
