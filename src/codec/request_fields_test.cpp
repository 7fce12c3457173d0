#include "codec/request_fields.hpp"

#include <gtest/gtest.h>

#include "common/clock.hpp"

namespace opchat {
namespace {

boost::json::object Body(std::string_view text) {
  auto r = ParseBodyObject(text);
  EXPECT_TRUE(r.ok()) << text;
  return r.ok() ? *r : boost::json::object{};
}

TEST(RequestFieldsTest, IntegersMayBeDecimalStrings) {
  auto b = Body(R"({"a":2,"b":"3","c":"x","d":2.5,"e":"-1","f":" 4","g":true})");
  EXPECT_EQ(*RequiredInt(b, "a", 1, 10), 2);
  EXPECT_EQ(*RequiredInt(b, "b", 1, 10), 3);
  for (const char* f : {"c", "d", "e", "f", "g", "missing"}) {
    auto r = RequiredInt(b, f, 1, 10);
    ASSERT_FALSE(r.ok()) << f;
    EXPECT_EQ(r.status().message(), std::string("参数错误: ") + f);
  }
  EXPECT_FALSE(RequiredInt(b, "a", 3, 10).ok()) << "below the minimum";
}

TEST(RequestFieldsTest, HugeNumbersAreRefusedNotWrapped) {
  auto b = Body(R"({"a":18446744073709551615,"b":"99999999999999999999","c":1e308})");
  EXPECT_FALSE(RequiredInt(b, "a", 1, INT64_MAX).ok());
  EXPECT_FALSE(RequiredInt(b, "b", 1, INT64_MAX).ok());
  EXPECT_FALSE(RequiredInt(b, "c", 1, INT64_MAX).ok());
}

TEST(RequestFieldsTest, Strings) {
  auto b = Body(R"({"s":"x","e":"","n":null,"i":1})");
  EXPECT_EQ(*RequiredString(b, "s"), "x");
  EXPECT_FALSE(RequiredString(b, "e").ok());
  EXPECT_FALSE(RequiredString(b, "n").ok());
  EXPECT_FALSE(RequiredString(b, "i").ok());
  EXPECT_FALSE(OptionalString(b, "n")->has_value());
  EXPECT_FALSE(OptionalString(b, "i").ok());
  auto nul = Body(R"({"s":"a\u0000b"})");
  EXPECT_FALSE(RequiredString(nul, "s").ok()) << "text never holds NUL";
}

TEST(RequestFieldsTest, InstantsAreMillisOrLocalTimes) {
  ASSERT_TRUE(SetProcessTimeZone("Asia/Shanghai").ok());
  auto b = Body(
      R"({"ms":1455878580000,"text":"2016-02-19 18:43:00","digits":"1455878580000","bad":"yesterday"})");
  EXPECT_EQ(**OptionalInstant(b, "ms"), 1455878580000);
  EXPECT_EQ(**OptionalInstant(b, "text"),
            1455878580000);  // date -d '2016-02-19 18:43:00 +0800' +%s%3N
  EXPECT_EQ(**OptionalInstant(b, "digits"), 1455878580000);
  EXPECT_FALSE(OptionalInstant(b, "missing")->has_value());
  EXPECT_FALSE(OptionalInstant(b, "bad").ok());
}

TEST(RequestFieldsTest, ObjectsAndBodies) {
  auto b = Body(R"({"ext":{"a":[1,2]},"bad":[1]})");
  EXPECT_EQ(*OptionalObjectText(b, "ext"), R"({"a":[1,2]})");
  EXPECT_EQ(*OptionalObjectText(b, "none"), "{}");
  EXPECT_FALSE(OptionalObjectText(b, "bad").ok());
  EXPECT_FALSE(ParseBodyObject("[1]").ok());
  EXPECT_FALSE(ParseBodyObject("{").ok());
  EXPECT_FALSE(ParseBodyObject("\"\xff\"").ok()) << "invalid UTF-8";
  EXPECT_FALSE(ParseBodyObject(std::string(10000, '[')).ok()) << "deep nesting";
}

}  // namespace
}  // namespace opchat
