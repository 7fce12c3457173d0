#include "http/websocket_frames.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/crypto.hpp"

namespace opchat {
namespace {

// A client frame: FIN, `opcode`, masked with `mask` as RFC 6455 5.3 requires of clients.
std::string ClientFrame(int opcode, const std::string& payload, bool fin = true,
                        const std::string& mask = "\x11\x22\x33\x44") {
  std::string f;
  f += static_cast<char>((fin ? 0x80 : 0) | opcode);
  if (payload.size() < 126) {
    f += static_cast<char>(0x80 | payload.size());
  } else {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xFF);
  }
  f += mask;
  for (size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ mask[i % 4]);
  return f;
}

TEST(WebSocketFramesTest, ServerFramesAreUnmaskedWithTheShortestLength) {
  // RFC 6455 5.7: a single-frame unmasked text message "Hello" is 0x81 0x05 "Hello".
  std::string out;
  AppendWebSocketFrame(out, ws_opcode::kText, "Hello");
  EXPECT_EQ(out, std::string("\x81\x05Hello"));
  out.clear();
  AppendWebSocketFrame(out, ws_opcode::kText, std::string(256, 'x'));
  EXPECT_EQ(out.substr(0, 4), std::string("\x81\x7E\x01\x00", 4)) << "16-bit length";
  EXPECT_EQ(out.size(), 4u + 256);
  out.clear();
  AppendWebSocketFrame(out, ws_opcode::kText, std::string(65536, 'x'));
  EXPECT_EQ(out.substr(0, 10), std::string("\x81\x7F\x00\x00\x00\x00\x00\x01\x00\x00", 10));
  out.clear();
  AppendWebSocketClose(out, 4000, "too slow");
  EXPECT_EQ(out, std::string("\x88\x0A\x0F\xA0too slow", 12));
}

TEST(WebSocketFramesTest, HandshakeAcceptIsTheRfcExample) {
  // RFC 6455 1.3; also: printf 'dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11' |
  //   openssl dgst -sha1 -binary | base64   ->  s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
  EXPECT_EQ(Base64(Sha1Digest("dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11")),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_EQ(Base64("hi?"), "aGk/");  // printf 'hi?' | base64
}

TEST(WebSocketFramesTest, ReadsControlFramesAcrossArbitrarySplits) {
  const std::string stream = ClientFrame(ws_opcode::kText, "ignored data") +
                             ClientFrame(ws_opcode::kPing, "are you there") +
                             ClientFrame(ws_opcode::kClose, std::string("\x03\xE8", 2) + "bye");
  for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    WebSocketFrameReader reader(4096);
    std::vector<WebSocketFrameReader::Control> seen;
    for (size_t at = 0; at < stream.size(); at += chunk) {
      std::string_view data = std::string_view(stream).substr(at, chunk);
      while (!data.empty()) {
        auto r = reader.Feed(data);
        ASSERT_EQ(r.error_code, 0);
        data.remove_prefix(r.consumed);
        if (r.control) seen.push_back(*r.control);
      }
    }
    ASSERT_EQ(seen.size(), 2u) << "chunk " << chunk;
    EXPECT_EQ(seen[0].opcode, ws_opcode::kPing);
    EXPECT_EQ(seen[0].payload, "are you there");
    EXPECT_EQ(seen[1].opcode, ws_opcode::kClose);
    EXPECT_EQ(seen[1].payload, std::string("\x03\xE8", 2) + "bye");
  }
}

TEST(WebSocketFramesTest, RefusesWhatTheProtocolForbids) {
  auto error_of = [](const std::string& bytes, uint64_t max = 4096) {
    WebSocketFrameReader reader(max);
    return reader.Feed(bytes).error_code;
  };
  std::string unmasked("\x89\x00", 2);  // a ping without a mask
  EXPECT_EQ(error_of(unmasked), 1002);
  std::string reserved = ClientFrame(ws_opcode::kText, "x");
  reserved[0] = static_cast<char>(reserved[0] | 0x40);  // RSV1 without an extension
  EXPECT_EQ(error_of(reserved), 1002);
  EXPECT_EQ(error_of(ClientFrame(0x3, "x")), 1002) << "reserved opcode";
  EXPECT_EQ(error_of(ClientFrame(ws_opcode::kPing, std::string(126, 'p'))), 1002) << "long ping";
  EXPECT_EQ(error_of(ClientFrame(ws_opcode::kPing, "p", false)), 1002) << "fragmented ping";
  EXPECT_EQ(error_of(ClientFrame(ws_opcode::kContinuation, "x")), 1002) << "nothing to continue";
  EXPECT_EQ(error_of(ClientFrame(ws_opcode::kText, std::string(200, 'x')), 100), 1009);
  // A fragmented message counts as a whole.
  EXPECT_EQ(error_of(ClientFrame(ws_opcode::kText, std::string(60, 'x'), false) +
                         ClientFrame(ws_opcode::kContinuation, std::string(60, 'x')),
                     100),
            1009);
  EXPECT_EQ(error_of(ClientFrame(ws_opcode::kText, std::string(60, 'x'), false) +
                     ClientFrame(ws_opcode::kPing, "between fragments") +
                     ClientFrame(ws_opcode::kContinuation, std::string(30, 'x'))),
            0)
      << "a control frame may come between fragments";
}

}  // namespace
}  // namespace opchat
