#include "domain/page.hpp"

#include <algorithm>

namespace opchat {

SeqRange RangeAfterSkipping(int64_t total, int64_t offset, int64_t size, bool descending) {
  int64_t begin = std::min(offset, total);      // 0-based, in the chosen order
  int64_t end = std::min(begin + size, total);  // exclusive
  if (descending) return {total - end + 1, total - begin, true};
  return {begin + 1, end, false};
}

int64_t PageOffset(int64_t page_num, int64_t page_size) {
  // page_num and page_size come bounded from the API, but their product may still be large:
  // clamp instead of overflowing.
  const int64_t kMax = int64_t{1} << 62;
  return (page_num - 1) > kMax / page_size ? kMax : (page_num - 1) * page_size;
}

PagePlan PlanPage(int64_t total, int64_t page_num, int64_t page_size, bool descending) {
  PagePlan plan;
  plan.start_index = PageOffset(page_num, page_size);
  plan.range = RangeAfterSkipping(total, plan.start_index, page_size, descending);
  plan.next = std::min(plan.start_index, total) + plan.range.size() < total;
  return plan;
}

PagePlan PlanAfter(int64_t total, int64_t after_seq, int64_t page_size) {
  PagePlan plan;
  plan.start_index = std::min(after_seq, total);
  plan.range = RangeAfterSkipping(total, after_seq, page_size, false);
  plan.next = plan.start_index + plan.range.size() < total;
  return plan;
}

}  // namespace opchat
