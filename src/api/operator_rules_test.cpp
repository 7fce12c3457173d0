#include "api/operator_rules.hpp"

#include <gtest/gtest.h>

namespace opchat {
namespace {

Operator MakeOperator(std::string id, OperatorRole role) {
  Operator op;
  op.id = std::move(id);
  op.channel = "shop";
  op.role = role;
  return op;
}

Chat MakeChat(std::optional<std::string> owner, ChatStatus status) {
  Chat chat;
  chat.id = "c1";
  chat.channel = "shop";
  chat.user_id = "u1";
  chat.operator_id = std::move(owner);
  chat.status = status;
  return chat;
}

constexpr ChatAction kOwnChatActions[] = {ChatAction::kReply, ChatAction::kSuspend,
                                          ChatAction::kResume, ChatAction::kEnd};

TEST(OperatorRulesTest, AgentReadsTheWholeChannel) {
  const Operator agent = MakeOperator("a1", OperatorRole::kAgent);
  EXPECT_TRUE(CheckOperatorAction(agent, ChatAction::kRead).ok());
  EXPECT_TRUE(
      CheckOperatorOnChat(agent, ChatAction::kRead, MakeChat("a2", ChatStatus::kChatting), "")
          .ok());
}

TEST(OperatorRulesTest, AgentActsOnlyInItsOwnChats) {
  const Operator agent = MakeOperator("a1", OperatorRole::kAgent);
  for (ChatAction action : kOwnChatActions) {
    EXPECT_TRUE(CheckOperatorOnChat(agent, action, MakeChat("a1", ChatStatus::kChatting), "").ok());
    Status other = CheckOperatorOnChat(agent, action, MakeChat("a2", ChatStatus::kChatting), "");
    EXPECT_EQ(other.code(), StatusCode::kPermissionDenied);
    EXPECT_EQ(other.message(), "只能在自己接待的会话中操作");
    EXPECT_EQ(
        CheckOperatorOnChat(agent, action, MakeChat(std::nullopt, ChatStatus::kWaiting), "").code(),
        StatusCode::kPermissionDenied);
  }
}

TEST(OperatorRulesTest, AgentAcceptsOnlyForItself) {
  const Operator agent = MakeOperator("a1", OperatorRole::kAgent);
  const Chat waiting = MakeChat(std::nullopt, ChatStatus::kWaiting);
  EXPECT_TRUE(CheckOperatorOnChat(agent, ChatAction::kAccept, waiting, "a1").ok());
  EXPECT_EQ(CheckOperatorOnChat(agent, ChatAction::kAccept, waiting, "a2").code(),
            StatusCode::kPermissionDenied);
}

TEST(OperatorRulesTest, AgentMayNotCreateDeleteTransferOrWriteAsTheUser) {
  const Operator agent = MakeOperator("a1", OperatorRole::kAgent);
  const Chat own = MakeChat("a1", ChatStatus::kChatting);
  for (ChatAction action :
       {ChatAction::kCreate, ChatAction::kDelete, ChatAction::kTransfer, ChatAction::kSendAsUser}) {
    EXPECT_EQ(CheckOperatorAction(agent, action).code(), StatusCode::kPermissionDenied);
    EXPECT_EQ(CheckOperatorOnChat(agent, action, own, "a1").code(), StatusCode::kPermissionDenied);
  }
}

TEST(OperatorRulesTest, SupervisorMayDoEverything) {
  const Operator boss = MakeOperator("s1", OperatorRole::kSupervisor);
  const Chat others = MakeChat("a2", ChatStatus::kChatting);
  for (ChatAction action :
       {ChatAction::kRead, ChatAction::kCreate, ChatAction::kAccept, ChatAction::kReply,
        ChatAction::kSendAsUser, ChatAction::kSuspend, ChatAction::kResume, ChatAction::kEnd,
        ChatAction::kDelete, ChatAction::kTransfer}) {
    EXPECT_TRUE(CheckOperatorAction(boss, action).ok());
    EXPECT_TRUE(CheckOperatorOnChat(boss, action, others, "a3").ok());
  }
}

}  // namespace
}  // namespace opchat
