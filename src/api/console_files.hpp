// The console's page (the files of console/), built into the binary (tools/embed_directory.cmake)
// and served at /console/, so that nothing of it comes from another site or from the disk.
#pragma once

#include <span>
#include <string_view>

namespace opchat {

struct EmbeddedFile {
  std::string_view path;  // relative to console/, with '/' between directories
  std::string_view bytes;
};

std::span<const EmbeddedFile> ConsoleFiles();

}  // namespace opchat
