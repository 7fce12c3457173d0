#include "api/session_auth.hpp"

#include "api/handlers.hpp"
#include "api/session_cookie.hpp"
#include "common/clock.hpp"
#include "common/crypto.hpp"

namespace opchat {

Status CheckSameOrigin(const ApiRequest& request) {
  if (request.origin.empty()) return Status::Ok();
  std::string_view origin = request.origin;
  size_t scheme_end = origin.find("://");
  std::string_view authority =
      scheme_end == std::string_view::npos ? std::string_view{} : origin.substr(scheme_end + 3);
  if (authority.empty() || !EqualsIgnoringAsciiCase(authority, request.host))
    return Status::PermissionDenied("跨站请求被拒绝: Origin 与 Host 不符");
  return Status::Ok();
}

Result<ActiveSession> CurrentSession(const ApiDeps& deps, const ApiRequest& request) {
  RETURN_IF_ERROR(CheckSameOrigin(request));
  const Status no_session = Status::Unauthenticated("未登录或会话已过期");
  std::string_view token = SessionCookieValue(request.cookie);
  if (token.empty()) return no_session;
  auto found = deps.store.operators().LookupSession(token, NowMillis(), deps.console.idle_ms());
  if (!found.ok() && found.status().code() == StatusCode::kNotFound) return no_session;
  return found;
}

Status CheckCsrf(const ApiRequest& request, const OperatorSession& session) {
  // A form on another site cannot set a header, and SameSite=Strict already keeps the cookie
  // from it: the token is the second lock.
  if (request.csrf_token.empty() || !ConstantTimeEquals(request.csrf_token, session.csrf_token)) {
    return Status::PermissionDenied("CSRF 令牌无效: 需要请求头 X-CSRF-Token");
  }
  return Status::Ok();
}

}  // namespace opchat
