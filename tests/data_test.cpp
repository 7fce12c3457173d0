// Data in and out, through the real binary on every back end: `opchat import easemob` on the
// fixtures of tests/fixtures/easemob, export → import → export round trips, transcripts (CLI and
// POST /op/v2/chatTranscript) and POST /op/v2/searchMessages.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <zlib.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/crypto.hpp"
#include "test_server.hpp"

namespace opchat::testing {
namespace {

namespace json = boost::json;

const std::string kFixtures =
    (std::filesystem::path(__FILE__).parent_path() / "fixtures" / "easemob").string();

struct CliResult {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs `opchat ARGS`, keeping stderr too (RunOpchat drops it).
CliResult Cli(const std::vector<std::string>& args) {
  CommandOutcome o = RunOpchatIn("", args);
  return {o.exit_code, std::move(o.out), std::move(o.err)};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class DataTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>(GetParam());
    cred_ = server_->AddClient();
  }

  json::object Ok(const std::string& name, const std::string& body) {
    auto r = Call(server_->port(), cred_, name, body);
    EXPECT_EQ(r.status, 200) << name << " " << body << " -> " << r.body;
    return r.status == 200 ? r.Json().as_object() : json::object();
  }

  json::array History(const std::string& chat_id) {
    auto doc = Ok("operatorToUserChatMessages",
                  R"({"chatId":")" + chat_id + R"(","pageNum":1,"pageSize":100})");
    return doc["data"].as_object()["msg"].as_array();
  }

  // The user's chats, oldest activity first.
  std::vector<json::object> ChatsOf(const std::string& user) {
    auto doc = Ok("chats", R"({"userId":")" + user + R"(","pageSize":100})");
    std::vector<json::object> out;
    for (const auto& c : doc["data"].as_object()["chats"].as_array()) out.push_back(c.as_object());
    std::reverse(out.begin(), out.end());
    return out;
  }

  json::object ImportEasemob(const std::vector<std::string>& files, int expect_code = 0,
                             std::string* err = nullptr) {
    std::vector<std::string> args = {
        "import",    "easemob",     "--config",          server_->config_path(),
        "--channel", cred_.channel, "--operator-prefix", "kf_"};
    args.insert(args.end(), files.begin(), files.end());
    auto r = Cli(args);
    EXPECT_EQ(r.code, expect_code) << r.err;
    if (err) *err = r.err;
    return r.out.empty() ? json::object() : json::parse(r.out).as_object();
  }

  // A chat of the client's channel with one message of every type, sent through the API.
  std::string ChatOfEveryType(const std::string& user) {
    std::string chat = CreateChat(server_->port(), cred_, user);
    Ok("acceptChat", R"({"chatId":")" + chat + R"(","operatorId":"kf_007"})");
    const std::string head = R"({"chatId":")" + chat + R"(","direction":")";
    const std::vector<std::string> bodies = {
        R"(userToOperator","type":"txt","msg":"你好，我要退款 \"急\" \\ <b>","timestamp":1710468000000})",
        R"(operatorToUser","type":"txt","msg":"好的，请提供退款单号","timestamp":1710468001000})",
        R"(userToOperator","type":"img","url":"http://m/a.jpg","key":"img/a 1.jpg","filename":"截图.jpg","secret":"s","file_length":2048,"timestamp":1710468002000})",
        R"(userToOperator","type":"audio","url":"http://m/v.amr","length":6,"timestamp":1710468003000})",
        R"(operatorToUser","type":"video","url":"http://m/v.mp4","thumb":"http://m/t.jpg","thumb_secret":"ts","length":42,"file_length":5242880,"timestamp":1710468004000})",
        R"(userToOperator","type":"loc","addr":"上海市浦东新区","lat":31.2304,"lng":121.4737,"timestamp":1710468005000})",
        R"(operatorToUser","type":"file","url":"http://m/发票 2024.pdf","filename":"发票 2024.pdf","file_length":102400,"timestamp":1710468006000})",
        R"(operatorToUser","type":"cmd","msg":"typing","timestamp":1710468007000})",
        R"(operatorToUser","type":"custom","ext":{"card":{"orderId":"20240315001","amount":99.5}},"timestamp":1710468008000})",
    };
    for (const auto& b : bodies) Ok("sendMessage", head + b);
    return chat;
  }

  std::unique_ptr<TestServer> server_;
  Credential cred_;
};

// --- Easemob ---

TEST_P(DataTest, EasemobImportMapsEveryBodyTypeFromBothShapesAndGzip) {
  // REST response: every body type, one group record skipped.
  auto rest = ImportEasemob({kFixtures + "/rest_chatmessages.json"});
  EXPECT_EQ(rest["records"], 10);
  EXPECT_EQ(rest["inserted"], 9);
  EXPECT_EQ(rest["groupRecords"], 1);
  EXPECT_EQ(rest["rejected"], 0);
  auto zhang = ChatsOf("u_zhangsan");
  ASSERT_EQ(zhang.size(), 1u);
  EXPECT_EQ(zhang[0]["operatorId"], "kf_wang");
  EXPECT_EQ(zhang[0]["statusCode"], 5);
  auto msgs = History(std::string(zhang[0]["chatId"].as_string()));
  ASSERT_EQ(msgs.size(), 9u);
  std::vector<std::string> types;
  for (const auto& m : msgs) types.emplace_back(m.at("type").as_string());
  EXPECT_EQ(types, (std::vector<std::string>{"txt", "txt", "img", "audio", "video", "loc", "file",
                                             "cmd", "custom"}));
  const auto& txt = msgs[0].as_object();
  EXPECT_EQ(txt.at("msg"), "你好，我上周买的耳机想申请退款");
  EXPECT_EQ(txt.at("userMessageId"), "1253567453467890001");
  EXPECT_EQ(txt.at("form"), "u_zhangsan");
  EXPECT_EQ(txt.at("to"), "kf_wang");
  EXPECT_EQ(txt.at("createTime"), "2024-03-14 09:00:00");
  EXPECT_EQ(txt.at("ext"), json::parse(R"({"source":"app","orderId":"20240314001"})"));
  const auto& img = msgs[2].as_object();
  EXPECT_EQ(img.at("filename"), "订单截图.jpg");
  EXPECT_EQ(img.at("secret"), "DRGM8OZrEeO1vafuJSo2IjHBeKlIhDp0GCnFu54xOF3M6KLr");
  EXPECT_EQ(img.at("file_length"), "128827");
  EXPECT_EQ(std::string(img.at("getUrl").as_string())
                .rfind("http://media.example.com/easemob-demo/kefu/chatfiles/"
                       "65e54a4a-fd0b-11e3-b821-ebde7b50cc4b?",
                       0),
            0u);
  EXPECT_EQ(msgs[3].at("length"), "10");
  EXPECT_EQ(msgs[3].at("file_length"), "6630");
  EXPECT_EQ(
      msgs[4].at("thumb"),
      "https://a1.easemob.com/easemob-demo/kefu/chatfiles/67279b20-7f69-11e4-8eee-21d3334b3a97");
  EXPECT_EQ(msgs[4].at("thumb_secret"), "ZyebKn9pEeSSfY03ROk7ND24zUf74s7HpPN1oMV-1JxN2O2I");
  EXPECT_EQ(msgs[5].at("addr"), "西城区西便门桥");
  EXPECT_EQ(msgs[5].at("lat"), 39.9053);
  EXPECT_EQ(msgs[5].at("lng"), 116.36302);
  EXPECT_EQ(msgs[6].at("filename"), "退款须知.pdf");
  EXPECT_EQ(msgs[7].at("msg"), "TypingBegin");
  EXPECT_EQ(msgs[8].at("ext").at("customEvent"), "refund_card");
  EXPECT_EQ(msgs[8].at("ext").at("customExts").at("status"), "退款中");

  // Export lines, out of time order: a keyed chat and a pair split at a 44-minute silence.
  auto h10 = ImportEasemob({kFixtures + "/history_2024031510.ndjson"});
  EXPECT_EQ(h10["inserted"], 8);
  EXPECT_EQ(h10["keyedRecords"], 3);
  std::vector<std::string> lisi;
  for (const auto& m : History("lisi-session-1")) lisi.emplace_back(m.at("msg").as_string());
  EXPECT_EQ(lisi, (std::vector<std::string>{"在吗？我的快递显示已签收但我没收到",
                                            "您好，我帮您查一下物流", "好的谢谢"}));
  auto wangwu = ChatsOf("u_wangwu");
  ASSERT_EQ(wangwu.size(), 2u);
  EXPECT_EQ(wangwu[0]["messageCount"], 2);
  EXPECT_EQ(wangwu[1]["messageCount"], 3);
  auto second = History(std::string(wangwu[1]["chatId"].as_string()));
  EXPECT_EQ(second[2].at("type"), "custom");
  EXPECT_EQ(second[2].at("ext").at("easemobType"), "combine");

  // The next hour, gzip-compressed: u_wangwu's second chat goes on across the file boundary.
  std::string gz = server_->dir() + "/history_2024031511.ndjson.gz";
  {
    std::string text = ReadFile(kFixtures + "/history_2024031511.ndjson");
    gzFile f = gzopen(gz.c_str(), "wb");
    gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    gzclose(f);
  }
  auto h11 = ImportEasemob({gz});
  EXPECT_EQ(h11["inserted"], 2);
  EXPECT_EQ(h11["chatsContinued"], 1);
  wangwu = ChatsOf("u_wangwu");
  ASSERT_EQ(wangwu.size(), 2u);
  EXPECT_EQ(wangwu[1]["messageCount"], 4);
  EXPECT_EQ(ChatsOf("u_zhaoliu").size(), 1u);

  // Everything again, in one run: nothing is added twice.
  auto again = ImportEasemob(
      {kFixtures + "/rest_chatmessages.json", kFixtures + "/history_2024031510.ndjson", gz});
  EXPECT_EQ(again["inserted"], 0);
  EXPECT_EQ(again["duplicates"], 19);
  EXPECT_EQ(ChatsOf("u_wangwu").size(), 2u);
}

TEST_P(DataTest, EasemobBadRecordsAreReportedWithFileAndLine) {
  std::string err;
  auto r = ImportEasemob({kFixtures + "/bad_records.ndjson"}, 3, &err);
  EXPECT_EQ(r["inserted"], 2);
  EXPECT_EQ(r["rejected"], 6);
  for (int line : {2, 3, 4, 5, 8, 9}) {
    EXPECT_NE(err.find("bad_records.ndjson:" + std::to_string(line) + ": skipped: "),
              std::string::npos)
        << line << "\n"
        << err;
  }
  EXPECT_EQ(err.find("bad_records.ndjson:1:"), std::string::npos);
  auto sunqi = ChatsOf("u_sunqi");
  ASSERT_EQ(sunqi.size(), 1u);
  EXPECT_EQ(sunqi[0]["messageCount"], 2);
}

// --- export / import ---

TEST_P(DataTest, ExportImportExportIsByteIdenticalAcrossBackEnds) {
  std::string chat = ChatOfEveryType("u_round");
  ChatOfEveryType("u_trip");
  const std::string dir = server_->dir();
  auto first = Cli({"export", "--config", server_->config_path(), "--channel", cred_.channel,
                    "--out", dir + "/first.ndjson"});
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_EQ(json::parse(first.out).at("messages"), 18);
  const std::string exported = ReadFile(dir + "/first.ndjson");
  EXPECT_NE(exported.find(R"("getUrl":null)"), std::string::npos);
  EXPECT_EQ(exported.find("token="), std::string::npos);

  // Into an empty SQLite database, and out again.
  const std::string fresh = "sqlite:" + dir + "/fresh.db";
  auto imported = Cli({"import", "ndjson", "--db", fresh, dir + "/first.ndjson"});
  ASSERT_EQ(imported.code, 0) << imported.err;
  EXPECT_EQ(json::parse(imported.out).at("inserted"), 18);
  EXPECT_EQ(json::parse(imported.out).at("indexed"), 6);  // the messages with text
  auto second = Cli({"export", "--db", fresh, "--channel", cred_.channel});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(second.out, exported);

  // From SQLite into PostgreSQL (when there is one), and out again.
  const char* pg = std::getenv("OPCHAT_TEST_PG_URL");
  if (GetParam() == "sqlite" && pg && *pg) {
    ASSERT_EQ(Cli({"import", "ndjson", "--db", pg, dir + "/first.ndjson"}).code, 0);
    EXPECT_EQ(Cli({"export", "--db", pg, "--channel", cred_.channel}).out, exported);
  }

  // One chat; a time window.
  auto one = Cli(
      {"export", "--config", server_->config_path(), "--channel", cred_.channel, "--chat", chat});
  EXPECT_EQ(std::count(one.out.begin(), one.out.end(), '\n'), 9);
  auto window = Cli({"export", "--config", server_->config_path(), "--channel", cred_.channel,
                     "--since", "2024-03-15 10:00:02", "--until", "1710468004000"});
  EXPECT_EQ(std::count(window.out.begin(), window.out.end(), '\n'), 4);
  EXPECT_NE(
      Cli({"export", "--config", server_->config_path(), "--chat", chat, "--channel", "x"}).code,
      0);
  EXPECT_NE(Cli({"export", "--config", server_->config_path(), "--chat", chat}).code, 0)
      << "a chat id names a chat only with its channel";
}

// Chat ids are per channel (docs/design.md, "Storage model"): `import ndjson --channel B` with a
// line naming channel A's chat id writes B's own chat of that id; A's chat and history are not
// touched.
TEST_P(DataTest, ImportNdjsonIntoAnotherChannelNeverWritesIntoThatChannelsChat) {
  std::string chat = CreateChat(server_->port(), cred_, "u_a");
  Ok("sendMessage",
     R"({"chatId":")" + chat + R"(","direction":"userToOperator","type":"txt","msg":"a's own"})");
  const auto before = History(chat);
  ASSERT_EQ(before.size(), 1u);
  Credential other = server_->AddClient();
  const std::string file = server_->dir() + "/b.ndjson";
  std::ofstream(file) << R"({"chatId":")" << chat
                      << R"(","userId":"u_b","userMessageId":"164556432430072999","from":"u_b",)"
                      << R"("to":"kf_1","type":"txt","msg":"b's import","timestamp":1710468000000})"
                      << "\n";
  auto r = Cli(
      {"import", "ndjson", "--config", server_->config_path(), "--channel", other.channel, file});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("inserted"), 1);

  EXPECT_EQ(History(chat), before) << "channel A's chat is unchanged";
  auto info = Ok("chatInfo", R"({"chatId":")" + chat + R"("})");
  EXPECT_EQ(info["data"].at("messageCount"), 1);
  EXPECT_EQ(info["data"].at("userId"), "u_a");
  auto theirs = Call(server_->port(), other, "chatInfo", R"({"chatId":")" + chat + R"("})");
  ASSERT_EQ(theirs.status, 200) << theirs.body;
  EXPECT_EQ(theirs.Json().at("data").at("messageCount"), 1);
  EXPECT_EQ(theirs.Json().at("data").at("userId"), "u_b");
  auto their_history = AllMessages(server_->port(), other, chat);
  ASSERT_EQ(their_history.size(), 1u);
  EXPECT_EQ(their_history[0].at("msg"), "b's import");
}

// --- transcripts ---

TEST_P(DataTest, TranscriptsInEveryFormatFromTheCliAndTheApi) {
  std::string chat = ChatOfEveryType("u_transcript");
  const std::string dir = server_->dir();
  for (const char* format : {"json", "csv", "html"}) {
    std::string path = dir + "/t." + format;
    auto r = Cli({"transcript", "--config", server_->config_path(), "--channel", cred_.channel,
                  "--chat", chat, "--format", format, "--out", path});
    ASSERT_EQ(r.code, 0) << r.err;
    std::string cli = ReadFile(path);
    auto api = Ok("chatTranscript", R"({"chatId":")" + chat + R"(","format":")" + format + R"("})");
    auto& data = api["data"].as_object();
    EXPECT_EQ(data["format"], format);
    EXPECT_EQ(data["fileName"].as_string(), "chat-" + chat + "." + format);
    std::string content(data["content"].as_string());
    if (std::string(format) == "json") {
      auto doc = json::parse(content).as_object();
      EXPECT_EQ(doc["count"], 9);
      EXPECT_EQ(doc["messages"].as_array()[0].at("msg"), "你好，我要退款 \"急\" \\ <b>");
      EXPECT_EQ(json::parse(cli).at("count"), 9);
    } else if (std::string(format) == "csv") {
      EXPECT_EQ(content.substr(0, 3), "\xEF\xBB\xBF");
      EXPECT_EQ(data["contentType"], "text/csv; charset=utf-8");
      EXPECT_NE(content.find("2024-03-15 10:00:00,用户,u_transcript,kf_007,txt,"
                             "\"你好，我要退款 \"\"急\"\" \\ <b>\""),
                std::string::npos)
          << content;
      EXPECT_EQ(std::count(cli.begin(), cli.end(), '\n'), 10);
    } else {
      EXPECT_EQ(content.rfind("<!DOCTYPE html>", 0), 0u);
      EXPECT_NE(content.find("你好，我要退款 &quot;急&quot; \\ &lt;b&gt;"), std::string::npos);
      EXPECT_NE(content.find("<img src=\"http://media.example.com/img/a%201.jpg?"),
                std::string::npos);
      EXPECT_NE(content.find("msg operator"), std::string::npos);
      EXPECT_EQ(cli.rfind("<!DOCTYPE html>", 0), 0u);
    }
  }
  // Another channel's chat is not found; an unknown format is refused.
  Credential other = server_->AddClient();
  EXPECT_EQ(
      Call(server_->port(), other, "chatTranscript", R"({"chatId":")" + chat + R"("})").status,
      404);
  auto bad = Call(server_->port(), cred_, "chatTranscript",
                  R"({"chatId":")" + chat + R"(","format":"pdf"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("format"), std::string::npos);
}

// --- search ---

TEST_P(DataTest, SearchFindsChineseKeywordsOfEveryLengthInTheSignedChannelOnly) {
  std::string a = ChatOfEveryType("u_search_a");
  std::string b = CreateChat(server_->port(), cred_, "u_search_b");
  ASSERT_EQ(SendText(server_->port(), cred_, b, "退款单已经提交了吗").status, 200);
  Credential other = server_->AddClient();
  std::string foreign = CreateChat(server_->port(), other, "u_foreign");
  ASSERT_EQ(SendText(server_->port(), other, foreign, "别的渠道也要退款").status, 200);

  auto search = [&](const std::string& body) {
    auto doc = Ok("searchMessages", body);
    std::vector<std::string> snippets;
    for (const auto& h : doc["data"].as_object()["hits"].as_array()) {
      snippets.emplace_back(h.at("snippet").as_string());
    }
    return std::make_pair(snippets, doc["page"].as_object()["total"].as_int64());
  };
  // Two characters (no trigram index help), three, and more; newest first.
  auto two = search(R"({"keyword":"退款"})");
  EXPECT_EQ(two.first,
            (std::vector<std::string>{"【退款】单已经提交了吗", "好的，请提供【退款】单号",
                                      "你好，我要【退款】 \"急\" \\ <b>"}));
  EXPECT_EQ(two.second, 3);
  EXPECT_EQ(Ok("searchMessages", R"({"keyword":"退款"})")["page"].at("totalExact"), true)
      << "below the count limit the total is exact";
  EXPECT_EQ(search(R"({"keyword":"退款单"})").first,
            (std::vector<std::string>{"【退款单】已经提交了吗", "好的，请提供【退款单】号"}));
  EXPECT_EQ(search(R"({"keyword":"请提供退款单号"})").second, 1);
  EXPECT_EQ(search(R"({"keyword":" 退款 ","chatId":")" + a + R"("})").second, 2);
  EXPECT_EQ(search(R"({"keyword":"typing","type":"cmd"})").second, 1);
  EXPECT_EQ(
      search(R"({"keyword":"退款","since":"2024-03-15 10:00:01","until":1710468002000})").second,
      1);

  auto page = Ok("searchMessages", R"({"keyword":"退款","pageNum":"2","pageSize":2})");
  auto& hits = page["data"].as_object()["hits"].as_array();
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].at("chatId").as_string(), a);
  EXPECT_EQ(hits[0].at("message").at("userMessageId").as_string().size() >= 18, true);
  EXPECT_EQ(page["page"].at("next"), false);
  EXPECT_EQ(page["page"].at("total"), 3);

  // The other channel sees only its own message, and none of ours even by chat id.
  auto theirs = Call(server_->port(), other, "searchMessages", R"({"keyword":"退款"})");
  ASSERT_EQ(theirs.status, 200);
  EXPECT_EQ(theirs.Json().at("page").at("total"), 1);
  EXPECT_EQ(Call(server_->port(), other, "searchMessages",
                 R"({"keyword":"退款","chatId":")" + a + R"("})")
                .status,
            404);
  for (const char* body :
       {R"({})", R"({"keyword":""})", R"({"keyword":"   "})", R"({"keyword":"退款","type":"pdf"})",
        R"({"keyword":"退款","pageSize":1000})"}) {
    EXPECT_EQ(Call(server_->port(), cred_, "searchMessages", body).status, 400) << body;
  }
}

// Writes leave the trigram index to a catch-up (SQLite): the server runs it in the background,
// `import` at its end unless --defer-index. Counting what a later catch-up still finds to do
// shows who did it. (PostgreSQL indexes as it writes: nothing is ever left to catch up.)
TEST_P(DataTest, SearchIndexIsCaughtUpByTheServerOrAfterAnImport) {
  ChatOfEveryType("u_indexed");  // 3 of its 9 messages have text
  auto indexed_by_catch_up = [](const std::vector<std::string>& storage) {
    std::vector<std::string> args = {"import", "ndjson"};
    args.insert(args.end(), storage.begin(), storage.end());
    args.push_back("/dev/null");
    auto r = Cli(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out.empty() ? int64_t{-1} : json::parse(r.out).at("indexed").as_int64();
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the server runs every 100 ms
  EXPECT_EQ(indexed_by_catch_up({"--config", server_->config_path()}), 0);

  const std::string dir = server_->dir();
  ASSERT_EQ(Cli({"export", "--config", server_->config_path(), "--channel", cred_.channel, "--out",
                 dir + "/all.ndjson"})
                .code,
            0);
  const std::string fresh = "sqlite:" + dir + "/deferred.db";
  auto deferred = Cli({"import", "ndjson", "--defer-index", "--db", fresh, dir + "/all.ndjson"});
  ASSERT_EQ(deferred.code, 0) << deferred.err;
  EXPECT_EQ(json::parse(deferred.out).at("inserted"), 9);
  EXPECT_EQ(json::parse(deferred.out).at("indexed"), 0);
  EXPECT_EQ(indexed_by_catch_up({"--db", fresh}), 3);
  EXPECT_EQ(indexed_by_catch_up({"--db", fresh}), 0);
}

TEST(DataCliTest, SubcommandsHaveHelpAndRefuseIncompleteFlags) {
  for (std::vector<std::string> args : {std::vector<std::string>{"import", "easemob", "--help"},
                                        {"export", "--help"},
                                        {"transcript", "--help"}}) {
    auto r = Cli(args);
    EXPECT_EQ(r.code, 0) << args[0];
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << args[0];
  }
  const std::string db = "sqlite:" + (std::filesystem::temp_directory_path() /
                                      ("opchat-data-cli-" + RandomHex(4) + ".db"))
                                         .string();
  // No operator rule: which side is the customer cannot be told.
  auto no_rule = Cli(
      {"import", "easemob", "--db", db, "--channel", "c", kFixtures + "/rest_chatmessages.json"});
  EXPECT_EQ(no_rule.code, 2);
  EXPECT_NE(no_rule.err.find("--operator"), std::string::npos) << no_rule.err;
  EXPECT_NE(Cli({"transcript", "--db", db, "--channel", "c", "--chat", "nope"}).code, 0);
  EXPECT_EQ(Cli({"export", "--db", db, "--since", "yesterday"}).code, 2);
}

INSTANTIATE_TEST_SUITE_P(BackEnds, DataTest, ::testing::ValuesIn(BackEnds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace opchat::testing
