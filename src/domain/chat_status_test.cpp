#include "domain/chat_status.hpp"

#include <gtest/gtest.h>

namespace opchat {
namespace {

TEST(ChatStatusTest, TextsAreTheSeeds) {
  EXPECT_EQ(StatusText(ChatStatus::kWaiting), "等待接待");
  EXPECT_EQ(StatusText(ChatStatus::kChatting), "聊天中");
  EXPECT_EQ(StatusText(ChatStatus::kEnded), "已结束");
  EXPECT_EQ(StatusText(ChatStatus::kDeleted), "用户删除");
  EXPECT_EQ(StatusText(ChatStatus::kSuspended), "挂起");
}

TEST(ChatStatusTest, CodesRoundTrip) {
  for (int code : {1, 3, 5, 6, 30}) {
    auto s = ChatStatusFromCode(code);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(static_cast<int>(*s), code);
  }
  EXPECT_FALSE(ChatStatusFromCode(2).has_value());
  EXPECT_FALSE(ChatStatusFromCode(0).has_value());
}

TEST(ChatStatusTest, LifecycleTransitions) {
  EXPECT_TRUE(Allows(AcceptTransition(), ChatStatus::kWaiting));
  EXPECT_FALSE(Allows(AcceptTransition(), ChatStatus::kChatting));
  EXPECT_TRUE(Allows(SuspendTransition(), ChatStatus::kChatting));
  EXPECT_FALSE(Allows(SuspendTransition(), ChatStatus::kWaiting));
  EXPECT_TRUE(Allows(ResumeTransition(), ChatStatus::kSuspended));
  EXPECT_FALSE(Allows(ResumeTransition(), ChatStatus::kChatting));
  for (auto s : {ChatStatus::kWaiting, ChatStatus::kChatting, ChatStatus::kSuspended}) {
    EXPECT_TRUE(Allows(EndTransition(), s));
  }
  EXPECT_FALSE(Allows(EndTransition(), ChatStatus::kEnded));
  EXPECT_FALSE(Allows(EndTransition(), ChatStatus::kDeleted));
  for (auto s : {ChatStatus::kWaiting, ChatStatus::kChatting, ChatStatus::kEnded,
                 ChatStatus::kDeleted, ChatStatus::kSuspended}) {
    EXPECT_TRUE(Allows(DeleteTransition(), s));
  }
  EXPECT_FALSE(AcceptsMessages(ChatStatus::kEnded));
  EXPECT_FALSE(AcceptsMessages(ChatStatus::kDeleted));
  EXPECT_TRUE(AcceptsMessages(ChatStatus::kSuspended));
}

TEST(ChatStatusTest, TransferOnlyWhileChatting) {
  EXPECT_TRUE(Allows(TransferTransition(), ChatStatus::kChatting));
  EXPECT_EQ(TransferTransition().to, ChatStatus::kChatting);
  for (auto s :
       {ChatStatus::kWaiting, ChatStatus::kEnded, ChatStatus::kDeleted, ChatStatus::kSuspended}) {
    EXPECT_FALSE(Allows(TransferTransition(), s));
  }
}

}  // namespace
}  // namespace opchat
