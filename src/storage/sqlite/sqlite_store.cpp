#include "storage/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <tuple>
#include <unordered_map>

#include "common/clock.hpp"
#include "common/private_files.hpp"
#include "storage/message_scan.hpp"
#include "storage/search_pattern.hpp"
#include "storage/sqlite/search_catch_up.hpp"

namespace opchat::sqlite {
namespace {

constexpr const char* kChatColumns =
    "chat_id, channel_id, user_id, operator_id, status, ext, message_count, created_ms, "
    "updated_ms, last_message_ms";

Chat ReadChat(const Stmt& q) {
  Chat c;
  c.id = q.String(0);
  c.channel = q.String(1);
  c.user_id = q.String(2);
  c.operator_id = q.OptString(3);
  c.status = ChatStatusFromCode(q.Int(4)).value_or(ChatStatus::kWaiting);
  c.ext = q.String(5);
  c.message_count = q.Int(6);
  c.created_ms = q.Int(7);
  c.updated_ms = q.Int(8);
  c.last_message_ms = q.OptInt(9);
  return c;
}

#define OPCHAT_MESSAGE_COLUMNS                                                                  \
  "seq, user_message_id, from_id, to_id, type, msg, url, object_key, filename, thumb, secret, " \
  "thumb_secret, length, file_length, addr, lat, lng, create_ms, ext"

Message ReadMessage(const Stmt& q) {
  Message m;
  m.seq = q.Int(0);
  m.user_message_id = q.String(1);
  m.from = q.String(2);
  m.to = q.String(3);
  m.type = q.String(4);
  m.msg = q.OptString(5);
  m.url = q.OptString(6);
  m.key = q.OptString(7);
  m.filename = q.OptString(8);
  m.thumb = q.OptString(9);
  m.secret = q.OptString(10);
  m.thumb_secret = q.OptString(11);
  m.length = q.OptInt(12);
  m.file_length = q.OptInt(13);
  m.addr = q.OptString(14);
  m.lat = q.OptDouble(15);
  m.lng = q.OptDouble(16);
  m.create_ms = q.Int(17);
  m.ext = q.String(18);
  return m;
}

// A chat as the writer needs it: with its number, which keys its messages (schema migration 5).
struct StoredChat {
  Chat chat;
  int64_t no = 0;
};

Result<StoredChat> LoadChat(SqliteDb& db, std::string_view channel, std::string_view chat_id) {
  static const std::string sql = std::string("SELECT ") + kChatColumns +
                                 ", chat_no FROM chats WHERE channel_id = ? AND chat_id = ?";
  auto q = db.Prepare(sql.c_str());
  q.Bind(1, channel);
  q.Bind(2, chat_id);
  if (q.Step()) return StoredChat{ReadChat(q), q.Int(10)};
  if (!q.status().ok()) return q.status();
  return Status::NotFound("会话不存在");
}

Result<Message> FindByUserMessageId(SqliteDb& db, int64_t chat_no, std::string_view umid,
                                    bool* found) {
  auto q = db.Prepare("SELECT " OPCHAT_MESSAGE_COLUMNS
                      " FROM messages WHERE chat_no = ? AND user_message_id = ?");
  q.Bind(1, chat_no);
  q.Bind(2, umid);
  *found = q.Step();
  if (*found) return ReadMessage(q);
  if (!q.status().ok()) return q.status();
  return Message{};
}

// Inserts a new chat; returns its number. Numbers are given in order of creation (the
// chats_by_no index makes MAX a lookup).
Result<int64_t> InsertChat(SqliteDb& db, const Chat& c) {
  auto q = db.Prepare(
      "INSERT INTO chats (chat_id, channel_id, user_id, operator_id, status, ext, message_count,"
      " created_ms, updated_ms, last_message_ms, chat_no) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, NULL,"
      " (SELECT COALESCE(MAX(chat_no), 0) + 1 FROM chats)) RETURNING chat_no");
  q.Bind(1, c.id);
  q.Bind(2, c.channel);
  q.Bind(3, c.user_id);
  q.Bind(4, c.operator_id);
  q.Bind(5, int64_t{static_cast<int>(c.status)});
  q.Bind(6, c.ext);
  q.Bind(7, c.created_ms);
  q.Bind(8, c.updated_ms);
  if (!q.Step()) return q.status().ok() ? Status::Internal("chat insert returned no number") : q.status();
  const int64_t chat_no = q.Int(0);
  if (Status s = q.Run(); !s.ok()) return s;
  return chat_no;
}

// Positions fit in 32 bits (SQLite's integers would hold more; 4 billion messages a chat is
// beyond any use, and a bound keeps positions plain ints everywhere).
constexpr int64_t kMaxSeq = 0xFFFFFFFF;

// Inserts `m` at position `seq`; sets *inserted = false when the chat already holds its
// user_message_id. The search index is not touched: CatchUpSearchIndex adds the trigrams later,
// in bulk, for the positions above the chat's search_seq. Not by an insert trigger: a trigger
// makes every message INSERT a multi-row statement with its own statement journal, which made
// bulk imports in time order 10-30 times slower. Nor inline: the trigram index costs more than
// the rest of a write (an import ran at half the speed with it, docs/performance.md).
// OR IGNORE rather than ON CONFLICT: a statement that cannot abort needs no statement journal,
// which otherwise costs more per row the larger the transaction (bulk import). The only other constraint, (chat_no, seq), cannot clash: the single writer assigns
// seq from the chat's count inside the same transaction.
Status InsertMessage(SqliteDb& db, int64_t chat_no, const Message& m, int64_t seq,
                     bool* inserted) {
  if (seq > kMaxSeq) return Status::Conflict("会话消息数已达上限");
  auto q = db.Prepare(
      "INSERT OR IGNORE INTO messages (chat_no, " OPCHAT_MESSAGE_COLUMNS
      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.Bind(1, chat_no);
  q.Bind(2, seq);
  q.BindBorrowed(3, m.user_message_id);
  q.BindBorrowed(4, m.from);
  q.BindBorrowed(5, m.to);
  q.BindBorrowed(6, m.type);
  q.BindBorrowed(7, m.msg);
  q.BindBorrowed(8, m.url);
  q.BindBorrowed(9, m.key);
  q.BindBorrowed(10, m.filename);
  q.BindBorrowed(11, m.thumb);
  q.BindBorrowed(12, m.secret);
  q.BindBorrowed(13, m.thumb_secret);
  q.Bind(14, m.length);
  q.Bind(15, m.file_length);
  q.BindBorrowed(16, m.addr);
  q.Bind(17, m.lat);
  q.Bind(18, m.lng);
  q.Bind(19, m.create_ms);
  q.BindBorrowed(20, m.ext);
  Status s = q.Run();
  *inserted = s.ok() && db.Changes() == 1;
  return s;
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

constexpr int64_t kExportChatPage = 200;
constexpr int64_t kExportMessagePage = 1000;

// The next chats of an export after (after_channel, after_id) in (channel, chat id) order;
// chats without messages are skipped. With a channel, one statement per shape keeps the scan
// an index range of that channel (an "?N IS NULL OR" filter would read on past its end).
Result<std::vector<Chat>> ExportChatPage(SqliteDb& db, const std::string& after_channel,
                                         const std::string& after_id,
                                         const std::optional<std::string>& channel) {
  static const std::string all_sql = std::string("SELECT ") + kChatColumns +
                                     " FROM chats WHERE (channel_id, chat_id) > (?1, ?2)"
                                     " AND message_count > 0 ORDER BY channel_id, chat_id LIMIT ?3";
  static const std::string channel_sql = std::string("SELECT ") + kChatColumns +
                                         " FROM chats WHERE channel_id = ?4 AND chat_id > ?2"
                                         " AND message_count > 0 ORDER BY chat_id LIMIT ?3";
  auto q = db.Prepare(channel ? channel_sql.c_str() : all_sql.c_str());
  if (!channel) q.Bind(1, after_channel);
  q.Bind(2, after_id);  // with a channel, after_channel is that channel (ScanMessages)
  q.Bind(3, kExportChatPage);
  if (channel) q.Bind(4, *channel);
  std::vector<Chat> out;
  while (q.Step()) out.push_back(ReadChat(q));
  if (!q.status().ok()) return q.status();
  return out;
}

// The next messages of a chat after position `after_seq` within the filter's time range.
Result<std::vector<Message>> ExportMessagePage(SqliteDb& db, const Chat& chat,
                                               int64_t after_seq, const ExportFilter& f) {
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
  q.Bind(5, kExportMessagePage);
  std::vector<Message> out;
  while (q.Step()) out.push_back(ReadMessage(q));
  if (!q.status().ok()) return q.status();
  return out;
}

// Search statements. ?1 channel, ?2 LIKE pattern, ?3 chat id, ?4 type, ?5 since, ?6 until,
// ?7 FTS5 query, ?8 limit, ?9 offset, ?10 how many matches the count may stop at. The LIKE condition holds on every path, so the FTS index
// (which also folds non-ASCII case) only narrows the candidates and the answer is the same
// whichever path runs.
#define OPCHAT_M_MESSAGE_COLUMNS                                                                \
  "m.seq, m.user_message_id, m.from_id, m.to_id, m.type, m.msg, m.url, m.object_key, "         \
  "m.filename, m.thumb, m.secret, m.thumb_secret, m.length, m.file_length, m.addr, m.lat, "    \
  "m.lng, m.create_ms, m.ext, c.chat_id"
// The FTS candidates are the index's matches (each rowid found in the extent that holds it)
// plus every message above its chat's search_seq (not indexed yet), which the LIKE condition
// then filters like the rest. The index is shared by every channel, so a match is first
// checked for the channel through its extent's chat (chats_by_no holds the channel: one
// probe), before its message row is read and LIKE-tested: a keyword common in another
// channel's chats costs this search an index probe per match, not a row read.
#define OPCHAT_SEARCH_FTS                                                                       \
  " FROM (SELECT e.chat_no AS chat_no, e.first_seq + (x.rowid - e.base) AS seq"                \
  " FROM messages_fts x JOIN search_extents e"                                                 \
  " ON e.base = (SELECT MAX(base) FROM search_extents WHERE base <= x.rowid)"                  \
  " JOIN chats fc ON fc.chat_no = e.chat_no"                                                   \
  " WHERE messages_fts MATCH ?7 AND fc.channel_id = ?1"                                        \
  " UNION ALL SELECT b.chat_no, p.seq FROM chats b JOIN messages p"                            \
  " ON p.chat_no = b.chat_no AND p.seq > b.search_seq"                                         \
  " WHERE b.search_seq < b.message_count AND b.channel_id = ?1) f"                            \
  " JOIN messages m ON m.chat_no = f.chat_no AND m.seq = f.seq"                                \
  " JOIN chats c ON c.chat_no = m.chat_no WHERE c.channel_id = ?1"
#define OPCHAT_SEARCH_SCAN \
  " FROM chats c JOIN messages m ON m.chat_no = c.chat_no WHERE c.channel_id = ?1"
#define OPCHAT_SEARCH_CHAT                                                     \
  " FROM chats c JOIN messages m ON m.chat_no = c.chat_no WHERE c.chat_id = ?3" \
  " AND c.channel_id = ?1"
#define OPCHAT_SEARCH_FILTER                                                              \
  " AND m.msg LIKE ?2 ESCAPE '\\' AND (?4 IS NULL OR m.type = ?4)"                       \
  " AND (?5 IS NULL OR m.create_ms >= ?5) AND (?6 IS NULL OR m.create_ms < ?6)"
#define OPCHAT_SEARCH_ORDER \
  " ORDER BY m.create_ms DESC, c.chat_id DESC, m.seq DESC LIMIT ?8 OFFSET ?9"

// The count reads at most ?10 matches (SearchQuery::max_total + 1: one more tells that the
// total is not exact).
#define OPCHAT_SEARCH_COUNT(from) "SELECT COUNT(*) FROM (SELECT 1" from OPCHAT_SEARCH_FILTER " LIMIT ?10)"

struct SearchSql {
  const char* count;
  const char* page;
  bool fts;  // whether ?7 appears
};

// Trigram search needs 3+ characters. Shorter keywords, and searches within one chat (an
// index range already), scan the messages with LIKE.
SearchSql ChooseSearchSql(const SearchQuery& q) {
  static constexpr SearchSql kFts = {
      OPCHAT_SEARCH_COUNT(OPCHAT_SEARCH_FTS),
      "SELECT " OPCHAT_M_MESSAGE_COLUMNS OPCHAT_SEARCH_FTS OPCHAT_SEARCH_FILTER OPCHAT_SEARCH_ORDER,
      true};
  static constexpr SearchSql kScan = {
      OPCHAT_SEARCH_COUNT(OPCHAT_SEARCH_SCAN),
      "SELECT " OPCHAT_M_MESSAGE_COLUMNS OPCHAT_SEARCH_SCAN OPCHAT_SEARCH_FILTER
          OPCHAT_SEARCH_ORDER,
      false};
  static constexpr SearchSql kChat = {
      OPCHAT_SEARCH_COUNT(OPCHAT_SEARCH_CHAT),
      "SELECT " OPCHAT_M_MESSAGE_COLUMNS OPCHAT_SEARCH_CHAT OPCHAT_SEARCH_FILTER
          OPCHAT_SEARCH_ORDER,
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

}  // namespace

SqliteStore::Lease::~Lease() {
  if (!db_) return;
  std::lock_guard lock(store_.pool_mu_);
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
    if (Status s = CreateOwnerOnly(path); !s.ok()) return s;
  }
  auto writer = SqliteDb::Open(path, true, options.sqlite_synchronous, options.sqlite_page_size);
  if (!writer.ok()) return writer.status();
  if (Status s = MigrateSqlite(**writer); !s.ok()) return s;
  const std::string cache =
      "PRAGMA cache_size=-" + std::to_string(std::max(1, options.sqlite_writer_cache_mb) * 1000);
  if (Status s = (*writer)->Exec(cache.c_str()); !s.ok()) return s;
  std::unique_ptr<WalCheckpointer> checkpointer;
  if (path != ":memory:") {
    auto own = SqliteDb::Open(path, false, options.sqlite_synchronous);
    if (!own.ok()) return own.status();
    checkpointer = std::make_unique<WalCheckpointer>(std::move(*own), **writer);
  }
  return std::unique_ptr<Store>(
      new SqliteStore(path, options, std::move(*writer), std::move(checkpointer)));
}

SqliteStore::SqliteStore(std::string path, StoreOptions options,
                         std::unique_ptr<SqliteDb> writer_db,
                         std::unique_ptr<WalCheckpointer> checkpointer)
    : path_(std::move(path)),
      options_(std::move(options)),
      checkpointer_(std::move(checkpointer)),
      writer_(std::move(writer_db)) {}

Result<SqliteStore::Lease> SqliteStore::Reader() {
  {
    std::lock_guard lock(pool_mu_);
    if (!idle_readers_.empty()) {
      auto db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return Lease(*this, std::move(db));
    }
  }
  // Connections are opened on demand, so there is never a wait for one; a reader's page cache
  // is small (4 MB) because the operating system's page cache already holds the hot pages.
  auto db = SqliteDb::Open(path_, false, options_.sqlite_synchronous);
  if (!db.ok()) return db.status();
  if (Status s = (*db)->Exec("PRAGMA cache_size=-4000"); !s.ok()) return s;
  return Lease(*this, std::move(*db));
}

Result<Chat> SqliteStore::GetChat(std::string_view channel, std::string_view chat_id) {
  auto db = Reader();
  if (!db.ok()) return db.status();
  auto chat = LoadChat(**db, channel, chat_id);
  if (!chat.ok()) return chat.status();
  return std::move(chat->chat);
}

Result<Chat> SqliteStore::CreateChat(const Chat& chat) {
  Status s = writer_.Submit([&](SqliteDb& db) -> Status {
    auto existing = LoadChat(db, chat.channel, chat.id);
    if (existing.ok()) return Status::Conflict("会话已存在: " + chat.id);
    if (existing.status().code() != StatusCode::kNotFound) return existing.status();
    auto chat_no = InsertChat(db, chat);
    return chat_no.ok() ? Status::Ok() : chat_no.status();
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
    auto chat = LoadChat(db, channel, chat_id);
    if (!chat.ok()) return chat.status();
    if (!Allows(Transition{from, to}, chat->chat.status)) {
      return Status::Conflict("会话状态不允许该操作: 当前状态 " +
                              std::string(StatusText(chat->chat.status)));
    }
    auto q = db.Prepare(
        "UPDATE chats SET status = ?, operator_id = COALESCE(?, operator_id),"
        " updated_ms = MAX(updated_ms, ?) WHERE chat_no = ?");
    q.Bind(1, int64_t{static_cast<int>(to)});
    q.Bind(2, operator_id);
    q.Bind(3, now_ms);
    q.Bind(4, chat->no);
    if (Status u = q.Run(); !u.ok()) return u;
    result = std::move(chat->chat);
    result.status = to;
    if (operator_id) result.operator_id = operator_id;
    result.updated_ms = std::max(result.updated_ms, now_ms);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return result;
}

Result<ChatList> SqliteStore::ListChats(const ChatFilter& f) {
  auto db = Reader();
  if (!db.ok()) return db.status();
  // One statement for every combination of filters: "?N IS NULL OR column = ?N".
  static const std::string where =
      " FROM chats WHERE channel_id = ?1 AND (?2 IS NULL OR status = ?2)"
      " AND (?3 IS NULL OR operator_id = ?3) AND (?4 IS NULL OR user_id = ?4)"
      " AND (?5 IS NULL OR updated_ms >= ?5) AND (?6 IS NULL OR updated_ms < ?6)";
  static const std::string list_sql = std::string("SELECT ") + kChatColumns + where +
                                      " ORDER BY updated_ms DESC, chat_id LIMIT ?7 OFFSET ?8";
  static const std::string count_sql = "SELECT COUNT(*)" + where;
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
    auto q = (*db)->Prepare(count_sql.c_str());
    bind(q);
    if (q.Step()) out.total = q.Int(0);
    if (!q.status().ok()) return q.status();
  }
  auto q = (*db)->Prepare(list_sql.c_str());
  bind(q);
  q.Bind(7, f.limit);
  q.Bind(8, f.offset);
  while (q.Step()) out.chats.push_back(ReadChat(q));
  if (!q.status().ok()) return q.status();
  return out;
}

Result<std::vector<Message>> SqliteStore::ReadMessages(std::string_view channel,
                                                       std::string_view chat_id, SeqRange range) {
  std::vector<Message> out;
  if (range.empty()) return out;
  auto db = Reader();
  if (!db.ok()) return db.status();
  auto q = (*db)->Prepare(range.descending
                              ? "SELECT " OPCHAT_MESSAGE_COLUMNS " FROM messages"
                                " WHERE chat_no = (SELECT chat_no FROM chats"
                                " WHERE channel_id = ? AND chat_id = ?)"
                                " AND seq BETWEEN ? AND ? ORDER BY seq DESC"
                              : "SELECT " OPCHAT_MESSAGE_COLUMNS " FROM messages"
                                " WHERE chat_no = (SELECT chat_no FROM chats"
                                " WHERE channel_id = ? AND chat_id = ?)"
                                " AND seq BETWEEN ? AND ? ORDER BY seq");
  q.Bind(1, channel);
  q.Bind(2, chat_id);
  q.Bind(3, range.first);
  q.Bind(4, range.last);
  out.reserve(static_cast<size_t>(range.size()));
  while (q.Step()) out.push_back(ReadMessage(q));
  if (!q.status().ok()) return q.status();
  return out;
}

Result<AppendOutcome> SqliteStore::AppendMessage(std::string_view channel,
                                                 std::string_view chat_id,
                                                 const Message& message) {
  AppendOutcome out;
  Status s = writer_.Submit([&](SqliteDb& db) -> Status {
    auto chat = LoadChat(db, channel, chat_id);
    if (!chat.ok()) return chat.status();
    bool found = false;
    auto existing = FindByUserMessageId(db, chat->no, message.user_message_id, &found);
    if (!existing.ok()) return existing.status();
    if (found) {
      out = {std::move(*existing), true};
      return Status::Ok();
    }
    if (!AcceptsMessages(chat->chat.status)) {
      return Status::Conflict("会话状态不允许发送消息: 当前状态 " +
                              std::string(StatusText(chat->chat.status)));
    }
    int64_t seq = chat->chat.message_count + 1;
    bool inserted = false;
    if (Status i = InsertMessage(db, chat->no, message, seq, &inserted); !i.ok()) return i;
    auto q = db.Prepare(
        "UPDATE chats SET message_count = ?, updated_ms = MAX(updated_ms, ?),"
        " last_message_ms = MAX(COALESCE(last_message_ms, 0), ?) WHERE chat_no = ?");
    q.Bind(1, seq);
    q.Bind(2, NowMillis());
    q.Bind(3, message.create_ms);
    q.Bind(4, chat->no);
    if (Status u = q.Run(); !u.ok()) return u;
    out.message = message;
    out.message.seq = seq;
    out.duplicate = false;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<ImportCounts> SqliteStore::Import(std::span<const ImportRecord> records) {
  // Inserted chat by chat (each chat's records in their given order, so positions are the
  // same): a time-ordered file interleaves thousands of chats, and inserting in file order
  // dirties a B-tree page per message; grouped, a chat's messages share their pages. Sorted
  // here, on the caller's thread, to keep the writer's thread for writing.
  std::vector<const ImportRecord*> ordered;
  ordered.reserve(records.size());
  for (const ImportRecord& r : records) ordered.push_back(&r);
  std::stable_sort(ordered.begin(), ordered.end(), [](const ImportRecord* a, const ImportRecord* b) {
    return std::tie(a->chat.channel, a->chat.id) < std::tie(b->chat.channel, b->chat.id);
  });
  ImportCounts counts;
  Status s = writer_.SubmitAlone([&](SqliteDb& db) -> Status {
    counts = {};
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
          auto chat_no = InsertChat(db, r->chat);
          if (!chat_no.ok()) return chat_no.status();
          touched.push_back({&r->chat, *chat_no, 0, 0});
        } else {
          return chat.status();
        }
      }
      Touched& t = touched.back();
      bool inserted = false;
      Status i = InsertMessage(db, t.chat_no, r->message, t.count + 1, &inserted);
      if (!i.ok()) return i;
      if (inserted) {
        ++t.count;
        t.last_ms = std::max(t.last_ms, r->message.create_ms);
        ++counts.inserted;
      } else {
        ++counts.duplicates;
      }
    }
    for (const Touched& t : touched) {
      auto q = db.Prepare(
          "UPDATE chats SET message_count = ?, updated_ms = MAX(updated_ms, ?),"
          " last_message_ms = MAX(COALESCE(last_message_ms, 0), ?) WHERE chat_no = ?");
      q.Bind(1, t.count);
      q.Bind(2, t.last_ms);
      q.Bind(3, t.last_ms);
      q.Bind(4, t.chat_no);
      if (Status u = q.Run(); !u.ok()) return u;
    }
    return Status::Ok();
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
    auto db = Reader();
    if (!db.ok()) return db.status();
    return ExportChatPage(**db, after_channel, after_id, f.channel);
  };
  pages.messages = [&](const Chat& chat, int64_t after_seq) -> Result<std::vector<Message>> {
    auto db = Reader();
    if (!db.ok()) return db.status();
    return ExportMessagePage(**db, chat, after_seq, f);
  };
  pages.message_page_size = kExportMessagePage;
  return ScanMessages(f, pages, visit);
}

Result<SearchResult> SqliteStore::SearchMessages(const SearchQuery& s) {
  if (s.keyword.empty()) return Status::InvalidArgument("empty search keyword");
  auto db = Reader();
  if (!db.ok()) return db.status();
  const SearchSql sql = ChooseSearchSql(s);
  const std::string pattern = LikeContainsPattern(s.keyword);
  SearchResult out;
  {
    auto q = (*db)->Prepare(sql.count);
    BindSearch(q, s, pattern, sql.fts);
    const int64_t cap = std::max<int64_t>(s.max_total, 0);
    q.Bind(10, cap + 1);
    if (q.Step()) out.total = q.Int(0);
    if (!q.status().ok()) return q.status();
    out.total_exact = out.total <= cap;
    out.total = std::min(out.total, cap);
  }
  auto q = (*db)->Prepare(sql.page);
  BindSearch(q, s, pattern, sql.fts);
  q.Bind(8, s.limit);
  q.Bind(9, s.offset);
  while (q.Step()) out.hits.push_back({q.String(19), ReadMessage(q)});
  if (!q.status().ok()) return q.status();
  return out;
}

Result<int64_t> SqliteStore::CatchUpSearchIndex(int64_t limit) {
  int64_t indexed = 0;
  Status s = writer_.SubmitAlone([&](SqliteDb& db) -> Status {
    auto added = CatchUpSearchIndexIn(db, limit);
    if (!added.ok()) return added.status();
    indexed = *added;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return indexed;
}

Result<std::vector<Chat>> SqliteStore::ScanChats(std::string_view after_channel,
                                                std::string_view after_chat_id, int64_t limit) {
  auto db = Reader();
  if (!db.ok()) return db.status();
  static const std::string sql = std::string("SELECT ") + kChatColumns +
                                 " FROM chats WHERE (channel_id, chat_id) > (?, ?)"
                                 " ORDER BY channel_id, chat_id LIMIT ?";
  auto q = (*db)->Prepare(sql.c_str());
  q.Bind(1, after_channel);
  q.Bind(2, after_chat_id);
  q.Bind(3, limit);
  std::vector<Chat> out;
  while (q.Step()) out.push_back(ReadChat(q));
  if (!q.status().ok()) return q.status();
  return out;
}

Result<std::vector<std::string>> SqliteStore::ListChannels() {
  auto db = Reader();
  if (!db.ok()) return db.status();
  // The (channel_id, updated_ms) index makes this a skip over distinct keys.
  auto q = (*db)->Prepare("SELECT DISTINCT channel_id FROM chats ORDER BY channel_id");
  std::vector<std::string> out;
  while (q.Step()) out.push_back(q.String(0));
  if (!q.status().ok()) return q.status();
  return out;
}

Result<int64_t> SqliteStore::DeleteInactiveChats(std::string_view channel, int64_t before_ms,
                                                 int64_t limit) {
  int64_t deleted = 0;
  Status s = writer_.SubmitAlone([&](SqliteDb& db) -> Status {
    deleted = 0;
    std::vector<int64_t> doomed;  // chat numbers
    {
      auto q = db.Prepare(
          "SELECT chat_no FROM chats WHERE channel_id = ? AND updated_ms < ? LIMIT ?");
      q.Bind(1, channel);
      q.Bind(2, before_ms);
      q.Bind(3, limit);
      while (q.Step()) doomed.push_back(q.Int(0));
      if (!q.status().ok()) return q.status();
    }
    for (int64_t chat_no : doomed) {
      // The search index follows through its delete trigger.
      auto m = db.Prepare("DELETE FROM messages WHERE chat_no = ?");
      m.Bind(1, chat_no);
      if (Status e = m.Run(); !e.ok()) return e;
      auto c = db.Prepare("DELETE FROM chats WHERE chat_no = ?");
      c.Bind(1, chat_no);
      if (Status e = c.Run(); !e.ok()) return e;
      ++deleted;
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return deleted;
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
    if (Status s = q.Run(); !s.ok()) return s;
    if (db.Changes() == 0) return Status::Conflict("client exists: " + client.id);
    for (const auto& channel : client.channels) {
      auto c = db.Prepare("INSERT OR IGNORE INTO client_channels VALUES (?, ?)");
      c.Bind(1, client.id);
      c.Bind(2, channel);
      if (Status s = c.Run(); !s.ok()) return s;
    }
    return BumpClientsRevision(db);
  });
}

Result<std::vector<ClientRecord>> SqliteStore::ListClients() {
  auto db = Reader();
  if (!db.ok()) return db.status();
  std::vector<ClientRecord> out;
  std::unordered_map<std::string, size_t> index;
  {
    auto q = (*db)->Prepare(
        "SELECT client_id, name, secret, enabled, created_ms, COALESCE(previous_secret, '')"
        " FROM clients ORDER BY created_ms, client_id");
    while (q.Step()) {
      index[q.String(0)] = out.size();
      out.push_back({q.String(0), q.String(1), q.String(2), q.Int(3) != 0, {}, q.Int(4), q.String(5)});
    }
    if (!q.status().ok()) return q.status();
  }
  auto q = (*db)->Prepare("SELECT client_id, channel_id FROM client_channels ORDER BY 1, 2");
  while (q.Step()) {
    auto it = index.find(q.String(0));
    if (it != index.end()) out[it->second].channels.push_back(q.String(1));
  }
  if (!q.status().ok()) return q.status();
  return out;
}

Status SqliteStore::SetClientEnabled(std::string_view client_id, bool enabled) {
  return writer_.Submit([&](SqliteDb& db) -> Status {
    auto q = db.Prepare("UPDATE clients SET enabled = ? WHERE client_id = ?");
    q.Bind(1, int64_t{enabled ? 1 : 0});
    q.Bind(2, client_id);
    if (Status s = q.Run(); !s.ok()) return s;
    if (db.Changes() == 0) return Status::NotFound("no such client: " + std::string(client_id));
    return BumpClientsRevision(db);
  });
}

Status SqliteStore::RotateClientSecret(std::string_view client_id,
                                       const std::optional<std::string>& new_secret) {
  return writer_.Submit([&](SqliteDb& db) -> Status {
    auto q = db.Prepare(new_secret
                            ? "UPDATE clients SET previous_secret = secret, secret = ?2 WHERE client_id = ?1"
                            : "UPDATE clients SET previous_secret = NULL WHERE client_id = ?1");
    q.Bind(1, client_id);
    if (new_secret) q.Bind(2, *new_secret);
    if (Status s = q.Run(); !s.ok()) return s;
    if (db.Changes() == 0) return Status::NotFound("no such client: " + std::string(client_id));
    return BumpClientsRevision(db);
  });
}

Result<int64_t> SqliteStore::ClientsRevision() {
  auto db = Reader();
  if (!db.ok()) return db.status();
  auto q = (*db)->Prepare("SELECT value FROM counters WHERE name = 'clients_revision'");
  if (q.Step()) return q.Int(0);
  if (!q.status().ok()) return q.status();
  return Status::Internal("clients_revision counter missing");
}

Status SqliteStore::Ping() {
  auto db = Reader();
  if (!db.ok()) return db.status();
  auto q = (*db)->Prepare("SELECT 1");
  return q.Run();
}

}  // namespace opchat::sqlite
