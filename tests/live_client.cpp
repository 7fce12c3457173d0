#include "live_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "auth/query_signer.hpp"

namespace opchat::testing {
namespace {

using Clock = std::chrono::steady_clock;

bool SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Reads what is available within `timeout_ms` into `buffer`; false on timeout, EOF or error.
bool ReadInto(int fd, std::string& buffer, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char chunk[16384];
  ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  buffer.append(chunk, static_cast<size_t>(n));
  return true;
}

int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Splits a response head "HTTP/1.1 101 ...\r\nA: b\r\n\r\n" into status and lowercased headers.
void ParseHead(const std::string& head, HttpResponse& out) {
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  size_t sp = status_line.find(' ');
  out.status = sp == std::string::npos ? 0 : std::atoi(status_line.c_str() + sp + 1);
  size_t pos = line_end + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string::npos || end == pos) break;
    std::string line = head.substr(pos, end - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t v = line.find_first_not_of(' ', colon + 1);
      out.headers[name] = v == std::string::npos ? "" : line.substr(v);
    }
    pos = end + 2;
  }
}

// Reads the body of `out` (by its Content-Length, else until the peer closes) from what is left
// in `buffer` and the socket.
void ReadBody(int fd, std::string& buffer, HttpResponse& out, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  size_t length = out.headers.count("content-length") ? std::stoul(out.headers["content-length"])
                                                      : std::string::npos;
  while (length == std::string::npos || buffer.size() < length) {
    if (!ReadInto(fd, buffer, MillisLeft(deadline))) break;
  }
  out.body = buffer.substr(0, std::min(length, buffer.size()));
  buffer.clear();
}

// Reads a response head into `out`, leaving whatever follows in `buffer`. False when the
// connection ended first.
bool ReadHead(int fd, std::string& buffer, HttpResponse& out, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  size_t head_end;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (!ReadInto(fd, buffer, MillisLeft(deadline))) return false;
  }
  ParseHead(buffer.substr(0, head_end + 4), out);
  buffer.erase(0, head_end + 4);
  return true;
}

}  // namespace

std::string LiveQuery(const Credential& cred,
                      const std::vector<std::pair<std::string, std::string>>& params,
                      const std::string& method) {
  auto m = ParseSignMethod(&method);
  QuerySigning signing{cred.client,
                       cred.secret,
                       cred.channel,
                       *m,
                       {"GET", "/op/v2/live"},
                       QueryParams(params.begin(), params.end())};
  return SignedQueryString(signing, "");
}

WsClient::WsClient(int port, const std::string& target, int receive_buffer,
                   const std::vector<std::string>& headers) {
  fd_ = ConnectLoopback(port, receive_buffer);
  if (fd_ < 0) return;
  std::string request =
      "GET " + target +
      " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
  for (const std::string& h : headers) request += h + "\r\n";
  SendAll(fd_, request + "\r\n");
  HttpResponse head;
  if (!ReadHead(fd_, buffer_, head, 5000)) return;
  if (head.status == 101) {
    upgraded_ = true;
    return;
  }
  refusal_ = head;
  ReadBody(fd_, buffer_, refusal_, 5000);
  closed_ = true;
}

WsClient::~WsClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool WsClient::ReadMore(int timeout_ms) { return ReadInto(fd_, buffer_, timeout_ms); }

void WsClient::SendFrame(int opcode, const std::string& payload) {
  std::string frame;
  frame += static_cast<char>(0x80 | opcode);
  const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
  if (payload.size() < 126) {
    frame += static_cast<char>(0x80 | payload.size());
  } else {
    frame += static_cast<char>(0x80 | 126);
    frame += static_cast<char>((payload.size() >> 8) & 0xff);
    frame += static_cast<char>(payload.size() & 0xff);
  }
  frame.append(reinterpret_cast<const char*>(mask), 4);
  for (size_t i = 0; i < payload.size(); ++i) frame += static_cast<char>(payload[i] ^ mask[i % 4]);
  SendAll(fd_, frame);
}

std::optional<std::string> WsClient::Read(int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (upgraded_ && !closed_) {
    // A whole frame in the buffer?
    if (buffer_.size() >= 2) {
      const auto* b = reinterpret_cast<const unsigned char*>(buffer_.data());
      const int opcode = b[0] & 0x0f;
      uint64_t length = b[1] & 0x7f;
      size_t header = 2;
      if (length == 126 && buffer_.size() >= 4) {
        length = (uint64_t{b[2]} << 8) | b[3];
        header = 4;
      } else if (length == 127 && buffer_.size() >= 10) {
        length = 0;
        for (int i = 0; i < 8; ++i) length = (length << 8) | b[2 + i];
        header = 10;
      } else if (length >= 126) {
        header = 0;  // the extended length has not arrived yet
      }
      if (header > 0 && buffer_.size() >= header + length) {
        std::string payload = buffer_.substr(header, length);
        buffer_.erase(0, header + length);
        if (opcode == 0x1) return payload;
        if (opcode == 0x9) SendFrame(0xA, payload);  // ping: pong
        if (opcode == 0x8) {
          closed_ = true;
          if (payload.size() >= 2) {
            close_code_ = (static_cast<unsigned char>(payload[0]) << 8) |
                          static_cast<unsigned char>(payload[1]);
            close_reason_ = payload.substr(2);
          }
          SendFrame(0x8, payload.substr(0, 2));
          return std::nullopt;
        }
        continue;
      }
    }
    if (!ReadMore(MillisLeft(deadline))) {
      if (MillisLeft(deadline) > 0) closed_ = true;  // the connection ended
      return std::nullopt;
    }
  }
  return std::nullopt;
}

void WsClient::Close() {
  if (fd_ < 0) return;
  SendFrame(0x8, std::string("\x03\xe8", 2));  // 1000, normal
  Drop();
}

void WsClient::Drop() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  closed_ = true;
}

SseClient::SseClient(int port, const std::string& target, const std::string& last_event_id) {
  fd_ = ConnectLoopback(port);
  if (fd_ < 0) return;
  std::string request = "GET " + target +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Accept: text/event-stream\r\n";
  if (!last_event_id.empty()) request += "Last-Event-ID: " + last_event_id + "\r\n";
  SendAll(fd_, request + "\r\n");
  HttpResponse head;
  if (!ReadHead(fd_, buffer_, head, 5000)) return;
  status_ = head.status;
  if (status_ == 200) return;
  refusal_ = head;
  ReadBody(fd_, buffer_, refusal_, 5000);
  ended_ = true;
}

SseClient::~SseClient() { Drop(); }

void SseClient::Drop() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool SseClient::ReadMore(int timeout_ms) { return ReadInto(fd_, buffer_, timeout_ms); }

std::optional<SseEvent> SseClient::Read(int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (status_ == 200 && !ended_) {
    size_t end;
    while ((end = buffer_.find("\n\n")) != std::string::npos) {
      std::string block = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      SseEvent event;
      bool has_data = false;
      size_t pos = 0;
      while (pos <= block.size()) {
        size_t nl = block.find('\n', pos);
        std::string line =
            block.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? block.size() + 1 : nl + 1;
        if (line.rfind("id: ", 0) == 0) event.id = line.substr(4);
        if (line.rfind("event: ", 0) == 0) event.event = line.substr(7);
        if (line.rfind("data: ", 0) == 0) {
          event.data += line.substr(6);
          has_data = true;
        }
      }
      if (has_data) return event;
    }
    if (!ReadMore(MillisLeft(deadline))) {
      if (MillisLeft(deadline) > 0) ended_ = true;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace opchat::testing
