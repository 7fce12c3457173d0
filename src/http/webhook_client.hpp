// The HTTP client that sends webhooks (webhooks/webhook_sender.hpp): Beast over Asio on a thread
// of its own, https verified by OpenSSL against the system's CA store and the URL's host name,
// no redirects, keep-alive connections reused per origin, every destination address checked
// (webhooks/destination_policy.hpp) after resolution and before connecting: refused addresses
// are skipped, and the request fails with "destination refused: ..." when none is left.
// Errors: "timeout" (request.timeout bounds resolving, connecting, the TLS handshake, sending and
// the whole answer), "dns: ...", "connection refused", "connect: ...", "tls: ...",
// "connection closed before an answer", "connection closed during the answer",
// "bad answer: ...", "stopped", or ParseWebhookUrl's "webhook url: ...".
// An answer's body is read up to 64 KB (body_head keeps its first 1 KB); a longer one is cut and
// its connection closed. A connection goes back to the idle pool after a complete answer without
// Connection: close, and is not reused after 30 s idle; a request whose reused connection fails
// before any byte of an answer (the server closed it meanwhile) is sent once more on a new one.
// `done` runs on the client's thread: it must not block, and may call Send. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "common/status.hpp"
#include "webhooks/webhook_sender.hpp"

namespace opchat {

struct WebhookClientSettings {
  bool allow_private = false;  // [webhooks] allow_private
  // A PEM file of extra trusted certificate authorities, trusted besides the system's; tests use
  // it for a test CA ([webhooks] extra_ca_file). "" = the system's store only.
  std::string extra_ca_file;
  int max_idle_per_origin = 32;  // idle keep-alive connections kept per scheme://host:port
  std::string user_agent = "opchat-webhooks/1";
};

class WebhookClient final : public WebhookSender {
 public:
  // Starts the client's thread. Fails when extra_ca_file cannot be loaded.
  static Result<std::unique_ptr<WebhookClient>> Start(const WebhookClientSettings& settings);
  // Stops the thread; requests in flight end with error "stopped" (each `done` is called once,
  // before the destructor returns). Not to be called from a `done` callback, nor concurrently
  // with Send.
  ~WebhookClient() override;

  void Send(OutboundRequest request, std::function<void(OutboundResponse)> done) override;

 private:
  struct Impl;
  explicit WebhookClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace opchat
