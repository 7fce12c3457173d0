#include "import/easemob_source.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <fstream>
#include <random>

namespace opchat {
namespace {

class EasemobSourceTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text, bool gzip = false) {
    std::string path =
        ::testing::TempDir() + "/easemob_source_" + std::to_string(getpid()) + "_" + name;
    if (gzip) {
      gzFile f = gzopen(path.c_str(), "wb");
      gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
      gzclose(f);
    } else {
      std::ofstream(path, std::ios::binary) << text;
    }
    return path;
  }

  // "line:msg_id" of each record, "line:!" for each bad one.
  std::vector<std::string> ReadAll(const std::string& path) {
    auto source = EasemobSource::Open(path);
    EXPECT_TRUE(source.ok()) << source.status().message();
    std::vector<std::string> out;
    while (true) {
      auto item = (*source)->Next();
      EXPECT_TRUE(item.ok()) << item.status().message();
      if (!item.ok() || !*item) break;
      const auto& i = **item;
      out.push_back(std::to_string(i.line) + ":" +
                    (i.record ? std::string(i.record->at("msg_id").as_string()) : "!"));
    }
    EXPECT_EQ((*source)->consumed_bytes(), (*source)->total_bytes());
    return out;
  }
};

TEST_F(EasemobSourceTest, ReadsOneRecordPerLineSkippingBlankLinesAndReportingBadOnes) {
  std::string path =
      Write("lines.ndjson",
            "{\"msg_id\":\"a\"}\r\n\n{\"msg_id\":\"b\"}\nnot json\n[1]\n{\"msg_id\":\"c\"}");
  EXPECT_EQ(ReadAll(path), (std::vector<std::string>{"1:a", "3:b", "4:!", "5:!", "6:c"}));
}

TEST_F(EasemobSourceTest, ReadsGzipLikePlainText) {
  std::string text = "{\"msg_id\":\"a\"}\n{\"msg_id\":\"b\"}\n";
  std::string path = Write("lines.ndjson.gz", text, true);
  EXPECT_EQ(ReadAll(path), (std::vector<std::string>{"1:a", "2:b"}));
  // The name does not matter: the content is recognised.
  std::string named = Write("lines-gzip-without-suffix", text, true);
  EXPECT_EQ(ReadAll(named), (std::vector<std::string>{"1:a", "2:b"}));
}

TEST_F(EasemobSourceTest, ReadsTheRestResponseWithTheLineOfEachEntity) {
  std::string path =
      Write("rest.json",
            "{\n"
            "  \"action\": \"get\",\n"
            "  \"params\": {\"ql\": [\"select * where timestamp>1\"]},\n"
            "  \"entities\": [\n"
            "    {\n"
            "      \"msg_id\": \"a\", \"payload\": {\"bodies\": [{\"msg\": \"]}{\\\"\"}]}\n"
            "    },\n"
            "    3,\n"
            "    {\"msg_id\": \"b\"}\n"
            "  ],\n"
            "  \"cursor\": \"LTgz\", \"count\": 3\n"
            "}\n");
  EXPECT_EQ(ReadAll(path), (std::vector<std::string>{"5:a", "8:!", "9:b"}));
  std::string one_line =
      Write("rest-one-line.json", "{\"entities\":[{\"msg_id\":\"a\"},{\"msg_id\":\"b\"}]}");
  EXPECT_EQ(ReadAll(one_line), (std::vector<std::string>{"1:a", "1:b"}));
}

TEST_F(EasemobSourceTest, ReadsAJsonArrayAndAPrettyPrintedRecord) {
  std::string array = Write("array.json", "[\n{\"msg_id\":\"a\"},\n{\"msg_id\":\"b\"}\n]\n");
  EXPECT_EQ(ReadAll(array), (std::vector<std::string>{"2:a", "3:b"}));
  std::string pretty = Write("pretty.json", "\n{\n  \"msg_id\": \"a\"\n}\n");
  EXPECT_EQ(ReadAll(pretty), (std::vector<std::string>{"2:a"}));
}

TEST_F(EasemobSourceTest, AFileOfRecordsWithABrokenFirstLineIsStillReadByLine) {
  std::string path = Write("broken-first.ndjson", "{\"msg_id\":\n{\"msg_id\":\"b\"}\n");
  EXPECT_EQ(ReadAll(path), (std::vector<std::string>{"1:!", "2:b"}));
}

TEST_F(EasemobSourceTest, TruncatedGzipIsAnError) {
  std::string text;
  for (int i = 0; i < 2000; ++i)
    text += "{\"msg_id\":\"" + std::to_string(i) + "\",\"pad\":\"x\"}\n";
  std::string path = Write("truncated.gz", text, true);
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
  auto source = EasemobSource::Open(path);
  ASSERT_TRUE(source.ok());
  Status last;
  for (int i = 0; i < 10000; ++i) {
    auto item = (*source)->Next();
    if (!item.ok()) {
      last = item.status();
      break;
    }
    if (!*item) break;
  }
  EXPECT_FALSE(last.ok()) << "a cut gzip stream must not look like a complete file";
}

TEST_F(EasemobSourceTest, MissingFileIsInvalidArgument) {
  EXPECT_EQ(EasemobSource::Open("/nonexistent/x.json").status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(EasemobSourceTest, ArbitraryBytesNeverCrashTheReader) {
  std::mt19937 rng(42);
  const std::string alphabet = "{}[]\":,\\\n entities msg_id 0123456789\x1f\x8b\xff";
  for (int round = 0; round < 200; ++round) {
    std::string text;
    size_t n = rng() % 400;
    for (size_t i = 0; i < n; ++i) text += alphabet[rng() % alphabet.size()];
    RecordStartLines(text);
    auto source = EasemobSource::Open(Write("garbage", text, round % 3 == 0));
    ASSERT_TRUE(source.ok());
    for (int i = 0; i < 1000; ++i) {
      auto item = (*source)->Next();
      if (!item.ok() || !*item) break;
    }
  }
}

TEST(RecordStartLinesTest, FindsElementsOfEntitiesOnly) {
  EXPECT_EQ(RecordStartLines("{\"a\":[1,\n2],\"entities\":[\n{},\n\"}]\"\n,{}]}"),
            (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(RecordStartLines("[{}, {}]"), (std::vector<int64_t>{1, 1}));
  EXPECT_TRUE(RecordStartLines("{\"x\":{\"entities\":[{}]}}").empty());
  EXPECT_TRUE(RecordStartLines("{\"entities\":[]}").empty());
}

}  // namespace
}  // namespace opchat
