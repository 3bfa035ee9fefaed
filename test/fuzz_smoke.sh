#!/usr/bin/env bash
# The fast fuzz subset of make test: replay every input kept in
# test/fuzz/corpus/ (seeds and crash regressions) through every kernel
# reader, then fuzz about 5 s in all.  make fuzz runs the long version.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_TOTAL=${FUZZ_TOTAL:-5} scripts/fuzz.sh
