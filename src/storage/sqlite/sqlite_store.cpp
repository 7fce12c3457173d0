#include "storage/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <deque>
#include <filesystem>
#include <map>
#include <unordered_map>

#include "common/clock.hpp"
#include "common/private_files.hpp"
#include "storage/chat_rules.hpp"
#include "storage/message_scan.hpp"
#include "storage/row_mapping.hpp"
#include "storage/search_pattern.hpp"
#include "storage/sqlite/search_catch_up.hpp"
#include "storage/sqlite/stmt_row.hpp"

namespace opchat::sqlite {
namespace {

// Binds a row's values from parameter `first` on, text without a copy (an import binds every
// field of millions of messages).
class StmtWriter final : public RowWriter {
 public:
  StmtWriter(Stmt& q, int first) : q_(q), next_(first) {}
  void Add(int64_t v) override { q_.Bind(next_++, v); }
  void Add(const std::string& v) override { q_.BindBorrowed(next_++, v); }
  void Add(const std::optional<std::string>& v) override { q_.BindBorrowed(next_++, v); }
  void Add(const std::optional<int64_t>& v) override { q_.Bind(next_++, v); }
  void Add(const std::optional<double>& v) override { q_.Bind(next_++, v); }

 private:
  Stmt& q_;
  int next_;
};

// A chat as the writer needs it: with its number, which keys its messages (schema migration 5).
struct StoredChat {
  Chat chat;
  int64_t no = 0;
};

Result<StoredChat> LoadChat(SqliteDb& db, std::string_view channel, std::string_view chat_id) {
  auto q = db.Prepare("SELECT " OPCHAT_CHAT_COLUMNS
                      ", chat_no FROM chats WHERE channel_id = ? AND chat_id = ?");
  q.Bind(1, channel);
  q.Bind(2, chat_id);
  if (q.Step()) return StoredChat{ReadChat(StmtRow(q)), q.Int(kChatColumnCount)};
  RETURN_IF_ERROR(q.status());
  return store_rules::ChatNotFound();
}

// The chat, for a unit of the writer (the single writer is its lock), and its number.
Result<Chat> LockChat(SqliteDb& db, std::string_view channel, std::string_view chat_id,
                      int64_t* chat_no) {
  ASSIGN_OR_RETURN(StoredChat chat, LoadChat(db, channel, chat_id));
  *chat_no = chat.no;
  return std::move(chat.chat);
}

Result<std::optional<Message>> FindByUserMessageId(SqliteDb& db, int64_t chat_no,
                                                   std::string_view umid) {
  auto q = db.Prepare("SELECT " OPCHAT_MESSAGE_COLUMNS
                      " FROM messages WHERE chat_no = ? AND user_message_id = ?");
  q.Bind(1, chat_no);
  q.Bind(2, umid);
  if (q.Step()) return std::optional<Message>(ReadMessage(StmtRow(q)));
  RETURN_IF_ERROR(q.status());
  return std::optional<Message>();
}

// Inserts a new chat; returns its number. Numbers are given in order of creation (the
// chats_by_no index makes MAX a lookup).
Result<int64_t> InsertChat(SqliteDb& db, const Chat& c) {
  auto q = db.Prepare(
      "INSERT INTO chats (" OPCHAT_CHAT_COLUMNS
      ", chat_no)"
      " VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, NULL, (SELECT COALESCE(MAX(chat_no), 0) + 1 FROM chats))"
      " RETURNING chat_no");
  StmtWriter values(q, 1);
  WriteNewChat(values, c);
  if (!q.Step())
    return q.status().ok() ? Status::Internal("chat insert returned no number") : q.status();
  const int64_t chat_no = q.Int(0);
  RETURN_IF_ERROR(q.Run());
  return chat_no;
}

// Inserts `m` at position `seq`; sets *inserted = false when the chat already holds its
// user_message_id. The search index is not touched: CatchUpSearchIndex adds the trigrams later,
// in bulk, for the positions above the chat's search_seq. Not by an insert trigger: a trigger
// makes every message INSERT a multi-row statement with its own statement journal, which made
// bulk imports in time order 10-30 times slower. Nor inline: the trigram index costs more than
// the rest of a write (an import ran at half the speed with it, docs/performance.md).
// OR IGNORE rather than ON CONFLICT: a statement that cannot abort needs no statement journal,
// which otherwise costs more per row the larger the transaction (bulk import). The only other
// constraint, (chat_no, seq), cannot clash: the single writer assigns seq from the chat's count
// inside the same transaction.
Status InsertMessage(SqliteDb& db, int64_t chat_no, const Message& m, int64_t seq, bool* inserted) {
  if (seq > store_rules::kMaxSeq) return store_rules::ChatFull();
  auto q = db.Prepare("INSERT OR IGNORE INTO messages (chat_no, " OPCHAT_MESSAGE_COLUMNS
                      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.Bind(1, chat_no);
  StmtWriter values(q, 2);
  WriteMessage(values, m, seq);
  Status s = q.Run();
  *inserted = s.ok() && db.Changes() == 1;
  return s;
}

// Stores a chat's new message count after appends; its last activity and last message time
// only move forward.
Status AfterAppend(SqliteDb& db, int64_t chat_no, int64_t message_count, int64_t activity_ms,
                   int64_t last_message_ms) {
  auto q = db.Prepare(
      "UPDATE chats SET message_count = ?, updated_ms = MAX(updated_ms, ?),"
      " last_message_ms = MAX(COALESCE(last_message_ms, 0), ?) WHERE chat_no = ?");
  q.Bind(1, message_count);
  q.Bind(2, activity_ms);
  q.Bind(3, last_message_ms);
  q.Bind(4, chat_no);
  return q.Run();
}

// --- events ---

// Records `events`, all of `channel`, at the channel's next ids. Called inside the writer's
// transaction, after everything that could refuse the write: the single writer makes head + 1
// the next id, and the ids commit (or roll back) with the change.
Status RecordEvents(SqliteDb& db, std::string_view channel, std::span<const NewEvent> events,
                    int64_t time_ms) {
  if (events.empty()) return Status::Ok();
  const auto n = static_cast<int64_t>(events.size());
  auto head = db.Prepare(
      "INSERT INTO event_heads (channel_id, head) VALUES (?1, ?2)"
      " ON CONFLICT (channel_id) DO UPDATE SET head = head + ?2 RETURNING head");
  head.Bind(1, channel);
  head.Bind(2, n);
  if (!head.Step())
    return head.status().ok() ? Status::Internal("event head upsert returned no row")
                              : head.status();
  int64_t id = head.Int(0) - n;
  RETURN_IF_ERROR(head.Run());
  for (const NewEvent& e : events) {
    auto q = db.Prepare("INSERT INTO events (channel_id, id, time_ms, " OPCHAT_EVENT_VALUE_COLUMNS
                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.Bind(1, channel);
    q.Bind(2, ++id);
    q.Bind(3, time_ms);
    StmtWriter values(q, 4);
    WriteEvent(values, e);
    RETURN_IF_ERROR(q.Run());
  }
  return Status::Ok();
}

Status RecordEvent(SqliteDb& db, const NewEvent& event, int64_t time_ms) {
  return RecordEvents(db, event.chat->channel, std::span<const NewEvent>(&event, 1), time_ms);
}

// Records events of any channels, those of one channel adjacent (Import's order).
Status RecordEventRuns(SqliteDb& db, std::span<const NewEvent> events, int64_t time_ms) {
  size_t begin = 0;
  while (begin < events.size()) {
    const std::string& channel = events[begin].chat->channel;
    size_t end = begin + 1;
    while (end < events.size() && events[end].chat->channel == channel) ++end;
    RETURN_IF_ERROR(RecordEvents(db, channel, events.subspan(begin, end - begin), time_ms));
    begin = end;
  }
  return Status::Ok();
}

// A chat as CreateChat and Import store it: a new chat has no messages.
Chat AsCreated(const Chat& chat) {
  Chat c = chat;
  c.message_count = 0;
  c.last_message_ms.reset();
  return c;
}

Result<EventBounds> ReadEventBounds(SqliteDb& db, std::string_view channel) {
  auto q = db.Prepare("SELECT head, pruned_through FROM event_heads WHERE channel_id = ?");
  q.Bind(1, channel);
  EventBounds bounds;
  if (q.Step()) bounds = {q.Int(0), q.Int(1)};
  RETURN_IF_ERROR(q.status());
  return bounds;
}

// The page of `query`, read in the caller's read transaction. A message.created event's message
// is joined by its chat and position (absent once retention deleted the chat).
// The bounds and the page in one statement, so both come from one snapshot without a
// transaction of their own (a long poll's read is as cheap as a history page's). Always one row
// at least (the bounds); its event columns are NULL when there is no event.
Result<EventPage> ReadEventPage(SqliteDb& db, const EventQuery& query) {
  auto q = db.Prepare(
      "WITH b AS (SELECT COALESCE(MAX(head), 0) AS head, COALESCE(MAX(pruned_through), 0)"
      " AS pruned FROM event_heads WHERE channel_id = ?1)"
      " SELECT b.head, b.pruned, x.* FROM b LEFT JOIN (SELECT " OPCHAT_EVENT_COLUMNS
      " FROM events e"
      " LEFT JOIN chats c ON e.type = 1 AND c.channel_id = e.channel_id AND c.chat_id = e.chat_id"
      " LEFT JOIN messages m ON m.chat_no = c.chat_no AND m.seq = e.seq"
      " WHERE e.channel_id = ?1 AND e.id > ?2 AND e.id <= (SELECT head FROM b)"
      " AND (?3 IS NULL OR e.chat_id = ?3) AND (?4 = 0 OR (?4 >> e.type) & 1)"
      " ORDER BY e.id LIMIT ?5) x ON 1 ORDER BY x.id");
  q.Bind(1, query.channel);
  q.Bind(2, query.after);
  q.Bind(3, query.chat_id);
  q.Bind(4, store_rules::EventTypeMask(query.types));
  q.Bind(5, query.limit);
  EventPage page;
  while (q.Step()) {
    page.bounds = {q.Int(0), q.Int(1)};
    if (q.IsNull(2)) continue;  // the bounds' row of a page without events
    page.events.push_back(ReadEvent(StmtRow(q), 2));
  }
  RETURN_IF_ERROR(q.status());
  page.next = store_rules::NextEventCursor(query, page.events, page.bounds.head);
  return page;
}

Status BumpClientsRevision(SqliteDb& db) {
  return db.Prepare("UPDATE counters SET value = value + 1 WHERE name = 'clients_revision'").Run();
}

// Creates the file with owner-only permissions before SQLite does, so chat history is never
// world-readable, even for a moment. SQLite gives the -wal and -shm files the same mode.
Status CreateOwnerOnly(const std::string& path) {
  // The directory too (0700), so the names of the files are not on show either.
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) (void)CreatePrivateDirectories(parent.string());  // open reports a failure
  int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot create database file " + path);
  ::close(fd);
  return Status::Ok();
}

// --- bulk read and search ---

// The next chats of an export after (after_channel, after_id) in (channel, chat id) order;
// chats without messages are skipped. With a channel, one statement per shape keeps the scan
// an index range of that channel (an "?N IS NULL OR" filter would read on past its end).
Result<std::vector<Chat>> ExportChatPage(SqliteDb& db, const std::string& after_channel,
                                         const std::string& after_id,
                                         const std::optional<std::string>& channel) {
  static constexpr const char* kAllSql =
      "SELECT " OPCHAT_CHAT_COLUMNS
      " FROM chats WHERE (channel_id, chat_id) > (?1, ?2)"
      " AND message_count > 0 ORDER BY channel_id, chat_id LIMIT ?3";
  static constexpr const char* kChannelSql = "SELECT " OPCHAT_CHAT_COLUMNS
                                             " FROM chats WHERE channel_id = ?4 AND chat_id > ?2"
                                             " AND message_count > 0 ORDER BY chat_id LIMIT ?3";
  auto q = db.Prepare(channel ? kChannelSql : kAllSql);
  if (!channel) q.Bind(1, after_channel);
  q.Bind(2, after_id);  // with a channel, after_channel is that channel (ScanMessages)
  q.Bind(3, store_rules::kExportChatPage);
  if (channel) q.Bind(4, *channel);
  std::vector<Chat> out;
  while (q.Step()) out.push_back(ReadChat(StmtRow(q)));
  RETURN_IF_ERROR(q.status());
  return out;
}

// The next messages of a chat after position `after_seq` within the filter's time range.
Result<std::vector<Message>> ExportMessagePage(SqliteDb& db, const Chat& chat, int64_t after_seq,
                                               const ExportFilter& f) {
  auto q = db.Prepare("SELECT " OPCHAT_MESSAGE_COLUMNS
                      " FROM messages WHERE chat_no = (SELECT chat_no FROM chats"
                      " WHERE channel_id = ?6 AND chat_id = ?1)"
                      " AND seq > ?2"
                      " AND (?3 IS NULL OR create_ms >= ?3) AND (?4 IS NULL OR create_ms < ?4)"
                      " ORDER BY seq LIMIT ?5");
  q.Bind(1, chat.id);
  q.Bind(6, chat.channel);
  q.Bind(2, after_seq);
  q.Bind(3, f.since_ms);
  q.Bind(4, f.until_ms);
  q.Bind(5, store_rules::kExportMessagePage);
  std::vector<Message> out;
  while (q.Step()) out.push_back(ReadMessage(StmtRow(q)));
  RETURN_IF_ERROR(q.status());
  return out;
}

// Search statements. ?1 channel, ?2 LIKE pattern, ?3 chat id, ?4 type, ?5 since, ?6 until,
// ?7 FTS5 query, ?8 limit, ?9 offset, ?10 how many matches the count may stop at. The LIKE
// condition holds on every path, so the FTS index (which also folds non-ASCII case) only narrows
// the candidates and the answer is the same whichever path runs.
#define OPCHAT_SEARCH_HIT_COLUMNS OPCHAT_M_MESSAGE_COLUMNS ", c.chat_id"
// The FTS candidates are the index's matches (each rowid found in the extent that holds it)
// plus every message above its chat's search_seq (not indexed yet), which the LIKE condition
// then filters like the rest. The index is shared by every channel, so a match is first
// checked for the channel through its extent's chat (chats_by_no holds the channel: one
// probe), before its message row is read and LIKE-tested: a keyword common in another
// channel's chats costs this search an index probe per match, not a row read.
#define OPCHAT_SEARCH_FTS                                                       \
  " FROM (SELECT e.chat_no AS chat_no, e.first_seq + (x.rowid - e.base) AS seq" \
  " FROM messages_fts x JOIN search_extents e"                                  \
  " ON e.base = (SELECT MAX(base) FROM search_extents WHERE base <= x.rowid)"   \
  " JOIN chats fc ON fc.chat_no = e.chat_no"                                    \
  " WHERE messages_fts MATCH ?7 AND fc.channel_id = ?1"                         \
  " UNION ALL SELECT b.chat_no, p.seq FROM chats b JOIN messages p"             \
  " ON p.chat_no = b.chat_no AND p.seq > b.search_seq"                          \
  " WHERE b.search_seq < b.message_count AND b.channel_id = ?1) f"              \
  " JOIN messages m ON m.chat_no = f.chat_no AND m.seq = f.seq"                 \
  " JOIN chats c ON c.chat_no = m.chat_no WHERE c.channel_id = ?1"
#define OPCHAT_SEARCH_SCAN \
  " FROM chats c JOIN messages m ON m.chat_no = c.chat_no WHERE c.channel_id = ?1"
#define OPCHAT_SEARCH_CHAT                                                      \
  " FROM chats c JOIN messages m ON m.chat_no = c.chat_no WHERE c.chat_id = ?3" \
  " AND c.channel_id = ?1"
#define OPCHAT_SEARCH_FILTER                                       \
  " AND m.msg LIKE ?2 ESCAPE '\\' AND (?4 IS NULL OR m.type = ?4)" \
  " AND (?5 IS NULL OR m.create_ms >= ?5) AND (?6 IS NULL OR m.create_ms < ?6)"
#define OPCHAT_SEARCH_ORDER \
  " ORDER BY m.create_ms DESC, c.chat_id DESC, m.seq DESC LIMIT ?8 OFFSET ?9"

// The count reads at most ?10 matches (SearchQuery::max_total + 1: one more tells that the
// total is not exact).
#define OPCHAT_SEARCH_COUNT(from) \
  "SELECT COUNT(*) FROM (SELECT 1" from OPCHAT_SEARCH_FILTER " LIMIT ?10)"

struct SearchSql {
  const char* count;
  const char* page;
  bool fts;  // whether ?7 appears
};

// Trigram search needs 3+ characters. Shorter keywords, and searches within one chat (an
// index range already), scan the messages with LIKE.
SearchSql ChooseSearchSql(const SearchQuery& q) {
  static constexpr SearchSql kFts = {OPCHAT_SEARCH_COUNT(OPCHAT_SEARCH_FTS),
                                     "SELECT " OPCHAT_SEARCH_HIT_COLUMNS OPCHAT_SEARCH_FTS
                                         OPCHAT_SEARCH_FILTER OPCHAT_SEARCH_ORDER,
                                     true};
  static constexpr SearchSql kScan = {OPCHAT_SEARCH_COUNT(OPCHAT_SEARCH_SCAN),
                                      "SELECT " OPCHAT_SEARCH_HIT_COLUMNS OPCHAT_SEARCH_SCAN
                                          OPCHAT_SEARCH_FILTER OPCHAT_SEARCH_ORDER,
                                      false};
  static constexpr SearchSql kChat = {OPCHAT_SEARCH_COUNT(OPCHAT_SEARCH_CHAT),
                                      "SELECT " OPCHAT_SEARCH_HIT_COLUMNS OPCHAT_SEARCH_CHAT
                                          OPCHAT_SEARCH_FILTER OPCHAT_SEARCH_ORDER,
                                      false};
  if (q.chat_id) return kChat;
  return Utf8Length(q.keyword) >= 3 ? kFts : kScan;
}

// An FTS5 phrase: the keyword in double quotes, inner quotes doubled, so no character of it is
// read as query syntax.
std::string Fts5Phrase(std::string_view keyword) {
  std::string out = "\"";
  for (char c : keyword) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

void BindSearch(Stmt& q, const SearchQuery& s, const std::string& pattern, bool fts) {
  q.Bind(1, s.channel);
  q.Bind(2, pattern);
  q.Bind(3, s.chat_id);
  q.Bind(4, s.type);
  q.Bind(5, s.since_ms);
  q.Bind(6, s.until_ms);
  if (fts) q.Bind(7, Fts5Phrase(s.keyword));
}

// One send inside the writer's transaction (store_rules::AppendMessage over this back end's
// rows); sets `out` when it succeeds.
Status AppendWork(SqliteDb& db, MessageSend& send, AppendOutcome& out) {
  int64_t chat_no = 0;
  store_rules::AppendSteps steps;
  steps.lock_chat = [&] { return LockChat(db, send.channel, send.chat_id, &chat_no); };
  steps.find = [&](const std::string& user_message_id) {
    return FindByUserMessageId(db, chat_no, user_message_id);
  };
  steps.insert = [&](const Message& m, int64_t seq) -> Status {
    bool inserted = false;
    RETURN_IF_ERROR(InsertMessage(db, chat_no, m, seq, &inserted));
    const int64_t now_ms = NowMillis();
    RETURN_IF_ERROR(AfterAppend(db, chat_no, seq, now_ms, m.create_ms));
    const Chat key{.id = send.chat_id, .channel = send.channel};
    return RecordEvent(db, {EventType::kMessageCreated, &key, seq}, now_ms);
  };
  ASSIGN_OR_RETURN(out, store_rules::AppendMessage(steps, std::move(send.message), send.address));
  return Status::Ok();
}

}  // namespace

SqliteStore::Lease::~Lease() {
  if (!db_) return;
  MutexLock lock(store_.pool_mu_);
  // Keep at most pool_size idle connections: a burst of readers (say, every write thread
  // checking a chat at once) must not leave its page caches behind for the life of the process.
  if (store_.idle_readers_.size() < static_cast<size_t>(store_.options_.pool_size)) {
    store_.idle_readers_.push_back(std::move(db_));
  }
}

Result<std::unique_ptr<Store>> SqliteStore::Open(const std::string& path,
                                                 const StoreOptions& options) {
  if (path != ":memory:") {
    std::error_code ec;
    if (!options.create_if_missing && !std::filesystem::exists(path, ec)) {
      return Status::InvalidArgument("no database at " + path);
    }
    RETURN_IF_ERROR(CreateOwnerOnly(path));
  }
  ASSIGN_OR_RETURN(
      std::unique_ptr<SqliteDb> writer,
      SqliteDb::Open(path, true, options.sqlite_synchronous, options.sqlite_page_size));
  RETURN_IF_ERROR(MigrateSqlite(*writer));
  const std::string cache =
      "PRAGMA cache_size=-" + std::to_string(std::max(1, options.sqlite_writer_cache_mb) * 1000);
  RETURN_IF_ERROR(writer->Exec(cache.c_str()));
  std::unique_ptr<WalCheckpointer> checkpointer;
  if (path != ":memory:") {
    ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> own,
                     SqliteDb::Open(path, false, options.sqlite_synchronous));
    checkpointer = std::make_unique<WalCheckpointer>(std::move(own), *writer);
  }
  return std::unique_ptr<Store>(
      new SqliteStore(path, options, std::move(writer), std::move(checkpointer)));
}

SqliteStore::SqliteStore(std::string path, StoreOptions options,
                         std::unique_ptr<SqliteDb> writer_db,
                         std::unique_ptr<WalCheckpointer> checkpointer)
    : path_(std::move(path)),
      options_(std::move(options)),
      checkpointer_(std::move(checkpointer)),
      writer_(std::move(writer_db)),
      webhooks_(writer_,
                [this](const std::function<Status(SqliteDb&)>& read) -> Status {
                  ASSIGN_OR_RETURN(Lease db, Reader());
                  return read(*db);
                }),
      operators_(writer_, [this](const std::function<Status(SqliteDb&)>& read) -> Status {
        ASSIGN_OR_RETURN(Lease db, Reader());
        return read(*db);
      }) {}

WebhookStore& SqliteStore::webhooks() { return webhooks_; }
OperatorStore& SqliteStore::operators() { return operators_; }

Result<SqliteStore::Lease> SqliteStore::Reader() {
  {
    MutexLock lock(pool_mu_);
    if (!idle_readers_.empty()) {
      auto db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return Lease(*this, std::move(db));
    }
  }
  // Connections are opened on demand, so there is never a wait for one; a reader's page cache
  // is small (4 MB) because the operating system's page cache already holds the hot pages.
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db,
                   SqliteDb::Open(path_, false, options_.sqlite_synchronous));
  RETURN_IF_ERROR(db->Exec("PRAGMA cache_size=-4000"));
  return Lease(*this, std::move(db));
}

Result<Chat> SqliteStore::GetChat(std::string_view channel, std::string_view chat_id) {
  ASSIGN_OR_RETURN(Lease db, Reader());
  ASSIGN_OR_RETURN(StoredChat chat, LoadChat(*db, channel, chat_id));
  return std::move(chat.chat);
}

Result<Chat> SqliteStore::CreateChat(const Chat& chat) {
  Status s = writer_.Submit([&](SqliteDb& db) -> Status {
    auto existing = LoadChat(db, chat.channel, chat.id);
    if (existing.ok()) return store_rules::ChatExists(chat.id);
    if (existing.status().code() != StatusCode::kNotFound) return existing.status();
    RETURN_IF_ERROR(InsertChat(db, chat));
    const Chat created = AsCreated(chat);
    return RecordEvent(db, {EventType::kChatCreated, &created}, NowMillis());
  });
  if (!s.ok()) return s;
  return chat;
}

Result<Chat> SqliteStore::TransitionChat(std::string_view channel, std::string_view chat_id,
                                         std::span<const ChatStatus> from, ChatStatus to,
                                         const std::optional<std::string>& operator_id,
                                         int64_t now_ms) {
  Chat result;
  Status s = writer_.Submit([&](SqliteDb& db) -> Status {
    int64_t chat_no = 0;
    store_rules::TransitionSteps steps;
    steps.lock_chat = [&] { return LockChat(db, channel, chat_id, &chat_no); };
    steps.write = [&](Chat chat) -> Result<Chat> {
      auto q = db.Prepare(
          "UPDATE chats SET status = ?, operator_id = COALESCE(?, operator_id),"
          " updated_ms = MAX(updated_ms, ?) WHERE chat_no = ?");
      q.Bind(1, int64_t{static_cast<int>(to)});
      q.Bind(2, operator_id);
      q.Bind(3, now_ms);
      q.Bind(4, chat_no);
      RETURN_IF_ERROR(q.Run());
      const ChatStatus before = chat.status;
      store_rules::ApplyTransition(chat, to, operator_id, now_ms);
      RETURN_IF_ERROR(RecordEvent(db, {EventType::kChatStatusChanged, &chat, 0, before}, now_ms));
      return chat;
    };
    ASSIGN_OR_RETURN(result, store_rules::TransitionChat(steps, from, to));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return result;
}

Result<ChatList> SqliteStore::ListChats(const ChatFilter& f) {
  ASSIGN_OR_RETURN(Lease db, Reader());
  // One statement for every combination of filters: "?N IS NULL OR column = ?N".
#define OPCHAT_CHAT_FILTER                                                 \
  " FROM chats WHERE channel_id = ?1 AND (?2 IS NULL OR status = ?2)"      \
  " AND (?3 IS NULL OR operator_id = ?3) AND (?4 IS NULL OR user_id = ?4)" \
  " AND (?5 IS NULL OR updated_ms >= ?5) AND (?6 IS NULL OR updated_ms < ?6)"
  static constexpr const char* kListSql = "SELECT " OPCHAT_CHAT_COLUMNS OPCHAT_CHAT_FILTER
                                          " ORDER BY updated_ms DESC, chat_id LIMIT ?7 OFFSET ?8";
  static constexpr const char* kCountSql = "SELECT COUNT(*)" OPCHAT_CHAT_FILTER;
#undef OPCHAT_CHAT_FILTER
  auto bind = [&](Stmt& q) {
    q.Bind(1, f.channel);
    if (f.status) q.Bind(2, int64_t{static_cast<int>(*f.status)});
    q.Bind(3, f.operator_id);
    q.Bind(4, f.user_id);
    q.Bind(5, f.since_ms);
    q.Bind(6, f.until_ms);
  };
  ChatList out;
  {
    auto q = db->Prepare(kCountSql);
    bind(q);
    if (q.Step()) out.total = q.Int(0);
    RETURN_IF_ERROR(q.status());
  }
  auto q = db->Prepare(kListSql);
  bind(q);
  q.Bind(7, f.limit);
  q.Bind(8, f.offset);
  while (q.Step()) out.chats.push_back(ReadChat(StmtRow(q)));
  RETURN_IF_ERROR(q.status());
  return out;
}

Result<std::vector<Message>> SqliteStore::ReadMessages(std::string_view channel,
                                                       std::string_view chat_id, SeqRange range) {
  std::vector<Message> out;
  if (range.empty()) return out;
  ASSIGN_OR_RETURN(Lease db, Reader());
  auto q = db->Prepare(range.descending ? "SELECT " OPCHAT_MESSAGE_COLUMNS
                                          " FROM messages"
                                          " WHERE chat_no = (SELECT chat_no FROM chats"
                                          " WHERE channel_id = ? AND chat_id = ?)"
                                          " AND seq BETWEEN ? AND ? ORDER BY seq DESC"
                                        : "SELECT " OPCHAT_MESSAGE_COLUMNS
                                          " FROM messages"
                                          " WHERE chat_no = (SELECT chat_no FROM chats"
                                          " WHERE channel_id = ? AND chat_id = ?)"
                                          " AND seq BETWEEN ? AND ? ORDER BY seq");
  q.Bind(1, channel);
  q.Bind(2, chat_id);
  q.Bind(3, range.first);
  q.Bind(4, range.last);
  out.reserve(static_cast<size_t>(range.size()));
  while (q.Step()) out.push_back(ReadMessage(StmtRow(q)));
  RETURN_IF_ERROR(q.status());
  return out;
}

Status SqliteStore::VisitChatPage(std::string_view channel, std::string_view chat_id,
                                  int64_t offset, int64_t size, bool descending,
                                  const std::function<void(const Chat&)>& on_chat,
                                  const std::function<void(const MessageView&)>& on_message) {
  ASSIGN_OR_RETURN(Lease db, Reader());
  ASSIGN_OR_RETURN(StoredChat chat, LoadChat(*db, channel, chat_id));
  on_chat(chat.chat);
  const SeqRange range = RangeAfterSkipping(chat.chat.message_count, offset, size, descending);
  if (range.empty()) return Status::Ok();
  // Each row is handed over while the statement stands on it: no copy of the message.
  auto q = db->Prepare(
      range.descending ? "SELECT " OPCHAT_MESSAGE_COLUMNS
                         " FROM messages WHERE chat_no = ? AND seq BETWEEN ? AND ?"
                         " ORDER BY seq DESC"
                       : "SELECT " OPCHAT_MESSAGE_COLUMNS
                         " FROM messages WHERE chat_no = ? AND seq BETWEEN ? AND ? ORDER BY seq");
  q.Bind(1, chat.no);
  q.Bind(2, range.first);
  q.Bind(3, range.last);
  while (q.Step()) on_message(ReadMessageView(StmtRow(q)));
  return q.status();
}

Result<AppendOutcome> SqliteStore::AppendMessage(std::string_view channel, std::string_view chat_id,
                                                 const Message& message) {
  MessageSend send{
      .channel = std::string(channel), .chat_id = std::string(chat_id), .message = message};
  AppendOutcome out;
  RETURN_IF_ERROR(writer_.Submit([&](SqliteDb& db) { return AppendWork(db, send, out); }));
  return out;
}

void SqliteStore::AppendMessageLater(MessageSend send) {
  // Shared by the work and its callback (std::function wants copyable captures).
  struct Pending {
    MessageSend send;
    AppendOutcome out;
  };
  auto pending = std::make_shared<Pending>(Pending{.send = std::move(send)});
  writer_.Post([pending](SqliteDb& db) { return AppendWork(db, pending->send, pending->out); },
               [pending](const Status& s) {
                 if (s.ok()) return pending->send.done(std::move(pending->out));
                 pending->send.done(s);
               });
}

Result<ImportCounts> SqliteStore::Import(std::span<const ImportRecord> records,
                                         const ImportOptions& options) {
  // Sorted here, on the caller's thread, to keep the writer's thread for writing.
  const std::vector<const ImportRecord*> ordered = store_rules::ChatByChat(records);
  ImportCounts counts;
  Status s = writer_.SubmitAlone([&](SqliteDb& db) -> Status {
    counts = {};
    // In the records' (channel, chat id) order, so each channel's events are adjacent and take
    // their ids with one head update. A deque: events point at the created chats' snapshots.
    std::vector<NewEvent> events;
    std::deque<Chat> created;
    struct Touched {
      const Chat* chat;  // the first record's
      int64_t chat_no;
      int64_t count;
      int64_t last_ms;
    };
    std::vector<Touched> touched;  // in (channel, chat id) order
    for (const ImportRecord* r : ordered) {
      if (touched.empty() || touched.back().chat->id != r->chat.id ||
          touched.back().chat->channel != r->chat.channel) {
        auto chat = LoadChat(db, r->chat.channel, r->chat.id);
        if (chat.ok()) {
          touched.push_back({&r->chat, chat->no, chat->chat.message_count, 0});
        } else if (chat.status().code() == StatusCode::kNotFound) {
          ASSIGN_OR_RETURN(const int64_t chat_no, InsertChat(db, r->chat));
          touched.push_back({&r->chat, chat_no, 0, 0});
          if (options.events) {
            created.push_back(AsCreated(r->chat));
            events.push_back({EventType::kChatCreated, &created.back()});
          }
        } else {
          return chat.status();
        }
      }
      Touched& t = touched.back();
      bool inserted = false;
      RETURN_IF_ERROR(InsertMessage(db, t.chat_no, r->message, t.count + 1, &inserted));
      if (inserted) {
        ++t.count;
        if (options.events) events.push_back({EventType::kMessageCreated, &r->chat, t.count});
        t.last_ms = std::max(t.last_ms, r->message.create_ms);
        ++counts.inserted;
      } else {
        ++counts.duplicates;
      }
    }
    for (const Touched& t : touched) {
      RETURN_IF_ERROR(AfterAppend(db, t.chat_no, t.count, t.last_ms, t.last_ms));
    }
    return RecordEventRuns(db, events, NowMillis());
  });
  if (!s.ok()) return s;
  return counts;
}

Status SqliteStore::ForEachMessage(const ExportFilter& f, const MessageVisitor& visit) {
  MessageScanPages pages;
  pages.chat = [&](const std::string& channel, const std::string& chat_id) {
    return GetChat(channel, chat_id);
  };
  pages.chats = [&](const std::string& after_channel,
                    const std::string& after_id) -> Result<std::vector<Chat>> {
    ASSIGN_OR_RETURN(Lease db, Reader());
    return ExportChatPage(*db, after_channel, after_id, f.channel);
  };
  pages.messages = [&](const Chat& chat, int64_t after_seq) -> Result<std::vector<Message>> {
    ASSIGN_OR_RETURN(Lease db, Reader());
    return ExportMessagePage(*db, chat, after_seq, f);
  };
  pages.message_page_size = store_rules::kExportMessagePage;
  return ScanMessages(f, pages, visit);
}

Result<SearchResult> SqliteStore::SearchMessages(const SearchQuery& s) {
  if (s.keyword.empty()) return store_rules::EmptySearchKeyword();
  ASSIGN_OR_RETURN(Lease db, Reader());
  const SearchSql sql = ChooseSearchSql(s);
  const std::string pattern = LikeContainsPattern(s.keyword);
  SearchResult out;
  {
    auto q = db->Prepare(sql.count);
    BindSearch(q, s, pattern, sql.fts);
    q.Bind(10, store_rules::SearchCountLimit(s));
    const int64_t counted = q.Step() ? q.Int(0) : 0;
    RETURN_IF_ERROR(q.status());
    store_rules::SetSearchTotal(s, counted, out);
  }
  auto q = db->Prepare(sql.page);
  BindSearch(q, s, pattern, sql.fts);
  q.Bind(8, s.limit);
  q.Bind(9, s.offset);
  while (q.Step()) out.hits.push_back({q.String(kMessageColumnCount), ReadMessage(StmtRow(q))});
  RETURN_IF_ERROR(q.status());
  return out;
}

Result<int64_t> SqliteStore::CatchUpSearchIndex(int64_t limit) {
  assert(limit > 0 && "REQUIRES: limit > 0 (store.hpp)");
  int64_t indexed = 0;
  Status s = writer_.SubmitAlone([&](SqliteDb& db) -> Status {
    ASSIGN_OR_RETURN(indexed, CatchUpSearchIndexIn(db, limit));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return indexed;
}

Result<std::vector<Chat>> SqliteStore::ScanChats(std::string_view after_channel,
                                                 std::string_view after_chat_id, int64_t limit) {
  assert(limit > 0 && "REQUIRES: limit > 0 (store.hpp)");
  ASSIGN_OR_RETURN(Lease db, Reader());
  auto q = db->Prepare("SELECT " OPCHAT_CHAT_COLUMNS
                       " FROM chats WHERE (channel_id, chat_id) > (?, ?)"
                       " ORDER BY channel_id, chat_id LIMIT ?");
  q.Bind(1, after_channel);
  q.Bind(2, after_chat_id);
  q.Bind(3, limit);
  std::vector<Chat> out;
  while (q.Step()) out.push_back(ReadChat(StmtRow(q)));
  RETURN_IF_ERROR(q.status());
  return out;
}

Result<std::vector<std::string>> SqliteStore::ListChannels() {
  ASSIGN_OR_RETURN(Lease db, Reader());
  // The (channel_id, updated_ms) index makes this a skip over distinct keys.
  auto q = db->Prepare("SELECT DISTINCT channel_id FROM chats ORDER BY channel_id");
  std::vector<std::string> out;
  while (q.Step()) out.push_back(q.String(0));
  RETURN_IF_ERROR(q.status());
  return out;
}

Result<int64_t> SqliteStore::DeleteInactiveChats(std::string_view channel, int64_t before_ms,
                                                 int64_t limit) {
  assert(limit > 0 && "REQUIRES: limit > 0 (store.hpp)");
  int64_t deleted = 0;
  Status s = writer_.SubmitAlone([&](SqliteDb& db) -> Status {
    deleted = 0;
    std::vector<int64_t> doomed;  // chat numbers
    {
      auto q =
          db.Prepare("SELECT chat_no FROM chats WHERE channel_id = ? AND updated_ms < ? LIMIT ?");
      q.Bind(1, channel);
      q.Bind(2, before_ms);
      q.Bind(3, limit);
      while (q.Step()) doomed.push_back(q.Int(0));
      RETURN_IF_ERROR(q.status());
    }
    for (int64_t chat_no : doomed) {
      // The search index follows through its delete trigger.
      auto m = db.Prepare("DELETE FROM messages WHERE chat_no = ?");
      m.Bind(1, chat_no);
      RETURN_IF_ERROR(m.Run());
      auto c = db.Prepare("DELETE FROM chats WHERE chat_no = ?");
      c.Bind(1, chat_no);
      RETURN_IF_ERROR(c.Run());
      ++deleted;
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return deleted;
}

// --- events ---

Result<EventPage> SqliteStore::ReadEvents(const EventQuery& query) {
  assert(query.limit > 0 && "REQUIRES: limit > 0 (store.hpp)");
  ASSIGN_OR_RETURN(Lease db, Reader());
  return ReadEventPage(*db, query);
}

Result<EventBounds> SqliteStore::GetEventBounds(std::string_view channel) {
  ASSIGN_OR_RETURN(Lease db, Reader());
  return ReadEventBounds(*db, channel);
}

Result<int64_t> SqliteStore::PruneEvents(int64_t before_ms, int64_t limit) {
  assert(limit > 0 && "REQUIRES: limit > 0 (store.hpp)");
  int64_t deleted = 0;
  Status s = writer_.SubmitAlone([&](SqliteDb& db) -> Status {
    deleted = 0;
    std::map<std::string, int64_t> highest;  // per channel, the highest id deleted
    {
      auto q = db.Prepare(
          "DELETE FROM events WHERE (channel_id, id) IN (SELECT channel_id, id FROM events"
          " WHERE time_ms < ? ORDER BY time_ms, channel_id, id LIMIT ?) RETURNING channel_id, id");
      q.Bind(1, before_ms);
      q.Bind(2, limit);
      while (q.Step()) {
        int64_t& top = highest[q.String(0)];
        top = std::max(top, q.Int(1));
        ++deleted;
      }
      RETURN_IF_ERROR(q.status());
    }
    for (const auto& [channel, top] : highest) {
      auto q = db.Prepare(
          "UPDATE event_heads SET pruned_through = MAX(pruned_through, ?) WHERE channel_id = ?");
      q.Bind(1, top);
      q.Bind(2, channel);
      RETURN_IF_ERROR(q.Run());
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return deleted;
}

// One process owns a SQLite database: there is nobody to tell.
Status SqliteStore::AnnounceEvents(std::string_view /*channel*/) { return Status::Ok(); }

Result<std::unique_ptr<Store::EventListener>> SqliteStore::ListenForEvents(
    std::function<void(std::string_view channel)> /*on_events*/) {
  return std::unique_ptr<EventListener>();
}

Status SqliteStore::AddClient(const ClientRecord& client) {
  return writer_.Submit([&](SqliteDb& db) -> Status {
    auto q = db.Prepare(
        "INSERT INTO clients (client_id, name, secret, enabled, created_ms, previous_secret)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (client_id) DO NOTHING");
    q.Bind(1, client.id);
    q.Bind(2, client.name);
    q.Bind(3, client.secret);
    q.Bind(4, int64_t{client.enabled ? 1 : 0});
    q.Bind(5, client.created_ms);
    if (client.previous_secret.empty()) {
      q.BindNull(6);
    } else {
      q.Bind(6, client.previous_secret);
    }
    RETURN_IF_ERROR(q.Run());
    if (db.Changes() == 0) return store_rules::ClientExists(client.id);
    for (const auto& channel : client.channels) {
      auto c = db.Prepare("INSERT OR IGNORE INTO client_channels VALUES (?, ?)");
      c.Bind(1, client.id);
      c.Bind(2, channel);
      RETURN_IF_ERROR(c.Run());
    }
    return BumpClientsRevision(db);
  });
}

Result<std::vector<ClientRecord>> SqliteStore::ListClients() {
  ASSIGN_OR_RETURN(Lease db, Reader());
  std::vector<ClientRecord> out;
  std::unordered_map<std::string, size_t> index;
  {
    auto q = db->Prepare(
        "SELECT client_id, name, secret, enabled, created_ms, COALESCE(previous_secret, '')"
        " FROM clients ORDER BY created_ms, client_id");
    while (q.Step()) {
      index[q.String(0)] = out.size();
      out.push_back(
          {q.String(0), q.String(1), q.String(2), q.Int(3) != 0, {}, q.Int(4), q.String(5)});
    }
    RETURN_IF_ERROR(q.status());
  }
  auto q = db->Prepare("SELECT client_id, channel_id FROM client_channels ORDER BY 1, 2");
  while (q.Step()) {
    auto it = index.find(q.String(0));
    if (it != index.end()) out[it->second].channels.push_back(q.String(1));
  }
  RETURN_IF_ERROR(q.status());
  return out;
}

Status SqliteStore::SetClientEnabled(std::string_view client_id, bool enabled) {
  return writer_.Submit([&](SqliteDb& db) -> Status {
    auto q = db.Prepare("UPDATE clients SET enabled = ? WHERE client_id = ?");
    q.Bind(1, int64_t{enabled ? 1 : 0});
    q.Bind(2, client_id);
    RETURN_IF_ERROR(q.Run());
    if (db.Changes() == 0) return store_rules::ClientNotFound(client_id);
    return BumpClientsRevision(db);
  });
}

Status SqliteStore::RotateClientSecret(std::string_view client_id,
                                       const std::optional<std::string>& new_secret) {
  return writer_.Submit([&](SqliteDb& db) -> Status {
    auto q = db.Prepare(
        new_secret ? "UPDATE clients SET previous_secret = secret, secret = ?2 WHERE client_id = ?1"
                   : "UPDATE clients SET previous_secret = NULL WHERE client_id = ?1");
    q.Bind(1, client_id);
    if (new_secret) q.Bind(2, *new_secret);
    RETURN_IF_ERROR(q.Run());
    if (db.Changes() == 0) return store_rules::ClientNotFound(client_id);
    return BumpClientsRevision(db);
  });
}

Result<int64_t> SqliteStore::ClientsRevision() {
  ASSIGN_OR_RETURN(Lease db, Reader());
  auto q = db->Prepare("SELECT value FROM counters WHERE name = 'clients_revision'");
  if (q.Step()) return q.Int(0);
  RETURN_IF_ERROR(q.status());
  return Status::Internal("clients_revision counter missing");
}

Status SqliteStore::Ping() {
  ASSIGN_OR_RETURN(Lease db, Reader());
  auto q = db->Prepare("SELECT 1");
  return q.Run();
}

}  // namespace opchat::sqlite
