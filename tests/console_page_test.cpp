// The console's page at /console/ (docs/console.md): the files built into the binary, served with
// the security headers of every console answer, and nothing else. The page's answers are not
// API answers, so they are exchanged without being recorded for docs/openapi.yaml.
#include <gtest/gtest.h>

#include "test_server.hpp"

namespace opchat::testing {
namespace {

class ConsolePageTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { server_ = std::make_unique<TestServer>(GetParam()); }

  HttpResponse Page(const std::string& target, const std::string& method = "GET") {
    return Exchange(server_->port(), method + " " + target +
                                         " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                                         "Content-Length: 0\r\n\r\n");
  }

  static void ExpectSecurityHeaders(const HttpResponse& r) {
    const std::string csp = r.headers.count("content-security-policy")
                                ? r.headers.at("content-security-policy")
                                : std::string();
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe"), std::string::npos) << "no inline script or eval: " << csp;
    EXPECT_NE(csp.find("http://media.example.com"), std::string::npos) << "getUrl images";
    EXPECT_EQ(
        r.headers.count("x-content-type-options") ? r.headers.at("x-content-type-options") : "",
        "nosniff");
    EXPECT_EQ(r.headers.count("x-frame-options") ? r.headers.at("x-frame-options") : "", "DENY");
  }

  std::unique_ptr<TestServer> server_;
};

TEST_P(ConsolePageTest, ServesTheBuiltInPageWithItsSecurityHeaders) {
  HttpResponse index = Page("/console/");
  ASSERT_EQ(index.status, 200) << index.body;
  EXPECT_EQ(index.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<html"), std::string::npos);
  ExpectSecurityHeaders(index);
  // Every script the page loads is served, as JavaScript.
  size_t scripts = 0;
  for (size_t at = index.body.find("src=\"./"); at != std::string::npos;
       at = index.body.find("src=\"./", at + 1)) {
    size_t start = at + 7, end = index.body.find('"', start);
    const std::string name = index.body.substr(start, end - start);
    HttpResponse file = Page("/console/" + name);
    EXPECT_EQ(file.status, 200) << name;
    if (name.ends_with(".js")) {
      ++scripts;
      EXPECT_EQ(file.headers["content-type"], "text/javascript; charset=utf-8") << name;
    }
    ExpectSecurityHeaders(file);
  }
  EXPECT_GE(scripts, 1u);
  // The console's API answers carry the same headers.
  ExpectSecurityHeaders(Page("/console/api/me"));
}

TEST_P(ConsolePageTest, AnswersOnlyItsOwnFiles) {
  HttpResponse bare = Page("/console");
  EXPECT_EQ(bare.status, 308);
  EXPECT_EQ(bare.headers["location"], "/console/");
  EXPECT_EQ(bare.Json().at("code"), 308) << "the envelope, as every JSON answer";
  for (const char* target :
       {"/console/nothing.js", "/console/../docs/api.md", "/console/%2e%2e/x.js",
        "/console/.hidden.js", "/console/index.exe", "/console//app.js"}) {
    HttpResponse r = Page(target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.headers["content-type"], "application/json; charset=utf-8") << target;
  }
  HttpResponse posted = Page("/console/", "POST");
  EXPECT_EQ(posted.status, 405);
  EXPECT_EQ(posted.headers["allow"], "GET, HEAD");
}

INSTANTIATE_TEST_SUITE_P(BackEnds, ConsolePageTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat::testing
