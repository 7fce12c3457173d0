// The endpoint handlers. Each validates its body, calls storage and writes the members of a
// success envelope after "code" and "message" (at least "data"). A non-OK Status discards
// whatever was written and becomes an error envelope. Private to api/.
#pragma once

#include <boost/json/object.hpp>
#include <optional>

#include "api/api.hpp"
#include "auth/canonical_request.hpp"
#include "auth/verifier.hpp"
#include "common/json_writer.hpp"
#include "domain/operator.hpp"

namespace opchat {

struct HandlerInput {
  const ApiDeps& deps;
  const Caller& caller;
  const boost::json::object& body;
  // The console operator when the request came with a session instead of a signature
  // (api/operator_rules.hpp says what it may do); null for a signed client.
  const Operator* op = nullptr;
};

using Handler = Status (*)(const HandlerInput& in, JsonWriter& w);

Status HandleCreateChat(const HandlerInput& in, JsonWriter& w);      // createChat
Status HandleAcceptChat(const HandlerInput& in, JsonWriter& w);      // acceptChat
Status HandleSuspendChat(const HandlerInput& in, JsonWriter& w);     // suspendChat
Status HandleResumeChat(const HandlerInput& in, JsonWriter& w);      // resumeChat
Status HandleEndChat(const HandlerInput& in, JsonWriter& w);         // endChat
Status HandleDeleteChat(const HandlerInput& in, JsonWriter& w);      // deleteChat
Status HandleTransferChat(const HandlerInput& in, JsonWriter& w);    // transferChat
Status HandleListChats(const HandlerInput& in, JsonWriter& w);       // chats
Status HandleChatInfo(const HandlerInput& in, JsonWriter& w);        // chatInfo
Status HandleSearchMessages(const HandlerInput& in, JsonWriter& w);  // searchMessages
Status HandleChatTranscript(const HandlerInput& in, JsonWriter& w);  // chatTranscript

// POST /op/v2/operatorToUserChatMessages: the answer, or one deferred while the store reads the
// page on a thread of its own (Store::VisitChatPageLater).
ApiResponse AnswerHistory(const HandlerInput& in);
// POST /op/v2/sendMessage: the answer, deferred until the store's writer has committed the
// message (Store::AppendMessageLater), or at once when refused.
ApiResponse AnswerSendMessage(const HandlerInput& in);
// POST /op/v2/events: the answer, or one pending on the channel's next events (waitMs).
ApiResponse AnswerEvents(const HandlerInput& in);
// /console/api/login, logout and me (console_handlers.cpp): `path` is the target's path.
ApiResponse AnswerConsole(const ApiDeps& deps, const ApiRequest& request, std::string_view path);
// "application/json", any case, optionally followed by parameters ("; charset=utf-8").
bool IsJsonContentType(std::string_view content_type);
// Whether `a` and `b` are equal when ASCII letters are compared without case (header values).
bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b);

// GET /op/v2/live after its signature was verified: the subscription, or the refusal.
LiveOpening OpenLiveSubscription(const ApiDeps& deps, const Caller& caller,
                                 const QueryParams& params, std::string_view last_event_id);

// The chat `chat_id` of the caller's channel. Chat ids are unique per channel (docs/design.md,
// "Storage model"), so a chat of this id in another channel is not this one: NotFound, and a client
// learns nothing of other channels' ids.
Result<Chat> VisibleChat(const HandlerInput& in, std::string_view chat_id);

// The page a listing asks for: `pageNum` (default 1) and `pageSize` (default 20, at most
// server.max_page_size). InvalidArgument naming the field.
struct PageRequest {
  int64_t page = 1;
  int64_t size = 20;
  int64_t offset() const { return (page - 1) * size; }
};
Result<PageRequest> ReadPageRequest(const HandlerInput& in);

// Writes "page":{total,page,pageSize,count,next,startIndex}, with "totalExact" after total
// when given (a total that may be a lower bound).
void WritePage(JsonWriter& w, int64_t total, int64_t page, int64_t page_size, int64_t count,
               bool next, int64_t start_index, std::optional<bool> total_exact = std::nullopt);

}  // namespace opchat
