// Sending one webhook request: the interface the dispatcher (webhook_dispatcher.hpp) sends
// through, so that this layer needs no sockets. The implementation is the HTTP layer's
// (http/webhook_client.hpp: Beast over Asio, https verified with OpenSSL).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace opchat {

struct OutboundRequest {
  std::string url;  // http:// or https://, checked by CheckWebhookUrl (destination_policy.hpp)
  // Sent as given, after Host, Content-Type: application/json, Content-Length and User-Agent.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;                          // POSTed
  std::chrono::milliseconds timeout{15000};  // connect + send + the whole answer
};

struct OutboundResponse {
  int status = 0;         // the HTTP status; 0 when there was no answer (then `error` says why)
  std::string error;      // "" when answered; else e.g. "timeout", "connection refused",
                          // "destination refused: 127.0.0.1 is a loopback address",
                          // "tls: certificate verify failed: hostname mismatch"
  std::string body_head;  // the first 1 KB of the answer's body
  // From Send to `done`, measured with steady_clock.
  int64_t latency_ms = 0;
};

class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  // Sends `request` and calls `done` once, on a thread of the sender's, with what came of it.
  // Never follows a redirect (a 3xx is an answer like any other). Thread-safe.
  virtual void Send(OutboundRequest request, std::function<void(OutboundResponse)> done) = 0;
};

}  // namespace opchat
