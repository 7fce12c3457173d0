// Process logging setup, and a limiter for warnings that repeat. spdlog's default logger is used
// everywhere after InitLogging(). Every entry is one line: a timestamp, the level, the message;
// line breaks and other control characters inside a message (libpq's messages hold "\n\t")
// are written as spaces, so a log line can be parsed and counted.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/mutex.hpp"

namespace opchat {

// Routes the default logger to stderr with `level` ("debug", "info", "warn", "error", "off").
void InitLogging(const std::string& level);

// `text` with every control character (newline, tab, ESC, ...) replaced by a space and runs of
// such characters collapsed to one, so it fits on one log or terminal line.
std::string OneLine(std::string_view text);

// Logs one kind of repeated event (a storage outage seen by every request, a periodic task
// failing every run) at most once per interval. The first event is logged at once; events
// within the interval after a logged one are only counted, and the next logged line says how
// many were held back. Thread-safe.
class RateLimitedLog {
 public:
  explicit RateLimitedLog(std::chrono::milliseconds interval = std::chrono::seconds(5))
      : interval_(interval) {}

  // Logs "MESSAGE" or "MESSAGE (N similar suppressed)" at warn / error level, or nothing
  // while the interval since the last logged line runs.
  void Warn(std::string_view message);
  void Error(std::string_view message);

  // The decision alone, for an event at `now`: nullopt to hold it back, else the number of
  // events held back since the last one let through.
  std::optional<int64_t> Admit(std::chrono::steady_clock::time_point now);

 private:
  const std::chrono::milliseconds interval_;
  Mutex mu_;
  std::optional<std::chrono::steady_clock::time_point> last_logged_ GUARDED_BY(mu_);
  int64_t suppressed_ GUARDED_BY(mu_) = 0;
};

}  // namespace opchat
