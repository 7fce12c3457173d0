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

TEST(JsonWriterTest, FastPathEscapesAtEveryPosition) {
  // The writer skips 8 clean bytes at a time: a special character at any offset of a long
  // string must still be escaped.
  for (char special : {'"', '\\', '\n', '\x1f'}) {
    for (size_t pos = 0; pos < 40; ++pos) {
      std::string text(40, 'a');
      text[pos] = special;
      std::string expected = "\"" + text.substr(0, pos);
      expected += special == '"'    ? "\\\""
                  : special == '\\' ? "\\\\"
                  : special == '\n' ? "\\n"
                                    : "\\u001f";
      expected += text.substr(pos + 1) + "\"";
      std::string out;
      AppendJsonString(out, text);
      EXPECT_EQ(out, expected) << "position " << pos;
    }
  }
  std::string out;
  AppendJsonString(out, "您好，请问订单什么时候发货？");  // bytes >= 0x80 never need escaping
  EXPECT_EQ(out, "\"您好，请问订单什么时候发货？\"");
}

TEST(JsonWriterTest, NonFiniteDoublesBecomeNull) {
  std::string out;
  JsonWriter w(out);
  w.Double(std::numeric_limits<double>::infinity());
  EXPECT_EQ(out, "null");
}

}  // namespace
}  // namespace opchat
