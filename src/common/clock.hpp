// Wall-clock time and its rendering in the configured time zone.
// Times are stored as UTC milliseconds; the wire shows "yyyy-MM-dd HH:mm:ss" in one
// process-wide zone (docs/api.md: times are UTC ms, written in the configured zone). Thread-safe
// after SetProcessTimeZone().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace opchat {

int64_t NowMillis();

// Makes `zone` (an IANA name such as "Asia/Shanghai") the zone of every rendering below.
// Fails when the zone is unknown to the system's tz database. Call once, before threads start.
Status SetProcessTimeZone(const std::string& zone);

// "yyyy-MM-dd HH:mm:ss" of `utc_ms` in the process zone.
std::string FormatLocalTime(int64_t utc_ms);
// Appends the same 19 characters to `out` (the hot path: no allocation of its own).
void AppendLocalTime(std::string& out, int64_t utc_ms);

// Parses "yyyy-MM-dd HH:mm:ss" in the process zone; nullopt when malformed or out of range.
std::optional<int64_t> ParseLocalTime(std::string_view text);

// RFC 3339 in UTC with milliseconds, "2026-12-01T08:06:48.123Z" (whatever the process zone).
std::string FormatUtcRfc3339(int64_t utc_ms);
// UTC offset of the process zone at `utc_ms`, as "+08:00".
std::string ZoneOffsetString(int64_t utc_ms);

}  // namespace opchat
