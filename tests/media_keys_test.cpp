// Tenants share a bucket: a channel gets URLs signed only for its own keys (docs/api.md,
// "Media URLs"), over real HTTP.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "test_server.hpp"

namespace opchat::testing {
namespace {

class MediaKeysTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>(
        GetParam(), "[media.channels]\ntenant-a = [\"tenantA/\", \"shared/tenantA/\"]\n");
    cred_ = server_->AddClient({"tenant-a"});
    chat_ = CreateChat(server_->port(), cred_);
  }
  HttpResponse SendFile(const std::string& fields) {
    return Call(server_->port(), cred_, "sendMessage",
                R"({"chatId":")" + chat_ + R"(","direction":"userToOperator","type":"file",)" +
                    fields + "}");
  }

  std::unique_ptr<TestServer> server_;
  Credential cred_;
  std::string chat_;
};

TEST_P(MediaKeysTest, ExplicitKeyOutsideTheChannelsPrefixesIsRefused) {
  auto theirs = SendFile(R"("key":"tenantB/invoices/2026-11.pdf")");
  EXPECT_EQ(theirs.status, 400) << theirs.body;
  EXPECT_NE(theirs.body.find("key"), std::string::npos);
  auto ours = SendFile(R"("key":"tenantA/invoices/2026-11.pdf")");
  ASSERT_EQ(ours.status, 200) << ours.body;
  std::string url(ours.Json().at("data").at("getUrl").as_string());
  EXPECT_EQ(url.rfind("http://media.example.com/tenantA/invoices/2026-11.pdf?e=", 0), 0u) << url;
}

TEST_P(MediaKeysTest, KeysThatCouldNameAnotherPathOrQueryAreRefused) {
  for (const char* key :
       {"tenantA/../tenantB/x.pdf", "tenantA/%2e%2e/tenantB/x.pdf", "tenantA/x.pdf?e=9999999999",
        "tenantA/x.pdf#frag", "tenantA/x\\u0001.pdf"}) {
    auto r = SendFile(std::string(R"("key":")") + key + "\"");
    EXPECT_EQ(r.status, 400) << key << ": " << r.body;
  }
}

TEST_P(MediaKeysTest, UrlOutsideThePrefixesIsStoredWithoutAGetUrl) {
  auto r = SendFile(R"("url":"http://media.example.com/tenantB/photo.jpg")");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.Json().at("data").at("getUrl").is_null()) << r.body;
  auto history = AllMessages(server_->port(), cred_, chat_);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_TRUE(history[0].at("getUrl").is_null());
}

TEST_P(MediaKeysTest, ChannelWithoutPrefixesSignsAnySafeKey) {
  Credential other = server_->AddClient();  // a channel not listed in [media.channels]
  std::string chat = CreateChat(server_->port(), other);
  auto r = Call(server_->port(), other, "sendMessage",
                R"({"chatId":")" + chat +
                    R"(","direction":"userToOperator","type":"file","key":"tenantB/x.pdf"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.Json().at("data").at("getUrl").is_string());
  auto query = Call(server_->port(), other, "sendMessage",
                    R"({"chatId":")" + chat +
                        R"(","direction":"userToOperator","type":"file","key":"x.pdf?e=1"})");
  EXPECT_EQ(query.status, 400) << "a key may never carry its own query";
}

INSTANTIATE_TEST_SUITE_P(BackEnds, MediaKeysTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat::testing
