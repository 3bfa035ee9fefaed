-- RFM+N: named and user segment maps, value trends, nps.
SET extra_float_digits = 0;

-- The named map on the 5 x 5 R x F grid, every cell: one row per R, F1..F5.
SELECT r,
       custvalue.rfm_segment(r, 1) AS f1, custvalue.rfm_segment(r, 2) AS f2,
       custvalue.rfm_segment(r, 3) AS f3, custvalue.rfm_segment(r, 4) AS f4,
       custvalue.rfm_segment(r, 5) AS f5
  FROM generate_series(5, 1, -1) r;
-- each name's cells
SELECT custvalue.rfm_segment(r, f) AS segment, count(*) AS cells,
       string_agg(format('R%sF%s', r, f), ' ' ORDER BY r, f) AS where_
  FROM generate_series(1, 5) r, generate_series(1, 5) f
 GROUP BY 1 ORDER BY 1;
SELECT custvalue.rfm_segment(NULL, 3) IS NULL AS null_in_null_out;
SELECT custvalue.rfm_segment(0, 3);
SELECT custvalue.rfm_segment(3, 6);

-- User maps: first match wins, omitted dimensions match anything.
CREATE TABLE rfm_map AS SELECT '[
  {"segment": "vip",    "r": [4, 5], "f": [4, 5], "m": [4, 5]},
  {"segment": "recent", "r": [4, 5]},
  {"segment": "big",    "m": [5, 5]},
  {"segment": "low f",  "f": [1, 1], "m": [1, 2]}
]'::jsonb AS map;
SELECT r, f, m, custvalue.rfm_segment(r, f, m, map)
  FROM rfm_map, (VALUES (5, 5, 5), (4, 4, 4), (4, 4, 3), (5, 1, 1), (3, 5, 5),
                        (3, 1, 2), (3, 1, 3), (1, 2, 3), (10, 100, 1)) v(r, f, m);
-- a NULL score matches only rules that leave its dimension out
SELECT r, f, m, custvalue.rfm_segment(r, f, m, map)
  FROM rfm_map, (VALUES (5, NULL, 5), (NULL, 1, 5), (NULL, 1, 1), (NULL::int, NULL::int, NULL::int)) v(r, f, m);
SELECT custvalue.rfm_segment(5, 5, 5, NULL) IS NULL AS null_map_gives_null;
-- the map is parsed once per call site and re-parsed when it changes
SELECT custvalue.rfm_segment(3, 3, 3, m)
  FROM (VALUES ('[{"segment": "a", "r": [3, 3]}]'::jsonb), ('[{"segment": "a", "r": [3, 3]}]'),
               ('[{"segment": "b", "f": [1, 2]}]'), ('[{"segment": "c"}]')) v(m);
-- scores must be 1..100
SELECT custvalue.rfm_segment(0, 1, 1, '[{"segment": "a"}]');
SELECT custvalue.rfm_segment(1, 1, 101, '[{"segment": "a"}]');
-- malformed maps
SELECT custvalue.rfm_segment(1, 1, 1, '{"segment": "a"}');
SELECT custvalue.rfm_segment(1, 1, 1, '[]');
SELECT custvalue.rfm_segment(1, 1, 1, '[1]');
SELECT custvalue.rfm_segment(1, 1, 1, '[{"r": [1, 2]}]');
SELECT custvalue.rfm_segment(1, 1, 1, '[{"segment": ""}]');
SELECT custvalue.rfm_segment(1, 1, 1, '[{"segment": 5}]');
SELECT custvalue.rfm_segment(1, 1, 1, '[{"segment": "a"}, {"segment": "b", "n": [1, 2]}]');
SELECT custvalue.rfm_segment(1, 1, 1, '[{"segment": "a", "r": 3}]');
SELECT custvalue.rfm_segment(1, 1, 1, '[{"segment": "a", "r": [1, 2, 3]}]');
SELECT custvalue.rfm_segment(1, 1, 1, '[{"segment": "a", "f": [1.5, 2]}]');
SELECT custvalue.rfm_segment(1, 1, 1, '[{"segment": "a", "f": ["1", 2]}]');
SELECT custvalue.rfm_segment(1, 1, 1, '[{"segment": "a", "m": [0, 2]}]');
SELECT custvalue.rfm_segment(1, 1, 1, '[{"segment": "a", "m": [1, 101]}]');
SELECT custvalue.rfm_segment(1, 1, 1, '[{"segment": "a", "m": [3, 2]}]');

-- value_trend: every case, the default band 0.10 and a given one
SELECT c, p, custvalue.value_trend(c, p) AS default_band,
       custvalue.value_trend(c, p, 0.25) AS band_25, custvalue.value_trend(c, p, 0) AS band_0
  FROM (VALUES (110, 100), (111, 100), (90, 100), (89, 100), (100, 100), (125, 100),
               (126, 100), (75, 100), (74, 100), (0, 100), (5, 0), (0, 0)) v(c, p);
SELECT custvalue.value_trend(NULL, 1) IS NULL AS null_in_null_out;
SELECT custvalue.value_trend(-1, 100);
SELECT custvalue.value_trend(100, -0.5);
SELECT custvalue.value_trend(100, 100, -0.1);
SELECT custvalue.value_trend('NaN', 100);
SELECT custvalue.value_trend(100, 'Infinity');
SELECT custvalue.value_trend(100, 100, 'Infinity');

-- nps: % promoters (9-10) minus % detractors (0-6)
SELECT custvalue.nps(r) FROM (VALUES (9), (10), (10)) v(r);                  -- all promoters
SELECT custvalue.nps(r) FROM generate_series(0, 6) r;                        -- all detractors
SELECT custvalue.nps(r) FROM (VALUES (7), (8), (8)) v(r);                    -- passives only
SELECT custvalue.nps(r) FROM (VALUES (10), (10), (10), (0), (NULL)) v(r);    -- 3 - 1 of 4: 50
SELECT custvalue.nps(r) FROM (VALUES (6), (7), (9)) v(r);                    -- 6 is a detractor
SELECT custvalue.nps(r) FROM generate_series(0, 10) r;                       -- (2 - 7) / 11
SELECT custvalue.nps(r) FROM generate_series(1, 0) r;                        -- no rows
SELECT custvalue.nps(r) FROM (VALUES (NULL::int), (NULL)) v(r);              -- only NULLs
SELECT custvalue.nps(r) FROM (VALUES (10), (11)) v(r);
SELECT custvalue.nps(r) FROM (VALUES (-1)) v(r);
-- the state: counts of ratings 0..10, exact as text
SELECT custvalue.nps_trans(custvalue.nps_trans('{0,0,0,0,0,0,0,0,0,0,0}', 9), 9);
SELECT custvalue.nps_final(custvalue.nps_combine('{1,0,0,0,0,0,0,0,0,0,0}', '{0,0,0,0,0,0,0,0,0,2,1}'));
SELECT custvalue.nps_final('{1,2}');
SELECT custvalue.nps_final('{0,0,0,0,0,0,0,0,0,0,-1}');
SELECT custvalue.nps_final('{0,0,0,0,0,0,0,0,0,0,NULL}');
SELECT custvalue.nps_combine('{0,0,0,0,0,0,0,0,0,0,9223372036854775807}', '{0,0,0,0,0,0,0,0,0,0,1}');

-- nps under a forced parallel plan equals the serial result
CREATE TABLE rfm_ratings AS
SELECT i % 7 AS grp, CASE WHEN i % 13 = 0 THEN NULL ELSE least(10, (i * 7919) % 11 + i % 7) END AS rating
  FROM generate_series(1, 20000) i;
ANALYZE rfm_ratings;
CREATE TEMP TABLE nps_serial AS SELECT grp, custvalue.nps(rating) FROM rfm_ratings GROUP BY grp;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT grp, custvalue.nps(rating) FROM rfm_ratings GROUP BY grp;
SELECT count(*) AS groups, bool_and(s.nps = p.nps) AS same_as_serial, min(p.nps), max(p.nps)
  FROM nps_serial s JOIN (SELECT grp, custvalue.nps(rating) FROM rfm_ratings GROUP BY grp) p USING (grp);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
-- the reference: promoters and detractors counted with plain SQL
SELECT grp, round(nps::numeric, 10) AS nps,
       round(100.0 * (count(*) FILTER (WHERE rating >= 9) - count(*) FILTER (WHERE rating <= 6))
             / count(rating), 10) AS reference
  FROM nps_serial JOIN rfm_ratings USING (grp) GROUP BY grp, nps ORDER BY grp;
DROP TABLE rfm_ratings, rfm_map;
