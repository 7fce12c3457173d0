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

}  // namespace
}  // namespace opchat
