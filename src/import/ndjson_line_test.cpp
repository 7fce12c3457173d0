// The streaming reader of NDJSON lines must agree with the tree reader on every line: same
// record, or the same error (which the tree reader decides). Held against each other on
// hand-picked lines and on random ones.
#include "import/ndjson_line.hpp"

#include <gtest/gtest.h>

#include <random>
#include <sstream>

namespace opchat {
namespace {

std::string Describe(const ImportRecord& r) {
  std::ostringstream o;
  auto opt = [&](const auto& v) {
    if (v) {
      o << "[" << *v << "]";
    } else {
      o << "-";
    }
    o << "|";
  };
  const Chat& c = r.chat;
  o << c.id << "|" << c.channel << "|" << c.user_id << "|";
  opt(c.operator_id);
  o << static_cast<int>(c.status) << "|" << c.ext << "|" << c.message_count << "|" << c.created_ms
    << "|" << c.updated_ms << "|";
  opt(c.last_message_ms);
  const Message& m = r.message;
  o << m.seq << "|" << m.user_message_id << "|" << m.from << "|" << m.to << "|" << m.type << "|";
  for (const auto* s :
       {&m.msg, &m.url, &m.filename, &m.thumb, &m.secret, &m.thumb_secret, &m.addr, &m.key})
    opt(*s);
  opt(m.length);
  opt(m.file_length);
  opt(m.lat);
  opt(m.lng);
  o << m.create_ms << "|" << m.ext;
  return o.str();
}

// Reads `line` both ways; expects the same outcome. Returns whether the streaming reader took it.
bool ExpectSameReading(const std::string& line, const std::string& default_channel = "") {
  NdjsonLineReader reader(default_channel);
  ImportRecord by_tree, by_read, by_stream;
  Status tree = reader.ReadTree(line, by_tree);
  Status read = reader.Read(line, by_read);
  EXPECT_EQ(read.ok(), tree.ok()) << line;
  EXPECT_EQ(read.message(), tree.message()) << line;
  if (tree.ok() && read.ok()) {
    EXPECT_EQ(Describe(by_read), Describe(by_tree)) << line;
  }
  const bool streamed = reader.TryStreaming(line, by_stream);
  if (streamed) {
    EXPECT_TRUE(tree.ok()) << "streaming took a line the tree reader refuses: " << line;
    EXPECT_EQ(Describe(by_stream), Describe(by_tree)) << line;
  }
  return streamed;
}

const std::string kLine =
    R"({"chatId":"c-1","channel":"ch","chatStatus":3,"userId":"u-1","operatorId":"op-1",)"
    R"("userMessageId":"m-1","from":"u-1","to":"op-1","type":"txt","msg":"你好，我要退款",)"
    R"("url":null,"filename":null,"thumb":null,"secret":null,"thumb_secret":null,"length":null,)"
    R"("file_length":null,"addr":null,"lat":null,"lng":null,"createTime":1704038400000,"ext":{}})";

TEST(NdjsonLineTest, TheCommonShapeIsStreamedAndAgrees) {
  EXPECT_TRUE(ExpectSameReading(kLine));
  std::string with_ext = kLine;
  with_ext.replace(with_ext.find(R"("ext":{})"), 8,
                   R"("ext":{"source":"web","n":-3,"big":18446744073709551615,"ok":true,)"
                   R"("none":null,"list":[1,"a\"b",[],{}],"deep":{"k\\":"\u0001\u001b\t\/é"}})");
  EXPECT_TRUE(ExpectSameReading(with_ext));
}

TEST(NdjsonLineTest, EveryBodyTypeAgrees) {
  const std::vector<std::string> lines = {
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"1","form":"u","type":"img","url":"http://m/a.jpg","thumb":"http://m/t.jpg","secret":"s","thumb_secret":"t","timestamp":5})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"2","from":"u","type":"audio","url":"http://m/a.amr","length":12,"file_length":3456,"createTime":"2024-01-01 08:00:00"})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"3","from":"u","type":"loc","addr":"上海","lat":31.2,"lng":121,"createTime":0})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"4","from":"u","type":"file","key":"f/a.pdf","filename":"a.pdf","createTime":7})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"5","from":"u","type":"cmd","msg":"x","chatExt":{"vip":1},"createTime":7})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"6","from":"u","type":"custom","ext":{"card":{"id":1}},"createTime":7})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"7","from":"u","type":"video","url":"http://m/v","chatStatus":30,"getUrl":"x","seq":4,"createTime":7})",
  };
  for (const auto& line : lines) EXPECT_TRUE(ExpectSameReading(line)) << line;
}

TEST(NdjsonLineTest, WhatOnlyTheTreeReaderJudgesAgreesToo) {
  const std::vector<std::string> lines = {
      "",
      "[]",
      "{",
      "null",
      R"({"chatId":"c"} x)",
      kLine + " ",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"1","from":"u","type":"txt","msg":"a","length":"12","createTime":"7"})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"1","from":"u","type":"txt","msg":"a","createTime":7,"ext":{"d":1.5}})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"1","from":"u","type":"txt","msg":"a","createTime":7,"ext":{"a":1,"a":2}})",
      R"({"chatId":"c","chatId":"d","channel":"ch","userId":"u","userMessageId":"1","from":"u","type":"txt","msg":"a","createTime":7})",
      R"({"chatId":"c","channel":"","userId":"u","userMessageId":"1","from":"u","type":"txt","msg":"a","createTime":7})",
      R"({"chatId":"c","userId":"u","userMessageId":"1","from":"u","type":"txt","msg":"a","createTime":7})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"1","from":"","type":"txt","msg":"a","createTime":7})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"1","from":"u","type":"txt","createTime":7})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"1","from":"u","type":"txt","msg":"a","createTime":"yesterday"})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"1","from":"u","type":"loc","lat":91,"lng":0,"createTime":7})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"1","from":"u","type":"txt","msg":"a\u0000b","createTime":7})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"1","from":"u","type":"nope","createTime":7})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"1","from":"u","type":"txt","msg":"a","chatStatus":2,"createTime":7})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"1","from":"u","type":"txt","msg":"a","ext":[],"createTime":7})",
      R"({"chatId":"c","channel":"ch","userId":"u","userMessageId":"1","from":"u","type":"txt","msg":["a"],"createTime":7})",
      "{\"chatId\":\"c\xff\",\"channel\":\"ch\",\"userId\":\"u\",\"userMessageId\":\"1\",\"from\":"
      "\"u\",\"type\":\"txt\",\"msg\":\"a\",\"createTime\":7}",
  };
  for (const auto& line : lines) ExpectSameReading(line);
  // A line without a channel takes the default one.
  EXPECT_TRUE(ExpectSameReading(
      R"({"chatId":"c","userId":"u","userMessageId":"1","from":"u","type":"txt","msg":"a","createTime":7})",
      "default-channel"));
}

// Random lines: each key absent, or one of a set of values of every JSON kind.
TEST(NdjsonLineTest, RandomLinesAgree) {
  std::mt19937 rng(20241126);
  const std::vector<std::string> keys = {
      "chatId",   "channel", "chatStatus", "chatExt",      "userId", "operatorId",  "userMessageId",
      "from",     "form",    "to",         "type",         "msg",    "url",         "key",
      "filename", "thumb",   "secret",     "thumb_secret", "length", "file_length", "addr",
      "lat",      "lng",     "createTime", "timestamp",    "ext",    "other"};
  const std::vector<std::string> scalars = {"null",
                                            "\"\"",
                                            "\"a\"",
                                            "\"退款\"",
                                            "\"q\\\"\\\\\\n\\u001b\"",
                                            "0",
                                            "-1",
                                            "3",
                                            "30",
                                            "1704038400000",
                                            "18446744073709551615",
                                            "2.5",
                                            "-0.0",
                                            "1e3",
                                            "true",
                                            "\"12\"",
                                            "\"2024-02-03 04:05:06\"",
                                            "\"txt\"",
                                            "\"img\"",
                                            "\"loc\"",
                                            "\"custom\"",
                                            "[]",
                                            "[1,{}]",
                                            "{}",
                                            "{\"a\":[true,null,\"\\t\\u001f\"],\"b\":{\"c\":-7}}",
                                            "{\"x\":1.25}",
                                            "{\"d\":1,\"d\":2}"};
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  int streamed = 0;
  for (int i = 0; i < 4000; ++i) {
    // Start from a valid line and change a few keys, so that both outcomes are common.
    std::vector<std::pair<std::string, std::string>> fields = {
        {"chatId", "\"c\""}, {"channel", "\"ch\""}, {"userId", "\"u\""}, {"userMessageId", "\"1\""},
        {"from", "\"u\""},   {"type", "\"txt\""},   {"msg", "\"a\""},    {"createTime", "7"}};
    const int changes = 1 + static_cast<int>(rng() % 3);
    for (int c = 0; c < changes; ++c) {
      const std::string key = pick(keys);
      const bool drop = rng() % 5 == 0;
      bool found = false;
      for (auto it = fields.begin(); it != fields.end(); ++it) {
        if (it->first != key) continue;
        found = true;
        if (drop) {
          fields.erase(it);
        } else {
          it->second = pick(scalars);
        }
        break;
      }
      if (!found && !drop) fields.emplace_back(key, pick(scalars));
    }
    std::shuffle(fields.begin(), fields.end(), rng);
    std::string line = "{";
    for (const auto& [k, v] : fields) line += (line.size() > 1 ? "," : "") + ("\"" + k + "\":" + v);
    line += "}";
    if (ExpectSameReading(line)) ++streamed;
  }
  EXPECT_GT(streamed, 500);  // the streaming reader was put to the test
}

}  // namespace
}  // namespace opchat
