-- k-means: kmeans_fit and its options and errors, the model type's text
-- and binary forms, hand-written models, kmeans_cluster / kmeans_distance
-- (and their rewrite of ARRAY[...]), kmeans_centroids, silhouette and
-- seasonality_index, under serial, parallel and partitionwise plans.
SET extra_float_digits = 0;
-- forced parallel plans on and off
\set parallel_on 'SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;'
\set parallel_off 'RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size; RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;'

-- Three groups of points in three dimensions around (0, 0, 0), (10, 0, 0)
-- and (0, 10, 5), with 300, 200 and 100 points: exact pseudo-random offsets
-- in [-1, 1).
CREATE TABLE km_pts AS
SELECT i,
       ARRAY[CASE WHEN g = 1 THEN 10 ELSE 0 END + ((i * 7919) % 2000) / 1000.0 - 1,
             CASE WHEN g = 2 THEN 10 ELSE 0 END + ((i * 104729) % 2000) / 1000.0 - 1,
             CASE WHEN g = 2 THEN 5 ELSE 0 END + ((i * 15485863) % 2000) / 1000.0 - 1]::float8[] AS p
  FROM generate_series(1::bigint, 600) i,
       LATERAL (SELECT CASE WHEN i <= 300 THEN 0 WHEN i <= 500 THEN 1 ELSE 2 END AS g) g;
CREATE TABLE km_model AS SELECT custvalue.kmeans_fit(p, 3) AS model FROM km_pts;

-- Clusters by size, largest first; centroids in original units.
SELECT cluster, size, (SELECT array_agg(round(c::numeric, 2)) FROM unnest(centroid) c) AS centroid,
       round(within_ss::numeric, 3) AS within_ss
  FROM km_model, custvalue.kmeans_centroids(model);
-- every point of a group lands in its group's cluster
SELECT CASE WHEN i <= 300 THEN 0 WHEN i <= 500 THEN 1 ELSE 2 END AS grp,
       custvalue.kmeans_cluster(model, p) AS cluster, count(*)
  FROM km_pts, km_model GROUP BY 1, 2 ORDER BY 1, 2;
-- the summary: standardised by default, converged, all rows used
SELECT model::jsonb -> 'features' -> 'standardize' AS standardize, (model::jsonb ->> 'converged') AS converged,
       model::jsonb -> 'rows_seen' AS seen, model::jsonb -> 'rows_used' AS used, model::jsonb -> 'sampled' AS sampled,
       model::jsonb -> 'options' AS options, model::jsonb -> 'sizes' AS sizes,
       round((model::jsonb ->> 'inertia')::numeric, 3) AS inertia,
       round((SELECT sum(within_ss) FROM custvalue.kmeans_centroids(model))::numeric, 3) AS sum_within
  FROM km_model;
-- inertia is the sum of squared standardised distances to the centroids
SELECT round(sum(custvalue.kmeans_distance(model, p) ^ 2)::numeric, 3) AS inertia_from_distances
  FROM km_pts, km_model;

-- Same data, same model: shuffled row order, a forced parallel plan and a
-- partitionwise plan give the same model text.
SELECT custvalue.kmeans_fit(p, 3 ORDER BY (i * 7919) % 601)::text = model::text AS shuffled_equals
  FROM km_pts, km_model GROUP BY model::text;
CREATE TABLE km_many AS
SELECT i::int AS i, ARRAY[(i % 4) * 3 + ((i * 7919) % 1000) / 500.0, ((i * 104729) % 1000) / 250.0,
                 (i % 4) + ((i * 15485863) % 1000) / 1000.0]::float8[] AS p
  FROM generate_series(1::bigint, 20000) i;
ANALYZE km_many;
CREATE TABLE km_serial AS
SELECT custvalue.kmeans_fit(p, 4, '{"n_init": 2}')::text AS model,
       custvalue.kmeans_fit(p, 4, '{"n_init": 1, "max_rows": 700, "seed": 5}')::text AS sampled
  FROM km_many;
:parallel_on
EXPLAIN (COSTS OFF) SELECT custvalue.kmeans_fit(p, 4, '{"n_init": 2}') FROM km_many;
SELECT custvalue.kmeans_fit(p, 4, '{"n_init": 2}')::text = (SELECT model FROM km_serial) AS parallel_equals_serial,
       custvalue.kmeans_fit(p, 4, '{"n_init": 1, "max_rows": 700, "seed": 5}')::text = (SELECT sampled FROM km_serial)
       AS parallel_sample_equals_serial
  FROM km_many;
:parallel_off
CREATE TABLE km_parts (LIKE km_many) PARTITION BY RANGE (i);
CREATE TABLE km_parts_1 PARTITION OF km_parts FOR VALUES FROM (MINVALUE) TO (7001);
CREATE TABLE km_parts_2 PARTITION OF km_parts FOR VALUES FROM (7001) TO (14001);
CREATE TABLE km_parts_3 PARTITION OF km_parts FOR VALUES FROM (14001) TO (MAXVALUE);
INSERT INTO km_parts SELECT * FROM km_many;
ANALYZE km_parts;
SET enable_partitionwise_aggregate = on;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT custvalue.kmeans_fit(p, 4, '{"n_init": 2}') FROM km_parts;
SELECT custvalue.kmeans_fit(p, 4, '{"n_init": 2}')::text = (SELECT model FROM km_serial) AS partitionwise_equals_serial,
       custvalue.kmeans_fit(p, 4, '{"n_init": 1, "max_rows": 700, "seed": 5}')::text = (SELECT sampled FROM km_serial)
       AS partitionwise_sample_equals_serial
  FROM km_parts;
RESET enable_partitionwise_aggregate;
RESET max_parallel_workers_per_gather;
-- Options that change between rows are an error in every plan: in the
-- transition (serial) or where partial states with different options meet
-- (parallel, partitionwise).  Only the SQLSTATE is shown: which of the two
-- sees it first depends on how the rows are split.
\set VERBOSITY sqlstate
SELECT custvalue.kmeans_fit(p, 2, CASE WHEN i <= 10000 THEN '{"seed": 1}' ELSE '{"seed": 2}' END::jsonb) FROM km_many;
:parallel_on
SELECT custvalue.kmeans_fit(p, 2, CASE WHEN i <= 10000 THEN '{"seed": 1}' ELSE '{"seed": 2}' END::jsonb) FROM km_many;
:parallel_off
SET enable_partitionwise_aggregate = on;
SELECT custvalue.kmeans_fit(p, 2, CASE WHEN i <= 10000 THEN '{"seed": 1}' ELSE '{"seed": 2}' END::jsonb) FROM km_parts;
SELECT custvalue.kmeans_fit(p, CASE WHEN i <= 10000 THEN 2 ELSE 3 END) FROM km_parts;
RESET enable_partitionwise_aggregate;
\set VERBOSITY default
-- the sample: 700 of 20000 rows, said in the model
SELECT sampled::jsonb -> 'rows_seen' AS seen, sampled::jsonb -> 'rows_used' AS used,
       sampled::jsonb -> 'sampled' AS sampled, sampled::jsonb -> 'options' AS options
  FROM km_serial;

-- Options.  standardize off: centroids and distances in raw units.
SELECT (SELECT array_agg(round(c::numeric, 2)) FROM unnest(centroid) c) AS centroid, size,
       round(within_ss::numeric, 1) AS within_ss
  FROM custvalue.kmeans_centroids((SELECT custvalue.kmeans_fit(p, 3, '{"standardize": false}') FROM km_pts));
SELECT model::jsonb -> 'features' AS features
  FROM (SELECT custvalue.kmeans_fit(p, 3, '{"standardize": false, "names": ["revenue", "count", "volatility"]}') AS model
          FROM km_pts) f;
-- max_iter 1 stops before convergence (noise needs many iterations)
SELECT m::jsonb -> 'iterations' AS iterations, m::jsonb -> 'converged' AS converged
  FROM (SELECT custvalue.kmeans_fit(p, 7, '{"max_iter": 1, "n_init": 1}') AS m FROM km_many) f;
-- tol: a huge tolerance stops after the first iteration, tol 0 only on unchanged labels
SELECT (custvalue.kmeans_fit(p, 7, '{"tol": 1000, "n_init": 1}')::jsonb -> 'iterations') AS tol_1000,
       (custvalue.kmeans_fit(p, 7, '{"tol": 0, "n_init": 1}')::jsonb ->> 'iterations')::int > 1 AS tol_0_iterates
  FROM km_many;
-- seed: another seed, another start; n_init: more runs never give a worse inertia
SELECT a::text <> b::text AS seeds_differ,
       (c::jsonb ->> 'inertia')::float8 <= (a::jsonb ->> 'inertia')::float8 AS more_runs_not_worse
  FROM (SELECT custvalue.kmeans_fit(p, 7, '{"n_init": 1, "seed": 1}') AS a,
               custvalue.kmeans_fit(p, 7, '{"n_init": 1, "seed": 2}') AS b,
               custvalue.kmeans_fit(p, 7, '{"n_init": 5, "seed": 1}') AS c FROM km_many) f;

-- Tiny inputs: k = 1 (the mean), k = number of distinct points (inertia
-- 0), duplicates, a single point, no rows.
SELECT cluster, size, centroid, within_ss
  FROM custvalue.kmeans_centroids((SELECT custvalue.kmeans_fit(ARRAY[x], 1, '{"standardize": false}')
                                     FROM unnest(ARRAY[1, 2, 3, 10]::float8[]) x));
SELECT cluster, size, centroid, within_ss
  FROM custvalue.kmeans_centroids((SELECT custvalue.kmeans_fit(ARRAY[x], 3)
                                     FROM unnest(ARRAY[5, 1, 1, 1, 9, 9]::float8[]) x));
SELECT cluster, size, centroid, within_ss
  FROM custvalue.kmeans_centroids((SELECT custvalue.kmeans_fit(ARRAY[4, 2]::float8[], 1)));
SELECT custvalue.kmeans_fit(p, 3) IS NULL AS no_rows FROM km_pts WHERE false;
-- GROUP BY k: one model per k
SELECT k, (custvalue.kmeans_fit(p, k)::jsonb -> 'sizes') AS sizes FROM km_pts, generate_series(1, 4) k GROUP BY k ORDER BY k;

-- Errors
SELECT custvalue.kmeans_fit(p, 0) FROM km_pts;
SELECT custvalue.kmeans_fit(p, NULL) FROM km_pts;
SELECT custvalue.kmeans_fit(ARRAY[x], 4) FROM unnest(ARRAY[1, 1, 2, 3]::float8[]) x;
SELECT custvalue.kmeans_fit(p, 1) FROM (VALUES (ARRAY[1, 2]::float8[]), (ARRAY[1, 2, 3])) v(p);
SELECT custvalue.kmeans_fit(p, 1) FROM (VALUES (ARRAY[1, 2]::float8[]), (ARRAY[1, NULL])) v(p);
SELECT custvalue.kmeans_fit(p, 1) FROM (VALUES (ARRAY[1, 2]::float8[]), (ARRAY[1, 'NaN'::float8])) v(p);
SELECT custvalue.kmeans_fit(p, 1) FROM (VALUES (ARRAY[1, 2]::float8[]), (ARRAY['-Infinity'::float8, 1])) v(p);
SELECT custvalue.kmeans_fit(p, 1) FROM (VALUES (ARRAY[1, 2]::float8[]), (NULL)) v(p);
SELECT custvalue.kmeans_fit(p, 1) FROM (VALUES ('{}'::float8[])) v(p);
SELECT custvalue.kmeans_fit(p, k) FROM (VALUES (ARRAY[1]::float8[], 1), (ARRAY[2], 2)) v(p, k);
SELECT custvalue.kmeans_fit(p, 1, o::jsonb)
  FROM (VALUES (ARRAY[1]::float8[], '{"seed": 1}'), (ARRAY[2], '{"seed": 2}')) v(p, o);
SELECT custvalue.kmeans_fit(p, 3, '{"clusters": 3}') FROM km_pts;
SELECT custvalue.kmeans_fit(p, 3, '[3]') FROM km_pts;
SELECT custvalue.kmeans_fit(p, 3, '{"n_init": 0}') FROM km_pts;
SELECT custvalue.kmeans_fit(p, 3, '{"max_iter": 1.5}') FROM km_pts;
SELECT custvalue.kmeans_fit(p, 3, '{"tol": -1}') FROM km_pts;
SELECT custvalue.kmeans_fit(p, 3, '{"seed": "x"}') FROM km_pts;
SELECT custvalue.kmeans_fit(p, 3, '{"max_rows": 0}') FROM km_pts;
SELECT custvalue.kmeans_fit(p, 3, '{"standardize": 1}') FROM km_pts;
SELECT custvalue.kmeans_fit(p, 3, '{"names": ["a", "b"]}') FROM km_pts;
SELECT custvalue.kmeans_fit(p, 3, '{"names": ["a", "b", "a"]}') FROM km_pts;
-- options are checked on the first row, before any point is read
SELECT custvalue.kmeans_fit(ARRAY['NaN']::float8[], 3, '{"n_init": -1}');

-- States read from text are checked before use: one fit's state handed to
-- another's final function is an error, and a state survives its text form.
CREATE AGGREGATE km_state_km(float8[], int) (SFUNC = custvalue.kmeans_fit_trans, STYPE = custvalue.fitstate);
CREATE AGGREGATE km_state_sil(float8[], int) (SFUNC = custvalue.silhouette_trans, STYPE = custvalue.fitstate);
SELECT custvalue.kmeans_fit_final(km_state_sil(ARRAY[x, 1], 1)) FROM generate_series(1, 3) x;
SELECT custvalue.silhouette_final(km_state_km(ARRAY[x, 1], 1)) FROM generate_series(1, 3) x;
SELECT custvalue.kmeans_fit_final(km_state_km(ARRAY[x, 1], 2)::text::custvalue.fitstate)::text
       = custvalue.kmeans_fit(ARRAY[x, 1], 2)::text AS state_text_round_trip
  FROM generate_series(1, 3) x;
DROP AGGREGATE km_state_km(float8[], int);
DROP AGGREGATE km_state_sil(float8[], int);

-- Extreme values: subnormal points are distinct but their squared distances
-- underflow to 0 (and so does their standard deviation, which makes them a
-- constant once standardised); points whose standardisation or distances
-- overflow double precision are refused (22003).
SELECT m::jsonb -> 'sizes' AS subnormal_sizes, m::jsonb -> 'inertia' AS inertia
  FROM (SELECT custvalue.kmeans_fit(ARRAY[i * 5e-324], 2, '{"standardize": false}') AS m
          FROM generate_series(1, 10) i) f;
SELECT custvalue.kmeans_fit(ARRAY[i * 5e-324], 2) FROM generate_series(1, 10) i;
SELECT custvalue.kmeans_fit(ARRAY[x], 2, '{"standardize": false}') FROM unnest(ARRAY[-1.7e308, 1.7e308, 0]::float8[]) x;
SELECT custvalue.kmeans_fit(ARRAY[x], 2) FROM unnest(ARRAY[1.7e308, 1.7e308, 1e308]::float8[]) x;
SELECT custvalue.silhouette(ARRAY[x], c) FROM (VALUES (-1.7e308::float8, 1), (1.7e308, 2), (0, 1)) v(x, c);
SELECT custvalue.kmeans_distance('{"kind": "kmeans_model", "version": 1, "centroids": [[-1e308]]}', ARRAY[1e308]);

-- Scoring: the ARRAY[...] form is rewritten (no array per row) and gives
-- the same answers; errors of both forms.
CREATE TABLE km_cols AS SELECT i, p[1] AS a, p[2] AS b, p[3] AS c FROM km_pts;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT custvalue.kmeans_cluster(model, ARRAY[a, b, c]), custvalue.kmeans_distance(model, ARRAY[a, b, c])
  FROM km_cols, km_model;
SELECT count(*) FILTER (WHERE custvalue.kmeans_cluster(model, ARRAY[a, b, c]) = custvalue.kmeans_cluster(model, p)
                          AND custvalue.kmeans_distance(model, ARRAY[a, b, c]) = custvalue.kmeans_distance(model, p))
       AS same_answers
  FROM km_cols JOIN km_pts USING (i), km_model;
SELECT custvalue.kmeans_cluster(model, ARRAY[1, 2]::float8[]) FROM km_model;
SELECT custvalue.kmeans_cluster(model, ARRAY[a, b]) FROM km_cols, km_model LIMIT 1;
SELECT custvalue.kmeans_distance(model, ARRAY[1, NULL, 3]::float8[]) FROM km_model;
SELECT custvalue.kmeans_distance(model, ARRAY[a, NULL, c]) FROM km_cols, km_model LIMIT 1;
SELECT custvalue.kmeans_cluster(model, ARRAY[1, 'Infinity', 3]::float8[]) FROM km_model;
SELECT custvalue.kmeans_cluster(model, ARRAY[a, 'NaN', c]) FROM km_cols, km_model LIMIT 1;
-- the rewritten form called directly with other types
SELECT custvalue.kmeans_cluster_args(model, 1, 2, 3) FROM km_model;
SELECT custvalue.kmeans_distance_args(model, 1.5::float8, 2::float8, 3::numeric) FROM km_model;
SELECT custvalue.kmeans_cluster(NULL, ARRAY[a, b, c]) IS NULL AS null_model,
       custvalue.kmeans_cluster(model, NULL) IS NULL AS null_point
  FROM km_cols, km_model LIMIT 1;

-- Text and binary round trips; the jsonb cast.
SELECT model::text::custvalue.kmeans_model::text = model::text AS text_round_trip FROM km_model;
CREATE TABLE km_model_copy (model custvalue.kmeans_model);
\copy km_model TO 'results/km_model.bin' WITH (FORMAT binary)
\copy km_model_copy FROM 'results/km_model.bin' WITH (FORMAT binary)
SELECT a.model::text = b.model::text AS binary_round_trip FROM km_model a, km_model_copy b;
SELECT jsonb_path_query_array(model::jsonb, '$.centroids[*].size()') AS dims FROM km_model;

-- A hand-written model: centroids chosen by a person, in raw units.
CREATE TABLE km_hand AS
SELECT '{"kind": "kmeans_model", "version": 1, "centroids": [[0, 0], [100, 0], [0, 100]]}'::custvalue.kmeans_model AS model;
SELECT model FROM km_hand;
SELECT model::text::custvalue.kmeans_model::text = model::text AS hand_round_trip FROM km_hand;
SELECT x, y, custvalue.kmeans_cluster(model, ARRAY[x, y]) AS cluster, custvalue.kmeans_distance(model, ARRAY[x, y]) AS distance
  FROM km_hand, (VALUES (3::float8, 4::float8), (90, 10), (20, 60), (50, 50)) v(x, y);
SELECT * FROM custvalue.kmeans_centroids((SELECT model FROM km_hand));
-- with names and a standardisation: distances in sd units
SELECT custvalue.kmeans_distance('{"kind": "kmeans_model", "version": 1, "centroids": [[0, 0]],
  "features": {"numeric": ["revenue", "orders"], "standardize": true, "mean": [0, 0], "sd": [10, 2]}}', ARRAY[30, 8]);
-- bad model texts
SELECT '[]'::custvalue.kmeans_model;
SELECT 'not json'::custvalue.kmeans_model;
SELECT '{"kind": "rfmn_model", "version": 1, "centroids": [[0]]}'::custvalue.kmeans_model;
SELECT '{"kind": "kmeans_model", "version": 2, "centroids": [[0]]}'::custvalue.kmeans_model;
SELECT '{"kind": "kmeans_model", "version": 1, "centroids": []}'::custvalue.kmeans_model;
SELECT '{"kind": "kmeans_model", "version": 1, "centroids": [[0, 1], [2]]}'::custvalue.kmeans_model;
SELECT '{"kind": "kmeans_model", "version": 1, "k": 3, "centroids": [[0], [1]]}'::custvalue.kmeans_model;
SELECT '{"kind": "kmeans_model", "version": 1, "centroids": [[0, 1]], "features": {"numeric": ["a"]}}'::custvalue.kmeans_model;
SELECT '{"kind": "kmeans_model", "version": 1, "centroids": [[0]], "colour": "red"}'::custvalue.kmeans_model;
SELECT '{"kind": "kmeans_model", "version": 1, "centroids": [[0]], "inertia": 1}'::custvalue.kmeans_model;
SELECT '{"kind": "kmeans_model", "version": 1, "centroids": [[1e308]], "features": {"numeric": ["a"],
  "standardize": true, "mean": [-1e308], "sd": [1e-300]}}'::custvalue.kmeans_model;
SELECT replace(model::text, '"sizes": [300, 200, 100]', '"sizes": [300, 100, 200]')::custvalue.kmeans_model FROM km_model;
SELECT replace(model::text, '"sizes": [300, 200, 100]', '"sizes": [300, 200, 99]')::custvalue.kmeans_model FROM km_model;
SELECT replace(model::text, '"sampled": false', '"sampled": true')::custvalue.kmeans_model FROM km_model;
SELECT replace(model::text, '"n_init": 10', '"n_init": 0')::custvalue.kmeans_model FROM km_model;
SELECT replace(model::text, '"max_rows": 1000000', '"max_rows": 1000000, "k": 3')::custvalue.kmeans_model FROM km_model;

-- silhouette: the hand-computed example (0, 1 | 5, 6), singletons, GROUP BY
-- k to choose k, options, errors.
SELECT round(custvalue.silhouette(ARRAY[x], c)::numeric, 12) AS s, round(((4.5 / 5.5 + 3.5 / 4.5) / 2)::numeric, 12) AS by_hand
  FROM (VALUES (0::float8, 1), (1, 1), (5, 2), (6, 2)) v(x, c);
SELECT round(custvalue.silhouette(ARRAY[x], c)::numeric, 12) AS s, round(((0.5 + 0.5 - 7.0 / 9.0) / 4)::numeric, 12) AS by_hand
  FROM (VALUES (0::float8, 1), (1, 1), (5, 1), (6, 2)) v(x, c);
SELECT k, round(custvalue.silhouette(p, custvalue.kmeans_cluster(model, p))::numeric, 4) AS silhouette
  FROM (SELECT k, custvalue.kmeans_fit(p, k) AS model FROM km_pts, generate_series(2, 5) k GROUP BY k) f, km_pts
 GROUP BY k ORDER BY k;
-- rows with a NULL point or cluster are skipped; standardize; the sample past max_rows
SELECT round(custvalue.silhouette(ARRAY[x], c)::numeric, 12) AS s
  FROM (VALUES (0::float8, 1), (1, 1), (5, 2), (6, 2), (NULL, 2), (3, NULL)) v(x, c);
SELECT round(custvalue.silhouette(ARRAY[x, 1000 * y], c)::numeric, 6) AS raw,
       round(custvalue.silhouette(ARRAY[x, 1000 * y], c, '{"standardize": true}')::numeric, 6) AS standardized,
       round(custvalue.silhouette(ARRAY[x, y], c)::numeric, 6) AS y_unscaled
  FROM (VALUES (0::float8, 0::float8, 1), (1, 1, 1), (5, 0, 2), (6, 1, 2), (2, 0, 1), (7, 1, 2)) v(x, y, c);
SELECT round(custvalue.silhouette(p, (i % 4), '{"max_rows": 300}')::numeric, 6) AS sampled FROM km_many;
SELECT custvalue.silhouette(p, (i % 4), '{"max_rows": 300}') = custvalue.silhouette(p, (i % 4), '{"max_rows": 300}' ORDER BY -i)
       AS sample_independent_of_order
  FROM km_many;
SELECT custvalue.silhouette(ARRAY[x], 1) FROM unnest(ARRAY[1, 2, 3]::float8[]) x;
SELECT custvalue.silhouette(ARRAY[x], x::int) FROM unnest(ARRAY[1, 2, 3]::float8[]) x;
SELECT custvalue.silhouette(p, 1, '{"k": 3}') FROM km_pts;
SELECT custvalue.silhouette(ARRAY[x], 1, o::jsonb) FROM (VALUES (1::float8, '{}'), (2, '{"seed": 1}')) v(x, o);
SELECT custvalue.silhouette(p, 1) IS NULL AS no_rows FROM km_pts WHERE false;
-- parallel equals serial
CREATE TABLE km_sil AS SELECT custvalue.silhouette(p, i % 4, '{"max_rows": 400}') AS s FROM km_many;
:parallel_on
EXPLAIN (COSTS OFF) SELECT custvalue.silhouette(p, i % 4, '{"max_rows": 400}') FROM km_many;
SELECT custvalue.silhouette(p, i % 4, '{"max_rows": 400}') = (SELECT s FROM km_sil) AS parallel_equals_serial FROM km_many;
:parallel_off

-- seasonality_index: even spread 0, one period 1, two of four 0.5; NULLs
-- skipped; errors; parallel equals serial.
SELECT c, round(custvalue.seasonality_index(amount, q, 4)::numeric, 12) AS idx
  FROM (VALUES ('even', 10::float8, 1), ('even', 10, 2), ('even', 5, 3), ('even', 5, 3), ('even', 10, 4),
               ('one', 3, 4), ('one', 7, 4), ('half', 1, 1), ('half', 1, 2), ('half', NULL, 3), ('half', 0, 4),
               ('zero', 0, 1)) v(c, amount, q)
 GROUP BY c ORDER BY c;
CREATE TABLE km_season AS
SELECT i % 50 AS customer, (i % 4) + 1 AS quarter, ((i * 7919) % 1000)::float8 / (1 + i % 7) AS amount
  FROM generate_series(1, 40000) i;
ANALYZE km_season;
CREATE TABLE km_season_serial AS
SELECT customer, custvalue.seasonality_index(amount, quarter, 4) AS idx FROM km_season GROUP BY customer;
:parallel_on
EXPLAIN (COSTS OFF) SELECT customer, custvalue.seasonality_index(amount, quarter, 4) FROM km_season GROUP BY customer;
SELECT count(*) AS customers, count(*) FILTER (WHERE p.idx = s.idx) AS same_as_serial,
       round(min(p.idx)::numeric, 6) AS min, round(max(p.idx)::numeric, 6) AS max
  FROM (SELECT customer, custvalue.seasonality_index(amount, quarter, 4) AS idx FROM km_season GROUP BY customer) p
  JOIN km_season_serial s USING (customer);
:parallel_off
SELECT custvalue.seasonality_index(1, 5, 4);
SELECT custvalue.seasonality_index(1, 1, 1);
SELECT custvalue.seasonality_index(-1, 1, 4);
SELECT custvalue.seasonality_index('Infinity', 1, 4);
SELECT custvalue.seasonality_index(1, q, p) FROM (VALUES (1, 4), (1, 12)) v(q, p);
SELECT custvalue.seasonality_index(1e308, q, 2) FROM (VALUES (1), (1)) v(q);
-- The per-period sums are double-doubles: the same bits in any row order
-- (float8 sums give ...428 ascending, ...717 descending: the hundred 1s
-- vanish one by one next to 1e16), and partial states merge exactly.
WITH v(a, q) AS (SELECT 1e16::float8, 1 UNION ALL SELECT 3e16, 2 UNION ALL SELECT 1, 1 FROM generate_series(1, 100))
SELECT custvalue.seasonality_index(a, q, 2 ORDER BY a) = custvalue.seasonality_index(a, q, 2 ORDER BY a DESC) AS same_bits,
       round(custvalue.seasonality_index(a, q, 2)::numeric, 12) AS idx FROM v;
SELECT custvalue.seasonality_trans(custvalue.seasonality_trans(NULL, 1e16, 1, 2), 1, 1, 2) AS sum_and_error,
       custvalue.seasonality_combine('{2, 1e16, 2, 1, 0}', '{2, 1e16, 2, 1, 0}') AS combined;
-- crafted states: no error part, a lying or fractional period count, an
-- error as large as its sum, a NaN error
SELECT custvalue.seasonality_final('{2, 1, 2}');
SELECT custvalue.seasonality_final('{3, 1, 2, 0, 0}');
SELECT custvalue.seasonality_final('{2.5, 1, 2, 0, 0, 0}');
SELECT custvalue.seasonality_final('{2, 1, 2, 1, 0}');
SELECT custvalue.seasonality_combine('{2, 1, 2, 0, 0}', '{2, 1, 2, NaN, 0}');

DROP TABLE km_pts, km_model, km_many, km_serial, km_parts, km_cols, km_model_copy, km_hand, km_sil, km_season, km_season_serial;
