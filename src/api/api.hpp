// The Op API as a plain function: request in, complete response out (docs/api.md).
// The HTTP layer hands every request here and writes back what it gets; no handler sees a
// socket. Thread-safe: Handle() may run on many threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/console_settings.hpp"
#include "auth/login_throttle.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/verifier.hpp"
#include "common/ids.hpp"
#include "common/metrics.hpp"
#include "common/mutex.hpp"
#include "common/status.hpp"
#include "domain/operator.hpp"
#include "events/event_hub.hpp"
#include "events/live_subscription.hpp"
#include "media/qiniu_url.hpp"
#include "storage/store.hpp"

namespace opchat {

struct ApiRequest {
  std::string_view method;        // "POST"
  std::string_view target;        // "/op/v2/name?query"
  std::string_view content_type;  // as sent, may be empty
  std::string_view body;
  // For the console (/console/api/), which authenticates by session rather than signature:
  // the Cookie header, the X-CSRF-Token header, and the peer's address (failed sign-ins are
  // counted per address).
  std::string_view cookie;
  std::string_view csrf_token;
  std::string_view remote_address;
  // The Origin and Host headers: a session's request from a page of another origin is refused
  // (cross-site WebSocket hijacking, and a second guard against CSRF).
  std::string_view origin;
  std::string_view host;
};

class PendingAnswer;
class DeferredAnswer;
class PageCache;

struct ApiResponse {
  int status = 200;
  std::string body;       // a complete JSON document
  std::string client_id;  // the authenticated caller, for the access log; empty when none
  std::string_view endpoint = "other";  // metrics label: a known endpoint name or "other"
  std::string_view content_type = "application/json; charset=utf-8";
  std::string_view allow;     // 405: the HTTP layer adds "Allow: <this>" (RFC 9110 §15.5.6)
  int64_t retry_after_s = 0;  // 429: the HTTP layer adds "Retry-After"
  std::string set_cookie;     // the HTTP layer adds "Set-Cookie" when not empty
  bool no_store = false;      // the HTTP layer adds "Cache-Control: no-store"
  std::string location;       // a redirect's "Location"
  // Set on the console's answers: the HTTP layer adds it as "Content-Security-Policy", with
  // "X-Content-Type-Options: nosniff", "X-Frame-Options: DENY" and "Referrer-Policy: no-referrer".
  std::string content_security_policy;
  // Set when the answer waits for events (POST /op/v2/events with waitMs): the rest of this
  // response is then unused, and the HTTP layer completes it through `pending`.
  std::shared_ptr<PendingAnswer> pending;
  // Set when the answer is being finished on another thread (a page read batched with others,
  // on PostgreSQL): the rest of this response is then unused but for `endpoint`, `client_id` and
  // `no_store`, and the HTTP layer takes the answer from `deferred` once it is complete.
  std::shared_ptr<DeferredAnswer> deferred;
};

// An answer that another thread completes, once. Thread-safe. Whoever holds one must let it
// complete before the Api that gave it goes (the HTTP server waits for them when it stops).
class DeferredAnswer {
 public:
  void Complete(ApiResponse answer);
  // Wakes `waker` once the answer is complete: at once when it is already.
  void WakeWhenComplete(std::shared_ptr<Waker> waker);
  // The answer, once complete; nullopt before, and after it was taken.
  std::optional<ApiResponse> Take();

 private:
  Mutex mu_;
  std::optional<ApiResponse> answer_ GUARDED_BY(mu_);
  bool complete_ GUARDED_BY(mu_) = false;
  std::shared_ptr<Waker> waker_ GUARDED_BY(mu_);
};

// A long poll waiting for its channel's events. The HTTP layer watches the channel (EventHub),
// calls Retry() after each wake-up until it gives the answer, and Expire() at the deadline.
// Used by one connection at a time.
class PendingAnswer {
 public:
  virtual ~PendingAnswer() = default;
  virtual const std::string& channel() const = 0;
  virtual std::chrono::steady_clock::time_point deadline() const = 0;
  virtual std::optional<ApiResponse> Retry() = 0;
  virtual ApiResponse Expire() = 0;
};

// GET /op/v2/live before the transport starts: a subscription, or the answer refusing it.
struct LiveOpening {
  std::unique_ptr<LiveSubscription> subscription;
  ApiResponse refusal;  // when subscription is null
};

// Answers that only the HTTP layer and the API's own checks give, never storage, auth or a
// handler: so they are not Status codes. The value is the HTTP status.
enum class Refusal {
  kMethodNotAllowed = 405,
  kPayloadTooLarge = 413,
  kUnsupportedMedia = 415,
  kTooManyRequests = 429,  // a client's request rate, or one address's connections
  kServerFull = 503,       // the connection limit
};

struct ApiSettings {
  std::string host_name;
  std::string service_phone;
  int64_t max_page_size = 100;
  bool expose_metrics = true;              // GET /metrics without signature
  int64_t max_transcript_bytes = 8 << 20;  // one chatTranscript document
};

// What every handler may use. All members outlive the Api.
struct ApiDeps {
  Store& store;
  RequestVerifier& verifier;
  const QiniuUrlSigner& media;
  MessageIdGenerator& ids;
  ApiSettings settings;
  Metrics* metrics = nullptr;               // optional: /metrics and storage timing
  RateLimiter* rate_limiter = nullptr;      // optional: per-client request rate
  EventHub* events = nullptr;               // optional: live delivery and long-poll wake-ups
  ConsoleSettings console;                  // the console's sessions
  LoginThrottle* login_throttle = nullptr;  // optional: slows down password guessing
  PageCache* page_cache = nullptr;          // optional: full history pages kept encoded
};

class Api {
 public:
  explicit Api(ApiDeps deps) : deps_(std::move(deps)) {}

  // Never throws; every outcome is an envelope of docs/api.md, "Errors" (or a health document).
  ApiResponse Handle(const ApiRequest& request) const;

  // GET /op/v2/live (WebSocket or Server-Sent Events): checks the signature, the cursor (the
  // query's `after`, or `last_event_id` when the client sent Last-Event-ID) and the filters, and
  // admits the connection. Never throws.
  LiveOpening OpenLive(const ApiRequest& request, std::string_view last_event_id) const;
  EventHub* events() const { return deps_.events; }

  // Whether the request's endpoint writes to storage (and so needs a timestamp and a nonce).
  static bool IsWrite(std::string_view target);
  // Whether Handle blocks until the request's write is durable (every write but sendMessage,
  // whose answer is deferred until its commit): the HTTP layer runs those off its I/O threads.
  static bool WaitsForCommit(std::string_view target);

  // An error envelope for failures found before a request reaches Handle (body too large,
  // malformed HTTP).
  ApiResponse Error(const Status& status) const;
  ApiResponse Refuse(Refusal why, std::string_view message) const;

  // The endpoint names, for metrics labels.
  static std::vector<std::string> EndpointNames();

  struct Endpoint;  // one row of the endpoint table in api.cpp

 private:
  ApiResponse Dispatch(const ApiRequest& request) const;
  // Authenticates by signature, or by the console session when the request carries its
  // cookie and names no client and no signature (UsesSession), then runs the endpoint.
  ApiResponse Authorized(const Endpoint& endpoint, const ApiRequest& request,
                         std::string_view query) const;
  static bool UsesSession(const QueryParams& params, const ApiRequest& request);
  // The session's channel, the CSRF token of a write and the operator's role.
  ApiResponse SessionAuthorized(const Endpoint& endpoint, const ApiRequest& request,
                                const QueryParams& params) const;
  // GET /op/v2/live with a session: the operator as the subscription's caller.
  Result<Caller> LiveSessionCaller(const ApiRequest& request, const QueryParams& params) const;
  // Rate limit, body, handler: the same for both kinds of caller. `op` is null for a client.
  ApiResponse Run(const Endpoint& endpoint, const ApiRequest& request, const Caller& caller,
                  const Operator* op, int64_t now_ms) const;
  ApiDeps deps_;
};

}  // namespace opchat
