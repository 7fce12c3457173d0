// The HTTP client that sends webhooks (webhooks/webhook_sender.hpp): Beast over Asio on a thread
// of its own, https verified by OpenSSL against the system's CA store and the URL's host name,
// no redirects, keep-alive connections reused per origin, every destination address checked
// (webhooks/destination_policy.hpp) after resolution and before connecting. Thread-safe.
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
  ~WebhookClient() override;  // stops the thread; requests in flight end with error "stopped"

  void Send(OutboundRequest request, std::function<void(OutboundResponse)> done) override;

 private:
  struct Impl;
  explicit WebhookClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace opchat
