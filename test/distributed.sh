#!/usr/bin/env bash
# The distributed path of every fit, emulated without Citus.
#
# Citus runs a custvalue fit over a distributed table in two steps: each
# worker aggregates its shards with the aggregate's transition function only
# (worker_partial_agg) and sends the partial state to the coordinator as the
# state type's text; the coordinator reads the states back with the type's
# input function, merges them with the combine function and applies the
# final function (coord_combine_agg).  This test does the same with three
# databases and psql: the rows are split by id between two "worker"
# databases, each computes its partial states (per group and overall) and
# ships them as text through COPY, and a "coordinator" database combines
# them.  The result must be text-equal to the fit of all rows in one
# database, per group and overall.
#
# The partial and combining aggregates are built from the catalog
# (pg_aggregate: transition function, state type, initial value, combine
# and final functions), as Citus builds its calls, so a fit needs no code
# here: add ONE line to FITS below,
#
#     <the aggregate's signature>|<its arguments over table t>
#
# t has columns id int, g text (a non-distribution group), r, f, m float8
# (recency-, frequency- and monetary-like, with ties), n float8 (a 0-10
# rating, NULL for a fifth of the rows); e.g. for a k-means fit:
#
#     custvalue.kmeans_fit(float8[],integer,jsonb)|ARRAY[r, f, m], 3, '{"seed": 1}'
#
# A fit whose final function takes extra arguments (FINALFUNC_EXTRA) is not
# supported here and fails the test with a message.  Every aggregate of
# the extension must be in the list: the test names any that is missing.
# Runs against the cluster in PGHOST/PGPORT/PGUSER (set by scripts/test.sh).
set -euo pipefail

FITS="
custvalue.scorecard_fit(float8[])|ARRAY[r, f, m]
custvalue.scorecard_fit(float8[],jsonb)|ARRAY[r, f, m, n], '{\"weights\": [1, 2, 3, 1], \"higher_is_better\": [false, true, true, true]}'
custvalue.rfmn_fit(float8,float8,float8,float8)|r, f, m, n
custvalue.rfmn_fit(float8,float8,float8,float8,jsonb)|r, f, m, n, '{\"bins\": 7, \"ties\": \"first\"}'
custvalue.nps(integer)|n::int
custvalue.kmeans_fit(float8[],integer)|ARRAY[r, f, m], 3
custvalue.kmeans_fit(float8[],integer,jsonb)|ARRAY[r, f, m], 4, '{\"seed\": 1, \"n_init\": 2, \"max_rows\": 3000}'
custvalue.silhouette(float8[],integer)|ARRAY[r, f, m], (f > 1)::int
custvalue.silhouette(float8[],integer,jsonb)|ARRAY[r, m], id % 4, '{\"max_rows\": 500, \"standardize\": true}'
custvalue.seasonality_index(float8,integer,integer)|m, 1 + id % 4, 4
custvalue.tree_fit(float8[],boolean)|ARRAY[r, f, n], m > 500
custvalue.tree_fit(float8[],boolean,jsonb)|ARRAY[r, f, m], n > 5, '{\"max_depth\": 3, \"criterion\": \"entropy\"}'
custvalue.tree_fit(float8[],text[],boolean)|ARRAY[r, f], ARRAY[CASE WHEN id % 3 = 0 THEN 'x' ELSE 'y' END], m > 500
custvalue.tree_fit(float8[],text[],boolean,jsonb)|ARRAY[r, f], ARRAY[CASE WHEN id % 3 = 0 THEN 'x' ELSE 'y' END], m > 500, '{\"min_samples_leaf\": 20}'
custvalue.tree_fit(float8[],float8)|ARRAY[r, f, n], m
custvalue.tree_fit(float8[],float8,jsonb)|ARRAY[r, f], m, '{\"max_depth\": 7, \"min_samples_split\": 30}'
custvalue.tree_fit(float8[],text[],float8)|ARRAY[r], ARRAY[CASE WHEN id % 3 = 0 THEN 'x' ELSE 'y' END], m
custvalue.tree_fit(float8[],text[],float8,jsonb)|ARRAY[r, n], ARRAY[CASE WHEN id % 3 = 0 THEN 'x' ELSE 'y' END], m, '{\"max_rows\": 1000}'
custvalue.churn_fit(float8[],boolean)|ARRAY[r, f, m], (id * 31 % 7) < 2
custvalue.churn_fit(float8[],boolean,jsonb)|ARRAY[r, f, n], m < 300, '{\"l2\": 1, \"max_rows\": 5000, \"names\": [\"r\", \"f\", \"n\"]}'
custvalue.churn_fit(float8[],text[],boolean)|ARRAY[r, m], ARRAY[(n::int % 3)::text], (id * 31 % 7) < 2
custvalue.churn_fit(float8[],text[],boolean,jsonb)|ARRAY[f], ARRAY[(id % 4)::text, (n::int % 2)::text], m < 300, '{\"standardize\": false}'
custvalue.best_split(float8,boolean)|r, m < 300
custvalue.roc_auc(float8,boolean)|m / 1000, n > 5
custvalue.average_precision(float8,boolean)|m / 1000, n > 5
custvalue.threshold_for_precision(float8,boolean,float8)|f, n > 5, 0.3
custvalue.confusion_at(float8,boolean,float8)|m, n > 5, 500
custvalue.lift_at(float8,boolean,float8)|m, n > 5, 0.1
custvalue.log_loss(float8,boolean)|m / 1001, n > 5
custvalue.brier_score(float8,boolean)|m / 1001, n > 5
custvalue.calibration(float8,boolean,integer)|m / 1001, n > 5, 10
custvalue.psi(float8,boolean,integer)|m, r > 100, 10
custvalue.roc_curve(float8,boolean)|m, n > 5
custvalue.pr_curve(float8,boolean)|f, n > 5
custvalue.zscore_fit(float8[])|ARRAY[r, f, m, n]
custvalue.zscore_fit(float8[],jsonb)|ARRAY[r, f], '{\"names\": [\"recency\", \"frequency\"]}'
custvalue.clv_summary(date,float8,date)|date '2024-01-01' + r::int, m, date '2024-10-31'
custvalue.clv_summary(date,float8,date,jsonb)|date '2024-01-01' + r::int, m, date '2024-12-31', '{\"period\": \"week\", \"time_unit\": \"week\"}'
custvalue.clv_summary(timestamp,float8,timestamp)|timestamp '2024-01-01' + r * interval '5 hours', m, timestamp '2024-12-31'
custvalue.clv_summary(timestamp,float8,timestamp,jsonb)|timestamp '2024-01-01' + r * interval '5 hours', m, timestamp '2024-12-31', '{\"period\": \"hour\"}'
custvalue.clv_summary(timestamptz,float8,timestamptz)|timestamptz '2024-01-01 00:00+00' + r * interval '1 day', m, timestamptz '2024-12-31 00:00+00'
custvalue.clv_summary(timestamptz,float8,timestamptz,jsonb)|timestamptz '2024-01-01 00:00+00' + r * interval '1 day', m, timestamptz '2024-12-31 00:00+00', '{\"period\": \"month\"}'
custvalue.bgnbd_fit(float8,float8,float8)|f - 1, CASE WHEN f = 1 THEN 0 ELSE r END, 365
custvalue.bgnbd_fit(float8,float8,float8,jsonb)|f - 1, CASE WHEN f = 1 THEN 0 ELSE r END, 365, '{\"penalizer\": 0.01, \"time_unit\": \"week\"}'
custvalue.gammagamma_fit(float8,float8)|f - 1, m
custvalue.gammagamma_fit(float8,float8,jsonb)|f - 1, m, '{\"max_iter\": 50}'
"

tag=cv_dist_$$
dbs=("${tag}_w1" "${tag}_w2" "${tag}_coord")
work=$(mktemp -d)
cleanup() {
  for d in "${dbs[@]}"; do psql -qX -d postgres -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { psql -qX -v ON_ERROR_STOP=1 -d "$@"; }

# Rows: worker 1 holds odd ids, worker 2 even ids (a distribution on id),
# the coordinator all of them (the single-node reference).
rows="SELECT i AS id, (ARRAY['north', 'south', 'east'])[1 + i % 3] AS g,
             CASE WHEN i % 4 = 0 THEN 0 ELSE (i * 37 % 365) END::float8 AS r,
             CASE WHEN i % 10 < 6 THEN 1 ELSE 1 + i % 40 END::float8 AS f,
             round((i * 7919 % 10007) / 10.0, 1)::float8 AS m,
             CASE WHEN i % 5 = 0 THEN NULL ELSE (i * 13 % 11) END::float8 AS n
        FROM generate_series(1, 20000) i"
for d in "${dbs[@]}"; do psql -qX -d postgres -c "CREATE DATABASE $d" >/dev/null; done
q "${dbs[0]}" -c "CREATE EXTENSION custvalue" -c "CREATE TABLE t AS SELECT * FROM ($rows) s WHERE id % 2 = 1"
q "${dbs[1]}" -c "CREATE EXTENSION custvalue" -c "CREATE TABLE t AS SELECT * FROM ($rows) s WHERE id % 2 = 0"
q "${dbs[2]}" -c "CREATE EXTENSION custvalue" -c "CREATE TABLE t AS $rows"

# The partial aggregate (transition function only) and the combining one,
# from the catalog; printed as SQL to run in the same session.
build_aggregates() {
  q "$1" -At -c "
    SELECT format('CREATE AGGREGATE pg_temp.cv_partial(%s) (SFUNC = %s, STYPE = %s%s);',
                  pg_get_function_identity_arguments(a.aggfnoid), a.aggtransfn::regproc,
                  format_type(a.aggtranstype, NULL),
                  CASE WHEN a.agginitval IS NOT NULL THEN ', INITCOND = ' || quote_literal(a.agginitval) ELSE '' END)
           || format(' CREATE AGGREGATE pg_temp.cv_combine(%1\$s) (SFUNC = %2\$s, STYPE = %1\$s);',
                     format_type(a.aggtranstype, NULL), a.aggcombinefn::regproc)
      FROM pg_aggregate a WHERE a.aggfnoid = '$2'::regprocedure
       AND a.aggcombinefn <> 0 AND NOT a.aggfinalextra"
}

while IFS='|' read -r sig args; do
  [ -n "$sig" ] || continue
  ddl=$(build_aggregates "${dbs[2]}" "$sig")
  [ -n "$ddl" ] || fail "$sig: no such aggregate, or it has no combine function, or its final function takes extra arguments"
  stype=$(q "${dbs[2]}" -At -c "SELECT format_type(aggtranstype, NULL) FROM pg_aggregate WHERE aggfnoid = '$sig'::regprocedure")
  final=$(q "${dbs[2]}" -At -c "SELECT CASE WHEN aggfinalfn <> 0 THEN aggfinalfn::regproc::text END FROM pg_aggregate WHERE aggfnoid = '$sig'::regprocedure")
  name=${sig%%(*}
  # workers: partial states per group and overall ('*'), shipped as text
  for w in 0 1; do
    q "${dbs[$w]}" <<SQL
$ddl
\\copy (SELECT g, pg_temp.cv_partial($args)::text FROM t GROUP BY g UNION ALL SELECT '*', pg_temp.cv_partial($args)::text FROM t) TO '$work/states.$w'
SQL
  done
  # coordinator: read the states with the type's input, combine, finish;
  # compare with the single-node fit of all rows
  result=$(q "${dbs[2]}" -At <<SQL
$ddl
CREATE TEMP TABLE states (g text, s text);
\\copy states FROM '$work/states.0'
\\copy states FROM '$work/states.1'
CREATE TEMP TABLE combined AS
SELECT g, ${final:-}(pg_temp.cv_combine(s::$stype))::text AS v FROM states GROUP BY g;
CREATE TEMP TABLE single AS
SELECT g, $name($args)::text AS v FROM t GROUP BY g UNION ALL SELECT '*', $name($args)::text FROM t;
SELECT (SELECT count(*) FROM states) || ' states, ' || count(*) || ' groups, ' ||
       count(*) FILTER (WHERE c.v IS NOT DISTINCT FROM s.v AND s.v IS NOT NULL) || ' equal'
  FROM single s FULL JOIN combined c USING (g);
SQL
)
  echo "$sig: $result"
  [ "$result" = "8 states, 4 groups, 4 equal" ] || fail "$sig: combined partial states differ from the single-node fit"
done <<< "$FITS"
# Every aggregate of the extension must be in the list.
listed=$(printf '%s\n' "$FITS" | sed -n 's/|.*//p' | paste -sd';' -)
missing=$(q "${dbs[2]}" -At -c "
  SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text)
    FROM pg_proc p WHERE p.pronamespace = 'custvalue'::regnamespace AND p.prokind = 'a'
     AND p.oid <> ALL (SELECT unnest(string_to_array('$listed', ';'))::regprocedure)")
[ -z "$missing" ] || fail "aggregates not in FITS (add one line each): $missing"
