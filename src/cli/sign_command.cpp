// opchat sign: prints a signed query string, so a person can try the API with curl.
#include <iostream>

#include "api/api.hpp"
#include "auth/query_signer.hpp"
#include "cli/commands.hpp"
#include "common/clock.hpp"
#include "common/crypto.hpp"

namespace opchat::cli {
namespace {

constexpr std::string_view kPrefix = "/op/v2/";

struct SignFlags {
  std::string client, secret, channel, method = "md5", body;
  std::string endpoint = "operatorToUserChatMessages";
  bool timestamp = false;
  std::vector<std::string> params;  // NAME=VALUE, signed with the rest
};

// GET /op/v2/live is the one endpoint read with GET (its body is empty).
constexpr std::string_view kLivePath = "/op/v2/live";

int RunSign(const SignFlags& f) {
  auto method = ParseSignMethod(&f.method);
  if (!method) return Fail(Status::InvalidArgument("--method must be md5 or hmac-sha256"));
  // --endpoint takes a name or the whole path.
  std::string path =
      f.endpoint.starts_with(kPrefix) ? f.endpoint : std::string(kPrefix) + f.endpoint;
  if (path.size() == kPrefix.size() || path.find_first_of("?# ") != std::string::npos) {
    return Fail(Status::InvalidArgument("--endpoint must be an endpoint name such as sendMessage"));
  }
  const bool live = path == kLivePath;
  if (live && !f.body.empty()) {
    return Fail(Status::InvalidArgument("--endpoint live is a GET: its body is empty"));
  }
  QuerySigning signing{f.client, f.secret, f.channel, *method, {live ? "GET" : "POST", path}, {}};
  for (const std::string& p : f.params) {
    size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Fail(Status::InvalidArgument("--param wants NAME=VALUE, got " + p));
    }
    signing.extra.emplace_back(p.substr(0, eq), p.substr(eq + 1));
  }
  // Write endpoints refuse a request without timestamp and nonce.
  if (f.timestamp || Api::IsWrite(path)) {
    signing.extra.emplace_back("timestamp", std::to_string(NowMillis()));
    signing.extra.emplace_back("nonce", RandomHex(8));
  }
  std::cout << SignedQueryString(signing, f.body) << "\n";
  return 0;
}

}  // namespace

void RegisterSign(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<SignFlags>();
  CLI::App* cmd =
      app.add_subcommand("sign", "Print the signed query string for a request body (for curl)");
  cmd->add_option("--client", f->client, "client id")->required();
  cmd->add_option("--secret", f->secret, "client secret")->required();
  cmd->add_option("--channel", f->channel, "channel id")->required();
  cmd->add_option("--method", f->method, "md5 (default) or hmac-sha256");
  cmd->add_option("--endpoint,--path", f->endpoint,
                  "the endpoint the request is for, e.g. sendMessage or /op/v2/sendMessage "
                  "(default operatorToUserChatMessages); hmac-sha256 signs it, and write "
                  "endpoints get a timestamp and nonce");
  cmd->add_flag("--timestamp", f->timestamp,
                "add timestamp and nonce on a read too (writes always get them)");
  cmd->add_option("--param", f->params,
                  "another query parameter NAME=VALUE to sign, e.g. after=42 for --endpoint live "
                  "(repeatable)");
  cmd->add_option("body", f->body,
                  "the exact request body that will be sent (none for --endpoint live, a GET)");
  cmd->callback([f, &exit_code] { exit_code = RunSign(*f); });
}

}  // namespace opchat::cli
