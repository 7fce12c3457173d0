// POST /op/v2/operatorToUserChatMessages — the original API's endpoint (docs/api.md).
#include <limits>

#include "api/envelope.hpp"
#include "api/handlers.hpp"
#include "api/page_cache.hpp"
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
// row; finished when the store is done, on whichever thread that is. A full ascending page is
// served from the page cache when it holds it (the store then reads the chat alone), and kept
// there when it did not.
class HistoryAnswer : public std::enable_shared_from_this<HistoryAnswer> {
 public:
  HistoryAnswer(const HandlerInput& in, HistoryQuery query)
      : settings_(in.deps.settings),
        store_(in.deps.store),
        cache_(query.descending ? nullptr : in.deps.page_cache),
        channel_(in.caller.channel),
        media_(in.deps.media.ForChannel(channel_)),
        query_(std::move(query)),
        offset_(query_.after_seq ? *query_.after_seq : PageOffset(query_.page, query_.page_size)),
        w_(body_) {
    body_.reserve(16384);  // a full page of 20 messages is 8-12 KB: grow once, not 6 times
    OpenSuccess(w_);
  }

  const std::shared_ptr<DeferredAnswer>& deferred() const { return deferred_; }

  // Asks the store for the chat and, unless the cache has it, the page.
  void Read() {
    if (cache_) cached_ = cache_->Find(key());
    auto self = shared_from_this();
    store_.VisitChatPageLater(
        PageVisit{.channel = channel_,
                  .chat_id = query_.chat_id,
                  .offset = offset_,
                  .size = cached_ ? 0 : query_.page_size,
                  .descending = query_.descending,
                  .on_chat = [self](const Chat& chat) { self->OnChat(chat); },
                  .on_message = [self](const MessageView& m) { self->OnMessage(m); },
                  .done = [self](const Status& outcome) { self->Finish(outcome); }});
  }

 private:
  PageKey key() const { return {channel_, query_.chat_id, offset_, query_.page_size}; }

  void OnChat(const Chat& chat) {
    if (cached_ && !cached_->Answers(chat, key())) {
      stale_ = true;  // Finish reads the page from the store
      return;
    }
    id_ = chat.id;
    total_ = chat.message_count;
    w_.Key("data");
    w_.BeginObject();
    w_.Key("status");
    w_.String(StatusText(chat.status));
    w_.Key("msg");
    w_.BeginArray();
    if (cached_) {
      AppendSignedPage(body_, *cached_, media_, now_s_);
      count_ = query_.page_size;
    } else if (cache_ && chat.message_count - query_.page_size >= offset_) {
      page_.emplace(chat);
    }
  }

  void OnMessage(const MessageView& m) {
    if (page_) {
      page_->Add(m);
    } else {
      WriteMessage(w_, m, media_, now_s_);
    }
    ++count_;
  }

  // On a failure, what was written is dropped and the error answered.
  void Finish(const Status& outcome) {
    if (!outcome.ok()) return deferred_->Complete(ErrorResponse(outcome, settings_));
    if (stale_) {
      cache_->Erase(key());
      cached_ = nullptr;
      stale_ = false;
      return Read();
    }
    if (page_) {
      auto page = std::move(*page_).Finish();
      AppendSignedPage(body_, *page, media_, now_s_);
      // A page read whole is kept; one cut short (the chat went meanwhile) is not.
      if (count_ == query_.page_size) cache_->Insert(key(), std::move(page));
    }
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

  const ApiSettings& settings_;
  Store& store_;
  PageCache* const cache_;  // null: none, or a page it cannot hold (descending)
  const std::string channel_;
  const ChannelMedia media_;
  const HistoryQuery query_;
  const int64_t offset_;
  const int64_t now_s_ = NowMillis() / 1000;
  std::string body_;
  JsonWriter w_;
  std::shared_ptr<const CachedPage> cached_;  // the cache's entry for this page
  bool stale_ = false;                        // ...which turned out to be of another chat
  std::optional<CachedPageBuilder> page_;     // the page being read, to be kept
  std::string id_;
  int64_t total_ = 0;
  int64_t count_ = 0;
  const std::shared_ptr<DeferredAnswer> deferred_ = std::make_shared<DeferredAnswer>();
};

}  // namespace

ApiResponse AnswerHistory(const HandlerInput& in) {
  auto query = ReadHistoryQuery(in);
  if (!query.ok()) return ErrorResponse(query.status(), in.deps.settings);
  auto answer = std::make_shared<HistoryAnswer>(in, std::move(*query));
  // The chat and its page in one read (VisibleChat's rule: the caller's channel's chat only).
  answer->Read();
  // An in-process store has read it already; a server's answers on its own thread.
  if (auto complete = answer->deferred()->Take()) return std::move(*complete);
  ApiResponse pending;
  pending.deferred = answer->deferred();
  return pending;
}

}  // namespace opchat
