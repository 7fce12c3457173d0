// The conformance suite every storage back end passes, unchanged: it runs on SQLite always
// and on PostgreSQL when OPCHAT_TEST_PG_URL names a database (tests/pg_harness.sh sets it).
// Tests on a shared PostgreSQL database use fresh random ids, so they never see each other.
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/ids.hpp"
#include "storage/retention.hpp"
#include "storage/search_index.hpp"
#include "storage/store.hpp"

namespace opchat {
namespace {

std::vector<std::string> BackEnds() {
  std::vector<std::string> v = {"sqlite"};
  if (const char* pg = std::getenv("OPCHAT_TEST_PG_URL"); pg && *pg) v.push_back("postgres");
  return v;
}

class StoreConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      url_ = "sqlite:" + ::testing::TempDir() + "/conformance_" + std::to_string(getpid()) + "_" +
             RandomHex(6) + ".db";
    } else {
      url_ = std::getenv("OPCHAT_TEST_PG_URL");
    }
    Reopen();
    channel_ = "ch-" + RandomHex(6);
  }

  void Reopen() {
    store_.reset();
    auto s = OpenStore(url_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
  }

  Chat NewChat(ChatStatus status = ChatStatus::kChatting) {
    Chat c;
    c.id = NewChatId();
    c.channel = channel_;
    c.user_id = "user-" + RandomHex(4);
    c.status = status;
    if (status != ChatStatus::kWaiting) c.operator_id = "op-1";
    c.created_ms = c.updated_ms = 1'700'000'000'000;
    auto created = store_->CreateChat(c);
    EXPECT_TRUE(created.ok()) << created.status().message();
    return c;
  }

  Message Text(const std::string& text, const std::string& umid = "") {
    Message m;
    m.user_message_id = umid.empty() ? ids_.Next() : umid;
    m.from = "user";
    m.to = "op-1";
    m.type = "txt";
    m.msg = text;
    m.create_ms = 1'700'000'000'000;
    return m;
  }

  std::string url_;
  std::string channel_;
  std::unique_ptr<Store> store_;
  MessageIdGenerator ids_{5};
};

TEST_P(StoreConformanceTest, CreatesAndReadsChats) {
  Chat c = NewChat(ChatStatus::kWaiting);
  auto got = store_->GetChat(c.channel, c.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->channel, channel_);
  EXPECT_EQ(got->user_id, c.user_id);
  EXPECT_EQ(got->status, ChatStatus::kWaiting);
  EXPECT_FALSE(got->operator_id.has_value());
  EXPECT_EQ(got->message_count, 0);
  EXPECT_EQ(store_->CreateChat(c).status().code(), StatusCode::kConflict);
  EXPECT_EQ(store_->GetChat(channel_, "u0001nope").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, AppendAssignsDensePositionsAndReadsRanges) {
  Chat c = NewChat();
  for (int i = 1; i <= 25; ++i) {
    auto r = store_->AppendMessage(c.channel, c.id, Text("m" + std::to_string(i)));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->message.seq, i);
    EXPECT_FALSE(r->duplicate);
  }
  EXPECT_EQ(store_->GetChat(c.channel, c.id)->message_count, 25);
  auto page = store_->ReadMessages(c.channel, c.id, {21, 40, false});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 5u);
  EXPECT_EQ((*page)[0].msg, "m21");
  EXPECT_EQ((*page)[4].seq, 25);
  auto desc = store_->ReadMessages(c.channel, c.id, {1, 3, true});
  ASSERT_EQ(desc->size(), 3u);
  EXPECT_EQ((*desc)[0].seq, 3);
  EXPECT_EQ((*desc)[2].seq, 1);
  EXPECT_TRUE(store_->ReadMessages(c.channel, c.id, {26, 30, false})->empty());
}

TEST_P(StoreConformanceTest, ReadChatPageReadsTheChatWithThePageItsCountNames) {
  Chat c = NewChat();
  for (int i = 1; i <= 25; ++i) {
    ASSERT_TRUE(store_->AppendMessage(c.channel, c.id, Text("m" + std::to_string(i))).ok());
  }
  // Every offset around the ends, both orders: the page is the one RangeAfterSkipping names over
  // the count read with it, and equals ReadMessages of that range.
  for (bool descending : {false, true}) {
    for (int64_t offset : {int64_t{0}, int64_t{1}, int64_t{20}, int64_t{24}, int64_t{25},
                           int64_t{26}, int64_t{1} << 62}) {
      auto page = store_->ReadChatPage(c.channel, c.id, offset, 20, descending);
      ASSERT_TRUE(page.ok()) << page.status().message();
      EXPECT_EQ(page->chat.id, c.id);
      EXPECT_EQ(page->chat.message_count, 25);
      SeqRange range = RangeAfterSkipping(25, offset, 20, descending);
      auto expected = store_->ReadMessages(c.channel, c.id, range);
      ASSERT_EQ(page->messages.size(), expected->size()) << offset << " " << descending;
      for (size_t i = 0; i < expected->size(); ++i) {
        EXPECT_EQ(page->messages[i].seq, (*expected)[i].seq);
        EXPECT_EQ(page->messages[i].msg, (*expected)[i].msg);
        EXPECT_EQ(page->messages[i].user_message_id, (*expected)[i].user_message_id);
      }
    }
  }
  auto first = store_->ReadChatPage(c.channel, c.id, 0, 3, true);
  ASSERT_EQ(first->messages.size(), 3u);
  EXPECT_EQ(first->messages[0].msg, "m25");
  // A chat without messages, a missing chat, another channel's chat.
  Chat empty = NewChat();
  auto none = store_->ReadChatPage(empty.channel, empty.id, 0, 20, false);
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_TRUE(none->messages.empty());
  EXPECT_EQ(none->chat.id, empty.id);
  EXPECT_EQ(store_->ReadChatPage(c.channel, "no-such-chat", 0, 20, false).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->ReadChatPage("another-channel", c.id, 0, 20, false).status().code(),
            StatusCode::kNotFound);
}

// Every stored field of `got` equals `want`'s (the position aside).
void ExpectSameFields(const Message& got, const Message& want) {
  EXPECT_EQ(got.user_message_id, want.user_message_id);
  EXPECT_EQ(got.from, want.from);
  EXPECT_EQ(got.to, want.to);
  EXPECT_EQ(got.type, want.type);
  EXPECT_EQ(got.msg, want.msg);
  EXPECT_EQ(got.url, want.url);
  EXPECT_EQ(got.key, want.key);
  EXPECT_EQ(got.filename, want.filename);
  EXPECT_EQ(got.thumb, want.thumb);
  EXPECT_EQ(got.secret, want.secret);
  EXPECT_EQ(got.thumb_secret, want.thumb_secret);
  EXPECT_EQ(got.length, want.length);
  EXPECT_EQ(got.file_length, want.file_length);
  EXPECT_EQ(got.addr, want.addr);
  EXPECT_EQ(got.lat, want.lat);
  EXPECT_EQ(got.lng, want.lng);
  EXPECT_EQ(got.create_ms, want.create_ms);
  EXPECT_EQ(got.ext, want.ext);
}

TEST_P(StoreConformanceTest, EveryFieldSurvivesTheRoundTrip) {
  Chat c = NewChat();
  Message m;
  m.user_message_id = "164556432430072736";
  m.from = "u0001fd9fb3524e52470899cba2d5ee84a801";
  m.to = "148992112329753020";
  m.type = "loc";
  m.msg = "黑胡椒 \"quoted\" \\ 'single' -- ; DROP TABLE messages; \u00e9 \U0001F600";
  m.url = "http://h/a b.jpg";
  m.key = "k/1";
  m.filename = "f.jpg";
  m.thumb = "t";
  m.secret = "s";
  m.thumb_secret = "ts";
  m.length = 7;
  m.file_length = 123456789012;
  m.addr = "上海";
  m.lat = 31.2304;
  m.lng = -121.4737;
  m.create_ms = 1455878580123;
  m.ext = R"({"template":{}})";
  ASSERT_TRUE(store_->AppendMessage(c.channel, c.id, m).ok());
  auto read = store_->ReadMessages(c.channel, c.id, {1, 1, false});
  ASSERT_EQ(read->size(), 1u);
  ExpectSameFields((*read)[0], m);
  Message bare = Text("x");
  ASSERT_TRUE(store_->AppendMessage(c.channel, c.id, bare).ok());
  const Message b = (*store_->ReadMessages(c.channel, c.id, {2, 2, false}))[0];
  EXPECT_FALSE(b.url || b.key || b.length || b.lat || b.addr);
}

// Pages asked for together (on PostgreSQL: read by one statement) are each the page that
// ReadChatPage gives alone, every field included, and a missing chat is NotFound for its visit
// only, as a chat id PostgreSQL refuses is; `done` comes once for each, last.
TEST_P(StoreConformanceTest, PagesAskedForTogetherAreEachAnswered) {
  Chat c = NewChat();
  for (int i = 1; i <= 25; ++i) {
    ASSERT_TRUE(store_->AppendMessage(c.channel, c.id, Text("m" + std::to_string(i))).ok());
  }
  Chat empty = NewChat();
  struct Asked {
    std::string channel, chat_id;
    int64_t offset;
    bool descending;
  };
  std::vector<Asked> asked;
  for (int round = 0; round < 3; ++round) {
    for (bool descending : {false, true}) {
      for (int64_t offset : {int64_t{0}, int64_t{5}, int64_t{24}, int64_t{25}, int64_t{1} << 62})
        asked.push_back({c.channel, c.id, offset, descending});
    }
    asked.push_back({empty.channel, empty.id, 0, false});
    asked.push_back({c.channel, "no-such-chat", 0, false});
    asked.push_back({"another-channel", c.id, 0, true});
    asked.push_back({c.channel, std::string("x\0y", 3), 0, false});  // PostgreSQL refuses NUL
  }
  struct Got {
    std::optional<Chat> chat;
    std::vector<Message> messages;
    std::optional<Status> outcome;
    int done_calls = 0;
  };
  std::vector<Got> got(asked.size());
  std::mutex mu;
  std::condition_variable all_done;
  size_t finished = 0;
  for (size_t i = 0; i < asked.size(); ++i) {
    Got& g = got[i];
    store_->VisitChatPageLater(
        PageVisit{.channel = asked[i].channel,
                  .chat_id = asked[i].chat_id,
                  .offset = asked[i].offset,
                  .size = 20,
                  .descending = asked[i].descending,
                  .on_chat = [&g](const Chat& chat) { g.chat = chat; },
                  .on_message = [&g](const MessageView& m) { g.messages.push_back(MessageOf(m)); },
                  .done =
                      [&, i](const Status& outcome) {
                        std::lock_guard lock(mu);
                        got[i].outcome = outcome;
                        ++got[i].done_calls;
                        ++finished;
                        all_done.notify_all();
                      }});
  }
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(all_done.wait_for(lock, std::chrono::seconds(30),
                                  [&] { return finished == asked.size(); }));
  }
  for (size_t i = 0; i < asked.size(); ++i) {
    const Asked& a = asked[i];
    const Got& g = got[i];
    SCOPED_TRACE(a.chat_id + " " + std::to_string(a.offset) + " " + std::to_string(a.descending));
    EXPECT_EQ(g.done_calls, 1);
    auto want = store_->ReadChatPage(a.channel, a.chat_id, a.offset, 20, a.descending);
    ASSERT_EQ(g.outcome->code(), want.status().code());
    if (!want.ok()) {
      EXPECT_FALSE(g.chat.has_value());
      EXPECT_TRUE(g.messages.empty());
      continue;
    }
    ASSERT_TRUE(g.chat.has_value());
    EXPECT_EQ(g.chat->id, want->chat.id);
    EXPECT_EQ(g.chat->message_count, want->chat.message_count);
    ASSERT_EQ(g.messages.size(), want->messages.size());
    for (size_t m = 0; m < want->messages.size(); ++m) {
      EXPECT_EQ(g.messages[m].seq, want->messages[m].seq);
      ExpectSameFields(g.messages[m], want->messages[m]);
    }
  }
}

TEST_P(StoreConformanceTest, AppendIsIdempotentByUserMessageId) {
  Chat c = NewChat();
  auto first = store_->AppendMessage(c.channel, c.id, Text("hello", "client-id-1"));
  ASSERT_TRUE(first.ok());
  auto again = store_->AppendMessage(c.channel, c.id, Text("changed", "client-id-1"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->message.msg, "hello") << "the original is answered";
  EXPECT_EQ(again->message.seq, 1);
  EXPECT_EQ(store_->GetChat(c.channel, c.id)->message_count, 1);
  // The same id in another chat is another message: uniqueness is per chat.
  Chat other = NewChat();
  auto elsewhere = store_->AppendMessage(other.channel, other.id, Text("hello", "client-id-1"));
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_FALSE(elsewhere->duplicate);
}

TEST_P(StoreConformanceTest, ClosedChatsRefuseMessagesButAnswerRetries) {
  Chat c = NewChat();
  ASSERT_TRUE(store_->AppendMessage(c.channel, c.id, Text("before", "m-1")).ok());
  ASSERT_TRUE(
      store_->TransitionChat(c.channel, c.id, {}, ChatStatus::kEnded, std::nullopt, 1).ok());
  EXPECT_EQ(store_->AppendMessage(c.channel, c.id, Text("after")).status().code(),
            StatusCode::kConflict);
  auto retry = store_->AppendMessage(c.channel, c.id, Text("before", "m-1"));
  ASSERT_TRUE(retry.ok()) << "a retry of an acknowledged send still gets its answer";
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(store_->AppendMessage(channel_, "u0001missing", Text("x")).status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, TransitionsCheckTheCurrentStatus) {
  Chat c = NewChat(ChatStatus::kWaiting);
  const ChatStatus from_waiting[] = {ChatStatus::kWaiting};
  const ChatStatus from_suspended[] = {ChatStatus::kSuspended};
  auto accepted = store_->TransitionChat(c.channel, c.id, from_waiting, ChatStatus::kChatting,
                                         std::string("op-9"), 1'700'000'001'000);
  ASSERT_TRUE(accepted.ok()) << accepted.status().message();
  EXPECT_EQ(accepted->status, ChatStatus::kChatting);
  EXPECT_EQ(accepted->operator_id, "op-9");
  auto again = store_->TransitionChat(c.channel, c.id, from_waiting, ChatStatus::kChatting,
                                      std::string("op-8"), 1'700'000'002'000);
  EXPECT_EQ(again.status().code(), StatusCode::kConflict);
  EXPECT_NE(again.status().message().find("聊天中"), std::string::npos);
  EXPECT_EQ(
      store_
          ->TransitionChat(c.channel, c.id, from_suspended, ChatStatus::kChatting, std::nullopt, 0)
          .status()
          .code(),
      StatusCode::kConflict);
  auto stored = store_->GetChat(c.channel, c.id);
  EXPECT_EQ(stored->operator_id, "op-9");
  EXPECT_EQ(stored->updated_ms, 1'700'000'001'000);
  EXPECT_EQ(store_->TransitionChat(channel_, "u0001none", {}, ChatStatus::kDeleted, std::nullopt, 0)
                .status()
                .code(),
            StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, ListsChatsByActivityWithFilters) {
  Chat a = NewChat(ChatStatus::kWaiting);
  Chat b = NewChat(ChatStatus::kChatting);
  Chat d = NewChat(ChatStatus::kChatting);
  ASSERT_TRUE(
      store_->AppendMessage(b.channel, b.id, Text("latest")).ok());  // b becomes the most active
  ChatFilter f;
  f.channel = channel_;
  auto all = store_->ListChats(f);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->total, 3);
  ASSERT_EQ(all->chats.size(), 3u);
  EXPECT_EQ(all->chats[0].id, b.id);
  f.status = ChatStatus::kWaiting;
  auto waiting = store_->ListChats(f);
  ASSERT_EQ(waiting->chats.size(), 1u);
  EXPECT_EQ(waiting->chats[0].id, a.id);
  f.status.reset();
  f.user_id = d.user_id;
  EXPECT_EQ(store_->ListChats(f)->total, 1);
  f.user_id.reset();
  f.limit = 2;
  f.offset = 2;
  auto second_page = store_->ListChats(f);
  EXPECT_EQ(second_page->total, 3);
  EXPECT_EQ(second_page->chats.size(), 1u);
  f = ChatFilter{};
  f.channel = "no-such-channel-" + RandomHex(4);
  EXPECT_EQ(store_->ListChats(f)->total, 0);
}

TEST_P(StoreConformanceTest, ImportCreatesChatsAppendsInOrderAndSkipsDuplicates) {
  std::string c1 = NewChatId(), c2 = NewChatId();
  std::vector<ImportRecord> records;
  for (int i = 0; i < 10; ++i) {
    ImportRecord r;
    r.chat.id = i % 2 ? c1 : c2;
    r.chat.channel = channel_;
    r.chat.user_id = "u";
    r.chat.status = ChatStatus::kEnded;
    r.message = Text("m" + std::to_string(i), "imp-" + std::to_string(i));
    r.message.create_ms = 1'600'000'000'000 + i;
    records.push_back(r);
  }
  auto counts = store_->Import(records, {});
  ASSERT_TRUE(counts.ok()) << counts.status().message();
  EXPECT_EQ(counts->inserted, 10);
  auto chat = store_->GetChat(channel_, c1);
  ASSERT_TRUE(chat.ok());
  EXPECT_EQ(chat->status, ChatStatus::kEnded);
  EXPECT_EQ(chat->message_count, 5);
  auto msgs = store_->ReadMessages(channel_, c1, {1, 5, false});
  ASSERT_EQ(msgs->size(), 5u);
  EXPECT_EQ((*msgs)[0].msg, "m1");
  EXPECT_EQ((*msgs)[4].msg, "m9");
  auto again = store_->Import(records, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->inserted, 0);
  EXPECT_EQ(again->duplicates, 10);
  EXPECT_EQ(store_->GetChat(channel_, c1)->message_count, 5);
}

// A chat holding messages, an empty one and a new one in one batch, each with a duplicate: of a
// stored message, or of another line of the batch. (PostgreSQL looks stored userMessageIds up
// only for the chats that hold messages.)
TEST_P(StoreConformanceTest, ImportSkipsEveryDuplicateWhetherItsChatIsFullEmptyOrNew) {
  const Chat full = NewChat();
  ASSERT_TRUE(store_->AppendMessage(channel_, full.id, Text("one", "f1")).ok());
  ASSERT_TRUE(store_->AppendMessage(channel_, full.id, Text("two", "f2")).ok());
  const Chat empty = NewChat();
  const std::string fresh = NewChatId();
  std::vector<ImportRecord> records;
  auto add = [&](const Chat& chat, const std::string& umid) {
    ImportRecord r;
    r.chat = chat;
    r.message = Text("text " + umid, umid);
    records.push_back(r);
  };
  Chat created = full;
  created.id = fresh;
  add(full, "f2");  // stored already
  add(full, "f3");
  add(empty, "e1");
  add(empty, "e1");  // twice in the batch
  add(created, "n1");
  add(created, "n2");
  add(created, "n1");  // twice in the batch
  auto counts = store_->Import(records, {});
  ASSERT_TRUE(counts.ok()) << counts.status().message();
  EXPECT_EQ(counts->inserted, 4);
  EXPECT_EQ(counts->duplicates, 3);
  EXPECT_EQ(store_->GetChat(channel_, full.id)->message_count, 3);
  EXPECT_EQ(store_->GetChat(channel_, empty.id)->message_count, 1);
  EXPECT_EQ(store_->GetChat(channel_, fresh)->message_count, 2);
  auto msgs = store_->ReadMessages(channel_, fresh, {1, 2, false});
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 2u);
  EXPECT_EQ((*msgs)[0].user_message_id, "n1");
  EXPECT_EQ((*msgs)[1].user_message_id, "n2");
}

// Import takes the bulk path (COPY on PostgreSQL): every field must read back exactly, the
// characters that path escapes included.
TEST_P(StoreConformanceTest, ImportStoresEveryFieldExactly) {
  ImportRecord r;
  r.chat.id = NewChatId();
  r.chat.channel = channel_;
  r.chat.user_id = "u\\N";
  r.chat.status = ChatStatus::kEnded;
  Message& m = r.message;
  m.user_message_id = "imp-exact-" + RandomHex(6);
  m.from = "user\tx";
  m.to = "op-1";
  m.type = "file";
  m.msg = "\\N\ttab\nline\r\nret \\ \"q\" 汉字 🙂";
  m.url = "https://example.com/a b?x=1\t";
  m.key = "dir/a\\b.pdf";
  m.filename = "";
  m.thumb = "t\n";
  m.secret = "s";
  m.thumb_secret = "ts";
  m.length = 0;
  m.file_length = int64_t{1} << 40;
  m.addr = "北京\t1号";
  m.lat = 39.9042;
  m.lng = -0.1;
  m.create_ms = 1'600'000'000'123;
  m.ext = R"({"k":"v\tw","n":[1,2]})";
  auto counts = store_->Import(std::vector<ImportRecord>{r}, {});
  ASSERT_TRUE(counts.ok()) << counts.status().message();
  ASSERT_EQ(counts->inserted, 1);
  auto read = store_->ReadMessages(channel_, r.chat.id, {1, 1, false});
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0].seq, 1);
  ExpectSameFields((*read)[0], m);
  EXPECT_EQ(store_->GetChat(channel_, r.chat.id)->user_id, r.chat.user_id);
}

TEST_P(StoreConformanceTest, ClientsAndTheirRevision) {
  auto rev0 = store_->ClientsRevision();
  ASSERT_TRUE(rev0.ok());
  std::string id = "client-" + RandomHex(6);
  ASSERT_TRUE(store_->AddClient({id, "n", "secret", true, {"a", "b"}, 5}).ok());
  EXPECT_EQ(store_->AddClient({id, "n", "secret", true, {"a"}, 5}).code(), StatusCode::kConflict);
  auto rev1 = store_->ClientsRevision();
  EXPECT_NE(*rev1, *rev0);
  auto list = store_->ListClients();
  ASSERT_TRUE(list.ok());
  auto it = std::find_if(list->begin(), list->end(), [&](auto& c) { return c.id == id; });
  ASSERT_NE(it, list->end());
  EXPECT_EQ(it->secret, "secret");
  EXPECT_EQ(it->channels, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(it->enabled);
  ASSERT_TRUE(store_->SetClientEnabled(id, false).ok());
  EXPECT_NE(*store_->ClientsRevision(), *rev1);
  list = store_->ListClients();
  it = std::find_if(list->begin(), list->end(), [&](auto& c) { return c.id == id; });
  EXPECT_FALSE(it->enabled);
  EXPECT_EQ(store_->SetClientEnabled("nobody-" + RandomHex(4), false).code(),
            StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, SecretRotationKeepsThePreviousSecretUntilFinished) {
  std::string id = "rot-" + RandomHex(6);
  ASSERT_TRUE(store_->AddClient({id, "n", "old", true, {"a"}, 5}).ok());
  auto find = [&]() {
    auto list = store_->ListClients();
    for (auto& c : *list) {
      if (c.id == id) return c;
    }
    return ClientRecord{};
  };
  EXPECT_EQ(find().previous_secret, "");
  auto rev = *store_->ClientsRevision();
  ASSERT_TRUE(store_->RotateClientSecret(id, std::string("new")).ok());
  EXPECT_NE(*store_->ClientsRevision(), rev);
  EXPECT_EQ(find().secret, "new");
  EXPECT_EQ(find().previous_secret, "old");
  ASSERT_TRUE(store_->RotateClientSecret(id, std::nullopt).ok());
  EXPECT_EQ(find().secret, "new");
  EXPECT_EQ(find().previous_secret, "");
  EXPECT_EQ(store_->RotateClientSecret("nobody-" + RandomHex(4), std::string("x")).code(),
            StatusCode::kNotFound);
  // A copied client keeps both secrets (migration between back ends).
  std::string copy = "rot-copy-" + RandomHex(6);
  ASSERT_TRUE(store_->AddClient({copy, "n", "s2", true, {"a"}, 5, "s1"}).ok());
  auto clients = store_->ListClients();  // a range-for over *temporary would dangle
  ASSERT_TRUE(clients.ok());
  for (auto& c : *clients) {
    if (c.id == copy) {
      EXPECT_EQ(c.previous_secret, "s1");
    }
  }
}

TEST_P(StoreConformanceTest, ScansEveryChatInIdOrderIncludingEmptyOnes) {
  Chat a = NewChat(), b = NewChat(ChatStatus::kWaiting);
  ASSERT_TRUE(store_->AppendMessage(a.channel, a.id, Text("x")).ok());
  std::vector<std::string> seen;
  std::string after_channel, after, last_channel;
  for (;;) {
    auto page = store_->ScanChats(after_channel, after, 2);
    ASSERT_TRUE(page.ok()) << page.status().message();
    if (page->empty()) break;
    for (const Chat& c : *page) {
      if (!seen.empty()) {
        EXPECT_LT(std::tie(last_channel, seen.back()), std::tie(c.channel, c.id))
            << "byte order, no repeats";
      }
      last_channel = c.channel;
      seen.push_back(c.id);
    }
    after_channel = page->back().channel;
    after = page->back().id;
  }
  EXPECT_NE(std::find(seen.begin(), seen.end(), a.id), seen.end());
  EXPECT_NE(std::find(seen.begin(), seen.end(), b.id), seen.end()) << "chats without messages too";
}

// Chat ids are per channel (docs/design.md, "Storage model"): a chat id is unique within its
// channel only. Two channels' chats of one id are two chats: creating the second succeeds, and
// nothing done to one (messages, idempotency keys, statuses, imports, exports, search, retention)
// reaches the other.
TEST_P(StoreConformanceTest, ChatsOfTheSameIdInTwoChannelsAreIndependent) {
  Chat mine = NewChat(ChatStatus::kWaiting);
  const std::string other_channel = "other-" + channel_;
  Chat theirs = mine;
  theirs.channel = other_channel;
  theirs.user_id = "user-theirs";
  ASSERT_TRUE(store_->CreateChat(theirs).ok()) << "an id taken on another channel is free here";
  EXPECT_EQ(store_->CreateChat(theirs).status().code(), StatusCode::kConflict);

  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(store_
                    ->AppendMessage(channel_, mine.id,
                                    Text("mine " + std::to_string(i), "k" + std::to_string(i)))
                    .ok());
  }
  auto same_key = store_->AppendMessage(other_channel, mine.id, Text("theirs 1", "k1"));
  ASSERT_TRUE(same_key.ok()) << same_key.status().message();
  EXPECT_FALSE(same_key->duplicate) << "idempotency keys are per chat";
  EXPECT_EQ(same_key->message.seq, 1);
  ASSERT_TRUE(store_->Import(std::vector<ImportRecord>{{theirs, Text("theirs 2", "k2")}}, {}).ok());

  auto accepted =
      store_->TransitionChat(other_channel, mine.id, AcceptTransition().from, ChatStatus::kChatting,
                             std::string("op-2"), 1'700'000'001'000);
  ASSERT_TRUE(accepted.ok()) << accepted.status().message();
  EXPECT_EQ(accepted->channel, other_channel);
  EXPECT_EQ(accepted->user_id, "user-theirs");

  auto a = store_->GetChat(channel_, mine.id);
  auto b = store_->GetChat(other_channel, mine.id);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->message_count, 3);
  EXPECT_EQ(a->status, ChatStatus::kWaiting);
  EXPECT_FALSE(a->operator_id.has_value());
  EXPECT_EQ(a->user_id, mine.user_id);
  EXPECT_EQ(b->message_count, 2);
  EXPECT_EQ(b->status, ChatStatus::kChatting);
  EXPECT_EQ(b->operator_id, "op-2");
  auto a_msgs = store_->ReadMessages(channel_, mine.id, {1, 10, false});
  auto b_msgs = store_->ReadMessages(other_channel, mine.id, {1, 10, false});
  ASSERT_EQ(a_msgs->size(), 3u);
  ASSERT_EQ(b_msgs->size(), 2u);
  EXPECT_EQ((*a_msgs)[0].msg, "mine 1");
  EXPECT_EQ((*b_msgs)[0].msg, "theirs 1");
  EXPECT_EQ((*b_msgs)[1].msg, "theirs 2");

  EXPECT_EQ(store_->ListChats({.channel = channel_}).value().total, 1);
  EXPECT_EQ(store_->ListChats({.channel = other_channel}).value().total, 1);
  std::vector<std::string> visited;
  ASSERT_TRUE(store_
                  ->ForEachMessage({.channel = other_channel, .chat_id = mine.id},
                                   [&](const Chat& c, const Message& m) {
                                     visited.push_back(c.channel + ":" + *m.msg);
                                     return Status::Ok();
                                   })
                  .ok());
  EXPECT_EQ(visited,
            (std::vector<std::string>{other_channel + ":theirs 1", other_channel + ":theirs 2"}));
  int both = 0;
  ASSERT_TRUE(store_
                  ->ForEachMessage({},
                                   [&](const Chat& c, const Message&) {
                                     both += c.id == mine.id;
                                     return Status::Ok();
                                   })
                  .ok());
  EXPECT_EQ(both, 5) << "an export of everything has both chats";

  auto found = store_->SearchMessages({.channel = other_channel, .keyword = "theirs"});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->total, 2);
  EXPECT_EQ(store_->SearchMessages({.channel = channel_, .keyword = "theirs"}).value().total, 0);
  EXPECT_EQ(store_->SearchMessages({.channel = channel_, .keyword = "mine", .chat_id = mine.id})
                .value()
                .total,
            3);

  ASSERT_EQ(store_->DeleteInactiveChats(other_channel, 1LL << 62, 10).value(), 1);
  EXPECT_EQ(store_->GetChat(other_channel, mine.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetChat(channel_, mine.id)->message_count, 3);
  EXPECT_EQ(store_->ReadMessages(channel_, mine.id, {1, 10, false})->size(), 3u);
}

TEST_P(StoreConformanceTest, ScanChatsGivesEveryChatOfASharedIdOnce) {
  Chat a = NewChat();
  Chat b = a;
  b.channel = "other-" + channel_;
  ASSERT_TRUE(store_->CreateChat(b).ok());
  std::vector<std::string> seen;
  std::string after_channel, after;
  for (;;) {
    auto page = store_->ScanChats(after_channel, after, 1);  // the keyset falls between them
    ASSERT_TRUE(page.ok()) << page.status().message();
    if (page->empty()) break;
    for (const Chat& c : *page) {
      if (c.id == a.id) seen.push_back(c.channel);
    }
    after_channel = page->back().channel;
    after = page->back().id;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{channel_, b.channel}));
}

TEST_P(StoreConformanceTest, RetentionDeletesInactiveChatsOfOneChannel) {
  Chat old_chat = NewChat();  // created_ms = updated_ms = 1'700'000'000'000
  ASSERT_TRUE(store_->Import(std::vector<ImportRecord>{{old_chat, Text("old", "o-1")}}, {}).ok());
  Chat fresh = NewChat();
  ASSERT_TRUE(store_->AppendMessage(fresh.channel, fresh.id, Text("new")).ok());  // activity: now
  std::string other_channel = channel_;
  channel_ = "ch-other-" + RandomHex(4);
  Chat elsewhere = NewChat();
  channel_ = other_channel;

  auto channels = store_->ListChannels();
  ASSERT_TRUE(channels.ok());
  EXPECT_NE(std::find(channels->begin(), channels->end(), channel_), channels->end());
  EXPECT_NE(std::find(channels->begin(), channels->end(), elsewhere.channel), channels->end());

  const int64_t cutoff = 1'700'000'000'000 + 86'400'000;  // a day after the old chat
  auto deleted = store_->DeleteInactiveChats(channel_, cutoff, 100);
  ASSERT_TRUE(deleted.ok()) << deleted.status().message();
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(store_->GetChat(old_chat.channel, old_chat.id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->ReadMessages(old_chat.channel, old_chat.id, {1, 10, false})->empty())
      << "messages go too";
  EXPECT_TRUE(store_->GetChat(fresh.channel, fresh.id).ok()) << "active chats stay";
  EXPECT_TRUE(store_->GetChat(elsewhere.channel, elsewhere.id).ok())
      << "other channels are untouched";
  SearchQuery q;
  q.channel = channel_;
  q.keyword = "old";
  EXPECT_EQ(store_->SearchMessages(q)->total, 0) << "the search index follows";
  EXPECT_EQ(*store_->DeleteInactiveChats(channel_, cutoff, 100), 0);
}

TEST_P(StoreConformanceTest, ConcurrentAppendsGiveADenseSequence) {
  Chat c = NewChat();
  constexpr int kThreads = 8, kEach = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = store_->AppendMessage(c.channel, c.id,
                                       Text(std::to_string(t) + "-" + std::to_string(i)));
        if (!r.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto msgs = store_->ReadMessages(c.channel, c.id, {1, kThreads * kEach, false});
  ASSERT_EQ(msgs->size(), static_cast<size_t>(kThreads * kEach));
  std::set<std::string> texts;
  for (size_t i = 0; i < msgs->size(); ++i) {
    EXPECT_EQ((*msgs)[i].seq, static_cast<int64_t>(i + 1));
    texts.insert(*(*msgs)[i].msg);
  }
  EXPECT_EQ(texts.size(), static_cast<size_t>(kThreads * kEach));
}

// Sends that arrive together (and so may share a transaction: group commit) are each decided
// as if alone: the same userMessageId from many threads is stored once and every other send of
// it is answered as a duplicate at that position; a refused send (missing chat, ended chat)
// leaves its neighbours' sends untouched.
TEST_P(StoreConformanceTest, ConcurrentSendsAreDecidedOneByOne) {
  const Chat open_a = NewChat(), open_b = NewChat(), ended = NewChat();
  ASSERT_TRUE(
      store_->TransitionChat(ended.channel, ended.id, {}, ChatStatus::kEnded, std::nullopt, 1)
          .ok());
  constexpr int kThreads = 12, kRounds = 20;
  std::mutex mu;
  std::map<std::string, std::vector<AppendOutcome>> by_umid;  // accepted sends, by userMessageId
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        const Chat& target = (t + round) % 2 == 0 ? open_a : open_b;
        // Every thread sends "shared-<round>" to chat a, and a message of its own.
        const std::string shared = "shared-" + std::to_string(round);
        for (const std::string& umid :
             {shared, "own-" + std::to_string(t) + "-" + std::to_string(round)}) {
          const Chat& chat = umid == shared ? open_a : target;
          auto r = store_->AppendMessage(chat.channel, chat.id, Text(umid, umid));
          if (!r.ok()) {
            ++wrong;
            continue;
          }
          std::lock_guard lock(mu);
          by_umid[umid].push_back(*r);
        }
        if (store_->AppendMessage(ended.channel, ended.id, Text("late")).status().code() !=
            StatusCode::kConflict) {
          ++wrong;
        }
        if (store_->AppendMessage(ended.channel, "no-such-chat", Text("lost")).status().code() !=
            StatusCode::kNotFound) {
          ++wrong;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  for (const auto& [umid, outcomes] : by_umid) {
    int stored = 0;
    for (const AppendOutcome& o : outcomes) {
      stored += o.duplicate ? 0 : 1;
      EXPECT_EQ(o.message.seq, outcomes.front().message.seq) << umid;
      EXPECT_EQ(o.message.user_message_id, umid);
    }
    EXPECT_EQ(stored, 1) << umid;
  }
  // Dense positions, each message once, in both chats; nothing in the ended chat.
  const int64_t in_a = kRounds + kThreads * kRounds / 2, in_b = kThreads * kRounds / 2;
  for (const auto& [chat, expected] : {std::pair{open_a, in_a}, std::pair{open_b, in_b}}) {
    auto msgs = store_->ReadMessages(chat.channel, chat.id, {1, expected + 10, false});
    ASSERT_TRUE(msgs.ok());
    ASSERT_EQ(static_cast<int64_t>(msgs->size()), expected);
    std::set<std::string> umids;
    for (size_t i = 0; i < msgs->size(); ++i) {
      EXPECT_EQ((*msgs)[i].seq, static_cast<int64_t>(i + 1));
      umids.insert((*msgs)[i].user_message_id);
    }
    EXPECT_EQ(static_cast<int64_t>(umids.size()), expected);
    EXPECT_EQ(store_->GetChat(chat.channel, chat.id)->message_count, expected);
  }
  EXPECT_EQ(store_->GetChat(ended.channel, ended.id)->message_count, 0);
}

// Sends posted together (AppendMessageLater: on both back ends queued for the writer's next
// batch) are decided as AppendMessage decides them, each answered once: the locked chat
// addresses each message before the duplicate check, an address that refuses writes nothing,
// and a refused send (missing or ended chat) leaves its neighbours' sends untouched.
TEST_P(StoreConformanceTest, SendsPostedTogetherAreEachAnsweredOnce) {
  const Chat open = NewChat(), ended = NewChat();
  ASSERT_TRUE(
      store_->TransitionChat(ended.channel, ended.id, {}, ChatStatus::kEnded, std::nullopt, 1)
          .ok());
  struct Asked {
    std::string chat_id, umid, text;
  };
  std::vector<Asked> asked;
  for (int i = 0; i < 60; ++i) {
    const std::string n = std::to_string(i);
    asked.push_back({open.id, "own-" + n, "m" + n});
    if (i % 5 == 0) asked.push_back({open.id, "own-" + n, "again"});  // a duplicate
    if (i % 7 == 0) asked.push_back({open.id, "refused-" + n, "refuse"});
    if (i % 11 == 0) asked.push_back({ended.id, "late-" + n, "late"});
    if (i % 13 == 0) asked.push_back({"no-such-chat", "lost-" + n, "lost"});
  }
  std::vector<std::optional<Result<AppendOutcome>>> got(asked.size());
  std::vector<int> done_calls(asked.size());
  std::mutex mu;
  std::condition_variable all_done;
  size_t finished = 0;
  for (size_t i = 0; i < asked.size(); ++i) {
    Message m = Text(asked[i].text, asked[i].umid);
    m.from = m.to = "";  // addressed by the chat
    store_->AppendMessageLater(MessageSend{.channel = channel_,
                                           .chat_id = asked[i].chat_id,
                                           .message = std::move(m),
                                           .address = [](const Chat& chat, Message& msg) -> Status {
                                             if (msg.msg == "refuse")
                                               return Status::Conflict("refused by its chat");
                                             msg.from = chat.user_id;
                                             msg.to = chat.operator_id.value_or("");
                                             return Status::Ok();
                                           },
                                           .done =
                                               [&, i](Result<AppendOutcome> outcome) {
                                                 std::lock_guard lock(mu);
                                                 got[i] = std::move(outcome);
                                                 ++done_calls[i];
                                                 ++finished;
                                                 all_done.notify_all();
                                               }});
  }
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(all_done.wait_for(lock, std::chrono::seconds(30),
                                  [&] { return finished == asked.size(); }));
  }
  auto stored = store_->ReadMessages(open.channel, open.id, {1, 1000, false});
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 60u);
  for (size_t i = 0; i < asked.size(); ++i) {
    const Asked& a = asked[i];
    SCOPED_TRACE(a.chat_id + " " + a.umid + " " + a.text);
    EXPECT_EQ(done_calls[i], 1);
    const Result<AppendOutcome>& r = *got[i];
    if (a.text == "refuse") {
      EXPECT_EQ(r.status().message(), "refused by its chat");
    } else if (a.text == "late") {
      EXPECT_EQ(r.status().code(), StatusCode::kConflict);
    } else if (a.text == "lost") {
      EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
    } else {
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_EQ(r->duplicate, a.text == "again");
      EXPECT_EQ(r->message.msg, "m" + a.umid.substr(4)) << "a duplicate answers the original";
      EXPECT_EQ(r->message.from, open.user_id);
      const Message& kept = (*stored)[static_cast<size_t>(r->message.seq - 1)];
      EXPECT_EQ(kept.user_message_id, a.umid);
      EXPECT_EQ(kept.from, open.user_id);
      EXPECT_EQ(kept.to, "op-1");
    }
  }
  for (size_t i = 0; i < stored->size(); ++i) {
    EXPECT_EQ((*stored)[i].seq, static_cast<int64_t>(i + 1));
  }
  EXPECT_EQ(store_->GetChat(open.channel, open.id)->message_count, 60);
  EXPECT_EQ(store_->GetChat(ended.channel, ended.id)->message_count, 0);
}

TEST_P(StoreConformanceTest, DataSurvivesReopening) {
  Chat c = NewChat();
  ASSERT_TRUE(store_->AppendMessage(c.channel, c.id, Text("kept")).ok());
  Reopen();
  auto msgs = store_->ReadMessages(c.channel, c.id, {1, 1, false});
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 1u);
  EXPECT_EQ((*msgs)[0].msg, "kept");
}

// Random operations against a simple in-memory model of a few chats.
TEST_P(StoreConformanceTest, AgreesWithAModelUnderRandomOperations) {
  std::mt19937 rng(12345);
  std::vector<Chat> chats;
  std::map<std::string, std::vector<std::string>> model;  // chat -> texts in order
  std::map<std::string, ChatStatus> status;
  for (int i = 0; i < 4; ++i) {
    chats.push_back(NewChat());
    model[chats.back().id];
    status[chats.back().id] = ChatStatus::kChatting;
  }
  for (int step = 0; step < 300; ++step) {
    const Chat& c = chats[rng() % chats.size()];
    int op = static_cast<int>(rng() % 10);
    if (op < 7) {
      std::string umid = "r" + std::to_string(rng() % 200);
      std::string text = "t" + std::to_string(step);
      auto r = store_->AppendMessage(c.channel, c.id, Text(text, umid));
      auto& texts = model[c.id];
      // The model: same umid in the chat -> duplicate; closed chat -> conflict.
      static std::map<std::string, std::map<std::string, std::string>> umids;
      auto& seen = umids[url_ + c.id];
      if (seen.count(umid)) {
        ASSERT_TRUE(r.ok());
        EXPECT_TRUE(r->duplicate);
        EXPECT_EQ(r->message.msg, seen[umid]);
      } else if (!AcceptsMessages(status[c.id])) {
        EXPECT_EQ(r.status().code(), StatusCode::kConflict);
      } else {
        ASSERT_TRUE(r.ok());
        texts.push_back(text);
        seen[umid] = text;
        EXPECT_EQ(r->message.seq, static_cast<int64_t>(texts.size()));
      }
    } else if (op == 7) {
      auto r = store_->TransitionChat(c.channel, c.id, EndTransition().from, ChatStatus::kEnded,
                                      std::nullopt, step);
      bool allowed = Allows(EndTransition(), status[c.id]);
      EXPECT_EQ(r.ok(), allowed);
      if (allowed) status[c.id] = ChatStatus::kEnded;
    } else {
      int64_t n = static_cast<int64_t>(model[c.id].size());
      int64_t first = 1 + static_cast<int64_t>(rng() % (n + 2));
      int64_t last = first + static_cast<int64_t>(rng() % 10);
      auto r = store_->ReadMessages(c.channel, c.id, {first, last, false});
      ASSERT_TRUE(r.ok());
      size_t expected = first > n ? 0 : static_cast<size_t>(std::min(last, n) - first + 1);
      ASSERT_EQ(r->size(), expected);
      for (size_t i = 0; i < r->size(); ++i) {
        EXPECT_EQ(*(*r)[i].msg, model[c.id][static_cast<size_t>(first - 1) + i]);
      }
    }
  }
}

// --- export scan and search ---

// "chat:seq" of every message ForEachMessage visits.
std::vector<std::string> Visited(Store& store, const ExportFilter& filter) {
  std::vector<std::string> out;
  Status s = store.ForEachMessage(filter, [&](const Chat& c, const Message& m) {
    out.push_back(c.id + ":" + std::to_string(m.seq));
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

TEST_P(StoreConformanceTest, ForEachMessageVisitsChatsInIdOrderAndPagesThroughLongChats) {
  const std::string suffix = RandomHex(6);
  const std::string a = "a-" + suffix, b = "b-" + suffix, other = "c-" + suffix;
  std::vector<ImportRecord> records;
  auto add = [&](const std::string& chat_id, const std::string& channel, int count) {
    Chat c;
    c.id = chat_id;
    c.channel = channel;
    c.user_id = "u";
    c.created_ms = c.updated_ms = 1'700'000'000'000;
    for (int i = 0; i < count; ++i) {
      Message m = Text("m" + std::to_string(i));
      m.create_ms = 1'700'000'000'000 + i;
      records.push_back({c, m});
    }
  };
  add(b, channel_, 3);
  add(a, channel_, 1005);  // more than one page of messages
  add(other, "other-" + channel_, 2);
  ASSERT_TRUE(store_->Import(records, {}).ok());
  Chat empty = NewChat();  // no messages: nothing to visit

  auto all = Visited(*store_, {.channel = channel_});
  ASSERT_EQ(all.size(), 1008u);
  EXPECT_EQ(all.front(), a + ":1");
  EXPECT_EQ(all[1004], a + ":1005");
  EXPECT_EQ(all[1005], b + ":1");
  EXPECT_EQ(all.back(), b + ":3");

  EXPECT_EQ(Visited(*store_, {.channel = channel_, .chat_id = b}),
            (std::vector<std::string>{b + ":1", b + ":2", b + ":3"}));
  auto nothing = [](const Chat&, const Message&) { return Status::Ok(); };
  EXPECT_EQ(store_->ForEachMessage({.channel = channel_, .chat_id = other}, nothing).code(),
            StatusCode::kNotFound)
      << "another channel's chat is not one of this channel";
  EXPECT_EQ(store_->ForEachMessage({.chat_id = b}, nothing).code(), StatusCode::kInvalidArgument)
      << "a chat id alone names no chat";
  EXPECT_TRUE(Visited(*store_, {.channel = channel_, .chat_id = empty.id}).empty());
  auto window = Visited(
      *store_, {.channel = channel_, .since_ms = 1'700'000'000'001, .until_ms = 1'700'000'000'003});
  EXPECT_EQ(window, (std::vector<std::string>{a + ":2", a + ":3", b + ":2", b + ":3"}));
  auto everywhere = Visited(*store_, {});
  EXPECT_NE(std::find(everywhere.begin(), everywhere.end(), other + ":2"), everywhere.end());

  int seen = 0;
  Status stopped =
      store_->ForEachMessage({.channel = channel_, .chat_id = a}, [&](const Chat&, const Message&) {
        return ++seen == 7 ? Status::Unavailable("disk full") : Status::Ok();
      });
  EXPECT_EQ(stopped.code(), StatusCode::kUnavailable);
  EXPECT_EQ(seen, 7);
  EXPECT_EQ(store_
                ->ForEachMessage({.channel = channel_, .chat_id = std::string("nope")},
                                 [](const Chat&, const Message&) { return Status::Ok(); })
                .code(),
            StatusCode::kNotFound);
}

class SearchTest : public StoreConformanceTest {
 protected:
  void SetUp() override {
    StoreConformanceTest::SetUp();
    if (HasFatalFailure()) return;
    a_ = NewChat().id;
    b_ = NewChat().id;
    const std::string saved = channel_;
    channel_ = "other-" + saved;
    c_ = NewChat().id;
    channel_ = saved;
    Add(a_, "txt", "我要退款", 1000);
    Add(a_, "txt", "退款单号 RF2024", 2000);
    Add(a_, "txt", "申请退款单的进度", 3000);
    Add(a_, "txt", "Refund please", 4000);
    Add(a_, "img", std::nullopt, 5000);
    Add(a_, "txt", "100%_done", 6000);
    Add(a_, "txt", "退", 7000);
    Add(b_, "txt", "退款已到账", 2500);
    Add(b_, "cmd", "退款提醒", 2600);
    Add(c_, "txt", "退款", 2700);
  }

  void Add(const std::string& chat, const std::string& type, std::optional<std::string> text,
           int64_t ms) {
    Message m = Text("");
    m.type = type;
    m.msg = std::move(text);
    if (type == "img") m.url = "http://h/a.jpg";
    m.create_ms = ms;
    auto r = store_->AppendMessage(chat == c_ ? "other-" + channel_ : channel_, chat, m);
    ASSERT_TRUE(r.ok()) << r.status().message();
    ids_by_text_[m.msg.value_or("")] = chat + ":" + std::to_string(r->message.seq);
  }

  // "chat:seq" of each hit, and the total.
  std::pair<std::vector<std::string>, int64_t> Search(SearchQuery q) {
    if (q.channel.empty()) q.channel = channel_;
    auto r = store_->SearchMessages(q);
    EXPECT_TRUE(r.ok()) << r.status().message();
    std::vector<std::string> hits;
    if (!r.ok()) return {hits, -1};
    for (const auto& h : r->hits) hits.push_back(h.chat_id + ":" + std::to_string(h.message.seq));
    return {hits, r->total};
  }

  std::vector<std::string> Ids(std::initializer_list<const char*> texts) {
    std::vector<std::string> out;
    for (const char* t : texts) out.push_back(ids_by_text_[t]);
    return out;
  }

  std::string a_, b_, c_;
  std::map<std::string, std::string> ids_by_text_;
};

TEST_P(SearchTest, FindsChineseKeywordsOfEveryLengthNewestFirst) {
  // Two characters: below the trigram minimum.
  auto two = Search({.keyword = "退款"});
  EXPECT_EQ(two.first,
            Ids({"申请退款单的进度", "退款提醒", "退款已到账", "退款单号 RF2024", "我要退款"}));
  EXPECT_EQ(two.second, 5);
  // Three characters and more: the index.
  EXPECT_EQ(Search({.keyword = "退款单"}).first, Ids({"申请退款单的进度", "退款单号 RF2024"}));
  EXPECT_EQ(Search({.keyword = "退款单的进度"}).first, Ids({"申请退款单的进度"}));
  auto one = Search({.keyword = "退"});
  EXPECT_EQ(one.second, 6);
  EXPECT_EQ(one.first.front(), ids_by_text_["退"]);
  EXPECT_EQ(Search({.keyword = "不存在的词"}).second, 0);
}

TEST_P(SearchTest, IgnoresAsciiCaseAndTreatsWildcardsAsText) {
  EXPECT_EQ(Search({.keyword = "REFUND"}).first, Ids({"Refund please"}));
  EXPECT_EQ(Search({.keyword = "fu"}).first, Ids({"Refund please"}));
  EXPECT_EQ(Search({.keyword = "%_"}).first, Ids({"100%_done"}));
  EXPECT_EQ(Search({.keyword = "0%_d"}).first, Ids({"100%_done"}));
  EXPECT_EQ(Search({.keyword = "_"}).first, Ids({"100%_done"}));
  EXPECT_EQ(Search({.keyword = "\"退款"}).second, 0);
}

TEST_P(SearchTest, FiltersByChatTypeTimeAndChannelAndPages) {
  EXPECT_EQ(Search({.keyword = "退款", .chat_id = a_}).second, 3);
  EXPECT_EQ(Search({.keyword = "退款单", .chat_id = b_}).second, 0);
  EXPECT_EQ(Search({.keyword = "退款", .type = std::string("cmd")}).first, Ids({"退款提醒"}));
  EXPECT_EQ(Search({.keyword = "退款", .since_ms = 2000, .until_ms = 3000}).first,
            Ids({"退款提醒", "退款已到账", "退款单号 RF2024"}));
  auto page = Search({.keyword = "退款", .offset = 2, .limit = 2});
  EXPECT_EQ(page.first, Ids({"退款已到账", "退款单号 RF2024"}));
  EXPECT_EQ(page.second, 5);
  // Another channel's messages are never found, even by naming the chat.
  EXPECT_EQ(Search({.keyword = "退款", .chat_id = c_}).second, 0);
  auto other = Search({.channel = "other-" + channel_, .keyword = "退款"});
  EXPECT_EQ(other.first, (std::vector<std::string>{c_ + ":1"}));
  EXPECT_EQ(store_->SearchMessages({.channel = channel_}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(SearchTest, ImportedMessagesAreFoundToo) {
  Chat c;
  c.id = "imported-" + RandomHex(6);
  c.channel = channel_;
  c.user_id = "u";
  Message m = Text("批量导入的退款记录");
  ASSERT_TRUE(store_->Import(std::vector<ImportRecord>{{c, m}}, {}).ok());
  auto hits = Search({.keyword = "导入的退款"});
  EXPECT_EQ(hits.first, (std::vector<std::string>{c.id + ":1"}));
  Reopen();  // and after reopening (SQLite migrations run again)
  EXPECT_EQ(Search({.keyword = "导入的退款"}).second, 1);
}

// Writes leave the trigrams to CatchUpSearchIndex (SQLite); until it runs, searches scan the
// messages not yet indexed. The answers must not depend on how far the index has got.
TEST_P(SearchTest, AnswersDoNotDependOnHowFarTheIndexHasGot) {
  auto ask = [&] {
    return std::vector<std::pair<std::vector<std::string>, int64_t>>{
        Search({.keyword = "退款单"}),
        Search({.keyword = "退款单的进度"}),
        Search({.keyword = "REFUND"}),
        Search({.keyword = "0%_d"}),
        Search({.keyword = "退款提醒", .type = std::string("cmd")}),
        Search({.keyword = "退款", .offset = 1, .limit = 2})};
  };
  const auto before = ask();
  EXPECT_EQ(before[0].first, Ids({"申请退款单的进度", "退款单号 RF2024"}));
  auto indexed = CatchUpSearchIndex(*store_);
  ASSERT_TRUE(indexed.ok()) << indexed.status().message();
  // Every message with text: 9 in SetUp (the image has none). PostgreSQL indexes as it writes.
  EXPECT_EQ(*indexed, GetParam() == "sqlite" ? 9 : 0);
  EXPECT_EQ(*store_->CatchUpSearchIndex(100), 0);
  EXPECT_EQ(ask(), before);
  // A message written after the catch-up is found at once, then indexed once.
  Add(b_, "txt", "再次申请退款单", 8000);
  EXPECT_EQ(Search({.keyword = "退款单"}).first,
            Ids({"再次申请退款单", "申请退款单的进度", "退款单号 RF2024"}));
  EXPECT_EQ(*store_->CatchUpSearchIndex(100), GetParam() == "sqlite" ? 1 : 0);
  EXPECT_EQ(Search({.keyword = "退款单"}).second, 3);
}

// A catch-up may stop inside a chat (its chunk is full); the next one goes on from there. The
// answers stay the same after every step, and each message is indexed once.
TEST_P(SearchTest, SmallCatchUpsSplitChatsAndChangeNoAnswer) {
  auto ask = [&] {
    return std::vector<std::pair<std::vector<std::string>, int64_t>>{
        Search({.keyword = "退款单"}), Search({.keyword = "100%_d"}), Search({.keyword = "退款已"}),
        Search({.keyword = "REFUND"}), Search({.keyword = "退款", .offset = 1, .limit = 3})};
  };
  const auto before = ask();
  std::vector<int64_t> steps;
  for (int i = 0; i < 6; ++i) {
    auto indexed = store_->CatchUpSearchIndex(2);
    ASSERT_TRUE(indexed.ok()) << indexed.status().message();
    steps.push_back(*indexed);
    EXPECT_EQ(ask(), before) << "after step " << i;
  }
  // a_: texts at 1, 2 | 3, 4 | 6, 7 (5 is an image); b_: 1, 2; c_ (another channel): 1.
  const std::vector<int64_t> sqlite_steps = {2, 2, 2, 2, 1, 0};
  EXPECT_EQ(steps, GetParam() == "sqlite" ? sqlite_steps : std::vector<int64_t>(6, 0));
  Add(a_, "txt", "追加的退款单", 8000);
  EXPECT_EQ(*store_->CatchUpSearchIndex(2), GetParam() == "sqlite" ? 1 : 0);
  EXPECT_EQ(Search({.keyword = "退款单"}).first,
            Ids({"追加的退款单", "申请退款单的进度", "退款单号 RF2024"}));
}

// Retention deletes indexed and not-yet-indexed messages alike; neither may leave the index
// inconsistent (a contentless FTS5 index must never be told to delete a row it lacks).
TEST_P(SearchTest, DeletingIndexedAndPendingMessagesKeepsSearchExact) {
  ASSERT_TRUE(CatchUpSearchIndex(*store_).ok());
  Add(a_, "txt", "未索引的退款单据", 9000);  // pending: written after the catch-up
  auto deleted = store_->DeleteInactiveChats(channel_, NowMillis() + 86'400'000, 100);
  ASSERT_TRUE(deleted.ok()) << deleted.status().message();
  EXPECT_EQ(*deleted, 2);  // a_ and b_; c_ is in another channel
  EXPECT_EQ(Search({.keyword = "退款单"}).second, 0);
  EXPECT_EQ(Search({.keyword = "退款"}).second, 0);
  const std::string d = NewChat().id;
  Add(d, "txt", "新的退款单", 10000);
  EXPECT_EQ(Search({.keyword = "退款单"}).first, Ids({"新的退款单"}));
  auto indexed = CatchUpSearchIndex(*store_);
  ASSERT_TRUE(indexed.ok()) << indexed.status().message();
  EXPECT_EQ(*indexed, GetParam() == "sqlite" ? 1 : 0);  // the deleted pending one is gone
  EXPECT_EQ(Search({.keyword = "退款单"}).first, Ids({"新的退款单"}));
  EXPECT_EQ(Search({.channel = "other-" + channel_, .keyword = "退款"}).second, 1);
  Reopen();
  EXPECT_EQ(Search({.keyword = "新的退款"}).first, Ids({"新的退款单"}));
}

// The count stops at max_total: past it, total is max_total and not exact; the page is the
// same either way.
TEST_P(SearchTest, TotalIsCappedAndSaysSoPastTheCountLimit) {
  for (const char* keyword : {"退", "退款单"}) {  // the LIKE scan and the trigram index
    SearchQuery q{.channel = channel_, .keyword = keyword};
    auto full = store_->SearchMessages(q);
    ASSERT_TRUE(full.ok());
    EXPECT_TRUE(full->total_exact);
    const int64_t n = full->total;
    ASSERT_GE(n, 1);
    q.max_total = n;
    EXPECT_EQ(store_->SearchMessages(q).value().total, n);
    EXPECT_TRUE(store_->SearchMessages(q).value().total_exact) << "exactly at the cap is exact";
    q.max_total = n - 1;
    auto capped = store_->SearchMessages(q);
    ASSERT_TRUE(capped.ok());
    EXPECT_EQ(capped->total, n - 1);
    EXPECT_FALSE(capped->total_exact);
    EXPECT_EQ(capped->hits.size(), full->hits.size()) << "the page is not cut by the cap";
  }
  SearchQuery in_chat{.channel = channel_, .keyword = "退款", .chat_id = a_, .max_total = 1};
  auto one = store_->SearchMessages(in_chat);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->total, 1);
  EXPECT_FALSE(one->total_exact);
  EXPECT_EQ(one->hits.size(), 3u);
}

// --- events ---

class EventsTest : public StoreConformanceTest {
 protected:
  EventPage Read(int64_t after = 0, int64_t limit = 100) {
    return ReadQuery({.channel = channel_, .after = after, .limit = limit});
  }
  EventPage ReadQuery(const EventQuery& q) {
    auto page = store_->ReadEvents(q);
    EXPECT_TRUE(page.ok()) << page.status().message();
    return page.ok() ? *page : EventPage{};
  }
  static std::vector<EventType> Types(const EventPage& page) {
    std::vector<EventType> out;
    for (const Event& e : page.events) out.push_back(e.type);
    return out;
  }
  static std::vector<int64_t> Ids(const EventPage& page) {
    std::vector<int64_t> out;
    for (const Event& e : page.events) out.push_back(e.id);
    return out;
  }
  static std::vector<int64_t> Range(int64_t first, int64_t last) {
    std::vector<int64_t> out;
    for (int64_t i = first; i <= last; ++i) out.push_back(i);
    return out;
  }
};

using E = EventType;

TEST_P(EventsTest, EachWriteRecordsExactlyItsEvents) {
  const int64_t before = NowMillis();
  Chat c = NewChat(ChatStatus::kWaiting);
  auto sent = store_->AppendMessage(c.channel, c.id, Text("hello", "u-1"));
  ASSERT_TRUE(sent.ok());
  const ChatStatus from_waiting[] = {ChatStatus::kWaiting};
  auto accepted = store_->TransitionChat(c.channel, c.id, from_waiting, ChatStatus::kChatting,
                                         std::string("op-9"), NowMillis());
  ASSERT_TRUE(accepted.ok());
  // Refused or duplicate writes record nothing.
  EXPECT_TRUE(store_->AppendMessage(c.channel, c.id, Text("again", "u-1"))->duplicate);
  EXPECT_EQ(store_
                ->TransitionChat(c.channel, c.id, from_waiting, ChatStatus::kChatting, std::nullopt,
                                 NowMillis())
                .status()
                .code(),
            StatusCode::kConflict);
  EXPECT_EQ(store_->CreateChat(c).status().code(), StatusCode::kConflict);
  ASSERT_TRUE(
      store_->TransitionChat(c.channel, c.id, {}, ChatStatus::kEnded, std::nullopt, NowMillis())
          .ok());
  EXPECT_EQ(store_->AppendMessage(c.channel, c.id, Text("late")).status().code(),
            StatusCode::kConflict);

  EventPage page = Read();
  ASSERT_EQ(Types(page), (std::vector<E>{E::kChatCreated, E::kMessageCreated, E::kChatStatusChanged,
                                         E::kChatStatusChanged}));
  EXPECT_EQ(Ids(page), Range(1, 4));
  EXPECT_EQ(page.bounds.head, 4);
  EXPECT_EQ(page.bounds.pruned_through, 0);
  EXPECT_EQ(page.next, 4);
  for (const Event& e : page.events) {
    EXPECT_EQ(e.channel, channel_);
    EXPECT_EQ(e.chat_id, c.id);
    EXPECT_GE(e.time_ms, before);
  }
  const Event& created = page.events[0];
  ASSERT_TRUE(created.chat.has_value());
  EXPECT_EQ(created.chat->user_id, c.user_id);
  EXPECT_EQ(created.chat->status, ChatStatus::kWaiting);
  EXPECT_EQ(created.chat->message_count, 0);
  EXPECT_FALSE(created.message.has_value());
  EXPECT_FALSE(created.from.has_value());

  const Event& message = page.events[1];
  EXPECT_EQ(message.seq, 1);
  EXPECT_FALSE(message.chat.has_value());
  ASSERT_TRUE(message.message.has_value());
  EXPECT_EQ(message.message->msg, "hello");
  EXPECT_EQ(message.message->user_message_id, "u-1");
  EXPECT_EQ(message.message->seq, 1);

  const Event& accept = page.events[2];
  ASSERT_TRUE(accept.chat.has_value());
  EXPECT_EQ(accept.chat->status, ChatStatus::kChatting);
  EXPECT_EQ(accept.chat->operator_id, "op-9");
  EXPECT_EQ(accept.chat->message_count, 1);
  EXPECT_EQ(accept.from, ChatStatus::kWaiting);
  EXPECT_FALSE(accept.message.has_value());
  EXPECT_EQ(page.events[3].from, ChatStatus::kChatting);
  EXPECT_EQ(page.events[3].chat->status, ChatStatus::kEnded);
}

TEST_P(EventsTest, ImportRecordsEventsUnlessToldNot) {
  Chat existing = NewChat();  // event 1
  Chat fresh;
  fresh.id = NewChatId();
  fresh.channel = channel_;
  fresh.user_id = "user-import";
  fresh.status = ChatStatus::kEnded;
  fresh.message_count = 7;  // ignored: a new chat has no messages
  fresh.created_ms = fresh.updated_ms = 1'600'000'000'000;
  std::vector<ImportRecord> records = {{fresh, Text("f1", "f-1")},
                                       {existing, Text("e1", "e-1")},
                                       {fresh, Text("f2", "f-2")},
                                       {fresh, Text("f1 again", "f-1")}};
  auto counts = store_->Import(records, {});
  ASSERT_TRUE(counts.ok()) << counts.status().message();
  EXPECT_EQ(counts->inserted, 3);
  EventPage page = Read();
  EXPECT_EQ(Ids(page), Range(1, 5));
  std::map<std::string, std::vector<std::pair<E, int64_t>>> per_chat;
  for (const Event& e : page.events) per_chat[e.chat_id].push_back({e.type, e.seq});
  EXPECT_EQ(per_chat[existing.id],
            (std::vector<std::pair<E, int64_t>>{{E::kChatCreated, 0}, {E::kMessageCreated, 1}}));
  EXPECT_EQ(per_chat[fresh.id],
            (std::vector<std::pair<E, int64_t>>{
                {E::kChatCreated, 0}, {E::kMessageCreated, 1}, {E::kMessageCreated, 2}}));
  for (const Event& e : page.events) {
    if (e.chat_id == fresh.id && e.type == E::kChatCreated) {
      EXPECT_EQ(e.chat->status, ChatStatus::kEnded);
      EXPECT_EQ(e.chat->message_count, 0);
      EXPECT_EQ(e.chat->user_id, "user-import");
    }
    if (e.chat_id == fresh.id && e.seq == 2) {
      ASSERT_TRUE(e.message.has_value());
      EXPECT_EQ(e.message->msg, "f2");
    }
  }

  Chat silent = fresh;
  silent.id = NewChatId();
  ImportOptions quiet;
  quiet.events = false;
  std::vector<ImportRecord> more = {{silent, Text("s1")}, {fresh, Text("f3")}};
  ASSERT_EQ(store_->Import(more, quiet).value().inserted, 2);
  EXPECT_EQ(store_->GetEventBounds(channel_).value().head, 5);
  EXPECT_EQ(store_->GetChat(channel_, silent.id).value().message_count, 1);
}

TEST_P(EventsTest, FiltersLimitsAndTheNextCursor) {
  Chat a = NewChat();  // 1
  Chat b = NewChat();  // 2
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store_->AppendMessage(channel_, a.id, Text("a")).ok());  // 3, 5, 7
    ASSERT_TRUE(store_->AppendMessage(channel_, b.id, Text("b")).ok());  // 4, 6, 8
  }
  ASSERT_TRUE(store_->TransitionChat(channel_, b.id, {}, ChatStatus::kEnded, std::nullopt, 1).ok());

  EventPage first = Read(0, 4);
  EXPECT_EQ(Ids(first), Range(1, 4));
  EXPECT_EQ(first.next, 4);
  EventPage rest = Read(first.next, 100);
  EXPECT_EQ(Ids(rest), Range(5, 9));
  EXPECT_EQ(rest.next, 9);
  EXPECT_EQ(rest.bounds.head, 9);

  EventPage of_a = ReadQuery({.channel = channel_, .chat_id = a.id});
  EXPECT_EQ(Ids(of_a), (std::vector<int64_t>{1, 3, 5, 7}));
  EXPECT_EQ(of_a.next, 9) << "the filters skipped the rest: next is the head";
  EventPage of_a_limited = ReadQuery({.channel = channel_, .chat_id = a.id, .limit = 2});
  EXPECT_EQ(Ids(of_a_limited), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(of_a_limited.next, 3);

  EventTypeSet chat_events;
  chat_events.Add(E::kChatCreated);
  chat_events.Add(E::kChatStatusChanged);
  EventPage status = ReadQuery({.channel = channel_, .types = chat_events});
  EXPECT_EQ(Ids(status), (std::vector<int64_t>{1, 2, 9}));
  EventTypeSet changes;
  changes.Add(E::kChatStatusChanged);
  EventPage none = ReadQuery({.channel = channel_, .after = 0, .chat_id = a.id, .types = changes});
  EXPECT_TRUE(none.events.empty());
  EXPECT_EQ(none.next, 9);

  EventPage ahead = Read(50);
  EXPECT_TRUE(ahead.events.empty());
  EXPECT_EQ(ahead.next, 50) << "a cursor past the head stays where it is";
  EXPECT_EQ(ahead.bounds.head, 9);

  EventPage empty = ReadQuery({.channel = "ch-" + RandomHex(6)});
  EXPECT_TRUE(empty.events.empty());
  EXPECT_EQ(empty.next, 0);
  EXPECT_EQ(empty.bounds.head, 0);
}

TEST_P(EventsTest, ChannelsCountOnTheirOwn) {
  NewChat();
  NewChat();
  const std::string mine = channel_;
  channel_ = "ch-" + RandomHex(6);
  Chat other = NewChat();
  ASSERT_TRUE(store_->AppendMessage(channel_, other.id, Text("x")).ok());
  EXPECT_EQ(Ids(Read()), Range(1, 2));
  for (const Event& e : Read().events) EXPECT_EQ(e.channel, channel_);
  EXPECT_EQ(store_->GetEventBounds(mine).value().head, 2);
  EXPECT_EQ(store_->GetEventBounds(channel_).value().head, 2);
  EXPECT_EQ(store_->GetEventBounds("ch-" + RandomHex(6)).value().head, 0);
}

TEST_P(EventsTest, PruneDeletesOldEventsAndRaisesPrunedThrough) {
  Chat c = NewChat();                                                    // 1
  ASSERT_TRUE(store_->AppendMessage(channel_, c.id, Text("old")).ok());  // 2
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int64_t cutoff = NowMillis();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(store_->AppendMessage(channel_, c.id, Text("new")).ok());  // 3
  // Other channels' old events go too: the limit is large enough for all of them.
  auto pruned = store_->PruneEvents(cutoff, 1'000'000);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_GE(*pruned, 2);
  EventBounds bounds = store_->GetEventBounds(channel_).value();
  EXPECT_EQ(bounds.head, 3);
  EXPECT_EQ(bounds.pruned_through, 2);
  EventPage page = Read();
  EXPECT_EQ(Ids(page), (std::vector<int64_t>{3}));
  EXPECT_EQ(page.bounds.pruned_through, 2);
  EXPECT_EQ(store_->PruneEvents(cutoff, 10).value(), 0);
  ASSERT_TRUE(store_->AppendMessage(channel_, c.id, Text("newer")).ok());  // 4
  EXPECT_EQ(store_->PruneEvents(NowMillis() + 1000, 1).value(), 1) << "at most the limit";
}

TEST_P(EventsTest, RetentionPrunesEventsPastTheirAge) {
  Chat c = NewChat();
  ASSERT_TRUE(store_->AppendMessage(channel_, c.id, Text("m")).ok());
  const int64_t hour = 3'600'000;
  EXPECT_EQ(PruneExpiredEvents(*store_, 0, NowMillis() + 1000 * hour).value(), 0)
      << "0 keeps events forever";
  EXPECT_EQ(PruneExpiredEvents(*store_, 2 * hour, NowMillis() + hour).value(), 0);
  EXPECT_EQ(Ids(Read()), Range(1, 2));
  auto pruned = PruneExpiredEvents(*store_, hour, NowMillis() + 2 * hour);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_GE(*pruned, 2);
  EXPECT_TRUE(Read().events.empty());
  EXPECT_EQ(store_->GetEventBounds(channel_).value().pruned_through, 2);
}

TEST_P(EventsTest, AnEventOutlivesItsMessage) {
  Chat c = NewChat();
  ASSERT_TRUE(store_->AppendMessage(channel_, c.id, Text("bye")).ok());
  ASSERT_EQ(store_->DeleteInactiveChats(channel_, 1LL << 62, 10).value(), 1);
  EventPage page = Read();
  ASSERT_EQ(Ids(page), Range(1, 2));
  EXPECT_EQ(page.events[1].type, E::kMessageCreated);
  EXPECT_EQ(page.events[1].seq, 1);
  EXPECT_FALSE(page.events[1].message.has_value());
  EXPECT_TRUE(page.events[0].chat.has_value()) << "a chat event keeps its snapshot";
}

// Writers on several threads (on PostgreSQL through two stores: two "instances") while a reader
// follows the channel from its cursor: it never sees an id twice or out of order, never a gap,
// and ends with every event, each chat's messages in position order.
TEST_P(EventsTest, ConcurrentWritersNeverSkipAnEventForAReader) {
  std::unique_ptr<Store> second;
  Store* stores[2] = {store_.get(), store_.get()};
  if (GetParam() == "postgres") {
    auto s = OpenStore(url_);
    ASSERT_TRUE(s.ok());
    second = std::move(*s);
    stores[1] = second.get();
  }
  constexpr int kChats = 4, kWriters = 4, kPerWriter = 40;
  std::vector<Chat> chats;
  for (int i = 0; i < kChats; ++i) chats.push_back(NewChat());
  std::atomic<bool> done{false};
  std::vector<Event> seen;
  std::string failure;
  std::thread reader([&] {
    int64_t cursor = 0;
    for (;;) {
      const bool last = done.load();
      auto page = stores[1]->ReadEvents({.channel = channel_, .after = cursor, .limit = 7});
      if (!page.ok()) {
        failure = page.status().message();
        return;
      }
      for (const Event& e : page->events) {
        if (e.id != cursor + 1) {
          failure = "after " + std::to_string(cursor) + " came " + std::to_string(e.id);
          return;
        }
        cursor = e.id;
        seen.push_back(e);
      }
      if (last && page->events.empty()) return;
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        const Chat& c = chats[static_cast<size_t>((w + i) % kChats)];
        auto r = stores[w % 2]->AppendMessage(channel_, c.id, Text("w"));
        EXPECT_TRUE(r.ok()) << r.status().message();
      }
    });
  }
  for (auto& t : writers) t.join();
  done.store(true);
  reader.join();
  ASSERT_EQ(failure, "");
  ASSERT_EQ(static_cast<int>(seen.size()), kChats + kWriters * kPerWriter);
  std::map<std::string, int64_t> last_seq;
  for (const Event& e : seen) {
    if (e.type != E::kMessageCreated) continue;
    EXPECT_EQ(e.seq, last_seq[e.chat_id] + 1) << "chat " << e.chat_id;
    last_seq[e.chat_id] = e.seq;
  }
}

TEST_P(EventsTest, AnnouncementsReachListenersOfAnotherStore) {
  if (GetParam() != "postgres") {
    EXPECT_TRUE(store_->AnnounceEvents(channel_).ok());
    auto listener = store_->ListenForEvents([](std::string_view) {});
    ASSERT_TRUE(listener.ok());
    EXPECT_EQ(*listener, nullptr) << "SQLite has nobody to tell";
    return;
  }
  auto other = OpenStore(url_);
  ASSERT_TRUE(other.ok());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> heard;
  auto listener = (*other)->ListenForEvents([&](std::string_view channel) {
    std::lock_guard lock(mu);
    heard.emplace_back(channel);
    cv.notify_all();
  });
  ASSERT_TRUE(listener.ok()) << listener.status().message();
  ASSERT_NE(*listener, nullptr);
  ASSERT_TRUE(store_->AnnounceEvents("c1").ok());
  std::unique_lock lock(mu);
  EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(1), [&] {
    return std::find(heard.begin(), heard.end(), "c1") != heard.end();
  }));
}

INSTANTIATE_TEST_SUITE_P(BackEnds, EventsTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

INSTANTIATE_TEST_SUITE_P(BackEnds, SearchTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

INSTANTIATE_TEST_SUITE_P(BackEnds, StoreConformanceTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat
