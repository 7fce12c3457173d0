#include "storage/postgres/pg_conn.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <vector>

#include "common/logging.hpp"

namespace opchat::postgres {
namespace {

// libpq's messages end in a newline and may hold more ("...failed: No such file or
// directory\n\tIs the server running locally...?"): one line, for the log and the terminal.
std::string Trimmed(const char* text) { return OneLine(text ? text : ""); }

// SQLSTATE -> Status. Lost connections, server shutdown and resource exhaustion are worth a
// retry (Unavailable), and so are deadlocks and serialization failures: the same request can
// succeed a moment later. A unique violation is a request that collides with stored data.
Status FromSqlState(std::string_view state, std::string message) {
  if (state.starts_with("08") || state.starts_with("53") || state == "57P01" || state == "57P02" ||
      state == "57P03" || state == "40001" || state == "40P01") {
    return Status::Unavailable(std::move(message));
  }
  if (state == "23505") return Status::Conflict(std::move(message));
  // Invalid UTF-8 in a text parameter is the request's fault. A 4xx message reaches the
  // caller, so it names the problem without the server's wording.
  if (state == "22021") return Status::InvalidArgument("text is not valid UTF-8");
  return Status::Internal(std::move(message));
}

void IgnoreNotice(void*, const char*) {}

template <class T>
T Parse(std::string_view text) {
  T v{};
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

}  // namespace

Param ParamOf(std::string_view v) { return std::string(v); }
Param ParamOf(const std::string& v) { return v; }
Param ParamOf(int64_t v) { return std::to_string(v); }
Param ParamOf(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}
Param ParamOf(bool v) { return std::string(v ? "t" : "f"); }
Param ParamOf(const std::optional<std::string>& v) { return v; }
Param ParamOf(const std::optional<int64_t>& v) { return v ? ParamOf(*v) : std::nullopt; }
Param ParamOf(const std::optional<double>& v) { return v ? ParamOf(*v) : std::nullopt; }
Param BytesParamOf(const std::optional<std::string>& v) {
  if (!v) return std::nullopt;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + 2 * v->size());
  for (unsigned char ch : *v) {
    out += kHex[ch >> 4];
    out += kHex[ch & 15];
  }
  return out;
}

// --- PgResult ---

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (res_) PQclear(res_);
    res_ = other.res_;
    other.res_ = nullptr;
  }
  return *this;
}

PgResult::~PgResult() {
  if (res_) PQclear(res_);
}

int PgResult::Rows() const { return PQntuples(res_); }
int64_t PgResult::AffectedRows() const { return Parse<int64_t>(PQcmdTuples(res_)); }
bool PgResult::IsNull(int row, int col) const { return PQgetisnull(res_, row, col) != 0; }
std::string_view PgResult::Text(int row, int col) const {
  return {PQgetvalue(res_, row, col), static_cast<size_t>(PQgetlength(res_, row, col))};
}
int64_t PgResult::Int(int row, int col) const { return Parse<int64_t>(Text(row, col)); }
double PgResult::Double(int row, int col) const { return Parse<double>(Text(row, col)); }
bool PgResult::Bool(int row, int col) const { return Text(row, col) == "t"; }
std::optional<std::string> PgResult::OptString(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return String(row, col);
}
std::optional<int64_t> PgResult::OptInt(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Int(row, col);
}
std::optional<double> PgResult::OptDouble(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Double(row, col);
}

std::optional<std::string> PgResult::OptBytes(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  // PQunescapeBytea reads both the hex and the older escape output format, so the server's
  // bytea_output setting does not matter.
  size_t size = 0;
  unsigned char* raw =
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(res_, row, col)), &size);
  if (raw == nullptr) return std::string();
  std::string out(reinterpret_cast<const char*>(raw), size);
  PQfreemem(raw);
  return out;
}

// --- PgConn ---

Result<std::unique_ptr<PgConn>> PgConn::Connect(const std::string& url) {
  // A malformed URL is a configuration error, not an outage worth retrying.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error);
  if (parsed == nullptr) {
    // libpq's parse message quotes the offending part of the URL, which is often the password
    // (`invalid percent-encoded token: "Hunter2%zz"`): it never leaves this function.
    const bool out_of_memory = parse_error == nullptr;
    PQfreemem(parse_error);
    if (out_of_memory) return Status::Unavailable("PostgreSQL: out of memory parsing the URL");
    return Status::InvalidArgument(
        "bad PostgreSQL URL (want postgresql://USER:PASSWORD@HOST:PORT/DATABASE?PARAM=VALUE; "
        "characters such as @ / : % in the user or password must be percent-encoded)");
  }
  PQconninfoFree(parsed);
  // Keywords are applied in order and the expanded URL comes last, so anything the URL sets
  // overrides these defaults. The TCP settings bound how long a call can hang on a server that
  // vanished without closing the connection (no effect on Unix sockets).
  const char* keys[] = {"connect_timeout",     "tcp_user_timeout", "keepalives_idle",
                        "keepalives_interval", "keepalives_count", "client_encoding",
                        "application_name",    "dbname",           nullptr};
  const char* values[] = {"3", "10000", "30", "10", "3", "UTF8", "opchat", url.c_str(), nullptr};
  pg_conn* raw = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (raw == nullptr) return Status::Unavailable("PostgreSQL: out of memory connecting");
  std::unique_ptr<PgConn> conn(new PgConn(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    return Status::Unavailable("cannot connect to PostgreSQL: " + Trimmed(PQerrorMessage(raw)));
  }
  // CREATE ... IF NOT EXISTS and friends send NOTICEs, which libpq would print to stderr.
  PQsetNoticeProcessor(raw, IgnoreNotice, nullptr);
  return conn;
}

PgConn::~PgConn() { PQfinish(conn_); }

Status PgConn::Error(pg_result* res, std::string_view what) {
  std::string message =
      std::string(what) + ": " + Trimmed(res ? PQresultErrorMessage(res) : PQerrorMessage(conn_));
  const char* field = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string state = field ? field : "";
  if (res) PQclear(res);
  // Errors libpq makes up itself (the server went away mid-query) carry no SQLSTATE.
  if (PQstatus(conn_) == CONNECTION_BAD) return Status::Unavailable(std::move(message));
  if (state.empty()) return Status::Internal(std::move(message));
  return FromSqlState(state, std::move(message));
}

Result<PgResult> PgConn::Exec(const Statement& stmt, std::span<const Param> params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) {
    if (p && p->find('\0') != std::string::npos) {
      return Status::InvalidArgument("text contains a NUL character");
    }
    values.push_back(p ? p->c_str() : nullptr);
  }
  if (!prepared_.contains(stmt.name)) {
    // Types are inferred by the server; the SQL casts a parameter where context does not say.
    pg_result* res = PQprepare(conn_, stmt.name, stmt.sql, 0, nullptr);
    if (res == nullptr || PQresultStatus(res) != PGRES_COMMAND_OK) {
      return Error(res, std::string("prepare ") + stmt.name);
    }
    PQclear(res);
    prepared_.insert(stmt.name);
  }
  pg_result* res = PQexecPrepared(conn_, stmt.name, static_cast<int>(values.size()), values.data(),
                                  nullptr, nullptr, 0);
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return Error(res, stmt.name);
  return PgResult(res);
}

Status PgConn::ExecScript(const char* sql) {
  pg_result* res = PQexec(conn_, sql);
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    std::string_view head(sql);
    return Error(res, head.substr(0, std::min<size_t>(head.size(), 40)));
  }
  PQclear(res);
  return Status::Ok();
}

Status PgConn::CopyIn(const char* copy_sql, std::string_view rows) {
  pg_result* res = PQexec(conn_, copy_sql);
  if (res == nullptr || PQresultStatus(res) != PGRES_COPY_IN) return Error(res, "copy");
  PQclear(res);
  // In pieces of 1 MB: libpq buffers what it is given before sending it.
  constexpr size_t kPiece = 1 << 20;
  bool sent = true;
  for (size_t at = 0; sent && at < rows.size(); at += kPiece) {
    const std::string_view piece = rows.substr(at, kPiece);
    sent = PQputCopyData(conn_, piece.data(), static_cast<int>(piece.size())) == 1;
  }
  if (PQputCopyEnd(conn_, sent ? nullptr : "client stopped sending") != 1) {
    return Error(nullptr, "copy");
  }
  // The COPY's result, then the null that ends every command's results.
  Status s = Status::Ok();
  while (pg_result* done = PQgetResult(conn_)) {
    if (s.ok() && PQresultStatus(done) != PGRES_COMMAND_OK) {
      s = Error(done, "copy");  // clears `done`
    } else {
      PQclear(done);
    }
  }
  return s;
}

Status PgConn::Transact(const std::function<Status()>& body) {
  RETURN_IF_ERROR(ExecScript("BEGIN"));
  Status s = body();
  // COMMIT of a failed transaction "succeeds" as a ROLLBACK: never let that pass for OK.
  if (s.ok() && PQtransactionStatus(conn_) != PQTRANS_INTRANS) {
    s = Status::Internal("transaction failed before COMMIT");
  }
  if (!s.ok()) {
    (void)ExecScript("ROLLBACK");  // if this fails too, Reusable() retires the connection
    return s;
  }
  return ExecScript("COMMIT");
}

bool PgConn::Lost() const { return PQstatus(conn_) == CONNECTION_BAD; }

Status PgConn::WaitForNotifications(int timeout_ms, std::vector<std::string>& payloads) {
  pollfd p{PQsocket(conn_), POLLIN, 0};
  if (p.fd < 0) return Status::Unavailable("listener connection lost");
  const int ready = ::poll(&p, 1, timeout_ms);
  if (ready > 0 && PQconsumeInput(conn_) == 0) {
    return Status::Unavailable("listener connection lost: " + Trimmed(PQerrorMessage(conn_)));
  }
  while (PGnotify* n = PQnotifies(conn_)) {
    payloads.emplace_back(n->extra ? n->extra : "");
    PQfreemem(n);
  }
  if (PQstatus(conn_) != CONNECTION_OK) return Status::Unavailable("listener connection lost");
  return Status::Ok();
}

bool PgConn::Reusable() {
  if (PQstatus(conn_) != CONNECTION_OK || PQtransactionStatus(conn_) != PQTRANS_IDLE) return false;
  // An idle connection has nothing to read unless the server is closing it (a FATAL such as
  // 57P01 admin_shutdown, then EOF). Retiring it now spares the next caller a failed query.
  pollfd p{PQsocket(conn_), POLLIN, 0};
  if (::poll(&p, 1, 0) != 0) return false;
  return PQstatus(conn_) == CONNECTION_OK;
}

}  // namespace opchat::postgres
