// Versioned schema of the SQLite back end. A migration is never edited once released: add a
// new one. Every hot query is keyed by the chat, (channel_id, chat_id) since migration 6, and
// a chat's messages are clustered by (chat_no, seq) so a page is one index range (migration 5
// says why a number, not the id).
#include <sqlite3.h>

#include "storage/sqlite/sqlite_store.hpp"

namespace opchat::sqlite {
namespace {

struct Migration {
  int version;
  const char* sql;
};

constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE clients (
  client_id  TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  secret     TEXT NOT NULL,
  enabled    INTEGER NOT NULL DEFAULT 1,
  created_ms INTEGER NOT NULL
);
CREATE TABLE client_channels (
  client_id  TEXT NOT NULL REFERENCES clients(client_id),
  channel_id TEXT NOT NULL,
  PRIMARY KEY (client_id, channel_id)
) WITHOUT ROWID;
CREATE TABLE counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters VALUES ('clients_revision', 0);
CREATE TABLE chats (
  chat_id         TEXT PRIMARY KEY,
  channel_id      TEXT NOT NULL,
  user_id         TEXT NOT NULL,
  operator_id     TEXT,
  status          INTEGER NOT NULL,
  ext             TEXT NOT NULL DEFAULT '{}',
  message_count   INTEGER NOT NULL DEFAULT 0,
  created_ms      INTEGER NOT NULL,
  updated_ms      INTEGER NOT NULL,
  last_message_ms INTEGER
) WITHOUT ROWID;
CREATE INDEX chats_by_channel_activity ON chats (channel_id, updated_ms DESC);
CREATE TABLE messages (
  chat_id         TEXT NOT NULL,
  seq             INTEGER NOT NULL,
  user_message_id TEXT NOT NULL,
  from_id         TEXT NOT NULL,
  to_id           TEXT NOT NULL,
  type            TEXT NOT NULL,
  msg             TEXT,
  url             TEXT,
  object_key      TEXT,
  filename        TEXT,
  thumb           TEXT,
  secret          TEXT,
  thumb_secret    TEXT,
  length          INTEGER,
  file_length     INTEGER,
  addr            TEXT,
  lat             REAL,
  lng             REAL,
  create_ms       INTEGER NOT NULL,
  ext             TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (chat_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX messages_by_user_message_id ON messages (chat_id, user_message_id);
)sql"},
    // Message search. FTS5 needs an integer rowid and messages has none (WITHOUT ROWID), so
    // messages_fts_rowid gives each message with text one. The index is contentless (the text
    // stays only in messages); its 'delete' command therefore needs the old text, which the
    // triggers have. The trigram tokenizer matches any substring of 3+ characters, Chinese
    // included; shorter keywords are found by a LIKE scan instead (see SearchMessages).
    // New messages are indexed by the store, not by trigger (migration 4 says how); deletes
    // and updates of msg by triggers.
    {2, R"sql(
CREATE TABLE messages_fts_rowid (
  id      INTEGER PRIMARY KEY,
  chat_id TEXT NOT NULL,
  seq     INTEGER NOT NULL,
  UNIQUE (chat_id, seq)
);
CREATE VIRTUAL TABLE messages_fts USING fts5 (msg, content = '', tokenize = 'trigram');
INSERT INTO messages_fts_rowid (chat_id, seq)
  SELECT chat_id, seq FROM messages WHERE msg IS NOT NULL ORDER BY chat_id, seq;
INSERT INTO messages_fts (rowid, msg)
  SELECT r.id, m.msg FROM messages_fts_rowid r
    JOIN messages m ON m.chat_id = r.chat_id AND m.seq = r.seq;
CREATE TRIGGER messages_fts_after_delete AFTER DELETE ON messages WHEN old.msg IS NOT NULL BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, msg)
    SELECT 'delete', id, old.msg FROM messages_fts_rowid
     WHERE chat_id = old.chat_id AND seq = old.seq;
  DELETE FROM messages_fts_rowid WHERE chat_id = old.chat_id AND seq = old.seq;
END;
CREATE TRIGGER messages_fts_after_update AFTER UPDATE OF msg ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, msg)
    SELECT 'delete', id, old.msg FROM messages_fts_rowid
     WHERE chat_id = old.chat_id AND seq = old.seq AND old.msg IS NOT NULL;
  DELETE FROM messages_fts_rowid WHERE chat_id = old.chat_id AND seq = old.seq;
  INSERT INTO messages_fts_rowid (chat_id, seq)
    SELECT new.chat_id, new.seq WHERE new.msg IS NOT NULL;
  INSERT INTO messages_fts (rowid, msg)
    SELECT last_insert_rowid(), new.msg WHERE new.msg IS NOT NULL;
END;
)sql"},
    // Secret rotation: the secret being replaced stays valid until the rotation is finished.
    {3, R"sql(
ALTER TABLE clients ADD COLUMN previous_secret TEXT;
)sql"},
    // Deferred search indexing. A write only gives a message with text its search rowid; the
    // trigrams are added later, in bulk, by CatchUpSearchIndex, which indexes the rowids above
    // the watermark counters.search_indexed_upto in order and moves it. Searches scan the rows
    // above the watermark, so they stay exact while the index catches up. Rowids must never
    // be reused below the watermark (a reused id would be taken for indexed): hence
    // AUTOINCREMENT, which needs the table rebuilt. A 'delete' of a contentless FTS5 row that
    // was never indexed would corrupt the index, so the triggers only delete indexed rows.
    // (Development builds of migration 2 had an insert trigger: dropped too if present.)
    {4, R"sql(
DROP TRIGGER IF EXISTS messages_fts_after_insert;
DROP TRIGGER IF EXISTS messages_fts_after_delete;
DROP TRIGGER IF EXISTS messages_fts_after_update;
CREATE TABLE messages_fts_rowid_v4 (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  chat_id TEXT NOT NULL,
  seq     INTEGER NOT NULL,
  UNIQUE (chat_id, seq)
);
INSERT INTO messages_fts_rowid_v4 (id, chat_id, seq) SELECT id, chat_id, seq FROM messages_fts_rowid;
DROP TABLE messages_fts_rowid;
ALTER TABLE messages_fts_rowid_v4 RENAME TO messages_fts_rowid;
INSERT INTO counters VALUES ('search_indexed_upto', (SELECT COALESCE(MAX(id), 0) FROM messages_fts_rowid));
CREATE TRIGGER messages_fts_after_delete AFTER DELETE ON messages WHEN old.msg IS NOT NULL BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, msg)
    SELECT 'delete', id, old.msg FROM messages_fts_rowid
     WHERE chat_id = old.chat_id AND seq = old.seq
       AND id <= (SELECT value FROM counters WHERE name = 'search_indexed_upto');
  DELETE FROM messages_fts_rowid WHERE chat_id = old.chat_id AND seq = old.seq;
END;
CREATE TRIGGER messages_fts_after_update AFTER UPDATE OF msg ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, msg)
    SELECT 'delete', id, old.msg FROM messages_fts_rowid
     WHERE chat_id = old.chat_id AND seq = old.seq AND old.msg IS NOT NULL
       AND id <= (SELECT value FROM counters WHERE name = 'search_indexed_upto');
  DELETE FROM messages_fts_rowid WHERE chat_id = old.chat_id AND seq = old.seq;
  INSERT INTO messages_fts_rowid (chat_id, seq) SELECT new.chat_id, new.seq WHERE new.msg IS NOT NULL;
END;
)sql"},
    // Chat numbers. Messages were keyed by (chat_id, seq), chat ids being long random text, so
    // the chats active at any moment were spread over the whole table: every batch of an
    // import, and every send, dirtied pages all over it (1M messages in time order: 62,000
    // msg/s; the same file with ids in creation order: 114,000). A chat now also has a number,
    // given in order of creation, and messages are keyed by (chat_no, seq): the active chats
    // share the table's last pages.
    //
    // The search index no longer costs a write anything (the table that gave each message its
    // FTS rowid cost a quarter of an import's time). Per chat, chats.search_seq says how far
    // the index holds its messages (positions are dense, 1 to message_count); a partial index
    // finds the chats behind. The catch-up indexes a run of a chat's messages at a time and
    // gives the run consecutive rowids, recorded as one search_extents row: rowid base is the
    // message first_seq, base + 1 the next, up to last_seq. (Rowids made from the position,
    // (chat_no << 32) | seq, needed no table at all, but their gaps made the index 1.8 times
    // larger and its build 1.6 times slower.) Triggers keep the index right for deletes and
    // updates of indexed messages; a chat's extents go with the chat.
    {5, R"sql(
DROP TRIGGER IF EXISTS messages_fts_after_delete;
DROP TRIGGER IF EXISTS messages_fts_after_update;
ALTER TABLE chats ADD COLUMN chat_no INTEGER;
UPDATE chats SET chat_no = k.n
  FROM (SELECT chat_id, row_number() OVER (ORDER BY created_ms, chat_id) AS n FROM chats) AS k
 WHERE k.chat_id = chats.chat_id;
CREATE UNIQUE INDEX chats_by_no ON chats (chat_no);
CREATE TABLE messages_v5 (
  chat_no         INTEGER NOT NULL,
  seq             INTEGER NOT NULL,  -- < 2^32 (the store checks)
  user_message_id TEXT NOT NULL,
  from_id         TEXT NOT NULL,
  to_id           TEXT NOT NULL,
  type            TEXT NOT NULL,
  msg             TEXT,
  url             TEXT,
  object_key      TEXT,
  filename        TEXT,
  thumb           TEXT,
  secret          TEXT,
  thumb_secret    TEXT,
  length          INTEGER,
  file_length     INTEGER,
  addr            TEXT,
  lat             REAL,
  lng             REAL,
  create_ms       INTEGER NOT NULL,
  ext             TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (chat_no, seq)
) WITHOUT ROWID;
INSERT INTO messages_v5
  SELECT c.chat_no, m.seq, m.user_message_id, m.from_id, m.to_id, m.type, m.msg, m.url,
         m.object_key, m.filename, m.thumb, m.secret, m.thumb_secret, m.length, m.file_length,
         m.addr, m.lat, m.lng, m.create_ms, m.ext
    FROM messages m JOIN chats c ON c.chat_id = m.chat_id ORDER BY c.chat_no, m.seq;
DROP TABLE messages;
ALTER TABLE messages_v5 RENAME TO messages;
CREATE UNIQUE INDEX messages_by_user_message_id ON messages (chat_no, user_message_id);
DROP TABLE messages_fts;
DROP TABLE messages_fts_rowid;
DELETE FROM sqlite_sequence WHERE name = 'messages_fts_rowid';
DELETE FROM counters WHERE name = 'search_indexed_upto';
CREATE VIRTUAL TABLE messages_fts USING fts5 (msg, content = '', tokenize = 'trigram');
ALTER TABLE chats ADD COLUMN search_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX chats_behind_search ON chats (chat_no) WHERE search_seq < message_count;
CREATE TABLE search_extents (
  base      INTEGER PRIMARY KEY,
  chat_no   INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq  INTEGER NOT NULL
);
CREATE INDEX search_extents_by_chat ON search_extents (chat_no, first_seq);
INSERT INTO counters VALUES ('search_next_rowid', 1);
CREATE TRIGGER messages_search_after_delete AFTER DELETE ON messages WHEN old.msg IS NOT NULL BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, msg)
    SELECT 'delete', e.base + old.seq - e.first_seq, old.msg FROM search_extents e
     WHERE e.chat_no = old.chat_no AND e.last_seq >= old.seq
       AND e.first_seq = (SELECT MAX(first_seq) FROM search_extents
                           WHERE chat_no = old.chat_no AND first_seq <= old.seq);
END;
CREATE TRIGGER messages_search_after_update AFTER UPDATE OF msg ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, msg)
    SELECT 'delete', e.base + old.seq - e.first_seq, old.msg FROM search_extents e
     WHERE old.msg IS NOT NULL AND e.chat_no = old.chat_no AND e.last_seq >= old.seq
       AND e.first_seq = (SELECT MAX(first_seq) FROM search_extents
                           WHERE chat_no = old.chat_no AND first_seq <= old.seq);
  INSERT INTO messages_fts (rowid, msg)
    SELECT e.base + new.seq - e.first_seq, new.msg FROM search_extents e
     WHERE new.msg IS NOT NULL AND e.chat_no = new.chat_no AND e.last_seq >= new.seq
       AND e.first_seq = (SELECT MAX(first_seq) FROM search_extents
                           WHERE chat_no = new.chat_no AND first_seq <= new.seq);
END;
CREATE TRIGGER chats_search_after_delete AFTER DELETE ON chats BEGIN
  DELETE FROM search_extents WHERE chat_no = old.chat_no;
END;
)sql"},
    // Chat ids per channel (docs/design.md, "Storage model"): a chat is (channel_id, chat_id), so
    // two channels may each have a chat "x". Messages and the search index are keyed by chat_no
    // already and stay as they are; only chats is rebuilt, with the pair as its key (WITHOUT ROWID:
    // a lookup by channel and id is one probe, as it was by id) and chat_no NOT NULL. Dropping the
    // old table drops its indexes and its trigger, made again here.
    {6, R"sql(
CREATE TABLE chats_v6 (
  channel_id      TEXT NOT NULL,
  chat_id         TEXT NOT NULL,
  chat_no         INTEGER NOT NULL,
  user_id         TEXT NOT NULL,
  operator_id     TEXT,
  status          INTEGER NOT NULL,
  ext             TEXT NOT NULL DEFAULT '{}',
  message_count   INTEGER NOT NULL DEFAULT 0,
  search_seq      INTEGER NOT NULL DEFAULT 0,
  created_ms      INTEGER NOT NULL,
  updated_ms      INTEGER NOT NULL,
  last_message_ms INTEGER,
  PRIMARY KEY (channel_id, chat_id)
) WITHOUT ROWID;
INSERT INTO chats_v6 (channel_id, chat_id, chat_no, user_id, operator_id, status, ext,
                      message_count, search_seq, created_ms, updated_ms, last_message_ms)
  SELECT channel_id, chat_id, chat_no, user_id, operator_id, status, ext, message_count,
         search_seq, created_ms, updated_ms, last_message_ms FROM chats ORDER BY channel_id, chat_id;
DROP TABLE chats;
ALTER TABLE chats_v6 RENAME TO chats;
CREATE UNIQUE INDEX chats_by_no ON chats (chat_no);
CREATE INDEX chats_by_channel_activity ON chats (channel_id, updated_ms DESC);
CREATE INDEX chats_behind_search ON chats (chat_no) WHERE search_seq < message_count;
CREATE TRIGGER chats_search_after_delete AFTER DELETE ON chats BEGIN
  DELETE FROM search_extents WHERE chat_no = old.chat_no;
END;
)sql"},
    // Events (docs/design.md, "Events"): each write records its events in its own transaction.
    // An event is keyed by its channel and its position there (1, 2, 3, ... dense: the single
    // writer takes event_heads.head + 1 inside the transaction). A chat event keeps the chat as
    // it was right after the change (the chats columns, NULL for a message event); a
    // message.created keeps only the position, and the reader joins the message. event_heads
    // says where each channel's events stand: its last id, and how far PruneEvents deleted.
    // History written before this migration has no events (head 0).
    {7, R"sql(
CREATE TABLE events (
  channel_id      TEXT NOT NULL,
  id              INTEGER NOT NULL,
  type            INTEGER NOT NULL,
  chat_id         TEXT NOT NULL,
  time_ms         INTEGER NOT NULL,
  seq             INTEGER,
  from_status     INTEGER,
  user_id         TEXT,
  operator_id     TEXT,
  status          INTEGER,
  ext             TEXT,
  message_count   INTEGER,
  created_ms      INTEGER,
  updated_ms      INTEGER,
  last_message_ms INTEGER,
  PRIMARY KEY (channel_id, id)
) WITHOUT ROWID;
CREATE INDEX events_by_time ON events (time_ms);
CREATE TABLE event_heads (
  channel_id     TEXT PRIMARY KEY,
  head           INTEGER NOT NULL,
  pruned_through INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
)sql"},
    // Webhooks (storage/webhook_store.hpp): endpoints, and the outbox of their deliveries. An
    // endpoint's types are an EventTypeMask (storage/chat_rules.hpp; 0 = every type); its cursor
    // is the last event id of its channel that FanOut looked at. A delivery is keyed by endpoint
    // and event; the deliveries of one (endpoint, chat) are a queue in event id order, and the
    // partial index over the pending ones makes a queue's first pending delivery one seek, so
    // claims never read the finished ones. A lease (owner, until) is held by the pending
    // deliveries of a claimed batch; '' / 0 when free. Attempts are numbered per delivery from 1
    // (a replay keeps them and numbers on).
    {8, R"sql(
CREATE TABLE webhook_endpoints (
  id                       TEXT PRIMARY KEY,
  channel_id               TEXT NOT NULL,
  url                      TEXT NOT NULL,
  types                    INTEGER NOT NULL,
  secret                   TEXT NOT NULL,
  previous_secret          TEXT NOT NULL DEFAULT '',
  previous_secret_until_ms INTEGER NOT NULL DEFAULT 0,
  enabled                  INTEGER NOT NULL,
  disabled_reason          TEXT NOT NULL DEFAULT '',
  created_ms               INTEGER NOT NULL,
  cursor                   INTEGER NOT NULL,
  failing_since_ms         INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE webhook_deliveries (
  endpoint_id     TEXT NOT NULL,
  event_id        INTEGER NOT NULL,
  chat_id         TEXT NOT NULL,
  event_type      INTEGER NOT NULL,
  state           INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  lease_owner     TEXT NOT NULL DEFAULT '',
  lease_until_ms  INTEGER NOT NULL DEFAULT 0,
  created_ms      INTEGER NOT NULL,
  PRIMARY KEY (endpoint_id, event_id)
) WITHOUT ROWID;
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, chat_id, event_id)
  WHERE state = 0;
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (created_ms, endpoint_id, event_id)
  WHERE state <> 0;
CREATE TABLE webhook_attempts (
  endpoint_id TEXT NOT NULL,
  event_id    INTEGER NOT NULL,
  attempt_no  INTEGER NOT NULL,
  time_ms     INTEGER NOT NULL,
  http_status INTEGER NOT NULL,
  latency_ms  INTEGER NOT NULL,
  error       TEXT NOT NULL,
  response    TEXT NOT NULL,
  PRIMARY KEY (endpoint_id, event_id, attempt_no)
) WITHOUT ROWID;
)sql"},
    // Console operators and their sessions (storage/operator_store.hpp). A login is unique
    // within its channel; role is "agent" or "supervisor"; password_hash is crypto_pwhash_str's
    // text. A session is keyed by the SHA-256 of its token (hex), never the token; the index by
    // operator serves disable and reset-password, which end all of an operator's sessions.
    {9, R"sql(
CREATE TABLE operators (
  id            TEXT PRIMARY KEY,
  channel_id    TEXT NOT NULL,
  login         TEXT NOT NULL,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  enabled       INTEGER NOT NULL,
  created_ms    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX operators_by_login ON operators (channel_id, login);
CREATE TABLE operator_sessions (
  token_hash   TEXT PRIMARY KEY,
  operator_id  TEXT NOT NULL,
  csrf_token   TEXT NOT NULL,
  created_ms   INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  expires_ms   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX operator_sessions_by_operator ON operator_sessions (operator_id);
)sql"},
};

}  // namespace

Status MigrateSqlite(SqliteDb& db, int up_to) {
  RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status s = db.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
      "applied_ms INTEGER NOT NULL)");
  int current = 0;
  if (s.ok()) {
    auto q = db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (q.Step()) current = static_cast<int>(q.Int(0));
    s = q.status();
  }
  for (const Migration& m : kMigrations) {
    if (!s.ok()) break;
    if (m.version <= current || m.version > up_to) continue;
    s = db.Exec(m.sql);
    if (s.ok()) {
      auto ins = db.Prepare(
          "INSERT INTO schema_migrations VALUES (?, CAST((julianday('now') - 2440587.5) * 86400000 "
          "AS INTEGER))");
      ins.Bind(1, int64_t{m.version});
      s = ins.Run();
    }
  }
  if (!s.ok()) {
    (void)db.Exec("ROLLBACK");
    return s;
  }
  return db.Exec("COMMIT");
}

}  // namespace opchat::sqlite
