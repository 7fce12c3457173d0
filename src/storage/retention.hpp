// Retention: chats whose last activity is older than their channel's maximum age are deleted
// with their messages; events older than the events' maximum age are deleted too. Whole chats go,
// never single messages, so a chat that stays keeps its dense positions and its pages never change.
// Works through the Store interface, on every back end. Thread-safe as the Store is.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/status.hpp"
#include "storage/store.hpp"

namespace opchat {

struct RetentionSettings {
  int64_t default_days = 0;                     // for channels not listed; 0 = keep forever
  std::map<std::string, int64_t> channel_days;  // per channel; 0 = keep forever
  int64_t check_interval_s = 3600;
};

// Whether any channel has a maximum age.
bool RetentionEnabled(const RetentionSettings& settings);

// One pass over every channel at `now_ms`. Returns how many chats were deleted; stops at the
// first storage failure.
Result<int64_t> EnforceRetention(Store& store, const RetentionSettings& settings, int64_t now_ms);

// Deletes the events of every channel older than `keep_ms` at `now_ms` ([events] keep_hours),
// in transactions of a bounded size until none is left. Returns how many went; 0 without
// touching the store when keep_ms is 0 (keep forever). Stops at the first storage failure.
// Webhook deliveries no longer pending and queued as long ago go too, with their attempts.
Result<int64_t> PruneExpiredEvents(Store& store, int64_t keep_ms, int64_t now_ms);

}  // namespace opchat
