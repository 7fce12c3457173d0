#include "storage/postgres/pg_operator_store.hpp"

#include <cassert>

#include "storage/chat_rules.hpp"
#include "storage/operator_rows.hpp"
#include "storage/postgres/pg_row.hpp"

namespace opchat::postgres {
namespace {

// --- statements ---

constexpr Statement kAddOperator = {
    "op_add", "INSERT INTO operators (" OPCHAT_OPERATOR_COLUMNS
              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING"};
constexpr Statement kOperatorIdTaken = {"op_id_taken", "SELECT 1 FROM operators WHERE id = $1"};
constexpr Statement kListOperators = {"op_list", "SELECT " OPCHAT_OPERATOR_COLUMNS
                                                 " FROM operators WHERE $1 = '' OR channel_id = $1"
                                                 " ORDER BY created_ms, id"};
constexpr Statement kGetOperator = {
    "op_get", "SELECT " OPCHAT_OPERATOR_COLUMNS " FROM operators WHERE id = $1"};
// FOR SHARE: a session created for the operator commits before a disable can, or sees it.
constexpr Statement kGetOperatorShared = {
    "op_get_shared", "SELECT " OPCHAT_OPERATOR_COLUMNS " FROM operators WHERE id = $1 FOR SHARE"};
constexpr Statement kFindByLogin = {"op_find_login",
                                    "SELECT " OPCHAT_OPERATOR_COLUMNS
                                    " FROM operators WHERE channel_id = $1 AND login = $2"};
constexpr Statement kSetEnabled = {"op_set_enabled",
                                   "UPDATE operators SET enabled = $2 WHERE id = $1"};
constexpr Statement kSetPassword = {"op_set_password",
                                    "UPDATE operators SET password_hash = $2 WHERE id = $1"};
constexpr Statement kDeleteSessionsOf = {"op_sessions_delete_of",
                                         "DELETE FROM operator_sessions WHERE operator_id = $1"};
constexpr Statement kCreateSession = {
    "op_session_create", "INSERT INTO operator_sessions (token_hash, " OPCHAT_SESSION_COLUMNS
                         ") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"};
constexpr Statement kLookupSession = {
    "op_session_lookup",
    "SELECT s.operator_id, s.csrf_token, s.created_ms, s.last_seen_ms, s.expires_ms,"
    " o.id, o.channel_id, o.login, o.name, o.role, o.password_hash, o.enabled, o.created_ms"
    " FROM operator_sessions s JOIN operators o ON o.id = s.operator_id WHERE s.token_hash = $1"};
constexpr Statement kTouchSession = {
    "op_session_touch",
    "UPDATE operator_sessions SET last_seen_ms = GREATEST(last_seen_ms, $2::bigint)"
    " WHERE token_hash = $1"};
constexpr Statement kDeleteSession = {"op_session_delete",
                                      "DELETE FROM operator_sessions WHERE token_hash = $1"};
// SKIP LOCKED: a purge on one instance never waits behind a lookup's touch on another.
constexpr Statement kPurgeSessions = {
    "op_sessions_purge",
    "WITH doomed AS (SELECT token_hash FROM operator_sessions WHERE expires_ms <= $1::bigint"
    " OR last_seen_ms <= $1::bigint - $2::bigint LIMIT $3 FOR UPDATE SKIP LOCKED)"
    " DELETE FROM operator_sessions s USING doomed WHERE s.token_hash = doomed.token_hash"};

// Runs an UPDATE of the operator `id` and, when it found the operator and `end_sessions`,
// deletes its sessions, in one transaction. NotFound when no row changed.
Status UpdateOperator(PgConn& c, std::string_view id, const Statement& stmt, const Param& value,
                      bool end_sessions) {
  return c.Transact([&]() -> Status {
    ASSIGN_OR_RETURN(PgResult r, c.Exec(stmt, {ParamOf(id), value}));
    if (r.AffectedRows() == 0) return store_rules::OperatorNotFound(id);
    if (end_sessions) RETURN_IF_ERROR(c.Exec(kDeleteSessionsOf, {ParamOf(id)}));
    return Status::Ok();
  });
}

Result<std::optional<Operator>> ReadOne(PgConn& c, const Statement& stmt,
                                        std::initializer_list<Param> params) {
  ASSIGN_OR_RETURN(PgResult r, c.Exec(stmt, params));
  if (r.Rows() == 0) return std::optional<Operator>();
  return std::optional<Operator>(ReadOperator(PgRow(r, 0)));
}

}  // namespace

// --- operators ---

Status PgOperatorStore::AddOperator(const Operator& op) {
  return with_connection_([&](PgConn& c) -> Status {
    ASSIGN_OR_RETURN(
        PgResult r, c.Exec(kAddOperator,
                           {ParamOf(op.id), ParamOf(op.channel), ParamOf(op.login),
                            ParamOf(op.name), ParamOf(RoleName(op.role)), ParamOf(op.password_hash),
                            ParamOf(int64_t{op.enabled ? 1 : 0}), ParamOf(op.created_ms)}));
    if (r.AffectedRows() > 0) return Status::Ok();
    // One of the two keys was taken; which one is only for the message.
    ASSIGN_OR_RETURN(PgResult id, c.Exec(kOperatorIdTaken, {ParamOf(op.id)}));
    return id.Rows() > 0 ? store_rules::OperatorExists(op.id)
                         : store_rules::OperatorLoginTaken(op.channel, op.login);
  });
}

Result<std::vector<Operator>> PgOperatorStore::ListOperators(std::string_view channel) {
  std::vector<Operator> out;
  RETURN_IF_ERROR(with_connection_([&](PgConn& c) -> Status {
    out.clear();
    ASSIGN_OR_RETURN(PgResult r, c.Exec(kListOperators, {ParamOf(channel)}));
    for (int i = 0; i < r.Rows(); ++i) out.push_back(ReadOperator(PgRow(r, i)));
    return Status::Ok();
  }));
  return out;
}

Result<Operator> PgOperatorStore::GetOperator(std::string_view id) {
  std::optional<Operator> found;
  RETURN_IF_ERROR(with_connection_([&](PgConn& c) -> Status {
    ASSIGN_OR_RETURN(found, ReadOne(c, kGetOperator, {ParamOf(id)}));
    return Status::Ok();
  }));
  if (!found) return store_rules::OperatorNotFound(id);
  return *std::move(found);
}

Result<Operator> PgOperatorStore::FindOperatorByLogin(std::string_view channel,
                                                      std::string_view login) {
  std::optional<Operator> found;
  RETURN_IF_ERROR(with_connection_([&](PgConn& c) -> Status {
    ASSIGN_OR_RETURN(found, ReadOne(c, kFindByLogin, {ParamOf(channel), ParamOf(login)}));
    return Status::Ok();
  }));
  if (!found) return store_rules::OperatorNotFound(std::string(channel) + "/" + std::string(login));
  return *std::move(found);
}

Status PgOperatorStore::SetOperatorEnabled(std::string_view id, bool enabled) {
  return with_connection_([&](PgConn& c) -> Status {
    return UpdateOperator(c, id, kSetEnabled, ParamOf(int64_t{enabled ? 1 : 0}), !enabled);
  });
}

Status PgOperatorStore::SetOperatorPassword(std::string_view id, std::string_view password_hash) {
  return with_connection_([&](PgConn& c) -> Status {
    return UpdateOperator(c, id, kSetPassword, ParamOf(password_hash), true);
  });
}

// --- sessions ---

Status PgOperatorStore::CreateSession(std::string_view token, const OperatorSession& s) {
  const std::string key = SessionTokenHash(token);
  return with_connection_([&](PgConn& c) -> Status {
    return c.Transact([&]() -> Status {
      ASSIGN_OR_RETURN(std::optional<Operator> op,
                       ReadOne(c, kGetOperatorShared, {ParamOf(s.operator_id)}));
      if (!op) return store_rules::OperatorNotFound(s.operator_id);
      if (!op->enabled) return store_rules::OperatorDisabled(s.operator_id);
      ASSIGN_OR_RETURN(PgResult r,
                       c.Exec(kCreateSession, {ParamOf(key), ParamOf(s.operator_id),
                                               ParamOf(s.csrf_token), ParamOf(s.created_ms),
                                               ParamOf(s.last_seen_ms), ParamOf(s.expires_ms)}));
      return r.AffectedRows() == 0 ? Status::Conflict("session exists") : Status::Ok();
    });
  });
}

Result<ActiveSession> PgOperatorStore::LookupSession(std::string_view token, int64_t now_ms,
                                                     int64_t idle_ms) {
  const std::string key = SessionTokenHash(token);
  std::optional<ActiveSession> found;
  RETURN_IF_ERROR(with_connection_([&](PgConn& c) -> Status {
    found.reset();
    ASSIGN_OR_RETURN(PgResult r, c.Exec(kLookupSession, {ParamOf(key)}));
    if (r.Rows() == 0) return Status::Ok();
    found = ActiveSession{ReadOperatorSession(PgRow(r, 0)), ReadOperator(PgRow(r, 0), 5)};
    if (!found->op.enabled || !SessionLive(found->session, now_ms, idle_ms)) {
      found.reset();
      return Status::Ok();
    }
    if (now_ms - found->session.last_seen_ms < kSessionTouchMs) return Status::Ok();
    // Only forward, and only while the session is still there: a logout or a disable that
    // committed since the read wins.
    ASSIGN_OR_RETURN(PgResult t, c.Exec(kTouchSession, {ParamOf(key), ParamOf(now_ms)}));
    if (t.AffectedRows() == 0) {
      found.reset();
    } else {
      found->session.last_seen_ms = now_ms;
    }
    return Status::Ok();
  }));
  if (!found) return store_rules::SessionNotFound();
  return *std::move(found);
}

Status PgOperatorStore::DeleteSession(std::string_view token) {
  const std::string key = SessionTokenHash(token);
  return with_connection_(
      [&](PgConn& c) -> Status { return StatusOf(c.Exec(kDeleteSession, {ParamOf(key)})); });
}

Result<int64_t> PgOperatorStore::DeleteOperatorSessions(std::string_view operator_id) {
  int64_t deleted = 0;
  RETURN_IF_ERROR(with_connection_([&](PgConn& c) -> Status {
    ASSIGN_OR_RETURN(PgResult r, c.Exec(kDeleteSessionsOf, {ParamOf(operator_id)}));
    deleted = r.AffectedRows();
    return Status::Ok();
  }));
  return deleted;
}

Result<int64_t> PgOperatorStore::PurgeExpiredSessions(int64_t now_ms, int64_t idle_ms,
                                                      int64_t limit) {
  assert(limit > 0 && "REQUIRES: limit > 0 (operator_store.hpp)");
  int64_t deleted = 0;
  RETURN_IF_ERROR(with_connection_([&](PgConn& c) -> Status {
    ASSIGN_OR_RETURN(PgResult r,
                     c.Exec(kPurgeSessions, {ParamOf(now_ms), ParamOf(idle_ms), ParamOf(limit)}));
    deleted = r.AffectedRows();
    return Status::Ok();
  }));
  return deleted;
}

}  // namespace opchat::postgres
