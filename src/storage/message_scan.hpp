// The paging of Store::ForEachMessage, shared by the back ends: chats in (channel, chat id) order,
// each chat's messages in seq order, a page at a time, so memory stays flat. The back end supplies
// the page reads; each takes a connection and gives it back before the visitor runs, so a slow
// consumer (a pipe, a disk) never holds one.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "storage/store.hpp"

namespace opchat {

struct MessageScanPages {
  // The chat named by the filter's channel and chat_id.
  std::function<Result<Chat>(const std::string& channel, const std::string& chat_id)> chat;
  // The filter's next chats after (after_channel, after_id) in (channel, chat id) order (empty
  // when done). A chat id is unique only within its channel, so the keyset needs both.
  std::function<Result<std::vector<Chat>>(const std::string& after_channel,
                                          const std::string& after_id)>
      chats;
  // The filter's next messages of `chat` after position `after_seq`; a page shorter than
  // `message_page_size` is the last.
  std::function<Result<std::vector<Message>>(const Chat& chat, int64_t after_seq)> messages;
  int64_t message_page_size = 1000;
};

Status ScanMessages(const ExportFilter& filter, const MessageScanPages& pages,
                    const MessageVisitor& visit);

}  // namespace opchat
