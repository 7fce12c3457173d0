#include "webhooks/destination_policy.hpp"

#include <gtest/gtest.h>

namespace opchat {
namespace {

// The message CheckDestinationAddress gives, or "ok".
std::string Check(const std::string& address) {
  Status s = CheckDestinationAddress(address);
  if (s.ok()) return "ok";
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << address;
  return s.message();
}

TEST(DestinationAddressTest, RefusesEveryNonPublicIpv4Range) {
  EXPECT_EQ(Check("127.0.0.1"), "127.0.0.1 is a loopback address");
  EXPECT_EQ(Check("127.255.0.9"), "127.255.0.9 is a loopback address");
  EXPECT_EQ(Check("10.1.2.3"), "10.1.2.3 is a private address");
  EXPECT_EQ(Check("172.16.0.1"), "172.16.0.1 is a private address");
  EXPECT_EQ(Check("172.31.255.255"), "172.31.255.255 is a private address");
  EXPECT_EQ(Check("192.168.1.1"), "192.168.1.1 is a private address");
  EXPECT_EQ(Check("169.254.169.254"), "169.254.169.254 is a link-local address");
  EXPECT_EQ(Check("0.0.0.0"), "0.0.0.0 is an unspecified address");
  EXPECT_EQ(Check("0.1.2.3"), "0.1.2.3 is a reserved address");
  EXPECT_EQ(Check("224.0.0.1"), "224.0.0.1 is a multicast address");
  EXPECT_EQ(Check("239.255.255.250"), "239.255.255.250 is a multicast address");
  EXPECT_EQ(Check("255.255.255.255"), "255.255.255.255 is a broadcast address");
  EXPECT_EQ(Check("240.0.0.1"), "240.0.0.1 is a reserved address");
  EXPECT_EQ(Check("100.64.0.1"), "100.64.0.1 is a carrier-grade NAT address");
  EXPECT_EQ(Check("100.127.255.254"), "100.127.255.254 is a carrier-grade NAT address");
  EXPECT_EQ(Check("198.18.0.1"), "198.18.0.1 is a benchmarking address");
  EXPECT_EQ(Check("198.19.255.1"), "198.19.255.1 is a benchmarking address");
  EXPECT_EQ(Check("192.0.2.7"), "192.0.2.7 is a documentation address");
  EXPECT_EQ(Check("198.51.100.7"), "198.51.100.7 is a documentation address");
  EXPECT_EQ(Check("203.0.113.7"), "203.0.113.7 is a documentation address");
  EXPECT_EQ(Check("192.0.0.8"), "192.0.0.8 is a reserved address");
  EXPECT_EQ(Check("192.88.99.1"), "192.88.99.1 is a reserved address");
}

TEST(DestinationAddressTest, AcceptsPublicIpv4AtTheEdgesOfTheRanges) {
  for (const char* a :
       {"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.15.255.255", "172.32.0.0", "100.63.255.255",
        "100.128.0.0", "198.17.255.255", "198.20.0.0", "192.167.255.255", "192.169.0.0", "11.0.0.0",
        "223.255.255.255", "126.255.255.255", "128.0.0.0", "169.253.255.255"}) {
    EXPECT_EQ(Check(a), "ok") << a;
  }
}

TEST(DestinationAddressTest, RefusesEveryNonPublicIpv6Range) {
  EXPECT_EQ(Check("::1"), "::1 is a loopback address");
  EXPECT_EQ(Check("::"), ":: is an unspecified address");
  EXPECT_EQ(Check("fc00::1"), "fc00::1 is a private address");
  EXPECT_EQ(Check("fd12:3456::1"), "fd12:3456::1 is a private address");
  EXPECT_EQ(Check("fe80::1"), "fe80::1 is a link-local address");
  EXPECT_EQ(Check("fe80::1%eth0"), "fe80::1%eth0 is a link-local address");
  EXPECT_EQ(Check("febf::1"), "febf::1 is a link-local address");
  EXPECT_EQ(Check("ff02::1"), "ff02::1 is a multicast address");
  EXPECT_EQ(Check("2001:db8::1"), "2001:db8::1 is a documentation address");
  EXPECT_EQ(Check("3fff:abc::1"), "3fff:abc::1 is a documentation address");
  EXPECT_EQ(Check("2001::1"), "2001::1 is a reserved address");    // Teredo, 2001::/23
  EXPECT_EQ(Check("fec0::1"), "fec0::1 is a reserved address");    // site-local
  EXPECT_EQ(Check("100::1"), "100::1 is a reserved address");      // discard-only
  EXPECT_EQ(Check("::7f00:1"), "::7f00:1 is a reserved address");  // IPv4-compatible
  EXPECT_EQ(Check("64:ff9b:1::a00:1"), "64:ff9b:1::a00:1 is a private address");
}

TEST(DestinationAddressTest, RefusesIpv4FormsEmbeddedInIpv6) {
  EXPECT_EQ(Check("::ffff:127.0.0.1"),
            "::ffff:127.0.0.1 is a loopback address (IPv4-mapped 127.0.0.1)");
  EXPECT_EQ(Check("::ffff:7f00:1"), "::ffff:7f00:1 is a loopback address (IPv4-mapped 127.0.0.1)");
  EXPECT_EQ(Check("::ffff:10.0.0.1"),
            "::ffff:10.0.0.1 is a private address (IPv4-mapped 10.0.0.1)");
  EXPECT_EQ(Check("::ffff:169.254.169.254"),
            "::ffff:169.254.169.254 is a link-local address (IPv4-mapped 169.254.169.254)");
  EXPECT_EQ(Check("64:ff9b::192.168.0.1"),
            "64:ff9b::192.168.0.1 is a private address (NAT64 192.168.0.1)");
  EXPECT_EQ(Check("64:ff9b::7f00:1"), "64:ff9b::7f00:1 is a loopback address (NAT64 127.0.0.1)");
  EXPECT_EQ(Check("2002:c0a8:101::1"), "2002:c0a8:101::1 is a private address (6to4 192.168.1.1)");
  EXPECT_EQ(Check("2002:7f00:1::"), "2002:7f00:1:: is a loopback address (6to4 127.0.0.1)");
}

TEST(DestinationAddressTest, AcceptsPublicIpv6) {
  for (const char* a : {"2606:4700:4700::1111", "2001:4860:4860::8888", "2a00:1450:4001::1",
                        "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"}) {
    EXPECT_EQ(Check(a), "ok") << a;
  }
}

TEST(DestinationAddressTest, RefusesWhatIsNoAddress) {
  EXPECT_EQ(Check("localhost"), "localhost is not an IP address");
  EXPECT_EQ(Check(""), " is not an IP address");
  EXPECT_EQ(Check("1.2.3"), "1.2.3 is not an IP address");
}

WebhookUrlParts Parse(const std::string& url) {
  auto r = ParseWebhookUrl(url);
  EXPECT_TRUE(r.ok()) << url << ": " << r.status().message();
  return r.ok() ? *r : WebhookUrlParts{};
}

std::string ParseError(const std::string& url) {
  auto r = ParseWebhookUrl(url);
  if (r.ok()) return "ok";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(WebhookUrlTest, SplitsHttpAndHttps) {
  auto p = Parse("https://hooks.example.com/opchat/events?platform=a&x=1");
  EXPECT_TRUE(p.tls);
  EXPECT_EQ(p.host, "hooks.example.com");
  EXPECT_EQ(p.port, "443");
  EXPECT_EQ(p.target, "/opchat/events?platform=a&x=1");
  p = Parse("http://hooks.example.com");
  EXPECT_FALSE(p.tls);
  EXPECT_EQ(p.port, "80");
  EXPECT_EQ(p.target, "/");
  p = Parse("HTTP://hooks.example.com:8080?q=1");
  EXPECT_FALSE(p.tls);
  EXPECT_EQ(p.port, "8080");
  EXPECT_EQ(p.target, "/?q=1");
  p = Parse("https://hooks.example.com:/a%20b");
  EXPECT_EQ(p.port, "443");
  EXPECT_EQ(p.target, "/a%20b");
}

TEST(WebhookUrlTest, LiteralHosts) {
  auto p = Parse("http://127.0.0.1:9000/h");
  EXPECT_EQ(p.host, "127.0.0.1");
  EXPECT_EQ(p.port, "9000");
  p = Parse("https://[2001:db8::1]/h");
  EXPECT_EQ(p.host, "2001:db8::1");
  EXPECT_EQ(p.port, "443");
  p = Parse("http://[::1]:8443");
  EXPECT_EQ(p.host, "::1");
  EXPECT_EQ(p.port, "8443");
  EXPECT_EQ(p.target, "/");
}

TEST(WebhookUrlTest, RefusesWhatIsNoPlainHttpUrl) {
  EXPECT_EQ(ParseError("ftp://example.com/"), "webhook url: the scheme must be http or https");
  EXPECT_EQ(ParseError("file:///etc/passwd"), "webhook url: the scheme must be http or https");
  EXPECT_EQ(ParseError("gopher://example.com/"), "webhook url: the scheme must be http or https");
  EXPECT_EQ(ParseError("/relative/path"), "webhook url: not an absolute URL");
  EXPECT_EQ(ParseError("example.com/hook"), "webhook url: not an absolute URL");
  EXPECT_EQ(ParseError("http://user:pw@example.com/"),
            "webhook url: user info (user:password@) is not allowed");
  EXPECT_EQ(ParseError("http://user@example.com/"),
            "webhook url: user info (user:password@) is not allowed");
  EXPECT_EQ(ParseError("http://example.com/#frag"),
            "webhook url: a fragment (#...) is not allowed");
  EXPECT_EQ(ParseError("http://example.com/h#"), "webhook url: a fragment (#...) is not allowed");
  EXPECT_EQ(ParseError("http:///path"), "webhook url: no host");
  EXPECT_EQ(ParseError("http:/path"), "webhook url: no host");
  EXPECT_EQ(ParseError("http://example.com:0/"), "webhook url: a bad port");
  EXPECT_EQ(ParseError("http://example.com:65536/"), "webhook url: a bad port");
  EXPECT_EQ(ParseError("http://example.com:123456/"), "webhook url: a bad port");
  EXPECT_EQ(ParseError("http://example.com:80x/"), "webhook url: a bad port or path");
  EXPECT_EQ(ParseError("http://[v1.x]/"), "webhook url: no usable host");
  EXPECT_EQ(ParseError("http://exa%20mple.com/"), "webhook url: a bad host name");
  EXPECT_EQ(ParseError("https://example.com/" + std::string(2100, 'a')),
            "webhook url: longer than 2048 bytes");
  EXPECT_EQ(ParseError("https://example.com:65535/"), "ok");
}

TEST(WebhookUrlTest, CheckResolvesAndRefusesPrivateDestinations) {
  Status s = CheckWebhookUrl("http://127.0.0.1:8080/h", false);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "webhook url: destination refused: 127.0.0.1 is a loopback address");
  s = CheckWebhookUrl("http://[::1]/h", false);
  EXPECT_EQ(s.message(), "webhook url: destination refused: ::1 is a loopback address");
  s = CheckWebhookUrl("http://localhost/h", false);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("loopback"), std::string::npos) << s.message();
  EXPECT_TRUE(CheckWebhookUrl("http://127.0.0.1:8080/h", true).ok());
  EXPECT_TRUE(CheckWebhookUrl("https://8.8.8.8/h", false).ok());
  EXPECT_FALSE(CheckWebhookUrl("ftp://8.8.8.8/h", true).ok());
}

}  // namespace
}  // namespace opchat
