// Stores batches of records on a thread of its own, in the order given, while the caller
// parses the next ones. Up to `depth` batches wait between the two, so that neither waits for
// the other when one batch takes longer than usual to parse or to write; memory stays bounded
// by depth + 2 batches. The batches' vectors come back to be filled again, their capacity kept.
// Used by one caller thread.
#pragma once

#include <deque>
#include <thread>
#include <vector>

#include "common/mutex.hpp"
#include "common/status.hpp"
#include "storage/store.hpp"

namespace opchat {

class ImportPipeline {
 public:
  // Each batch is stored with Store::Import(batch, options).
  ImportPipeline(Store& store, size_t depth, ImportOptions options = {});
  ~ImportPipeline();  // drops what was not stored yet

  // Queues `batch` (blocking while `depth` batches wait) and returns a vector to fill next: a
  // stored batch, still holding its records, which the caller clears (glibc's malloc is much
  // faster when the thread that allocated memory frees it: clearing on the storing thread made
  // the parsing thread spend 7 % of an import in malloc). After a storage failure nothing more
  // is stored and every call returns the failure.
  Result<std::vector<ImportRecord>> Push(std::vector<ImportRecord> batch);
  // What has been stored so far.
  ImportCounts stored() const;
  // Waits until every queued batch is stored; their counts, or the first failure.
  Result<ImportCounts> Finish();

 private:
  void Loop();

  Store& store_;
  const size_t depth_;
  const ImportOptions options_;
  mutable Mutex mu_;
  CondVar changed_;
  std::deque<std::vector<ImportRecord>> queue_ GUARDED_BY(mu_);
  std::vector<std::vector<ImportRecord>> spare_ GUARDED_BY(mu_);
  bool storing_ GUARDED_BY(mu_) = false;
  bool closing_ GUARDED_BY(mu_) = false;
  ImportCounts stored_ GUARDED_BY(mu_);
  Status failure_ GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace opchat
