#include "http/live_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket.hpp>
#include <string>

#include "common/clock.hpp"

namespace opchat {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using namespace std::chrono_literals;

void AsioWaker::Wake() {
  asio::post(timer_.get_executor(), [self = shared_from_this()] { self->WakeHere(); });
}

void AsioWaker::WakeHere() {
  woken_ = true;
  timer_.cancel();
}

asio::awaitable<bool> AsioWaker::Wait(std::chrono::steady_clock::time_point deadline) {
  if (!woken_) {
    timer_.expires_at(deadline);
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  bool woken = woken_;
  woken_ = false;
  co_return woken;
}

namespace {

// Frames handed out per step: enough to fill a socket buffer, few enough to interleave
// connections fairly on one thread.
constexpr size_t kFramesPerStep = 64;

void CountDelivered(const LiveContext& context, const EventFrame& frame) {
  if (!context.metrics) return;
  context.metrics->RecordEventDelivered(static_cast<double>(NowMillis() - frame.time_ms) / 1000);
}

// Registers a connection's waker for the server's shutdown for as long as it lives.
class ShutdownWatch {
 public:
  ShutdownWatch(const LiveContext& context, AsioWaker* waker) : context_(context), waker_(waker) {
    if (context_.on_shutdown) context_.on_shutdown(waker_, true);
  }
  ~ShutdownWatch() {
    if (context_.on_shutdown) context_.on_shutdown(waker_, false);
  }

 private:
  const LiveContext& context_;
  AsioWaker* waker_;
};

bool Stopping(const LiveContext& context) {
  return context.stopping && context.stopping->load(std::memory_order_relaxed);
}

// Closes `socket` unless the guarded write finishes first (cancel the returned timer then).
std::shared_ptr<asio::steady_timer> GuardWrite(asio::ip::tcp::socket& socket,
                                               std::shared_ptr<void> keep_alive,
                                               int64_t timeout_s) {
  auto guard = std::make_shared<asio::steady_timer>(socket.get_executor());
  guard->expires_after(std::chrono::seconds(timeout_s));
  guard->async_wait([&socket, keep_alive](const beast::error_code& ec) {
    if (!ec) {
      beast::error_code ignored;
      socket.close(ignored);
    }
  });
  return guard;
}

using WebSocketStream = websocket::stream<beast::tcp_stream>;

// Reads (and drops) what the client sends, so that pings, pongs and its close are processed;
// ends the connection's loop when the client goes.
asio::awaitable<void> DrainWebSocket(std::shared_ptr<WebSocketStream> ws,
                                     std::shared_ptr<AsioWaker> waker,
                                     std::shared_ptr<bool> closed) {
  // A few bytes at a time into the frame itself: an idle connection holds no read buffer of
  // its own (Beast's frame buffer is part of the stream).
  char sink[64];
  for (;;) {
    auto [ec, n] =
        co_await ws->async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
    if (ec) break;
  }
  *closed = true;
  waker->WakeHere();
}

asio::awaitable<void> DrainSocket(std::shared_ptr<beast::tcp_stream> stream,
                                  std::shared_ptr<AsioWaker> waker, std::shared_ptr<bool> closed) {
  char sink[512];
  for (;;) {
    auto [ec, n] = co_await stream->socket().async_read_some(asio::buffer(sink),
                                                             asio::as_tuple(asio::use_awaitable));
    if (ec) break;
  }
  *closed = true;
  waker->WakeHere();
}

}  // namespace

bool IsWebSocketUpgrade(const http::request<http::string_body>& request) {
  return websocket::is_upgrade(request);
}

asio::awaitable<void> ServeWebSocket(beast::tcp_stream stream,
                                     http::request<http::string_body> request,
                                     std::unique_ptr<LiveSubscription> sub,
                                     const LiveContext& context) {
  auto ws = std::make_shared<WebSocketStream>(std::move(stream));
  beast::get_lowest_layer(*ws).expires_never();  // the WebSocket's own timeouts take over
  // A ping after ping_interval_s of silence; closed after twice that without an answer.
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = 10s;
  timeouts.idle_timeout = std::chrono::seconds(2 * std::max<int64_t>(1, sub->ping_interval_s()));
  timeouts.keep_alive_pings = true;
  ws->set_option(timeouts);
  ws->set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "opchat"); }));
  ws->read_message_max(4096);  // clients have nothing to say here
  ws->text(true);
  auto [accept_ec] = co_await ws->async_accept(request, asio::as_tuple(asio::use_awaitable));
  if (accept_ec) co_return;
  request = {};  // held for the connection's life otherwise

  auto waker = std::make_shared<AsioWaker>(ws->get_executor());
  ShutdownWatch shutdown_watch(context, waker.get());
  sub->Watch(waker.get());
  auto closed = std::make_shared<bool>(false);
  asio::co_spawn(ws->get_executor(), DrainWebSocket(ws, waker, closed), asio::detached);

  websocket::close_reason reason(websocket::close_code::going_away, "server stopping");
  while (!*closed) {
    if (Stopping(context)) break;
    LiveSubscription::Step step = sub->Next(kFramesPerStep);
    if (step.close) {
      reason = websocket::close_reason(static_cast<websocket::close_code>(step.close_code),
                                       step.close_reason.substr(0, 123));
      break;
    }
    if (step.frames.empty()) {
      co_await waker->Wait(std::chrono::steady_clock::time_point::max());
      continue;
    }
    auto guard = GuardWrite(beast::get_lowest_layer(*ws).socket(), ws, context.write_timeout_s);
    for (const EventFrame& frame : step.frames) {
      auto [ec, n] =
          co_await ws->async_write(asio::buffer(*frame.json), asio::as_tuple(asio::use_awaitable));
      if (ec) {
        *closed = true;
        break;
      }
      CountDelivered(context, frame);
    }
    guard->cancel();
  }
  sub.reset();  // releases the connection slot and stops the wake-ups
  if (!*closed) {
    auto guard = GuardWrite(beast::get_lowest_layer(*ws).socket(), ws, 5);
    co_await ws->async_close(reason, asio::as_tuple(asio::use_awaitable));
    guard->cancel();
  }
}

asio::awaitable<void> ServeServerSentEvents(beast::tcp_stream stream,
                                            std::unique_ptr<LiveSubscription> sub,
                                            const LiveContext& context) {
  auto s = std::make_shared<beast::tcp_stream>(std::move(stream));
  s->expires_never();
  auto waker = std::make_shared<AsioWaker>(s->get_executor());
  ShutdownWatch shutdown_watch(context, waker.get());
  sub->Watch(waker.get());
  auto closed = std::make_shared<bool>(false);
  asio::co_spawn(s->get_executor(), DrainSocket(s, waker, closed), asio::detached);

  // No length and no chunking: the stream ends when the connection does (HTTP/1.1 allows a
  // response delimited by the close). `retry` asks EventSource to reconnect after 1 s.
  std::string out =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
      "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n"
      "retry: 1000\n\n";
  const auto ping = std::chrono::seconds(std::max<int64_t>(1, sub->ping_interval_s()));
  auto last_write = std::chrono::steady_clock::now();
  std::vector<EventFrame> sent;
  while (!*closed) {
    if (!out.empty()) {
      auto guard = GuardWrite(s->socket(), s, context.write_timeout_s);
      auto [ec, n] = co_await asio::async_write(s->socket(), asio::buffer(out),
                                                asio::as_tuple(asio::use_awaitable));
      guard->cancel();
      if (ec) break;
      for (const EventFrame& frame : sent) CountDelivered(context, frame);
      out.clear();
      sent.clear();
      last_write = std::chrono::steady_clock::now();
    }
    if (Stopping(context)) break;
    LiveSubscription::Step step = sub->Next(kFramesPerStep);
    if (step.close) {
      // The client reconnects by itself, with Last-Event-ID = the last id it received.
      out = "event: close\ndata: {\"code\":" + std::to_string(step.close_code) + ",\"reason\":\"" +
            step.close_reason + "\"}\n\n";
      auto guard = GuardWrite(s->socket(), s, 5);
      co_await asio::async_write(s->socket(), asio::buffer(out),
                                 asio::as_tuple(asio::use_awaitable));
      guard->cancel();
      break;
    }
    if (!step.frames.empty()) {
      for (const EventFrame& frame : step.frames) {
        out += "id: ";
        out += std::to_string(frame.id);
        out += "\ndata: ";
        out += *frame.json;  // one line: the encoder escapes every newline
        out += "\n\n";
      }
      sent = std::move(step.frames);
      continue;
    }
    bool woken = co_await waker->Wait(last_write + ping);
    if (!woken && !*closed) out = ": ping\n\n";
  }
  sub.reset();
  beast::error_code ignored;
  s->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

}  // namespace opchat
