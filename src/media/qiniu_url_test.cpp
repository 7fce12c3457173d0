#include "media/qiniu_url.hpp"

#include <gtest/gtest.h>

namespace opchat {
namespace {

MediaSettings Bench() {
  return {"http://media.example.com", "bench-access-key", "bench-secret-key", 3600,
          "imageView2/1/w/200/h/200"};
}

TEST(QiniuUrlTest, FileUrlMatchesOpensslHmacSha1) {
  QiniuUrlSigner signer(Bench());
  // U='http://media.example.com/demo/%E5%8F%91%E7%A5%A8%202016-02.pdf?e=1700003600'
  // printf '%s' "$U" | openssl dgst -sha1 -hmac bench-secret-key -binary | base64 | tr '+/' '-_'
  EXPECT_EQ(signer.Sign("demo/发票 2016-02.pdf", false, 1700000000),
            "http://media.example.com/demo/%E5%8F%91%E7%A5%A8%202016-02.pdf?e=1700003600"
            "&token=bench-access-key:V8xSOBMnLLWqSKTx8hWbi82EOD0=");
}

TEST(QiniuUrlTest, ImageGetsProcessingBeforeDeadline) {
  QiniuUrlSigner signer(Bench());
  // U2='http://media.example.com/chat/a%20b.jpg?imageView2/1/w/200/h/200&e=1700003600'
  // printf '%s' "$U2" | openssl dgst -sha1 -hmac bench-secret-key -binary | base64 | tr '+/' '-_'
  EXPECT_EQ(signer.Sign("chat/a b.jpg", true, 1700000000),
            "http://media.example.com/chat/a%20b.jpg?imageView2/1/w/200/h/200&e=1700003600"
            "&token=bench-access-key:JIwlVIlPAW-ryI1Qxu0TCJ8Sx-Q=");
}

TEST(QiniuUrlTest, EscapesKeysLikeAUrlPath) {
  // Expected values: node -e 'console.log(new URL("http://x/"+k).pathname)'
  EXPECT_EQ(EscapeObjectKey("发票 2016-02.pdf"), "%E5%8F%91%E7%A5%A8%202016-02.pdf");
  EXPECT_EQ(EscapeObjectKey("a%20b/c d.jpg"), "a%20b/c%20d.jpg");
  EXPECT_EQ(EscapeObjectKey("x(1)+y@z!.png"), "x(1)+y@z!.png");
  EXPECT_EQ(EscapeObjectKey("a\"b<c>.jpg"), "a%22b%3Cc%3E.jpg");
  // A lone "%" is no valid escape, so it is escaped itself (browsers would leave it invalid).
  EXPECT_EQ(EscapeObjectKey("100%.jpg"), "100%25.jpg");
}

TEST(QiniuUrlTest, ObjectKeyComesFromKeyElseUrlPath) {
  EXPECT_EQ(ObjectKeyOf(std::string("k/1.jpg"), std::string("http://h/other.jpg")), "k/1.jpg");
  EXPECT_EQ(ObjectKeyOf(std::nullopt, std::string("http://h.example.com/a/b.jpg?x=1")), "a/b.jpg");
  EXPECT_EQ(ObjectKeyOf(std::nullopt, std::string("/a/b.jpg")), "a/b.jpg");
  EXPECT_FALSE(ObjectKeyOf(std::nullopt, std::nullopt).has_value());
  EXPECT_FALSE(ObjectKeyOf(std::nullopt, std::string("http://h.example.com/")).has_value());
}

TEST(QiniuUrlTest, SafeKeysNameOneObjectAndNothingElse) {
  EXPECT_TRUE(IsSafeObjectKey("tenantA/invoices/2026-11.pdf"));
  EXPECT_TRUE(IsSafeObjectKey("a..b/c.pdf")) << "dots inside a name are fine";
  EXPECT_TRUE(IsSafeObjectKey("发票 2016-02.pdf"));
  EXPECT_FALSE(IsSafeObjectKey(""));
  EXPECT_FALSE(IsSafeObjectKey("tenantA/../tenantB/x.pdf"));
  EXPECT_FALSE(IsSafeObjectKey(".."));
  EXPECT_FALSE(IsSafeObjectKey("a/%2e%2E/b"));
  EXPECT_FALSE(IsSafeObjectKey("a/.%2e/b"));
  EXPECT_FALSE(IsSafeObjectKey("tenantB/x.pdf?e=9999999999"));
  EXPECT_FALSE(IsSafeObjectKey("x.pdf#frag"));
  EXPECT_FALSE(IsSafeObjectKey(std::string("x\x01.pdf")));
  EXPECT_FALSE(IsSafeObjectKey("x\x7f.pdf"));
}

TEST(QiniuUrlTest, ChannelSignsOnlyWithinItsPrefixes) {
  MediaSettings settings = Bench();
  settings.channel_key_prefixes["a"] = {"tenantA/"};
  QiniuUrlSigner signer(settings);
  ChannelMedia a = signer.ForChannel("a");
  EXPECT_TRUE(a.Allows("tenantA/x.pdf"));
  EXPECT_FALSE(a.Allows("tenantB/x.pdf"));
  EXPECT_FALSE(a.Allows("tenantA/../tenantB/x.pdf"));
  EXPECT_FALSE(a.Sign("tenantB/x.pdf", false, 1'700'000'000).has_value());
  EXPECT_EQ(a.Sign("tenantA/x.pdf", false, 1'700'000'000),
            signer.Sign("tenantA/x.pdf", false, 1'700'000'000));
  ChannelMedia unlisted = signer.ForChannel("b");
  EXPECT_TRUE(unlisted.Allows("tenantB/x.pdf")) << "a channel without prefixes is not limited";
  EXPECT_FALSE(ChannelMedia(nullptr, nullptr).Sign("k.pdf", false, 0).has_value());
}

}  // namespace
}  // namespace opchat
