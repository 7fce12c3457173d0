// RAII wrappers over one sqlite3 connection and its cached prepared statements.
// A SqliteDb is used by one thread at a time (the store hands connections out exclusively).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace opchat::sqlite {

// A prepared statement borrowed from a SqliteDb's cache; reset and unbound when it goes out of
// scope, so the next user finds it clean. Bind indexes are 1-based, column indexes 0-based.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  void Bind(int i, std::string_view v);
  void Bind(int i, int64_t v);
  void Bind(int i, double v);
  void BindNull(int i);
  void Bind(int i, const std::string& v) { Bind(i, std::string_view(v)); }
  void Bind(int i, const char* v) { Bind(i, std::string_view(v)); }
  void Bind(int i, const std::optional<std::string>& v) {
    v ? Bind(i, std::string_view(*v)) : BindNull(i);
  }
  void Bind(int i, const std::optional<int64_t>& v) { v ? Bind(i, *v) : BindNull(i); }
  void Bind(int i, const std::optional<double>& v) { v ? Bind(i, *v) : BindNull(i); }
  // Binds text without copying it: `v` must stay alive and unchanged until this Stmt is gone.
  // For hot writes of fields the caller holds (an import copied every field twice).
  void BindBorrowed(int i, std::string_view v);
  void BindBorrowed(int i, const std::string& v) { BindBorrowed(i, std::string_view(v)); }
  void BindBorrowed(int i, const std::optional<std::string>& v) {
    v ? BindBorrowed(i, std::string_view(*v)) : BindNull(i);
  }

  // Steps once. Returns true with a row, false when done; errors land in status().
  bool Step();
  // Steps to completion (for statements without rows).
  Status Run();
  const Status& status() const { return status_; }

  bool IsNull(int col) const;
  int64_t Int(int col) const;
  double Double(int col) const;
  std::string_view Text(int col) const;
  std::string String(int col) const { return std::string(Text(col)); }
  std::optional<std::string> OptString(int col) const;
  std::optional<int64_t> OptInt(int col) const;
  std::optional<double> OptDouble(int col) const;

 private:
  sqlite3_stmt* stmt_;
  Status status_;
};

class SqliteDb {
 public:
  // Opens (creating when asked) the file at `path` with the pragmas opchat relies on.
  // `page_size` applies to a database this call creates; an existing file keeps its own.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path, bool create,
                                                const std::string& synchronous,
                                                int page_size = 8192);
  ~SqliteDb();

  // A cached prepared statement for `sql` (a string literal: its address is the cache key).
  Stmt Prepare(const char* sql);
  Status Exec(const char* sql);
  sqlite3* raw() const { return db_; }
  int64_t Changes() const;

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

// Maps a SQLite result code to a Status: busy/locked/IO -> Unavailable, else Internal.
Status SqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace opchat::sqlite
