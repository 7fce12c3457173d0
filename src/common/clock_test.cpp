#include "common/clock.hpp"

#include <gtest/gtest.h>

namespace opchat {
namespace {

class ClockTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(SetProcessTimeZone("Asia/Shanghai").ok()); }
};

TEST_F(ClockTest, FormatsInConfiguredZone) {
  // date -u -d @1455853380 -> 2016-02-19 03:43:00 UTC = 11:43:00 in Shanghai
  EXPECT_EQ(FormatLocalTime(1455853380000), "2016-02-19 11:43:00");
  EXPECT_EQ(ZoneOffsetString(1455853380000), "+08:00");
}

TEST_F(ClockTest, ParseIsTheInverseOfFormat) {
  auto ms = ParseLocalTime("2016-02-19 18:43:00");
  ASSERT_TRUE(ms.has_value());
  EXPECT_EQ(FormatLocalTime(*ms), "2016-02-19 18:43:00");
  EXPECT_EQ(*ms, 1455878580000);  // date -d '2016-02-19 18:43:00 +0800' +%s
}

TEST_F(ClockTest, RejectsMalformedTimes) {
  EXPECT_FALSE(ParseLocalTime("2016-02-30 10:00:00").has_value());
  EXPECT_FALSE(ParseLocalTime("2016-2-19 10:00:00").has_value());
  EXPECT_FALSE(ParseLocalTime("2016-02-19T10:00:00").has_value());
  EXPECT_FALSE(ParseLocalTime("2016-02-19 24:00:00").has_value());
  EXPECT_FALSE(ParseLocalTime("").has_value());
}

TEST_F(ClockTest, OtherZonesAndDaylightSaving) {
  ASSERT_TRUE(SetProcessTimeZone("America/New_York").ok());
  // 2024-07-01T12:00:00Z is 08:00 EDT; 2024-01-01T12:00:00Z is 07:00 EST.
  EXPECT_EQ(FormatLocalTime(1719835200000), "2024-07-01 08:00:00");
  EXPECT_EQ(ZoneOffsetString(1719835200000), "-04:00");
  EXPECT_EQ(FormatLocalTime(1704110400000), "2024-01-01 07:00:00");
  EXPECT_FALSE(SetProcessTimeZone("Mars/Olympus").ok());
}

}  // namespace
}  // namespace opchat
