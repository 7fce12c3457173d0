#include "webhooks/webhook_dispatcher.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/logging.hpp"
#include "webhooks/endpoint_keys.hpp"
#include "webhooks/retry_schedule.hpp"

namespace opchat {
namespace {

// Claimed queues in all, waiting or sending: enough to keep every endpoint's request slots busy
// while a claim is on its way, few enough that a restart of this instance leaves little leased.
constexpr int64_t kMaxClaimedQueues = 1000;
// Deliveries of one queue claimed at once: a chat's burst goes out without a claim between.
constexpr int64_t kPerQueue = 20;
// Events looked at per endpoint in one fan-out.
constexpr int64_t kFanOutBatch = 1000;
// A fan-out leases what it queues (FanOutLease) only while the claimed deliveries not yet sent
// are fewer than this: a backlog is then taken by claims, a bounded number at a time.
constexpr int64_t kMaxHeldDeliveries = 5000;
// Outcomes that could not be recorded (database down) are kept and retried up to this many.
constexpr size_t kMaxUnrecordedOutcomes = 100000;

double Random01() { return static_cast<double>(RandomU64() >> 11) / 9007199254740992.0; }

std::string NewOwner() { return "pid" + std::to_string(::getpid()) + "-" + RandomHex(6); }

bool IsSuccess(int status) { return status >= 200 && status <= 299; }

RateLimitedLog& StoreLog() {
  static RateLimitedLog log;
  return log;
}

}  // namespace

WebhookDispatcher::WebhookDispatcher(WebhookStore& store, WebhookSender& sender,
                                     const QiniuUrlSigner& media, const SecretBox* secrets,
                                     WebhookSettings settings, Metrics* metrics)
    : store_(store),
      sender_(sender),
      media_(media),
      secrets_(secrets),
      settings_(std::move(settings)),
      metrics_(metrics),
      owner_(NewOwner()) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void WebhookDispatcher::Nudge(std::string_view channel) {
  MutexLock lock(mu_);
  if (channel.empty()) {
    nudged_all_ = true;
  } else {
    nudged_.emplace(channel);
  }
  wake_.Signal();
}

void WebhookDispatcher::Stop(int64_t grace_ms) {
  {
    MutexLock lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      grace_until_ms_ = NowMillis() + grace_ms;
    }
  }
  wake_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

void WebhookDispatcher::Loop() {
  const int64_t lease_ms = std::llround(settings_.lease_s * 1000);
  int64_t next_reload = 0;
  int64_t next_renew = NowMillis() + lease_ms / 3;
  for (;;) {
    std::set<std::string, std::less<>> nudged;
    std::vector<Answer> answers;
    bool all = false;
    bool stopping = false;
    int64_t grace_until = 0;
    {
      MutexLock lock(mu_);
      for (;;) {
        if (stopping_ || nudged_all_ || !nudged_.empty() || !answers_.empty()) break;
        const int64_t now = NowMillis();
        const bool room = static_cast<int64_t>(claimed_.size()) < kMaxClaimedQueues;
        if (claim_wanted_ && room) break;
        const int64_t wait = std::min(next_reload, next_renew) - now;
        if (wait <= 0) break;
        wake_.WaitFor(mu_, std::chrono::milliseconds(wait));
      }
      nudged.swap(nudged_);
      answers.swap(answers_);
      all = nudged_all_;
      nudged_all_ = false;
      stopping = stopping_;
      grace_until = grace_until_ms_;
    }
    int64_t now = NowMillis();
    for (Answer& answer : answers) Handle(std::move(answer), now);
    // A queue's next delivery goes out before the outcome of the one before it is committed:
    // the order is the queue's, held here, and a crash before the commit sends both again (at
    // least once). Waiting for the commit would cost every delivery of a chat an fsync.
    if (!stopping) Pump(now);
    if (stopping) {
      if (in_flight_ > 0 && now < grace_until) {
        Flush();
        MutexLock lock(mu_);
        if (answers_.empty()) wake_.WaitFor(mu_, std::chrono::milliseconds(grace_until - now));
        continue;
      }
      std::vector<std::shared_ptr<Queue>> held;
      for (const auto& [key, queue] : claimed_) held.push_back(queue);
      for (const auto& queue : held) ReleaseFrom(queue, queue->next);
      ready_.clear();
      Flush();
      return;
    }
    if (all || now >= next_reload) {
      Reload(now);
      next_reload = now + settings_.poll_interval_ms;
      for (const auto& [id, endpoint] : endpoints_) {
        if (endpoint.record.enabled) FanOut(id, now);
      }
      claim_wanted_ = true;  // retries that came due
      UpdateQueueMetrics(now);
    } else {
      for (const std::string& channel : nudged) {
        auto it = by_channel_.find(channel);
        if (it == by_channel_.end()) continue;
        for (const std::string& id : it->second) FanOut(id, now);
      }
    }
    Pump(now);  // what the fan-outs leased
    Flush();
    if (now >= next_renew) {
      if (Status s = store_.RenewWebhookLeases(owner_, now + lease_ms); !s.ok()) {
        StoreLog().Warn("webhooks: renew leases: " + s.message());
      }
      next_renew = now + lease_ms / 3;
    }
    if (claim_wanted_) Claim(now);
    Pump(NowMillis());
  }
}

void WebhookDispatcher::Reload(int64_t now_ms) {
  auto list = store_.ListWebhooks();
  if (!list.ok()) {
    StoreLog().Warn("webhooks: list endpoints: " + list.status().message());
    return;
  }
  std::map<std::string, Endpoint, std::less<>> endpoints;
  by_channel_.clear();
  for (WebhookEndpoint& record : *list) {
    Endpoint& endpoint = endpoints[record.id];
    if (auto old = endpoints_.find(record.id); old != endpoints_.end()) {
      endpoint.in_flight = old->second.in_flight;
      endpoint.claimed_queues = old->second.claimed_queues;
    }
    auto keys = OpenSigningKeys(secrets_, record, now_ms);
    if (keys.ok()) {
      endpoint.keys = std::move(*keys);
    } else {
      StoreLog().Error("webhooks: " + keys.status().message());
    }
    if (record.enabled) by_channel_[record.channel].push_back(record.id);
    endpoint.record = std::move(record);
  }
  endpoints_ = std::move(endpoints);
}

void WebhookDispatcher::FanOut(const std::string& endpoint_id, int64_t now_ms) {
  const int64_t first_delay = FirstAttemptDelayMs(settings_);
  // New events go out without a claim (one commit fewer between a change and its request) when
  // they may be sent at once and no release waits to be recorded: the store leases a chat's new
  // events behind deliveries this instance holds, and one it gave back must not look held.
  // Successes and give-ups may wait: the chat's next events may follow them.
  const bool releasing = std::any_of(outcomes_.begin(), outcomes_.end(), [](const auto& o) {
    return o.state == DeliveryState::kPending;
  });
  bool lease = first_delay == 0 && !releasing && HeldDeliveries() < kMaxHeldDeliveries;
  for (;;) {
    FanOutLease leased{owner_, now_ms + std::llround(settings_.lease_s * 1000), {}};
    auto queued = store_.FanOutWebhook(endpoint_id, kFanOutBatch, now_ms + first_delay,
                                       lease ? &leased : nullptr);
    if (!queued.ok()) {
      StoreLog().Warn("webhooks: queue deliveries: " + queued.status().message());
      return;
    }
    const int64_t taken = static_cast<int64_t>(leased.leased.size());
    if (taken > 0) {
      Adopt(std::move(leased.leased), now_ms);
      lease = HeldDeliveries() < kMaxHeldDeliveries;
    }
    if (*queued > taken) {
      // Some wait behind queues held here (or elsewhere): claimed when those finish.
      claim_wanted_ = true;
      for (auto& [key, queue] : claimed_) {
        if (key.first == endpoint_id) queue->followers = true;
      }
    }
    if (*queued < kFanOutBatch) return;
  }
}

int64_t WebhookDispatcher::HeldDeliveries() const {
  int64_t held = 0;
  for (const auto& [key, queue] : claimed_) {
    held += static_cast<int64_t>(queue->deliveries.size() - queue->next);
  }
  return held;
}

// Takes leased deliveries (ordered by endpoint, chat and event id) into their queues: a queue
// this instance holds gets them at its end, others become new queues, ready to send. Returns the
// new queues.
std::vector<std::shared_ptr<WebhookDispatcher::Queue>> WebhookDispatcher::Adopt(
    std::vector<ClaimedDelivery> leased, int64_t now_ms) {
  std::vector<std::shared_ptr<Queue>> added;
  for (ClaimedDelivery& delivery : leased) {
    auto key = std::make_pair(delivery.endpoint_id, delivery.event.chat_id);
    auto [it, fresh] = claimed_.try_emplace(std::move(key));
    if (fresh) {
      if (!endpoints_.contains(delivery.endpoint_id)) Reload(now_ms);  // added since
      it->second = std::make_shared<Queue>();
      ready_.push_back(it->second);
      added.push_back(it->second);
      if (auto e = endpoints_.find(delivery.endpoint_id); e != endpoints_.end()) {
        ++e->second.claimed_queues;
      }
    }
    it->second->deliveries.push_back(std::move(delivery));
  }
  return added;
}

void WebhookDispatcher::Claim(int64_t now_ms) {
  claim_wanted_ = false;
  const int64_t room = kMaxClaimedQueues - static_cast<int64_t>(claimed_.size());
  claim_limited_ = room <= 0;
  if (room <= 0) return;
  ClaimRequest request;
  request.owner = owner_;
  request.now_ms = now_ms;
  request.lease_until_ms = now_ms + std::llround(settings_.lease_s * 1000);
  request.max_queues = room;
  request.per_queue = kPerQueue;
  // An endpoint with a backlog of claimed queues waits for its slots before it claims more.
  for (const auto& [id, endpoint] : endpoints_) {
    if (endpoint.claimed_queues >= 4 * settings_.max_in_flight_per_endpoint) {
      request.skip_endpoints.push_back(id);
    }
  }
  auto claimed = store_.ClaimWebhookDeliveries(request);
  if (!claimed.ok()) {
    StoreLog().Warn("webhooks: claim deliveries: " + claimed.status().message());
    return;
  }
  const auto queues = Adopt(std::move(*claimed), now_ms);
  for (const auto& queue : queues) {
    queue->followers = static_cast<int64_t>(queue->deliveries.size()) >= kPerQueue;
  }
  // A full claim may have left queues behind: claim again next turn.
  if (static_cast<int64_t>(queues.size()) == room) claim_wanted_ = true;
  claim_limited_ = claim_wanted_ || !request.skip_endpoints.empty();
}

void WebhookDispatcher::Pump(int64_t now_ms) {
  for (size_t n = ready_.size(); n > 0; --n) {
    std::shared_ptr<Queue> queue = std::move(ready_.front());
    ready_.pop_front();
    auto it = endpoints_.find(queue->deliveries[queue->next].endpoint_id);
    if (it == endpoints_.end() || !it->second.record.enabled || !it->second.keys) {
      ReleaseFrom(queue, queue->next);  // removed, disabled, or it cannot sign
      continue;
    }
    if (it->second.in_flight >= settings_.max_in_flight_per_endpoint) {
      ready_.push_back(std::move(queue));
      continue;
    }
    SendNext(queue, now_ms);
  }
}

void WebhookDispatcher::SendNext(const std::shared_ptr<Queue>& queue, int64_t now_ms) {
  // An event that retention deleted before it could be sent is given up at once.
  while (queue->next < queue->deliveries.size() && queue->deliveries[queue->next].event_missing) {
    const ClaimedDelivery& d = queue->deliveries[queue->next];
    WebhookAttempt attempt{now_ms, 0, 0, "event no longer kept ([events] keep_hours)", ""};
    outcomes_.push_back({d.endpoint_id, d.event.id, attempt, DeliveryState::kFailed, 0, {}});
    if (metrics_) metrics_->RecordWebhookDelivery(d.endpoint_id, "failed", -1);
    ++queue->next;
  }
  if (queue->next == queue->deliveries.size()) {
    Finish(queue);
    return;
  }
  const ClaimedDelivery& d = queue->deliveries[queue->next];
  Endpoint& endpoint = endpoints_.at(d.endpoint_id);
  Event event = d.event;
  if (event.channel.empty()) event.channel = endpoint.record.channel;
  OutboundRequest request = BuildWebhookRequest(
      endpoint.record.url, event, *endpoint.keys, media_.ForChannel(event.channel), now_ms,
      std::chrono::milliseconds(std::llround(settings_.timeout_s * 1000)));
  ++endpoint.in_flight;
  ++in_flight_;
  sender_.Send(std::move(request), [this, queue, now_ms](OutboundResponse response) {
    MutexLock lock(mu_);
    answers_.push_back({queue, std::move(response), now_ms});
    wake_.Signal();
  });
}

void WebhookDispatcher::Handle(Answer answer, int64_t now_ms) {
  const std::shared_ptr<Queue>& queue = answer.queue;
  const ClaimedDelivery& d = queue->deliveries[queue->next];
  --in_flight_;
  auto it = endpoints_.find(d.endpoint_id);
  if (it == endpoints_.end()) {  // removed meanwhile: nothing to record
    Finish(queue);
    return;
  }
  Endpoint& endpoint = it->second;
  --endpoint.in_flight;
  const OutboundResponse& r = answer.response;
  DeliveryOutcome outcome{
      d.endpoint_id,
      d.event.id,
      WebhookAttempt{answer.started_ms, r.status, r.latency_ms, r.error, r.body_head},
      DeliveryState::kSucceeded,
      0,
      {}};
  if (IsSuccess(r.status)) {
    endpoint.record.failing_since_ms = 0;
    outcomes_.push_back(std::move(outcome));
    if (metrics_) {
      metrics_->RecordWebhookDelivery(d.endpoint_id, "succeeded",
                                      static_cast<double>(now_ms - d.event.time_ms) / 1000);
    }
    ++queue->next;
    if (queue->next == queue->deliveries.size()) {
      Finish(queue);
    } else if (!endpoint.record.enabled) {
      ReleaseFrom(queue, queue->next);
    } else {
      ready_.push_back(queue);
    }
    return;
  }
  if (endpoint.record.failing_since_ms == 0) endpoint.record.failing_since_ms = answer.started_ms;
  std::optional<std::string> disable;
  std::optional<int64_t> next_attempt;
  if (r.status == 410) {
    disable = "the endpoint answered 410 Gone";
  } else {
    next_attempt = NextAttemptMs(settings_, d.attempts + 1, now_ms, Random01());
    const double failing_hours =
        static_cast<double>(now_ms - endpoint.record.failing_since_ms) / 3'600'000;
    if (failing_hours >= settings_.disable_after_hours) {
      disable = "every attempt failed since " + FormatUtcRfc3339(endpoint.record.failing_since_ms);
    }
  }
  outcome.state = next_attempt ? DeliveryState::kPending : DeliveryState::kFailed;
  outcome.next_attempt_ms = next_attempt.value_or(0);
  outcome.disable_endpoint = disable;
  outcomes_.push_back(std::move(outcome));
  if (metrics_)
    metrics_->RecordWebhookDelivery(d.endpoint_id, next_attempt ? "retrying" : "failed", -1);
  if (disable) {
    DisableEndpoint(endpoint, *disable);
    ReleaseFrom(queue, queue->next + 1);
  } else if (next_attempt) {
    ReleaseFrom(queue, queue->next + 1);  // the chat's later events wait for this one
  } else {
    ++queue->next;  // given up: the chat's next event may go
    if (queue->next == queue->deliveries.size()) {
      Finish(queue);
    } else {
      ready_.push_back(queue);
    }
  }
}

void WebhookDispatcher::DisableEndpoint(Endpoint& endpoint, const std::string& reason) {
  spdlog::warn("webhooks: endpoint {} disabled: {}", endpoint.record.id, reason);
  endpoint.record.enabled = false;
  // Its waiting queues are released by Pump; its requests in flight come back to Handle.
}

void WebhookDispatcher::ReleaseFrom(const std::shared_ptr<Queue>& queue, size_t from) {
  for (size_t i = from; i < queue->deliveries.size(); ++i) {
    const ClaimedDelivery& d = queue->deliveries[i];
    outcomes_.push_back({d.endpoint_id, d.event.id, std::nullopt, DeliveryState::kPending, 0, {}});
  }
  Finish(queue);
}

void WebhookDispatcher::Finish(const std::shared_ptr<Queue>& queue) {
  const ClaimedDelivery& first = queue->deliveries.front();
  auto held = claimed_.find(std::make_pair(first.endpoint_id, first.event.chat_id));
  if (held == claimed_.end() || held->second != queue) return;  // finished already
  claimed_.erase(held);
  auto it = endpoints_.find(queue->deliveries.front().endpoint_id);
  if (it != endpoints_.end()) --it->second.claimed_queues;
  // Its chat may have more, or a queue left behind may now have room. Otherwise nothing is to
  // be claimed until a fan-out queues what it cannot lease, or the poll looks for due retries:
  // a claim per finished queue cost a scan of every pending queue, per delivery.
  if (queue->followers || claim_limited_) claim_wanted_ = true;
}

void WebhookDispatcher::Flush() {
  if (outcomes_.empty()) return;
  Status s = store_.RecordWebhookOutcomes(owner_, outcomes_);
  if (s.ok()) {
    outcomes_.clear();
    return;
  }
  StoreLog().Warn("webhooks: record outcomes: " + s.message());
  if (outcomes_.size() > kMaxUnrecordedOutcomes) {
    // The leases run out and the deliveries are sent again: at least once still holds.
    spdlog::error("webhooks: dropping {} unrecorded outcomes", outcomes_.size());
    outcomes_.clear();
  }
}

void WebhookDispatcher::UpdateQueueMetrics(int64_t now_ms) {
  if (!metrics_) return;
  auto stats = store_.GetWebhookQueueStats();
  if (!stats.ok()) return;
  const double oldest_s = stats->oldest_pending_ms > 0
                              ? static_cast<double>(now_ms - stats->oldest_pending_ms) / 1000
                              : 0;
  metrics_->SetWebhookQueue(stats->pending, stats->retrying, std::max(0.0, oldest_s));
}

}  // namespace opchat
