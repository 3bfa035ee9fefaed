-- RFM+N models: rfmn_fit, rfmn_score, rfmn_segment, rfmn_thresholds, the
-- model type's text and binary forms.
SET extra_float_digits = 0;

-- Customers with heavy ties and NULLs.  recency: days since last activity
-- (fewer is better), frequency: active days, monetary: minutes, nps: rating.
-- nps is 8 for every customer who answered, and only three answered.
CREATE TABLE rfm_cust (id int, recency float8, frequency float8, monetary float8, nps float8);
INSERT INTO rfm_cust VALUES
  ( 1,   3, 40, 9000, NULL), ( 2,   3, 12, 1500,    8), ( 3,  10,  1,   30, NULL),
  ( 4,  10,  1,   30, NULL), ( 5,  10,  1,   30, NULL), ( 6,  45,  1,   30,    8),
  ( 7,  45,  1,  120, NULL), ( 8,  45,  2,  120, NULL), ( 9,  90,  2,  600, NULL),
  (10,  90,  5,  600, NULL), (11, 200,  1, NULL, NULL), (12, 200,  1,   10,    8),
  (13, 365,  1,   10, NULL), (14, NULL, 3,  240, NULL), (15, 365, 20, 4000, NULL),
  (16,  10,  1, NULL, NULL);

CREATE TABLE rfm_model AS
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps) AS model FROM rfm_cust;
SELECT model FROM rfm_model;
SELECT * FROM custvalue.rfmn_thresholds((SELECT model FROM rfm_model));

-- Every customer's scores next to the definitions computed with window
-- functions over the worst-to-best order: a tie group of cnt values with
-- c = rank() - 1 values worse, of N, scores
--   midrank (default): 1 + floor(5 * (2c + cnt) / 2N), but the worst group
--                      1, the best 5, and a single group 1 + floor(5 / 2);
--   first:             1 + floor(5 * c / N).
CREATE FUNCTION pg_temp.tie_score(ties text, c bigint, cnt bigint, n bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN ties = 'first' THEN 1 + 5 * c / n
              WHEN c = 0 AND cnt = n THEN 1 + 5 / 2
              WHEN c = 0 THEN 1
              WHEN c + cnt = n THEN 5
              ELSE 1 + 5 * (2 * c + cnt) / (2 * n) END $$;
CREATE VIEW rfm_ranks AS
SELECT id,
       rank() OVER (ORDER BY recency DESC NULLS LAST) - 1 AS r_c, count(*) OVER (PARTITION BY recency) AS r_cnt,
       count(recency) OVER () AS r_n, recency IS NULL AS r_null,
       rank() OVER (ORDER BY frequency) - 1 AS f_c, count(*) OVER (PARTITION BY frequency) AS f_cnt,
       count(frequency) OVER () AS f_n, frequency IS NULL AS f_null,
       rank() OVER (ORDER BY monetary) - 1 AS m_c, count(*) OVER (PARTITION BY monetary) AS m_cnt,
       count(monetary) OVER () AS m_n, monetary IS NULL AS m_null,
       rank() OVER (ORDER BY nps) - 1 AS n_c, count(*) OVER (PARTITION BY nps) AS n_cnt,
       count(nps) OVER () AS n_n, nps IS NULL AS n_null
  FROM rfm_cust;
CREATE VIEW rfm_reference AS
SELECT id, t.ties,
       CASE WHEN NOT r_null THEN pg_temp.tie_score(t.ties, r_c, r_cnt, r_n) END AS r,
       CASE WHEN NOT f_null THEN pg_temp.tie_score(t.ties, f_c, f_cnt, f_n) END AS f,
       CASE WHEN NOT m_null THEN pg_temp.tie_score(t.ties, m_c, m_cnt, m_n) END AS m,
       CASE WHEN NOT n_null THEN pg_temp.tie_score(t.ties, n_c, n_cnt, n_n) END AS n
  FROM rfm_ranks, (VALUES ('midrank'), ('first')) t(ties);
-- The same customers under ties "first" (the score of a group's first
-- position): the 9 one-time buyers keep F = 1 under both rules.
CREATE TABLE rfm_model_first AS
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"ties": "first"}') AS model FROM rfm_cust;
SELECT model FROM rfm_model_first;
SELECT ref.ties, c.id, c.recency, c.frequency, c.monetary, c.nps, (s).r, (s).f, (s).m, (s).n,
       round((s).score::numeric, 4) AS score, (s).code,
       custvalue.rfmn_segment(model, recency, frequency, monetary, nps) AS segment,
       (ref.r, ref.f, ref.m, ref.n) IS NOT DISTINCT FROM ((s).r, (s).f, (s).m, (s).n) AS as_ranked
  FROM rfm_cust c JOIN rfm_reference ref USING (id)
  JOIN (SELECT 'midrank' AS ties, model FROM rfm_model UNION ALL
        SELECT 'first', model FROM rfm_model_first) fits USING (ties),
       LATERAL custvalue.rfmn_score(model, recency, frequency, monetary, nps) s
 ORDER BY ref.ties DESC, c.id;

-- The shapes the default rule exists for, 1,000 customers.  Recency as in
-- the demo: 278 active on the last day (28% tied at the best value) get
-- R = 5 under midrank, only R = 4 under first.  Frequency as in CDNOW: 600
-- never buy again (60% tied at the worst value) and stay at F = 1 under both.
CREATE TABLE rfm_shapes AS
SELECT CASE WHEN i <= 278 THEN 0 WHEN i <= 509 THEN 1 WHEN i <= 795 THEN 2 + i % 26 ELSE 28 + i % 210 END::float8 AS recency,
       CASE WHEN i % 10 < 6 THEN 1 WHEN i % 20 < 15 THEN 2 WHEN i % 10 < 8 THEN 3 ELSE 4 + i % 30 END::float8 AS frequency
  FROM generate_series(1, 1000) i;
SELECT t.ties, th.*
  FROM (VALUES ('midrank'), ('first')) t(ties),
       LATERAL custvalue.rfmn_thresholds((SELECT custvalue.rfmn_fit(recency, frequency, NULL, NULL,
                                                   jsonb_build_object('ties', t.ties)) FROM rfm_shapes)) th
 ORDER BY t.ties DESC, th.dimension DESC, th.score;

-- Values the fit never saw score as the nearest better fitted value
-- (frequency 1.5 as 2, recency 300 days as 200), 1 below the worst
-- value and bins past the best.
SELECT v AS frequency, (custvalue.rfmn_score(model, NULL, v, NULL, NULL)).f
  FROM rfm_model, unnest(ARRAY[0, 1, 1.5, 2, 2.5, 4, 30, 100]::float8[]) v;
SELECT v AS recency, (custvalue.rfmn_score(model, v, NULL, NULL, NULL)).r
  FROM rfm_model, unnest(ARRAY[1000, 365, 300, 90, 60, 10, 5, 3, 0]::float8[]) v;
-- every NULL, or a NULL model
SELECT (custvalue.rfmn_score(model, NULL, NULL, NULL, NULL)).*,
       custvalue.rfmn_segment(model, NULL, NULL, NULL, NULL) IS NULL AS no_segment
  FROM rfm_model;
SELECT custvalue.rfmn_score(NULL, 1, 1, 1, 1) IS NULL AS null_model,
       custvalue.rfmn_segment(NULL, 1, 1, 1, 1) IS NULL AS null_model_segment;
SELECT custvalue.rfmn_score(model, 'NaN', 1, 1, 1) FROM rfm_model;
SELECT custvalue.rfmn_segment(model, 1, 1, '-Infinity', 1) FROM rfm_model;

-- Fewer customers than bins, all of them equal: one tie group, both worst
-- and best, scores the middle under midrank (1 + floor(5 / 2) = 3) and 1
-- under first; a smaller unseen value scores 1, a larger one 5.
SELECT * FROM custvalue.rfmn_thresholds(
  (SELECT custvalue.rfmn_fit(x, x, x, x) FROM (VALUES (7.0::float8), (7), (7)) v(x)));
SELECT * FROM custvalue.rfmn_thresholds(
  (SELECT custvalue.rfmn_fit(x, x, x, x, '{"ties": "first"}') FROM (VALUES (7.0::float8), (7), (7)) v(x)));
SELECT v, (custvalue.rfmn_score(model, v, v, NULL, NULL)).*
  FROM (SELECT custvalue.rfmn_fit(x, x, x, x) AS model FROM (VALUES (7.0::float8), (7), (7)) v(x)) f,
       unnest(ARRAY[6, 7, 8]::float8[]) v;
-- Fewer customers than bins, all different: midrank spans the scale.
SELECT t.ties, th.dimension, th.score, th.min_value
  FROM (VALUES ('midrank'), ('first')) t(ties),
       LATERAL custvalue.rfmn_thresholds((SELECT custvalue.rfmn_fit(NULL, x, NULL, NULL, jsonb_build_object('ties', t.ties))
                                            FROM (VALUES (1.0::float8), (2), (3)) v(x))) th
 ORDER BY t.ties DESC, th.score;
-- no rows: no model
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps) IS NULL AS no_rows
  FROM rfm_cust WHERE false;

-- Options: bins, weights, edges
SELECT * FROM custvalue.rfmn_thresholds(
  (SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"bins": 3}') FROM rfm_cust))
 WHERE dimension IN ('recency', 'frequency');
SELECT id, (s).*, custvalue.rfmn_segment(model, recency, frequency, monetary, nps)
  FROM rfm_cust,
       (SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps,
               '{"weights": [2, 1, 1, 0], "edges": [4.5, 3, 1.5]}') AS model FROM rfm_cust) f,
       LATERAL custvalue.rfmn_score(model, recency, frequency, monetary, nps) s
 WHERE id IN (1, 2, 6, 13, 14) ORDER BY id;
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"bins": 101}') FROM rfm_cust;
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"bins": 2.5}') FROM rfm_cust;
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"bin": 5}') FROM rfm_cust;
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '[5]') FROM rfm_cust;
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"weights": [1, 1, 1]}') FROM rfm_cust;
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"weights": [1, 1, -1, 1]}') FROM rfm_cust;
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"weights": [0, 0, 0, 0]}') FROM rfm_cust;
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"weights": "equal"}') FROM rfm_cust;
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"edges": [4, 3]}') FROM rfm_cust;
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"edges": [4, 2, 3]}') FROM rfm_cust;
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"ties": "average"}') FROM rfm_cust;
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"ties": 1}') FROM rfm_cust;
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"ties": null}')::text = model::text AS null_ties_is_default
  FROM rfm_cust, rfm_model GROUP BY model::text;
-- options are checked on the first row, before any value is read
SELECT custvalue.rfmn_fit(recency, 'NaN', monetary, nps, '{"bins": 0}') FROM rfm_cust;
SELECT custvalue.rfmn_fit(recency, frequency, monetary, 'Infinity') FROM rfm_cust;
-- the state is capped by custvalue.max_fit_memory
SET custvalue.max_fit_memory = '64kB';
SELECT custvalue.rfmn_fit(1, 1, i, 1) FROM generate_series(1, 20000) i;
RESET custvalue.max_fit_memory;

-- Every segment boundary, on a hand-written model in which value v scores
-- v (recency: 6 - v days scores v).
CREATE TABLE rfm_identity AS SELECT '{"kind": "rfmn_model", "version": 1, "bins": 5,
  "weights": [1, 1, 1, 1], "edges": [4, 3, 2],
  "recency": {"n": 5, "scores": [{"score": 1, "min_value": 5, "max_value": 5, "customers": 1},
    {"score": 2, "min_value": 4, "max_value": 4, "customers": 1}, {"score": 3, "min_value": 3, "max_value": 3, "customers": 1},
    {"score": 4, "min_value": 2, "max_value": 2, "customers": 1}, {"score": 5, "min_value": 1, "max_value": 1, "customers": 1}]},
  "frequency": {"n": 5, "scores": [{"score": 1, "min_value": 1, "max_value": 1, "customers": 1},
    {"score": 2, "min_value": 2, "max_value": 2, "customers": 1}, {"score": 3, "min_value": 3, "max_value": 3, "customers": 1},
    {"score": 4, "min_value": 4, "max_value": 4, "customers": 1}, {"score": 5, "min_value": 5, "max_value": 5, "customers": 1}]},
  "monetary": {"n": 5, "scores": [{"score": 1, "min_value": 1, "max_value": 1, "customers": 1},
    {"score": 2, "min_value": 2, "max_value": 2, "customers": 1}, {"score": 3, "min_value": 3, "max_value": 3, "customers": 1},
    {"score": 4, "min_value": 4, "max_value": 4, "customers": 1}, {"score": 5, "min_value": 5, "max_value": 5, "customers": 1}]},
  "nps": {"n": 5, "scores": [{"score": 1, "min_value": 1, "max_value": 1, "customers": 1},
    {"score": 2, "min_value": 2, "max_value": 2, "customers": 1}, {"score": 3, "min_value": 3, "max_value": 3, "customers": 1},
    {"score": 4, "min_value": 4, "max_value": 4, "customers": 1}, {"score": 5, "min_value": 5, "max_value": 5, "customers": 1}]}
}'::custvalue.rfmn_model AS model;
SELECT v.*, (s).r, (s).f, (s).m, (s).n, (s).score, (s).code,
       custvalue.rfmn_segment(model, 6 - vr, vf, vm, vn) AS segment
  FROM rfm_identity, (VALUES (5, 5, 5, 5), (4, 4, 4, 4), (5, 4, 4, 2), (3, 3, 3, 3), (3, 3, 3, 2),
                             (2, 2, 2, 2), (2, 2, 2, 1), (1, 1, 1, 1), (4, NULL, NULL, NULL),
                             (NULL, 3, NULL, NULL), (NULL, NULL, 2, NULL), (NULL, NULL, NULL, 1)) v(vr, vf, vm, vn),
       custvalue.rfmn_score(model, 6 - vr, vf, vm, vn) s;
-- the same with edges 4.5, 3.5, 2.5 and weights 1, 1, 0, 0 (S = (r + f) / 2)
SELECT v.*, (s).score, custvalue.rfmn_segment(model, 6 - vr, vf, vm, vn) AS segment
  FROM (SELECT replace(replace(model::text, '"edges": [4, 3, 2]', '"edges": [4.5, 3.5, 2.5]'),
                       '"weights": [1, 1, 1, 1]', '"weights": [1, 1, 0, 0]')::custvalue.rfmn_model AS model
          FROM rfm_identity) x,
       (VALUES (5, 5, 1, 1), (5, 4, 1, 1), (4, 4, 5, 5), (4, 3, 5, 5), (3, 3, 5, 5), (3, 2, 5, 5),
               (2, 2, 5, 5), (1, 1, 5, 5), (NULL, NULL, 5, 5)) v(vr, vf, vm, vn),
       custvalue.rfmn_score(model, 6 - vr, vf, vm, vn) s;
-- bins 10 and 100 write two and three digits per score
SELECT (custvalue.rfmn_score(custvalue.rfmn_fit(x, x, x, NULL, '{"bins": 10}'), 1, 1, 1, NULL)).code,
       (custvalue.rfmn_score(custvalue.rfmn_fit(x, x, x, NULL, '{"bins": 100}'), 1, 1000, 1, NULL)).code
  FROM generate_series(1, 1000) x;

-- Text round trip: text -> model -> text is identical; the jsonb cast.
SELECT model::text::custvalue.rfmn_model::text = model::text AS text_round_trip FROM rfm_model;
SELECT model::text::custvalue.rfmn_model::text = model::text AS text_round_trip_first FROM rfm_model_first;
-- A model written before the tie rule was a choice has no "ties": it reads
-- as "first", and scores and prints as one.
SELECT replace(f.model::text, '"ties": "first", ', '')::custvalue.rfmn_model::text = f.model::text
       AS old_text_reads_as_first
  FROM rfm_model_first f;
SELECT replace(f.model::text, '"ties": "first", ', '')::custvalue.rfmn_model::jsonb ->> 'ties' AS ties_of_old_text
  FROM rfm_model_first f;
SELECT replace(model::text, '"ties": "midrank"', '"ties": "average"')::custvalue.rfmn_model FROM rfm_model;
-- midrank tables under the name "first" do not add up
SELECT replace(model::text, '"ties": "midrank"', '"ties": "first"')::custvalue.rfmn_model FROM rfm_model;
SELECT (model::jsonb) -> 'frequency' FROM rfm_model;
SELECT jsonb_path_query_array(model::jsonb, '$.recency.scores[*].min_value') FROM rfm_model;
-- bad model texts
SELECT '[]'::custvalue.rfmn_model;
SELECT '{"kind": "scorecard"}'::custvalue.rfmn_model;
SELECT replace(model::text, '"version": 1', '"version": 2')::custvalue.rfmn_model FROM rfm_model;
SELECT replace(model::text, '"bins": 5', '"bins": 5, "seed": 1')::custvalue.rfmn_model FROM rfm_model;
SELECT replace(model::text, '"edges": [4, 3, 2]', '"edges": [4, 3, 1e400]')::custvalue.rfmn_model FROM rfm_model;
SELECT replace(model::text, '"edges": [4, 3, 2]', '"edges": [4, 3, null]')::custvalue.rfmn_model FROM rfm_model;
SELECT replace(model::text, '"n": 15', '"n": 16')::custvalue.rfmn_model FROM rfm_model;
SELECT replace(model::text, '"score": 2, "min_value": 90', '"score": 3, "min_value": 90')::custvalue.rfmn_model
  FROM rfm_model;
SELECT replace(model::text, '"min_value": 45, "max_value": 45', '"min_value": 45, "max_value": 90')::custvalue.rfmn_model
  FROM rfm_model;
SELECT replace(model::text, '"nps": {"n": 3', '"nps": {"n": 3, "nulls": 13')::custvalue.rfmn_model FROM rfm_model;
SELECT replace(model::text, '"customers": 3}', '"customers": 3, "share": 0.2}')::custvalue.rfmn_model FROM rfm_model;
SELECT 'not json'::custvalue.rfmn_model;

-- Binary send/recv: copy the model out and back in binary format.
CREATE TABLE rfm_model_copy (model custvalue.rfmn_model);
\copy rfm_model TO 'results/rfm_model.bin' WITH (FORMAT binary)
\copy rfm_model_copy FROM 'results/rfm_model.bin' WITH (FORMAT binary)
SELECT a.model::text = b.model::text AS binary_round_trip FROM rfm_model a, rfm_model_copy b;
TRUNCATE rfm_model_copy;
\copy rfm_model_first TO 'results/rfm_model.bin' WITH (FORMAT binary)
\copy rfm_model_copy FROM 'results/rfm_model.bin' WITH (FORMAT binary)
SELECT a.model::text = b.model::text AS binary_round_trip_first FROM rfm_model_first a, rfm_model_copy b;

-- A forced parallel plan gives the same model text as the serial one.
CREATE TABLE rfm_many AS
SELECT i AS id, ((i * 37) % 365)::float8 AS recency, (1 + (i * 7) % 20 / 3)::float8 AS frequency,
       CASE WHEN i % 11 = 0 THEN NULL ELSE round(((i * 7919) % 10007) / 10.0, 1)::float8 END AS monetary,
       CASE WHEN i % 3 = 0 THEN NULL ELSE ((i * 13) % 11)::float8 END AS nps
  FROM generate_series(1, 30000) i;
ANALYZE rfm_many;
CREATE TABLE rfm_serial AS
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"bins": 7}')::text AS model FROM rfm_many;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"bins": 7}') FROM rfm_many;
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"bins": 7}')::text = (SELECT model FROM rfm_serial)
       AS parallel_equals_serial
  FROM rfm_many;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- Partitionwise aggregation combines the partial states of each partition.
CREATE TABLE rfm_parts (LIKE rfm_many) PARTITION BY RANGE (id);
CREATE TABLE rfm_parts_1 PARTITION OF rfm_parts FOR VALUES FROM (MINVALUE) TO (10001);
CREATE TABLE rfm_parts_2 PARTITION OF rfm_parts FOR VALUES FROM (10001) TO (20001);
CREATE TABLE rfm_parts_3 PARTITION OF rfm_parts FOR VALUES FROM (20001) TO (MAXVALUE);
INSERT INTO rfm_parts SELECT * FROM rfm_many;
ANALYZE rfm_parts;
SET enable_partitionwise_aggregate = on;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF)
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"bins": 7}') FROM rfm_parts;
SELECT custvalue.rfmn_fit(recency, frequency, monetary, nps, '{"bins": 7}')::text = (SELECT model FROM rfm_serial)
       AS partitionwise_equals_serial
  FROM rfm_parts;
RESET enable_partitionwise_aggregate;
RESET max_parallel_workers_per_gather;

DROP VIEW rfm_reference, rfm_ranks;
DROP TABLE rfm_cust, rfm_model, rfm_model_first, rfm_shapes, rfm_identity, rfm_model_copy, rfm_many, rfm_serial, rfm_parts;
