#!/usr/bin/env bash
# bench/run-bench.sh — the load benchmark behind `make bench` (see bench/README.md).
#
# Measures opchat against the shared kit's peers (../shared/bench) on 127.0.0.1 only:
#   node-baseline  Fastify + better-sqlite3, OFFSET pagination     (the "typical" implementation)
#   ceiling        nginx returning one real 20-message response     (the physical limit)
#   opchat         $OPCHAT_BIN on SQLite (and on PostgreSQL with BENCH_PG=1)
# one system at a time, with wrk, for the cases shallow, deep, mixed (80/20) and ingest (durable
# sendMessage: opchat and node-baseline) — plus import speed, a page-depth sweep, RSS with 1,000
# idle keep-alive connections and, with BENCH_GROWTH=1, the same cases on a 10M-message database.
# Builds nothing: OPCHAT_BIN must exist when opchat, BENCH_PG or BENCH_GROWTH is run. Everything
# it writes goes under $OPCHAT_BENCH_STATE; every process it starts is stopped on exit (also on
# error, Ctrl-C or the time limit).
#
# Environment (all optional):
#   OPCHAT_BIN=build/opchat          the binary under test (relative to the project root)
#   BENCH_SIZE=full|small            full: 1,000,000 messages, big chat 100,000 (default);
#                                    small: 200,000 / 50,000 — a quick run
#   BENCH_MESSAGES, BENCH_BIG_CHAT, BENCH_CHATS   override the dataset size
#   DURATION=15s WARMUP=3s THREADS=2 CONNECTIONS=64 TIMEOUT=10s   wrk settings per case
#   BENCH_SYSTEMS="node-baseline ceiling opchat"   which systems to run
#   BENCH_CASES="shallow deep mixed ingest"        which cases (ingest: opchat and node-baseline)
#   BENCH_DEPTH=1 DEPTH_DURATION=5s                page-depth sweep on the big chat (0 = skip)
#   BENCH_IDLE=1                                   RSS with IDLE_CONNECTIONS=1000 idle connections
#   BENCH_VERIFY=1                                 check opchat's answers with the kit's verify.py
#   BENCH_LIVE=1                                   live delivery (SPEC §9) with the kit's live-latency.js,
#                                                  node-baseline and opchat: LIVE_CASES="100x200 100x1000
#                                                  1000x1000 100x4000" (subscribers x msg/s, LIVE_SECONDS=10
#                                                  each), LIVE_IDLE=10000 idle WebSockets, and opchat's long
#                                                  poll (events, waitMs=0: 20 events an answer, and at the
#                                                  head) with wrk
#   BENCH_WEBHOOKS=1                               webhooks (SPEC §10) with webhook_bench.mjs: a backlog of
#                                                  WEBHOOK_BACKLOG=50000 drained (deliveries/s), then the
#                                                  commit -> delivery latency at WEBHOOK_RATE=1000 msg/s
#   BENCH_PG=1                                     also opchat on a throwaway PostgreSQL cluster
#   BENCH_GROWTH=1                                 also opchat on a 10,000,000-message database
#   BENCH_GROWTH_MESSAGES="10000000"               its size(s), e.g. "200000 10000000"
#   BENCH_REIMPORT=1                               import even if opchat's database can be reused
#   BENCH_PORT=18380                               ports BENCH_PORT..BENCH_PORT+2 on 127.0.0.1
#   BENCH_TIME_LIMIT=3600                          seconds before everything is stopped
#   OPCHAT_BENCH_STATE=/tmp/opchat-bench           data, node_modules, databases, results
#   KEEP=1                                         keep request files and logs of the run
#   OPCHAT_THREADS=N OPCHAT_PAGE_CACHE_MB=N        opchat's [server] threads and [storage] page_cache_mb
#   BENCH_PERF=1                                   a system-wide `perf record -g` during each measured
#                                                  case: $RUN/perf/SYSTEM-CASE.data, and where its CPU
#                                                  went by program and library in SYSTEM-CASE.txt;
#                                                  on PostgreSQL also its statements by execution
#                                                  time (pg_stat_statements): SYSTEM-CASE-statements.txt
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
KIT=${BENCH_KIT:-$(cd "$ROOT/../shared/bench" 2>/dev/null && pwd || echo "$ROOT/../shared/bench")}
STATE=${OPCHAT_BENCH_STATE:-/tmp/opchat-bench}
OPCHAT_BIN=${OPCHAT_BIN:-build/opchat}
case "$OPCHAT_BIN" in /*) ;; *) OPCHAT_BIN="$ROOT/$OPCHAT_BIN" ;; esac

BENCH_SIZE=${BENCH_SIZE:-full}
case "$BENCH_SIZE" in
  full)  DEF_MSG=1000000; DEF_BIG=100000 ;;
  small) DEF_MSG=200000;  DEF_BIG=50000 ;;
  *) echo "BENCH_SIZE must be full or small" >&2; exit 2 ;;
esac
MESSAGES=${BENCH_MESSAGES:-$DEF_MSG}
BIG_CHAT=${BENCH_BIG_CHAT:-$DEF_BIG}
CHATS=${BENCH_CHATS:-$((MESSAGES / 25))}
SEED=${BENCH_SEED:-20240101}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
TIMEOUT=${TIMEOUT:-10s}
COUNT=${COUNT:-50000}
SYSTEMS=${BENCH_SYSTEMS:-node-baseline ceiling opchat}
CASES=${BENCH_CASES:-shallow deep mixed ingest}
DEPTH=${BENCH_DEPTH:-1}
DEPTH_DURATION=${DEPTH_DURATION:-5s}
IDLE=${BENCH_IDLE:-1}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-1000}
VERIFY=${BENCH_VERIFY:-1}
PG=${BENCH_PG:-0}
LIVE=${BENCH_LIVE:-1}
LIVE_CASES=${LIVE_CASES:-100x200 100x1000 1000x1000 100x4000}
LIVE_SECONDS=${LIVE_SECONDS:-10}
LIVE_IDLE=${LIVE_IDLE:-10000}
WEBHOOKS=${BENCH_WEBHOOKS:-1}
WEBHOOK_BACKLOG=${WEBHOOK_BACKLOG:-50000}
WEBHOOK_RATE=${WEBHOOK_RATE:-1000}
GROWTH=${BENCH_GROWTH:-0}
GROWTH_MESSAGES=${BENCH_GROWTH_MESSAGES:-10000000}
GROWTH_BIG_CHAT=${BENCH_GROWTH_BIG_CHAT:-$BIG_CHAT}
PORT=${BENCH_PORT:-18380}
TIME_LIMIT=${BENCH_TIME_LIMIT:-$([ "$GROWTH" = 1 ] && echo 7200 || echo 3600)}
HOST_NAME=opchat-bench           # foot.host of every system, so the responses have the same size
SERVICE_PHONE=400800400
PHASE=${BENCH_PHASE:-main}       # main, or pg (internal: the part run inside tests/pg_harness.sh)

log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 1; }
seconds_of() {  # 15s | 15 | 2m -> seconds
  case "$1" in *m) echo $((${1%m} * 60)) ;; *s) echo "${1%s}" ;; *) echo "$1" ;; esac
}

# ------------------------------------------------------------------ stop exactly what we started
STARTED=()      # pids of servers this script started (each with its own children)
WATCHDOG=""
stop_pid() {    # stop_pid PID SIGNAL: signal the pid, wait up to 10 s, then SIGKILL its tree
  local pid=$1 sig=$2 tree
  kill -0 "$pid" 2>/dev/null || return 0
  tree=$(python3 "$HERE/procstat.py" tree "$pid" 2>/dev/null || echo "$pid")
  kill "-$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  wait "$pid" 2>/dev/null || true
  for p in $tree; do
    if kill -0 "$p" 2>/dev/null; then log "pid $p still running; SIGKILL"; kill -KILL "$p" 2>/dev/null || true; fi
  done
}
forget_pid() { local p=$1 keep=() e; for e in "${STARTED[@]}"; do [ "$e" = "$p" ] || keep+=("$e"); done; STARTED=("${keep[@]}"); }
stop_server() { # stop_server PID [SIGNAL]
  stop_pid "$1" "${2:-TERM}"
  forget_pid "$1"
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local e
  for e in "${STARTED[@]}"; do stop_pid "$e" TERM; done
  if [ -n "$WATCHDOG" ]; then                    # the watchdog first, then its sleep
    local sleeper
    sleeper=$(pgrep -P "$WATCHDOG" 2>/dev/null || true)
    kill "$WATCHDOG" 2>/dev/null || true
    [ -z "$sleeper" ] || kill $sleeper 2>/dev/null || true
  fi
  if [ "$PHASE" = main ] && [ -n "${RUN:-}" ]; then
    if [ "${KEEP:-0}" != 1 ]; then rm -rf "$RUN/req" "$RUN/req-growth-"* "$RUN/ingest" "$RUN"/*.db* 2>/dev/null || true; fi
    if [ "${REPORTED:-0}" != 1 ] && [ -s "${RESULTS:-}" ] && grep -q '"kind": "case"' "$RESULTS"; then
      log "stopped early (status $rc): the table of what was measured"
      python3 "$HERE/report.py" "$RESULTS" >&2 || true
    fi
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'log "stopping (time limit or SIGTERM)"; exit 143' TERM
if [ "$PHASE" = main ]; then
  # on time-out: TERM to this script and to its children (servers, and `timeout` wrappers,
  # which pass it on to their own process group)
  { sleep "$TIME_LIMIT"; kill -TERM $$ 2>/dev/null; pkill -TERM -P $$ 2>/dev/null; } &
  WATCHDOG=$!
  disown "$WATCHDOG"
fi

port_free() { ! ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; }

wait_http() {   # wait_http PORT PID REQUEST_LINE_FILE: until a POST of its first line gets 200 (60 s)
  local port=$1 pid=$2 line path body code
  line=$(head -n1 "$3"); path=${line%%$'\t'*}; body=${line#*$'\t'}
  for _ in $(seq 600); do
    kill -0 "$pid" 2>/dev/null || return 1
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST -H 'Content-Type: application/json' \
      --data-binary "$body" "http://127.0.0.1:$port$path" || true)
    [ "$code" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}

fetch() {       # fetch PORT REQUEST_LINE_FILE OUT: the response body of the first line
  local line path body
  line=$(head -n1 "$2"); path=${line%%$'\t'*}; body=${line#*$'\t'}
  curl -sf --max-time 30 -X POST -H 'Content-Type: application/json' --data-binary "$body" \
    "http://127.0.0.1:$1$path" -o "$3"
}

record() { printf '%s\n' "$1" >>"$RESULTS"; }

# measure SYSTEM CASE PORT PID FILE WARM_FILE DURATION LUA [LUA_ARGS...]
#   One wrk run (after an unreported warm-up on WARM_FILE, "-" = none) and the server's process
#   tree's CPU seconds and peak RSS during it; appends one JSON line to $RESULTS.
#   With DB_PID set (PostgreSQL's postmaster), CPU includes the database server's processes and
#   their peak RSS is recorded apart (db_peak_rss_kb).
measure() {
  local system=$1 case=$2 port=$3 pid=$4 file=$5 warm=$6 dur=$7 lua=$8
  shift 8
  local url="http://127.0.0.1:$port" limit out json cpu0 cpu1 hwm
  limit=$(( $(seconds_of "$dur") + 120 ))
  if [ "$warm" != - ] && [ "$WARMUP" != 0 ]; then
    timeout $(( $(seconds_of "$WARMUP") + 120 )) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" \
      --timeout "$TIMEOUT" -s "$lua" "$url" -- "$warm" "$@" >/dev/null 2>&1 || true
  fi
  python3 "$HERE/procstat.py" reset "$pid" ${DB_PID:-} || true
  if [ "${BENCH_PERF:-0}" = 1 ] && [ -n "${DB_PID:-}" ]; then
    pg_statements reset
  fi
  cpu0=$(python3 "$HERE/procstat.py" cpu "$pid" ${DB_PID:-})
  local perf_pid=""
  if [ "${BENCH_PERF:-0}" = 1 ]; then
    # The middle of the case: wrk's first and last second are ramps.
    mkdir -p "$RUN/perf"
    (sleep 1; exec perf record -q -F 997 -a -g -o "$RUN/perf/$system-$case.data" -- \
      sleep $(( $(seconds_of "$dur") > 3 ? $(seconds_of "$dur") - 2 : 1 ))) >/dev/null 2>&1 &
    perf_pid=$!
  fi
  out=$(timeout "$limit" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$dur" --timeout "$TIMEOUT" \
    -s "$lua" "$url" -- "$file" "$@" 2>&1) || { echo "$out" >&2; die "wrk failed ($system $case)"; }
  cpu1=$(python3 "$HERE/procstat.py" cpu "$pid" ${DB_PID:-})
  if [ -n "$perf_pid" ]; then
    wait "$perf_pid" || true
    perf report -q -i "$RUN/perf/$system-$case.data" --no-children -g none --sort comm,dso --percent-limit 0.5 \
      --stdio 2>/dev/null | grep -v '^$' >"$RUN/perf/$system-$case.txt" || true
    log "profile of $system $case: $RUN/perf/$system-$case.data (by program and library: $system-$case.txt)"
    if [ -n "${DB_PID:-}" ]; then
      pg_statements report >"$RUN/perf/$system-$case-statements.txt" &&
        log "PostgreSQL's statements in $system $case: $RUN/perf/$system-$case-statements.txt"
    fi
  fi
  hwm=$(python3 "$HERE/procstat.py" hwm "$pid")
  dbhwm=$([ -z "${DB_PID:-}" ] || python3 "$HERE/procstat.py" hwm "$DB_PID")
  json=$(printf '%s\n' "$out" | grep '^{"requests"' | tail -n1)
  [ -n "$json" ] || { echo "$out" >&2; die "no result line from wrk ($system $case)"; }
  python3 - "$json" "$system" "$case" "$cpu0" "$cpu1" "$hwm" "$DATASET" "$dur" "$RESULTS" "$dbhwm" <<'EOF'
import json, sys
line, system, case, cpu0, cpu1, hwm, dataset, dur, path, dbhwm = sys.argv[1:11]
r = json.loads(line)
cpu = float(cpu1) - float(cpu0)
r.update(kind="case", system=system, case=case, dataset=dataset, duration=dur, cpu_s=round(cpu, 2),
         cpu_s_per_10k=round(cpu / r["requests"] * 10000, 3) if r["requests"] else None,
         peak_rss_kb=int(hwm), bytes_per_response=round(r["bytes"] / r["requests"]) if r["requests"] else None)
if dbhwm:
    r.update(db_peak_rss_kb=int(dbhwm), cpu_includes_db=True)
with open(path, "a", encoding="utf-8") as f:
    f.write(json.dumps(r) + "\n")
print("  %-14s %-10s %10.1f req/s  p50 %7.2f ms  p99 %8.2f ms  cpu %.2f s/10k  peak %.1f MB  non2xx %d sockerr %d%s" % (
    system, case, r["rps"], r["p50_ms"], r["p99_ms"], r["cpu_s_per_10k"] or 0, int(hwm) / 1024,
    r["non2xx"], r["socket_errors"], ("  replayed %d" % r["replayed"]) if r.get("replayed") else ""), file=sys.stderr)
EOF
}

# pg_statements reset|report: PostgreSQL's own account of its statements (pg_stat_statements,
# loaded when BENCH_PERF=1): `reset` empties it, `report` prints the statements that took the
# most execution time since, with their calls and rows.
pg_statements() {
  local psql=("$OPCHAT_TEST_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$OPCHAT_TEST_PG_URL")
  if [ "$1" = reset ]; then
    "${psql[@]}" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
      -c "SELECT pg_stat_statements_reset()" >/dev/null 2>&1 || log "pg_stat_statements: not available"
    return 0
  fi
  "${psql[@]}" -c "SELECT calls, round(total_exec_time::numeric, 1) AS total_ms,
      round((total_exec_time / calls)::numeric, 3) AS mean_ms, rows,
      round((100 * total_exec_time / sum(total_exec_time) OVER ())::numeric, 1) AS pct,
      left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
    FROM pg_stat_statements WHERE calls > 0 ORDER BY total_exec_time DESC LIMIT 15" 2>&1
}

idle_test() {   # idle_test SYSTEM LABEL PORT PID
  local out
  out=$(timeout 120 python3 "$HERE/idle_conns.py" --port "$3" --pid "$4" --requests "$RUN/req/shallow.txt" \
    --connections "$IDLE_CONNECTIONS") || log "idle test of $1: not every connection answered 200 / stayed open: $out"
  [ -n "$out" ] || return 0
  python3 - "$out" "$1" "$2" "$DATASET" "$RESULTS" <<'EOF'
import json, sys
r = json.loads(sys.argv[1]); r.update(kind="idle", system=sys.argv[2], label=sys.argv[3], dataset=sys.argv[4])
open(sys.argv[5], "a").write(json.dumps(r) + "\n")
print("  %-14s idle %d conns (%s): RSS %.1f MB (before %.1f MB, %+.1f kB/conn), %d ok, %d open" % (
    r["system"], r["connections"], r["label"], r["rss_idle_kb"] / 1024, r["rss_before_kb"] / 1024,
    r["per_conn_kb"], r["ok"], r["open_when_measured"]), file=sys.stderr)
EOF
}

# ------------------------------------------------------------------ live delivery (SPEC §9)
node_app() {    # node_app: the baseline's folder with its node_modules (ws too), installed once
  NODE_APP=$STATE/node-baseline
  mkdir -p "$NODE_APP"
  cp "$KIT/node-baseline/server.js" "$KIT/node-baseline/package.json" "$KIT/node-baseline/package-lock.json" "$NODE_APP/"
  if [ ! -f "$NODE_APP/node_modules/better-sqlite3/package.json" ] ||
     [ ! -f "$NODE_APP/node_modules/fastify/package.json" ]; then
    log "node-baseline: npm ci (better-sqlite3 compiles from source, ~1 min)"
    (cd "$NODE_APP" && timeout 900 npm ci --no-audit --no-fund >/dev/null) || die "npm ci failed"
  fi
}

live_cases() {  # live_cases SYSTEM PORT PID: live-latency.js per LIVE_CASES
  [ "$LIVE" = 1 ] || return 0
  local spec subs rate out cpu0 cpu1
  for spec in $LIVE_CASES; do
    subs=${spec%x*} rate=${spec#*x}
    cpu0=$(python3 "$HERE/procstat.py" cpu "$3" ${DB_PID:-})
    t0=$(date +%s.%N)
    out=$(NODE_PATH="$NODE_APP/node_modules" timeout $((LIVE_SECONDS + 180)) node "$KIT/live-latency.js" \
      --url "http://127.0.0.1:$2" --data "$DATA" --subscribers "$subs" --rate "$rate" \
      --seconds "$LIVE_SECONDS" --server-pid "$3" 2>"$RUN/live-$1-$spec.err") || true
    cpu1=$(python3 "$HERE/procstat.py" cpu "$3" ${DB_PID:-})
    t1=$(date +%s.%N)
    out=$(printf '%s\n' "$out" | grep '^{' | tail -n1)
    if [ -z "$out" ]; then log "live $1 $spec: no result ($(tail -n1 "$RUN/live-$1-$spec.err"))"; continue; fi
    python3 - "$out" "$1" "$spec" "$cpu0" "$cpu1" "$RESULTS" "$t0" "$t1" <<'EOF'
import json, sys
r = json.loads(sys.argv[1]); cpu = float(sys.argv[5]) - float(sys.argv[4])
wall = float(sys.argv[8]) - float(sys.argv[7])  # connecting, sending and draining: a lower bound
r.update(kind="live", system=sys.argv[2], spec=sys.argv[3], cpu_s=round(cpu, 2), wall_s=round(wall, 1),
         cpu_s_per_10k_events=round(cpu / r["delivered"] * 10000, 3) if r.get("delivered") else None,
         events_per_s=round(r["delivered"] / wall) if wall > 0 else None)
open(sys.argv[6], "a").write(json.dumps(r) + "\n")
print("  %-14s live %-10s delivered %d/%d (missing %d, dup %d)  p50 %.2f ms  p99 %.2f ms  max %.1f ms  "
      "%.0f events/s  cpu %.3f s/10k  rss %s MB" % (
    r["system"], r["spec"], r["delivered"], r["expected"], r["missing"], r["duplicates"], r["p50_ms"], r["p99_ms"],
    r["max_ms"], r["events_per_s"] or 0, r["cpu_s_per_10k_events"] or 0, r.get("rss_server")), file=sys.stderr)
EOF
  done
}

live_idle() {   # live_idle SYSTEM PORT PID: RSS of LIVE_IDLE idle WebSockets
  [ "$LIVE" = 1 ] || return 0
  [ "$LIVE_IDLE" -gt 0 ] || return 0
  local out
  out=$(NODE_PATH="$NODE_APP/node_modules" timeout 300 node "$HERE/idle_ws.js" --url "http://127.0.0.1:$2" \
    --data "$DATA" --connections "$LIVE_IDLE" --server-pid "$3" 2>"$RUN/idle-ws-$1.err" | grep '^{' | tail -n1) || true
  if [ -z "$out" ]; then log "idle WebSockets of $1: no result ($(tail -n1 "$RUN/idle-ws-$1.err"))"; return 0; fi
  python3 - "$out" "$1" "$RESULTS" <<'EOF'
import json, sys
r = json.loads(sys.argv[1]); r.update(kind="idle_ws", system=sys.argv[2])
open(sys.argv[3], "a").write(json.dumps(r) + "\n")
print("  %-14s idle WebSockets %d (open %d): RSS %.1f -> %.1f MB, %s kB each" % (
    r["system"], r["connections"], r["open"], r["rss_before_kb"] / 1024, r["rss_idle_kb"] / 1024, r["per_conn_kb"]),
    file=sys.stderr)
EOF
}

webhooks_case() { # webhooks_case [DB_URL]: webhook_bench.mjs on its own server (port PORT+3)
  [ "$WEBHOOKS" = 1 ] || return 0
  local out
  out=$(timeout 900 node "$HERE/webhook_bench.mjs" --opchat "$OPCHAT_BIN" --state "$RUN/webhooks" \
    --port "$((PORT + 3))" --backlog "$WEBHOOK_BACKLOG" --rate "$WEBHOOK_RATE" ${1:+--db "$1"} \
    2>"$RUN/webhooks.err" | grep '^{' | tail -n1) || true
  rm -rf "$RUN/webhooks"
  if [ -z "$out" ]; then log "webhooks: no result ($(tail -n1 "$RUN/webhooks.err"))"; return 0; fi
  printf '%s\n' "$out" >>"$RESULTS"
  python3 -c "import json,sys;r=json.loads(sys.argv[1]);print('  %-14s webhooks: %d deliveries/s draining %d; at %d msg/s p50 %s ms p99 %s ms, missing %d' % ('opchat-'+r['db'], r['deliveries_per_s'], r['backlog'], r['rate'], r['p50_ms'], r['p99_ms'], r['missing']), file=sys.stderr)" "$out"
}

events_poll() { # events_poll SYSTEM: opchat's long poll with waitMs=0, 20 events an answer, with wrk
  [ "$LIVE" = 1 ] || return 0
  local head
  python3 "$HERE/presign_more.py" --data "$DATA" --mode events --after now --count 1 --out "$RUN/req/head.txt" 2>/dev/null
  fetch "$PORT" "$RUN/req/head.txt" "$RUN/head.json" || { log "events: no answer"; return 0; }
  head=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['data']['next'])" "$RUN/head.json")
  # 20 events an answer (a poller catching up) and none (a poller at the head, the steady state)
  python3 "$HERE/presign_more.py" --data "$DATA" --mode events --after "$((head > 20 ? head - 20 : 0))" \
    --count "$COUNT" --out "$RUN/req/events.txt" 2>/dev/null
  measure "$1" events-poll "$PORT" "$OPCHAT_PID" "$RUN/req/events.txt" "$RUN/req/events.txt" "$DURATION" "$KIT/wrk-requests.lua"
  python3 "$HERE/presign_more.py" --data "$DATA" --mode events --after "$head" \
    --count "$COUNT" --out "$RUN/req/events-head.txt" 2>/dev/null
  measure "$1" events-head "$PORT" "$OPCHAT_PID" "$RUN/req/events-head.txt" "$RUN/req/events-head.txt" "$DURATION" "$KIT/wrk-requests.lua"
}

# ------------------------------------------------------------------ dataset (gen.py, reused)
dataset() {     # dataset MESSAGES BIG_CHAT CHATS [--no-db]: prints the folder, generating it once
  local msgs=$1 big=$2 chats=$3 nodb=${4:-} dir
  dir="$STATE/data-${msgs}-${big}-${chats}-s${SEED}${nodb:+-nodb}"
  if [ -f "$dir/.complete" ] && [ -f "$dir/meta.json" ]; then
    log "dataset $dir: reused"
  else
    log "dataset $dir: generating ($msgs messages, big chat $big, $chats chats) with gen.py"
    rm -rf "$dir.tmp" "$dir"
    timeout 3600 python3 "$KIT/gen.py" --chats "$chats" --messages "$msgs" --big-chat "$big" \
      --seed "$SEED" --out "$dir.tmp" $nodb >&2 || die "gen.py failed"
    touch "$dir.tmp/.complete"
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

dataset_label() { # dataset_label DIR: 200k, 1M, 10M
  python3 -c "import json,sys;n=json.load(open(sys.argv[1]+'/meta.json'))['totalMessages'];print('%gk' % (n/1e3) if n<10**6 else '%gM' % (n/1e6))" "$1"
}

# ------------------------------------------------------------------ opchat helpers
write_config() { # write_config FILE PORT
  cat >"$1" <<EOF
# opchat under benchmark: the node baseline's getUrl settings, service phone and host name
[server]
listen = "127.0.0.1:$2"
host_name = "$HOST_NAME"
service_phone = "$SERVICE_PHONE"
timezone = "Asia/Shanghai"
access_log = false
log_level = "warn"
${OPCHAT_THREADS:+threads = $OPCHAT_THREADS}

[storage]
sqlite_synchronous = "full"
${OPCHAT_PAGE_CACHE_MB:+page_cache_mb = $OPCHAT_PAGE_CACHE_MB}

[limits]
max_connections_per_address = 0  # every load generator connects from 127.0.0.1 (idle test: 1000)
max_connections = 15000          # the idle WebSocket test holds 10,000

[live]
max_connections = 15000
max_connections_per_client = 15000  # every subscriber of the live cases is one client

[media]
domain = "http://media.opchat-bench.example.com"
access_key = "bench-access-key"
secret_key = "bench-secret-key"
url_lifetime_s = 3600
image_processing = "imageView2/1/w/200/h/200"
EOF
}

opchat_load() { # opchat_load DB_URL DATA SYSTEM: import messages.ndjson and add clients.json's clients
  local db=$1 data=$2 system=$3 out
  : >"$RUN/last-import.json"
  log "$system: opchat import ndjson ($(python3 -c "import json;print(json.load(open('$data/meta.json'))['totalMessages'])") messages)"
  # --no-events: the dataset is old history being migrated, as an archive's import would be
  out=$(timeout 3600 "$OPCHAT_BIN" import ndjson --no-events --config "$RUN/opchat.toml" --db "$db" "$data/messages.ndjson" \
    2>"$RUN/import-$system.err") || { tail -n 20 "$RUN/import-$system.err" >&2; die "import failed"; }
  python3 - "$out" "$system" "$DATASET" "$RESULTS" <<'EOF'
import json, sys
r = json.loads(sys.argv[1].strip().splitlines()[-1]); r.update(kind="import", system=sys.argv[2], dataset=sys.argv[3])
open(sys.argv[4], "a").write(json.dumps(r) + "\n")
print("  %-14s import %d messages in %.1f s = %d msg/s (%d rejected)" % (
    r["system"], r["inserted"], r["seconds"], r["messagesPerSecond"], r["rejected"]), file=sys.stderr)
EOF
  printf '%s\n' "$out" | tail -n1 >"$RUN/last-import.json"
  python3 - "$data/clients.json" <<'EOF' | while IFS=$'\t' read -r id secret name enabled channels; do
import json, sys
for c in json.load(open(sys.argv[1])):
    print("\t".join([c["clientId"], c["secret"], c["name"], "1" if c.get("enabled", True) else "0", " ".join(c["channels"])]))
EOF
    local args=()
    for ch in $channels; do args+=(--channel "$ch"); done
    "$OPCHAT_BIN" client add --config "$RUN/opchat.toml" --db "$db" --id "$id" --secret "$secret" \
      --name "$name" "${args[@]}" >/dev/null || die "opchat client add $name failed"
    if [ "$enabled" = 0 ]; then
      "$OPCHAT_BIN" client disable --config "$RUN/opchat.toml" --db "$db" "$id" >/dev/null ||
        die "opchat client disable failed"
    fi
  done
}

opchat_verify() { # opchat_verify SYSTEM: the kit's verify.py against the running opchat
  [ "$VERIFY" = 1 ] || return 0
  local out ok
  if out=$(timeout 600 python3 "$KIT/verify.py" --data "$DATA" --url "http://127.0.0.1:$PORT" 2>&1); then ok=true; else ok=false; fi
  log "verify.py on $1: $(printf '%s\n' "$out" | tail -n1)"
  python3 -c "import json,sys;open(sys.argv[1],'a').write(json.dumps({'kind':'verify','system':sys.argv[4],'ok':sys.argv[2]=='true','output':sys.argv[3][-2000:]})+'\n')" \
    "$RESULTS" "$ok" "$out" "$1"
}

# opchat_sqlite_db DATA: prints the SQLite file of DATA's opchat database, importing it unless
# the one there was imported completely by this very binary (same sha256) from this very dataset
# (reads never change it; ingest runs on a copy). BENCH_REIMPORT=1 always imports. A reused
# database's import figure is the one recorded when it was made ("cached": true).
opchat_sqlite_db() {
  local data=$1 file stamp sha
  mkdir -p "$STATE/opchat-db"
  file="$STATE/opchat-db/$(basename "$data").db"
  stamp="$file.import.json"
  sha=$(sha256sum "$OPCHAT_BIN" | cut -d' ' -f1)
  if [ "${BENCH_REIMPORT:-0}" != 1 ] && [ -f "$file" ] && [ -f "$stamp" ] &&
     python3 -c "import json,sys;s=json.load(open(sys.argv[1]));sys.exit(0 if s['binary_sha256']==sys.argv[2] else 1)" "$stamp" "$sha"; then
    log "opchat database $file: reused (imported by this binary; BENCH_REIMPORT=1 to redo)"
    python3 - "$stamp" "$DATASET" "$RESULTS" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1])); r = s["import"]
r.update(kind="import", system="opchat", dataset=sys.argv[2], cached=True, imported_at=s["at"])
open(sys.argv[3], "a").write(json.dumps(r) + "\n")
print("  %-14s import %d messages: %d msg/s (measured %s, database reused)" % (
    "opchat", r["inserted"], r["messagesPerSecond"], s["at"]), file=sys.stderr)
EOF
  else
    rm -f "$file" "$file-wal" "$file-shm" "$stamp"
    opchat_load "sqlite:$file" "$data" opchat >&2
    python3 -c "
import json, sys, time
json.dump({'binary_sha256': sys.argv[2], 'data': sys.argv[3], 'at': time.strftime('%Y-%m-%d %H:%M:%S %Z'),
           'import': json.loads(open(sys.argv[4]).read())}, open(sys.argv[1], 'w'))" "$stamp" "$sha" "$data" "$RUN/last-import.json"
  fi
  echo "$file"
}

OPCHAT_PID=""
opchat_start() { # opchat_start DB_URL LOGNAME
  port_free "$PORT" || die "port $PORT is in use"
  "$OPCHAT_BIN" serve --config "$RUN/opchat.toml" --db "$1" --listen "127.0.0.1:$PORT" >"$RUN/$2.log" 2>&1 &
  OPCHAT_PID=$!
  STARTED+=("$OPCHAT_PID")
  wait_http "$PORT" "$OPCHAT_PID" "$RUN/req/sample.txt" ||
    { tail -n 20 "$RUN/$2.log" >&2; die "opchat did not come up on port $PORT"; }
  log "opchat up on 127.0.0.1:$PORT (pid $OPCHAT_PID, $1)"
}

opchat_reads() { # opchat_reads SYSTEM: the read cases on the running opchat
  local c
  for c in $CASES; do
    [ "$c" = ingest ] && continue
    measure "$1" "$c" "$PORT" "$OPCHAT_PID" "$RUN/req/$c.txt" "$RUN/req/$c.txt" "$DURATION" "$KIT/wrk-requests.lua"
  done
}

# ingest_case SYSTEM PORT PID: the ingest case (durable sendMessage) on a running server, which
#   must run on a copy of its database (the requests add messages). Both systems get requests made
#   the same way: presign_more.py with the run's INGEST_TAG and the same seeds, so the same bodies
#   (chats, texts, userMessageIds); only timestamp, nonce and sign differ, since the files are made
#   just before each use (the timestamp window is 300 s).
ingest_case() {
  local n tag=$INGEST_TAG
  n=$(( $(seconds_of "$DURATION") * ${INGEST_RATE_CAP:-40000} ))
  [ "$n" -lt 9999999 ] || n=9999999
  mkdir -p "$RUN/ingest"
  python3 "$HERE/presign_more.py" --data "$DATA" --mode ingest --count 20000 --tag "$tag" --seed 1 \
    --out "$RUN/ingest/warm.txt" 2>/dev/null
  python3 "$HERE/presign_more.py" --data "$DATA" --mode ingest --count "$n" --tag $((tag + 1)) --seed 2 \
    --out "$RUN/ingest/ingest.txt" 2>/dev/null
  measure "$1" ingest "$2" "$3" "$RUN/ingest/ingest.txt" "$RUN/ingest/warm.txt" "$DURATION" \
    "$HERE/ingest.lua" "$THREADS"
  rm -f "$RUN/ingest/ingest.txt" "$RUN/ingest/warm.txt"
}

# ================================================================== PostgreSQL phase
# Runs inside tests/pg_harness.sh (OPCHAT_TEST_PG_URL set), with RUN/RESULTS/DATA of the main phase.
if [ "$PHASE" = pg ]; then
  : "${OPCHAT_TEST_PG_URL:?the pg phase runs under tests/pg_harness.sh}"
  INGEST_TAG=${INGEST_TAG:-$(( $(date +%s) % 99999999999 ))}
  log "PostgreSQL phase: $OPCHAT_TEST_PG_URL"
  opchat_load "$OPCHAT_TEST_PG_URL" "$DATA" opchat-pg
  opchat_start "$OPCHAT_TEST_PG_URL" opchat-pg
  DB_PID=$(head -n1 "$OPCHAT_TEST_PG_DATA/postmaster.pid")     # CPU of PostgreSQL counts too
  opchat_verify opchat-pg
  opchat_reads opchat-pg
  case " $CASES " in *" ingest "*) ingest_case opchat-pg "$PORT" "$OPCHAT_PID" ;; esac
  stop_server "$OPCHAT_PID"
  webhooks_case "$OPCHAT_TEST_PG_URL"
  exit 0
fi

# ================================================================== main phase
if [[ " $SYSTEMS " == *" opchat "* ]] || [ "$PG" = 1 ] || [ "$GROWTH" = 1 ]; then
  [ -x "$OPCHAT_BIN" ] || die "no opchat binary at $OPCHAT_BIN (run 'make build' or set OPCHAT_BIN)"
fi
[ -f "$KIT/gen.py" ] || die "no benchmark kit at $KIT"
missing=()
command -v wrk >/dev/null || missing+=(wrk)
[[ " $SYSTEMS " != *" ceiling "* ]] || command -v nginx >/dev/null || missing+=(nginx-light)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
for p in "$PORT" $((PORT + 1)) $((PORT + 2)); do port_free "$p" || die "port $p is in use (set BENCH_PORT)"; done

mkdir -p "$STATE/runs"
RUN="$STATE/runs/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN/req"
chmod 0755 "$RUN"                       # nginx workers (user nobody) read response.json below it
RESULTS="$RUN/results.ndjson"
# ingest's userMessageIds: 1, this tag (warm-up; +1 for the measured file), line number; one tag
# for the whole run, so that every system gets the same bodies (each into its own database copy)
INGEST_TAG=$(( $(date +%s) % 99999999999 ))
export RUN RESULTS INGEST_TAG
log "run folder $RUN"

DATA=$(dataset "$MESSAGES" "$BIG_CHAT" "$CHATS")
DATASET=$(dataset_label "$DATA")
export DATA DATASET

python3 - "$RESULTS" "$DATA" "$DATASET" "$OPCHAT_BIN" "$ROOT" <<EOF
import json, os, platform, subprocess, sys, time
path, data, dataset, binary, root = sys.argv[1:6]
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
def git(*a):
    try: return subprocess.run(["git", "-C", root, *a], capture_output=True, text=True).stdout.strip()
    except OSError: return ""
rec = {"kind": "meta", "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "nproc": os.cpu_count(), "cpu": model,
       "mem_gib": round(mem / 1048576, 1), "kernel": platform.release(), "loadavg": open("/proc/loadavg").read().split()[:3],
       "dataset": dataset, "data": data, "meta": json.load(open(os.path.join(data, "meta.json"))),
       "wrk": "-t$THREADS -c$CONNECTIONS -d$DURATION --timeout $TIMEOUT (warm-up $WARMUP)",
       "depth_duration": "$DEPTH_DURATION", "opchat_bin": binary,
       "opchat_rev": git("rev-parse", "--short", "HEAD") + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else ""),
       "command": os.environ.get("BENCH_COMMAND", "make bench")}
open(path, "a").write(json.dumps(rec) + "\n")
EOF

# request files, the same for every system
for c in shallow deep; do
  python3 "$KIT/presign.py" --data "$DATA" --mode "$c" --count "$COUNT" --out "$RUN/req/$c.txt" 2>/dev/null
done
python3 "$HERE/presign_more.py" --mode mix --a "$RUN/req/shallow.txt" --b "$RUN/req/deep.txt" \
  --count "$COUNT" --out "$RUN/req/mixed.txt" 2>/dev/null
python3 "$KIT/presign.py" --data "$DATA" --mode sample --out "$RUN/req/sample.txt" 2>/dev/null
BIG_PAGES=$(python3 -c "
import json
for l in open('$DATA/chats.ndjson'):
    c = json.loads(l)
    if c['big']: print(-(-c['messageCount'] // 20)); break")
[ -n "$BIG_PAGES" ] || die "the dataset has no big chat (BENCH_BIG_CHAT must be > 0)"
DEPTH_PAGES="1 $((BIG_PAGES / 100 > 1 ? BIG_PAGES / 100 : 2)) $((BIG_PAGES / 10)) $((BIG_PAGES / 2)) $BIG_PAGES"
if [ "$DEPTH" = 1 ]; then
  for p in $DEPTH_PAGES; do
    python3 "$HERE/presign_more.py" --data "$DATA" --mode page --page "$p" --count 1000 \
      --out "$RUN/req/page-$p.txt" 2>/dev/null
  done
fi
write_config "$RUN/opchat.toml" "$PORT"

depth_sweep() { # depth_sweep SYSTEM PORT PID
  [ "$DEPTH" = 1 ] || return 0
  local p
  for p in $DEPTH_PAGES; do
    measure "$1" "page-$p" "$2" "$3" "$RUN/req/page-$p.txt" - "$DEPTH_DURATION" "$KIT/wrk-requests.lua"
  done
}

# ------------------------------------------------------------------ node baseline
RESPONSE="$RUN/response.json"
if [[ " $SYSTEMS " == *" node-baseline "* ]]; then
  command -v node >/dev/null || die "node is not installed"
  node_app
  # on a copy: ingest and the live cases write (last, after the read cases)
  cp "$DATA/baseline.db" "$RUN/baseline.db"
  node "$NODE_APP/server.js" --db "$RUN/baseline.db" --port "$((PORT + 1))" --host 127.0.0.1 \
    --host-name "$HOST_NAME" --service-phone "$SERVICE_PHONE" >"$RUN/node.log" 2>&1 &
  NODE_PID=$!
  STARTED+=("$NODE_PID")
  wait_http "$((PORT + 1))" "$NODE_PID" "$RUN/req/sample.txt" ||
    { tail -n 20 "$RUN/node.log" >&2; die "node baseline did not come up"; }
  log "node-baseline up on 127.0.0.1:$((PORT + 1)) (pid $NODE_PID, workers $(pgrep -P "$NODE_PID" | tr '\n' ' '))"
  fetch "$((PORT + 1))" "$RUN/req/sample.txt" "$RESPONSE"
  if [ "$IDLE" = 1 ]; then idle_test node-baseline fresh "$((PORT + 1))" "$NODE_PID"; fi
  for c in $CASES; do
    [ "$c" = ingest ] && continue        # writes: below, after the reads
    measure node-baseline "$c" "$((PORT + 1))" "$NODE_PID" "$RUN/req/$c.txt" "$RUN/req/$c.txt" "$DURATION" "$KIT/wrk-requests.lua"
  done
  depth_sweep node-baseline "$((PORT + 1))" "$NODE_PID"
  if [ "$IDLE" = 1 ]; then idle_test node-baseline "after load" "$((PORT + 1))" "$NODE_PID"; fi
  # the writes last, on this copy, in opchat's order: ingest, then live delivery
  if [[ " $CASES " == *" ingest "* ]]; then ingest_case node-baseline "$((PORT + 1))" "$NODE_PID"; fi
  live_idle node-baseline "$((PORT + 1))" "$NODE_PID"
  live_cases node-baseline "$((PORT + 1))" "$NODE_PID"
  stop_server "$NODE_PID"
  rm -f "$RUN/baseline.db" "$RUN/baseline.db-wal" "$RUN/baseline.db-shm"
fi

# ------------------------------------------------------------------ opchat on SQLite
if [[ " $SYSTEMS " == *" opchat "* ]]; then
  OPCHAT_DB_FILE=$(opchat_sqlite_db "$DATA")
  opchat_start "sqlite:$OPCHAT_DB_FILE" opchat
  [ -f "$RESPONSE" ] || fetch "$PORT" "$RUN/req/sample.txt" "$RESPONSE"
  fetch "$PORT" "$RUN/req/sample.txt" "$RUN/response-opchat.json" || true
  opchat_verify opchat
  if [ "$IDLE" = 1 ]; then idle_test opchat fresh "$PORT" "$OPCHAT_PID"; fi
  opchat_reads opchat
  depth_sweep opchat "$PORT" "$OPCHAT_PID"
  if [ "$IDLE" = 1 ]; then idle_test opchat "after load" "$PORT" "$OPCHAT_PID"; fi
  stop_server "$OPCHAT_PID"
  if [[ " $CASES " == *" ingest "* ]] || [ "$LIVE" = 1 ]; then
    # ingest and live delivery write: into a copy, so that the imported database stays as gen.py made it
    cp "$OPCHAT_DB_FILE" "$RUN/ingest.db"
    for ext in -wal -shm; do [ -f "$OPCHAT_DB_FILE$ext" ] && cp "$OPCHAT_DB_FILE$ext" "$RUN/ingest.db$ext"; done
    opchat_start "sqlite:$RUN/ingest.db" opchat-ingest
    if [[ " $CASES " == *" ingest "* ]]; then ingest_case opchat "$PORT" "$OPCHAT_PID"; fi
    if [ "$LIVE" = 1 ]; then
      [ -n "${NODE_APP:-}" ] || node_app
      live_idle opchat "$PORT" "$OPCHAT_PID"
      live_cases opchat "$PORT" "$OPCHAT_PID"
      events_poll opchat
    fi
    stop_server "$OPCHAT_PID"
    webhooks_case
    rm -f "$RUN/ingest.db" "$RUN/ingest.db-wal" "$RUN/ingest.db-shm"
  fi
fi

# ------------------------------------------------------------------ ceiling (nginx, static file)
if [[ " $SYSTEMS " == *" ceiling "* ]]; then
  [ -f "$RESPONSE" ] || die "no sample response for the ceiling (run node-baseline or opchat too)"
  CONF=$("$KIT/ceiling/make-conf.sh" "$((PORT + 2))" "$RESPONSE" "$RUN/nginx")
  nginx -e "$RUN/nginx/logs/error.log" -p "$RUN/nginx" -c "$CONF" -g 'daemon off;' >"$RUN/nginx.out" 2>&1 &
  NGX_PID=$!
  STARTED+=("$NGX_PID")
  wait_http "$((PORT + 2))" "$NGX_PID" "$RUN/req/sample.txt" ||
    { tail -n 20 "$RUN/nginx.out" >&2; die "ceiling nginx did not come up"; }
  log "ceiling nginx up on 127.0.0.1:$((PORT + 2)) (pid $NGX_PID, $(wc -c <"$RESPONSE")-byte response)"
  # every case gets the same static file: one case is enough
  measure ceiling shallow "$((PORT + 2))" "$NGX_PID" "$RUN/req/shallow.txt" "$RUN/req/shallow.txt" "$DURATION" "$KIT/wrk-requests.lua"
  stop_server "$NGX_PID" QUIT
fi

# ------------------------------------------------------------------ opchat on PostgreSQL
if [ "$PG" = 1 ]; then
  BENCH_PHASE=pg BENCH_CASES="$CASES" OPCHAT_PG_STAT_STATEMENTS="${BENCH_PERF:-0}" timeout 3600 \
    "$ROOT/tests/pg_harness.sh" "$HERE/run-bench.sh" ||
    log "PostgreSQL phase failed (see above); continuing"
fi

# ------------------------------------------------------------------ growth: bigger databases
# For each size of BENCH_GROWTH_MESSAGES (default 10,000,000; a list is allowed), with the same
# big chat: its own dataset (no baseline.db), opchat's database (reused like the main one), then
# shallow and deep.
if [ "$GROWTH" = 1 ]; then
  SAVE_DATA=$DATA SAVE_DATASET=$DATASET
  for gm in $GROWTH_MESSAGES; do
    DATA=$(dataset "$gm" "$GROWTH_BIG_CHAT" "$((gm / 25))" --no-db)
    DATASET=$(dataset_label "$DATA")
    GREQ="$RUN/req-growth-$DATASET"; mkdir -p "$GREQ"
    for c in shallow deep sample; do
      python3 "$KIT/presign.py" --data "$DATA" --mode "$c" --count "$COUNT" --out "$GREQ/$c.txt" 2>/dev/null
    done
    GDB=$(opchat_sqlite_db "$DATA") || { log "growth $DATASET: no database (import failed or timed out); skipped"; continue; }
    port_free "$PORT" || die "port $PORT is in use"
    "$OPCHAT_BIN" serve --config "$RUN/opchat.toml" --db "sqlite:$GDB" --listen "127.0.0.1:$PORT" \
      >"$RUN/opchat-$DATASET.log" 2>&1 &
    OPCHAT_PID=$!
    STARTED+=("$OPCHAT_PID")
    wait_http "$PORT" "$OPCHAT_PID" "$GREQ/sample.txt" || die "opchat ($DATASET) did not come up"
    log "opchat up on 127.0.0.1:$PORT (pid $OPCHAT_PID, $DATASET database)"
    for c in shallow deep; do
      measure opchat "$c" "$PORT" "$OPCHAT_PID" "$GREQ/$c.txt" "$GREQ/$c.txt" "$DURATION" "$KIT/wrk-requests.lua"
    done
    stop_server "$OPCHAT_PID"
    rm -rf "$GREQ"
  done
  DATA=$SAVE_DATA DATASET=$SAVE_DATASET
fi

# ------------------------------------------------------------------ report
echo
python3 "$HERE/report.py" "$RESULTS" | tee "$RUN/table.txt"
python3 "$HERE/report.py" --markdown "$RESULTS" >"$RUN/table.md"
REPORTED=1
log "results: $RESULTS (table: $RUN/table.txt, markdown: $RUN/table.md)"
