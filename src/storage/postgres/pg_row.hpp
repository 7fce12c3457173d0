// A row of a PostgreSQL result as the shared row mappers read it (storage/row_mapping.hpp).
// A view of the result, valid while it lives; thread-compatible.
#pragma once

#include "storage/postgres/pg_conn.hpp"
#include "storage/row_mapping.hpp"

namespace opchat::postgres {

class PgRow final : public RowReader {
 public:
  PgRow(const PgResult& r, int row) : r_(r), row_(row) {}
  int64_t Int(int col) const override { return r_.Int(row_, col); }
  std::string String(int col) const override { return r_.String(row_, col); }
  std::optional<std::string> OptString(int col) const override { return r_.OptString(row_, col); }
  std::optional<int64_t> OptInt(int col) const override { return r_.OptInt(row_, col); }
  std::optional<double> OptDouble(int col) const override { return r_.OptDouble(row_, col); }

 private:
  const PgResult& r_;
  int row_;
};

}  // namespace opchat::postgres
