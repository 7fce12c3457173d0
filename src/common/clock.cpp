#include "common/clock.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>

namespace opchat {
namespace {

// localtime_r takes glibc's time-zone lock; a page renders up to hundreds of times with the
// same hour, so each thread remembers the offset of the last hour it converted.
struct HourOffsetCache {
  int64_t hour = INT64_MIN;
  int64_t offset_s = 0;
};
thread_local HourOffsetCache tls_offset;

int64_t OffsetSecondsAt(int64_t utc_s) {
  int64_t hour = utc_s >= 0 ? utc_s / 3600 : (utc_s - 3599) / 3600;
  if (tls_offset.hour != hour) {
    time_t t = static_cast<time_t>(hour * 3600);
    struct tm tm {};
    localtime_r(&t, &tm);
    tls_offset.hour = hour;
    tls_offset.offset_s = tm.tm_gmtoff;
  }
  return tls_offset.offset_s;
}

void Put2(char* p, int v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

int64_t NowMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Status SetProcessTimeZone(const std::string& zone) {
  if (zone.empty() || zone.find("..") != std::string::npos ||
      !std::filesystem::exists("/usr/share/zoneinfo/" + zone)) {
    return Status::InvalidArgument("unknown time zone: " + zone);
  }
  setenv("TZ", zone.c_str(), 1);
  tzset();
  tls_offset = {};
  return Status::Ok();
}

void AppendLocalTime(std::string& out, int64_t utc_ms) {
  int64_t utc_s = utc_ms >= 0 ? utc_ms / 1000 : (utc_ms - 999) / 1000;
  int64_t local_s = utc_s + OffsetSecondsAt(utc_s);
  // Civil-from-days (H. Hinnant): exact for the proleptic Gregorian calendar.
  int64_t days = local_s >= 0 ? local_s / 86400 : (local_s - 86399) / 86400;
  int64_t sod = local_s - days * 86400;
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[20];
  if (y < 0 || y > 9999) y = 0;
  Put2(buf, static_cast<int>(y / 100));
  Put2(buf + 2, static_cast<int>(y % 100));
  buf[4] = '-';
  Put2(buf + 5, static_cast<int>(m));
  buf[7] = '-';
  Put2(buf + 8, static_cast<int>(d));
  buf[10] = ' ';
  Put2(buf + 11, static_cast<int>(sod / 3600));
  buf[13] = ':';
  Put2(buf + 14, static_cast<int>(sod / 60 % 60));
  buf[16] = ':';
  Put2(buf + 17, static_cast<int>(sod % 60));
  out.append(buf, 19);
}

std::string FormatLocalTime(int64_t utc_ms) {
  std::string s;
  AppendLocalTime(s, utc_ms);
  return s;
}

std::string FormatUtcRfc3339(int64_t utc_ms) {
  const int64_t ms = ((utc_ms % 1000) + 1000) % 1000;
  const time_t seconds = static_cast<time_t>((utc_ms - ms) / 1000);
  struct tm t {};
  gmtime_r(&seconds, &t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, static_cast<int>(ms));
  return buf;
}

std::optional<int64_t> ParseLocalTime(std::string_view text) {
  if (text.size() != 19) return std::nullopt;
  auto digits = [&](size_t pos, size_t n) -> int {
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  if (text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  int y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2);
  int h = digits(11, 2), mi = digits(14, 2), s = digits(17, 2);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      s < 0 || s > 59) {
    return std::nullopt;
  }
  struct tm tm {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  time_t t = mktime(&tm);
  if (t == static_cast<time_t>(-1)) return std::nullopt;
  // mktime normalises 2024-02-31 into March: refuse dates that do not exist.
  if (tm.tm_mday != d || tm.tm_mon != mo - 1) return std::nullopt;
  return static_cast<int64_t>(t) * 1000;
}

std::string ZoneOffsetString(int64_t utc_ms) {
  int64_t off = OffsetSecondsAt(utc_ms / 1000);
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", sign, static_cast<int>(off / 3600),
                static_cast<int>(off / 60 % 60));
  return buf;
}

}  // namespace opchat
