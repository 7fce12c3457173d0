#include "api/api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <span>

#include "api/console_page.hpp"
#include "api/envelope.hpp"
#include "api/handlers.hpp"
#include "api/openapi_document.hpp"
#include "api/operator_rules.hpp"
#include "api/session_auth.hpp"
#include "api/session_cookie.hpp"
#include "codec/request_fields.hpp"
#include "common/clock.hpp"
#include "common/logging.hpp"

namespace opchat {
namespace {

constexpr std::string_view kPrefix = "/op/v2/";
constexpr std::string_view kConsolePage = "/console";
constexpr std::string_view kConsolePrefix = "/console/";
constexpr std::string_view kConsoleApiPrefix = "/console/api/";

}  // namespace

struct Api::Endpoint {
  std::string_view name;
  Handler handler;
  bool writes;
  // Write endpoints: every body field they take. Any other field is refused (400), so a body
  // signed for one purpose cannot carry instructions a handler would silently ignore. Reads
  // leave this empty and ignore unknown fields, as the original API's clients may send extras.
  std::span<const std::string_view> fields;
  // What it does, for the rules of console operators (api/operator_rules.hpp).
  ChatAction action;
  // Set instead of `handler` for an endpoint that makes its own answer: one that may wait (the
  // long poll) or be finished on a store's thread (the history page, a sent message).
  ApiResponse (*answering_handler)(const HandlerInput& in) = nullptr;
};

namespace {
using Endpoint = Api::Endpoint;

constexpr std::string_view kCreateChatFields[] = {"userId", "chatId", "ext"};
constexpr std::string_view kAcceptChatFields[] = {"chatId", "operatorId"};
constexpr std::string_view kChatIdField[] = {"chatId"};
constexpr std::string_view kSendMessageFields[] = {
    "chatId",   "direction", "userMessageId", "type",         "msg",       "url",    "key",
    "filename", "thumb",     "secret",        "thumb_secret", "addr",      "length", "file_length",
    "lat",      "lng",       "ext",           "timestamp",    "createTime"};

constexpr std::array<Endpoint, 14> kEndpoints = {{
    {"operatorToUserChatMessages", nullptr, false, {}, ChatAction::kRead, AnswerHistory},
    {"createChat", HandleCreateChat, true, kCreateChatFields, ChatAction::kCreate},
    {"acceptChat", HandleAcceptChat, true, kAcceptChatFields, ChatAction::kAccept},
    {"suspendChat", HandleSuspendChat, true, kChatIdField, ChatAction::kSuspend},
    {"resumeChat", HandleResumeChat, true, kChatIdField, ChatAction::kResume},
    {"endChat", HandleEndChat, true, kChatIdField, ChatAction::kEnd},
    {"deleteChat", HandleDeleteChat, true, kChatIdField, ChatAction::kDelete},
    {"transferChat", HandleTransferChat, true, kAcceptChatFields, ChatAction::kTransfer},
    {"sendMessage", nullptr, true, kSendMessageFields, ChatAction::kReply, AnswerSendMessage},
    {"chats", HandleListChats, false, {}, ChatAction::kRead},
    {"chatInfo", HandleChatInfo, false, {}, ChatAction::kRead},
    {"searchMessages", HandleSearchMessages, false, {}, ChatAction::kRead},
    {"chatTranscript", HandleChatTranscript, false, {}, ChatAction::kRead},
    {"events", nullptr, false, {}, ChatAction::kRead, AnswerEvents},
}};

// GET /op/v2/live: served by the HTTP layer as WebSocket or SSE (Api::OpenLive), not by Handle.
constexpr std::string_view kLivePath = "/op/v2/live";
constexpr std::string_view kOpenApiPath = "/op/v2/openapi.yaml";

const Endpoint* FindEndpoint(std::string_view path) {
  if (path.substr(0, kPrefix.size()) != kPrefix) return nullptr;
  std::string_view name = path.substr(kPrefix.size());
  for (const Endpoint& e : kEndpoints) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

}  // namespace

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  auto lower = [](unsigned char c) { return std::tolower(c); };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) {
           return lower(static_cast<unsigned char>(x)) == lower(static_cast<unsigned char>(y));
         });
}

bool IsJsonContentType(std::string_view ct) {
  constexpr std::string_view kJson = "application/json";
  if (!EqualsIgnoringAsciiCase(ct.substr(0, kJson.size()), kJson)) return false;
  std::string_view rest = ct.substr(kJson.size());
  return rest.empty() || rest.front() == ';' || rest.front() == ' ';
}

namespace {

// InvalidArgument naming the first body field a write endpoint does not take.
Status CheckFieldsTaken(const Endpoint& endpoint, const boost::json::object& body) {
  if (!endpoint.writes) return Status::Ok();
  for (const auto& member : body) {
    std::string_view key = member.key();
    if (std::find(endpoint.fields.begin(), endpoint.fields.end(), key) == endpoint.fields.end()) {
      // Named only when short: the message goes back to the client.
      std::string name = key.size() <= 64 ? std::string(key) : std::string("(过长的字段名)");
      return Status::InvalidArgument("参数错误: " + name + " (" + std::string(endpoint.name) +
                                     " 不接受该字段)");
    }
  }
  return Status::Ok();
}

// The channel of a session's request is the operator's; one named in the query must be it.
Status CheckSessionChannel(const QueryParams& params, const Operator& op) {
  if (const std::string* channel = FindParam(params, "channel");
      channel && *channel != op.channel) {
    return Status::PermissionDenied("无权访问该渠道: 会话属于渠道 " + op.channel);
  }
  return Status::Ok();
}

ApiResponse HealthResponse(int status, std::string_view state) {
  ApiResponse r;
  r.status = status;
  r.body = std::string("{\"status\":\"") + std::string(state) + "\"}";
  return r;
}

}  // namespace

std::vector<std::string> Api::EndpointNames() {
  std::vector<std::string> names;
  for (const Endpoint& e : kEndpoints) names.emplace_back(e.name);
  for (const char* probe : {"live", "openapi", "healthz", "readyz", "metrics", "consoleLogin",
                            "consoleLogout", "consoleMe", "consoleOperators", "consolePage"}) {
    names.emplace_back(probe);
  }
  return names;
}

bool Api::IsWrite(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  // The console's sign-in writes sessions (and hashes passwords: 0.1 s of CPU).
  if (path.starts_with(kConsoleApiPrefix)) return true;
  const Endpoint* e = FindEndpoint(path);
  return e && e->writes;
}

bool Api::WaitsForCommit(std::string_view target) {
  if (!IsWrite(target)) return false;
  const Endpoint* e = FindEndpoint(target.substr(0, target.find('?')));
  // An endpoint that answers later (sendMessage) hands its write to the store's writer.
  return !(e && e->answering_handler);
}

void DeferredAnswer::Complete(ApiResponse answer) {
  std::shared_ptr<Waker> waker;
  {
    MutexLock lock(mu_);
    answer_ = std::move(answer);
    complete_ = true;
    waker = std::move(waker_);
  }
  if (waker) waker->Wake();
}

void DeferredAnswer::WakeWhenComplete(std::shared_ptr<Waker> waker) {
  {
    MutexLock lock(mu_);
    if (!complete_) {
      waker_ = std::move(waker);
      return;
    }
  }
  waker->Wake();
}

std::optional<ApiResponse> DeferredAnswer::Take() {
  MutexLock lock(mu_);
  std::optional<ApiResponse> answer = std::move(answer_);
  answer_.reset();
  return answer;
}

ApiResponse Api::Error(const Status& status) const { return ErrorResponse(status, deps_.settings); }

ApiResponse Api::Refuse(Refusal why, std::string_view message) const {
  return RefusalResponse(why, message, deps_.settings);
}

ApiResponse Api::Handle(const ApiRequest& request) const {
  try {
    return Dispatch(request);
  } catch (const std::exception& e) {
    return Error(Status::Internal(std::string("unhandled exception: ") + e.what()));
  } catch (...) {
    return Error(Status::Internal("unhandled exception"));
  }
}

ApiResponse Api::Dispatch(const ApiRequest& request) const {
  size_t q = request.target.find('?');
  std::string_view path = request.target.substr(0, q);
  std::string_view query =
      q == std::string_view::npos ? std::string_view{} : request.target.substr(q + 1);

  // Probes for load balancers and orchestrators: unsigned, GET or HEAD.
  if (path == "/healthz") {
    ApiResponse r = HealthResponse(200, "ok");
    r.endpoint = "healthz";
    return r;
  }
  if (path == "/readyz") {
    Status s = deps_.store.Ping();
    static RateLimitedLog readiness_log;  // probes come every few seconds from each balancer
    if (!s.ok()) readiness_log.Warn("readiness: " + s.message());
    ApiResponse r =
        s.ok() ? HealthResponse(200, "ready") : HealthResponse(503, "storage unavailable");
    r.endpoint = "readyz";
    return r;
  }
  if (path == "/metrics" && deps_.metrics && deps_.settings.expose_metrics) {
    ApiResponse r;
    r.body = deps_.metrics->Render();
    r.endpoint = "metrics";
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }

  // The API's own description, unsigned like the probes: GET or HEAD.
  if (path == kOpenApiPath) {
    if (request.method != "GET" && request.method != "HEAD") {
      ApiResponse r = Refuse(Refusal::kMethodNotAllowed, "请求方法不允许: 需要 GET");
      r.allow = "GET, HEAD";
      r.endpoint = "openapi";
      return r;
    }
    ApiResponse r;
    r.body = std::string(OpenApiDocument());
    r.endpoint = "openapi";
    r.content_type = "application/yaml; charset=utf-8";
    return r;
  }
  if (path == kLivePath) {
    return Error(Status::InvalidArgument(
        "实时事件需要 GET 请求，并升级为 WebSocket 或使用 Accept: text/event-stream"));
  }
  if (path == kConsolePage || path.starts_with(kConsolePrefix)) {
    ApiResponse r = path.starts_with(kConsoleApiPrefix) ? AnswerConsole(deps_, request, path)
                                                        : AnswerConsolePage(deps_, request, path);
    r.content_security_policy = ConsoleContentSecurityPolicy(deps_.media.domain());
    return r;
  }
  const Endpoint* endpoint = FindEndpoint(path);
  if (!endpoint) return Error(Status::NotFound("接口不存在"));
  ApiResponse r = Authorized(*endpoint, request, query);
  r.endpoint = endpoint->name;
  return r;
}

ApiResponse Api::Authorized(const Endpoint& endpoint, const ApiRequest& request,
                            std::string_view query) const {
  if (request.method != "POST") {
    ApiResponse r = Refuse(Refusal::kMethodNotAllowed, "请求方法不允许: 需要 POST");
    r.allow = "POST";
    return r;
  }
  if (!IsJsonContentType(request.content_type)) {
    return Refuse(Refusal::kUnsupportedMedia, "不支持的媒体类型: 需要 application/json");
  }
  auto params = ParseQuery(query);
  if (!params.ok()) return Error(params.status());
  if (UsesSession(*params, request)) return SessionAuthorized(endpoint, request, *params);
  const int64_t now_ms = NowMillis();
  const std::string path = std::string(kPrefix) + std::string(endpoint.name);
  auto caller = deps_.verifier.Verify(
      SignedRequest{*params, {request.method, path}, request.body, endpoint.writes}, now_ms);
  if (!caller.ok()) return Error(caller.status());
  return Run(endpoint, request, *caller, nullptr, now_ms);
}

bool Api::UsesSession(const QueryParams& params, const ApiRequest& request) {
  // A request that names a client or a signature is a signed one, whatever cookie the browser
  // or library added: signed clients are judged as they always were.
  if (FindParam(params, "sign") || FindParam(params, "client")) return false;
  return !SessionCookieValue(request.cookie).empty();
}

ApiResponse Api::SessionAuthorized(const Endpoint& endpoint, const ApiRequest& request,
                                   const QueryParams& params) const {
  auto current = CurrentSession(deps_, request);
  if (!current.ok()) return Error(current.status());
  const Operator& op = current->op;
  if (Status channel = CheckSessionChannel(params, op); !channel.ok()) return Error(channel);
  if (endpoint.writes) {
    if (Status csrf = CheckCsrf(request, current->session); !csrf.ok()) return Error(csrf);
  }
  if (Status may = CheckOperatorAction(op, endpoint.action); !may.ok()) return Error(may);
  return Run(endpoint, request, Caller{"operator:" + op.id, op.channel}, &op, NowMillis());
}

ApiResponse Api::Run(const Endpoint& endpoint, const ApiRequest& request, const Caller& caller,
                     const Operator* op, int64_t now_ms) const {
  ApiResponse r;
  if (deps_.rate_limiter) {
    if (int64_t wait_s = deps_.rate_limiter->Acquire(caller.client_id, now_ms); wait_s > 0) {
      r = Refuse(Refusal::kTooManyRequests, "请求过于频繁，请稍后重试");
      r.retry_after_s = wait_s;
      r.client_id = caller.client_id;
      return r;
    }
  }
  auto body = ParseBodyObject(request.body);
  Status taken = body.ok() ? CheckFieldsTaken(endpoint, *body) : body.status();
  if (!taken.ok()) {
    r = Error(taken);
  } else if (endpoint.answering_handler) {
    r = endpoint.answering_handler(HandlerInput{deps_, caller, *body, op});
  } else {
    r.body.reserve(16384);  // a full page of 20 messages is 8-12 KB: grow once, not 6 times
    JsonWriter w(r.body);
    OpenSuccess(w);
    Status s = endpoint.handler(HandlerInput{deps_, caller, *body, op}, w);
    if (s.ok()) {
      CloseEnvelope(w, deps_.settings);
      // The write committed its events: wake this instance's subscribers and tell the others.
      if (endpoint.writes && deps_.events) deps_.events->Published(caller.channel);
    } else {
      r = Error(s);
    }
  }
  r.client_id = caller.client_id;
  // A session's answers are for its browser only.
  if (op) r.no_store = true;
  return r;
}

Result<Caller> Api::LiveSessionCaller(const ApiRequest& request, const QueryParams& params) const {
  // The console's WebSocket: the session's cookie, from a page of this origin (CurrentSession
  // checks the Origin, which a browser always sends with a WebSocket).
  ASSIGN_OR_RETURN(ActiveSession current, CurrentSession(deps_, request));
  RETURN_IF_ERROR(CheckSessionChannel(params, current.op));
  return Caller{"operator:" + current.op.id, current.op.channel};
}

LiveOpening Api::OpenLive(const ApiRequest& request, std::string_view last_event_id) const {
  LiveOpening opening;
  try {
    size_t q = request.target.find('?');
    std::string_view query =
        q == std::string_view::npos ? std::string_view{} : request.target.substr(q + 1);
    if (request.method != "GET") {
      opening.refusal = Error(Status::InvalidArgument("实时事件需要 GET 请求"));
      return opening;
    }
    auto params = ParseQuery(query);
    if (!params.ok()) {
      opening.refusal = Error(params.status());
      return opening;
    }
    const int64_t now_ms = NowMillis();
    Result<Caller> caller =
        UsesSession(*params, request)
            ? LiveSessionCaller(request, *params)
            // A GET's body is empty: the signature covers the method, the
            // path and the parameters.
            : deps_.verifier.Verify(
                  SignedRequest{*params, {"GET", kLivePath}, std::string_view{}, false}, now_ms);
    if (!caller.ok()) {
      opening.refusal = Error(caller.status());
      return opening;
    }
    if (deps_.rate_limiter) {
      if (int64_t wait_s = deps_.rate_limiter->Acquire(caller->client_id, now_ms); wait_s > 0) {
        opening.refusal = Refuse(Refusal::kTooManyRequests, "请求过于频繁，请稍后重试");
        opening.refusal.retry_after_s = wait_s;
        opening.refusal.client_id = caller->client_id;
        return opening;
      }
    }
    return OpenLiveSubscription(deps_, *caller, *params, last_event_id);
  } catch (const std::exception& e) {
    opening.subscription.reset();
    opening.refusal = Error(Status::Internal(std::string("unhandled exception: ") + e.what()));
  }
  return opening;
}

}  // namespace opchat
