// Keeping the search index up to date. Writes only mark their messages for indexing (see
// Store::CatchUpSearchIndex); this adds them in chunks, each chunk its own transaction, so a
// write queued behind the indexing waits for one chunk at most. Thread-safe as the Store is.
#pragma once

#include <cstdint>

#include "common/status.hpp"
#include "storage/store.hpp"

namespace opchat {

// Messages per chunk: about 10-20 ms of indexing on one core.
inline constexpr int64_t kSearchIndexChunk = 2000;
// For a bulk load, which no request waits behind: fewer, larger segments for FTS5 to merge
// (1M messages indexed in 9.8 s by chunks of 2,000, 6.7 s by chunks of 50,000).
inline constexpr int64_t kBulkSearchIndexChunk = 50000;

// Indexes pending messages until none is left or `max_chunks` chunks have run (0 = no bound).
// Returns how many messages were indexed; stops at the first storage failure.
Result<int64_t> CatchUpSearchIndex(Store& store, int64_t max_chunks = 0,
                                   int64_t chunk = kSearchIndexChunk);

}  // namespace opchat
