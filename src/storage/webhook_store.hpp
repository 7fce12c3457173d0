// The storage of webhooks (docs/webhooks.md): endpoints, and the outbox of their deliveries.
//
// The events table (store.hpp, "events") is the durable outbox: a change and its event commit
// together, so an acknowledged write always has its event. Each endpoint keeps a cursor, the last
// event id of its channel it has looked at; FanOut copies the events after it into deliveries, one
// row per (endpoint, event), and moves the cursor in the same transaction. So a crash at any point
// loses nothing: the events are there, and the cursor says which have deliveries.
//
// A delivery is pending, succeeded or failed (given up: kept for Replay). The deliveries of one
// (endpoint, chat) form a queue in event id order: only the first pending one may be sent, and
// the next waits until it has succeeded or failed. Claim leases the first deliveries of queues that
// are due, to one owner (an instance) until a time; a lease that runs out (the instance died) lets
// another owner claim the queue. Nothing here sends: the dispatcher (webhooks/) does.
//
// Thread-safety: every method may be called concurrently from any thread, and from several
// processes on one PostgreSQL database. Durability: as Store's writes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "domain/event.hpp"

namespace opchat {

struct WebhookEndpoint {
  std::string id;  // "wh_" + 16 hex digits (webhooks/)
  std::string channel;
  std::string url;
  EventTypeSet types;  // empty: every type
  // The signing secret as stored (sealed by the secret box when one is configured, like a
  // client's). While a rotation lasts, the secret it replaced signs too, until
  // previous_secret_until_ms; "" when none.
  std::string secret;
  std::string previous_secret;
  int64_t previous_secret_until_ms = 0;
  bool enabled = true;
  std::string disabled_reason;  // why it was disabled ("" while enabled)
  int64_t created_ms = 0;
  // The last event id of the channel whose delivery is queued (or that the type filter skipped).
  // AddWebhook sets it to the channel's head: an endpoint receives the events from its creation on.
  int64_t cursor = 0;
  // When the endpoint's current run of failed attempts began; 0 after a success (or none yet).
  int64_t failing_since_ms = 0;
};

enum class DeliveryState : int {
  kPending = 0,    // to be sent (or being sent, under a lease)
  kSucceeded = 1,  // answered 2xx
  kFailed = 2,     // given up after the last retry, or the endpoint answered 410: kept for Replay
};

// One attempt to send a delivery.
struct WebhookAttempt {
  int64_t time_ms = 0;     // when it started
  int http_status = 0;     // the answer's status; 0 when there was no answer
  int64_t latency_ms = 0;  // start to answer (or to the failure)
  std::string error;       // why it failed without an answer ("timeout", "connection refused", ...)
  std::string response;    // the first 1 KB of the answer's body
};

// A delivery claimed for sending: its event, read as ReadEvents reads it (a message.created has
// its message joined; `event_missing` when the event is no longer kept (PruneEvents)).
struct ClaimedDelivery {
  std::string endpoint_id;
  Event event;  // event.id, event.chat_id and event.type are always set
  bool event_missing = false;
  int attempts = 0;  // attempts made before this claim
};

// What became of a claimed delivery.
struct DeliveryOutcome {
  std::string endpoint_id;
  int64_t event_id = 0;
  // Absent: the delivery was not sent (an earlier one of its queue failed); only its lease is
  // released. Present: the attempt is recorded and the delivery's attempts counted.
  std::optional<WebhookAttempt> attempt;
  DeliveryState state = DeliveryState::kPending;
  int64_t next_attempt_ms = 0;  // when it stays pending: not to be claimed before this
  // Disables the endpoint with this reason (a 410, or failing for too long).
  std::optional<std::string> disable_endpoint;
};

// A delivery as `opchat webhook deliveries` shows it.
struct DeliveryRecord {
  std::string endpoint_id;
  int64_t event_id = 0;
  std::string chat_id;
  EventType event_type = EventType::kMessageCreated;
  DeliveryState state = DeliveryState::kPending;
  int64_t created_ms = 0;                // when it was queued
  int64_t next_attempt_ms = 0;           // pending: not before then
  std::vector<WebhookAttempt> attempts;  // oldest first
};

struct DeliveryFilter {
  std::string endpoint_id;             // required
  std::optional<DeliveryState> state;  // absent: every state
  int64_t limit = 50;                  // the newest `limit` deliveries (highest event id first)
};

// How many deliveries wait, for /metrics.
struct WebhookQueueStats {
  int64_t pending = 0;            // pending deliveries of enabled endpoints
  int64_t retrying = 0;           // of which have failed at least once
  int64_t oldest_pending_ms = 0;  // created_ms of the oldest pending one; 0 when none
};

struct ClaimRequest {
  std::string owner;   // the claiming instance (unique per process)
  int64_t now_ms = 0;  // due: next_attempt_ms <= now_ms; leases with lease_until < now are free
  int64_t lease_until_ms = 0;
  int64_t max_queues = 100;  // at most this many (endpoint, chat) queues
  int64_t per_queue = 20;    // at most this many deliveries of each, from its first
  // Skip these endpoints (the dispatcher's per-endpoint bound on requests is reached).
  std::vector<std::string> skip_endpoints;
};

// FanOutWebhook's lease: the deliveries it queues are leased at once, in the same transaction,
// when nothing of their queue waits before them other than deliveries `owner` holds, so a
// dispatcher sends a chat's new events without a claim between the commit and the request.
struct FanOutLease {
  std::string owner;
  int64_t lease_until_ms = 0;
  // Out: the deliveries leased, with their events as a claim returns them, ordered by chat and
  // event id.
  std::vector<ClaimedDelivery> leased;
};

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;

  // --- endpoints ---
  // Stores a new endpoint with its cursor at the channel's current head (whatever
  // endpoint.cursor says), in one transaction. Conflict when the id is taken.
  virtual Status AddWebhook(const WebhookEndpoint& endpoint) = 0;
  // Every endpoint, in order of creation.
  virtual Result<std::vector<WebhookEndpoint>> ListWebhooks() = 0;
  // Enabling clears disabled_reason and failing_since_ms; disabling records `reason`. Pending
  // deliveries stay queued while disabled and are sent after enabling; events that happen while
  // it is disabled are queued when it is enabled again (its cursor does not move). NotFound.
  virtual Status SetWebhookEnabled(std::string_view id, bool enabled, std::string_view reason) = 0;
  // The current secret becomes the previous one until `previous_until_ms`, `new_secret` the
  // current one. NotFound.
  virtual Status RotateWebhookSecret(std::string_view id, std::string_view new_secret,
                                     int64_t previous_until_ms) = 0;
  // Deletes the endpoint with its deliveries and their attempts. NotFound.
  virtual Status RemoveWebhook(std::string_view id) = 0;

  // --- the outbox ---
  // Queues deliveries (pending, due at now_ms) for the events of the endpoint's channel after
  // its cursor that pass its type filter, looking at up to `limit` events, and moves the cursor
  // past the events looked at, all in one transaction; concurrent calls (other processes
  // included) never queue an event twice. A cursor below the channel's pruned_through first
  // jumps to it (those events are gone). A disabled or missing endpoint queues nothing.
  // With `lease` (may be null), a queued delivery whose queue has no pending delivery before it
  // except ones lease->owner holds (lease_until_ms >= now_ms) is leased to lease->owner and
  // returned in lease->leased, so its (endpoint, chat) order holds as a claim's would.
  // Returns how many deliveries were queued. REQUIRES: limit > 0.
  virtual Result<int64_t> FanOutWebhook(std::string_view endpoint_id, int64_t limit, int64_t now_ms,
                                        FanOutLease* lease) = 0;
  // Leases, to request.owner until request.lease_until_ms, the first pending deliveries of up to
  // max_queues (endpoint, chat) queues of enabled endpoints whose first pending delivery is due
  // and not leased by anyone (lease_until_ms < now_ms), at most per_queue of each (the ones after
  // the first are leased whatever their next_attempt_ms: they wait behind it). Returns them
  // ordered by endpoint, chat and event id. A queue is never leased to two owners at once: one
  // taken over from an owner whose lease ran out loses all that owner's leases, so its late
  // outcomes for the queue are ignored. When more queues are due than max_queues, successive
  // claims of one process take them round in turn.
  virtual Result<std::vector<ClaimedDelivery>> ClaimWebhookDeliveries(
      const ClaimRequest& request) = 0;
  // Extends to `lease_until_ms` every lease `owner` holds (a long run of sends outlasting it).
  virtual Status RenewWebhookLeases(std::string_view owner, int64_t lease_until_ms) = 0;
  // Records outcomes of deliveries claimed by `owner`, in one transaction: each delivery's new
  // state, next_attempt_ms, attempt count and attempt row; its lease released. An endpoint whose
  // attempt succeeded gets failing_since_ms = 0, one whose attempt failed keeps its
  // failing_since_ms or takes the attempt's time (in the order of `outcomes`); disable_endpoint
  // disables it (with or without an attempt). An outcome for a delivery no longer leased by
  // `owner` (its lease ran out and another took it) is ignored, its disable_endpoint too. An
  // owner whose lease ran out but was not taken over still records.
  virtual Status RecordWebhookOutcomes(std::string_view owner,
                                       std::span<const DeliveryOutcome> outcomes) = 0;

  // --- operations ---
  // The filter's deliveries with their attempts, newest first (none for an unknown endpoint).
  virtual Result<std::vector<DeliveryRecord>> ListWebhookDeliveries(
      const DeliveryFilter& filter) = 0;
  // Queues again every event of the endpoint's channel with id > after_id, up to its cursor, that
  // passes its type filter: a delivery that exists becomes pending again (due now, attempts 0,
  // queued now, its attempt rows kept; one being sent keeps its lease), a missing one is created.
  // Events already pruned (PruneEvents) cannot be replayed. Returns how many were queued.
  // NotFound.
  virtual Result<int64_t> ReplayWebhook(std::string_view id, int64_t after_id, int64_t now_ms) = 0;
  // Deletes up to `limit` deliveries that are no longer pending (succeeded or failed), queued
  // before `before_ms`, with their attempts. Returns how many. REQUIRES: limit > 0.
  virtual Result<int64_t> PruneWebhookDeliveries(int64_t before_ms, int64_t limit) = 0;
  virtual Result<WebhookQueueStats> GetWebhookQueueStats() = 0;
};

}  // namespace opchat
