#include "auth/canonical_request.hpp"

#include <gtest/gtest.h>

namespace opchat {
namespace {

TEST(CanonicalRequestTest, SortsByNameAndDropsSign) {
  auto params = ParseQuery("version=2.0&sign=abc&client=c1&apiVersion=01&channel=ch");
  ASSERT_TRUE(params.ok());
  EXPECT_EQ(CanonicalQuery(*params), "apiVersion=01&channel=ch&client=c1&version=2.0");
}

TEST(CanonicalRequestTest, SortsInByteOrderNotCaseFolded) {
  auto params = ParseQuery("b=1&B=2&a=3&_=4");
  ASSERT_TRUE(params.ok());
  // 'B' (0x42) < '_' (0x5f) < 'a' (0x61) < 'b'
  EXPECT_EQ(CanonicalQuery(*params), "B=2&_=4&a=3&b=1");
}

TEST(CanonicalRequestTest, UsesDecodedValues) {
  auto params = ParseQuery("nonce=a%2Fb+c&client=%E5%AE%A2");
  ASSERT_TRUE(params.ok());
  EXPECT_EQ(CanonicalQuery(*params), "client=客&nonce=a/b c");
}

TEST(CanonicalRequestTest, RejectsBrokenEscapesAndRepeatedNames) {
  EXPECT_FALSE(ParseQuery("a=%4").ok());
  EXPECT_FALSE(ParseQuery("a=%zz").ok());
  auto repeated = ParseQuery("client=a&client=b");
  ASSERT_FALSE(repeated.ok());
  EXPECT_NE(repeated.status().message().find("client"), std::string::npos);
}

TEST(CanonicalRequestTest, KeepsEmptyValuesAndSkipsEmptyPairs) {
  auto params = ParseQuery("a=&&b");
  ASSERT_TRUE(params.ok());
  EXPECT_EQ(CanonicalQuery(*params), "a=&b=");
}

}  // namespace
}  // namespace opchat
