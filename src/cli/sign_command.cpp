// opchat sign: prints a signed query string, so a person can try the API with curl.
#include <iostream>

#include "auth/canonical_request.hpp"
#include "auth/signature.hpp"
#include "cli/commands.hpp"
#include "common/clock.hpp"
#include "common/crypto.hpp"

namespace opchat::cli {
namespace {

struct SignFlags {
  std::string client, secret, channel, method = "md5", body;
  bool timestamp = false;
};

// Percent-encodes a query value (RFC 3986 unreserved characters stay).
std::string EncodeQueryValue(std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

int RunSign(const SignFlags& f) {
  auto method = ParseSignMethod(&f.method);
  if (!method) return Fail(Status::InvalidArgument("--method must be md5 or hmac-sha256"));
  QueryParams params = {{"apiVersion", "01"}, {"client", f.client}, {"channel", f.channel},
                        {"version", "2.0"}};
  if (*method != SignMethod::kMd5) params.emplace_back("signMethod", f.method);
  if (f.timestamp) {
    params.emplace_back("timestamp", std::to_string(NowMillis()));
    params.emplace_back("nonce", RandomHex(8));
  }
  std::string sign = ComputeSignature(*method, CanonicalQuery(params), f.body, f.secret);
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k + "=" + EncodeQueryValue(v);
  }
  std::cout << out << "&sign=" << sign << "\n";
  return 0;
}

}  // namespace

void RegisterSign(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<SignFlags>();
  CLI::App* cmd = app.add_subcommand(
      "sign", "Print the signed query string for a request body (for curl)");
  cmd->add_option("--client", f->client, "client id")->required();
  cmd->add_option("--secret", f->secret, "client secret")->required();
  cmd->add_option("--channel", f->channel, "channel id")->required();
  cmd->add_option("--method", f->method, "md5 (default) or hmac-sha256");
  cmd->add_flag("--timestamp", f->timestamp, "add timestamp and nonce (replay protection)");
  cmd->add_option("body", f->body, "the exact request body that will be sent")->required();
  cmd->callback([f, &exit_code] { exit_code = RunSign(*f); });
}

}  // namespace opchat::cli
