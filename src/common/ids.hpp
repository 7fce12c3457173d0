// Identifier generation (docs/design.md: server-chosen ids). Thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "common/mutex.hpp"

namespace opchat {

// Snowflake-style 64-bit ids: 41 bits of milliseconds since 2010-01-01 UTC, 10 bits of
// worker, 12 bits of sequence. From 2010 + 1.6 years until 2079 they print as 19 digits; they
// grow with time, so they sort roughly by creation.
class MessageIdGenerator {
 public:
  // `worker` in [0, 1023]; instances sharing one database should use distinct workers.
  explicit MessageIdGenerator(uint32_t worker);

  std::string Next();
  uint64_t NextNumber();

 private:
  static constexpr int64_t kEpochMs = 1262304000000;  // 2010-01-01T00:00:00Z
  const uint64_t worker_;
  Mutex mu_;
  int64_t last_ms_ GUARDED_BY(mu_) = 0;
  uint32_t sequence_ GUARDED_BY(mu_) = 0;
};

// "u0001" + 32 random lowercase hex digits.
std::string NewChatId();

}  // namespace opchat
