#!/usr/bin/env bash
# make coverage: build the extension and the unit tests with gcov
# instrumentation, run the whole of make test, and report the line coverage
# of every file in src/ and the total.
#
# The server's processes run as another user and cannot write beside the
# objects, so every process writes its counts under one GCOV_PREFIX tree;
# the notes files (.gcno) are copied there and gcov reads both.
set -uo pipefail
cd "$(dirname "$0")/.."
root=${CUSTVALUE_CLUSTER_ROOT:-/tmp/custvalue-clusters}
mkdir -p "$root"
prefix=$(cd "$root" && pwd)/gcov
rm -rf "$prefix"
# the server runs as another user than the unit tests: every directory and
# count file of the tree is writable by all
umask 000
mkdir -p "$prefix$(pwd)/src/kernel"
chmod -R 777 "$prefix"
export CUSTVALUE_COVERAGE=1 GCOV_PREFIX=$prefix GCOV_PREFIX_STRIP=0
scripts/test.sh > "$root/coverage-test.log" 2>&1
rc=$?
tail -1 "$root/coverage-test.log"
[ $rc -eq 0 ] || echo "coverage: make test failed (log: $root/coverage-test.log); figures below are of the run as it went"

here=$(pwd)
total=0; hit=0
printf '%-28s %8s %8s\n' file lines covered
for src in src/*.c src/kernel/*.c; do
  obj=$prefix$here/$(dirname "$src")
  mkdir -p "$obj"
  cp "${src%.c}.gcno" "$obj/" 2>/dev/null || { echo "$src: not built with coverage" >&2; continue; }
  line=$(cd "$obj" && gcov -n -o "$obj" "$here/$src" 2>/dev/null | sed -n "/File '.*$(basename "$src")'/{n;p;q}")
  pct=$(echo "$line" | sed -n 's/Lines executed:\([0-9.]*\)% of \([0-9]*\)/\1/p')
  n=$(echo "$line" | sed -n 's/Lines executed:\([0-9.]*\)% of \([0-9]*\)/\2/p')
  [ -z "$n" ] && { pct=0; n=$(grep -c . "$src"); }
  h=$(awk -v p="$pct" -v n="$n" 'BEGIN { printf "%d", p * n / 100 + 0.5 }')
  total=$((total + n)); hit=$((hit + h))
  printf '%-28s %8d %7.1f%%\n' "$src" "$n" "$pct"
done
awk -v h="$hit" -v t="$total" 'BEGIN { printf "%-28s %8d %7.1f%%\n", "total", t, 100 * h / t }'
exit $rc
