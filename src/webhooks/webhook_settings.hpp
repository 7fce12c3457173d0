// The [webhooks] settings (docs/configuration.md): the retry schedule, limits and safety of
// webhook delivery. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace opchat {

struct WebhookSettings {
  // Delays before each attempt, in seconds: the first after the event, each later one after the
  // previous attempt failed (Standard Webhooks' schedule: immediately, 5 s, 5 min, 30 min, 2 h,
  // 5 h, 10 h, 10 h). After the last failed attempt the delivery is failed (kept for replay).
  std::vector<double> retry_schedule_s = {0, 5, 300, 1800, 7200, 18000, 36000, 36000};
  double jitter = 0.1;    // each delay is stretched or shrunk by up to this fraction, at random
  double timeout_s = 15;  // one attempt: connect, send and the whole answer
  // An endpoint whose attempts have all failed for this long is disabled.
  double disable_after_hours = 120;
  int64_t max_in_flight_per_endpoint = 16;  // concurrent requests to one endpoint
  // How long an instance's claim on a chat's deliveries lasts without renewal: another instance
  // takes them over this long after the first one died.
  double lease_s = 60;
  int64_t poll_interval_ms = 1000;  // look for due retries and other instances' events this often
  // Send to loopback, private and link-local addresses too (a receiver on the same host or
  // network). Off by default: a webhook URL must not reach into the server's own network.
  bool allow_private = false;
  // A PEM file of certificate authorities trusted besides the system's (a private CA).
  std::string extra_ca_file;
};

}  // namespace opchat
