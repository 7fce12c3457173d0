#include "transcript/transcript.hpp"

#include <algorithm>

#include "transcript/transcript_parts.hpp"

namespace opchat {
namespace {

constexpr int64_t kPage = 500;           // messages read per storage call
constexpr size_t kChunkBytes = 1 << 16;  // output handed to the sink at a time

}  // namespace

std::optional<TranscriptFormat> ParseTranscriptFormat(std::string_view name) {
  if (name == "json") return TranscriptFormat::kJson;
  if (name == "csv") return TranscriptFormat::kCsv;
  if (name == "html") return TranscriptFormat::kHtml;
  return std::nullopt;
}

std::string_view FormatName(TranscriptFormat format) {
  switch (format) {
    case TranscriptFormat::kJson: return "json";
    case TranscriptFormat::kCsv: return "csv";
    case TranscriptFormat::kHtml: return "html";
  }
  return "json";
}

std::string_view ContentTypeOf(TranscriptFormat format) {
  switch (format) {
    case TranscriptFormat::kJson: return "application/json; charset=utf-8";
    case TranscriptFormat::kCsv: return "text/csv; charset=utf-8";
    case TranscriptFormat::kHtml: return "text/html; charset=utf-8";
  }
  return "application/octet-stream";
}

std::unique_ptr<TranscriptRenderer> MakeTranscriptRenderer(TranscriptFormat format,
                                                           const TranscriptOptions& options) {
  switch (format) {
    case TranscriptFormat::kJson: return MakeJsonTranscript(options);
    case TranscriptFormat::kCsv: return MakeCsvTranscript(options);
    case TranscriptFormat::kHtml: return MakeHtmlTranscript(options);
  }
  return MakeJsonTranscript(options);
}

Status WriteTranscript(Store& store, const Chat& chat, TranscriptFormat format,
                       const TranscriptOptions& options,
                       const std::function<Status(std::string_view chunk)>& sink,
                       int64_t* fitted_through) {
  auto renderer = MakeTranscriptRenderer(format, options);
  std::string out;
  int64_t sent = 0;  // bytes already handed to the sink
  int64_t fitted = options.first_seq - 1;
  // Checked after every message, not every chunk: one message may render to hundreds of KB.
  auto over_cap = [&] {
    if (options.max_bytes <= 0 || sent + static_cast<int64_t>(out.size()) <= options.max_bytes) {
      return false;
    }
    if (fitted_through) *fitted_through = fitted;
    return true;
  };
  auto too_large = [&] {
    return Status(StatusCode::kResourceExhausted,
                  "transcript over " + std::to_string(options.max_bytes) + " bytes");
  };
  renderer->Begin(chat, out);
  // Positions are dense, so the chat's count at the time it was read bounds the pages; later
  // messages belong to a later transcript.
  const int64_t last =
      options.last_seq > 0 ? std::min(options.last_seq, chat.message_count) : chat.message_count;
  for (int64_t first = std::max<int64_t>(1, options.first_seq); first <= last; first += kPage) {
    SeqRange range{first, std::min(last, first + kPage - 1), false};
    ASSIGN_OR_RETURN(auto messages, store.ReadMessages(chat.channel, chat.id, range));
    for (const Message& m : messages) {
      renderer->Add(m, out);
      if (over_cap()) return too_large();
      fitted = m.seq;
      if (out.size() >= kChunkBytes) {
        RETURN_IF_ERROR(sink(out));
        sent += static_cast<int64_t>(out.size());
        out.clear();
      }
    }
  }
  renderer->End(out);
  if (over_cap()) return too_large();
  if (fitted_through) *fitted_through = fitted;
  return sink(out);
}

}  // namespace opchat
