// POST /op/v2/sendMessage (docs/api.md, "sendMessage"): stores one message, idempotent by
// userMessageId.
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

}  // namespace

Status HandleSendMessage(const HandlerInput& in, JsonWriter& w) {
  ASSIGN_OR_RETURN(auto chat_id, RequiredString(in.body, "chatId"));
  ASSIGN_OR_RETURN(auto direction, RequiredString(in.body, "direction"));
  bool from_user = direction == "userToOperator";
  if (!from_user && direction != "operatorToUser") return FieldError("direction");
  ASSIGN_OR_RETURN(auto message, ParseMessageContent(in.body));
  // Tenants share the bucket: a channel may not name an object outside its own key prefixes.
  const ChannelMedia media = in.deps.media.ForChannel(in.caller.channel);
  if (message.key && !media.Allows(*message.key)) return FieldError("key");
  ASSIGN_OR_RETURN(auto umid, OptionalString(in.body, "userMessageId"));
  if (umid && !IsAcceptableMessageId(*umid)) return FieldError("userMessageId");
  const int64_t now_ms = NowMillis();
  ASSIGN_OR_RETURN(auto time, ParseMessageTime(in.body, now_ms));

  ASSIGN_OR_RETURN(auto chat, VisibleChat(in, chat_id));
  if (in.op) {
    RETURN_IF_ERROR(CheckOperatorOnChat(
        *in.op, from_user ? ChatAction::kSendAsUser : ChatAction::kReply, chat, {}));
  }
  if (!from_user && !chat.operator_id) {
    return Status::Conflict("会话尚未被客服接待: 不能以客服身份发送");
  }
  // form/to follow the chat's participants; to stays empty (null on the wire) while no
  // operator has accepted the chat.
  message.from = from_user ? chat.user_id : *chat.operator_id;
  message.to = from_user ? chat.operator_id.value_or("") : chat.user_id;
  message.user_message_id = umid.value_or(in.deps.ids.Next());
  message.create_ms = time;

  ASSIGN_OR_RETURN(auto outcome, in.deps.store.AppendMessage(chat.channel, chat.id, message));
  w.Key("data");
  WriteMessage(w, outcome.message, media, now_ms / 1000);
  w.Key("chatId");
  w.String(chat.id);
  w.Key("duplicate");
  w.Bool(outcome.duplicate);
  return Status::Ok();
}

}  // namespace opchat
