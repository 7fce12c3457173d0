// Limits and operations over real sockets: rate limiting, connection limit, slow clients,
// metrics, graceful shutdown.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstring>
#include <thread>

#include "test_server.hpp"

namespace opchat::testing {
namespace {

TEST(LimitsTest, RateLimitAnswers429WithRetryAfter) {
  TestServer server("sqlite", "[limits]\nrate_per_client = 2\nrate_burst = 3\n");
  Credential cred = server.AddClient();
  int ok = 0, limited = 0;
  HttpResponse last;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 8; ++i) {
    auto r = Call(server.port(), cred, "chats", "{}");
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      last = r;
    }
  }
  // The burst, plus what refilled while the loop ran (slow under sanitizers).
  const double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LE(ok, 3 + static_cast<int>(elapsed_s * 2) + 1);
  EXPECT_GE(limited, 1);
  ASSERT_EQ(last.status, 429);
  EXPECT_EQ(last.Json().at("code"), 429);
  EXPECT_GE(std::stoi(last.headers.at("retry-after")), 1);
  Credential other = server.AddClient();
  EXPECT_EQ(Call(server.port(), other, "chats", "{}").status, 200) << "limits are per client";
}

TEST(LimitsTest, ConnectionsOverTheLimitGetA503AndOthersAreServed) {
  TestServer server("sqlite", "[limits]\nmax_connections = 4\n");
  std::vector<int> held;
  for (int i = 0; i < 4; ++i) held.push_back(ConnectLoopback(server.port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto refused = Get(server.port(), "/healthz");
  EXPECT_EQ(refused.status, 503);
  for (int fd : held) ::close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Get(server.port(), "/healthz").status, 200);
}

TEST(LimitsTest, SlowLorisIsCutOffAndDoesNotStarveOthers) {
  TestServer server("sqlite", "[limits]\nread_timeout_s = 1\nidle_timeout_s = 1\n");
  int slow = ConnectLoopback(server.port());
  ASSERT_GE(slow, 0);
  const char* partial = "POST /op/v2/chats HTTP/1.1\r\nHost: x\r\n";
  ::send(slow, partial, strlen(partial), MSG_NOSIGNAL);
  // Meanwhile, others are served.
  EXPECT_EQ(Get(server.port(), "/healthz").status, 200);
  // The slow client trickles a byte now and then; the server closes it at the read timeout.
  auto start = std::chrono::steady_clock::now();
  bool closed = false;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
    if (::send(slow, "X", 1, MSG_NOSIGNAL) < 0) {
      closed = true;
      break;
    }
    char buf[16];
    timeval tv{0, 300000};
    ::setsockopt(slow, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::recv(slow, buf, sizeof buf, 0) == 0) {
      closed = true;
      break;
    }
  }
  ::close(slow);
  EXPECT_TRUE(closed) << "a trickling client must be cut off at the read timeout";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  // An idle keep-alive connection is closed at the idle timeout.
  int idle = ConnectLoopback(server.port());
  char buf[16];
  timeval tv{3, 0};
  ::setsockopt(idle, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  EXPECT_EQ(::recv(idle, buf, sizeof buf, 0), 0) << "closed by the server";
  ::close(idle);
}

// The value of one metrics line ("name{labels} value"), 0 when absent.
int64_t MetricValue(int port, const std::string& series) {
  std::string body = Get(port, "/metrics").body;
  size_t at = body.find(series + " ");
  return at == std::string::npos ? 0 : std::stoll(body.substr(at + series.size() + 1));
}

TEST(LimitsTest, MetricsCountRequestsByEndpointAndCode) {
  TestServer server("sqlite");
  Credential cred = server.AddClient();
  const std::string ok_series = "opchat_requests_total{endpoint=\"chats\",code=\"200\"}";
  const std::string denied_series = "opchat_requests_total{endpoint=\"chats\",code=\"401\"}";
  int64_t ok_before = MetricValue(server.port(), ok_series);
  int64_t denied_before = MetricValue(server.port(), denied_series);
  ASSERT_EQ(Call(server.port(), cred, "chats", "{}").status, 200);
  Post(server.port(), "/op/v2/chats", "{}");  // unsigned: 401
  EXPECT_EQ(MetricValue(server.port(), ok_series), ok_before + 1);
  EXPECT_EQ(MetricValue(server.port(), denied_series), denied_before + 1);
  auto r = Get(server.port(), "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("opchat_request_duration_seconds_bucket{endpoint=\"chats\""),
            std::string::npos);
  EXPECT_NE(r.body.find("opchat_connections "), std::string::npos);
  EXPECT_NE(r.body.find("opchat_requests_in_flight "), std::string::npos);
  EXPECT_GT(MetricValue(server.port(), "opchat_storage_duration_seconds_count"), 0)
      << "storage calls are timed";
}

TEST(LimitsTest, SigtermFinishesTheRequestInFlightThenExits) {
  TestServer server("sqlite");
  Credential cred = server.AddClient();
  std::string chat = CreateChat(server.port(), cred);
  std::string body =
      R"({"chatId":")" + chat + R"(","direction":"userToOperator","type":"txt","msg":"in flight"})";
  std::string target =
      "/op/v2/sendMessage?" + SignedQuery(cred, body, FreshStamp(), "md5", "sendMessage");
  int fd = ConnectLoopback(server.port());
  ASSERT_GE(fd, 0);
  std::string head = "POST " + target +
                     " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n";
  ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ::kill(server.pid(), SIGTERM);  // the request is half sent
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Get(server.port(), "/healthz").status, 0) << "no new connections once stopping";
  ASSERT_EQ(::send(fd, body.data(), body.size(), MSG_NOSIGNAL), static_cast<ssize_t>(body.size()));
  std::string answer;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) answer.append(buf, static_cast<size_t>(n));
  ::close(fd);
  EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 200") << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << "and the connection is closed";
  server.Stop();  // waits for the exit
  ASSERT_TRUE(WIFEXITED(server.last_exit_status()));
  EXPECT_EQ(WEXITSTATUS(server.last_exit_status()), 0);
  server.Start();
  auto h = Call(server.port(), cred, "chatInfo", R"({"chatId":")" + chat + R"("})");
  EXPECT_EQ(h.Json().at("data").at("messageCount"), 1) << "the drained request was stored";
}

TEST(LimitsTest, SigtermExitsCleanly) {
  TestServer server("sqlite");
  server.Stop();
  ASSERT_TRUE(WIFEXITED(server.last_exit_status()));
  EXPECT_EQ(WEXITSTATUS(server.last_exit_status()), 0);
}

// A supervisor that repeats SIGTERM while the server is stopping (closing its store, say)
// must still see a clean exit, not a process killed halfway.
TEST(LimitsTest, RepeatedSigtermsStillExitCleanly) {
  for (int round = 0; round < 5; ++round) {
    TestServer server("sqlite");
    Credential cred = server.AddClient();
    ASSERT_EQ(SendText(server.port(), cred, CreateChat(server.port(), cred), "hello").status, 200);
    server.StopWithRepeatedSignals(std::chrono::milliseconds(1));
    ASSERT_TRUE(WIFEXITED(server.last_exit_status()))
        << "round " << round << ": killed by signal " << WTERMSIG(server.last_exit_status());
    EXPECT_EQ(WEXITSTATUS(server.last_exit_status()), 0);
  }
}

}  // namespace
}  // namespace opchat::testing
