// What one client can make the server hold, and what opchat leaves exposed on disk and in its
// messages, through the real binary.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/crypto.hpp"
#include "test_server.hpp"

namespace opchat::testing {
namespace {

struct CliResult {
  int code = -1;
  std::string out;  // stdout and stderr together
};

// Runs `opchat ARGS` (stopped after 30 s) with stderr after stdout.
CliResult Cli(const std::vector<std::string>& args) {
  CommandOutcome o = RunOpchatIn("", args);
  return {o.exit_code, o.out + o.err};
}

// --- storage URLs never carry their password into a message ---

TEST(HardeningTest, BadStorageUrlsNeverPrintTheirPassword) {
  for (const char* url :
       {"postgresql://u:Hunter2%zz@127.0.0.1:1/x", "postgres://u@127.0.0.1:1/x?password=Hunter2%zz",
        "postgresql://u:Hunter2/x@127.0.0.1:1/db", "postgresql://u:Hunter2@127.0.0.1:1/x?bogus=1",
        "postgresql://u:Hunter2@127.0.0.1:1/x", "mysql://u:Hunter2@127.0.0.1/x"}) {
    auto list = Cli({"client", "list", "--db", url});
    EXPECT_NE(list.code, 0) << url;
    EXPECT_EQ(list.out.find("Hunter2"), std::string::npos) << url << " -> " << list.out;
    auto serve = Cli({"serve", "--listen", "127.0.0.1:0", "--db", url});
    EXPECT_NE(serve.code, 0) << url;
    EXPECT_EQ(serve.out.find("Hunter2"), std::string::npos) << url << " -> " << serve.out;
  }
}

// --- owner-only files ---

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

std::string TempDir(const std::string& tag) {
  std::string dir = std::filesystem::temp_directory_path() / ("opchat-" + tag + "-" + RandomHex(4));
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(HardeningTest, DataDirectoryExportsAndTranscriptsAreOwnerOnly) {
  const mode_t old_umask = ::umask(022);
  std::string dir = TempDir("modes");
  const std::string db = "sqlite:" + dir + "/data/sub/opchat.db";
  auto added = Cli({"client", "add", "--db", db, "--name", "n", "--channel", "c"});
  ASSERT_EQ(added.code, 0) << added.out;
  EXPECT_EQ(ModeOf(dir + "/data"), 0700u);
  EXPECT_EQ(ModeOf(dir + "/data/sub"), 0700u);
  EXPECT_EQ(ModeOf(dir + "/data/sub/opchat.db"), 0600u);

  auto exported = Cli({"export", "--db", db, "--out", dir + "/all.ndjson"});
  ASSERT_EQ(exported.code, 0) << exported.out;
  EXPECT_EQ(ModeOf(dir + "/all.ndjson"), 0600u);
  std::ofstream(dir + "/again.ndjson") << "old";
  ::chmod((dir + "/again.ndjson").c_str(), 0644);
  ASSERT_EQ(Cli({"export", "--db", db, "--out", dir + "/again.ndjson"}).code, 0);
  EXPECT_EQ(ModeOf(dir + "/again.ndjson"), 0600u);

  TestServer server("sqlite");
  Credential cred = server.AddClient();
  std::string chat = CreateChat(server.port(), cred);
  ASSERT_EQ(SendText(server.port(), cred, chat, "hello").status, 200);
  for (const char* name : {"/t.html", "/t-existing.html"}) {
    std::string out = dir + name;
    if (std::string(name) == "/t-existing.html") {
      std::ofstream(out) << "old";
      ::chmod(out.c_str(), 0644);
    }
    auto t = Cli({"transcript", "--config", server.config_path(), "--channel", cred.channel,
                  "--chat", chat, "--out", out});
    ASSERT_EQ(t.code, 0) << t.out;
    EXPECT_EQ(ModeOf(out), 0600u) << name;
    EXPECT_NE(ReadFile(out).find("hello"), std::string::npos);
  }
  // Written to a device, nothing is changed.
  EXPECT_EQ(Cli({"transcript", "--config", server.config_path(), "--channel", cred.channel,
                 "--chat", chat, "--out", "/dev/null"})
                .code,
            0);
  EXPECT_EQ(ModeOf("/dev/null"), 0666u);
  ::umask(old_umask);
  std::filesystem::remove_all(dir);
}

// --- connections per address ---

// GET /healthz on an open connection; the status code, or 0.
int HealthzOn(int fd) {
  const std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) < 0) return 0;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[1024];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n < 12) return 0;
  return std::stoi(std::string(buf + 9, 3));
}

TEST(HardeningTest, AFourthConnectionFromOneAddressIsRefusedWhileThreeWork) {
  TestServer server("sqlite", "[limits]\nmax_connections_per_address = 3\n");
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) held.push_back(ConnectLoopback(server.port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto refused = Get(server.port(), "/healthz");
  EXPECT_EQ(refused.status, 429) << refused.body;
  if (refused.status == 429) {
    EXPECT_NE(refused.body.find("max_connections_per_address"), std::string::npos);
  }
  for (int fd : held) EXPECT_EQ(HealthzOn(fd), 200) << "the first three still work";
  ::close(held[0]);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  int again = ConnectLoopback(server.port());
  EXPECT_EQ(HealthzOn(again), 200) << "a place freed is taken again";
  ::close(again);
  ::close(held[1]);
  ::close(held[2]);
  EXPECT_TRUE(server.Running());
}

TEST(HardeningTest, ConnectionCapPerAddressIsRangeChecked) {
  std::string dir = TempDir("cfg");
  std::ofstream(dir + "/bad.toml") << "[limits]\nmax_connections_per_address = -1\n";
  auto r =
      Cli({"client", "list", "--config", dir + "/bad.toml", "--db", "sqlite:" + dir + "/x.db"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("max_connections_per_address"), std::string::npos) << r.out;
  std::filesystem::remove_all(dir);
}

// --- chatTranscript is bounded by bytes ---

TEST(HardeningTest, TranscriptOverTheByteCapIsRefusedWithTheLimitAndHowToPage) {
  TestServer server("sqlite", "[limits]\nmax_transcript_bytes = 4096\n");
  Credential cred = server.AddClient();
  std::string chat = CreateChat(server.port(), cred);
  // 20 messages of 300 bytes, which HTML-escaping makes 1,200: far over 4 KiB in any format.
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(SendText(server.port(), cred, chat, std::string(300, '<')).status, 200);
  }
  for (const char* format : {"html", "csv", "json"}) {
    auto r = Call(server.port(), cred, "chatTranscript",
                  R"({"chatId":")" + chat + R"(","format":")" + format + R"("})");
    EXPECT_EQ(r.status, 400) << format;
    std::string message(r.Json().at("message").as_string());
    EXPECT_NE(message.find("max_transcript_bytes = 4096"), std::string::npos) << message;
    EXPECT_NE(message.find("fromSeq/toSeq"), std::string::npos) << message;
  }
  // The range the answer offers fits.
  auto part = Call(server.port(), cred, "chatTranscript",
                   R"({"chatId":")" + chat + R"(","format":"csv","fromSeq":1,"toSeq":2})");
  ASSERT_EQ(part.status, 200) << part.body;
  std::string content(part.Json().at("data").at("content").as_string());
  EXPECT_LE(content.size(), 4096u);
  EXPECT_EQ(std::count(content.begin(), content.end(), '\n'), 3) << "header and two messages";
  auto bad = Call(server.port(), cred, "chatTranscript",
                  R"({"chatId":")" + chat + R"(","fromSeq":5,"toSeq":4})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("toSeq"), std::string::npos);
}

// --- client secrets at rest ---

namespace json = boost::json;

std::string WriteKeyFile(const std::string& dir, mode_t mode) {
  std::string path = dir + "/secrets.key";
  std::ofstream(path) << RandomHex(32) << "\n";
  ::chmod(path.c_str(), mode);
  return path;
}

TEST(HardeningTest, SecretsEncryptedAtRestVerifyRequestsAndNeedTheKey) {
  std::string keys = TempDir("keys");
  std::string key = WriteKeyFile(keys, 0600);
  TestServer server("sqlite", "[auth]\nsecrets_key_file = \"" + key + "\"\n");
  Credential cred = server.AddClient();
  EXPECT_EQ(Call(server.port(), cred, "chats", "{}").status, 200) << "signed with the secret";
  Credential wrong = cred;
  wrong.secret = "not-the-secret";
  EXPECT_EQ(Call(server.port(), wrong, "chats", "{}").status, 401);
  // Rotation under the key: the new secret is sealed too, both verify until --finish.
  auto rotated = Cli({"client", "rotate", "--config", server.config_path(), cred.client});
  ASSERT_EQ(rotated.code, 0) << rotated.out;
  Credential next = cred;
  next.secret = std::string(json::parse(rotated.out).at("secret").as_string());
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(Call(server.port(), next, "chats", "{}").status, 200);
  EXPECT_EQ(Call(server.port(), cred, "chats", "{}").status, 200);
  server.Stop();

  // The database file (and its write-ahead log) holds neither secret in plaintext.
  std::string bytes =
      ReadFile(server.dir() + "/opchat.db") + ReadFile(server.dir() + "/opchat.db-wal");
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes.find(cred.secret), std::string::npos);
  EXPECT_EQ(bytes.find(next.secret), std::string::npos);
  EXPECT_NE(bytes.find("enc:v1:"), std::string::npos);

  // Without the key, the server says why and exits 2 instead of refusing every request.
  std::string no_key = server.dir() + "/no-key.toml";
  std::string config = ReadFile(server.config_path());
  std::ofstream(no_key) << config.substr(0, config.find("[auth]"));
  auto refused = Cli({"serve", "--config", no_key});
  EXPECT_EQ(refused.code, 2) << refused.out;
  EXPECT_NE(refused.out.find("secrets_key_file"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find(cred.client), std::string::npos) << refused.out;

  // A key file others may read is refused.
  ::chmod(key.c_str(), 0644);
  auto wide = Cli({"serve", "--config", server.config_path()});
  EXPECT_EQ(wide.code, 2) << wide.out;
  EXPECT_NE(wide.out.find("chmod 600"), std::string::npos) << wide.out;
  std::filesystem::remove_all(keys);
}

TEST(HardeningTest, EncryptSecretsSealsExistingPlaintextSecretsInPlace) {
  TestServer server("sqlite");
  Credential plain = server.AddClient();
  Credential rotating = server.AddClient();
  auto rotated = Cli({"client", "rotate", "--config", server.config_path(), rotating.client});
  ASSERT_EQ(rotated.code, 0) << rotated.out;
  Credential rotating_next = rotating;
  rotating_next.secret = std::string(json::parse(rotated.out).at("secret").as_string());
  server.Stop();

  std::string keys = TempDir("keys");
  std::string key = WriteKeyFile(keys, 0600);
  std::ofstream(server.config_path(), std::ios::app)
      << "[auth]\nsecrets_key_file = \"" << key << "\"\n";
  auto sealed = Cli({"client", "encrypt-secrets", "--config", server.config_path()});
  ASSERT_EQ(sealed.code, 0) << sealed.out;
  EXPECT_EQ(json::parse(sealed.out).at("encrypted"), 2);
  auto again = Cli({"client", "encrypt-secrets", "--config", server.config_path()});
  EXPECT_EQ(json::parse(again.out).at("alreadyEncrypted"), 2) << again.out;

  server.Start();
  EXPECT_EQ(Call(server.port(), plain, "chats", "{}").status, 200);
  EXPECT_EQ(Call(server.port(), rotating, "chats", "{}").status, 200) << "the previous secret";
  EXPECT_EQ(Call(server.port(), rotating_next, "chats", "{}").status, 200) << "the current one";
  std::filesystem::remove_all(keys);
}

}  // namespace
}  // namespace opchat::testing
