#!/usr/bin/env bash
# make bench: build and install custvalue, start a throwaway cluster, load the
# deterministic benchmark data (bench/data.sql, BENCH_ROWS rows per table,
# default 5,000,000), time each capability against what a user would do
# without it (bench/bench.py), print the table, and stop the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${BENCH_ROWS:-5000000}
case $rows in
  ''|*[!0-9]*|0) echo "custvalue: BENCH_ROWS must be a positive integer, not '$rows'" >&2; exit 2 ;;
esac
scripts/build.sh

trap 'scripts/cluster.sh stop bench >/dev/null 2>&1' EXIT
eval "$(scripts/cluster.sh start bench)"
export PGHOST PGPORT PGUSER PGDATABASE=custvalue_bench
psql -qX -d postgres -c "CREATE DATABASE custvalue_bench"
psql -qX -c "CREATE EXTENSION custvalue"

echo "custvalue bench: generating $rows rows per table" >&2
start=$SECONDS
psql -qX -v rows="$rows" -f bench/data.sql
echo "custvalue bench: data ready in $((SECONDS - start)) s" >&2

/usr/bin/python3 bench/bench.py
