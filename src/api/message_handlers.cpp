// POST /op/v2/sendMessage (docs/api.md, "sendMessage"): stores one message, idempotent by userMessageId.
#include "api/handlers.hpp"
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
  auto chat_id = RequiredString(in.body, "chatId");
  if (!chat_id.ok()) return chat_id.status();
  auto direction = RequiredString(in.body, "direction");
  if (!direction.ok()) return direction.status();
  bool from_user = *direction == "userToOperator";
  if (!from_user && *direction != "operatorToUser") return FieldError("direction");
  auto message = ParseMessageContent(in.body);
  if (!message.ok()) return message.status();
  // Tenants share the bucket: a channel may not name an object outside its own key prefixes.
  const ChannelMedia media = in.deps.media.ForChannel(in.caller.channel);
  if (message->key && !media.Allows(*message->key)) return FieldError("key");
  auto umid = OptionalString(in.body, "userMessageId");
  if (!umid.ok()) return umid.status();
  if (*umid && !IsAcceptableMessageId(**umid)) return FieldError("userMessageId");
  const int64_t now_ms = NowMillis();
  auto time = ParseMessageTime(in.body, now_ms);
  if (!time.ok()) return time.status();

  auto chat = VisibleChat(in, *chat_id);
  if (!chat.ok()) return chat.status();
  if (!from_user && !chat->operator_id) {
    return Status::Conflict("会话尚未被客服接待: 不能以客服身份发送");
  }
  // form/to follow the chat's participants; to stays empty (null on the wire) while no
  // operator has accepted the chat.
  message->from = from_user ? chat->user_id : *chat->operator_id;
  message->to = from_user ? chat->operator_id.value_or("") : chat->user_id;
  message->user_message_id = umid->value_or(in.deps.ids.Next());
  message->create_ms = *time;

  auto outcome = in.deps.store.AppendMessage(chat->channel, chat->id, *message);
  if (!outcome.ok()) return outcome.status();
  w.Key("data");
  WriteMessage(w, outcome->message, media, now_ms / 1000);
  w.Key("chatId");
  w.String(chat->id);
  w.Key("duplicate");
  w.Bool(outcome->duplicate);
  return Status::Ok();
}

}  // namespace opchat
