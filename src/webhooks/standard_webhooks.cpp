#include "webhooks/standard_webhooks.hpp"

#include "common/crypto.hpp"

namespace opchat {

std::string NewWebhookSecret() {
  return std::string(kWebhookSecretPrefix) + Base64(RandomBytes(32));
}

std::optional<std::string> WebhookSecretKey(std::string_view secret) {
  if (!secret.starts_with(kWebhookSecretPrefix)) return std::nullopt;
  auto key = DecodeBase64(secret.substr(kWebhookSecretPrefix.size()));
  if (!key || key->size() < 16) return std::nullopt;
  return key;
}

std::string SignWebhook(std::string_view key, std::string_view id, std::string_view timestamp,
                        std::string_view body) {
  std::string content;
  content.reserve(id.size() + timestamp.size() + body.size() + 2);
  content.append(id).append(".").append(timestamp).append(".").append(body);
  return "v1," + Base64(HmacSha256(key, content));
}

}  // namespace opchat
