#include "webhooks/webhook_request.hpp"

#include "common/clock.hpp"
#include "common/json_writer.hpp"
#include "events/event_json.hpp"
#include "webhooks/standard_webhooks.hpp"

namespace opchat {

std::string EncodeWebhookBody(const Event& event, const ChannelMedia& media, int64_t now_s) {
  std::string out;
  out.reserve(768);
  JsonWriter w(out);
  w.BeginObject();
  w.Key("type");
  w.String(EventTypeName(event.type));
  w.Key("timestamp");
  w.String(FormatUtcRfc3339(event.time_ms));
  w.Key("data");
  WriteEventData(w, event, media, now_s);
  w.EndObject();
  return out;
}

OutboundRequest BuildWebhookRequest(const std::string& url, const Event& event,
                                    const SigningKeys& keys, const ChannelMedia& media,
                                    int64_t now_ms, std::chrono::milliseconds timeout) {
  OutboundRequest request;
  request.url = url;
  request.timeout = timeout;
  request.body = EncodeWebhookBody(event, media, now_ms / 1000);
  const std::string id = FormatCursor(event.id);
  const std::string timestamp = std::to_string(now_ms / 1000);
  std::string signature = SignWebhook(keys.current, id, timestamp, request.body);
  if (keys.previous) {
    signature += ' ';
    signature += SignWebhook(*keys.previous, id, timestamp, request.body);
  }
  request.headers = {{"webhook-id", id},
                     {"webhook-timestamp", timestamp},
                     {"webhook-signature", std::move(signature)}};
  return request;
}

}  // namespace opchat
