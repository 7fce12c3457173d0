#!/bin/sh
# Type-checks clients/js/index.d.ts against clients/js/types-test/types-check.ts.
set -e
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/node_modules/.bin/tsc" --noEmit --strict --module nodenext --moduleResolution nodenext \
  --target es2022 --typeRoots "$here/node_modules/@types" --types node "$here/../../clients/js/types-test/types-check.ts"
