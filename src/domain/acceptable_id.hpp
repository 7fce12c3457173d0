// The ids a client or an administrator may choose (chatId, userId, operatorId): what the API
// accepts in a request is what the command line accepts for an operator, so that an operator
// created by `opchat operator add` can be named in acceptChat. Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace opchat {

inline constexpr size_t kMaxIdBytes = 128;

// Whether `id` is printable ASCII without spaces, 1 to kMaxIdBytes bytes.
bool IsAcceptableId(std::string_view id);

}  // namespace opchat
