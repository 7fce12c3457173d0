#include "events/event_hub.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/crypto.hpp"
#include "events/live_subscription.hpp"

namespace opchat {
namespace {

using namespace std::chrono_literals;

// A hub on a fresh SQLite store, its refresher polling rarely so that a test decides when the
// ring catches up (Published, or not).
class EventHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("opchat-hub-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    store_ = std::move(*OpenStore("sqlite:" + (dir_ / "db").string()));
    Chat c;
    c.id = "chat-1";
    c.channel = "ch";
    c.user_id = "u1";
    ASSERT_TRUE(store_->CreateChat(c).ok());  // event 1
  }
  void TearDown() override {
    hub_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartHub(LiveSettings settings) {
    settings.poll_interval_ms = 60'000;
    hub_ = std::make_unique<EventHub>(*store_, media_, settings);
    ASSERT_TRUE(hub_->Start().ok());
  }

  void Send(const std::string& text) {
    Message m;
    m.user_message_id = RandomHex(8);
    m.from = "u1";
    m.type = "txt";
    m.msg = text;
    m.create_ms = 1'700'000'000'000;
    ASSERT_TRUE(store_->AppendMessage("ch", "chat-1", m).ok());
  }

  // Waits until the ring holds event `id` (Fetch from just before it is served from the ring).
  void AwaitRing(int64_t id) {
    for (int i = 0; i < 200; ++i) {
      auto f = hub_->Fetch("ch", id - 1, {}, 10);
      if (f.ok() && f->backlog_bytes && !f->frames.empty() && f->frames.back()->id == id) return;
      std::this_thread::sleep_for(10ms);
    }
    FAIL() << "the ring never reached event " << id;
  }

  // Waits until the channel's ring has been read once (a Fetch at its head is served from it).
  void AwaitLoaded(int64_t head) {
    for (int i = 0; i < 200; ++i) {
      auto f = hub_->Fetch("ch", head, {}, 10);
      if (f.ok() && f->backlog_bytes) return;
      std::this_thread::sleep_for(10ms);
    }
    FAIL() << "the ring was never read";
  }

  struct NoWaker : Waker {
    void Wake() override {}
  };

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  QiniuUrlSigner media_{MediaSettings{}};
  std::unique_ptr<EventHub> hub_;
};

TEST_F(EventHubTest, ServesTheRingAndTheTableAlike) {
  StartHub({});
  NoWaker waker;
  hub_->Watch("ch", &waker);
  AwaitLoaded(1);
  Send("one");  // 2
  Send("two");  // 3
  // Not yet in the ring: read from the table.
  auto early = hub_->Fetch("ch", 0, {}, 10);
  ASSERT_TRUE(early.ok());
  ASSERT_EQ(early->frames.size(), 3u);
  hub_->Published("ch");
  AwaitRing(3);
  auto ring = hub_->Fetch("ch", 1, {}, 10);
  ASSERT_TRUE(ring.ok());
  ASSERT_EQ(ring->frames.size(), 2u);
  EXPECT_EQ(ring->frames[0]->json, early->frames[1]->json) << "the same bytes either way";
  EXPECT_EQ(ring->frames[0]->id, 2);
  EXPECT_EQ(ring->next, 3);
  EXPECT_EQ(*ring->backlog_bytes, 0);
  // A filter skips, and `next` still moves to the head.
  LiveFilter created;
  created.types.Add(EventType::kChatCreated);
  auto none = hub_->Fetch("ch", 1, created, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->frames.empty());
  EXPECT_EQ(none->next, 3);
  hub_->Unwatch("ch", &waker);
}

TEST_F(EventHubTest, ACursorAheadOfAStaleRingIsCaughtUpNotOverrun) {
  StartHub({});
  NoWaker waker;
  hub_->Watch("ch", &waker);
  AwaitLoaded(1);
  Send("written elsewhere");  // 2: no Published, as from another instance before its NOTIFY
  auto ahead = hub_->Fetch("ch", 2, {}, 10);  // a cursor the table has and the ring not yet
  ASSERT_TRUE(ahead.ok());
  EXPECT_TRUE(ahead->frames.empty());
  EXPECT_EQ(ahead->next, 2);
  EXPECT_EQ(*ahead->backlog_bytes, 0);
  hub_->Unwatch("ch", &waker);
}

TEST_F(EventHubTest, ASubscriberThatFallsBehindItsQueueIsToldWhereToResume) {
  LiveSettings settings;
  settings.queue_bytes = 4096;
  StartHub(settings);
  std::string client = "c1";
  ASSERT_EQ(hub_->Admit(client), EventHub::Admission::kAdmitted);
  LiveSubscription sub(*hub_, client, "ch", {}, 1);
  NoWaker waker;
  sub.Watch(&waker);
  AwaitLoaded(1);
  EXPECT_TRUE(sub.Next(64).frames.empty()) << "level with the head: caught up";
  for (int i = 0; i < 10; ++i) Send(std::string(1000, 'x'));  // ~13 kB of events, > 4 kB
  hub_->Published("ch");
  AwaitRing(11);
  LiveSubscription::Step step = sub.Next(1);  // one frame: the backlog stays over the queue
  EXPECT_TRUE(step.close);
  EXPECT_EQ(step.close_code, 4000);
  EXPECT_EQ(step.close_reason, "too slow: resume with after=1");
}

TEST_F(EventHubTest, AdmitsUpToTheLimits) {
  LiveSettings settings;
  settings.max_connections = 3;
  settings.max_connections_per_client = 2;
  StartHub(settings);
  EXPECT_EQ(hub_->Admit("a"), EventHub::Admission::kAdmitted);
  EXPECT_EQ(hub_->Admit("a"), EventHub::Admission::kAdmitted);
  EXPECT_EQ(hub_->Admit("a"), EventHub::Admission::kClientFull);
  EXPECT_EQ(hub_->Admit("b"), EventHub::Admission::kAdmitted);
  EXPECT_EQ(hub_->Admit("c"), EventHub::Admission::kServerFull);
  hub_->Release("a");
  EXPECT_EQ(hub_->Admit("c"), EventHub::Admission::kAdmitted);
}

}  // namespace
}  // namespace opchat
