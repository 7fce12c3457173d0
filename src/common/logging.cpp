#include "common/logging.hpp"

#include <algorithm>
#include <utility>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace opchat {
namespace {

bool IsControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// `%*`: the message as OneLine() writes it. One entry per line is what log rotation, grep and
// line-counting alerts assume; a message quoting libpq or a request would otherwise break it.
class OneLineMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    if (std::none_of(payload.begin(), payload.end(), IsControl)) {
      dest.append(payload.data(), payload.data() + payload.size());
      return;
    }
    std::string line = OneLine(payload);
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<OneLineMessage>();
  }
};

void Log(spdlog::level::level_enum level, std::string_view message, int64_t suppressed) {
  if (suppressed > 0) {
    spdlog::log(level, "{} ({} similar suppressed)", message, suppressed);
  } else {
    spdlog::log(level, "{}", message);
  }
}

}  // namespace

void InitLogging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("opchat");
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<OneLineMessage>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %*");
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (!IsControl(c)) {
      out += c;
    } else if (!out.empty() && out.back() != ' ') {
      out += ' ';
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::optional<int64_t> RateLimitedLog::Admit(std::chrono::steady_clock::time_point now) {
  MutexLock lock(mu_);
  if (last_logged_ && now - *last_logged_ < interval_) {
    ++suppressed_;
    return std::nullopt;
  }
  last_logged_ = now;
  return std::exchange(suppressed_, 0);
}

void RateLimitedLog::Warn(std::string_view message) {
  if (!spdlog::should_log(spdlog::level::warn)) return;
  if (auto held = Admit(std::chrono::steady_clock::now())) Log(spdlog::level::warn, message, *held);
}

void RateLimitedLog::Error(std::string_view message) {
  if (!spdlog::should_log(spdlog::level::err)) return;
  if (auto held = Admit(std::chrono::steady_clock::now())) Log(spdlog::level::err, message, *held);
}

}  // namespace opchat
