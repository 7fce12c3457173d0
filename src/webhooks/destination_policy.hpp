// Where a webhook may be sent (docs/webhooks.md, "Safety"): http or https URLs only, and never to
// loopback, private, link-local or otherwise non-public addresses unless allowed
// ([webhooks] allow_private). The address check runs on the addresses a name resolves to, at
// `webhook add` and again before every connection, so a name that resolves to 127.0.0.1 (or is
// changed to) is refused too. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.hpp"

namespace opchat {

struct WebhookUrlParts {
  bool tls = false;    // https
  std::string host;    // a name, an IPv4 literal or an IPv6 literal without brackets
  std::string port;    // "80"/"443" when the URL has none
  std::string target;  // path and query, "/" when empty
};

// Splits an absolute http(s) URL (the scheme is case-insensitive; the path and query are kept
// percent-encoded as given). InvalidArgument ("webhook url: ...") for another scheme, user
// info, a fragment, no host, a bad port (0, over 65535), or more than 2048 bytes.
Result<WebhookUrlParts> ParseWebhookUrl(std::string_view url);

// OK when `address` (a numeric IPv4 or IPv6 address, as getaddrinfo or Asio prints it) is a
// public unicast address; InvalidArgument naming the address and its kind ("127.0.0.1 is a
// loopback address") otherwise: loopback, RFC 1918 / RFC 4193 private, link-local, unspecified,
// multicast, broadcast, carrier-grade NAT (100.64/10), benchmarking (198.18/15), documentation,
// reserved ranges, and IPv4-mapped / NAT64 forms of those.
Status CheckDestinationAddress(std::string_view address);

// Parses `url` (ParseWebhookUrl), then, unless allow_private, resolves its host now
// (getaddrinfo; blocking) and checks every address it gives: InvalidArgument "webhook url:
// cannot resolve HOST: ..." or "webhook url: destination refused: 127.0.0.1 is a loopback
// address" when one is refused. With allow_private nothing is resolved. For `opchat webhook add`:
// the sender checks again at each connection.
Status CheckWebhookUrl(std::string_view url, bool allow_private);

}  // namespace opchat
