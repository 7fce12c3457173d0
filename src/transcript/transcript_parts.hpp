// What the transcript renderers share: the renderer of each format, the signed link of a
// message, and the plain-text summary of a non-text message. Private to transcript/.
// Pure functions; thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "transcript/transcript.hpp"

namespace opchat {

std::unique_ptr<TranscriptRenderer> MakeJsonTranscript(const TranscriptOptions& options);
std::unique_ptr<TranscriptRenderer> MakeCsvTranscript(const TranscriptOptions& options);
std::unique_ptr<TranscriptRenderer> MakeHtmlTranscript(const TranscriptOptions& options);

// The message's signed getUrl, as the API would answer it; nullopt when it has none or no
// signer is given.
std::optional<std::string> SignedUrlOf(const Message& m, const TranscriptOptions& options);

// Whether the chat's user sent the message (else an operator did).
bool IsFromUser(const Chat& chat, const Message& m);

// One line of text for a message, as a person would read it: the text of txt, else a label and
// the details, e.g. "[图片] a.jpg", "[语音] 6秒", "[位置] 上海市… (31.2304, 121.4737)".
std::string DescribeMessage(const Message& m);

// "12.3 KB"-style size for file lengths.
std::string HumanSize(int64_t bytes);

}  // namespace opchat
