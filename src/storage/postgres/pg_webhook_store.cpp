#include "storage/postgres/pg_webhook_store.hpp"

#include <algorithm>
#include <cassert>
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
// endpoints $2, the longest due first; each locked, and re-checked under the lock, so of two
// claimers racing for a queue one gets it and the other skips it. $1 now.
constexpr Statement kLockDueQueues = {
    "wh_lock_due_queues",
    "SELECT d.endpoint_id, d.chat_id, d.lease_owner FROM webhook_deliveries d"
    " WHERE (d.endpoint_id, d.event_id) IN (SELECT f.endpoint_id, f.event_id FROM"
    " (SELECT DISTINCT ON (endpoint_id, chat_id) endpoint_id, chat_id, event_id, next_attempt_ms,"
    " lease_until_ms FROM webhook_deliveries WHERE state = 0"
    " ORDER BY endpoint_id, chat_id, event_id) f JOIN webhook_endpoints w ON w.id = f.endpoint_id"
    " WHERE w.enabled = 1 AND f.next_attempt_ms <= $1::bigint AND f.lease_until_ms < $1::bigint"
    " AND f.endpoint_id <> ALL($2::text[]) ORDER BY f.next_attempt_ms, f.event_id LIMIT $3::bigint)"
    " AND d.state = 0 AND d.next_attempt_ms <= $1::bigint AND d.lease_until_ms < $1::bigint"
    " FOR UPDATE OF d SKIP LOCKED"};
// A queue taken over from an owner whose lease ran out loses that owner's leases on the rest
// of it too, so the old owner can record nothing of it behind the new one's back.
constexpr Statement kTakeOverQueues = {
    "wh_take_over_queues",
    "UPDATE webhook_deliveries d SET lease_owner = '', lease_until_ms = 0"
    " FROM unnest($1::text[], $2::text[]) AS k(endpoint_id, chat_id)"
    " WHERE d.endpoint_id = k.endpoint_id AND d.chat_id = k.chat_id AND d.state = 0"
    " AND d.lease_owner <> ''"};
// Leases the first $5 pending deliveries of the queues ($1, $2) (their first ones locked by
// kLockDueQueues) to $3 until $4, and returns them with their events, read as ReadEvents reads
// them (pg_store.cpp's kReadEvents: a message.created joined to its message); NULL event columns
// when the event was pruned.
constexpr Statement kLeaseQueues = {
    "wh_lease_queues",
    "WITH k AS (SELECT * FROM unnest($1::text[], $2::text[]) AS k(endpoint_id, chat_id)),"
    " b AS (SELECT x.endpoint_id, x.event_id FROM k CROSS JOIN LATERAL (SELECT endpoint_id,"
    " event_id FROM webhook_deliveries x WHERE x.endpoint_id = k.endpoint_id"
    " AND x.chat_id = k.chat_id AND x.state = 0 ORDER BY x.event_id LIMIT $5::bigint) x),"
    " u AS (UPDATE webhook_deliveries d SET lease_owner = $3, lease_until_ms = $4::bigint FROM b"
    " WHERE d.endpoint_id = b.endpoint_id AND d.event_id = b.event_id AND d.state = 0"
    " RETURNING d.endpoint_id, d.event_id, d.chat_id, d.event_type, d.attempts)"
    " SELECT u.endpoint_id, u.event_id, u.chat_id, u.event_type, u.attempts, "
    "w.channel_id, " OPCHAT_EVENT_COLUMNS
    " FROM u JOIN webhook_endpoints w ON w.id = u.endpoint_id"
    " LEFT JOIN events e ON e.channel_id = w.channel_id AND e.id = u.event_id"
    " LEFT JOIN messages m ON e.type = 1 AND m.chat_id = e.chat_id"
    " AND m.channel_id = e.channel_id AND m.seq = e.seq"
    " ORDER BY u.endpoint_id, u.chat_id, u.event_id"};
constexpr int kClaimedEventColumn = 6;
constexpr Statement kRenewLeases = {
    "wh_renew_leases",
    "UPDATE webhook_deliveries SET lease_until_ms = $2 WHERE state = 0 AND lease_owner = $1"};

// An attempt's outcome, applied only while $5 holds the lease: the delivery's state, the attempt
// row (numbered after the delivery's last), the endpoint's failing_since and, with $11, its
// disabling. $1 endpoint, $2 event, $3 state, $4 next attempt, $6..$10 the attempt.
constexpr Statement kRecordAttempt = {
    "wh_record_attempt",
    "WITH d AS (UPDATE webhook_deliveries SET state = $3::bigint, next_attempt_ms = $4::bigint,"
    " attempts = attempts + 1, lease_owner = '', lease_until_ms = 0"
    " WHERE endpoint_id = $1 AND event_id = $2::bigint AND lease_owner = $5 AND state = 0"
    " RETURNING endpoint_id, event_id),"
    " a AS (INSERT INTO webhook_attempts (endpoint_id, event_id, "
    "attempt_no, " OPCHAT_ATTEMPT_COLUMNS
    ") SELECT d.endpoint_id, d.event_id, COALESCE((SELECT MAX(attempt_no) FROM webhook_attempts x"
    " WHERE x.endpoint_id = d.endpoint_id AND x.event_id = d.event_id), 0) + 1,"
    " $6::bigint, $7::bigint, $8::bigint, $9, $10 FROM d)"
    " UPDATE webhook_endpoints w SET failing_since_ms = CASE WHEN $3::bigint = 1 THEN 0"
    " WHEN w.failing_since_ms = 0 THEN $6::bigint ELSE w.failing_since_ms END,"
    " enabled = CASE WHEN $11::text IS NULL THEN w.enabled ELSE 0 END,"
    " disabled_reason = COALESCE($11::text, w.disabled_reason) FROM d WHERE w.id = d.endpoint_id"};
// A delivery not sent: its lease released while $3 holds it; $4 disables the endpoint.
constexpr Statement kReleaseLease = {
    "wh_release_lease",
    "WITH d AS (UPDATE webhook_deliveries SET lease_owner = '', lease_until_ms = 0"
    " WHERE endpoint_id = $1 AND event_id = $2::bigint AND lease_owner = $3 AND state = 0"
    " RETURNING endpoint_id)"
    " UPDATE webhook_endpoints w SET enabled = 0, disabled_reason = $4::text FROM d"
    " WHERE w.id = d.endpoint_id AND $4::text IS NOT NULL"};

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
    " ORDER BY created_ms, endpoint_id, event_id LIMIT $2::bigint) RETURNING endpoint_id, event_id),"
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

// Leases the due queues that no other claimer holds, inside the caller's transaction.
Result<std::vector<ClaimedDelivery>> LeaseDueQueues(PgConn& c, const ClaimRequest& request) {
  std::vector<ClaimedDelivery> out;
  ArrayBuilder skip;
  for (const std::string& id : request.skip_endpoints) skip.Add(ParamOf(id));
  ASSIGN_OR_RETURN(PgResult firsts, c.Exec(kLockDueQueues, {ParamOf(request.now_ms), skip.Done(),
                                                            ParamOf(request.max_queues)}));
  if (firsts.Rows() == 0) return out;
  ArrayBuilder endpoints, chats, stale_endpoints, stale_chats;
  bool stale = false;
  for (int i = 0; i < firsts.Rows(); ++i) {
    endpoints.Add(ParamOf(firsts.Text(i, 0)));
    chats.Add(ParamOf(firsts.Text(i, 1)));
    if (!firsts.Text(i, 2).empty()) {
      stale = true;
      stale_endpoints.Add(ParamOf(firsts.Text(i, 0)));
      stale_chats.Add(ParamOf(firsts.Text(i, 1)));
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
  out.reserve(static_cast<size_t>(r.Rows()));
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
  return out;
}

Status RecordOutcome(PgConn& c, std::string_view owner, const DeliveryOutcome& o) {
  if (!o.attempt) {
    return StatusOf(c.Exec(kReleaseLease, {ParamOf(o.endpoint_id), ParamOf(o.event_id),
                                           ParamOf(owner), ParamOf(o.disable_endpoint)}));
  }
  const WebhookAttempt& a = *o.attempt;
  return StatusOf(c.Exec(
      kRecordAttempt,
      {ParamOf(o.endpoint_id), ParamOf(o.event_id), StateParam(o.state), ParamOf(o.next_attempt_ms),
       ParamOf(owner), ParamOf(a.time_ms), ParamOf(int64_t{a.http_status}), ParamOf(a.latency_ms),
       ParamOf(a.error), ParamOf(a.response), ParamOf(o.disable_endpoint)}));
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
                                              int64_t now_ms) {
  assert(limit > 0 && "REQUIRES: limit > 0 (webhook_store.hpp)");
  int64_t queued = 0;
  RETURN_IF_ERROR(with_connection_([&](PgConn& c) -> Status {
    return c.Transact([&]() -> Status {
      queued = 0;
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
      return StatusOf(c.Exec(kSetCursor, {ParamOf(endpoint_id), ParamOf(upto)}));
    });
  }));
  return queued;
}

Result<std::vector<ClaimedDelivery>> PgWebhookStore::ClaimWebhookDeliveries(
    const ClaimRequest& request) {
  std::vector<ClaimedDelivery> out;
  RETURN_IF_ERROR(with_connection_([&](PgConn& c) -> Status {
    return c.Transact([&]() -> Status {
      ASSIGN_OR_RETURN(out, LeaseDueQueues(c, request));
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
  // Endpoint rows are locked in id order (an endpoint's outcomes keep their order), so two
  // owners recording for the same endpoints never wait for each other in a circle.
  std::vector<const DeliveryOutcome*> ordered;
  ordered.reserve(outcomes.size());
  for (const DeliveryOutcome& o : outcomes) ordered.push_back(&o);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const DeliveryOutcome* a, const DeliveryOutcome* b) {
                     return a->endpoint_id < b->endpoint_id;
                   });
  return with_connection_([&](PgConn& c) -> Status {
    return c.Transact([&]() -> Status {
      for (const DeliveryOutcome* o : ordered) RETURN_IF_ERROR(RecordOutcome(c, owner, *o));
      return Status::Ok();
    });
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
