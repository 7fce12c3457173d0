// A console session as the credential of a request (docs/console.md): the live session named by
// the request's opchat_session cookie, and the CSRF check of a write. Shared by the console's
// own endpoints and by /op/v2 when it is called with a session instead of a signature.
// Thread-safe.
#pragma once

#include "api/api.hpp"
#include "common/status.hpp"
#include "storage/operator_store.hpp"

namespace opchat {

// OK when the request has no Origin header (browsers send none with a same-origin GET, nor do
// other programs) or one whose host[:port] is the Host header's; else PermissionDenied (403,
// "跨站请求被拒绝: Origin 与 Host 不符"). Behind a reverse proxy, the proxy must pass the
// browser's Host on.
Status CheckSameOrigin(const ApiRequest& request);

// The request's live session and its operator. Checks CheckSameOrigin first. Unauthenticated (401,
// "未登录或会话已过期") when the cookie is missing or names no live session (ended, expired, idle
// too long, or its operator disabled); other storage errors as they are (503).
Result<ActiveSession> CurrentSession(const ApiDeps& deps, const ApiRequest& request);

// OK when the request's X-CSRF-Token equals the session's token (compared in constant time);
// else PermissionDenied (403, "CSRF 令牌无效: 需要请求头 X-CSRF-Token").
Status CheckCsrf(const ApiRequest& request, const OperatorSession& session);

}  // namespace opchat
