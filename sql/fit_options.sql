-- Options of a fit aggregate must be the same on every row of a group:
-- rows with other options are an error (22023) in every plan, serial,
-- parallel (where partial states with different options meet in the
-- combine function) and partition-wise.  Equal options written
-- differently (NULL and '{}', keys in another order) are the same options.
SET extra_float_digits = 0;
-- an error shows its message and details, then its SQLSTATE
\set SHOW_CONTEXT never

CREATE TABLE opt_rows AS
SELECT i, (i % 97)::float8 AS x, (i % 13)::float8 AS y,
       CASE WHEN i <= 20000 THEN '{"bins": 5}' ELSE '{"bins": 4}' END::jsonb AS rfm_opts,
       CASE WHEN i % 2 = 0 THEN '{"weights": [1, 2]}' ELSE '{"weights": [2, 1]}' END::jsonb AS card_opts
  FROM generate_series(1, 40000) i;
ANALYZE opt_rows;

-- serial
SET max_parallel_workers_per_gather = 0;
SELECT custvalue.scorecard_fit(ARRAY[x, y], card_opts) FROM opt_rows;
\echo :LAST_ERROR_SQLSTATE
SELECT custvalue.rfmn_fit(x, y, x, y, rfm_opts) FROM opt_rows;
\echo :LAST_ERROR_SQLSTATE
-- a later row without options, when the first had some
SELECT custvalue.rfmn_fit(x, x, x, x, o)
  FROM (VALUES (1.0::float8, '{"bins": 3}'::jsonb), (2, NULL)) v(x, o);
\echo :LAST_ERROR_SQLSTATE
-- options that are equal as JSON are the same options, NULL is '{}'
SELECT custvalue.rfmn_fit(x, x, x, x, o)::text = custvalue.rfmn_fit(x, x, x, x)::text AS same
  FROM (VALUES (1.0::float8, NULL::jsonb), (2, '{}'), (3, NULL)) v(x, o);
SELECT count(*) AS cards
  FROM (SELECT custvalue.scorecard_fit(ARRAY[x, x], o)
          FROM (VALUES (1.0::float8, '{"weights": [1, 2], "names": ["a", "b"]}'::jsonb),
                       (2, '{"names": ["a", "b"], "weights": [1, 2]}'),
                       (3, '{"names":["a","b"],"weights":[1,2]}')) v(x, o)) s;
-- per group: each group has its own options
SELECT i <= 20000 AS first_half, (custvalue.rfmn_fit(x, y, x, y, rfm_opts)::jsonb) -> 'bins' AS bins
  FROM opt_rows GROUP BY 1 ORDER BY 1;

-- forced parallel: the same error, whichever rows each worker sees (which
-- options a detail names first depends on the workers, so only the message
-- is shown)
\set VERBOSITY terse
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT custvalue.rfmn_fit(x, y, x, y, rfm_opts) FROM opt_rows;
SELECT custvalue.scorecard_fit(ARRAY[x, y], card_opts) FROM opt_rows;
\echo :LAST_ERROR_SQLSTATE
SELECT custvalue.rfmn_fit(x, y, x, y, rfm_opts) FROM opt_rows;
\echo :LAST_ERROR_SQLSTATE
-- each worker seeing one kind of options only: the combine function fails
CREATE TABLE opt_parts (part int, x float8, opts jsonb) PARTITION BY LIST (part);
CREATE TABLE opt_parts_1 PARTITION OF opt_parts FOR VALUES IN (1);
CREATE TABLE opt_parts_2 PARTITION OF opt_parts FOR VALUES IN (2);
INSERT INTO opt_parts SELECT p, i, CASE p WHEN 1 THEN '{"bins": 5}' ELSE '{"bins": 4}' END::jsonb
  FROM generate_series(1, 2) p, generate_series(1, 5000) i;
ANALYZE opt_parts;
SET enable_partitionwise_aggregate = on;
EXPLAIN (COSTS OFF) SELECT custvalue.rfmn_fit(x, x, x, x, opts) FROM opt_parts;
SELECT custvalue.rfmn_fit(x, x, x, x, opts) FROM opt_parts;
\echo :LAST_ERROR_SQLSTATE
SELECT custvalue.scorecard_fit(ARRAY[x], CASE WHEN part = 1 THEN '{}' ELSE '{"names": ["m"]}' END::jsonb)
  FROM opt_parts;
\echo :LAST_ERROR_SQLSTATE
RESET ALL;
