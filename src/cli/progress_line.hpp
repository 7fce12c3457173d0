// A one-line progress display on stderr for long imports and exports: count, rate and, when the
// share done is known, percent and ETA. Silent when stderr is not a terminal, so logs and pipes
// stay clean. Redraws at most a few times a second. Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace opchat::cli {

class ProgressLine {
 public:
  // `what` starts the line ("import"), `unit` follows the count ("msg").
  ProgressLine(std::string what, std::string unit);
  ~ProgressLine() { Finish(); }

  // `done`: items so far; `fraction`: share of the work done in [0, 1], or negative when unknown.
  void Update(int64_t done, double fraction);
  // Ends the line (a newline) if anything was drawn.
  void Finish();

  double elapsed_s() const;

 private:
  const std::string what_;
  const std::string unit_;
  const bool enabled_;
  const std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

}  // namespace opchat::cli
