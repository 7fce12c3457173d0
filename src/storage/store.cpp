#include "storage/store.hpp"

namespace opchat {

Result<ChatPage> Store::ReadChatPage(std::string_view channel, std::string_view chat_id,
                                     int64_t offset, int64_t size, bool descending) {
  ChatPage page;
  ASSIGN_OR_RETURN(page.chat, GetChat(channel, chat_id));
  SeqRange range = RangeAfterSkipping(page.chat.message_count, offset, size, descending);
  ASSIGN_OR_RETURN(page.messages, ReadMessages(channel, chat_id, range));
  return page;
}

}  // namespace opchat
