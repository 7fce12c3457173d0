#include "api/api.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <exception>

#include "api/envelope.hpp"
#include "api/handlers.hpp"
#include "api/request_fields.hpp"
#include "common/clock.hpp"

namespace opchat {
namespace {

constexpr std::string_view kPrefix = "/op/v2/";

struct Endpoint {
  std::string_view name;
  Handler handler;
  bool writes;
};

constexpr std::array<Endpoint, 10> kEndpoints = {{
    {"operatorToUserChatMessages", HandleHistory, false},
    {"createChat", HandleCreateChat, true},
    {"acceptChat", HandleAcceptChat, true},
    {"suspendChat", HandleSuspendChat, true},
    {"resumeChat", HandleResumeChat, true},
    {"endChat", HandleEndChat, true},
    {"deleteChat", HandleDeleteChat, true},
    {"sendMessage", HandleSendMessage, true},
    {"chats", HandleListChats, false},
    {"chatInfo", HandleChatInfo, false},
}};

const Endpoint* FindEndpoint(std::string_view path) {
  if (path.substr(0, kPrefix.size()) != kPrefix) return nullptr;
  std::string_view name = path.substr(kPrefix.size());
  for (const Endpoint& e : kEndpoints) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

// "application/json", any case, optionally followed by parameters such as "; charset=utf-8".
bool IsJsonContentType(std::string_view ct) {
  constexpr std::string_view kJson = "application/json";
  if (ct.size() < kJson.size()) return false;
  for (size_t i = 0; i < kJson.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(ct[i])) != kJson[i]) return false;
  }
  std::string_view rest = ct.substr(kJson.size());
  return rest.empty() || rest.front() == ';' || rest.front() == ' ';
}

ApiResponse HealthResponse(int status, std::string_view state) {
  ApiResponse r;
  r.status = status;
  r.body = std::string("{\"status\":\"") + std::string(state) + "\"}";
  return r;
}

}  // namespace

bool Api::IsWrite(std::string_view target) {
  const Endpoint* e = FindEndpoint(target.substr(0, target.find('?')));
  return e && e->writes;
}

ApiResponse Api::Error(const Status& status) const {
  return ErrorResponse(status, deps_.settings);
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
  std::string_view query = q == std::string_view::npos ? std::string_view{} : request.target.substr(q + 1);

  // Probes for load balancers and orchestrators: unsigned, GET or HEAD.
  if (path == "/healthz") return HealthResponse(200, "ok");
  if (path == "/readyz") {
    Status s = deps_.store.Ping();
    if (!s.ok()) spdlog::warn("readiness: {}", s.message());
    return s.ok() ? HealthResponse(200, "ready") : HealthResponse(503, "storage unavailable");
  }

  const Endpoint* endpoint = FindEndpoint(path);
  if (!endpoint) return Error(Status::NotFound("接口不存在"));
  if (request.method != "POST") {
    ApiResponse r = Error({StatusCode::kMethodNotAllowed, "请求方法不允许: 需要 POST"});
    r.allow_post_only = true;
    return r;
  }
  if (!IsJsonContentType(request.content_type)) {
    return Error({StatusCode::kUnsupportedMedia, "不支持的媒体类型: 需要 application/json"});
  }
  auto params = ParseQuery(query);
  if (!params.ok()) return Error(params.status());
  auto caller = deps_.verifier.Verify(*params, request.body, NowMillis());
  if (!caller.ok()) return Error(caller.status());
  auto body = ParseBodyObject(request.body);
  if (!body.ok()) {
    ApiResponse r = Error(body.status());
    r.client_id = caller->client_id;
    return r;
  }

  ApiResponse r;
  JsonWriter w(r.body);
  OpenSuccess(w);
  Status s = endpoint->handler(HandlerInput{deps_, *caller, *body}, w);
  if (!s.ok()) {
    r = Error(s);
  } else {
    CloseEnvelope(w, deps_.settings);
  }
  r.client_id = caller->client_id;
  return r;
}

}  // namespace opchat
