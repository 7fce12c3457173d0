#include "storage/chat_rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace opchat::store_rules {
namespace {

constexpr ChatStatus kAll[] = {ChatStatus::kWaiting, ChatStatus::kChatting, ChatStatus::kEnded,
                               ChatStatus::kDeleted, ChatStatus::kSuspended};

TEST(ChatRulesTest, ErrorsCarryTheTextsClientsSee) {
  EXPECT_EQ(ChatNotFound().code(), StatusCode::kNotFound);
  EXPECT_EQ(ChatNotFound().message(), "会话不存在");
  EXPECT_EQ(ChatExists("c1").code(), StatusCode::kConflict);
  EXPECT_EQ(ChatExists("c1").message(), "会话已存在: c1");
  EXPECT_EQ(TransitionRefused(ChatStatus::kEnded).message(),
            "会话状态不允许该操作: 当前状态 已结束");
  EXPECT_EQ(SendRefused(ChatStatus::kDeleted).code(), StatusCode::kConflict);
  EXPECT_EQ(SendRefused(ChatStatus::kDeleted).message(),
            "会话状态不允许发送消息: 当前状态 用户删除");
  EXPECT_EQ(ChatFull().code(), StatusCode::kConflict);
  EXPECT_EQ(EmptySearchKeyword().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ClientExists("k").message(), "client exists: k");
  EXPECT_EQ(ClientNotFound("k").code(), StatusCode::kNotFound);
  EXPECT_EQ(ClientNotFound("k").message(), "no such client: k");
}

TEST(ChatRulesTest, TransitionsFollowTheDomainTable) {
  for (const Transition& t : {AcceptTransition(), SuspendTransition(), ResumeTransition(),
                              EndTransition(), DeleteTransition()}) {
    for (ChatStatus current : kAll) {
      Status s = CheckTransition(current, t.from, t.to);
      EXPECT_EQ(s.ok(), Allows(t, current));
      if (!s.ok()) {
        EXPECT_EQ(s.message(), TransitionRefused(current).message());
      }
    }
  }
}

TEST(ChatRulesTest, EndedAndDeletedChatsRefuseMessages) {
  for (ChatStatus current : kAll) {
    const bool open = current != ChatStatus::kEnded && current != ChatStatus::kDeleted;
    Status s = CheckSend(current);
    EXPECT_EQ(s.ok(), open) << static_cast<int>(current);
    if (!open) {
      EXPECT_EQ(s.message(), SendRefused(current).message());
    }
  }
}

TEST(ChatRulesTest, PositionsStopAtTheBound) {
  EXPECT_EQ(*NextSeq(0), 1);
  EXPECT_EQ(*NextSeq(41), 42);
  EXPECT_EQ(*NextSeq(kMaxSeq - 1), kMaxSeq);
  EXPECT_EQ(NextSeq(kMaxSeq).status().code(), StatusCode::kConflict);
}

TEST(ChatRulesTest, TransitionKeepsTheOperatorUnlessGivenAndNeverGoesBack) {
  Chat c{.operator_id = "op-1", .status = ChatStatus::kWaiting, .updated_ms = 100};
  ApplyTransition(c, ChatStatus::kChatting, std::nullopt, 50);
  EXPECT_EQ(c.status, ChatStatus::kChatting);
  EXPECT_EQ(c.operator_id, "op-1");
  EXPECT_EQ(c.updated_ms, 100);
  ApplyTransition(c, ChatStatus::kEnded, std::string("op-2"), 200);
  EXPECT_EQ(c.operator_id, "op-2");
  EXPECT_EQ(c.updated_ms, 200);
}

// An in-memory chat behind AppendSteps / TransitionSteps, counting writes.
struct FakeChat {
  Chat chat;
  std::vector<Message> messages;
  int writes = 0;

  AppendSteps Append() {
    AppendSteps steps;
    steps.lock_chat = [this]() -> Result<Chat> { return chat; };
    steps.find = [this](const std::string& id) -> Result<std::optional<Message>> {
      for (const Message& m : messages) {
        if (m.user_message_id == id) return std::optional<Message>(m);
      }
      return std::optional<Message>();
    };
    steps.insert = [this](const Message& m, int64_t seq) -> Status {
      ++writes;
      messages.push_back(m);
      messages.back().seq = seq;
      chat.message_count = seq;
      return Status::Ok();
    };
    return steps;
  }
};

Message NewMessage(std::string id) {
  Message m;
  m.user_message_id = std::move(id);
  m.type = "text";
  return m;
}

TEST(ChatRulesTest, AppendTakesTheNextPosition) {
  FakeChat f;
  f.chat.status = ChatStatus::kChatting;
  auto first = AppendMessage(f.Append(), NewMessage("a"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->message.seq, 1);
  EXPECT_FALSE(first->duplicate);
  auto second = AppendMessage(f.Append(), NewMessage("b"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->message.seq, 2);
  EXPECT_EQ(f.writes, 2);
}

TEST(ChatRulesTest, RetriedSendAfterTheChatEndedIsADuplicate) {
  FakeChat f;
  f.chat.status = ChatStatus::kChatting;
  ASSERT_TRUE(AppendMessage(f.Append(), NewMessage("a")).ok());
  f.chat.status = ChatStatus::kEnded;
  auto retried = AppendMessage(f.Append(), NewMessage("a"));
  ASSERT_TRUE(retried.ok());
  EXPECT_TRUE(retried->duplicate);
  EXPECT_EQ(retried->message.seq, 1);
  auto fresh = AppendMessage(f.Append(), NewMessage("b"));
  EXPECT_EQ(fresh.status().message(), SendRefused(ChatStatus::kEnded).message());
  EXPECT_EQ(f.writes, 1);  // refusals write nothing
}

TEST(ChatRulesTest, AppendToAMissingChatFailsBeforeAnyWrite) {
  FakeChat f;
  AppendSteps steps = f.Append();
  steps.lock_chat = []() -> Result<Chat> { return ChatNotFound(); };
  EXPECT_EQ(AppendMessage(steps, NewMessage("a")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(f.writes, 0);
}

TEST(ChatRulesTest, TheLockedChatAddressesTheMessageBeforeTheDuplicateCheck) {
  FakeChat f;
  f.chat.status = ChatStatus::kChatting;
  f.chat.user_id = "user-1";
  AddressMessage from_user = [](const Chat& chat, Message& m) {
    m.from = chat.user_id;
    return Status::Ok();
  };
  auto sent = AppendMessage(f.Append(), NewMessage("a"), from_user);
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent->message.from, "user-1");
  EXPECT_EQ(f.messages.at(0).from, "user-1");  // written addressed
  // A refusal of the address step comes first, even for a stored userMessageId, and writes
  // nothing.
  AddressMessage refuse = [](const Chat&, Message&) { return Status::Conflict("not yours"); };
  auto retried = AppendMessage(f.Append(), NewMessage("a"), refuse);
  EXPECT_EQ(retried.status().message(), "not yours");
  EXPECT_EQ(AppendMessage(f.Append(), NewMessage("b"), refuse).status().code(),
            StatusCode::kConflict);
  EXPECT_EQ(f.writes, 1);
}

TEST(ChatRulesTest, ImportsAreStoredChatByChatInTheRecordsOrder) {
  std::vector<ImportRecord> records;
  for (const char* key : {"b/2", "a/9", "b/1", "a/9", "b/2", "a/1"}) {
    ImportRecord r;
    r.chat.channel = std::string(key, 1);
    r.chat.id = std::string(key + 2);
    r.message.user_message_id = std::to_string(records.size());
    records.push_back(r);
  }
  std::vector<std::string> got;
  for (const ImportRecord* r : ChatByChat(records)) {
    got.push_back(r->chat.channel + "/" + r->chat.id + "#" + r->message.user_message_id);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"a/1#5", "a/9#1", "a/9#3", "b/1#2", "b/2#0", "b/2#4"}));
}

TEST(ChatRulesTest, RefusedTransitionWritesNothing) {
  Chat chat;
  chat.status = ChatStatus::kEnded;
  int writes = 0;
  TransitionSteps steps;
  steps.lock_chat = [&]() -> Result<Chat> { return chat; };
  steps.write = [&](Chat current) -> Result<Chat> {
    ++writes;
    current.status = ChatStatus::kChatting;
    return current;
  };
  Transition accept = AcceptTransition();
  auto refused = TransitionChat(steps, accept.from, accept.to);
  EXPECT_EQ(refused.status().message(), TransitionRefused(ChatStatus::kEnded).message());
  EXPECT_EQ(writes, 0);
  chat.status = ChatStatus::kWaiting;
  auto accepted = TransitionChat(steps, accept.from, accept.to);
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(accepted->status, ChatStatus::kChatting);
  EXPECT_EQ(writes, 1);
}

TEST(ChatRulesTest, NegativeLimitsAndOffsetsMeanNone) {
  EXPECT_EQ(RowLimit(20), 20);
  EXPECT_EQ(RowLimit(0), 0);
  EXPECT_FALSE(RowLimit(-1).has_value());
  EXPECT_EQ(RowOffset(5), 5);
  EXPECT_EQ(RowOffset(-3), 0);
}

TEST(ChatRulesTest, SearchTotalsStopAtMaxTotal) {
  SearchQuery q;
  q.max_total = 10;
  EXPECT_EQ(SearchCountLimit(q), 11);
  SearchResult r;
  SetSearchTotal(q, 10, r);
  EXPECT_EQ(r.total, 10);
  EXPECT_TRUE(r.total_exact);
  SetSearchTotal(q, 11, r);
  EXPECT_EQ(r.total, 10);
  EXPECT_FALSE(r.total_exact);
  q.max_total = -5;  // counts as 0
  EXPECT_EQ(SearchCountLimit(q), 1);
  SetSearchTotal(q, 1, r);
  EXPECT_EQ(r.total, 0);
  EXPECT_FALSE(r.total_exact);
}

TEST(ChatRulesTest, ChatKeysOrderByChannelThenId) {
  Chat a, b;
  a.channel = "a";
  a.id = "z";
  b.channel = "b";
  b.id = "a";
  EXPECT_TRUE(ChatKeyLess(a, b));
  EXPECT_FALSE(ChatKeyLess(b, a));
  b.channel = "a";
  EXPECT_TRUE(ChatKeyLess(b, a));
  EXPECT_FALSE(ChatKeyLess(a, a));
}

}  // namespace
}  // namespace opchat::store_rules
