#include "auth/secret_box.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace opchat {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;  // 96 bits: GCM's native nonce size
constexpr size_t kTagBytes = 16;

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> FromBase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') {
      return std::nullopt;
    }
  }
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t padding = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

std::optional<std::string> FromHex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < text.size(); i += 2) {
    auto digit = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = digit(text[i]), lo = digit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi << 4 | lo);
  }
  return out;
}

struct CipherCtx {
  CipherCtx() : ctx(EVP_CIPHER_CTX_new()) {
    if (!ctx) throw std::runtime_error("EVP_CIPHER_CTX_new failed");
  }
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
  EVP_CIPHER_CTX* ctx;
};

unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }
const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

bool IsSealedSecret(std::string_view stored) { return stored.starts_with(kSealedSecretPrefix); }

Result<std::unique_ptr<SecretBox>> SecretBox::FromKey(std::string_view key) {
  if (key.size() != kKeyBytes) {
    return Status::InvalidArgument("secrets key: want 32 bytes, got " + std::to_string(key.size()));
  }
  return std::unique_ptr<SecretBox>(new SecretBox(std::string(key)));
}

Result<std::unique_ptr<SecretBox>> SecretBox::FromKeyFile(const std::string& path) {
  const std::string what = "auth.secrets_key_file " + path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::InvalidArgument(what + ": cannot read it");
  if ((st.st_mode & 077) != 0) {
    return Status::InvalidArgument(what +
                                   ": readable or writable by group or others; "
                                   "make it owner-only (chmod 600)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(what + ": cannot read it");
  std::stringstream text;
  text << in.rdbuf();
  std::string hex = text.str();
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.pop_back();
  size_t start = 0;
  while (start < hex.size() && std::isspace(static_cast<unsigned char>(hex[start]))) ++start;
  auto key = FromHex(std::string_view(hex).substr(start));
  if (!key || key->size() != kKeyBytes) {
    return Status::InvalidArgument(what +
                                   ": want 64 hex digits (make one with "
                                   "`openssl rand -hex 32`)");
  }
  return FromKey(*key);
}

std::string SecretBox::Seal(std::string_view secret) const {
  std::string nonce(kNonceBytes, '\0');
  if (RAND_bytes(Bytes(nonce), static_cast<int>(nonce.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  CipherCtx c;
  std::string sealed = nonce + std::string(secret.size(), '\0') + std::string(kTagBytes, '\0');
  int len = 0, tail = 0;
  bool ok = EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_EncryptInit_ex(c.ctx, nullptr, nullptr, Bytes(key_), Bytes(nonce)) == 1 &&
            EVP_EncryptUpdate(c.ctx, Bytes(sealed) + kNonceBytes, &len, Bytes(secret),
                              static_cast<int>(secret.size())) == 1 &&
            EVP_EncryptFinal_ex(c.ctx, Bytes(sealed) + kNonceBytes + len, &tail) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes,
                                Bytes(sealed) + kNonceBytes + secret.size()) == 1;
  if (!ok) throw std::runtime_error("AES-256-GCM encryption failed");
  return std::string(kSealedSecretPrefix) + Base64(sealed);
}

Result<std::string> SecretBox::Open(std::string_view stored) const {
  if (!IsSealedSecret(stored)) return std::string(stored);
  auto raw = FromBase64(stored.substr(kSealedSecretPrefix.size()));
  if (!raw || raw->size() < kNonceBytes + kTagBytes) {
    return Status::InvalidArgument("sealed secret is malformed");
  }
  std::string_view nonce = std::string_view(*raw).substr(0, kNonceBytes);
  std::string_view body =
      std::string_view(*raw).substr(kNonceBytes, raw->size() - kNonceBytes - kTagBytes);
  std::string tag = raw->substr(raw->size() - kTagBytes);
  std::string plain(body.size(), '\0');
  CipherCtx c;
  int len = 0, tail = 0;
  bool ok = EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_DecryptInit_ex(c.ctx, nullptr, nullptr, Bytes(key_), Bytes(nonce)) == 1 &&
            EVP_DecryptUpdate(c.ctx, Bytes(plain), &len, Bytes(body),
                              static_cast<int>(body.size())) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
            // The tag is checked here: an altered nonce, ciphertext or tag, or another key, fails.
            EVP_DecryptFinal_ex(c.ctx, Bytes(plain) + len, &tail) == 1;
  if (!ok)
    return Status::InvalidArgument(
        "sealed secret does not open with this key (another key, or altered)");
  return plain;
}

Result<std::unique_ptr<SecretBox>> LoadSecretBox(const std::string& path) {
  if (path.empty()) return std::unique_ptr<SecretBox>();
  return SecretBox::FromKeyFile(path);
}

void SealClientSecret(const SecretBox* box, ClientRecord& client) {
  if (box && !IsSealedSecret(client.secret)) client.secret = box->Seal(client.secret);
}

Result<std::string> OpenClientSecret(const SecretBox* box, const std::string& client_id,
                                     std::string_view stored) {
  if (!IsSealedSecret(stored)) return std::string(stored);
  if (!box) {
    return Status::InvalidArgument("client " + client_id +
                                   " has an encrypted secret, but no key is configured: set "
                                   "[auth] secrets_key_file to the key file it was encrypted with");
  }
  auto plain = box->Open(stored);
  if (!plain.ok()) {
    return Status::InvalidArgument("client " + client_id + ": " + plain.status().message() +
                                   " (is [auth] secrets_key_file the key it was encrypted with?)");
  }
  return plain;
}

Status OpenClientSecrets(const SecretBox* box, ClientRecord& client) {
  ASSIGN_OR_RETURN(auto secret, OpenClientSecret(box, client.id, client.secret));
  client.secret = std::move(secret);
  if (!client.previous_secret.empty()) {
    ASSIGN_OR_RETURN(auto previous, OpenClientSecret(box, client.id, client.previous_secret));
    client.previous_secret = std::move(previous);
  }
  return Status::Ok();
}

}  // namespace opchat
