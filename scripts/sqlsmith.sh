#!/usr/bin/env bash
# make sqlsmith: random SQL from sqlsmith against a database holding
# custvalue, the demo data (its materialized views hold models) and a
# table with a value of every model type, as an ordinary role that may
# only read; the server must survive every query.
#
#   SQLSMITH_QUERIES=20000   queries to generate (default 20,000)
#   SQLSMITH_SEED=1          random seed (the same queries on every run)
#   SQLSMITH_SCALE=2000      companies in the demo data
#
# Prints how many queries were sent, how many called a custvalue function,
# the most frequent errors, and the server crashes (none is the pass
# condition).  A crashing query is saved in build/sqlsmith/crash-N.sql:
# turn it into a regression test.  Everything is in build/sqlsmith/.
set -uo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
queries=${SQLSMITH_QUERIES:-20000}
seed=${SQLSMITH_SEED:-1}
out=build/sqlsmith
rm -rf "$out"; mkdir -p "$out"
command -v sqlsmith >/dev/null || { echo "sqlsmith: not installed (Debian package sqlsmith; scripts/bootstrap.sh installs it)" >&2; exit 1; }

cluster=smith
export CUSTVALUE_DEMO_SCALE=${SQLSMITH_SCALE:-2000}
# the demo builds, installs, starts a cluster named "demo" and loads the data
scripts/demo.sh > "$out/demo.log" 2>&1 || { tail -20 "$out/demo.log"; exit 1; }
trap 'scripts/cluster.sh stop demo >/dev/null 2>&1' EXIT
eval "$(scripts/cluster.sh env demo)"
export PGHOST PGPORT PGUSER
db=custvalue_demo
log=$PGHOST/server.log
psql -qX -v ON_ERROR_STOP=1 -d "$db" <<'SQL' || exit 1
-- the scheduler's tables are not what is under test
DROP EXTENSION pg_cron CASCADE;
-- one value of every model type, from the columns of the demo that hold one
DO $$
DECLARE t record; c record; cols text := '';
BEGIN
  FOR t IN SELECT oid::regtype AS typ, typname FROM pg_type
            WHERE typnamespace = 'custvalue'::regnamespace AND typtype = 'b' AND typelem = 0
              AND oid <> 'custvalue.fitstate'::regtype LOOP
    cols := cols || format(', %I %s', t.typname, t.typ);
  END LOOP;
  EXECUTE format('CREATE TABLE public.smith_models (id int%s)', cols);
  INSERT INTO public.smith_models (id) VALUES (1);
  FOR c IN SELECT a.attrelid::regclass AS rel, a.attname, a.atttypid::regtype AS typ, ty.typname
             FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid JOIN pg_type ty ON ty.oid = a.atttypid
            WHERE ty.typnamespace = 'custvalue'::regnamespace AND ty.typtype = 'b' AND ty.typelem = 0
              AND r.relnamespace NOT IN ('pg_catalog'::regnamespace, 'custvalue'::regnamespace)
              AND r.relkind IN ('r', 'm') AND a.attnum > 0 LOOP
    EXECUTE format('UPDATE public.smith_models SET %I = (SELECT %I FROM %s WHERE %I IS NOT NULL LIMIT 1) WHERE %I IS NULL',
                   c.typname, c.attname, c.rel, c.attname, c.typname);
  END LOOP;
END $$;
CREATE ROLE smith LOGIN;
ALTER ROLE smith SET statement_timeout = '2s';
ALTER ROLE smith SET log_error_verbosity = 'verbose';   -- SQLSTATEs in the server log
DO $$
DECLARE s text;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
            WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'custvalue', 'pg_toast', 'cron')
              AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast%' LOOP
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO smith', s);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO smith', s);
  END LOOP;
END $$;
SQL
pm_before=$(head -1 "$PGHOST/data/postmaster.pid")
start=$SECONDS
timeout $((queries / 5 + 600)) sqlsmith --target="host=$PGHOST port=$PGPORT user=smith dbname=$db" \
  --seed="$seed" --max-queries="$queries" --exclude-catalog --dump-all-queries --verbose \
  > "$out/queries.sql" 2> "$out/sqlsmith.log"
rc=$?
secs=$((SECONDS - start))
pm_after=$(head -1 "$PGHOST/data/postmaster.pid" 2>/dev/null)

cp "$log" "$out/server.log"
# queries: sqlsmith ends each one with ";" and a newline
sent=$(awk 'BEGIN { RS = ";\n" } NF { n++ } END { print n + 0 }' "$out/queries.sql")
ours=$(awk 'BEGIN { RS = ";\n" } /custvalue\./ { n++ } END { print n + 0 }' "$out/queries.sql")
fns=$(grep -o 'custvalue\.[a-z_0-9]*' "$out/queries.sql" | sort | uniq -c | sort -rn)
# a backend crash: the postmaster logs "server process (PID n) was
# terminated by signal ..." or "... exited with exit code n" (pg_cron's
# launcher, a background worker, exits 1 until its database exists)
crash_re='server process \(PID [0-9]+\) (was terminated by signal|exited with exit code [1-9])'
crashes=$(grep -cE "$crash_re" "$out/server.log" || true)
grep -A1 -E "$crash_re" "$out/server.log" \
  | sed -n 's/.*Failed process was running: //p' \
  | awk -v d="$out" '{ n++; f = d "/crash-" n ".sql"; print $0 ";" > f }'

echo "   sqlsmith: $sent queries in ${secs} s (seed $seed, exit $rc), $ours of them call custvalue functions"
echo "$fns" | head -15 | awk 'NF { printf "      %6d  %s\n", $1, $2 }'
echo "   most frequent errors (of $(grep -c 'ERROR:  [0-9A-Z]\{5\}:' "$out/server.log") logged):"
grep -E '^[0-9]+	ERROR: ' "$out/sqlsmith.log" | awk -F'\t' '{ c[$2] = $1 } END { for (m in c) print c[m] "\t" m }' \
  | sort -rn | head -6 | sed 's/^/      /'
internal=$(grep -E 'ERROR:  XX[0-9A-Z]{3}:' "$out/server.log" | grep -ciE 'custvalue|fit state|model|rfm|scorecard' || true)
echo "   internal errors (XX...) mentioning custvalue: $internal"
grep -E 'ERROR:  XX[0-9A-Z]{3}:' "$out/server.log" | sort | uniq -c | sort -rn | head -5 | sed 's/^/      /'
if [ "$crashes" -gt 0 ] || [ "$pm_before" != "$pm_after" ]; then
  echo "   FAIL: $crashes server crash(es); queries in $out/crash-*.sql"
  exit 1
fi
if [ "$internal" -gt 0 ]; then
  echo "   FAIL: internal errors from custvalue (queries: grep -B1 XX0 $out/server.log)"
  exit 1
fi
echo "   ok   no server crash (server log checked, postmaster $pm_before still up)"
