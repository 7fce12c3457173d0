// The PostgreSQL event listener (Store::ListenForEvents) when its connection is lost: it
// connects again by itself and says "" once (announcements made meanwhile were missed), then
// hears announcements as before. Runs when OPCHAT_TEST_PG_URL names a server
// (tests/pg_harness.sh).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>

#include "storage/postgres/pg_conn.hpp"
#include "storage/store.hpp"
#include "storage/testing/postgres_url.hpp"

namespace opchat::postgres {
namespace {

class Heard {
 public:
  void Add(std::string_view channel) {
    std::lock_guard lock(mu_);
    channels_.emplace_back(channel);
    cv_.notify_all();
  }
  // Whether `channel` has been heard (now or within `timeout`).
  bool Wait(const std::string& channel, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      return std::find(channels_.begin(), channels_.end(), channel) != channels_.end();
    });
  }
  int64_t Count(const std::string& channel) {
    std::lock_guard lock(mu_);
    return std::count(channels_.begin(), channels_.end(), channel);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> channels_;
};

// Instantiated with the harness's database only (storage/testing/postgres_url.hpp).
class PgEventListenerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PgEventListenerTest, ReconnectsAfterLosingItsConnectionAndSaysSo) {
  auto store = OpenStore(GetParam());
  ASSERT_TRUE(store.ok()) << store.status().message();
  Heard heard;
  auto listener = (*store)->ListenForEvents([&](std::string_view ch) { heard.Add(ch); });
  ASSERT_TRUE(listener.ok()) << listener.status().message();
  ASSERT_TRUE((*store)->AnnounceEvents("before").ok());
  ASSERT_TRUE(heard.Wait("before", std::chrono::seconds(2)));

  // What a server restart or a network cut does to the listener's connection.
  auto admin = PgConn::Connect(GetParam());
  ASSERT_TRUE(admin.ok()) << admin.status().message();
  ASSERT_TRUE((*admin)
                  ->ExecScript("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                               " WHERE query = 'LISTEN opchat_events'")
                  .ok());
  EXPECT_TRUE(heard.Wait("", std::chrono::seconds(5))) << "no word of the reconnection";
  ASSERT_TRUE((*store)->AnnounceEvents("after").ok());
  EXPECT_TRUE(heard.Wait("after", std::chrono::seconds(2)));
  EXPECT_EQ(heard.Count(""), 1);
  listener->reset();
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PgEventListenerTest);
INSTANTIATE_TEST_SUITE_P(Postgres, PgEventListenerTest,
                         ::testing::ValuesIn(opchat::testing::PostgresTestUrls()));

}  // namespace
}  // namespace opchat::postgres
