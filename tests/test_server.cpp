#include "test_server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "common/crypto.hpp"

namespace opchat::testing {
namespace {

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

std::vector<std::string> BackEnds() {
  std::vector<std::string> v = {"sqlite"};
  if (const char* pg = std::getenv("OPCHAT_TEST_PG_URL"); pg && *pg) v.push_back("postgres");
  return v;
}

std::vector<std::string> PostgresOnly() {
  std::vector<std::string> v;
  if (const char* pg = std::getenv("OPCHAT_TEST_PG_URL"); pg && *pg) v.push_back("postgres");
  return v;
}

std::vector<boost::json::value> AllMessages(int port, const Credential& cred,
                                            const std::string& chat) {
  std::vector<boost::json::value> out;
  for (int page = 1;; ++page) {
    auto r = Call(
        port, cred, "operatorToUserChatMessages",
        R"({"chatId":")" + chat + R"(","pageNum":)" + std::to_string(page) + R"(,"pageSize":100})");
    if (r.status != 200) throw std::runtime_error("history failed: " + r.body);
    auto doc = r.Json();  // keep the document alive while iterating over it
    for (auto& m : doc.at("data").at("msg").as_array()) out.push_back(m);
    if (!doc.at("page").at("next").as_bool()) return out;
  }
}

namespace {

std::string ShellQuoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

CommandOutcome RunOpchatCommand(const std::string& cwd, const std::vector<std::string>& args,
                                const std::string* input) {
  std::string err_path = std::filesystem::temp_directory_path() / ("opchat-err-" + RandomHex(6));
  std::string in_path;
  std::string cmd;
  if (!cwd.empty()) cmd = "cd " + ShellQuoted(cwd) + " && ";
  cmd += "timeout -s KILL 30 " + std::string(OPCHAT_BINARY);
  for (const auto& a : args) cmd += " " + ShellQuoted(a);
  cmd += " 2>" + ShellQuoted(err_path);
  if (input) {
    in_path = std::filesystem::temp_directory_path() / ("opchat-in-" + RandomHex(6));
    std::ofstream(in_path, std::ios::binary) << *input;
    cmd += " <" + ShellQuoted(in_path);
  }
  CommandOutcome outcome;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) outcome.out.append(buf, n);
  int status = ::pclose(p);
  // `timeout` reports a kill as 128+9.
  outcome.exit_code = WIFEXITED(status) && WEXITSTATUS(status) != 137 ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path, std::ios::binary);
  outcome.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
  std::filesystem::remove(err_path);
  if (!in_path.empty()) std::filesystem::remove(in_path);
  return outcome;
}

}  // namespace

CommandOutcome RunOpchatIn(const std::string& cwd, const std::vector<std::string>& args) {
  return RunOpchatCommand(cwd, args, nullptr);
}

CommandOutcome RunOpchatWithInput(const std::vector<std::string>& args, const std::string& input) {
  return RunOpchatCommand("", args, &input);
}

std::string RunOpchat(const std::vector<std::string>& args, int* exit_code) {
  std::string cmd = OPCHAT_BINARY;
  for (const auto& a : args) cmd += " " + ShellQuoted(a);
  cmd += " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  if (exit_code) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TestServer::TestServer(const std::string& backend, const std::string& extra_config,
                       const std::string& server_config, const std::string& storage_config) {
  dir_ = std::filesystem::temp_directory_path() / ("opchat-it-" + RandomHex(6));
  std::filesystem::create_directories(dir_);
  db_url_ = backend == "postgres" ? std::string(std::getenv("OPCHAT_TEST_PG_URL"))
                                  : "sqlite:" + dir_ + "/opchat.db";
  port_ = FreePort();
  config_path_ = dir_ + "/opchat.toml";
  std::ofstream(config_path_) << "[server]\nlisten = \"127.0.0.1:" << port_
                              << "\"\nthreads = 2\nservice_phone = \"400800400\"\n"
                              << "host_name = \"test3\"\n"
                              << server_config << "[storage]\nurl = \"" << db_url_ << "\"\n"
                              << storage_config
                              << "[media]\ndomain = \"http://media.example.com\"\n"
                              << "access_key = \"ak\"\nsecret_key = \"sk\"\n"
                              << extra_config;
  Start();
}

TestServer::~TestServer() {
  if (pid_ > 0) Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Credential TestServer::AddClient(const std::vector<std::string>& channels) {
  std::vector<std::string> args = {"client", "add", "--config", config_path_, "--name", "test"};
  std::vector<std::string> chans = channels;
  if (chans.empty()) chans.push_back("ch-" + RandomHex(8));
  for (const auto& c : chans) {
    args.push_back("--channel");
    args.push_back(c);
  }
  int code = 0;
  std::string out = RunOpchat(args, &code);
  if (code != 0) throw std::runtime_error("client add failed: " + out);
  auto v = boost::json::parse(out).as_object();
  Credential cred{std::string(v["client"].as_string()), std::string(v["secret"].as_string()),
                  chans[0]};
  // The running server picks new clients up within a second.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (pid_ > 0 && Call(port_, cred, "chats", "{}").status == 401 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cred;
}

void TestServer::Start() {
  std::string log = log_path();
  pid_ = ::fork();
  if (pid_ == 0) {
    // A test binary that crashes must not leave servers behind: the child dies with it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl(OPCHAT_BINARY, OPCHAT_BINARY, "serve", "--config", config_path_.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Get(port_, "/healthz").status == 200) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("opchat exited at start; see " + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("opchat did not answer /healthz within 15 s");
}

void TestServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  ::waitpid(pid_, &last_exit_status_, 0);
  pid_ = -1;
}

void TestServer::StopWithRepeatedSignals(std::chrono::milliseconds interval) {
  if (pid_ <= 0) return;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (::waitpid(pid_, &last_exit_status_, WNOHANG) != pid_) {
    if (std::chrono::steady_clock::now() > deadline) {
      Kill();
      return;
    }
    ::kill(pid_, SIGTERM);
    std::this_thread::sleep_for(interval);
  }
  pid_ = -1;
}

void TestServer::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &last_exit_status_, 0);
  pid_ = -1;
}

std::string CreateChat(int port, const Credential& cred, const std::string& user) {
  auto r = Call(port, cred, "createChat", R"({"userId":")" + user + R"("})");
  if (r.status != 200) throw std::runtime_error("createChat failed: " + r.body);
  return std::string(r.Json().at("data").at("chatId").as_string());
}

HttpResponse SendText(int port, const Credential& cred, const std::string& chat_id,
                      const std::string& text, const std::string& direction) {
  return Call(port, cred, "sendMessage",
              R"({"chatId":")" + chat_id + R"(","direction":")" + direction +
                  R"(","type":"txt","msg":")" + text + R"("})");
}

}  // namespace opchat::testing
