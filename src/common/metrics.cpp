#include "common/metrics.hpp"

#include <cstdio>

namespace opchat {
namespace {

void Observe(std::array<std::atomic<uint64_t>, Metrics::kBuckets.size() + 1>& buckets,
             std::atomic<uint64_t>& count, std::atomic<uint64_t>& micros, double seconds) {
  size_t i = 0;
  while (i < Metrics::kBuckets.size() && seconds > Metrics::kBuckets[i]) ++i;
  buckets[i].fetch_add(1, std::memory_order_relaxed);
  count.fetch_add(1, std::memory_order_relaxed);
  micros.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

Metrics::Metrics(std::vector<std::string> endpoints)
    : endpoints_(std::move(endpoints)), latency_(endpoints_.size() + 1) {
  endpoints_.push_back("other");
}

size_t Metrics::IndexOf(std::string_view endpoint) const {
  for (size_t i = 0; i + 1 < endpoints_.size(); ++i) {
    if (endpoints_[i] == endpoint) return i;
  }
  return endpoints_.size() - 1;
}

void Metrics::RecordRequest(std::string_view endpoint, int status, double seconds) {
  size_t i = IndexOf(endpoint);
  Series& s = latency_[i];
  Observe(s.buckets, s.count, s.micros, seconds);
  MutexLock lock(codes_mu_);
  ++codes_[{i, status}];
}

void Metrics::RecordStorage(double seconds) {
  Observe(storage_.buckets, storage_.count, storage_.micros, seconds);
}

void Metrics::RecordEventDelivered(double lag_seconds) {
  Observe(delivery_lag_.buckets, delivery_lag_.count, delivery_lag_.micros,
          lag_seconds < 0 ? 0 : lag_seconds);
}

std::string Metrics::Render() const {
  std::string out;
  auto histogram = [&](const std::string& name, const std::string& labels, const Series& s) {
    uint64_t cumulative = 0;
    std::string sep = labels.empty() ? "" : ",";
    for (size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += s.buckets[b].load(std::memory_order_relaxed);
      std::string le = b < kBuckets.size() ? Number(kBuckets[b]) : "+Inf";
      out += name + "_bucket{" + labels + sep + "le=\"" + le + "\"} " + std::to_string(cumulative) +
             "\n";
    }
    std::string braces = labels.empty() ? "" : "{" + labels + "}";
    out += name + "_sum" + braces + " " + Number(s.micros.load(std::memory_order_relaxed) / 1e6) +
           "\n";
    out += name + "_count" + braces + " " +
           std::to_string(s.count.load(std::memory_order_relaxed)) + "\n";
  };

  out += "# HELP opchat_requests_total Requests answered, by endpoint and HTTP status.\n";
  out += "# TYPE opchat_requests_total counter\n";
  {
    MutexLock lock(codes_mu_);
    for (const auto& [key, n] : codes_) {
      out += "opchat_requests_total{endpoint=\"" + endpoints_[key.first] + "\",code=\"" +
             std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
    }
  }
  out += "# HELP opchat_request_duration_seconds Time from a complete request to its answer.\n";
  out += "# TYPE opchat_request_duration_seconds histogram\n";
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    if (latency_[i].count.load(std::memory_order_relaxed) == 0) continue;
    histogram("opchat_request_duration_seconds", "endpoint=\"" + endpoints_[i] + "\"", latency_[i]);
  }
  out += "# HELP opchat_storage_duration_seconds Time spent in storage calls.\n";
  out += "# TYPE opchat_storage_duration_seconds histogram\n";
  histogram("opchat_storage_duration_seconds", "", storage_);
  out += "# HELP opchat_requests_in_flight Requests being handled now.\n";
  out += "# TYPE opchat_requests_in_flight gauge\n";
  out += "opchat_requests_in_flight " + std::to_string(in_flight_.load()) + "\n";
  out += "# HELP opchat_connections Open client connections.\n";
  out += "# TYPE opchat_connections gauge\n";
  out += "opchat_connections " + std::to_string(connections_.load()) + "\n";
  out += "# HELP opchat_connections_refused_total Connections refused at the connection limit.\n";
  out += "# TYPE opchat_connections_refused_total counter\n";
  out += "opchat_connections_refused_total " + std::to_string(refused_connections_.load()) + "\n";
  out += "# HELP opchat_live_connections Open live connections (WebSocket and SSE).\n";
  out += "# TYPE opchat_live_connections gauge\n";
  out += "opchat_live_connections " + std::to_string(live_connections_.load()) + "\n";
  out += "# HELP opchat_events_delivered_total Event frames sent to live connections.\n";
  out += "# TYPE opchat_events_delivered_total counter\n";
  out += "opchat_events_delivered_total " + std::to_string(delivery_lag_.count.load()) + "\n";
  out += "# HELP opchat_event_delivery_lag_seconds From an event's commit to its frame's write.\n";
  out += "# TYPE opchat_event_delivery_lag_seconds histogram\n";
  histogram("opchat_event_delivery_lag_seconds", "", delivery_lag_);
  {
    MutexLock lock(webhooks_mu_);
    out += "# HELP opchat_webhook_deliveries_total Webhook attempts by endpoint and outcome.\n";
    out += "# TYPE opchat_webhook_deliveries_total counter\n";
    for (const auto& [key, n] : webhook_outcomes_) {
      out += "opchat_webhook_deliveries_total{endpoint=\"" + key.first + "\",outcome=\"" +
             key.second + "\"} " + std::to_string(n) + "\n";
    }
    out +=
        "# HELP opchat_webhook_queue_depth Pending webhook deliveries (state=retrying: of "
        "which have failed at least once).\n";
    out += "# TYPE opchat_webhook_queue_depth gauge\n";
    out +=
        "opchat_webhook_queue_depth{state=\"pending\"} " + std::to_string(webhook_pending_) + "\n";
    out += "opchat_webhook_queue_depth{state=\"retrying\"} " + std::to_string(webhook_retrying_) +
           "\n";
    out += "# HELP opchat_webhook_oldest_pending_seconds Age of the oldest pending delivery.\n";
    out += "# TYPE opchat_webhook_oldest_pending_seconds gauge\n";
    out += "opchat_webhook_oldest_pending_seconds " + std::to_string(webhook_oldest_s_) + "\n";
  }
  out +=
      "# HELP opchat_webhook_delivery_lag_seconds From an event's commit to its delivery's "
      "2xx answer.\n";
  out += "# TYPE opchat_webhook_delivery_lag_seconds histogram\n";
  histogram("opchat_webhook_delivery_lag_seconds", "", webhook_lag_);
  out += "# HELP opchat_page_cache_lookups_total History pages looked up in the page cache.\n";
  out += "# TYPE opchat_page_cache_lookups_total counter\n";
  out += "opchat_page_cache_lookups_total{outcome=\"hit\"} " +
         std::to_string(page_cache_hits_.load()) + "\n";
  out += "opchat_page_cache_lookups_total{outcome=\"miss\"} " +
         std::to_string(page_cache_misses_.load()) + "\n";
  out += "# HELP opchat_page_cache_bytes What the page cache holds.\n";
  out += "# TYPE opchat_page_cache_bytes gauge\n";
  out += "opchat_page_cache_bytes " + std::to_string(page_cache_bytes_.load()) + "\n";
  return out;
}

void Metrics::RecordWebhookDelivery(std::string_view endpoint, std::string_view outcome,
                                    double lag_seconds) {
  if (lag_seconds >= 0) {
    Observe(webhook_lag_.buckets, webhook_lag_.count, webhook_lag_.micros, lag_seconds);
  }
  MutexLock lock(webhooks_mu_);
  ++webhook_outcomes_[{std::string(endpoint), std::string(outcome)}];
}

void Metrics::SetWebhookQueue(int64_t pending, int64_t retrying, double oldest_pending_s) {
  MutexLock lock(webhooks_mu_);
  webhook_pending_ = pending;
  webhook_retrying_ = retrying;
  webhook_oldest_s_ = oldest_pending_s;
}

}  // namespace opchat
