// Several opchat instances on one PostgreSQL database, and a database outage under load.
// Needs the database of tests/pg_harness.sh (OPCHAT_TEST_PG_URL, OPCHAT_TEST_PG_CTL); without
// it these tests are not instantiated.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <regex>
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
        if (SendText(port, cred, chat, "t" + std::to_string(t) + "-" + std::to_string(i)).status ==
            200)
          ++ok;
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
      auto r =
          Call(server.port(), cred, "sendMessage",
               R"({"chatId":")" + chat + R"(","direction":"userToOperator","type":"txt","msg":")" +
                   id + R"(","userMessageId":")" + id + R"("})");
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
  // History readers meanwhile, several at once so that their pages are read in batches: each
  // read is answered, 200 or 503, also when its batch's statement fails (none may hang).
  std::atomic<int> reads_unavailable{0}, reads_other{0};
  std::string bad_read;
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!stop) {
        auto r = Call(server.port(), cred, "operatorToUserChatMessages",
                      R"({"chatId":")" + chat + R"(","pageNum":1,"pageSize":20})");
        if (r.status == 503 && r.Json().at("code") == 503) {
          ++reads_unavailable;
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        } else if (r.status != 200) {
          ++reads_other;
          bad_read = std::to_string(r.status) + " " + r.body;
        }
      }
    });
  }
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
  for (auto& t : readers) t.join();
  EXPECT_GT(reads_unavailable.load(), 0) << "history reads during the outage get 503";
  EXPECT_EQ(reads_other.load(), 0) << bad_read;
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
  for (const auto& id : acked)
    EXPECT_TRUE(stored_set.count(id)) << "lost acknowledged message " << id;
  EXPECT_EQ(stored_set.size(), stored.size());
}

// Starts the harness's PostgreSQL again when it leaves scope, so that a failed assertion in
// an outage test does not take the database from the tests after it.
class StoppedDatabase {
 public:
  explicit StoppedDatabase(std::string pg_ctl) : pg_ctl_(std::move(pg_ctl)) {
    stopped_ = std::system((pg_ctl_ + " stop -m fast >/dev/null 2>&1").c_str()) == 0;
  }
  ~StoppedDatabase() { Start(); }
  bool stopped() const { return stopped_; }
  bool Start() {
    if (!stopped_) return true;
    stopped_ = std::system((pg_ctl_ + " start -w >/dev/null 2>&1").c_str()) != 0;
    return !stopped_;
  }

 private:
  std::string pg_ctl_;
  bool stopped_ = false;
};

std::vector<std::string> LogLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A 10 s PostgreSQL stop under load once wrote 219,898 log lines (51 MB): a warning and a
// fresh connection attempt per failed request, each warning two lines long.
TEST_P(MultiInstanceTest, DatabaseOutageUnderLoadLogsAFewLinesAndRecoversQuickly) {
  const char* pg_ctl = std::getenv("OPCHAT_TEST_PG_CTL");
  ASSERT_NE(pg_ctl, nullptr) << "run under tests/pg_harness.sh";
  // No access log: it writes a line per request by design; what is measured is the rest.
  TestServer server("postgres", "", "access_log = false\n");
  Credential cred = server.AddClient();
  std::string chat = CreateChat(server.port(), cred);
  ASSERT_EQ(SendText(server.port(), cred, chat, "before").status, 200);
  const size_t lines_before = LogLines(server.log_path()).size();

  StoppedDatabase outage(pg_ctl);
  ASSERT_TRUE(outage.stopped());
  std::atomic<int> requests{0}, unavailable{0}, other{0};
  std::string other_body;
  std::mutex other_mu;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&] {
      while (std::chrono::steady_clock::now() < until) {
        auto r = SendText(server.port(), cred, chat, "during");
        ++requests;
        boost::json::error_code ec;
        auto doc = boost::json::parse(r.body, ec);
        if (r.status == 503 && !ec && doc.is_object() && doc.as_object().contains("code") &&
            doc.at("code") == 503) {
          ++unavailable;
        } else {
          ++other;
          std::lock_guard lock(other_mu);
          other_body = std::to_string(r.status) + " " + r.body;
        }
      }
    });
  }
  for (auto& t : senders) t.join();
  EXPECT_GT(requests.load(), 200) << "the outage was under load";
  EXPECT_EQ(unavailable.load(), requests.load()) << other_body;

  auto lines = LogLines(server.log_path());
  EXPECT_LT(lines.size() - lines_before, 100u)
      << lines.size() - lines_before << " lines for " << requests.load()
      << " requests; last: " << (lines.empty() ? "" : lines.back());
  const std::regex stamped(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:?\d{2} )");
  for (const auto& line : lines) {
    EXPECT_TRUE(std::regex_search(line, stamped)) << "every entry is one line: " << line;
  }

  // Back within about the longest backoff (1 s) once the database is.
  ASSERT_TRUE(outage.Start());
  auto back = std::chrono::steady_clock::now();
  int status = 0;
  while (status != 200 && std::chrono::steady_clock::now() - back < std::chrono::seconds(10)) {
    status = SendText(server.port(), cred, chat, "after").status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - back, std::chrono::milliseconds(2500));
  EXPECT_EQ(Get(server.port(), "/readyz").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Postgres, MultiInstanceTest, ::testing::ValuesIn(PostgresOnly()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat::testing
