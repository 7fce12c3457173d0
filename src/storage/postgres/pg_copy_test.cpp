#include "storage/postgres/pg_copy.hpp"

#include <gtest/gtest.h>

namespace opchat::postgres {
namespace {

TEST(CopyRowsTest, SeparatesValuesWithTabsAndEndsRowsWithNewlines) {
  CopyRows rows;
  rows.Add(int64_t{-42});
  rows.AddText("a");
  rows.Add(std::optional<std::string>());
  rows.Add(std::optional<int64_t>());
  rows.Add(std::optional<double>());
  rows.EndRow();
  rows.Add(std::optional<double>(0.1));
  rows.Add(std::optional<int64_t>(7));
  rows.EndRow();
  EXPECT_EQ(rows.Data(), "-42\ta\t\\N\t\\N\t\\N\n0.1\t7\n");
  EXPECT_EQ(rows.RowCount(), 2);
}

TEST(CopyRowsTest, EscapesWhatWouldEndAValueOrARow) {
  CopyRows rows;
  // A literal backslash-N must not read back as NULL; tabs, newlines and returns stay text.
  rows.AddText("\\N\ttab\nline\rret \"q\" 汉字");
  rows.EndRow();
  EXPECT_EQ(rows.Data(), "\\\\N\\ttab\\nline\\rret \"q\" 汉字\n");
  EXPECT_FALSE(rows.HasNul());
}

TEST(CopyRowsTest, RemembersANulItCannotSend) {
  CopyRows rows;
  rows.AddText(std::string("a\0b", 3));
  EXPECT_TRUE(rows.HasNul());
}

TEST(CopyRowsTest, AnEmptyTextIsNotNull) {
  CopyRows rows;
  rows.AddText("");
  rows.AddText("");
  rows.EndRow();
  EXPECT_EQ(rows.Data(), "\t\n");
}

}  // namespace
}  // namespace opchat::postgres
