// One delivery as an HTTP request (docs/webhooks.md, "Format"): the body
// {"type","timestamp","data"} and the Standard Webhooks headers, signed at the moment of sending
// (the timestamp is the attempt's, so that a receiver's tolerance window holds on a retry).
// Stateless; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "domain/event.hpp"
#include "media/qiniu_url.hpp"
#include "webhooks/webhook_sender.hpp"

namespace opchat {

// The key bytes that sign: the current secret's and, during a rotation, the previous one's.
struct SigningKeys {
  std::string current;
  std::optional<std::string> previous;
};

// {"type": "message.created", "timestamp": "2026-12-01T08:06:48.123Z" (the event's time),
// "data": the event's data (docs/api.md, "Events"), a message's getUrl signed at now_s}.
std::string EncodeWebhookBody(const Event& event, const ChannelMedia& media, int64_t now_s);

// The POST of `event` to `url`: webhook-id is the event's id (the same on every attempt),
// webhook-timestamp is now, webhook-signature holds one "v1,..." per key, current first.
OutboundRequest BuildWebhookRequest(const std::string& url, const Event& event,
                                    const SigningKeys& keys, const ChannelMedia& media,
                                    int64_t now_ms, std::chrono::milliseconds timeout);

}  // namespace opchat
