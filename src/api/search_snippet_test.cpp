#include "api/search_snippet.hpp"

#include <gtest/gtest.h>

#include "storage/search_pattern.hpp"

namespace opchat {
namespace {

TEST(SearchSnippetTest, MarksEveryMatchInTheWindow) {
  EXPECT_EQ(SearchSnippet("我要退款，退款多久到账", "退款"), "我要【退款】，【退款】多久到账");
  EXPECT_EQ(SearchSnippet("Refund please, REFUND!", "refund"), "【Refund】 please, 【REFUND】!");
}

TEST(SearchSnippetTest, CutsLongTextAroundTheFirstMatchOnCharacterBoundaries) {
  std::string text = "一二三四五六七八九十退款单号一二三四五六七八九十";
  EXPECT_EQ(SearchSnippet(text, "退款单", 3, 2), "…八九十【退款单】号一…");
  EXPECT_EQ(SearchSnippet("abc", "zz", 1, 1), "ab…");  // no match: the start
}

TEST(SearchSnippetTest, KeepsMatchesOutsideTheWindowUnmarked) {
  EXPECT_EQ(SearchSnippet("ab ab ab", "ab", 0, 2), "【ab】 a…");
}

TEST(SearchPatternTest, EscapesLikeWildcards) {
  EXPECT_EQ(LikeContainsPattern("50%_off\\"), "%50\\%\\_off\\\\%");
  EXPECT_EQ(Utf8Length("退款a"), 3u);
  EXPECT_EQ(Utf8Length("😀"), 1u);
}

}  // namespace
}  // namespace opchat
