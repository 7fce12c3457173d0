#include "http/live_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <string>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "http/websocket_frames.hpp"

namespace opchat {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

void AsioWaker::Wake() {
  asio::post(timer_.get_executor(), [self = shared_from_this()] { self->WakeHere(); });
}

void AsioWaker::WakeHere() {
  woken_ = true;
  timer_.cancel();
}

asio::awaitable<bool> AsioWaker::Wait(Clock::time_point deadline) {
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
// What a live client may send: control frames, and data it has no reason to send, up to this.
constexpr uint64_t kMaxClientMessageBytes = 4096;
// Pongs a client may have us owe at once (it pings faster than it reads): beyond, it goes.
constexpr size_t kMaxPendingControlBytes = 64 * 1024;

void CountDelivered(const LiveContext& context, const std::vector<FramePtr>& frames) {
  if (!context.metrics) return;
  const int64_t now = NowMillis();
  for (const FramePtr& f : frames) {
    context.metrics->RecordEventDelivered(static_cast<double>(now - f->time_ms) / 1000);
  }
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
std::shared_ptr<asio::steady_timer> GuardWrite(tcp::socket& socket,
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

// Writes `bytes` whole, or closes the socket after `timeout_s`. Returns whether all went.
asio::awaitable<bool> WriteAll(tcp::socket& socket, std::shared_ptr<void> keep_alive,
                               const std::string& bytes, int64_t timeout_s) {
  auto guard = GuardWrite(socket, std::move(keep_alive), timeout_s);
  auto [ec, n] =
      co_await asio::async_write(socket, asio::buffer(bytes), asio::as_tuple(asio::use_awaitable));
  guard->cancel();
  co_return !ec;
}

// One WebSocket connection after its handshake, shared by its writer (ServeWebSocket) and its
// reader (ReadWebSocket), which run on the same event loop.
struct WebSocketConnection {
  explicit WebSocketConnection(beast::tcp_stream s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  std::string control;       // frames the reader owes the client (pongs), sent with the next write
  bool peer_gone = false;    // the read side ended (EOF, reset)
  bool peer_closed = false;  // the client sent a close frame
  int peer_close_code = 1000;    // ... with this code (echoed)
  int protocol_error = 0;        // the client broke the protocol: close with this code
  Clock::time_point last_heard;  // the last byte from the client
};

// Reads the client's frames: answers pings (through `control`), notes its close, its protocol
// errors and its silence, and drops everything else.
asio::awaitable<void> ReadWebSocket(std::shared_ptr<WebSocketConnection> c,
                                    std::shared_ptr<AsioWaker> waker) {
  WebSocketFrameReader reader(kMaxClientMessageBytes);
  char buffer[512];  // in the coroutine's frame: an idle connection holds no read buffer
  for (;;) {
    auto [ec, n] = co_await c->stream.socket().async_read_some(asio::buffer(buffer),
                                                               asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    c->last_heard = Clock::now();
    std::string_view data(buffer, n);
    bool wake = false;
    while (!data.empty()) {
      WebSocketFrameReader::Result r = reader.Feed(data);
      data.remove_prefix(r.consumed);
      if (r.error_code != 0) {
        c->protocol_error = r.error_code;
        waker->WakeHere();
        co_return;  // nothing more is read; the writer closes
      }
      if (!r.control) continue;
      if (r.control->opcode == ws_opcode::kPing) {
        AppendWebSocketFrame(c->control, ws_opcode::kPong, r.control->payload);
        if (c->control.size() > kMaxPendingControlBytes) c->protocol_error = 1008;
        wake = true;
      } else if (r.control->opcode == ws_opcode::kClose) {
        const std::string& p = r.control->payload;
        if (p.size() >= 2) {
          c->peer_close_code =
              (static_cast<unsigned char>(p[0]) << 8) | static_cast<unsigned char>(p[1]);
        }
        c->peer_closed = true;
        wake = true;
      }
    }
    if (wake) waker->WakeHere();
  }
  c->peer_gone = true;
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
  return beast::websocket::is_upgrade(request);
}

WebSocketHandshake AcceptWebSocket(const http::request<http::string_body>& request) {
  WebSocketHandshake h;
  if (request[http::field::sec_websocket_version] != "13") {
    h.status = 400;
    h.problem = "WebSocket 版本不支持: 需要 Sec-WebSocket-Version: 13";
    return h;
  }
  // The key is 16 random bytes in base64: 24 characters ending in "==".
  std::string_view key = request[http::field::sec_websocket_key];
  if (key.size() != 24 || key.substr(22) != "==") {
    h.status = 400;
    h.problem = "WebSocket 握手无效: Sec-WebSocket-Key";
    return h;
  }
  const std::string accept =
      Base64(Sha1Digest(std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
  // No extension and no subprotocol is agreed: frames are plain text, uncompressed.
  h.response =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      accept + "\r\nServer: opchat\r\n\r\n";
  return h;
}

asio::awaitable<void> ServeWebSocket(beast::tcp_stream stream, std::string handshake_response,
                                     std::unique_ptr<LiveSubscription> sub,
                                     const LiveContext& context) {
  auto c = std::make_shared<WebSocketConnection>(std::move(stream));
  c->stream.expires_never();
  tcp::socket& socket = c->stream.socket();
  if (!co_await WriteAll(socket, c, handshake_response, 10)) co_return;
  handshake_response = std::string();

  auto waker = std::make_shared<AsioWaker>(socket.get_executor());
  ShutdownWatch shutdown_watch(context, waker.get());
  sub->Watch(waker.get());
  c->last_heard = Clock::now();
  asio::co_spawn(socket.get_executor(), ReadWebSocket(c, waker), asio::detached);

  // A ping after ping_interval_s without a frame; closed after twice that without a byte from
  // the client (a pong answers every ping).
  const auto ping = std::chrono::seconds(std::max<int64_t>(1, sub->ping_interval_s()));
  auto last_write = Clock::now();
  int close_code = 0;
  std::string close_reason;
  std::string out;
  for (;;) {
    if (c->peer_gone) break;
    if (c->protocol_error != 0) {
      close_code = c->protocol_error;
      close_reason = close_code == 1009 ? "message too big" : "protocol error";
      break;
    }
    if (c->peer_closed) {
      close_code = c->peer_close_code;  // the close handshake: echo the client's code
      break;
    }
    if (Stopping(context)) {
      close_code = 1001;
      close_reason = "server stopping";
      break;
    }
    if (Clock::now() - c->last_heard > 2 * ping) break;  // not even a pong: gone
    out.clear();
    out.swap(c->control);
    LiveSubscription::Step step = sub->Next(kFramesPerStep);
    if (step.close) {
      close_code = step.close_code;
      close_reason = std::move(step.close_reason);
      break;
    }
    // Every frame ready goes out in one write: on loopback a write costs more than the frame.
    for (const FramePtr& frame : step.frames) {
      AppendWebSocketFrame(out, ws_opcode::kText, frame->json);
    }
    if (out.empty() && Clock::now() - last_write >= ping) {
      AppendWebSocketFrame(out, ws_opcode::kPing, "");
    }
    if (!out.empty()) {
      if (!co_await WriteAll(socket, c, out, context.write_timeout_s)) break;
      CountDelivered(context, step.frames);
      last_write = Clock::now();
      continue;
    }
    co_await waker->Wait(std::min(last_write + ping, c->last_heard + 2 * ping + 10ms));
  }
  sub.reset();  // releases the connection slot and stops the wake-ups
  if (close_code != 0 && !c->peer_gone) {
    // The close frame, then wait (briefly) for the client to close its side.
    out.clear();
    out.swap(c->control);
    AppendWebSocketClose(out, close_code, close_reason);
    if (co_await WriteAll(socket, c, out, 5)) {
      beast::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_send, ignored);
      const auto until = Clock::now() + 2s;
      while (!c->peer_gone && Clock::now() < until) co_await waker->Wait(until);
    }
  }
  beast::error_code ignored;
  socket.close(ignored);
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
  auto last_write = Clock::now();
  std::vector<FramePtr> sent;
  while (!*closed) {
    if (!out.empty()) {
      if (!co_await WriteAll(s->socket(), s, out, context.write_timeout_s)) break;
      CountDelivered(context, sent);
      out.clear();
      sent.clear();
      last_write = Clock::now();
    }
    if (Stopping(context)) break;
    LiveSubscription::Step step = sub->Next(kFramesPerStep);
    if (step.close) {
      // The client reconnects by itself, with Last-Event-ID = the last id it received.
      out = "event: close\ndata: {\"code\":" + std::to_string(step.close_code) + ",\"reason\":\"" +
            step.close_reason + "\"}\n\n";
      co_await WriteAll(s->socket(), s, out, 5);
      break;
    }
    if (!step.frames.empty()) {
      for (const FramePtr& frame : step.frames) {
        out += "id: ";
        out += std::to_string(frame->id);
        out += "\ndata: ";
        out += frame->json;  // one line: the encoder escapes every newline
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
  s->socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace opchat
