// The string a request signature covers (docs/api.md, "Signing"): every query parameter except
// `sign`, URL-decoded, sorted by name in byte order, joined as name=value with '&', then the raw
// body; with hmac-sha256 the HTTP method and the path come first, each followed by '\n'.
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

// Unauthenticated unless the canonical string of `params` can be read back one way only: every
// name matches [A-Za-z][A-Za-z0-9_]* and no decoded value holds '&' or '='. Without this, one
// parameter *named* "nonce=1&timestamp=2&version" signs the same string as three real ones, and
// a captured request could be replayed with its timestamp and nonce stripped.
Status CheckUnambiguous(const QueryParams& params);

// The canonical string without the body: sorted name=value pairs, `sign` left out.
std::string CanonicalQuery(const QueryParams& params);

}  // namespace opchat
