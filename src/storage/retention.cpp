#include "storage/retention.hpp"

namespace opchat {
namespace {
// Chats per transaction: small enough that a pass never holds the writer for long.
constexpr int64_t kDeleteBatch = 500;
constexpr int64_t kDayMs = 86'400'000;
// Events per transaction: an event row is small, and a batch this size is a few milliseconds
// of the writer's time, so sends are never held up for long.
constexpr int64_t kPruneBatch = 10'000;
}  // namespace

bool RetentionEnabled(const RetentionSettings& settings) {
  if (settings.default_days > 0) return true;
  for (const auto& [channel, days] : settings.channel_days) {
    if (days > 0) return true;
  }
  return false;
}

Result<int64_t> EnforceRetention(Store& store, const RetentionSettings& settings, int64_t now_ms) {
  auto channels = store.ListChannels();
  if (!channels.ok()) return channels.status();
  int64_t total = 0;
  for (const std::string& channel : *channels) {
    auto it = settings.channel_days.find(channel);
    int64_t days = it != settings.channel_days.end() ? it->second : settings.default_days;
    if (days <= 0) continue;
    const int64_t cutoff = now_ms - days * kDayMs;
    for (;;) {
      auto deleted = store.DeleteInactiveChats(channel, cutoff, kDeleteBatch);
      if (!deleted.ok()) return deleted.status();
      total += *deleted;
      if (*deleted < kDeleteBatch) break;
    }
  }
  return total;
}

Result<int64_t> PruneExpiredEvents(Store& store, int64_t keep_ms, int64_t now_ms) {
  if (keep_ms <= 0) return int64_t{0};
  const int64_t cutoff = now_ms - keep_ms;
  int64_t total = 0;
  for (;;) {
    auto pruned = store.PruneEvents(cutoff, kPruneBatch);
    if (!pruned.ok()) return pruned.status();
    total += *pruned;
    if (*pruned < kPruneBatch) break;
  }
  // The delivery log of webhooks goes with the events it delivered (a replay needs the event).
  for (;;) {
    auto pruned = store.webhooks().PruneWebhookDeliveries(cutoff, kPruneBatch);
    if (!pruned.ok()) return pruned.status();
    if (*pruned < kPruneBatch) return total;
  }
}

}  // namespace opchat
