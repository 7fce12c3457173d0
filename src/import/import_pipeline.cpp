#include "import/import_pipeline.hpp"

namespace opchat {

ImportPipeline::ImportPipeline(Store& store, size_t depth, ImportOptions options)
    : store_(store),
      depth_(std::max<size_t>(depth, 1)),
      options_(options),
      thread_([this] { Loop(); }) {}

ImportPipeline::~ImportPipeline() {
  {
    MutexLock lock(mu_);
    closing_ = true;
    queue_.clear();
  }
  changed_.SignalAll();
  thread_.join();
}

Result<std::vector<ImportRecord>> ImportPipeline::Push(std::vector<ImportRecord> batch) {
  MutexLock lock(mu_);
  while (queue_.size() >= depth_ && failure_.ok()) changed_.Wait(mu_);
  if (!failure_.ok()) return failure_;
  queue_.push_back(std::move(batch));
  std::vector<ImportRecord> next;
  if (!spare_.empty()) {
    next = std::move(spare_.back());
    spare_.pop_back();
  }
  changed_.SignalAll();
  return next;
}

ImportCounts ImportPipeline::stored() const {
  MutexLock lock(mu_);
  return stored_;
}

Result<ImportCounts> ImportPipeline::Finish() {
  MutexLock lock(mu_);
  while ((!queue_.empty() || storing_) && failure_.ok()) changed_.Wait(mu_);
  if (!failure_.ok()) return failure_;
  return stored_;
}

void ImportPipeline::Loop() {
  MutexLock lock(mu_);
  for (;;) {
    while (!closing_ && queue_.empty()) changed_.Wait(mu_);
    if (queue_.empty()) return;  // closing
    std::vector<ImportRecord> batch = std::move(queue_.front());
    queue_.pop_front();
    const bool failed = !failure_.ok();
    storing_ = true;
    changed_.SignalAll();  // room in the queue
    mu_.Unlock();
    Result<ImportCounts> counts =
        failed ? Result<ImportCounts>(ImportCounts{}) : store_.Import(batch, options_);
    mu_.Lock();
    storing_ = false;
    if (!counts.ok() && failure_.ok()) failure_ = counts.status();
    if (counts.ok() && !failed) {
      stored_.inserted += counts->inserted;
      stored_.duplicates += counts->duplicates;
    }
    spare_.push_back(std::move(batch));
    changed_.SignalAll();
  }
}

}  // namespace opchat
