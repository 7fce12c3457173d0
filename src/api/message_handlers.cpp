// POST /op/v2/sendMessage (docs/api.md, "sendMessage"): stores one message, idempotent by
// userMessageId.
#include "api/envelope.hpp"
#include "api/handlers.hpp"
#include "api/operator_rules.hpp"
#include "codec/message_codec.hpp"
#include "codec/request_fields.hpp"
#include "common/clock.hpp"

namespace opchat {
namespace {

// A client-chosen userMessageId: digits, letters, '-' and '_', at most 64 bytes.
bool IsAcceptableMessageId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The send a body asks for, with the rules that depend on its chat (`address`, run by the store
// with the chat locked: the sender and recipient are those of the chat the message joins).
Result<MessageSend> ReadSend(const HandlerInput& in, const ChannelMedia& media, int64_t now_ms) {
  ASSIGN_OR_RETURN(auto chat_id, RequiredString(in.body, "chatId"));
  ASSIGN_OR_RETURN(auto direction, RequiredString(in.body, "direction"));
  bool from_user = direction == "userToOperator";
  if (!from_user && direction != "operatorToUser") return FieldError("direction");
  ASSIGN_OR_RETURN(auto message, ParseMessageContent(in.body));
  // Tenants share the bucket: a channel may not name an object outside its own key prefixes.
  if (message.key && !media.Allows(*message.key)) return FieldError("key");
  ASSIGN_OR_RETURN(auto umid, OptionalString(in.body, "userMessageId"));
  if (umid && !IsAcceptableMessageId(*umid)) return FieldError("userMessageId");
  ASSIGN_OR_RETURN(auto time, ParseMessageTime(in.body, now_ms));
  message.user_message_id = umid.value_or(in.deps.ids.Next());
  message.create_ms = time;

  // Copied: the store addresses the message after this request's handler has returned.
  std::optional<Operator> op = in.op ? std::optional<Operator>(*in.op) : std::nullopt;
  auto address = [from_user, op = std::move(op)](const Chat& chat, Message& m) -> Status {
    if (op) {
      RETURN_IF_ERROR(CheckOperatorOnChat(
          *op, from_user ? ChatAction::kSendAsUser : ChatAction::kReply, chat, {}));
    }
    if (!from_user && !chat.operator_id) {
      return Status::Conflict("会话尚未被客服接待: 不能以客服身份发送");
    }
    // form/to follow the chat's participants; to stays empty (null on the wire) while no
    // operator has accepted the chat.
    m.from = from_user ? chat.user_id : *chat.operator_id;
    m.to = from_user ? chat.operator_id.value_or("") : chat.user_id;
    return Status::Ok();
  };
  // The caller's channel's chat only (VisibleChat's rule).
  return MessageSend{.channel = in.caller.channel,
                     .chat_id = std::move(chat_id),
                     .message = std::move(message),
                     .address = std::move(address)};
}

}  // namespace

ApiResponse AnswerSendMessage(const HandlerInput& in) {
  const ChannelMedia media = in.deps.media.ForChannel(in.caller.channel);
  const int64_t now_ms = NowMillis();
  auto send = ReadSend(in, media, now_ms);
  if (!send.ok()) return ErrorResponse(send.status(), in.deps.settings);
  auto deferred = std::make_shared<DeferredAnswer>();
  send->done = [&deps = in.deps, media, now_s = now_ms / 1000, channel = send->channel,
                chat_id = send->chat_id, deferred](Result<AppendOutcome> outcome) {
    if (!outcome.ok()) return deferred->Complete(ErrorResponse(outcome.status(), deps.settings));
    ApiResponse answer;
    JsonWriter w(answer.body);
    OpenSuccess(w);
    w.Key("data");
    WriteMessage(w, outcome->message, media, now_s);
    w.Key("chatId");
    w.String(chat_id);
    w.Key("duplicate");
    w.Bool(outcome->duplicate);
    CloseEnvelope(w, deps.settings);
    // The write committed its event: wake this instance's subscribers and tell the others.
    if (!outcome->duplicate && deps.events) deps.events->Published(channel);
    deferred->Complete(std::move(answer));
  };
  in.deps.store.AppendMessageLater(std::move(*send));
  // A store without a writer thread of its own has answered already.
  if (auto complete = deferred->Take()) return std::move(*complete);
  ApiResponse pending;
  pending.deferred = std::move(deferred);
  return pending;
}

}  // namespace opchat
