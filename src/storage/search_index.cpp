#include "storage/search_index.hpp"

namespace opchat {

Result<int64_t> CatchUpSearchIndex(Store& store, int64_t max_chunks, int64_t chunk) {
  int64_t total = 0;
  for (int64_t chunks = 0; max_chunks == 0 || chunks < max_chunks; ++chunks) {
    auto indexed = store.CatchUpSearchIndex(chunk);
    if (!indexed.ok()) return indexed.status();
    total += *indexed;
    if (*indexed < chunk) break;  // caught up
  }
  return total;
}

}  // namespace opchat
