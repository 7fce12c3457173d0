// The response envelope of docs/api.md ("The envelope", "Errors"):
// {"code","message","data",...,"foot"}. The one place where a Status becomes an HTTP status and a
// client-facing message.
#pragma once

#include <string>
#include <string_view>

#include "api/api.hpp"
#include "common/json_writer.hpp"
#include "common/status.hpp"

namespace opchat {

// HTTP status code for a Status code.
int HttpStatusOf(StatusCode code);

// Writes "foot":{operationTime, servicePhone, host, timezone} as the next member.
void WriteFoot(JsonWriter& w, const ApiSettings& settings);

// Opens a success envelope: {"code":200,"message":"成功", — the caller adds members and then
// calls CloseEnvelope.
void OpenSuccess(JsonWriter& w);
void CloseEnvelope(JsonWriter& w, const ApiSettings& settings);

// A complete error response. For Internal/Unavailable the message shown is generic and the
// detail is logged instead.
ApiResponse ErrorResponse(const Status& status, const ApiSettings& settings);
// The same with `message` shown as it is, for a refusal of the HTTP or API layer.
ApiResponse RefusalResponse(Refusal why, std::string_view message, const ApiSettings& settings);
// The common part: `status`'s message under `http_status`.
ApiResponse ErrorResponse(int http_status, const Status& status, const ApiSettings& settings);

}  // namespace opchat
