#!/usr/bin/env bash
# A fit stops soon after its statement_timeout, wherever it is: reading
# rows, sorting and merging its distributions, shipping and combining
# partial states, building and printing the model.  rfmn_fit runs over
# CANCEL_ROWS (default 2,000,000) all-distinct rows, serial and under a
# forced parallel plan, roc_auc likewise (its scores all distinct),
# scorecard_fit under the parallel plan (its state stays small, so the
# serial fit holds nothing long) and tree_fit serial (growing the tree is
# the long part), with timeouts
# at 0.4 and 0.8 of the full time; every cancelled run must end at most
# 0.5 s past its timeout.  A run past the bound is retried once, so that a
# burst of load elsewhere on the machine does not fail the test.
# Runs against the cluster in PGHOST/PGPORT/PGUSER (set by scripts/test.sh).
set -euo pipefail
rows=${CANCEL_ROWS:-2000000}
db=cv_cancel_$$
trap 'psql -qX -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1' EXIT
psql -qX -d postgres -c "CREATE DATABASE $db"
psql -qX -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE EXTENSION custvalue;
CREATE UNLOGGED TABLE distinct_rows AS
SELECT i * 1.000001 AS a, (i::bigint * 7919 % 5000011)::float8 AS b,
       hashint8(i)::float8 AS c, (i % 11)::float8 AS d
  FROM generate_series(1, $rows) i;
VACUUM ANALYZE distinct_rows;
SQL

PGDATABASE=$db /usr/bin/python3 - <<'PY'
import sys, time
import psycopg2

BOUND = 0.5
PARALLEL = ["parallel_setup_cost = 0", "parallel_tuple_cost = 0",
            "min_parallel_table_scan_size = 0", "max_parallel_workers_per_gather = 2"]
RFMN = "SELECT length(custvalue.rfmn_fit(a, b, c, d)::text) FROM distinct_rows"
CARD = "SELECT length(custvalue.scorecard_fit(ARRAY[a, b, c, d])::text) FROM distinct_rows"
TREE = "SELECT length(custvalue.tree_fit(ARRAY[a, b, c], d > 5, '{\"max_depth\": 10}')::text) FROM distinct_rows"
AUC = "SELECT custvalue.roc_auc(c, d > 5) FROM distinct_rows"
RUNS = (("serial", ["max_parallel_workers_per_gather = 0"], {"rfmn_fit": RFMN, "tree_fit": TREE, "roc_auc": AUC}),
        ("parallel", PARALLEL, {"rfmn_fit": RFMN, "scorecard_fit": CARD, "roc_auc": AUC}))

conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()


def run(sql, timeout_ms):
    """Seconds the statement took, and whether it was cancelled."""
    cur.execute("SET statement_timeout = %d" % timeout_ms)
    start = time.perf_counter()
    try:
        cur.execute(sql)
        cancelled = False
    except psycopg2.errors.QueryCanceled:
        cancelled = True
    seconds = time.perf_counter() - start
    cur.execute("SET statement_timeout = 0")
    return seconds, cancelled


failed = []
for plan, settings, fits in RUNS:
    for s in settings:
        cur.execute("SET " + s)
    for fit, sql in fits.items():
        # the faster of two full runs: the machine's load varies
        full = min(run(sql, 0)[0], run(sql, 0)[0])
        worst, cancels = 0.0, 0
        for frac in (0.4, 0.8):
            timeout_ms = max(1, int(full * frac * 1000))
            for attempt in (1, 2):
                seconds, cancelled = run(sql, timeout_ms)
                over = seconds - timeout_ms / 1000.0 if cancelled else 0.0
                if over <= BOUND:
                    break
            cancels += cancelled
            worst = max(worst, over)
            if over > BOUND:
                failed.append("%s %s: cancelled %.3f s after a %d ms timeout" % (plan, fit, over, timeout_ms))
        print("%s %s: full %.2f s, %d of 2 runs cancelled, worst overshoot %.3f s" % (plan, fit, full, cancels, worst))
        if cancels == 0:
            failed.append("%s %s: no run was cancelled: the timeouts did not interrupt the fit" % (plan, fit))
    cur.execute("RESET ALL")
for f in failed:
    print("FAILED: " + f)
sys.exit(1 if failed else 0)
PY
