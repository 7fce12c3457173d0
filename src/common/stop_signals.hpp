// SIGINT and SIGTERM for a long-running command, taken on a thread of their own (sigwait)
// rather than by a signal handler.
//
// Construct it first, before the command starts any thread: it blocks both signals in the
// calling thread, and every thread started afterwards inherits that mask, so neither signal
// can ever take the process's default action (death) in any thread. The first signal calls
// the function given to OnStop(); later ones are logged and ignored, so a supervisor that
// repeats SIGTERM while the store is closing still sees a clean exit. A signal that arrives
// before OnStop() waits, pending, until it is called.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace opchat {

class StopSignals {
 public:
  StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  // Stops the waiting thread. Both signals stay blocked: the process is about to exit, and
  // one still pending must not kill it at the last moment.
  ~StopSignals();

  // Starts waiting; `on_stop(signal)` runs on the waiting thread, once. Call at most once.
  void OnStop(std::function<void(int)> on_stop);

 private:
  void Wait();

  std::function<void(int)> on_stop_;
  std::atomic<bool> closing_{false};
  std::thread waiter_;
};

}  // namespace opchat
