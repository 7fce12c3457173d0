// The chat lifecycle endpoints of docs/api.md: createChat, accept/suspend/resume/end/deleteChat,
// chats and chatInfo.
#include "api/handlers.hpp"
#include "codec/message_codec.hpp"
#include "codec/request_fields.hpp"
#include "common/clock.hpp"
#include "common/ids.hpp"

namespace opchat {
namespace {

constexpr size_t kMaxIdBytes = 128;

// An id a client chose: printable ASCII without spaces, at most 128 bytes.
bool IsAcceptableId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  for (char c : id) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

void WriteChatData(JsonWriter& w, const Chat& chat) {
  w.Key("data");
  WriteChat(w, chat);
}

Status RunTransition(const HandlerInput& in, JsonWriter& w, const Transition& t,
                     bool needs_operator) {
  auto chat_id = RequiredString(in.body, "chatId");
  if (!chat_id.ok()) return chat_id.status();
  std::optional<std::string> operator_id;
  if (needs_operator) {
    auto op = RequiredString(in.body, "operatorId");
    if (!op.ok()) return op.status();
    if (!IsAcceptableId(*op)) return FieldError("operatorId");
    operator_id = *op;
  }
  auto visible = VisibleChat(in, *chat_id);
  if (!visible.ok()) return visible.status();
  auto chat = in.deps.store.TransitionChat(in.caller.channel, *chat_id, t.from, t.to, operator_id, NowMillis());
  if (!chat.ok()) return chat.status();
  WriteChatData(w, *chat);
  return Status::Ok();
}

}  // namespace

Status HandleCreateChat(const HandlerInput& in, JsonWriter& w) {
  auto user_id = RequiredString(in.body, "userId");
  if (!user_id.ok()) return user_id.status();
  if (!IsAcceptableId(*user_id)) return FieldError("userId");
  auto chat_id = OptionalString(in.body, "chatId");
  if (!chat_id.ok()) return chat_id.status();
  if (*chat_id && !IsAcceptableId(**chat_id)) return FieldError("chatId");
  auto ext = OptionalObjectText(in.body, "ext");
  if (!ext.ok()) return ext.status();

  Chat chat;
  chat.id = chat_id->value_or(NewChatId());
  chat.channel = in.caller.channel;
  chat.user_id = *user_id;
  chat.status = ChatStatus::kWaiting;
  chat.ext = *ext;
  chat.created_ms = chat.updated_ms = NowMillis();
  auto created = in.deps.store.CreateChat(chat);
  if (!created.ok()) return created.status();
  WriteChatData(w, *created);
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
  auto chat_id = RequiredString(in.body, "chatId");
  if (!chat_id.ok()) return chat_id.status();
  auto chat = VisibleChat(in, *chat_id);
  if (!chat.ok()) return chat.status();
  WriteChatData(w, *chat);
  return Status::Ok();
}

Status HandleListChats(const HandlerInput& in, JsonWriter& w) {
  ChatFilter f;
  f.channel = in.caller.channel;
  auto status = OptionalInt(in.body, "status", 0, 1000);
  if (!status.ok()) return status.status();
  if (*status) {
    f.status = ChatStatusFromCode(**status);
    if (!f.status) return FieldError("status");
  }
  auto op = OptionalString(in.body, "operatorId");
  if (!op.ok()) return op.status();
  f.operator_id = *op;
  auto user = OptionalString(in.body, "userId");
  if (!user.ok()) return user.status();
  f.user_id = *user;
  auto since = OptionalInstant(in.body, "since");
  if (!since.ok()) return since.status();
  f.since_ms = *since;
  auto until = OptionalInstant(in.body, "until");
  if (!until.ok()) return until.status();
  f.until_ms = *until;
  auto page_num = OptionalInt(in.body, "pageNum", 1, INT32_MAX);
  if (!page_num.ok()) return page_num.status();
  auto page_size = OptionalInt(in.body, "pageSize", 1, in.deps.settings.max_page_size);
  if (!page_size.ok()) return page_size.status();
  const int64_t page = page_num->value_or(1), size = page_size->value_or(20);
  f.offset = (page - 1) * size;
  f.limit = size;

  auto list = in.deps.store.ListChats(f);
  if (!list.ok()) return list.status();
  w.Key("data");
  w.BeginObject();
  w.Key("chats");
  w.BeginArray();
  for (const Chat& c : list->chats) WriteChat(w, c);
  w.EndArray();
  w.EndObject();
  const int64_t count = static_cast<int64_t>(list->chats.size());
  WritePage(w, list->total, page, size, count, f.offset + count < list->total, f.offset);
  return Status::Ok();
}

}  // namespace opchat
