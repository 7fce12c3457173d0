// An acknowledged write survives kill -9: several clients send, the server is killed with
// SIGKILL mid-stream, and after a restart every acknowledged message is there, in order,
// at dense positions. On every back end.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "test_server.hpp"

namespace opchat::testing {
namespace {

class DurabilityTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DurabilityTest, AcknowledgedMessagesSurviveSigkill) {
  TestServer server(GetParam());
  Credential cred = server.AddClient();
  constexpr int kClients = 6;
  std::vector<std::string> chats;
  for (int i = 0; i < kClients; ++i) chats.push_back(CreateChat(server.port(), cred));

  std::vector<std::vector<std::string>> acked(kClients);  // per client: acknowledged ids in order
  std::atomic<bool> stop{false};
  std::vector<std::thread> senders;
  for (int c = 0; c < kClients; ++c) {
    senders.emplace_back([&, c] {
      for (int i = 0; !stop && i < 100000; ++i) {
        std::string id = "c" + std::to_string(c) + "-" + std::to_string(i);
        auto r = Call(server.port(), cred, "sendMessage",
                      R"({"chatId":")" + chats[c] +
                          R"(","direction":"userToOperator","type":"txt","msg":")" + id +
                          R"(","userMessageId":")" + id + R"("})");
        if (r.status == 200) {
          acked[c].push_back(id);
        } else {
          return;  // the server is gone
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  server.Kill();
  stop = true;
  for (auto& t : senders) t.join();

  server.Start();
  size_t total_acked = 0;
  for (int c = 0; c < kClients; ++c) {
    auto msgs = AllMessages(server.port(), cred, chats[c]);
    total_acked += acked[c].size();
    // Everything acknowledged is there, in order; at most the one in-flight unacknowledged
    // send may have landed after them.
    ASSERT_GE(msgs.size(), acked[c].size());
    ASSERT_LE(msgs.size(), acked[c].size() + 1);
    for (size_t i = 0; i < msgs.size(); ++i) {
      EXPECT_EQ(msgs[i].at("seq"), static_cast<int64_t>(i + 1)) << "dense positions";
      if (i < acked[c].size()) {
        EXPECT_EQ(msgs[i].at("userMessageId"), boost::json::value(acked[c][i]));
      }
    }
  }
  EXPECT_GT(total_acked, 50u) << "the test must have sent a real stream";
}

INSTANTIATE_TEST_SUITE_P(BackEnds, DurabilityTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat::testing
