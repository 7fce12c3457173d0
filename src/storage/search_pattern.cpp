#include "storage/search_pattern.hpp"

namespace opchat {

std::string LikeContainsPattern(std::string_view keyword) {
  std::string out = "%";
  out.reserve(keyword.size() + 2);
  for (char c : keyword) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

size_t Utf8Length(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;  // every byte but a continuation byte starts a character
  }
  return n;
}

}  // namespace opchat
