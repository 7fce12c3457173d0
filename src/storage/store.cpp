#include "storage/store.hpp"

namespace opchat {

Status Store::VisitChatPage(std::string_view channel, std::string_view chat_id, int64_t offset,
                            int64_t size, bool descending,
                            const std::function<void(const Chat&)>& on_chat,
                            const std::function<void(const MessageView&)>& on_message) {
  ASSIGN_OR_RETURN(Chat chat, GetChat(channel, chat_id));
  SeqRange range = RangeAfterSkipping(chat.message_count, offset, size, descending);
  ASSIGN_OR_RETURN(std::vector<Message> messages, ReadMessages(channel, chat_id, range));
  on_chat(chat);
  for (const Message& m : messages) on_message(ViewOf(m));
  return Status::Ok();
}

void Store::VisitChatPageLater(PageVisit visit) {
  visit.done(VisitChatPage(visit.channel, visit.chat_id, visit.offset, visit.size, visit.descending,
                           visit.on_chat, visit.on_message));
}

void Store::AppendMessageLater(MessageSend send) {
  auto append = [&]() -> Result<AppendOutcome> {
    ASSIGN_OR_RETURN(Chat chat, GetChat(send.channel, send.chat_id));
    if (send.address) RETURN_IF_ERROR(send.address(chat, send.message));
    return AppendMessage(send.channel, send.chat_id, send.message);
  };
  send.done(append());
}

Result<ChatPage> Store::ReadChatPage(std::string_view channel, std::string_view chat_id,
                                     int64_t offset, int64_t size, bool descending) {
  ChatPage page;
  RETURN_IF_ERROR(VisitChatPage(
      channel, chat_id, offset, size, descending, [&](const Chat& c) { page.chat = c; },
      [&](const MessageView& m) { page.messages.push_back(MessageOf(m)); }));
  return page;
}

}  // namespace opchat
