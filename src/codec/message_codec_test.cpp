#include "codec/message_codec.hpp"

#include <gtest/gtest.h>

#include "codec/request_fields.hpp"

namespace opchat {
namespace {

constexpr int64_t kNow = 1795658990830;  // 2026-11-26

Result<int64_t> TimeOf(std::string_view body) {
  auto parsed = ParseBodyObject(body);
  EXPECT_TRUE(parsed.ok()) << body;
  return ParseMessageTime(*parsed, kNow);
}

TEST(MessageCodecTest, TimestampOneIsRefusedInsteadOfStoringA1970Message) {
  for (const char* body : {R"({"timestamp":1})", R"({"timestamp":0})",
                           R"({"timestamp":"1795658990"})", R"({"timestamp":946684799999})"}) {
    auto t = TimeOf(body);
    ASSERT_FALSE(t.ok()) << body;
    EXPECT_EQ(t.status().message(), "参数错误: timestamp") << body;
  }
  EXPECT_EQ(*TimeOf(R"({"timestamp":946684800000})"), 946684800000) << "2000-01-01 is the first";
  EXPECT_EQ(*TimeOf(R"({"timestamp":1795656600000})"), 1795656600000);
}

TEST(MessageCodecTest, TimesMoreThanADayAheadAreRefused) {
  EXPECT_TRUE(TimeOf(R"({"timestamp":)" + std::to_string(kNow + kMessageTimeLeadMs) + "}").ok());
  auto ahead = TimeOf(R"({"timestamp":)" + std::to_string(kNow + kMessageTimeLeadMs + 1) + "}");
  ASSERT_FALSE(ahead.ok());
  EXPECT_EQ(ahead.status().message(), "参数错误: timestamp");
}

TEST(MessageCodecTest, CreateTimeOutsideTheWindowIsRefusedNamingIt) {
  for (const char* body :
       {R"({"createTime":"1970-01-01 08:00:01"})", R"({"createTime":"1999-12-30 12:00:00"})",
        R"({"createTime":"2099-01-01 00:00:00"})"}) {
    auto t = TimeOf(body);
    ASSERT_FALSE(t.ok()) << body;
    EXPECT_EQ(t.status().message(), "参数错误: createTime") << body;
  }
  EXPECT_TRUE(TimeOf(R"({"createTime":"2026-11-26 09:30:00"})").ok());
  EXPECT_EQ(*TimeOf("{}"), kNow);
}

}  // namespace
}  // namespace opchat
