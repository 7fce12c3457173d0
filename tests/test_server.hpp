// Starts the real `opchat` binary for integration tests: a temporary directory, a config
// file, a storage URL (SQLite in the directory, or the PostgreSQL database the harness
// started), a free port. Stops it (SIGTERM, or SIGKILL on request) when destroyed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "http_test_client.hpp"

namespace opchat::testing {

// "sqlite" always; "postgres" when OPCHAT_TEST_PG_URL is set.
std::vector<std::string> BackEnds();
// "postgres" when OPCHAT_TEST_PG_URL is set, else nothing (for PostgreSQL-only suites).
std::vector<std::string> PostgresOnly();

// Runs `opchat ARGS` to completion; returns its stdout, sets *exit_code.
std::string RunOpchat(const std::vector<std::string>& args, int* exit_code = nullptr);

// What a finished `opchat` run printed and how it ended.
struct CommandOutcome {
  int exit_code = -1;  // -1 when it did not exit normally (killed by the 30 s time limit)
  std::string out;
  std::string err;
};
// Runs `opchat ARGS` in the directory `cwd` (the test's own when empty), killed after 30 s.
CommandOutcome RunOpchatIn(const std::string& cwd, const std::vector<std::string>& args);
// The same, with `input` as its stdin (a file, so never a terminal).
CommandOutcome RunOpchatWithInput(const std::vector<std::string>& args, const std::string& input);

class TestServer {
 public:
  // `backend` is "sqlite" or "postgres"; `extra_config` is appended to the TOML file,
  // `server_config` (keys only) to its [server] table and `storage_config` to its [storage].
  explicit TestServer(const std::string& backend, const std::string& extra_config = "",
                      const std::string& server_config = "",
                      const std::string& storage_config = "");
  ~TestServer();

  int port() const { return port_; }
  const std::string& db_url() const { return db_url_; }
  const std::string& dir() const { return dir_; }
  const std::string& config_path() const { return config_path_; }
  // Where the server's stdout and stderr go.
  std::string log_path() const { return dir_ + "/server.log"; }

  // Creates a client on a fresh channel (or the given ones) with the CLI.
  Credential AddClient(const std::vector<std::string>& channels = {});

  void Start();  // starts and waits until /healthz answers
  void Stop();   // SIGTERM, waits for exit
  // SIGTERM again every `interval` until it exits (an impatient supervisor); SIGKILL after 15 s.
  void StopWithRepeatedSignals(std::chrono::milliseconds interval);
  void Kill();  // SIGKILL, waits
  bool Running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Exit status of the last stop (from waitpid).
  int last_exit_status() const { return last_exit_status_; }

 private:
  std::string dir_;
  std::string config_path_;
  std::string db_url_;
  int port_ = 0;
  pid_t pid_ = -1;
  int last_exit_status_ = 0;
};

// A chat created through the API, for tests that need one.
std::string CreateChat(int port, const Credential& cred, const std::string& user = "user-1");
// Every message of `chat`, oldest first, read page by page (100 a page). Throws when a page
// read fails.
std::vector<boost::json::value> AllMessages(int port, const Credential& cred,
                                            const std::string& chat);
// Sends a text message; returns the response.
HttpResponse SendText(int port, const Credential& cred, const std::string& chat_id,
                      const std::string& text, const std::string& direction = "userToOperator");

}  // namespace opchat::testing
