// Store::ListenForEvents on PostgreSQL: a thread with a connection of its own that LISTENs on
// the channel AnnounceEvents notifies, and hands each payload (a chat channel) to a callback.
// A lost connection is made again with the pool's backoff rules; after that the callback gets
// "" once, since announcements sent meanwhile were missed. Created and destroyed on one thread;
// the callback runs on the listener's.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "storage/postgres/connect_backoff.hpp"
#include "storage/postgres/pg_conn.hpp"
#include "storage/store.hpp"

namespace opchat::postgres {

// The NOTIFY channel of every opchat process sharing a database.
inline constexpr const char* kEventsNotifyChannel = "opchat_events";

class PgEventListener final : public Store::EventListener {
 public:
  using Callback = std::function<void(std::string_view channel)>;

  // Connects and runs LISTEN before returning, so that no announcement made after this returns
  // is missed. Unavailable when the server cannot be reached.
  static Result<std::unique_ptr<Store::EventListener>> Start(const std::string& url,
                                                             Callback on_events);
  ~PgEventListener() override;  // stops the thread and waits for it

 private:
  PgEventListener(std::string url, Callback on_events, std::unique_ptr<PgConn> conn);
  void Loop();
  // A new listening connection, or nullptr when the backoff forbids an attempt or it failed.
  std::unique_ptr<PgConn> Reconnect();

  const std::string url_;
  const Callback on_events_;
  std::unique_ptr<PgConn> conn_;  // used by the thread only
  ConnectBackoff backoff_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: started once everything above is set
};

}  // namespace opchat::postgres
