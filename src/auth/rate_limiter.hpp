// Per-client request rate limits: a token bucket per client, refilled at `rate` tokens per
// second up to `burst`. Thread-safe. Memory: one small entry per client id that passed
// authentication (ids come from the client registry, so they are bounded).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "common/mutex.hpp"

namespace opchat {

class RateLimiter {
 public:
  // rate <= 0 disables limiting. burst <= 0 means burst = max(rate, 1). max_keys > 0 bounds
  // the memory when keys come from strangers (the console's sign-in): past it, the buckets that
  // have refilled are dropped, and if that is not enough, all of them.
  RateLimiter(double rate, double burst, size_t max_keys = 0);

  bool enabled() const { return rate_ > 0; }

  // Takes one token for `client` at `now_ms`. Returns 0 when allowed, else the whole number
  // of seconds (>= 1) after which a token will be available (for Retry-After).
  int64_t Acquire(const std::string& client, int64_t now_ms);
  // What Acquire would return now, without taking a token.
  int64_t Peek(const std::string& client, int64_t now_ms);

 private:
  struct Bucket {
    double tokens;
    int64_t last_ms;
  };
  // The bucket's tokens at now_ms; the seconds until one is available (0: one is).
  double Refilled(const Bucket& b, int64_t now_ms) const;
  int64_t WaitSeconds(double tokens) const;
  void DropFullBuckets(int64_t now_ms) REQUIRES(mu_);

  const double rate_;
  const double burst_;
  const size_t max_keys_;
  Mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ GUARDED_BY(mu_);
};

}  // namespace opchat
