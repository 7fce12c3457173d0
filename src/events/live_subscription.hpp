// One live connection's view of a channel (WebSocket or SSE): its filter, its cursor, and the
// rule for a consumer too slow to keep up. The transport (http/) asks for the next frames, sends
// them, and waits for a wake-up when there are none. Not thread-safe: one connection's loop
// uses it; the hub's wake-ups come from other threads through the Waker.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "events/event_hub.hpp"

namespace opchat {

class LiveSubscription {
 public:
  // REQUIRES: hub.Admit(client_id) succeeded; the subscription releases it.
  LiveSubscription(EventHub& hub, std::string client_id, std::string channel, LiveFilter filter,
                   int64_t after);
  ~LiveSubscription();
  LiveSubscription(const LiveSubscription&) = delete;
  LiveSubscription& operator=(const LiveSubscription&) = delete;

  const std::string& client_id() const { return client_id_; }
  const std::string& channel() const { return channel_; }
  // The cursor a client resumes from: everything up to it that passes the filter was handed out.
  int64_t cursor() const { return cursor_; }
  int64_t ping_interval_s() const { return hub_.settings().ping_interval_s; }

  // Registers `waker` for the channel's new events until the subscription ends. Once.
  void Watch(Waker* waker);

  struct Step {
    std::vector<FramePtr> frames;  // to send now, in order; empty: wait for a wake-up
    // Set when the connection must end, with what to tell the client.
    bool close = false;
    int close_code = 0;  // WebSocket close code (docs/api.md, "Live")
    std::string close_reason;
  };
  // The next frames, at most `max`. Advances the cursor past them: the caller sends them all or
  // closes the connection.
  Step Next(size_t max);

 private:
  EventHub& hub_;
  const std::string client_id_;
  const std::string channel_;
  const LiveFilter filter_;
  int64_t cursor_;
  bool caught_up_ = false;  // has been level with the channel's head at least once
  Waker* waker_ = nullptr;
};

}  // namespace opchat
