#include "events/live_subscription.hpp"

#include "events/event_json.hpp"

namespace opchat {

LiveSubscription::LiveSubscription(EventHub& hub, std::string client_id, std::string channel,
                                   LiveFilter filter, int64_t after)
    : hub_(hub),
      client_id_(std::move(client_id)),
      channel_(std::move(channel)),
      filter_(std::move(filter)),
      cursor_(after) {}

LiveSubscription::~LiveSubscription() {
  if (waker_) hub_.Unwatch(channel_, waker_);
  hub_.Release(client_id_);
}

void LiveSubscription::Watch(Waker* waker) {
  waker_ = waker;
  hub_.Watch(channel_, waker);
}

LiveSubscription::Step LiveSubscription::Next(size_t max) {
  Step step;
  auto fetched = hub_.Fetch(channel_, cursor_, filter_, max);
  if (!fetched.ok()) {
    step.close = true;
    step.close_code = 1011;  // the server could not go on (storage unavailable)
    step.close_reason = "storage unavailable: resume with after=" + FormatCursor(cursor_);
    return step;
  }
  if (fetched->gone_oldest) {
    step.close = true;
    step.close_code = 4410;
    step.close_reason =
        "cursor expired: re-read history; oldest=" + FormatCursor(*fetched->gone_oldest);
    return step;
  }
  // A subscriber that had kept up and is now more than queue_bytes behind (or behind the ring
  // altogether) is not reading as fast as the channel writes: holding its backlog would grow
  // without bound, so it goes, told where to resume. A subscriber catching up from an old cursor
  // is not judged until it has caught up once.
  const bool behind =
      !fetched->backlog_bytes || *fetched->backlog_bytes > hub_.settings().queue_bytes;
  if (caught_up_ && behind) {
    step.close = true;
    step.close_code = 4000;
    step.close_reason = "too slow: resume with after=" + FormatCursor(cursor_);
    return step;
  }
  if (fetched->backlog_bytes && *fetched->backlog_bytes == 0) caught_up_ = true;
  cursor_ = fetched->next;
  step.frames = std::move(fetched->frames);
  return step;
}

}  // namespace opchat
