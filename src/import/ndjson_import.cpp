#include "import/ndjson_import.hpp"

#include <vector>

#include <boost/json/monotonic_resource.hpp>

#include "api/message_codec.hpp"
#include "api/request_fields.hpp"
#include "common/clock.hpp"
#include "import/import_pipeline.hpp"

namespace opchat {
namespace {

Result<ImportRecord> ParseLine(std::string_view line, const NdjsonImportOptions& options,
                               boost::json::storage_ptr tree) {
  auto body = ParseBodyObject(line, std::move(tree));
  if (!body.ok()) return body.status();
  ImportRecord r;
  auto chat_id = RequiredString(*body, "chatId");
  if (!chat_id.ok()) return chat_id.status();
  r.chat.id = *chat_id;
  auto channel = OptionalString(*body, "channel");
  if (!channel.ok()) return channel.status();
  r.chat.channel = channel->value_or(options.default_channel);
  if (r.chat.channel.empty()) return FieldError("channel");
  auto user = RequiredString(*body, "userId");
  if (!user.ok()) return user.status();
  r.chat.user_id = *user;
  auto op = OptionalString(*body, "operatorId");
  if (!op.ok()) return op.status();
  r.chat.operator_id = *op;
  auto status = OptionalInt(*body, "chatStatus", 0, 1000);
  if (!status.ok()) return status.status();
  auto chat_status = ChatStatusFromCode(status->value_or(3));
  if (!chat_status) return FieldError("chatStatus");
  r.chat.status = *chat_status;
  auto chat_ext = OptionalObjectText(*body, "chatExt");
  if (!chat_ext.ok()) return chat_ext.status();
  r.chat.ext = std::move(*chat_ext);

  auto content = ParseMessageContent(*body);
  if (!content.ok()) return content.status();
  r.message = std::move(*content);
  auto umid = RequiredString(*body, "userMessageId");
  if (!umid.ok()) return umid.status();
  r.message.user_message_id = *umid;
  auto from = OptionalString(*body, "from");
  if (!from.ok()) return from.status();
  if (!*from) {
    from = OptionalString(*body, "form");
    if (!from.ok()) return from.status();
  }
  if (!*from) return FieldError("from");
  r.message.from = **from;
  auto to = OptionalString(*body, "to");
  if (!to.ok()) return to.status();
  r.message.to = to->value_or("");

  // createTime: Unix ms here (generator) or the wire's local text (export); timestamp wins.
  auto ts = OptionalInt(*body, "timestamp", 0, kMaxTimestampMs);
  if (!ts.ok()) return ts.status();
  std::optional<int64_t> ms = *ts;
  if (!ms) {
    auto it = body->find("createTime");
    if (it != body->end() && it->value().is_string()) {
      ms = ParseLocalTime(it->value().get_string());
    } else {
      auto n = OptionalInt(*body, "createTime", 0, kMaxTimestampMs);
      if (!n.ok()) return n.status();
      ms = *n;
    }
  }
  if (!ms) return FieldError("createTime");
  r.message.create_ms = *ms;
  r.chat.created_ms = r.chat.updated_ms = *ms;
  return r;
}

}  // namespace

Result<NdjsonImportReport> ImportNdjson(std::istream& in, Store& store,
                                        const NdjsonImportOptions& options) {
  NdjsonImportReport report;
  // Parsing (this thread) and storing (the pipeline's, then the store's writer) overlap.
  ImportPipeline pipeline(store, 2);
  std::vector<ImportRecord> batch;
  batch.reserve(options.batch_size);
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::Ok();
    auto next = pipeline.Push(std::move(batch));
    if (!next.ok()) return next.status();
    batch = std::move(*next);
    batch.clear();
    batch.reserve(options.batch_size);
    if (options.on_progress) {
      const ImportCounts stored = pipeline.stored();
      report.inserted = stored.inserted;
      report.duplicates = stored.duplicates;
      options.on_progress(report);
    }
    return Status::Ok();
  };
  std::string line;
  // Each line's JSON tree lives in one buffer, reused line after line, instead of a heap
  // allocation per node (the parsing thread spent a third of its time in malloc and free).
  std::vector<unsigned char> tree_buffer(64 * 1024);
  while (std::getline(in, line)) {
    ++report.lines;
    if (line.empty() || line == "\r") continue;
    boost::json::monotonic_resource tree(tree_buffer.data(), tree_buffer.size());
    auto record = ParseLine(line, options, boost::json::storage_ptr(&tree));
    if (!record.ok()) {
      ++report.rejected;
      if (options.on_bad_line) options.on_bad_line(report.lines, record.status().message());
      continue;
    }
    batch.push_back(std::move(*record));
    if (batch.size() >= options.batch_size) {
      if (Status s = flush(); !s.ok()) return s;
    }
  }
  if (Status s = flush(); !s.ok()) return s;
  auto stored = pipeline.Finish();
  if (!stored.ok()) return stored.status();
  report.inserted = stored->inserted;
  report.duplicates = stored->duplicates;
  if (options.on_progress) options.on_progress(report);
  return report;
}

}  // namespace opchat
