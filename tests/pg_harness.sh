#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 cluster, then removes the cluster.
#
#   tests/pg_harness.sh CMD ARGS...
#
# The cluster lives in a fresh temporary directory, listens only on a Unix socket in that
# directory (no TCP), and runs with fsync on, as production would. CMD sees:
#   OPCHAT_TEST_PG_URL   postgresql:///opchat_test?host=<dir>&port=<port>  (an empty database)
#   OPCHAT_TEST_PG_BIN   the PostgreSQL bin directory
#   OPCHAT_TEST_PG_HOST, OPCHAT_TEST_PG_PORT  the socket directory and port (for createdb, psql;
#                        tests/pg_database.sh gives a test its own database with them)
#   OPCHAT_TEST_PG_DATA  the data directory
#   OPCHAT_TEST_PG_CTL   pg_ctl for this cluster, run as its owner with -D preset, so a test can
#                        `"$OPCHAT_TEST_PG_CTL" stop -m fast` and `"$OPCHAT_TEST_PG_CTL" start -w`
#                        (the server settings live in the data directory, so a restart keeps them)
# With OPCHAT_PG_STAT_STATEMENTS=1 the server also loads pg_stat_statements (the benchmark's
# profiles read it; a database still needs CREATE EXTENSION pg_stat_statements).
# Exits with CMD's status. Quiet on success apart from CMD's own output; on a set-up failure it
# prints the server's log. As root (initdb refuses root) the cluster belongs to the `postgres`
# user that the Debian postgresql package creates.
set -euo pipefail

pg_bin="${OPCHAT_PG_BIN:-/usr/lib/postgresql/15/bin}"
if [[ $# -eq 0 ]]; then
  echo "usage: $0 CMD ARGS..." >&2
  exit 2
fi
if [[ ! -x "$pg_bin/initdb" || ! -x "$pg_bin/pg_ctl" ]]; then
  echo "pg_harness: no PostgreSQL binaries in $pg_bin (apt-get install postgresql-15)" >&2
  exit 2
fi

# The database superuser is named after the caller, so libpq's default user name works; the
# files belong to `owner`, who runs the server.
db_user="$(id -un)"
owner="$db_user"
run_as_owner() { "$@"; }
if [[ "$(id -u)" -eq 0 ]]; then
  owner=postgres
  if ! id "$owner" >/dev/null 2>&1; then
    echo "pg_harness: running as root needs the '$owner' user (apt-get install postgresql)" >&2
    exit 2
  fi
  run_as_owner() { runuser -u "$owner" -- "$@"; }
fi

# /tmp rather than $TMPDIR: the owner must be able to reach it, and a socket path is limited
# to about 100 bytes.
dir="$(mktemp -d /tmp/opchat-pg.XXXXXX)"
chmod 700 "$dir"
if [[ "$owner" != "$db_user" ]]; then chown "$owner:" "$dir"; fi
data="$dir/data"
log="$dir/server.log"
run_as_owner touch "$log"  # the server appends to it as the owner

cleanup() {
  if [[ -f "$data/postmaster.pid" ]]; then
    run_as_owner "$pg_bin/pg_ctl" -D "$data" -s -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "pg_harness: $1" >&2
  [[ -f "$log" ]] && sed 's/^/  | /' "$log" >&2
  exit 2
}

# The socket lives in our private directory, so the port only names the socket file; still
# pick one no local server listens on, to keep logs and tools unambiguous.
port=""
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 40000))
  if ! ss -Hltn "sport = :$candidate" 2>/dev/null | grep -q .; then
    port="$candidate"
    break
  fi
done
[[ -n "$port" ]] || fail "no free port number found"

run_as_owner "$pg_bin/initdb" -D "$data" -U "$db_user" -A trust -E UTF8 --locale=C --no-sync \
  >"$log" 2>&1 || fail "initdb failed"
cat >>"$data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
fsync = on
synchronous_commit = on
max_connections = 400
logging_collector = off
EOF
if [[ "${OPCHAT_PG_STAT_STATEMENTS:-0}" == 1 ]]; then
  printf "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = all\n" \
    >>"$data/postgresql.conf"
fi
run_as_owner "$pg_bin/pg_ctl" -D "$data" -l "$log" -s -w -t 60 start >/dev/null 2>&1 ||
  fail "server did not start"
run_as_owner "$pg_bin/createdb" -h "$dir" -p "$port" -U "$db_user" opchat_test >>"$log" 2>&1 ||
  fail "createdb failed"

ctl="$dir/pg_ctl"
if [[ "$owner" != "$db_user" ]]; then
  printf '#!/bin/sh\nexec runuser -u %s -- "%s/pg_ctl" -D "%s" -l "%s" "$@"\n' \
    "$owner" "$pg_bin" "$data" "$log" >"$ctl"
else
  printf '#!/bin/sh\nexec "%s/pg_ctl" -D "%s" -l "%s" "$@"\n' "$pg_bin" "$data" "$log" >"$ctl"
fi
chmod 755 "$ctl"

export OPCHAT_TEST_PG_URL="postgresql:///opchat_test?host=$dir&port=$port"
export OPCHAT_TEST_PG_BIN="$pg_bin"
export OPCHAT_TEST_PG_HOST="$dir"
export OPCHAT_TEST_PG_PORT="$port"
export OPCHAT_TEST_PG_DATA="$data"
export OPCHAT_TEST_PG_CTL="$ctl"

set +e
"$@"
status=$?
set -e
exit "$status"
