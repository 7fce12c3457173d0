// The CSV transcript, for Excel: UTF-8 with a byte-order mark (without it Excel reads the
// Chinese text as the local code page), CRLF line ends, RFC 4180 quoting. Columns:
//   序号 (seq), 时间 (createTime), 角色 (用户/客服), 发送方 (form), 接收方 (to), 类型 (type),
//   内容 (text, or a summary such as "[图片] a.jpg"), 链接 (signed getUrl), 消息ID (userMessageId)
#include "common/clock.hpp"
#include "transcript/transcript_parts.hpp"

namespace opchat {
namespace {

// A cell: quoted when it holds a comma, quote or line break. A cell that Excel would read as
// a formula (starting with = + - @, or a tab or CR) gets a leading apostrophe, so a message
// typed by a customer is never executed on an operator's machine (CSV injection).
void AppendCell(std::string& out, std::string_view v, bool last = false) {
  std::string cell;
  if (!v.empty() &&
      (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r')) {
    cell += '\'';
  }
  cell += v;
  if (cell.find_first_of(",\"\r\n") != std::string::npos) {
    out += '"';
    for (char c : cell) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  } else {
    out += cell;
  }
  out += last ? "\r\n" : ",";
}

class CsvTranscript final : public TranscriptRenderer {
 public:
  explicit CsvTranscript(const TranscriptOptions& options) : options_(options) {}

  void Begin(const Chat& chat, std::string& out) override {
    chat_ = chat;
    out += "\xEF\xBB\xBF";
    out += "序号,时间,角色,发送方,接收方,类型,内容,链接,消息ID\r\n";
  }

  void Add(const Message& m, std::string& out) override {
    AppendCell(out, std::to_string(m.seq));
    AppendCell(out, FormatLocalTime(m.create_ms));
    AppendCell(out, IsFromUser(chat_, m) ? "用户" : "客服");
    AppendCell(out, m.from);
    AppendCell(out, m.to);
    AppendCell(out, m.type);
    AppendCell(out, DescribeMessage(m));
    AppendCell(out, SignedUrlOf(m, options_).value_or(""));
    AppendCell(out, m.user_message_id, true);
  }

  void End(std::string&) override {}

 private:
  const TranscriptOptions options_;
  Chat chat_;
};

}  // namespace

std::unique_ptr<TranscriptRenderer> MakeCsvTranscript(const TranscriptOptions& options) {
  return std::make_unique<CsvTranscript>(options);
}

}  // namespace opchat
