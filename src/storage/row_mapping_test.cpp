#include "storage/row_mapping.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <variant>
#include <vector>

namespace opchat {
namespace {

// A row held in memory: what a writer appends, a reader reads back by index.
using Value = std::variant<std::monostate, int64_t, std::string, double>;

class MemoryRow final : public RowReader, public RowWriter {
 public:
  int64_t Int(int col) const override {
    auto* v = std::get_if<int64_t>(&values_.at(col));
    return v ? *v : 0;
  }
  std::string_view Text(int col) const override {
    auto* v = std::get_if<std::string>(&values_.at(col));
    return v ? std::string_view(*v) : std::string_view();
  }
  std::optional<std::string_view> OptText(int col) const override {
    auto* v = std::get_if<std::string>(&values_.at(col));
    return v ? std::optional<std::string_view>(*v) : std::nullopt;
  }
  std::optional<int64_t> OptInt(int col) const override {
    auto* v = std::get_if<int64_t>(&values_.at(col));
    return v ? std::optional<int64_t>(*v) : std::nullopt;
  }
  std::optional<double> OptDouble(int col) const override {
    auto* v = std::get_if<double>(&values_.at(col));
    return v ? std::optional<double>(*v) : std::nullopt;
  }
  void Add(int64_t v) override { values_.emplace_back(v); }
  void Add(const std::string& v) override { values_.emplace_back(v); }
  void Add(const std::optional<std::string>& v) override {
    v ? values_.emplace_back(*v) : values_.emplace_back();
  }
  void Add(const std::optional<int64_t>& v) override {
    v ? values_.emplace_back(*v) : values_.emplace_back();
  }
  void Add(const std::optional<double>& v) override {
    v ? values_.emplace_back(*v) : values_.emplace_back();
  }
  size_t size() const { return values_.size(); }

 private:
  std::vector<Value> values_;
};

std::vector<std::string> Split(std::string_view list) {
  std::vector<std::string> out;
  std::stringstream in{std::string(list)};
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(' '));
    out.push_back(item);
  }
  return out;
}

TEST(RowMappingTest, MessageRoundTripsThroughItsColumns) {
  Message m;
  m.user_message_id = "u1";
  m.from = "a";
  m.to = "b";
  m.type = "image";
  m.msg = "hi";
  m.url = "http://x";
  m.key = "k";
  m.filename = "f.png";
  m.thumb = "t";
  m.secret = "s";
  m.thumb_secret = "ts";
  m.length = 3;
  m.file_length = 4;
  m.addr = "somewhere";
  m.lat = 1.5;
  m.lng = -2.25;
  m.create_ms = 1'700'000'000'000;
  m.ext = R"({"a":1})";
  MemoryRow row;
  WriteMessage(row, m, 7);
  ASSERT_EQ(row.size(), static_cast<size_t>(kMessageColumnCount));
  Message back = ReadMessage(row);
  EXPECT_EQ(back.seq, 7);
  m.seq = 7;
  EXPECT_EQ(back.user_message_id, m.user_message_id);
  EXPECT_EQ(back.from, m.from);
  EXPECT_EQ(back.to, m.to);
  EXPECT_EQ(back.type, m.type);
  EXPECT_EQ(back.msg, m.msg);
  EXPECT_EQ(back.url, m.url);
  EXPECT_EQ(back.key, m.key);
  EXPECT_EQ(back.filename, m.filename);
  EXPECT_EQ(back.thumb, m.thumb);
  EXPECT_EQ(back.secret, m.secret);
  EXPECT_EQ(back.thumb_secret, m.thumb_secret);
  EXPECT_EQ(back.length, m.length);
  EXPECT_EQ(back.file_length, m.file_length);
  EXPECT_EQ(back.addr, m.addr);
  EXPECT_EQ(back.lat, m.lat);
  EXPECT_EQ(back.lng, m.lng);
  EXPECT_EQ(back.create_ms, m.create_ms);
  EXPECT_EQ(back.ext, m.ext);
}

TEST(RowMappingTest, AbsentFieldsStayAbsent) {
  Message m;
  m.user_message_id = "u1";
  m.type = "text";
  MemoryRow row;
  WriteMessage(row, m, 1);
  Message back = ReadMessage(row);
  EXPECT_FALSE(back.msg.has_value());
  EXPECT_FALSE(back.length.has_value());
  EXPECT_FALSE(back.lat.has_value());
}

TEST(RowMappingTest, NewChatValuesReadBackAsAChat) {
  Chat c;
  c.id = "c1";
  c.channel = "ch";
  c.user_id = "u";
  c.operator_id = "op";
  c.status = ChatStatus::kSuspended;
  c.ext = "{}";
  c.created_ms = 10;
  c.updated_ms = 20;
  MemoryRow row;
  WriteNewChat(row, c);
  ASSERT_EQ(row.size(), static_cast<size_t>(kNewChatValueCount));
  // The columns a new chat leaves to the statement: no messages, no last message time.
  MemoryRow stored;
  for (int i = 0; i < 6; ++i) {
    if (i == 3) {
      stored.Add(row.OptString(i));
    } else if (i == 4) {
      stored.Add(row.Int(i));
    } else {
      stored.Add(row.String(i));
    }
  }
  stored.Add(int64_t{0});
  stored.Add(row.Int(6));
  stored.Add(row.Int(7));
  stored.Add(std::optional<int64_t>());
  Chat back = ReadChat(stored);
  EXPECT_EQ(back.id, "c1");
  EXPECT_EQ(back.channel, "ch");
  EXPECT_EQ(back.user_id, "u");
  EXPECT_EQ(back.operator_id, "op");
  EXPECT_EQ(back.status, ChatStatus::kSuspended);
  EXPECT_EQ(back.message_count, 0);
  EXPECT_EQ(back.created_ms, 10);
  EXPECT_EQ(back.updated_ms, 20);
  EXPECT_FALSE(back.last_message_ms.has_value());
}

TEST(RowMappingTest, UnknownStatusReadsAsWaiting) {
  MemoryRow row;
  for (int i = 0; i < kChatColumnCount; ++i) row.Add(i == 4 ? int64_t{99} : int64_t{0});
  EXPECT_EQ(ReadChat(row).status, ChatStatus::kWaiting);
}

TEST(RowMappingTest, ReadingStartsAtTheGivenColumn) {
  MemoryRow row;
  row.Add(std::string("ignored"));
  Message m;
  m.user_message_id = "u9";
  WriteMessage(row, m, 9);
  EXPECT_EQ(ReadMessage(row, 1).seq, 9);
  EXPECT_EQ(ReadMessage(row, 1).user_message_id, "u9");
}

TEST(RowMappingTest, PrefixedMessageColumnsAreThePlainOnes) {
  auto plain = Split(OPCHAT_MESSAGE_COLUMNS);
  auto prefixed = Split(OPCHAT_M_MESSAGE_COLUMNS);
  ASSERT_EQ(plain.size(), prefixed.size());
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_EQ(prefixed[i], "m." + plain[i]);
  EXPECT_EQ(Split(OPCHAT_CHAT_COLUMNS).size(), static_cast<size_t>(kChatColumnCount));
}

}  // namespace
}  // namespace opchat
