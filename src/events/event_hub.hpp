// The live side of events (docs/design.md, "Events"): per channel, an in-memory ring of the
// latest events, already encoded, that every WebSocket and SSE subscriber of this process reads
// from; wake-ups for whoever waits on a channel; and the admission of live connections.
//
// The events table is the truth; the ring is a cache of its tail. One refresher thread reads new
// events from the store when a local write says so (Published), when another instance
// announces some (PostgreSQL LISTEN), and every poll interval in any case (so a lost
// announcement, or a write by another process on SQLite, delays delivery but loses nothing).
// Writers never wait for any of this, and a slow subscriber only ever slows itself.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/metrics.hpp"
#include "common/mutex.hpp"
#include "common/status.hpp"
#include "domain/event.hpp"
#include "events/live_settings.hpp"
#include "media/qiniu_url.hpp"
#include "storage/store.hpp"

namespace opchat {

// One encoded event, shared by every connection that sends it (immutable once made).
struct EventFrame {
  int64_t id = 0;
  EventType type = EventType::kMessageCreated;
  std::string chat_id;
  int64_t time_ms = 0;
  std::string json;
};
using FramePtr = std::shared_ptr<const EventFrame>;

// What a subscriber asked for: one chat, some types (empty = all).
struct LiveFilter {
  std::optional<std::string> chat_id;
  EventTypeSet types;
  bool Passes(EventType type, std::string_view chat_id) const;
};

// Something waiting for a channel's new events. Wake() is called with the hub's lock held: it
// must return at once (post to an event loop, signal) and never call back into the hub.
class Waker {
 public:
  virtual ~Waker() = default;
  virtual void Wake() = 0;
};

class EventHub {
 public:
  EventHub(Store& store, const QiniuUrlSigner& media, LiveSettings settings,
           Metrics* metrics = nullptr);
  ~EventHub();  // stops the threads

  // Starts the refresher and, where the store has them, the listener for other instances.
  Status Start();

  const LiveSettings& settings() const { return settings_; }
  Store& store() { return store_; }
  const QiniuUrlSigner& media() const { return media_; }

  // Also tells `observer` of every channel with new events: written here (Published) or, as
  // another instance announced, there ("" after a reconnection to the announcements: any
  // channel may have some). Called on the announcing thread, without the hub's lock; it must
  // return at once. REQUIRES: called before Start, at most once.
  void Observe(std::function<void(std::string_view channel)> observer);
  // A write of this process committed events in `channel`: refresh its ring (if anybody here
  // watches it) and announce them to the other instances.
  void Published(std::string_view channel);

  // Wake-ups for `channel` while registered. After Unwatch returns, `waker` is never called again.
  void Watch(const std::string& channel, Waker* waker);
  void Unwatch(const std::string& channel, Waker* waker);

  struct Fetched {
    std::vector<FramePtr> frames;  // ascending id, passing the filter
    int64_t next = 0;              // the cursor after them
    // Served from the ring: how many bytes of events the channel has after `next` (0 = caught
    // up). Unset when read from the store (the reader is behind the ring).
    std::optional<int64_t> backlog_bytes;
    // The cursor is older than the kept events: the oldest cursor still valid (410).
    std::optional<int64_t> gone_oldest;
  };
  // Up to `max` frames after `after` that pass `filter`: from the ring when `after` lies in it,
  // else from the store. A live subscriber's read.
  Result<Fetched> Fetch(const std::string& channel, int64_t after, const LiveFilter& filter,
                        size_t max);

  // Admission of a live connection of `client_id`. Each admitted connection is released once.
  enum class Admission { kAdmitted, kServerFull, kClientFull };
  Admission Admit(const std::string& client_id);
  void Release(const std::string& client_id);

 private:
  struct Feed;
  void RefreshLoop();
  void Refresh(const std::string& channel);
  void MarkAllDirty();

  Store& store_;
  const QiniuUrlSigner& media_;
  const LiveSettings settings_;
  Metrics* const metrics_;

  Mutex mu_;
  std::map<std::string, std::shared_ptr<Feed>, std::less<>> feeds_ GUARDED_BY(mu_);
  std::set<std::string, std::less<>> dirty_ GUARDED_BY(mu_);
  std::set<std::string, std::less<>> to_announce_ GUARDED_BY(mu_);
  bool all_dirty_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
  CondVar work_;

  Mutex admission_mu_;
  int64_t live_total_ GUARDED_BY(admission_mu_) = 0;
  std::map<std::string, int64_t, std::less<>> live_per_client_ GUARDED_BY(admission_mu_);

  std::function<void(std::string_view channel)> observer_;  // set before Start, then read only
  std::unique_ptr<Store::EventListener> listener_;
  std::thread refresher_;
};

}  // namespace opchat
