#include "storage/postgres/pg_copy.hpp"

#include <charconv>

namespace opchat::postgres {

void CopyRows::Separate() {
  if (row_open_) data_ += '\t';
  row_open_ = true;
}

void CopyRows::AddNull() {
  Separate();
  data_ += "\\N";
}

void CopyRows::Add(int64_t v) {
  Separate();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  data_.append(buf, end);
}

void CopyRows::Add(const std::optional<std::string>& v) {
  if (v) {
    AddText(*v);
  } else {
    AddNull();
  }
}

void CopyRows::Add(const std::optional<int64_t>& v) {
  if (v) {
    Add(*v);
  } else {
    AddNull();
  }
}

void CopyRows::Add(const std::optional<double>& v) {
  if (!v) return AddNull();
  Separate();
  char buf[64];  // the shortest text that reads back as the same double, as ParamOf writes it
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *v);
  data_.append(buf, end);
}

void CopyRows::AddText(std::string_view v) {
  Separate();
  // COPY's text format: a backslash escapes itself and the characters that end a value or a row.
  for (char ch : v) {
    switch (ch) {
      case '\\': data_ += "\\\\"; break;
      case '\t': data_ += "\\t"; break;
      case '\n': data_ += "\\n"; break;
      case '\r': data_ += "\\r"; break;
      case '\0': has_nul_ = true; break;
      default: data_ += ch;
    }
  }
}

void CopyRows::EndRow() {
  data_ += '\n';
  row_open_ = false;
  ++rows_;
}

}  // namespace opchat::postgres
