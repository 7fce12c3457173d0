#!/usr/bin/env bash
# Fails, listing the files, when a C++ source is not in the house format (.clang-format).
# `clang-format-14 -i FILE` puts a file back in it.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' \
  'bench/*.cpp' 'fuzz/*.cpp' 'fuzz/*.hpp' 2>/dev/null || find src tests bench fuzz -name '*.[ch]pp')
# One clang-format for all the files (one per file cost a minute of CI): it names each file out
# of format in its diagnostics ("FILE:LINE:COL: error: code should be clang-formatted").
mapfile -t bad < <(clang-format-14 --dry-run --Werror "${files[@]}" 2>&1 >/dev/null |
  sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: .*clang-format.*/\1/p' | sort -u)
if ((${#bad[@]})); then
  printf 'not in the house format (clang-format-14 -i FILE): %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "format: ${#files[@]} files checked"
