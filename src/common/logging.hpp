// Process logging setup. spdlog's default logger is used everywhere after InitLogging().
#pragma once

#include <string>

namespace opchat {

// Routes the default logger to stderr with `level` ("debug", "info", "warn", "error", "off").
void InitLogging(const std::string& level);

}  // namespace opchat
