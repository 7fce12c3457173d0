#include "api/envelope.hpp"

#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "common/logging.hpp"
#include "common/utf8.hpp"

namespace opchat {

int HttpStatusOf(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kConflict: return 409;
    case StatusCode::kResourceExhausted: return 413;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

void WriteFoot(JsonWriter& w, const ApiSettings& settings) {
  int64_t now = NowMillis();
  w.Key("foot");
  w.BeginObject();
  w.Key("operationTime");
  w.String(FormatLocalTime(now));
  w.Key("servicePhone");
  w.String(settings.service_phone);
  w.Key("host");
  w.String(settings.host_name);
  w.Key("timezone");
  w.String(ZoneOffsetString(now));
  w.EndObject();
}

void OpenSuccess(JsonWriter& w) {
  w.BeginObject();
  w.Key("code");
  w.Int(200);
  w.Key("message");
  w.String("成功");
}

void CloseEnvelope(JsonWriter& w, const ApiSettings& settings) {
  WriteFoot(w, settings);
  w.EndObject();
}

ApiResponse ErrorResponse(const Status& status, const ApiSettings& settings) {
  return ErrorResponse(HttpStatusOf(status.code()), status, settings);
}

ApiResponse RefusalResponse(Refusal why, std::string_view message, const ApiSettings& settings) {
  return ErrorResponse(static_cast<int>(why), Status::InvalidArgument(std::string(message)),
                       settings);
}

ApiResponse ErrorResponse(int http_status, const Status& status, const ApiSettings& settings) {
  ApiResponse r;
  r.status = http_status;
  // A message may quote a request's bytes (a parameter name): keep the answer valid JSON.
  std::string message = ToValidUtf8(status.message());
  // During a storage outage every request fails the same way, thousands a second: a line
  // each would flood the log and the disk under it (a 10 s PostgreSQL stop once wrote 51 MB).
  static RateLimitedLog internal_log(std::chrono::seconds(1));
  static RateLimitedLog unavailable_log(std::chrono::seconds(5));
  if (status.code() == StatusCode::kInternal) {
    internal_log.Error("internal error: " + status.message());
    message = "服务器内部错误";
  } else if (status.code() == StatusCode::kUnavailable) {
    unavailable_log.Warn("storage unavailable: " + status.message());
    message = "存储暂不可用，请稍后重试";
  }
  JsonWriter w(r.body);
  w.BeginObject();
  w.Key("code");
  w.Int(r.status);
  w.Key("message");
  w.String(message);
  w.Key("data");
  w.Null();
  CloseEnvelope(w, settings);
  return r;
}

}  // namespace opchat
