-- Scoring against many models in one query: each scoring call site keeps
-- several decoded models (custvalue.model_cache_memory), so rows that
-- alternate between per-segment models, as a hash join delivers them, are
-- scored with their own segment's model.  Every score is checked against
-- the definition computed in SQL for that segment alone.
SET extra_float_digits = 0;

-- 100 segments, more than the 64 models a call site keeps; rows of
-- different segments alternate (seg = i % 100), and every segment has its
-- own population: values i * 7 mod 1000 scaled and shifted by the segment.
CREATE TABLE cache_rows AS
SELECT i, i % 100 AS seg,
       (((i * 7) % 1000) * (1 + (i % 100) / 10.0) + (i % 100))::float8 AS x,
       (((i * 13) % 37) + (i % 100))::float8 AS y,
       ((i * 11) % 97)::float8 AS z
  FROM generate_series(1, 6000) i;
ANALYZE cache_rows;

-- The mid-rank percentile of x within its segment, by definition:
-- 100 * (rows below + rows equal / 2) / rows.
CREATE TABLE cache_expected AS
SELECT i, 100.0 * ((rank() OVER w - 1) + count(*) OVER (PARTITION BY seg, x) / 2.0)
             / count(*) OVER (PARTITION BY seg) AS points
  FROM cache_rows WINDOW w AS (PARTITION BY seg ORDER BY x);

-- 1. Cards stored out of line (toast pointers): 12 segments of 500 rows.
CREATE TABLE seg_cards (seg int, card custvalue.scorecard);
ALTER TABLE seg_cards ALTER COLUMN card SET STORAGE EXTERNAL;
INSERT INTO seg_cards
SELECT seg % 12, custvalue.scorecard_fit(ARRAY[x])
  FROM (SELECT i % 12 AS seg, x FROM cache_rows) s GROUP BY seg % 12;
ANALYZE seg_cards;
SELECT count(*) AS cards, min(pg_column_size(card)) > 2000 AS out_of_line FROM seg_cards;
CREATE TABLE seg_expected_t AS
SELECT i, 100.0 * ((rank() OVER w - 1) + count(*) OVER (PARTITION BY i % 12, x) / 2.0)
             / count(*) OVER (PARTITION BY i % 12) AS points
  FROM cache_rows WINDOW w AS (PARTITION BY i % 12 ORDER BY x);

SET enable_nestloop = off;
SET enable_mergejoin = off;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF)
SELECT custvalue.health_score(c.card, ARRAY[r.x])
  FROM cache_rows r JOIN seg_cards c ON c.seg = r.i % 12;
-- every row, in hash-join order, against its own segment's card
SELECT count(*) AS rows_scored,
       count(*) FILTER (WHERE abs(s.points - e.points) > 1e-9) AS wrong
  FROM (SELECT r.i, custvalue.health_score(c.card, ARRAY[r.x]) AS points
          FROM cache_rows r JOIN seg_cards c ON c.seg = r.i % 12) s
  JOIN seg_expected_t e USING (i);
-- the same with no room for more than the current and previous models:
-- models are dropped and decoded again, and the scores do not change
SET custvalue.model_cache_memory = 0;
SELECT count(*) AS rows_scored,
       count(*) FILTER (WHERE abs(s.points - e.points) > 1e-9) AS wrong
  FROM (SELECT r.i, custvalue.health_score(c.card, ARRAY[r.x]) AS points
          FROM cache_rows r JOIN seg_cards c ON c.seg = r.i % 12) s
  JOIN seg_expected_t e USING (i);
RESET custvalue.model_cache_memory;

-- 2. 100 cards built in the query (in-memory values, keyed by their
-- fingerprint), more than a call site keeps: the least recently used are
-- dropped and come back decoded again.  health_explain goes through the
-- same cache.
WITH cards AS (SELECT seg, custvalue.scorecard_fit(ARRAY[x, y]) AS card
                 FROM cache_rows GROUP BY seg)
SELECT count(*) AS rows_scored,
       count(*) FILTER (WHERE abs(s.points - e.points) > 1e-9) AS wrong,
       count(*) FILTER (WHERE abs(s.explained - e.points) > 1e-9) AS wrong_explained
  FROM (SELECT r.i,
               custvalue.health_score(c.card, ARRAY[r.x, NULL]) AS points,
               (custvalue.health_explain(c.card, ARRAY[r.x, r.y]) -> 'measures' -> 0 ->> 'points')::float8 AS explained
          FROM cache_rows r JOIN cards c USING (seg)) s
  JOIN cache_expected e USING (i);

-- 3. RFM+N: 100 per-segment models (ties scored by their first position),
-- scored in hash-join order, against score = 1 + floor(5 * (rank - 1) / N)
-- computed per segment.
CREATE TABLE seg_models AS
SELECT seg, custvalue.rfmn_fit(x, y, z, NULL, '{"ties": "first"}') AS model
  FROM cache_rows GROUP BY seg;
ANALYZE seg_models;
CREATE TABLE rfm_expected AS
SELECT i, 1 + (5 * (rank() OVER (PARTITION BY seg ORDER BY x DESC) - 1)) / count(*) OVER (PARTITION BY seg) AS r,
          1 + (5 * (rank() OVER (PARTITION BY seg ORDER BY y) - 1)) / count(*) OVER (PARTITION BY seg) AS f,
          1 + (5 * (rank() OVER (PARTITION BY seg ORDER BY z) - 1)) / count(*) OVER (PARTITION BY seg) AS m
  FROM cache_rows;
SELECT count(*) AS rows_scored,
       count(*) FILTER (WHERE ((s).r, (s).f, (s).m) IS DISTINCT FROM (e.r, e.f, e.m)) AS wrong,
       count(*) FILTER (WHERE seg_ment IS NULL) AS no_segment
  FROM (SELECT r.i, custvalue.rfmn_score(m.model, r.x, r.y, r.z, NULL) AS s,
               custvalue.rfmn_segment(m.model, r.x, r.y, r.z, NULL) AS seg_ment
          FROM cache_rows r JOIN seg_models m USING (seg)) q
  JOIN rfm_expected e USING (i);
SET custvalue.model_cache_memory = 0;
SELECT count(*) AS rows_scored,
       count(*) FILTER (WHERE ((s).r, (s).f, (s).m) IS DISTINCT FROM (e.r, e.f, e.m)) AS wrong
  FROM (SELECT r.i, custvalue.rfmn_score(m.model, r.x, r.y, r.z, NULL) AS s
          FROM cache_rows r JOIN seg_models m USING (seg)) q
  JOIN rfm_expected e USING (i);
RESET custvalue.model_cache_memory;

-- 4. Parallel workers keep their own caches, with the same result.
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT count(*) AS rows_scored,
       count(*) FILTER (WHERE abs(s.points - e.points) > 1e-9) AS wrong
  FROM (SELECT r.i, custvalue.health_score(c.card, ARRAY[r.x]) AS points
          FROM cache_rows r JOIN seg_cards c ON c.seg = r.i % 12) s
  JOIN seg_expected_t e USING (i);
RESET ALL;

-- 5. The setting: 256MB by default, 0 to 1GB.
SHOW custvalue.model_cache_memory;
SET custvalue.model_cache_memory = -1;
SET custvalue.model_cache_memory = '2GB';
