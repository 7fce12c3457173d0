// What a console operator, signed in by session, may do through /op/v2 (docs/console.md,
// "Agents and supervisors"). A supervisor may do everything in its channel; an agent may read
// the whole channel, accept a waiting chat for itself, and reply, suspend, resume and end only
// the chats it owns. Signed clients are not operators: these rules never apply to them. The
// channel itself is settled before (a session's channel is its operator's). Pure functions;
// thread-safe.
#pragma once

#include <string_view>

#include "common/status.hpp"
#include "domain/chat.hpp"
#include "domain/operator.hpp"

namespace opchat {

// What an /op/v2 endpoint does to a chat, as far as the rules tell them apart.
enum class ChatAction {
  kRead,        // history, chats, chatInfo, searchMessages, chatTranscript, events
  kCreate,      // createChat
  kAccept,      // acceptChat
  kReply,       // sendMessage as the operator (operatorToUser)
  kSendAsUser,  // sendMessage as the chat's user (userToOperator)
  kSuspend,     // suspendChat
  kResume,      // resumeChat
  kEnd,         // endChat
  kDelete,      // deleteChat
  kTransfer,    // transferChat
};

// Whether `op` may take `action` at all, before any chat is looked at: OK, or PermissionDenied
// with the message for the client (an agent may not create, delete or transfer chats, nor
// write as a user).
Status CheckOperatorAction(const Operator& op, ChatAction action);

// Whether `op` may take `action` on `chat`; `new_owner` is the operatorId that kAccept and
// kTransfer give the chat (ignored otherwise). OK, or PermissionDenied with the message for the
// client. Includes CheckOperatorAction.
Status CheckOperatorOnChat(const Operator& op, ChatAction action, const Chat& chat,
                           std::string_view new_owner);

}  // namespace opchat
