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

constexpr SignedTarget kHistory = {"POST", "/op/v2/operatorToUserChatMessages"};

TEST(SignatureTest, Md5MatchesMd5sum) {
  // C="apiVersion=01&channel=eba920d452d34adb8f2badb08b9e69bb&client=70374ddd0f3641368d419b2d93127b8f&version=2.0"
  // printf '%s%s%s' "$C" "$BODY" test-secret | md5sum
  EXPECT_EQ(ComputeSignature(SignMethod::kMd5, kHistory, CanonicalQuery(SeedParams()), kBody,
                             "test-secret"),
            "8fb9c9ef3ca13f0301b39582122fcfe7");
}

TEST(SignatureTest, Md5IgnoresTheTargetAsTheOriginalApiDoes) {
  EXPECT_EQ(ComputeSignature(SignMethod::kMd5, {"POST", "/op/v2/deleteChat"},
                             CanonicalQuery(SeedParams()), kBody, "test-secret"),
            "8fb9c9ef3ca13f0301b39582122fcfe7");
}

QueryParams StampedHmacParams() {
  auto params = SeedParams();
  params.emplace_back("signMethod", "hmac-sha256");
  params.emplace_back("timestamp", "1795659046607");
  params.emplace_back("nonce", "7f3a9c0d2e41b8a6");
  return params;
}

TEST(SignatureTest, HmacSha256CoversMethodAndPathAsOpensslDgst) {
  // C2="apiVersion=01&channel=eba920d452d34adb8f2badb08b9e69bb&client=70374ddd0f3641368d419b2d93127b8f&nonce=7f3a9c0d2e41b8a6&signMethod=hmac-sha256&timestamp=1795659046607&version=2.0"
  // printf 'POST\n/op/v2/operatorToUserChatMessages\n%s%s' "$C2" "$BODY" | openssl dgst -sha256
  // -hmac test-secret
  EXPECT_EQ(ComputeSignature(SignMethod::kHmacSha256, kHistory, CanonicalQuery(StampedHmacParams()),
                             kBody, "test-secret"),
            "bb57d6246a20dd3a13122a93e357436cc3f5ed468e9f69cfac29a12fba011998");
  // printf 'POST\n/op/v2/deleteChat\n%s%s' "$C2" "$BODY" | openssl dgst -sha256 -hmac test-secret
  EXPECT_EQ(ComputeSignature(SignMethod::kHmacSha256, {"POST", "/op/v2/deleteChat"},
                             CanonicalQuery(StampedHmacParams()), kBody, "test-secret"),
            "af862a27f92db7cdb94dea041d3d06b75919263e995effd45d97c3c2bcf551ee");
}

TEST(SignatureTest, WriteVectorsOfTheApiReference) {
  // docs/api.md, "Signing": endChat with timestamp 1795659046607 and nonce 7f3a9c0d2e41b8a6.
  const std::string body = R"({"chatId":"u000103b6237d8f94447ab3bd6cbe9c89d70a"})";
  QueryParams params = {{"apiVersion", "01"},
                        {"client", "70374ddd0f3641368d419b2d93127b8f"},
                        {"channel", "eba920d452d34adb8f2badb08b9e69bb"},
                        {"version", "2.0"},
                        {"timestamp", "1795659046607"},
                        {"nonce", "7f3a9c0d2e41b8a6"}};
  const SignedTarget end_chat = {"POST", "/op/v2/endChat"};
  // printf '%s%s%s' "$C3" "$W" test-secret | md5sum
  EXPECT_EQ(
      ComputeSignature(SignMethod::kMd5, end_chat, CanonicalQuery(params), body, "test-secret"),
      "a9625120c87443422018926184f32ced");
  params.emplace_back("signMethod", "hmac-sha256");
  // printf 'POST\n/op/v2/endChat\n%s%s' "$C4" "$W" | openssl dgst -sha256 -hmac test-secret
  EXPECT_EQ(ComputeSignature(SignMethod::kHmacSha256, end_chat, CanonicalQuery(params), body,
                             "test-secret"),
            "6c5b3dbc01ab47c9693fd0b4f93682f1cdb4706543c3cba501ac71e52fd722f7");
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
