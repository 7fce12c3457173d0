// When the pool may try to open a PostgreSQL connection. While the server is reachable,
// connections open as they are needed, several at once. After a failed attempt the pool backs
// off: further attempts within the backoff window fail at once with Unavailable (503), the
// window doubles with each failure (50 ms up to 1 s) and resets on a success, and at most one
// attempt is under way at a time, so an unreachable host (each attempt waiting connect_timeout)
// holds one request thread, not all of them. A connection lost in use starts the one-at-a-time
// mode too, without a window. Without it an outage meant a connection attempt per request,
// about 20,000 a second. Thread-safe; the clock is passed in, for tests.
#pragma once

#include <chrono>

#include "common/mutex.hpp"
#include "common/status.hpp"

namespace opchat::postgres {

class ConnectBackoff {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ConnectBackoff(std::chrono::milliseconds first = std::chrono::milliseconds(50),
                          std::chrono::milliseconds max = std::chrono::seconds(1))
      : first_(first), max_(max) {}

  // OK: the caller may try to connect now and must report the outcome with Succeeded() or
  // Failed(). Unavailable: it must not try; the message says why.
  Status Begin(Clock::time_point now);
  void Succeeded();
  void Failed(Clock::time_point now);
  // A connection was found lost (server restart, outage): until the next success, attempts go
  // one at a time.
  void Lost();

 private:
  const std::chrono::milliseconds first_, max_;
  Mutex mu_;
  bool degraded_ GUARDED_BY(mu_) = false;       // since the last success, a failure or a loss
  int failures_ GUARDED_BY(mu_) = 0;            // consecutive failed attempts
  int in_flight_ GUARDED_BY(mu_) = 0;           // attempts begun and not yet reported
  Clock::time_point retry_at_ GUARDED_BY(mu_);  // no attempt before this
};

}  // namespace opchat::postgres
