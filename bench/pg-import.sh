#!/usr/bin/env bash
# bench/pg-import.sh — `opchat import ndjson` into PostgreSQL, several builds taking turns.
#
# Usage: tests/pg_harness.sh bench/pg-import.sh FILE.ndjson BIN [BIN ...]
# For each of ROUNDS rounds (default 3), every BIN in turn imports FILE into an empty schema of
# the harness's throwaway database (`--no-events --streams $STREAMS`, default 2) and one line is
# printed: the binary, the seconds and the messages a second it reports. Builds compared in
# one series, taking turns, so that the machine's drift is shared (docs/performance.md).
set -euo pipefail
[[ $# -ge 2 && -n "${OPCHAT_TEST_PG_URL:-}" ]] || {
  echo "usage: tests/pg_harness.sh $0 FILE.ndjson BIN [BIN ...]" >&2
  exit 2
}
file=$1
shift
[[ -r "$file" ]] || { echo "pg-import.sh: cannot read $file" >&2; exit 2; }
for bin in "$@"; do
  [[ -x "$bin" ]] || { echo "pg-import.sh: not an executable: $bin" >&2; exit 2; }
done
for ((round = 1; round <= ${ROUNDS:-3}; round++)); do
  for bin in "$@"; do
    psql "$OPCHAT_TEST_PG_URL" -qc "DROP SCHEMA public CASCADE; CREATE SCHEMA public;" >/dev/null
    "$bin" import ndjson --no-events --streams "${STREAMS:-2}" --db "$OPCHAT_TEST_PG_URL" "$file" |
      head -1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sys.argv[1], "%.2f s" % d["seconds"], "%d msg/s" % d["messagesPerSecond"])' "$bin"
  done
done
