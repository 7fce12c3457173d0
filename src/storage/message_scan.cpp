#include "storage/message_scan.hpp"

namespace opchat {

Status ScanMessages(const ExportFilter& f, const MessageScanPages& pages,
                    const MessageVisitor& visit) {
  std::string after;  // chats are visited in chat-id order, after this one
  while (true) {
    std::vector<Chat> chats;
    if (f.chat_id) {
      if (!after.empty()) break;
      auto chat = pages.chat(*f.chat_id);
      if (!chat.ok()) return chat.status();
      if (!f.channel || chat->channel == *f.channel) chats.push_back(std::move(*chat));
    } else {
      auto page = pages.chats(after);
      if (!page.ok()) return page.status();
      chats = std::move(*page);
    }
    if (chats.empty()) break;
    for (const Chat& chat : chats) {
      for (int64_t after_seq = 0;;) {
        auto messages = pages.messages(chat, after_seq);
        if (!messages.ok()) return messages.status();
        for (const Message& m : *messages) {
          if (Status s = visit(chat, m); !s.ok()) return s;
        }
        if (static_cast<int64_t>(messages->size()) < pages.message_page_size) break;
        after_seq = messages->back().seq;
      }
    }
    after = chats.back().id;
  }
  return Status::Ok();
}

}  // namespace opchat
