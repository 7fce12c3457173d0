// The [live] settings (docs/configuration.md): limits and timings of live delivery.
// Plain values; thread-compatible.
#pragma once

#include <cstdint>

namespace opchat {

struct LiveSettings {
  int64_t max_connections = 10000;            // live connections (WebSocket + SSE) in all
  int64_t max_connections_per_client = 1000;  // of one API client
  int64_t ping_interval_s = 30;
  // How far (bytes of encoded events) a subscriber that had caught up may fall behind before it
  // is closed and told to resume from its cursor.
  int64_t queue_bytes = 1 << 20;
  int64_t poll_interval_ms = 1000;  // re-read every watched channel at least this often
  int64_t ring_events = 10000;      // per channel kept in memory (bounded by 4 x queue_bytes too)
};

}  // namespace opchat
