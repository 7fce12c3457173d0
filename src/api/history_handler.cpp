// POST /op/v2/operatorToUserChatMessages — the original API's endpoint (docs/api.md).
#include <limits>

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

Status HandleHistory(const HandlerInput& in, JsonWriter& w) {
  constexpr int64_t kIntMax = std::numeric_limits<int32_t>::max();
  ASSIGN_OR_RETURN(auto chat_id, RequiredString(in.body, "chatId"));
  ASSIGN_OR_RETURN(auto after_seq,
                   OptionalInt(in.body, "afterSeq", 0, std::numeric_limits<int64_t>::max() / 2));
  // With afterSeq the position replaces the page number, which may then be left out.
  ASSIGN_OR_RETURN(auto page_num, OptionalInt(in.body, "pageNum", 1, kIntMax));
  if (!page_num && !after_seq) return FieldError("pageNum");
  ASSIGN_OR_RETURN(auto page_size,
                   RequiredInt(in.body, "pageSize", 1, in.deps.settings.max_page_size));
  ASSIGN_OR_RETURN(auto order, OptionalString(in.body, "order"));
  bool descending = false;
  if (order) {
    if (*order == "desc") {
      descending = true;
    } else if (*order != "asc") {
      return FieldError("order");
    }
  }
  if (descending && after_seq) return FieldError("order");

  const int64_t page = page_num.value_or(1);
  const int64_t now_s = NowMillis() / 1000;
  const ChannelMedia media = in.deps.media.ForChannel(in.caller.channel);
  std::string id;
  int64_t total = 0;
  int64_t count = 0;
  // The chat and its page in one read (VisibleChat's rule: the caller's channel's chat only),
  // each message encoded straight from the store's row. On a failure the API drops what was
  // written and answers the error.
  RETURN_IF_ERROR(in.deps.store.VisitChatPage(
      in.caller.channel, chat_id, after_seq ? *after_seq : PageOffset(page, page_size), page_size,
      descending,
      [&](const Chat& chat) {
        id = chat.id;
        total = chat.message_count;
        w.Key("data");
        w.BeginObject();
        w.Key("status");
        w.String(StatusText(chat.status));
        w.Key("msg");
        w.BeginArray();
      },
      [&](const MessageView& m) {
        WriteMessage(w, m, media, now_s);
        ++count;
      }));
  w.EndArray();
  w.Key("chatId");
  w.String(id);
  w.EndObject();
  const PagePlan plan = after_seq ? PlanAfter(total, *after_seq, page_size)
                                  : PlanPage(total, page, page_size, descending);
  WritePage(w, total, page, page_size, count, plan.next, plan.start_index);
  return Status::Ok();
}

}  // namespace opchat
