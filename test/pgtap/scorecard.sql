-- pgTAP: the scorecard and fit-state contract (catalog shape, safety
-- markings, SQLSTATEs, and a parallel plan that matches the serial one).
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(32);

SELECT has_type('custvalue', 'scorecard', 'type custvalue.scorecard exists');
SELECT has_type('custvalue', 'fitstate', 'type custvalue.fitstate exists');
SELECT has_function('custvalue', 'scorecard_fit', ARRAY['double precision[]', 'jsonb']);
SELECT has_function('custvalue', 'scorecard_fit', ARRAY['double precision[]']);
SELECT is_aggregate('custvalue', 'scorecard_fit', ARRAY['double precision[]', 'jsonb']);
SELECT is_aggregate('custvalue', 'scorecard_fit', ARRAY['double precision[]']);
SELECT function_returns('custvalue', 'scorecard_fit', ARRAY['double precision[]', 'jsonb'], 'custvalue.scorecard');
SELECT function_returns('custvalue', 'health_score', ARRAY['custvalue.scorecard', 'double precision[]'], 'double precision');
SELECT function_returns('custvalue', 'health_explain', ARRAY['custvalue.scorecard', 'double precision[]'], 'jsonb');
SELECT volatility_is('custvalue', 'health_score', ARRAY['custvalue.scorecard', 'double precision[]'], 'immutable');
SELECT is_strict('custvalue', 'health_score', ARRAY['custvalue.scorecard', 'double precision[]']);
SELECT is_strict('custvalue', 'health_explain', ARRAY['custvalue.scorecard', 'double precision[]']);
SELECT isnt_strict('custvalue', 'fitstate_combine', ARRAY['custvalue.fitstate', 'custvalue.fitstate']);

-- every aggregate: parallel safe, a combine function, a concrete state type
SELECT is((SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
            WHERE p.proname = 'scorecard_fit' AND p.pronamespace = 'custvalue'::regnamespace
              AND p.proparallel = 's' AND a.aggcombinefn = 'custvalue.fitstate_combine'::regproc
              AND a.aggtranstype = 'custvalue.fitstate'::regtype), 2,
          'both scorecard_fit aggregates are parallel safe, combine, and keep a custvalue.fitstate');
SELECT is((SELECT count(*)::int FROM pg_proc
            WHERE pronamespace = 'custvalue'::regnamespace AND proparallel <> 's'
              AND (proname LIKE 'scorecard%' OR proname LIKE 'fitstate%' OR proname LIKE 'health_%')), 0,
          'every scorecard and fit-state function is parallel safe');
SELECT is((SELECT count(*)::int FROM pg_proc
            WHERE pronamespace = 'custvalue'::regnamespace
              AND (proname LIKE 'scorecard%' OR proname LIKE 'fitstate%' OR proname LIKE 'health_%')
              AND obj_description(oid, 'pg_proc') IS NULL
              AND proname NOT IN ('scorecard_in', 'scorecard_out', 'scorecard_recv', 'scorecard_send',
                                  'fitstate_in', 'fitstate_out', 'fitstate_recv', 'fitstate_send',
                                  'scorecard_fit_trans', 'scorecard_fit_final')), 0,
          'every user-facing scorecard function has a comment');
SELECT isnt(obj_description('custvalue.scorecard'::regtype, 'pg_type'), NULL, 'scorecard type has a comment');
SELECT ok(EXISTS (SELECT 1 FROM pg_cast WHERE castsource = 'custvalue.scorecard'::regtype
                                         AND casttarget = 'jsonb'::regtype), 'cast scorecard -> jsonb exists');

-- errors and their SQLSTATEs
SELECT throws_ok($$SELECT custvalue.scorecard_fit(ARRAY[1.0], '{"bogus": 1}')$$, '22023',
                 'unknown option "bogus"', 'unknown option is 22023');
SELECT throws_ok($$SELECT custvalue.scorecard_fit(ARRAY[1.0, 2.0], '{"weights": [1]}')$$, '2202E',
                 'option "weights" must have 2 elements (one per measure), not 1', 'option length is 2202E');
SELECT throws_ok($$SELECT custvalue.scorecard_fit(ARRAY[1.0], '{"weights": [-2]}')$$, '22023',
                 'weights must not be negative, not -2', 'negative weight is 22023');
SELECT throws_ok($$SELECT custvalue.scorecard_fit(ARRAY['NaN'::float8])$$, '22023',
                 'measures must contain only finite numbers', 'NaN measure is 22023');
SELECT throws_ok($$SELECT custvalue.health_score('{"kind": "scorecard", "version": 1, "measures": [{"name": "a", "weight": 1, "method": "linear", "poor": 0, "good": 1}]}'::custvalue.scorecard, ARRAY[1.0, 2.0])$$,
                 '2202E', 'measures must have 1 element to match the scorecard, not 2', 'measure count mismatch is 2202E');
SELECT throws_ok($$SELECT '{"kind": "scorecard"}'::custvalue.scorecard$$, '22P02', NULL, 'malformed scorecard text is 22P02');
SELECT throws_ok($$SELECT 'distr:AAAA'::custvalue.fitstate$$, '22P02', NULL, 'malformed state text is 22P02');
SELECT throws_ok($$SET LOCAL custvalue.max_fit_memory = '64kB';
                   SELECT custvalue.scorecard_fit(ARRAY[i::float8]) FROM generate_series(1, 50000) i$$,
                 '54000', NULL, 'a state past custvalue.max_fit_memory is 54000');
RESET custvalue.max_fit_memory;

-- values
SELECT is(custvalue.health_score(custvalue.scorecard_fit(ARRAY[x]), ARRAY[2.0]), 50::float8,
          'a tied middle value scores 50')
  FROM (VALUES (1.0::float8), (2), (2), (3)) v(x);
SELECT is(custvalue.health_score(custvalue.scorecard_fit(ARRAY[x], '{"higher_is_better": [false]}'), ARRAY[1.0]), 87.5::float8,
          'lower is better reverses the points')
  FROM (VALUES (1.0::float8), (2), (2), (3)) v(x);
SELECT is((custvalue.health_explain('{"kind": "scorecard", "version": 1, "measures": [{"name": "a", "weight": 3, "method": "linear", "poor": 0, "good": 10}, {"name": "b", "weight": 1, "method": "linear", "poor": 0, "good": 10}]}'::custvalue.scorecard,
                                    ARRAY[5, 10]) ->> 'score')::float8, 62.5::float8, 'explain: score (3*50 + 1*100)/4');
SELECT is(custvalue.health_explain('{"kind": "scorecard", "version": 1, "measures": [{"name": "a", "weight": 3, "method": "linear", "poor": 0, "good": 10}, {"name": "b", "weight": 1, "method": "linear", "poor": 0, "good": 10}]}'::custvalue.scorecard,
                                   ARRAY[5, 10]) -> 'measures' -> 1,
          '{"name": "b", "value": 10, "points": 100, "weight": 1, "contribution": 25}'::jsonb, 'explain: contribution of a measure');

-- serial and forced-parallel fits agree
CREATE TABLE tap_big AS SELECT ARRAY[(i % 101)::float8, (i * 31 % 977)::float8] AS m FROM generate_series(1, 30000) i;
ANALYZE tap_big;
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TABLE tap_serial AS SELECT custvalue.scorecard_fit(m)::text AS card FROM tap_big;
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
SELECT matches(pg_temp.plan_of('SELECT custvalue.scorecard_fit(m) FROM tap_big'),
               'Finalize Aggregate.*Partial Aggregate', 'the plan is a partial/finalize parallel aggregate');
SELECT results_eq($$SELECT custvalue.scorecard_fit(m)::text FROM tap_big$$,
                  $$SELECT card FROM tap_serial$$, 'forced parallel plan gives the serial card');

SELECT * FROM finish();
ROLLBACK;
