#include "transcript/transcript.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "common/clock.hpp"
#include "transcript/transcript_parts.hpp"

namespace opchat {
namespace {

class TranscriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(SetProcessTimeZone("Asia/Shanghai").ok());
    chat_.id = "u0001abc";
    chat_.channel = "shop";
    chat_.user_id = "u_a";
    chat_.operator_id = "kf_1";
    chat_.status = ChatStatus::kEnded;
    chat_.created_ms = 1455853380000;
    Message hello;
    hello.seq = 1;
    hello.user_message_id = "m1";
    hello.from = "u_a";
    hello.to = "kf_1";
    hello.type = "txt";
    hello.msg = "<script>alert('x')</script> & \"退款\"";
    hello.create_ms = 1455853380000;  // 2016-02-19 11:43:00 +08:00
    Message img = hello;
    img.seq = 2;
    img.user_message_id = "m2";
    img.from = "kf_1";
    img.to = "u_a";
    img.type = "img";
    img.msg.reset();
    img.url = "javascript:alert(1)";  // never used as a link: only the signed getUrl is
    img.key = "k/a.jpg";
    img.filename = "a\".jpg";
    img.file_length = 2048;
    Message formula = hello;
    formula.seq = 3;
    formula.user_message_id = "m3";
    formula.msg = "=HYPERLINK(\"http://evil\",\"点我\")";
    Message loc = hello;
    loc.seq = 4;
    loc.user_message_id = "m4";
    loc.type = "loc";
    loc.msg.reset();
    loc.addr = "上海, \"浦东\"";
    loc.lat = 31.2304;
    loc.lng = 121.4737;
    messages_ = {hello, img, formula, loc};
  }

  std::string Render(TranscriptFormat format) {
    auto r = MakeTranscriptRenderer(format, {signer_.ForChannel("ch"), 1000});
    std::string out;
    r->Begin(chat_, out);
    for (const auto& m : messages_) r->Add(m, out);
    r->End(out);
    return out;
  }

  QiniuUrlSigner signer_{
      MediaSettings{"http://m.example.com", "ak", "sk", 3600, "imageView2/1/w/200"}};
  Chat chat_;
  std::vector<Message> messages_;
};

TEST_F(TranscriptTest, FormatNames) {
  EXPECT_EQ(ParseTranscriptFormat("csv"), TranscriptFormat::kCsv);
  EXPECT_EQ(ParseTranscriptFormat("html"), TranscriptFormat::kHtml);
  EXPECT_EQ(ParseTranscriptFormat("json"), TranscriptFormat::kJson);
  EXPECT_FALSE(ParseTranscriptFormat("pdf"));
  EXPECT_EQ(ContentTypeOf(TranscriptFormat::kCsv), "text/csv; charset=utf-8");
}

TEST_F(TranscriptTest, JsonHoldsTheApiObjects) {
  auto v = boost::json::parse(Render(TranscriptFormat::kJson)).as_object();
  EXPECT_EQ(v.at("chat").at("chatId"), "u0001abc");
  EXPECT_EQ(v.at("timezone"), "+08:00");
  EXPECT_EQ(v.at("count"), 4);
  const auto& msgs = v.at("messages").as_array();
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[0].at("createTime"), "2016-02-19 11:43:00");
  EXPECT_EQ(msgs[0].at("msg"), "<script>alert('x')</script> & \"退款\"");
  EXPECT_EQ(std::string(msgs[1].at("getUrl").as_string())
                .rfind("http://m.example.com/k/a.jpg?imageView2/1/w/200&e=4600&token=ak:", 0),
            0u);
}

TEST_F(TranscriptTest, CsvIsExcelFriendly) {
  std::string csv = Render(TranscriptFormat::kCsv);
  ASSERT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_EQ(csv.substr(3, csv.find("\r\n") - 3),
            "序号,时间,角色,发送方,接收方,类型,内容,链接,消息ID");
  EXPECT_NE(csv.find("\r\n1,2016-02-19 11:43:00,用户,u_a,kf_1,txt,\"<script>alert('x')</script> & "
                     "\"\"退款\"\"\",,m1\r\n"),
            std::string::npos)
      << csv;
  EXPECT_NE(
      csv.find(",客服,kf_1,u_a,img,\"[图片] a\"\".jpg (2.0 KB)\",http://m.example.com/k/a.jpg?"),
      std::string::npos)
      << csv;
  // A formula typed by a customer stays text in Excel.
  EXPECT_NE(csv.find(",txt,\"'=HYPERLINK(\"\"http://evil\"\",\"\"点我\"\")\",,m3\r\n"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find(",loc,\"[位置] 上海, \"\"浦东\"\" (31.2304, 121.474)\",,m4\r\n"),
            std::string::npos)
      << csv;
}

TEST_F(TranscriptTest, HtmlEscapesEverythingAndPlacesTheSides) {
  std::string html = Render(TranscriptFormat::kHtml);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;退款&quot;"),
            std::string::npos);
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  EXPECT_EQ(html.find("javascript:"), std::string::npos);
  EXPECT_NE(
      html.find(
          "<div class=\"msg user\"><div class=\"meta\">u_a · <time>2016-02-19 11:43:00</time>"),
      std::string::npos);
  EXPECT_NE(html.find("<div class=\"msg operator\"><div class=\"meta\">kf_1"), std::string::npos);
  EXPECT_NE(
      html.find(
          "<img src=\"http://m.example.com/k/a.jpg?imageView2/1/w/200&amp;e=4600&amp;token=ak:"),
      std::string::npos);
  EXPECT_NE(html.find("alt=\"a&quot;.jpg\""), std::string::npos);
  EXPECT_NE(html.find("https://uri.amap.com/marker?position=121.473700,31.230400"),
            std::string::npos);
  EXPECT_NE(html.find("共 4 条消息"), std::string::npos);
  EXPECT_EQ(html.substr(html.size() - 15), "</body></html>\n");
}

TEST(DescribeMessageTest, SummarisesEachType) {
  Message m;
  m.type = "audio";
  m.length = 6;
  EXPECT_EQ(DescribeMessage(m), "[语音] 6秒");
  m.type = "file";
  m.filename = "发票.pdf";
  m.file_length = 3 * 1024 * 1024;
  EXPECT_EQ(DescribeMessage(m), "[文件] 发票.pdf (3.0 MB)");
  m.type = "custom";
  m.ext = R"({"a":1})";
  EXPECT_EQ(DescribeMessage(m), R"([自定义] {"a":1})");
  m.type = "cmd";
  m.msg = "typing";
  EXPECT_EQ(DescribeMessage(m), "[命令] typing");
}

}  // namespace
}  // namespace opchat
