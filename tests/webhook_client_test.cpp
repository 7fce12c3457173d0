// The webhook client (http/webhook_client.hpp) against the Node receiver of
// tests/webhooks/receiver.mjs, started as a child process for each test.
#include "http/webhook_client.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "common/crypto.hpp"
#include "http_test_client.hpp"
#include "webhook_receiver.hpp"

namespace opchat::testing {
namespace {

using namespace std::chrono_literals;

using Receiver = WebhookReceiver;

std::unique_ptr<WebhookClient> NewClient(bool allow_private = true, std::string ca = "") {
  WebhookClientSettings s;
  s.allow_private = allow_private;
  s.extra_ca_file = std::move(ca);
  auto client = WebhookClient::Start(s);
  if (!client.ok()) throw std::runtime_error(client.status().message());
  return std::move(*client);
}

OutboundRequest Request(const std::string& url, std::chrono::milliseconds timeout = 5000ms) {
  OutboundRequest r;
  r.url = url;
  r.body = R"({"type":"test.ping","timestamp":"2026-01-01T00:00:00Z","data":{"chatId":"c1"}})";
  r.timeout = timeout;
  return r;
}

OutboundResponse SendAndWait(WebhookSender& client, OutboundRequest request) {
  auto answer = std::make_shared<std::promise<OutboundResponse>>();
  auto future = answer->get_future();
  client.Send(std::move(request),
              [answer](OutboundResponse r) { answer->set_value(std::move(r)); });
  if (future.wait_for(15s) != std::future_status::ready) {
    ADD_FAILURE() << "no answer within 15 s";
    return {};
  }
  return future.get();
}

// A port nobody listens on (bound, then released).
int UnusedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(WebhookClientTest, PostsTheRequestAndReadsTheAnswer) {
  // The secret of the Standard Webhooks examples; the signature is computed here as the spec says:
  // base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")).
  std::string key = "test-key-of-32-bytes-for-hmac-00";
  Receiver receiver({"--secret", "whsec_" + Base64(key)});
  auto client = NewClient();
  auto request = Request(receiver.Url("/opchat/hooks?platform=p1"));
  std::string id = "msg_" + RandomHex(8);
  std::string ts = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count());
  std::string to_sign = id + "." + ts + "." + request.body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size(), mac, &mac_len);
  request.headers = {
      {"webhook-id", id},
      {"webhook-timestamp", ts},
      {"webhook-signature", "v1," + Base64(std::string(reinterpret_cast<char*>(mac), mac_len))}};
  auto r = SendAndWait(*client, request);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body_head, R"({"ok":true})");
  EXPECT_GE(r.latency_ms, 0);
  EXPECT_LT(r.latency_ms, 5000);

  auto deliveries = receiver.Deliveries();
  ASSERT_EQ(deliveries.size(), 1u);
  auto& d = deliveries[0];
  EXPECT_EQ(d.at("path").as_string(), "/opchat/hooks");
  EXPECT_EQ(d.at("id").as_string(), id);
  EXPECT_EQ(d.at("type").as_string(), "test.ping");
  EXPECT_EQ(d.at("chatId").as_string(), "c1");
  EXPECT_EQ(d.at("bodyText").as_string(), request.body);
  ASSERT_EQ(d.at("verifiedWith").as_array().size(), 1u) << boost::json::serialize(d);
  auto& headers = d.at("headers").as_object();
  EXPECT_EQ(headers.at("content-type").as_string(), "application/json");
  EXPECT_EQ(headers.at("user-agent").as_string(), "opchat-webhooks/1");
  EXPECT_EQ(headers.at("host").as_string(), "127.0.0.1:" + std::to_string(receiver.port()));
  EXPECT_EQ(headers.at("content-length").as_string(), std::to_string(request.body.size()));
}

TEST(WebhookClientTest, AnErrorStatusIsAnAnswer) {
  Receiver receiver;
  receiver.SetRules(R"([{"match":{},"times":1,"action":"status:500"}])");
  auto client = NewClient();
  auto r = SendAndWait(*client, Request(receiver.Url()));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body_head, R"({"status":500})");
  r = SendAndWait(*client, Request(receiver.Url()));
  EXPECT_EQ(r.status, 200);
}

TEST(WebhookClientTest, AnInterimAnswerIsSkipped) {
  Receiver receiver;
  receiver.SetRules(R"([{"match":{},"times":1,"action":"early-hints"}])");
  auto client = NewClient();
  auto r = SendAndWait(*client, Request(receiver.Url()));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body_head, R"({"ok":true})");
  EXPECT_EQ(SendAndWait(*client, Request(receiver.Url())).status, 200);
  EXPECT_EQ(receiver.Stats().at("deliveryConnections").as_int64(), 1);
}

TEST(WebhookClientTest, ARedirectIsNotFollowed) {
  Receiver receiver;
  receiver.SetRules(R"([{"match":{},"action":"status:302"}])");
  auto client = NewClient();
  auto r = SendAndWait(*client, Request(receiver.Url()));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.status, 302);
  auto deliveries = receiver.Deliveries();
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].at("path").as_string(), "/hook");
}

TEST(WebhookClientTest, ASlowAnswerTimesOut) {
  Receiver receiver;
  receiver.SetRules(R"([{"match":{},"times":1,"action":"delay:3000"}])");
  auto client = NewClient();
  auto started = std::chrono::steady_clock::now();
  auto r = SendAndWait(*client, Request(receiver.Url(), 300ms));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.error, "timeout");
  EXPECT_LT(took, 1s);
  EXPECT_GE(r.latency_ms, 290);
  EXPECT_LT(r.latency_ms, 1000);
  // The client is fine afterwards.
  r = SendAndWait(*client, Request(receiver.Url(), 300ms));
  EXPECT_EQ(r.status, 200) << r.error;
}

TEST(WebhookClientTest, AConnectionClosedWithoutAnAnswerIsAnError) {
  Receiver receiver;
  receiver.SetRules(R"([{"match":{},"action":"close"}])");
  auto client = NewClient();
  auto r = SendAndWait(*client, Request(receiver.Url()));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.error, "connection closed before an answer");
}

TEST(WebhookClientTest, NobodyListening) {
  auto client = NewClient();
  auto r = SendAndWait(*client, Request("http://127.0.0.1:" + std::to_string(UnusedPort()) + "/"));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.error, "connection refused");
}

TEST(WebhookClientTest, BadUrlsAndNamesAreErrors) {
  auto client = NewClient();
  auto r = SendAndWait(*client, Request("ftp://127.0.0.1/"));
  EXPECT_EQ(r.error, "webhook url: the scheme must be http or https");
  r = SendAndWait(*client, Request("http://no-such-host.invalid/"));
  EXPECT_EQ(r.error.rfind("dns: ", 0), 0u) << r.error;
}

TEST(WebhookClientTest, KeepAliveConnectionsAreReused) {
  Receiver receiver;
  auto client = NewClient();
  for (int i = 0; i < 10; ++i) {
    auto r = SendAndWait(*client, Request(receiver.Url()));
    ASSERT_EQ(r.status, 200) << r.error;
  }
  auto stats = receiver.Stats();
  EXPECT_EQ(stats.at("requests").as_int64(), 10);
  EXPECT_EQ(stats.at("deliveryConnections").as_int64(), 1);
}

TEST(WebhookClientTest, AKeptConnectionTheServerClosedIsRetriedOnANewOne) {
  Receiver receiver;
  auto client = NewClient();
  ASSERT_EQ(SendAndWait(*client, Request(receiver.Url())).status, 200);
  // The receiver drops the next delivery's connection without an answer, once: the client sent
  // it on the kept connection and tries once more on a new one.
  receiver.SetRules(R"([{"match":{},"times":1,"action":"close"}])");
  auto r = SendAndWait(*client, Request(receiver.Url()));
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(receiver.Stats().at("deliveryConnections").as_int64(), 2);
}

TEST(WebhookClientTest, AnAnswerWithConnectionCloseIsNotKept) {
  Receiver receiver;
  receiver.SetRules(R"([{"match":{},"times":1,"action":"status:200:close"}])");
  auto client = NewClient();
  ASSERT_EQ(SendAndWait(*client, Request(receiver.Url())).status, 200);
  ASSERT_EQ(SendAndWait(*client, Request(receiver.Url())).status, 200);
  ASSERT_EQ(SendAndWait(*client, Request(receiver.Url())).status, 200);
  EXPECT_EQ(receiver.Stats().at("deliveryConnections").as_int64(), 2);
}

TEST(WebhookClientTest, OnlyTheHeadOfALongAnswerIsRead) {
  Receiver receiver;
  receiver.SetRules(R"([{"match":{},"times":1,"action":"body:5000"},)"
                    R"({"match":{},"times":1,"action":"body:1000000"}])");
  auto client = NewClient();
  auto r = SendAndWait(*client, Request(receiver.Url()));
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body_head, std::string(1024, 'x'));
  // A body past 64 KB is not read to its end: the connection is closed instead of kept.
  auto started = std::chrono::steady_clock::now();
  r = SendAndWait(*client, Request(receiver.Url()));
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body_head, std::string(1024, 'x'));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  r = SendAndWait(*client, Request(receiver.Url()));
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(receiver.Stats().at("deliveryConnections").as_int64(), 2);
}

TEST(WebhookClientTest, ConcurrentRequestsAreAllAnswered) {
  Receiver receiver;
  receiver.SetRules(R"([{"match":{},"action":"delay:100"}])");
  auto client = NewClient();
  constexpr int kRequests = 50;
  std::mutex mu;
  std::vector<OutboundResponse> answers;
  std::promise<void> all;
  for (int i = 0; i < kRequests; ++i) {
    client->Send(Request(receiver.Url()), [&](OutboundResponse r) {
      std::lock_guard lock(mu);
      answers.push_back(std::move(r));
      if (answers.size() == kRequests) all.set_value();
    });
  }
  ASSERT_EQ(all.get_future().wait_for(15s), std::future_status::ready);
  std::lock_guard lock(mu);
  for (const auto& r : answers) EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(receiver.Stats().at("requests").as_int64(), kRequests);
}

TEST(WebhookClientTest, PrivateDestinationsAreRefusedBeforeConnecting) {
  Receiver receiver;
  auto client = NewClient(/*allow_private=*/false);
  int64_t before = receiver.Stats().at("connections").as_int64();
  auto r = SendAndWait(*client, Request(receiver.Url()));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.error, "destination refused: 127.0.0.1 is a loopback address");
  r = SendAndWait(*client, Request(receiver.Url("/hook", "localhost")));
  EXPECT_EQ(r.error.rfind("destination refused: ", 0), 0u) << r.error;
  // Only the stats request itself connected since.
  EXPECT_EQ(receiver.Stats().at("connections").as_int64(), before + 1);
  EXPECT_EQ(receiver.Stats().at("requests").as_int64(), 0);
}

TEST(WebhookClientTest, StoppingAnswersEveryPendingRequestOnce) {
  Receiver receiver;
  receiver.SetRules(R"([{"match":{},"action":"delay:5000"}])");
  auto client = NewClient();
  std::atomic<int> calls{0};
  std::mutex mu;
  std::vector<std::string> errors;
  for (int i = 0; i < 3; ++i) {
    client->Send(Request(receiver.Url()), [&](OutboundResponse r) {
      ++calls;
      std::lock_guard lock(mu);
      errors.push_back(r.error);
    });
  }
  // Wait until the receiver holds all three.
  for (int i = 0; i < 100 && receiver.Stats().at("requests").as_int64() < 3; ++i)
    std::this_thread::sleep_for(20ms);
  auto started = std::chrono::steady_clock::now();
  client.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_EQ(calls.load(), 3);
  for (const auto& e : errors) EXPECT_EQ(e, "stopped");
}

// A test CA and two server certificates made with the openssl command line:
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2
//     -subj "/CN=opchat test CA" -addext basicConstraints=critical,CA:TRUE
//     -addext keyUsage=critical,keyCertSign,cRLSign -keyout ca.key -out ca.pem
//   openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=NAME"
//     -keyout NAME.key -out NAME.csr
//   openssl x509 -req -in NAME.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2
//     -extfile NAME.ext -out NAME.pem
// where localhost.ext holds "subjectAltName=DNS:localhost,IP:127.0.0.1" and wrong.ext
// "subjectAltName=DNS:wrong.example" (each with extendedKeyUsage=serverAuth).
class WebhookClientTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::filesystem::temp_directory_path() /
                           ("opchat-webhook-tls-" + RandomHex(6)));
    std::filesystem::create_directories(*dir_);
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    Run("openssl req -x509" + ec +
        " -days 2 -subj '/CN=opchat test CA' -addext basicConstraints=critical,CA:TRUE"
        " -addext keyUsage=critical,keyCertSign,cRLSign -keyout ca.key -out ca.pem");
    for (const auto& [name, san] : std::vector<std::pair<std::string, std::string>>{
             {"localhost", "DNS:localhost,IP:127.0.0.1"}, {"wrong", "DNS:wrong.example"}}) {
      std::ofstream(*dir_ + "/" + name + ".ext")
          << "subjectAltName=" << san << "\nextendedKeyUsage=serverAuth\n";
      Run("openssl req -new" + ec + " -subj '/CN=" + name + "' -keyout " + name + ".key -out " +
          name + ".csr");
      Run("openssl x509 -req -in " + name + ".csr -CA ca.pem -CAkey ca.key -CAcreateserial" +
          " -days 2 -extfile " + name + ".ext -out " + name + ".pem");
    }
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    std::filesystem::remove_all(*dir_, ec);
    delete dir_;
  }
  static void Run(const std::string& command) {
    std::string full = "cd '" + *dir_ + "' && " + command + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(full.c_str()), 0) << full;
  }
  static std::vector<std::string> ServerArgs(const std::string& name) {
    return {"--tls-cert", *dir_ + "/" + name + ".pem", "--tls-key", *dir_ + "/" + name + ".key"};
  }
  static std::string Ca() { return *dir_ + "/ca.pem"; }

  static std::string* dir_;
};
std::string* WebhookClientTlsTest::dir_ = nullptr;

TEST_F(WebhookClientTlsTest, AnUnknownAuthorityIsRefused) {
  Receiver receiver(ServerArgs("localhost"));
  auto client = NewClient();
  auto r = SendAndWait(*client, Request(receiver.Url("/hook", "localhost", true)));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.error.rfind("tls: ", 0), 0u) << r.error;
  EXPECT_NE(r.error.find("certificate"), std::string::npos) << r.error;
}

TEST_F(WebhookClientTlsTest, TheTestAuthorityIsTrustedWithExtraCaFile) {
  Receiver receiver(ServerArgs("localhost"));
  auto client = NewClient(true, Ca());
  auto r = SendAndWait(*client, Request(receiver.Url("/hook", "localhost", true)));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body_head, R"({"ok":true})");
  // An address literal is checked against the certificate's IP names; the connection is reused.
  r = SendAndWait(*client, Request(receiver.Url("/hook", "127.0.0.1", true)));
  EXPECT_EQ(r.status, 200) << r.error;
  r = SendAndWait(*client, Request(receiver.Url("/hook", "127.0.0.1", true)));
  EXPECT_EQ(r.status, 200) << r.error;
}

TEST_F(WebhookClientTlsTest, AnotherHostsCertificateIsRefused) {
  Receiver receiver(ServerArgs("wrong"));
  auto client = NewClient(true, Ca());
  auto r = SendAndWait(*client, Request(receiver.Url("/hook", "localhost", true)));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.error, "tls: certificate verify failed: hostname mismatch");
}

TEST_F(WebhookClientTlsTest, AMissingCaFileFailsTheStart) {
  WebhookClientSettings s;
  s.extra_ca_file = *dir_ + "/no-such.pem";
  auto client = WebhookClient::Start(s);
  EXPECT_FALSE(client.ok());
}

}  // namespace
}  // namespace opchat::testing
