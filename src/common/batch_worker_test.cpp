#include "common/batch_worker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace opchat {
namespace {

struct Job {
  int value = 0;
  bool ran = false;
  std::function<void()> on_run;  // for posted jobs: their own way to say they ran
  std::atomic<int>* destroyed = nullptr;
  ~Job() {
    if (destroyed) ++*destroyed;
  }
};

TEST(BatchWorkerTest, SubmitReturnsOnceItsBatchHasRun) {
  std::atomic<int> batches{0};
  BatchWorker<Job> worker(
      [&](std::span<Job* const> batch) {
        ++batches;
        for (Job* j : batch) j->ran = true;
      },
      16);
  std::vector<std::thread> threads;
  std::atomic<int> ran{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        Job job;
        ASSERT_TRUE(worker.Submit(job));
        if (job.ran) ++ran;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ran.load(), 400);
  EXPECT_LE(batches.load(), 400);
}

TEST(BatchWorkerTest, PostedItemsRunInOrderAndAreDestroyedAfterTheirBatch) {
  std::atomic<int> destroyed{0};
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> order;
  {
    BatchWorker<Job> worker(
        [&](std::span<Job* const> batch) {
          for (Job* j : batch) j->on_run();
        },
        4);
    for (int i = 0; i < 100; ++i) {
      auto job = std::make_unique<Job>();
      job->destroyed = &destroyed;
      job->on_run = [&, i] {
        std::lock_guard lock(mu);
        order.push_back(i);
        cv.notify_all();
      };
      EXPECT_EQ(worker.Post(std::move(job)), nullptr);
    }
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return order.size() == 100; }));
  }  // the worker stops here: every item has run and gone
  EXPECT_EQ(destroyed.load(), 100);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[static_cast<size_t>(i)], i);
}

TEST(BatchWorkerTest, SeveralThreadsRunBatchesAtOnce) {
  // Each batch waits until two are running: with one thread it would wait for ever (bounded
  // here by the timeout, which fails the test).
  std::mutex mu;
  std::condition_variable cv;
  int running = 0;
  std::atomic<int> met{0};
  BatchWorker<Job> worker(
      [&](std::span<Job* const>) {
        std::unique_lock lock(mu);
        ++running;
        cv.notify_all();
        if (cv.wait_for(lock, std::chrono::seconds(10), [&] { return running >= 2; })) ++met;
      },
      1, 2);
  Job a, b;
  std::thread other([&] { worker.Submit(a); });
  worker.Submit(b);
  other.join();
  EXPECT_EQ(met.load(), 2);
}

}  // namespace
}  // namespace opchat
