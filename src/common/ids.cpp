#include "common/ids.hpp"

#include <thread>

#include "common/clock.hpp"
#include "common/crypto.hpp"

namespace opchat {

MessageIdGenerator::MessageIdGenerator(uint32_t worker) : worker_(worker & 1023) {}

uint64_t MessageIdGenerator::NextNumber() {
  MutexLock lock(mu_);
  int64_t now = NowMillis();
  // A clock that steps back must not reissue ids: keep counting from the last time seen.
  if (now < last_ms_) now = last_ms_;
  if (now == last_ms_) {
    if (++sequence_ == 4096) {
      while (now <= last_ms_) {
        std::this_thread::yield();
        now = std::max(NowMillis(), last_ms_ + 1);
      }
      sequence_ = 0;
    }
  } else {
    sequence_ = 0;
  }
  last_ms_ = now;
  return static_cast<uint64_t>(now - kEpochMs) << 22 | worker_ << 12 | sequence_;
}

std::string MessageIdGenerator::Next() { return std::to_string(NextNumber()); }

std::string NewChatId() { return "u0001" + RandomHex(16); }

}  // namespace opchat
