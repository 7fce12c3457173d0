// WebSocket framing (RFC 6455, section 5) for the server side of GET /op/v2/live, after Beast has
// done the opening handshake: writing unmasked frames, and reading the client's masked ones. The
// live transport writes its own frames so that all the events ready for a connection go out in
// one write (Beast writes one message per call, and on loopback each write costs more than the
// frame). Pure, no I/O; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace opchat {

namespace ws_opcode {
constexpr int kContinuation = 0x0;
constexpr int kText = 0x1;
constexpr int kBinary = 0x2;
constexpr int kClose = 0x8;
constexpr int kPing = 0x9;
constexpr int kPong = 0xA;
}  // namespace ws_opcode

// Appends one final, unmasked frame of `opcode` carrying `payload` to `out`.
void AppendWebSocketFrame(std::string& out, int opcode, std::string_view payload);
// Appends a close frame: `code` (two bytes) and `reason` (cut to 123 bytes).
void AppendWebSocketClose(std::string& out, int code, std::string_view reason);

// Reads a client's frames from the bytes it sends, as they arrive. Control frames come out
// whole (unmasked); data frames are counted and dropped (a live client has nothing to say), up to
// `max_message_bytes` per message.
class WebSocketFrameReader {
 public:
  explicit WebSocketFrameReader(uint64_t max_message_bytes) : max_message_(max_message_bytes) {}

  struct Control {
    int opcode = 0;  // ping, pong or close
    std::string payload;
  };
  // What Feed found: control frames to act on, or the protocol error that ends the connection
  // (the close code to send: 1002 protocol error, 1009 message too big).
  struct Result {
    std::optional<Control> control;  // at most one per call: call Feed again with the rest
    size_t consumed = 0;             // bytes of `data` used
    int error_code = 0;
  };
  // Consumes bytes from `data` until a control frame is complete, the data runs out, or an error.
  Result Feed(std::string_view data);

 private:
  enum class State { kHeader, kPayload };
  bool ParseHeader();

  const uint64_t max_message_;
  State state_ = State::kHeader;
  std::string header_;  // the current frame's header bytes, while incomplete
  int opcode_ = 0;
  bool fin_ = false;
  uint64_t remaining_ = 0;  // payload bytes of the current frame still to come
  uint64_t offset_ = 0;     // payload bytes of the current frame seen (for the mask)
  unsigned char mask_[4] = {0, 0, 0, 0};
  std::string control_payload_;
  uint64_t message_bytes_ = 0;  // of the data message in progress
  bool in_message_ = false;     // a fragmented data message has begun
  int error_ = 0;
};

}  // namespace opchat
