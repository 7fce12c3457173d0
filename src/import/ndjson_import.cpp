#include "import/ndjson_import.hpp"

#include <algorithm>
#include <functional>
#include <memory>
#include <vector>

#include "import/import_pipeline.hpp"
#include "import/ndjson_line.hpp"

namespace opchat {

Result<NdjsonImportReport> ImportNdjson(std::istream& in, Store& store,
                                        const NdjsonImportOptions& options) {
  NdjsonImportReport report;
  // Parsing (this thread) and storing (each stream's pipeline, then the store) overlap.
  struct Stream {
    explicit Stream(Store& store, const ImportOptions& options) : pipeline(store, 2, options) {}
    ImportPipeline pipeline;
    // Records are moved into the slots of a batch that has been stored before, so their
    // strings' memory is reused: `filled` of `batch` hold this batch's records.
    std::vector<ImportRecord> batch;
    size_t filled = 0;
  };
  std::vector<std::unique_ptr<Stream>> streams;
  for (size_t i = 0; i < std::max<size_t>(options.streams, 1); ++i) {
    streams.push_back(std::make_unique<Stream>(store, options.store));
    streams.back()->batch.reserve(options.batch_size);
  }
  auto stored = [&] {
    ImportCounts sum;
    for (const auto& s : streams) {
      const ImportCounts c = s->pipeline.stored();
      sum.inserted += c.inserted;
      sum.duplicates += c.duplicates;
    }
    return sum;
  };
  auto flush = [&](Stream& s) -> Status {
    if (s.filled == 0) return Status::Ok();
    s.batch.resize(s.filled);
    ASSIGN_OR_RETURN(auto next, s.pipeline.Push(std::move(s.batch)));
    s.batch = std::move(next);
    s.batch.reserve(options.batch_size);
    s.filled = 0;
    if (options.on_progress) {
      const ImportCounts sum = stored();
      report.inserted = sum.inserted;
      report.duplicates = sum.duplicates;
      options.on_progress(report);
    }
    return Status::Ok();
  };
  NdjsonLineReader reader(options.default_channel);
  std::string line;
  ImportRecord record;  // parsed here, then swapped into its stream's batch
  const std::hash<std::string> hash;
  while (std::getline(in, line)) {
    ++report.lines;
    if (line.empty() || line == "\r") continue;
    if (Status s = reader.Read(line, record); !s.ok()) {
      ++report.rejected;
      if (options.on_bad_line) options.on_bad_line(report.lines, s.message());
      continue;
    }
    Stream& s = *streams[streams.size() == 1 ? 0 : hash(record.chat.id) % streams.size()];
    if (s.filled == s.batch.size()) s.batch.emplace_back();
    std::swap(s.batch[s.filled], record);
    if (++s.filled >= options.batch_size) {
      RETURN_IF_ERROR(flush(s));
    }
  }
  for (auto& s : streams) RETURN_IF_ERROR(flush(*s));
  for (auto& s : streams) RETURN_IF_ERROR(s->pipeline.Finish().status());
  const ImportCounts sum = stored();
  report.inserted = sum.inserted;
  report.duplicates = sum.duplicates;
  if (options.on_progress) options.on_progress(report);
  return report;
}

}  // namespace opchat
