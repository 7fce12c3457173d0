#include "storage/postgres/pg_store.hpp"

#include <algorithm>
#include <cassert>
#include <deque>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "common/clock.hpp"
#include "storage/chat_rules.hpp"
#include "storage/message_scan.hpp"
#include "storage/postgres/pg_array.hpp"
#include "storage/postgres/pg_copy.hpp"
#include "storage/postgres/pg_event_listener.hpp"
#include "storage/postgres/pg_row.hpp"
#include "storage/row_mapping.hpp"
#include "storage/search_pattern.hpp"

namespace opchat::postgres {
namespace {

// --- statements ---
// Every statement on chats or messages names its chat_id(s), so on Citus each is routed to the
// shard that holds the chat (or, for Import's arrays, to the shards of the chats it names). A
// chat is (channel_id, chat_id), so each names the channel too (docs/design.md, "Storage
// model").

// $1 chat id, $2 channel.
constexpr Statement kGetChat = {
    "get_chat", "SELECT " OPCHAT_CHAT_COLUMNS " FROM chats WHERE chat_id = $1 AND channel_id = $2"};
// Row lock on the chat: serialises every writer of one chat, in this process or another.
constexpr Statement kLockChat = {"lock_chat",
                                 "SELECT " OPCHAT_CHAT_COLUMNS
                                 " FROM chats WHERE chat_id = $1 AND channel_id = $2 FOR UPDATE"};
// The chat and its chat.created event in one statement (one transaction, one round trip); $9 the
// event's time. Inserts no event when the chat exists: the statement then affects no row.
// The head row is updated last, as in kRecordEvents.
constexpr Statement kInsertChat = {
    "insert_chat_event",
    "WITH c AS (INSERT INTO chats (" OPCHAT_CHAT_COLUMNS
    ")"
    " VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, NULL) ON CONFLICT (channel_id, chat_id) DO NOTHING"
    " RETURNING " OPCHAT_CHAT_COLUMNS
    "), h AS (INSERT INTO event_heads AS eh (channel_id, head) SELECT channel_id, 1 FROM c"
    " ON CONFLICT (channel_id) DO UPDATE SET head = eh.head + 1 RETURNING head)"
    " INSERT INTO events (channel_id, id, time_ms, " OPCHAT_EVENT_VALUE_COLUMNS
    ")"
    " SELECT c.channel_id, h.head, $9::bigint, 2, c.chat_id, NULL, NULL, c.user_id, c.operator_id,"
    " c.status, c.ext, c.message_count, c.created_ms, c.updated_ms, c.last_message_ms"
    " FROM c, h"};

// --- events ---
// A channel's writers take their event ids by updating its event_heads row: the row lock they
// then hold until COMMIT orders them, so ids become visible in id order across processes (a
// sequence would hand out 105 before 104 commits). The lock is taken by the last statement of
// the transaction (this one), so it is held for as short a time as possible.
// $1 channel, $2 how many events, $3 time, then one array per OPCHAT_EVENT_VALUE_COLUMNS.
constexpr Statement kRecordEvents = {
    "record_events",
    "WITH h AS (INSERT INTO event_heads AS eh (channel_id, head) VALUES ($1, $2::bigint)"
    " ON CONFLICT (channel_id) DO UPDATE SET head = eh.head + $2::bigint RETURNING head)"
    " INSERT INTO events (channel_id, id, time_ms, " OPCHAT_EVENT_VALUE_COLUMNS
    ")"
    " SELECT $1, h.head - $2::bigint + t.n, $3::bigint, t.type, t.chat_id, t.seq, t.from_status,"
    " t.user_id, t.operator_id, t.status, t.ext, t.message_count, t.created_ms, t.updated_ms,"
    " t.last_message_ms FROM h, unnest($4::bigint[], $5::text[], $6::bigint[], $7::bigint[],"
    " $8::text[], $9::text[], $10::bigint[], $11::text[], $12::bigint[], $13::bigint[],"
    " $14::bigint[], $15::bigint[]) WITH ORDINALITY AS t(type, chat_id, seq, from_status,"
    " user_id, operator_id, status, ext, message_count, created_ms, updated_ms, last_message_ms,"
    " n)"};
// The bounds and the page in one statement, so both come from one snapshot. $1 channel, $2
// after, $3 chat id, $4 type mask (chat_rules.hpp), $5 limit. Always one row at least (the
// bounds); its event columns are NULL when there is no event. A message.created event's
// message is joined by chat and position (absent once retention deleted the chat).
constexpr Statement kReadEvents = {
    "read_events",
    "WITH b AS (SELECT COALESCE(MAX(head), 0) AS head, COALESCE(MAX(pruned_through), 0) AS pruned"
    " FROM event_heads WHERE channel_id = $1)"
    " SELECT b.head, b.pruned, x.* FROM b LEFT JOIN LATERAL (SELECT " OPCHAT_EVENT_COLUMNS
    " FROM events e LEFT JOIN messages m ON e.type = 1 AND m.chat_id = e.chat_id"
    " AND m.channel_id = e.channel_id AND m.seq = e.seq"
    " WHERE e.channel_id = $1 AND e.id > $2::bigint AND e.id <= b.head"
    " AND ($3::text IS NULL OR e.chat_id = $3::text)"
    " AND ($4::bigint = 0 OR ($4::bigint >> e.type::int) & 1 = 1)"
    " ORDER BY e.id LIMIT $5::bigint) x ON TRUE ORDER BY x.id"};
constexpr Statement kEventBounds = {
    "event_bounds", "SELECT head, pruned_through FROM event_heads WHERE channel_id = $1"};
// $1 before, $2 limit. One statement: the deletes and the pruned_through they raise commit
// together.
constexpr Statement kPruneEvents = {
    "prune_events",
    "WITH d AS (DELETE FROM events WHERE (channel_id, id) IN (SELECT channel_id, id FROM events"
    " WHERE time_ms < $1::bigint ORDER BY time_ms, channel_id, id LIMIT $2::bigint)"
    " RETURNING channel_id, id),"
    " m AS (SELECT channel_id, MAX(id) AS top, COUNT(*) AS n FROM d GROUP BY channel_id),"
    " u AS (UPDATE event_heads h SET pruned_through = GREATEST(h.pruned_through, m.top) FROM m"
    " WHERE h.channel_id = m.channel_id RETURNING 1)"
    " SELECT COALESCE(SUM(n), 0)::bigint FROM m"};
constexpr Statement kAnnounceEvents = {"announce_events", "SELECT pg_notify('opchat_events', $1)"};
constexpr Statement kTransitionChat = {
    "transition_chat",
    "UPDATE chats SET status = $3, operator_id = COALESCE($4::text, operator_id),"
    " updated_ms = GREATEST(updated_ms, $5::bigint) WHERE chat_id = $1 AND channel_id = $2"
    " RETURNING " OPCHAT_CHAT_COLUMNS};

// One statement per query shape for every combination of filters ("$N IS NULL OR ..."): the
// leading channel_id = $1 keeps the (channel_id, updated_ms) index usable in any plan.
#define OPCHAT_CHAT_FILTER                                                                         \
  " FROM chats WHERE channel_id = $1 AND ($2::bigint IS NULL OR status = $2::bigint)"              \
  " AND ($3::text IS NULL OR operator_id = $3::text) AND ($4::text IS NULL OR user_id = $4::text)" \
  " AND ($5::bigint IS NULL OR updated_ms >= $5::bigint)"                                          \
  " AND ($6::bigint IS NULL OR updated_ms < $6::bigint)"
constexpr Statement kCountChats = {"count_chats", "SELECT COUNT(*)" OPCHAT_CHAT_FILTER};
constexpr Statement kListChats = {
    "list_chats", "SELECT " OPCHAT_CHAT_COLUMNS OPCHAT_CHAT_FILTER
                  " ORDER BY updated_ms DESC, chat_id LIMIT $7::bigint OFFSET $8::bigint"};

// $1 chat id, $2 channel, then the range.
constexpr Statement kReadAscending = {"read_messages_asc",
                                      "SELECT " OPCHAT_MESSAGE_COLUMNS
                                      " FROM messages WHERE chat_id = $1 AND channel_id = $2"
                                      " AND seq BETWEEN $3 AND $4 ORDER BY seq"};
constexpr Statement kReadDescending = {"read_messages_desc",
                                       "SELECT " OPCHAT_MESSAGE_COLUMNS
                                       " FROM messages WHERE chat_id = $1 AND channel_id = $2"
                                       " AND seq BETWEEN $3 AND $4 ORDER BY seq DESC"};
// The history endpoint's read: the chat ($1 id, $2 channel) and, joined to it, the page that
// RangeAfterSkipping(message_count, $3 offset, $4 size, descending) names, in one statement (one
// round trip, one snapshot). A chat without messages in the range is one row whose message
// columns are NULL; a missing chat, no row.
#define OPCHAT_PAGE_BEGIN "LEAST($3::bigint, ch.message_count)"
#define OPCHAT_PAGE_END "LEAST(" OPCHAT_PAGE_BEGIN " + $4::bigint, ch.message_count)"
#define OPCHAT_CHAT_PAGE(range, order)                                        \
  "SELECT ch.*, m.* FROM (SELECT " OPCHAT_CHAT_COLUMNS                        \
  " FROM chats WHERE chat_id = $1 AND channel_id = $2) ch LEFT JOIN LATERAL " \
  "(SELECT " OPCHAT_MESSAGE_COLUMNS                                           \
  " FROM messages WHERE chat_id = ch.chat_id AND channel_id = "               \
  "ch.channel_id AND seq BETWEEN " range ") m ON true ORDER BY m.seq " order
constexpr Statement kReadChatPageAscending = {
    "read_chat_page_asc", OPCHAT_CHAT_PAGE(OPCHAT_PAGE_BEGIN " + 1 AND " OPCHAT_PAGE_END, "ASC")};
constexpr Statement kReadChatPageDescending = {
    "read_chat_page_desc", OPCHAT_CHAT_PAGE("ch.message_count - " OPCHAT_PAGE_END
                                            " + 1 AND ch.message_count - " OPCHAT_PAGE_BEGIN,
                                            "DESC")};
constexpr int kChatColumnCount = 10;  // OPCHAT_CHAT_COLUMNS
// The same for a batch of pages (PgStore::RunPageVisits): the page of the i-th (from 1) of the
// arrays $1 chat ids, $2 channels, $3 offsets, $4 sizes and $5 descending flags is the rows
// kReadChatPage* would give, the chat's columns followed by the page's first and last seq, and
// each row by i; in no particular order. The bounds are columns of the chat's subquery (kept
// apart by OFFSET 0) so that the messages' index scan is bounded by them: written into the
// messages' WHERE they referred to `p` and the chat at once, and the planner turned them into a
// filter over the whole chat (a page of a 50,000-message chat took 20 ms instead of 0.1).
#define OPCHAT_PAGES_BEGIN "LEAST(p.skip, message_count)"
#define OPCHAT_PAGES_END "LEAST(" OPCHAT_PAGES_BEGIN " + p.size, message_count)"
constexpr Statement kReadChatPages = {
    "read_chat_pages",
    "SELECT ch.*, m.*, p.i FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[],"
    " $5::boolean[]) WITH ORDINALITY AS p(chat_id, channel_id, skip, size, descending, i)"
    " JOIN LATERAL (SELECT " OPCHAT_CHAT_COLUMNS
    ", CASE WHEN p.descending THEN message_count - " OPCHAT_PAGES_END
    " + 1 ELSE " OPCHAT_PAGES_BEGIN
    " + 1 END AS first_seq,"
    " CASE WHEN p.descending THEN message_count - " OPCHAT_PAGES_BEGIN " ELSE " OPCHAT_PAGES_END
    " END AS last_seq FROM chats WHERE chat_id = p.chat_id AND channel_id = p.channel_id"
    " OFFSET 0) ch ON true"
    " LEFT JOIN LATERAL (SELECT " OPCHAT_MESSAGE_COLUMNS
    " FROM messages WHERE chat_id = ch.chat_id AND channel_id = ch.channel_id"
    " AND seq BETWEEN ch.first_seq AND ch.last_seq) m ON true"};
constexpr int kPageMessageColumn = kChatColumnCount + 2;  // after first_seq, last_seq
constexpr int kPageIndexColumn = kPageMessageColumn + kMessageColumnCount;
// Pages read by one statement at most; and the threads reading them, so that one thread writes
// a batch's answers while the other's statement runs.
constexpr size_t kMaxPageBatch = 128;
constexpr size_t kPageVisitThreads = 2;
// A batch of sends (PgStore::RunAppends) works on arrays like Import. Its chats, locked in
// (channel, chat id) order, so batches, imports and other processes cannot deadlock.
constexpr Statement kLockSendChats = {
    "send_lock_chats",
    "SELECT " OPCHAT_CHAT_COLUMNS
    " FROM chats c JOIN unnest($1::text[], $2::text[]) AS k(k_chat, k_channel)"
    " ON c.chat_id = k.k_chat AND c.channel_id = k.k_channel"
    " WHERE c.chat_id = ANY($1::text[]) ORDER BY c.channel_id, c.chat_id FOR UPDATE OF c"};
// The stored messages with the batch's userMessageIds: the chat id, the channel, then the
// message.
constexpr Statement kFindSent = {
    "send_find_stored",
    "SELECT m.chat_id, m.channel_id, " OPCHAT_MESSAGE_COLUMNS
    " FROM unnest($1::text[], $2::text[], $3::text[]) AS k(k_chat, k_channel, k_id)"
    " JOIN messages m ON m.chat_id = k.k_chat AND m.channel_id = k.k_channel"
    " AND m.user_message_id = k.k_id"};
// Each chat of a batch after its sends: $1 chat ids, $2 channels, $3 message counts, $4 the
// latest message time of each, $5 now (the last activity never goes back).
constexpr Statement kSendTouch = {
    "send_touch",
    "UPDATE chats c SET message_count = t.count, updated_ms = GREATEST(c.updated_ms, $5::bigint),"
    " last_message_ms = GREATEST(COALESCE(c.last_message_ms, 0), t.last_ms)"
    " FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])"
    " AS t(chat_id, channel_id, count, last_ms)"
    " WHERE c.chat_id = t.chat_id AND c.channel_id = t.channel_id"};

// Import works on arrays, one statement per step whatever the batch size (its messages by COPY).
constexpr Statement kImportChats = {
    "import_chats",
    "INSERT INTO chats (" OPCHAT_CHAT_COLUMNS
    ")"
    " SELECT t.chat_id, t.channel_id, t.user_id, t.operator_id, t.status, t.ext, 0,"
    " t.created_ms, t.updated_ms, NULL"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[],"
    " $7::bigint[], $8::bigint[])"
    " AS t(chat_id, channel_id, user_id, operator_id, status, ext, created_ms, updated_ms)"
    " ON CONFLICT (channel_id, chat_id) DO NOTHING RETURNING channel_id, chat_id"};
// Locks in (channel, chat id) order, so two imports sharing chats cannot deadlock.
constexpr Statement kLockChats = {
    "import_lock_chats",
    "SELECT c.chat_id, c.channel_id, c.message_count FROM chats c"
    " JOIN unnest($1::text[], $2::text[]) AS k(chat_id, channel_id)"
    " ON c.chat_id = k.chat_id AND c.channel_id = k.channel_id"
    " WHERE c.chat_id = ANY($1::text[]) ORDER BY c.channel_id, c.chat_id FOR UPDATE OF c"};
constexpr Statement kFindExisting = {
    "import_find_existing",
    "SELECT m.chat_id, m.channel_id, m.user_message_id"
    " FROM unnest($1::text[], $2::text[], $3::text[]) AS k(chat_id, channel_id, id)"
    " JOIN messages m ON m.chat_id = k.chat_id AND m.channel_id = k.channel_id"
    " AND m.user_message_id = k.id"};
// A batch of sends' messages (import's go by COPY, kCopyMessages).
constexpr Statement kInsertMessages = {
    "insert_messages",
    "INSERT INTO messages (chat_id, channel_id, " OPCHAT_MESSAGE_COLUMNS
    ")"
    " SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[],"
    " $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],"
    " $13::text[], $14::text[], $15::bigint[], $16::bigint[], $17::text[], $18::float8[],"
    " $19::float8[], $20::bigint[], $21::text[])"};
// Import's messages, rows of CopyRows: the chat id, the channel, then OPCHAT_MESSAGE_COLUMNS.
constexpr const char* kCopyMessages =
    "COPY messages (chat_id, channel_id, " OPCHAT_MESSAGE_COLUMNS ") FROM STDIN";
constexpr Statement kImportTouch = {
    "import_touch",
    "UPDATE chats c SET message_count = t.count, updated_ms = GREATEST(c.updated_ms, t.last_ms),"
    " last_message_ms = GREATEST(COALESCE(c.last_message_ms, 0), t.last_ms)"
    " FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])"
    " AS t(chat_id, channel_id, count, last_ms)"
    " WHERE c.chat_id = t.chat_id AND c.channel_id = t.channel_id"};

// Export pages. Listing chats is the one multi-shard query of an export on Citus (it fans out
// to every shard, in (channel, chat id) order); each chat's messages are then read by chat_id.
// $1 after channel, $2 after chat id, $3 limit; with a channel, $1 is that channel.
constexpr Statement kExportChats = {"export_chats",
                                    "SELECT " OPCHAT_CHAT_COLUMNS
                                    " FROM chats WHERE (channel_id, chat_id) > ($1, $2)"
                                    " AND message_count > 0 ORDER BY channel_id, chat_id LIMIT $3"};
constexpr Statement kExportChannelChats = {"export_channel_chats",
                                           "SELECT " OPCHAT_CHAT_COLUMNS
                                           " FROM chats WHERE channel_id = $1 AND chat_id > $2"
                                           " AND message_count > 0 ORDER BY chat_id LIMIT $3"};
constexpr Statement kScanChats = {"scan_chats", "SELECT " OPCHAT_CHAT_COLUMNS
                                                " FROM chats WHERE (channel_id, chat_id) > ($1, $2)"
                                                " ORDER BY channel_id, chat_id LIMIT $3"};
constexpr Statement kListChannels = {"list_channels",
                                     "SELECT DISTINCT channel_id FROM chats ORDER BY channel_id"};
// Retention: chats go with their messages in one transaction; SKIP LOCKED leaves a chat that a
// request is writing to for the next round.
constexpr Statement kSelectInactiveChats = {
    "select_inactive_chats",
    "SELECT chat_id FROM chats WHERE channel_id = $1 AND updated_ms < $2"
    " ORDER BY chat_id LIMIT $3 FOR UPDATE SKIP LOCKED"};
constexpr Statement kDeleteChatMessages = {
    "delete_chat_messages",
    "DELETE FROM messages WHERE chat_id = ANY($1::text[]) AND channel_id = $2"};
constexpr Statement kDeleteChats = {
    "delete_chats", "DELETE FROM chats WHERE chat_id = ANY($1::text[]) AND channel_id = $2"};
constexpr Statement kExportMessages = {
    "export_messages", "SELECT " OPCHAT_MESSAGE_COLUMNS
                       " FROM messages WHERE chat_id = $1 AND channel_id = $6"
                       " AND seq > $2 AND ($3::bigint IS NULL OR create_ms >= $3::bigint)"
                       " AND ($4::bigint IS NULL OR create_ms < $4::bigint) ORDER BY seq LIMIT $5"};

// Search: $1 channel, $2 ILIKE pattern, $3 type, $4 since, $5 until; the per-chat statements add
// $6 chat id, then limit and offset follow (the counts: the count limit). The trigram index serves
// ILIKE for keywords of 3+ characters; shorter ones scan the channel's messages. A channel-wide
// search is a multi-shard query on Citus (chats and messages are co-located by chat_id, so the join
// stays on each shard); naming the chat makes it a single-shard query.
#define OPCHAT_SEARCH_HIT_COLUMNS OPCHAT_M_MESSAGE_COLUMNS ", m.chat_id"
#define OPCHAT_SEARCH_WHERE                                                                \
  " FROM chats c JOIN messages m ON m.chat_id = c.chat_id AND m.channel_id = c.channel_id" \
  " WHERE c.channel_id = $1"                                                               \
  " AND m.msg ILIKE $2 ESCAPE '\\' AND ($3::text IS NULL OR m.type = $3::text)"            \
  " AND ($4::bigint IS NULL OR m.create_ms >= $4::bigint)"                                 \
  " AND ($5::bigint IS NULL OR m.create_ms < $5::bigint)"
#define OPCHAT_SEARCH_IN_CHAT " AND c.chat_id = $6 AND m.chat_id = $6"
#define OPCHAT_SEARCH_ORDER " ORDER BY m.create_ms DESC, m.chat_id DESC, m.seq DESC"
// The counts read at most max_total + 1 matches: one more tells that the total is not exact.
constexpr Statement kSearchCount = {
    "search_count", "SELECT COUNT(*) FROM (SELECT 1" OPCHAT_SEARCH_WHERE " LIMIT $6::bigint) AS t"};
constexpr Statement kSearchPage = {
    "search_page", "SELECT " OPCHAT_SEARCH_HIT_COLUMNS OPCHAT_SEARCH_WHERE OPCHAT_SEARCH_ORDER
                   " LIMIT $6::bigint OFFSET $7::bigint"};
constexpr Statement kSearchChatCount = {
    "search_chat_count", "SELECT COUNT(*) FROM (SELECT 1" OPCHAT_SEARCH_WHERE OPCHAT_SEARCH_IN_CHAT
                         " LIMIT $7::bigint) AS t"};
constexpr Statement kSearchChatPage = {"search_chat_page",
                                       "SELECT " OPCHAT_SEARCH_HIT_COLUMNS OPCHAT_SEARCH_WHERE
                                           OPCHAT_SEARCH_IN_CHAT OPCHAT_SEARCH_ORDER
                                       " LIMIT $7::bigint OFFSET $8::bigint"};

constexpr Statement kInsertClient = {
    "insert_client",
    "INSERT INTO clients (client_id, name, secret, enabled, created_ms, previous_secret)"
    " VALUES ($1, $2, $3, $4, $5, NULLIF($6, '')) ON CONFLICT (client_id) DO NOTHING"};
constexpr Statement kInsertClientChannels = {
    "insert_client_channels",
    "INSERT INTO client_channels (client_id, channel_id) SELECT $1::text, unnest($2::text[])"
    " ON CONFLICT DO NOTHING"};
constexpr Statement kBumpClientsRevision = {
    "bump_clients_revision",
    "UPDATE counters SET value = value + 1 WHERE name = 'clients_revision'"};
constexpr Statement kListClients = {
    "list_clients",
    "SELECT c.client_id, c.name, c.secret, c.enabled, c.created_ms, ch.channel_id,"
    " COALESCE(c.previous_secret, '')"
    " FROM clients c LEFT JOIN client_channels ch ON ch.client_id = c.client_id"
    " ORDER BY c.created_ms, c.client_id, ch.channel_id"};
constexpr Statement kSetClientEnabled = {"set_client_enabled",
                                         "UPDATE clients SET enabled = $2 WHERE client_id = $1"};
constexpr Statement kRotateClientSecret = {
    "rotate_client_secret",
    "UPDATE clients SET previous_secret = secret, secret = $2 WHERE client_id = $1"};
constexpr Statement kFinishClientRotation = {
    "finish_client_rotation", "UPDATE clients SET previous_secret = NULL WHERE client_id = $1"};
constexpr Statement kClientsRevision = {
    "clients_revision", "SELECT value FROM counters WHERE name = 'clients_revision'"};
constexpr Statement kPing = {"ping", "SELECT 1"};

// --- rows ---

Chat ReadChat(const PgResult& r, int row) { return opchat::ReadChat(PgRow(r, row)); }
Message ReadMessage(const PgResult& r, int row) { return opchat::ReadMessage(PgRow(r, row)); }

// Appends a row's values to a parameter list.
class ParamWriter final : public RowWriter {
 public:
  explicit ParamWriter(std::vector<Param>& out) : out_(out) {}
  void Add(int64_t v) override { out_.push_back(ParamOf(v)); }
  void Add(const std::string& v) override { out_.push_back(ParamOf(v)); }
  void Add(const std::optional<std::string>& v) override { out_.push_back(ParamOf(v)); }
  void Add(const std::optional<int64_t>& v) override { out_.push_back(ParamOf(v)); }
  void Add(const std::optional<double>& v) override { out_.push_back(ParamOf(v)); }

 private:
  std::vector<Param>& out_;
};

Param StatusParam(ChatStatus s) { return ParamOf(int64_t{static_cast<int>(s)}); }

// The parameters of kInsertChat.
std::vector<Param> ChatParams(const Chat& c) {
  std::vector<Param> out;
  out.reserve(kNewChatValueCount);
  ParamWriter values(out);
  WriteNewChat(values, c);
  return out;
}

// A message row as kInsertMessages takes it: the chat id, the channel, then
// OPCHAT_MESSAGE_COLUMNS.
std::vector<Param> MessageParams(std::string_view chat_id, std::string_view channel,
                                 const Message& m, int64_t seq) {
  std::vector<Param> out;
  out.reserve(2 + kMessageColumnCount);
  out.push_back(ParamOf(chat_id));
  out.push_back(ParamOf(channel));
  ParamWriter values(out);
  WriteMessage(values, m, seq);
  return out;
}

// Column-wise arrays of rows: AddRow appends one row's values, Params returns one array each.
class ColumnArrays {
 public:
  explicit ColumnArrays(size_t columns) : columns_(columns) {}
  void AddRow(const std::vector<Param>& row) {
    for (size_t i = 0; i < columns_.size(); ++i) columns_[i].Add(row[i]);
  }
  std::vector<Param> Params() {
    std::vector<Param> out;
    for (auto& c : columns_) out.push_back(c.Done());
    return out;
  }

 private:
  std::vector<ArrayBuilder> columns_;
};

// A chat as CreateChat and Import store it: a new chat has no messages.
Chat AsCreated(const Chat& chat) {
  Chat c = chat;
  c.message_count = 0;
  c.last_message_ms.reset();
  return c;
}

// Records `events`, all of `channel`, at the channel's next ids (kRecordEvents). Must be the
// last statement of its transaction but for COMMIT: it takes the channel's head row lock.
Status RecordEvents(PgConn& c, std::string_view channel, std::span<const NewEvent> events,
                    int64_t time_ms) {
  if (events.empty()) return Status::Ok();
  ColumnArrays values(kEventValueCount);
  std::vector<Param> row;
  for (const NewEvent& e : events) {
    row.clear();
    ParamWriter writer(row);
    WriteEvent(writer, e);
    values.AddRow(row);
  }
  std::vector<Param> params = {ParamOf(channel), ParamOf(static_cast<int64_t>(events.size())),
                               ParamOf(time_ms)};
  for (Param& p : values.Params()) params.push_back(std::move(p));
  return StatusOf(c.Exec(kRecordEvents, params));
}

Status RecordEvent(PgConn& c, const NewEvent& event, int64_t time_ms) {
  return RecordEvents(c, event.chat->channel, std::span<const NewEvent>(&event, 1), time_ms);
}

// Records the events of an import or a batch of sends: one kRecordEvents per channel, channels
// in byte order so that two writers sharing channels take their head locks in the same order
// (no deadlock). Each channel's events keep their order (chat.created before the chat's
// messages, which are in position order).
Status RecordEventsByChannel(PgConn& c, std::vector<NewEvent>& events, int64_t time_ms) {
  std::stable_sort(events.begin(), events.end(), [](const NewEvent& a, const NewEvent& b) {
    return a.chat->channel < b.chat->channel;
  });
  const std::span<const NewEvent> all(events);
  size_t begin = 0;
  while (begin < all.size()) {
    const std::string& channel = all[begin].chat->channel;
    size_t end = begin + 1;
    while (end < all.size() && all[end].chat->channel == channel) ++end;
    RETURN_IF_ERROR(RecordEvents(c, channel, all.subspan(begin, end - begin), time_ms));
    begin = end;
  }
  return Status::Ok();
}

// The chat, locked until the transaction ends: every writer of one chat, in this process or
// another, queues here.
Result<Chat> LockChat(PgConn& c, std::string_view channel, std::string_view chat_id) {
  ASSIGN_OR_RETURN(PgResult locked, c.Exec(kLockChat, {ParamOf(chat_id), ParamOf(channel)}));
  if (locked.Rows() == 0) return store_rules::ChatNotFound();
  return ReadChat(locked, 0);
}

// A chat (channel, id) as one hashable key; ids never hold NUL (Exec rejects it).
std::string ChatKey(std::string_view channel, std::string_view chat_id) {
  std::string key(channel);
  key += '\0';
  key += chat_id;
  return key;
}

// A (chat, user_message_id) triple as one hashable key.
std::string MessageKey(std::string_view channel, std::string_view chat_id,
                       std::string_view user_message_id) {
  std::string key = ChatKey(channel, chat_id);
  key += '\0';
  key += user_message_id;
  return key;
}

// The most sends one transaction takes: bounds its statements' arrays and how long a batch
// keeps its chats locked.
constexpr size_t kMaxAppendBatch = 256;

// A batch of sends in the caller's transaction: each decided by store_rules::AppendMessage as
// if alone, in submission order (a userMessageId sent twice in one batch is a duplicate the
// second time), and written by statements over arrays: one locks the batch's chats, one finds
// its stored userMessageIds, one inserts its messages, one updates its chats, and one per
// channel records its events, whatever the batch's size. Sets each send's status and outcome;
// returns a storage failure, which fails the whole batch.
Status AppendBatch(PgConn& c, std::span<PendingAppend* const> batch) {
  std::unordered_set<std::string> chat_keys;
  ColumnArrays lock_keys(2);
  ColumnArrays id_keys(3);
  for (const PendingAppend* p : batch) {
    const MessageSend& send = p->send;
    if (chat_keys.insert(ChatKey(send.channel, send.chat_id)).second) {
      lock_keys.AddRow({ParamOf(send.chat_id), ParamOf(send.channel)});
    }
    id_keys.AddRow(
        {ParamOf(send.chat_id), ParamOf(send.channel), ParamOf(send.message.user_message_id)});
  }
  std::unordered_map<std::string, Chat> locked;  // as this batch leaves them
  ASSIGN_OR_RETURN(PgResult chats, c.Exec(kLockSendChats, lock_keys.Params()));
  for (int i = 0; i < chats.Rows(); ++i) {
    Chat chat = ReadChat(chats, i);
    std::string key = ChatKey(chat.channel, chat.id);
    locked.emplace(std::move(key), std::move(chat));
  }
  std::unordered_map<std::string, Message> stored;  // by MessageKey; this batch's too
  ASSIGN_OR_RETURN(PgResult found, c.Exec(kFindSent, id_keys.Params()));
  for (int i = 0; i < found.Rows(); ++i) {
    Message m = opchat::ReadMessage(PgRow(found, i, 2));
    std::string key = MessageKey(found.Text(i, 1), found.Text(i, 0), m.user_message_id);
    stored.emplace(std::move(key), std::move(m));
  }

  const int64_t now_ms = NowMillis();
  ColumnArrays rows(2 + kMessageColumnCount);
  std::unordered_set<std::string> touched;
  std::deque<Chat> event_chats;  // what `events` point at
  std::vector<NewEvent> events;
  for (PendingAppend* p : batch) {
    MessageSend& send = p->send;
    const std::string chat_key = ChatKey(send.channel, send.chat_id);
    store_rules::AppendSteps steps;
    steps.lock_chat = [&]() -> Result<Chat> {
      auto it = locked.find(chat_key);
      if (it == locked.end()) return store_rules::ChatNotFound();
      return it->second;
    };
    steps.find = [&](const std::string& user_message_id) -> Result<std::optional<Message>> {
      auto it = stored.find(MessageKey(send.channel, send.chat_id, user_message_id));
      if (it == stored.end()) return std::optional<Message>();
      return std::optional<Message>(it->second);
    };
    steps.insert = [&](const Message& m, int64_t seq) -> Status {
      rows.AddRow(MessageParams(send.chat_id, send.channel, m, seq));
      Chat& chat = locked.at(chat_key);
      chat.message_count = seq;
      chat.last_message_ms = std::max(chat.last_message_ms.value_or(0), m.create_ms);
      touched.insert(chat_key);
      Message& kept = stored[MessageKey(send.channel, send.chat_id, m.user_message_id)] = m;
      kept.seq = seq;
      event_chats.push_back(Chat{.id = chat.id, .channel = chat.channel});
      events.push_back({EventType::kMessageCreated, &event_chats.back(), seq});
      return Status::Ok();
    };
    Result<AppendOutcome> outcome =
        store_rules::AppendMessage(steps, std::move(send.message), send.address);
    if (outcome.ok()) {
      p->outcome = std::move(*outcome);
    } else {
      p->status = outcome.status();
    }
  }
  if (events.empty()) return Status::Ok();  // every send refused or a duplicate: nothing to write

  RETURN_IF_ERROR(c.Exec(kInsertMessages, rows.Params()));
  ColumnArrays updates(4);
  for (const std::string& key : touched) {
    const Chat& chat = locked.at(key);
    updates.AddRow({ParamOf(chat.id), ParamOf(chat.channel), ParamOf(chat.message_count),
                    ParamOf(chat.last_message_ms.value_or(0))});
  }
  std::vector<Param> params = updates.Params();
  params.push_back(ParamOf(now_ms));
  RETURN_IF_ERROR(c.Exec(kSendTouch, params));
  return RecordEventsByChannel(c, events, now_ms);
}

}  // namespace

// --- pool ---

PgStore::Lease::~Lease() {
  if (conn_) store_->Release(std::move(conn_));
}

Result<std::unique_ptr<Store>> PgStore::Open(const std::string& url, const StoreOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<PgConn> conn, PgConn::Connect(url));
  RETURN_IF_ERROR(MigratePostgres(*conn));
  int pool_size = std::max(1, options.pool_size);
  return std::unique_ptr<Store>(new PgStore(url, pool_size, std::move(conn)));
}

PgStore::PgStore(std::string url, int pool_size, std::unique_ptr<PgConn> first)
    : url_(std::move(url)),
      pool_size_(pool_size),
      webhooks_([this](const std::function<Status(PgConn&)>& use) -> Status {
        ASSIGN_OR_RETURN(Lease conn, Acquire());
        return use(*conn);
      }),
      operators_([this](const std::function<Status(PgConn&)>& use) -> Status {
        ASSIGN_OR_RETURN(Lease conn, Acquire());
        return use(*conn);
      }),
      appends_([this](std::span<PendingAppend* const> batch) { RunAppends(batch); },
               kMaxAppendBatch),
      page_visits_([this](std::span<PageVisit* const> batch) { RunPageVisits(batch); },
                   kMaxPageBatch, kPageVisitThreads) {
  idle_.push_back(std::move(first));
  open_ = 1;
}

Result<PgStore::Lease> PgStore::Acquire() {
  std::unique_ptr<PgConn> conn;
  {
    MutexLock lock(mu_);
    while (idle_.empty() && open_ >= pool_size_) slot_free_.Wait(mu_);
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;
    }
  }
  if (conn && conn->Reusable()) return Lease(*this, std::move(conn));
  // Either a new slot or a connection lost while idle, whose slot the new one takes over.
  if (conn) backoff_.Lost();
  conn.reset();
  Status refused = backoff_.Begin(ConnectBackoff::Clock::now());
  if (refused.ok()) {
    auto fresh = PgConn::Connect(url_);
    if (fresh.ok()) {
      backoff_.Succeeded();
      return Lease(*this, std::move(*fresh));
    }
    backoff_.Failed(ConnectBackoff::Clock::now());
    refused = fresh.status();
  }
  {
    MutexLock lock(mu_);
    --open_;
  }
  slot_free_.Signal();
  return refused;
}

void PgStore::Release(std::unique_ptr<PgConn> conn) {
  if (!conn->Reusable()) {
    if (conn->Lost()) backoff_.Lost();
    conn.reset();  // closed outside the lock
  }
  {
    MutexLock lock(mu_);
    if (conn) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
  }
  slot_free_.Signal();
}

WebhookStore& PgStore::webhooks() { return webhooks_; }
OperatorStore& PgStore::operators() { return operators_; }

// --- chats ---

Result<Chat> PgStore::GetChat(std::string_view channel, std::string_view chat_id) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(PgResult r, conn->Exec(kGetChat, {ParamOf(chat_id), ParamOf(channel)}));
  if (r.Rows() == 0) return store_rules::ChatNotFound();
  return ReadChat(r, 0);
}

Result<Chat> PgStore::CreateChat(const Chat& chat) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  std::vector<Param> params = ChatParams(chat);
  params.push_back(ParamOf(NowMillis()));
  ASSIGN_OR_RETURN(PgResult r, conn->Exec(kInsertChat, params));
  if (r.AffectedRows() == 0) return store_rules::ChatExists(chat.id);
  return chat;
}

Result<Chat> PgStore::TransitionChat(std::string_view channel, std::string_view chat_id,
                                     std::span<const ChatStatus> from, ChatStatus to,
                                     const std::optional<std::string>& operator_id,
                                     int64_t now_ms) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  PgConn& c = *conn;
  store_rules::TransitionSteps steps;
  steps.lock_chat = [&] { return LockChat(c, channel, chat_id); };
  steps.write = [&](const Chat& current) -> Result<Chat> {
    ASSIGN_OR_RETURN(PgResult updated,
                     c.Exec(kTransitionChat, {ParamOf(chat_id), ParamOf(channel), StatusParam(to),
                                              ParamOf(operator_id), ParamOf(now_ms)}));
    Chat after = ReadChat(updated, 0);
    RETURN_IF_ERROR(
        RecordEvent(c, {EventType::kChatStatusChanged, &after, 0, current.status}, now_ms));
    return after;
  };
  Chat result;
  Status s = c.Transact([&]() -> Status {
    ASSIGN_OR_RETURN(result, store_rules::TransitionChat(steps, from, to));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return result;
}

Result<ChatList> PgStore::ListChats(const ChatFilter& f) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  std::vector<Param> params = {
      ParamOf(f.channel),     f.status ? StatusParam(*f.status) : std::nullopt,
      ParamOf(f.operator_id), ParamOf(f.user_id),
      ParamOf(f.since_ms),    ParamOf(f.until_ms)};
  ChatList out;
  ASSIGN_OR_RETURN(PgResult count, conn->Exec(kCountChats, params));
  out.total = count.Int(0, 0);
  params.push_back(ParamOf(store_rules::RowLimit(f.limit)));
  params.push_back(ParamOf(store_rules::RowOffset(f.offset)));
  ASSIGN_OR_RETURN(PgResult rows, conn->Exec(kListChats, params));
  out.chats.reserve(static_cast<size_t>(rows.Rows()));
  for (int i = 0; i < rows.Rows(); ++i) out.chats.push_back(ReadChat(rows, i));
  return out;
}

// --- messages ---

Result<std::vector<Message>> PgStore::ReadMessages(std::string_view channel,
                                                   std::string_view chat_id, SeqRange range) {
  std::vector<Message> out;
  if (range.empty()) return out;
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(PgResult r, conn->Exec(range.descending ? kReadDescending : kReadAscending,
                                          {ParamOf(chat_id), ParamOf(channel), ParamOf(range.first),
                                           ParamOf(range.last)}));
  out.reserve(static_cast<size_t>(r.Rows()));
  for (int i = 0; i < r.Rows(); ++i) out.push_back(ReadMessage(r, i));
  return out;
}

Status PgStore::VisitChatPage(std::string_view channel, std::string_view chat_id, int64_t offset,
                              int64_t size, bool descending,
                              const std::function<void(const Chat&)>& on_chat,
                              const std::function<void(const MessageView&)>& on_message) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(
      PgResult r, conn->Exec(descending ? kReadChatPageDescending : kReadChatPageAscending,
                             {ParamOf(chat_id), ParamOf(channel), ParamOf(offset), ParamOf(size)}));
  if (r.Rows() == 0) return store_rules::ChatNotFound();
  on_chat(ReadChat(r, 0));
  if (r.IsNull(0, kChatColumnCount)) return Status::Ok();  // no message in the range
  for (int i = 0; i < r.Rows(); ++i) on_message(ReadMessageView(PgRow(r, i, kChatColumnCount)));
  return Status::Ok();
}

void PgStore::VisitChatPageLater(PageVisit visit) {
  // PostgreSQL refuses text holding NUL: such a page would fail its whole batch, so it is read
  // alone, here, and refused alone.
  if (visit.chat_id.find('\0') != std::string::npos ||
      visit.channel.find('\0') != std::string::npos) {
    return Store::VisitChatPageLater(std::move(visit));
  }
  auto refused = page_visits_.Post(std::make_unique<PageVisit>(std::move(visit)));
  if (refused) refused->done(Status::Unavailable("store is closing"));
}

void PgStore::RunPageVisits(std::span<PageVisit* const> batch) {
  if (batch.size() == 1) {  // at low load: the single page's own statement, as simple as it gets
    PageVisit& v = *batch[0];
    v.done(VisitChatPage(v.channel, v.chat_id, v.offset, v.size, v.descending, v.on_chat,
                         v.on_message));
    return;
  }
  auto fail_all = [&](const Status& failure) {
    for (PageVisit* v : batch) v->done(failure);
  };
  ColumnArrays pages(5);
  for (const PageVisit* v : batch) {
    pages.AddRow({ParamOf(v->chat_id), ParamOf(v->channel), ParamOf(v->offset), ParamOf(v->size),
                  ParamOf(v->descending)});
  }
  // The connection goes back to the pool before the answers are written.
  Result<PgResult> read = [&]() -> Result<PgResult> {
    ASSIGN_OR_RETURN(Lease conn, Acquire());
    return conn->Exec(kReadChatPages, pages.Params());
  }();
  if (!read.ok()) return fail_all(read.status());
  const PgResult& r = *read;
  // Each page's rows: the statement leaves their order to the planner (a sort of the whole
  // batch cost the backend more than ordering a page's rows costs here). Keyed by page, then
  // position in the page.
  struct PageRow {
    size_t page;
    int64_t seq;
    int row;
  };
  std::vector<PageRow> rows;
  rows.reserve(static_cast<size_t>(r.Rows()));
  for (int row = 0; row < r.Rows(); ++row) {
    const int64_t index = r.Int(row, kPageIndexColumn);
    if (index < 1 || index > static_cast<int64_t>(batch.size())) {
      return fail_all(Status::Internal("page read: a row of no page"));
    }
    const size_t page = static_cast<size_t>(index - 1);
    const int64_t seq = r.Int(row, kPageMessageColumn);  // 0 when the page is empty
    rows.push_back({page, batch[page]->descending ? -seq : seq, row});
  }
  std::sort(rows.begin(), rows.end(), [](const PageRow& a, const PageRow& b) {
    return a.page != b.page ? a.page < b.page : a.seq < b.seq;
  });
  auto next = rows.begin();
  for (size_t i = 0; i < batch.size(); ++i) {
    PageVisit& v = *batch[i];
    if (next == rows.end() || next->page != i) {  // a missing chat: no row
      v.done(store_rules::ChatNotFound());
      continue;
    }
    v.on_chat(ReadChat(r, next->row));
    for (; next != rows.end() && next->page == i; ++next) {
      if (!r.IsNull(next->row, kPageMessageColumn)) {
        v.on_message(ReadMessageView(PgRow(r, next->row, kPageMessageColumn)));
      }
    }
    v.done(Status::Ok());
  }
}

Result<AppendOutcome> PgStore::AppendMessage(std::string_view channel, std::string_view chat_id,
                                             const Message& message) {
  PendingAppend pending{.send = {.channel = std::string(channel),
                                 .chat_id = std::string(chat_id),
                                 .message = message}};
  if (!appends_.Submit(pending)) return Status::Unavailable("store is closing");
  if (!pending.status.ok()) return pending.status;
  return std::move(pending.outcome);
}

void PgStore::AppendMessageLater(MessageSend send) {
  auto refused =
      appends_.Post(std::make_unique<PendingAppend>(PendingAppend{.send = std::move(send)}));
  if (refused) refused->send.done(Status::Unavailable("store is closing"));
}

void PgStore::RunAppends(std::span<PendingAppend* const> batch) {
  auto fail_accepted = [&](const Status& failure) {
    for (PendingAppend* p : batch) {
      if (p->status.ok()) p->status = failure;  // a refusal stays true: it wrote nothing
    }
  };
  if (Result<Lease> conn = Acquire(); !conn.ok()) {
    fail_accepted(conn.status());
  } else {
    PgConn& c = **conn;
    Status s = c.Transact([&] { return AppendBatch(c, batch); });
    if (!s.ok()) fail_accepted(s);
  }
  // Answered once the transaction has ended, and its connection is back in the pool.
  for (PendingAppend* p : batch) {
    if (!p->send.done) continue;
    if (p->status.ok()) {
      p->send.done(std::move(p->outcome));
    } else {
      p->send.done(p->status);
    }
  }
}

Result<ImportCounts> PgStore::Import(std::span<const ImportRecord> records,
                                     const ImportOptions& options) {
  ImportCounts counts;
  if (records.empty()) return counts;
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  PgConn& c = *conn;

  // The first record of each chat describes the chat, as in the SQLite back end.
  std::unordered_map<std::string, const Chat*> first_of;
  for (const ImportRecord& r : records)
    first_of.try_emplace(ChatKey(r.chat.channel, r.chat.id), &r.chat);
  std::vector<const Chat*> chats;
  for (const auto& [key, chat] : first_of) chats.push_back(chat);
  // Byte order, the order of the "C" collation: concurrent imports that create or lock the
  // same chats do it in the same order, so they queue instead of deadlocking.
  std::sort(chats.begin(), chats.end(),
            [](const Chat* a, const Chat* b) { return store_rules::ChatKeyLess(*a, *b); });
  const std::vector<const ImportRecord*> ordered = store_rules::ChatByChat(records);

  Status s = c.Transact([&]() -> Status {
    counts = {};
    ColumnArrays new_chats(kNewChatValueCount);
    ColumnArrays chat_keys(2);
    for (const Chat* chat : chats) {
      new_chats.AddRow(ChatParams(*chat));
      chat_keys.AddRow({ParamOf(chat->id), ParamOf(chat->channel)});
    }
    ASSIGN_OR_RETURN(PgResult inserted_chats, c.Exec(kImportChats, new_chats.Params()));
    std::vector<NewEvent> events;
    std::deque<Chat> created;  // the chat.created snapshots, which `events` point at
    if (options.events) {
      std::unordered_set<std::string> is_new;
      for (int i = 0; i < inserted_chats.Rows(); ++i) {
        is_new.insert(ChatKey(inserted_chats.Text(i, 0), inserted_chats.Text(i, 1)));
      }
      for (const Chat* chat : chats) {
        if (!is_new.contains(ChatKey(chat->channel, chat->id))) continue;
        created.push_back(AsCreated(*chat));
        events.push_back({EventType::kChatCreated, &created.back()});
      }
    }

    struct Touched {
      int64_t count = 0;
      int64_t last_ms = 0;
    };
    std::unordered_map<std::string, Touched> touched;
    ASSIGN_OR_RETURN(PgResult locked, c.Exec(kLockChats, chat_keys.Params()));
    for (int i = 0; i < locked.Rows(); ++i) {
      touched[ChatKey(locked.Text(i, 1), locked.Text(i, 0))].count = locked.Int(i, 2);
    }
    if (touched.size() != chats.size()) return Status::Internal("import: a chat vanished");

    // Only a chat that holds messages can hold one of these already: an empty chat (new, in a
    // fresh import most of them) is not probed.
    ColumnArrays keys(3);
    size_t probes = 0;
    for (const ImportRecord* record : ordered) {
      const ImportRecord& r = *record;
      if (touched[ChatKey(r.chat.channel, r.chat.id)].count == 0) continue;
      ++probes;
      keys.AddRow(
          {ParamOf(r.chat.id), ParamOf(r.chat.channel), ParamOf(r.message.user_message_id)});
    }
    std::unordered_set<std::string> seen;
    if (probes > 0) {
      ASSIGN_OR_RETURN(PgResult existing, c.Exec(kFindExisting, keys.Params()));
      for (int i = 0; i < existing.Rows(); ++i) {
        seen.insert(MessageKey(existing.Text(i, 1), existing.Text(i, 0), existing.Text(i, 2)));
      }
    }

    CopyRows rows;
    for (const ImportRecord* record : ordered) {
      const ImportRecord& r = *record;
      if (!seen.insert(MessageKey(r.chat.channel, r.chat.id, r.message.user_message_id)).second) {
        ++counts.duplicates;
        continue;
      }
      Touched& t = touched[ChatKey(r.chat.channel, r.chat.id)];
      rows.AddText(r.chat.id);
      rows.AddText(r.chat.channel);
      WriteMessage(rows, r.message, ++t.count);
      rows.EndRow();
      if (options.events) events.push_back({EventType::kMessageCreated, &r.chat, t.count});
      t.last_ms = std::max(t.last_ms, r.message.create_ms);
      ++counts.inserted;
    }
    if (rows.HasNul()) return Status::InvalidArgument("text contains a NUL character");
    if (counts.inserted > 0) RETURN_IF_ERROR(c.CopyIn(kCopyMessages, rows.Data()));

    ColumnArrays updates(4);
    for (const auto& [key, t] : touched) {
      const size_t nul = key.find('\0');
      updates.AddRow({ParamOf(std::string_view(key).substr(nul + 1)),
                      ParamOf(std::string_view(key).substr(0, nul)), ParamOf(t.count),
                      ParamOf(t.last_ms)});
    }
    RETURN_IF_ERROR(c.Exec(kImportTouch, updates.Params()));
    return RecordEventsByChannel(c, events, NowMillis());
  });
  if (!s.ok()) return s;
  return counts;
}

// --- bulk read and search ---

Status PgStore::ForEachMessage(const ExportFilter& f, const MessageVisitor& visit) {
  MessageScanPages pages;
  pages.chat = [&](const std::string& channel, const std::string& chat_id) {
    return GetChat(channel, chat_id);
  };
  pages.chats = [&](const std::string& after_channel,
                    const std::string& after_id) -> Result<std::vector<Chat>> {
    ASSIGN_OR_RETURN(Lease conn, Acquire());
    // With a channel filter, after_channel is that channel (ScanMessages).
    ASSIGN_OR_RETURN(PgResult r, conn->Exec(f.channel ? kExportChannelChats : kExportChats,
                                            {ParamOf(after_channel), ParamOf(after_id),
                                             ParamOf(store_rules::kExportChatPage)}));
    std::vector<Chat> chats;
    for (int i = 0; i < r.Rows(); ++i) chats.push_back(ReadChat(r, i));
    return chats;
  };
  pages.messages = [&](const Chat& chat, int64_t after_seq) -> Result<std::vector<Message>> {
    ASSIGN_OR_RETURN(Lease conn, Acquire());
    ASSIGN_OR_RETURN(
        PgResult r,
        conn->Exec(kExportMessages,
                   {ParamOf(chat.id), ParamOf(after_seq), ParamOf(f.since_ms), ParamOf(f.until_ms),
                    ParamOf(store_rules::kExportMessagePage), ParamOf(chat.channel)}));
    std::vector<Message> messages;
    messages.reserve(static_cast<size_t>(r.Rows()));
    for (int i = 0; i < r.Rows(); ++i) messages.push_back(ReadMessage(r, i));
    return messages;
  };
  pages.message_page_size = store_rules::kExportMessagePage;
  return ScanMessages(f, pages, visit);
}

Result<SearchResult> PgStore::SearchMessages(const SearchQuery& s) {
  if (s.keyword.empty()) return store_rules::EmptySearchKeyword();
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  std::vector<Param> params = {ParamOf(s.channel), ParamOf(LikeContainsPattern(s.keyword)),
                               ParamOf(s.type), ParamOf(s.since_ms), ParamOf(s.until_ms)};
  if (s.chat_id) params.push_back(ParamOf(*s.chat_id));
  SearchResult out;
  std::vector<Param> count_params = params;
  count_params.push_back(ParamOf(store_rules::SearchCountLimit(s)));
  ASSIGN_OR_RETURN(PgResult count,
                   conn->Exec(s.chat_id ? kSearchChatCount : kSearchCount, count_params));
  store_rules::SetSearchTotal(s, count.Int(0, 0), out);
  params.push_back(ParamOf(store_rules::RowLimit(s.limit)));
  params.push_back(ParamOf(store_rules::RowOffset(s.offset)));
  ASSIGN_OR_RETURN(PgResult rows, conn->Exec(s.chat_id ? kSearchChatPage : kSearchPage, params));
  out.hits.reserve(static_cast<size_t>(rows.Rows()));
  for (int i = 0; i < rows.Rows(); ++i) {
    out.hits.push_back({rows.String(i, kMessageColumnCount), ReadMessage(rows, i)});
  }
  return out;
}

// --- clients ---

// The pg_trgm index is an ordinary index, kept up to date by PostgreSQL with each write.
Result<int64_t> PgStore::CatchUpSearchIndex(int64_t /*limit*/) { return int64_t{0}; }

Result<std::vector<Chat>> PgStore::ScanChats(std::string_view after_channel,
                                             std::string_view after_chat_id, int64_t limit) {
  assert(limit > 0 && "REQUIRES: limit > 0 (store.hpp)");
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(PgResult r, conn->Exec(kScanChats, {ParamOf(after_channel),
                                                       ParamOf(after_chat_id), ParamOf(limit)}));
  std::vector<Chat> out;
  for (int i = 0; i < r.Rows(); ++i) out.push_back(ReadChat(r, i));
  return out;
}

Result<std::vector<std::string>> PgStore::ListChannels() {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(PgResult r, conn->Exec(kListChannels, {}));
  std::vector<std::string> out;
  for (int i = 0; i < r.Rows(); ++i) out.push_back(r.String(i, 0));
  return out;
}

Result<int64_t> PgStore::DeleteInactiveChats(std::string_view channel, int64_t before_ms,
                                             int64_t limit) {
  assert(limit > 0 && "REQUIRES: limit > 0 (store.hpp)");
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  PgConn& c = *conn;
  int64_t deleted = 0;
  Status s = c.Transact([&]() -> Status {
    ASSIGN_OR_RETURN(
        PgResult doomed,
        c.Exec(kSelectInactiveChats, {ParamOf(channel), ParamOf(before_ms), ParamOf(limit)}));
    deleted = doomed.Rows();
    if (deleted == 0) return Status::Ok();
    ArrayBuilder ids;
    for (int i = 0; i < doomed.Rows(); ++i) ids.Add(ParamOf(doomed.String(i, 0)));
    auto ids_param = ids.Done();
    RETURN_IF_ERROR(c.Exec(kDeleteChatMessages, {ids_param, ParamOf(channel)}));
    return StatusOf(c.Exec(kDeleteChats, {ids_param, ParamOf(channel)}));
  });
  if (!s.ok()) return s;
  return deleted;
}

// --- events ---

Result<EventPage> PgStore::ReadEvents(const EventQuery& query) {
  assert(query.limit > 0 && "REQUIRES: limit > 0 (store.hpp)");
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(
      PgResult r,
      conn->Exec(kReadEvents,
                 {ParamOf(query.channel), ParamOf(query.after), ParamOf(query.chat_id),
                  ParamOf(store_rules::EventTypeMask(query.types)), ParamOf(query.limit)}));
  EventPage page;
  if (r.Rows() > 0) page.bounds = {r.Int(0, 0), r.Int(0, 1)};
  for (int i = 0; i < r.Rows(); ++i) {
    if (r.IsNull(i, 2)) continue;  // the bounds' row of a page without events
    page.events.push_back(ReadEvent(PgRow(r, i), 2));
  }
  page.next = store_rules::NextEventCursor(query, page.events, page.bounds.head);
  return page;
}

Result<EventBounds> PgStore::GetEventBounds(std::string_view channel) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(PgResult r, conn->Exec(kEventBounds, {ParamOf(channel)}));
  if (r.Rows() == 0) return EventBounds{};
  return EventBounds{r.Int(0, 0), r.Int(0, 1)};
}

Result<int64_t> PgStore::PruneEvents(int64_t before_ms, int64_t limit) {
  assert(limit > 0 && "REQUIRES: limit > 0 (store.hpp)");
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(PgResult r, conn->Exec(kPruneEvents, {ParamOf(before_ms), ParamOf(limit)}));
  return r.Int(0, 0);
}

// A pooled connection in autocommit: the notification goes out at once, outside any write
// transaction (a NOTIFY inside one would be sent only at its COMMIT, and serialise commits).
Status PgStore::AnnounceEvents(std::string_view channel) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  return StatusOf(conn->Exec(kAnnounceEvents, {ParamOf(channel)}));
}

Result<std::unique_ptr<Store::EventListener>> PgStore::ListenForEvents(
    std::function<void(std::string_view channel)> on_events) {
  return PgEventListener::Start(url_, std::move(on_events));
}

Status PgStore::AddClient(const ClientRecord& client) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  PgConn& c = *conn;
  return c.Transact([&]() -> Status {
    ASSIGN_OR_RETURN(
        PgResult r,
        c.Exec(kInsertClient, {ParamOf(client.id), ParamOf(client.name), ParamOf(client.secret),
                               ParamOf(client.enabled), ParamOf(client.created_ms),
                               ParamOf(client.previous_secret)}));
    if (r.AffectedRows() == 0) return store_rules::ClientExists(client.id);
    if (!client.channels.empty()) {
      ArrayBuilder channels;
      for (const auto& ch : client.channels) channels.Add(ParamOf(ch));
      RETURN_IF_ERROR(c.Exec(kInsertClientChannels, {ParamOf(client.id), channels.Done()}));
    }
    return StatusOf(c.Exec(kBumpClientsRevision, {}));
  });
}

Result<std::vector<ClientRecord>> PgStore::ListClients() {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(PgResult r, conn->Exec(kListClients, {}));
  // One row per (client, channel), clients in order: a client's rows are adjacent.
  std::vector<ClientRecord> out;
  for (int i = 0; i < r.Rows(); ++i) {
    if (out.empty() || out.back().id != r.Text(i, 0)) {
      out.push_back({r.String(i, 0),
                     r.String(i, 1),
                     r.String(i, 2),
                     r.Bool(i, 3),
                     {},
                     r.Int(i, 4),
                     r.String(i, 6)});
    }
    if (!r.IsNull(i, 5)) out.back().channels.push_back(r.String(i, 5));
  }
  return out;
}

Status PgStore::SetClientEnabled(std::string_view client_id, bool enabled) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  PgConn& c = *conn;
  return c.Transact([&]() -> Status {
    ASSIGN_OR_RETURN(PgResult r, c.Exec(kSetClientEnabled, {ParamOf(client_id), ParamOf(enabled)}));
    if (r.AffectedRows() == 0) return store_rules::ClientNotFound(client_id);
    return StatusOf(c.Exec(kBumpClientsRevision, {}));
  });
}

Status PgStore::RotateClientSecret(std::string_view client_id,
                                   const std::optional<std::string>& new_secret) {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  PgConn& c = *conn;
  return c.Transact([&]() -> Status {
    auto r = new_secret ? c.Exec(kRotateClientSecret, {ParamOf(client_id), ParamOf(*new_secret)})
                        : c.Exec(kFinishClientRotation, {ParamOf(client_id)});
    if (!r.ok()) return r.status();
    if (r->AffectedRows() == 0) return store_rules::ClientNotFound(client_id);
    return StatusOf(c.Exec(kBumpClientsRevision, {}));
  });
}

Result<int64_t> PgStore::ClientsRevision() {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  ASSIGN_OR_RETURN(PgResult r, conn->Exec(kClientsRevision, {}));
  if (r.Rows() == 0) return Status::Internal("clients_revision counter missing");
  return r.Int(0, 0);
}

Status PgStore::Ping() {
  ASSIGN_OR_RETURN(Lease conn, Acquire());
  return StatusOf(conn->Exec(kPing, {}));
}

}  // namespace opchat::postgres
