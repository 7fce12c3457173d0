// The storage of console operators and their sessions (docs/console.md).
//
// A session is named by a random token that only its browser holds (in a cookie): the database
// keeps the token's SHA-256 (SessionTokenHash), never the token, so that whoever reads a copy of
// the database or a backup cannot take over a live session. Sessions live in the database so
// that any instance on it accepts them, and so that disabling an operator or resetting its
// password ends its sessions at once, everywhere.
//
// A session ends at the first of: expires_ms (an absolute lifetime set at login), idle_ms after
// its last use (the caller's setting, given to each lookup), DeleteSession (logout), or its
// operator being disabled or given a new password.
//
// Thread-safety: every method may be called concurrently from any thread, and from several
// processes on one PostgreSQL database. Durability: as Store's writes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "domain/operator.hpp"

namespace opchat {

struct OperatorSession {
  std::string operator_id;
  // Sent back by the console in X-CSRF-Token with every write; not a credential on its own
  // (the cookie is), so it is kept as it is, to be given to the page again.
  std::string csrf_token;
  int64_t created_ms = 0;
  int64_t last_seen_ms = 0;  // moved forward by LookupSession, at most once a kSessionTouchMs
  int64_t expires_ms = 0;    // absolute end
};

// A live session with its operator as stored now.
struct ActiveSession {
  OperatorSession session;
  Operator op;
};

// LookupSession rewrites last_seen_ms only when it is this far behind: a page that makes ten
// requests a second costs one write a minute, not ten a second. The idle limit is then honoured
// to within this much.
inline constexpr int64_t kSessionTouchMs = 60'000;

// The key a session is stored under: lowercase hex SHA-256 of its token.
std::string SessionTokenHash(std::string_view token);

class OperatorStore {
 public:
  virtual ~OperatorStore() = default;

  // --- operators ---
  // Stores a new operator as given. Conflict ("operator exists: ID") when the id is taken,
  // Conflict ("login taken in channel C: L") when its channel has an operator with this login;
  // nothing is written then.
  virtual Status AddOperator(const Operator& op) = 0;
  // The operators of `channel` ("" = of every channel), in order of creation.
  virtual Result<std::vector<Operator>> ListOperators(std::string_view channel) = 0;
  // NotFound ("no such operator: ID").
  virtual Result<Operator> GetOperator(std::string_view id) = 0;
  // The operator who signs in with `login` in `channel`, enabled or not. NotFound.
  virtual Result<Operator> FindOperatorByLogin(std::string_view channel,
                                               std::string_view login) = 0;
  // Enables or disables; disabling deletes the operator's sessions in the same transaction.
  // NotFound.
  virtual Status SetOperatorEnabled(std::string_view id, bool enabled) = 0;
  // Replaces the password hash and deletes the operator's sessions, in one transaction. NotFound.
  virtual Status SetOperatorPassword(std::string_view id, std::string_view password_hash) = 0;

  // --- sessions ---
  // Stores a session under SessionTokenHash(token). NotFound when the operator is missing,
  // PermissionDenied when it is disabled (checked in the same transaction, so a disable that
  // committed first is never outlived); Conflict when the token is taken (never, with 32 random
  // bytes).
  virtual Status CreateSession(std::string_view token, const OperatorSession& session) = 0;
  // The session of `token` and its operator, if the session is live at now_ms (now_ms <
  // expires_ms and now_ms - last_seen_ms < idle_ms) and its operator enabled; its last_seen_ms
  // moves to now_ms when it is kSessionTouchMs or more behind (the session returned shows the
  // new value). NotFound otherwise, whatever the reason (no such session, ended, disabled).
  virtual Result<ActiveSession> LookupSession(std::string_view token, int64_t now_ms,
                                              int64_t idle_ms) = 0;
  // Ends the session of `token`; OK also when there is none (a second logout).
  virtual Status DeleteSession(std::string_view token) = 0;
  // Ends every session of the operator; returns how many there were.
  virtual Result<int64_t> DeleteOperatorSessions(std::string_view operator_id) = 0;
  // Deletes up to `limit` sessions that are no longer live at now_ms (as LookupSession says);
  // returns how many. REQUIRES: limit > 0.
  virtual Result<int64_t> PurgeExpiredSessions(int64_t now_ms, int64_t idle_ms, int64_t limit) = 0;
};

}  // namespace opchat
