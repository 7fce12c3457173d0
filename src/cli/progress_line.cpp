#include "cli/progress_line.hpp"

#include <unistd.h>

#include <cstdio>

namespace opchat::cli {

ProgressLine::ProgressLine(std::string what, std::string unit)
    : what_(std::move(what)),
      unit_(std::move(unit)),
      enabled_(isatty(STDERR_FILENO) == 1),
      started_(std::chrono::steady_clock::now()) {}

double ProgressLine::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

void ProgressLine::Update(int64_t done, double fraction) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  drawn_ = true;
  const double s = elapsed_s();
  const double rate = s > 0 ? done / s : 0;
  char tail[64] = "";
  if (fraction > 0 && fraction <= 1) {
    const auto eta = static_cast<long long>(s * (1 - fraction) / fraction);
    std::snprintf(tail, sizeof tail, "  %3.0f%%  ETA %lld:%02lld:%02lld", fraction * 100,
                  eta / 3600, eta / 60 % 60, eta % 60);
  }
  // \r and a clear-to-end-of-line: the line is redrawn in place.
  std::fprintf(stderr, "\r%s: %lld %s  %.0f %s/s%s\033[K", what_.c_str(),
               static_cast<long long>(done), unit_.c_str(), rate, unit_.c_str(), tail);
  std::fflush(stderr);
}

void ProgressLine::Finish() {
  if (!drawn_) return;
  drawn_ = false;
  std::fputc('\n', stderr);
}

}  // namespace opchat::cli
