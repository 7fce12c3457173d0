// opchat demo: fills the database with a small, realistic demo and prints a signed curl.
// Running it again reuses what is there (same client, same chats).
#include <iostream>

#include "auth/password_hash.hpp"
#include "auth/query_signer.hpp"
#include "auth/secret_box.hpp"
#include "cli/commands.hpp"
#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/ids.hpp"

namespace opchat::cli {
namespace {

// The ids of the seed document's test environment, so its example request works as written
// (with this database's secret).
constexpr const char* kClientId = "70374ddd0f3641368d419b2d93127b8f";
constexpr const char* kChannel = "eba920d452d34adb8f2badb08b9e69bb";
constexpr const char* kSeedChat = "u000103b6237d8f94447ab3bd6cbe9c89d70a";
constexpr const char* kUser = "u0001fd9fb3524e52470899cba2d5ee84a801";
constexpr const char* kOperator = "148992112329753020";

Message Text(bool from_user, std::string text) {
  Message m;
  m.type = "txt";
  m.msg = std::move(text);
  m.from = from_user ? kUser : kOperator;
  m.to = from_user ? kOperator : kUser;
  return m;
}

std::vector<Message> SeedChatMessages() {
  std::vector<Message> v;
  v.push_back(Text(true, "你好，我上周买的黑胡椒牛排还没有发货"));
  v.push_back(Text(false, "您好，我是客服小王，请提供一下订单号"));
  v.push_back(Text(true, "订单号 20160219184300123"));
  Message img = Text(true, "");
  img.type = "img";
  img.msg.reset();
  img.url = "http://media.example.com/demo/order-screenshot.jpg";
  img.filename = "order-screenshot.jpg";
  img.secret = "demo-secret";
  img.file_length = 48213;
  v.push_back(img);
  Message audio = Text(true, "");
  audio.type = "audio";
  audio.msg.reset();
  audio.url = "http://media.example.com/demo/voice-1.amr";
  audio.filename = "voice-1.amr";
  audio.length = 6;
  v.push_back(audio);
  Message loc = Text(true, "");
  loc.type = "loc";
  loc.msg.reset();
  loc.addr = "上海市浦东新区世纪大道100号";
  loc.lat = 31.2304;
  loc.lng = 121.4737;
  v.push_back(loc);
  Message video = Text(false, "");
  video.type = "video";
  video.msg.reset();
  video.url = "http://media.example.com/demo/how-to-track.mp4";
  video.filename = "how-to-track.mp4";
  video.length = 42;
  video.file_length = 5242880;
  video.thumb = "http://media.example.com/demo/how-to-track.jpg";
  v.push_back(video);
  Message file = Text(false, "");
  file.type = "file";
  file.msg.reset();
  file.url = "http://media.example.com/demo/发票 2016-02.pdf";
  file.filename = "发票 2016-02.pdf";
  file.file_length = 102400;
  v.push_back(file);
  Message custom = Text(false, "黑胡椒");
  custom.type = "custom";
  custom.ext = R"({"template":{"orderId":"20160219184300123","status":"已发货"}})";
  v.push_back(custom);
  Message cmd = Text(false, "typing");
  cmd.type = "cmd";
  v.push_back(cmd);
  v.push_back(Text(false, "已为您催促仓库，今天内发货，请留意物流信息"));
  return v;
}

Status AddChat(Store& store, MessageIdGenerator& ids, const std::string& chat_id, ChatStatus status,
               const std::vector<Message>& messages, int64_t start_ms) {
  Chat chat;
  chat.id = chat_id;
  chat.channel = kChannel;
  chat.user_id = kUser;
  chat.created_ms = chat.updated_ms = start_ms;
  auto created = store.CreateChat(chat);
  if (!created.ok()) {
    // Already there from an earlier run: keep it as it is.
    return created.status().code() == StatusCode::kConflict ? Status::Ok() : created.status();
  }
  if (status != ChatStatus::kWaiting) {
    RETURN_IF_ERROR(store.TransitionChat(kChannel, chat_id, AcceptTransition().from,
                                         ChatStatus::kChatting, std::string(kOperator),
                                         start_ms + 1000));
  }
  int64_t t = start_ms;
  for (Message m : messages) {
    if (status == ChatStatus::kWaiting && m.from != kUser) continue;
    if (status == ChatStatus::kWaiting) m.to.clear();
    m.user_message_id = ids.Next();
    m.create_ms = t += 37'000;
    RETURN_IF_ERROR(store.AppendMessage(kChannel, chat_id, m));
  }
  if (status != ChatStatus::kWaiting && status != ChatStatus::kChatting) {
    RETURN_IF_ERROR(store.TransitionChat(kChannel, chat_id, {}, status, std::nullopt, t + 1000));
  }
  return Status::Ok();
}

Result<std::string> DemoSecret(Store& store, const SecretBox* secrets) {
  ASSIGN_OR_RETURN(auto clients, store.ListClients());
  for (const auto& c : clients) {
    if (c.id == kClientId) return OpenClientSecret(secrets, c.id, c.secret);
  }
  ClientRecord client{kClientId, "demo", RandomHex(16), true, {kChannel}, NowMillis()};
  ClientRecord stored = client;
  SealClientSecret(secrets, stored);
  RETURN_IF_ERROR(store.AddClient(stored));
  return client.secret;
}

// The demo's console operator: the supervisor who owns the demo's open chat, with a password
// everyone knows (the demo serves loopback only). Kept as it is when it exists.
constexpr const char* kOperatorLogin = "demo";
constexpr const char* kOperatorPassword = "demo-password";

Status AddDemoOperator(Store& store) {
  if (store.operators().GetOperator(kOperator).ok()) return Status::Ok();
  ASSIGN_OR_RETURN(std::string hash, HashPassword(kOperatorPassword));
  Operator op;
  op.id = kOperator;
  op.channel = kChannel;
  op.login = kOperatorLogin;
  op.name = "Demo Supervisor";
  op.role = OperatorRole::kSupervisor;
  op.password_hash = std::move(hash);
  op.created_ms = NowMillis();
  return store.operators().AddOperator(op);
}

int RunDemo(const StorageFlags& flags) {
  auto config = ResolveConfig(flags);
  if (!config.ok()) return Fail(config.status());
  auto secrets = LoadSecretBox(config->secrets_key_file);
  if (!secrets.ok()) return Fail(secrets.status());
  auto store = OpenConfiguredStore(*config, {.create = true});
  if (!store.ok()) return Fail(store.status());
  auto secret = DemoSecret(**store, secrets->get());
  if (!secret.ok()) return Fail(secret.status());
  if (Status s = AddDemoOperator(**store); !s.ok()) return Fail(s);

  MessageIdGenerator ids(1);
  const auto messages = SeedChatMessages();
  const int64_t day = 86'400'000, now = NowMillis();
  struct DemoChat {
    std::string id;
    ChatStatus status;
  };
  const DemoChat chats[] = {
      {kSeedChat, ChatStatus::kChatting},
      {"u0001demo000000000000000000000000001", ChatStatus::kWaiting},
      {"u0001demo000000000000000000000000005", ChatStatus::kEnded},
      {"u0001demo000000000000000000000000006", ChatStatus::kDeleted},
      {"u0001demo000000000000000000000000030", ChatStatus::kSuspended},
  };
  int64_t start = now - 5 * day;
  for (const auto& c : chats) {
    if (Status s = AddChat(**store, ids, c.id, c.status, messages, start); !s.ok()) return Fail(s);
    start += day;
  }

  std::string body = std::string(R"({"chatId":")") + kSeedChat + R"(","pageNum":1,"pageSize":20})";
  // The original API's form of a read: md5, no timestamp.
  std::string query = SignedQueryString({kClientId,
                                         *secret,
                                         kChannel,
                                         SignMethod::kMd5,
                                         {"POST", "/op/v2/operatorToUserChatMessages"},
                                         {}},
                                        body);
  std::string listen = config->server.listen;
  if (listen.rfind("0.0.0.0:", 0) == 0) listen = "127.0.0.1:" + listen.substr(8);
  std::cout << "Demo data is in " << config->storage_url << " (client " << kClientId << ", channel "
            << kChannel << ", secret " << *secret << ").\n"
            << "With the server running, try:\n\n"
            << "curl -s -X POST -H 'Content-Type: application/json' \\\n  --data-binary '" << body
            << "' \\\n  'http://" << listen << "/op/v2/operatorToUserChatMessages?" << query
            << "'\n\n"
            << "The operator console is at http://" << listen << "/console/\n"
            << "Sign in as the demo's supervisor: channel " << kChannel << ", login "
            << kOperatorLogin << ", password " << kOperatorPassword << ". Or with curl:\n\n"
            << "curl -s -c cookies.txt -H 'Content-Type: application/json' \\\n  --data '"
            << R"({"channel":")" << kChannel << R"(","login":")" << kOperatorLogin
            << R"(","password":")" << kOperatorPassword << R"("}' \)"
            << "\n  http://" << listen << "/console/api/login\n\n";
  return 0;
}

}  // namespace

void RegisterDemo(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<StorageFlags>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "Fill the database with demo chats and print a ready-to-paste signed curl");
  AddStorageFlags(cmd, *flags);
  cmd->callback([flags, &exit_code] { exit_code = RunDemo(*flags); });
}

}  // namespace opchat::cli
