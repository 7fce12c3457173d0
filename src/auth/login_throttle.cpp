#include "auth/login_throttle.hpp"

#include <algorithm>

namespace opchat {
namespace {

// Per login: 5 failures at once, then one a minute (a person who mistypes a few times is not
// held up; a guesser gets 1,440 tries a day at most). Per address: 20 at once, then one every 6
// seconds (an office behind one address signs in many people, who sometimes mistype).
constexpr double kLoginBurst = 5, kLoginPerSecond = 1.0 / 60;
constexpr double kAddressBurst = 20, kAddressPerSecond = 1.0 / 6;
constexpr size_t kMaxKeys = 100'000;

// A login's key: its channel and login, separated by a byte neither may hold.
std::string LoginKey(std::string_view channel, std::string_view login) {
  std::string key(channel);
  key += '\n';
  key += login;
  return key;
}

}  // namespace

LoginThrottle::LoginThrottle()
    : per_login_(kLoginPerSecond, kLoginBurst, kMaxKeys),
      per_address_(kAddressPerSecond, kAddressBurst, kMaxKeys) {}

int64_t LoginThrottle::RetryAfter(std::string_view channel, std::string_view login,
                                  std::string_view address, int64_t now_ms) {
  return std::max(per_login_.Peek(LoginKey(channel, login), now_ms),
                  per_address_.Peek(std::string(address), now_ms));
}

void LoginThrottle::RecordFailure(std::string_view channel, std::string_view login,
                                  std::string_view address, int64_t now_ms) {
  (void)per_login_.Acquire(LoginKey(channel, login), now_ms);
  (void)per_address_.Acquire(std::string(address), now_ms);
}

}  // namespace opchat
