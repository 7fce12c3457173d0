#include "events/event_hub.hpp"

#include <algorithm>
#include <chrono>
#include <deque>

#include "common/clock.hpp"
#include "common/logging.hpp"
#include "events/event_json.hpp"

namespace opchat {

namespace {

// Events read from the store per statement when refreshing a ring or catching a reader up.
constexpr int64_t kRefreshBatch = 1000;

std::vector<FramePtr> Encode(std::vector<Event>& events, const QiniuUrlSigner& media,
                             const std::string& channel) {
  const ChannelMedia channel_media = media.ForChannel(channel);
  const int64_t now_s = NowMillis() / 1000;
  std::vector<FramePtr> frames;
  frames.reserve(events.size());
  for (Event& e : events) {
    std::string json = EncodeEvent(e, channel_media, now_s);
    frames.push_back(std::make_shared<const EventFrame>(
        EventFrame{e.id, e.type, std::move(e.chat_id), e.time_ms, std::move(json)}));
  }
  return frames;
}

}  // namespace

bool LiveFilter::Passes(EventType type, std::string_view event_chat_id) const {
  return types.Passes(type) && (!chat_id || *chat_id == event_chat_id);
}

// One channel's ring: the encoded events (head - ring.size(), head], contiguous ids.
struct EventHub::Feed {
  Mutex mu;
  int64_t head GUARDED_BY(mu) = -1;  // -1: not read yet
  std::deque<FramePtr> ring GUARDED_BY(mu);
  // ends[i]: the channel's encoded bytes through ring[i], counted since the ring began; a
  // subscriber's backlog is total - the end of its cursor.
  std::deque<int64_t> ends GUARDED_BY(mu);
  int64_t total GUARDED_BY(mu) = 0;
  int64_t ring_bytes GUARDED_BY(mu) = 0;
  std::vector<Waker*> wakers;  // guarded by the hub's mu_
};

EventHub::EventHub(Store& store, const QiniuUrlSigner& media, LiveSettings settings,
                   Metrics* metrics)
    : store_(store), media_(media), settings_(std::move(settings)), metrics_(metrics) {}

EventHub::~EventHub() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  work_.SignalAll();
  if (refresher_.joinable()) refresher_.join();
  listener_.reset();
}

Status EventHub::Start() {
  auto listener = store_.ListenForEvents([this](std::string_view channel) {
    if (observer_) observer_(channel);
    MutexLock lock(mu_);
    if (channel.empty()) {
      all_dirty_ = true;
    } else if (feeds_.find(channel) != feeds_.end()) {
      dirty_.emplace(channel);
    }
    work_.Signal();
  });
  if (!listener.ok()) return listener.status();
  listener_ = std::move(*listener);
  refresher_ = std::thread([this] { RefreshLoop(); });
  return Status::Ok();
}

void EventHub::Observe(std::function<void(std::string_view channel)> observer) {
  observer_ = std::move(observer);
}

void EventHub::Published(std::string_view channel) {
  if (observer_) observer_(channel);
  MutexLock lock(mu_);
  to_announce_.emplace(channel);
  if (feeds_.find(channel) != feeds_.end()) dirty_.emplace(channel);
  work_.Signal();
}

void EventHub::Watch(const std::string& channel, Waker* waker) {
  MutexLock lock(mu_);
  auto& feed = feeds_[channel];
  if (!feed) {
    feed = std::make_shared<Feed>();
    dirty_.insert(channel);  // read its head
    work_.Signal();
  }
  feed->wakers.push_back(waker);
}

void EventHub::Unwatch(const std::string& channel, Waker* waker) {
  MutexLock lock(mu_);
  auto it = feeds_.find(channel);
  if (it == feeds_.end()) return;
  auto& wakers = it->second->wakers;
  wakers.erase(std::remove(wakers.begin(), wakers.end(), waker), wakers.end());
  if (wakers.empty()) feeds_.erase(it);  // nobody here watches it: stop caching it
}

Result<EventHub::Fetched> EventHub::Fetch(const std::string& channel, int64_t after,
                                          const LiveFilter& filter, size_t max) {
  std::shared_ptr<Feed> feed;
  {
    MutexLock lock(mu_);
    auto it = feeds_.find(channel);
    if (it != feeds_.end()) feed = it->second;
  }
  if (feed) {
    MutexLock lock(feed->mu);
    const int64_t first = feed->head - static_cast<int64_t>(feed->ring.size()) + 1;
    if (feed->head >= 0 && after >= first - 1) {
      Fetched out;
      out.next = std::max(after, feed->head);
      size_t i = static_cast<size_t>(after - first + 1);
      for (; i < feed->ring.size(); ++i) {
        const FramePtr& f = feed->ring[i];
        if (!filter.Passes(f->type, f->chat_id)) continue;
        out.frames.push_back(f);
        if (out.frames.size() >= max) {
          out.next = f->id;
          break;
        }
      }
      // What the channel has after `next`: nothing when next is at (or, with a ring that has
      // not caught up with the table yet, past) the head.
      if (out.next >= feed->head) {
        out.backlog_bytes = 0;
      } else if (out.next >= first) {
        out.backlog_bytes = feed->total - feed->ends[static_cast<size_t>(out.next - first)];
      } else {
        out.backlog_bytes = feed->ring_bytes;  // next is just before the ring
      }
      return out;
    }
  }
  // Behind the ring (or nobody here watches the channel): read the table.
  EventQuery query{channel, after, filter.chat_id, filter.types,
                   static_cast<int64_t>(std::min<size_t>(max, kRefreshBatch))};
  ASSIGN_OR_RETURN(auto page, store_.ReadEvents(query));
  Fetched out;
  if (after < page.bounds.pruned_through) {
    out.gone_oldest = page.bounds.pruned_through;
    out.next = after;
    return out;
  }
  out.frames = Encode(page.events, media_, channel);
  out.next = std::max(after, page.next);
  return out;
}

EventHub::Admission EventHub::Admit(const std::string& client_id) {
  MutexLock lock(admission_mu_);
  if (live_total_ >= settings_.max_connections) return Admission::kServerFull;
  int64_t& mine = live_per_client_[client_id];
  if (mine >= settings_.max_connections_per_client) {
    if (mine == 0) live_per_client_.erase(client_id);
    return Admission::kClientFull;
  }
  ++mine;
  ++live_total_;
  if (metrics_) metrics_->AddLiveConnections(1);
  return Admission::kAdmitted;
}

void EventHub::Release(const std::string& client_id) {
  MutexLock lock(admission_mu_);
  auto it = live_per_client_.find(client_id);
  if (it != live_per_client_.end() && --it->second <= 0) live_per_client_.erase(it);
  --live_total_;
  if (metrics_) metrics_->AddLiveConnections(-1);
}

void EventHub::RefreshLoop() {
  const auto poll = std::chrono::milliseconds(std::max<int64_t>(10, settings_.poll_interval_ms));
  auto next_poll = std::chrono::steady_clock::now() + poll;
  for (;;) {
    std::set<std::string, std::less<>> refresh, announce;
    {
      MutexLock lock(mu_);
      while (!stopping_ && !all_dirty_ && dirty_.empty() && to_announce_.empty()) {
        auto left = next_poll - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) break;
        work_.WaitFor(mu_, left);
      }
      if (stopping_) return;
      if (std::chrono::steady_clock::now() >= next_poll) {
        all_dirty_ = true;
        next_poll = std::chrono::steady_clock::now() + poll;
      }
      if (all_dirty_) {
        for (const auto& [channel, feed] : feeds_) refresh.insert(channel);
        all_dirty_ = false;
      }
      refresh.merge(dirty_);
      dirty_.clear();
      announce.swap(to_announce_);
    }
    // Other instances first: their subscribers wait on this too.
    for (const std::string& channel : announce) {
      if (Status s = store_.AnnounceEvents(channel); !s.ok()) {
        static RateLimitedLog log;
        log.Warn("events: announce: " + s.message());
      }
    }
    for (const std::string& channel : refresh) Refresh(channel);
  }
}

void EventHub::Refresh(const std::string& channel) {
  std::shared_ptr<Feed> feed;
  {
    MutexLock lock(mu_);
    auto it = feeds_.find(channel);
    if (it == feeds_.end()) return;
    feed = it->second;
  }
  static RateLimitedLog refresh_log;
  int64_t head;
  {
    MutexLock lock(feed->mu);
    head = feed->head;
  }
  bool grew = false;
  if (head < 0) {
    // A new ring starts at the channel's present head; older events are read from the table.
    auto bounds = store_.GetEventBounds(channel);
    if (!bounds.ok()) {
      refresh_log.Warn("events: " + bounds.status().message());
      return;
    }
    MutexLock lock(feed->mu);
    feed->head = head = bounds->head;
    grew = true;  // a subscriber waiting for the ring may now use it
  }
  for (;;) {
    auto page = store_.ReadEvents(EventQuery{channel, head, std::nullopt, {}, kRefreshBatch});
    if (!page.ok()) {
      refresh_log.Warn("events: " + page.status().message());
      break;
    }
    const size_t read = page->events.size();
    std::vector<FramePtr> frames = Encode(page->events, media_, channel);
    {
      MutexLock lock(feed->mu);
      for (FramePtr& f : frames) {
        if (f->id != feed->head + 1) continue;  // never a gap in the ring
        const int64_t size = static_cast<int64_t>(f->json.size());
        feed->head = f->id;
        feed->total += size;
        feed->ring_bytes += size;
        feed->ends.push_back(feed->total);
        feed->ring.push_back(std::move(f));
        grew = true;
      }
      // The newest frame always stays, however large: a subscriber level with the head reads
      // it from here.
      while (feed->ring.size() > 1 &&
             (static_cast<int64_t>(feed->ring.size()) > settings_.ring_events ||
              feed->ring_bytes > 4 * settings_.queue_bytes)) {
        feed->ring_bytes -= static_cast<int64_t>(feed->ring.front()->json.size());
        feed->ring.pop_front();
        feed->ends.pop_front();
      }
      head = feed->head;
    }
    if (static_cast<int64_t>(read) < kRefreshBatch) break;
  }
  if (!grew) return;
  MutexLock lock(mu_);
  auto it = feeds_.find(channel);
  if (it == feeds_.end() || it->second != feed) return;
  for (Waker* w : feed->wakers) w->Wake();
}

}  // namespace opchat
