// POST /op/v2/events (long poll) and the opening of GET /op/v2/live (docs/api.md, "Events").
#include <boost/json.hpp>

#include "api/envelope.hpp"
#include "api/handlers.hpp"
#include "auth/canonical_request.hpp"
#include "codec/request_fields.hpp"
#include "common/clock.hpp"
#include "events/event_json.hpp"

namespace opchat {
namespace {

constexpr int64_t kMaxEventsLimit = 1000;
constexpr int64_t kMaxWaitMs = 30000;

// `types`: an array of event type names, or the same names joined by commas (a query string).
Result<EventTypeSet> ReadTypes(const boost::json::object& body) {
  EventTypeSet set;
  const boost::json::value* v = body.if_contains("types");
  if (!v || v->is_null()) return set;
  auto add = [&set](std::string_view name) {
    auto type = EventTypeFromName(name);
    if (!type) return false;
    set.Add(*type);
    return true;
  };
  if (v->is_string()) {
    std::string_view list = v->get_string();
    while (!list.empty()) {
      size_t comma = list.find(',');
      if (!add(list.substr(0, comma))) return FieldError("types");
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
    return set;
  }
  if (!v->is_array()) return FieldError("types");
  for (const auto& item : v->get_array()) {
    if (!item.is_string() || !add(item.get_string())) return FieldError("types");
  }
  return set;
}

// `after`: a cursor string (or its number); nullopt when absent.
Result<std::optional<int64_t>> ReadAfter(const boost::json::object& body) {
  const boost::json::value* v = body.if_contains("after");
  if (!v || v->is_null()) return std::optional<int64_t>();
  std::optional<int64_t> id;
  if (v->is_string()) id = ParseCursor(v->get_string());
  if (v->is_int64() && v->get_int64() >= 0) id = v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX / 2))
    id = static_cast<int64_t>(v->get_uint64());
  if (!id) return FieldError("after");
  return id;
}

// The channel's cursor to start from: `after` when it is valid, the head when absent ("only
// events from now on"). An `after` beyond the head never came from this channel: 400. One
// older than the kept events: `*gone_oldest` is set (410).
Result<int64_t> StartCursor(Store& store, const std::string& channel, std::optional<int64_t> after,
                            std::optional<int64_t>* gone_oldest) {
  ASSIGN_OR_RETURN(auto bounds, store.GetEventBounds(channel));
  if (!after) return bounds.head;
  if (*after > bounds.head) return Status::InvalidArgument("参数错误: after (游标不存在)");
  if (*after < bounds.pruned_through) *gone_oldest = bounds.pruned_through;
  return *after;
}

struct EventRequest {
  std::optional<int64_t> after;
  LiveFilter filter;
};

Result<EventRequest> ReadEventRequest(const boost::json::object& body) {
  EventRequest r;
  ASSIGN_OR_RETURN(r.after, ReadAfter(body));
  ASSIGN_OR_RETURN(r.filter.chat_id, OptionalString(body, "chatId"));
  ASSIGN_OR_RETURN(r.filter.types, ReadTypes(body));
  return r;
}

// 410: the cursor is older than the kept events (docs/api.md, "Events": data.oldest).
ApiResponse ExpiredCursor(int64_t oldest, const ApiSettings& settings) {
  ApiResponse r = ErrorResponse(
      410,
      Status::InvalidArgument("游标已过期: 之后的部分事件已按保留期删除，请用 afterSeq 重读历史"),
      settings);
  const std::string null_data = "\"data\":null";
  size_t at = r.body.find(null_data);
  if (at != std::string::npos) {
    r.body.replace(at, null_data.size(), "\"data\":{\"oldest\":\"" + FormatCursor(oldest) + "\"}");
  }
  return r;
}

ApiResponse EventsAnswer(const ApiDeps& deps, const std::string& channel, const EventPage& page) {
  ApiResponse r;
  r.body.reserve(1024 + 768 * page.events.size());
  JsonWriter w(r.body);
  OpenSuccess(w);
  w.Key("data");
  w.BeginObject();
  w.Key("events");
  w.BeginArray();
  const ChannelMedia media = deps.media.ForChannel(channel);
  const int64_t now_s = NowMillis() / 1000;
  for (const Event& e : page.events) WriteEvent(w, e, media, now_s);
  w.EndArray();
  w.Key("next");
  w.String(FormatCursor(page.next));
  w.EndObject();
  CloseEnvelope(w, deps.settings);
  return r;
}

class PendingEvents final : public PendingAnswer {
 public:
  PendingEvents(const ApiDeps& deps, EventQuery query,
                std::chrono::steady_clock::time_point deadline)
      : deps_(deps), query_(std::move(query)), deadline_(deadline) {}

  const std::string& channel() const override { return query_.channel; }
  std::chrono::steady_clock::time_point deadline() const override { return deadline_; }

  std::optional<ApiResponse> Retry() override {
    auto page = deps_.store.ReadEvents(query_);
    if (!page.ok()) return ErrorResponse(page.status(), deps_.settings);
    if (page->events.empty()) return std::nullopt;
    return EventsAnswer(deps_, query_.channel, *page);
  }

  ApiResponse Expire() override {
    auto page = deps_.store.ReadEvents(query_);
    if (!page.ok()) return ErrorResponse(page.status(), deps_.settings);
    return EventsAnswer(deps_, query_.channel, *page);
  }

 private:
  const ApiDeps& deps_;
  const EventQuery query_;
  const std::chrono::steady_clock::time_point deadline_;
};

}  // namespace

ApiResponse AnswerEvents(const HandlerInput& in) {
  auto fail = [&in](const Status& s) { return ErrorResponse(s, in.deps.settings); };
  auto request = ReadEventRequest(in.body);
  if (!request.ok()) return fail(request.status());
  auto limit = OptionalInt(in.body, "limit", 1, kMaxEventsLimit);
  if (!limit.ok()) return fail(limit.status());
  auto wait_ms = OptionalInt(in.body, "waitMs", 0, kMaxWaitMs);
  if (!wait_ms.ok()) return fail(wait_ms.status());

  const std::string& channel = in.caller.channel;
  EventQuery query{channel, 0, request->filter.chat_id, request->filter.types,
                   limit->value_or(100)};
  EventPage page;
  if (request->after) {
    // One read: the page and the bounds that judge the cursor come from one snapshot.
    query.after = *request->after;
    auto read = in.deps.store.ReadEvents(query);
    if (!read.ok()) return fail(read.status());
    page = std::move(*read);
    if (query.after > page.bounds.head) {
      return fail(Status::InvalidArgument("参数错误: after (游标不存在)"));
    }
    if (query.after < page.bounds.pruned_through) {
      return ExpiredCursor(page.bounds.pruned_through, in.deps.settings);
    }
  } else {
    // Only events from now on: none yet, and the head is where they will start.
    auto bounds = in.deps.store.GetEventBounds(channel);
    if (!bounds.ok()) return fail(bounds.status());
    page.bounds = *bounds;
    page.next = bounds->head;
  }
  // Nothing yet: wait for the first event, if asked to and if the server can wake us.
  if (page.events.empty() && wait_ms->value_or(0) > 0 && in.deps.events) {
    query.after = page.next;
    ApiResponse r;
    r.pending = std::make_shared<PendingEvents>(
        in.deps, std::move(query),
        std::chrono::steady_clock::now() + std::chrono::milliseconds(**wait_ms));
    return r;
  }
  return EventsAnswer(in.deps, channel, page);
}

LiveOpening OpenLiveSubscription(const ApiDeps& deps, const Caller& caller,
                                 const QueryParams& params, std::string_view last_event_id) {
  LiveOpening opening;
  auto fail = [&](const Status& s) {
    opening.refusal = ErrorResponse(s, deps.settings);
    opening.refusal.client_id = caller.client_id;
    return std::move(opening);
  };
  // The query's filters read as a body would be: one set of rules for both transports.
  boost::json::object body;
  for (const char* name : {"after", "chatId", "types"}) {
    if (const std::string* v = FindParam(params, name)) body[name] = *v;
  }
  auto request = ReadEventRequest(body);
  if (!request.ok()) return fail(request.status());
  std::optional<int64_t> after = request->after;
  if (!last_event_id.empty()) {  // an EventSource reconnecting: where it really is
    after = ParseCursor(last_event_id);
    if (!after) return fail(Status::InvalidArgument("参数错误: Last-Event-ID"));
  }
  if (!deps.events) return fail(Status::Unavailable("live delivery is not running"));
  std::optional<int64_t> gone;
  auto start = StartCursor(deps.store, caller.channel, after, &gone);
  if (!start.ok()) return fail(start.status());
  if (gone) {
    opening.refusal = ExpiredCursor(*gone, deps.settings);
    opening.refusal.client_id = caller.client_id;
    return opening;
  }
  const LiveSettings& limits = deps.events->settings();
  switch (deps.events->Admit(caller.client_id)) {
    case EventHub::Admission::kAdmitted: break;
    case EventHub::Admission::kServerFull:
      opening.refusal =
          RefusalResponse(Refusal::kServerFull,
                          "服务繁忙: 实时连接数已达上限 (live.max_connections = " +
                              std::to_string(limits.max_connections) + ")，请稍后重试",
                          deps.settings);
      opening.refusal.client_id = caller.client_id;
      return opening;
    case EventHub::Admission::kClientFull:
      opening.refusal = RefusalResponse(
          Refusal::kTooManyRequests,
          "实时连接过多: 该客户端的实时连接数已达上限 (live.max_connections_per_client = " +
              std::to_string(limits.max_connections_per_client) + ")，请关闭不用的连接后重试",
          deps.settings);
      opening.refusal.client_id = caller.client_id;
      return opening;
  }
  opening.subscription = std::make_unique<LiveSubscription>(
      *deps.events, caller.client_id, caller.channel, std::move(request->filter), *start);
  return opening;
}

}  // namespace opchat
