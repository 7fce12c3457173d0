#include "storage/testing/failing_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace opchat {
namespace {

class FailingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("opchat-failing-store-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    auto opened = OpenStore("sqlite:" + (dir_ / "f.db").string());
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    real_ = std::move(*opened);
    failing_ = std::make_unique<FailingStore>(*real_);
  }
  void TearDown() override {
    failing_.reset();
    real_.reset();
    std::filesystem::remove_all(dir_);
  }

  static Chat NewChat(const std::string& id) {
    Chat chat;
    chat.id = id;
    chat.channel = "ch";
    chat.user_id = "u";
    return chat;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> real_;
  std::unique_ptr<FailingStore> failing_;
};

TEST_F(FailingStoreTest, PassesEverythingThroughUntilArmed) {
  EXPECT_TRUE(failing_->CreateChat(NewChat("a")).ok());
  EXPECT_TRUE(failing_->GetChat("ch", "a").ok());
  EXPECT_TRUE(failing_->Ping().ok());
  EXPECT_EQ(failing_->calls(), 3);
  EXPECT_FALSE(failing_->failed());
}

TEST_F(FailingStoreTest, FailsExactlyTheNthCallWithoutReachingTheStore) {
  failing_->FailNth(2);
  EXPECT_TRUE(failing_->Ping().ok());
  auto created = failing_->CreateChat(NewChat("b"));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(failing_->failed());
  EXPECT_EQ(real_->GetChat("ch", "b").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(failing_->CreateChat(NewChat("b")).ok());  // the 3rd passes again
  EXPECT_EQ(failing_->calls(), 3);
}

TEST_F(FailingStoreTest, CountsOnlyTheChosenKind) {
  failing_->FailNth(2, Status::Internal("boom"), StoreCallKind::kWrite);
  EXPECT_TRUE(failing_->CreateChat(NewChat("c")).ok());  // write 1
  EXPECT_TRUE(failing_->GetChat("ch", "c").ok());        // a read: not counted
  EXPECT_TRUE(failing_->Ping().ok());
  Status s = failing_->TransitionChat("ch", "c", {}, ChatStatus::kEnded, std::nullopt, 1).status();
  EXPECT_EQ(s.code(), StatusCode::kInternal);  // write 2
  EXPECT_EQ(s.message(), "boom");
  EXPECT_EQ(failing_->calls(), 2);
  EXPECT_EQ(real_->GetChat("ch", "c")->status, ChatStatus::kWaiting);
}

TEST_F(FailingStoreTest, DisarmStopsFailing) {
  failing_->FailNth(1, Status::Unavailable("down"), StoreCallKind::kPing);
  failing_->Disarm();
  EXPECT_TRUE(failing_->Ping().ok());
  EXPECT_FALSE(failing_->failed());
}

}  // namespace
}  // namespace opchat
