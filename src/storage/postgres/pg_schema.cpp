// Versioned schema of the PostgreSQL back end: the logical schema of SQLite's migration 1.
// A migration is never edited once released: add a new one.
//
// Why it looks the way it does:
// - A chat is (channel_id, chat_id): ids are unique per channel (migration 4). messages is keyed
//   by (chat_id, channel_id, seq) and has no foreign key to chats, and every key of both tables
//   includes chat_id, so both can be distributed by chat_id on Citus (co-located) without a
//   query change. chats' key leads with channel_id so that a keyset scan in (channel, id)
//   order (export, migrate) is one index range.
// - Identifier columns use the "C" collation: byte order, like SQLite, so ORDER BY ... chat_id
//   gives the same tie-break on every back end, whatever the database's locale.
// - ext is TEXT, not JSONB: the JSON text comes back byte for byte as it was sent.
// - A message's free-text content (msg, url, key, file names, secrets, addr) is TEXT: the API
//   and the importers refuse NUL in every string, so TEXT (which cannot hold NUL) loses nothing,
//   and TEXT is what a trigram index and ILIKE search work on.
// - Message search (migration 2): a GIN trigram index on msg. pg_trgm is a trusted extension,
//   so the database owner may create it without superuser rights.
#include "storage/postgres/pg_store.hpp"

#include "common/clock.hpp"

namespace opchat::postgres {
namespace {

struct Migration {
  int version;
  const char* sql;
};

constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE clients (
  client_id  TEXT COLLATE "C" PRIMARY KEY,
  name       TEXT NOT NULL,
  secret     TEXT NOT NULL,
  enabled    BOOLEAN NOT NULL DEFAULT TRUE,
  created_ms BIGINT NOT NULL
);
CREATE TABLE client_channels (
  client_id  TEXT COLLATE "C" NOT NULL REFERENCES clients(client_id),
  channel_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (client_id, channel_id)
);
CREATE TABLE counters (
  name  TEXT COLLATE "C" PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO counters VALUES ('clients_revision', 0);
CREATE TABLE chats (
  chat_id         TEXT COLLATE "C" PRIMARY KEY,
  channel_id      TEXT COLLATE "C" NOT NULL,
  user_id         TEXT COLLATE "C" NOT NULL,
  operator_id     TEXT COLLATE "C",
  status          BIGINT NOT NULL,
  ext             TEXT NOT NULL DEFAULT '{}',
  message_count   BIGINT NOT NULL DEFAULT 0,
  created_ms      BIGINT NOT NULL,
  updated_ms      BIGINT NOT NULL,
  last_message_ms BIGINT
);
CREATE INDEX chats_by_channel_activity ON chats (channel_id, updated_ms DESC);
CREATE TABLE messages (
  chat_id         TEXT COLLATE "C" NOT NULL,
  seq             BIGINT NOT NULL,
  user_message_id TEXT COLLATE "C" NOT NULL,
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
  length          BIGINT,
  file_length     BIGINT,
  addr            TEXT,
  lat             DOUBLE PRECISION,
  lng             DOUBLE PRECISION,
  create_ms       BIGINT NOT NULL,
  ext             TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (chat_id, seq),
  CONSTRAINT messages_by_user_message_id UNIQUE (chat_id, user_message_id)
);
)sql"},
    // Trigram matching serves ILIKE '%keyword%' for keywords of 3+ characters. A database whose
    // LC_CTYPE is "C" extracts no trigrams from non-ASCII text, so there Chinese keywords are
    // still found (ILIKE rechecks every row) but without the index's help.
    {2, R"sql(
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX messages_msg_trgm ON messages USING gin (msg gin_trgm_ops);
)sql"},
    // Secret rotation: the secret being replaced stays valid until the rotation is finished.
    {3, R"sql(
ALTER TABLE clients ADD COLUMN previous_secret TEXT;
)sql"},
    // Chat ids per channel (docs/design.md, "Storage model"): a chat is (channel_id, chat_id).
    // messages carries its chat's channel, so its keys name the whole chat and still include
    // chat_id, the Citus distribution column of both tables. The backfill rewrites messages once
    // (one UPDATE over the table; docs/operations.md has the time it takes).
    {4, R"sql(
ALTER TABLE messages ADD COLUMN channel_id TEXT COLLATE "C";
UPDATE messages m SET channel_id = c.channel_id FROM chats c WHERE c.chat_id = m.chat_id;
-- A message of no chat can be read by nothing (every read goes through its chat).
DELETE FROM messages WHERE channel_id IS NULL;
ALTER TABLE messages ALTER COLUMN channel_id SET NOT NULL;
ALTER TABLE messages DROP CONSTRAINT messages_by_user_message_id;
ALTER TABLE messages DROP CONSTRAINT messages_pkey;
ALTER TABLE messages ADD PRIMARY KEY (chat_id, channel_id, seq);
ALTER TABLE messages ADD CONSTRAINT messages_by_user_message_id
  UNIQUE (chat_id, channel_id, user_message_id);
ALTER TABLE chats DROP CONSTRAINT chats_pkey;
ALTER TABLE chats ADD PRIMARY KEY (channel_id, chat_id);
)sql"},
    // Events (docs/design.md, "Events"), as SQLite's migration 7: keyed by channel and position,
    // a chat event with the chat right after the change, a message event with the message's
    // position (the reader joins the message). event_heads holds each channel's last id and how
    // far PruneEvents went; a writer takes its ids by updating its channel's row, so that row's
    // lock orders the channel's writers from then until they commit (ids commit in order).
    // History written before this migration has no events (head 0).
    {5, R"sql(
CREATE TABLE events (
  channel_id      TEXT COLLATE "C" NOT NULL,
  id              BIGINT NOT NULL,
  type            BIGINT NOT NULL,
  chat_id         TEXT COLLATE "C" NOT NULL,
  time_ms         BIGINT NOT NULL,
  seq             BIGINT,
  from_status     BIGINT,
  user_id         TEXT COLLATE "C",
  operator_id     TEXT COLLATE "C",
  status          BIGINT,
  ext             TEXT,
  message_count   BIGINT,
  created_ms      BIGINT,
  updated_ms      BIGINT,
  last_message_ms BIGINT,
  PRIMARY KEY (channel_id, id)
);
CREATE INDEX events_by_time ON events (time_ms);
CREATE TABLE event_heads (
  channel_id     TEXT COLLATE "C" PRIMARY KEY,
  head           BIGINT NOT NULL,
  pruned_through BIGINT NOT NULL DEFAULT 0
);
)sql"},
    // Webhooks (storage/webhook_store.hpp), as SQLite's migration 8 has them: endpoints (types
    // an EventTypeMask, enabled 0 or 1), their deliveries (a queue per (endpoint, chat) in event
    // id order; the partial index finds each queue's first pending delivery without reading the
    // finished ones), and the attempts of each delivery, numbered from 1. Deliveries leave room
    // in their pages (fillfactor): a claim and its outcome rewrite each row twice, and with room
    // on its page the new version needs no index entries (a HOT update).
    {6, R"sql(
CREATE TABLE webhook_endpoints (
  id                       TEXT COLLATE "C" PRIMARY KEY,
  channel_id               TEXT COLLATE "C" NOT NULL,
  url                      TEXT NOT NULL,
  types                    BIGINT NOT NULL,
  secret                   TEXT NOT NULL,
  previous_secret          TEXT NOT NULL DEFAULT '',
  previous_secret_until_ms BIGINT NOT NULL DEFAULT 0,
  enabled                  BIGINT NOT NULL,
  disabled_reason          TEXT NOT NULL DEFAULT '',
  created_ms               BIGINT NOT NULL,
  cursor                   BIGINT NOT NULL,
  failing_since_ms         BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE webhook_deliveries (
  endpoint_id     TEXT COLLATE "C" NOT NULL,
  event_id        BIGINT NOT NULL,
  chat_id         TEXT COLLATE "C" NOT NULL,
  event_type      BIGINT NOT NULL,
  state           BIGINT NOT NULL,
  attempts        BIGINT NOT NULL DEFAULT 0,
  next_attempt_ms BIGINT NOT NULL,
  lease_owner     TEXT COLLATE "C" NOT NULL DEFAULT '',
  lease_until_ms  BIGINT NOT NULL DEFAULT 0,
  created_ms      BIGINT NOT NULL,
  PRIMARY KEY (endpoint_id, event_id)
) WITH (fillfactor = 70);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, chat_id, event_id)
  WHERE state = 0;
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (created_ms, endpoint_id, event_id)
  WHERE state <> 0;
CREATE TABLE webhook_attempts (
  endpoint_id TEXT COLLATE "C" NOT NULL,
  event_id    BIGINT NOT NULL,
  attempt_no  BIGINT NOT NULL,
  time_ms     BIGINT NOT NULL,
  http_status BIGINT NOT NULL,
  latency_ms  BIGINT NOT NULL,
  error       TEXT NOT NULL,
  response    TEXT NOT NULL,
  PRIMARY KEY (endpoint_id, event_id, attempt_no)
);
)sql"},
    // Console operators and their sessions (storage/operator_store.hpp), as SQLite's migration
    // 9: a login unique within its channel, sessions keyed by the SHA-256 of their token (hex).
    {7, R"sql(
CREATE TABLE operators (
  id            TEXT COLLATE "C" PRIMARY KEY,
  channel_id    TEXT COLLATE "C" NOT NULL,
  login         TEXT COLLATE "C" NOT NULL,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  enabled       BIGINT NOT NULL,
  created_ms    BIGINT NOT NULL,
  UNIQUE (channel_id, login)
);
CREATE TABLE operator_sessions (
  token_hash   TEXT COLLATE "C" PRIMARY KEY,
  operator_id  TEXT COLLATE "C" NOT NULL,
  csrf_token   TEXT NOT NULL,
  created_ms   BIGINT NOT NULL,
  last_seen_ms BIGINT NOT NULL,
  expires_ms   BIGINT NOT NULL
);
CREATE INDEX operator_sessions_by_operator ON operator_sessions (operator_id);
)sql"},
};

// Any constant will do as long as every opchat process uses the same one ("opchat" in ASCII).
constexpr const char* kLockSql = "SELECT pg_advisory_xact_lock(122528494805364)";

constexpr Statement kCurrentVersion = {"schema_current_version",
                                       "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"};
constexpr Statement kRecordVersion = {
    "schema_record_version", "INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, $2)"};

}  // namespace

Status MigratePostgres(PgConn& conn, int up_to) {
  return conn.Transact([&]() -> Status {
    RETURN_IF_ERROR(conn.ExecScript(kLockSql));
    Status s = conn.ExecScript(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
        "applied_ms BIGINT NOT NULL)");
    if (!s.ok()) return s;
    auto current = conn.Exec(kCurrentVersion, {});
    if (!current.ok()) return current.status();
    int64_t version = current->Int(0, 0);
    for (const Migration& m : kMigrations) {
      if (m.version <= version || m.version > up_to) continue;
      RETURN_IF_ERROR(conn.ExecScript(m.sql));
      RETURN_IF_ERROR(
          conn.Exec(kRecordVersion, {ParamOf(int64_t{m.version}), ParamOf(NowMillis())}));
    }
    return Status::Ok();
  });
}

}  // namespace opchat::postgres
