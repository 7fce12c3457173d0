// Keyword matching shared by the storage back ends' message search: both find the keyword as
// a LIKE substring (ASCII letters case-insensitive), whatever index narrows the candidates.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace opchat {

// "%keyword%" with the LIKE wildcards of the keyword ('%', '_') and the escape character
// itself ('\') escaped by '\', for `LIKE ? ESCAPE '\'`.
std::string LikeContainsPattern(std::string_view keyword);

// Characters (Unicode code points) of UTF-8 text: what trigram indexes count.
size_t Utf8Length(std::string_view text);

}  // namespace opchat
