#include "storage/message_scan.hpp"

namespace opchat {

Status ScanMessages(const ExportFilter& f, const MessageScanPages& pages,
                    const MessageVisitor& visit) {
  if (f.chat_id && !f.channel) return Status::InvalidArgument("a chat id needs its channel");
  // Chats are visited in (channel, chat id) order, after this one; a channel filter starts
  // the keyset at the channel, so the scan is an index range of it.
  std::string after_channel = f.channel.value_or("");
  std::string after;
  bool done_one = false;
  while (true) {
    std::vector<Chat> chats;
    if (f.chat_id) {
      if (done_one) break;
      done_one = true;
      auto chat = pages.chat(*f.channel, *f.chat_id);
      if (!chat.ok()) return chat.status();
      chats.push_back(std::move(*chat));
    } else {
      auto page = pages.chats(after_channel, after);
      if (!page.ok()) return page.status();
      chats = std::move(*page);
    }
    if (chats.empty()) break;
    for (const Chat& chat : chats) {
      for (int64_t after_seq = 0;;) {
        auto messages = pages.messages(chat, after_seq);
        if (!messages.ok()) return messages.status();
        for (const Message& m : *messages) {
          RETURN_IF_ERROR(visit(chat, m));
        }
        if (static_cast<int64_t>(messages->size()) < pages.message_page_size) break;
        after_seq = messages->back().seq;
      }
    }
    after_channel = chats.back().channel;
    after = chats.back().id;
  }
  return Status::Ok();
}

}  // namespace opchat
