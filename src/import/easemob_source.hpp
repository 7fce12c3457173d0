// Reads the JSON records of one Easemob chat-history file, whatever its shape:
// - one record per line (the hourly history-export files), or
// - one JSON document: the REST `chatmessages` response {"entities": [...]}, a JSON array of
//   records, or a single (pretty-printed) record.
// Plain or gzip (recognised by its magic bytes, not its name; concatenated gzip members too).
// Line mode streams; document mode holds the one document in memory (REST responses are
// pages of at most 1000 records): a first line that is not a record by itself starts document
// mode, and text that does not parse as one document of at most kMaxDocumentBytes is read as
// lines after all, each bad line reported on its own.
// Not thread-safe: one reader per file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "common/status.hpp"

namespace opchat {

class EasemobSource {
 public:
  static constexpr int64_t kMaxDocumentBytes = int64_t{64} << 20;

  // One record, or why the text at `line` is not one.
  struct Item {
    int64_t line = 0;  // 1-based line (of the decompressed text) where the record starts
    std::optional<boost::json::object> record;
    std::string error;  // set when record is absent
  };

  // InvalidArgument when the file cannot be opened.
  static Result<std::unique_ptr<EasemobSource>> Open(const std::string& path);
  ~EasemobSource();
  EasemobSource(const EasemobSource&) = delete;
  EasemobSource& operator=(const EasemobSource&) = delete;

  // The next item; nullopt at the end. Fails (InvalidArgument) only when the file itself cannot
  // be read: an I/O error, a corrupt or truncated gzip stream, a line over kMaxDocumentBytes.
  Result<std::optional<Item>> Next();

  // Bytes of the file as stored (compressed bytes for gzip) read so far, and its size.
  int64_t consumed_bytes() const;
  int64_t total_bytes() const { return total_bytes_; }

 private:
  explicit EasemobSource(std::string path) : path_(std::move(path)) {}
  Status Reopen();
  // Reads the next line (without its '\n') into *line; false at the end.
  Result<bool> ReadLine(std::string* line);
  Status StartDocument(std::string first_line);
  Item ItemOfLine(int64_t line_no, const std::string& line) const;

  const std::string path_;
  void* gz_ = nullptr;  // gzFile; void* keeps zlib.h out of this header
  int64_t total_bytes_ = 0;
  std::string buffer_;  // decompressed bytes read but not yet returned as lines
  size_t buffer_pos_ = 0;
  bool eof_ = false;
  int64_t line_no_ = 0;
  bool started_ = false;
  // Document mode: the records and their starting lines, handed out in order.
  std::vector<Item> items_;
  size_t next_item_ = 0;
  bool document_mode_ = false;
};

// The 1-based line on which each element of the document's record array starts: the array under
// the top-level key "entities", or the top-level array itself. Empty when there is neither.
// Exposed for tests.
std::vector<int64_t> RecordStartLines(std::string_view document);

}  // namespace opchat
