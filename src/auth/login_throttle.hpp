// Slows down password guessing at the console's sign-in (docs/console.md): failed sign-ins are
// counted per login (channel and login: guessing one person's password from many addresses) and
// per remote address (trying many logins from one place), each in a token bucket
// (auth/rate_limiter.hpp); while either bucket is empty, sign-ins are refused before the password
// is checked. Successful sign-ins cost nothing. Thread-safe.
//
// Memory: a bucket per login and address that failed recently; buckets that have refilled are
// dropped when there are many (RateLimiter's max_keys), so a flood of made-up logins cannot grow
// it without bound.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/rate_limiter.hpp"

namespace opchat {

class LoginThrottle {
 public:
  LoginThrottle();

  // 0 when a sign-in of `login` in `channel` from `address` may be tried now; otherwise the
  // whole seconds (>= 1) to wait (for Retry-After).
  int64_t RetryAfter(std::string_view channel, std::string_view login, std::string_view address,
                     int64_t now_ms);
  // Counts a failed sign-in against the login and the address.
  void RecordFailure(std::string_view channel, std::string_view login, std::string_view address,
                     int64_t now_ms);

 private:
  RateLimiter per_login_;
  RateLimiter per_address_;
};

}  // namespace opchat
