// One libpq connection to PostgreSQL, its lazily prepared statements, and the RAII holder of a
// query result. Every failure comes back as a Status (see PgError for the mapping).
// A PgConn is used by one thread at a time (the pool lends it out exclusively); a PgResult is a
// plain value. This and pg_conn.cpp are the only code that includes libpq-fe.h.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/status.hpp"

struct pg_conn;
struct pg_result;

namespace opchat::postgres {

// A text-format query parameter; nullopt is SQL NULL.
using Param = std::optional<std::string>;

Param ParamOf(std::string_view v);
Param ParamOf(const std::string& v);
Param ParamOf(int64_t v);
Param ParamOf(double v);  // shortest text that reads back as the same double
Param ParamOf(bool v);
Param ParamOf(const std::optional<std::string>& v);
Param ParamOf(const std::optional<int64_t>& v);
Param ParamOf(const std::optional<double>& v);
// A BYTEA parameter: any bytes, NUL included, sent as hex text.
Param BytesParamOf(const std::optional<std::string>& v);

// A named statement: the name is its key in each connection's set of prepared statements, so
// two statements must never share a name.
struct Statement {
  const char* name;
  const char* sql;
};

// The rows (or the command tag) of one successful statement. Row and column indexes are
// 0-based; text columns are byte-exact copies of the stored values.
class PgResult {
 public:
  explicit PgResult(pg_result* res) : res_(res) {}
  PgResult(PgResult&& other) noexcept : res_(other.res_) { other.res_ = nullptr; }
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult();

  int Rows() const;
  int64_t AffectedRows() const;  // rows an INSERT/UPDATE/DELETE touched

  bool IsNull(int row, int col) const;
  std::string_view Text(int row, int col) const;
  std::string String(int row, int col) const { return std::string(Text(row, col)); }
  int64_t Int(int row, int col) const;  // 0 for NULL
  double Double(int row, int col) const;
  bool Bool(int row, int col) const;
  std::optional<std::string> OptString(int row, int col) const;
  std::optional<int64_t> OptInt(int row, int col) const;
  std::optional<double> OptDouble(int row, int col) const;
  std::optional<std::string> OptBytes(int row, int col) const;  // a BYTEA column's bytes

 private:
  pg_result* res_;
};

class PgConn {
 public:
  // Connects with a libpq URL or key=value string. Sets connect_timeout=3 and UTF-8 client
  // encoding unless the URL says otherwise. InvalidArgument when the URL is malformed;
  // Unavailable when the server cannot be reached or refuses the connection.
  static Result<std::unique_ptr<PgConn>> Connect(const std::string& url);
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;
  ~PgConn();

  // Runs `stmt` with text parameters, preparing it on this connection the first time.
  // InvalidArgument when a parameter holds a NUL byte (PostgreSQL text cannot store it and
  // libpq would silently truncate it); otherwise errors as PgError maps them.
  Result<PgResult> Exec(const Statement& stmt, std::span<const Param> params);
  Result<PgResult> Exec(const Statement& stmt, std::initializer_list<Param> params) {
    return Exec(stmt, std::span<const Param>(params.begin(), params.size()));
  }
  // Runs SQL text without parameters (may hold several statements, e.g. a migration).
  Status ExecScript(const char* sql);
  // Runs `copy_sql` (COPY ... FROM STDIN, text format) and sends it `rows`: complete lines of
  // that format (CopyRows). Errors as Exec's; a failed COPY changes nothing.
  Status CopyIn(const char* copy_sql, std::string_view rows);

  // Runs `body` inside BEGIN ... COMMIT; rolls back when it returns an error. Returns the
  // body's error, or the COMMIT's: OK means the transaction is durably committed.
  Status Transact(const std::function<Status()>& body);

  // Whether this connection can be handed out again: not lost, not inside a transaction, and
  // nothing unsolicited waiting on its socket, so a connection the server closed while it sat
  // idle (restart, admin shutdown) is noticed here rather than by the next caller's query.
  // Never blocks.
  bool Reusable();
  // Whether the connection to the server is gone (libpq's CONNECTION_BAD). Never blocks.
  bool Lost() const;

  // For a connection that has run LISTEN: waits up to `timeout_ms` for the server to send
  // something, then appends the payloads of the notifications received (none on a timeout).
  // Unavailable when the connection is lost.
  Status WaitForNotifications(int timeout_ms, std::vector<std::string>& payloads);

 private:
  explicit PgConn(pg_conn* conn) : conn_(conn) {}
  Status Error(pg_result* res, std::string_view what);

  pg_conn* conn_;
  std::unordered_set<std::string> prepared_;  // statement names prepared on this connection
};

}  // namespace opchat::postgres
