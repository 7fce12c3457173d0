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

TEST(CanonicalRequestTest, UnambiguousNamesAndValuesOnly) {
  auto ok = ParseQuery("apiVersion=01&client=c1&sign_Method2=x&nonce=a%2Fb");
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(CheckUnambiguous(*ok).ok());
  // The name decodes to "nonce=1&timestamp=2&version", which canonicalises like three params.
  auto smuggled = ParseQuery("client=c1&nonce%3D1%26timestamp%3D2%26version=2.0");
  ASSERT_TRUE(smuggled.ok());
  EXPECT_EQ(CanonicalQuery(*smuggled), "client=c1&nonce=1&timestamp=2&version=2.0");
  EXPECT_EQ(CheckUnambiguous(*smuggled).code(), StatusCode::kUnauthenticated);
  for (const char* bad : {"a=x%26y", "a=x%3Dy", "_a=1", "1a=1", "a-b=1", "%E5%AE%A2=1"}) {
    auto p = ParseQuery(bad);
    ASSERT_TRUE(p.ok()) << bad;
    EXPECT_FALSE(CheckUnambiguous(*p).ok()) << bad;
  }
}

}  // namespace
}  // namespace opchat
