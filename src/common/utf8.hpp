// UTF-8 checks for text that goes back to clients. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace opchat {

// Whether `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool IsValidUtf8(std::string_view text);

// `text` with every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD,
// so that a JSON document built from it is valid whatever the input was.
std::string ToValidUtf8(std::string_view text);

}  // namespace opchat
