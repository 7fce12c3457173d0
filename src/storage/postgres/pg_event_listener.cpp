#include "storage/postgres/pg_event_listener.hpp"

#include <chrono>
#include <vector>

namespace opchat::postgres {
namespace {

// How long the thread waits for a notification before it looks at its stop flag again: the
// longest a destructor waits (plus one connection attempt, when reconnecting).
constexpr int kPollMs = 200;

Status Listen(PgConn& conn) { return conn.ExecScript("LISTEN opchat_events"); }

}  // namespace

Result<std::unique_ptr<Store::EventListener>> PgEventListener::Start(const std::string& url,
                                                                     Callback on_events) {
  ASSIGN_OR_RETURN(std::unique_ptr<PgConn> conn, PgConn::Connect(url));
  RETURN_IF_ERROR(Listen(*conn));
  return std::unique_ptr<Store::EventListener>(
      new PgEventListener(url, std::move(on_events), std::move(conn)));
}

PgEventListener::PgEventListener(std::string url, Callback on_events, std::unique_ptr<PgConn> conn)
    : url_(std::move(url)),
      on_events_(std::move(on_events)),
      conn_(std::move(conn)),
      thread_([this] { Loop(); }) {}

PgEventListener::~PgEventListener() {
  stop_.store(true);
  thread_.join();
}

void PgEventListener::Loop() {
  std::vector<std::string> payloads;
  while (!stop_.load()) {
    if (!conn_) {
      conn_ = Reconnect();
      if (!conn_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
        continue;
      }
      on_events_("");  // announcements made while the connection was down were missed
    }
    payloads.clear();
    Status s = conn_->WaitForNotifications(kPollMs, payloads);
    for (const std::string& channel : payloads) on_events_(channel);
    if (!s.ok()) {
      backoff_.Lost();
      conn_.reset();
    }
  }
}

std::unique_ptr<PgConn> PgEventListener::Reconnect() {
  if (!backoff_.Begin(ConnectBackoff::Clock::now()).ok()) return nullptr;
  auto conn = PgConn::Connect(url_);
  if (conn.ok() && Listen(**conn).ok()) {
    backoff_.Succeeded();
    return std::move(*conn);
  }
  backoff_.Failed(ConnectBackoff::Clock::now());
  return nullptr;
}

}  // namespace opchat::postgres
