// The HTTP/1.1 front of opchat: accepts connections, reads requests within the configured
// limits, hands each to the Api and writes back its answer. The only code that uses Beast and
// Asio; its header stays free of them.
//
// Threads: `threads` I/O threads, each running its own event loop with its connections
// (one connection = one coroutine, so it needs no strand); requests to writing endpoints run
// on a separate pool of `write_threads`, because they wait for a durable commit.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api/api.hpp"
#include "common/metrics.hpp"
#include "common/status.hpp"

namespace opchat {

struct HttpSettings {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int threads = 2;
  int write_threads = 32;
  int64_t max_body_bytes = 65536;
  int64_t max_header_bytes = 8192;
  int64_t max_connections = 10000;
  int64_t max_connections_per_address = 256;  // open at once from one remote address; 0 = off
  int64_t read_timeout_s = 30;  // to receive one whole request, or to send one response
  int64_t idle_timeout_s = 60;  // between requests on a keep-alive connection
  bool access_log = true;
};

class HttpServer {
 public:
  // `metrics` (optional) receives connection and request figures; it must outlive the server.
  HttpServer(const Api& api, HttpSettings settings, Metrics* metrics = nullptr);
  ~HttpServer();

  // Binds and listens. Returns the bound port (useful with port 0).
  Result<uint16_t> Listen();
  // Serves until Stop(); then stops accepting, lets in-flight requests finish (up to 10 s)
  // and returns. Signals are the caller's business (see common/stop_signals.hpp).
  void Run();
  // Thread-safe; may be called from any thread.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port" (IPv6 as "[::1]:8080"). InvalidArgument when malformed.
Result<std::pair<std::string, uint16_t>> ParseListenAddress(const std::string& text);
// Whether a listen host (ParseListenAddress's) is "localhost" or a loopback address.
bool IsLoopbackHost(const std::string& host);

}  // namespace opchat
