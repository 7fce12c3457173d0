// The conformance suite of WebhookStore (storage/webhook_store.hpp), run unchanged on SQLite and,
// under tests/pg_harness.sh, on PostgreSQL, as store_conformance_test.cpp is. Tests on a shared
// PostgreSQL database use fresh random ids and remove their endpoints when done, so a claim of
// one test never finds another's deliveries.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/ids.hpp"
#include "storage/store.hpp"
#include "storage/testing/postgres_url.hpp"

namespace opchat {
namespace {

std::vector<std::string> BackEnds() {
  std::vector<std::string> v = {"sqlite"};
  if (const char* pg = std::getenv("OPCHAT_TEST_PG_URL"); pg && *pg) v.push_back("postgres");
  return v;
}

class WebhookStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      url_ = "sqlite:" + ::testing::TempDir() + "/webhooks_" + std::to_string(getpid()) + "_" +
             RandomHex(6) + ".db";
    } else {
      url_ = GetParam();
      if (url_ == "postgres") url_ = std::getenv("OPCHAT_TEST_PG_URL");
    }
    auto s = OpenStore(url_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
    channel_ = "ch-" + RandomHex(6);
    now_ = NowMillis();
  }

  void TearDown() override {
    if (!store_) return;
    for (const std::string& id : endpoints_) (void)hooks().RemoveWebhook(id);
  }

  WebhookStore& hooks() { return store_->webhooks(); }

  // A new enabled endpoint of channel_, removed at the end of the test.
  WebhookEndpoint AddEndpoint(EventTypeSet types = {}, const std::string& channel = "") {
    WebhookEndpoint w;
    w.id = "wh_" + RandomHex(8);
    w.channel = channel.empty() ? channel_ : channel;
    w.url = "https://example.com/hook/" + w.id;
    w.types = types;
    w.secret = "secret-" + w.id;
    w.created_ms = now_ + static_cast<int64_t>(endpoints_.size());
    w.cursor = 12345;  // ignored: the head is taken
    Status s = hooks().AddWebhook(w);
    EXPECT_TRUE(s.ok()) << s.message();
    endpoints_.push_back(w.id);
    return w;
  }

  WebhookEndpoint Get(const std::string& id) {
    auto all = hooks().ListWebhooks();
    EXPECT_TRUE(all.ok());
    for (const WebhookEndpoint& w : *all) {
      if (w.id == id) return w;
    }
    ADD_FAILURE() << "no endpoint " << id;
    return {};
  }

  Chat NewChat() {
    Chat c;
    c.id = NewChatId();
    c.channel = channel_;
    c.user_id = "user-" + RandomHex(4);
    c.status = ChatStatus::kChatting;
    c.operator_id = "op-1";
    c.created_ms = c.updated_ms = 1'700'000'000'000;
    auto created = store_->CreateChat(c);
    EXPECT_TRUE(created.ok()) << created.status().message();
    return c;
  }

  void Send(const Chat& chat, const std::string& text) {
    Message m;
    m.user_message_id = ids_.Next();
    m.from = "user";
    m.to = "op-1";
    m.type = "txt";
    m.msg = text;
    m.create_ms = 1'700'000'000'000;
    auto r = store_->AppendMessage(chat.channel, chat.id, m);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }

  int64_t FanOut(const std::string& id, int64_t limit = 1000) {
    auto n = hooks().FanOutWebhook(id, limit, now_, nullptr);
    EXPECT_TRUE(n.ok()) << n.status().message();
    return n.ok() ? *n : -1;
  }

  ClaimRequest Claim(const std::string& owner, int64_t now, int64_t per_queue = 20) {
    return {.owner = owner, .now_ms = now, .lease_until_ms = now + 10'000, .per_queue = per_queue};
  }

  // The claimed deliveries of this test's endpoints, as (endpoint, event id).
  std::vector<std::pair<std::string, int64_t>> Claimed(const ClaimRequest& request) {
    auto claimed = hooks().ClaimWebhookDeliveries(request);
    EXPECT_TRUE(claimed.ok()) << claimed.status().message();
    std::vector<std::pair<std::string, int64_t>> out;
    if (!claimed.ok()) return out;
    for (const ClaimedDelivery& d : *claimed) {
      if (std::find(endpoints_.begin(), endpoints_.end(), d.endpoint_id) != endpoints_.end()) {
        out.emplace_back(d.endpoint_id, d.event.id);
      }
    }
    return out;
  }

  std::vector<ClaimedDelivery> ClaimAll(const ClaimRequest& request) {
    auto claimed = hooks().ClaimWebhookDeliveries(request);
    EXPECT_TRUE(claimed.ok()) << claimed.status().message();
    return claimed.ok() ? *claimed : std::vector<ClaimedDelivery>{};
  }

  static DeliveryOutcome Outcome(const std::string& endpoint, int64_t event_id, DeliveryState state,
                                 int http_status, int64_t time_ms, int64_t next_attempt_ms = 0) {
    DeliveryOutcome o;
    o.endpoint_id = endpoint;
    o.event_id = event_id;
    o.state = state;
    o.next_attempt_ms = next_attempt_ms;
    o.attempt = WebhookAttempt{.time_ms = time_ms,
                               .http_status = http_status,
                               .latency_ms = 7,
                               .error = http_status == 0 ? "timeout" : "",
                               .response = http_status == 0 ? "" : "body"};
    return o;
  }

  void Record(const std::string& owner, std::vector<DeliveryOutcome> outcomes) {
    Status s = hooks().RecordWebhookOutcomes(owner, outcomes);
    EXPECT_TRUE(s.ok()) << s.message();
  }

  std::vector<DeliveryRecord> Deliveries(const std::string& endpoint,
                                         std::optional<DeliveryState> state = std::nullopt,
                                         int64_t limit = 50) {
    auto d =
        hooks().ListWebhookDeliveries({.endpoint_id = endpoint, .state = state, .limit = limit});
    EXPECT_TRUE(d.ok()) << d.status().message();
    return d.ok() ? *d : std::vector<DeliveryRecord>{};
  }

  static std::vector<int64_t> EventIds(const std::vector<DeliveryRecord>& records) {
    std::vector<int64_t> out;
    for (const DeliveryRecord& r : records) out.push_back(r.event_id);
    return out;
  }

  std::string url_;
  std::string channel_;
  int64_t now_ = 0;
  std::unique_ptr<Store> store_;
  std::vector<std::string> endpoints_;
  MessageIdGenerator ids_{5};
};

using Pairs = std::vector<std::pair<std::string, int64_t>>;
using S = DeliveryState;

EventTypeSet Only(EventType t) {
  EventTypeSet s;
  s.Add(t);
  return s;
}

// --- endpoints ---

TEST_P(WebhookStoreTest, AddStartsAtTheChannelHeadAndRefusesATakenId) {
  Chat c = NewChat();  // event 1
  Send(c, "before");   // event 2
  WebhookEndpoint w = AddEndpoint(Only(EventType::kMessageCreated));
  WebhookEndpoint got = Get(w.id);
  EXPECT_EQ(got.cursor, 2);
  EXPECT_EQ(got.channel, channel_);
  EXPECT_EQ(got.url, w.url);
  EXPECT_EQ(got.secret, w.secret);
  EXPECT_TRUE(got.enabled);
  EXPECT_EQ(got.created_ms, w.created_ms);
  EXPECT_TRUE(got.types.Passes(EventType::kMessageCreated));
  EXPECT_FALSE(got.types.Passes(EventType::kChatCreated));
  EXPECT_EQ(hooks().AddWebhook(w).code(), StatusCode::kConflict);
  WebhookEndpoint fresh = AddEndpoint({}, "ch-" + RandomHex(6));
  EXPECT_EQ(Get(fresh.id).cursor, 0) << "a channel without events starts at 0";
  EXPECT_TRUE(Get(fresh.id).types.empty());
}

TEST_P(WebhookStoreTest, ListsEndpointsInOrderOfCreation) {
  WebhookEndpoint a = AddEndpoint();
  WebhookEndpoint b = AddEndpoint();
  auto all = hooks().ListWebhooks();
  ASSERT_TRUE(all.ok());
  std::vector<std::string> ours;
  for (const WebhookEndpoint& w : *all) {
    if (w.id == a.id || w.id == b.id) ours.push_back(w.id);
  }
  EXPECT_EQ(ours, (std::vector<std::string>{a.id, b.id}));
}

TEST_P(WebhookStoreTest, DisablingRecordsTheReasonAndEnablingClearsItAndFailingSince) {
  Chat c = NewChat();
  WebhookEndpoint w = AddEndpoint();
  Send(c, "m");
  ASSERT_EQ(FanOut(w.id), 1);
  auto claimed = ClaimAll(Claim("a", now_));
  ASSERT_EQ(claimed.size(), 1u);
  Record("a", {Outcome(w.id, claimed[0].event.id, S::kPending, 500, now_ + 5, now_ + 1000)});
  EXPECT_EQ(Get(w.id).failing_since_ms, now_ + 5);
  ASSERT_TRUE(hooks().SetWebhookEnabled(w.id, false, "failing for 3 days").ok());
  WebhookEndpoint off = Get(w.id);
  EXPECT_FALSE(off.enabled);
  EXPECT_EQ(off.disabled_reason, "failing for 3 days");
  ASSERT_TRUE(hooks().SetWebhookEnabled(w.id, true, "").ok());
  WebhookEndpoint on = Get(w.id);
  EXPECT_TRUE(on.enabled);
  EXPECT_EQ(on.disabled_reason, "");
  EXPECT_EQ(on.failing_since_ms, 0);
  EXPECT_EQ(hooks().SetWebhookEnabled("wh_nope", true, "").code(), StatusCode::kNotFound);
}

TEST_P(WebhookStoreTest, RotationKeepsThePreviousSecretUntilAGivenTime) {
  WebhookEndpoint w = AddEndpoint();
  ASSERT_TRUE(hooks().RotateWebhookSecret(w.id, "new-secret", now_ + 86'400'000).ok());
  WebhookEndpoint got = Get(w.id);
  EXPECT_EQ(got.secret, "new-secret");
  EXPECT_EQ(got.previous_secret, w.secret);
  EXPECT_EQ(got.previous_secret_until_ms, now_ + 86'400'000);
  EXPECT_EQ(hooks().RotateWebhookSecret("wh_nope", "x", 0).code(), StatusCode::kNotFound);
}

TEST_P(WebhookStoreTest, RemoveDeletesTheEndpointWithItsDeliveries) {
  Chat c = NewChat();
  WebhookEndpoint w = AddEndpoint();
  Send(c, "m");
  ASSERT_EQ(FanOut(w.id), 1);
  auto claimed = ClaimAll(Claim("a", now_));
  ASSERT_EQ(claimed.size(), 1u);
  Record("a", {Outcome(w.id, claimed[0].event.id, S::kSucceeded, 200, now_)});
  ASSERT_TRUE(hooks().RemoveWebhook(w.id).ok());
  EXPECT_TRUE(Deliveries(w.id).empty());
  EXPECT_EQ(hooks().RemoveWebhook(w.id).code(), StatusCode::kNotFound);
  // An endpoint of the same id starts afresh: nothing of the old one's is left.
  WebhookEndpoint again = w;
  ASSERT_TRUE(hooks().AddWebhook(again).ok());
  EXPECT_TRUE(Deliveries(w.id).empty());
  EXPECT_EQ(hooks().GetWebhookQueueStats()->pending, 0);
}

// --- fan-out ---

TEST_P(WebhookStoreTest, FanOutQueuesTheEventsThatPassTheFilterAndMovesTheCursor) {
  WebhookEndpoint all = AddEndpoint();
  WebhookEndpoint messages = AddEndpoint(Only(EventType::kMessageCreated));
  Chat c = NewChat();  // 1: chat.created
  Send(c, "a");        // 2
  Send(c, "b");        // 3
  ASSERT_TRUE(store_->TransitionChat(channel_, c.id, {}, ChatStatus::kEnded, std::nullopt, now_)
                  .ok());  // 4
  EXPECT_EQ(FanOut(messages.id), 2);
  EXPECT_EQ(Get(messages.id).cursor, 4) << "skipped events move the cursor too";
  EXPECT_EQ(EventIds(Deliveries(messages.id)), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(FanOut(all.id, 3), 3) << "looks at `limit` events";
  EXPECT_EQ(Get(all.id).cursor, 3);
  EXPECT_EQ(FanOut(all.id), 1);
  EXPECT_EQ(Get(all.id).cursor, 4);
  EXPECT_EQ(FanOut(all.id), 0) << "nothing is queued twice";
  EXPECT_EQ(FanOut(messages.id), 0);
  std::vector<DeliveryRecord> d = Deliveries(all.id);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].event_type, EventType::kChatStatusChanged);
  EXPECT_EQ(d[3].event_type, EventType::kChatCreated);
  EXPECT_EQ(d[3].chat_id, c.id);
  EXPECT_EQ(d[3].state, S::kPending);
  EXPECT_EQ(d[3].created_ms, now_);
  EXPECT_EQ(d[3].next_attempt_ms, now_);
  EXPECT_EQ(hooks().FanOutWebhook("wh_nope", 10, now_, nullptr).value(), 0) << "a missing endpoint";
}

TEST_P(WebhookStoreTest, ADisabledEndpointQueuesNothingUntilEnabledAgain) {
  WebhookEndpoint w = AddEndpoint();
  ASSERT_TRUE(hooks().SetWebhookEnabled(w.id, false, "paused").ok());
  Chat c = NewChat();
  Send(c, "while disabled");
  EXPECT_EQ(FanOut(w.id), 0);
  EXPECT_EQ(Get(w.id).cursor, 0);
  ASSERT_TRUE(hooks().SetWebhookEnabled(w.id, true, "").ok());
  EXPECT_EQ(FanOut(w.id), 2);
}

TEST_P(WebhookStoreTest, ACursorBelowPrunedEventsJumpsPastThem) {
  WebhookEndpoint w = AddEndpoint();
  Chat c = NewChat();  // 1
  Send(c, "old");      // 2
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int64_t cutoff = NowMillis();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Send(c, "new");  // 3
  ASSERT_TRUE(store_->PruneEvents(cutoff, 1'000'000).ok());
  EXPECT_EQ(FanOut(w.id), 1);
  EXPECT_EQ(EventIds(Deliveries(w.id)), (std::vector<int64_t>{3}));
  EXPECT_EQ(Get(w.id).cursor, 3);
}

// --- claims ---

TEST_P(WebhookStoreTest, ClaimLeasesTheFirstDeliveriesOfEachQueueWithTheirEvents) {
  WebhookEndpoint w = AddEndpoint(Only(EventType::kMessageCreated));
  Chat a = NewChat();  // 1
  Chat b = NewChat();  // 2
  Send(a, "a1");       // 3
  Send(b, "b1");       // 4
  Send(a, "a2");       // 5
  Send(a, "a3");       // 6
  ASSERT_EQ(FanOut(w.id), 4);
  auto claimed = ClaimAll(Claim("one", now_, 2));
  ASSERT_EQ(claimed.size(), 3u);
  // Ordered by endpoint, chat and event id.
  const bool a_first = a.id < b.id;
  std::vector<int64_t> ids;
  for (const ClaimedDelivery& d : claimed) ids.push_back(d.event.id);
  EXPECT_EQ(ids, a_first ? (std::vector<int64_t>{3, 5, 4}) : (std::vector<int64_t>{4, 3, 5}));
  for (const ClaimedDelivery& d : claimed) {
    EXPECT_EQ(d.endpoint_id, w.id);
    EXPECT_FALSE(d.event_missing);
    EXPECT_EQ(d.attempts, 0);
    EXPECT_EQ(d.event.type, EventType::kMessageCreated);
    EXPECT_EQ(d.event.channel, channel_);
    ASSERT_TRUE(d.event.message.has_value()) << "the message is joined";
    EXPECT_EQ(d.event.message->msg, d.event.id == 4 ? "b1" : d.event.id == 3 ? "a1" : "a2");
    EXPECT_EQ(d.event.chat_id, d.event.id == 4 ? b.id : a.id);
  }
  EXPECT_TRUE(Claimed(Claim("two", now_ + 5'000)).empty()) << "leased to one until the lease ends";
  EXPECT_TRUE(Claimed(Claim("one", now_ + 5'000)).empty()) << "the owner too holds it already";
  // The lease ran out (lease_until < now): another owner claims the queues, from their first.
  Pairs taken = Claimed(Claim("two", now_ + 10'001, 5));
  EXPECT_EQ(taken.size(), 4u);
}

TEST_P(WebhookStoreTest, FanOutLeasesNewEventsOfQueuesNothingElseWaitsIn) {
  WebhookEndpoint w = AddEndpoint(Only(EventType::kMessageCreated));
  Chat a = NewChat();  // 1
  Chat b = NewChat();  // 2
  Send(a, "a1");       // 3
  Send(b, "b1");       // 4
  Send(a, "a2");       // 5
  auto fan_out = [&](const std::string& owner) {
    FanOutLease lease{owner, now_ + 10'000, {}};
    auto n = hooks().FanOutWebhook(w.id, 1000, now_, &lease);
    EXPECT_TRUE(n.ok()) << n.status().message();
    std::vector<int64_t> ids;
    for (const ClaimedDelivery& d : lease.leased) {
      EXPECT_EQ(d.endpoint_id, w.id);
      EXPECT_TRUE(d.event.message.has_value()) << "the message is joined, as a claim's";
      ids.push_back(d.event.id);
    }
    return ids;
  };
  // Nothing waits: all leased, ordered by chat and event id, and no claim takes them.
  EXPECT_EQ(fan_out("one"),
            a.id < b.id ? (std::vector<int64_t>{3, 5, 4}) : (std::vector<int64_t>{4, 3, 5}));
  EXPECT_TRUE(Claimed(Claim("two", now_ + 5'000)).empty());
  // Behind deliveries the same owner holds: leased too.
  Send(a, "a3");  // 6
  EXPECT_EQ(fan_out("one"), (std::vector<int64_t>{6}));
  // Behind another owner's: it waits, for that owner's outcomes and then a claim.
  Send(a, "a4");  // 7
  EXPECT_TRUE(fan_out("two").empty());
  // Behind a delivery waiting for its retry: it waits.
  ASSERT_TRUE(hooks()
                  .RecordWebhookOutcomes(
                      "one", std::vector<DeliveryOutcome>{Outcome(w.id, 4, DeliveryState::kPending,
                                                                  500, now_, now_ + 60'000)})
                  .ok());
  Send(b, "b2");  // 8
  EXPECT_TRUE(fan_out("one").empty());
  EXPECT_TRUE(Claimed(Claim("one", now_ + 5'000)).empty()) << "the retry is not due";
}

TEST_P(WebhookStoreTest, OnlyTheFirstDeliveryOfAQueueDecidesWhetherItIsDue) {
  WebhookEndpoint w = AddEndpoint(Only(EventType::kMessageCreated));
  Chat c = NewChat();  // 1
  Send(c, "1");        // 2
  Send(c, "2");        // 3
  Send(c, "3");        // 4
  ASSERT_EQ(FanOut(w.id), 3);
  ASSERT_EQ(Claimed(Claim("a", now_, 1)), (Pairs{{w.id, 2}}));
  Record("a", {Outcome(w.id, 2, S::kPending, 503, now_, now_ + 60'000)});
  EXPECT_TRUE(Claimed(Claim("a", now_ + 1)).empty()) << "the first waits, and the rest behind it";
  auto claimed = ClaimAll(Claim("a", now_ + 60'000, 3));
  ASSERT_EQ(claimed.size(), 3u);
  EXPECT_EQ(claimed[0].event.id, 2);
  EXPECT_EQ(claimed[0].attempts, 1);
  EXPECT_EQ(claimed[2].event.id, 4);
}

TEST_P(WebhookStoreTest, ClaimHonoursMaxQueuesAndSkippedEndpoints) {
  WebhookEndpoint w1 = AddEndpoint(Only(EventType::kMessageCreated));
  WebhookEndpoint w2 = AddEndpoint(Only(EventType::kMessageCreated));
  Chat a = NewChat();
  Chat b = NewChat();
  Send(a, "a");
  Send(b, "b");
  ASSERT_EQ(FanOut(w1.id), 2);
  ASSERT_EQ(FanOut(w2.id), 2);
  ClaimRequest skip = Claim("o", now_);
  skip.skip_endpoints = {w1.id};
  Pairs got = Claimed(skip);
  ASSERT_EQ(got.size(), 2u);
  for (const auto& [endpoint, id] : got) EXPECT_EQ(endpoint, w2.id);
  ClaimRequest one = Claim("o", now_);
  one.max_queues = 1;
  EXPECT_EQ(Claimed(one).size(), 1u);
  EXPECT_EQ(Claimed(Claim("o", now_)).size(), 1u) << "the last queue left";
}

TEST_P(WebhookStoreTest, SuccessiveClaimsTakeDueQueuesInTurn) {
  WebhookEndpoint w = AddEndpoint(Only(EventType::kChatCreated));
  for (int i = 0; i < 3; ++i) NewChat();
  ASSERT_EQ(FanOut(w.id), 3);
  std::set<int64_t> seen;
  for (int round = 0; round < 3; ++round) {
    ClaimRequest one = Claim("o", now_ + round);
    one.max_queues = 1;
    Pairs got = Claimed(one);
    ASSERT_EQ(got.size(), 1u);
    seen.insert(got[0].second);
    // Released unsent, so the queue is due and free again at once.
    DeliveryOutcome unsent;
    unsent.endpoint_id = w.id;
    unsent.event_id = got[0].second;
    Record("o", {unsent});
  }
  EXPECT_EQ(seen.size(), 3u) << "a queue claimed last waits for the others' turn";
}

TEST_P(WebhookStoreTest, DisabledEndpointsAreNotClaimed) {
  WebhookEndpoint w = AddEndpoint();
  Chat c = NewChat();
  ASSERT_EQ(FanOut(w.id), 1);
  ASSERT_TRUE(hooks().SetWebhookEnabled(w.id, false, "off").ok());
  EXPECT_TRUE(Claimed(Claim("o", now_)).empty());
  EXPECT_EQ(hooks().GetWebhookQueueStats()->pending, 0) << "not counted while disabled";
  ASSERT_TRUE(hooks().SetWebhookEnabled(w.id, true, "").ok());
  EXPECT_EQ(Claimed(Claim("o", now_)).size(), 1u) << "sent after enabling";
}

TEST_P(WebhookStoreTest, AClaimedEventThatWasPrunedIsMissing) {
  WebhookEndpoint w = AddEndpoint();
  Chat c = NewChat();  // 1
  ASSERT_EQ(FanOut(w.id), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(store_->PruneEvents(NowMillis(), 1'000'000).ok());
  auto claimed = ClaimAll(Claim("o", now_));
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_TRUE(claimed[0].event_missing);
  EXPECT_EQ(claimed[0].event.id, 1);
  EXPECT_EQ(claimed[0].event.chat_id, c.id);
  EXPECT_EQ(claimed[0].event.type, EventType::kChatCreated);
}

TEST_P(WebhookStoreTest, RenewedLeasesKeepOthersOut) {
  WebhookEndpoint w = AddEndpoint();
  NewChat();
  ASSERT_EQ(FanOut(w.id), 1);
  ClaimRequest shortly = Claim("a", now_);
  shortly.lease_until_ms = now_ + 100;
  ASSERT_EQ(Claimed(shortly).size(), 1u);
  ASSERT_TRUE(hooks().RenewWebhookLeases("a", now_ + 20'000).ok());
  EXPECT_TRUE(Claimed(Claim("b", now_ + 200)).empty());
  EXPECT_EQ(Claimed(Claim("b", now_ + 20'001)).size(), 1u);
}

// --- outcomes ---

TEST_P(WebhookStoreTest, OutcomesRecordStateAttemptsAndTheEndpointsHealth) {
  WebhookEndpoint w = AddEndpoint(Only(EventType::kMessageCreated));
  Chat c = NewChat();  // 1
  Send(c, "1");        // 2
  Send(c, "2");        // 3
  ASSERT_EQ(FanOut(w.id), 2);
  ASSERT_EQ(Claimed(Claim("a", now_, 1)).size(), 1u);
  Record("a", {Outcome(w.id, 2, S::kPending, 0, now_ + 1, now_ + 100)});
  EXPECT_EQ(Get(w.id).failing_since_ms, now_ + 1);
  ASSERT_EQ(Claimed(Claim("a", now_ + 100, 1)).size(), 1u);
  Record("a", {Outcome(w.id, 2, S::kPending, 500, now_ + 101, now_ + 200)});
  EXPECT_EQ(Get(w.id).failing_since_ms, now_ + 1) << "the run of failures began earlier";
  ASSERT_EQ(Claimed(Claim("a", now_ + 200, 2)).size(), 2u);
  Record("a", {Outcome(w.id, 2, S::kSucceeded, 200, now_ + 201),
               Outcome(w.id, 3, S::kFailed, 500, now_ + 202)});
  EXPECT_EQ(Get(w.id).failing_since_ms, now_ + 202) << "a success cleared it, a failure set it";
  std::vector<DeliveryRecord> d = Deliveries(w.id);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].event_id, 3);
  EXPECT_EQ(d[0].state, S::kFailed);
  ASSERT_EQ(d[0].attempts.size(), 1u);
  EXPECT_EQ(d[1].state, S::kSucceeded);
  ASSERT_EQ(d[1].attempts.size(), 3u) << "oldest first";
  EXPECT_EQ(d[1].attempts[0].time_ms, now_ + 1);
  EXPECT_EQ(d[1].attempts[0].http_status, 0);
  EXPECT_EQ(d[1].attempts[0].error, "timeout");
  EXPECT_EQ(d[1].attempts[0].latency_ms, 7);
  EXPECT_EQ(d[1].attempts[2].http_status, 200);
  EXPECT_EQ(d[1].attempts[2].response, "body");
  EXPECT_TRUE(Claimed(Claim("a", now_ + 1'000)).empty()) << "finished deliveries stay put";
}

TEST_P(WebhookStoreTest, AnOutcomeMayDisableTheEndpoint) {
  WebhookEndpoint w = AddEndpoint();
  NewChat();
  ASSERT_EQ(FanOut(w.id), 1);
  ASSERT_EQ(Claimed(Claim("a", now_)).size(), 1u);
  DeliveryOutcome gone = Outcome(w.id, 1, S::kFailed, 410, now_);
  gone.disable_endpoint = "410 Gone";
  Record("a", {gone});
  WebhookEndpoint got = Get(w.id);
  EXPECT_FALSE(got.enabled);
  EXPECT_EQ(got.disabled_reason, "410 Gone");
}

TEST_P(WebhookStoreTest, AnOutcomeWithoutAttemptOnlyReleasesTheLease) {
  WebhookEndpoint w = AddEndpoint();
  NewChat();
  ASSERT_EQ(FanOut(w.id), 1);
  ASSERT_EQ(Claimed(Claim("a", now_)).size(), 1u);
  DeliveryOutcome unsent;
  unsent.endpoint_id = w.id;
  unsent.event_id = 1;
  unsent.state = S::kFailed;  // ignored without an attempt
  unsent.next_attempt_ms = now_ + 99'999;
  Record("a", {unsent});
  std::vector<DeliveryRecord> d = Deliveries(w.id);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].state, S::kPending);
  EXPECT_EQ(d[0].next_attempt_ms, now_);
  EXPECT_TRUE(d[0].attempts.empty());
  auto again = ClaimAll(Claim("b", now_ + 1));
  ASSERT_EQ(again.size(), 1u) << "free at once for anyone";
  EXPECT_EQ(again[0].attempts, 0);
}

TEST_P(WebhookStoreTest, AnOutcomeFromAnOwnerWhoseLeaseWasTakenOverIsIgnored) {
  WebhookEndpoint w = AddEndpoint(Only(EventType::kMessageCreated));
  Chat c = NewChat();  // 1
  Send(c, "1");        // 2
  Send(c, "2");        // 3
  ASSERT_EQ(FanOut(w.id), 2);
  ClaimRequest a = Claim("a", now_, 2);
  a.lease_until_ms = now_ + 10;
  ASSERT_EQ(Claimed(a).size(), 2u);
  ClaimRequest b = Claim("b", now_ + 11, 1);
  ASSERT_EQ(Claimed(b), (Pairs{{w.id, 2}}));
  Record("a", {Outcome(w.id, 2, S::kSucceeded, 200, now_ + 12),
               Outcome(w.id, 3, S::kSucceeded, 200, now_ + 13)});
  std::vector<DeliveryRecord> d = Deliveries(w.id);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].state, S::kPending) << "the rest of a queue taken over is not the old owner's";
  EXPECT_EQ(d[1].state, S::kPending);
  EXPECT_TRUE(d[1].attempts.empty());
  Record("b", {Outcome(w.id, 2, S::kSucceeded, 200, now_ + 14)});
  EXPECT_EQ(Deliveries(w.id)[1].state, S::kSucceeded);
}

// --- operations ---

TEST_P(WebhookStoreTest, ListsDeliveriesNewestFirstByStateAndLimit) {
  WebhookEndpoint w = AddEndpoint(Only(EventType::kMessageCreated));
  Chat c = NewChat();                        // 1
  for (int i = 0; i < 4; ++i) Send(c, "m");  // 2..5
  ASSERT_EQ(FanOut(w.id), 4);
  ASSERT_EQ(Claimed(Claim("a", now_, 2)).size(), 2u);
  Record("a",
         {Outcome(w.id, 2, S::kSucceeded, 200, now_), Outcome(w.id, 3, S::kSucceeded, 200, now_)});
  EXPECT_EQ(EventIds(Deliveries(w.id)), (std::vector<int64_t>{5, 4, 3, 2}));
  EXPECT_EQ(EventIds(Deliveries(w.id, S::kSucceeded)), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(EventIds(Deliveries(w.id, S::kPending, 1)), (std::vector<int64_t>{5}));
  EXPECT_TRUE(Deliveries(w.id, S::kFailed).empty());
  EXPECT_TRUE(Deliveries("wh_nope").empty());
}

TEST_P(WebhookStoreTest, ReplayQueuesAgainUpToTheCursor) {
  WebhookEndpoint w = AddEndpoint(Only(EventType::kMessageCreated));
  Chat c = NewChat();  // 1
  Send(c, "1");        // 2
  Send(c, "2");        // 3
  Send(c, "3");        // 4
  ASSERT_EQ(FanOut(w.id), 3);
  ASSERT_EQ(Claimed(Claim("a", now_, 3)).size(), 3u);
  Record("a", {Outcome(w.id, 2, S::kSucceeded, 200, now_), Outcome(w.id, 3, S::kFailed, 500, now_),
               Outcome(w.id, 4, S::kSucceeded, 200, now_)});
  // Gone from the outbox, but its event is kept: replay creates it again.
  ASSERT_EQ(hooks().PruneWebhookDeliveries(now_ + 1, 1).value(), 1);
  Send(c, "after the cursor");  // 5: not looked at yet
  auto replayed = hooks().ReplayWebhook(w.id, 1, now_ + 50);
  ASSERT_TRUE(replayed.ok()) << replayed.status().message();
  EXPECT_EQ(*replayed, 3) << "events 2..4, not chat.created (filtered) nor 5 (past the cursor)";
  std::vector<DeliveryRecord> d = Deliveries(w.id);
  EXPECT_EQ(EventIds(d), (std::vector<int64_t>{4, 3, 2}));
  for (const DeliveryRecord& r : d) {
    EXPECT_EQ(r.state, S::kPending);
    EXPECT_EQ(r.next_attempt_ms, now_ + 50);
  }
  auto claimed = ClaimAll(Claim("b", now_ + 50, 5));
  ASSERT_EQ(claimed.size(), 3u);
  for (const ClaimedDelivery& x : claimed) EXPECT_EQ(x.attempts, 0);
  EXPECT_EQ(Deliveries(w.id)[1].attempts.size(), 1u) << "attempt rows are kept";
  EXPECT_EQ(hooks().ReplayWebhook(w.id, 3, now_).value(), 1) << "after_id";
  EXPECT_EQ(hooks().ReplayWebhook("wh_nope", 0, now_).status().code(), StatusCode::kNotFound);
}

TEST_P(WebhookStoreTest, PruneDeletesOnlyFinishedDeliveriesQueuedBeforeATime) {
  WebhookEndpoint w = AddEndpoint(Only(EventType::kMessageCreated));
  Chat c = NewChat();                        // 1
  for (int i = 0; i < 3; ++i) Send(c, "m");  // 2..4
  ASSERT_EQ(FanOut(w.id), 3);
  ASSERT_EQ(Claimed(Claim("a", now_, 2)).size(), 2u);
  Record("a",
         {Outcome(w.id, 2, S::kSucceeded, 200, now_), Outcome(w.id, 3, S::kFailed, 500, now_)});
  EXPECT_EQ(hooks().PruneWebhookDeliveries(now_, 100).value(), 0) << "queued at now_, not before";
  EXPECT_EQ(hooks().PruneWebhookDeliveries(now_ + 1, 1).value(), 1) << "at most the limit";
  EXPECT_EQ(hooks().PruneWebhookDeliveries(now_ + 1, 100).value(), 1);
  EXPECT_EQ(EventIds(Deliveries(w.id)), (std::vector<int64_t>{4})) << "the pending one stays";
  // The attempts went with them: a replay recreates the deliveries without attempts.
  ASSERT_EQ(hooks().ReplayWebhook(w.id, 0, now_).value(), 3);
  for (const DeliveryRecord& r : Deliveries(w.id)) EXPECT_TRUE(r.attempts.empty());
}

TEST_P(WebhookStoreTest, QueueStatsCountPendingAndRetryingDeliveries) {
  WebhookEndpoint w = AddEndpoint(Only(EventType::kMessageCreated));
  Chat c = NewChat();                        // 1
  for (int i = 0; i < 3; ++i) Send(c, "m");  // 2..4
  auto before = hooks().GetWebhookQueueStats();
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(FanOut(w.id), 3);
  ASSERT_EQ(Claimed(Claim("a", now_, 2)).size(), 2u);
  Record("a", {Outcome(w.id, 2, S::kSucceeded, 200, now_),
               Outcome(w.id, 3, S::kPending, 500, now_, now_ + 100)});
  auto stats = hooks().GetWebhookQueueStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->pending - before->pending, 2);
  EXPECT_EQ(stats->retrying - before->retrying, 1);
  EXPECT_GT(stats->oldest_pending_ms, 0);
  EXPECT_LE(stats->oldest_pending_ms, now_);
}

// --- several processes on one PostgreSQL database ---

// Two stores (as two opchat processes would have) and several threads each fan out, claim and
// record while events are written: every event is delivered exactly once, no queue is ever
// leased to two owners at once, and each queue's deliveries succeed in event id order.
class WebhookConcurrencyTest : public WebhookStoreTest {};

TEST_P(WebhookConcurrencyTest, InstancesShareTheOutboxWithoutOverlapOrDuplicates) {
  auto opened = OpenStore(url_);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  std::unique_ptr<Store> second = std::move(*opened);
  Store* stores[2] = {store_.get(), second.get()};
  WebhookEndpoint w1 = AddEndpoint();
  WebhookEndpoint w2 = AddEndpoint(Only(EventType::kMessageCreated));
  constexpr int kChats = 5, kMessages = 300, kThreadsPerStore = 3;
  std::vector<Chat> chats;
  for (int i = 0; i < kChats; ++i) chats.push_back(NewChat());
  const int64_t expected = (kChats + kMessages) + kMessages;  // w1 takes every type

  std::mutex mu;
  std::map<std::pair<std::string, std::string>, std::string> holders;             // queue -> owner
  std::map<std::pair<std::string, std::string>, std::vector<int64_t>> succeeded;  // in order
  std::set<std::pair<std::string, int64_t>> delivered;
  std::vector<std::string> problems;
  std::atomic<int64_t> queued{0};
  std::atomic<bool> writing{true};

  std::thread writer([&] {
    for (int i = 0; i < kMessages; ++i) Send(chats[i % kChats], "m" + std::to_string(i));
    writing = false;
  });
  auto work = [&](Store* store, const std::string& owner) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (static_cast<int64_t>(delivered.size()) >= expected || !problems.empty()) return;
      }
      for (const std::string& id : {w1.id, w2.id}) {
        auto n = store->webhooks().FanOutWebhook(id, 20, NowMillis(), nullptr);
        if (n.ok()) queued += *n;
      }
      const int64_t now = NowMillis();
      auto claimed = store->webhooks().ClaimWebhookDeliveries({.owner = owner,
                                                               .now_ms = now,
                                                               .lease_until_ms = now + 60'000,
                                                               .max_queues = 4,
                                                               .per_queue = 5});
      if (!claimed.ok() || claimed->empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      std::vector<DeliveryOutcome> outcomes;
      {
        std::lock_guard<std::mutex> lock(mu);
        for (const ClaimedDelivery& d : *claimed) {
          auto& holder = holders[{d.endpoint_id, d.event.chat_id}];
          if (!holder.empty() && holder != owner) {
            problems.push_back("queue of " + d.event.chat_id + " leased to " + holder + " and " +
                               owner);
          }
          holder = owner;
        }
        for (const ClaimedDelivery& d : *claimed) {
          succeeded[{d.endpoint_id, d.event.chat_id}].push_back(d.event.id);
          if (!delivered.insert({d.endpoint_id, d.event.id}).second) {
            problems.push_back("delivered twice: " + std::to_string(d.event.id));
          }
          outcomes.push_back(Outcome(d.endpoint_id, d.event.id, S::kSucceeded, 200, now));
        }
        // Released here, before the store releases them: a claim by another owner that the
        // store allows after the commit below must find the queue free here too.
        for (const ClaimedDelivery& d : *claimed) holders[{d.endpoint_id, d.event.chat_id}] = "";
      }
      Status s = store->webhooks().RecordWebhookOutcomes(owner, outcomes);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        problems.push_back("record: " + s.message());
      }
    }
  };
  std::vector<std::thread> workers;
  for (int st = 0; st < 2; ++st) {
    for (int t = 0; t < kThreadsPerStore; ++t) {
      workers.emplace_back(
          work, stores[st],
          "owner-" + std::to_string(st) + "-" + std::to_string(t) + "-" + RandomHex(3));
    }
  }
  writer.join();
  for (std::thread& t : workers) t.join();
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(static_cast<int64_t>(delivered.size()), expected);
  EXPECT_EQ(queued.load(), expected) << "every event queued once";
  for (const auto& [queue, ids] : succeeded) {
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << "queue of chat " << queue.second;
  }
  int64_t stored = 0;
  for (const std::string& id : {w1.id, w2.id}) {
    stored += static_cast<int64_t>(Deliveries(id, S::kSucceeded, 10'000).size());
  }
  EXPECT_EQ(stored, expected);
  EXPECT_TRUE(Deliveries(w1.id, S::kPending).empty());
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(WebhookConcurrencyTest);
INSTANTIATE_TEST_SUITE_P(Postgres, WebhookConcurrencyTest,
                         ::testing::ValuesIn(opchat::testing::PostgresTestUrls()),
                         [](const auto&) { return std::string("postgres"); });

INSTANTIATE_TEST_SUITE_P(BackEnds, WebhookStoreTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat
