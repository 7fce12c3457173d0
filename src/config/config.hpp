// The server's configuration: the TOML file of docs/configuration.md, with every default in one
// place. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/console_settings.hpp"
#include "auth/verifier.hpp"
#include "common/status.hpp"
#include "events/live_settings.hpp"
#include "media/qiniu_url.hpp"
#include "storage/retention.hpp"
#include "webhooks/webhook_settings.hpp"

namespace opchat {

struct ServerSettings {
  std::string listen = "127.0.0.1:8080";
  int threads = 0;         // HTTP threads; 0 = one per core
  int write_threads = 32;  // threads that may wait on a durable write at once
  std::string host_name;   // empty = the machine's host name
  std::string service_phone;
  std::string timezone = "Asia/Shanghai";
  int64_t max_page_size = 100;
  int64_t max_body_bytes = 65536;
  bool access_log = true;
  bool metrics = true;  // serve GET /metrics (unsigned: keep it behind the firewall)
  std::string log_level = "info";
};

struct LimitSettings {
  int64_t max_connections = 10000;
  int64_t max_header_bytes = 8192;
  int64_t read_timeout_s = 30;
  int64_t idle_timeout_s = 60;
  double rate_per_client = 0;                 // requests/s; 0 = off
  double rate_burst = 0;                      // 0 = same as rate_per_client
  int64_t max_connections_per_address = 256;  // 0 = off
  int64_t max_transcript_bytes = 8 << 20;     // one chatTranscript document
};

struct EventSettings {
  double keep_hours = 168;  // 0 = forever; fractions allowed
  int64_t keep_ms() const { return static_cast<int64_t>(keep_hours * 3'600'000); }
  int64_t prune_interval_s = 600;
};

struct Config {
  ServerSettings server;
  std::string storage_url = "sqlite:./data/opchat.db";
  std::string sqlite_synchronous = "full";
  int sqlite_page_size = 8192;  // for a database created from now on
  int storage_pool_size = 8;
  // [storage] page_cache_mb: full history pages kept encoded; unset (-1): 64 on PostgreSQL,
  // where a page read is a round trip, 0 (none) on SQLite, where it is a few µs in-process.
  int page_cache_mb = -1;
  AuthSettings auth;
  std::string secrets_key_file;  // [auth]: encrypts client secrets at rest; empty = off
  MediaSettings media;
  LimitSettings limits;
  RetentionSettings retention;
  EventSettings events;
  LiveSettings live;
  WebhookSettings webhooks;
  ConsoleSettings console;
};

// Reads `path` over the defaults. InvalidArgument naming the key for a wrong type or value,
// or for a key opchat does not know (a typo must not silently fall back to a default).
Result<Config> LoadConfig(const std::string& path);
// The same for TOML text; `origin` names it in error messages.
Result<Config> ParseConfig(std::string_view text, const std::string& origin);

// The defaults, with host_name filled in.
Config DefaultConfig();

// What [storage] page_cache_mb gives, in bytes, the default resolved by the storage URL.
size_t PageCacheBytes(const Config& config);

// Checks ranges and fills derived values (host name). Run after flags are applied.
Status FinishConfig(Config& config);

}  // namespace opchat
