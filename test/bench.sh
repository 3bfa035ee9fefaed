#!/usr/bin/env bash
# The benchmark harness works end to end on a small data set: bench/data.sql
# loads, bench/bench.py runs every comparison (the sum of health_score must
# equal the SQL formula's, parallel rows must run a Partial Aggregate on two
# workers) and exits 0.  Its own checks must be able to fail: a serial plan
# is not accepted as a parallel one, and malformed BENCH_SETTINGS are refused.
# Runs against the cluster in PGHOST/PGPORT/PGUSER (set by scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
db=cv_bench_$$
trap 'psql -qX -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1' EXIT
psql -qX -d postgres -c "CREATE DATABASE $db"
psql -qX -d "$db" -c "CREATE EXTENSION custvalue"
psql -qX -d "$db" -v rows=3000 -f bench/data.sql

out=$(PGDATABASE=$db /usr/bin/python3 bench/bench.py 2>&1) || { echo "$out"; exit 1; }
echo "$out" | grep -q '^rows: 3,000 per table' || { echo "$out"; echo "row count line missing"; exit 1; }
# every capability has its rows, and nothing failed
for cap in health_score scorecard_fit rfmn rfmn_fit segments churn_fit churn_risk roc_auc; do
  echo "$out" | grep -q "^| $cap " || { echo "$out"; echo "no row for $cap"; exit 1; }
done
! echo "$out" | grep -qE 'FAILED|NOT PARALLEL|error' || { echo "$out"; exit 1; }

PGDATABASE=$db /usr/bin/python3 - <<'PY'
import os, sys
sys.path.insert(0, "bench")
import bench, psycopg2
b = bench.Bench(psycopg2.connect(""), bench.SESSION)
# a serial plan is refused as a parallel one
plan = b.query("EXPLAIN (ANALYZE, FORMAT JSON) SELECT sum(a) FROM bench_health")[0][0]
assert "no Partial Aggregate" in bench.parallel_problem(plan), plan
# fewer workers than asked for are noticed
undo = b.settings(dict(bench.PARALLEL, max_parallel_workers="1"))
plan = b.query("EXPLAIN (ANALYZE, FORMAT JSON) SELECT sum(a) FROM bench_health")[0][0]
assert "launched [1] workers" in bench.parallel_problem(plan), plan
b.settings({"max_parallel_workers": undo["max_parallel_workers"]})
plan = b.query("EXPLAIN (ANALYZE, FORMAT JSON) SELECT sum(a) FROM bench_health")[0][0]
assert bench.parallel_problem(plan) is None, plan
b.settings(undo)
# a measurement's settings are undone afterwards, back to the session's own
b.settings({"work_mem": "3MB", "max_parallel_workers_per_gather": "1"})
got = b.measure([("SELECT 1/0", dict(bench.SERIAL, work_mem="4MB"), False),
                 ("SELECT 2", dict(bench.SERIAL, work_mem="5MB"), False)])
# a failing query is reported and the others of its comparison still run
assert isinstance(got[0], psycopg2.Error) and got[1][1] == [(2,)], got
assert b.query("SHOW work_mem")[0][0] == "3MB"
assert b.query("SHOW max_parallel_workers_per_gather")[0][0] == "1"
# BENCH_SETTINGS
assert bench.session_settings(" jit=off, work_mem = 2GB ") == {"work_mem": "2GB", "jit": "off"}
for bad in ("jit", "=off"):
    try:
        bench.session_settings(bad)
    except SystemExit:
        pass
    else:
        raise AssertionError("accepted BENCH_SETTINGS=%r" % bad)
# a slower result is called slower
assert bench.fmt_faster(1.0, 2.0, "SQL") == "2.00× slower than SQL"
assert bench.fmt_faster(3.0, 1.0, "SQL") == "3.00× faster than SQL"
PY
