// The highlighted excerpt of a search hit: a window of the message text around the first
// match, every match inside it wrapped in 【】 and cut ends marked with "…". Plain text (no
// markup), so a client can show it anywhere without escaping rules. Matching is the search's:
// ASCII letters case-insensitive, any other character exact. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace opchat {

inline constexpr std::string_view kHighlightOpen = "【";
inline constexpr std::string_view kHighlightClose = "】";

// REQUIRES: `keyword` non-empty. Characters are counted as UTF-8 code points.
std::string SearchSnippet(std::string_view text, std::string_view keyword,
                          size_t context_before = 20, size_t context_after = 40);

}  // namespace opchat
