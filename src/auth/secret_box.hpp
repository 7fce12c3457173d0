// Client secrets at rest. With `[auth] secrets_key_file`, a client's secret is stored sealed
// with AES-256-GCM under a key that lives outside the database, so a copy of the database or
// of a backup does not give away the credentials. A sealed secret is the text
//   "enc:v1:" + base64(nonce (12 random bytes) || ciphertext || tag (16 bytes))
// in the same column as before; a secret without the prefix is plaintext (written before the
// key file was set, or without one) and keeps working. Sealing and opening happen here, above
// the storage back ends, which only store the text.
// Thread-safe: a SecretBox is immutable after it is made.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "storage/store.hpp"

namespace opchat {

inline constexpr std::string_view kSealedSecretPrefix = "enc:v1:";

// Whether `stored` is a sealed secret (else it is plaintext).
bool IsSealedSecret(std::string_view stored);

class SecretBox {
 public:
  // Reads a key file: 64 hex digits (32 bytes; `openssl rand -hex 32`), surrounding whitespace
  // ignored. InvalidArgument when it cannot be read, is malformed, or is readable or writable
  // by group or others (the key is worth as much as every secret it protects).
  static Result<std::unique_ptr<SecretBox>> FromKeyFile(const std::string& path);
  // `key`: 32 raw bytes. InvalidArgument for another length.
  static Result<std::unique_ptr<SecretBox>> FromKey(std::string_view key);

  // The sealed text of `secret`, under a fresh random nonce.
  std::string Seal(std::string_view secret) const;
  // The secret `stored` holds: plaintext as it is, a sealed one decrypted. InvalidArgument
  // when a sealed secret is malformed, altered, or sealed under another key.
  Result<std::string> Open(std::string_view stored) const;

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

// `path` empty: nullptr (secrets stay plaintext); else the box of that key file.
Result<std::unique_ptr<SecretBox>> LoadSecretBox(const std::string& path);

// What the code that writes and reads ClientRecords calls, so no caller handles the format.
// Seals client.secret when `box` is given (a secret already sealed is left as it is).
void SealClientSecret(const SecretBox* box, ClientRecord& client);
// The plaintext of a stored secret. Without a box a sealed secret cannot be used: that is an
// InvalidArgument naming the client and the setting, never a silent mismatch.
Result<std::string> OpenClientSecret(const SecretBox* box, const std::string& client_id,
                                     std::string_view stored);
// Opens client.secret and client.previous_secret in place.
Status OpenClientSecrets(const SecretBox* box, ClientRecord& client);

}  // namespace opchat
