// opchat operator add | list | disable | enable | reset-password: the people who sign in to the
// console (docs/console.md). Passwords are read from the terminal or stdin, never from a flag
// (cli/password_input.hpp), and never printed, hashed or not.
#include <iostream>

#include "auth/password_hash.hpp"
#include "cli/commands.hpp"
#include "cli/password_input.hpp"
#include "codec/operator_json.hpp"
#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/json_writer.hpp"
#include "domain/acceptable_id.hpp"

namespace opchat::cli {
namespace {

struct OperatorFlags {
  StorageFlags storage;
  std::string id;
  std::string channel;
  std::string login;
  std::string name;
  std::string role = "agent";
  bool password_stdin = false;
};

void Print(const std::string& json) { std::cout << json << "\n"; }

// The operator as `add` and `list` print it: everything but the password hash.
std::string OperatorJson(const Operator& op) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  WriteOperatorFields(w, op);
  w.Key("enabled");
  w.Bool(op.enabled);
  w.Key("created");
  w.String(FormatUtcRfc3339(op.created_ms));
  w.EndObject();
  return out;
}

Result<std::unique_ptr<Store>> Open(const OperatorFlags& flags, bool create) {
  ASSIGN_OR_RETURN(Config config, ResolveConfig(flags.storage));
  return OpenConfiguredStore(config, {.create = create});
}

// The password read as the flags say, checked against the policy, hashed.
Result<std::string> ReadPasswordHash(const OperatorFlags& flags) {
  ASSIGN_OR_RETURN(std::string password, ReadPassword(flags.password_stdin));
  RETURN_IF_ERROR(CheckPasswordPolicy(password));
  return HashPassword(password);
}

// The fields of a new operator, checked before anything is asked or opened.
Result<Operator> NewOperator(const OperatorFlags& flags) {
  Operator op;
  // 12 hex digits: 48 random bits, enough for the operators of any one database.
  op.id = flags.id.empty() ? "op_" + RandomHex(6) : flags.id;
  if (!IsAcceptableId(op.id)) {
    return Status::InvalidArgument("--id: printable ASCII without spaces, at most " +
                                   std::to_string(kMaxIdBytes) + " bytes");
  }
  op.channel = flags.channel;
  if (!IsAcceptableId(op.channel)) {
    return Status::InvalidArgument("--channel: printable ASCII without spaces");
  }
  op.login = flags.login;
  RETURN_IF_ERROR(CheckOperatorLogin(op.login));
  op.name = flags.name;
  RETURN_IF_ERROR(CheckOperatorName(op.name));
  op.role = RoleFromName(flags.role).value_or(OperatorRole::kAgent);
  return op;
}

int RunAdd(const OperatorFlags& flags) {
  auto op = NewOperator(flags);
  if (!op.ok()) return Fail(op.status());
  auto store = Open(flags, true);
  if (!store.ok()) return Fail(store.status());
  OperatorStore& operators = (*store)->operators();
  // Refused before the password is asked for: AddOperator refuses these too, but only after
  // someone has typed a password twice.
  if (operators.GetOperator(op->id).ok()) {
    return Fail(Status::Conflict("operator exists: " + op->id));
  }
  if (operators.FindOperatorByLogin(op->channel, op->login).ok()) {
    return Fail(Status::Conflict("login taken in channel " + op->channel + ": " + op->login));
  }
  auto hash = ReadPasswordHash(flags);
  if (!hash.ok()) return Fail(hash.status());
  op->password_hash = *hash;
  op->created_ms = NowMillis();
  if (Status s = operators.AddOperator(*op); !s.ok()) return Fail(s);
  Print(OperatorJson(*op));
  return 0;
}

int RunList(const OperatorFlags& flags) {
  auto store = Open(flags, false);
  if (!store.ok()) return Fail(store.status());
  auto operators = (*store)->operators().ListOperators(flags.channel);
  if (!operators.ok()) return Fail(operators.status());
  for (const Operator& op : *operators) Print(OperatorJson(op));
  return 0;
}

int RunSetEnabled(const OperatorFlags& flags, bool enabled) {
  auto store = Open(flags, false);
  if (!store.ok()) return Fail(store.status());
  // Disabling also ends the operator's sessions, in the same transaction (operator_store.hpp).
  if (Status s = (*store)->operators().SetOperatorEnabled(flags.id, enabled); !s.ok()) {
    return Fail(s);
  }
  Print("{\"id\":\"" + flags.id + "\",\"enabled\":" + (enabled ? "true" : "false") + "}");
  return 0;
}

int RunResetPassword(const OperatorFlags& flags) {
  auto store = Open(flags, false);
  if (!store.ok()) return Fail(store.status());
  OperatorStore& operators = (*store)->operators();
  if (auto op = operators.GetOperator(flags.id); !op.ok()) return Fail(op.status());
  auto hash = ReadPasswordHash(flags);
  if (!hash.ok()) return Fail(hash.status());
  // Ends the operator's sessions too: whoever knew the old password is signed out.
  if (Status s = operators.SetOperatorPassword(flags.id, *hash); !s.ok()) return Fail(s);
  Print("{\"id\":\"" + flags.id + "\",\"passwordReset\":true}");
  return 0;
}

void AddPasswordStdinFlag(CLI::App* cmd, OperatorFlags& flags) {
  cmd->add_flag("--password-stdin", flags.password_stdin,
                "Read the password from the first line of stdin (default: prompt, twice)");
}

CLI::App* AddWithId(CLI::App* parent, const char* name, const char* about,
                    std::shared_ptr<OperatorFlags> flags) {
  CLI::App* cmd = parent->add_subcommand(name, about);
  AddStorageFlags(cmd, flags->storage);
  cmd->add_option("id", flags->id, "The operator's id (its operatorId)")
      ->required()
      ->check(NonEmpty());
  return cmd;
}

}  // namespace

void RegisterOperator(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<OperatorFlags>();
  CLI::App* op =
      app.add_subcommand("operator", "Manage the operators who sign in to the web console");
  op->require_subcommand(1);

  CLI::App* add = op->add_subcommand(
      "add", "Create an operator; the password is prompted for (or read with --password-stdin)");
  AddStorageFlags(add, flags->storage);
  add->add_option("--channel", flags->channel, "The channel whose chats it answers")
      ->required()
      ->check(NonEmpty());
  add->add_option("--login", flags->login, "What it signs in with (unique in the channel)")
      ->required()
      ->check(NonEmpty());
  add->add_option("--name", flags->name, "The name colleagues see")->required()->check(NonEmpty());
  add->add_option("--role", flags->role, "agent (default) or supervisor")
      ->check(CLI::IsMember({"agent", "supervisor"}));
  add->add_option("--id", flags->id, "Its operatorId (default: op_ and 12 random hex digits)")
      ->check(NonEmpty());
  AddPasswordStdinFlag(add, *flags);
  add->callback([flags, &exit_code] { exit_code = RunAdd(*flags); });

  CLI::App* list = op->add_subcommand("list", "List the operators (one JSON line each)");
  AddStorageFlags(list, flags->storage);
  list->add_option("--channel", flags->channel, "Only this channel's")->check(NonEmpty());
  list->callback([flags, &exit_code] { exit_code = RunList(*flags); });

  AddWithId(op, "disable", "Stop an operator signing in; ends its sessions at once", flags)
      ->callback([flags, &exit_code] { exit_code = RunSetEnabled(*flags, false); });
  AddWithId(op, "enable", "Let a disabled operator sign in again", flags)
      ->callback([flags, &exit_code] { exit_code = RunSetEnabled(*flags, true); });
  CLI::App* reset =
      AddWithId(op, "reset-password",
                "Set a new password (prompted, or --password-stdin); ends its sessions", flags);
  AddPasswordStdinFlag(reset, *flags);
  reset->callback([flags, &exit_code] { exit_code = RunResetPassword(*flags); });
}

}  // namespace opchat::cli
