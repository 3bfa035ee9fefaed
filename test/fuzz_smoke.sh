#!/usr/bin/env bash
# The fast fuzz subset of make test: replay every input kept in
# test/fuzz/corpus/ (seeds and crash regressions) through every kernel
# reader, then 3,000 inputs per target from a fixed seed (a few seconds).  make fuzz runs the long version.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_RUNS=${FUZZ_RUNS:-3000} scripts/fuzz.sh
