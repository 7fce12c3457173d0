// Operator passwords (docs/console.md): hashed with Argon2id through libsodium's
// crypto_pwhash_str, at its INTERACTIVE limits (64 MiB and 2 passes: about 0.1 s a hash, so a
// login costs little and a stolen table costs much). The stored text names its algorithm and
// parameters, so hashes made with other limits later still verify. Thread-safe; at most
// kMaxConcurrentHashes hashes or verifications run at once in the process (the others wait), so
// a burst of sign-ins costs at most that many times 64 MiB.
#pragma once

#include <string>
#include <string_view>

#include "common/status.hpp"

namespace opchat {

inline constexpr int kMaxConcurrentHashes = 4;
inline constexpr size_t kMinPasswordChars = 8;
// Longer passwords are refused rather than hashed: Argon2 reads all of its input, and no one
// types more.
inline constexpr size_t kMaxPasswordBytes = 1024;

// OK, or InvalidArgument saying what is wrong: fewer than kMinPasswordChars characters (UTF-8
// code points), more than kMaxPasswordBytes bytes, not UTF-8, or a control character.
Status CheckPasswordPolicy(std::string_view password);

// The crypto_pwhash_str text of `password` (a fresh random salt each time). Internal when
// libsodium cannot be initialised or runs out of memory.
Result<std::string> HashPassword(std::string_view password);

// Whether `password` matches `hash` (HashPassword's text). False for a malformed hash. Takes
// as long as a HashPassword: callers answering "no such login" should still call it (on a dummy
// hash) so that the time does not tell which logins exist.
bool VerifyPassword(std::string_view hash, std::string_view password);

}  // namespace opchat
