// Loads messages from NDJSON: one message per line with its chat's fields, as written by
// `opchat export` and by the benchmark's dataset generator. Streams: memory stays flat
// whatever the file size. Not thread-safe (one import at a time per object).
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <string>

#include "common/status.hpp"
#include "storage/store.hpp"

namespace opchat {

struct NdjsonImportReport {
  int64_t lines = 0;
  int64_t inserted = 0;
  int64_t duplicates = 0;
  int64_t rejected = 0;  // bad lines, each reported through on_bad_line
};

struct NdjsonImportOptions {
  size_t batch_size = 5000;
  // Batches stored at once, each stream holding its own share of the chats (Store::ImportStreams
  // says how many pay). A chat's messages stay in one stream, so they are stored in file order.
  size_t streams = 1;
  std::string default_channel;  // for lines without "channel"
  ImportOptions store;          // how each batch is written (events or not)
  std::function<void(int64_t line, const std::string& why)> on_bad_line;
  std::function<void(const NdjsonImportReport&)> on_progress;  // after each batch
};

// Accepted keys per line: chatId, channel, chatStatus, chatExt (the chat's ext), userId,
// operatorId, userMessageId, from (or the wire's form), to, type, msg, url, key, filename, thumb,
// secret, thumb_secret, length, file_length, addr, lat, lng, createTime (Unix ms, or local
// "yyyy-MM-dd HH:mm:ss"), timestamp (Unix ms), ext. Other keys (getUrl, seq) are ignored.
// Storage failures stop the import and are returned.
Result<NdjsonImportReport> ImportNdjson(std::istream& in, Store& store,
                                        const NdjsonImportOptions& options);

}  // namespace opchat
