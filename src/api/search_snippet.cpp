#include "api/search_snippet.hpp"

#include <vector>

namespace opchat {
namespace {

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Byte offset `chars` code points before `pos` (or 0).
size_t Back(std::string_view s, size_t pos, size_t chars) {
  while (pos > 0 && chars > 0) {
    --pos;
    while (pos > 0 && IsContinuation(s[pos])) --pos;
    --chars;
  }
  return pos;
}

// Byte offset `chars` code points after `pos` (or the end).
size_t Forward(std::string_view s, size_t pos, size_t chars) {
  while (pos < s.size() && chars > 0) {
    ++pos;
    while (pos < s.size() && IsContinuation(s[pos])) ++pos;
    --chars;
  }
  return pos;
}

}  // namespace

std::string SearchSnippet(std::string_view text, std::string_view keyword, size_t context_before,
                          size_t context_after) {
  // Lowercasing ASCII keeps every byte offset, so matches found in the copies apply to `text`.
  const std::string hay = LowerAscii(text), needle = LowerAscii(keyword);
  std::vector<size_t> matches;
  for (size_t at = hay.find(needle); at != std::string::npos && !needle.empty();
       at = hay.find(needle, at + needle.size())) {
    matches.push_back(at);
  }
  if (matches.empty()) {
    size_t end = Forward(text, 0, context_before + context_after);
    return std::string(text.substr(0, end)) + (end < text.size() ? "…" : "");
  }
  const size_t start = Back(text, matches.front(), context_before);
  const size_t end = Forward(text, matches.front() + needle.size(), context_after);
  std::string out = start > 0 ? "…" : "";
  size_t pos = start;
  for (size_t m : matches) {
    if (m + needle.size() > end) break;
    out.append(text.substr(pos, m - pos));
    out += kHighlightOpen;
    out.append(text.substr(m, needle.size()));
    out += kHighlightClose;
    pos = m + needle.size();
  }
  out.append(text.substr(pos, end - pos));
  if (end < text.size()) out += "…";
  return out;
}

}  // namespace opchat
