-- pgTAP: the churn contract (catalog shape, safety markings, SQLSTATEs,
-- values a wrong implementation would get wrong, parallel = serial).
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(27);

SELECT has_type('custvalue', 'churn_model', 'type custvalue.churn_model exists');
SELECT has_type('custvalue', 'split', 'type custvalue.split exists');
SELECT is_aggregate('custvalue', 'churn_fit', ARRAY['double precision[]', 'boolean']);
SELECT is_aggregate('custvalue', 'churn_fit', ARRAY['double precision[]', 'boolean', 'jsonb']);
SELECT is_aggregate('custvalue', 'churn_fit', ARRAY['double precision[]', 'text[]', 'boolean']);
SELECT is_aggregate('custvalue', 'churn_fit', ARRAY['double precision[]', 'text[]', 'boolean', 'jsonb']);
SELECT is_aggregate('custvalue', 'best_split', ARRAY['double precision', 'boolean']);
SELECT function_returns('custvalue', 'churn_risk', ARRAY['custvalue.churn_model', 'double precision[]'], 'double precision');
SELECT function_returns('custvalue', 'churn_reasons', ARRAY['custvalue.churn_model', 'double precision[]', 'text[]', 'integer'], 'text[]');
SELECT function_returns('custvalue', 'wilson_interval', ARRAY['bigint', 'bigint'], 'double precision[]');

-- every aggregate: parallel safe, a combine function, a concrete state type
SELECT is((SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
            WHERE p.proname IN ('churn_fit', 'best_split') AND p.pronamespace = 'custvalue'::regnamespace
              AND p.proparallel = 's' AND a.aggcombinefn = 'custvalue.fitstate_combine'::regproc
              AND a.aggtranstype = 'custvalue.fitstate'::regtype), 5,
          'churn_fit (4 forms) and best_split are parallel safe, combine, and keep a custvalue.fitstate');
SELECT is((SELECT count(*)::int FROM pg_proc
            WHERE pronamespace = 'custvalue'::regnamespace AND proparallel <> 's'
              AND (proname LIKE 'churn%' OR proname LIKE 'best_split%' OR proname = 'wilson_interval')), 0,
          'every churn function is parallel safe');
SELECT is((SELECT count(*)::int FROM pg_proc
            WHERE pronamespace = 'custvalue'::regnamespace
              AND (proname LIKE 'churn%' OR proname LIKE 'best_split%' OR proname = 'wilson_interval')
              AND obj_description(oid, 'pg_proc') IS NULL
              AND proname NOT IN ('churn_model_in', 'churn_model_out', 'churn_model_recv', 'churn_model_send',
                                  'churn_fit_trans', 'churn_fit_final', 'best_split_trans', 'best_split_final')), 0,
          'every user-facing churn function has a comment');
SELECT ok(EXISTS (SELECT 1 FROM pg_cast WHERE castsource = 'custvalue.churn_model'::regtype
                                         AND casttarget = 'jsonb'::regtype), 'cast churn_model -> jsonb exists');

-- errors and their SQLSTATEs
SELECT throws_ok($$SELECT custvalue.churn_fit(ARRAY[x], x > 2) FROM generate_series(1, 4) x$$, '22000',
                 'churn_fit: the features separate churned from not churned completely', 'separation is 22000');
SELECT throws_ok($$SELECT custvalue.churn_fit(ARRAY[x], false) FROM generate_series(1, 4) x$$, '22000',
                 'churn_fit: every row has churned = false', 'a single class is 22000');
SELECT throws_ok($$SELECT custvalue.churn_fit(ARRAY[x], x > 2, '{"l2": "a"}') FROM generate_series(1, 4) x$$, '22023',
                 'option "l2" must be a number', 'a malformed option is 22023');
SELECT throws_ok($$SELECT '{"kind": "churn_model"}'::custvalue.churn_model$$, '22P02', NULL, 'malformed model text is 22P02');
SELECT throws_ok($$SELECT custvalue.churn_risk('{"kind": "churn_model", "version": 1, "features": {"numeric": ["a"]}, "intercept": 0, "coefficients": {"a": 1}}', ARRAY[1.0, 2.0])$$,
                 '2202E', 'features must have 1 elements to match the churn model, not 2', 'feature count mismatch is 2202E');

-- values
SELECT is(custvalue.churn_risk('{"kind": "churn_model", "version": 1, "features": {"numeric": ["a"]}, "intercept": -1, "coefficients": {"a": 0.5}}', ARRAY[2.0]),
          0.5::float8, 'a hand-written model: sigmoid(-1 + 0.5 * 2) = 0.5');
SELECT is(round(custvalue.churn_risk('{"kind": "churn_model", "version": 1, "features": {"numeric": ["a"]}, "intercept": 0, "coefficients": {"a": 1}}', ARRAY[1.0])::numeric, 12),
          0.731058578630::numeric, 'sigmoid(1) = 0.7310585786');
SELECT is(custvalue.churn_reasons('{"kind": "churn_model", "version": 1, "features": {"numeric": ["a", "b"]}, "intercept": 0, "coefficients": {"a": 1, "b": 3}}', ARRAY[1.0, 1.0], 2),
          ARRAY['b', 'a'], 'reasons: strongest contribution first');
SELECT is((SELECT (custvalue.best_split(x, x >= 7 OR x = 3)).threshold FROM generate_series(1, 10) x),
          7::float8, 'best_split cuts at 7 (one error below, none above)');
SELECT is(custvalue.wilson_interval(1, 2)::numeric(10, 6)[], ARRAY[0.094531, 0.905469]::numeric(10, 6)[],
          'Wilson interval of 1 of 2');

-- 200,000 rows on which the last full Newton step changes the
-- log-likelihood (about -77,000) by less than its rounding: the step is
-- taken, and the fit converges instead of stalling on step halvings
CREATE TABLE tap_wide AS
SELECT ((h1 & 1023) + ((h1 >> 10) & 1023))::float8 / 4 AS f1, ((h1 >> 20) & 15)::float8 AS f2,
       ((h1 >> 24) & 1023)::float8 / 10 AS f3, ((h2 >> 23) & 2047)::float8 / 3 AS f8,
       ((h3 >> 20) & 31)::float8 AS f12,
       u < 1 / (1 + exp(-(-1.5 + 0.002 * (((h1 & 1023) + ((h1 >> 10) & 1023)) - 1023)
                          + 0.15 * (((h1 >> 20) & 15) - 7.5) - 0.003 * (((h2 >> 23) & 2047) - 1023)
                          + 0.05 * (((h3 >> 20) & 31) - 15.5)))) AS churned
  FROM (SELECT hashint8extended(i, 41) AS h1, hashint8extended(i, 42) AS h2, hashint8extended(i, 43) AS h3,
               ((hashint8extended(i, 45) >> 11) & 9007199254740991)::float8 / 9007199254740992.0 AS u
          FROM generate_series(1, 200000) AS i) s;
SELECT is((SELECT m::jsonb #>> '{fit,converged}' || ' after ' || (m::jsonb #>> '{fit,iterations}')::int / 10 * 10
             FROM (SELECT custvalue.churn_fit(ARRAY[f1, f2, f3, f8, f12], churned) m FROM tap_wide) s),
          'true after 0', 'a fit whose last step is below rounding converges in under 10 steps');

-- serial and forced-parallel fits agree
CREATE TABLE tap_subs AS
SELECT (i % 10)::float8 AS calls, (i * 7919 % 1000)::float8 AS minutes,
       (i * 2654435761::bigint % 1009) < 200 + 60 * (i % 10) AS churned
  FROM generate_series(1, 30000) i;
ANALYZE tap_subs;
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TABLE tap_serial AS SELECT custvalue.churn_fit(ARRAY[calls, minutes], churned)::text AS m FROM tap_subs;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE line text; plan text := '';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP plan := plan || line || E'\n'; END LOOP;
  RETURN plan;
END $f$;
SELECT matches(pg_temp.plan_of('SELECT custvalue.churn_fit(ARRAY[calls, minutes], churned) FROM tap_subs'),
               'Finalize Aggregate.*Partial Aggregate', 'the plan is a partial/finalize parallel aggregate');
SELECT results_eq($$SELECT custvalue.churn_fit(ARRAY[calls, minutes], churned)::text FROM tap_subs$$,
                  $$SELECT m FROM tap_serial$$, 'forced parallel plan gives the serial model');

SELECT * FROM finish();
ROLLBACK;
