// The HTML transcript: one self-contained page (inline CSS, no script, no external style or
// font) that opens from a file or an e-mail attachment. The user's messages are bubbles on the
// left, the operators' on the right. Every stored string is HTML-escaped; the only URLs in
// src/href are the signed getUrl links (built from the configured media domain, never from a
// message's own `url`) and a map link made of two numbers, and a Content-Security-Policy
// forbids scripts, so a message cannot inject markup or code.
#include <cstdio>

#include "common/clock.hpp"
#include "transcript/transcript_parts.hpp"

namespace opchat {
namespace {

constexpr std::string_view kStyle = R"css(
body{margin:0;background:#f2f3f5;color:#1f2329;
font:14px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif}
header{background:#fff;padding:16px 24px;border-bottom:1px solid #e5e6eb}
header h1{margin:0 0 8px;font-size:18px}
header dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0;font-size:13px}
header dt{color:#86909c}header dd{margin:0;word-break:break-all}
main{max-width:860px;margin:0 auto;padding:16px}
.msg{display:flex;flex-direction:column;margin:10px 0;max-width:75%}
.msg.user{align-items:flex-start;margin-right:auto}
.msg.operator{align-items:flex-end;margin-left:auto}
.meta{font-size:12px;color:#86909c;margin:0 4px 2px}
.bubble{padding:8px 12px;border-radius:10px;background:#fff;
white-space:pre-wrap;word-break:break-word}
.operator .bubble{background:#d6ecff}
.bubble img{max-width:240px;max-height:240px;display:block;border-radius:6px}
.bubble video{max-width:320px;display:block}
.note{color:#86909c;font-size:12px}
pre{margin:4px 0 0;font-size:12px;white-space:pre-wrap;word-break:break-all}
footer{text-align:center;color:#86909c;font-size:12px;padding:16px}
)css";

void AppendEscaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
}

std::string Escaped(std::string_view text) {
  std::string out;
  AppendEscaped(out, text);
  return out;
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

class HtmlTranscript final : public TranscriptRenderer {
 public:
  explicit HtmlTranscript(const TranscriptOptions& options) : options_(options) {}

  void Begin(const Chat& chat, std::string& out) override {
    chat_ = chat;
    out +=
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src http: https: data:; media-src http: https:\">\n"
        "<title>会话记录 ";
    AppendEscaped(out, chat.id);
    out += "</title>\n<style>";
    out += kStyle;
    out += "</style></head>\n<body>\n<header><h1>会话记录</h1><dl>";
    Row(out, "会话", chat.id);
    Row(out, "渠道", chat.channel);
    Row(out, "状态", StatusText(chat.status));
    Row(out, "用户", chat.user_id);
    Row(out, "客服", chat.operator_id.value_or("—"));
    Row(out, "开始", FormatLocalTime(chat.created_ms));
    Row(out, "时区", ZoneOffsetString(chat.created_ms));
    out += "</dl></header>\n<main>\n";
  }

  void Add(const Message& m, std::string& out) override {
    ++count_;
    const bool user = IsFromUser(chat_, m);
    out += user ? "<div class=\"msg user\">" : "<div class=\"msg operator\">";
    out += "<div class=\"meta\">";
    AppendEscaped(out, m.from);
    out += " · <time>";
    out += FormatLocalTime(m.create_ms);
    out += "</time></div><div class=\"bubble\">";
    Content(m, out);
    out += "</div></div>\n";
  }

  void End(std::string& out) override {
    out += "</main>\n<footer>共 " + std::to_string(count_) + " 条消息 · 生成于 " +
           FormatLocalTime(options_.now_s * 1000) + "</footer>\n</body></html>\n";
  }

 private:
  static void Row(std::string& out, std::string_view name, std::string_view value) {
    out += "<dt>";
    out += name;
    out += "</dt><dd>";
    AppendEscaped(out, value);
    out += "</dd>";
  }

  void Content(const Message& m, std::string& out) const {
    const auto link = SignedUrlOf(m, options_);
    const std::string href = link ? Escaped(*link) : "";
    if (m.type == "txt") {
      AppendEscaped(out, m.msg.value_or(""));
    } else if (m.type == "img" && link) {
      out += "<a href=\"" + href + "\"><img src=\"" + href + "\" alt=\"" +
             Escaped(m.filename.value_or("图片")) + "\"></a>";
    } else if (m.type == "audio" && link) {
      out += "<audio controls preload=\"none\" src=\"" + href + "\"></audio>";
      out += "<div class=\"note\">" + Escaped(DescribeMessage(m)) + "</div>";
    } else if (m.type == "video" && link) {
      out += "<video controls preload=\"none\" src=\"" + href + "\"></video>";
      out += "<div class=\"note\">" + Escaped(DescribeMessage(m)) + "</div>";
    } else if (m.type == "file" && link) {
      out += "📎 <a href=\"" + href + "\">" + Escaped(m.filename.value_or("文件")) + "</a>";
      if (m.file_length) out += " <span class=\"note\">" + HumanSize(*m.file_length) + "</span>";
    } else if (m.type == "loc") {
      out += "📍 ";
      AppendEscaped(out, m.addr.value_or(""));
      if (m.lat && m.lng) {
        // Built from two numbers only, so no stored text reaches the URL.
        out +=
            "<div class=\"note\"><a href=\"https://uri.amap.com/marker?position=" + Number(*m.lng) +
            "," + Number(*m.lat) + "\">" + Number(*m.lat) + ", " + Number(*m.lng) + "</a></div>";
      }
    } else if (m.type == "custom") {
      out += "<span class=\"note\">[自定义]</span> ";
      AppendEscaped(out, m.msg.value_or(""));
      out += "<pre>";
      AppendEscaped(out, m.ext);
      out += "</pre>";
    } else {
      out += "<span class=\"note\">";
      AppendEscaped(out, DescribeMessage(m));
      out += "</span>";
    }
  }

  const TranscriptOptions options_;
  Chat chat_;
  int64_t count_ = 0;
};

}  // namespace

std::unique_ptr<TranscriptRenderer> MakeHtmlTranscript(const TranscriptOptions& options) {
  return std::make_unique<HtmlTranscript>(options);
}

}  // namespace opchat
