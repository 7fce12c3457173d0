// POST /op/v2/searchMessages — messages of the signed channel whose text contains a keyword.
// Body: keyword (required), chatId, type, since/until (Unix ms or "yyyy-MM-dd HH:mm:ss"),
// pageNum (default 1), pageSize (default 20). Answers newest first:
//   data: {"keyword", "hits": [{"chatId", "snippet", "message": <§1 message>}]},
//   page: {..., "totalExact"}; page.total counts at most 10,000 matches (totalExact false past
//   that).
// The snippet marks matches with 【】 (api/search_snippet.hpp).
#include "api/handlers.hpp"
#include "api/search_snippet.hpp"
#include "codec/message_codec.hpp"
#include "codec/request_fields.hpp"
#include "common/clock.hpp"
#include "storage/search_pattern.hpp"

namespace opchat {
namespace {

constexpr size_t kMaxKeywordChars = 100;

std::string_view TrimSpaces(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

Result<SearchQuery> ParseSearch(const HandlerInput& in, int64_t* page, int64_t* size) {
  SearchQuery q;
  q.channel = in.caller.channel;
  ASSIGN_OR_RETURN(auto keyword, RequiredString(in.body, "keyword"));
  q.keyword = std::string(TrimSpaces(keyword));
  if (q.keyword.empty() || Utf8Length(q.keyword) > kMaxKeywordChars) return FieldError("keyword");
  ASSIGN_OR_RETURN(auto chat_id, OptionalString(in.body, "chatId"));
  q.chat_id = chat_id;
  ASSIGN_OR_RETURN(auto type, OptionalString(in.body, "type"));
  if (type && !IsKnownMessageType(*type)) return FieldError("type");
  q.type = type;
  ASSIGN_OR_RETURN(auto since, OptionalInstant(in.body, "since"));
  q.since_ms = since;
  ASSIGN_OR_RETURN(auto until, OptionalInstant(in.body, "until"));
  q.until_ms = until;
  ASSIGN_OR_RETURN(const PageRequest paging, ReadPageRequest(in));
  *page = paging.page;
  *size = paging.size;
  q.offset = paging.offset();
  q.limit = paging.size;
  return q;
}

}  // namespace

Status HandleSearchMessages(const HandlerInput& in, JsonWriter& w) {
  int64_t page = 1, size = 20;
  ASSIGN_OR_RETURN(auto query, ParseSearch(in, &page, &size));
  // Same answer for another channel's chat as for no chat (docs/security.md, "Actors").
  if (query.chat_id) {
    RETURN_IF_ERROR(VisibleChat(in, *query.chat_id));
  }
  ASSIGN_OR_RETURN(auto result, in.deps.store.SearchMessages(query));

  const int64_t now_s = NowMillis() / 1000;
  const ChannelMedia media = in.deps.media.ForChannel(in.caller.channel);
  w.Key("data");
  w.BeginObject();
  w.Key("keyword");
  w.String(query.keyword);
  w.Key("hits");
  w.BeginArray();
  for (const SearchHit& hit : result.hits) {
    w.BeginObject();
    w.Key("chatId");
    w.String(hit.chat_id);
    w.Key("snippet");
    w.String(SearchSnippet(hit.message.msg.value_or(""), query.keyword));
    w.Key("message");
    WriteMessage(w, hit.message, media, now_s);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  const int64_t count = static_cast<int64_t>(result.hits.size());
  // Past the counted matches, a full page is the sign that more may follow.
  const bool next = result.total_exact ? query.offset + count < result.total : count == size;
  // page.totalExact: whether total is the number of matches, or a lower bound because the
  // count stopped at SearchQuery::kSearchMaxTotal (bounded work however common the keyword).
  WritePage(w, result.total, page, size, count, next, query.offset, result.total_exact);
  return Status::Ok();
}

}  // namespace opchat
