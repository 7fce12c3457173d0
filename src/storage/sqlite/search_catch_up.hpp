// The SQLite search index's catch-up (schema migration 5): indexes the messages above each
// chat's search_seq, chat by chat, oldest chat first, giving each run of a chat's messages
// consecutive FTS rowids recorded as one search_extents row.
#pragma once

#include <cstdint>

#include "common/status.hpp"
#include "storage/sqlite/sqlite_db.hpp"

namespace opchat::sqlite {

// Adds up to `limit` messages with text to the index, inside the caller's write transaction;
// returns how many. Fewer than `limit` means no chat is behind any more.
Result<int64_t> CatchUpSearchIndexIn(SqliteDb& db, int64_t limit);

}  // namespace opchat::sqlite
