#include "storage/migration.hpp"

namespace opchat {
namespace {

constexpr int64_t kChatPage = 500;

// Sends `batch` to the target as one import, then empties it.
Status Flush(Store& to, std::vector<ImportRecord>& batch, MigrationReport& report) {
  if (batch.empty()) return Status::Ok();
  // A migration copies history that happened before: recording it as new events would replay
  // the past to live subscribers and webhooks of the target.
  ImportOptions options;
  options.events = false;
  auto counts = to.Import(batch, options);
  if (!counts.ok()) return counts.status();
  report.messages_copied += counts->inserted;
  batch.clear();
  return Status::Ok();
}

Status CopyClients(Store& from, Store& to, MigrationReport& report) {
  auto clients = from.ListClients();
  if (!clients.ok()) return clients.status();
  for (const ClientRecord& c : *clients) {
    Status s = to.AddClient(c);
    if (s.ok()) {
      ++report.clients_copied;
    } else if (s.code() == StatusCode::kConflict) {
      ++report.clients_present;
    } else {
      return s;
    }
  }
  return Status::Ok();
}

Status CopyChat(Store& from, Store& to, const Chat& chat, std::vector<ImportRecord>& batch,
                const MigrationOptions& options, MigrationReport& report) {
  auto existing = to.GetChat(chat.channel, chat.id);
  if (existing.ok() && existing->message_count >= chat.message_count) {
    ++report.chats_complete;
    return Status::Ok();
  }
  if (!existing.ok() && existing.status().code() != StatusCode::kNotFound) return existing.status();
  if (chat.message_count == 0) {
    Status created = to.CreateChat(chat).status();
    return created.ok() || created.code() == StatusCode::kConflict ? Status::Ok() : created;
  }
  ExportFilter filter;
  filter.channel = chat.channel;
  filter.chat_id = chat.id;
  return from.ForEachMessage(filter, [&](const Chat&, const Message& m) -> Status {
    batch.push_back({chat, m});
    if (batch.size() < options.batch) return Status::Ok();
    Status s = Flush(to, batch, report);
    if (s.ok() && options.on_progress) options.on_progress(report.chats, report.messages_copied);
    return s;
  });
}

// Second pass: every source chat must be in the target with as many messages; statuses and
// operators that changed since an earlier, interrupted run are brought up to date.
Status Verify(Store& from, Store& to, MigrationReport& report) {
  std::string after_channel, after;
  for (;;) {
    auto page = from.ScanChats(after_channel, after, kChatPage);
    if (!page.ok()) return page.status();
    if (page->empty()) return Status::Ok();
    for (const Chat& chat : *page) {
      auto copy = to.GetChat(chat.channel, chat.id);
      if (!copy.ok() || copy->message_count != chat.message_count) {
        report.mismatches.push_back(chat.id + " (channel " + chat.channel + ")");
        continue;
      }
      if (copy->status != chat.status || copy->operator_id != chat.operator_id) {
        RETURN_IF_ERROR(to.TransitionChat(chat.channel, chat.id, {}, chat.status, chat.operator_id,
                                          chat.updated_ms));
        ++report.statuses_synced;
      }
    }
    after_channel = page->back().channel;
    after = page->back().id;
  }
}

}  // namespace

Result<MigrationReport> MigrateStore(Store& from, Store& to, const MigrationOptions& options) {
  MigrationReport report;
  RETURN_IF_ERROR(CopyClients(from, to, report));
  std::vector<ImportRecord> batch;
  batch.reserve(options.batch);
  std::string after_channel, after;
  for (;;) {
    auto page = from.ScanChats(after_channel, after, kChatPage);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    for (const Chat& chat : *page) {
      ++report.chats;
      RETURN_IF_ERROR(CopyChat(from, to, chat, batch, options, report));
    }
    after_channel = page->back().channel;
    after = page->back().id;
    // Flush at a page boundary, so a chat never waits in memory across pages.
    RETURN_IF_ERROR(Flush(to, batch, report));
    if (options.on_progress) options.on_progress(report.chats, report.messages_copied);
  }
  RETURN_IF_ERROR(Verify(from, to, report));
  return report;
}

}  // namespace opchat
