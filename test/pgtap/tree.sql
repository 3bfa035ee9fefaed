-- pgTAP: the decision-tree contract (catalog shape, safety markings,
-- SQLSTATEs, values worked by hand, and a parallel plan that matches the
-- serial one).
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(33);

SELECT has_type('custvalue', 'tree_model', 'type custvalue.tree_model exists');
SELECT is_aggregate('custvalue', 'tree_fit', ARRAY['double precision[]', 'boolean']);
SELECT is_aggregate('custvalue', 'tree_fit', ARRAY['double precision[]', 'boolean', 'jsonb']);
SELECT is_aggregate('custvalue', 'tree_fit', ARRAY['double precision[]', 'text[]', 'boolean']);
SELECT is_aggregate('custvalue', 'tree_fit', ARRAY['double precision[]', 'text[]', 'boolean', 'jsonb']);
SELECT is_aggregate('custvalue', 'tree_fit', ARRAY['double precision[]', 'double precision']);
SELECT is_aggregate('custvalue', 'tree_fit', ARRAY['double precision[]', 'double precision', 'jsonb']);
SELECT is_aggregate('custvalue', 'tree_fit', ARRAY['double precision[]', 'text[]', 'double precision']);
SELECT is_aggregate('custvalue', 'tree_fit', ARRAY['double precision[]', 'text[]', 'double precision', 'jsonb']);
SELECT function_returns('custvalue', 'tree_fit', ARRAY['double precision[]', 'boolean'], 'custvalue.tree_model');
SELECT function_returns('custvalue', 'tree_predict', ARRAY['custvalue.tree_model', 'double precision[]'], 'double precision');
SELECT function_returns('custvalue', 'tree_leaf', ARRAY['custvalue.tree_model', 'double precision[]', 'text[]'], 'integer');
SELECT function_returns('custvalue', 'tree_path', ARRAY['custvalue.tree_model', 'double precision[]'], 'text');
SELECT volatility_is('custvalue', 'tree_predict', ARRAY['custvalue.tree_model', 'double precision[]'], 'immutable');
SELECT is_strict('custvalue', 'tree_predict', ARRAY['custvalue.tree_model', 'double precision[]']);
SELECT isnt_strict('custvalue', 'tree_predict_args', ARRAY['custvalue.tree_model', '"any"']);

-- every aggregate: parallel safe, a combine function, a concrete state type
SELECT is((SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
            WHERE p.proname = 'tree_fit' AND p.pronamespace = 'custvalue'::regnamespace
              AND p.proparallel = 's' AND a.aggcombinefn = 'custvalue.fitstate_combine'::regproc
              AND a.aggtranstype = 'custvalue.fitstate'::regtype), 8,
          'all eight tree_fit aggregates are parallel safe, combine, and keep a custvalue.fitstate');
SELECT is((SELECT count(*)::int FROM pg_proc
            WHERE pronamespace = 'custvalue'::regnamespace AND proname LIKE 'tree%' AND proparallel <> 's'), 0,
          'every tree function is parallel safe');
SELECT is((SELECT count(*)::int FROM pg_proc
            WHERE pronamespace = 'custvalue'::regnamespace AND proname LIKE 'tree%'
              AND obj_description(oid, 'pg_proc') IS NULL
              AND proname NOT IN ('tree_model_in', 'tree_model_out', 'tree_model_recv', 'tree_model_send')
              AND proname NOT LIKE 'tree_fit_%'), 0,
          'every user-facing tree function has a comment');
SELECT ok(EXISTS (SELECT 1 FROM pg_cast WHERE castsource = 'custvalue.tree_model'::regtype
                                         AND casttarget = 'jsonb'::regtype), 'cast tree_model -> jsonb exists');

-- errors and their SQLSTATEs
SELECT throws_ok($$SELECT custvalue.tree_fit(ARRAY[1.0], true, '{"bogus": 1}')$$, '22023',
                 'unknown option "bogus"', 'unknown option is 22023');
SELECT throws_ok($$SELECT custvalue.tree_fit(ARRAY[1.0], true, '{"max_depth": 65}')$$, '22023',
                 'option "max_depth" must be an integer between 1 and 64, not 65', 'max_depth above 64 is 22023');
SELECT throws_ok($$SELECT custvalue.tree_fit(ARRAY[1.0], true, '{"max_depth": 0}')$$, '22023',
                 'option "max_depth" must be an integer between 1 and 64, not 0', 'max_depth below 1 is 22023');
SELECT throws_ok($$SELECT custvalue.tree_fit(ARRAY[1.0], 1.0::float8, '{"criterion": "entropy"}')$$, '22023',
                 NULL, 'a classification criterion on a regression tree is 22023');
SELECT throws_ok($$SELECT custvalue.tree_fit(f, true) FROM (VALUES (ARRAY[1.0]), (ARRAY[1.0, 2.0])) v(f)$$, '2202E',
                 NULL, 'features of different lengths are 2202E');
SELECT throws_ok($$SELECT custvalue.tree_fit(ARRAY['NaN'::float8], true)$$, '22023', NULL, 'a NaN feature is 22023');
SELECT throws_ok($$SELECT '{"kind": "tree"}'::custvalue.tree_model$$, '22P02', NULL, 'malformed tree text is 22P02');
SELECT throws_ok($$SELECT custvalue.tree_predict('{"kind": "tree", "version": 1, "task": "regression", "features": {"numeric": ["a"]}, "nodes": [{"value": 1}]}'::custvalue.tree_model, ARRAY[1.0, 2.0])$$,
                 '2202E', 'features must have 1 elements to match the tree, not 2', 'feature count mismatch is 2202E');

-- values worked by hand
CREATE TEMP TABLE tap_tiny AS SELECT * FROM (VALUES (1.0::float8, true), (2, true), (3, false), (4, false), (5, false), (6, false)) v(x, y);
SELECT is((SELECT threshold FROM custvalue.tree_nodes((SELECT custvalue.tree_fit(ARRAY[x], y) FROM tap_tiny)) WHERE node = 0),
          2.5::float8, 'the split lies midway between 2 and 3');
SELECT is((SELECT impurity FROM custvalue.tree_nodes((SELECT custvalue.tree_fit(ARRAY[x], y) FROM tap_tiny)) WHERE node = 0),
          1 - (2.0::float8 / 6) ^ 2 - (4.0::float8 / 6) ^ 2, 'the root gini is 1 - (1/3)^2 - (2/3)^2');
SELECT is((SELECT count(*)::int FROM custvalue.tree_nodes((SELECT custvalue.tree_fit(ARRAY[x], true) FROM tap_tiny))),
          1, 'a single-class label gives a one-leaf tree');
SELECT is((SELECT custvalue.tree_path(custvalue.tree_fit(ARRAY[x], y, '{"names": ["spend"]}'), ARRAY[3.0]) FROM tap_tiny),
          'spend > 2.5', 'tree_path names the feature');

-- serial and forced-parallel fits agree
CREATE TABLE tap_big AS SELECT ARRAY[(i % 101)::float8, (i * 31 % 977)::float8] AS f, i % 7 < 3 OR i % 101 > 80 AS y
  FROM generate_series(1, 30000) i;
ANALYZE tap_big;
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE tap_serial AS SELECT custvalue.tree_fit(f, y)::text AS t FROM tap_big;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT is((SELECT custvalue.tree_fit(f, y)::text FROM tap_big), (SELECT t FROM tap_serial),
          'a forced parallel plan grows the same tree');

SELECT * FROM finish();
ROLLBACK;
