#include "storage/postgres/pg_webhook_store.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <map>
#include <set>
#include <unordered_map>

#include "storage/chat_rules.hpp"
#include "storage/postgres/pg_array.hpp"
#include "storage/postgres/pg_row.hpp"
#include "storage/webhook_rows.hpp"

namespace opchat::postgres {
namespace {

// --- statements ---

// $11 failing_since; the cursor starts at the channel's head as of the insert.
constexpr Statement kAddWebhook = {
    "wh_add", "INSERT INTO webhook_endpoints (" OPCHAT_WEBHOOK_COLUMNS
              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
              " (SELECT COALESCE(MAX(head), 0) FROM event_heads WHERE channel_id = $2), $11)"
              " ON CONFLICT (id) DO NOTHING"};
constexpr Statement kListWebhooks = {
    "wh_list", "SELECT " OPCHAT_WEBHOOK_COLUMNS " FROM webhook_endpoints ORDER BY created_ms, id"};
constexpr Statement kEnableWebhook = {
    "wh_enable",
    "UPDATE webhook_endpoints SET enabled = 1, disabled_reason = '', failing_since_ms = 0"
    " WHERE id = $1"};
constexpr Statement kDisableWebhook = {
    "wh_disable", "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = $2 WHERE id = $1"};
constexpr Statement kRotateWebhookSecret = {
    "wh_rotate",
    "UPDATE webhook_endpoints SET previous_secret = secret, secret = $2,"
    " previous_secret_until_ms = $3 WHERE id = $1"};
// The endpoint row, locked until the transaction ends: FanOut, Replay and Remove of one endpoint
// queue here, in this process or another.
constexpr Statement kLockWebhook = {
    "wh_lock",
    "SELECT channel_id, types, enabled, cursor FROM webhook_endpoints WHERE id = $1 FOR UPDATE"};
constexpr Statement kRemoveWebhook = {
    "wh_remove",
    "WITH a AS (DELETE FROM webhook_attempts WHERE endpoint_id = $1),"
    " d AS (DELETE FROM webhook_deliveries WHERE endpoint_id = $1)"
    " DELETE FROM webhook_endpoints WHERE id = $1"};

constexpr Statement kEventBounds = {
    "wh_event_bounds", "SELECT head, pruned_through FROM event_heads WHERE channel_id = $1"};
// $1 endpoint, $2 channel, events in ($3, $4], $5 now, $6 type mask.
#define OPCHAT_QUEUE_EVENTS                                                                      \
  "INSERT INTO webhook_deliveries (endpoint_id, event_id, chat_id, event_type, state, attempts," \
  " next_attempt_ms, lease_owner, lease_until_ms, created_ms)"                                   \
  " SELECT $1, id, chat_id, type, 0, 0, $5::bigint, '', 0, $5::bigint FROM events"               \
  " WHERE channel_id = $2 AND id > $3::bigint AND id <= $4::bigint"                              \
  " AND ($6::bigint = 0 OR ($6::bigint >> type::int) & 1 = 1)"
constexpr Statement kQueueEvents = {
    "wh_queue_events", OPCHAT_QUEUE_EVENTS " ON CONFLICT (endpoint_id, event_id) DO NOTHING"};
// A pending delivery keeps its lease: whoever holds it is sending it.
constexpr Statement kReplayEvents = {
    "wh_replay_events", OPCHAT_QUEUE_EVENTS
    " ON CONFLICT (endpoint_id, event_id) DO UPDATE SET state = 0, attempts = 0,"
    " next_attempt_ms = EXCLUDED.next_attempt_ms,"
    " created_ms = EXCLUDED.created_ms"};
#undef OPCHAT_QUEUE_EVENTS
constexpr Statement kSetCursor = {"wh_set_cursor",
                                  "UPDATE webhook_endpoints SET cursor = $2 WHERE id = $1"};

// The first pending delivery of up to $3 due and free queues of enabled endpoints, not of the
// endpoints $2, visiting the queues in (endpoint, chat) order from just after ($4, $5); each
// locked, and re-checked under the lock, so of two claimers racing for a queue one gets it and
// the other skips it. $1 now. The queues are found by a skip scan of the partial index of pending
// deliveries (one seek per queue, stopping once $3 are found), so neither finished deliveries
// nor the length of a queue's backlog cost anything. `due` is computed once (MATERIALIZED): with
// statistics that lag behind the table (estimated at one row), it was inlined and re-run for
// every pending delivery the last join read, 15 s a claim behind 20,000 deliveries.
constexpr Statement kLockDueQueues = {
    "wh_lock_due_queues",
    "WITH RECURSIVE q AS ((SELECT endpoint_id, chat_id FROM webhook_deliveries"
    " WHERE state = 0 AND (endpoint_id, chat_id) > ($4::text, $5::text)"
    " ORDER BY endpoint_id, chat_id LIMIT 1)"
    " UNION ALL SELECT n.endpoint_id, n.chat_id FROM q CROSS JOIN LATERAL (SELECT endpoint_id,"
    " chat_id FROM webhook_deliveries x WHERE x.state = 0"
    " AND (x.endpoint_id, x.chat_id) > (q.endpoint_id, q.chat_id)"
    " ORDER BY x.endpoint_id, x.chat_id LIMIT 1) n),"
    " due AS MATERIALIZED (SELECT h.endpoint_id, h.chat_id, h.event_id FROM q CROSS JOIN"
    " LATERAL (SELECT"
    " endpoint_id, chat_id, event_id, next_attempt_ms, lease_until_ms FROM webhook_deliveries y "
    "WHERE y.state = 0"
    " AND y.endpoint_id = q.endpoint_id AND y.chat_id = q.chat_id ORDER BY y.event_id LIMIT 1) h"
    " JOIN webhook_endpoints w ON w.id = h.endpoint_id"
    " WHERE w.enabled = 1 AND h.next_attempt_ms <= $1::bigint AND h.lease_until_ms < $1::bigint"
    " AND h.endpoint_id <> ALL($2::text[]) LIMIT $3::bigint)"
    " SELECT d.endpoint_id, d.chat_id, d.lease_owner FROM due JOIN webhook_deliveries d"
    " ON d.endpoint_id = due.endpoint_id AND d.chat_id = due.chat_id AND d.event_id = due.event_id"
    " WHERE d.state = 0 AND d.next_attempt_ms <= $1::bigint AND d.lease_until_ms < $1::bigint"
    " ORDER BY d.endpoint_id, d.chat_id FOR UPDATE OF d SKIP LOCKED"};
// A queue taken over from an owner whose lease ran out loses that owner's leases on the rest
// of it too, so the old owner can record nothing of it behind the new one's back.
constexpr Statement kTakeOverQueues = {
    "wh_take_over_queues",
    "UPDATE webhook_deliveries d SET lease_owner = '', lease_until_ms = 0"
    " FROM unnest($1::text[], $2::text[]) AS k(endpoint_id, chat_id)"
    " WHERE d.endpoint_id = k.endpoint_id AND d.chat_id = k.chat_id AND d.state = 0"
    " AND d.lease_owner <> ''"};
// The deliveries an UPDATE ... RETURNING named `u` leased, with their events (ReadLeased). Each
// event is one seek by (channel, id): as a plain join, with `u` estimated at one row, the
// planner read all of the channel's events for each delivery and filtered on the id (20,000
// events x 2,000 deliveries a claim: seconds). LIMIT 1 keeps the subquery a parameterised seek.
#define OPCHAT_SELECT_LEASED                                                     \
  " SELECT u.endpoint_id, u.event_id, u.chat_id, u.event_type, u.attempts, "     \
  "w.channel_id, " OPCHAT_EVENT_COLUMNS                                          \
  " FROM u JOIN webhook_endpoints w ON w.id = u.endpoint_id"                     \
  " LEFT JOIN LATERAL (SELECT * FROM events e WHERE e.channel_id = w.channel_id" \
  " AND e.id = u.event_id LIMIT 1) e ON TRUE"                                    \
  " LEFT JOIN messages m ON e.type = 1 AND m.chat_id = e.chat_id"                \
  " AND m.channel_id = e.channel_id AND m.seq = e.seq"                           \
  " ORDER BY u.endpoint_id, u.chat_id, u.event_id"
// Every join to a delivery names its chat too, so that it is one seek in the pending index,
// which PostgreSQL prefers to the primary key (without the chat it read all of the endpoint's
// pending entries per delivery: 800 ms for a claim of 1,000).
// Leases the first $5 pending deliveries of the queues ($1, $2) (their first ones locked by
// kLockDueQueues) to $3 until $4, and returns them with their events, read as ReadEvents reads
// them (pg_store.cpp's kReadEvents: a message.created joined to its message); NULL event columns
// when the event was pruned.
constexpr Statement kLeaseQueues = {
    "wh_lease_queues",
    "WITH k AS (SELECT * FROM unnest($1::text[], $2::text[]) AS k(endpoint_id, chat_id)),"
    " b AS MATERIALIZED (SELECT x.endpoint_id, x.chat_id, x.event_id FROM k CROSS JOIN LATERAL"
    " (SELECT"
    " endpoint_id, chat_id, event_id FROM webhook_deliveries x WHERE x.endpoint_id = k.endpoint_id"
    " AND x.chat_id = k.chat_id AND x.state = 0 ORDER BY x.event_id LIMIT $5::bigint) x),"
    " u AS (UPDATE webhook_deliveries d SET lease_owner = $3, lease_until_ms = $4::bigint FROM b"
    " WHERE d.endpoint_id = b.endpoint_id AND d.chat_id = b.chat_id AND d.event_id = b.event_id"
    " AND d.state = 0"
    " RETURNING d.endpoint_id, d.event_id, d.chat_id, d.event_type, "
    "d.attempts)" OPCHAT_SELECT_LEASED};
// FanOutWebhook's lease: of the deliveries of endpoint $1 just queued for the events ($2, $3],
// leases to $4 until $5 those of each chat whose queue has nothing pending before them but
// deliveries $4 holds ($6 now), and returns them with their events.
// The plan must not depend on the table's statistics, which lag behind a table that grows by
// thousands of rows a second: estimated at one row, `f` was inlined and re-read for every
// delivery it joined, and the blockers looked for among all the endpoint's pending deliveries,
// 0.6-0.9 s per fan-out of 1,000 events. So `f` and `free` are computed once (MATERIALIZED),
// and the blocker check stays a per-chat subquery (OFFSET 0 keeps it from becoming a join), one
// seek in the pending index each.
constexpr Statement kLeaseQueued = {
    "wh_lease_queued",
    "WITH f AS MATERIALIZED (SELECT chat_id, min(event_id) AS first_id FROM webhook_deliveries"
    " WHERE endpoint_id = $1 AND event_id > $2::bigint AND event_id <= $3::bigint AND state = 0"
    " AND lease_owner = '' AND attempts = 0 GROUP BY chat_id),"
    " free AS MATERIALIZED (SELECT f.chat_id FROM f WHERE NOT EXISTS (SELECT 1 FROM"
    " webhook_deliveries x WHERE x.endpoint_id = $1 AND x.chat_id = f.chat_id AND x.state = 0"
    " AND x.event_id < f.first_id AND NOT (x.lease_owner = $4 AND x.lease_until_ms >= "
    "$6::bigint) OFFSET 0)),"
    " u AS (UPDATE webhook_deliveries d SET lease_owner = $4, lease_until_ms = $5::bigint"
    " FROM free WHERE d.endpoint_id = $1 AND d.chat_id = free.chat_id"
    " AND d.event_id > $2::bigint AND d.event_id <= $3::bigint AND d.state = 0"
    " AND d.lease_owner = '' AND d.attempts = 0"
    " RETURNING d.endpoint_id, d.event_id, d.chat_id, d.event_type, "
    "d.attempts)" OPCHAT_SELECT_LEASED};
#undef OPCHAT_SELECT_LEASED
constexpr int kClaimedEventColumn = 6;
constexpr Statement kRenewLeases = {
    "wh_renew_leases",
    "UPDATE webhook_deliveries SET lease_until_ms = $2 WHERE state = 0 AND lease_owner = $1"};

// Applies a batch of outcomes ($1 endpoint, $2 event, $3 state, $4 next attempt, $5 1 with an
// attempt, else 0) to the deliveries $6 still leases; returns the 1-based positions in the batch
// of those it applied. Without an attempt only the lease is released.
constexpr Statement kApplyOutcomes = {
    "wh_apply_outcomes",
    "WITH o AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[],"
    " $5::bigint[]) WITH ORDINALITY AS o(endpoint_id, event_id, state, next_attempt_ms,"
    " attempted, n))"
    " UPDATE webhook_deliveries d SET"
    " state = CASE WHEN o.attempted = 1 THEN o.state ELSE d.state END,"
    " next_attempt_ms = CASE WHEN o.attempted = 1 THEN o.next_attempt_ms ELSE d.next_attempt_ms"
    " END, attempts = d.attempts + o.attempted, lease_owner = '', lease_until_ms = 0 FROM o"
    " WHERE d.endpoint_id = o.endpoint_id AND d.event_id = o.event_id AND d.lease_owner = $6"
    " AND d.state = 0 RETURNING o.n"};
// The attempt rows of applied outcomes, each numbered after its delivery's last.
constexpr Statement kInsertAttempts = {
    "wh_insert_attempts",
    "INSERT INTO webhook_attempts (endpoint_id, event_id, attempt_no, " OPCHAT_ATTEMPT_COLUMNS
    ") SELECT a.endpoint_id, a.event_id, COALESCE((SELECT MAX(attempt_no) FROM webhook_attempts x"
    " WHERE x.endpoint_id = a.endpoint_id AND x.event_id = a.event_id), 0) + 1, a.time_ms,"
    " a.http_status, a.latency_ms, a.error, a.response FROM unnest($1::text[], $2::bigint[],"
    " $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::text[])"
    " AS a(endpoint_id, event_id, time_ms, http_status, latency_ms, error, response)"};
// What a batch did to one endpoint's health: $2 'clear' (its last attempt succeeded), 'set' (a
// failure followed its last success: the run began at $3), 'start' (failures only: the run
// began at $3 unless it had already begun), '' (no attempt); $4 disables it with this reason.
constexpr Statement kUpdateHealth = {
    "wh_update_health",
    "UPDATE webhook_endpoints SET failing_since_ms = CASE $2::text WHEN 'clear' THEN 0"
    " WHEN 'set' THEN $3::bigint WHEN 'start' THEN CASE WHEN failing_since_ms = 0"
    " THEN $3::bigint ELSE failing_since_ms END ELSE failing_since_ms END,"
    " enabled = CASE WHEN $4::text IS NULL THEN enabled ELSE 0 END,"
    " disabled_reason = COALESCE($4::text, disabled_reason) WHERE id = $1"};

constexpr Statement kListDeliveries = {
    "wh_list_deliveries",
    "SELECT " OPCHAT_DELIVERY_COLUMNS
    " FROM webhook_deliveries WHERE endpoint_id = $1"
    " AND ($2::bigint IS NULL OR state = $2::bigint) ORDER BY event_id DESC LIMIT $3::bigint"};
constexpr Statement kListAttempts = {
    "wh_list_attempts",
    "SELECT event_id, " OPCHAT_ATTEMPT_COLUMNS
    " FROM webhook_attempts WHERE endpoint_id = $1 AND event_id = ANY($2::bigint[])"
    " ORDER BY event_id, attempt_no"};
constexpr Statement kPruneDeliveries = {
    "wh_prune_deliveries",
    "WITH d AS (DELETE FROM webhook_deliveries WHERE (endpoint_id, event_id) IN (SELECT"
    " endpoint_id, event_id FROM webhook_deliveries WHERE state <> 0 AND created_ms < $1::bigint"
    " ORDER BY created_ms, endpoint_id, event_id LIMIT $2::bigint) RETURNING endpoint_id, "
    "event_id),"
    " a AS (DELETE FROM webhook_attempts x USING d WHERE x.endpoint_id = d.endpoint_id"
    " AND x.event_id = d.event_id)"
    " SELECT COUNT(*) FROM d"};
constexpr Statement kQueueStats = {
    "wh_queue_stats",
    "SELECT COUNT(*), COUNT(*) FILTER (WHERE d.attempts > 0), COALESCE(MIN(d.created_ms), 0)"
    " FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id"
    " WHERE d.state = 0 AND w.enabled = 1"};

// --- steps ---

Param StateParam(DeliveryState s) { return ParamOf(int64_t{static_cast<int>(s)}); }

// What FanOut and Replay need of an endpoint, read under its row lock.
struct EndpointScope {
  std::string channel;
  int64_t types = 0;  // EventTypeMask
  bool enabled = false;
  int64_t cursor = 0;
};

Result<std::optional<EndpointScope>> LockScope(PgConn& c, std::string_view id) {
  ASSIGN_OR_RETURN(PgResult r, c.Exec(kLockWebhook, {ParamOf(id)}));
  if (r.Rows() == 0) return std::optional<EndpointScope>();
  return std::optional<EndpointScope>(
      EndpointScope{r.String(0, 0), r.Int(0, 1), r.Int(0, 2) != 0, r.Int(0, 3)});
}

Result<int64_t> QueueEvents(PgConn& c, const Statement& stmt, std::string_view endpoint_id,
                            const EndpointScope& scope, int64_t after, int64_t upto,
                            int64_t now_ms) {
  ASSIGN_OR_RETURN(PgResult r,
                   c.Exec(stmt, {ParamOf(endpoint_id), ParamOf(scope.channel), ParamOf(after),
                                 ParamOf(upto), ParamOf(now_ms), ParamOf(scope.types)}));
  return r.AffectedRows();
}

// Locks the first pending deliveries of up to request.max_queues due queues, visited round the
// ring of queues from just after `from` (so every queue gets its turn, however many are due),
// and moves `from` to the last one taken. Returns (endpoint, chat, lease owner) rows.
Result<std::vector<std::array<std::string, 3>>> LockDueQueues(
    PgConn& c, const ClaimRequest& request, std::pair<std::string, std::string>& from) {
  ArrayBuilder skip;
  for (const std::string& id : request.skip_endpoints) skip.Add(ParamOf(id));
  const Param skipped = skip.Done();
  std::vector<std::array<std::string, 3>> out;
  std::set<std::pair<std::string, std::string>> seen;  // a wrapped pass meets the first again
  const bool from_start = from.first.empty() && from.second.empty();
  for (int pass = 0; pass < 2; ++pass) {
    const int64_t wanted = request.max_queues - static_cast<int64_t>(out.size());
    if (wanted <= 0) break;
    ASSIGN_OR_RETURN(PgResult r,
                     c.Exec(kLockDueQueues, {ParamOf(request.now_ms), skipped, ParamOf(wanted),
                                             ParamOf(from.first), ParamOf(from.second)}));
    for (int i = 0; i < r.Rows(); ++i) {
      if (!seen.insert({r.String(i, 0), r.String(i, 1)}).second) continue;
      out.push_back({r.String(i, 0), r.String(i, 1), r.String(i, 2)});
    }
    if (r.Rows() > 0) from = {r.String(r.Rows() - 1, 0), r.String(r.Rows() - 1, 1)};
    if (static_cast<int64_t>(r.Rows()) >= wanted || pass == 1 || from_start) break;
    from = {};  // the end of the ring: on from its start
  }
  return out;
}

// The rows of kLeaseQueues or kLeaseQueued, appended to `out`.
void ReadLeased(const PgResult& r, std::vector<ClaimedDelivery>& out) {
  out.reserve(out.size() + static_cast<size_t>(r.Rows()));
  for (int i = 0; i < r.Rows(); ++i) {
    ClaimedDelivery d;
    d.endpoint_id = r.String(i, 0);
    d.attempts = static_cast<int>(r.Int(i, 4));
    if (r.IsNull(i, kClaimedEventColumn)) {
      d.event_missing = true;
      d.event.id = r.Int(i, 1);
      d.event.chat_id = r.String(i, 2);
      d.event.type = EventTypeOfCode(r.Int(i, 3));
      d.event.channel = r.String(i, 5);
    } else {
      d.event = ReadEvent(PgRow(r, i), kClaimedEventColumn);
    }
    out.push_back(std::move(d));
  }
}

// Leases the due queues that no other claimer holds, inside the caller's transaction.
Result<std::vector<ClaimedDelivery>> LeaseDueQueues(PgConn& c, const ClaimRequest& request,
                                                    std::pair<std::string, std::string>& from) {
  std::vector<ClaimedDelivery> out;
  // Planned for each call's values: the generic plan that PostgreSQL settles on after five
  // calls reads the deliveries without the pending index (1.8 s a claim instead of 30 ms).
  RETURN_IF_ERROR(c.ExecScript("SET LOCAL plan_cache_mode = force_custom_plan"));
  ASSIGN_OR_RETURN(auto firsts, LockDueQueues(c, request, from));
  if (firsts.empty()) return out;
  ArrayBuilder endpoints, chats, stale_endpoints, stale_chats;
  bool stale = false;
  for (const auto& [endpoint_id, chat_id, owner] : firsts) {
    endpoints.Add(ParamOf(endpoint_id));
    chats.Add(ParamOf(chat_id));
    if (!owner.empty()) {
      stale = true;
      stale_endpoints.Add(ParamOf(endpoint_id));
      stale_chats.Add(ParamOf(chat_id));
    }
  }
  if (stale) {
    RETURN_IF_ERROR(
        StatusOf(c.Exec(kTakeOverQueues, {stale_endpoints.Done(), stale_chats.Done()})));
  }
  ASSIGN_OR_RETURN(PgResult r,
                   c.Exec(kLeaseQueues, {endpoints.Done(), chats.Done(), ParamOf(request.owner),
                                         ParamOf(request.lease_until_ms),
                                         ParamOf(std::max<int64_t>(1, request.per_queue))}));
  ReadLeased(r, out);
  return out;
}

// The effect of one endpoint's applied outcomes on its row, in batch order.
struct HealthChange {
  std::string mode;  // as kUpdateHealth's $2
  int64_t since_ms = 0;
  std::optional<std::string> disable;
};

void ApplyToHealth(HealthChange& h, const DeliveryOutcome& o) {
  if (o.disable_endpoint) h.disable = o.disable_endpoint;
  if (!o.attempt) return;
  if (o.state == DeliveryState::kSucceeded) {
    h.mode = "clear";
  } else if (h.mode == "clear") {
    h = {"set", o.attempt->time_ms, h.disable};
  } else if (h.mode.empty()) {
    h = {"start", o.attempt->time_ms, h.disable};
  }
}

Status RecordOutcomes(PgConn& c, std::string_view owner,
                      std::span<const DeliveryOutcome> outcomes) {
  ArrayBuilder endpoints, events, states, nexts, attempted;
  for (const DeliveryOutcome& o : outcomes) {
    endpoints.Add(ParamOf(o.endpoint_id));
    events.Add(ParamOf(o.event_id));
    states.Add(StateParam(o.state));
    nexts.Add(ParamOf(o.next_attempt_ms));
    attempted.Add(ParamOf(int64_t{o.attempt ? 1 : 0}));
  }
  ASSIGN_OR_RETURN(PgResult applied,
                   c.Exec(kApplyOutcomes, {endpoints.Done(), events.Done(), states.Done(),
                                           nexts.Done(), attempted.Done(), ParamOf(owner)}));
  std::vector<size_t> positions;
  for (int i = 0; i < applied.Rows(); ++i) {
    positions.push_back(static_cast<size_t>(applied.Int(i, 0) - 1));
  }
  std::sort(positions.begin(), positions.end());
  ArrayBuilder a_endpoints, a_events, a_times, a_statuses, a_latencies, a_errors, a_responses;
  bool any_attempt = false;
  std::map<std::string, HealthChange> health;  // by endpoint id: rows locked in id order
  for (size_t i : positions) {
    const DeliveryOutcome& o = outcomes[i];
    ApplyToHealth(health[o.endpoint_id], o);
    if (!o.attempt) continue;
    any_attempt = true;
    a_endpoints.Add(ParamOf(o.endpoint_id));
    a_events.Add(ParamOf(o.event_id));
    a_times.Add(ParamOf(o.attempt->time_ms));
    a_statuses.Add(ParamOf(int64_t{o.attempt->http_status}));
    a_latencies.Add(ParamOf(o.attempt->latency_ms));
    a_errors.Add(ParamOf(o.attempt->error));
    a_responses.Add(ParamOf(o.attempt->response));
  }
  if (any_attempt) {
    RETURN_IF_ERROR(StatusOf(c.Exec(
        kInsertAttempts, {a_endpoints.Done(), a_events.Done(), a_times.Done(), a_statuses.Done(),
                          a_latencies.Done(), a_errors.Done(), a_responses.Done()})));
  }
  for (const auto& [id, h] : health) {
    if (h.mode.empty() && !h.disable) continue;
    RETURN_IF_ERROR(StatusOf(c.Exec(
        kUpdateHealth, {ParamOf(id), ParamOf(h.mode), ParamOf(h.since_ms), ParamOf(h.disable)})));
  }
  return Status::Ok();
}

}  // namespace

// --- endpoints ---

Status PgWebhookStore::AddWebhook(const WebhookEndpoint& w) {
  return with_connection_([&](PgConn& c) -> Status {
    ASSIGN_OR_RETURN(
        PgResult r,
        c.Exec(kAddWebhook, {ParamOf(w.id), ParamOf(w.channel), ParamOf(w.url),
                             ParamOf(store_rules::EventTypeMask(w.types)), ParamOf(w.secret),
                             ParamOf(w.previous_secret), ParamOf(w.previous_secret_until_ms),
                             ParamOf(int64_t{w.enabled ? 1 : 0}), ParamOf(w.disabled_reason),
                             ParamOf(w.created_ms), ParamOf(w.failing_since_ms)}));
    return r.AffectedRows() == 0 ? store_rules::WebhookExists(w.id) : Status::Ok();
  });
}

Result<std::vector<WebhookEndpoint>> PgWebhookStore::ListWebhooks() {
  std::vector<WebhookEndpoint> out;
  RETURN_IF_ERROR(with_connection_([&](PgConn& c) -> Status {
    ASSIGN_OR_RETURN(PgResult r, c.Exec(kListWebhooks, {}));
    for (int i = 0; i < r.Rows(); ++i) out.push_back(ReadWebhookEndpoint(PgRow(r, i)));
    return Status::Ok();
  }));
  return out;
}

Status PgWebhookStore::SetWebhookEnabled(std::string_view id, bool enabled,
                                         std::string_view reason) {
  return with_connection_([&](PgConn& c) -> Status {
    auto r = enabled ? c.Exec(kEnableWebhook, {ParamOf(id)})
                     : c.Exec(kDisableWebhook, {ParamOf(id), ParamOf(reason)});
    if (!r.ok()) return r.status();
    return r->AffectedRows() == 0 ? store_rules::WebhookNotFound(id) : Status::Ok();
  });
}

Status PgWebhookStore::RotateWebhookSecret(std::string_view id, std::string_view new_secret,
                                           int64_t previous_until_ms) {
  return with_connection_([&](PgConn& c) -> Status {
    ASSIGN_OR_RETURN(PgResult r, c.Exec(kRotateWebhookSecret, {ParamOf(id), ParamOf(new_secret),
                                                               ParamOf(previous_until_ms)}));
    return r.AffectedRows() == 0 ? store_rules::WebhookNotFound(id) : Status::Ok();
  });
}

Status PgWebhookStore::RemoveWebhook(std::string_view id) {
  return with_connection_([&](PgConn& c) -> Status {
    return c.Transact([&]() -> Status {
      // Locked first, so a FanOut that committed deliveries meanwhile has them deleted too.
      ASSIGN_OR_RETURN(std::optional<EndpointScope> scope, LockScope(c, id));
      if (!scope) return store_rules::WebhookNotFound(id);
      return StatusOf(c.Exec(kRemoveWebhook, {ParamOf(id)}));
    });
  });
}

// --- the outbox ---

Result<int64_t> PgWebhookStore::FanOutWebhook(std::string_view endpoint_id, int64_t limit,
                                              int64_t now_ms, FanOutLease* lease) {
  assert(limit > 0 && "REQUIRES: limit > 0 (webhook_store.hpp)");
  int64_t queued = 0;
  std::vector<ClaimedDelivery> leased;
  RETURN_IF_ERROR(with_connection_([&](PgConn& c) -> Status {
    return c.Transact([&]() -> Status {
      queued = 0;
      leased.clear();
      ASSIGN_OR_RETURN(std::optional<EndpointScope> scope, LockScope(c, endpoint_id));
      if (!scope || !scope->enabled) return Status::Ok();
      // Read after the lock, in a later snapshot: every event up to this head has committed.
      ASSIGN_OR_RETURN(PgResult b, c.Exec(kEventBounds, {ParamOf(scope->channel)}));
      const int64_t head = b.Rows() > 0 ? b.Int(0, 0) : 0;
      const int64_t pruned = b.Rows() > 0 ? b.Int(0, 1) : 0;
      // Ids are dense up to the head, so the events looked at are the ids after the cursor.
      const int64_t from = std::max(scope->cursor, pruned);
      const int64_t upto = std::max(from, std::min(head, from + limit));
      if (upto == scope->cursor) return Status::Ok();
      ASSIGN_OR_RETURN(queued,
                       QueueEvents(c, kQueueEvents, endpoint_id, *scope, from, upto, now_ms));
      if (lease != nullptr && queued > 0) {
        ASSIGN_OR_RETURN(
            PgResult r, c.Exec(kLeaseQueued, {ParamOf(endpoint_id), ParamOf(from), ParamOf(upto),
                                              ParamOf(lease->owner), ParamOf(lease->lease_until_ms),
                                              ParamOf(now_ms)}));
        ReadLeased(r, leased);
      }
      return StatusOf(c.Exec(kSetCursor, {ParamOf(endpoint_id), ParamOf(upto)}));
    });
  }));
  if (lease != nullptr) {
    for (ClaimedDelivery& d : leased) lease->leased.push_back(std::move(d));
  }
  // The fan-out has committed: a failed ANALYZE only leaves the statistics to autovacuum.
  (void)AnalyzeAfterGrowth(queued);
  return queued;
}

Status PgWebhookStore::AnalyzeAfterGrowth(int64_t queued) {
  // Autovacuum analyzes a table a minute or more after it changed; a burst of events queues tens
  // of thousands of deliveries in seconds, and until the statistics catch up every statement is
  // planned for a table of a few rows (nested loops that re-read it per row: seconds a claim).
  // The table is analyzed here instead, each time it has grown by kAnalyzeEvery deliveries:
  // some 50 ms, a sample of it, outside any transaction.
  if (queued_since_analyze_.fetch_add(queued) + queued < kAnalyzeEvery) return Status::Ok();
  queued_since_analyze_ = 0;
  return with_connection_([](PgConn& c) { return c.ExecScript("ANALYZE webhook_deliveries"); });
}

Result<std::vector<ClaimedDelivery>> PgWebhookStore::ClaimWebhookDeliveries(
    const ClaimRequest& request) {
  std::vector<ClaimedDelivery> out;
  RETURN_IF_ERROR(with_connection_([&](PgConn& c) -> Status {
    return c.Transact([&]() -> Status {
      std::pair<std::string, std::string> from;
      {
        MutexLock lock(scan_mu_);
        from = scan_from_;
      }
      ASSIGN_OR_RETURN(out, LeaseDueQueues(c, request, from));
      MutexLock lock(scan_mu_);
      scan_from_ = std::move(from);
      return Status::Ok();
    });
  }));
  return out;
}

Status PgWebhookStore::RenewWebhookLeases(std::string_view owner, int64_t lease_until_ms) {
  return with_connection_([&](PgConn& c) -> Status {
    return StatusOf(c.Exec(kRenewLeases, {ParamOf(owner), ParamOf(lease_until_ms)}));
  });
}

Status PgWebhookStore::RecordWebhookOutcomes(std::string_view owner,
                                             std::span<const DeliveryOutcome> outcomes) {
  if (outcomes.empty()) return Status::Ok();
  return with_connection_([&](PgConn& c) -> Status {
    return c.Transact([&]() -> Status { return RecordOutcomes(c, owner, outcomes); });
  });
}

// --- operations ---

Result<std::vector<DeliveryRecord>> PgWebhookStore::ListWebhookDeliveries(
    const DeliveryFilter& filter) {
  std::vector<DeliveryRecord> out;
  RETURN_IF_ERROR(with_connection_([&](PgConn& c) -> Status {
    out.clear();
    const Param state = filter.state ? StateParam(*filter.state) : Param();
    ASSIGN_OR_RETURN(PgResult r,
                     c.Exec(kListDeliveries, {ParamOf(filter.endpoint_id), state,
                                              ParamOf(std::max<int64_t>(0, filter.limit))}));
    ArrayBuilder ids;
    std::unordered_map<int64_t, size_t> index;
    for (int i = 0; i < r.Rows(); ++i) {
      out.push_back(ReadDeliveryRecord(PgRow(r, i)));
      ids.Add(ParamOf(out.back().event_id));
      index[out.back().event_id] = out.size() - 1;
    }
    if (out.empty()) return Status::Ok();
    ASSIGN_OR_RETURN(PgResult a, c.Exec(kListAttempts, {ParamOf(filter.endpoint_id), ids.Done()}));
    for (int i = 0; i < a.Rows(); ++i) {
      out[index[a.Int(i, 0)]].attempts.push_back(ReadWebhookAttempt(PgRow(a, i), 1));
    }
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> PgWebhookStore::ReplayWebhook(std::string_view id, int64_t after_id,
                                              int64_t now_ms) {
  int64_t queued = 0;
  RETURN_IF_ERROR(with_connection_([&](PgConn& c) -> Status {
    return c.Transact([&]() -> Status {
      queued = 0;
      ASSIGN_OR_RETURN(std::optional<EndpointScope> scope, LockScope(c, id));
      if (!scope) return store_rules::WebhookNotFound(id);
      ASSIGN_OR_RETURN(queued,
                       QueueEvents(c, kReplayEvents, id, *scope, after_id, scope->cursor, now_ms));
      return Status::Ok();
    });
  }));
  return queued;
}

Result<int64_t> PgWebhookStore::PruneWebhookDeliveries(int64_t before_ms, int64_t limit) {
  assert(limit > 0 && "REQUIRES: limit > 0 (webhook_store.hpp)");
  int64_t deleted = 0;
  RETURN_IF_ERROR(with_connection_([&](PgConn& c) -> Status {
    ASSIGN_OR_RETURN(PgResult r, c.Exec(kPruneDeliveries, {ParamOf(before_ms), ParamOf(limit)}));
    deleted = r.Int(0, 0);
    return Status::Ok();
  }));
  return deleted;
}

Result<WebhookQueueStats> PgWebhookStore::GetWebhookQueueStats() {
  WebhookQueueStats stats;
  RETURN_IF_ERROR(with_connection_([&](PgConn& c) -> Status {
    ASSIGN_OR_RETURN(PgResult r, c.Exec(kQueueStats, {}));
    stats = {r.Int(0, 0), r.Int(0, 1), r.Int(0, 2)};
    return Status::Ok();
  }));
  return stats;
}

}  // namespace opchat::postgres
