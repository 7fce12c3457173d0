// One line of opchat's NDJSON (a message with its chat's fields) into an ImportRecord.
//
// Two readers give the same answer. The tree reader parses the line into a JSON tree and takes
// the fields with the request-field helpers, as the API does; it decides every error. The
// streaming reader, tried first, takes the values as the parser meets them, into buffers kept
// from line to line, and handles the common shape only: flat values of the expected types, `ext`
// and `chatExt` empty. Anything else, and any line it would refuse, goes to the tree reader.
// (The tree reader alone spent 3.6 µs a line, most of an import's parsing thread.)
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "storage/store.hpp"

namespace opchat {

class NdjsonLineReader {
 public:
  // `default_channel` is for lines without "channel".
  explicit NdjsonLineReader(std::string default_channel);
  ~NdjsonLineReader();

  // Reads `line` into `out`, reusing the memory of the strings `out` holds. On failure `out` is
  // unspecified and the status names the offending field.
  Status Read(std::string_view line, ImportRecord& out);

  // The two readers on their own, for tests that hold one against the other. TryStreaming
  // returns false when the line needs the tree reader.
  bool TryStreaming(std::string_view line, ImportRecord& out);
  Status ReadTree(std::string_view line, ImportRecord& out);

 private:
  struct Streaming;
  const std::string default_channel_;
  std::unique_ptr<Streaming> streaming_;
};

}  // namespace opchat
