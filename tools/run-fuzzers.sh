#!/usr/bin/env bash
# Runs every fuzz target of BUILD_DIR for SECONDS each, on a working copy of its seed corpus.
# Exits non-zero on the first target that finds a crash (the input is in BUILD_DIR/findings).
set -euo pipefail
build="${1:?usage: run-fuzzers.sh BUILD_DIR SECONDS}"
seconds="${2:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$build/findings"
for target in http_request api_bodies canonical_query config websocket_frames; do
  work="$build/corpus-$target"
  mkdir -p "$work"
  cp -n "$root/fuzz/corpus/$target/"* "$work/" 2>/dev/null || true
  echo "fuzz_$target: ${seconds}s"
  "$build/fuzz_$target" "$work" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$build/findings/$target-" -print_final_stats=1 \
      2>"$build/fuzz_$target.log" || { tail -40 "$build/fuzz_$target.log"; exit 1; }
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/fuzz_$target.log" | tr '\n' ' '
  echo
done
