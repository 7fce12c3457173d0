#include "domain/acceptable_id.hpp"

namespace opchat {

bool IsAcceptableId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  for (char c : id) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

}  // namespace opchat
