// A row of a PostgreSQL result as the shared row mappers read it (storage/row_mapping.hpp).
// A view of the result, valid while it lives; thread-compatible.
#pragma once

#include "storage/postgres/pg_conn.hpp"
#include "storage/row_mapping.hpp"

namespace opchat::postgres {

class PgRow final : public RowReader {
 public:
  // `first_col`: where the record starts, for a row that holds a chat, then a message.
  PgRow(const PgResult& r, int row, int first_col = 0) : r_(r), row_(row), first_(first_col) {}
  int64_t Int(int col) const override { return r_.Int(row_, first_ + col); }
  std::string_view Text(int col) const override { return r_.Text(row_, first_ + col); }
  std::optional<std::string_view> OptText(int col) const override {
    if (r_.IsNull(row_, first_ + col)) return std::nullopt;
    return r_.Text(row_, first_ + col);
  }
  std::optional<int64_t> OptInt(int col) const override { return r_.OptInt(row_, first_ + col); }
  std::optional<double> OptDouble(int col) const override {
    return r_.OptDouble(row_, first_ + col);
  }

 private:
  const PgResult& r_;
  int row_;
  int first_;
};

}  // namespace opchat::postgres
