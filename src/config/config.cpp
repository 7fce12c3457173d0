#include "config/config.hpp"

#include <unistd.h>

#include <toml++/toml.h>
#include <fstream>
#include <set>
#include <sstream>

namespace opchat {
namespace {

// Reads table.key into `out` when present; remembers the key as known.
class TableReader {
 public:
  TableReader(const toml::table* table, std::string name) : table_(table), name_(std::move(name)) {}

  template <class T>
  Status Read(const char* key, T& out) {
    known_.insert(key);
    if (!table_) return Status::Ok();
    const toml::node* node = table_->get(key);
    if (!node) return Status::Ok();
    if constexpr (std::is_same_v<T, std::string>) {
      if (auto v = node->value<std::string>()) {
        out = *v;
        return Status::Ok();
      }
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      if (auto* array = node->as_array()) {
        std::vector<std::string> values;
        for (const toml::node& item : *array) {
          auto v = item.value<std::string>();
          if (!v)
            return Status::InvalidArgument("config: [" + name_ + "] " + key + " must list strings");
          values.push_back(*v);
        }
        out = std::move(values);
        return Status::Ok();
      }
    } else if constexpr (std::is_same_v<T, std::vector<double>>) {
      if (auto* array = node->as_array()) {
        std::vector<double> values;
        for (const toml::node& item : *array) {
          auto v = item.value<double>();  // an integer reads as a double too
          if (!v)
            return Status::InvalidArgument("config: [" + name_ + "] " + key + " must list numbers");
          values.push_back(*v);
        }
        out = std::move(values);
        return Status::Ok();
      }
    } else if constexpr (std::is_same_v<T, bool>) {
      if (auto v = node->value<bool>()) {
        out = *v;
        return Status::Ok();
      }
    } else if constexpr (std::is_floating_point_v<T>) {
      if (auto v = node->value<double>()) {
        out = *v;
        return Status::Ok();
      }
    } else {
      if (node->is_integer()) {
        out = static_cast<T>(*node->value<int64_t>());
        return Status::Ok();
      }
    }
    return Status::InvalidArgument("config: wrong type for [" + name_ + "] " + key);
  }

  bool Has(const char* key) const { return table_ && table_->get(key); }

  // Marks a key read by other means (a sub-table) as known.
  void Known(const char* key) { known_.insert(key); }

  Status CheckUnknown() const {
    if (!table_) return Status::Ok();
    for (const auto& [k, v] : *table_) {
      if (!known_.contains(std::string(k.str()))) {
        return Status::InvalidArgument("config: unknown key [" + name_ + "] " +
                                       std::string(k.str()));
      }
    }
    return Status::Ok();
  }

 private:
  const toml::table* table_;
  std::string name_;
  std::set<std::string> known_;
};

#define OPCHAT_READ(reader, key, field) \
  if (Status s = (reader).Read(key, field); !s.ok()) return s

// [media.channels]: channel = ["prefix/", ...], the object keys each channel may have signed.
Status ReadMediaChannels(const toml::node* node, MediaSettings& media) {
  if (!node) return Status::Ok();
  const toml::table* table = node->as_table();
  if (!table) return Status::InvalidArgument("config: [media.channels] must be a table");
  for (const auto& [channel, value] : *table) {
    TableReader reader(table, "media.channels");
    std::vector<std::string> prefixes;
    std::string key(channel.str());
    OPCHAT_READ(reader, key.c_str(), prefixes);
    if (!value.is_array()) {
      return Status::InvalidArgument("config: [media.channels] " + key + " must list key prefixes");
    }
    for (const std::string& prefix : prefixes) {
      if (prefix.empty() || !IsSafeObjectKey(prefix)) {
        return Status::InvalidArgument("config: [media.channels] " + key + ": bad prefix \"" +
                                       prefix + "\"");
      }
    }
    media.channel_key_prefixes[key] = std::move(prefixes);
  }
  return Status::Ok();
}

Status Apply(const toml::table& root, Config& c) {
  static const std::set<std::string> kTables = {"server",   "storage",   "auth",   "media",
                                                "limits",   "retention", "events", "live",
                                                "webhooks", "console"};
  for (const auto& [k, v] : root) {
    if (!kTables.contains(std::string(k.str())) || !v.is_table()) {
      return Status::InvalidArgument("config: unknown table [" + std::string(k.str()) + "]");
    }
  }
  TableReader server(root["server"].as_table(), "server");
  OPCHAT_READ(server, "listen", c.server.listen);
  OPCHAT_READ(server, "threads", c.server.threads);
  OPCHAT_READ(server, "write_threads", c.server.write_threads);
  OPCHAT_READ(server, "host_name", c.server.host_name);
  OPCHAT_READ(server, "service_phone", c.server.service_phone);
  OPCHAT_READ(server, "timezone", c.server.timezone);
  OPCHAT_READ(server, "max_page_size", c.server.max_page_size);
  OPCHAT_READ(server, "max_body_bytes", c.server.max_body_bytes);
  OPCHAT_READ(server, "access_log", c.server.access_log);
  OPCHAT_READ(server, "metrics", c.server.metrics);
  OPCHAT_READ(server, "log_level", c.server.log_level);
  RETURN_IF_ERROR(server.CheckUnknown());

  TableReader storage(root["storage"].as_table(), "storage");
  OPCHAT_READ(storage, "url", c.storage_url);
  OPCHAT_READ(storage, "sqlite_synchronous", c.sqlite_synchronous);
  OPCHAT_READ(storage, "sqlite_page_size", c.sqlite_page_size);
  OPCHAT_READ(storage, "pool_size", c.storage_pool_size);
  OPCHAT_READ(storage, "page_cache_mb", c.page_cache_mb);
  if (storage.Has("page_cache_mb") && (c.page_cache_mb < 0 || c.page_cache_mb > 1 << 20)) {
    return Status::InvalidArgument("config: storage.page_cache_mb must be from 0 to 1048576");
  }
  RETURN_IF_ERROR(storage.CheckUnknown());

  TableReader auth(root["auth"].as_table(), "auth");
  int64_t window_s = c.auth.timestamp_window_ms / 1000;
  OPCHAT_READ(auth, "require_timestamp", c.auth.require_timestamp);
  OPCHAT_READ(auth, "timestamp_window_s", window_s);
  OPCHAT_READ(auth, "secrets_key_file", c.secrets_key_file);
  c.auth.timestamp_window_ms = window_s * 1000;
  std::vector<std::string> methods;
  OPCHAT_READ(auth, "sign_methods", methods);
  if (auth.Has("sign_methods")) {
    c.auth.sign_methods.clear();
    for (const std::string& name : methods) {
      auto method = ParseSignMethod(&name);
      if (!method)
        return Status::InvalidArgument("config: [auth] sign_methods: unknown method " + name);
      c.auth.sign_methods.push_back(*method);
    }
  }
  RETURN_IF_ERROR(auth.CheckUnknown());

  TableReader media(root["media"].as_table(), "media");
  OPCHAT_READ(media, "domain", c.media.domain);
  OPCHAT_READ(media, "access_key", c.media.access_key);
  OPCHAT_READ(media, "secret_key", c.media.secret_key);
  OPCHAT_READ(media, "url_lifetime_s", c.media.url_lifetime_s);
  OPCHAT_READ(media, "image_processing", c.media.image_processing);
  media.Known("channels");
  RETURN_IF_ERROR(ReadMediaChannels(root["media"]["channels"].node(), c.media));
  RETURN_IF_ERROR(media.CheckUnknown());

  TableReader limits(root["limits"].as_table(), "limits");
  OPCHAT_READ(limits, "max_connections", c.limits.max_connections);
  OPCHAT_READ(limits, "max_header_bytes", c.limits.max_header_bytes);
  OPCHAT_READ(limits, "read_timeout_s", c.limits.read_timeout_s);
  OPCHAT_READ(limits, "idle_timeout_s", c.limits.idle_timeout_s);
  OPCHAT_READ(limits, "rate_per_client", c.limits.rate_per_client);
  OPCHAT_READ(limits, "rate_burst", c.limits.rate_burst);
  OPCHAT_READ(limits, "max_connections_per_address", c.limits.max_connections_per_address);
  OPCHAT_READ(limits, "max_transcript_bytes", c.limits.max_transcript_bytes);
  RETURN_IF_ERROR(limits.CheckUnknown());

  TableReader events(root["events"].as_table(), "events");
  OPCHAT_READ(events, "keep_hours", c.events.keep_hours);
  OPCHAT_READ(events, "prune_interval_s", c.events.prune_interval_s);
  RETURN_IF_ERROR(events.CheckUnknown());

  TableReader live(root["live"].as_table(), "live");
  OPCHAT_READ(live, "max_connections", c.live.max_connections);
  OPCHAT_READ(live, "max_connections_per_client", c.live.max_connections_per_client);
  OPCHAT_READ(live, "ping_interval_s", c.live.ping_interval_s);
  OPCHAT_READ(live, "queue_bytes", c.live.queue_bytes);
  OPCHAT_READ(live, "poll_interval_ms", c.live.poll_interval_ms);
  OPCHAT_READ(live, "ring_events", c.live.ring_events);
  RETURN_IF_ERROR(live.CheckUnknown());

  TableReader webhooks(root["webhooks"].as_table(), "webhooks");
  OPCHAT_READ(webhooks, "retry_schedule_s", c.webhooks.retry_schedule_s);
  OPCHAT_READ(webhooks, "jitter", c.webhooks.jitter);
  OPCHAT_READ(webhooks, "timeout_s", c.webhooks.timeout_s);
  OPCHAT_READ(webhooks, "disable_after_hours", c.webhooks.disable_after_hours);
  OPCHAT_READ(webhooks, "max_in_flight_per_endpoint", c.webhooks.max_in_flight_per_endpoint);
  OPCHAT_READ(webhooks, "lease_s", c.webhooks.lease_s);
  OPCHAT_READ(webhooks, "poll_interval_ms", c.webhooks.poll_interval_ms);
  OPCHAT_READ(webhooks, "allow_private", c.webhooks.allow_private);
  OPCHAT_READ(webhooks, "extra_ca_file", c.webhooks.extra_ca_file);
  RETURN_IF_ERROR(webhooks.CheckUnknown());

  TableReader console(root["console"].as_table(), "console");
  OPCHAT_READ(console, "session_idle_minutes", c.console.session_idle_minutes);
  OPCHAT_READ(console, "insecure_loopback_http", c.console.insecure_loopback_http);
  RETURN_IF_ERROR(console.CheckUnknown());

  const toml::table* retention_table = root["retention"].as_table();
  TableReader retention(retention_table, "retention");
  OPCHAT_READ(retention, "default_days", c.retention.default_days);
  OPCHAT_READ(retention, "check_interval_s", c.retention.check_interval_s);
  retention.Known("channels");
  if (retention_table) {
    if (const toml::node* channels = retention_table->get("channels")) {
      const toml::table* t = channels->as_table();
      if (!t) return Status::InvalidArgument("config: [retention] channels must be a table");
      for (const auto& [channel, days] : *t) {
        auto v = days.value<int64_t>();
        if (!days.is_integer() || !v || *v < 0) {
          return Status::InvalidArgument("config: [retention.channels] " +
                                         std::string(channel.str()) +
                                         " must be a whole number of days >= 0");
        }
        c.retention.channel_days[std::string(channel.str())] = *v;
      }
    }
  }
  return retention.CheckUnknown();
}

}  // namespace

Config DefaultConfig() { return Config{}; }

Result<Config> ParseConfig(std::string_view text, const std::string& origin) {
  Config config;
  // toml++ is built with exceptions here: its parse error is caught at this boundary.
  try {
    toml::table root = toml::parse(text, origin);
    RETURN_IF_ERROR(Apply(root, config));
  } catch (const toml::parse_error& err) {
    return Status::InvalidArgument("config " + origin + ": " + std::string(err.description()) +
                                   " at line " + std::to_string(err.source().begin.line));
  }
  return config;
}

Result<Config> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("config: cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

Status FinishConfig(Config& c) {
  if (c.server.host_name.empty()) {
    char buf[256] = {};
    gethostname(buf, sizeof buf - 1);
    c.server.host_name = buf;
  }
  auto bad = [](const std::string& what) { return Status::InvalidArgument("config: " + what); };
  if (c.server.threads < 0 || c.server.threads > 1024) {
    return bad("server.threads must be 0 (one per core) to 1024");
  }
  if (c.server.threads == 0)
    c.server.threads = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  if (c.server.max_page_size < 1) return bad("server.max_page_size must be >= 1");
  if (c.server.max_body_bytes < 64) return bad("server.max_body_bytes must be >= 64");
  if (c.server.write_threads < 1) return bad("server.write_threads must be >= 1");
  if (c.auth.timestamp_window_ms < 1000) return bad("auth.timestamp_window_s must be >= 1");
  if (c.media.url_lifetime_s < 1) return bad("media.url_lifetime_s must be >= 1");
  if (c.limits.max_connections < 1) return bad("limits.max_connections must be >= 1");
  if (c.events.keep_hours < 0) return bad("events.keep_hours must be >= 0 (0 = forever)");
  if (c.events.prune_interval_s < 1) return bad("events.prune_interval_s must be >= 1");
  if (c.live.max_connections < 0 || c.live.max_connections_per_client < 0) {
    return bad("live.max_connections and live.max_connections_per_client must be >= 0");
  }
  if (c.live.ping_interval_s < 1) return bad("live.ping_interval_s must be >= 1");
  if (c.live.queue_bytes < 4096) return bad("live.queue_bytes must be >= 4096");
  if (c.live.poll_interval_ms < 10) return bad("live.poll_interval_ms must be >= 10");
  if (c.live.ring_events < 1) return bad("live.ring_events must be >= 1");
  if (c.console.session_idle_minutes < 1 ||
      c.console.session_idle_minutes > c.console.session_lifetime_hours * 60) {
    return bad("console.session_idle_minutes must be 1 to 720 (the 12-hour session lifetime)");
  }
  const WebhookSettings& w = c.webhooks;
  if (w.retry_schedule_s.empty() || w.retry_schedule_s.size() > 50) {
    return bad("webhooks.retry_schedule_s must list 1 to 50 delays (seconds)");
  }
  for (double delay : w.retry_schedule_s) {
    if (!(delay >= 0 && delay <= 30 * 86400))
      return bad("webhooks.retry_schedule_s: each delay must be 0 to 2592000 seconds");
  }
  if (!(w.jitter >= 0 && w.jitter < 1)) return bad("webhooks.jitter must be >= 0 and < 1");
  if (!(w.timeout_s >= 0.05 && w.timeout_s <= 300))
    return bad("webhooks.timeout_s must be 0.05 to 300");
  if (!(w.disable_after_hours > 0)) return bad("webhooks.disable_after_hours must be > 0");
  if (w.max_in_flight_per_endpoint < 1 || w.max_in_flight_per_endpoint > 1000)
    return bad("webhooks.max_in_flight_per_endpoint must be 1 to 1000");
  if (!(w.lease_s >= 1)) return bad("webhooks.lease_s must be >= 1");
  if (!(w.lease_s > w.timeout_s)) return bad("webhooks.lease_s must exceed webhooks.timeout_s");
  if (w.poll_interval_ms < 10) return bad("webhooks.poll_interval_ms must be >= 10");
  if (c.limits.max_header_bytes < 1024) return bad("limits.max_header_bytes must be >= 1024");
  if (c.limits.rate_per_client < 0 || c.limits.rate_burst < 0) {
    return bad("limits.rate_per_client and limits.rate_burst must be >= 0");
  }
  if (c.limits.read_timeout_s < 1 || c.limits.idle_timeout_s < 1)
    return bad("timeouts must be >= 1");
  if (c.limits.max_connections_per_address < 0) {
    return bad("limits.max_connections_per_address must be >= 0 (0 = off)");
  }
  if (c.limits.max_transcript_bytes < 1024)
    return bad("limits.max_transcript_bytes must be >= 1024");
  if (c.sqlite_synchronous != "full" && c.sqlite_synchronous != "normal") {
    return bad("storage.sqlite_synchronous must be \"full\" or \"normal\"");
  }
  if (c.sqlite_page_size < 512 || c.sqlite_page_size > 65536 ||
      (c.sqlite_page_size & (c.sqlite_page_size - 1)) != 0) {
    return bad("storage.sqlite_page_size must be a power of two from 512 to 65536");
  }
  if (c.storage_pool_size < 1) return bad("storage.pool_size must be >= 1");
  if (c.retention.default_days < 0) return bad("retention.default_days must be >= 0");
  if (c.retention.check_interval_s < 1) return bad("retention.check_interval_s must be >= 1");
  static const std::set<std::string> kLevels = {"trace", "debug",    "info", "warn",
                                                "error", "critical", "off"};
  if (!kLevels.contains(c.server.log_level)) {
    return bad("server.log_level must be one of trace, debug, info, warn, error, critical, off");
  }
  return Status::Ok();
}

size_t PageCacheBytes(const Config& config) {
  int64_t mb = config.page_cache_mb;
  if (mb == -1) mb = config.storage_url.rfind("postgres", 0) == 0 ? 64 : 0;
  return static_cast<size_t>(mb) << 20;
}

}  // namespace opchat
