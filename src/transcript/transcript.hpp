// Transcripts: one chat rendered for people — JSON (the API's chat and message objects), CSV
// (UTF-8 with a byte-order mark, so Excel reads the Chinese text; CRLF lines) and a
// self-contained HTML page (bubbles: user left, operator right; images, audio and video through
// their signed getUrl; times in the configured zone; every text HTML-escaped; no script).
// Used by `opchat transcript` and POST /op/v2/chatTranscript. Renderers are stateful (one per
// transcript); the free functions are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "domain/chat.hpp"
#include "media/qiniu_url.hpp"
#include "storage/store.hpp"

namespace opchat {

enum class TranscriptFormat { kJson, kCsv, kHtml };

// "json", "csv" or "html"; nullopt for anything else.
std::optional<TranscriptFormat> ParseTranscriptFormat(std::string_view name);
std::string_view FormatName(TranscriptFormat format);
// The MIME type of the rendered bytes, e.g. "text/csv; charset=utf-8".
std::string_view ContentTypeOf(TranscriptFormat format);

struct TranscriptOptions {
  ChannelMedia media{nullptr, nullptr};  // signs getUrl of stored objects; no signer: no links
  int64_t now_s = 0;                     // dates the signed URLs and the page footer
  int64_t first_seq = 1;  // the first message rendered (1-based position in the chat)
  int64_t last_seq = 0;   // the last one; 0 = the chat's last at the time it was read
  int64_t max_bytes = 0;  // a cap on the whole document; 0 = none
};

// Renders one chat incrementally: Begin, Add for each message in chat order, End. Each call
// appends to `out`, which the caller may drain in between.
class TranscriptRenderer {
 public:
  virtual ~TranscriptRenderer() = default;
  virtual void Begin(const Chat& chat, std::string& out) = 0;
  virtual void Add(const Message& message, std::string& out) = 0;
  virtual void End(std::string& out) = 0;
};

std::unique_ptr<TranscriptRenderer> MakeTranscriptRenderer(TranscriptFormat format,
                                                           const TranscriptOptions& options);

// Reads `chat`'s messages (those of options.first_seq..last_seq) page by page and renders
// them, handing the output to `sink` in chunks. Returns the first error of storage or of
// `sink`, or PayloadTooLarge as soon as the document would pass options.max_bytes: it stops
// there, having held at most one chunk and one message beyond the cap. `fitted_through`
// (optional) receives the position of the last message that fitted under the cap.
Status WriteTranscript(Store& store, const Chat& chat, TranscriptFormat format,
                       const TranscriptOptions& options,
                       const std::function<Status(std::string_view chunk)>& sink,
                       int64_t* fitted_through = nullptr);

}  // namespace opchat
