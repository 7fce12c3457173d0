// A small blocking HTTP/1.1 client for the integration tests (plain POSIX sockets, so the
// tests need neither Beast nor curl). Every call has a timeout.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace opchat::testing {

struct HttpResponse {
  int status = 0;                              // 0 when the connection closed without an answer
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  boost::json::value Json() const;  // parses body; throws on invalid JSON
};

// A blocking TCP connection to 127.0.0.1:port, or -1. `receive_buffer` > 0 sets SO_RCVBUF
// before connecting (so the advertised window stays that small).
int ConnectLoopback(int port, int receive_buffer = 0);

// Sends `raw` bytes as they are, reads one response (or until the peer closes).
HttpResponse SendRaw(int port, const std::string& raw, int timeout_ms = 5000);
// The same, left out of the answers recorded for docs/openapi.yaml (a test's helper process).
HttpResponse Exchange(int port, const std::string& raw, int timeout_ms = 5000);
// Records the body of a webhook delivery, to be checked against the description's
// WebhookPayload like the answers (OPCHAT_RECORD_ANSWERS).
void RecordWebhookBody(const std::string& body);

HttpResponse Post(int port, const std::string& target, const std::string& body,
                  const std::string& content_type = "application/json");
HttpResponse Get(int port, const std::string& target);

// A client credential and the signing of its requests.
struct Credential {
  std::string client;
  std::string secret;
  std::string channel;
};

// The query string for `body`, signed with md5 (or hmac-sha256, which covers the endpoint),
// with optional extra params (e.g. timestamp and nonce).
std::string SignedQuery(const Credential& cred, const std::string& body,
                        const std::vector<std::pair<std::string, std::string>>& extra = {},
                        const std::string& method = "md5",
                        const std::string& endpoint = "operatorToUserChatMessages");

// A timestamp of now and a nonce never used before by this process.
std::vector<std::pair<std::string, std::string>> FreshStamp();

// POST /op/v2/<name> with a signed query, stamped with FreshStamp (as writes require).
HttpResponse Call(int port, const Credential& cred, const std::string& name,
                  const std::string& body);

}  // namespace opchat::testing
