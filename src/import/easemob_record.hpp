// One Easemob (环信) chat-history record mapped onto opchat's message model (docs/api.md, the
// message object). Both of Easemob's record shapes carry the same fields: the entities of the REST
// `chatmessages` response and the lines of the hourly history-export files
// (https://doc.easemob.com/document/server-side/message_historical.html):
//   {"msg_id", "timestamp", "from", "to", "chat_type", "payload": {"bodies": [...], "ext": {...},
//    "from", "to"}}
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "common/status.hpp"
#include "domain/chat.hpp"

namespace opchat {

struct EasemobRecord {
  std::string msg_id;
  int64_t timestamp_ms = 0;
  std::string from;                // sender's Easemob username
  std::string to;                  // receiver's username (a group or room id for group chats)
  std::string chat_type = "chat";  // "chat" (one to one), "groupchat", "chatroom"
  // One message per body, in body order, each complete: id (msg_id, then msg_id#2, #3 ... for
  // further bodies), sender, receiver, time, content and ext.
  std::vector<Message> messages;
  // The value found at the chat key path, when the record has one.
  std::optional<std::string> chat_key;
};

// A dot-separated path into a record's `payload`, e.g. "ext.chatId". Empty: no chat key.
std::vector<std::string> ParseKeyPath(std::string_view path);

// Maps one record. Body types txt, img, audio, video, loc, file, cmd and custom become the §1
// type of the same name (cmd: `action` becomes msg; custom: `customEvent` and `customExts` —
// `v2:customExts`, else the old array of one-key objects merged — go into ext); any other body
// type (e.g. combine) becomes custom with ext {"easemobType": type, "easemobBody": body}.
// Each message passes the same checks as a message sent through the API. InvalidArgument
// with a reason when the record cannot be used.
Result<EasemobRecord> ParseEasemobRecord(const boost::json::object& record,
                                         const std::vector<std::string>& chat_key_path);

}  // namespace opchat
