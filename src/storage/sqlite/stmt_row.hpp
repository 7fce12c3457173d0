// A row of a SQLite statement as the shared row mappers read it (storage/row_mapping.hpp).
// Valid while the statement stays on that row; thread-compatible.
#pragma once

#include "storage/row_mapping.hpp"
#include "storage/sqlite/sqlite_db.hpp"

namespace opchat::sqlite {

class StmtRow final : public RowReader {
 public:
  explicit StmtRow(const Stmt& q) : q_(q) {}
  int64_t Int(int col) const override { return q_.Int(col); }
  std::string_view Text(int col) const override { return q_.Text(col); }
  std::optional<std::string_view> OptText(int col) const override {
    if (q_.IsNull(col)) return std::nullopt;
    return q_.Text(col);
  }
  std::optional<int64_t> OptInt(int col) const override { return q_.OptInt(col); }
  std::optional<double> OptDouble(int col) const override { return q_.OptDouble(col); }

 private:
  const Stmt& q_;
};

}  // namespace opchat::sqlite
