// The rows of operators and their sessions as both back ends store them: the column lists, in
// the order their statements select them, and the mapping to the structs of
// storage/operator_store.hpp (as webhook_rows.hpp does for webhooks). Pure functions;
// thread-compatible.
#pragma once

#include "storage/operator_store.hpp"
#include "storage/row_mapping.hpp"

// The operator columns that ReadOperator reads, in order. `role` is RoleName's text, `enabled`
// 0 or 1.
#define OPCHAT_OPERATOR_COLUMNS \
  "id, channel_id, login, name, role, password_hash, enabled, created_ms"

// The session columns that ReadOperatorSession reads, in order (the token's hash is the key and
// is not read back).
#define OPCHAT_SESSION_COLUMNS "operator_id, csrf_token, created_ms, last_seen_ms, expires_ms"

namespace opchat {

// An unknown role reads as an agent: the role with the fewer rights.
Operator ReadOperator(const RowReader& row, int first = 0);
OperatorSession ReadOperatorSession(const RowReader& row, int first = 0);

// Whether a session with these times is live at now_ms (OperatorStore::LookupSession).
bool SessionLive(const OperatorSession& s, int64_t now_ms, int64_t idle_ms);

}  // namespace opchat
