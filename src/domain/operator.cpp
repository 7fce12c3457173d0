#include "domain/operator.hpp"

#include "common/utf8.hpp"

namespace opchat {
namespace {

bool HasControl(std::string_view text, bool space_too) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f || (space_too && c == ' ')) return true;
  }
  return false;
}

Status CheckText(std::string_view field, std::string_view text, size_t max_bytes, bool no_spaces) {
  if (text.empty()) return Status::InvalidArgument(std::string(field) + ": must not be empty");
  if (text.size() > max_bytes) {
    return Status::InvalidArgument(std::string(field) + ": at most " + std::to_string(max_bytes) +
                                   " bytes");
  }
  if (!IsValidUtf8(text) || HasControl(text, no_spaces)) {
    return Status::InvalidArgument(std::string(field) +
                                   (no_spaces ? ": UTF-8 without spaces or control "
                                                "characters"
                                              : ": UTF-8 without control characters"));
  }
  return Status::Ok();
}

}  // namespace

std::string_view RoleName(OperatorRole role) {
  return role == OperatorRole::kSupervisor ? "supervisor" : "agent";
}

std::optional<OperatorRole> RoleFromName(std::string_view name) {
  if (name == "agent") return OperatorRole::kAgent;
  if (name == "supervisor") return OperatorRole::kSupervisor;
  return std::nullopt;
}

Status CheckOperatorLogin(std::string_view login) {
  return CheckText("login", login, kMaxLoginBytes, true);
}

Status CheckOperatorName(std::string_view name) {
  return CheckText("name", name, kMaxOperatorNameBytes, false);
}

}  // namespace opchat
