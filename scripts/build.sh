#!/usr/bin/env bash
# Bootstrap, then build and install the extension into the PostgreSQL 15
# installation.  Shared by `make test`, `make demo` and `make bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
make -s all >/dev/null
if [ -w "$("$PG_CONFIG" --pkglibdir)" ]; then
  make -s install >/dev/null
else
  echo "custvalue: cannot write to $("$PG_CONFIG" --pkglibdir); run 'sudo make install' first" >&2
  exit 1
fi
