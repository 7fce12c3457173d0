#include "import/ndjson_import.hpp"

#include <vector>

#include "import/import_pipeline.hpp"
#include "import/ndjson_line.hpp"

namespace opchat {

Result<NdjsonImportReport> ImportNdjson(std::istream& in, Store& store,
                                        const NdjsonImportOptions& options) {
  NdjsonImportReport report;
  // Parsing (this thread) and storing (the pipeline's, then the store's writer) overlap.
  ImportPipeline pipeline(store, 2, options.store);
  // Records are read into the slots of a batch that has been stored before, so their strings'
  // memory is reused: `filled` of `batch` hold this batch's records.
  std::vector<ImportRecord> batch;
  batch.reserve(options.batch_size);
  size_t filled = 0;
  auto flush = [&]() -> Status {
    if (filled == 0) return Status::Ok();
    batch.resize(filled);
    ASSIGN_OR_RETURN(auto next, pipeline.Push(std::move(batch)));
    batch = std::move(next);
    batch.reserve(options.batch_size);
    filled = 0;
    if (options.on_progress) {
      const ImportCounts stored = pipeline.stored();
      report.inserted = stored.inserted;
      report.duplicates = stored.duplicates;
      options.on_progress(report);
    }
    return Status::Ok();
  };
  NdjsonLineReader reader(options.default_channel);
  std::string line;
  while (std::getline(in, line)) {
    ++report.lines;
    if (line.empty() || line == "\r") continue;
    if (filled == batch.size()) batch.emplace_back();
    if (Status s = reader.Read(line, batch[filled]); !s.ok()) {
      ++report.rejected;
      if (options.on_bad_line) options.on_bad_line(report.lines, s.message());
      continue;
    }
    if (++filled >= options.batch_size) {
      RETURN_IF_ERROR(flush());
    }
  }
  RETURN_IF_ERROR(flush());
  ASSIGN_OR_RETURN(auto stored, pipeline.Finish());
  report.inserted = stored.inserted;
  report.duplicates = stored.duplicates;
  if (options.on_progress) options.on_progress(report);
  return report;
}

}  // namespace opchat
