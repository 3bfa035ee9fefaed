-- Scorecards: scorecard_fit, health_score(card, ...), health_explain, the
-- custvalue.scorecard value (JSON, binary, jsonb) and the shared fit state.
SET extra_float_digits = 0;
-- errors are shown as SQLSTATE: message
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- A population checked by hand: measure a = {1,2,2,3}, b (lower is better)
-- = {10,20,NULL,40}.  Mid-rank points of a: 1 -> 12.5, 2 -> 50, 3 -> 87.5.
CREATE TABLE pop (id int, a float8, b float8);
INSERT INTO pop VALUES (1, 1, 10), (2, 2, 20), (3, 2, NULL), (4, 3, 40);
CREATE TABLE cards AS
SELECT custvalue.scorecard_fit(ARRAY[a, b],
         '{"weights": [3, 1], "higher_is_better": [true, false], "names": ["a", "b"]}') AS card
  FROM pop;
SELECT card FROM cards;
-- b: 10 -> 100 - 100*(0 + 1/6) = 83.333; 20 -> 50; 40 -> 16.667
-- id 1: (3*12.5 + 1*83.333)/4 = 30.208; id 3: b absent -> a only = 50
SELECT id, round(custvalue.health_score(card, ARRAY[a, b])::numeric, 6) AS score
  FROM pop, cards ORDER BY id;
-- values not in the population: below, between and above the knots
SELECT x, custvalue.health_score(card, ARRAY[x, NULL]) AS points
  FROM cards, (VALUES (0.5::float8), (1.5), (2.5), (9)) v(x);
SELECT jsonb_pretty(custvalue.health_explain(card, ARRAY[1, 10])) FROM cards;
SELECT custvalue.health_explain(card, ARRAY[NULL, NULL]::float8[]) FROM cards;

-- health_score(card, ARRAY[...]) passes the measures as separate arguments
-- (planner support), with the same result as the array form
EXPLAIN (VERBOSE, COSTS OFF) SELECT custvalue.health_score(card, ARRAY[a, b]) FROM pop, cards;
SELECT id, custvalue.health_score(card, ARRAY[a, b]) = custvalue.health_score(card, (SELECT ARRAY[a, b])) AS same
  FROM pop, cards ORDER BY id;
SELECT pg_temp.err($$SELECT custvalue.health_score(card, ARRAY[a]) FROM pop, cards$$);

-- NULL handling: a NULL array skips the row, no rows give NULL, every
-- measure absent gives NULL, STRICT scoring
SELECT custvalue.scorecard_fit(m) IS NULL AS no_rows FROM (SELECT ARRAY[1.0::float8] m WHERE false) s;
SELECT custvalue.scorecard_fit(m) FROM (VALUES (NULL::float8[]), (ARRAY[5.0::float8])) v(m);
SELECT custvalue.health_score(card, ARRAY[NULL, NULL]::float8[]) IS NULL AS all_absent FROM cards;
SELECT custvalue.health_score(card, NULL) IS NULL AS strict FROM cards;
SELECT custvalue.health_score(custvalue.scorecard_fit(ARRAY[x, NULL]), ARRAY[1, 7])
  FROM (VALUES (1.0::float8), (2)) v(x);   -- the never-observed measure drops out

-- fit errors
SELECT pg_temp.err($$SELECT custvalue.scorecard_fit(ARRAY[a], '{"weight": [1]}') FROM pop$$);
SELECT pg_temp.err($$SELECT custvalue.scorecard_fit(ARRAY[a], '[1]') FROM pop$$);
SELECT pg_temp.err($$SELECT custvalue.scorecard_fit(ARRAY[a, b], '{"weights": [1]}') FROM pop$$);
SELECT pg_temp.err($$SELECT custvalue.scorecard_fit(ARRAY[a], '{"weights": [-1]}') FROM pop$$);
SELECT pg_temp.err($$SELECT custvalue.scorecard_fit(ARRAY[a], '{"weights": [0]}') FROM pop$$);
SELECT pg_temp.err($$SELECT custvalue.scorecard_fit(ARRAY[a], '{"weights": ["x"]}') FROM pop$$);
SELECT pg_temp.err($$SELECT custvalue.scorecard_fit(ARRAY[a], '{"higher_is_better": [1]}') FROM pop$$);
SELECT pg_temp.err($$SELECT custvalue.scorecard_fit(ARRAY[a, b], '{"names": ["x", "x"]}') FROM pop$$);
SELECT pg_temp.err($$SELECT custvalue.scorecard_fit(ARRAY[a], '{"names": [""]}') FROM pop$$);
SELECT pg_temp.err($$SELECT custvalue.scorecard_fit(CASE WHEN id = 3 THEN ARRAY[a] ELSE ARRAY[a, b] END) FROM pop$$);
SELECT pg_temp.err($$SELECT custvalue.scorecard_fit('{}'::float8[]) FROM pop$$);
SELECT pg_temp.err($$SELECT custvalue.scorecard_fit(ARRAY[a, 'NaN']) FROM pop$$);
SELECT pg_temp.err($$SELECT custvalue.scorecard_fit(ARRAY[[a]]) FROM pop$$);
-- scoring errors
SELECT pg_temp.err($$SELECT custvalue.health_score(card, ARRAY[1.0]) FROM cards$$);
SELECT pg_temp.err($$SELECT custvalue.health_score(card, ARRAY[1, 'Infinity'::float8]) FROM cards$$);
SELECT pg_temp.err($$SELECT custvalue.health_explain(card, ARRAY[1, 2, 3]) FROM cards$$);

-- JSON round trip: text -> card -> text is the identity, and jsonb agrees
SELECT card::text::custvalue.scorecard::text = card::text AS text_round_trip,
       card::jsonb = card::text::jsonb AS jsonb_cast
  FROM cards;
-- a hand-written card with every method works like a fitted one
CREATE TABLE hand AS SELECT $${"kind": "scorecard", "version": 1, "measures": [
  {"name": "days", "weight": 40, "method": "recency", "half_life": 30},
  {"name": "activities", "weight": 20, "method": "log", "poor": 0, "good": 99},
  {"name": "email_share", "weight": 30, "method": "linear", "poor": 0, "good": 1},
  {"name": "size", "weight": 10, "method": "bands", "edges": [50, 500], "points": [40, 70, 100]},
  {"name": "revenue", "weight": 0, "method": "percentile", "higher_is_better": true,
   "values": [0, 10, 20], "counts": [1, 1, 1], "between": [2, 0]}]}$$::custvalue.scorecard AS card;
SELECT card FROM hand;
-- days 30 -> 50; activities 9 -> 100*log(10)/log(100) = 50; share 0.5 -> 50;
-- size 50 -> 70; revenue has weight 0: (40*50 + 20*50 + 30*50 + 10*70)/100 = 52
SELECT custvalue.health_score(card, ARRAY[30, 9, 0.5, 50, 5]) FROM hand;
-- revenue 5 lies in the 2 rows spread over (0, 10): below = 1 + 2*0.5 = 2 of 5 rows
SELECT custvalue.health_explain(card, ARRAY[NULL, NULL, NULL, NULL, 5]) -> 'measures' -> 4 FROM hand;
-- malformed cards
SELECT pg_temp.err($$SELECT 'x'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "rfmn_model", "version": 1, "measures": []}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 2, "measures": []}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1, "measures": []}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1, "measures": [], "extra": 1}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1, "measures": [{"name": "a", "weight": 1, "values": [2, 1], "counts": [1, 1]}]}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1, "measures": [{"name": "a", "weight": 1, "values": [1, 2], "counts": [1]}]}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1, "measures": [{"name": "a", "weight": 1, "values": [1], "counts": [-1]}]}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1, "measures": [{"name": "a", "weight": 1, "values": [1e999], "counts": [1]}]}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1, "measures": [{"name": "a", "weight": -1, "values": [1], "counts": [1]}]}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1, "measures": [{"name": "a", "weight": 0, "values": [1], "counts": [1]}]}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1, "measures": [{"name": "a", "weight": 1, "method": "bands", "edges": [1], "points": [1, 200]}]}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1, "measures": [{"name": "a", "weight": 1, "method": "bands", "edges": [1, 2], "points": [1, 2]}]}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1, "measures": [{"name": "a", "weight": 1, "method": "linear", "poor": 1, "good": 1}]}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1, "measures": [{"name": "a", "weight": 1, "method": "recency", "half_life": 0}]}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1, "measures": [{"name": "a", "weight": 1, "method": "cubic"}]}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1, "measures": [{"name": "a", "weight": 1, "method": "linear", "poor": 0, "good": 1, "values": []}]}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1, "measures": [{"weight": 1, "values": [1], "counts": [1]}]}'::custvalue.scorecard$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1, "measures": [{"name": "a", "weight": 1, "values": [1], "counts": [1]}, {"name": "a", "weight": 1, "values": [1], "counts": [1]}]}'::custvalue.scorecard$$);

-- binary send/recv: copy out and back in, values unchanged
CREATE TABLE cards_bin (card custvalue.scorecard);
\copy cards TO 'results/scorecard.bin' (FORMAT binary)
\copy cards_bin FROM 'results/scorecard.bin' (FORMAT binary)
SELECT b.card::text = c.card::text AS binary_round_trip FROM cards c, cards_bin b;

-- The state type: the partial states Citus ships between nodes in text
-- form.  An aggregate that stops at the state, and one that merges states
-- with the shared combine function, rebuild the fit from text.
CREATE TABLE big AS
SELECT i, ARRAY[(i % 97)::float8, (i * 7919 % 1000)::float8, CASE WHEN i % 10 = 0 THEN NULL ELSE (i % 13)::float8 END] AS m
  FROM generate_series(1, 20000) i;
CREATE AGGREGATE pg_temp.fit_state(float8[], jsonb) (
  SFUNC = custvalue.scorecard_fit_trans, STYPE = custvalue.fitstate);
CREATE AGGREGATE pg_temp.merge_states(custvalue.fitstate) (
  SFUNC = custvalue.fitstate_combine, STYPE = custvalue.fitstate);
CREATE TABLE direct AS SELECT custvalue.scorecard_fit(m, '{"weights": [1, 2, 3]}') AS card FROM big;
SELECT left(pg_temp.fit_state(m, '{"weights": [1, 2, 3]}')::text, 6) AS state_text_starts FROM big;
WITH parts AS (
  SELECT pg_temp.fit_state(m, '{"weights": [1, 2, 3]}')::text AS st FROM big GROUP BY i % 4)
SELECT custvalue.scorecard_fit_final(pg_temp.merge_states(st::custvalue.fitstate))::text = d.card::text
       AS merged_from_text_equals_direct
  FROM parts, direct d GROUP BY d.card::text;
WITH s AS (SELECT pg_temp.fit_state(m, '{}')::text AS t FROM big)
SELECT t::custvalue.fitstate::text = t AS state_text_round_trip FROM s;
-- states of different fits do not merge
SELECT pg_temp.err($$SELECT pg_temp.merge_states(st) FROM (
  SELECT pg_temp.fit_state(m, '{}') st FROM big UNION ALL
  SELECT pg_temp.fit_state(m, '{"weights": [1, 1, 2]}') FROM big) s$$);
-- malformed state text
SELECT pg_temp.err($$SELECT 'distr'::custvalue.fitstate$$);
SELECT pg_temp.err($$SELECT 'distr:!!!!'::custvalue.fitstate$$);
SELECT pg_temp.err($$SELECT 'distr:AQEAAAAAAAA='::custvalue.fitstate$$);
SELECT pg_temp.err($$SELECT 'kmeans:AQEAAAAAAAAB'::custvalue.fitstate$$);

-- A forced parallel plan gives the same card as a serial one.
SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial AS SELECT custvalue.scorecard_fit(m, '{"weights": [1, 2, 3]}')::text AS card FROM big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT custvalue.scorecard_fit(m, '{"weights": [1, 2, 3]}') FROM big;
SELECT custvalue.scorecard_fit(m, '{"weights": [1, 2, 3]}')::text = (SELECT card FROM serial) AS parallel_equals_serial
  FROM big;
-- and per group, with partition-wise aggregation combining partial states
CREATE TABLE parted (g int, m float8[]) PARTITION BY LIST (g);
CREATE TABLE parted_0 PARTITION OF parted FOR VALUES IN (0);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES IN (1);
INSERT INTO parted SELECT i % 2, m FROM big;
ANALYZE parted;
SET enable_partitionwise_aggregate = on;
EXPLAIN (COSTS OFF) SELECT custvalue.scorecard_fit(m) FROM parted;
SELECT custvalue.scorecard_fit(m)::text = (SELECT custvalue.scorecard_fit(m)::text FROM big) AS partitionwise_equals
  FROM parted;
RESET ALL;

-- The state is capped by custvalue.max_fit_memory.
SET custvalue.max_fit_memory = '64kB';
SELECT pg_temp.err($$SELECT custvalue.scorecard_fit(ARRAY[i::float8]) FROM generate_series(1, 20000) i$$);
RESET custvalue.max_fit_memory;

-- Past 100,000 distinct values a measure is compressed: points stay within
-- 0.5 of the exact mid-rank percentile.
CREATE TABLE wide AS SELECT (i * 7919 % 150001)::float8 / 7 AS x FROM generate_series(1, 150000) i;
CREATE TABLE wide_card AS SELECT custvalue.scorecard_fit(ARRAY[x]) AS card FROM wide;
SELECT (card::jsonb -> 'measures' -> 0) ? 'between' AS compressed,
       jsonb_array_length(card::jsonb -> 'measures' -> 0 -> 'values') < 100000 AS fewer_knots
  FROM wide_card;
WITH probes AS (SELECT x FROM wide WHERE x::int % 1500 = 0),
exact AS (
  SELECT p.x, 100.0 * (count(*) FILTER (WHERE w.x < p.x) + count(*) FILTER (WHERE w.x = p.x) / 2.0) / count(*) AS pts
    FROM probes p, wide w GROUP BY p.x)
SELECT count(*) AS probes, max(abs(custvalue.health_score(card, ARRAY[e.x]) - e.pts)) <= 0.5 AS within_half_point
  FROM exact e, wide_card;

-- Past the exact range the card still depends on the data alone: serial,
-- reversed row order, forced parallel (with and without the leader
-- scanning) and partition-wise fits give the same text.  A compressed
-- measure holds at most about 4,050 knots whatever the number of rows.
CREATE FUNCTION pg_temp.plan_lines(q text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
BEGIN
  RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || q;
END $f$;
CREATE TABLE wide_rows AS
SELECT i, ARRAY[(i * 7919 % 150001)::float8 / 7, (i % 97)::float8, sqrt(i)] AS m
  FROM generate_series(1, 150000) i;
ANALYZE wide_rows;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE wide_serial AS SELECT custvalue.scorecard_fit(m)::text AS card FROM wide_rows;
SELECT length(card) < 300000 AS bounded_text,
       (SELECT array_agg(jsonb_array_length(e -> 'values') ORDER BY o)
          FROM jsonb_array_elements(card::jsonb -> 'measures') WITH ORDINALITY j(e, o)) AS knots
  FROM wide_serial;
SELECT custvalue.scorecard_fit(m ORDER BY i DESC)::text = (SELECT card FROM wide_serial) AS reversed_equals_serial
  FROM wide_rows;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT count(*) > 0 AS parallel_plan
  FROM pg_temp.plan_lines('SELECT custvalue.scorecard_fit(m) FROM wide_rows') l WHERE l LIKE '%Partial Aggregate%';
SELECT custvalue.scorecard_fit(m)::text = (SELECT card FROM wide_serial) AS parallel_equals_serial FROM wide_rows;
SET parallel_leader_participation = off;
SELECT custvalue.scorecard_fit(m)::text = (SELECT card FROM wide_serial) AS parallel_no_leader_equals_serial
  FROM wide_rows;
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
CREATE TABLE wide_parted (g int, i int, m float8[]) PARTITION BY LIST (g);
CREATE TABLE wide_parted_0 PARTITION OF wide_parted FOR VALUES IN (0);
CREATE TABLE wide_parted_1 PARTITION OF wide_parted FOR VALUES IN (1);
CREATE TABLE wide_parted_2 PARTITION OF wide_parted FOR VALUES IN (2);
INSERT INTO wide_parted SELECT i * 13 % 3, i, m FROM wide_rows;
ANALYZE wide_parted;
SET enable_partitionwise_aggregate = on;
SET max_parallel_workers_per_gather = 0;
SELECT count(*) AS partial_aggregates
  FROM pg_temp.plan_lines('SELECT custvalue.scorecard_fit(m) FROM wide_parted') l WHERE l LIKE '%Partial Aggregate%';
SELECT custvalue.scorecard_fit(m)::text = (SELECT card FROM wide_serial) AS partitionwise_equals_serial
  FROM wide_parted;
RESET ALL;
