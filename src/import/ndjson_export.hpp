// Writes messages as NDJSON (`opchat export`): one message per line, the message object of
// docs/api.md that the history endpoint answers (WriteMessage), followed by what re-creates it
// elsewhere:
//   ..."seq", "timestamp", "key", "chatId", "channel", "userId", "operatorId", "chatStatus",
//   "chatExt"
// `opchat import ndjson` reads these lines back. getUrl is null unless signing is asked for: a
// signed URL depends on the time of export and carries a live download token, and without it an
// export of a chat imported from an export is byte-identical to that export.
// Streams: memory stays flat whatever the export size. Thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "common/status.hpp"
#include "media/qiniu_url.hpp"
#include "storage/store.hpp"

namespace opchat {

struct NdjsonExportOptions {
  const QiniuUrlSigner* sign_urls = nullptr;  // when set, getUrl is signed as of now
  std::function<void(int64_t messages, int64_t chats)> on_progress;  // every few thousand lines
};

struct NdjsonExportReport {
  int64_t messages = 0;
  int64_t chats = 0;
};

// Appends one line, '\n' included. `signer` null: getUrl is null.
void AppendExportLine(std::string& out, const Chat& chat, const Message& message,
                      const QiniuUrlSigner* signer, int64_t now_s);

// Writes the filter's messages to `out`. Storage errors as Store::ForEachMessage returns them;
// Unavailable when `out` fails.
Result<NdjsonExportReport> ExportNdjson(Store& store, const ExportFilter& filter, std::ostream& out,
                                        const NdjsonExportOptions& options = {});

}  // namespace opchat
