// The JSON transcript: {"chat": <chat object>, "timezone": "+08:00", "messages": [<§1 message>,
// ...], "count": N} — the same objects the API answers, getUrl signed as of now.
#include "codec/message_codec.hpp"
#include "common/clock.hpp"
#include "common/json_writer.hpp"
#include "transcript/transcript_parts.hpp"

namespace opchat {
namespace {

class JsonTranscript final : public TranscriptRenderer {
 public:
  explicit JsonTranscript(const TranscriptOptions& options) : options_(options) {}

  void Begin(const Chat& chat, std::string& out) override {
    JsonWriter w(out);
    w.BeginObject();
    w.Key("chat");
    WriteChat(w, chat);
    w.Key("timezone");
    w.String(ZoneOffsetString(options_.now_s * 1000));
    w.Key("messages");
    out += '[';
  }

  void Add(const Message& m, std::string& out) override {
    if (count_++ > 0) out += ',';
    JsonWriter w(out);
    WriteMessage(w, m, options_.media, options_.now_s);
  }

  void End(std::string& out) override {
    out += "],\"count\":";
    out += std::to_string(count_);
    out += "}";
  }

 private:
  const TranscriptOptions options_;
  int64_t count_ = 0;
};

}  // namespace

std::unique_ptr<TranscriptRenderer> MakeJsonTranscript(const TranscriptOptions& options) {
  return std::make_unique<JsonTranscript>(options);
}

}  // namespace opchat
