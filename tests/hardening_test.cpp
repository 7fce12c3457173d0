// What one client can make the server hold, and what opchat leaves exposed on disk and in its
// messages, through the real binary.
#include <gtest/gtest.h>
#include <arpa/inet.h>
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

// Runs `[prefix] opchat ARGS` with stderr folded into stdout.
CliResult Cli(const std::vector<std::string>& args, const std::string& prefix = "") {
  std::string cmd = prefix + OPCHAT_BINARY;
  for (const auto& a : args) {
    cmd += " '";
    for (char c : a) cmd += c == '\'' ? std::string("'\\''") : std::string(1, c);
    cmd += "'";
  }
  cmd += " 2>&1";
  CliResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// --- storage URLs never carry their password into a message ---

TEST(HardeningTest, BadStorageUrlsNeverPrintTheirPassword) {
  for (const char* url : {"postgresql://u:Hunter2%zz@127.0.0.1:1/x",
                          "postgres://u@127.0.0.1:1/x?password=Hunter2%zz",
                          "postgresql://u:Hunter2/x@127.0.0.1:1/db",
                          "postgresql://u:Hunter2@127.0.0.1:1/x?bogus=1",
                          "postgresql://u:Hunter2@127.0.0.1:1/x",
                          "mysql://u:Hunter2@127.0.0.1/x"}) {
    auto list = Cli({"client", "list", "--db", url});
    EXPECT_NE(list.code, 0) << url;
    EXPECT_EQ(list.out.find("Hunter2"), std::string::npos) << url << " -> " << list.out;
    auto serve = Cli({"serve", "--listen", "127.0.0.1:0", "--db", url}, "timeout 20 ");
    EXPECT_NE(serve.code, 0) << url;
    EXPECT_EQ(serve.out.find("Hunter2"), std::string::npos) << url << " -> " << serve.out;
  }
}

}  // namespace
}  // namespace opchat::testing
