// opchat serve: config -> store -> api -> http.
#include <spdlog/spdlog.h>

#include <optional>

#include "api/api.hpp"
#include "api/page_cache.hpp"
#include "auth/client_registry.hpp"
#include "auth/login_throttle.hpp"
#include "auth/replay_guard.hpp"
#include "auth/secret_box.hpp"
#include "cli/commands.hpp"
#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/ids.hpp"
#include "common/logging.hpp"
#include "common/periodic_task.hpp"
#include "common/stop_signals.hpp"
#include "events/event_hub.hpp"
#include "http/server.hpp"
#include "http/webhook_client.hpp"
#include "storage/retention.hpp"
#include "storage/search_index.hpp"
#include "storage/timed_store.hpp"
#include "webhooks/webhook_dispatcher.hpp"

namespace opchat::cli {
namespace {

// The webhook client and its dispatcher, stopped in the one safe order on every way out: the
// dispatcher first (it stops sending), then the client, whose last answers come back to the
// dispatcher, which must still exist.
struct WebhookDelivery {
  std::unique_ptr<WebhookClient> client;
  std::unique_ptr<WebhookDispatcher> dispatcher;
  void Stop() {
    if (dispatcher) dispatcher->Stop();
    client.reset();
  }
  ~WebhookDelivery() { Stop(); }
};

struct ServeFlags {
  StorageFlags storage;
  std::string listen;
  int threads = 0;
  std::string console_dir;
};

int RunServe(const ServeFlags& flags) {
  StopSignals stop_signals;  // before any thread starts, so that every thread inherits its mask
  auto config = ResolveConfig(flags.storage);
  if (!config.ok()) return Fail(config.status());
  if (!flags.listen.empty()) config->server.listen = flags.listen;
  if (flags.threads > 0) config->server.threads = flags.threads;
  if (!flags.console_dir.empty()) config->console.page_dir = flags.console_dir;
  InitLogging(config->server.log_level);
  auto address = ParseListenAddress(config->server.listen);
  if (!address.ok()) return Fail(address.status());
  // A session cookie without Secure crosses the network in clear text: only on loopback.
  if (config->console.insecure_loopback_http && !IsLoopbackHost(address->first)) {
    return Fail(Status::InvalidArgument(
        "config: console.insecure_loopback_http needs a loopback listen address, not " +
        address->first));
  }

  auto store = OpenConfiguredStore(*config, {.create = true});
  if (!store.ok()) return Fail(store.status());
  auto secrets = LoadSecretBox(config->secrets_key_file);
  if (!secrets.ok()) return Fail(secrets.status());
  ClientRegistry clients(**store, secrets->get());
  // Also refuses to start when a client's secret is sealed and cannot be opened here (exit 2):
  // running on would answer that client's every request 401 with no hint of the cause.
  if (Status s = clients.Refresh(); !s.ok()) return Fail(s);
  ReplayGuard replay;
  RequestVerifier verifier(clients, replay, config->auth);
  QiniuUrlSigner media(config->media);
  // Instances sharing a database draw distinct workers with high probability; the per-chat
  // unique index still refuses a colliding id.
  MessageIdGenerator ids(static_cast<uint32_t>(RandomU64() % 1024));
  Metrics metrics(Api::EndpointNames());
  TimedStore timed_store(**store, metrics);
  std::optional<PageCache> page_cache;
  if (size_t bytes = PageCacheBytes(*config)) page_cache.emplace(bytes, &metrics);
  RateLimiter rate_limiter(config->limits.rate_per_client, config->limits.rate_burst);
  LoginThrottle login_throttle;
  // Declared before the hub, which tells it of new events until the hub is gone.
  WebhookDelivery webhooks;
  // Live delivery reads through the untimed store: its refreshes are not requests.
  EventHub events(**store, media, config->live, &metrics);
  // Webhooks: the dispatcher hears of every channel with new events from the hub.
  auto webhook_client = WebhookClient::Start({.allow_private = config->webhooks.allow_private,
                                              .extra_ca_file = config->webhooks.extra_ca_file});
  if (!webhook_client.ok()) return Fail(webhook_client.status());
  webhooks.client = std::move(*webhook_client);
  webhooks.dispatcher = std::make_unique<WebhookDispatcher>(
      (*store)->webhooks(), *webhooks.client, media, secrets->get(), config->webhooks, &metrics);
  events.Observe([&webhooks](std::string_view channel) { webhooks.dispatcher->Nudge(channel); });
  if (Status s = events.Start(); !s.ok()) return Fail(s);
  webhooks.dispatcher->Start();
  Api api(ApiDeps{timed_store, verifier, media, ids,
                  ApiSettings{config->server.host_name, config->server.service_phone,
                              config->server.max_page_size, config->server.metrics,
                              config->limits.max_transcript_bytes},
                  &metrics, rate_limiter.enabled() ? &rate_limiter : nullptr, &events,
                  config->console, &login_throttle, page_cache ? &*page_cache : nullptr});

  HttpSettings http;
  http.host = address->first;
  http.port = address->second;
  http.threads = config->server.threads;
  http.write_threads = config->server.write_threads;
  http.max_body_bytes = config->server.max_body_bytes;
  http.max_header_bytes = config->limits.max_header_bytes;
  http.max_connections = config->limits.max_connections;
  http.max_connections_per_address = config->limits.max_connections_per_address;
  http.read_timeout_s = config->limits.read_timeout_s;
  http.idle_timeout_s = config->limits.idle_timeout_s;
  http.access_log = config->server.access_log;
  HttpServer server(api, http, &metrics);
  auto port = server.Listen();
  if (!port.ok()) return Fail(port.status());
  // A client added or disabled from the command line takes effect within a second.
  // The periodic tasks fail every run while the storage is down: one line per interval each.
  RateLimitedLog refresh_log, search_index_log, retention_log, events_log, sessions_log;
  PeriodicTask refresh_clients(std::chrono::milliseconds(500), [&clients, &refresh_log] {
    if (Status s = clients.Refresh(); !s.ok()) refresh_log.Warn("client refresh: " + s.message());
  });
  // New messages are searchable at once (messages not yet indexed are scanned); indexing them
  // soon keeps that scan short. Every 100 ms rather than 250: under a full load of durable
  // sends each run is then smaller and holds the writer for less, which took the sends' p99
  // from 70 to 49 ms for 1.5 % of their rate (docs/performance.md). At most 25 chunks a run,
  // so shutdown never waits long.
  PeriodicTask search_index(std::chrono::milliseconds(100), [&store, &search_index_log] {
    auto indexed = CatchUpSearchIndex(**store, 25);
    if (!indexed.ok()) search_index_log.Warn("search index: " + indexed.status().message());
  });
  std::unique_ptr<PeriodicTask> retention;
  if (RetentionEnabled(config->retention)) {
    retention = std::make_unique<PeriodicTask>(
        std::chrono::seconds(config->retention.check_interval_s),
        [&store, &config, &retention_log] {
          auto deleted = EnforceRetention(**store, config->retention, NowMillis());
          if (!deleted.ok()) {
            retention_log.Warn("retention: " + deleted.status().message());
          } else if (*deleted > 0) {
            spdlog::info("retention: deleted {} inactive chats", *deleted);
          }
        });
  }
  std::unique_ptr<PeriodicTask> prune_events;
  if (config->events.keep_hours > 0) {
    prune_events = std::make_unique<PeriodicTask>(
        std::chrono::seconds(config->events.prune_interval_s), [&store, &config, &events_log] {
          auto pruned = PruneExpiredEvents(**store, config->events.keep_ms(), NowMillis());
          if (!pruned.ok()) events_log.Warn("events: prune: " + pruned.status().message());
        });
  }
  // Ended console sessions are refused by every lookup already; this only keeps the table small.
  PeriodicTask purge_sessions(std::chrono::minutes(10), [&store, &config, &sessions_log] {
    auto purged =
        (*store)->operators().PurgeExpiredSessions(NowMillis(), config->console.idle_ms(), 10'000);
    if (!purged.ok()) sessions_log.Warn("console sessions: purge: " + purged.status().message());
  });
  stop_signals.OnStop([&server](int) { server.Stop(); });
  spdlog::info("opchat listening on {}:{} ({} threads, storage {})", http.host, *port, http.threads,
               RedactStorageUrl(config->storage_url));
  server.Run();
  webhooks.Stop();
  spdlog::info("opchat stopped");
  return 0;
}

}  // namespace

// The most I/O threads a flag may ask for; far more than any machine it runs on has cores.
constexpr int kMaxThreads = 1024;

void RegisterServe(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand("serve", "Run the Op API server");
  AddStorageFlags(cmd, flags->storage);
  cmd->add_option("--listen", flags->listen, "HOST:PORT to listen on (default 127.0.0.1:8080)");
  cmd->add_option("--threads", flags->threads, "HTTP threads (default: one per core)")
      ->check(CLI::Range(1, kMaxThreads));
  cmd->add_option("--console-dir", flags->console_dir,
                  "serve the console's page from this directory instead of the built-in files "
                  "(for working on the page)")
      ->check(CLI::ExistingDirectory);
  cmd->callback([flags, &exit_code] { exit_code = RunServe(*flags); });
}

}  // namespace opchat::cli
