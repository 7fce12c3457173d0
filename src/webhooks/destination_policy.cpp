#include "webhooks/destination_policy.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <array>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cstdint>
#include <cstring>
#include <memory>

namespace opchat {
namespace {

constexpr size_t kMaxUrlBytes = 2048;

Status BadUrl(const std::string& why) { return Status::InvalidArgument("webhook url: " + why); }

// The kind of a non-public IPv4 address ("a loopback address"), or "" for a public one.
std::string Ipv4Kind(const std::array<uint8_t, 4>& a) {
  uint32_t v = (uint32_t{a[0]} << 24) | (uint32_t{a[1]} << 16) | (uint32_t{a[2]} << 8) | a[3];
  auto in = [v](uint32_t net, int bits) {
    uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
    return (v & mask) == net;
  };
  if (v == 0) return "an unspecified address";
  if (v == 0xFFFFFFFFu) return "a broadcast address";
  if (in(0x00000000, 8)) return "a reserved address";            // 0/8, "this network"
  if (in(0x7F000000, 8)) return "a loopback address";            // 127/8
  if (in(0x0A000000, 8)) return "a private address";             // 10/8
  if (in(0xAC100000, 12)) return "a private address";            // 172.16/12
  if (in(0xC0A80000, 16)) return "a private address";            // 192.168/16
  if (in(0xA9FE0000, 16)) return "a link-local address";         // 169.254/16
  if (in(0x64400000, 10)) return "a carrier-grade NAT address";  // 100.64/10
  if (in(0xC6120000, 15)) return "a benchmarking address";       // 198.18/15
  if (in(0xC0000200, 24) || in(0xC6336400, 24) || in(0xCB007100, 24))
    return "a documentation address";                   // 192.0.2/24, 198.51.100/24, 203.0.113/24
  if (in(0xC0000000, 24)) return "a reserved address";  // 192.0.0/24, IETF protocol assignments
  if (in(0xC0586300, 24)) return "a reserved address";  // 192.88.99/24, the old 6to4 relays
  if (in(0xE0000000, 4)) return "a multicast address";  // 224/4
  if (in(0xF0000000, 4)) return "a reserved address";   // 240/4
  return "";
}

std::string Ipv4Text(const uint8_t* p) {
  return std::to_string(p[0]) + "." + std::to_string(p[1]) + "." + std::to_string(p[2]) + "." +
         std::to_string(p[3]);
}

// The kind of a non-public IPv6 address, or "" for a public one. Forms that embed an IPv4
// address (IPv4-mapped, NAT64, 6to4) take the kind of the embedded address.
std::string Ipv6Kind(const std::array<uint8_t, 16>& a) {
  auto prefix = [&a](std::initializer_list<uint8_t> bytes) {
    return std::memcmp(a.data(), std::data(bytes), bytes.size()) == 0;
  };
  auto embedded = [](const uint8_t* p, const char* form) -> std::string {
    std::array<uint8_t, 4> v4{p[0], p[1], p[2], p[3]};
    std::string kind = Ipv4Kind(v4);
    if (kind.empty()) return "";
    return kind + " (" + form + " " + Ipv4Text(p) + ")";
  };
  static constexpr uint8_t kZero[16] = {};
  if (std::memcmp(a.data(), kZero, 16) == 0) return "an unspecified address";
  if (std::memcmp(a.data(), kZero, 15) == 0 && a[15] == 1) return "a loopback address";
  // ::ffff:0:0/96, IPv4-mapped.
  if (prefix({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF})) return embedded(&a[12], "IPv4-mapped");
  // 64:ff9b::/96, the well-known NAT64 prefix.
  if (prefix({0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0})) return embedded(&a[12], "NAT64");
  // 64:ff9b:1::/48, local-use NAT64 (RFC 8215): translated to whatever the local network says.
  if (prefix({0, 0x64, 0xFF, 0x9B, 0, 1})) return "a private address";
  // 2002::/16, 6to4: the IPv4 address is the next 32 bits.
  if (prefix({0x20, 0x02})) return embedded(&a[2], "6to4");
  if ((a[0] & 0xFE) == 0xFC) return "a private address";                     // fc00::/7
  if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) return "a link-local address";  // fe80::/10
  if (a[0] == 0xFF) return "a multicast address";                            // ff00::/8
  if (prefix({0x20, 0x01, 0x0D, 0xB8})) return "a documentation address";    // 2001:db8::/32
  if (a[0] == 0x3F && a[1] == 0xFF && (a[2] & 0xF0) == 0) return "a documentation address";
  // 2001::/23: IETF protocol assignments (Teredo, ORCHID, benchmarking 2001:2::/48...).
  if (a[0] == 0x20 && a[1] == 0x01 && (a[2] & 0xFE) == 0) return "a reserved address";
  // Everything outside 2000::/3, the global unicast space: ::/96 (IPv4-compatible), 100::/64
  // (discard), fec0::/10 (site-local) and the unassigned rest.
  if ((a[0] & 0xE0) != 0x20) return "a reserved address";
  return "";
}

}  // namespace

Result<WebhookUrlParts> ParseWebhookUrl(std::string_view url) {
  if (url.size() > kMaxUrlBytes) return BadUrl("longer than 2048 bytes");
  // parse_uri, not parse_absolute_uri: the same grammar but for the fragment, refused below with
  // a clearer message.
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return BadUrl("not an absolute URL");
  const boost::urls::url_view& u = *parsed;
  WebhookUrlParts parts;
  if (u.scheme_id() == boost::urls::scheme::https) {
    parts.tls = true;
  } else if (u.scheme_id() != boost::urls::scheme::http) {
    return BadUrl("the scheme must be http or https");
  }
  if (u.has_userinfo()) return BadUrl("user info (user:password@) is not allowed");
  if (u.has_fragment()) return BadUrl("a fragment (#...) is not allowed");
  if (!u.has_authority()) return BadUrl("no host");
  switch (u.host_type()) {
    case boost::urls::host_type::ipv4: parts.host = u.host_ipv4_address().to_string(); break;
    case boost::urls::host_type::ipv6: parts.host = u.host_ipv6_address().to_string(); break;
    case boost::urls::host_type::name: parts.host = u.host_name(); break;
    default: return BadUrl("no usable host");
  }
  if (parts.host.empty()) return BadUrl("no host");
  if (parts.host.find_first_of(std::string_view("\0 /\\%@", 6)) != std::string::npos)
    return BadUrl("a bad host name");
  if (u.has_port() && !u.port().empty()) {
    std::string_view port = u.port();
    if (port.size() > 5) return BadUrl("a bad port");
    uint32_t n = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return BadUrl("a bad port");
      n = n * 10 + static_cast<uint32_t>(c - '0');
    }
    if (n == 0 || n > 65535) return BadUrl("a bad port");
    parts.port = std::to_string(n);
  } else {
    parts.port = parts.tls ? "443" : "80";
  }
  parts.target = std::string(u.encoded_path());
  if (parts.target.empty()) parts.target = "/";
  // After an authority the path is empty or absolute; Boost.URL 1.81 reads "host:80x/" as port
  // 80 and path "x/".
  if (parts.target.front() != '/') return BadUrl("a bad port or path");
  if (u.has_query()) parts.target += "?" + std::string(u.encoded_query());
  return parts;
}

Status CheckDestinationAddress(std::string_view address) {
  std::string text(address);
  // A scoped IPv6 address ("fe80::1%eth0") is checked without its zone.
  std::string bare = text.substr(0, text.find('%'));
  std::array<uint8_t, 4> v4{};
  std::array<uint8_t, 16> v6{};
  std::string kind;
  if (::inet_pton(AF_INET, bare.c_str(), v4.data()) == 1) {
    kind = Ipv4Kind(v4);
  } else if (::inet_pton(AF_INET6, bare.c_str(), v6.data()) == 1) {
    kind = Ipv6Kind(v6);
  } else {
    return Status::InvalidArgument(text + " is not an IP address");
  }
  if (kind.empty()) return Status::Ok();
  return Status::InvalidArgument(text + " is " + kind);
}

Status CheckWebhookUrl(std::string_view url, bool allow_private) {
  ASSIGN_OR_RETURN(WebhookUrlParts parts, ParseWebhookUrl(url));
  if (allow_private) return Status::Ok();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(parts.host.c_str(), parts.port.c_str(), &hints, &found);
  if (rc != 0) {
    return Status::InvalidArgument("webhook url: cannot resolve " + parts.host + ": " +
                                   ::gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found, &::freeaddrinfo);
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    const void* src = nullptr;
    if (ai->ai_family == AF_INET) {
      src = &reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr;
    } else if (ai->ai_family == AF_INET6) {
      src = &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr;
    } else {
      continue;
    }
    if (::inet_ntop(ai->ai_family, src, buf, sizeof buf) == nullptr) continue;
    Status s = CheckDestinationAddress(buf);
    if (!s.ok()) return Status::InvalidArgument("webhook url: destination refused: " + s.message());
  }
  return Status::Ok();
}

}  // namespace opchat
