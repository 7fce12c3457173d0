#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "api/api.hpp"

namespace opchat {
namespace {

class CountingWaker final : public Waker {
 public:
  void Wake() override { ++wakes; }
  std::atomic<int> wakes{0};
};

ApiResponse Answer(std::string body) {
  ApiResponse r;
  r.body = std::move(body);
  return r;
}

TEST(DeferredAnswerTest, WakesTheWaiterWhenCompletedLater) {
  DeferredAnswer deferred;
  auto waker = std::make_shared<CountingWaker>();
  EXPECT_FALSE(deferred.Take().has_value());
  deferred.WakeWhenComplete(waker);
  EXPECT_EQ(waker->wakes.load(), 0);
  deferred.Complete(Answer("page"));
  EXPECT_EQ(waker->wakes.load(), 1);
  auto taken = deferred.Take();
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->body, "page");
  EXPECT_FALSE(deferred.Take().has_value());  // taken once
}

TEST(DeferredAnswerTest, WakesAtOnceWhenAlreadyComplete) {
  DeferredAnswer deferred;
  deferred.Complete(Answer("page"));
  auto waker = std::make_shared<CountingWaker>();
  deferred.WakeWhenComplete(waker);
  EXPECT_EQ(waker->wakes.load(), 1);
  EXPECT_EQ(deferred.Take()->body, "page");
}

TEST(DeferredAnswerTest, CompletedOnAnotherThreadIsWokenExactlyOnce) {
  for (int i = 0; i < 200; ++i) {
    DeferredAnswer deferred;
    auto waker = std::make_shared<CountingWaker>();
    std::thread completer([&] { deferred.Complete(Answer(std::to_string(i))); });
    deferred.WakeWhenComplete(waker);
    completer.join();
    EXPECT_EQ(waker->wakes.load(), 1);
    EXPECT_EQ(deferred.Take()->body, std::to_string(i));
  }
}

}  // namespace
}  // namespace opchat
