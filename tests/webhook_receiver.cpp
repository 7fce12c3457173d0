#include "webhook_receiver.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <stdexcept>
#include <thread>

#include "http_test_client.hpp"

namespace opchat::testing {
namespace {

HttpResponse Control(int port, const std::string& method, const std::string& target,
                     const std::string& body = "") {
  return Exchange(port, method + " " + target +
                            " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            "Content-Type: application/json\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body);
}

HttpResponse Checked(HttpResponse r, const std::string& what) {
  if (r.status != 200) throw std::runtime_error("receiver " + what + ": " + r.body);
  return r;
}

}  // namespace

WebhookReceiver::WebhookReceiver(const std::vector<std::string>& args, bool record_bodies)
    : record_bodies_(record_bodies) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> argv = {"node", OPCHAT_SOURCE_DIR "/tests/webhooks/receiver.mjs"};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the test
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
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
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (line.find('\n') == std::string::npos) {
    pollfd pfd{out[0], POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0 || ::poll(&pfd, 1, static_cast<int>(left)) <= 0) break;
    char buf[256];
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  try {
    port_ =
        static_cast<int>(boost::json::parse(line.substr(0, line.find('\n'))).at("port").as_int64());
  } catch (const std::exception&) {
    Stop();
    throw std::runtime_error("the webhook receiver did not start: " + line);
  }
}

WebhookReceiver::~WebhookReceiver() {
  if (record_bodies_) {
    try {
      for (const auto& d : Deliveries()) {
        if (const auto* text = d.if_contains("bodyText"); text && text->is_string()) {
          RecordWebhookBody(std::string(text->as_string()));
        }
      }
    } catch (const std::exception&) {
      // A receiver that died has nothing to add.
    }
  }
  Stop();
}

void WebhookReceiver::Stop() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
}

std::string WebhookReceiver::Url(const std::string& path, const std::string& host, bool tls) const {
  return std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(port_) + path;
}

void WebhookReceiver::SetSecrets(const std::vector<std::string>& secrets) {
  boost::json::array a;
  for (const auto& s : secrets) a.emplace_back(s);
  Checked(Control(port_, "POST", "/_control/secrets", boost::json::serialize(a)), "secrets");
}

void WebhookReceiver::SetRules(const std::string& rules_json) {
  Checked(Control(port_, "POST", "/_control/rules", rules_json), "rules");
}

boost::json::value WebhookReceiver::Stats() const {
  return Checked(Control(port_, "GET", "/_control/stats"), "stats").Json();
}

std::vector<boost::json::object> WebhookReceiver::Deliveries(const std::string& path) const {
  const boost::json::value doc =
      Checked(Control(port_, "GET", "/_control/deliveries"), "deliveries").Json();
  std::vector<boost::json::object> out;
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
