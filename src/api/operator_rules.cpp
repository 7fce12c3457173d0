#include "api/operator_rules.hpp"

namespace opchat {
namespace {

Status AgentRefused(std::string_view why) { return Status::PermissionDenied(std::string(why)); }

}  // namespace

Status CheckOperatorAction(const Operator& op, ChatAction action) {
  if (op.role == OperatorRole::kSupervisor) return Status::Ok();
  switch (action) {
    case ChatAction::kCreate: return AgentRefused("客服不能创建会话");
    case ChatAction::kDelete:
      // Deleting is the user's act (status 6): a console agent has no reason to do it.
      return AgentRefused("客服不能删除会话");
    case ChatAction::kTransfer: return AgentRefused("只有主管可以转接会话");
    case ChatAction::kSendAsUser: return AgentRefused("客服只能以客服身份发送消息");
    default: return Status::Ok();
  }
}

Status CheckOperatorOnChat(const Operator& op, ChatAction action, const Chat& chat,
                           std::string_view new_owner) {
  if (Status s = CheckOperatorAction(op, action); !s.ok()) return s;
  if (op.role == OperatorRole::kSupervisor) return Status::Ok();
  switch (action) {
    case ChatAction::kRead: return Status::Ok();
    case ChatAction::kAccept:
      // An agent takes a chat for itself, never hands one to a colleague.
      if (new_owner != op.id) return AgentRefused("客服只能由自己接待会话: operatorId 必须是本人");
      return Status::Ok();
    default:
      if (!chat.operator_id || *chat.operator_id != op.id) {
        return AgentRefused("只能在自己接待的会话中操作");
      }
      return Status::Ok();
  }
}

}  // namespace opchat
