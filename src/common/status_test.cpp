#include "common/status.hpp"

#include <gtest/gtest.h>

namespace opchat {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return Status::InvalidArgument("odd");
  return v / 2;
}

Status CheckEven(int v) { return v % 2 == 0 ? Status::Ok() : Status::InvalidArgument("odd"); }

Result<int> Quarter(int v) {
  ASSIGN_OR_RETURN(int half, Half(v));
  ASSIGN_OR_RETURN(half, Half(half));
  return half;
}

Status BothEven(int a, int b) {
  RETURN_IF_ERROR(CheckEven(a));
  RETURN_IF_ERROR(Half(b));  // a Result's status, from a temporary
  return Status::Ok();
}

TEST(StatusTest, AssignOrReturnPassesValuesAndFailures) {
  EXPECT_EQ(*Quarter(12), 3);
  EXPECT_EQ(Quarter(6).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Quarter(5).status().message(), "odd");
}

TEST(StatusTest, ReturnIfErrorTakesStatusesAndResults) {
  EXPECT_TRUE(BothEven(2, 4).ok());
  EXPECT_FALSE(BothEven(1, 4).ok());
  EXPECT_FALSE(BothEven(2, 3).ok());
}

#ifndef NDEBUG
TEST(StatusDeathTest, ContractsAreCheckedInDebugBuilds) {
  EXPECT_DEATH({ Result<int> r(Status::Ok()); }, "OK Status");
  EXPECT_DEATH({ (void)*Result<int>(Status::Internal("x")); }, "failed Result");
}
#endif

}  // namespace
}  // namespace opchat
