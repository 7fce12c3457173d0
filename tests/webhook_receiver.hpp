// The Node webhook receiver of tests/webhooks/receiver.mjs, run as a child process for a test:
// it verifies every delivery with the Standard Webhooks reference library (npm
// `standardwebhooks`), records it, and answers by rules the test sets. Its control calls are
// left out of the answers recorded for docs/openapi.yaml.
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
  // Starts `node receiver.mjs ARGS` and waits (10 s at most) for its port. Throws when it does
  // not start. With `record_bodies`, the destructor records every body it received, to be
  // checked against docs/openapi.yaml's WebhookPayload (for receivers of real deliveries).
  explicit WebhookReceiver(const std::vector<std::string>& args = {}, bool record_bodies = false);
  ~WebhookReceiver();  // closes its stdin (it exits), then reaps it
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  int port() const { return port_; }
  // "http://HOST:PORT" + path ("https://" with tls).
  std::string Url(const std::string& path = "/hook", const std::string& host = "127.0.0.1",
                  bool tls = false) const;

  // The secrets it verifies with (index order = verifiedWith's indexes). Plain http only.
  void SetSecrets(const std::vector<std::string>& secrets);
  // [{"match": {...}, "times": N, "action": "status:500" | "delay:MS" | "close" ...}], as JSON
  // text. Plain http only.
  void SetRules(const std::string& rules_json);
  // {"connections", "deliveryConnections", "requests"}. Plain http only.
  boost::json::value Stats() const;
  // The deliveries recorded so far, oldest first (to `path` only, when given). Plain http only.
  std::vector<boost::json::object> Deliveries(const std::string& path = "") const;
  // Waits until `done(deliveries to path)` holds, or `timeout` passes; returns the last read.
  std::vector<boost::json::object> WaitFor(
      const std::string& path,
      const std::function<bool(const std::vector<boost::json::object>&)>& done,
      std::chrono::milliseconds timeout);

 private:
  void Stop();

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int port_ = 0;
  bool record_bodies_ = false;
};

}  // namespace opchat::testing
