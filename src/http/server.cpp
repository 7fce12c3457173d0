#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/mutex.hpp"
#include "http/live_session.hpp"

namespace opchat {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

struct HttpServer::Impl {
  Impl(const Api& api, HttpSettings s, Metrics* metrics)
      : api(api),
        settings(std::move(s)),
        metrics(metrics),
        write_pool(static_cast<size_t>(settings.write_threads)) {
    for (int i = 0; i < settings.threads; ++i)
      contexts.push_back(std::make_unique<asio::io_context>(1));
    live.metrics = metrics;
    live.stopping = &stopping;
    live.write_timeout_s = settings.read_timeout_s;
    live.on_shutdown = [this](AsioWaker* waker, bool add) {
      MutexLock lock(waiting_mu);
      if (add) {
        waiting.insert(waker);
      } else {
        waiting.erase(waker);
      }
    };
  }

  asio::awaitable<void> Accept();
  asio::awaitable<void> Drain();
  asio::awaitable<void> Session(tcp::socket socket, asio::ip::address peer);
  asio::awaitable<void> ServeLive(beast::tcp_stream& stream, http::request<http::string_body> req,
                                  const asio::ip::address& peer,
                                  std::chrono::steady_clock::time_point started);
  void EndSession(const asio::ip::address& peer);
  asio::awaitable<void> Refuse(tcp::socket socket, ApiResponse answer);
  bool ClaimAddress(const asio::ip::address& peer);
  void ReleaseAddress(const asio::ip::address& peer);
  asio::awaitable<ApiResponse> Respond(const http::request<http::string_body>& req,
                                       const asio::ip::address& peer);
  asio::awaitable<ApiResponse> AwaitEvents(ApiResponse first);
  asio::awaitable<ApiResponse> AwaitDeferred(ApiResponse first);
  void BeginShutdown();

  const Api& api;
  const HttpSettings settings;
  Metrics* const metrics;
  std::vector<std::unique_ptr<asio::io_context>> contexts;  // contexts[0] also accepts
  asio::thread_pool write_pool;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::atomic<int64_t> connections{0};
  std::atomic<bool> stopping{false};
  size_t next_context = 0;  // used by the accept loop only
  // Open connections per remote address, for max_connections_per_address. Sessions end on
  // every I/O thread, hence the mutex; an address leaves the map with its last connection.
  Mutex per_address_mu;
  std::map<asio::ip::address, int64_t> per_address GUARDED_BY(per_address_mu);
  // Live connections and long polls waiting for events: woken when the server stops, so that
  // they end at once instead of holding the drain for their whole wait.
  LiveContext live;
  Mutex waiting_mu;
  std::set<AsioWaker*> waiting GUARDED_BY(waiting_mu);
  // Deferred answers waited for and not yet complete: the I/O contexts their wake-ups are posted
  // to must outlive them.
  std::atomic<int64_t> deferred_waits{0};
};

namespace {

http::response<http::string_body> ToHttp(ApiResponse&& r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::content_type, r.content_type);
  if (!r.allow.empty()) res.set(http::field::allow, r.allow);
  if (r.retry_after_s > 0) res.set(http::field::retry_after, std::to_string(r.retry_after_s));
  if (!r.set_cookie.empty()) res.set(http::field::set_cookie, r.set_cookie);
  if (r.no_store) res.set(http::field::cache_control, "no-store");
  if (!r.location.empty()) res.set(http::field::location, r.location);
  if (!r.content_security_policy.empty()) {
    res.set("Content-Security-Policy", r.content_security_policy);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("X-Frame-Options", "DENY");
    res.set("Referrer-Policy", "no-referrer");
  }
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

// The request as the API sees it; views into `req` and `address`, which must outlive it.
ApiRequest AsApiRequest(const http::request<http::string_body>& req, std::string_view address) {
  return {req.method_string(),
          req.target(),
          req[http::field::content_type],
          req.body(),
          req[http::field::cookie],
          req["X-CSRF-Token"],
          address,
          req[http::field::origin],
          req[http::field::host]};
}

// A failure met while reading a request: what to answer, if anything, before closing.
std::optional<ApiResponse> ReadFailureAnswer(const Api& api, const beast::error_code& ec) {
  if (ec == http::error::body_limit) return api.Refuse(Refusal::kPayloadTooLarge, "请求体过大");
  if (ec == http::error::header_limit) return api.Error(Status::InvalidArgument("请求头过大"));
  // Timeouts, resets and a peer that closed: nobody to answer.
  if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
      ec == http::error::partial_message) {
    return std::nullopt;
  }
  return api.Error(Status::InvalidArgument("请求格式错误"));
}

// After an answer sent before the request was fully read (413, a header too large), read and
// drop what the client is still sending for a moment before closing: closing with unread data
// makes the kernel send a reset, and a proxy in front would turn the 413 into a 502.
asio::awaitable<void> DrainBeforeClose(beast::tcp_stream& stream) {
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  std::array<char, 16384> sink;
  size_t drained = 0;
  stream.expires_after(std::chrono::seconds(2));
  while (drained < (4u << 20)) {
    auto [ec, n] =
        co_await stream.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    drained += n;
  }
}

bool IsLiveTarget(std::string_view target) {
  return target.substr(0, target.find('?')) == "/op/v2/live";
}

// Whether an Accept header lists text/event-stream (any case).
bool AcceptsEventStream(std::string_view accept) {
  std::string lower(accept);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("text/event-stream") != std::string::npos;
}

// The answer that `first` stood for, given the members the API set on `first` only.
ApiResponse Finished(ApiResponse answer, ApiResponse& first) {
  answer.endpoint = first.endpoint;
  answer.client_id = std::move(first.client_id);
  answer.no_store = answer.no_store || first.no_store;
  return answer;
}

// Wakes a coroutine waiting for a deferred answer, and counts the answer as no longer waited for.
class DeferredWake final : public Waker {
 public:
  DeferredWake(std::shared_ptr<AsioWaker> waker, std::atomic<int64_t>& waits)
      : waker_(std::move(waker)), waits_(waits) {}
  void Wake() override {  // called once
    waker_->Wake();
    waker_.reset();  // its timer must not outlive the I/O context, which may go once counted
    waits_.fetch_sub(1);
  }

 private:
  std::shared_ptr<AsioWaker> waker_;
  std::atomic<int64_t>& waits_;
};

// An IPv4 client of a dual-stack listener arrives as ::ffff:a.b.c.d; count it as a.b.c.d.
asio::ip::address Unmapped(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  }
  return a;
}

}  // namespace

asio::awaitable<ApiResponse> HttpServer::Impl::Respond(const http::request<http::string_body>& req,
                                                       const asio::ip::address& peer) {
  const std::string address = Unmapped(peer).to_string();
  const ApiRequest areq = AsApiRequest(req, address);
  if (Api::WaitsForCommit(areq.target)) {
    // The write waits for a group commit; keep the I/O thread serving other connections.
    co_return co_await asio::co_spawn(
        write_pool.get_executor(),
        [this, &areq]() -> asio::awaitable<ApiResponse> { co_return api.Handle(areq); },
        asio::use_awaitable);
  }
  ApiResponse answer = api.Handle(areq);
  if (answer.pending) co_return co_await AwaitEvents(std::move(answer));
  if (answer.deferred) co_return co_await AwaitDeferred(std::move(answer));
  co_return answer;
}

// An answer finished on another thread (a page read batched by the store, a send once its batch
// has committed): this thread serves other connections meanwhile.
asio::awaitable<ApiResponse> HttpServer::Impl::AwaitDeferred(ApiResponse first) {
  auto waker = std::make_shared<AsioWaker>(co_await asio::this_coro::executor);
  deferred_waits.fetch_add(1);
  first.deferred->WakeWhenComplete(std::make_shared<DeferredWake>(waker, deferred_waits));
  std::optional<ApiResponse> answer;
  while (!(answer = first.deferred->Take())) {
    co_await waker->Wait(std::chrono::steady_clock::now() + 1h);
  }
  co_return Finished(std::move(*answer), first);
}

// A long poll that found nothing yet: waits for the channel's events, or its deadline.
asio::awaitable<ApiResponse> HttpServer::Impl::AwaitEvents(ApiResponse first) {
  std::shared_ptr<PendingAnswer> pending = std::move(first.pending);
  EventHub* hub = api.events();
  auto waker = std::make_shared<AsioWaker>(co_await asio::this_coro::executor);
  live.on_shutdown(waker.get(), true);
  hub->Watch(pending->channel(), waker.get());
  ApiResponse answer;
  // Events committed between the first read and Watch woke nobody: look once more first.
  for (bool look = true;; look = co_await waker->Wait(pending->deadline())) {
    if (stopping.load() || std::chrono::steady_clock::now() >= pending->deadline()) {
      answer = pending->Expire();
      break;
    }
    if (!look) continue;
    if (auto ready = pending->Retry()) {
      answer = std::move(*ready);
      break;
    }
  }
  hub->Unwatch(pending->channel(), waker.get());
  live.on_shutdown(waker.get(), false);
  co_return Finished(std::move(answer), first);
}

bool HttpServer::Impl::ClaimAddress(const asio::ip::address& peer) {
  MutexLock lock(per_address_mu);
  int64_t& open = per_address[peer];
  if (settings.max_connections_per_address > 0 && open >= settings.max_connections_per_address) {
    return false;
  }
  ++open;
  return true;
}

void HttpServer::Impl::ReleaseAddress(const asio::ip::address& peer) {
  MutexLock lock(per_address_mu);
  auto it = per_address.find(peer);
  if (it != per_address.end() && --it->second <= 0) per_address.erase(it);
}

asio::awaitable<void> HttpServer::Impl::Session(tcp::socket socket, asio::ip::address peer) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  const auto read_timeout = std::chrono::seconds(settings.read_timeout_s);
  const auto idle_timeout = std::chrono::seconds(settings.idle_timeout_s);
  for (;;) {
    // Wait for the first byte of the next request under the idle timeout, then give the whole
    // request the read timeout: a client trickling bytes (slow loris) is cut off at it.
    if (buffer.size() == 0) {
      stream.expires_after(idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096),
                                                     asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      buffer.commit(n);
    }
    http::request_parser<http::string_body> parser;
    parser.body_limit(static_cast<uint64_t>(settings.max_body_bytes));
    parser.header_limit(static_cast<uint32_t>(settings.max_header_bytes));
    stream.expires_after(read_timeout);
    auto [ec, n] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    const auto started = std::chrono::steady_clock::now();
    if (ec) {
      if (auto answer = ReadFailureAnswer(api, ec)) {
        auto res = ToHttp(std::move(*answer), 11, false);
        stream.expires_after(read_timeout);
        co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
        if (metrics) metrics->RecordRequest("other", res.result_int(), 0);
        if (settings.access_log) spdlog::info("- - {} ({})", res.result_int(), ec.message());
        co_await DrainBeforeClose(stream);
      }
      break;
    }
    const auto& req = parser.get();
    if (IsLiveTarget(req.target())) {
      // WebSocket or SSE: the connection belongs to the subscription from here on, and what
      // reading requests needed is given back (an idle subscriber should cost little).
      buffer.clear();
      buffer.shrink_to_fit();
      co_await ServeLive(stream, parser.release(), peer, started);
      co_return;
    }
    if (metrics) metrics->AddInFlight(1);
    ApiResponse answer = co_await Respond(req, peer);
    if (metrics) {
      metrics->AddInFlight(-1);
      metrics->RecordRequest(
          answer.endpoint, answer.status,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    const bool keep_alive = req.keep_alive() && !stopping.load(std::memory_order_relaxed);
    const int status = answer.status;
    std::string client = std::move(answer.client_id);
    auto res = ToHttp(std::move(answer), req.version(), keep_alive);
    if (req.method() == http::verb::head) {
      // The headers a GET would get, Content-Length included, and no body (RFC 9110 §9.3.2):
      // bytes after them would be read as the next answer on this connection.
      res.body().clear();
    }
    stream.expires_after(read_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    if (settings.access_log) {
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
              .count();
      std::string_view target = req.target();
      spdlog::info("{} {} {} {:.3f}ms client={}", std::string_view(req.method_string()),
                   target.substr(0, target.find('?')), status, ms, client.empty() ? "-" : client);
    }
    if (wec || !keep_alive) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  EndSession(peer);
}

void HttpServer::Impl::EndSession(const asio::ip::address& peer) {
  ReleaseAddress(peer);
  connections.fetch_sub(1);
  if (metrics) metrics->AddConnections(-1);
}

// GET /op/v2/live: the subscription served by its transport, or the answer refusing it. Either
// way the connection ends with it (a client's next attempt is a new connection), and so does the
// session's bookkeeping.
asio::awaitable<void> HttpServer::Impl::ServeLive(beast::tcp_stream& stream,
                                                  http::request<http::string_body> req,
                                                  const asio::ip::address& peer,
                                                  std::chrono::steady_clock::time_point started) {
  const std::string address = Unmapped(peer).to_string();
  const ApiRequest areq = AsApiRequest(req, address);
  LiveOpening opening = api.OpenLive(areq, req["Last-Event-ID"]);
  const bool websocket = IsWebSocketUpgrade(req);
  const bool sse = !websocket && AcceptsEventStream(req[http::field::accept]);
  WebSocketHandshake handshake;
  if (opening.subscription && websocket) handshake = AcceptWebSocket(req);
  if (opening.subscription && ((!websocket && !sse) || handshake.status != 101)) {
    opening.subscription.reset();
    std::string problem = handshake.status != 101
                              ? handshake.problem
                              : "实时事件需要 WebSocket 升级 (Upgrade: websocket) 或 Accept: "
                                "text/event-stream";
    opening.refusal = api.Error(Status::InvalidArgument(problem));
  }
  const std::string client =
      opening.subscription ? opening.subscription->client_id() : opening.refusal.client_id;
  const int status = opening.subscription ? (websocket ? 101 : 200) : opening.refusal.status;
  if (metrics) {
    metrics->RecordRequest(
        "live", status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  if (settings.access_log) {
    spdlog::info("GET /op/v2/live {} {} client={}", status,
                 opening.subscription ? (websocket ? "websocket" : "sse") : "refused",
                 client.empty() ? "-" : client);
  }
  if (!opening.subscription) {
    auto res = ToHttp(std::move(opening.refusal), req.version(), false);
    stream.expires_after(std::chrono::seconds(settings.read_timeout_s));
    co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    EndSession(peer);
    co_return;
  }
  // The transport runs as a coroutine of its own, and this one and the session's end here: a
  // connection that may stay idle for hours keeps only what it needs, not the frames (parser,
  // buffers) of the request that opened it.
  auto end_session = [this, peer](const std::exception_ptr&) { EndSession(peer); };
  auto executor = co_await asio::this_coro::executor;
  if (websocket) {
    asio::co_spawn(executor,
                   ServeWebSocket(std::move(stream), std::move(handshake.response),
                                  std::move(opening.subscription), live),
                   end_session);
  } else {
    asio::co_spawn(executor,
                   ServeServerSentEvents(std::move(stream), std::move(opening.subscription), live),
                   end_session);
  }
}

asio::awaitable<void> HttpServer::Impl::Refuse(tcp::socket socket, ApiResponse answer) {
  // Over a connection limit: one short answer, then close, without reading the request.
  beast::tcp_stream stream(std::move(socket));
  auto res = ToHttp(std::move(answer), 11, false);
  stream.expires_after(std::chrono::seconds(2));
  co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> HttpServer::Impl::Accept() {
  bool accept_failing = false;
  while (!stopping) {
    asio::io_context& target = *contexts[next_context++ % contexts.size()];
    auto [ec, socket] =
        co_await acceptor->async_accept(target, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted) break;  // the acceptor was closed: shutting down
      // Out of file descriptors (or another transient failure): the pending connection stays
      // queued, so retrying at once would spin. Back off briefly and log once per episode.
      if (!accept_failing) spdlog::warn("accept: {} (backing off)", ec.message());
      accept_failing = true;
      asio::steady_timer pause(*contexts[0], std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    accept_failing = false;
    if (connections.fetch_add(1) >= settings.max_connections) {
      connections.fetch_sub(1);
      if (metrics) metrics->CountRefusedConnection();
      asio::co_spawn(target,
                     Refuse(std::move(socket), api.Refuse(Refusal::kServerFull,
                                                          "服务繁忙: 连接数已达上限，请稍后重试")),
                     asio::detached);
      continue;
    }
    beast::error_code peer_ec;
    const auto peer = Unmapped(socket.remote_endpoint(peer_ec).address());
    if (peer_ec) {  // the client is already gone
      connections.fetch_sub(1);
      continue;
    }
    // One address may not take the whole server: 429, as it is this client's own doing.
    if (!ClaimAddress(peer)) {
      connections.fetch_sub(1);
      if (metrics) metrics->CountRefusedConnection();
      asio::co_spawn(target,
                     Refuse(std::move(socket),
                            api.Refuse(Refusal::kTooManyRequests,
                                       "连接过多: 同一地址的连接数已达上限 "
                                       "(limits.max_connections_per_address = " +
                                           std::to_string(settings.max_connections_per_address) +
                                           ")，请关闭空闲连接后重试")),
                     asio::detached);
      continue;
    }
    if (metrics) metrics->AddConnections(1);
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(target, Session(std::move(socket), peer), asio::detached);
  }
}

void HttpServer::Impl::BeginShutdown() {
  if (stopping.exchange(true)) return;
  {
    MutexLock lock(waiting_mu);
    for (AsioWaker* waker : waiting) waker->Wake();
  }
  asio::post(*contexts[0], [this] {
    beast::error_code ignored;
    acceptor->close(ignored);
  });
  asio::co_spawn(*contexts[0], Drain(), asio::detached);
}

// Idle keep-alive connections are closed by their idle timer or their next request; the loops
// stop when none is left, or after 10 s. A coroutine on the loop rather than a thread of its
// own, so nothing outlives Run() and touches the contexts while they are destroyed.
asio::awaitable<void> HttpServer::Impl::Drain() {
  asio::steady_timer pause(*contexts[0]);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    pause.expires_after(20ms);
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  for (auto& c : contexts) c->stop();
}

HttpServer::HttpServer(const Api& api, HttpSettings settings, Metrics* metrics)
    : impl_(std::make_unique<Impl>(api, std::move(settings), metrics)) {}

HttpServer::~HttpServer() {
  impl_->write_pool.join();
  // A store completes every answer it deferred, soon: a page read is one statement, a send
  // one commit.
  while (impl_->deferred_waits.load() > 0) std::this_thread::sleep_for(1ms);
}

Result<uint16_t> HttpServer::Listen() {
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->settings.host, ec);
  if (ec) return Status::InvalidArgument("bad listen address: " + impl_->settings.host);
  auto acceptor = std::make_unique<tcp::acceptor>(*impl_->contexts[0]);
  tcp::endpoint endpoint(address, impl_->settings.port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen on " + impl_->settings.host + ":" +
                               std::to_string(impl_->settings.port) + ": " + ec.message());
  }
  uint16_t port = acceptor->local_endpoint().port();
  impl_->acceptor = std::move(acceptor);
  return port;
}

void HttpServer::Run() {
  asio::co_spawn(*impl_->contexts[0], impl_->Accept(), asio::detached);
  std::vector<std::thread> threads;
  for (size_t i = 1; i < impl_->contexts.size(); ++i) {
    threads.emplace_back([this, i] {
      auto guard = asio::make_work_guard(*impl_->contexts[i]);
      impl_->contexts[i]->run();
    });
  }
  {
    auto guard = asio::make_work_guard(*impl_->contexts[0]);
    impl_->contexts[0]->run();
  }
  for (auto& t : threads) t.join();
}

void HttpServer::Stop() { impl_->BeginShutdown(); }

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  beast::error_code ec;
  const asio::ip::address a = asio::ip::make_address(host, ec);
  return !ec && Unmapped(a).is_loopback();
}

Result<std::pair<std::string, uint16_t>> ParseListenAddress(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos)
    return Status::InvalidArgument("listen: want HOST:PORT, got " + text);
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  std::string_view port_text = std::string_view(text).substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return Status::InvalidArgument("listen: bad port in " + text);
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

}  // namespace opchat
