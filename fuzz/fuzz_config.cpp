// Fuzzes the TOML configuration reader: any text gives a Config or an error, never a crash.
#include <cstdint>
#include <string>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = opchat::ParseConfig(text, "fuzz");
  if (config.ok()) (void)opchat::FinishConfig(*config);
  return 0;
}
