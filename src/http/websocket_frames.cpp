#include "http/websocket_frames.hpp"

#include <algorithm>

namespace opchat {

void AppendWebSocketFrame(std::string& out, int opcode, std::string_view payload) {
  out += static_cast<char>(0x80 | opcode);  // FIN
  const uint64_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(n);
  } else if (n <= 0xFFFF) {
    out += static_cast<char>(126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xFF);
  } else {
    out += static_cast<char>(127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xFF);
  }
  out.append(payload);
}

void AppendWebSocketClose(std::string& out, int code, std::string_view reason) {
  std::string payload;
  payload += static_cast<char>((code >> 8) & 0xFF);
  payload += static_cast<char>(code & 0xFF);
  payload.append(reason.substr(0, 123));  // control frames carry at most 125 bytes
  AppendWebSocketFrame(out, ws_opcode::kClose, payload);
}

// The header is 2 bytes, then 2 or 8 of extended length, then the 4-byte mask. Returns false
// while incomplete; sets error_ on a frame this server refuses.
bool WebSocketFrameReader::ParseHeader() {
  if (header_.size() < 2) return false;
  const auto* h = reinterpret_cast<const unsigned char*>(header_.data());
  if ((h[1] & 0x80) == 0 || (h[0] & 0x70) != 0) {  // clients mask; no extension was agreed
    error_ = 1002;
    return false;
  }
  const size_t length_bytes = (h[1] & 0x7F) == 126 ? 2 : (h[1] & 0x7F) == 127 ? 8 : 0;
  if (header_.size() < 2 + length_bytes + 4) return false;
  fin_ = (h[0] & 0x80) != 0;
  opcode_ = h[0] & 0x0F;
  uint64_t length = h[1] & 0x7F;
  if (length_bytes > 0) {
    length = 0;
    for (size_t i = 0; i < length_bytes; ++i) length = (length << 8) | h[2 + i];
  }
  std::copy_n(h + 2 + length_bytes, 4, mask_);
  const bool control = (opcode_ & 0x8) != 0;
  const bool known = opcode_ == ws_opcode::kContinuation || opcode_ == ws_opcode::kText ||
                     opcode_ == ws_opcode::kBinary || opcode_ == ws_opcode::kClose ||
                     opcode_ == ws_opcode::kPing || opcode_ == ws_opcode::kPong;
  // Control frames are short and whole, and continuation frames continue something.
  if (!known || (control && (!fin_ || length > 125)) ||
      (opcode_ == ws_opcode::kContinuation && !in_message_) ||
      ((opcode_ == ws_opcode::kText || opcode_ == ws_opcode::kBinary) && in_message_)) {
    error_ = 1002;
    return false;
  }
  if (!control) {
    if (opcode_ != ws_opcode::kContinuation) message_bytes_ = 0;
    message_bytes_ += length;
    if (message_bytes_ > max_message_) {
      error_ = 1009;
      return false;
    }
    in_message_ = !fin_;
  }
  remaining_ = length;
  offset_ = 0;
  control_payload_.clear();
  header_.clear();
  return true;
}

WebSocketFrameReader::Result WebSocketFrameReader::Feed(std::string_view data) {
  Result r;
  while (error_ == 0) {
    if (state_ == State::kHeader) {
      if (r.consumed == data.size()) break;
      // One byte at a time until the header is whole: headers are short.
      header_ += data[r.consumed++];
      if (!ParseHeader()) {
        if (header_.size() > 14) error_ = 1002;  // cannot happen: 14 bytes is the longest
        continue;
      }
      state_ = State::kPayload;
    }
    // Payload: control frames are kept (unmasked), data is skipped.
    const uint64_t take = std::min<uint64_t>(remaining_, data.size() - r.consumed);
    if ((opcode_ & 0x8) != 0) {
      for (uint64_t i = 0; i < take; ++i) {
        control_payload_ += static_cast<char>(data[r.consumed + i] ^ mask_[(offset_ + i) % 4]);
      }
    }
    r.consumed += take;
    offset_ += take;
    remaining_ -= take;
    if (remaining_ > 0) break;  // the rest comes later
    state_ = State::kHeader;
    if ((opcode_ & 0x8) != 0) {
      r.control = Control{opcode_, std::move(control_payload_)};
      control_payload_.clear();
      return r;
    }
  }
  r.error_code = error_;
  return r;
}

}  // namespace opchat
