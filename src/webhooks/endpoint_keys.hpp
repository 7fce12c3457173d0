// An endpoint's signing secrets at rest and in use: sealed by the secret box when
// [auth] secrets_key_file is set (as clients' secrets are, auth/secret_box.hpp), and opened into
// the key bytes that sign. Stateless; thread-safe.
#pragma once

#include <string>

#include "auth/secret_box.hpp"
#include "common/status.hpp"
#include "storage/webhook_store.hpp"
#include "webhooks/webhook_request.hpp"

namespace opchat {

// The text to store for `secret`: sealed when `box` is given.
std::string SealWebhookSecret(const SecretBox* box, const std::string& secret);

// The keys that sign the endpoint's deliveries at `now_ms`: its secret's and, until
// previous_secret_until_ms, the previous one's. InvalidArgument naming the endpoint when a
// secret is sealed and cannot be opened, or is not a "whsec_" secret.
Result<SigningKeys> OpenSigningKeys(const SecretBox* box, const WebhookEndpoint& endpoint,
                                    int64_t now_ms);

}  // namespace opchat
