#include "webhook_receiver.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <stdexcept>
#include <thread>

#include "http_test_client.hpp"

namespace opchat::testing {

WebhookReceiver::WebhookReceiver(const std::vector<std::string>& args) {
  int in[2], out[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the test
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::close(in[1]);
    ::close(out[0]);
    std::vector<std::string> argv = {"node", OPCHAT_SOURCE_DIR "/tests/webhooks/receiver.mjs"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    for (auto& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    ::execvp("node", raw.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  stdin_fd_ = in[1];
  // The first line is {"port":N}.
  std::string line;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
  ::close(out[0]);
  try {
    port_ = static_cast<int>(boost::json::parse(line).at("port").as_int64());
  } catch (const std::exception&) {
    throw std::runtime_error("the webhook receiver did not start: " + line);
  }
}

namespace {

// The receiver's control calls, left out of the answers recorded for docs/openapi.yaml.
HttpResponse Control(int port, const std::string& method, const std::string& target,
                     const std::string& body = "") {
  return Exchange(port, method + " " + target +
                            " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            "Content-Type: application/json\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body);
}

}  // namespace

WebhookReceiver::~WebhookReceiver() {
  // Every body it received is checked against docs/openapi.yaml's WebhookPayload.
  try {
    for (const auto& d : Deliveries()) {
      if (const auto* text = d.if_contains("bodyText"); text && text->is_string()) {
        RecordWebhookBody(std::string(text->as_string()));
      }
    }
  } catch (const std::exception&) {
  }
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  if (pid_ > 0) {
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string WebhookReceiver::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void WebhookReceiver::SetSecrets(const std::vector<std::string>& secrets) {
  boost::json::array a;
  for (const auto& s : secrets) a.emplace_back(s);
  HttpResponse r = Control(port_, "POST", "/_control/secrets", boost::json::serialize(a));
  if (r.status != 200) throw std::runtime_error("receiver secrets: " + r.body);
}

void WebhookReceiver::SetRules(const std::string& rules_json) {
  HttpResponse r = Control(port_, "POST", "/_control/rules", rules_json);
  if (r.status != 200) throw std::runtime_error("receiver rules: " + r.body);
}

std::vector<boost::json::object> WebhookReceiver::Deliveries(const std::string& path) const {
  HttpResponse r = Control(port_, "GET", "/_control/deliveries");
  if (r.status != 200) throw std::runtime_error("receiver deliveries: " + r.body);
  std::vector<boost::json::object> out;
  const boost::json::value doc = r.Json();  // alive for the loop
  for (const auto& d : doc.as_array()) {
    if (path.empty() || d.at("path").as_string() == path) out.push_back(d.as_object());
  }
  return out;
}

std::vector<boost::json::object> WebhookReceiver::WaitFor(
    const std::string& path,
    const std::function<bool(const std::vector<boost::json::object>&)>& done,
    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto deliveries = Deliveries(path);
    if (done(deliveries) || std::chrono::steady_clock::now() > deadline) return deliveries;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace opchat::testing
