// The history endpoint with a page cache (api/page_cache.hpp): Api::Handle over a real SQLite
// store, against the same Api without the cache.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "api/api.hpp"
#include "api/page_cache.hpp"
#include "auth/client_registry.hpp"
#include "auth/query_signer.hpp"
#include "auth/replay_guard.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"

namespace opchat {
namespace {

constexpr char kChannel[] = "shop";
constexpr char kSecret[] = "history-cache-test-secret";

class HistoryCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(SetProcessTimeZone("Asia/Shanghai").ok());
    dir_ = std::filesystem::temp_directory_path() /
           ("opchat-history-cache-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    StoreOptions options;
    options.sqlite_synchronous = "normal";
    auto opened = OpenStore("sqlite:" + (dir_ / "history.db").string(), options);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->AddClient({"tester", "tester", kSecret, true, {kChannel}, 0}).ok());
    clients_ = std::make_unique<ClientRegistry>(*store_);
    ASSERT_TRUE(clients_->Refresh().ok());
    verifier_ = std::make_unique<RequestVerifier>(*clients_, replay_, AuthSettings{});
    const ApiSettings settings{"test-host", "400-000", 100, false};
    cached_ = std::make_unique<Api>(ApiDeps{.store = *store_,
                                            .verifier = *verifier_,
                                            .media = media_,
                                            .ids = ids_,
                                            .settings = settings,
                                            .metrics = &metrics_,
                                            .page_cache = &cache_});
    uncached_ = std::make_unique<Api>(ApiDeps{*store_, *verifier_, media_, ids_, settings});
  }

  void TearDown() override {
    cached_.reset();
    uncached_.reset();
    verifier_.reset();
    clients_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Chat `id` of kChannel created at `created_ms` by `user`, with `count` messages "<word> i",
  // every seventh an image.
  void PutChat(const std::string& id, int64_t created_ms, const std::string& user, int count,
               const std::string& word) {
    std::vector<ImportRecord> records;
    for (int i = 1; i <= count; ++i) {
      ImportRecord r;
      r.chat.id = id;
      r.chat.channel = kChannel;
      r.chat.user_id = user;
      r.chat.operator_id = "kf_1";
      r.chat.status = ChatStatus::kChatting;
      r.chat.created_ms = r.chat.updated_ms = created_ms;
      r.message.user_message_id = word + std::to_string(i);
      r.message.from = user;
      r.message.to = "kf_1";
      r.message.create_ms = created_ms + i;
      if (i % 7 == 0) {
        r.message.type = "img";
        r.message.key = "chat/" + word + std::to_string(i) + ".jpg";
      } else {
        r.message.type = "txt";
        r.message.msg = word + " " + std::to_string(i);
      }
      records.push_back(std::move(r));
    }
    auto counts = store_->Import(records, {.events = false});
    ASSERT_TRUE(counts.ok()) << counts.status().message();
    ASSERT_EQ(counts->inserted, count);
  }

  ApiResponse History(Api& api, const std::string& body) {
    const std::string path = "/op/v2/operatorToUserChatMessages";
    QuerySigning signing{
        "tester",
        kSecret,
        kChannel,
        SignMethod::kHmacSha256,
        {"POST", path},
        {{"timestamp", std::to_string(NowMillis())}, {"nonce", "n" + std::to_string(++nonce_)}}};
    ApiResponse r = api.Handle(
        {"POST", path + "?" + SignedQueryString(signing, body), "application/json", body});
    EXPECT_EQ(r.deferred, nullptr) << "an in-process store answers at once";
    return r;
  }

  // Asks both Apis, expects the same answer, and returns it.
  std::string Both(const std::string& body) {
    ApiResponse with = History(*cached_, body);
    ApiResponse without = History(*uncached_, body);
    EXPECT_EQ(with.status, without.status) << body;
    EXPECT_EQ(with.body, without.body) << body;
    return with.body;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ClientRegistry> clients_;
  ReplayGuard replay_;
  std::unique_ptr<RequestVerifier> verifier_;
  QiniuUrlSigner media_{MediaSettings{"http://media.example.com", "ak", "sk", 3600, ""}};
  MessageIdGenerator ids_{1};
  Metrics metrics_{Api::EndpointNames()};
  PageCache cache_{1 << 20, &metrics_};
  std::unique_ptr<Api> cached_;
  std::unique_ptr<Api> uncached_;
  int nonce_ = 0;
};

TEST_F(HistoryCacheTest, EveryKindOfPageAnswersAsWithoutTheCache) {
  PutChat("c1", NowMillis() - 60'000, "u1", 47, "hello");
  for (int round = 0; round < 2; ++round) {  // the second round from the cache where it may
    for (const char* body : {
             R"({"chatId":"c1","pageNum":1,"pageSize":20})",
             R"({"chatId":"c1","pageNum":2,"pageSize":20})",
             R"({"chatId":"c1","pageNum":3,"pageSize":20})",    // 7 messages: not full
             R"({"chatId":"c1","pageNum":9,"pageSize":20})",    // past the end
             R"({"chatId":"c1","pageNum":2,"pageSize":7})",     // another size, another page
             R"({"chatId":"c1","afterSeq":20,"pageSize":20})",  // page 2 by position
             R"({"chatId":"c1","afterSeq":40,"pageSize":20})",  // not full
             R"({"chatId":"c1","pageNum":1,"pageSize":20,"order":"desc"})",
             R"({"chatId":"missing","pageNum":1,"pageSize":20})",
         }) {
      Both(body);
    }
  }
  // Kept: pages 1 and 2 of 20, page 2 of 7 (page 2 by position is page 2's entry).
  EXPECT_EQ(cache_.entries(), 3u);
  const std::string text = metrics_.Render();
  EXPECT_NE(text.find("opchat_page_cache_lookups_total{outcome=\"hit\"} 5\n"), std::string::npos)
      << text;
}

TEST_F(HistoryCacheTest, AChatDeletedAndCreatedAgainUnderItsIdIsNotAnsweredFromTheOld) {
  const int64_t old_time = NowMillis() - 60'000;
  PutChat("c1", old_time, "u1", 20, "old");
  const std::string page1 = R"({"chatId":"c1","pageNum":1,"pageSize":20})";
  EXPECT_NE(Both(page1).find("old 1"), std::string::npos);
  ASSERT_EQ(cache_.entries(), 1u);

  // Retention takes the whole chat; the same id comes back, created later, with other messages.
  ASSERT_EQ(*store_->DeleteInactiveChats(kChannel, NowMillis() + 1, 100), 1);
  PutChat("c1", old_time + 1000, "u1", 20, "new");
  std::string answer = Both(page1);
  EXPECT_NE(answer.find("new 1"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("old 1"), std::string::npos) << answer;
  // ... and the same id, at the same time, for another user.
  ASSERT_EQ(*store_->DeleteInactiveChats(kChannel, NowMillis() + 1, 100), 1);
  PutChat("c1", old_time + 1000, "u2", 20, "third");
  answer = Both(page1);
  EXPECT_NE(answer.find("third 1"), std::string::npos) << answer;
  // The new chat's page is kept in the old one's place.
  EXPECT_EQ(cache_.entries(), 1u);
  EXPECT_NE(History(*cached_, page1).body.find("third 1"), std::string::npos);
}

TEST_F(HistoryCacheTest, AChatThatWentIsNotFoundEvenWithItsPageKept) {
  PutChat("c1", NowMillis() - 60'000, "u1", 20, "old");
  const std::string page1 = R"({"chatId":"c1","pageNum":1,"pageSize":20})";
  Both(page1);
  ASSERT_EQ(*store_->DeleteInactiveChats(kChannel, NowMillis() + 1, 100), 1);
  EXPECT_EQ(History(*cached_, page1).status, 404);
}

}  // namespace
}  // namespace opchat
