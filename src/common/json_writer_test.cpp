#include "common/json_writer.hpp"

#include <gtest/gtest.h>

namespace opchat {
namespace {

TEST(JsonWriterTest, WritesNestedDocumentsWithCommas) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("a");
  w.Int(-1);
  w.Key("b");
  w.BeginArray();
  w.String("x");
  w.Null();
  w.Bool(true);
  w.BeginObject();
  w.EndObject();
  w.EndArray();
  w.Key("c");
  w.Double(31.2304);
  w.Key("d");
  w.Raw(R"({"k":[]})");
  w.EndObject();
  EXPECT_EQ(out, R"({"a":-1,"b":["x",null,true,{}],"c":31.2304,"d":{"k":[]}})");
}

TEST(JsonWriterTest, EscapesControlCharactersQuotesAndBackslashes) {
  std::string out;
  AppendJsonString(out, std::string("a\"b\\c\n\x01\0z", 9));
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001\u0000z")");
  out.clear();
  AppendJsonString(out, "黑胡椒");
  EXPECT_EQ(out, "\"黑胡椒\"");
}

TEST(JsonWriterTest, NonFiniteDoublesBecomeNull) {
  std::string out;
  JsonWriter w(out);
  w.Double(std::numeric_limits<double>::infinity());
  EXPECT_EQ(out, "null");
}

}  // namespace
}  // namespace opchat
