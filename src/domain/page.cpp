#include "domain/page.hpp"

#include <algorithm>

namespace opchat {

PagePlan PlanPage(int64_t total, int64_t page_num, int64_t page_size, bool descending) {
  PagePlan plan;
  // page_num and page_size come bounded from the API, but their product may still be large:
  // clamp instead of overflowing.
  const int64_t kMax = int64_t{1} << 62;
  plan.start_index = (page_num - 1) > kMax / page_size ? kMax : (page_num - 1) * page_size;
  int64_t begin = std::min(plan.start_index, total);  // 0-based, in the chosen order
  int64_t end = std::min(begin + page_size, total);   // exclusive
  plan.next = end < total;
  if (descending) {
    plan.range = {total - end + 1, total - begin, true};
  } else {
    plan.range = {begin + 1, end, false};
  }
  return plan;
}

PagePlan PlanAfter(int64_t total, int64_t after_seq, int64_t page_size) {
  PagePlan plan;
  int64_t begin = std::min(after_seq, total);
  int64_t end = std::min(begin + page_size, total);
  plan.start_index = begin;
  plan.next = end < total;
  plan.range = {begin + 1, end, false};
  return plan;
}

}  // namespace opchat
