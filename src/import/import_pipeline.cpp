#include "import/import_pipeline.hpp"

namespace opchat {

ImportPipeline::ImportPipeline(Store& store, size_t depth)
    : store_(store), depth_(std::max<size_t>(depth, 1)), thread_([this] { Loop(); }) {}

ImportPipeline::~ImportPipeline() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
    queue_.clear();
  }
  changed_.notify_all();
  thread_.join();
}

Result<std::vector<ImportRecord>> ImportPipeline::Push(std::vector<ImportRecord> batch) {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return queue_.size() < depth_ || !failure_.ok(); });
  if (!failure_.ok()) return failure_;
  queue_.push_back(std::move(batch));
  std::vector<ImportRecord> next;
  if (!spare_.empty()) {
    next = std::move(spare_.back());
    spare_.pop_back();
  }
  lock.unlock();
  changed_.notify_all();
  return next;
}

ImportCounts ImportPipeline::stored() const {
  std::lock_guard lock(mu_);
  return stored_;
}

Result<ImportCounts> ImportPipeline::Finish() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return (queue_.empty() && !storing_) || !failure_.ok(); });
  if (!failure_.ok()) return failure_;
  return stored_;
}

void ImportPipeline::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    changed_.wait(lock, [&] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;  // closing
    std::vector<ImportRecord> batch = std::move(queue_.front());
    queue_.pop_front();
    const bool failed = !failure_.ok();
    storing_ = true;
    lock.unlock();
    changed_.notify_all();  // room in the queue
    Result<ImportCounts> counts = failed ? Result<ImportCounts>(ImportCounts{}) : store_.Import(batch);
    lock.lock();
    storing_ = false;
    if (!counts.ok() && failure_.ok()) failure_ = counts.status();
    if (counts.ok() && !failed) {
      stored_.inserted += counts->inserted;
      stored_.duplicates += counts->duplicates;
    }
    spare_.push_back(std::move(batch));
    changed_.notify_all();
  }
}

}  // namespace opchat
