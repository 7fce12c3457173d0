// Standard Webhooks 1.0 (https://www.standardwebhooks.com/): secrets and signatures.
// A secret is "whsec_" + base64 of its key bytes; a signature is "v1," + base64 of
// HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>"). Stateless; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace opchat {

inline constexpr std::string_view kWebhookSecretPrefix = "whsec_";

// A new secret: "whsec_" + base64 of 32 random bytes.
std::string NewWebhookSecret();

// The key bytes of a secret ("whsec_" + base64, at least 16 bytes once decoded); nullopt for
// anything else.
std::optional<std::string> WebhookSecretKey(std::string_view secret);

// "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)).
std::string SignWebhook(std::string_view key, std::string_view id, std::string_view timestamp,
                        std::string_view body);

}  // namespace opchat
