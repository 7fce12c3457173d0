#include "common/stop_signals.hpp"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

namespace opchat {
namespace {

sigset_t StopSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

StopSignals::StopSignals() {
  sigset_t set = StopSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

StopSignals::~StopSignals() {
  if (!waiter_.joinable()) return;
  closing_ = true;
  // Directed at the waiter, so only it can take this one; it sees closing_ and returns.
  pthread_kill(waiter_.native_handle(), SIGTERM);
  waiter_.join();
}

void StopSignals::OnStop(std::function<void(int)> on_stop) {
  on_stop_ = std::move(on_stop);
  waiter_ = std::thread([this] { Wait(); });
}

void StopSignals::Wait() {
  sigset_t set = StopSet();
  bool stopping = false;
  while (true) {
    int signal = 0;
    if (sigwait(&set, &signal) != 0) continue;
    if (closing_) return;
    if (stopping) {
      spdlog::info("signal {}: already shutting down", signal);
      continue;
    }
    stopping = true;
    spdlog::info("signal {}: shutting down", signal);
    on_stop_(signal);
  }
}

}  // namespace opchat
