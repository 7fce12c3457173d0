#include "webhooks/endpoint_keys.hpp"

#include "webhooks/standard_webhooks.hpp"

namespace opchat {
namespace {

Result<std::string> OpenKey(const SecretBox* box, const WebhookEndpoint& endpoint,
                            const std::string& stored) {
  std::string secret = stored;
  if (IsSealedSecret(stored)) {
    if (!box) {
      return Status::InvalidArgument("webhook " + endpoint.id +
                                     " has an encrypted secret, but no key is configured: set "
                                     "[auth] secrets_key_file to the key file it was encrypted "
                                     "with");
    }
    auto plain = box->Open(stored);
    if (!plain.ok()) {
      return Status::InvalidArgument("webhook " + endpoint.id + ": " + plain.status().message());
    }
    secret = std::move(*plain);
  }
  auto key = WebhookSecretKey(secret);
  if (!key) return Status::InvalidArgument("webhook " + endpoint.id + ": not a whsec_ secret");
  return std::move(*key);
}

}  // namespace

std::string SealWebhookSecret(const SecretBox* box, const std::string& secret) {
  return box ? box->Seal(secret) : secret;
}

Result<SigningKeys> OpenSigningKeys(const SecretBox* box, const WebhookEndpoint& endpoint,
                                    int64_t now_ms) {
  SigningKeys keys;
  ASSIGN_OR_RETURN(keys.current, OpenKey(box, endpoint, endpoint.secret));
  if (!endpoint.previous_secret.empty() && now_ms < endpoint.previous_secret_until_ms) {
    ASSIGN_OR_RETURN(std::string previous, OpenKey(box, endpoint, endpoint.previous_secret));
    keys.previous = std::move(previous);
  }
  return keys;
}

}  // namespace opchat
