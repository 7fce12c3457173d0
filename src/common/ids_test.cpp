#include "common/ids.hpp"

#include <gtest/gtest.h>

#include <set>

namespace opchat {
namespace {

TEST(IdsTest, MessageIdsAreUniqueIncreasingAnd18To19Digits) {
  MessageIdGenerator gen(7);
  std::set<uint64_t> seen;
  uint64_t last = 0;
  for (int i = 0; i < 20000; ++i) {  // more than 4096 per millisecond forces the rollover
    uint64_t id = gen.NextNumber();
    EXPECT_GT(id, last);
    last = id;
    seen.insert(id);
    std::string text = std::to_string(id);
    ASSERT_GE(text.size(), 18u);
    ASSERT_LE(text.size(), 19u);
  }
  EXPECT_EQ(seen.size(), 20000u);
}

TEST(IdsTest, WorkersDoNotCollide) {
  MessageIdGenerator a(1), b(2);
  EXPECT_NE(a.NextNumber() & (1023u << 12), b.NextNumber() & (1023u << 12));
}

TEST(IdsTest, ChatIdsHaveTheDocumentedShape) {
  std::string id = NewChatId();
  ASSERT_EQ(id.size(), 37u);
  EXPECT_EQ(id.substr(0, 5), "u0001");
  for (char c : id.substr(5)) EXPECT_TRUE(std::isxdigit(c) && !std::isupper(c)) << id;
  EXPECT_NE(NewChatId(), id);
}

}  // namespace
}  // namespace opchat
