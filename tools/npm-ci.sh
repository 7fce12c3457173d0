#!/usr/bin/env bash
# Installs the npm packages of each DIR from its committed package-lock.json (`npm ci`), only
# when node_modules is missing or older than the lock file. Quiet unless npm fails.
#
#   tools/npm-ci.sh DIR...
set -euo pipefail
for dir in "$@"; do
  stamp="$dir/node_modules/.package-lock.json"
  if [[ -f "$stamp" && ! "$dir/package-lock.json" -nt "$stamp" ]]; then continue; fi
  if ! out="$(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error 2>&1)"; then
    echo "$out" >&2
    echo "npm ci failed in $dir" >&2
    exit 1
  fi
done
