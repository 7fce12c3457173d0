#include "import/easemob_import.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "common/crypto.hpp"
#include "import/easemob_record.hpp"
#include "import/easemob_source.hpp"

namespace opchat {
namespace {

constexpr int64_t kEvictEvery = 10000;  // emitted records between sweeps of idle pairs

// A good record waiting in the reorder window, its sides resolved.
struct Pending {
  int64_t ts = 0;
  uint64_t arrival = 0;  // ties keep reading order
  size_t file = 0;
  int64_t line = 0;
  std::string user;
  std::string op;
  std::optional<std::string> chat_key;
  std::vector<Message> messages;
};

// Heap order: the earliest record on top.
bool Later(const Pending& a, const Pending& b) {
  return a.ts != b.ts ? a.ts > b.ts : a.arrival > b.arrival;
}

struct PairState {
  std::string chat_id;
  int64_t last_ms = 0;
};

class EasemobImporter {
 public:
  EasemobImporter(const std::vector<std::string>& files, Store& store,
                  const EasemobImportOptions& options)
      : files_(files), store_(store), options_(options), key_path_(ParseKeyPath(options.chat_key)) {
    for (const auto& id : options.operator_ids) operator_ids_.insert(id);
  }

  Status Run() {
    for (const auto& path : files_) {
      ASSIGN_OR_RETURN(auto source, EasemobSource::Open(path));
      report_.bytes_total += source->total_bytes();
    }
    for (size_t i = 0; i < files_.size(); ++i) {
      RETURN_IF_ERROR(ReadFile(i));
      ++report_.files;
    }
    while (!window_.empty()) {
      RETURN_IF_ERROR(EmitEarliest());
    }
    return Flush();
  }

  const EasemobImportReport& report() const { return report_; }

 private:
  Status ReadFile(size_t index) {
    ASSIGN_OR_RETURN(auto source, EasemobSource::Open(files_[index]));
    const int64_t done_before = report_.bytes_read;
    while (true) {
      ASSIGN_OR_RETURN(auto item, source->Next());
      if (!item) break;
      ++report_.records;
      report_.bytes_read = done_before + source->consumed_bytes();
      if (!item->record) {
        Reject(index, item->line, item->error);
        continue;
      }
      RETURN_IF_ERROR(Accept(index, item->line, *item->record));
    }
    report_.bytes_read = done_before + source->total_bytes();
    return Status::Ok();
  }

  void Reject(size_t file, int64_t line, const std::string& why) {
    ++report_.rejected;
    if (options_.on_bad_record) options_.on_bad_record(files_[file], line, why);
  }

  bool IsOperator(const std::string& id) const {
    if (operator_ids_.count(id)) return true;
    for (const auto& prefix : options_.operator_prefixes) {
      if (!prefix.empty() && id.compare(0, prefix.size(), prefix) == 0) return true;
    }
    return false;
  }

  Status Accept(size_t file, int64_t line, const boost::json::object& json) {
    auto record = ParseEasemobRecord(json, key_path_);
    if (!record.ok()) {
      Reject(file, line, record.status().message());
      return Status::Ok();
    }
    if (record->chat_type != "chat") {
      ++report_.group_records;
      return Status::Ok();
    }
    const bool from_op = IsOperator(record->from), to_op = IsOperator(record->to);
    if (from_op == to_op) {
      Reject(file, line,
             from_op ? "both from and to are operators" : "neither from nor to is an operator");
      return Status::Ok();
    }
    Pending p;
    p.ts = record->timestamp_ms;
    p.arrival = arrivals_++;
    p.file = file;
    p.line = line;
    p.user = from_op ? record->to : record->from;
    p.op = from_op ? record->from : record->to;
    p.chat_key = std::move(record->chat_key);
    p.messages = std::move(record->messages);
    report_.messages += static_cast<int64_t>(p.messages.size());
    window_.push_back(std::move(p));
    std::push_heap(window_.begin(), window_.end(), Later);
    if (window_.size() > options_.reorder_window) return EmitEarliest();
    return Status::Ok();
  }

  Status EmitEarliest() {
    std::pop_heap(window_.begin(), window_.end(), Later);
    Pending p = std::move(window_.back());
    window_.pop_back();
    if (!run_start_ms_) run_start_ms_ = p.ts;
    if (p.ts < last_emitted_ms_) {
      ++report_.late;
      if (options_.on_late) options_.on_late(files_[p.file], p.line);
    }
    last_emitted_ms_ = std::max(last_emitted_ms_, p.ts);
    if (++emitted_since_sweep_ >= kEvictEvery) EvictIdlePairs();

    ASSIGN_OR_RETURN(auto chat_id, ChatFor(p));
    Chat chat;
    chat.id = std::move(chat_id);
    chat.channel = options_.channel;
    chat.user_id = p.user;
    chat.operator_id = p.op;
    chat.status = ChatStatus::kEnded;  // history: every imported chat is over
    chat.created_ms = chat.updated_ms = p.ts;
    for (Message& m : p.messages) batch_.push_back({chat, std::move(m)});
    if (batch_.size() >= options_.batch_size) return Flush();
    return Status::Ok();
  }

  // Pairs silent for longer than the gap start a new chat at their next record anyway.
  void EvictIdlePairs() {
    emitted_since_sweep_ = 0;
    std::erase_if(pairs_, [&](const auto& kv) {
      return kv.second.last_ms < last_emitted_ms_ - options_.idle_gap_ms;
    });
  }

  // The id of a record's chat. A chat key names a chat of the import's channel: chat ids are
  // per channel, so another channel's chat of the same id is another chat, never touched.
  Result<std::string> ChatFor(const Pending& p) {
    if (p.chat_key) {
      ++report_.keyed_records;
      return *p.chat_key;
    }
    const int64_t gap = options_.idle_gap_ms;
    std::string key = p.user + '\0' + p.op;
    auto it = pairs_.find(key);
    if (it != pairs_.end() && std::llabs(p.ts - it->second.last_ms) <= gap) {
      it->second.last_ms = std::max(it->second.last_ms, p.ts);
      return it->second.chat_id;
    }
    if (it == pairs_.end() && p.ts - *run_start_ms_ <= gap) {
      ASSIGN_OR_RETURN(auto prior, ContinuableChat(p));
      if (prior) {
        ++report_.chats_continued;
        pairs_[key] = {*prior, p.ts};
        return *prior;
      }
    }
    // Derived from what identifies the conversation's start, so a re-run finds the same id.
    // The channel is part of it: ids were once unique across channels, and ids already
    // imported must stay the same.
    std::string id =
        "u0001" + HmacSha256Hex("opchat easemob chat", options_.channel + '\0' + key + '\0' +
                                                           p.messages.front().user_message_id)
                      .substr(0, 32);
    ++report_.chats_started;
    pairs_[key] = {id, p.ts};
    return id;
  }

  // The pair's newest chat in the database when its last message is at most the gap before p.
  Result<std::optional<std::string>> ContinuableChat(const Pending& p) {
    // Imported chats' activity time is their last message's, so the two bounds keep this an
    // index range of the channel's chats however large the channel is.
    ChatFilter f;
    f.channel = options_.channel;
    f.user_id = p.user;
    f.operator_id = p.op;
    f.since_ms = p.ts - options_.idle_gap_ms;
    f.until_ms = p.ts + 1;
    f.limit = 1;
    ASSIGN_OR_RETURN(auto list, store_.ListChats(f));
    if (list.chats.empty()) return std::optional<std::string>();
    const Chat& c = list.chats.front();
    if (c.last_message_ms && *c.last_message_ms <= p.ts &&
        p.ts - *c.last_message_ms <= options_.idle_gap_ms) {
      return std::optional<std::string>(c.id);
    }
    return std::optional<std::string>();
  }

  Status Flush() {
    if (batch_.empty()) return Status::Ok();
    ASSIGN_OR_RETURN(auto counts, store_.Import(batch_, options_.store));
    report_.inserted += counts.inserted;
    report_.duplicates += counts.duplicates;
    batch_.clear();
    if (options_.on_progress) options_.on_progress(report_);
    return Status::Ok();
  }

  const std::vector<std::string>& files_;
  Store& store_;
  const EasemobImportOptions& options_;
  const std::vector<std::string> key_path_;
  std::unordered_set<std::string> operator_ids_;
  EasemobImportReport report_;
  std::vector<Pending> window_;                       // a heap under Later
  std::unordered_map<std::string, PairState> pairs_;  // key: user '\0' operator
  std::vector<ImportRecord> batch_;
  uint64_t arrivals_ = 0;
  std::optional<int64_t> run_start_ms_;
  int64_t last_emitted_ms_ = std::numeric_limits<int64_t>::min();
  int64_t emitted_since_sweep_ = 0;
};

Status CheckOptions(const EasemobImportOptions& o) {
  if (o.channel.empty()) return Status::InvalidArgument("--channel is required");
  if (o.operator_ids.empty() && o.operator_prefixes.empty()) {
    return Status::InvalidArgument(
        "say which side is the operator: --operator ID or --operator-prefix PREFIX");
  }
  if (o.idle_gap_ms <= 0) return Status::InvalidArgument("--idle-gap-s must be positive");
  if (o.batch_size == 0 || o.reorder_window == 0) {
    return Status::InvalidArgument("--batch and --reorder-window must be positive");
  }
  return Status::Ok();
}

}  // namespace

Result<EasemobImportReport> ImportEasemob(const std::vector<std::string>& files, Store& store,
                                          const EasemobImportOptions& options) {
  RETURN_IF_ERROR(CheckOptions(options));
  EasemobImporter importer(files, store, options);
  RETURN_IF_ERROR(importer.Run());
  return importer.report();
}

}  // namespace opchat
