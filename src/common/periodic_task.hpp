// Runs a function every `interval` on a thread of its own until destroyed (a background chore:
// reloading clients, enforcing retention). The first run comes one interval after start.
// Thread-safe; the destructor waits for a run in progress to finish.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

#include "common/mutex.hpp"

namespace opchat {

class PeriodicTask {
 public:
  PeriodicTask(std::chrono::milliseconds interval, std::function<void()> run)
      : interval_(interval), run_(std::move(run)), thread_([this] { Loop(); }) {}
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;
  ~PeriodicTask() {
    {
      MutexLock lock(mu_);
      stop_ = true;
    }
    cv_.SignalAll();
    thread_.join();
  }

 private:
  void Loop() {
    using Clock = std::chrono::steady_clock;
    MutexLock lock(mu_);
    Clock::time_point next = Clock::now() + interval_;
    while (!stop_) {
      Clock::time_point now = Clock::now();
      if (now < next) {
        cv_.WaitFor(mu_, next - now);  // woken early by the destructor, or spuriously: look again
        continue;
      }
      mu_.Unlock();
      run_();
      mu_.Lock();
      next = Clock::now() + interval_;
    }
  }

  const std::chrono::milliseconds interval_;
  const std::function<void()> run_;
  Mutex mu_;
  CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts after the members above exist
};

}  // namespace opchat
