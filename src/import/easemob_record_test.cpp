#include "import/easemob_record.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace opchat {
namespace {

boost::json::object Record(const std::string& bodies, const std::string& ext = "{}",
                           const std::string& extra = "") {
  std::string text = R"({"msg_id":"1253569000000000101","timestamp":1710468120000,)"
                     R"("direction":"outgoing","to":"internal-to","from":"internal-from",)"
                     R"("chat_type":"chat",)" +
                     extra + R"("payload":{"bodies":)" + bodies + R"(,"ext":)" + ext +
                     R"(,"from":"u_lisi","to":"kf_li"}})";
  return boost::json::parse(text).as_object();
}

Result<EasemobRecord> Parse(const boost::json::object& record,
                            const std::string& key = "ext.chatId") {
  return ParseEasemobRecord(record, ParseKeyPath(key));
}

TEST(EasemobRecordTest, TextRecordTakesThePartiesFromThePayload) {
  auto r = Parse(Record(R"([{"msg":"退款多久到账？","type":"txt"}])", R"({"source":"app"})"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->msg_id, "1253569000000000101");
  EXPECT_EQ(r->timestamp_ms, 1710468120000);
  EXPECT_EQ(r->from, "u_lisi");
  EXPECT_EQ(r->to, "kf_li");
  ASSERT_EQ(r->messages.size(), 1u);
  const Message& m = r->messages[0];
  EXPECT_EQ(m.user_message_id, "1253569000000000101");
  EXPECT_EQ(m.type, "txt");
  EXPECT_EQ(m.msg, "退款多久到账？");
  EXPECT_EQ(m.from, "u_lisi");
  EXPECT_EQ(m.to, "kf_li");
  EXPECT_EQ(m.create_ms, 1710468120000);
  EXPECT_EQ(m.ext, R"({"source":"app"})");
  EXPECT_FALSE(r->chat_key);
}

TEST(EasemobRecordTest, MapsEveryMediaBody) {
  auto img = Parse(Record(R"([{"file_length":128827,"filename":"a.jpg","secret":"S1",)"
                          R"("size":{"height":1325,"width":746},"type":"img",)"
                          R"("url":"https://a1.easemob.com/o/a/chatfiles/65e5"}])"));
  ASSERT_TRUE(img.ok()) << img.status().message();
  EXPECT_EQ(img->messages[0].type, "img");
  EXPECT_EQ(img->messages[0].url, "https://a1.easemob.com/o/a/chatfiles/65e5");
  EXPECT_EQ(img->messages[0].filename, "a.jpg");
  EXPECT_EQ(img->messages[0].secret, "S1");
  EXPECT_EQ(img->messages[0].file_length, 128827);

  auto audio = Parse(Record(R"([{"file_length":6630,"filename":"v.amr","length":10,)"
                            R"("secret":"S2","type":"audio","url":"https://h/x"}])"));
  ASSERT_TRUE(audio.ok());
  EXPECT_EQ(audio->messages[0].length, 10);
  EXPECT_EQ(audio->messages[0].file_length, 6630);

  auto video = Parse(Record(R"([{"file_length":58103.0,"filename":"v.mp4","length":"10",)"
                            R"("secret":"S3","thumb":"https://h/t","thumb_secret":"TS",)"
                            R"("type":"video","url":"https://h/v"}])"));
  ASSERT_TRUE(video.ok()) << video.status().message();
  EXPECT_EQ(video->messages[0].thumb, "https://h/t");
  EXPECT_EQ(video->messages[0].thumb_secret, "TS");
  EXPECT_EQ(video->messages[0].length, 10);
  EXPECT_EQ(video->messages[0].file_length, 58103);

  auto file = Parse(Record(R"([{"file_length":3279,"filename":"r.md","secret":"S4",)"
                           R"("type":"file","url":"https://h/f"}])"));
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->messages[0].type, "file");
  EXPECT_EQ(file->messages[0].filename, "r.md");

  auto loc =
      Parse(Record(R"([{"addr":"西城区西便门桥 ","lat":39.9053,"lng":116.36302,"type":"loc"}])"));
  ASSERT_TRUE(loc.ok());
  EXPECT_EQ(loc->messages[0].addr, "西城区西便门桥 ");
  EXPECT_DOUBLE_EQ(*loc->messages[0].lat, 39.9053);
  EXPECT_DOUBLE_EQ(*loc->messages[0].lng, 116.36302);
}

TEST(EasemobRecordTest, CmdActionBecomesTheText) {
  auto r = Parse(Record(R"([{"action":"TypingBegin","type":"cmd"}])"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->messages[0].type, "cmd");
  EXPECT_EQ(r->messages[0].msg, "TypingBegin");
}

TEST(EasemobRecordTest, CustomEventAndExtsGoIntoExt) {
  auto v2 =
      Parse(Record(R"([{"v2:customExts":{"name":"flower","size":"16"},)"
                   R"("customExts":[{"name":"old"}],"customEvent":"gift_1","type":"custom"}])",
                   R"({"k":"v"})"));
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->messages[0].type, "custom");
  EXPECT_EQ(v2->messages[0].ext,
            R"({"k":"v","customEvent":"gift_1","customExts":{"name":"flower","size":"16"}})");
  auto old = Parse(Record(R"([{"customExts":[{"name":"flower"},{"price":"100"}],)"
                          R"("customEvent":"gift_1","type":"custom"}])"));
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->messages[0].ext,
            R"({"customEvent":"gift_1","customExts":{"name":"flower","price":"100"}})");
}

TEST(EasemobRecordTest, UnknownBodyTypeIsKeptWholeAsCustom) {
  auto r = Parse(Record(R"([{"title":"聊天记录","summary":"a\nb","type":"combine"}])"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->messages[0].type, "custom");
  EXPECT_EQ(
      r->messages[0].ext,
      R"({"easemobType":"combine","easemobBody":{"title":"聊天记录","summary":"a\nb","type":"combine"}})");
}

TEST(EasemobRecordTest, EachBodyIsAMessageWithItsOwnId) {
  auto r = Parse(Record(R"([{"msg":"one","type":"txt"},{"msg":"two","type":"txt"}])"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->messages.size(), 2u);
  EXPECT_EQ(r->messages[0].user_message_id, "1253569000000000101");
  EXPECT_EQ(r->messages[1].user_message_id, "1253569000000000101#2");
  EXPECT_EQ(r->messages[1].msg, "two");
}

TEST(EasemobRecordTest, ChatKeyFollowsThePath) {
  auto keyed = Parse(Record(R"([{"msg":"x","type":"txt"}])", R"({"chatId":"s-1"})"));
  ASSERT_TRUE(keyed.ok());
  EXPECT_EQ(keyed->chat_key, "s-1");
  auto nested = Parse(Record(R"([{"msg":"x","type":"txt"}])", R"({"kefu":{"session":42}})"),
                      "ext.kefu.session");
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(nested->chat_key, "42");
  auto off = Parse(Record(R"([{"msg":"x","type":"txt"}])", R"({"chatId":"s-1"})"), "");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->chat_key);
  auto bad = Parse(Record(R"([{"msg":"x","type":"txt"}])", R"({"chatId":"has space"})"));
  EXPECT_FALSE(bad.ok());
}

TEST(EasemobRecordTest, EmptyChatIdIsAbsentNotRejected) {
  auto empty = Parse(Record(R"([{"msg":"x","type":"txt"}])", R"({"chatId":""})"));
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_FALSE(empty->chat_key) << "the idle gap decides the chat, as with no chatId";
}

TEST(EasemobRecordTest, AcceptsNumericIdsAndStringTimestampsAndExtAsText) {
  auto r = ParseEasemobRecord(
      boost::json::parse(
          R"({"msg_id":1253569000000000101,"timestamp":"1710468120000",)"
          R"("from":"u_a","to":"kf_b","payload":{"bodies":[{"msg":"x","type":"txt"}],)"
          R"("ext":"{\"a\":1}"}})")
          .as_object(),
      {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->msg_id, "1253569000000000101");
  EXPECT_EQ(r->from, "u_a");  // no payload.from: the top-level one
  EXPECT_EQ(r->messages[0].ext, R"({"a":1})");
}

TEST(EasemobRecordTest, RejectsWhatTheApiWouldRefuse) {
  auto reason = [](const std::string& bodies) {
    auto r = Parse(Record(bodies));
    return r.ok() ? std::string("ok") : r.status().message();
  };
  EXPECT_NE(reason(R"([{"msg":"","type":"txt"}])"), "ok");
  EXPECT_NE(reason(R"([{"addr":"x","lng":1,"type":"loc"}])"), "ok");
  EXPECT_NE(reason(R"([{"filename":"a.jpg","type":"img"}])"), "ok");
  EXPECT_NE(reason(R"([{"msg":"nul\u0000inside","type":"txt"}])"), "ok");
  EXPECT_NE(reason(R"([])"), "ok");
  EXPECT_NE(reason(R"([{"msg":"x"}])"), "ok");
  EXPECT_EQ(reason(R"([{"msg":"x","type":"txt","url":""}])"), "ok");  // "" is absent
  auto no_time = ParseEasemobRecord(
      boost::json::parse(
          R"({"msg_id":"1","from":"a","to":"b","payload":{"bodies":[{"msg":"x","type":"txt"}]}})")
          .as_object(),
      {});
  EXPECT_FALSE(no_time.ok());
}

}  // namespace
}  // namespace opchat
