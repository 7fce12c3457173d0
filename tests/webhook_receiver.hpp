// The Node webhook receiver of tests/webhooks/receiver.mjs, run as a child process for a test:
// it verifies every delivery with the Standard Webhooks reference library (npm
// `standardwebhooks`), records it, and answers by rules the test sets.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace opchat::testing {

class WebhookReceiver {
 public:
  // Starts `node receiver.mjs ARGS` and waits for its port. Throws when it does not start.
  explicit WebhookReceiver(const std::vector<std::string>& args = {});
  ~WebhookReceiver();  // closes its stdin (it exits), then reaps it

  int port() const { return port_; }
  // "http://127.0.0.1:PORT" + path.
  std::string Url(const std::string& path) const;

  // The secrets it verifies with (index order = verifiedWith's indexes).
  void SetSecrets(const std::vector<std::string>& secrets);
  // [{"match": {...}, "times": N, "action": "status:500" | "delay:MS" | "close"}], as JSON text.
  void SetRules(const std::string& rules_json);
  // The deliveries recorded so far, oldest first (to `path` only, when given).
  std::vector<boost::json::object> Deliveries(const std::string& path = "") const;
  // Waits until `done(deliveries to path)` holds, or `timeout` passes; returns the last read.
  std::vector<boost::json::object> WaitFor(
      const std::string& path,
      const std::function<bool(const std::vector<boost::json::object>&)>& done,
      std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int port_ = 0;
};

}  // namespace opchat::testing
