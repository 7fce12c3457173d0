// The string a request signature covers (SPEC §2): every query parameter except `sign`,
// URL-decoded, sorted by name in byte order, joined as name=value with '&', then the raw body.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"

namespace opchat {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Decodes the query part of a request target ("a=1&b=x%20y"). '+' decodes to a space, as in
// HTML forms. InvalidArgument on a malformed escape or a repeated parameter name (a repeated
// name would let two parties read two different values from one signed string).
Result<QueryParams> ParseQuery(std::string_view query);

// The value of parameter `name`, or nullptr.
const std::string* FindParam(const QueryParams& params, std::string_view name);

// The canonical string without the body: sorted name=value pairs, `sign` left out.
std::string CanonicalQuery(const QueryParams& params);

}  // namespace opchat
