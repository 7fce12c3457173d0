#include "webhooks/standard_webhooks.hpp"

#include <gtest/gtest.h>

#include "common/crypto.hpp"
#include "domain/event.hpp"
#include "media/qiniu_url.hpp"
#include "webhooks/webhook_request.hpp"

namespace opchat {
namespace {

// The example of the Standard Webhooks specification (spec/standard-webhooks.md), checked with
// OpenSSL:
//   printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' |
//     openssl dgst -sha256 -mac HMAC -binary \
//       -macopt hexkey:$(printf MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw | base64 -d | xxd -p -c 256) |
//     base64
//   -> g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
TEST(StandardWebhooks, SignsTheSpecificationsExample) {
  auto key = WebhookSecretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(
      SignWebhook(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", R"({"test": 2432232314})"),
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(StandardWebhooks, NewSecretsAreWhsecAndThirtyTwoRandomBytes) {
  const std::string a = NewWebhookSecret();
  const std::string b = NewWebhookSecret();
  EXPECT_NE(a, b);
  ASSERT_TRUE(a.starts_with("whsec_"));
  auto key = WebhookSecretKey(a);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->size(), 32u);
}

TEST(StandardWebhooks, RefusesWhatIsNotASecret) {
  EXPECT_FALSE(WebhookSecretKey("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));  // no prefix
  EXPECT_FALSE(WebhookSecretKey("whsec_not base64!"));
  EXPECT_FALSE(WebhookSecretKey("whsec_YWJj"));  // 3 bytes: too short to be a key
  EXPECT_FALSE(WebhookSecretKey(""));
}

TEST(Base64, DecodesWhatItEncodes) {
  for (std::string s : {"", "a", "ab", "abc", "abcd", "\xff\x00\x10 binary"}) {
    auto back = DecodeBase64(Base64(s));
    ASSERT_TRUE(back.has_value()) << s;
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(DecodeBase64("abc"));   // length
  EXPECT_FALSE(DecodeBase64("a=bc"));  // padding inside
  EXPECT_FALSE(DecodeBase64("ab=c"));  // "x=y" is not padding
  EXPECT_FALSE(DecodeBase64("ab-_"));  // the URL-safe alphabet
}

TEST(WebhookRequest, SignsIdTimestampAndBodyWithEachKey) {
  Event event;
  event.id = 42;
  event.type = EventType::kChatCreated;
  event.channel = "shop";
  event.chat_id = "c1";
  event.time_ms = 1764576408123;  // 2025-12-01T08:06:48.123Z (date -u -d @1764576408)
  Chat chat;
  chat.channel = "shop";
  chat.id = "c1";
  chat.user_id = "u1";
  event.chat = chat;
  QiniuUrlSigner signer(MediaSettings{});
  SigningKeys keys{"0123456789abcdef", std::string("fedcba9876543210")};
  OutboundRequest r =
      BuildWebhookRequest("https://example.com/hook", event, keys, signer.ForChannel("shop"),
                          1764576500000, std::chrono::milliseconds(1500));
  EXPECT_EQ(r.url, "https://example.com/hook");
  EXPECT_EQ(r.timeout, std::chrono::milliseconds(1500));
  ASSERT_EQ(r.headers.size(), 3u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"webhook-id", "42"}));
  EXPECT_EQ(r.headers[1], (std::pair<std::string, std::string>{"webhook-timestamp", "1764576500"}));
  EXPECT_EQ(r.headers[2].second, SignWebhook("0123456789abcdef", "42", "1764576500", r.body) + " " +
                                     SignWebhook("fedcba9876543210", "42", "1764576500", r.body));
  EXPECT_TRUE(r.body.starts_with(
      R"({"type":"chat.created","timestamp":"2025-12-01T08:06:48.123Z","data":{)"))
      << r.body;
}

}  // namespace
}  // namespace opchat
