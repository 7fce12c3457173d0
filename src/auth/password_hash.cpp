#include "auth/password_hash.hpp"

#include <sodium.h>

#include "common/mutex.hpp"
#include "common/utf8.hpp"

namespace opchat {
namespace {

// sodium_init is thread-safe and idempotent; a function-local static runs it once.
bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

// Each Argon2id run takes 64 MiB: with 32 write threads all signing people in at once, 2 GiB.
// A slot is held for the length of one run.
class HashSlots {
 public:
  void Take() {
    MutexLock lock(mu_);
    while (busy_ >= kMaxConcurrentHashes) freed_.Wait(mu_);
    ++busy_;
  }
  void Give() {
    {
      MutexLock lock(mu_);
      --busy_;
    }
    freed_.Signal();
  }

 private:
  Mutex mu_;
  CondVar freed_;
  int busy_ GUARDED_BY(mu_) = 0;
};

class HashSlot {
 public:
  HashSlot() { Slots().Take(); }
  ~HashSlot() { Slots().Give(); }
  HashSlot(const HashSlot&) = delete;
  HashSlot& operator=(const HashSlot&) = delete;

 private:
  static HashSlots& Slots() {
    static HashSlots slots;
    return slots;
  }
};

size_t CodePoints(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

Status CheckPasswordPolicy(std::string_view password) {
  if (password.size() > kMaxPasswordBytes) {
    return Status::InvalidArgument("password: at most " + std::to_string(kMaxPasswordBytes) +
                                   " bytes");
  }
  if (!IsValidUtf8(password)) return Status::InvalidArgument("password: not UTF-8");
  for (unsigned char c : password) {
    if (c < 0x20 || c == 0x7f) {
      return Status::InvalidArgument("password: must not hold control characters");
    }
  }
  if (CodePoints(password) < kMinPasswordChars) {
    return Status::InvalidArgument("password: at least " + std::to_string(kMinPasswordChars) +
                                   " characters");
  }
  return Status::Ok();
}

Result<std::string> HashPassword(std::string_view password) {
  if (!SodiumReady()) return Status::Internal("libsodium could not be initialised");
  char out[crypto_pwhash_STRBYTES];
  HashSlot slot;
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Status::Internal("password hashing failed (out of memory)");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (!SodiumReady()) return false;
  // crypto_pwhash_str_verify reads a NUL-terminated string of at most STRBYTES - 1 characters.
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string terminated(hash);
  HashSlot slot;
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

}  // namespace opchat
