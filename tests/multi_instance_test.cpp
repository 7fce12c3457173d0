// Several opchat instances on one PostgreSQL database, and a database outage under load.
// Needs the database of tests/pg_harness.sh (OPCHAT_TEST_PG_URL, OPCHAT_TEST_PG_CTL); without
// it these tests are not instantiated.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <set>
#include <thread>

#include "test_server.hpp"

namespace opchat::testing {
namespace {

class MultiInstanceTest : public ::testing::TestWithParam<std::string> {};
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(MultiInstanceTest);

TEST_P(MultiInstanceTest, TwoInstancesShareOneDatabase) {
  TestServer a("postgres"), b("postgres");
  Credential cred = a.AddClient();
  // b learns of the client through the database within a second.
  HttpResponse probe;
  for (int i = 0; i < 40 && probe.status != 200; ++i) {
    probe = Call(b.port(), cred, "chats", "{}");
    if (probe.status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(probe.status, 200) << probe.body;

  std::string chat = CreateChat(a.port(), cred);
  ASSERT_EQ(SendText(a.port(), cred, chat, "via-a").status, 200);
  auto seen_by_b = AllMessages(b.port(), cred, chat);
  ASSERT_EQ(seen_by_b.size(), 1u) << "written through a, immediately readable through b";
  EXPECT_EQ(seen_by_b[0].at("msg"), "via-a");

  // Concurrent sends to the same chat through both instances.
  constexpr int kEach = 30;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      int port = t % 2 ? b.port() : a.port();
      for (int i = 0; i < kEach; ++i) {
        if (SendText(port, cred, chat, "t" + std::to_string(t) + "-" + std::to_string(i)).status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(ok.load(), 4 * kEach);
  auto all = AllMessages(b.port(), cred, chat);
  ASSERT_EQ(all.size(), static_cast<size_t>(4 * kEach + 1));
  std::set<std::string> texts, ids;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].at("seq"), static_cast<int64_t>(i + 1)) << "dense, gap-free";
    texts.insert(std::string(all[i].at("msg").as_string()));
    ids.insert(std::string(all[i].at("userMessageId").as_string()));
  }
  EXPECT_EQ(texts.size(), all.size()) << "no duplicates";
  EXPECT_EQ(ids.size(), all.size()) << "unique ids across instances";
  EXPECT_EQ(AllMessages(a.port(), cred, chat).size(), all.size());
}

TEST_P(MultiInstanceTest, DatabaseRestartUnderLoadGives503ThenRecoversWithoutLoss) {
  const char* pg_ctl = std::getenv("OPCHAT_TEST_PG_CTL");
  ASSERT_NE(pg_ctl, nullptr) << "run under tests/pg_harness.sh";
  TestServer server("postgres");
  Credential cred = server.AddClient();
  std::string chat = CreateChat(server.port(), cred);

  std::vector<std::string> acked;
  std::atomic<int> unavailable{0}, other_errors{0};
  std::atomic<bool> stop{false};
  std::string bad_body;
  std::thread sender([&] {
    for (int i = 0; !stop; ++i) {
      std::string id = "out-" + std::to_string(i);
      auto r = Call(server.port(), cred, "sendMessage",
                    R"({"chatId":")" + chat + R"(","direction":"userToOperator","type":"txt","msg":")" + id +
                        R"(","userMessageId":")" + id + R"("})");
      if (r.status == 200) {
        acked.push_back(id);
      } else if (r.status == 503 && r.Json().at("code") == 503) {
        ++unavailable;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      } else {
        ++other_errors;
        bad_body = r.body;
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  ASSERT_EQ(std::system((std::string(pg_ctl) + " stop -m fast >/dev/null 2>&1").c_str()), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto ready = Get(server.port(), "/readyz");
  EXPECT_EQ(ready.status, 503) << "not ready while the database is down";
  ASSERT_EQ(std::system((std::string(pg_ctl) + " start -w >/dev/null 2>&1").c_str()), 0);
  // Recovers by itself: acknowledged sends resume.
  size_t before = acked.size();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (acked.size() < before + 20 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop = true;
  sender.join();
  EXPECT_GT(unavailable.load(), 0) << "requests during the outage get 503";
  EXPECT_EQ(other_errors.load(), 0) << bad_body;
  EXPECT_GE(acked.size(), before + 20) << "sends resume after the database returns";
  EXPECT_EQ(Get(server.port(), "/readyz").status, 200);

  // Every acknowledged message is there, once.
  std::vector<std::string> stored;
  for (auto& m : AllMessages(server.port(), cred, chat)) {
    stored.push_back(std::string(m.at("userMessageId").as_string()));
  }
  std::set<std::string> stored_set(stored.begin(), stored.end());
  for (const auto& id : acked) EXPECT_TRUE(stored_set.count(id)) << "lost acknowledged message " << id;
  EXPECT_EQ(stored_set.size(), stored.size());
}

INSTANTIATE_TEST_SUITE_P(Postgres, MultiInstanceTest, ::testing::ValuesIn(PostgresOnly()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat::testing
