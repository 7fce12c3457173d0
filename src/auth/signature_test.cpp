#include "auth/signature.hpp"

#include <gtest/gtest.h>

#include "auth/canonical_request.hpp"
#include "common/crypto.hpp"

namespace opchat {
namespace {

constexpr const char* kBody =
    R"({"chatId":"u000103b6237d8f94447ab3bd6cbe9c89d70a","pageNum":1,"pageSize":20})";

QueryParams SeedParams() {
  return {{"apiVersion", "01"},
          {"client", "70374ddd0f3641368d419b2d93127b8f"},
          {"channel", "eba920d452d34adb8f2badb08b9e69bb"},
          {"version", "2.0"},
          {"sign", "ignored"}};
}

TEST(SignatureTest, Md5MatchesMd5sum) {
  // C="apiVersion=01&channel=eba920d452d34adb8f2badb08b9e69bb&client=70374ddd0f3641368d419b2d93127b8f&version=2.0"
  // printf '%s%s%s' "$C" "$BODY" test-secret | md5sum
  EXPECT_EQ(ComputeSignature(SignMethod::kMd5, CanonicalQuery(SeedParams()), kBody, "test-secret"),
            "8fb9c9ef3ca13f0301b39582122fcfe7");
}

TEST(SignatureTest, HmacSha256MatchesOpensslDgst) {
  auto params = SeedParams();
  params.emplace_back("signMethod", "hmac-sha256");
  // C2="apiVersion=01&channel=...&client=...&signMethod=hmac-sha256&version=2.0"
  // printf '%s%s' "$C2" "$BODY" | openssl dgst -sha256 -hmac test-secret
  EXPECT_EQ(ComputeSignature(SignMethod::kHmacSha256, CanonicalQuery(params), kBody, "test-secret"),
            "53179d44aec36bfa384012be71e6e57c24281c426761869dc63f4a987bf0d950");
}

TEST(SignatureTest, PrimitivesMatchCommandLineTools) {
  EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");  // printf abc | md5sum
  // printf hello | openssl dgst -sha256 -hmac key
  EXPECT_EQ(HmacSha256Hex("key", "hello"),
            "9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b");
}

TEST(SignatureTest, ParsesMethodNames) {
  EXPECT_EQ(ParseSignMethod(nullptr), SignMethod::kMd5);
  std::string md5 = "md5", hmac = "hmac-sha256", other = "sha1";
  EXPECT_EQ(ParseSignMethod(&md5), SignMethod::kMd5);
  EXPECT_EQ(ParseSignMethod(&hmac), SignMethod::kHmacSha256);
  EXPECT_FALSE(ParseSignMethod(&other).has_value());
}

TEST(SignatureTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

}  // namespace
}  // namespace opchat
