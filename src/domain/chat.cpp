#include "domain/chat.hpp"

#include <array>
#include <string_view>

namespace opchat {

bool IsKnownMessageType(std::string_view type) {
  static constexpr std::array<std::string_view, 8> kTypes = {"txt", "img",  "audio", "video",
                                                             "loc", "file", "cmd",   "custom"};
  for (auto t : kTypes) {
    if (t == type) return true;
  }
  return false;
}

bool HasStoredObject(std::string_view type) {
  return type == "img" || type == "audio" || type == "video" || type == "file";
}

}  // namespace opchat
