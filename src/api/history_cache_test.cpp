// The history endpoint with a page cache (api/page_cache.hpp): Api::Handle over a real SQLite
// store, against the same Api without the cache.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "api/api.hpp"
#include "api/page_cache.hpp"
#include "api/testing/api_test_bed.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "storage/testing/failing_store.hpp"

namespace opchat {
namespace {

constexpr const char* kChannel = testing::ApiTestBed::kChannel;

class HistoryCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(
        bed_.Open(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    store_ = &bed_.store();
    const ApiSettings settings{"test-host", "400-000", 100, false};
    cached_ = std::make_unique<Api>(ApiDeps{.store = *store_,
                                            .verifier = bed_.verifier(),
                                            .media = media_,
                                            .ids = ids_,
                                            .settings = settings,
                                            .metrics = &metrics_,
                                            .page_cache = &cache_});
    uncached_ = std::make_unique<Api>(ApiDeps{*store_, bed_.verifier(), media_, ids_, settings});
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
    ApiResponse r = bed_.Call(api, "operatorToUserChatMessages", body);
    EXPECT_EQ(r.deferred, nullptr) << "an in-process store answers at once";
    return r;
  }

  // Asks both Apis, expects the same answer (but for what is written for each answer, should
  // the second come a second later: getUrl's deadline and token, the foot's time), and returns it.
  std::string Both(const std::string& body) {
    static const std::regex kPerAnswer(
        R"(e=\d{10}&token=ak:[A-Za-z0-9_=-]{28}|"operationTime":"[^"]*")");
    ApiResponse with = History(*cached_, body);
    ApiResponse without = History(*uncached_, body);
    EXPECT_EQ(with.status, without.status) << body;
    EXPECT_EQ(std::regex_replace(with.body, kPerAnswer, "…"),
              std::regex_replace(without.body, kPerAnswer, "…"))
        << body;
    return with.body;
  }

  testing::ApiTestBed bed_;
  Store* store_ = nullptr;
  QiniuUrlSigner media_{MediaSettings{"http://media.example.com", "ak", "sk", 3600, ""}};
  MessageIdGenerator ids_{1};
  Metrics metrics_{Api::EndpointNames()};
  PageCache cache_{1 << 20, &metrics_};
  std::unique_ptr<Api> cached_;
  std::unique_ptr<Api> uncached_;
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

TEST_F(HistoryCacheTest, AKeptPageIsAnsweredWithoutReadingItsMessages) {
  PutChat("c1", NowMillis() - 60'000, "u1", 25, "hello");
  FailingStore counting(*store_);  // fails nothing here: counts the messages read
  const ApiSettings settings{"test-host", "400-000", 100, false};
  Api api(ApiDeps{.store = counting,
                  .verifier = bed_.verifier(),
                  .media = media_,
                  .ids = ids_,
                  .settings = settings,
                  .page_cache = &cache_});
  const std::string page1 = R"({"chatId":"c1","pageNum":1,"pageSize":20})";
  const std::string first = History(api, page1).body;
  EXPECT_EQ(counting.messages_read(), 20);
  const std::string again = History(api, page1).body;
  EXPECT_EQ(counting.messages_read(), 20) << "the kept page was read again";
  EXPECT_NE(again.find("\"total\":25"), std::string::npos) << again;
  EXPECT_NE(again.find("hello 20"), std::string::npos) << again;
  // The chat itself is still read: a new message shows in the count of the kept page's answer.
  PutChat("c1", NowMillis() - 60'000, "u1", 1, "late");
  EXPECT_NE(History(api, page1).body.find("\"total\":26"), std::string::npos);
  EXPECT_EQ(counting.messages_read(), 20);
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
