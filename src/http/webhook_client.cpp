#include "http/webhook_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "webhooks/destination_policy.hpp"

namespace opchat {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

constexpr size_t kBodyHeadBytes = 1024;
constexpr size_t kMaxBodyBytes = 64 * 1024;  // more and the answer is cut and the connection closed
constexpr auto kMaxIdle = std::chrono::seconds(30);  // an idle connection older is not reused
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// One connection to an origin, plain or TLS.
struct Conn {
  Conn(asio::io_context& io, ssl::context* tls_context) : plain(io) {
    if (tls_context != nullptr)
      secure = std::make_unique<ssl::stream<tcp::socket>>(io, *tls_context);
  }
  tcp::socket& socket() { return secure ? secure->next_layer() : plain; }
  void Close() {
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

  std::string origin;
  tcp::socket plain;
  std::unique_ptr<ssl::stream<tcp::socket>> secure;
  beast::flat_buffer buffer;
  Clock::time_point idle_since;
};

// A request on its way: answered exactly once, by the exchange, the deadline or the stop.
struct Pending {
  Pending(asio::io_context& io, OutboundRequest r, std::function<void(OutboundResponse)> d)
      : request(std::move(r)), done(std::move(d)), started(Clock::now()), timer(io) {}

  OutboundRequest request;
  std::function<void(OutboundResponse)> done;
  Clock::time_point started;
  asio::steady_timer timer;
  bool finished = false;
  // What the deadline and the stop abort: the connection or the resolver in use.
  std::shared_ptr<Conn> conn;
  std::shared_ptr<tcp::resolver> resolver;
};

// How one request/answer exchange on a connection went.
struct Exchange {
  OutboundResponse response;    // status != 0 when answered
  bool answer_started = false;  // a byte of the answer arrived (else a retry is safe)
  bool reusable = false;        // the connection may serve another request
};

bool IsClosedError(const error_code& ec) {
  return ec == asio::error::eof || ec == http::error::end_of_stream ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == ssl::error::stream_truncated ||
         ec == http::error::partial_message;
}

std::string TlsReason(const error_code& ec, ssl::stream<tcp::socket>* stream) {
  if (stream != nullptr) {
    long verify = SSL_get_verify_result(stream->native_handle());
    if (verify != X509_V_OK) {
      return std::string("tls: certificate verify failed: ") +
             X509_verify_cert_error_string(verify);
    }
  }
  if (ec.category() == asio::error::get_ssl_category()) {
    const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    if (reason != nullptr) return std::string("tls: ") + reason;
  }
  if (IsClosedError(ec)) return "tls: connection closed during the handshake";
  return "tls: " + ec.message();
}

bool IsIpLiteral(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

bool HasControl(const std::string& s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return true;
  }
  return false;
}

}  // namespace

struct WebhookClient::Impl {
  explicit Impl(WebhookClientSettings s)
      : settings(std::move(s)), tls_context(ssl::context::tls_client), work(io.get_executor()) {}

  Status Configure() {
    error_code ec;
    tls_context.set_default_verify_paths(ec);
    if (ec) return Status::Internal("webhooks: the system's CA store: " + ec.message());
    if (!settings.extra_ca_file.empty()) {
      tls_context.load_verify_file(settings.extra_ca_file, ec);
      if (ec) {
        return Status::InvalidArgument("webhooks: extra_ca_file " + settings.extra_ca_file + ": " +
                                       ec.message());
      }
    }
    tls_context.set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_min_proto_version(tls_context.native_handle(), TLS1_2_VERSION);
    return Status::Ok();
  }

  void Start(std::shared_ptr<Pending> p);
  asio::awaitable<void> Run(std::shared_ptr<Pending> p);
  asio::awaitable<std::shared_ptr<Conn>> Open(std::shared_ptr<Pending> p,
                                              const WebhookUrlParts& url, std::string origin);
  asio::awaitable<Exchange> Send(std::shared_ptr<Pending> p, std::shared_ptr<Conn> conn,
                                 const WebhookUrlParts& url);
  std::shared_ptr<Conn> TakeIdle(const std::string& origin);
  void PutIdle(std::shared_ptr<Conn> conn);
  void Finish(const std::shared_ptr<Pending>& p, OutboundResponse response);
  void Fail(const std::shared_ptr<Pending>& p, std::string error) {
    OutboundResponse r;
    r.error = std::move(error);
    Finish(p, std::move(r));
  }
  static void Abort(const std::shared_ptr<Pending>& p) {
    if (p->conn) p->conn->Close();
    if (p->resolver) p->resolver->cancel();
  }
  void StopAll();
  asio::awaitable<void> SweepIdle();

  const WebhookClientSettings settings;
  ssl::context tls_context;  // before `io`: the streams of coroutine frames refer to it
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::thread thread;
  // The rest belongs to the client's thread.
  asio::steady_timer sweep_timer{io};
  bool stopping = false;
  std::set<std::shared_ptr<Pending>> pending;
  std::map<std::string, std::deque<std::shared_ptr<Conn>>> idle;  // by origin, oldest first
};

void WebhookClient::Impl::Finish(const std::shared_ptr<Pending>& p, OutboundResponse response) {
  if (p->finished) return;
  p->finished = true;
  p->timer.cancel();
  p->resolver.reset();
  pending.erase(p);
  response.latency_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - p->started).count();
  auto done = std::move(p->done);
  try {
    done(std::move(response));
  } catch (const std::exception& e) {
    spdlog::error("webhooks: a send callback threw: {}", e.what());
  }
}

// Closes the idle connections too old to be reused, so that neither they nor the origins no
// longer sent to stay open.
asio::awaitable<void> WebhookClient::Impl::SweepIdle() {
  while (!stopping) {
    sweep_timer.expires_after(std::chrono::seconds(10));
    auto [ec] = co_await sweep_timer.async_wait(tuple_awaitable);
    if (ec || stopping) co_return;
    auto now = Clock::now();
    for (auto it = idle.begin(); it != idle.end();) {
      auto& conns = it->second;
      while (!conns.empty() && now - conns.front()->idle_since > kMaxIdle) {
        conns.front()->Close();
        conns.pop_front();
      }
      it = conns.empty() ? idle.erase(it) : std::next(it);
    }
  }
}

void WebhookClient::Impl::StopAll() {
  stopping = true;
  sweep_timer.cancel();
  auto all = pending;
  for (const auto& p : all) {
    Abort(p);
    Fail(p, "stopped");
  }
  for (auto& [origin, conns] : idle) {
    for (auto& c : conns) c->Close();
  }
  idle.clear();
}

std::shared_ptr<Conn> WebhookClient::Impl::TakeIdle(const std::string& origin) {
  auto it = idle.find(origin);
  if (it == idle.end()) return nullptr;
  auto& conns = it->second;
  std::shared_ptr<Conn> found;
  while (!conns.empty() && !found) {
    auto c = std::move(conns.back());  // the most recently used: the least likely closed
    conns.pop_back();
    if (Clock::now() - c->idle_since > kMaxIdle) {
      c->Close();
      continue;
    }
    // A connection the server closed meanwhile reads as EOF; a plain one with data waiting
    // is out of step. (A TLS one may hold a close_notify or a ticket: the retry covers it.)
    char byte;
    ssize_t n = ::recv(c->socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    bool would_block = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    if (n == 0 || (n < 0 && !would_block) || (n > 0 && !c->secure)) {
      c->Close();
      continue;
    }
    found = std::move(c);
  }
  if (conns.empty()) idle.erase(it);
  return found;
}

void WebhookClient::Impl::PutIdle(std::shared_ptr<Conn> conn) {
  if (stopping || settings.max_idle_per_origin <= 0) {
    conn->Close();
    return;
  }
  conn->idle_since = Clock::now();
  auto& conns = idle[conn->origin];
  conns.push_back(std::move(conn));
  while (conns.size() > static_cast<size_t>(settings.max_idle_per_origin)) {
    conns.front()->Close();
    conns.pop_front();
  }
}

void WebhookClient::Impl::Start(std::shared_ptr<Pending> p) {
  if (stopping) {
    pending.insert(p);
    Fail(p, "stopped");
    return;
  }
  pending.insert(p);
  auto timeout = p->request.timeout.count() > 0 ? p->request.timeout : std::chrono::milliseconds(1);
  p->timer.expires_at(p->started + timeout);
  p->timer.async_wait([this, p](error_code ec) {
    if (ec || p->finished) return;
    Abort(p);
    Fail(p, "timeout");
  });
  asio::co_spawn(io, Run(p), [this, p](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      Fail(p, std::string("internal: ") + x.what());
    }
  });
}

asio::awaitable<void> WebhookClient::Impl::Run(std::shared_ptr<Pending> p) {
  auto parsed = ParseWebhookUrl(p->request.url);
  if (!parsed.ok()) {
    Fail(p, parsed.status().message());
    co_return;
  }
  const WebhookUrlParts& url = *parsed;
  for (const auto& [name, value] : p->request.headers) {
    if (name.empty() || HasControl(name) || HasControl(value) ||
        name.find(':') != std::string::npos) {
      Fail(p, "bad header: " + name);
      co_return;
    }
  }
  std::string origin = std::string(url.tls ? "https://" : "http://") + url.host + "|" + url.port;
  if (auto conn = TakeIdle(origin)) {
    Exchange x = co_await Send(p, conn, url);
    if (p->finished) co_return;
    // A kept-alive connection the server closed meanwhile: once more on a new one.
    if (x.response.status != 0 || x.answer_started) {
      if (x.reusable) PutIdle(std::move(conn));
      p->conn.reset();
      Finish(p, std::move(x.response));
      co_return;
    }
    p->conn.reset();
  }
  auto conn = co_await Open(p, url, origin);
  if (!conn || p->finished) co_return;
  Exchange x = co_await Send(p, conn, url);
  if (p->finished) co_return;
  p->conn.reset();
  if (x.reusable) PutIdle(std::move(conn));
  Finish(p, std::move(x.response));
}

asio::awaitable<std::shared_ptr<Conn>> WebhookClient::Impl::Open(std::shared_ptr<Pending> p,
                                                                 const WebhookUrlParts& url,
                                                                 std::string origin) {
  auto resolver = std::make_shared<tcp::resolver>(io);  // alive until the resolve completes
  p->resolver = resolver;
  auto [rec, results] = co_await resolver->async_resolve(url.host, url.port, tuple_awaitable);
  p->resolver.reset();
  if (p->finished) co_return nullptr;
  if (rec) {
    Fail(p, "dns: " + rec.message());
    co_return nullptr;
  }
  std::vector<tcp::endpoint> allowed;
  std::string refusal;
  for (const auto& entry : results) {
    tcp::endpoint ep = entry.endpoint();
    if (!settings.allow_private) {
      Status s = CheckDestinationAddress(ep.address().to_string());
      if (!s.ok()) {
        if (refusal.empty()) refusal = s.message();
        continue;
      }
    }
    allowed.push_back(ep);
  }
  if (allowed.empty()) {
    Fail(p, refusal.empty() ? "dns: no address" : "destination refused: " + refusal);
    co_return nullptr;
  }
  error_code last;
  std::shared_ptr<Conn> conn;
  for (const auto& ep : allowed) {
    conn = std::make_shared<Conn>(io, url.tls ? &tls_context : nullptr);
    conn->origin = origin;
    p->conn = conn;
    auto [cec] = co_await conn->socket().async_connect(ep, tuple_awaitable);
    if (p->finished) co_return nullptr;
    last = cec;
    if (!cec) break;
    conn->Close();
  }
  if (last) {
    p->conn.reset();
    if (last == asio::error::connection_refused) {
      Fail(p, "connection refused");
    } else {
      Fail(p, "connect: " + last.message());
    }
    co_return nullptr;
  }
  error_code ignored;
  conn->socket().set_option(tcp::no_delay(true), ignored);
  if (url.tls) {
    SSL* ssl_handle = conn->secure->native_handle();
    bool literal = IsIpLiteral(url.host);
    // SNI names a host, never an address (RFC 6066).
    if (!literal) SSL_set_tlsext_host_name(ssl_handle, url.host.c_str());
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int set = literal ? X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str())
                      : X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), url.host.size());
    if (set != 1) {
      Fail(p, "tls: cannot verify the host " + url.host);
      co_return nullptr;
    }
    auto [hec] = co_await conn->secure->async_handshake(ssl::stream_base::client, tuple_awaitable);
    if (p->finished) co_return nullptr;
    if (hec) {
      conn->Close();
      p->conn.reset();
      Fail(p, TlsReason(hec, conn->secure.get()));
      co_return nullptr;
    }
  }
  co_return conn;
}

namespace {

template <class Stream>
asio::awaitable<Exchange> Transact(Stream& stream, beast::flat_buffer& buffer,
                                   http::request<http::string_body>& req,
                                   const std::shared_ptr<Pending>& p) {
  Exchange x;
  auto [wec, wn] = co_await http::async_write(stream, req, tuple_awaitable);
  if (p->finished) co_return x;
  if (wec) {
    x.response.error =
        IsClosedError(wec) ? "connection closed before an answer" : "send: " + wec.message();
    co_return x;
  }
  std::optional<http::response_parser<http::buffer_body>> parser;
  int status = 0;
  for (int interim = 0;; ++interim) {
    parser.emplace();
    parser->body_limit(boost::none);
    parser->header_limit(16 * 1024);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, *parser, tuple_awaitable);
    if (p->finished) co_return x;
    x.answer_started = x.answer_started || parser->got_some() || buffer.size() > 0;
    if (hec) {
      if (!x.answer_started && IsClosedError(hec)) {
        x.response.error = "connection closed before an answer";
      } else if (IsClosedError(hec)) {
        x.response.error = "connection closed during the answer";
      } else {
        x.response.error = "bad answer: " + hec.message();
      }
      co_return x;
    }
    x.answer_started = true;
    status = static_cast<int>(parser->get().result_int());
    // An interim answer (100 Continue, 103 Early Hints) has no body; the final one follows.
    if (status < 100 || status >= 200 || status == 101 || interim >= 8) break;
  }
  std::string head;
  size_t total = 0;
  char chunk[8192];
  while (!parser->is_done()) {
    parser->get().body().data = chunk;
    parser->get().body().size = sizeof chunk;
    auto [rec, rn] = co_await http::async_read_some(stream, buffer, *parser, tuple_awaitable);
    if (p->finished) co_return x;
    size_t got = sizeof chunk - parser->get().body().size;
    if (head.size() < kBodyHeadBytes) {
      head.append(chunk, std::min(got, kBodyHeadBytes - head.size()));
    }
    total += got;
    if (rec == http::error::need_buffer) rec = {};
    if (rec) {
      x.response.error = IsClosedError(rec) ? "connection closed during the answer"
                                            : "bad answer: " + rec.message();
      co_return x;
    }
    if (total > kMaxBodyBytes) {  // enough: the rest is not read, the connection not reused
      x.response.status = status;
      x.response.body_head = std::move(head);
      co_return x;
    }
  }
  x.response.status = status;
  x.response.body_head = std::move(head);
  x.reusable = parser->get().keep_alive() && buffer.size() == 0 && status >= 200;
  co_return x;
}

}  // namespace

asio::awaitable<Exchange> WebhookClient::Impl::Send(std::shared_ptr<Pending> p,
                                                    std::shared_ptr<Conn> conn,
                                                    const WebhookUrlParts& url) {
  p->conn = conn;
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.port != (url.tls ? "443" : "80")) host += ":" + url.port;
  req.set(http::field::host, host);
  req.set(http::field::content_type, "application/json");
  req.content_length(p->request.body.size());
  req.set(http::field::user_agent, settings.user_agent);
  for (const auto& [name, value] : p->request.headers) req.insert(name, value);
  req.body() = p->request.body;
  req.keep_alive(true);
  conn->buffer.clear();
  if (conn->secure) co_return co_await Transact(*conn->secure, conn->buffer, req, p);
  co_return co_await Transact(conn->plain, conn->buffer, req, p);
}

Result<std::unique_ptr<WebhookClient>> WebhookClient::Start(const WebhookClientSettings& settings) {
  auto impl = std::make_unique<Impl>(settings);
  RETURN_IF_ERROR(impl->Configure());
  Impl* raw = impl.get();
  asio::co_spawn(raw->io, raw->SweepIdle(), asio::detached);
  raw->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<WebhookClient>(new WebhookClient(std::move(impl)));
}

WebhookClient::WebhookClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebhookClient::~WebhookClient() {
  std::promise<void> stopped;
  asio::post(impl_->io, [this, &stopped] {
    impl_->StopAll();
    stopped.set_value();
  });
  stopped.get_future().wait();
  // What is left (coroutines waiting for aborted operations, a name being resolved) is
  // dropped with the io_context: every request has had its answer.
  impl_->work.reset();
  impl_->io.stop();
  impl_->thread.join();
}

void WebhookClient::Send(OutboundRequest request, std::function<void(OutboundResponse)> done) {
  auto p = std::make_shared<Pending>(impl_->io, std::move(request), std::move(done));
  asio::post(impl_->io, [impl = impl_.get(), p] { impl->Start(p); });
}

}  // namespace opchat
