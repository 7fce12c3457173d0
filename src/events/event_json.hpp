// The wire form of an event (docs/api.md, "Events"): the JSON object every transport delivers,
// and the cursor string. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/json_writer.hpp"
#include "domain/event.hpp"
#include "media/qiniu_url.hpp"

namespace opchat {

// {"id","type","channel","chatId","time","data"}; a message's getUrl is signed now (`now_s`),
// at delivery, so that it is fresh whenever the event is read.
void WriteEvent(JsonWriter& w, const Event& event, const ChannelMedia& media, int64_t now_s);
// Just its `data` (what a webhook's body carries).
void WriteEventData(JsonWriter& w, const Event& event, const ChannelMedia& media, int64_t now_s);
// The same as a string of its own (a frame that many connections share).
std::string EncodeEvent(const Event& event, const ChannelMedia& media, int64_t now_s);

// The cursor of event id `id`: its decimal digits. Clients treat it as an opaque string.
std::string FormatCursor(int64_t id);
// The event id of a cursor; nullopt unless it is 1-18 ASCII digits (or "0").
std::optional<int64_t> ParseCursor(std::string_view text);

}  // namespace opchat
