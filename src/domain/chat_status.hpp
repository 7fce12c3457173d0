// Session status codes of the Op API and the lifecycle rules between them (docs/api.md).
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace opchat {

enum class ChatStatus : int {
  kWaiting = 1,     // 等待接待
  kChatting = 3,    // 聊天中
  kEnded = 5,       // 已结束
  kDeleted = 6,     // 用户删除
  kSuspended = 30,  // 挂起
};

// The wire text of a status, e.g. "聊天中".
std::string_view StatusText(ChatStatus status);

// The status with this numeric code; nullopt for any other number.
std::optional<ChatStatus> ChatStatusFromCode(long long code);

// Whether a chat in this status accepts new messages (not ended, not deleted).
bool AcceptsMessages(ChatStatus status);

// One lifecycle operation: from which statuses it may start, and where it leads.
struct Transition {
  std::span<const ChatStatus> from;  // empty span = from any status
  ChatStatus to;
};

Transition AcceptTransition();    // 1 -> 3
Transition SuspendTransition();   // 3 -> 30
Transition ResumeTransition();    // 30 -> 3
Transition EndTransition();       // 1, 3, 30 -> 5
Transition DeleteTransition();    // any -> 6
Transition TransferTransition();  // 3 -> 3, with a new operator

bool Allows(const Transition& t, ChatStatus current);

}  // namespace opchat
