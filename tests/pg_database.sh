#!/usr/bin/env bash
# Runs a command with OPCHAT_TEST_PG_URL naming a database of its own in tests/pg_harness.sh's
# cluster, created empty the first time:
#
#   tests/pg_database.sh NAME CMD ARGS...
#
# ctest runs tests in parallel (`make test`); the test servers of one suite must not see another
# suite's endpoints, deliveries or leases, so each ctest entry that touches PostgreSQL names its
# own database. Outside the harness (no OPCHAT_TEST_PG_URL) it runs CMD unchanged.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 NAME CMD ARGS..." >&2
  exit 2
fi
name="$1"
shift
if [[ -n "${OPCHAT_TEST_PG_URL:-}" ]]; then
  err="$(mktemp)"
  if ! "$OPCHAT_TEST_PG_BIN/createdb" -h "$OPCHAT_TEST_PG_HOST" -p "$OPCHAT_TEST_PG_PORT" \
    "$name" 2>"$err"; then
    grep -q "already exists" "$err" || { cat "$err" >&2; rm -f "$err"; exit 2; }
  fi
  rm -f "$err"
  export OPCHAT_TEST_PG_URL="postgresql:///$name?host=$OPCHAT_TEST_PG_HOST&port=$OPCHAT_TEST_PG_PORT"
fi
exec "$@"
