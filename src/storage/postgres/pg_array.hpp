// The text form of array parameters, for statements that take a whole batch in one round trip
// (unnest($1::text[], ...)). Plain values; thread-compatible.
#pragma once

#include <string>

#include "storage/postgres/pg_conn.hpp"

namespace opchat::postgres {

// Builds the text form of a one-dimensional array parameter: {"a","b\"c",NULL}. Every element
// is quoted, which is valid for numbers too, so one escaping rule serves every column type.
class ArrayBuilder {
 public:
  ArrayBuilder() : text_("{") {}
  void Add(const Param& v) {
    if (text_.size() > 1) text_ += ',';
    if (!v) {
      text_ += "NULL";
      return;
    }
    text_ += '"';
    for (char ch : *v) {
      if (ch == '"' || ch == '\\') text_ += '\\';
      text_ += ch;
    }
    text_ += '"';
  }
  Param Done() { return text_ + "}"; }

 private:
  std::string text_;
};

}  // namespace opchat::postgres
