// A thread that runs submitted items in batches: Submit() blocks until the batch that took the
// item has run. What arrives while a batch runs forms the next one, so under load each batch
// takes everything that queued behind the previous one (group commit: one transaction, one
// flush, for many requests) and at low load a batch is one item, run at once. Thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <span>
#include <thread>
#include <vector>

#include "common/mutex.hpp"

namespace opchat {

template <typename Item>
class BatchWorker {
 public:
  using Run = std::function<void(std::span<Item* const> batch)>;

  // `run` is called on the worker's thread with batches of at most `max_batch` items, in the
  // order they were submitted.
  BatchWorker(Run run, size_t max_batch)
      : run_(std::move(run)), max_batch_(max_batch), thread_([this] { Loop(); }) {}
  ~BatchWorker() {  // runs what is queued, then stops
    {
      MutexLock lock(mu_);
      stopping_ = true;
    }
    work_ready_.SignalAll();
    thread_.join();
  }
  BatchWorker(const BatchWorker&) = delete;
  BatchWorker& operator=(const BatchWorker&) = delete;

  // Runs `item` in a batch and returns once that batch has run; false, without running it,
  // when the worker is stopping.
  bool Submit(Item& item) {
    Waiter waiter{&item};
    {
      MutexLock lock(mu_);
      if (stopping_) return false;
      queue_.push_back(&waiter);
    }
    work_ready_.Signal();
    MutexLock done_lock(waiter.done_mu);
    while (!waiter.done) waiter.done_cv.Wait(waiter.done_mu);
    return true;
  }

 private:
  struct Waiter {
    Item* item;
    // Each waiter has its own wake-up: one condition variable for all would wake every waiting
    // thread at each batch to find, mostly, that its own item is not done. (Not
    // std::binary_semaphore: libstdc++ spins on sched_yield before it sleeps, which cost 13 % of
    // the CPU under write load with 32 waiting threads.)
    Mutex done_mu;
    CondVar done_cv;
    bool done GUARDED_BY(done_mu) = false;
  };

  void Loop() {
    std::vector<Waiter*> batch;
    std::vector<Item*> items;
    for (;;) {
      {
        MutexLock lock(mu_);
        while (!stopping_ && queue_.empty()) work_ready_.Wait(mu_);
        if (queue_.empty()) return;  // stopping, nothing left
        while (!queue_.empty() && batch.size() < max_batch_) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
      for (Waiter* w : batch) items.push_back(w->item);
      run_(items);
      for (Waiter* w : batch) {
        MutexLock done_lock(w->done_mu);  // held while signalling: w dies once seen done
        w->done = true;
        w->done_cv.Signal();
      }
      batch.clear();
      items.clear();
    }
  }

  const Run run_;
  const size_t max_batch_;
  Mutex mu_;
  CondVar work_ready_;
  std::deque<Waiter*> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace opchat
