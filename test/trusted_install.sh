#!/usr/bin/env bash
# custvalue is a trusted extension that ordinary roles install and use:
#   1. a role whose only privilege is CREATE on the database installs it
#      (no superuser), and cannot then add objects to schema custvalue;
#   2. a role with no grants at all uses every function: the test fails
#      naming any custvalue function that is neither called by the workload
#      below nor an I/O, planner-support or aggregate-support function, and
#      any aggregate the workload does not run;
#   3. CREATE EXTENSION refuses a schema custvalue that already exists (so
#      nobody can prepare it), and no function is SECURITY DEFINER, LEAKPROOF
#      or carries a SET clause;
#   4. row-level security: a tenant reading a table with a policy gets from
#      every fit and scoring function exactly what it gets on a copy of its
#      own rows, and a function that raises errors on the hidden rows' values
#      never sees them.
# Adding a SQL-callable function: add a call of it to the workload (the
# heredoc marked WORKLOAD); adding an aggregate: run it there too.
# Runs against the cluster in PGHOST/PGPORT/PGUSER (set by scripts/test.sh).
set -euo pipefail
db=cv_trusted_$$
installer=cv_installer_$$
user=cv_nogrants_$$
tenant=cv_tenant_$$
out=$(mktemp -d)
su=(psql -qX -v ON_ERROR_STOP=1 -d "$db")
cleanup() {
  psql -qX -d postgres -c "DROP DATABASE IF EXISTS $db" \
    -c "DROP ROLE IF EXISTS $installer" -c "DROP ROLE IF EXISTS $user" -c "DROP ROLE IF EXISTS $tenant" \
    >/dev/null 2>&1 || true
  rm -rf "$out"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

psql -qX -v ON_ERROR_STOP=1 -d postgres <<SQL
CREATE ROLE $installer LOGIN;
CREATE ROLE $user LOGIN;
CREATE ROLE $tenant LOGIN;
CREATE DATABASE $db;
GRANT CREATE ON DATABASE $db TO $installer;
-- the workload's call counts (a setting, not a privilege; only a superuser may set it)
ALTER ROLE $user SET track_functions = 'all';
SQL

# 3. A schema custvalue that exists already is refused, whoever made it.
"${su[@]}" -c "CREATE SCHEMA custvalue AUTHORIZATION $installer"
if psql -qX -U "$installer" -d "$db" -c "CREATE EXTENSION custvalue" 2>"$out/err"; then
  fail "CREATE EXTENSION used a schema custvalue prepared by $installer"
fi
grep -q 'schema "custvalue" already exists' "$out/err" || fail "unexpected error: $(cat "$out/err")"
"${su[@]}" -c "DROP SCHEMA custvalue"

# 1. The installer: CREATE on the database and nothing else.
super=$(psql -qXAt -d "$db" -c "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = '$installer'")
[ "$super" = f ] || fail "$installer has role attributes"
psql -qX -v ON_ERROR_STOP=1 -U "$installer" -d "$db" -c "CREATE EXTENSION custvalue"
if psql -qX -U "$installer" -d "$db" -c "CREATE FUNCTION custvalue.f() RETURNS int LANGUAGE sql AS 'SELECT 1'" 2>/dev/null; then
  fail "$installer could add a function to schema custvalue"
fi
echo "installed by $installer (CREATE on the database only)"

# 3. Catalog rules for a trusted extension.
"${su[@]}" -At > "$out/catalog" <<SQL
SELECT 'extension owned by the installer, schema a member owned by a superuser: ' ||
       (e.extowner = '$installer'::regrole AND r.rolsuper
        AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                      AND d.objid = n.oid AND d.refobjid = e.oid AND d.deptype = 'e'))
  FROM pg_extension e, pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner
 WHERE e.extname = 'custvalue' AND n.nspname = 'custvalue';
SELECT 'no SECURITY DEFINER, LEAKPROOF or SET: ' || (count(*) FILTER (WHERE prosecdef OR proleakproof OR proconfig IS NOT NULL) = 0)
       || ' (' || count(*) || ' functions)'
  FROM pg_proc WHERE pronamespace = 'custvalue'::regnamespace;
SELECT 'PUBLIC may use the schema, every function and every type: ' ||
       (has_schema_privilege('$user', 'custvalue', 'USAGE')
        AND (SELECT bool_and(has_function_privilege('$user', oid, 'EXECUTE')) FROM pg_proc
              WHERE pronamespace = 'custvalue'::regnamespace)
        AND (SELECT bool_and(has_type_privilege('$user', oid, 'USAGE')) FROM pg_type
              WHERE typnamespace = 'custvalue'::regnamespace))
SQL
cat "$out/catalog"
[ "$(grep -c ': true' "$out/catalog")" = 3 ] || fail "a catalog rule does not hold"

# 2. The role with no grants runs the workload in one transaction, then
# lists the functions it called (pg_stat_xact_user_functions counts C
# functions with track_functions = all).
psql -qX -v ON_ERROR_STOP=1 -U "$user" -d "$db" -At > "$out/workload" 2>&1 <<'WORKLOAD' || { cat "$out/workload"; fail "the workload failed"; }
BEGIN;
CREATE TEMP TABLE c AS
SELECT i AS id, (i * 37 % 365)::float8 AS r, (1 + i % 40)::float8 AS f, (i * 7919 % 10007)::float8 AS m,
       CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 11)::float8 END AS n
  FROM generate_series(1, 2000) i;
CREATE TEMP TABLE fits AS
SELECT custvalue.scorecard_fit(ARRAY[r, f, m]) AS card,
       custvalue.scorecard_fit(ARRAY[r, f, m], '{"higher_is_better": [false, true, true]}') AS card2,
       custvalue.rfmn_fit(r, f, m, n) AS model,
       custvalue.rfmn_fit(r, f, m, n, '{"ties": "first"}') AS model2,
       custvalue.nps(n::int) AS nps,
       custvalue.kmeans_fit(ARRAY[r, f, m], 3) AS km,
       custvalue.kmeans_fit(ARRAY[r, f], 2, '{"n_init": 2}') AS km2,
       custvalue.silhouette(ARRAY[r, f], id % 3) AS sil,
       custvalue.silhouette(ARRAY[r, f], id % 3, '{"standardize": true}') AS sil2,
       custvalue.seasonality_index(m, 1 + id % 4, 4) AS season,
       custvalue.tree_fit(ARRAY[r, f], n > 5) AS tree,
       custvalue.tree_fit(ARRAY[r], ARRAY[(id % 3)::text], m, '{"max_depth": 3}') AS tree2,
       custvalue.churn_fit(ARRAY[r, f], (id * 31 % 7) < 2) AS churn,
       custvalue.churn_fit(ARRAY[r, f], (id * 31 % 7) < 2, '{"l2": 1}') AS churn2,
       custvalue.churn_fit(ARRAY[r], ARRAY[(id % 3)::text], (id * 31 % 7) < 2) AS churn3,
       custvalue.churn_fit(ARRAY[r], ARRAY[(id % 3)::text], (id * 31 % 7) < 2, '{"l2": 1}') AS churn4,
       custvalue.best_split(m, (id * 31 % 7) < 2) AS split
  FROM c;
SELECT 'aggregates ' || (card IS NOT NULL AND card2 IS NOT NULL AND model IS NOT NULL AND model2 IS NOT NULL
                         AND nps IS NOT NULL AND km IS NOT NULL AND km2 IS NOT NULL AND sil IS NOT NULL
                         AND sil2 IS NOT NULL AND season IS NOT NULL AND tree IS NOT NULL AND tree2 IS NOT NULL
                         AND churn IS NOT NULL AND churn2 IS NOT NULL AND churn3 IS NOT NULL
                         AND churn4 IS NOT NULL AND split IS NOT NULL)
  FROM fits;
SELECT 'churn ' || (SELECT count(custvalue.churn_risk(churn, ARRAY[r, f]))
                      || ' ' || count(custvalue.churn_risk(churn, (SELECT ARRAY[r, f])))
                      || ' ' || count(custvalue.churn_risk(churn3, ARRAY[r], ARRAY[(id % 3)::text]))
                      || ' ' || count(custvalue.churn_risk(churn3, (SELECT ARRAY[r]), (SELECT ARRAY[(id % 3)::text])))
                      || ' ' || count(custvalue.churn_reasons(churn2, ARRAY[r, f], 1))
                      || ' ' || count(custvalue.churn_reasons(churn2, (SELECT ARRAY[r, f]), 1))
                      || ' ' || count(custvalue.churn_reasons(churn4, ARRAY[r], ARRAY[(id % 3)::text], 1))
                      || ' ' || count(custvalue.churn_reasons(churn4, (SELECT ARRAY[r]), (SELECT ARRAY[(id % 3)::text]), 1))
                    FROM c)
       || ' ' || (SELECT count(*) FROM custvalue.churn_coefficients(churn))
       || ' ' || (churn::jsonb ->> 'kind') || ' ' || length(churn::text::custvalue.churn_model::text)
       || ' ' || (split).threshold
       || ' ' || (custvalue.wilson_interval(3, 10))[1] || ' ' || (custvalue.wilson_interval(3, 10, 2.58))[2]
  FROM fits;
SELECT 'scorecard ' || (SELECT count(custvalue.health_score(card, ARRAY[r, f, m]))
                          || ' ' || count(custvalue.health_score(card2, (SELECT ARRAY[r, f, m])))
                          || ' ' || count(custvalue.health_explain(card, ARRAY[r, f, m])) FROM c)
       || ' ' || (card::jsonb ->> 'kind') || ' ' || length(card::text::custvalue.scorecard::text)
  FROM fits;
SELECT 'rfmn ' || (SELECT count((custvalue.rfmn_score(model, r, f, m, n)).code)
                     || ' ' || count(custvalue.rfmn_segment(model2, r, f, m, n)) FROM c)
       || ' ' || (SELECT count(*) FROM custvalue.rfmn_thresholds(model))
       || ' ' || (model::jsonb ->> 'ties') || ' ' || length(model::text::custvalue.rfmn_model::text)
  FROM fits;
SELECT 'kmeans ' || (SELECT count(custvalue.kmeans_cluster(km, ARRAY[r, f, m]))
                       || ' ' || count(custvalue.kmeans_cluster(km, (SELECT ARRAY[r, f, m])))
                       || ' ' || count(custvalue.kmeans_distance(km, ARRAY[r, f, m]))
                       || ' ' || count(custvalue.kmeans_distance(km, (SELECT ARRAY[r, f, m]))) FROM c)
       || ' ' || (SELECT sum(size) FROM custvalue.kmeans_centroids(km)) || ' ' || (km::jsonb ->> 'k')
       || ' ' || length(km::text::custvalue.kmeans_model::text)
  FROM fits;
SELECT 'tree ' || (SELECT count(custvalue.tree_predict(tree, ARRAY[r, f])) || ' '
                          || count(custvalue.tree_predict(tree, (SELECT ARRAY[r, f]))) || ' '
                          || count(custvalue.tree_leaf(tree, ARRAY[r, f])) || ' '
                          || count(custvalue.tree_leaf(tree, (SELECT ARRAY[r, f]))) || ' '
                          || count(custvalue.tree_path(tree, ARRAY[r, f])) || ' '
                          || count(custvalue.tree_path(tree, (SELECT ARRAY[r, f]))) || ' '
                          || count(custvalue.tree_predict(tree2, ARRAY[r], ARRAY[(id % 3)::text])) || ' '
                          || count(custvalue.tree_leaf(tree2, ARRAY[r], ARRAY[(id % 3)::text])) || ' '
                          || count(custvalue.tree_path(tree2, ARRAY[r], ARRAY[(id % 3)::text])) || ' '
                          || count(custvalue.tree_predict(tree2, (SELECT ARRAY[r]), ARRAY[(id % 3)::text])) || ' '
                          || count(custvalue.tree_leaf(tree2, (SELECT ARRAY[r]), ARRAY[(id % 3)::text])) || ' '
                          || count(custvalue.tree_path(tree2, (SELECT ARRAY[r]), ARRAY[(id % 3)::text])) FROM c)
       || ' ' || (SELECT count(*) FROM custvalue.tree_rules(tree)) || ' ' || (SELECT count(*) FROM custvalue.tree_nodes(tree))
       || ' ' || (SELECT count(*) FROM custvalue.tree_importance(tree2)) || ' ' || (tree::jsonb ->> 'kind')
       || ' ' || length(tree::text::custvalue.tree_model::text)
  FROM fits;
SELECT 'health ' || custvalue.health_score(ARRAY[80, 60, NULL, 100], ARRAY[0.4, 0.3, 0.2, 0.1])
       || ' ' || custvalue.health_score('{80, 60, NULL, 100}'::float8[], '{0.4, 0.3, 0.2, 0.1}'::float8[])
       || ' ' || custvalue.health_score('{80, NULL}'::float8[], '{1, 1}'::float8[], 0.4)
       || ' ' || custvalue.health_coverage('{80, NULL}'::float8[], '{3, 1}'::float8[])
       || ' ' || custvalue.health_tier(75)
       || ' ' || custvalue.tier(5, '{1, 10}', '{low, mid, high}')
       || ' ' || (SELECT count(custvalue.health_score(ARRAY[r / 3.65, f * 2.5, n * 10], '{2, 1, 1}')) FROM c);
SELECT 'normalisers ' || custvalue.score_linear(5, 0, 10) || ' ' || custvalue.score_log(1e6, 1e4, 1e8)
       || ' ' || custvalue.score_recency(30, 30) || ' ' || custvalue.score_bands(5, '{1, 10}', '{0, 50, 100}')
       || ' ' || custvalue.score_ratio(3, 4);
SELECT 'segments ' || custvalue.rfm_segment(5, 5) || ' ' || custvalue.rfm_segment(1, 1, 5, '[{"segment": "whale", "m": [5, 5]}]')
       || ' ' || custvalue.value_trend(120, 100) || ' ' || custvalue.value_trend(120, 100, 0.25);
CREATE TEMP TABLE evals AS
SELECT custvalue.roc_auc(m, n > 5) AS auc, custvalue.average_precision(m, n > 5) AS ap,
       custvalue.threshold_for_precision(m, n > 5, 0.3) AS op, custvalue.confusion_at(m, n > 5, 5000) AS conf,
       custvalue.lift_at(m, n > 5, 0.1) AS lift, custvalue.log_loss(m / 10007, n > 5) AS ll,
       custvalue.brier_score(m / 10007, n > 5) AS brier, custvalue.calibration(m / 10007, n > 5, 10) AS cal,
       custvalue.psi(m, r > 100, 10) AS psi, custvalue.roc_curve(m, n > 5) AS roc, custvalue.pr_curve(m, n > 5) AS pr,
       custvalue.zscore_fit(ARRAY[r, f, m]) AS z, custvalue.zscore_fit(ARRAY[r, f], '{"names": ["r", "f"]}') AS z2
  FROM c;
SELECT 'evaluation ' || (auc IS NOT NULL AND ap + lift + ll + brier + psi IS NOT NULL AND (op).flagged > 0
                         AND (conf).flagged > 0)
       || ' ' || (SELECT count(*) FROM custvalue.curve_points(roc)) || ' ' || (SELECT count(*) FROM custvalue.calibration_points(cal))
       || ' ' || (pr::jsonb ->> 'curve') || ' ' || (z2::jsonb -> 'features' -> 'numeric' ->> 1)
       || ' ' || (SELECT count(custvalue.zscore(z, ARRAY[r, f, m])) || ' ' || count(custvalue.zscore_sum(z, ARRAY[r, f, m], '{1, 0.5, 0.2}'))
                         || ' ' || count(custvalue.zscore_sum(z, (SELECT ARRAY[r, f, m]), '{1, 0.5, 0.2}')) FROM c)
  FROM evals;
CREATE TEMP TABLE clv_c AS
SELECT id % 50 AS cust, (custvalue.clv_summary(date '2024-01-01' + (r * (id % 50) / 50)::int, m, date '2024-12-31')).*
  FROM c WHERE id % 50 > f GROUP BY id % 50;
CREATE TEMP TABLE clv_m AS
SELECT custvalue.bgnbd_fit(frequency, recency, t, '{"penalizer": 0.1}') AS bg,
       custvalue.gammagamma_fit(frequency, monetary) AS gg
  FROM clv_c;
SELECT 'clv ' || (SELECT count(custvalue.bgnbd_expected_purchases(bg, 30, frequency, recency, t))
                         || ' ' || count(custvalue.bgnbd_p_alive(bg, frequency, recency, t))
                         || ' ' || count(custvalue.gammagamma_expected_spend(gg, frequency, monetary))
                         || ' ' || count(custvalue.clv(bg, gg, frequency, recency, t, monetary, 3, 0.01)) FROM clv_c)
       || ' ' || (SELECT count(*) FROM custvalue.bgnbd_params(bg))
       || ' ' || (bg::jsonb ->> 'kind') || ' ' || (gg::jsonb ->> 'kind')
  FROM clv_m;
SELECT 'called ' || string_agg(funcid::regprocedure::text, ';' ORDER BY funcid::regprocedure::text)
  FROM pg_stat_xact_user_functions WHERE schemaname = 'custvalue';
COMMIT;
WORKLOAD
grep -v '^called ' "$out/workload"
called=$(sed -n 's/^called //p' "$out/workload" | tr ';' '\n')
# Every SQL-callable function outside I/O, planner support and aggregate
# support must have been called; every aggregate must appear in the workload.
"${su[@]}" -At > "$out/expected" <<'SQL'
SELECT p.oid::regprocedure FROM pg_proc p
 WHERE p.pronamespace = 'custvalue'::regnamespace AND p.prokind = 'f'
   AND NOT EXISTS (SELECT 1 FROM pg_type t WHERE p.oid IN (t.typinput, t.typoutput, t.typreceive, t.typsend))
   AND NOT EXISTS (SELECT 1 FROM pg_proc q WHERE q.prosupport = p.oid)
   AND NOT EXISTS (SELECT 1 FROM pg_aggregate a WHERE p.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn))
 ORDER BY 1::text;
SQL
missing=$(comm -23 <(sort "$out/expected") <(echo "$called" | sort))
[ -z "$missing" ] || fail "functions the role with no grants did not call (add them to the workload): $missing"
for agg in $("${su[@]}" -At -c "SELECT DISTINCT proname FROM pg_proc WHERE pronamespace = 'custvalue'::regnamespace AND prokind = 'a'"); do
  grep -q "custvalue\.$agg(" "$0" || fail "aggregate custvalue.$agg is not run by the workload"
done
grep -q '^aggregates true$' "$out/workload" || fail "an aggregate returned NULL"
echo "role with no grants called $(echo "$called" | grep -c .) functions, $(wc -l < "$out/expected") required"

# 4. Row-level security.  The installer owns a table with a policy: each
# tenant sees its own rows.  Hidden rows hold values that make the scoring
# functions raise errors naming them (a rating of 11, a negative trend).
psql -qX -v ON_ERROR_STOP=1 -U "$installer" -d "$db" <<SQL
CREATE SCHEMA app;
CREATE TABLE app.accounts (tenant name, id int, r float8, f float8, m float8, n int, cur float8, prev float8);
INSERT INTO app.accounts
SELECT CASE WHEN i % 3 = 0 THEN '$tenant' ELSE 'other' END, i, (i * 37 % 365), 1 + i % 40, i * 7919 % 10007,
       i % 11, i % 50, 10 + i % 7
  FROM generate_series(1, 3000) i;
INSERT INTO app.accounts VALUES ('other', -1, 1, 1, 1, 11, -5, 10);  -- invalid for nps() and value_trend()
ALTER TABLE app.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON app.accounts USING (tenant = current_user);
GRANT USAGE ON SCHEMA app TO $tenant;
GRANT SELECT ON app.accounts TO $tenant;
CREATE TABLE app.visible AS SELECT * FROM app.accounts WHERE tenant = '$tenant';
GRANT SELECT ON app.visible TO $tenant;
SQL
psql -qX -v ON_ERROR_STOP=1 -U "$tenant" -d "$db" -At > "$out/rls" <<'SQL'
-- fits through the policy equal fits of the tenant's own rows
SELECT 'fits see only the tenant rows: ' ||
       ((SELECT custvalue.rfmn_fit(r, f, m, n)::text FROM app.accounts) = (SELECT custvalue.rfmn_fit(r, f, m, n)::text FROM app.visible)
    AND (SELECT custvalue.scorecard_fit(ARRAY[r, f, m])::text FROM app.accounts) = (SELECT custvalue.scorecard_fit(ARRAY[r, f, m])::text FROM app.visible)
    AND (SELECT custvalue.nps(n) FROM app.accounts) = (SELECT custvalue.nps(n) FROM app.visible)
    AND (SELECT custvalue.kmeans_fit(ARRAY[r, f, m], 3)::text FROM app.accounts)
        = (SELECT custvalue.kmeans_fit(ARRAY[r, f, m], 3)::text FROM app.visible)
    AND (SELECT custvalue.churn_fit(ARRAY[r, f], n > 5)::text FROM app.accounts)
        = (SELECT custvalue.churn_fit(ARRAY[r, f], n > 5)::text FROM app.visible)
    AND (SELECT custvalue.best_split(m, n > 5)::text FROM app.accounts)
        = (SELECT custvalue.best_split(m, n > 5)::text FROM app.visible)
    AND (SELECT count(*) FROM app.accounts) = (SELECT count(*) FROM app.visible));
-- functions in WHERE run after the policy: the hidden row would raise
SELECT 'functions in WHERE never see hidden rows: ' ||
       (count(*) = (SELECT count(*) FROM app.visible))
  FROM app.accounts WHERE custvalue.value_trend(cur, prev) IS NOT NULL
                      AND custvalue.rfm_segment(1 + n % 5, 1, 1, '[{"segment": "a"}]') IS NOT NULL;
SELECT 'scoring through the policy: ' ||
       (count(*) = (SELECT count(*) FROM app.visible) AND bool_and(s.code IS NOT NULL))
  FROM app.accounts a, (SELECT custvalue.rfmn_fit(r, f, m, n) AS model FROM app.accounts) fit,
       LATERAL custvalue.rfmn_score(fit.model, a.r, a.f, a.m, a.n) s;
SQL
cat "$out/rls"
[ "$(grep -c ': true$' "$out/rls")" = 3 ] || fail "row-level security check failed"
