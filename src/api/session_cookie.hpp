// The console's session cookie (docs/console.md): reading it from a Cookie header and writing
// the Set-Cookie that starts or ends it. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace opchat {

inline constexpr std::string_view kSessionCookie = "opchat_session";

// The value of the first opchat_session cookie in a Cookie header ("a=1; opchat_session=T");
// "" when there is none.
std::string_view SessionCookieValue(std::string_view cookie_header);

// Set-Cookie for a new session: HttpOnly (no script reads it), SameSite=Strict (no other site's
// page sends it), Path=/, Max-Age; Secure unless `secure` is false (plain HTTP on loopback).
std::string SessionSetCookie(std::string_view token, int64_t max_age_s, bool secure);
// Set-Cookie that makes the browser forget the session (logout).
std::string ClearedSessionCookie(bool secure);

}  // namespace opchat
