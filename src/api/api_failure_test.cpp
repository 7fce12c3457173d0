// Every endpoint against a storage that fails: Api::Handle over a FailingStore over a real
// SQLite store. For each endpoint, the 1st, 2nd, ... storage call it makes fails in turn until
// the request goes through without meeting the failure. Each failed request must answer the
// envelope of its Status without the internal detail, and leave the store as it was.
#include "api/api.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "api/testing/api_test_bed.hpp"
#include "common/clock.hpp"
#include "storage/testing/failing_store.hpp"

namespace opchat {
namespace {

constexpr const char* kChannel = testing::ApiTestBed::kChannel;
constexpr char kDetail[] = "disk on fire at /var/lib/opchat";  // must never reach a client

struct Failure {
  StatusCode code;
  int http_status;
  std::string_view message;
};

const Failure kUnavailable{StatusCode::kUnavailable, 503, "存储暂不可用，请稍后重试"};
const Failure kInternal{StatusCode::kInternal, 500, "服务器内部错误"};

void PrintTo(const Failure& f, std::ostream* os) { *os << f.http_status; }

// One request and the chats it needs in place beforehand.
struct Scenario {
  std::string endpoint;
  std::string body;
};

class ApiFailureTest : public ::testing::TestWithParam<Failure> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(
        bed_.Open(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    failing_ = std::make_unique<FailingStore>(real());
    api_ = std::make_unique<Api>(ApiDeps{*failing_, bed_.verifier(), media_, ids_,
                                         ApiSettings{"test-host", "400-000", 100, false}});
  }

  void TearDown() override {
    api_.reset();
    failing_.reset();
  }

  Store& real() { return bed_.store(); }

  // A chat of kChannel, stored directly, with `messages` text messages.
  void PutChat(const std::string& id, ChatStatus status, int messages = 0) {
    Chat chat;
    chat.id = id;
    chat.channel = kChannel;
    chat.user_id = "u_" + id;
    if (status != ChatStatus::kWaiting) chat.operator_id = "kf_1";
    chat.status = status;
    chat.created_ms = chat.updated_ms = NowMillis() - 60'000;
    ASSERT_TRUE(real().CreateChat(chat).ok());
    for (int i = 1; i <= messages; ++i) {
      Message m;
      m.user_message_id = id + "-m" + std::to_string(i);
      m.from = chat.user_id;
      m.to = "kf_1";
      m.type = "txt";
      m.msg = "hello " + std::to_string(i);
      m.create_ms = chat.created_ms + i;
      ASSERT_TRUE(real().AppendMessage(kChannel, id, m).ok());
    }
  }

  // A chat of kChannel holding `messages` text messages, loaded in one import.
  void PutLongChat(const std::string& id, int messages) {
    std::vector<ImportRecord> records;
    for (int i = 1; i <= messages; ++i) {
      ImportRecord r;
      r.chat.id = id;
      r.chat.channel = kChannel;
      r.chat.user_id = "u_" + id;
      r.chat.operator_id = "kf_1";
      r.chat.status = ChatStatus::kChatting;
      r.chat.created_ms = r.chat.updated_ms = NowMillis() - 60'000;
      r.message.user_message_id = id + "-m" + std::to_string(i);
      r.message.from = r.chat.user_id;
      r.message.to = "kf_1";
      r.message.type = "txt";
      r.message.msg = "hello " + std::to_string(i);
      r.message.create_ms = r.chat.created_ms + i;
      records.push_back(std::move(r));
    }
    auto counts = real().Import(records, {});
    ASSERT_TRUE(counts.ok()) << counts.status().message();
    ASSERT_EQ(counts->inserted, messages);
  }

  ApiResponse Call(const std::string& endpoint, const std::string& body) {
    return bed_.Call(*api_, endpoint, body);
  }

  // Everything the channel holds, read from the real store: every chat with its status,
  // operator, counts and times, and every message of it.
  std::string Snapshot() {
    ChatFilter filter;
    filter.channel = kChannel;
    filter.limit = 1000;
    auto list = real().ListChats(filter);
    EXPECT_TRUE(list.ok());
    if (!list.ok()) return "";
    std::string out = "total=" + std::to_string(list->total) + "\n";
    for (const Chat& c : list->chats) {
      out += c.id + " status=" + std::to_string(static_cast<int>(c.status)) +
             " op=" + c.operator_id.value_or("-") + " count=" + std::to_string(c.message_count) +
             " updated=" + std::to_string(c.updated_ms) +
             " last=" + std::to_string(c.last_message_ms.value_or(-1)) + "\n";
      auto messages = real().ReadMessages(kChannel, c.id, SeqRange{1, c.message_count + 10});
      EXPECT_TRUE(messages.ok());
      if (!messages.ok()) continue;
      for (const Message& m : *messages) {
        out += "  " + std::to_string(m.seq) + " " + m.user_message_id + " " + m.msg.value_or("") +
               "\n";
      }
    }
    return out;
  }

  // Fails the scenario's storage calls one after another (as described at the top); returns
  // how many calls failed before the request succeeded.
  int FailEachCallInTurn(const Scenario& s) {
    const Failure& failure = GetParam();
    for (int n = 1; n <= 20; ++n) {
      SCOPED_TRACE(s.endpoint + ": storage call " + std::to_string(n) + " fails");
      const std::string before = Snapshot();
      failing_->FailNth(n, Status(failure.code, kDetail));
      ApiResponse r = Call(s.endpoint, s.body);
      failing_->Disarm();
      if (!failing_->failed()) {
        EXPECT_EQ(r.status, 200) << r.body;
        EXPECT_GE(n, 2) << "the endpoint made no storage call";
        return n - 1;
      }
      ExpectErrorEnvelope(r, failure);
      EXPECT_EQ(Snapshot(), before) << "a failed " << s.endpoint << " changed the store";
    }
    ADD_FAILURE() << s.endpoint << " still failing after 20 storage calls";
    return 20;
  }

  static void ExpectErrorEnvelope(const ApiResponse& r, const Failure& failure) {
    EXPECT_EQ(r.status, failure.http_status) << r.body;
    EXPECT_EQ(r.body.find("disk on fire"), std::string::npos) << "detail leaked: " << r.body;
    boost::json::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    ASSERT_FALSE(ec) << r.body;
    ASSERT_TRUE(v.is_object()) << r.body;
    const auto& o = v.get_object();
    ASSERT_EQ(o.size(), 4u) << r.body;
    EXPECT_EQ(o.at("code").as_int64(), failure.http_status);
    EXPECT_EQ(o.at("message").as_string(), failure.message);
    EXPECT_TRUE(o.at("data").is_null());
    EXPECT_TRUE(o.at("foot").is_object());
  }

  testing::ApiTestBed bed_;
  QiniuUrlSigner media_{MediaSettings{}};
  MessageIdGenerator ids_{1};
  std::unique_ptr<FailingStore> failing_;
  std::unique_ptr<Api> api_;
};

TEST_P(ApiFailureTest, ReadsAnswerTheErrorEnvelope) {
  PutChat("hist", ChatStatus::kChatting, 3);
  for (const Scenario& s : std::vector<Scenario>{
           {"operatorToUserChatMessages", R"({"chatId":"hist","pageNum":1,"pageSize":10})"},
           {"chats", R"({})"},
           {"chatInfo", R"({"chatId":"hist"})"},
           {"searchMessages", R"({"keyword":"hello"})"},
           {"chatTranscript", R"({"chatId":"hist","format":"json"})"},
       }) {
    EXPECT_GE(FailEachCallInTurn(s), 1) << s.endpoint;
  }
}

TEST_P(ApiFailureTest, ReadsOfSeveralStorageCallsFailAtEachOne) {
  PutLongChat("long", 501);  // the transcript reads 500 messages per storage call
  EXPECT_GE(FailEachCallInTurn({"chatTranscript", R"({"chatId":"long","format":"csv"})"}), 3);
  EXPECT_GE(FailEachCallInTurn({"searchMessages", R"({"keyword":"hello","chatId":"long"})"}), 2);
}

TEST_P(ApiFailureTest, FailedCreateChatLeavesNoChat) {
  EXPECT_GE(FailEachCallInTurn({"createChat", R"({"userId":"u1","chatId":"fresh"})"}), 1);
  EXPECT_TRUE(real().GetChat(kChannel, "fresh").ok());  // created once the failures stop
}

TEST_P(ApiFailureTest, FailedTransitionsLeaveTheStatus) {
  PutChat("to-accept", ChatStatus::kWaiting);
  PutChat("to-suspend", ChatStatus::kChatting);
  PutChat("to-resume", ChatStatus::kSuspended);
  PutChat("to-end", ChatStatus::kChatting);
  PutChat("to-delete", ChatStatus::kEnded);
  for (const Scenario& s : std::vector<Scenario>{
           {"acceptChat", R"({"chatId":"to-accept","operatorId":"kf_2"})"},
           {"suspendChat", R"({"chatId":"to-suspend"})"},
           {"resumeChat", R"({"chatId":"to-resume"})"},
           {"endChat", R"({"chatId":"to-end"})"},
           {"deleteChat", R"({"chatId":"to-delete"})"},
       }) {
    EXPECT_GE(FailEachCallInTurn(s), 2) << s.endpoint;  // the chat is read, then moved
  }
  auto accepted = real().GetChat(kChannel, "to-accept");
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(accepted->status, ChatStatus::kChatting);
  EXPECT_EQ(accepted->operator_id.value_or(""), "kf_2");
}

TEST_P(ApiFailureTest, FailedSendMessageLeavesCountAndHistory) {
  PutChat("talk", ChatStatus::kChatting, 2);
  const std::string body =
      R"({"chatId":"talk","direction":"userToOperator","userMessageId":"m-new","type":"txt","msg":"are you there"})";
  EXPECT_GE(FailEachCallInTurn({"sendMessage", body}), 2);
  auto chat = real().GetChat(kChannel, "talk");
  ASSERT_TRUE(chat.ok());
  EXPECT_EQ(chat->message_count, 3);  // stored exactly once, after the failures
  // The failed attempts stored nothing, so only the last one counts: a retry now is its duplicate.
  ApiResponse again = Call("sendMessage", body);
  EXPECT_NE(again.body.find("\"duplicate\":true"), std::string::npos) << again.body;
}

TEST_P(ApiFailureTest, FailedPingMakesReadyzUnavailable) {
  failing_->FailNth(1, Status(GetParam().code, kDetail), StoreCallKind::kPing);
  ApiResponse r = api_->Handle({"GET", "/readyz", "", ""});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"status":"storage unavailable"})");
  EXPECT_TRUE(failing_->failed());
  r = api_->Handle({"GET", "/readyz", "", ""});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ready"})");
}

INSTANTIATE_TEST_SUITE_P(Failures, ApiFailureTest, ::testing::Values(kUnavailable, kInternal),
                         [](const ::testing::TestParamInfo<Failure>& info) {
                           return info.param.code == StatusCode::kUnavailable
                                      ? std::string("Unavailable")
                                      : std::string("Internal");
                         });

}  // namespace
}  // namespace opchat
