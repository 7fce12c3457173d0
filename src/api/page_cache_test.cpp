#include "api/page_cache.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "common/metrics.hpp"

namespace opchat {
namespace {

MediaSettings Bench() {
  return {"http://media.example.com", "bench-access-key", "bench-secret-key", 3600,
          "imageView2/1/w/200/h/200"};
}

Chat ChatOf(std::string id, int64_t messages) {
  Chat chat;
  chat.id = std::move(id);
  chat.channel = "shop";
  chat.user_id = "u1";
  chat.created_ms = 1700000000000;
  chat.message_count = messages;
  return chat;
}

Message Text(int64_t seq) {
  Message m;
  m.seq = seq;
  m.user_message_id = "m" + std::to_string(seq);
  m.from = "u1";
  m.to = "kf_1";
  m.type = "txt";
  m.msg = "hello \"" + std::to_string(seq) + "\"";
  m.create_ms = 1700000000000 + seq;
  return m;
}

Message Image(int64_t seq) {
  Message m = Text(seq);
  m.type = "img";
  m.msg.reset();
  m.key = "chat/a b.jpg";
  return m;
}

// A page of `messages` with `size` bytes of text each: what the cache's sizes are made of.
std::shared_ptr<const CachedPage> PageOfBytes(size_t size) {
  auto page = std::make_shared<CachedPage>();
  page->json.assign(size, 'x');
  return page;
}

PageKey Key(std::string_view chat_id, int64_t offset = 0) { return {"shop", chat_id, offset, 20}; }

TEST(PageCacheTest, ACachedPageSignedLaterIsWhatWriteMessageWritesThen) {
  const QiniuUrlSigner signer(Bench());
  const ChannelMedia media = signer.ForChannel("shop");
  const std::vector<Message> page = {Text(1), Image(2), Text(3), Image(4)};
  CachedPageBuilder builder(ChatOf("c1", 4));
  for (const Message& m : page) builder.Add(ViewOf(m));
  auto cached = std::move(builder).Finish();
  ASSERT_EQ(cached->urls.size(), 2u);

  for (int64_t now_s : {int64_t{1700000000}, int64_t{1700007200}}) {
    std::string direct;
    JsonWriter w(direct);
    for (const Message& m : page) WriteMessage(w, m, media, now_s);
    std::string served;
    AppendSignedPage(served, *cached, media, now_s);
    EXPECT_EQ(served, direct) << now_s;
  }
  // Signed for the answer's own time, not the time the page was kept. Vectors:
  // U='http://media.example.com/chat/a%20b.jpg?imageView2/1/w/200/h/200&e=1700010800'
  // printf '%s' "$U" | openssl dgst -sha1 -hmac bench-secret-key -binary | base64 | tr '+/' '-_'
  std::string later;
  AppendSignedPage(later, *cached, media, 1700007200);
  EXPECT_NE(later.find("\"getUrl\":\"http://media.example.com/chat/a%20b.jpg?imageView2/1/w/200/"
                       "h/200&e=1700010800&token=bench-access-key:a4dpJd94kaUsLk8Wx8VDPA07b-4=\""),
            std::string::npos)
      << later;
  EXPECT_EQ(later.find("e=1700003600"), std::string::npos) << later;
}

TEST(PageCacheTest, AMediaUrlTheChannelMayNotSignStaysNull) {
  MediaSettings settings = Bench();
  settings.channel_key_prefixes["shop"] = {"other/"};
  const QiniuUrlSigner signer(settings);
  CachedPageBuilder builder(ChatOf("c1", 1));
  builder.Add(ViewOf(Image(1)));
  auto cached = std::move(builder).Finish();
  std::string served;
  AppendSignedPage(served, *cached, signer.ForChannel("shop"), 1700000000);
  EXPECT_NE(served.find("\"getUrl\":null"), std::string::npos) << served;
}

TEST(PageCacheTest, AnEntryAnswersOnlyItsOwnChatStillHoldingThePage) {
  CachedPageBuilder builder(ChatOf("c1", 40));
  auto cached = std::move(builder).Finish();
  const PageKey second_page = Key("c1", 20);
  EXPECT_TRUE(cached->Answers(ChatOf("c1", 40), second_page));
  EXPECT_TRUE(cached->Answers(ChatOf("c1", 41), second_page)) << "later messages leave it";
  EXPECT_FALSE(cached->Answers(ChatOf("c1", 39), second_page)) << "no longer full";
  Chat recreated = ChatOf("c1", 40);
  recreated.created_ms += 1;
  EXPECT_FALSE(cached->Answers(recreated, second_page)) << "another chat of the same id";
  Chat other_user = ChatOf("c1", 40);
  other_user.user_id = "u2";
  EXPECT_FALSE(cached->Answers(other_user, second_page)) << "another chat of the same id";
}

TEST(PageCacheTest, TheLeastRecentlyUsedGoFirstAndTheBytesStayBounded) {
  const size_t entry = PageOfBytes(1000)->bytes();
  PageCache cache(3 * entry);
  cache.Insert(Key("a"), PageOfBytes(1000));
  cache.Insert(Key("b"), PageOfBytes(1000));
  cache.Insert(Key("c"), PageOfBytes(1000));
  EXPECT_EQ(cache.bytes(), 3 * entry);
  ASSERT_NE(cache.Find(Key("a")), nullptr);  // a is now the most recently used
  cache.Insert(Key("d"), PageOfBytes(1000));
  EXPECT_EQ(cache.entries(), 3u);
  EXPECT_EQ(cache.Find(Key("b")), nullptr) << "b was the least recently used";
  EXPECT_NE(cache.Find(Key("a")), nullptr);
  EXPECT_NE(cache.Find(Key("c")), nullptr);
  EXPECT_NE(cache.Find(Key("d")), nullptr);
  EXPECT_LE(cache.bytes(), 3 * entry);
}

TEST(PageCacheTest, InsertReplacesEraseDropsAndAPageLargerThanTheCacheIsNotKept) {
  PageCache cache(10000);
  cache.Insert(Key("a"), PageOfBytes(100));
  auto replacement = PageOfBytes(200);
  cache.Insert(Key("a"), replacement);
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.Find(Key("a")), replacement);
  EXPECT_EQ(cache.bytes(), replacement->bytes());
  cache.Erase(Key("a"));
  cache.Erase(Key("never there"));
  EXPECT_EQ(cache.Find(Key("a")), nullptr);
  EXPECT_EQ(cache.bytes(), 0u);
  cache.Insert(Key("huge"), PageOfBytes(20000));
  EXPECT_EQ(cache.entries(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(PageCacheTest, KeysOfDifferentPagesNeverMeet) {
  PageCache cache(1 << 20);
  auto page = PageOfBytes(10);
  cache.Insert(PageKey{"ab", "c", 0, 20}, page);
  EXPECT_EQ(cache.Find(PageKey{"a", "bc", 0, 20}), nullptr) << "channel and chat id run together";
  EXPECT_EQ(cache.Find(PageKey{"ab", "c", 20, 20}), nullptr) << "another page";
  EXPECT_EQ(cache.Find(PageKey{"ab", "c", 0, 10}), nullptr) << "another page size";
  EXPECT_EQ(cache.Find(PageKey{"ab", "c", 0, 20}), page);
}

TEST(PageCacheTest, MetricsCountHitsAndMissesAndShowTheBytesHeld) {
  Metrics metrics({"operatorToUserChatMessages"});
  PageCache cache(1 << 20, &metrics);
  EXPECT_EQ(cache.Find(Key("a")), nullptr);
  auto page = PageOfBytes(500);
  cache.Insert(Key("a"), page);
  EXPECT_NE(cache.Find(Key("a")), nullptr);
  EXPECT_NE(cache.Find(Key("a")), nullptr);
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("opchat_page_cache_lookups_total{outcome=\"hit\"} 2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("opchat_page_cache_lookups_total{outcome=\"miss\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("opchat_page_cache_bytes " + std::to_string(page->bytes()) + "\n"),
            std::string::npos)
      << text;
}

TEST(PageCacheTest, ThreadsFindingInsertingAndErasingTogetherKeepItWithinItsBytes) {
  const size_t entry = PageOfBytes(1000)->bytes();
  PageCache cache(8 * entry);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 5000; ++i) {
        const std::string id = "c" + std::to_string((i * 7 + t) % 32);
        if (auto page = cache.Find(Key(id))) {
          EXPECT_EQ(page->json.size(), 1000u);  // an entry found stays whole while held
        } else if (i % 5 == 0) {
          cache.Erase(Key(id));
        } else {
          cache.Insert(Key(id), PageOfBytes(1000));
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_LE(cache.bytes(), 8 * entry);
  EXPECT_EQ(cache.bytes(), cache.entries() * entry);
}

}  // namespace
}  // namespace opchat
