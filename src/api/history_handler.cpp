// POST /op/v2/operatorToUserChatMessages — the original API's endpoint (docs/api.md).
#include <limits>

#include "api/envelope.hpp"
#include "api/handlers.hpp"
#include "codec/message_codec.hpp"
#include "codec/request_fields.hpp"
#include "common/clock.hpp"
#include "domain/page.hpp"

namespace opchat {

Result<Chat> VisibleChat(const HandlerInput& in, std::string_view chat_id) {
  // Chat ids are per channel (docs/design.md, "Storage model"): another channel's chat of this id
  // is simply not found.
  return in.deps.store.GetChat(in.caller.channel, chat_id);
}

Result<PageRequest> ReadPageRequest(const HandlerInput& in) {
  ASSIGN_OR_RETURN(auto page_num, OptionalInt(in.body, "pageNum", 1, INT32_MAX));
  ASSIGN_OR_RETURN(auto page_size,
                   OptionalInt(in.body, "pageSize", 1, in.deps.settings.max_page_size));
  return PageRequest{page_num.value_or(1), page_size.value_or(20)};
}

void WritePage(JsonWriter& w, int64_t total, int64_t page, int64_t page_size, int64_t count,
               bool next, int64_t start_index, std::optional<bool> total_exact) {
  w.Key("page");
  w.BeginObject();
  w.Key("total");
  w.Int(total);
  if (total_exact) {
    w.Key("totalExact");
    w.Bool(*total_exact);
  }
  w.Key("page");
  w.Int(page);
  w.Key("pageSize");
  w.Int(page_size);
  w.Key("count");
  w.Int(count);
  w.Key("next");
  w.Bool(next);
  w.Key("startIndex");
  w.Int(start_index);
  w.EndObject();
}

namespace {

// What the request asks for, read before the page is.
struct HistoryQuery {
  std::string chat_id;
  std::optional<int64_t> after_seq;
  int64_t page = 1;
  int64_t page_size = 0;
  bool descending = false;
};

Result<HistoryQuery> ReadHistoryQuery(const HandlerInput& in) {
  constexpr int64_t kIntMax = std::numeric_limits<int32_t>::max();
  HistoryQuery q;
  ASSIGN_OR_RETURN(auto chat_id, RequiredString(in.body, "chatId"));
  q.chat_id = std::string(chat_id);
  ASSIGN_OR_RETURN(q.after_seq,
                   OptionalInt(in.body, "afterSeq", 0, std::numeric_limits<int64_t>::max() / 2));
  // With afterSeq the position replaces the page number, which may then be left out.
  ASSIGN_OR_RETURN(auto page_num, OptionalInt(in.body, "pageNum", 1, kIntMax));
  if (!page_num && !q.after_seq) return FieldError("pageNum");
  q.page = page_num.value_or(1);
  ASSIGN_OR_RETURN(q.page_size,
                   RequiredInt(in.body, "pageSize", 1, in.deps.settings.max_page_size));
  ASSIGN_OR_RETURN(auto order, OptionalString(in.body, "order"));
  if (order) {
    if (*order == "desc") {
      q.descending = true;
    } else if (*order != "asc") {
      return FieldError("order");
    }
  }
  if (q.descending && q.after_seq) return FieldError("order");
  return q;
}

// The answer, written as the store hands over the chat and then each message, straight from its
// row; finished when the store is done, on whichever thread that is.
class HistoryAnswer {
 public:
  HistoryAnswer(const ApiSettings& settings, ChannelMedia media, HistoryQuery query)
      : settings_(settings), media_(media), query_(std::move(query)), w_(body_) {
    body_.reserve(16384);  // a full page of 20 messages is 8-12 KB: grow once, not 6 times
    OpenSuccess(w_);
  }

  const HistoryQuery& query() const { return query_; }
  const std::shared_ptr<DeferredAnswer>& deferred() const { return deferred_; }

  void OnChat(const Chat& chat) {
    id_ = chat.id;
    total_ = chat.message_count;
    w_.Key("data");
    w_.BeginObject();
    w_.Key("status");
    w_.String(StatusText(chat.status));
    w_.Key("msg");
    w_.BeginArray();
  }

  void OnMessage(const MessageView& m) {
    WriteMessage(w_, m, media_, now_s_);
    ++count_;
  }

  // On a failure, what was written is dropped and the error answered.
  void Finish(const Status& outcome) {
    if (!outcome.ok()) return deferred_->Complete(ErrorResponse(outcome, settings_));
    w_.EndArray();
    w_.Key("chatId");
    w_.String(id_);
    w_.EndObject();
    const HistoryQuery& q = query_;
    const PagePlan plan = q.after_seq ? PlanAfter(total_, *q.after_seq, q.page_size)
                                      : PlanPage(total_, q.page, q.page_size, q.descending);
    WritePage(w_, total_, q.page, q.page_size, count_, plan.next, plan.start_index);
    CloseEnvelope(w_, settings_);
    ApiResponse answer;
    answer.body = std::move(body_);
    deferred_->Complete(std::move(answer));
  }

 private:
  const ApiSettings& settings_;
  const ChannelMedia media_;
  const HistoryQuery query_;
  const int64_t now_s_ = NowMillis() / 1000;
  std::string body_;
  JsonWriter w_;
  std::string id_;
  int64_t total_ = 0;
  int64_t count_ = 0;
  const std::shared_ptr<DeferredAnswer> deferred_ = std::make_shared<DeferredAnswer>();
};

}  // namespace

ApiResponse AnswerHistory(const HandlerInput& in) {
  auto query = ReadHistoryQuery(in);
  if (!query.ok()) return ErrorResponse(query.status(), in.deps.settings);
  auto answer = std::make_shared<HistoryAnswer>(
      in.deps.settings, in.deps.media.ForChannel(in.caller.channel), std::move(*query));
  const HistoryQuery& q = answer->query();
  // The chat and its page in one read (VisibleChat's rule: the caller's channel's chat only).
  in.deps.store.VisitChatPageLater(
      PageVisit{.channel = in.caller.channel,
                .chat_id = q.chat_id,
                .offset = q.after_seq ? *q.after_seq : PageOffset(q.page, q.page_size),
                .size = q.page_size,
                .descending = q.descending,
                .on_chat = [answer](const Chat& chat) { answer->OnChat(chat); },
                .on_message = [answer](const MessageView& m) { answer->OnMessage(m); },
                .done = [answer](const Status& outcome) { answer->Finish(outcome); }});
  // An in-process store has read it already; a server's answers on its own thread.
  if (auto complete = answer->deferred()->Take()) return std::move(*complete);
  ApiResponse pending;
  pending.deferred = answer->deferred();
  return pending;
}

}  // namespace opchat
