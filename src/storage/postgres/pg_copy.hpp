// Rows in the text format of COPY ... FROM STDIN, for PgConn::CopyIn: the bulk path of import,
// which costs the server far less per row than an INSERT over unnest()ed arrays. A plain value;
// thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/row_mapping.hpp"

namespace opchat::postgres {

class CopyRows final : public RowWriter {
 public:
  void Add(int64_t v) override;
  void Add(const std::string& v) override { AddText(v); }
  void Add(const std::optional<std::string>& v) override;
  void Add(const std::optional<int64_t>& v) override;
  void Add(const std::optional<double>& v) override;
  void AddText(std::string_view v);
  // Ends the row begun by the values added since the last EndRow.
  void EndRow();

  // The rows so far: tab between values, \N for NULL, newline after each row.
  std::string_view Data() const { return data_; }
  int64_t RowCount() const { return rows_; }
  // Whether a text value held a NUL byte, which PostgreSQL text cannot store.
  bool HasNul() const { return has_nul_; }

 private:
  void Separate();
  void AddNull();

  std::string data_;
  int64_t rows_ = 0;
  bool row_open_ = false;
  bool has_nul_ = false;
};

}  // namespace opchat::postgres
