#include "storage/sqlite/sqlite_webhook_store.hpp"

#include <algorithm>
#include <cassert>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "storage/chat_rules.hpp"
#include "storage/sqlite/stmt_row.hpp"
#include "storage/webhook_rows.hpp"

namespace opchat::sqlite {
namespace {

// What FanOut and Replay need of an endpoint.
struct EndpointScope {
  std::string channel;
  int64_t types = 0;  // EventTypeMask
  bool enabled = false;
  int64_t cursor = 0;
};

Result<std::optional<EndpointScope>> LoadScope(SqliteDb& db, std::string_view id) {
  auto q =
      db.Prepare("SELECT channel_id, types, enabled, cursor FROM webhook_endpoints WHERE id = ?");
  q.Bind(1, id);
  if (q.Step()) {
    return std::optional<EndpointScope>(
        EndpointScope{q.String(0), q.Int(1), q.Int(2) != 0, q.Int(3)});
  }
  RETURN_IF_ERROR(q.status());
  return std::optional<EndpointScope>();
}

// Copies the channel's events in (after, upto] that pass `types` into pending deliveries due at
// now_ms; an event that has one already keeps it. Returns how many were created.
Result<int64_t> QueueEvents(SqliteDb& db, std::string_view endpoint_id, const EndpointScope& scope,
                            int64_t after, int64_t upto, int64_t now_ms) {
  auto q = db.Prepare(
      "INSERT OR IGNORE INTO webhook_deliveries (endpoint_id, event_id, chat_id, event_type, state,"
      " attempts, next_attempt_ms, lease_owner, lease_until_ms, created_ms)"
      " SELECT ?1, id, chat_id, type, 0, 0, ?5, '', 0, ?5 FROM events"
      " WHERE channel_id = ?2 AND id > ?3 AND id <= ?4 AND (?6 = 0 OR (?6 >> type) & 1)");
  q.Bind(1, endpoint_id);
  q.Bind(2, scope.channel);
  q.Bind(3, after);
  q.Bind(4, upto);
  q.Bind(5, now_ms);
  q.Bind(6, scope.types);
  RETURN_IF_ERROR(q.Run());
  return db.Changes();
}

Result<EventBounds> LoadBounds(SqliteDb& db, std::string_view channel) {
  auto q = db.Prepare("SELECT head, pruned_through FROM event_heads WHERE channel_id = ?");
  q.Bind(1, channel);
  EventBounds bounds;
  if (q.Step()) bounds = {q.Int(0), q.Int(1)};
  RETURN_IF_ERROR(q.status());
  return bounds;
}

// The first pending delivery of the queue after `after` in (endpoint, chat) order, or of the
// first queue of the endpoint after after.endpoint_id when `next_endpoint`: one seek in the
// partial index of pending deliveries, so a scan of the queues costs a seek per queue, whatever
// their lengths.
struct QueueHead {
  QueueKey key;
  int64_t next_attempt_ms = 0;
  int64_t lease_until_ms = 0;
};

Result<std::optional<QueueHead>> NextQueue(SqliteDb& db, const QueueKey& after,
                                           bool next_endpoint) {
  auto q =
      db.Prepare(next_endpoint ? "SELECT endpoint_id, chat_id, next_attempt_ms, lease_until_ms"
                                 " FROM webhook_deliveries WHERE state = 0 AND endpoint_id > ?1"
                                 " ORDER BY endpoint_id, chat_id, event_id LIMIT 1"
                               : "SELECT endpoint_id, chat_id, next_attempt_ms, lease_until_ms"
                                 " FROM webhook_deliveries WHERE state = 0"
                                 " AND (endpoint_id, chat_id) > (?1, ?2)"
                                 " ORDER BY endpoint_id, chat_id, event_id LIMIT 1");
  q.Bind(1, after.endpoint_id);
  if (!next_endpoint) q.Bind(2, after.chat_id);
  if (q.Step()) {
    return std::optional<QueueHead>(QueueHead{{q.String(0), q.String(1)}, q.Int(2), q.Int(3)});
  }
  RETURN_IF_ERROR(q.status());
  return std::optional<QueueHead>();
}

Result<bool> EndpointEnabled(SqliteDb& db, std::string_view endpoint_id) {
  auto q = db.Prepare("SELECT enabled FROM webhook_endpoints WHERE id = ?");
  q.Bind(1, endpoint_id);
  const bool enabled = q.Step() && q.Int(0) != 0;
  RETURN_IF_ERROR(q.status());
  return enabled;
}

// Up to request.max_queues queues worth claiming, visited round the ring of queues from just
// after `from` (where the last scan stopped, so that every queue gets its turn however many
// there are). Read beside the writer: the writer checks each again before leasing it.
Result<std::vector<QueueKey>> FindDueQueues(SqliteDb& db, const ClaimRequest& request,
                                            QueueKey& from) {
  const std::unordered_set<std::string> skip(request.skip_endpoints.begin(),
                                             request.skip_endpoints.end());
  std::unordered_map<std::string, bool> usable;  // per endpoint: enabled and not skipped
  std::vector<QueueKey> out;
  QueueKey at = from;
  bool wrapped = false, next_endpoint = false;
  while (static_cast<int64_t>(out.size()) < request.max_queues) {
    ASSIGN_OR_RETURN(std::optional<QueueHead> head, NextQueue(db, at, next_endpoint));
    next_endpoint = false;
    if (!head) {
      if (wrapped || (from.endpoint_id.empty() && from.chat_id.empty())) break;
      wrapped = true;
      at = {};
      continue;
    }
    if (wrapped && std::tie(head->key.endpoint_id, head->key.chat_id) >
                       std::tie(from.endpoint_id, from.chat_id)) {
      break;  // round the whole ring
    }
    at = head->key;
    auto it = usable.find(at.endpoint_id);
    if (it == usable.end()) {
      bool ok = skip.count(at.endpoint_id) == 0;
      if (ok) {
        ASSIGN_OR_RETURN(ok, EndpointEnabled(db, at.endpoint_id));
      }
      it = usable.emplace(at.endpoint_id, ok).first;
    }
    if (!it->second) {
      next_endpoint = true;
      continue;
    }
    if (head->next_attempt_ms <= request.now_ms && head->lease_until_ms < request.now_ms) {
      out.push_back(at);
    }
  }
  from = at;
  return out;
}

// A delivery leased by a claim, before its event is read.
struct Leased {
  ClaimedDelivery delivery;
  std::string channel;
};

Result<std::optional<std::string>> EnabledChannel(SqliteDb& db, std::string_view endpoint_id) {
  auto q = db.Prepare("SELECT channel_id FROM webhook_endpoints WHERE id = ? AND enabled = 1");
  q.Bind(1, endpoint_id);
  if (q.Step()) return std::optional<std::string>(q.String(0));
  RETURN_IF_ERROR(q.status());
  return std::optional<std::string>();
}

// The statements of one queue name the partial index: left to itself, SQLite's planner takes the
// primary key (endpoint_id, event_id) and reads every delivery of the endpoint, finished ones
// included, to find one chat's (a claim of 100 queues took 100 ms behind 20,000 deliveries; 3 ms
// with the index).
//
// Leases the queue's first pending deliveries if the first is still due and free (the single
// writer makes the check and the lease one step). A queue taken over from an owner whose lease
// ran out loses that owner's leases on the rest of it too, so the old owner can record nothing
// of this queue behind the new one's back.
Status LeaseQueue(SqliteDb& db, const QueueKey& key, const std::string& channel,
                  const ClaimRequest& request, std::vector<Leased>& out) {
  std::vector<Leased> batch;
  bool taken_over = false;
  {
    auto q = db.Prepare(
        "SELECT event_id, event_type, attempts, next_attempt_ms, lease_until_ms, lease_owner"
        " FROM webhook_deliveries INDEXED BY webhook_deliveries_pending"
        " WHERE endpoint_id = ?1 AND chat_id = ?2 AND state = 0 ORDER BY event_id LIMIT ?3");
    q.Bind(1, key.endpoint_id);
    q.Bind(2, key.chat_id);
    q.Bind(3, std::max<int64_t>(1, request.per_queue));
    while (q.Step()) {
      if (batch.empty()) {
        if (q.Int(3) > request.now_ms || q.Int(4) >= request.now_ms) break;
        taken_over = !q.Text(5).empty();
      }
      Leased l;
      l.delivery.endpoint_id = key.endpoint_id;
      l.delivery.event.id = q.Int(0);
      l.delivery.event.type = EventTypeOfCode(q.Int(1));
      l.delivery.event.chat_id = key.chat_id;
      l.delivery.event.channel = channel;
      l.delivery.attempts = static_cast<int>(q.Int(2));
      l.channel = channel;
      batch.push_back(std::move(l));
    }
    RETURN_IF_ERROR(q.status());
  }
  if (batch.empty()) return Status::Ok();
  if (taken_over) {
    auto q = db.Prepare(
        "UPDATE webhook_deliveries INDEXED BY webhook_deliveries_pending"
        " SET lease_owner = '', lease_until_ms = 0"
        " WHERE endpoint_id = ? AND chat_id = ? AND state = 0 AND lease_owner <> ''");
    q.Bind(1, key.endpoint_id);
    q.Bind(2, key.chat_id);
    RETURN_IF_ERROR(q.Run());
  }
  auto q = db.Prepare(
      "UPDATE webhook_deliveries INDEXED BY webhook_deliveries_pending"
      " SET lease_owner = ?1, lease_until_ms = ?2 WHERE endpoint_id = ?3 AND chat_id = ?4 AND "
      "state = 0 AND event_id BETWEEN ?5 AND ?6");
  q.Bind(1, request.owner);
  q.Bind(2, request.lease_until_ms);
  q.Bind(3, key.endpoint_id);
  q.Bind(4, key.chat_id);
  q.Bind(5, batch.front().delivery.event.id);
  q.Bind(6, batch.back().delivery.event.id);
  RETURN_IF_ERROR(q.Run());
  for (Leased& l : batch) out.push_back(std::move(l));
  return Status::Ok();
}

// Reads the claimed delivery's event as ReadEvents does (a message.created joined to its
// message); event_missing when PruneEvents deleted it.
Status ReadClaimedEvent(SqliteDb& db, ClaimedDelivery& d) {
  auto q = db.Prepare(
      "SELECT " OPCHAT_EVENT_COLUMNS
      " FROM events e"
      " LEFT JOIN chats c ON e.type = 1 AND c.channel_id = e.channel_id AND c.chat_id = e.chat_id"
      " LEFT JOIN messages m ON m.chat_no = c.chat_no AND m.seq = e.seq"
      " WHERE e.channel_id = ? AND e.id = ?");
  q.Bind(1, d.event.channel);
  q.Bind(2, d.event.id);
  if (q.Step()) {
    d.event = ReadEvent(StmtRow(q));
  } else {
    d.event_missing = true;
  }
  return q.status();
}

// Reads the leased deliveries' events into `out`, ordered by endpoint, chat and event id. Events
// never change once written, so they are read after the commit, beside the writer.
Status ReadLeasedEvents(const WithReader& with_reader, std::vector<Leased>& leased,
                        std::vector<ClaimedDelivery>& out) {
  RETURN_IF_ERROR(with_reader([&](SqliteDb& db) -> Status {
    for (Leased& l : leased) RETURN_IF_ERROR(ReadClaimedEvent(db, l.delivery));
    return Status::Ok();
  }));
  out.reserve(out.size() + leased.size());
  for (Leased& l : leased) out.push_back(std::move(l.delivery));
  std::sort(out.begin(), out.end(), [](const ClaimedDelivery& a, const ClaimedDelivery& b) {
    return std::tie(a.endpoint_id, a.event.chat_id, a.event.id) <
           std::tie(b.endpoint_id, b.event.chat_id, b.event.id);
  });
  return Status::Ok();
}

// FanOutWebhook's lease: leases the deliveries just queued for the events (after, upto] of each
// chat whose queue has nothing pending before them but deliveries lease.owner holds.
Status LeaseQueued(SqliteDb& db, std::string_view endpoint_id, const std::string& channel,
                   int64_t after, int64_t upto, int64_t now_ms, const FanOutLease& lease,
                   std::vector<Leased>& out) {
  std::vector<Leased> queued;
  {
    auto q = db.Prepare(
        "SELECT chat_id, event_id, event_type FROM webhook_deliveries WHERE endpoint_id = ?1"
        " AND event_id > ?2 AND event_id <= ?3 AND state = 0 AND lease_owner = '' AND attempts = 0"
        " ORDER BY chat_id, event_id");
    q.Bind(1, endpoint_id);
    q.Bind(2, after);
    q.Bind(3, upto);
    while (q.Step()) {
      Leased l;
      l.delivery.endpoint_id = std::string(endpoint_id);
      l.delivery.event.chat_id = q.String(0);
      l.delivery.event.id = q.Int(1);
      l.delivery.event.type = EventTypeOfCode(q.Int(2));
      l.delivery.event.channel = channel;
      l.channel = channel;
      queued.push_back(std::move(l));
    }
    RETURN_IF_ERROR(q.status());
  }
  for (size_t i = 0; i < queued.size();) {
    const std::string chat = queued[i].delivery.event.chat_id;
    bool waits = false;
    {
      auto q = db.Prepare(
          "SELECT 1 FROM webhook_deliveries INDEXED BY webhook_deliveries_pending"
          " WHERE endpoint_id = ?1 AND chat_id = ?2 AND state = 0 AND event_id < ?3"
          " AND NOT (lease_owner = ?4 AND lease_until_ms >= ?5) LIMIT 1");
      q.Bind(1, endpoint_id);
      q.Bind(2, chat);
      q.Bind(3, queued[i].delivery.event.id);
      q.Bind(4, lease.owner);
      q.Bind(5, now_ms);
      waits = q.Step();
      RETURN_IF_ERROR(q.status());
    }
    for (; i < queued.size() && queued[i].delivery.event.chat_id == chat; ++i) {
      if (waits) continue;
      auto q = db.Prepare(
          "UPDATE webhook_deliveries SET lease_owner = ?1, lease_until_ms = ?2"
          " WHERE endpoint_id = ?3 AND event_id = ?4");
      q.Bind(1, lease.owner);
      q.Bind(2, lease.lease_until_ms);
      q.Bind(3, endpoint_id);
      q.Bind(4, queued[i].delivery.event.id);
      RETURN_IF_ERROR(q.Run());
      out.push_back(std::move(queued[i]));
    }
  }
  return Status::Ok();
}

// Applies one outcome if `owner` still holds the delivery's lease; otherwise changes nothing.
Status RecordOutcome(SqliteDb& db, std::string_view owner, const DeliveryOutcome& o) {
  if (o.attempt) {
    auto q = db.Prepare(
        "UPDATE webhook_deliveries SET state = ?3, next_attempt_ms = ?4, attempts = attempts + 1,"
        " lease_owner = '', lease_until_ms = 0"
        " WHERE endpoint_id = ?1 AND event_id = ?2 AND lease_owner = ?5 AND state = 0");
    q.Bind(1, o.endpoint_id);
    q.Bind(2, o.event_id);
    q.Bind(3, int64_t{static_cast<int>(o.state)});
    q.Bind(4, o.next_attempt_ms);
    q.Bind(5, owner);
    RETURN_IF_ERROR(q.Run());
  } else {
    auto q = db.Prepare(
        "UPDATE webhook_deliveries SET lease_owner = '', lease_until_ms = 0"
        " WHERE endpoint_id = ?1 AND event_id = ?2 AND lease_owner = ?3 AND state = 0");
    q.Bind(1, o.endpoint_id);
    q.Bind(2, o.event_id);
    q.Bind(3, owner);
    RETURN_IF_ERROR(q.Run());
  }
  if (db.Changes() == 0) return Status::Ok();  // the lease went to another owner
  if (o.attempt) {
    const WebhookAttempt& a = *o.attempt;
    auto ins = db.Prepare(
        "INSERT INTO webhook_attempts (endpoint_id, event_id, attempt_no, " OPCHAT_ATTEMPT_COLUMNS
        ") VALUES (?1, ?2, (SELECT COALESCE(MAX(attempt_no), 0) + 1 FROM webhook_attempts"
        " WHERE endpoint_id = ?1 AND event_id = ?2), ?3, ?4, ?5, ?6, ?7)");
    ins.Bind(1, o.endpoint_id);
    ins.Bind(2, o.event_id);
    ins.Bind(3, a.time_ms);
    ins.Bind(4, int64_t{a.http_status});
    ins.Bind(5, a.latency_ms);
    ins.Bind(6, a.error);
    ins.Bind(7, a.response);
    RETURN_IF_ERROR(ins.Run());
    auto up = db.Prepare(
        "UPDATE webhook_endpoints SET failing_since_ms = CASE WHEN ?2 THEN 0"
        " WHEN failing_since_ms = 0 THEN ?3 ELSE failing_since_ms END WHERE id = ?1");
    up.Bind(1, o.endpoint_id);
    up.Bind(2, int64_t{o.state == DeliveryState::kSucceeded ? 1 : 0});
    up.Bind(3, a.time_ms);
    RETURN_IF_ERROR(up.Run());
  }
  if (o.disable_endpoint) {
    auto q =
        db.Prepare("UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ? WHERE id = ?");
    q.Bind(1, *o.disable_endpoint);
    q.Bind(2, o.endpoint_id);
    RETURN_IF_ERROR(q.Run());
  }
  return Status::Ok();
}

}  // namespace

// --- endpoints ---

Status SqliteWebhookStore::AddWebhook(const WebhookEndpoint& w) {
  return writer_.Submit([&](SqliteDb& db) -> Status {
    auto q =
        db.Prepare("INSERT INTO webhook_endpoints (" OPCHAT_WEBHOOK_COLUMNS
                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                   " (SELECT COALESCE(MAX(head), 0) FROM event_heads WHERE channel_id = ?2), ?11)"
                   " ON CONFLICT (id) DO NOTHING");
    q.Bind(1, w.id);
    q.Bind(2, w.channel);
    q.Bind(3, w.url);
    q.Bind(4, store_rules::EventTypeMask(w.types));
    q.Bind(5, w.secret);
    q.Bind(6, w.previous_secret);
    q.Bind(7, w.previous_secret_until_ms);
    q.Bind(8, int64_t{w.enabled ? 1 : 0});
    q.Bind(9, w.disabled_reason);
    q.Bind(10, w.created_ms);
    q.Bind(11, w.failing_since_ms);
    RETURN_IF_ERROR(q.Run());
    return db.Changes() == 0 ? store_rules::WebhookExists(w.id) : Status::Ok();
  });
}

Result<std::vector<WebhookEndpoint>> SqliteWebhookStore::ListWebhooks() {
  std::vector<WebhookEndpoint> out;
  RETURN_IF_ERROR(with_reader_([&](SqliteDb& db) -> Status {
    auto q = db.Prepare("SELECT " OPCHAT_WEBHOOK_COLUMNS
                        " FROM webhook_endpoints ORDER BY created_ms, id");
    while (q.Step()) out.push_back(ReadWebhookEndpoint(StmtRow(q)));
    return q.status();
  }));
  return out;
}

Status SqliteWebhookStore::SetWebhookEnabled(std::string_view id, bool enabled,
                                             std::string_view reason) {
  return writer_.Submit([&](SqliteDb& db) -> Status {
    auto q = db.Prepare(
        enabled ? "UPDATE webhook_endpoints SET enabled = 1, disabled_reason = '',"
                  " failing_since_ms = 0 WHERE id = ?1"
                : "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?2 WHERE id = ?1");
    q.Bind(1, id);
    if (!enabled) q.Bind(2, reason);
    RETURN_IF_ERROR(q.Run());
    return db.Changes() == 0 ? store_rules::WebhookNotFound(id) : Status::Ok();
  });
}

Status SqliteWebhookStore::RotateWebhookSecret(std::string_view id, std::string_view new_secret,
                                               int64_t previous_until_ms) {
  return writer_.Submit([&](SqliteDb& db) -> Status {
    auto q = db.Prepare(
        "UPDATE webhook_endpoints SET previous_secret = secret, secret = ?2,"
        " previous_secret_until_ms = ?3 WHERE id = ?1");
    q.Bind(1, id);
    q.Bind(2, new_secret);
    q.Bind(3, previous_until_ms);
    RETURN_IF_ERROR(q.Run());
    return db.Changes() == 0 ? store_rules::WebhookNotFound(id) : Status::Ok();
  });
}

Status SqliteWebhookStore::RemoveWebhook(std::string_view id) {
  return writer_.Submit([&](SqliteDb& db) -> Status {
    {
      auto q = db.Prepare("SELECT 1 FROM webhook_endpoints WHERE id = ?");
      q.Bind(1, id);
      const bool found = q.Step();
      RETURN_IF_ERROR(q.status());
      if (!found) return store_rules::WebhookNotFound(id);
    }
    for (const char* sql : {"DELETE FROM webhook_attempts WHERE endpoint_id = ?",
                            "DELETE FROM webhook_deliveries WHERE endpoint_id = ?",
                            "DELETE FROM webhook_endpoints WHERE id = ?"}) {
      auto q = db.Prepare(sql);
      q.Bind(1, id);
      RETURN_IF_ERROR(q.Run());
    }
    return Status::Ok();
  });
}

// --- the outbox ---

Result<int64_t> SqliteWebhookStore::FanOutWebhook(std::string_view endpoint_id, int64_t limit,
                                                  int64_t now_ms, FanOutLease* lease) {
  assert(limit > 0 && "REQUIRES: limit > 0 (webhook_store.hpp)");
  int64_t queued = 0;
  std::vector<Leased> leased;
  Status s = writer_.Submit([&](SqliteDb& db) -> Status {
    queued = 0;
    leased.clear();
    ASSIGN_OR_RETURN(std::optional<EndpointScope> scope, LoadScope(db, endpoint_id));
    if (!scope || !scope->enabled) return Status::Ok();
    ASSIGN_OR_RETURN(EventBounds bounds, LoadBounds(db, scope->channel));
    // Ids are dense up to the head, so the events looked at are the ids after the cursor.
    const int64_t from = std::max(scope->cursor, bounds.pruned_through);
    const int64_t upto = std::max(from, std::min(bounds.head, from + limit));
    if (upto == scope->cursor) return Status::Ok();
    ASSIGN_OR_RETURN(queued, QueueEvents(db, endpoint_id, *scope, from, upto, now_ms));
    if (lease != nullptr && queued > 0) {
      RETURN_IF_ERROR(
          LeaseQueued(db, endpoint_id, scope->channel, from, upto, now_ms, *lease, leased));
    }
    auto q = db.Prepare("UPDATE webhook_endpoints SET cursor = ? WHERE id = ?");
    q.Bind(1, upto);
    q.Bind(2, endpoint_id);
    return q.Run();
  });
  if (!s.ok()) return s;
  if (lease != nullptr) {
    RETURN_IF_ERROR(ReadLeasedEvents(with_reader_, leased, lease->leased));
  }
  return queued;
}

Result<std::vector<ClaimedDelivery>> SqliteWebhookStore::ClaimWebhookDeliveries(
    const ClaimRequest& request) {
  std::vector<QueueKey> candidates;
  RETURN_IF_ERROR(with_reader_([&](SqliteDb& db) -> Status {
    MutexLock lock(scan_mu_);
    ASSIGN_OR_RETURN(candidates, FindDueQueues(db, request, scan_from_));
    return Status::Ok();
  }));
  std::vector<ClaimedDelivery> out;
  if (candidates.empty()) return out;
  std::vector<Leased> leased;
  Status s = writer_.Submit([&](SqliteDb& db) -> Status {
    leased.clear();
    std::unordered_map<std::string, std::optional<std::string>> channels;  // enabled endpoints'
    for (const QueueKey& key : candidates) {
      auto it = channels.find(key.endpoint_id);
      if (it == channels.end()) {
        ASSIGN_OR_RETURN(std::optional<std::string> channel, EnabledChannel(db, key.endpoint_id));
        it = channels.emplace(key.endpoint_id, std::move(channel)).first;
      }
      if (!it->second) continue;  // disabled since the reader looked
      RETURN_IF_ERROR(LeaseQueue(db, key, *it->second, request, leased));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  RETURN_IF_ERROR(ReadLeasedEvents(with_reader_, leased, out));
  return out;
}

Status SqliteWebhookStore::RenewWebhookLeases(std::string_view owner, int64_t lease_until_ms) {
  return writer_.Submit([&](SqliteDb& db) -> Status {
    auto q = db.Prepare(
        "UPDATE webhook_deliveries SET lease_until_ms = ?2 WHERE state = 0 AND lease_owner = ?1");
    q.Bind(1, owner);
    q.Bind(2, lease_until_ms);
    return q.Run();
  });
}

Status SqliteWebhookStore::RecordWebhookOutcomes(std::string_view owner,
                                                 std::span<const DeliveryOutcome> outcomes) {
  if (outcomes.empty()) return Status::Ok();
  return writer_.Submit([&](SqliteDb& db) -> Status {
    for (const DeliveryOutcome& o : outcomes) RETURN_IF_ERROR(RecordOutcome(db, owner, o));
    return Status::Ok();
  });
}

// --- operations ---

Result<std::vector<DeliveryRecord>> SqliteWebhookStore::ListWebhookDeliveries(
    const DeliveryFilter& filter) {
  std::vector<DeliveryRecord> out;
  RETURN_IF_ERROR(with_reader_([&](SqliteDb& db) -> Status {
    out.clear();
    {
      auto q = db.Prepare("SELECT " OPCHAT_DELIVERY_COLUMNS
                          " FROM webhook_deliveries WHERE endpoint_id = ?1"
                          " AND (?2 IS NULL OR state = ?2) ORDER BY event_id DESC LIMIT ?3");
      q.Bind(1, filter.endpoint_id);
      if (filter.state) q.Bind(2, int64_t{static_cast<int>(*filter.state)});
      q.Bind(3, std::max<int64_t>(0, filter.limit));
      while (q.Step()) out.push_back(ReadDeliveryRecord(StmtRow(q)));
      RETURN_IF_ERROR(q.status());
    }
    for (DeliveryRecord& d : out) {
      auto q = db.Prepare("SELECT " OPCHAT_ATTEMPT_COLUMNS
                          " FROM webhook_attempts WHERE endpoint_id = ? AND event_id = ?"
                          " ORDER BY attempt_no");
      q.Bind(1, d.endpoint_id);
      q.Bind(2, d.event_id);
      while (q.Step()) d.attempts.push_back(ReadWebhookAttempt(StmtRow(q)));
      RETURN_IF_ERROR(q.status());
    }
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> SqliteWebhookStore::ReplayWebhook(std::string_view id, int64_t after_id,
                                                  int64_t now_ms) {
  int64_t queued = 0;
  Status s = writer_.Submit([&](SqliteDb& db) -> Status {
    queued = 0;
    ASSIGN_OR_RETURN(std::optional<EndpointScope> scope, LoadScope(db, id));
    if (!scope) return store_rules::WebhookNotFound(id);
    // A pending delivery keeps its lease: whoever holds it is sending it.
    auto q = db.Prepare(
        "INSERT INTO webhook_deliveries (endpoint_id, event_id, chat_id, event_type, state,"
        " attempts, next_attempt_ms, lease_owner, lease_until_ms, created_ms)"
        " SELECT ?1, id, chat_id, type, 0, 0, ?5, '', 0, ?5 FROM events"
        " WHERE channel_id = ?2 AND id > ?3 AND id <= ?4 AND (?6 = 0 OR (?6 >> type) & 1)"
        " ON CONFLICT (endpoint_id, event_id) DO UPDATE SET state = 0, attempts = 0,"
        " next_attempt_ms = excluded.next_attempt_ms, created_ms = excluded.created_ms");
    q.Bind(1, id);
    q.Bind(2, scope->channel);
    q.Bind(3, after_id);
    q.Bind(4, scope->cursor);
    q.Bind(5, now_ms);
    q.Bind(6, scope->types);
    RETURN_IF_ERROR(q.Run());
    queued = db.Changes();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return queued;
}

Result<int64_t> SqliteWebhookStore::PruneWebhookDeliveries(int64_t before_ms, int64_t limit) {
  assert(limit > 0 && "REQUIRES: limit > 0 (webhook_store.hpp)");
  int64_t deleted = 0;
  Status s = writer_.Submit([&](SqliteDb& db) -> Status {
    std::vector<std::pair<std::string, int64_t>> doomed;
    {
      auto q = db.Prepare(
          "DELETE FROM webhook_deliveries WHERE (endpoint_id, event_id) IN (SELECT endpoint_id,"
          " event_id FROM webhook_deliveries WHERE state <> 0 AND created_ms < ?"
          " ORDER BY created_ms, endpoint_id, event_id LIMIT ?) RETURNING endpoint_id, event_id");
      q.Bind(1, before_ms);
      q.Bind(2, limit);
      while (q.Step()) doomed.emplace_back(q.String(0), q.Int(1));
      RETURN_IF_ERROR(q.status());
    }
    for (const auto& [endpoint_id, event_id] : doomed) {
      auto q = db.Prepare("DELETE FROM webhook_attempts WHERE endpoint_id = ? AND event_id = ?");
      q.Bind(1, endpoint_id);
      q.Bind(2, event_id);
      RETURN_IF_ERROR(q.Run());
    }
    deleted = static_cast<int64_t>(doomed.size());
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return deleted;
}

Result<WebhookQueueStats> SqliteWebhookStore::GetWebhookQueueStats() {
  WebhookQueueStats stats;
  RETURN_IF_ERROR(with_reader_([&](SqliteDb& db) -> Status {
    auto q = db.Prepare(
        "SELECT COUNT(*), COALESCE(SUM(d.attempts > 0), 0), COALESCE(MIN(d.created_ms), 0)"
        " FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id"
        " WHERE d.state = 0 AND w.enabled = 1");
    if (q.Step()) stats = {q.Int(0), q.Int(1), q.Int(2)};
    return q.status();
  }));
  return stats;
}

}  // namespace opchat::sqlite
