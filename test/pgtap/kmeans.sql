-- pgTAP: the k-means contract (signatures, properties, concrete states with
-- combine functions, SQLSTATEs of every user-facing error, determinism).
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
SELECT plan(57);

-- signatures and properties
SELECT has_type('custvalue', 'kmeans_model', 'type kmeans_model exists');
SELECT is_aggregate('custvalue', 'kmeans_fit', ARRAY['double precision[]', 'integer']);
SELECT is_aggregate('custvalue', 'kmeans_fit', ARRAY['double precision[]', 'integer', 'jsonb']);
SELECT function_returns('custvalue', 'kmeans_fit', ARRAY['double precision[]', 'integer'], 'custvalue.kmeans_model');
SELECT is_aggregate('custvalue', 'silhouette', ARRAY['double precision[]', 'integer']);
SELECT is_aggregate('custvalue', 'silhouette', ARRAY['double precision[]', 'integer', 'jsonb']);
SELECT is_aggregate('custvalue', 'seasonality_index', ARRAY['double precision', 'integer', 'integer']);
SELECT function_returns('custvalue', 'kmeans_cluster', ARRAY['custvalue.kmeans_model', 'double precision[]'], 'integer');
SELECT function_returns('custvalue', 'kmeans_distance', ARRAY['custvalue.kmeans_model', 'double precision[]'], 'double precision');
SELECT is_strict('custvalue', 'kmeans_cluster', ARRAY['custvalue.kmeans_model', 'double precision[]']);
SELECT is_strict('custvalue', 'kmeans_distance', ARRAY['custvalue.kmeans_model', 'double precision[]']);
SELECT volatility_is('custvalue', 'kmeans_cluster', ARRAY['custvalue.kmeans_model', 'double precision[]'], 'immutable');
SELECT volatility_is('custvalue', 'kmeans_centroids', ARRAY['custvalue.kmeans_model'], 'immutable');
SELECT is(
    (SELECT string_agg(aggfnoid::regprocedure::text || ' ' || aggtranstype::regtype::text || ' '
                       || aggcombinefn::text, '; ' ORDER BY aggfnoid::regprocedure::text)
       FROM pg_aggregate WHERE aggfnoid::regproc::text IN
       ('custvalue.kmeans_fit', 'custvalue.silhouette', 'custvalue.seasonality_index')),
    'custvalue.kmeans_fit(double precision[],integer) custvalue.fitstate custvalue.fitstate_combine; '
    'custvalue.kmeans_fit(double precision[],integer,jsonb) custvalue.fitstate custvalue.fitstate_combine; '
    'custvalue.seasonality_index(double precision,integer,integer) double precision[] custvalue.seasonality_combine; '
    'custvalue.silhouette(double precision[],integer) custvalue.fitstate custvalue.fitstate_combine; '
    'custvalue.silhouette(double precision[],integer,jsonb) custvalue.fitstate custvalue.fitstate_combine',
    'every aggregate has a concrete state type and a combine function');
SELECT is(
    (SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'custvalue' AND (p.proname LIKE 'kmeans%' OR p.proname LIKE 'silhouette%'
            OR p.proname LIKE 'seasonality%') AND p.proparallel <> 's'),
    0, 'every k-means function and aggregate is parallel safe');
SELECT is(
    (SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'custvalue' AND (p.proname LIKE 'kmeans%' OR p.proname LIKE 'silhouette%'
            OR p.proname LIKE 'seasonality%') AND obj_description(p.oid, 'pg_proc') IS NULL),
    0, 'every k-means function and aggregate has a comment');
SELECT is((SELECT count(*)::int FROM pg_cast
            WHERE castsource = 'custvalue.kmeans_model'::regtype AND casttarget = 'jsonb'::regtype),
          1, 'kmeans_model casts to jsonb');
SELECT is((SELECT prosupport::text FROM pg_proc
            WHERE oid = 'custvalue.kmeans_cluster(custvalue.kmeans_model, float8[])'::regprocedure),
          'custvalue.kmeans_cluster_support', 'kmeans_cluster has planner support');
SELECT is((SELECT prosupport::text FROM pg_proc
            WHERE oid = 'custvalue.kmeans_distance(custvalue.kmeans_model, float8[])'::regprocedure),
          'custvalue.kmeans_distance_support', 'kmeans_distance has planner support');

-- data: two groups on a line, 0..9 and 100..104
CREATE TEMP TABLE tap_pts AS
SELECT i, ARRAY[CASE WHEN i < 10 THEN i ELSE 90 + i END, 1]::float8[] AS p FROM generate_series(0, 14) i;
CREATE TEMP TABLE tap_model AS
SELECT custvalue.kmeans_fit(p, 2, '{"standardize": false}') AS m FROM tap_pts;

-- results
SELECT is((SELECT array_agg(size ORDER BY cluster) FROM custvalue.kmeans_centroids((SELECT m FROM tap_model))),
          ARRAY[10, 5]::bigint[], 'clusters ordered by size, largest first');
SELECT is((SELECT centroid FROM custvalue.kmeans_centroids((SELECT m FROM tap_model)) WHERE cluster = 1),
          ARRAY[102, 1]::float8[], 'the small cluster''s centroid is the mean of 100..104');
SELECT is((SELECT within_ss FROM custvalue.kmeans_centroids((SELECT m FROM tap_model)) WHERE cluster = 0),
          82.5::float8, 'within_ss of 0..9 is 82.5');
SELECT is(custvalue.kmeans_cluster(m, ARRAY[60, 1]), 1, '60 is nearer 102 than 4.5') FROM tap_model;
SELECT is(custvalue.kmeans_distance(m, ARRAY[4.5, 4]), 3::float8, 'distance is euclidean') FROM tap_model;
SELECT is(custvalue.kmeans_cluster(m, ARRAY[x, y]), 0, 'the ARRAY[...] form scores too')
  FROM tap_model, (VALUES (1::float8, 1::float8)) v(x, y);
SELECT is((SELECT custvalue.kmeans_fit(p, 2, '{"standardize": false}' ORDER BY -i)::text FROM tap_pts),
          (SELECT m::text FROM tap_model), 'reversed row order, same model');
SELECT is((SELECT custvalue.kmeans_fit(p, 2, '{"standardize": false, "seed": 99, "n_init": 3}')::jsonb -> 'sizes'
             FROM tap_pts), '[10, 5]'::jsonb, 'another seed finds the same clusters');
SELECT is((SELECT custvalue.kmeans_fit(p, 2) FROM tap_pts WHERE false) IS NULL, true, 'no rows, no model');
SELECT is(custvalue.silhouette(p, CASE WHEN i < 10 THEN 0 ELSE 1 END) > 0.9, true,
          'well separated clusters have a silhouette near 1') FROM tap_pts;
SELECT is(custvalue.seasonality_index(a, q, 4), 0::float8, 'even amounts: index 0')
  FROM (VALUES (2::float8, 1), (2, 2), (2, 3), (2, 4)) v(a, q);
SELECT is(custvalue.seasonality_index(a, q, 4), NULL, 'no amounts: NULL')
  FROM (VALUES (NULL::float8, 1)) v(a, q);
SELECT is(custvalue.kmeans_cluster('{"kind": "kmeans_model", "version": 1, "centroids": [[0], [10]]}', ARRAY[7]),
          1, 'a hand-written model scores');

-- errors and their SQLSTATEs
SELECT throws_ok($$SELECT custvalue.kmeans_fit(p, 0) FROM tap_pts$$, '22023',
                 'kmeans_fit: k must be between 1 and 10000, not 0', 'k < 1');
SELECT throws_ok($$SELECT custvalue.kmeans_fit(p, NULL) FROM tap_pts$$, '22004', NULL, 'k NULL');
SELECT throws_ok($$SELECT custvalue.kmeans_fit(ARRAY[1, 1]::float8[], 2) FROM generate_series(1, 5)$$, '22023',
                 'kmeans_fit: k must not exceed the number of distinct points, 1, not 2', 'k > distinct points');
SELECT throws_ok($$SELECT custvalue.kmeans_fit(p, 1) FROM (VALUES (ARRAY[1]::float8[]), (ARRAY[1, 2])) v(p)$$,
                 '2202E', 'kmeans_fit: every point must have the same number of elements', 'dimensions differ');
SELECT throws_ok($$SELECT custvalue.kmeans_fit(ARRAY[1, NULL]::float8[], 1)$$, '22004', NULL, 'NULL coordinate');
SELECT throws_ok($$SELECT custvalue.kmeans_fit(ARRAY[1, 'NaN']::float8[], 1)$$, '22023', NULL, 'NaN coordinate');
SELECT throws_ok($$SELECT custvalue.kmeans_fit(ARRAY[1, '-Infinity']::float8[], 1)$$, '22023', NULL, 'infinite coordinate');
SELECT throws_ok($$SELECT custvalue.kmeans_fit(NULL::float8[], 1)$$, '22004', NULL, 'NULL point');
SELECT throws_ok($$SELECT custvalue.kmeans_fit(p, k) FROM (VALUES (ARRAY[1]::float8[], 1), (ARRAY[2], 2)) v(p, k)$$,
                 '22023', 'kmeans_fit: k and options must not change within a group', 'k changes in a group');
SELECT throws_ok($$SELECT custvalue.kmeans_fit(p, 2, o::jsonb) FROM (VALUES (ARRAY[1]::float8[], '{}'),
                   (ARRAY[2], '{"n_init": 2}')) v(p, o)$$,
                 '22023', 'kmeans_fit: k and options must not change within a group', 'options change in a group');
SELECT throws_ok($$SELECT custvalue.kmeans_fit(p, 2, '{"iterations": 5}') FROM tap_pts$$, '22023',
                 'unknown option "iterations"', 'unknown option key');
SELECT throws_ok($$SELECT custvalue.kmeans_fit(p, 2, '{"n_init": 0}') FROM tap_pts$$, '22023', NULL, 'n_init 0');
SELECT throws_ok($$SELECT custvalue.kmeans_fit(p, 2, '{"max_iter": 0}') FROM tap_pts$$, '22023', NULL, 'max_iter 0');
SELECT throws_ok($$SELECT custvalue.kmeans_fit(p, 2, '{"tol": -0.1}') FROM tap_pts$$, '22023', NULL, 'tol < 0');
SELECT throws_ok($$SELECT custvalue.kmeans_cluster(m, ARRAY[1, 2, 3]) FROM tap_model$$, '2202E',
                 'point must have 2 coordinates, as the model, not 3', 'wrong dimension at scoring');
SELECT throws_ok($$SELECT custvalue.kmeans_distance(m, ARRAY[1, NULL]::float8[]) FROM tap_model$$, '22004',
                 NULL, 'NULL coordinate at scoring');
SELECT throws_ok($$SELECT custvalue.kmeans_distance(m, ARRAY[1, 'NaN']::float8[]) FROM tap_model$$, '22023',
                 NULL, 'NaN coordinate at scoring');
SELECT throws_ok($$SELECT '{"kind": "kmeans_model", "version": 1}'::custvalue.kmeans_model$$, '22P02', NULL,
                 'a model text without centroids');
SELECT throws_ok($$SELECT custvalue.silhouette(ARRAY[1]::float8[], 1) FROM generate_series(1, 3)$$, '22023',
                 NULL, 'silhouette of one cluster');
SELECT throws_ok($$SELECT custvalue.silhouette(ARRAY[1]::float8[], 1, '{"k": 2}')$$, '22023',
                 'unknown option "k"', 'silhouette: unknown option key');
SELECT throws_ok($$SELECT custvalue.seasonality_index(1, 0, 4)$$, '22023', NULL, 'period 0');
SELECT throws_ok($$SELECT custvalue.seasonality_index(1, 1, 1)$$, '22023', NULL, 'one period');
SELECT throws_ok($$SELECT custvalue.seasonality_index(-5, 1, 4)$$, '22023', NULL, 'negative amount');
SELECT throws_ok($$SELECT custvalue.seasonality_index(1, 1, p) FROM (VALUES (4), (12)) v(p)$$, '22023', NULL,
                 'periods change in a group');
SELECT throws_ok($$SELECT custvalue.seasonality_final('{3, 1, 2}')$$, '22023', NULL,
                 'a crafted seasonality state is checked');

SELECT * FROM finish();
ROLLBACK;
