// Threads that run submitted items in batches: Submit() blocks until the batch that took the
// item has run; Post() hands an item over and returns at once. What arrives while a batch runs
// forms the next one, so under load each batch takes everything that queued behind the previous
// one (group commit: one transaction, one flush, for many requests; one statement for many page
// reads) and at low load a batch is one item, run at once. Thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "common/mutex.hpp"

namespace opchat {

template <typename Item>
class BatchWorker {
 public:
  using Run = std::function<void(std::span<Item* const> batch)>;

  // `run` is called with batches of at most `max_batch` items, each batch in the order its items
  // were submitted, on one of `threads` threads: with more than one, a batch may run while
  // another does (batches are then not ordered with each other).
  BatchWorker(Run run, size_t max_batch, size_t threads = 1)
      : run_(std::move(run)), max_batch_(max_batch) {
    for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
  }
  ~BatchWorker() {  // runs what is queued, then stops
    {
      MutexLock lock(mu_);
      stopping_ = true;
    }
    work_ready_.SignalAll();
    for (std::thread& t : threads_) t.join();
  }
  BatchWorker(const BatchWorker&) = delete;
  BatchWorker& operator=(const BatchWorker&) = delete;

  // Runs `item` in a batch and returns once that batch has run; false, without running it,
  // when the worker is stopping.
  bool Submit(Item& item) {
    Waiter waiter;
    if (!Enqueue({&item, &waiter, nullptr})) return false;
    MutexLock done_lock(waiter.done_mu);
    while (!waiter.done) waiter.done_cv.Wait(waiter.done_mu);
    return true;
  }

  // Runs `item` in a later batch, which owns it until it has run, and returns at once: the item
  // itself says when it is done (a callback of its own). Returns it back, not run, when the
  // worker is stopping; null otherwise.
  std::unique_ptr<Item> Post(std::unique_ptr<Item> item) {
    Item* raw = item.get();
    if (!Enqueue({raw, nullptr, std::move(item)})) return std::unique_ptr<Item>(raw);
    return nullptr;
  }

 private:
  struct Waiter {
    // Each waiter has its own wake-up: one condition variable for all would wake every waiting
    // thread at each batch to find, mostly, that its own item is not done. (Not
    // std::binary_semaphore: libstdc++ spins on sched_yield before it sleeps, which cost 13 % of
    // the CPU under write load with 32 waiting threads.)
    Mutex done_mu;
    CondVar done_cv;
    bool done GUARDED_BY(done_mu) = false;
  };
  struct Entry {
    Item* item;
    Waiter* waiter;               // Submit's, woken after the batch; null for Post
    std::unique_ptr<Item> owned;  // Post's item, destroyed after the batch
  };

  bool Enqueue(Entry entry) {
    {
      MutexLock lock(mu_);
      if (stopping_) {
        (void)entry.owned.release();  // handed back by Post
        return false;
      }
      queue_.push_back(std::move(entry));
    }
    work_ready_.Signal();
    return true;
  }

  void Loop() {
    std::vector<Entry> batch;
    std::vector<Item*> items;
    for (;;) {
      {
        MutexLock lock(mu_);
        while (!stopping_ && queue_.empty()) work_ready_.Wait(mu_);
        if (queue_.empty()) return;  // stopping, nothing left
        while (!queue_.empty() && batch.size() < max_batch_) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      for (Entry& e : batch) items.push_back(e.item);
      run_(items);
      for (Entry& e : batch) {
        if (!e.waiter) continue;
        MutexLock done_lock(e.waiter->done_mu);  // held while signalling: it dies once seen done
        e.waiter->done = true;
        e.waiter->done_cv.Signal();
      }
      batch.clear();
      items.clear();
    }
  }

  const Run run_;
  const size_t max_batch_;
  Mutex mu_;
  CondVar work_ready_;
  std::deque<Entry> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // last: started once the members above exist
};

}  // namespace opchat
