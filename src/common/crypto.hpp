// Thin wrappers over OpenSSL 3 for the digests opchat signs with. Stateless, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace opchat {

std::string Md5Hex(std::string_view data);
std::string HmacSha256Hex(std::string_view key, std::string_view data);
// Raw 32-byte HMAC-SHA256 (Standard Webhooks signatures).
std::string HmacSha256(std::string_view key, std::string_view data);
// Raw 32-byte SHA-256 digest.
std::string Sha256Digest(std::string_view data);
// Raw 20-byte HMAC-SHA1, as Qiniu's download tokens use it.
std::string HmacSha1(std::string_view key, std::string_view data);

// Raw 20-byte SHA-1 digest (the WebSocket handshake's Sec-WebSocket-Accept; not for security).
std::string Sha1Digest(std::string_view data);

// RFC 4648 §5 alphabet ('-', '_'), with '=' padding, as Qiniu's SDKs write it.
std::string UrlSafeBase64(std::string_view data);
// RFC 4648 §4, the standard alphabet ('+', '/'), with '=' padding.
std::string Base64(std::string_view data);
// The bytes of standard-alphabet Base64 with '=' padding; nullopt for anything else (a wrong
// character, length or padding).
std::optional<std::string> DecodeBase64(std::string_view text);

// `bytes` cryptographically random bytes as lowercase hex (2 * bytes characters).
std::string RandomHex(size_t bytes);
uint64_t RandomU64();
// `bytes` cryptographically random bytes.
std::string RandomBytes(size_t bytes);

// Equality whose running time depends only on the lengths, not on where inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace opchat
