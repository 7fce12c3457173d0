// opchat webhook add | list | disable | enable | remove | rotate | deliveries | replay: the
// endpoints that receive a channel's events (docs/webhooks.md). A running server picks changes
// up within its poll interval ([webhooks] poll_interval_ms).
#include <iostream>

#include "auth/secret_box.hpp"
#include "cli/commands.hpp"
#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/json_writer.hpp"
#include "events/event_json.hpp"
#include "webhooks/destination_policy.hpp"
#include "webhooks/endpoint_keys.hpp"
#include "webhooks/standard_webhooks.hpp"

namespace opchat::cli {
namespace {

struct WebhookFlags {
  StorageFlags storage;
  std::string id;
  std::string channel;
  std::string url;
  std::vector<std::string> events;
  std::string state;
  int64_t limit = 20;
  std::string since;
  double overlap_hours = 24;
};

// How long the secret a rotation replaces keeps signing (Standard Webhooks: both sign meanwhile).
constexpr double kDefaultOverlapHours = 24;

void WriteTypes(JsonWriter& w, const EventTypeSet& types) {
  w.BeginArray();
  for (EventType t :
       {EventType::kMessageCreated, EventType::kChatCreated, EventType::kChatStatusChanged}) {
    if (!types.empty() && types.Passes(t)) w.String(EventTypeName(t));
  }
  w.EndArray();
}

std::string_view StateName(DeliveryState state) {
  switch (state) {
    case DeliveryState::kPending: return "pending";
    case DeliveryState::kSucceeded: return "succeeded";
    case DeliveryState::kFailed: return "failed";
  }
  return "pending";
}

std::optional<DeliveryState> StateFromName(std::string_view name) {
  for (DeliveryState s :
       {DeliveryState::kPending, DeliveryState::kSucceeded, DeliveryState::kFailed}) {
    if (StateName(s) == name) return s;
  }
  return std::nullopt;
}

// The store and the configuration a command works with.
struct Opened {
  Config config;
  std::unique_ptr<Store> store;
};

Result<Opened> Open(const WebhookFlags& flags, bool create) {
  ASSIGN_OR_RETURN(Config config, ResolveConfig(flags.storage));
  ASSIGN_OR_RETURN(auto store, OpenConfiguredStore(config, {.create = create}));
  return Opened{std::move(config), std::move(store)};
}

void Print(const std::string& json) { std::cout << json << "\n"; }

int RunAdd(const WebhookFlags& flags) {
  EventTypeSet types;
  for (const std::string& name : flags.events) {
    auto type = EventTypeFromName(name);
    if (!type) {
      return Fail(
          Status::InvalidArgument("--event: unknown event type \"" + name +
                                  "\" (message.created, chat.created, chat.status_changed)"));
    }
    types.Add(*type);
  }
  auto config = ResolveConfig(flags.storage);
  if (!config.ok()) return Fail(config.status());
  // Refused before anything is created: a URL into the server's own network, or one that
  // does not resolve, is a mistake to report now rather than a delivery that fails forever.
  if (Status s = CheckWebhookUrl(flags.url, config->webhooks.allow_private); !s.ok()) {
    return Fail(s);
  }
  auto secrets = LoadSecretBox(config->secrets_key_file);
  if (!secrets.ok()) return Fail(secrets.status());
  auto store = OpenConfiguredStore(*config, {.create = true});
  if (!store.ok()) return Fail(store.status());
  WebhookEndpoint endpoint;
  endpoint.id = "wh_" + RandomHex(8);
  endpoint.channel = flags.channel;
  endpoint.url = flags.url;
  endpoint.types = types;
  const std::string secret = NewWebhookSecret();
  endpoint.secret = SealWebhookSecret(secrets->get(), secret);
  endpoint.created_ms = NowMillis();
  if (Status s = (*store)->webhooks().AddWebhook(endpoint); !s.ok()) return Fail(s);
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("id");
  w.String(endpoint.id);
  // The only time the secret is shown.
  w.Key("secret");
  w.String(secret);
  w.Key("channel");
  w.String(endpoint.channel);
  w.Key("url");
  w.String(endpoint.url);
  w.Key("events");
  WriteTypes(w, types);
  w.EndObject();
  Print(out);
  return 0;
}

int RunList(const WebhookFlags& flags) {
  auto opened = Open(flags, false);
  if (!opened.ok()) return Fail(opened.status());
  auto endpoints = opened->store->webhooks().ListWebhooks();
  if (!endpoints.ok()) return Fail(endpoints.status());
  const int64_t now = NowMillis();
  for (const WebhookEndpoint& e : *endpoints) {
    std::string out;
    JsonWriter w(out);
    w.BeginObject();
    w.Key("id");
    w.String(e.id);
    w.Key("channel");
    w.String(e.channel);
    w.Key("url");
    w.String(e.url);
    w.Key("events");
    WriteTypes(w, e.types);
    w.Key("enabled");
    w.Bool(e.enabled);
    if (!e.enabled) {
      w.Key("disabledReason");
      w.String(e.disabled_reason);
    }
    w.Key("cursor");
    w.String(FormatCursor(e.cursor));
    if (e.failing_since_ms > 0) {
      w.Key("failingSince");
      w.String(FormatUtcRfc3339(e.failing_since_ms));
    }
    if (!e.previous_secret.empty() && now < e.previous_secret_until_ms) {
      w.Key("previousSecretUntil");
      w.String(FormatUtcRfc3339(e.previous_secret_until_ms));
    }
    w.Key("created");
    w.String(FormatUtcRfc3339(e.created_ms));
    w.EndObject();
    Print(out);
  }
  return 0;
}

int RunSetEnabled(const WebhookFlags& flags, bool enabled) {
  auto opened = Open(flags, false);
  if (!opened.ok()) return Fail(opened.status());
  Status s = opened->store->webhooks().SetWebhookEnabled(
      flags.id, enabled, enabled ? "" : "disabled by `opchat webhook disable`");
  if (!s.ok()) return Fail(s);
  Print("{\"id\":\"" + flags.id + "\",\"enabled\":" + (enabled ? "true" : "false") + "}");
  return 0;
}

int RunRemove(const WebhookFlags& flags) {
  auto opened = Open(flags, false);
  if (!opened.ok()) return Fail(opened.status());
  if (Status s = opened->store->webhooks().RemoveWebhook(flags.id); !s.ok()) return Fail(s);
  Print("{\"id\":\"" + flags.id + "\",\"removed\":true}");
  return 0;
}

int RunRotate(const WebhookFlags& flags) {
  auto opened = Open(flags, false);
  if (!opened.ok()) return Fail(opened.status());
  auto secrets = LoadSecretBox(opened->config.secrets_key_file);
  if (!secrets.ok()) return Fail(secrets.status());
  const std::string secret = NewWebhookSecret();
  const int64_t until = NowMillis() + static_cast<int64_t>(flags.overlap_hours * 3'600'000);
  Status s = opened->store->webhooks().RotateWebhookSecret(
      flags.id, SealWebhookSecret(secrets->get(), secret), until);
  if (!s.ok()) return Fail(s);
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("id");
  w.String(flags.id);
  w.Key("secret");
  w.String(secret);
  w.Key("previousSecretUntil");
  w.String(FormatUtcRfc3339(until));
  w.EndObject();
  Print(out);
  return 0;
}

int RunDeliveries(const WebhookFlags& flags) {
  DeliveryFilter filter;
  filter.endpoint_id = flags.id;
  filter.limit = flags.limit;
  if (!flags.state.empty()) {
    filter.state = StateFromName(flags.state);
    if (!filter.state) {
      return Fail(Status::InvalidArgument("--state: pending, succeeded or failed"));
    }
  }
  auto opened = Open(flags, false);
  if (!opened.ok()) return Fail(opened.status());
  auto& webhooks = opened->store->webhooks();
  auto endpoints = webhooks.ListWebhooks();
  if (!endpoints.ok()) return Fail(endpoints.status());
  bool known = false;
  for (const auto& e : *endpoints) known = known || e.id == flags.id;
  if (!known) return Fail(Status::NotFound("no webhook " + flags.id));
  auto deliveries = webhooks.ListWebhookDeliveries(filter);
  if (!deliveries.ok()) return Fail(deliveries.status());
  for (const DeliveryRecord& d : *deliveries) {
    std::string out;
    JsonWriter w(out);
    w.BeginObject();
    w.Key("eventId");
    w.String(FormatCursor(d.event_id));
    w.Key("type");
    w.String(EventTypeName(d.event_type));
    w.Key("chatId");
    w.String(d.chat_id);
    w.Key("state");
    w.String(StateName(d.state));
    w.Key("queued");
    w.String(FormatUtcRfc3339(d.created_ms));
    if (d.state == DeliveryState::kPending) {
      w.Key("nextAttempt");
      w.String(FormatUtcRfc3339(d.next_attempt_ms));
    }
    w.Key("attempts");
    w.BeginArray();
    for (const WebhookAttempt& a : d.attempts) {
      w.BeginObject();
      w.Key("time");
      w.String(FormatUtcRfc3339(a.time_ms));
      w.Key("status");
      w.Int(a.http_status);
      w.Key("latencyMs");
      w.Int(a.latency_ms);
      if (!a.error.empty()) {
        w.Key("error");
        w.String(a.error);
      }
      w.Key("response");
      w.String(a.response);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    Print(out);
  }
  return 0;
}

int RunReplay(const WebhookFlags& flags) {
  auto after = ParseCursor(flags.since);
  if (!after) return Fail(Status::InvalidArgument("--since: an event cursor such as 0 or 1234"));
  auto opened = Open(flags, false);
  if (!opened.ok()) return Fail(opened.status());
  auto queued = opened->store->webhooks().ReplayWebhook(flags.id, *after, NowMillis());
  if (!queued.ok()) return Fail(queued.status());
  Print("{\"id\":\"" + flags.id + "\",\"queued\":" + std::to_string(*queued) + "}");
  return 0;
}

CLI::App* AddWithId(CLI::App* parent, const char* name, const char* about,
                    std::shared_ptr<WebhookFlags> flags) {
  CLI::App* cmd = parent->add_subcommand(name, about);
  AddStorageFlags(cmd, flags->storage);
  cmd->add_option("id", flags->id, "The webhook's id (wh_...)")->required()->check(NonEmpty());
  return cmd;
}

}  // namespace

void RegisterWebhook(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<WebhookFlags>();
  CLI::App* webhook =
      app.add_subcommand("webhook", "Manage the HTTP endpoints that receive a channel's events");
  webhook->require_subcommand(1);

  CLI::App* add = webhook->add_subcommand(
      "add", "Register an endpoint; prints its id and its signing secret (shown once)");
  AddStorageFlags(add, flags->storage);
  add->add_option("--channel", flags->channel, "The channel whose events it receives")
      ->required()
      ->check(NonEmpty());
  add->add_option("--url", flags->url, "http:// or https:// URL the events are POSTed to")
      ->required()
      ->check(NonEmpty());
  add->add_option("--event", flags->events,
                  "Only these event types (repeatable; default: every type)");
  add->callback([flags, &exit_code] { exit_code = RunAdd(*flags); });

  CLI::App* list = webhook->add_subcommand("list", "List the endpoints (one JSON line each)");
  AddStorageFlags(list, flags->storage);
  list->callback([flags, &exit_code] { exit_code = RunList(*flags); });

  AddWithId(webhook, "disable", "Stop sending to an endpoint (its deliveries wait)", flags)
      ->callback([flags, &exit_code] { exit_code = RunSetEnabled(*flags, false); });
  AddWithId(webhook, "enable", "Send again, from where it stopped", flags)
      ->callback([flags, &exit_code] { exit_code = RunSetEnabled(*flags, true); });
  AddWithId(webhook, "remove", "Delete an endpoint and its deliveries", flags)
      ->callback([flags, &exit_code] { exit_code = RunRemove(*flags); });

  CLI::App* rotate = AddWithId(
      webhook, "rotate",
      "New signing secret (shown once); the old one signs too for --overlap-hours", flags);
  rotate->add_option("--overlap-hours", flags->overlap_hours, "Default 24")
      ->default_val(kDefaultOverlapHours)
      ->check(CLI::Range(0.0, 720.0));
  rotate->callback([flags, &exit_code] { exit_code = RunRotate(*flags); });

  CLI::App* deliveries =
      AddWithId(webhook, "deliveries", "The latest deliveries with their attempts", flags);
  deliveries->add_option("--state", flags->state, "pending, succeeded or failed");
  deliveries->add_option("--limit", flags->limit, "Default 20")->check(CLI::Range(1, 100000));
  deliveries->callback([flags, &exit_code] { exit_code = RunDeliveries(*flags); });

  CLI::App* replay = AddWithId(
      webhook, "replay", "Send again every event after a cursor (delivered or failed)", flags);
  replay->add_option("--since", flags->since, "Event cursor: events after it are sent again")
      ->required();
  replay->callback([flags, &exit_code] { exit_code = RunReplay(*flags); });
}

}  // namespace opchat::cli
