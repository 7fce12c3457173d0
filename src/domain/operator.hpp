// The people who answer chats in the console (docs/console.md): an operator belongs to one
// channel, signs in with a login unique in that channel, and is an agent or a supervisor. Its id
// is the operatorId of the chats it accepts and of the messages it sends. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace opchat {

enum class OperatorRole : int {
  kAgent = 0,       // answers the chats it owns
  kSupervisor = 1,  // may also hand chats over to another operator (transferChat)
};

// "agent" or "supervisor": the role's name on the command line, in the API and in the database.
std::string_view RoleName(OperatorRole role);
// The role of this name; nullopt for any other text.
std::optional<OperatorRole> RoleFromName(std::string_view name);

struct Operator {
  std::string id;  // the operatorId: IsAcceptableId (domain/acceptable_id.hpp)
  std::string channel;
  std::string login;  // unique within the channel
  std::string name;   // shown to colleagues
  OperatorRole role = OperatorRole::kAgent;
  // crypto_pwhash_str's text (Argon2id, auth/password_hash.hpp); never leaves the server.
  std::string password_hash;
  bool enabled = true;
  int64_t created_ms = 0;
};

inline constexpr size_t kMaxLoginBytes = 128;
inline constexpr size_t kMaxOperatorNameBytes = 200;

// InvalidArgument naming the field ("login", "name") when it is empty, too long, not UTF-8 or
// holds a control character; a login may not hold spaces either, since people type it.
Status CheckOperatorLogin(std::string_view login);
Status CheckOperatorName(std::string_view name);

}  // namespace opchat
