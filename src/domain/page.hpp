// Page arithmetic of the history endpoint (docs/api.md, "operatorToUserChatMessages"). Pure;
// thread-safe. Messages of a chat hold dense positions 1..total, so any page is a closed range of
// positions: storage reads it as an index range, never with OFFSET.
#pragma once

#include <cstdint>

namespace opchat {

struct SeqRange {
  int64_t first = 1;  // inclusive
  int64_t last = 0;   // inclusive; last < first means empty
  bool descending = false;
  bool empty() const { return last < first; }
  int64_t size() const { return empty() ? 0 : last - first + 1; }
};

struct PagePlan {
  SeqRange range;
  int64_t start_index = 0;  // 0-based index of the page's first message in the chosen order
  bool next = false;        // whether messages exist beyond this page
};

// `size` (>= 1) messages of `total`, after skipping `offset` (>= 0) in the chosen order: the
// range of both plans below, and what storage computes when it reads a chat with its page.
SeqRange RangeAfterSkipping(int64_t total, int64_t offset, int64_t size, bool descending);

// Page `page_num` (>= 1) of `page_size` (>= 1) messages out of `total`.
// Ascending: page 1 = positions 1..size. Descending: page 1 = the newest `page_size`.
PagePlan PlanPage(int64_t total, int64_t page_num, int64_t page_size, bool descending);

// The number of messages before page `page_num` (>= 1) of `page_size` (>= 1), clamped to 2^62.
int64_t PageOffset(int64_t page_num, int64_t page_size);

// The `page_size` messages after position `after_seq` (>= 0), ascending.
PagePlan PlanAfter(int64_t total, int64_t after_seq, int64_t page_size);

}  // namespace opchat
