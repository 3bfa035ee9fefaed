-- Standardisation: zscore_fit, the custvalue.scaler value, zscore and
-- zscore_sum.
SET extra_float_digits = 0;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- a = {1, 2, 3, 6}: mean 3, population sd sqrt(14/4) = 1.8708...;
-- b = {5, 5, 5, NULL}: mean 5, sd 0 (a constant: its z-score is 0); a NULL array is skipped
CREATE TABLE zs_acc (id int, a float8, b float8);
INSERT INTO zs_acc VALUES (1, 1, 5), (2, 2, 5), (3, 3, 5), (4, 6, NULL);
CREATE TABLE zs_sc AS
SELECT custvalue.zscore_fit(ARRAY[a, b], '{"names": ["minutes", "events"]}') AS s FROM zs_acc
UNION ALL SELECT NULL WHERE false;
SELECT s FROM zs_sc;
SELECT custvalue.zscore_fit(x) FROM (VALUES (ARRAY[1, 2]::float8[]), (NULL), (ARRAY[3, NULL])) v(x);
SELECT id, custvalue.zscore(s, ARRAY[a, b]) FROM zs_acc, zs_sc ORDER BY id;
-- sum w * z: id 1: 1 * (1 - 3) / 1.8708 + 2 * 0 = -1.069; id 4: b missing counts as z = 0
SELECT id, round(custvalue.zscore_sum(s, ARRAY[a, b], ARRAY[1, 2])::numeric, 6) AS value_score,
       round(((a - 3) / sqrt(3.5))::numeric, 6) AS by_hand
  FROM zs_acc, zs_sc ORDER BY id;
SELECT custvalue.zscore_sum(s, ARRAY[NULL, NULL]::float8[], ARRAY[1, 2]) IS NULL AS none_present FROM zs_sc;
SELECT custvalue.zscore(s, NULL) IS NULL AS strict FROM zs_sc;
-- zscore_sum(s, ARRAY[...], w) passes the values as separate arguments
EXPLAIN (VERBOSE, COSTS OFF) SELECT custvalue.zscore_sum(s, ARRAY[a, b], ARRAY[1, 2]) FROM zs_acc, zs_sc;
SELECT bool_and(custvalue.zscore_sum(s, ARRAY[a, b], ARRAY[1, 2]) IS NOT DISTINCT FROM
                custvalue.zscore_sum(s, (SELECT ARRAY[a, b]), ARRAY[1, 2])) AS same FROM zs_acc, zs_sc;
SELECT custvalue.zscore_sum_args(NULL, ARRAY[1], 1.0::float8) IS NULL AS null_scaler;
-- fit and score errors
SELECT pg_temp.err($$SELECT custvalue.zscore_fit(ARRAY[a], '{"name": ["x"]}') FROM zs_acc$$);
SELECT pg_temp.err($$SELECT custvalue.zscore_fit(ARRAY[a, b], '{"names": ["x"]}') FROM zs_acc$$);
SELECT pg_temp.err($$SELECT custvalue.zscore_fit(ARRAY[a, b], '{"names": ["x", "x"]}') FROM zs_acc$$);
SELECT pg_temp.err($$SELECT custvalue.zscore_fit(ARRAY[a], '{"names": [""]}') FROM zs_acc$$);
SELECT pg_temp.err($$SELECT custvalue.zscore_fit('{}'::float8[]) FROM zs_acc$$);
SELECT pg_temp.err($$SELECT custvalue.zscore_fit(ARRAY[a, 'NaN']) FROM zs_acc$$);
SELECT pg_temp.err($$SELECT custvalue.zscore_fit(CASE WHEN id = 3 THEN ARRAY[a] ELSE ARRAY[a, b] END) FROM zs_acc$$);
SELECT pg_temp.err($$SELECT custvalue.zscore_fit(ARRAY[a], CASE WHEN id = 3 THEN '{"names": ["y"]}' ELSE '{"names": ["x"]}' END::jsonb) FROM zs_acc$$);
SELECT pg_temp.err($$SELECT custvalue.zscore(s, ARRAY[1]) FROM zs_sc$$);
SELECT pg_temp.err($$SELECT custvalue.zscore(s, ARRAY[1, 'Infinity'::float8]) FROM zs_sc$$);
SELECT pg_temp.err($$SELECT custvalue.zscore_sum(s, ARRAY[1, 2], ARRAY[1]) FROM zs_sc$$);
SELECT pg_temp.err($$SELECT custvalue.zscore_sum(s, ARRAY[1, 2], ARRAY[1, NULL]) FROM zs_sc$$);
SELECT pg_temp.err($$SELECT custvalue.zscore_sum(s, ARRAY[a, 2, 3], ARRAY[1, 2]) FROM zs_acc, zs_sc$$);

-- JSON round trip, jsonb, a hand-written scaler, malformed scalers
SELECT s::text::custvalue.scaler::text = s::text AS text_round_trip, s::jsonb = s::text::jsonb AS jsonb_cast FROM zs_sc;
-- a hand-written scaler: minutes 130 -> (130 - 100) / 20 = 1.5; nps has no rows: NULL
SELECT custvalue.zscore('{"kind": "scaler", "version": 1, "features": {"numeric": ["minutes", "nps"],
  "standardize": true, "mean": [100, 0], "sd": [20, 0]}, "count": [11, 0]}', ARRAY[130, 9]);
SELECT pg_temp.err($$SELECT 'x'::custvalue.scaler$$);
SELECT pg_temp.err($$SELECT '{"kind": "scaler", "version": 1, "features": {"numeric": []}, "count": []}'::custvalue.scaler$$);
SELECT pg_temp.err($$SELECT '{"kind": "scaler", "version": 1, "features": {"numeric": ["a"], "standardize": true, "mean": [1], "sd": [-1]}, "count": [1]}'::custvalue.scaler$$);
SELECT pg_temp.err($$SELECT '{"kind": "scaler", "version": 1, "features": {"numeric": ["a"], "standardize": true, "mean": [1], "sd": [1]}, "count": [0]}'::custvalue.scaler$$);
SELECT pg_temp.err($$SELECT '{"kind": "scaler", "version": 1, "features": {"numeric": ["a"], "standardize": true, "mean": [1], "sd": [1]}, "count": [1.5]}'::custvalue.scaler$$);
SELECT pg_temp.err($$SELECT '{"kind": "scaler", "version": 1, "features": {"numeric": ["a"], "standardize": true, "mean": [1], "sd": [1]}, "count": [1], "w": 1}'::custvalue.scaler$$);
SELECT pg_temp.err($$SELECT '{"kind": "scaler", "version": 1, "features": {"numeric": ["a"], "standardize": false}, "count": [1]}'::custvalue.scaler$$);
SELECT pg_temp.err($$SELECT '{"kind": "scaler", "version": 1, "features": {"numeric": ["a", "a"], "standardize": true, "mean": [1, 1], "sd": [1, 1]}, "count": [1, 1]}'::custvalue.scaler$$);
SELECT pg_temp.err($$SELECT '{"kind": "scaler", "version": 1, "features": {"numeric": ["a"], "standardize": true, "mean": [1], "sd": [1]}, "count": [1, 2]}'::custvalue.scaler$$);
-- binary send/recv
CREATE TABLE zs_sc_bin (s custvalue.scaler);
\copy zs_sc TO 'results/scaler.bin' (FORMAT binary)
\copy zs_sc_bin FROM 'results/scaler.bin' (FORMAT binary)
SELECT b.s::text = c.s::text AS binary_round_trip FROM zs_sc c, zs_sc_bin b;

-- serial, parallel and partition-wise fits are the same bits
CREATE TABLE zs_big AS
SELECT i, ARRAY[(i * 7919 % 1000)::float8 / 7, ln(i), CASE WHEN i % 10 = 0 THEN NULL ELSE (i % 13)::float8 END] AS x
  FROM generate_series(1, 20000) i;
CREATE TABLE zs_serial AS SELECT custvalue.zscore_fit(x)::text AS s FROM zs_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT custvalue.zscore_fit(x) FROM zs_big;
SELECT custvalue.zscore_fit(x)::text = (SELECT s FROM zs_serial) AS parallel_equals_serial FROM zs_big;
CREATE TABLE zs_parted (g int, x float8[]) PARTITION BY LIST (g);
CREATE TABLE zs_parted_0 PARTITION OF zs_parted FOR VALUES IN (0);
CREATE TABLE zs_parted_1 PARTITION OF zs_parted FOR VALUES IN (1);
INSERT INTO zs_parted SELECT i % 2, x FROM zs_big;
ANALYZE zs_parted;
SET enable_partitionwise_aggregate = on;
EXPLAIN (COSTS OFF) SELECT custvalue.zscore_fit(x) FROM zs_parted;
SELECT custvalue.zscore_fit(x)::text = (SELECT s FROM zs_serial) AS partitionwise_equals FROM zs_parted;
RESET ALL;
