// The live transports of GET /op/v2/live (docs/api.md, "Events"): WebSocket and Server-Sent
// Events, serving one admitted LiveSubscription each, and the wake-up that lets a coroutine
// wait for a channel's events. Private to http/ (it includes Beast and Asio).
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/metrics.hpp"
#include "events/event_hub.hpp"
#include "events/live_subscription.hpp"

namespace opchat {

// Wakes one coroutine from any thread. Owned by a shared_ptr: a wake-up posted just before the
// coroutine ends keeps it alive until it has run.
class AsioWaker final : public Waker, public std::enable_shared_from_this<AsioWaker> {
 public:
  explicit AsioWaker(const boost::asio::any_io_executor& executor) : timer_(executor) {}
  void Wake() override;
  // Runs on the coroutine's own executor: wakes a Wait at once (or the next one).
  void WakeHere();
  // Until woken or `deadline`. Returns whether it was woken.
  boost::asio::awaitable<bool> Wait(std::chrono::steady_clock::time_point deadline);

 private:
  boost::asio::steady_timer timer_;
  bool woken_ = false;
};

// What a live connection needs from the server around it.
struct LiveContext {
  Metrics* metrics = nullptr;
  const std::atomic<bool>* stopping = nullptr;
  int64_t write_timeout_s = 30;  // a frame batch not written by then: the peer is gone
  // Registers (true) and unregisters (false) a waker to be woken when the server stops.
  std::function<void(AsioWaker*, bool)> on_shutdown;
};

bool IsWebSocketUpgrade(
    const boost::beast::http::request<boost::beast::http::string_body>& request);

// The answer to a WebSocket opening handshake (RFC 6455, 4.2.2): the 101 response to write, or
// the HTTP status (400) and the problem of a request that cannot be upgraded.
struct WebSocketHandshake {
  std::string response;  // empty when refused
  int status = 101;
  std::string problem;
};
WebSocketHandshake AcceptWebSocket(
    const boost::beast::http::request<boost::beast::http::string_body>& request);

// Writes the handshake's 101 and then the subscription's events as WebSocket text frames, all
// the frames ready in one write, with pings, until either side ends. The frames are written here
// rather than by Beast so that they can be batched (websocket_frames.hpp).
boost::asio::awaitable<void> ServeWebSocket(boost::beast::tcp_stream stream,
                                            std::string handshake_response,
                                            std::unique_ptr<LiveSubscription> subscription,
                                            const LiveContext& context);

// Answers with a text/event-stream and sends the subscription's events until either side ends.
boost::asio::awaitable<void> ServeServerSentEvents(boost::beast::tcp_stream stream,
                                                   std::unique_ptr<LiveSubscription> subscription,
                                                   const LiveContext& context);

}  // namespace opchat
