#include "storage/sqlite/sqlite_operator_store.hpp"

#include <cassert>

#include "storage/chat_rules.hpp"
#include "storage/operator_rows.hpp"
#include "storage/sqlite/stmt_row.hpp"

namespace opchat::sqlite {
namespace {

// The operator with this id, if any.
Result<std::optional<Operator>> LoadOperator(SqliteDb& db, std::string_view id) {
  auto q = db.Prepare("SELECT " OPCHAT_OPERATOR_COLUMNS " FROM operators WHERE id = ?");
  q.Bind(1, id);
  if (q.Step()) return std::optional<Operator>(ReadOperator(StmtRow(q)));
  RETURN_IF_ERROR(q.status());
  return std::optional<Operator>();
}

Result<int64_t> DeleteSessionsOf(SqliteDb& db, std::string_view operator_id) {
  auto q = db.Prepare("DELETE FROM operator_sessions WHERE operator_id = ?");
  q.Bind(1, operator_id);
  RETURN_IF_ERROR(q.Run());
  return db.Changes();
}

// Runs `update` (an UPDATE of the operator `id`, bound by the caller) and, when it found the
// operator and `end_sessions`, deletes its sessions. NotFound when no row changed.
Status UpdateOperator(SqliteDb& db, std::string_view id, Stmt& update, bool end_sessions) {
  RETURN_IF_ERROR(update.Run());
  if (db.Changes() == 0) return store_rules::OperatorNotFound(id);
  if (end_sessions) RETURN_IF_ERROR(DeleteSessionsOf(db, id));
  return Status::Ok();
}

}  // namespace

// --- operators ---

Status SqliteOperatorStore::AddOperator(const Operator& op) {
  return writer_.Submit([&](SqliteDb& db) -> Status {
    // Both refusals are checked before the write (GroupCommitWriter's contract); the single
    // writer keeps them true until the insert.
    ASSIGN_OR_RETURN(std::optional<Operator> same_id, LoadOperator(db, op.id));
    if (same_id) return store_rules::OperatorExists(op.id);
    {
      auto q = db.Prepare("SELECT 1 FROM operators WHERE channel_id = ? AND login = ?");
      q.Bind(1, op.channel);
      q.Bind(2, op.login);
      const bool taken = q.Step();
      RETURN_IF_ERROR(q.status());
      if (taken) return store_rules::OperatorLoginTaken(op.channel, op.login);
    }
    auto q = db.Prepare("INSERT INTO operators (" OPCHAT_OPERATOR_COLUMNS
                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    q.Bind(1, op.id);
    q.Bind(2, op.channel);
    q.Bind(3, op.login);
    q.Bind(4, op.name);
    q.Bind(5, RoleName(op.role));
    q.Bind(6, op.password_hash);
    q.Bind(7, int64_t{op.enabled ? 1 : 0});
    q.Bind(8, op.created_ms);
    return q.Run();
  });
}

Result<std::vector<Operator>> SqliteOperatorStore::ListOperators(std::string_view channel) {
  std::vector<Operator> out;
  RETURN_IF_ERROR(with_reader_([&](SqliteDb& db) -> Status {
    out.clear();
    auto q = db.Prepare("SELECT " OPCHAT_OPERATOR_COLUMNS
                        " FROM operators WHERE ?1 = '' OR channel_id = ?1 ORDER BY created_ms, id");
    q.Bind(1, channel);
    while (q.Step()) out.push_back(ReadOperator(StmtRow(q)));
    return q.status();
  }));
  return out;
}

Result<Operator> SqliteOperatorStore::GetOperator(std::string_view id) {
  std::optional<Operator> found;
  RETURN_IF_ERROR(with_reader_([&](SqliteDb& db) -> Status {
    ASSIGN_OR_RETURN(found, LoadOperator(db, id));
    return Status::Ok();
  }));
  if (!found) return store_rules::OperatorNotFound(id);
  return *std::move(found);
}

Result<Operator> SqliteOperatorStore::FindOperatorByLogin(std::string_view channel,
                                                          std::string_view login) {
  std::optional<Operator> found;
  RETURN_IF_ERROR(with_reader_([&](SqliteDb& db) -> Status {
    auto q = db.Prepare("SELECT " OPCHAT_OPERATOR_COLUMNS
                        " FROM operators WHERE channel_id = ? AND login = ?");
    q.Bind(1, channel);
    q.Bind(2, login);
    if (q.Step()) found = ReadOperator(StmtRow(q));
    return q.status();
  }));
  if (!found) return store_rules::OperatorNotFound(std::string(channel) + "/" + std::string(login));
  return *std::move(found);
}

Status SqliteOperatorStore::SetOperatorEnabled(std::string_view id, bool enabled) {
  return writer_.Submit([&](SqliteDb& db) -> Status {
    auto q = db.Prepare("UPDATE operators SET enabled = ? WHERE id = ?");
    q.Bind(1, int64_t{enabled ? 1 : 0});
    q.Bind(2, id);
    return UpdateOperator(db, id, q, !enabled);
  });
}

Status SqliteOperatorStore::SetOperatorPassword(std::string_view id,
                                                std::string_view password_hash) {
  return writer_.Submit([&](SqliteDb& db) -> Status {
    auto q = db.Prepare("UPDATE operators SET password_hash = ? WHERE id = ?");
    q.Bind(1, password_hash);
    q.Bind(2, id);
    return UpdateOperator(db, id, q, true);
  });
}

// --- sessions ---

Status SqliteOperatorStore::CreateSession(std::string_view token, const OperatorSession& s) {
  const std::string key = SessionTokenHash(token);
  return writer_.Submit([&](SqliteDb& db) -> Status {
    ASSIGN_OR_RETURN(std::optional<Operator> op, LoadOperator(db, s.operator_id));
    if (!op) return store_rules::OperatorNotFound(s.operator_id);
    if (!op->enabled) return store_rules::OperatorDisabled(s.operator_id);
    {
      auto q = db.Prepare("SELECT 1 FROM operator_sessions WHERE token_hash = ?");
      q.Bind(1, key);
      const bool taken = q.Step();
      RETURN_IF_ERROR(q.status());
      if (taken) return Status::Conflict("session exists");
    }
    auto q = db.Prepare("INSERT INTO operator_sessions (token_hash, " OPCHAT_SESSION_COLUMNS
                        ") VALUES (?, ?, ?, ?, ?, ?)");
    q.Bind(1, key);
    q.Bind(2, s.operator_id);
    q.Bind(3, s.csrf_token);
    q.Bind(4, s.created_ms);
    q.Bind(5, s.last_seen_ms);
    q.Bind(6, s.expires_ms);
    return q.Run();
  });
}

Result<ActiveSession> SqliteOperatorStore::LookupSession(std::string_view token, int64_t now_ms,
                                                         int64_t idle_ms) {
  const std::string key = SessionTokenHash(token);
  std::optional<ActiveSession> found;
  RETURN_IF_ERROR(with_reader_([&](SqliteDb& db) -> Status {
    auto q = db.Prepare(
        "SELECT s.operator_id, s.csrf_token, s.created_ms, s.last_seen_ms,"
        " s.expires_ms, o.id, o.channel_id, o.login, o.name, o.role,"
        " o.password_hash, o.enabled, o.created_ms"
        " FROM operator_sessions s JOIN operators o ON o.id = s.operator_id"
        " WHERE s.token_hash = ?");
    q.Bind(1, key);
    if (q.Step()) {
      found = ActiveSession{ReadOperatorSession(StmtRow(q)), ReadOperator(StmtRow(q), 5)};
    }
    return q.status();
  }));
  if (!found || !found->op.enabled || !SessionLive(found->session, now_ms, idle_ms)) {
    return store_rules::SessionNotFound();
  }
  if (now_ms - found->session.last_seen_ms < kSessionTouchMs) return *std::move(found);
  // Only forward, and only while the session is still there: a logout or a disable that
  // committed since the read wins (the lookup answers NotFound rather than a session that is
  // gone).
  bool still_there = false;
  Status s = writer_.Submit([&](SqliteDb& db) -> Status {
    auto q = db.Prepare(
        "UPDATE operator_sessions SET last_seen_ms = MAX(last_seen_ms, ?) WHERE token_hash = ?");
    q.Bind(1, now_ms);
    q.Bind(2, key);
    RETURN_IF_ERROR(q.Run());
    still_there = db.Changes() > 0;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (!still_there) return store_rules::SessionNotFound();
  found->session.last_seen_ms = now_ms;
  return *std::move(found);
}

Status SqliteOperatorStore::DeleteSession(std::string_view token) {
  const std::string key = SessionTokenHash(token);
  return writer_.Submit([&](SqliteDb& db) -> Status {
    auto q = db.Prepare("DELETE FROM operator_sessions WHERE token_hash = ?");
    q.Bind(1, key);
    return q.Run();
  });
}

Result<int64_t> SqliteOperatorStore::DeleteOperatorSessions(std::string_view operator_id) {
  int64_t deleted = 0;
  Status s = writer_.Submit([&](SqliteDb& db) -> Status {
    ASSIGN_OR_RETURN(deleted, DeleteSessionsOf(db, operator_id));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return deleted;
}

Result<int64_t> SqliteOperatorStore::PurgeExpiredSessions(int64_t now_ms, int64_t idle_ms,
                                                          int64_t limit) {
  assert(limit > 0 && "REQUIRES: limit > 0 (operator_store.hpp)");
  int64_t deleted = 0;
  Status s = writer_.Submit([&](SqliteDb& db) -> Status {
    auto q = db.Prepare(
        "DELETE FROM operator_sessions WHERE token_hash IN (SELECT token_hash FROM"
        " operator_sessions WHERE expires_ms <= ?1 OR last_seen_ms <= ?1 - ?2 LIMIT ?3)");
    q.Bind(1, now_ms);
    q.Bind(2, idle_ms);
    q.Bind(3, limit);
    RETURN_IF_ERROR(q.Run());
    deleted = db.Changes();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return deleted;
}

}  // namespace opchat::sqlite
