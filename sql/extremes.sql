-- Extreme but valid numbers give the right answers: weights of 1e308 and
-- subnormal weights (5e-324) weigh exactly as their ratios say, counts up
-- to 1.8e308 or down to 5e-324 rank as counts of ordinary size, NPS
-- counts near the int64 limit do not overflow, and a fit over subnormal
-- or huge values writes a model that reads back.
SET extra_float_digits = 0;

-- health_score(scores, weights): any finite weights >= 0.  The reference
-- is the same scores with the weights divided down to ordinary sizes.
SELECT custvalue.health_score('{33.3}'::float8[], '{5e-324}') AS one_subnormal_weight,
       custvalue.health_score('{33.3,66.6}'::float8[], '{1e-320,1e-320}')
         = custvalue.health_score('{33.3,66.6}'::float8[], '{1,1}') AS subnormal_as_equal,
       custvalue.health_score('{33.3,66.6}'::float8[], '{1e308,1e308}')
         = custvalue.health_score('{33.3,66.6}'::float8[], '{1,1}') AS huge_as_equal,
       custvalue.health_score('{40,60}'::float8[], '{1.7976931348623157e308,1.7976931348623157e308}') AS largest;
-- a heavy weight decides, a light one counts only when alone
SELECT custvalue.health_score('{0,100}'::float8[], '{1e308,1}') AS heavy_first,
       custvalue.health_score(ARRAY[NULL, 100]::float8[], '{1e308,5e-324}') AS light_alone,
       custvalue.health_coverage(ARRAY[NULL, 100]::float8[], '{1e308,5e-324}') AS its_coverage,
       custvalue.health_score(ARRAY[NULL, 100]::float8[], '{1e308,5e-324}', 0.5) IS NULL AS below_min_coverage,
       custvalue.health_coverage(ARRAY[100, NULL]::float8[], '{1e308,5e-324}') AS heavy_coverage;
-- the ARRAY[...] form (planner support) gives the same
SELECT custvalue.health_score(ARRAY[a, b], '{1e308,1e308}') AS args_form,
       custvalue.health_score(ARRAY[a, b], '{5e-324,5e-324}') AS args_subnormal
  FROM (VALUES (40::float8, 60::float8)) v(a, b);

-- Hand-written cards: weights of 1e308 weigh as equal weights, counts of
-- 1e307, 1e308 and 5e-324 rank as counts of 1 (the middle of three equal
-- counts is the 50th percentile).
CREATE TABLE extreme_cards (label text, card custvalue.scorecard);
-- two measures a and b over values {1, 2, 3}, with weight w and counts
-- {c, c, c} on a, {c2, c2, c2} on b, and b's between when given
INSERT INTO extreme_cards
SELECT label, format('{"kind": "scorecard", "version": 1, "measures": [
    {"name": "a", "weight": %s, "values": [1, 2, 3], "counts": [%s, %s, %s]},
    {"name": "b", "weight": %s, "values": [1, 2, 3], "counts": [%s, %s, %s]%s}]}',
    w, c, c, c, w, c2, c2, c2, coalesce(', "between": ' || between_b, ''))::custvalue.scorecard
  FROM (VALUES ('weights 1e308', '1e308', '1', '1', NULL),
               ('weights 1', '1', '1', '1', NULL),
               ('weights 5e-324', '5e-324', '1', '1', NULL),
               ('counts 1e307', '1', '1e307', '1e307', NULL),
               ('counts 1e308', '1', '1e308', '1.7976931348623157e308', NULL),
               ('counts 5e-324', '1', '5e-324', '5e-324', '[5e-324, 5e-324]')) v(label, w, c, c2, between_b);
INSERT INTO extreme_cards VALUES
 ('values 1e308 apart', '{"kind": "scorecard", "version": 1, "measures": [
    {"name": "a", "weight": 1, "values": [-1e308, 0, 1e308], "counts": [1, 1, 1]},
    {"name": "b", "weight": 1, "values": [-1.7976931348623157e308, 1.7976931348623157e308],
     "counts": [1, 1], "between": [4]}]}');
-- By hand, per measure: 100 * (rows below + rows equal / 2) / rows.
-- Without between every card scores 50 at {2, 2} and at {1, 3}
-- (16.667 and 83.333) and at {0.5, 3.5} (0 and 100).  "counts 5e-324"
-- has between {1, 1} on b (5 rows): b at 2 is (2 + 0.5) / 5 = 50, b at 3
-- is (4 + 0.5) / 5 = 90, so {1, 3} gives (16.667 + 90) / 2 = 53.333.
-- "values 1e308 apart": a at 2 lies between 0 and 1e308, 2 of 3 rows
-- below: 66.667; b at 2 is halfway through the 4 rows between its knots,
-- 1 + 2 of 6 rows below: 50; mean 58.333 (and the same at 1, 3, 0.5,
-- 3.5, which all lie between the same knots).
SELECT label, custvalue.health_score(card, '{2, 2}') AS score_at_2,
       custvalue.health_score(card, '{1, 3}') AS score_1_and_3,
       custvalue.health_score(card, '{0.5, 3.5}') AS outside
  FROM extreme_cards ORDER BY label;
-- with between, a value halfway between knots is half through the rows
-- spread over that interval: counts {1, 1, 1} between {1, 1}, value 1.5:
-- 1 + 1/2 of 5 rows below = 30 points, at any scale of the counts
SELECT custvalue.health_score(card, ARRAY[NULL, 1.5]) AS between_points
  FROM extreme_cards WHERE label = 'counts 5e-324';
-- values 1e308 apart: a at 0 is the middle knot, 50; b at 0 is halfway
-- from -1.8e308 to 1.8e308, 1 + 4/2 of 6 rows below, 50.  a at 5e307:
-- 66.667.
SELECT custvalue.health_score(card, ARRAY[0, 0]) AS middle,
       custvalue.health_score(card, ARRAY[5e307, NULL]) AS between_knots
  FROM extreme_cards WHERE label = 'values 1e308 apart';
-- health_explain: contributions of huge weights stay finite
-- (each measure has half the weight: 16.667 / 2 and 83.333 / 2)
SELECT jsonb_path_query_array(custvalue.health_explain(card, '{1, 3}'), '$.measures[*].contribution')
         AS contributions
  FROM extreme_cards WHERE label = 'weights 1e308';

-- rfmn_fit with weights of 1e308: the same segments as equal weights;
-- the best customer is high_value, not churn_risk.
CREATE TABLE extreme_rfm AS
SELECT i::float8 AS x FROM generate_series(1, 10) i;
SELECT x, custvalue.rfmn_segment(h.m, 11 - x, x, x, x) AS huge_weights,
       custvalue.rfmn_segment(o.m, 11 - x, x, x, x) AS equal_weights,
       round((custvalue.rfmn_score(h.m, 11 - x, x, x, x)).score::numeric, 6) AS score
  FROM extreme_rfm,
       (SELECT custvalue.rfmn_fit(11 - x, x, x, x, '{"weights": [1e308, 1e308, 1e308, 1e308]}') m FROM extreme_rfm) h,
       (SELECT custvalue.rfmn_fit(11 - x, x, x, x) m FROM extreme_rfm) o
 ORDER BY x;
-- weights {1e308, 5e-324, 0, 0}: frequency alone still scores
SELECT (custvalue.rfmn_score(m, NULL, 10, NULL, NULL)).score AS light_alone,
       custvalue.rfmn_segment(m, NULL, 10, NULL, NULL) AS segment
  FROM (SELECT custvalue.rfmn_fit(11 - x, x, x, x, '{"weights": [1e308, 5e-324, 0, 0]}') m FROM extreme_rfm) f;

-- nps over states near the int64 limit: counts are summed without
-- overflow (9223372036854775807 promoters and one detractor: +100).
SELECT round(custvalue.nps_final('{1,0,0,0,0,0,0,0,0,9223372036854775807,9223372036854775807}')::numeric, 6) AS promoters,
       custvalue.nps_final('{9223372036854775807,0,0,0,0,0,0,0,0,0,9223372036854775807}') AS even,
       custvalue.nps_final('{0,0,0,0,0,0,9223372036854775807,9223372036854775807,9223372036854775807,9223372036854775807,9223372036854775807}') AS mixed;

-- A fit over subnormal values past the exact range writes a card that
-- reads back (its text form is valid input) and scores within range.
CREATE TABLE subnormal_fit AS
SELECT custvalue.scorecard_fit(ARRAY[i * 5e-324]) AS card FROM generate_series(1, 150000) i;
SELECT length(card::text) > 0 AS prints,
       card::text::custvalue.scorecard::text = card::text AS reads_back,
       custvalue.health_score(card, ARRAY[75000 * 5e-324]) BETWEEN 49.5 AND 50.5 AS middle_scores_50
  FROM subnormal_fit;
-- and over values spanning the whole double range
CREATE TABLE huge_fit AS
SELECT custvalue.scorecard_fit(ARRAY[(i - 75000) * 2.3e303]) AS card FROM generate_series(1, 150000) i;
SELECT card::text::custvalue.scorecard::text = card::text AS reads_back,
       custvalue.health_score(card, ARRAY[0]) BETWEEN 49.5 AND 50.5 AS middle_scores_50,
       custvalue.health_score(card, ARRAY[-1.7e308]) AS lowest,
       custvalue.health_score(card, ARRAY[1.7e308]) AS highest
  FROM huge_fit;
