#include "storage/sqlite/search_catch_up.hpp"

#include <string>
#include <vector>

namespace opchat::sqlite {
namespace {

// What one catch-up indexes: per chat, the positions after+1 to upto, whose rowids start at
// base. As JSON, [[chat_no, after, upto, base], ...], so that one statement can add every run
// (FTS5 writes its pending terms out as a new segment at the end of each statement: a
// statement per chat made thousands of tiny segments to merge, and the index of 1M messages
// took 20 s to build instead of 10).
struct Plan {
  std::string runs = "[";
  int64_t messages = 0;    // with text, planned so far
  int64_t next_rowid = 0;  // the first rowid after the planned runs
  bool empty() const { return runs.size() == 1; }
};

struct Behind {
  int64_t chat_no, search_seq, message_count;
};

// The chats behind the index, in number order, after `after_chat_no`.
Result<std::vector<Behind>> ChatsBehind(SqliteDb& db, int64_t after_chat_no, int64_t limit) {
  auto q = db.Prepare(
      "SELECT chat_no, search_seq, message_count FROM chats"
      " WHERE search_seq < message_count AND chat_no > ? ORDER BY chat_no LIMIT ?");
  q.Bind(1, after_chat_no);
  q.Bind(2, limit);
  std::vector<Behind> out;
  while (q.Step()) out.push_back({q.Int(0), q.Int(1), q.Int(2)});
  RETURN_IF_ERROR(q.status());
  return out;
}

// Adds the chat's run to the plan: all its new messages, or, when they would pass `limit`, up
// to the last one that fits.
Status PlanChat(SqliteDb& db, const Behind& c, int64_t limit, Plan& plan) {
  auto texts =
      db.Prepare("SELECT COUNT(*) FROM messages WHERE chat_no = ? AND seq > ? AND msg IS NOT NULL");
  texts.Bind(1, c.chat_no);
  texts.Bind(2, c.search_seq);
  if (!texts.Step()) return texts.status();
  int64_t pending = texts.Int(0);
  int64_t upto = c.message_count;
  if (plan.messages + pending > limit) {
    auto last = db.Prepare(
        "SELECT seq FROM messages WHERE chat_no = ? AND seq > ? AND msg IS NOT NULL"
        " ORDER BY seq LIMIT 1 OFFSET ?");
    last.Bind(1, c.chat_no);
    last.Bind(2, c.search_seq);
    last.Bind(3, limit - plan.messages - 1);
    if (!last.Step())
      return last.status().ok() ? Status::Internal("search catch-up plan") : last.status();
    upto = last.Int(0);
    pending = limit - plan.messages;
  }
  plan.messages += pending;
  if (!plan.empty()) plan.runs += ',';
  plan.runs += "[" + std::to_string(c.chat_no) + "," + std::to_string(c.search_seq) + "," +
               std::to_string(upto) + "," + std::to_string(plan.next_rowid) + "]";
  plan.next_rowid += upto - c.search_seq;
  return Status::Ok();
}

Result<Plan> MakePlan(SqliteDb& db, int64_t limit) {
  Plan plan;
  {
    auto q = db.Prepare("SELECT value FROM counters WHERE name = 'search_next_rowid'");
    if (!q.Step())
      return q.status().ok() ? Status::Internal("search_next_rowid missing") : q.status();
    plan.next_rowid = q.Int(0);
  }
  // Chats whose new messages are all without text take nothing from `limit`: fetch more
  // chats until it is reached or none is left.
  int64_t after_chat_no = 0;
  for (bool more = true; more && plan.messages < limit;) {
    auto behind = ChatsBehind(db, after_chat_no, limit);
    if (!behind.ok()) return behind.status();
    more = static_cast<int64_t>(behind->size()) == limit;
    for (const Behind& c : *behind) {
      if (plan.messages == limit) break;
      RETURN_IF_ERROR(PlanChat(db, c, limit, plan));
      after_chat_no = c.chat_no;
    }
  }
  plan.runs += ']';
  return plan;
}

}  // namespace

Result<int64_t> CatchUpSearchIndexIn(SqliteDb& db, int64_t limit) {
  auto plan = MakePlan(db, limit);
  if (!plan.ok()) return plan.status();
  if (plan->empty()) return int64_t{0};
  // Run r = [chat_no, after, upto, base]: position p gets rowid base + (p - after - 1).
  auto add = db.Prepare(
      "INSERT INTO messages_fts (rowid, msg)"
      " SELECT (r.value ->> 3) + (m.seq - (r.value ->> 1) - 1), m.msg"
      " FROM json_each(?) r JOIN messages m ON m.chat_no = r.value ->> 0"
      " AND m.seq > r.value ->> 1 AND m.seq <= r.value ->> 2 WHERE m.msg IS NOT NULL");
  add.BindBorrowed(1, plan->runs);
  RETURN_IF_ERROR(add.Run());
  const int64_t indexed = db.Changes();
  auto extents = db.Prepare(
      "INSERT INTO search_extents (base, chat_no, first_seq, last_seq)"
      " SELECT r.value ->> 3, r.value ->> 0, (r.value ->> 1) + 1, r.value ->> 2 FROM json_each(?) "
      "r");
  extents.BindBorrowed(1, plan->runs);
  RETURN_IF_ERROR(extents.Run());
  auto mark = db.Prepare(
      "UPDATE chats SET search_seq = r.value ->> 2 FROM json_each(?) r"
      " WHERE chats.chat_no = r.value ->> 0");
  mark.BindBorrowed(1, plan->runs);
  RETURN_IF_ERROR(mark.Run());
  auto next = db.Prepare("UPDATE counters SET value = ? WHERE name = 'search_next_rowid'");
  next.Bind(1, plan->next_rowid);
  RETURN_IF_ERROR(next.Run());
  return indexed;
}

}  // namespace opchat::sqlite
