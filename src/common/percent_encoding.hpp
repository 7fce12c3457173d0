// Percent-encoding of single bytes, as URLs write them (RFC 3986 §2.1). Pure; thread-safe.
#pragma once

#include <string>

namespace opchat {

// Appends `c` as "%XX", uppercase hex.
inline void AppendPercentEscaped(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

}  // namespace opchat
