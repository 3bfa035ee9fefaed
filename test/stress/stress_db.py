#!/usr/bin/python3
"""The database-side checks of make stress, over every aggregate of the
extension found in the catalog (a new fit is covered without a new line,
unless it takes an argument type that GOOD below does not know):

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
            type and a state of every fit: text-equal and binary-equal.

Usage: stress_db.py CHECK... (PGHOST/PGPORT/PGUSER of a cluster with
custvalue installable; run as root or as the cluster's owner, as the peak
memory is read from /proc).  Prints one line per case and a summary per
check; exits non-zero when something did not hold.
"""
import os
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

# A value of each argument type as a function of the row number g.
# Arguments named like a fixed parameter of the fit get a constant.
GOOD = {
    "double precision": "((g * 7919) % 100003)::float8 / 7",
    "double precision[]": "ARRAY[(g * 7919) % 100003, g % 37, (g * 104729) % 1000003 / 3.0, g % 5]::float8[]",
    "integer": "(g % 3)::int",
    "bigint": "(g % 1000 + 1)::int8",
    "boolean": "((g * 7919) % 100003 < 30000 + (g % 37) * 1000)",
    "text[]": "ARRAY['c' || (g % 5), 'd' || (g % 3)]",
    "text": "('c' || (g % 5))",
    "date": "('2024-01-01'::date + (g % 365)::int)",
    "timestamp with time zone": "('2024-01-01'::timestamptz + (g % 365) * interval '1 day')",
    "timestamp without time zone": "('2024-01-01'::timestamp + (g % 365) * interval '1 day')",
    "jsonb": "'{}'::jsonb",
}
CONSTANT = {"k": "3", "period": "12", "periods": "12", "top": "3", "bins": "5"}
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


def call(name, args):
    """The SQL of a call of aggregate `name` over row number g; None when an
    argument type has no good value."""
    exprs = []
    for argname, typ in args:
        if argname in CONSTANT:
            exprs.append(CONSTANT[argname])
        elif typ in GOOD:
            exprs.append(GOOD[typ])
        else:
            return None
    return f"custvalue.{name}({', '.join(exprs)})"


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
    try:
        cur.execute("RESET statement_timeout")
        usable = one(cur, "SELECT 42") == 42
    except psycopg2.Error:
        usable = False
    c.close()
    return outcome, elapsed - after, elapsed, usable


def check_cancel(c):
    cur = c.cursor()
    worst = 0.0
    n = 0
    print(f"== cancellation: every aggregate over {CANCEL_ROWS:,} rows, limit {CANCEL_LIMIT} s")
    for sig, name, args, _, _ in aggregates(cur):
        expr = call(name, args)
        if expr is None:
            fail(f"cancel {sig}: no good value for an argument type")
            continue
        sql = f"SELECT {expr} IS NULL FROM generate_series(1, {CANCEL_ROWS}::int8) g"
        t0 = time.monotonic()
        try:
            cur.execute(sql)
            full = time.monotonic() - t0
        except psycopg2.Error as e:
            print(f"   skip {sig}: {e.pgcode} {str(e).splitlines()[0]}")
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
    cols = ", ".join(f"{GOOD[t]} AS c{i}" for i, t in enumerate(GOOD) if t != "jsonb")
    cur.execute(f"CREATE UNLOGGED TABLE mem_rows AS SELECT g, {cols} FROM generate_series(1, {MEMORY_ROWS}::int8) g")
    cur.execute("ANALYZE mem_rows")
    colmap = {t: f"c{i}" for i, t in enumerate(GOOD) if t != "jsonb"}
    for sig, name, args, stype, _ in aggregates(cur):
        if stype != "custvalue.fitstate":
            continue
        exprs = []
        for argname, typ in args:
            exprs.append(CONSTANT.get(argname) or colmap.get(typ) or ("'{}'::jsonb" if typ == "jsonb" else None))
        if None in exprs:
            fail(f"memory {sig}: no good value for an argument type")
            continue
        sql = f"SELECT custvalue.{name}({', '.join(exprs)}) IS NULL FROM mem_rows"
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
            lbound = (3 if plan == "parallel" else 1.1) * cap_mb + SLACK_MB
            wbound = 1.1 * cap_mb + SLACK_MB
            line = (f"{sig} {plan}, cap {cap_mb}MB: {outcome}, leader +{grow:.0f} MB (bound {lbound:.0f})"
                    + (f", {len(peaks)} workers at most +{wgrow:.0f} MB (bound {wbound:.0f})" if peaks else ""))
            # the documented bound (Configuration): about 1.1 x the cap for
            # a serial fit and each worker, 3 x for a parallel leader, plus
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
    cols = ", ".join(f"{GOOD[t]} AS c{i}" for i, t in enumerate(GOOD) if t != "jsonb")
    cur.execute(f"CREATE TABLE eq_rows AS SELECT g, g % 4 AS part, g % 3 AS grp, {cols} FROM generate_series(1, {EQUAL_ROWS}::int8) g")
    cur.execute("CREATE TABLE eq_parted (LIKE eq_rows) PARTITION BY LIST (part)")
    for p in range(4):
        cur.execute(f"CREATE TABLE eq_parted_{p} PARTITION OF eq_parted FOR VALUES IN ({p})")
    cur.execute("INSERT INTO eq_parted SELECT * FROM eq_rows")
    cur.execute("ANALYZE eq_rows; ANALYZE eq_parted")
    colmap = {t: f"c{i}" for i, t in enumerate(GOOD) if t != "jsonb"}
    parallel = ["parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                "max_parallel_workers_per_gather = 2", "parallel_leader_participation = off"]
    n = 0
    for sig, name, args, _, _ in aggregates(cur):
        exprs = [CONSTANT.get(a) or colmap.get(t) or ("'{}'::jsonb" if t == "jsonb" else None) for a, t in args]
        if None in exprs:
            fail(f"equality {sig}: no good value for an argument type")
            continue
        agg = f"custvalue.{name}({', '.join(exprs)})::text"
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
            continue
        if ret.startswith("custvalue.") and not ret.endswith("fitstate"):
            tab = "keep." + ret.split(".")[1] + "_values"
            cur.execute(f"CREATE TABLE IF NOT EXISTS {tab} (agg text, m {ret})")
            try:
                cur.execute(f"INSERT INTO {tab} SELECT %s, {expr.replace('%', '%%')} FROM generate_series(1, 2000::int8) g", (sig,))
                kinds += 1
            except psycopg2.Error as e:
                print(f"   skip {sig}: {e.pgcode} {str(e).splitlines()[0]}")
        if stype == "custvalue.fitstate":
            cur.execute("SELECT aggtransfn::regproc::text FROM pg_aggregate WHERE aggfnoid = %s::regprocedure", (sig,))
            transfn = cur.fetchone()[0]
            types = ", ".join(t for _, t in args)
            cur.execute(f"CREATE AGGREGATE keep.state_{i}({types}) (SFUNC = {transfn}, STYPE = custvalue.fitstate)")
            try:
                cur.execute(f"INSERT INTO keep.states SELECT %s, keep.state_{i}({expr.split('(', 1)[1][:-1].replace('%', '%%')}) "
                            f"FROM generate_series(1, 2000::int8) g", (sig,))
            except psycopg2.Error as e:
                print(f"   skip state of {sig}: {e.pgcode} {str(e).splitlines()[0]}")
    cur.execute("""SELECT string_agg(format('SELECT %L AS t, agg, m::text, md5(' || (SELECT proname FROM pg_proc WHERE oid = typsend) || '(m)) FROM %s',
                                             c.oid::regclass, c.oid::regclass), ' UNION ALL ')
                     FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'm'
                     JOIN pg_type t ON t.oid = a.atttypid
                    WHERE c.relnamespace = 'keep'::regnamespace AND c.relkind = 'r' AND t.typnamespace = 'custvalue'::regnamespace""")
    digest_sql = cur.fetchone()[0].replace("md5(", "md5(custvalue.") + \
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
        if expr is not None:
            scripts["fit " + sig] = (f"INSERT INTO stress.digest SELECT 'fit {sig}', md5({expr}::text) "
                                     f"FROM generate_series(1, 5000::int8) g;")
    workdir = f"/tmp/custvalue_pgbench_{os.getpid()}"
    os.makedirs(workdir, exist_ok=True)
    files = []
    for i, (key, sql) in enumerate(sorted(scripts.items())):
        f = os.path.join(workdir, f"s{i}.sql")
        with open(f, "w") as fh:
            fh.write(sql.replace("\\n", "\n") + "\n")
        files.append(f)
        cur.execute(sql.replace("\\n", "\n"))     # the serial run
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
    if not differs and r.returncode == 0 and not aborted and not deadlocks:
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
