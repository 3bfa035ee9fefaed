#!/usr/bin/python3
"""The database-side checks of make stress, over every aggregate of the
extension found in the catalog (a new fit is covered without a new line,
unless an argument needs a value that VALUES below does not give):

  cancel    statement_timeout and pg_cancel_backend stop every aggregate
            over STRESS_CANCEL_ROWS rows (default 5,000,000) within 0.5 s,
            in its transition phase and in its final phase, and the session
            answers the next query;
  memory    the peak private memory (RssAnon, sampled every 10 ms) of the
            backend and of its parallel workers for every fit over
            STRESS_MEMORY_ROWS rows, serial and parallel, against the
            documented bounds of custvalue.max_fit_memory;
  equality  every aggregate gives the same text under a serial plan, a
            forced parallel plan and partition-wise aggregation, overall
            and per group;
  dump      pg_dump/pg_restore of tables holding a value of every model
            type and a state of every fit: text-equal and binary-equal;
  pgbench   clients fitting every aggregate, scoring and refreshing the
            demo's views at once (database STRESS_PGBENCH_DB): no error, no
            deadlock, every result equal to a serial run.

Usage: stress_db.py CHECK... (PGHOST/PGPORT/PGUSER of a cluster with
custvalue installable; run as root or as the cluster's owner, as the peak
memory is read from /proc).  Prints one line per case and a summary per
check; exits non-zero when something did not hold.
"""
import os
import re
import shutil
import subprocess
import sys
import threading
import time

import psycopg2

DB = "custvalue_stress"
CANCEL_ROWS = int(os.environ.get("STRESS_CANCEL_ROWS", 5_000_000))
MEMORY_ROWS = int(os.environ.get("STRESS_MEMORY_ROWS", 2_000_000))
EQUAL_ROWS = int(os.environ.get("STRESS_EQUAL_ROWS", 200_000))
CANCEL_LIMIT = float(os.environ.get("STRESS_CANCEL_LIMIT", 0.5))
# private memory a backend may use besides the fit state (executor, sorts
# of the plan, libraries): allowed on top of the documented bounds
SLACK_MB = float(os.environ.get("STRESS_MEMORY_SLACK_MB", 16))

# The value of an argument, as an SQL expression of the row number g, by
# (aggregate, argument name, argument type); None matches any.  arg_value
# takes the most specific entry, so an argument named like a parameter with
# a rule of its own (a probability, a BG/NBD customer, a per-group
# constant) gets a valid value, and any other argument its type's value.
# A new aggregate is covered by adding entries here.  Expressions without g
# are constants of the call; the others are materialised as table columns.
U = "((g * 7919) % 100003)"                      # pseudo-random 0 .. 100002
V = "((g * 104729) % 1000)"                      # another, 0 .. 999
# BG/NBD customers that a fit converges on: 60% alive (up to 10 repeat
# purchases, the last near the end of their age t), the others dropped
# out early after at most 2
T = f"(30 + {U} % 337)::float8"
F = f"(CASE WHEN {V} < 600 THEN g % 11 ELSE g % 3 END)::float8"
VALUES = {
    # by type
    (None, None, "double precision"): f"{U}::float8 / 7",
    (None, None, "double precision[]"): f"ARRAY[{U}, g % 37, (g * 104729) % 1000003 / 3.0, g % 5]::float8[]",
    (None, None, "integer"): "(g % 3)::int",
    (None, None, "bigint"): "(g % 1000 + 1)::int8",
    # a label true with chance 0.2 .. 0.8 growing with U (the double values,
    # the first feature, the probability): scores and probabilities that
    # mean something, features that do not separate the labels
    (None, None, "boolean"): f"((g * 2654435761) % 1000 < 200 + {U} * 600 / 100003)",
    # categories independent of the features (not g % 5: its one-hot
    # columns would make the feature g % 5 a linear combination) and of
    # the equality check's groups (g % 3)
    (None, None, "text[]"): "ARRAY['c' || (g % 7), 'd' || ((g / 5) % 3)]",
    (None, None, "text"): "('c' || (g % 5))",
    (None, None, "date"): "('2024-01-01'::date + (g % 365)::int)",
    (None, None, "timestamp with time zone"): "('2024-01-01'::timestamptz + (g % 365) * interval '1 day')",
    (None, None, "timestamp without time zone"): "('2024-01-01'::timestamp + (g % 365) * interval '1 day')",
    (None, None, "jsonb"): "'{}'::jsonb",
    # fixed parameters of a fit; ranges of row values
    (None, "k", None): "3",
    (None, "periods", None): "12",
    ("seasonality_index", "period", None): "(g % 12 + 1)::int",   # the row's season
    ("nps", "rating", None): "(g % 11)::int",                     # 0 .. 10
    (None, "top", None): "3",
    (None, "bins", None): "5",
    # metrics: a probability in [0, 1]; per-call constants in their range
    (None, "probability", None): f"({U}::float8 + 0.5) / 100004",
    ("threshold_for_precision", "target", None): "0.8::float8",
    (None, "threshold", None): "5000::float8",
    (None, "fraction", None): "0.1::float8",
    # BG/NBD and Gamma-Gamma customers: whole frequency >= 0,
    # 0 <= recency <= t, recency 0 when frequency is 0, monetary > 0
    (None, "frequency", None): F,
    (None, "t", None): T,
    (None, "recency", None): f"(CASE WHEN {F} = 0 THEN 0 WHEN {V} < 600 THEN (0.9 + {V} / 6000.0) * {T} "
                             f"ELSE ({V} - 600) / 2000.0 * {T} END)",
    # mean spends around a customer's own level, closer the more purchases
    (None, "monetary", None): f"((20 + {U} % 200) * (1 + ({V} - 500) / 1000.0 / sqrt({F} + 1)))",
    # clv_summary: one calibration end a group, of the event times' type
    (None, "calibration_end", "date"): "'2024-10-01'::date",
    (None, "calibration_end", "timestamp with time zone"): "'2024-10-01'::timestamptz",
    (None, "calibration_end", "timestamp without time zone"): "'2024-10-01'::timestamp",
    # silhouette: 3 clusters in every group of g % 3
    (None, "cluster", None): "((g / 7) % 3)::int",
}


def arg_value(agg, argname, typ):
    """The expression of an argument (None when nothing fits)."""
    for key in ((agg, argname, typ), (agg, argname, None), (None, argname, typ),
                (None, argname, None), (agg, None, typ), (None, None, typ)):
        if key in VALUES:
            return VALUES[key]
    return None


def arg_values(name, args):
    """The expressions of an aggregate's arguments, or None when one has no
    value."""
    exprs = [arg_value(name, a, t) for a, t in args]
    return None if None in exprs else exprs


def varies(expr):
    """Whether an argument expression depends on the row (else a constant)."""
    return re.search(r"\bg\b", expr) is not None


failures = []


def connect(db=DB):
    c = psycopg2.connect(dbname=db)
    c.autocommit = True
    return c


def one(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchone()[0]


def setup():
    c = connect("postgres")
    cur = c.cursor()
    cur.execute(f"DROP DATABASE IF EXISTS {DB}")
    cur.execute(f"CREATE DATABASE {DB}")
    c.close()
    c = connect()
    c.cursor().execute("CREATE EXTENSION custvalue")
    return c


def aggregates(cur):
    """(signature, name, [(arg name, arg type)], state type, return type)."""
    cur.execute("""
        SELECT p.oid::regprocedure::text, p.proname,
               coalesce(p.proargnames, array_fill(''::text, ARRAY[p.pronargs])),
               ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) WITH ORDINALITY u(t, o) ORDER BY o),
               format_type(a.aggtranstype, NULL), format_type(p.prorettype, NULL)
          FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
         WHERE p.pronamespace = 'custvalue'::regnamespace
         ORDER BY 1""")
    out = []
    for sig, name, names, types, stype, ret in cur.fetchall():
        out.append((sig, name, list(zip(names, types)), stype, ret))
    return out


def call(name, args, cols=None):
    """The SQL of a call of aggregate `name` over row number g, or over the
    columns of a table made by make_rows (`cols`: expression -> column);
    None when an argument has no value."""
    exprs = arg_values(name, args)
    if exprs is None:
        return None
    return f"custvalue.{name}({', '.join((cols or {}).get(e, e) for e in exprs)})"


def make_rows(cur, create, rows, aggs, extra=""):
    """`create` (CREATE [UNLOGGED] TABLE name) as g, the `extra` columns and
    one column per distinct row-dependent argument expression of the
    aggregates `aggs`; returns the map expression -> column for call."""
    exprs = sorted({e for _, name, args, _, _ in aggs for e in arg_values(name, args) or [] if varies(e)})
    cols = {e: f"c{i}" for i, e in enumerate(exprs)}
    select = "".join(f", {e} AS {c}" for e, c in cols.items())
    cur.execute(f"{create} AS SELECT g{extra}{select} FROM generate_series(1, {rows}::int8) g")
    return cols


def fail(what):
    failures.append(what)
    print(f"   FAIL {what}")


# ---- cancellation ----------------------------------------------------------

def run_cancellable(sql, how, after):
    """Run sql on a fresh connection; after `after` s cancel it (statement
    timeout or pg_cancel_backend).  Returns (outcome, latency past the
    request, session usable)."""
    c = connect()
    cur = c.cursor()
    pid = one(cur, "SELECT pg_backend_pid()")
    if how == "statement_timeout":
        cur.execute(f"SET statement_timeout = {int(after * 1000)}")
    else:
        def cancel():
            time.sleep(after)
            k = connect()
            k.cursor().execute("SELECT pg_cancel_backend(%s)", (pid,))
            k.close()
        threading.Thread(target=cancel, daemon=True).start()
    t0 = time.monotonic()
    try:
        cur.execute(sql)
        outcome = "finished"
    except psycopg2.errors.QueryCanceled:
        outcome = "cancelled"
    except psycopg2.Error as e:
        outcome = "error " + (e.pgcode or "?")
    elapsed = time.monotonic() - t0
    usable = session_usable(cur, outcome == "finished")
    c.close()
    return outcome, elapsed - after, elapsed, usable


def session_usable(cur, finished):
    """Whether the session answers a query.  When the timeout or cancel
    request crossed the end of a statement that finished, PostgreSQL
    delivers it to the next statement (plain sum() does the same): that
    one statement, and only it, may be cancelled."""
    for attempt in range(2 if finished else 1):
        try:
            cur.execute("RESET statement_timeout")
            return one(cur, "SELECT 42") == 42
        except psycopg2.errors.QueryCanceled:
            continue
        except psycopg2.Error:
            return False
    return False


def check_cancel(c):
    cur = c.cursor()
    worst = 0.0
    n = 0
    print(f"== cancellation: every aggregate over {CANCEL_ROWS:,} rows, limit {CANCEL_LIMIT} s")
    for sig, name, args, _, _ in aggregates(cur):
        expr = call(name, args)
        if expr is None:
            fail(f"cancel {sig}: no value for an argument")
            continue
        sql = f"SELECT {expr} IS NULL FROM generate_series(1, {CANCEL_ROWS}::int8) g"
        t0 = time.monotonic()
        try:
            cur.execute(sql)
            full = time.monotonic() - t0
        except psycopg2.Error as e:
            fail(f"cancel {sig}: the uncancelled run failed: {e.pgcode} {str(e).splitlines()[0]}")
            continue
        # the transition phase (a third of the way), the last tenth (final
        # function or merge) by each means
        for how, frac in (("statement_timeout", 0.3), ("pg_cancel_backend", 0.6), ("statement_timeout", 0.8)):
            after = max(0.05, full * frac)
            outcome, latency, elapsed, usable = run_cancellable(sql, how, after)
            n += 1
            ok = (outcome == "cancelled" and latency <= CANCEL_LIMIT and usable) or \
                 (outcome == "finished" and elapsed <= after + CANCEL_LIMIT and usable)
            worst = max(worst, latency if outcome == "cancelled" else 0)
            line = (f"{sig}: {how} at {after:.2f} s of {full:.2f} s: {outcome}, "
                    f"{max(latency, 0) * 1000:.0f} ms after the request, session {'usable' if usable else 'BROKEN'}")
            if ok:
                print(f"   ok   {line}")
            else:
                fail(line)
    print(f"   {n} cancellations, worst latency {worst * 1000:.0f} ms")


# ---- peak memory -----------------------------------------------------------

def anon_kb(pid):
    """Private (anonymous) resident memory of a process, in kB.  VmHWM would
    also count the shared buffers a process touches, which a parallel
    worker scanning a cached table touches by the hundred megabytes."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def check_memory(c):
    cur = c.cursor()
    caps = [int(x) for x in os.environ.get("STRESS_MEMORY_CAPS_MB", "64 8").split()]
    print(f"== peak memory: every fit over {MEMORY_ROWS:,} rows (up to 1M distinct values a column), "
          f"custvalue.max_fit_memory = {' and '.join(str(x) + 'MB' for x in caps)}, serial and parallel")
    cur.execute(f"DROP TABLE IF EXISTS mem_rows")
    fits = [a for a in aggregates(cur) if a[3] == "custvalue.fitstate"]
    cols = make_rows(cur, "CREATE UNLOGGED TABLE mem_rows", MEMORY_ROWS, fits)
    cur.execute("ANALYZE mem_rows")
    for sig, name, args, stype, _ in fits:
        expr = call(name, args, cols)
        if expr is None:
            fail(f"memory {sig}: no value for an argument")
            continue
        sql = f"SELECT {expr} IS NULL FROM mem_rows"
        for cap_mb, plan in [(cap, plan) for cap in caps for plan in ("serial", "parallel")]:
            k = connect()
            kc = k.cursor()
            pid = one(kc, "SELECT pg_backend_pid()")
            kc.execute("LOAD 'custvalue'")
            kc.execute(f"SET custvalue.max_fit_memory = '{cap_mb}MB'")
            if plan == "parallel":
                for s in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                          "max_parallel_workers_per_gather = 2"):
                    kc.execute("SET " + s)
            else:
                kc.execute("SET max_parallel_workers_per_gather = 0")
            kc.execute("SELECT count(*) FROM mem_rows")
            base = anon_kb(pid)
            peaks = {}
            lead = [base]
            done = threading.Event()

            def watch():
                # sample the private memory of the leader and its workers
                w = connect()
                wc = w.cursor()
                while not done.is_set():
                    lead[0] = max(lead[0], anon_kb(pid) or 0)
                    wc.execute("SELECT pid FROM pg_stat_activity WHERE leader_pid = %s AND pid <> %s", (pid, pid))
                    for (wp,) in wc.fetchall():
                        v = anon_kb(wp)
                        if v:
                            peaks[wp] = max(peaks.get(wp, 0), v)
                    time.sleep(0.01)
                w.close()
            t = threading.Thread(target=watch, daemon=True)
            t.start()
            outcome = "ok"
            try:
                kc.execute(sql)
            except psycopg2.Error as e:
                outcome = e.pgcode
            done.set()
            t.join()
            k.close()
            grow = (lead[0] - base) / 1024
            wgrow = max(0, max(peaks.values()) / 1024 - base / 1024) if peaks else 0
            lbound = (2 if plan == "parallel" else 1.1) * cap_mb + SLACK_MB
            wbound = 1.1 * cap_mb + SLACK_MB
            line = (f"{sig} {plan}, cap {cap_mb}MB: {outcome}, leader +{grow:.0f} MB (bound {lbound:.0f})"
                    + (f", {len(peaks)} workers at most +{wgrow:.0f} MB (bound {wbound:.0f})" if peaks else ""))
            # the documented bound (Configuration): about 1.1 x the cap for
            # a serial fit and each worker, 2 x for a parallel leader, plus
            # the executor's own working memory
            if outcome not in ("ok", "54000") or grow > lbound or wgrow > wbound:
                fail(line)
            else:
                print(f"   ok   {line}")


# ---- parallel and partition-wise equality ---------------------------------

def check_equality(c):
    cur = c.cursor()
    print(f"== equality: every aggregate over {EQUAL_ROWS:,} rows, serial = forced parallel = partition-wise")
    cur.execute("DROP TABLE IF EXISTS eq_rows, eq_parted")
    aggs = aggregates(cur)
    cols = make_rows(cur, "CREATE TABLE eq_rows", EQUAL_ROWS, aggs, ", g % 4 AS part, g % 3 AS grp")
    cur.execute("CREATE TABLE eq_parted (LIKE eq_rows) PARTITION BY LIST (part)")
    for p in range(4):
        cur.execute(f"CREATE TABLE eq_parted_{p} PARTITION OF eq_parted FOR VALUES IN ({p})")
    cur.execute("INSERT INTO eq_parted SELECT * FROM eq_rows")
    cur.execute("ANALYZE eq_rows; ANALYZE eq_parted")
    parallel = ["parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                "max_parallel_workers_per_gather = 2", "parallel_leader_participation = off"]
    n = 0
    for sig, name, args, _, _ in aggs:
        agg = call(name, args, cols)
        if agg is None:
            fail(f"equality {sig}: no value for an argument")
            continue
        agg += "::text"
        results = compare_plans(cur, sig, agg, "", parallel)
        if str(results["serial"][0]).startswith("error"):
            # an aggregate with a row limit (e.g. O(n^2) in its rows): fewer rows
            results = compare_plans(cur, sig, agg, "WHERE g <= 3000", parallel)
        n += 1
        same = results["serial"] == results["parallel"] == results["partition-wise"]
        line = f"{sig}: serial {'=' if same else '<>'} parallel, partition-wise (overall and 3 groups)"
        if same and not str(results["serial"][0]).startswith("error"):
            print(f"   ok   {line}")
        else:
            fail(line + f" {[str(results[p][0])[:60] for p in results]}")
    print(f"   {n} aggregates compared")


def compare_plans(cur, sig, agg, where, parallel):
    """The aggregate's text overall and per group under each plan."""
    results = {}
    for plan, table, sets in (("serial", "eq_rows", ["max_parallel_workers_per_gather = 0"]),
                              ("parallel", "eq_rows", parallel),
                              ("partition-wise", "eq_parted", ["enable_partitionwise_aggregate = on"] + parallel)):
        cur.execute("RESET ALL")
        for s in sets:
            cur.execute("SET " + s)
        try:
            cur.execute(f"SELECT {agg} FROM {table} {where}")
            total = cur.fetchone()[0]
            cur.execute(f"SELECT grp, {agg} FROM {table} {where} GROUP BY grp ORDER BY grp")
            results[plan] = (total, cur.fetchall())
            cur.execute(f"EXPLAIN (COSTS OFF) SELECT grp, {agg} FROM {table} {where} GROUP BY grp")
            shape = " ".join(r[0] for r in cur.fetchall())
            if plan != "serial" and "Partial" not in shape:
                fail(f"{sig} {plan}: the plan has no partial aggregation")
        except psycopg2.Error as e:
            results[plan] = ("error " + (e.pgcode or "?") + " " + str(e).splitlines()[0], [])
    cur.execute("RESET ALL")
    return results


# ---- dump and restore ------------------------------------------------------

def check_dump(c):
    cur = c.cursor()
    print("== pg_dump/pg_restore of a value of every model type and a state of every fit")
    cur.execute("DROP SCHEMA IF EXISTS keep CASCADE")
    cur.execute("CREATE SCHEMA keep")
    cur.execute("CREATE TABLE keep.models (agg text, typ text, m text)")
    cur.execute("CREATE TABLE keep.states (agg text, s custvalue.fitstate)")
    kinds = 0
    for i, (sig, name, args, stype, ret) in enumerate(aggregates(cur)):
        expr = call(name, args)
        if expr is None:
            fail(f"dump {sig}: no value for an argument")
            continue
        if ret.startswith("custvalue.") and not ret.endswith("fitstate"):
            tab = "keep." + ret.split(".")[1] + "_values"
            cur.execute(f"CREATE TABLE IF NOT EXISTS {tab} (agg text, m {ret})")
            try:
                cur.execute(f"INSERT INTO {tab} SELECT %s, {expr.replace('%', '%%')} FROM generate_series(1, 2000::int8) g", (sig,))
                kinds += 1
            except psycopg2.Error as e:
                fail(f"dump {sig}: no model to dump: {e.pgcode} {str(e).splitlines()[0]}")
        if stype == "custvalue.fitstate":
            cur.execute("SELECT aggtransfn::regproc::text FROM pg_aggregate WHERE aggfnoid = %s::regprocedure", (sig,))
            transfn = cur.fetchone()[0]
            types = ", ".join(t for _, t in args)
            cur.execute(f"CREATE AGGREGATE keep.state_{i}({types}) (SFUNC = {transfn}, STYPE = custvalue.fitstate)")
            try:
                state = ", ".join(arg_values(name, args)).replace('%', '%%')
                cur.execute(f"INSERT INTO keep.states SELECT %s, keep.state_{i}({state}) "
                            f"FROM generate_series(1, 2000::int8) g", (sig,))
            except psycopg2.Error as e:
                fail(f"dump {sig}: no state to dump: {e.pgcode} {str(e).splitlines()[0]}")
    # text and binary form (the type's send function: custvalue's own, or
    # record_send for a composite result) of every value
    cur.execute("""SELECT string_agg(format('SELECT %L AS t, agg, m::text, md5(%s(m)) FROM %s',
                                             c.oid::regclass, t.typsend::regproc, c.oid::regclass), ' UNION ALL ')
                     FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'm'
                     JOIN pg_type t ON t.oid = a.atttypid
                    WHERE c.relnamespace = 'keep'::regnamespace AND c.relkind = 'r' AND t.typnamespace = 'custvalue'::regnamespace""")
    digest_sql = cur.fetchone()[0] + \
        " UNION ALL SELECT 'keep.states', agg, s::text, md5(custvalue.fitstate_send(s)) FROM keep.states ORDER BY 1, 2, 3"
    cur.execute(digest_sql)
    before = cur.fetchall()
    dump = f"/tmp/custvalue_stress_{os.getpid()}.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", dump, DB], check=True)
    k = connect("postgres")
    k.cursor().execute(f"DROP DATABASE IF EXISTS {DB}_restored")
    k.cursor().execute(f"CREATE DATABASE {DB}_restored")
    k.close()
    r = subprocess.run(["pg_restore", "-d", DB + "_restored", "--exit-on-error", dump], capture_output=True, text=True)
    os.unlink(dump)
    if r.returncode != 0:
        fail("pg_restore: " + r.stderr.strip()[:300])
        return
    rc = connect(DB + "_restored")
    rcur = rc.cursor()
    rcur.execute(digest_sql)
    after = rcur.fetchall()
    rc.close()
    line = (f"{len(before)} values ({kinds} fitted models of {len(set(t for t, *_ in before)) - 1} model types, "
            f"{sum(1 for t, *_ in before if t == 'keep.states')} fit states): text and binary equal after restore")
    if before == after and before:
        print(f"   ok   {line}")
    else:
        fail(line.replace("equal", "NOT equal"))


# ---- concurrency -----------------------------------------------------------

def check_pgbench(c):
    """pgbench: clients scoring (the demo's views, which fit and score),
    fitting (every fit aggregate) and refreshing the demo's materialized
    views at once; every result a client saw is recorded as a digest and
    must equal the one of a serial run."""
    db = os.environ.get("STRESS_PGBENCH_DB", "custvalue_demo")
    clients = int(os.environ.get("STRESS_PGBENCH_CLIENTS", 8))
    secs = int(os.environ.get("STRESS_PGBENCH_SECONDS", 60))
    print(f"== concurrency: pgbench, {clients} clients for {secs} s on {db}: scoring, fitting, refreshing")
    d = connect(db)
    cur = d.cursor()
    cur.execute("DROP SCHEMA IF EXISTS stress CASCADE")
    cur.execute("CREATE SCHEMA stress")
    cur.execute("CREATE UNLOGGED TABLE stress.digest (script text, digest text)")
    cur.execute("""SELECT c.oid::regclass::text, c.relkind,
                          EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique)
                     FROM pg_class c
                    WHERE c.relkind IN ('v', 'm') AND pg_get_viewdef(c.oid) LIKE '%custvalue.%'
                      AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'custvalue'::regnamespace)
                    ORDER BY 1""")
    scripts = {}
    for rel, kind, unique in cur.fetchall():
        digest = f"(SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {rel} t)"
        if kind == "v":
            scripts["score " + rel] = f"INSERT INTO stress.digest VALUES ('score {rel}', {digest});"
        else:
            # its defining query: fitting and scoring as the refresh does
            cur.execute("SELECT rtrim(pg_get_viewdef(%s::regclass), ';')", (rel,))
            q = " ".join(cur.fetchone()[0].split())
            scripts["score " + rel] = (f"INSERT INTO stress.digest SELECT 'score {rel}', "
                                       f"md5(string_agg(t::text, '|' ORDER BY t::text)) FROM ({q}) t;")
            how = "CONCURRENTLY " if unique else ""
            scripts["refresh " + rel] = (f"REFRESH MATERIALIZED VIEW {how}{rel};\n"
                                         f"INSERT INTO stress.digest VALUES ('refresh {rel}', {digest});")
    for sig, name, args, _, _ in aggregates(cur):
        expr = call(name, args)
        if expr is None:
            fail(f"pgbench {sig}: no value for an argument")
            continue
        scripts["fit " + sig] = (f"INSERT INTO stress.digest SELECT 'fit {sig}', md5({expr}::text) "
                                 f"FROM generate_series(1, 5000::int8) g;")
    workdir = f"/tmp/custvalue_pgbench_{os.getpid()}"
    os.makedirs(workdir, exist_ok=True)
    files = []
    for i, (key, sql) in enumerate(sorted(scripts.items())):
        try:
            cur.execute(sql)        # the serial run
        except psycopg2.Error as e:
            fail(f"{key}: the serial run failed: {e.pgcode} {str(e).splitlines()[0]}")
            del scripts[key]
            continue
        f = os.path.join(workdir, f"s{i}.sql")
        with open(f, "w") as fh:
            fh.write(sql + "\n")
        files.append(f)
    os.chmod(workdir, 0o755)
    cur.execute("SELECT script, digest FROM stress.digest")
    serial = dict(cur.fetchall())
    cur.execute("TRUNCATE stress.digest")
    log_before = server_log_size()
    cmd = ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(secs), db] + sum((["-f", f] for f in files), [])
    r = subprocess.run(cmd, capture_output=True, text=True)
    tx = [l for l in r.stdout.splitlines() if l.startswith("number of transactions actually processed")
          or l.startswith("number of failed transactions")]
    aborted = [l for l in (r.stdout + r.stderr).splitlines() if "aborted" in l or "ERROR" in l]
    cur.execute("SELECT script, count(*), count(DISTINCT digest), min(digest), max(digest) FROM stress.digest GROUP BY 1 ORDER BY 1")
    seen = cur.fetchall()
    deadlocks = server_log_grep(log_before, "deadlock detected")
    differs = [k for k, n, nd, lo, hi in seen if nd != 1 or lo != serial.get(k)]
    never = sorted(set(scripts) - {k for k, *_ in seen})
    print(f"   {len(scripts)} scripts ({sum(k.startswith('score') for k in scripts)} scoring views, "
          f"{sum(k.startswith('fit') for k in scripts)} fits, {sum(k.startswith('refresh') for k in scripts)} refreshed materialized views); "
          + "; ".join(t.strip() for t in tx))
    for k, n, nd, lo, hi in seen:
        print(f"   {'ok  ' if k not in differs else 'FAIL'} {k}: {n} runs, {'same as serial' if k not in differs else 'DIFFERS from serial'}")
    if r.returncode != 0 or aborted:
        fail(f"pgbench exit {r.returncode}: " + " | ".join(aborted[:5]))
    if deadlocks:
        fail(f"{deadlocks} deadlock(s) in the server log")
    for k in differs:
        fail(f"{k}: a concurrent result differs from the serial run")
    for k in never:
        fail(f"{k}: never ran concurrently")
    if not differs and not never and r.returncode == 0 and not aborted and not deadlocks:
        print(f"   ok   no error, no deadlock, every concurrent result equal to the serial run")
    cur.execute("DROP SCHEMA stress CASCADE")
    d.close()
    shutil.rmtree(workdir, ignore_errors=True)


def server_log_size():
    log = os.path.join(os.environ.get("PGHOST", ""), "server.log")
    return os.path.getsize(log) if os.path.exists(log) else 0


def server_log_grep(offset, text):
    log = os.path.join(os.environ.get("PGHOST", ""), "server.log")
    if not os.path.exists(log):
        return 0
    with open(log, errors="replace") as f:
        f.seek(offset)
        return f.read().count(text)


def main():
    checks = sys.argv[1:] or ["cancel", "memory", "equality", "dump"]
    c = setup()
    for ch in checks:
        {"cancel": check_cancel, "memory": check_memory, "equality": check_equality, "dump": check_dump,
         "pgbench": check_pgbench}[ch](c)
    c.close()
    if failures:
        print(f"   {len(failures)} check(s) did not hold")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
