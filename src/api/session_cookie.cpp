#include "api/session_cookie.hpp"

namespace opchat {
namespace {

std::string_view Trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Attributes(bool secure) {
  return std::string("; Path=/; HttpOnly; SameSite=Strict") + (secure ? "; Secure" : "");
}

}  // namespace

std::string_view SessionCookieValue(std::string_view header) {
  while (!header.empty()) {
    const size_t end = header.find(';');
    std::string_view pair = Trimmed(header.substr(0, end));
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && Trimmed(pair.substr(0, eq)) == kSessionCookie) {
      std::string_view value = Trimmed(pair.substr(eq + 1));
      // RFC 6265 allows the value in double quotes.
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return value;
    }
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
  return {};
}

std::string SessionSetCookie(std::string_view token, int64_t max_age_s, bool secure) {
  return std::string(kSessionCookie) + "=" + std::string(token) +
         "; Max-Age=" + std::to_string(max_age_s) + Attributes(secure);
}

std::string ClearedSessionCookie(bool secure) {
  return std::string(kSessionCookie) + "=; Max-Age=0" + Attributes(secure);
}

}  // namespace opchat
