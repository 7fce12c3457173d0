#include "domain/chat_status.hpp"

#include <algorithm>

namespace opchat {
namespace {
constexpr ChatStatus kFromWaiting[] = {ChatStatus::kWaiting};
constexpr ChatStatus kFromChatting[] = {ChatStatus::kChatting};
constexpr ChatStatus kFromSuspended[] = {ChatStatus::kSuspended};
constexpr ChatStatus kFromOpen[] = {ChatStatus::kWaiting, ChatStatus::kChatting,
                                    ChatStatus::kSuspended};
}  // namespace

std::string_view StatusText(ChatStatus status) {
  switch (status) {
    case ChatStatus::kWaiting: return "等待接待";
    case ChatStatus::kChatting: return "聊天中";
    case ChatStatus::kEnded: return "已结束";
    case ChatStatus::kDeleted: return "用户删除";
    case ChatStatus::kSuspended: return "挂起";
  }
  return "未知";
}

std::optional<ChatStatus> ChatStatusFromCode(long long code) {
  switch (code) {
    case 1:
    case 3:
    case 5:
    case 6:
    case 30: return static_cast<ChatStatus>(code);
    default: return std::nullopt;
  }
}

bool AcceptsMessages(ChatStatus status) {
  return status != ChatStatus::kEnded && status != ChatStatus::kDeleted;
}

Transition AcceptTransition() { return {kFromWaiting, ChatStatus::kChatting}; }
Transition SuspendTransition() { return {kFromChatting, ChatStatus::kSuspended}; }
Transition ResumeTransition() { return {kFromSuspended, ChatStatus::kChatting}; }
Transition EndTransition() { return {kFromOpen, ChatStatus::kEnded}; }
Transition DeleteTransition() { return {{}, ChatStatus::kDeleted}; }
Transition TransferTransition() { return {kFromChatting, ChatStatus::kChatting}; }

bool Allows(const Transition& t, ChatStatus current) {
  return t.from.empty() || std::find(t.from.begin(), t.from.end(), current) != t.from.end();
}

}  // namespace opchat
