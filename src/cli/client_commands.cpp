// opchat client add | list | disable | enable: manage API credentials.
#include <iostream>

#include "auth/secret_box.hpp"
#include "cli/commands.hpp"
#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/json_writer.hpp"

namespace opchat::cli {
namespace {

struct ClientFlags {
  StorageFlags storage;
  std::string name;
  std::vector<std::string> channels;
  std::string id;
  std::string secret;
  bool finish = false;
};

void WriteStringArray(JsonWriter& w, const std::vector<std::string>& items) {
  w.BeginArray();
  for (const auto& s : items) w.String(s);
  w.EndArray();
}

int RunAdd(const ClientFlags& flags) {
  auto config = ResolveConfig(flags.storage);
  if (!config.ok()) return Fail(config.status());
  auto secrets = LoadSecretBox(config->secrets_key_file);
  if (!secrets.ok()) return Fail(secrets.status());
  auto store = OpenConfiguredStore(*config, {.create = true});
  if (!store.ok()) return Fail(store.status());
  ClientRecord client;
  client.id = flags.id.empty() ? RandomHex(16) : flags.id;
  client.name = flags.name;
  client.secret = flags.secret.empty() ? RandomHex(16) : flags.secret;
  client.channels = flags.channels;
  client.created_ms = NowMillis();
  ClientRecord stored = client;
  SealClientSecret(secrets->get(), stored);
  if (Status s = (*store)->AddClient(stored); !s.ok()) return Fail(s);
  // The only time the secret is shown: it is not retrievable afterwards through the API.
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("client");
  w.String(client.id);
  w.Key("secret");
  w.String(client.secret);
  w.Key("channels");
  WriteStringArray(w, client.channels);
  w.Key("name");
  w.String(client.name);
  w.EndObject();
  std::cout << out << "\n";
  return 0;
}

int RunList(const ClientFlags& flags) {
  auto config = ResolveConfig(flags.storage);
  if (!config.ok()) return Fail(config.status());
  auto store = OpenConfiguredStore(*config, {});
  if (!store.ok()) return Fail(store.status());
  auto clients = (*store)->ListClients();
  if (!clients.ok()) return Fail(clients.status());
  for (const auto& c : *clients) {
    std::string out;
    JsonWriter w(out);
    w.BeginObject();
    w.Key("client");
    w.String(c.id);
    w.Key("name");
    w.String(c.name);
    w.Key("enabled");
    w.Bool(c.enabled);
    w.Key("channels");
    WriteStringArray(w, c.channels);
    w.Key("createTime");
    w.String(FormatLocalTime(c.created_ms));
    w.EndObject();
    std::cout << out << "\n";
  }
  return 0;
}

int RunSetEnabled(const ClientFlags& flags, bool enabled) {
  auto config = ResolveConfig(flags.storage);
  if (!config.ok()) return Fail(config.status());
  auto store = OpenConfiguredStore(*config, {});
  if (!store.ok()) return Fail(store.status());
  if (Status s = (*store)->SetClientEnabled(flags.id, enabled); !s.ok()) return Fail(s);
  std::cout << "{\"client\":\"" << flags.id << "\",\"enabled\":" << (enabled ? "true" : "false")
            << "}\n";
  return 0;
}

// A second rotation would make the new secret the previous one and drop the secret clients
// still sign with (the "previous" one of the first rotation), while printing that the previous
// secret is still accepted. A rotation therefore ends with --finish before the next begins.
Status CheckNoRotationInProgress(Store& store, const std::string& client_id) {
  ASSIGN_OR_RETURN(auto clients, store.ListClients());
  for (const auto& c : clients) {
    if (c.id == client_id && !c.previous_secret.empty()) {
      return Status::InvalidArgument(
          "a rotation of client " + client_id +
          " is in progress: its previous secret is still accepted; run `opchat client rotate " +
          client_id + " --finish` once every caller uses the new secret, then rotate again");
    }
  }
  return Status::Ok();
}

int RunRotate(const ClientFlags& flags) {
  auto config = ResolveConfig(flags.storage);
  if (!config.ok()) return Fail(config.status());
  auto secrets = LoadSecretBox(config->secrets_key_file);
  if (!secrets.ok()) return Fail(secrets.status());
  auto store = OpenConfiguredStore(*config, {});
  if (!store.ok()) return Fail(store.status());
  if (!flags.finish) {
    if (Status s = CheckNoRotationInProgress(**store, flags.id); !s.ok()) return Fail(s);
  }
  std::optional<std::string> secret;
  if (!flags.finish) secret = flags.secret.empty() ? RandomHex(16) : flags.secret;
  std::optional<std::string> stored = secret;
  if (stored && *secrets) stored = (*secrets)->Seal(*stored);
  if (Status s = (*store)->RotateClientSecret(flags.id, stored); !s.ok()) return Fail(s);
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("client");
  w.String(flags.id);
  if (secret) {
    // Shown once, like a new client's secret.
    w.Key("secret");
    w.String(*secret);
    w.Key("previousSecret");
    w.String("still accepted until `opchat client rotate --finish`");
  } else {
    w.Key("previousSecret");
    w.String("no longer accepted");
  }
  w.EndObject();
  std::cout << out << "\n";
  return 0;
}

// Seals every plaintext secret (current and previous) with the configured key. The store has
// no "set secret" call, so this goes through rotations that keep the same secrets: a client is
// never without a valid secret, and a run cut short can simply be run again.
Status SealExistingSecrets(Store& store, const SecretBox& box, const ClientRecord& c) {
  ASSIGN_OR_RETURN(auto current, OpenClientSecret(&box, c.id, c.secret));
  if (c.previous_secret.empty()) {
    // (s) -> (sealed s, s) -> (sealed s)
    RETURN_IF_ERROR(store.RotateClientSecret(c.id, box.Seal(current)));
    return store.RotateClientSecret(c.id, std::nullopt);
  }
  ASSIGN_OR_RETURN(auto previous, OpenClientSecret(&box, c.id, c.previous_secret));
  // (s, p) -> (sealed p, s) -> (sealed s, sealed p): both stay accepted throughout.
  RETURN_IF_ERROR(store.RotateClientSecret(c.id, box.Seal(previous)));
  return store.RotateClientSecret(c.id, box.Seal(current));
}

int RunEncryptSecrets(const ClientFlags& flags) {
  auto config = ResolveConfig(flags.storage);
  if (!config.ok()) return Fail(config.status());
  if (config->secrets_key_file.empty()) {
    return Fail(Status::InvalidArgument(
        "encrypt-secrets needs a key: set [auth] secrets_key_file in --config"));
  }
  auto secrets = LoadSecretBox(config->secrets_key_file);
  if (!secrets.ok()) return Fail(secrets.status());
  auto store = OpenConfiguredStore(*config, {});
  if (!store.ok()) return Fail(store.status());
  auto clients = (*store)->ListClients();
  if (!clients.ok()) return Fail(clients.status());
  int64_t sealed = 0, already = 0;
  for (const auto& c : *clients) {
    const bool plain = !IsSealedSecret(c.secret) ||
                       (!c.previous_secret.empty() && !IsSealedSecret(c.previous_secret));
    if (!plain) {
      ++already;
      continue;
    }
    if (Status s = SealExistingSecrets(**store, **secrets, c); !s.ok()) return Fail(s);
    ++sealed;
  }
  std::cout << "{\"encrypted\":" << sealed << ",\"alreadyEncrypted\":" << already << "}\n";
  return 0;
}

}  // namespace

void RegisterClient(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ClientFlags>();
  CLI::App* client = app.add_subcommand("client", "Manage API clients (credentials)");
  client->require_subcommand(1);

  CLI::App* add = client->add_subcommand("add", "Create a client; prints its id and secret once");
  AddStorageFlags(add, flags->storage);
  add->add_option("--name", flags->name, "a name for people")->required()->check(NonEmpty());
  add->add_option("--channel", flags->channels, "a channel the client may use (repeatable)")
      ->required()
      ->check(NonEmpty());
  add->add_option("--id", flags->id, "the client id (default: 32 random hex digits)")
      ->check(NonEmpty());
  add->add_option("--secret", flags->secret,
                  "the secret (default: 32 random hex digits; use only to carry over an existing "
                  "credential)")
      ->check(NonEmpty());
  add->callback([flags, &exit_code] { exit_code = RunAdd(*flags); });

  CLI::App* list =
      client->add_subcommand("list", "List clients, one JSON object per line (no secrets)");
  AddStorageFlags(list, flags->storage);
  list->callback([flags, &exit_code] { exit_code = RunList(*flags); });

  CLI::App* disable = client->add_subcommand("disable", "Refuse a client's requests from now on");
  AddStorageFlags(disable, flags->storage);
  disable->add_option("client", flags->id, "client id")->required();
  disable->callback([flags, &exit_code] { exit_code = RunSetEnabled(*flags, false); });

  CLI::App* rotate = client->add_subcommand(
      "rotate", "Give a client a new secret; the old one stays valid until --finish");
  AddStorageFlags(rotate, flags->storage);
  rotate->add_option("client", flags->id, "client id")->required();
  rotate->add_flag("--finish", flags->finish, "stop accepting the previous secret");
  rotate->add_option("--secret", flags->secret, "the new secret (default: 32 random hex digits)")
      ->check(NonEmpty());
  rotate->callback([flags, &exit_code] { exit_code = RunRotate(*flags); });

  CLI::App* encrypt = client->add_subcommand(
      "encrypt-secrets",
      "Encrypt every plaintext client secret with the key of [auth] secrets_key_file "
      "(secrets stay the same; clients notice nothing)");
  AddStorageFlags(encrypt, flags->storage);
  encrypt->callback([flags, &exit_code] { exit_code = RunEncryptSecrets(*flags); });

  CLI::App* enable = client->add_subcommand("enable", "Accept a disabled client's requests again");
  AddStorageFlags(enable, flags->storage);
  enable->add_option("client", flags->id, "client id")->required();
  enable->callback([flags, &exit_code] { exit_code = RunSetEnabled(*flags, true); });
}

}  // namespace opchat::cli
