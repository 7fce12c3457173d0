#include "http_test_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <chrono>
#include <cstdlib>
#include <stdexcept>

#include "auth/canonical_request.hpp"
#include "auth/query_signer.hpp"
#include "common/clock.hpp"

namespace opchat::testing {

boost::json::value HttpResponse::Json() const { return boost::json::parse(body); }

namespace {

// Parses a complete response out of `data`; false while incomplete.
bool ParseResponse(const std::string& data, HttpResponse& out) {
  size_t head_end = data.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  out = {};
  size_t line_end = data.find("\r\n");
  std::string status_line = data.substr(0, line_end);
  if (status_line.size() < 12) return false;
  out.status = std::stoi(status_line.substr(9, 3));
  size_t pos = line_end + 2;
  while (pos < head_end) {
    size_t eol = data.find("\r\n", pos);
    std::string line = data.substr(pos, eol - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(c));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      out.headers[name] = value;
    }
    pos = eol + 2;
  }
  size_t length =
      out.headers.count("content-length") ? std::stoul(out.headers["content-length"]) : 0;
  if (data.size() < head_end + 4 + length) return false;
  out.body = data.substr(head_end + 4, length);
  return true;
}

// With OPCHAT_RECORD_ANSWERS=FILE, appends one NDJSON line per answer received ({"method",
// "path", "status", "contentType", "body", and "request", the request's body when it had one), so
// tests/openapi/validate-answers.mjs can check every answer the tests saw against
// docs/openapi.yaml. One write() per line on an O_APPEND descriptor: lines from concurrent requests
// and processes do not interleave.
void AppendRecord(const std::string& line) {
  static const char* file = std::getenv("OPCHAT_RECORD_ANSWERS");
  if (file == nullptr || *file == '\0') return;
  int fd = ::open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  [[maybe_unused]] ssize_t n = ::write(fd, line.data(), line.size());
  ::close(fd);
}

void RecordAnswer(const std::string& raw, const HttpResponse& response) {
  if (response.status == 0) return;
  std::string request_line = raw.substr(0, raw.find("\r\n"));
  size_t sp1 = request_line.find(' ');
  size_t sp2 = sp1 == std::string::npos ? sp1 : request_line.find(' ', sp1 + 1);
  std::string method = request_line.substr(0, sp1);
  std::string target = sp1 == std::string::npos ? "" : request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string path = target.substr(0, target.find('?'));
  auto type = response.headers.find("content-type");
  size_t head_end = raw.find("\r\n\r\n");
  std::string request_body = head_end == std::string::npos ? "" : raw.substr(head_end + 4);
  auto str = [](const std::string& s) { return boost::json::serialize(boost::json::string(s)); };
  std::string line = "{\"method\":" + str(method) + ",\"path\":" + str(path) +
                     ",\"status\":" + std::to_string(response.status) +
                     ",\"contentType\":" + str(type == response.headers.end() ? "" : type->second) +
                     ",\"body\":" + str(response.body) +
                     (request_body.empty() ? "" : ",\"request\":" + str(request_body)) + "}\n";
  AppendRecord(line);
}

}  // namespace

int ConnectLoopback(int port, int receive_buffer) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (receive_buffer > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void RecordWebhookBody(const std::string& body) {
  AppendRecord("{\"kind\":\"webhook\",\"body\":" +
               boost::json::serialize(boost::json::string(body)) + "}\n");
}

HttpResponse SendRaw(int port, const std::string& raw, int timeout_ms) {
  HttpResponse response = Exchange(port, raw, timeout_ms);
  RecordAnswer(raw, response);
  return response;
}

HttpResponse Exchange(int port, const std::string& raw, int timeout_ms) {
  HttpResponse response;
  int fd = ConnectLoopback(port);
  if (fd < 0) return response;
  size_t sent = 0;
  while (sent < raw.size()) {
    ssize_t n = ::send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer (413) and close before reading everything
    sent += static_cast<size_t>(n);
  }
  std::string data;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[65536];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (::poll(&p, 1, std::max(left, 1)) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (ParseResponse(data, response)) break;
  }
  ::close(fd);
  if (!ParseResponse(data, response)) response.status = 0;
  return response;
}

HttpResponse Post(int port, const std::string& target, const std::string& body,
                  const std::string& content_type) {
  std::string raw = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!content_type.empty()) raw += "Content-Type: " + content_type + "\r\n";
  raw += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return SendRaw(port, raw);
}

HttpResponse Get(int port, const std::string& target) {
  return SendRaw(port,
                 "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

std::string SignedQuery(const Credential& cred, const std::string& body,
                        const std::vector<std::pair<std::string, std::string>>& extra,
                        const std::string& method, const std::string& endpoint) {
  auto m = ParseSignMethod(&method);
  const std::string path = "/op/v2/" + endpoint;
  QuerySigning signing{cred.client, cred.secret,    cred.channel,
                       *m,          {"POST", path}, QueryParams(extra.begin(), extra.end())};
  return SignedQueryString(signing, body);
}

std::vector<std::pair<std::string, std::string>> FreshStamp() {
  static std::atomic<uint64_t> counter{0};
  return {{"timestamp", std::to_string(NowMillis())},
          {"nonce", std::to_string(::getpid()) + "-" + std::to_string(++counter)}};
}

HttpResponse Call(int port, const Credential& cred, const std::string& name,
                  const std::string& body) {
  return Post(port, "/op/v2/" + name + "?" + SignedQuery(cred, body, FreshStamp(), "md5", name),
              body);
}

}  // namespace opchat::testing
