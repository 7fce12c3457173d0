#include "storage/operator_rows.hpp"

#include "common/crypto.hpp"

namespace opchat {

std::string SessionTokenHash(std::string_view token) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : Sha256Digest(token)) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

Operator ReadOperator(const RowReader& row, int first) {
  Operator op;
  op.id = row.String(first);
  op.channel = row.String(first + 1);
  op.login = row.String(first + 2);
  op.name = row.String(first + 3);
  op.role = RoleFromName(row.String(first + 4)).value_or(OperatorRole::kAgent);
  op.password_hash = row.String(first + 5);
  op.enabled = row.Int(first + 6) != 0;
  op.created_ms = row.Int(first + 7);
  return op;
}

OperatorSession ReadOperatorSession(const RowReader& row, int first) {
  OperatorSession s;
  s.operator_id = row.String(first);
  s.csrf_token = row.String(first + 1);
  s.created_ms = row.Int(first + 2);
  s.last_seen_ms = row.Int(first + 3);
  s.expires_ms = row.Int(first + 4);
  return s;
}

bool SessionLive(const OperatorSession& s, int64_t now_ms, int64_t idle_ms) {
  return now_ms < s.expires_ms && now_ms - s.last_seen_ms < idle_ms;
}

}  // namespace opchat
