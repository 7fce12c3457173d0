// Fuzzes the reader of a live client's WebSocket frames: any bytes, split anywhere, give control
// frames or a protocol error, never a crash, and never consume more than they were given.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/websocket_frames.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte chooses how the rest is cut into reads.
  const size_t chunk = 1 + data[0] % 64;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  opchat::WebSocketFrameReader reader(4096);
  while (!rest.empty()) {
    std::string_view read = rest.substr(0, chunk);
    rest.remove_prefix(read.size());
    while (!read.empty()) {
      auto r = reader.Feed(read);
      if (r.consumed > read.size()) std::abort();
      if (r.error_code != 0) return 0;  // the connection would end here
      if (r.control && r.control->payload.size() > 125) std::abort();
      if (r.consumed == 0 && !r.control) std::abort();  // no progress: a loop in the server
      read.remove_prefix(r.consumed);
    }
  }
  return 0;
}
