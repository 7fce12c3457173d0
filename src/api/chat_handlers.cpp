// The chat lifecycle endpoints of docs/api.md: createChat, accept/suspend/resume/end/deleteChat,
// chats and chatInfo.
#include "api/handlers.hpp"
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

Status RunTransition(const HandlerInput& in, JsonWriter& w, const Transition& t,
                     bool needs_operator) {
  ASSIGN_OR_RETURN(auto chat_id, RequiredString(in.body, "chatId"));
  std::optional<std::string> operator_id;
  if (needs_operator) {
    ASSIGN_OR_RETURN(auto op, RequiredString(in.body, "operatorId"));
    if (!IsAcceptableId(op)) return FieldError("operatorId");
    operator_id = op;
  }
  RETURN_IF_ERROR(VisibleChat(in, chat_id));
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
  return RunTransition(in, w, AcceptTransition(), true);
}
Status HandleSuspendChat(const HandlerInput& in, JsonWriter& w) {
  return RunTransition(in, w, SuspendTransition(), false);
}
Status HandleResumeChat(const HandlerInput& in, JsonWriter& w) {
  return RunTransition(in, w, ResumeTransition(), false);
}
Status HandleEndChat(const HandlerInput& in, JsonWriter& w) {
  return RunTransition(in, w, EndTransition(), false);
}
Status HandleDeleteChat(const HandlerInput& in, JsonWriter& w) {
  return RunTransition(in, w, DeleteTransition(), false);
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
