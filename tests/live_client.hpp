// Blocking clients of GET /op/v2/live for the integration tests: a minimal WebSocket client
// (RFC 6455: handshake, masked client frames, text/ping/close) and a Server-Sent Events reader,
// on plain POSIX sockets like http_test_client. Every read has a timeout.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http_test_client.hpp"

namespace opchat::testing {

// The signed query of GET /op/v2/live with `params` (after, chatId, types...).
std::string LiveQuery(const Credential& cred,
                      const std::vector<std::pair<std::string, std::string>>& params = {},
                      const std::string& method = "md5");

class WsClient {
 public:
  // Connects and sends the upgrade. Check upgraded(); when refused, refusal() has the answer.
  // `receive_buffer` > 0 shrinks the socket's receive buffer (set before connecting, so the
  // window stays small): a slow consumer. `headers` ("Name: value") are added to the upgrade.
  WsClient(int port, const std::string& target, int receive_buffer = 0,
           const std::vector<std::string>& headers = {});
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  bool upgraded() const { return upgraded_; }
  const HttpResponse& refusal() const { return refusal_; }

  // The next text message, answering pings on the way; nullopt on timeout or close (then
  // closed() is true and close_code()/close_reason() say why, when the server said).
  std::optional<std::string> Read(int timeout_ms);
  bool closed() const { return closed_; }
  int close_code() const { return close_code_; }
  const std::string& close_reason() const { return close_reason_; }

  // Sends a close frame and closes the socket without waiting.
  void Close();
  // Drops the TCP connection at once (a network failure, from the server's view).
  void Drop();

 private:
  bool ReadMore(int timeout_ms);
  void SendFrame(int opcode, const std::string& payload);

  int fd_ = -1;
  bool upgraded_ = false;
  bool closed_ = false;
  int close_code_ = 0;
  std::string close_reason_;
  HttpResponse refusal_;
  std::string buffer_;
};

struct SseEvent {
  std::string id;
  std::string event;  // empty for a plain event
  std::string data;
};

class SseClient {
 public:
  // GET with Accept: text/event-stream, and Last-Event-ID when given.
  SseClient(int port, const std::string& target, const std::string& last_event_id = "");
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  // 200 when the stream started; else the refusal's status, with refusal() whole.
  int status() const { return status_; }
  const HttpResponse& refusal() const { return refusal_; }
  // The next event (comments and retry lines skipped); nullopt on timeout or end of stream.
  std::optional<SseEvent> Read(int timeout_ms);
  bool ended() const { return ended_; }
  void Drop();

 private:
  bool ReadMore(int timeout_ms);
  int fd_ = -1;
  int status_ = 0;
  bool ended_ = false;
  HttpResponse refusal_;
  std::string buffer_;
};

}  // namespace opchat::testing
