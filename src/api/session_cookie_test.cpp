#include "api/session_cookie.hpp"

#include <gtest/gtest.h>

namespace opchat {
namespace {

TEST(SessionCookieTest, FindsTheSessionAmongOtherCookies) {
  EXPECT_EQ(SessionCookieValue("opchat_session=abc"), "abc");
  EXPECT_EQ(SessionCookieValue("a=1; opchat_session=abc; b=2"), "abc");
  EXPECT_EQ(SessionCookieValue("a=1;opchat_session=\"abc\""), "abc");
  EXPECT_EQ(SessionCookieValue("xopchat_session=abc; opchat_session_x=1"), "");
  EXPECT_EQ(SessionCookieValue(""), "");
  EXPECT_EQ(SessionCookieValue("opchat_session"), "");
  EXPECT_EQ(SessionCookieValue("opchat_session=first; opchat_session=second"), "first");
}

TEST(SessionCookieTest, SetCookieCarriesEveryProtection) {
  EXPECT_EQ(SessionSetCookie("tok", 43200, true),
            "opchat_session=tok; Max-Age=43200; Path=/; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(SessionSetCookie("tok", 60, false),
            "opchat_session=tok; Max-Age=60; Path=/; HttpOnly; SameSite=Strict");
  EXPECT_EQ(ClearedSessionCookie(true),
            "opchat_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict; Secure");
}

}  // namespace
}  // namespace opchat
