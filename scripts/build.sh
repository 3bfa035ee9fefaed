#!/usr/bin/env bash
# Bootstrap, then build and install the extension into the PostgreSQL 15
# installation.  Shared by `make test`, `make demo` and `make bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
# An instrumented build (CUSTVALUE_SANITIZE=1, CUSTVALUE_COVERAGE=1) and a
# plain one never share objects: a change of flavour rebuilds everything.
[ "${CUSTVALUE_SANITIZE:-}" = 1 ] && export SANITIZE=1
[ "${CUSTVALUE_COVERAGE:-}" = 1 ] && export COVERAGE=1
flavour="sanitize=${SANITIZE:-0} coverage=${COVERAGE:-0}"
if [ "$(cat .build-flavour 2>/dev/null)" != "$flavour" ]; then
  rm -f src/*.o src/kernel/*.o src/*.bc src/kernel/*.bc ./*.so test/unit/*.bin
  echo "$flavour" > .build-flavour
fi
make -s all >/dev/null
if [ -w "$("$PG_CONFIG" --pkglibdir)" ]; then
  make -s install >/dev/null
else
  echo "custvalue: cannot write to $("$PG_CONFIG" --pkglibdir); run 'sudo make install' first" >&2
  exit 1
fi
