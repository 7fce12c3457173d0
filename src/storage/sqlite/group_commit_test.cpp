// Posted units are answered on the writer's thread after their transaction: committed, refused
// alone, or failed together with their neighbours when one of them hits a storage failure.
#include "storage/sqlite/group_commit.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <vector>

#include "common/crypto.hpp"

namespace opchat::sqlite {
namespace {

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/group_commit_" + std::to_string(getpid()) + "_" +
            RandomHex(6) + ".db";
    auto db = SqliteDb::Open(path_, true, "full");
    ASSERT_TRUE(db.ok()) << db.status().message();
    ASSERT_TRUE((*db)->Exec("CREATE TABLE t (v INTEGER)").ok());
    writer_ = std::make_unique<GroupCommitWriter>(std::move(*db));
  }

  // Posts one unit per entry of `outcomes` (each inserts its index, then returns that Status)
  // and waits for every `done`; returns what each was answered.
  std::vector<Status> PostAll(const std::vector<Status>& outcomes) {
    std::mutex mu;
    std::condition_variable all_done;
    std::vector<Status> answered(outcomes.size());
    size_t finished = 0;
    for (size_t i = 0; i < outcomes.size(); ++i) {
      writer_->Post(
          [i, &outcomes](SqliteDb& db) -> Status {
            if (outcomes[i].code() == StatusCode::kConflict) return outcomes[i];  // refused first
            auto q = db.Prepare("INSERT INTO t VALUES (?)");
            q.Bind(1, static_cast<int64_t>(i));
            if (Status s = q.Run(); !s.ok()) return s;
            return outcomes[i];
          },
          [&, i](const Status& s) {
            std::lock_guard lock(mu);
            answered[i] = s;
            ++finished;
            all_done.notify_all();
          });
    }
    std::unique_lock lock(mu);
    all_done.wait(lock, [&] { return finished == outcomes.size(); });
    return answered;
  }

  // The rows committed, read on a connection of its own.
  int64_t Rows() {
    auto reader = SqliteDb::Open(path_, false, "full");
    if (!reader.ok()) return -1;
    auto q = (*reader)->Prepare("SELECT count(*) FROM t");
    return q.Step() ? q.Int(0) : -1;
  }

  std::string path_;
  std::unique_ptr<GroupCommitWriter> writer_;
};

TEST_F(GroupCommitTest, PostedUnitsAreAnsweredOnceCommittedAndARefusalAlone) {
  auto answered =
      PostAll({Status::Ok(), Status::Conflict("no"), Status::Ok(), Status::Ok(), Status::Ok()});
  EXPECT_TRUE(answered[0].ok());
  EXPECT_EQ(answered[1].message(), "no");
  for (size_t i : {2u, 3u, 4u}) EXPECT_TRUE(answered[i].ok()) << i;
  EXPECT_EQ(Rows(), 4);  // the refused unit wrote nothing; its neighbours committed
}

TEST_F(GroupCommitTest, AStorageFailureFailsEveryPostedUnitOfItsTransaction) {
  std::vector<Status> outcomes(20, Status::Ok());
  outcomes[7] = Status::Unavailable("disk gone");
  auto answered = PostAll(outcomes);
  EXPECT_EQ(answered[7].code(), StatusCode::kUnavailable);
  // Whatever shared unit 7's transaction failed with it (Unavailable), and exactly the units
  // answered OK were written.
  int64_t committed = 0;
  for (const Status& s : answered) {
    if (s.ok())
      ++committed;
    else
      EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  }
  EXPECT_LT(committed, 20);
  EXPECT_EQ(Rows(), committed);
}

}  // namespace
}  // namespace opchat::sqlite
