#include "domain/page.hpp"

#include <gtest/gtest.h>

namespace opchat {
namespace {

TEST(PageTest, AscendingPagesCoverPositionsInOrder) {
  PagePlan p1 = PlanPage(45, 1, 20, false);
  EXPECT_EQ(p1.range.first, 1);
  EXPECT_EQ(p1.range.last, 20);
  EXPECT_EQ(p1.start_index, 0);
  EXPECT_TRUE(p1.next);
  PagePlan p3 = PlanPage(45, 3, 20, false);
  EXPECT_EQ(p3.range.first, 41);
  EXPECT_EQ(p3.range.last, 45);
  EXPECT_EQ(p3.start_index, 40);
  EXPECT_FALSE(p3.next);
}

TEST(PageTest, PagePastTheEndIsEmpty) {
  PagePlan p = PlanPage(45, 4, 20, false);
  EXPECT_TRUE(p.range.empty());
  EXPECT_EQ(p.range.size(), 0);
  EXPECT_EQ(p.start_index, 60);
  EXPECT_FALSE(p.next);
  EXPECT_TRUE(PlanPage(0, 1, 20, false).range.empty());
}

TEST(PageTest, ExactMultipleHasNoNext) {
  EXPECT_FALSE(PlanPage(40, 2, 20, false).next);
  EXPECT_TRUE(PlanPage(41, 2, 20, false).next);
}

TEST(PageTest, DescendingPageOneIsTheNewest) {
  PagePlan p = PlanPage(45, 1, 20, true);
  EXPECT_EQ(p.range.first, 26);
  EXPECT_EQ(p.range.last, 45);
  EXPECT_TRUE(p.range.descending);
  PagePlan last = PlanPage(45, 3, 20, true);
  EXPECT_EQ(last.range.first, 1);
  EXPECT_EQ(last.range.last, 5);
  EXPECT_FALSE(last.next);
}

TEST(PageTest, AfterSeqResumesAfterAPosition) {
  PagePlan p = PlanAfter(45, 40, 20);
  EXPECT_EQ(p.range.first, 41);
  EXPECT_EQ(p.range.last, 45);
  EXPECT_EQ(p.start_index, 40);
  EXPECT_FALSE(p.next);
  EXPECT_TRUE(PlanAfter(45, 45, 20).range.empty());
  EXPECT_TRUE(PlanAfter(45, 100, 20).range.empty());
}

TEST(PageTest, HugePageNumbersDoNotOverflow) {
  PagePlan p = PlanPage(10, 2147483647, 100, false);
  EXPECT_TRUE(p.range.empty());
  EXPECT_GT(p.start_index, 0);
}

}  // namespace
}  // namespace opchat
