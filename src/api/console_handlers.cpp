// The console's own endpoints (docs/console.md): POST /console/api/login, POST
// /console/api/logout, GET /console/api/me and GET /console/api/operators. They are authenticated
// by the session cookie, not by a signature; logout, a write, also needs the session's CSRF token
// in X-CSRF-Token (a form on another site cannot set a header, and SameSite=Strict already keeps
// the cookie from it).
#include "api/envelope.hpp"
#include "api/handlers.hpp"
#include "api/session_auth.hpp"
#include "api/session_cookie.hpp"
#include "auth/password_hash.hpp"
#include "codec/operator_json.hpp"
#include "codec/request_fields.hpp"
#include "common/clock.hpp"
#include "common/crypto.hpp"

namespace opchat {
namespace {

// A session token: 32 random bytes (256 bits, beyond guessing), as hex for the cookie.
constexpr size_t kTokenBytes = 32;
constexpr size_t kCsrfBytes = 16;

// Checked when the login is unknown, so that an unknown login costs the same Argon2id time as a
// wrong password and the answer's delay does not tell which logins exist.
const std::string& DummyHash() {
  static const std::string hash = [] {
    auto h = HashPassword("opchat: no such operator");
    return h.ok() ? *h : std::string();
  }();
  return hash;
}

Status BadCredentials() { return Status::Unauthenticated("登录名或密码错误"); }

void WriteOperator(JsonWriter& w, const Operator& op) {
  w.BeginObject();
  WriteOperatorFields(w, op);
  w.EndObject();
}

// {"code":200,"message":"成功","operator":{...},"csrfToken":"...","foot":{...}}
ApiResponse SessionAnswer(const ApiDeps& deps, const Operator& op, std::string_view csrf) {
  ApiResponse r;
  JsonWriter w(r.body);
  OpenSuccess(w);
  w.Key("operator");
  WriteOperator(w, op);
  w.Key("csrfToken");
  w.String(csrf);
  CloseEnvelope(w, deps.settings);
  return r;
}

struct Credentials {
  std::string channel, login, password;
};

Result<Credentials> ReadCredentials(const ApiRequest& request) {
  ASSIGN_OR_RETURN(auto body, ParseBodyObject(request.body));
  Credentials c;
  ASSIGN_OR_RETURN(c.channel, RequiredString(body, "channel"));
  ASSIGN_OR_RETURN(c.login, RequiredString(body, "login"));
  ASSIGN_OR_RETURN(c.password, RequiredString(body, "password"));
  return c;
}

ApiResponse Login(const ApiDeps& deps, const ApiRequest& request) {
  if (!IsJsonContentType(request.content_type)) {
    return RefusalResponse(Refusal::kUnsupportedMedia, "不支持的媒体类型: 需要 application/json",
                           deps.settings);
  }
  // A page of another site must not sign a browser in to an account of its choosing.
  if (Status same = CheckSameOrigin(request); !same.ok()) return ErrorResponse(same, deps.settings);
  auto creds = ReadCredentials(request);
  if (!creds.ok()) return ErrorResponse(creds.status(), deps.settings);
  const int64_t now = NowMillis();
  if (deps.login_throttle) {
    if (int64_t wait = deps.login_throttle->RetryAfter(creds->channel, creds->login,
                                                       request.remote_address, now);
        wait > 0) {
      ApiResponse r =
          RefusalResponse(Refusal::kTooManyRequests, "登录失败次数过多，请稍后重试", deps.settings);
      r.retry_after_s = wait;
      return r;
    }
  }
  OperatorStore& operators = deps.store.operators();
  auto op = operators.FindOperatorByLogin(creds->channel, creds->login);
  if (!op.ok() && op.status().code() != StatusCode::kNotFound) {
    return ErrorResponse(op.status(), deps.settings);
  }
  if (!VerifyPassword(op.ok() ? op->password_hash : DummyHash(), creds->password) || !op.ok()) {
    if (deps.login_throttle) {
      deps.login_throttle->RecordFailure(creds->channel, creds->login, request.remote_address, now);
    }
    return ErrorResponse(BadCredentials(), deps.settings);
  }
  // Said only to whoever knows the password: it is theirs to know, and saves a support call.
  Status disabled = Status::PermissionDenied("该账号已停用");
  if (!op->enabled) return ErrorResponse(disabled, deps.settings);
  const std::string token = RandomHex(kTokenBytes);
  OperatorSession session;
  session.operator_id = op->id;
  session.csrf_token = RandomHex(kCsrfBytes);
  session.created_ms = session.last_seen_ms = now;
  session.expires_ms = now + deps.console.lifetime_ms();
  if (Status s = operators.CreateSession(token, session); !s.ok()) {
    // Disabled between the check and the session (operator_store.hpp).
    return ErrorResponse(s.code() == StatusCode::kPermissionDenied ? disabled : s, deps.settings);
  }
  ApiResponse r = SessionAnswer(deps, *op, session.csrf_token);
  r.set_cookie = SessionSetCookie(token, deps.console.lifetime_ms() / 1000,
                                  !deps.console.insecure_loopback_http);
  return r;
}

ApiResponse Logout(const ApiDeps& deps, const ApiRequest& request) {
  auto current = CurrentSession(deps, request);
  if (!current.ok()) return ErrorResponse(current.status(), deps.settings);
  if (Status csrf = CheckCsrf(request, current->session); !csrf.ok()) {
    return ErrorResponse(csrf, deps.settings);
  }
  Status s = deps.store.operators().DeleteSession(SessionCookieValue(request.cookie));
  if (!s.ok()) return ErrorResponse(s, deps.settings);
  ApiResponse r;
  JsonWriter w(r.body);
  OpenSuccess(w);
  CloseEnvelope(w, deps.settings);
  r.set_cookie = ClearedSessionCookie(!deps.console.insecure_loopback_http);
  return r;
}

ApiResponse Me(const ApiDeps& deps, const ApiRequest& request) {
  auto current = CurrentSession(deps, request);
  if (!current.ok()) return ErrorResponse(current.status(), deps.settings);
  return SessionAnswer(deps, current->op, current->session.csrf_token);
}

// The enabled operators of the session's channel: whom a supervisor may transfer a chat to.
ApiResponse Operators(const ApiDeps& deps, const ApiRequest& request) {
  auto current = CurrentSession(deps, request);
  if (!current.ok()) return ErrorResponse(current.status(), deps.settings);
  auto all = deps.store.operators().ListOperators(current->op.channel);
  if (!all.ok()) return ErrorResponse(all.status(), deps.settings);
  ApiResponse r;
  JsonWriter w(r.body);
  OpenSuccess(w);
  w.Key("operators");
  w.BeginArray();
  for (const Operator& op : *all) {
    if (op.enabled) WriteOperator(w, op);
  }
  w.EndArray();
  CloseEnvelope(w, deps.settings);
  return r;
}

ApiResponse MethodRefused(const ApiDeps& deps, bool post) {
  ApiResponse r = RefusalResponse(Refusal::kMethodNotAllowed,
                                  post ? "请求方法不允许: 需要 POST" : "请求方法不允许: 需要 GET",
                                  deps.settings);
  r.allow = post ? "POST" : "GET";
  return r;
}

}  // namespace

ApiResponse AnswerConsole(const ApiDeps& deps, const ApiRequest& request, std::string_view path) {
  ApiResponse r;
  if (path == "/console/api/login") {
    r = request.method == "POST" ? Login(deps, request) : MethodRefused(deps, true);
    r.endpoint = "consoleLogin";
  } else if (path == "/console/api/logout") {
    r = request.method == "POST" ? Logout(deps, request) : MethodRefused(deps, true);
    r.endpoint = "consoleLogout";
  } else if (path == "/console/api/me") {
    r = request.method == "GET" ? Me(deps, request) : MethodRefused(deps, false);
    r.endpoint = "consoleMe";
  } else if (path == "/console/api/operators") {
    r = request.method == "GET" ? Operators(deps, request) : MethodRefused(deps, false);
    r.endpoint = "consoleOperators";
  } else {
    r = ErrorResponse(Status::NotFound("接口不存在"), deps.settings);
  }
  // Answers that carry a session's CSRF token are for this browser only.
  r.no_store = true;
  return r;
}

}  // namespace opchat
