// The chat lifecycle endpoints of docs/api.md: createChat, accept/suspend/resume/end/deleteChat,
// transferChat, chats and chatInfo.
#include "api/handlers.hpp"
#include "api/operator_rules.hpp"
#include "codec/message_codec.hpp"
#include "codec/request_fields.hpp"
#include "common/clock.hpp"
#include "common/ids.hpp"
#include "domain/acceptable_id.hpp"

namespace opchat {
namespace {

void WriteChatData(JsonWriter& w, const Chat& chat) {
  w.Key("data");
  WriteChat(w, chat);
}

// The operatorId a transition gives the chat. A console operator that leaves it out accepts
// for itself; a signed client must name one.
Result<std::string> NewOwner(const HandlerInput& in) {
  std::optional<std::string> op;
  if (in.op) {
    ASSIGN_OR_RETURN(op, OptionalString(in.body, "operatorId"));
    if (!op) op = in.op->id;
  } else {
    ASSIGN_OR_RETURN(op, RequiredString(in.body, "operatorId"));
  }
  if (!IsAcceptableId(*op)) return FieldError("operatorId");
  return *op;
}

Status RunTransition(const HandlerInput& in, JsonWriter& w, const Transition& t, ChatAction action,
                     bool needs_operator) {
  ASSIGN_OR_RETURN(auto chat_id, RequiredString(in.body, "chatId"));
  std::optional<std::string> operator_id;
  if (needs_operator) {
    ASSIGN_OR_RETURN(operator_id, NewOwner(in));
  }
  ASSIGN_OR_RETURN(auto current, VisibleChat(in, chat_id));
  if (in.op) {
    RETURN_IF_ERROR(CheckOperatorOnChat(*in.op, action, current, operator_id.value_or("")));
  }
  ASSIGN_OR_RETURN(auto chat, in.deps.store.TransitionChat(in.caller.channel, chat_id, t.from, t.to,
                                                           operator_id, NowMillis()));
  WriteChatData(w, chat);
  return Status::Ok();
}

}  // namespace

Status HandleCreateChat(const HandlerInput& in, JsonWriter& w) {
  ASSIGN_OR_RETURN(auto user_id, RequiredString(in.body, "userId"));
  if (!IsAcceptableId(user_id)) return FieldError("userId");
  ASSIGN_OR_RETURN(auto chat_id, OptionalString(in.body, "chatId"));
  if (chat_id && !IsAcceptableId(*chat_id)) return FieldError("chatId");
  ASSIGN_OR_RETURN(auto ext, OptionalObjectText(in.body, "ext"));

  Chat chat;
  chat.id = chat_id.value_or(NewChatId());
  chat.channel = in.caller.channel;
  chat.user_id = user_id;
  chat.status = ChatStatus::kWaiting;
  chat.ext = ext;
  chat.created_ms = chat.updated_ms = NowMillis();
  ASSIGN_OR_RETURN(auto created, in.deps.store.CreateChat(chat));
  WriteChatData(w, created);
  return Status::Ok();
}

Status HandleAcceptChat(const HandlerInput& in, JsonWriter& w) {
  return RunTransition(in, w, AcceptTransition(), ChatAction::kAccept, true);
}
Status HandleSuspendChat(const HandlerInput& in, JsonWriter& w) {
  return RunTransition(in, w, SuspendTransition(), ChatAction::kSuspend, false);
}
Status HandleResumeChat(const HandlerInput& in, JsonWriter& w) {
  return RunTransition(in, w, ResumeTransition(), ChatAction::kResume, false);
}
Status HandleEndChat(const HandlerInput& in, JsonWriter& w) {
  return RunTransition(in, w, EndTransition(), ChatAction::kEnd, false);
}
Status HandleDeleteChat(const HandlerInput& in, JsonWriter& w) {
  return RunTransition(in, w, DeleteTransition(), ChatAction::kDelete, false);
}

Status HandleTransferChat(const HandlerInput& in, JsonWriter& w) {
  return RunTransition(in, w, TransferTransition(), ChatAction::kTransfer, true);
}

Status HandleChatInfo(const HandlerInput& in, JsonWriter& w) {
  ASSIGN_OR_RETURN(auto chat_id, RequiredString(in.body, "chatId"));
  ASSIGN_OR_RETURN(auto chat, VisibleChat(in, chat_id));
  WriteChatData(w, chat);
  return Status::Ok();
}

Status HandleListChats(const HandlerInput& in, JsonWriter& w) {
  ChatFilter f;
  f.channel = in.caller.channel;
  ASSIGN_OR_RETURN(auto status, OptionalInt(in.body, "status", 0, 1000));
  if (status) {
    f.status = ChatStatusFromCode(*status);
    if (!f.status) return FieldError("status");
  }
  ASSIGN_OR_RETURN(auto op, OptionalString(in.body, "operatorId"));
  f.operator_id = op;
  ASSIGN_OR_RETURN(auto user, OptionalString(in.body, "userId"));
  f.user_id = user;
  ASSIGN_OR_RETURN(auto since, OptionalInstant(in.body, "since"));
  f.since_ms = since;
  ASSIGN_OR_RETURN(auto until, OptionalInstant(in.body, "until"));
  f.until_ms = until;
  ASSIGN_OR_RETURN(const PageRequest paging, ReadPageRequest(in));
  const int64_t page = paging.page, size = paging.size;
  f.offset = paging.offset();
  f.limit = size;

  ASSIGN_OR_RETURN(auto list, in.deps.store.ListChats(f));
  w.Key("data");
  w.BeginObject();
  w.Key("chats");
  w.BeginArray();
  for (const Chat& c : list.chats) WriteChat(w, c);
  w.EndArray();
  w.EndObject();
  const int64_t count = static_cast<int64_t>(list.chats.size());
  WritePage(w, list.total, page, size, count, f.offset + count < list.total, f.offset);
  return Status::Ok();
}

}  // namespace opchat
