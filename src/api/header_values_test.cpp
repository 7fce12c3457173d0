// The comparisons of header values the API makes: media types and Origin against Host, where
// case does not count (RFC 9110 §8.3.1; RFC 6454 §6.1 host names).
#include <gtest/gtest.h>

#include "api/handlers.hpp"
#include "api/session_auth.hpp"

namespace opchat {
namespace {

TEST(HeaderValuesTest, JsonContentTypeInAnyCaseWithParameters) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType("Application/JSON; charset=utf-8"));
  EXPECT_FALSE(IsJsonContentType("application/jsonx"));
  EXPECT_FALSE(IsJsonContentType("application/x-www-form-urlencoded"));
  EXPECT_FALSE(IsJsonContentType(""));
  EXPECT_TRUE(EqualsIgnoringAsciiCase("Shop.Example", "shop.example"));
  EXPECT_FALSE(EqualsIgnoringAsciiCase("shop.example", "shop.example:8080"));
}

TEST(HeaderValuesTest, OriginMustNameTheHostItWasSentTo) {
  ApiRequest r;
  r.host = "Console.Example:8443";
  EXPECT_TRUE(CheckSameOrigin(r).ok()) << "no Origin: a same-origin GET, or not a browser";
  r.origin = "https://console.example:8443";
  EXPECT_TRUE(CheckSameOrigin(r).ok());
  for (std::string_view other : {"https://console.example", "https://evil.example:8443", "null",
                                 "https://console.example:8443.evil.example", "https://"}) {
    r.origin = other;
    EXPECT_EQ(CheckSameOrigin(r).code(), StatusCode::kPermissionDenied) << other;
  }
}

}  // namespace
}  // namespace opchat
