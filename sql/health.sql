-- Health scoring: weighted renormalised means, normalisers, tiers.
-- SQLSTATEs of the errors below are asserted in test/pgtap/health.sql.
\set SHOW_CONTEXT never

--
-- health_score / health_coverage
--
-- seed examples: 2287/57, and 60/0.8 with the NULL score's weight dropped
SELECT custvalue.health_score('{47,59,21}'::float8[], '{20,15,22}');
SELECT custvalue.health_score('{47,59,21}'::float8[], '{20,15,22}') = 2287 / 57::float8 AS exact;
SELECT custvalue.health_score('{80,60,NULL,100}'::float8[], '{0.4,0.3,0.2,0.1}');
SELECT custvalue.health_coverage('{80,60,NULL,100}', '{0.4,0.3,0.2,0.1}');
-- compensated sums: 0.1 + 0.2 + 0.3 is exactly 0.6, so equal scores give
-- exactly that score (a plain sum gives 49.99999999999999)
SELECT custvalue.health_score('{50,50,50}'::float8[], '{0.1,0.2,0.3}');
-- per row, from columns; the last argument is min_coverage 0.5
SELECT a, b, c, d,
       custvalue.health_score(ARRAY[a, b, c, d], '{40,30,20,10}') AS score,
       custvalue.health_coverage(ARRAY[a, b, c, d], '{40,30,20,10}') AS coverage,
       custvalue.health_score(ARRAY[a, b, c, d], '{40,30,20,10}', 0.5) AS score_half
  FROM (VALUES (80::float8, 60::float8, NULL::float8, 100::float8),
               (100, 100, 100, 100),
               (0, 0, 0, 0),
               (NULL, 90, NULL, 60),
               (50, NULL, NULL, NULL),
               (NULL, NULL, NULL, NULL)) AS t(a, b, c, d);
-- NULL arguments (STRICT)
SELECT custvalue.health_score(NULL::float8[], '{1}') IS NULL AS null_scores,
       custvalue.health_score('{50}'::float8[], NULL) IS NULL AS null_weights,
       custvalue.health_score('{50}'::float8[], '{1}', NULL) IS NULL AS null_min_coverage,
       custvalue.health_coverage(NULL, '{1}') IS NULL AS null_coverage;
-- min_coverage: coverage 0.8 meets 0.8, misses 0.81 and 1
SELECT custvalue.health_score('{80,60,NULL,100}'::float8[], '{0.4,0.3,0.2,0.1}', 0.8) AS at_min,
       custvalue.health_score('{80,60,NULL,100}'::float8[], '{0.4,0.3,0.2,0.1}', 0.81) AS below_min,
       custvalue.health_score('{80,60,NULL,100}'::float8[], '{0.4,0.3,0.2,0.1}', 1) AS need_all,
       custvalue.health_score('{80,60,90,100}'::float8[], '{0.4,0.3,0.2,0.1}', 1) AS have_all;
-- zero weights: a present zero-weight score carries nothing
SELECT custvalue.health_score('{NULL,50}'::float8[], '{1,0}') AS only_zero_weight,
       custvalue.health_coverage('{NULL,50}', '{1,0}') AS its_coverage,
       custvalue.health_score('{NULL,50}'::float8[], '{0,1}', 1) AS missing_zero_weight,
       custvalue.health_coverage('{NULL,50}', '{0,1}') AS full_coverage;
-- weights that change from row to row are re-read for each row
SELECT s, w, custvalue.health_score(s, w)
  FROM (VALUES ('{100,0}'::float8[], '{1,0}'::float8[]),
               ('{100,0}', '{0,1}'),
               ('{100,0}', '{1,3}'),
               ('{100,0}', '{1,0}')) AS t(s, w);
-- agrees with the SQL formula an analyst would write (NULL renormalisation)
SELECT count(*) AS n_rows,
       count(h) AS n_scored,
       max(abs(h - f)) < 1e-12 AS agrees,
       bool_and((h IS NULL) = (f IS NULL)) AS same_nulls
  FROM (SELECT custvalue.health_score(ARRAY[a, b, c, d], '{40,30,20,10}') AS h,
               (coalesce(40 * a, 0) + coalesce(30 * b, 0) + coalesce(20 * c, 0) + coalesce(10 * d, 0))
               / nullif(CASE WHEN a IS NULL THEN 0 ELSE 40 END + CASE WHEN b IS NULL THEN 0 ELSE 30 END
                        + CASE WHEN c IS NULL THEN 0 ELSE 20 END + CASE WHEN d IS NULL THEN 0 ELSE 10 END, 0) AS f
          FROM (SELECT nullif((i * 37) % 107, 0)::float8 * 100 / 106,
                       nullif((i * 53) % 103, 1)::float8 * 100 / 102,
                       nullif((i * 71) % 109, 2)::float8 * 100 / 108,
                       nullif((i * 13) % 7, 3)::float8 * 100 / 6
                  FROM generate_series(1, 5000) AS i) AS g(a, b, c, d)) AS x;
-- errors: scores
SELECT custvalue.health_score('{47,120,21}'::float8[], '{20,15,22}');
SELECT custvalue.health_score('{NULL,-0.5}'::float8[], '{1,1}');
SELECT custvalue.health_score('{47,NaN}'::float8[], '{1,1}');
SELECT custvalue.health_score('{Infinity}'::float8[], '{1}');
SELECT custvalue.health_score('{1,2,3}'::float8[], '{1,1}');
SELECT custvalue.health_score('{{1,2},{3,4}}'::float8[], '{1,1,1,1}');
-- errors: weights
SELECT custvalue.health_score('{50,50}'::float8[], '{1,-1}');
SELECT custvalue.health_score('{50,50}'::float8[], '{0,0}');
SELECT custvalue.health_score('{50,50}'::float8[], '{1,NULL}');
SELECT custvalue.health_score('{50,50}'::float8[], '{1,NaN}');
SELECT custvalue.health_score('{50}'::float8[], '{-Infinity}');
SELECT custvalue.health_score('{}'::float8[], '{}');
SELECT custvalue.health_score('{50,50}'::float8[], '{{1,1}}');
-- errors: min_coverage
SELECT custvalue.health_score('{50}'::float8[], '{1}', 1.5);
SELECT custvalue.health_score('{50}'::float8[], '{1}', -0.1);
SELECT custvalue.health_score('{50}'::float8[], '{1}', 'NaN');
-- health_coverage validates like health_score
SELECT custvalue.health_coverage('{50,50}', '{1}');
SELECT custvalue.health_coverage('{101}', '{1}');
-- a bad row after good ones still fails
SELECT custvalue.health_score(s, '{1,1}')
  FROM (VALUES ('{10,20}'::float8[]), ('{30,40}'), ('{50,200}')) AS t(s);

--
-- score_linear: 0 at poor, 100 at good, clamped
--
SELECT x, custvalue.score_linear(x, 0, 50)
  FROM unnest('{-5,0,12.5,20,49.5,50,70}'::float8[]) AS x;
-- lower is better (days since last activity: 90 poor, 0 good);
-- 30 days: 100 * (30 - 90) / (0 - 90) = 66.66...
SELECT x, custvalue.score_linear(x, 90, 0)
  FROM unnest('{-1,0,30,45,90,120}'::float8[]) AS x;
SELECT custvalue.score_linear(1, 5, 5);
SELECT custvalue.score_linear('NaN', 0, 1);
SELECT custvalue.score_linear(1, 'Infinity', 1);
SELECT custvalue.score_linear(1, 0, '-Infinity');

--
-- score_log: the same ramp on log(1 + x)
--
-- 9 on 0..99: ln 10 / ln 100 = 50; 1e5 on 1e4..1e7: 33.3324...
SELECT x, round(custvalue.score_log(x, 0, 99)::numeric, 10)
  FROM unnest('{-0.5,0,3,9,99,999}'::float8[]) AS x;
SELECT round(custvalue.score_log(1e5, 1e4, 1e7)::numeric, 10) AS revenue,
       round(custvalue.score_log(9, 99, 0)::numeric, 10) AS lower_is_better;
SELECT custvalue.score_log(-1, 0, 9);
SELECT custvalue.score_log(1, -2, 9);
SELECT custvalue.score_log(1, 0, -1.5);
SELECT custvalue.score_log(1, 3, 3);
SELECT custvalue.score_log('Infinity', 0, 3);

--
-- score_recency: 100 * 2^(-days / half_life)
--
SELECT days, custvalue.score_recency(days, 30)
  FROM unnest('{0,15,30,60,90}'::float8[]) AS days;
SELECT round(custvalue.score_recency(365, 30)::numeric, 10) AS a_year;
SELECT custvalue.score_recency(-1, 30);
SELECT custvalue.score_recency(1, 0);
SELECT custvalue.score_recency(1, -3);
SELECT custvalue.score_recency('Infinity', 30);
SELECT custvalue.score_recency(1, 'NaN');

--
-- score_bands: half-open bands [edge_i, edge_i+1)
--
SELECT x, custvalue.score_bands(x, '{10,20,30}', '{0,40,70,100}')
  FROM unnest('{-1e9,5,9.999,10,19.999,20,29.999,30,1000}'::float8[]) AS x;
-- lower is better: points descending (days since contact)
SELECT x, custvalue.score_bands(x, '{7,30,90}', '{100,80,40,0}')
  FROM unnest('{0,6.5,7,89,90}'::float8[]) AS x;
-- no edges: one band
SELECT custvalue.score_bands(42, '{}', '{55}');
SELECT custvalue.score_bands(5, '{10,20}', '{0,100}');
SELECT custvalue.score_bands(5, '{10,20}', '{0,50,60,100}');
SELECT custvalue.score_bands(5, '{10,10}', '{0,50,100}');
SELECT custvalue.score_bands(5, '{20,10}', '{0,50,100}');
SELECT custvalue.score_bands(5, '{10,20}', '{0,50,120}');
SELECT custvalue.score_bands(5, '{10,20}', '{-5,50,100}');
SELECT custvalue.score_bands(5, '{10,NULL}', '{0,50,100}');
SELECT custvalue.score_bands(5, '{10,20}', '{0,NULL,100}');
SELECT custvalue.score_bands(5, '{NaN,20}', '{0,50,100}');
SELECT custvalue.score_bands(5, '{10,20}', '{0,50,Infinity}');
SELECT custvalue.score_bands('NaN', '{10,20}', '{0,50,100}');

--
-- score_ratio: 100 * part / whole
--
SELECT part, whole, custvalue.score_ratio(part, whole)
  FROM (VALUES (3::float8, 4::float8), (0, 4), (4, 4), (1, 3), (0, 0)) AS t(part, whole);
SELECT custvalue.score_ratio(-1, 4);
SELECT custvalue.score_ratio(1, -4);
SELECT custvalue.score_ratio(5, 3);
SELECT custvalue.score_ratio(1, 0);
SELECT custvalue.score_ratio('NaN', 4);
SELECT custvalue.score_ratio(1, 'Infinity');

--
-- tier and health_tier
--
SELECT x, custvalue.tier(x, '{1e6,1e7}', '{small,mid,large}')
  FROM unnest('{-1,0,999999.99,1e6,9999999,1e7,1e12}'::float8[]) AS x;
SELECT custvalue.tier(3, '{}', '{all}');
-- edges and labels that change from row to row are re-read for each row
SELECT e, l, custvalue.tier(5, e, l)
  FROM (VALUES ('{1,10}'::float8[], '{a,b,c}'::text[]),
               ('{6,10}', '{a,b,c}'),
               ('{6,10}', '{x,y,z}'),
               ('{1,10}', '{a,b,c}')) AS t(e, l);
SELECT custvalue.tier(3, '{1,2}', '{a,b}');
SELECT custvalue.tier(3, '{1,2}', '{a,b,NULL}');
SELECT custvalue.tier(3, '{2,1}', '{a,b,c}');
SELECT custvalue.tier(3, '{1,Infinity}', '{a,b,c}');
SELECT custvalue.tier('-Infinity', '{1,2}', '{a,b,c}');
SELECT x, custvalue.health_tier(x)
  FROM unnest('{0,59.999,60,79.999,80,100}'::float8[]) AS x;
SELECT custvalue.health_tier(100.5);
SELECT custvalue.health_tier(-1);
SELECT custvalue.health_tier('NaN');

--
-- putting it together: seed 000's four dimensions
--   activity 40%: recency of last activity (half-life 30 days)
--   contacts 30%: share of contacts with an e-mail address
--   value    20%: annual revenue on a log ramp from 1e5 to 1e8
--   size     10%: employee bands
--
SELECT name, round(h::numeric, 6) AS health, custvalue.health_tier(h) AS tier
  FROM (SELECT name,
               custvalue.health_score(
                 ARRAY[custvalue.score_recency(days_idle, 30),
                       custvalue.score_ratio(with_email, contacts),
                       custvalue.score_log(revenue, 1e5, 1e8),
                       custvalue.score_bands(employees, '{50,250,1000}', '{25,50,75,100}')],
                 '{40,30,20,10}') AS h
          FROM (VALUES ('acme', 0::float8, 8::float8, 10::float8, 1e8::float8, 1200::float8),
                       ('globex', 30, 3, 4, 1e5, 300),
                       ('initech', 60, 0, 0, 1e6, 40)) AS c(name, days_idle, with_email, contacts, revenue, employees)) AS s
 ORDER BY name;

-- Planner support: health_score(ARRAY[...], weights) runs as
-- health_score_args(weights, ...) so no array is built per row; the
-- results, NULL handling and errors are those of the array form.
CREATE TABLE rows4 (a float8, b float8, c float8, d float8);
INSERT INTO rows4 VALUES (80, 60, NULL, 100), (NULL, NULL, NULL, NULL), (0, 100, 50, 25);
EXPLAIN (VERBOSE, COSTS OFF)
SELECT custvalue.health_score(ARRAY[a, b, c, d], '{0.4,0.3,0.2,0.1}') FROM rows4;
SELECT a, custvalue.health_score(ARRAY[a, b, c, d], '{0.4,0.3,0.2,0.1}') AS rewritten,
       custvalue.health_score((SELECT ARRAY[a, b, c, d]), '{0.4,0.3,0.2,0.1}') AS array_form
  FROM rows4;
SELECT custvalue.health_score(ARRAY[a, b], '{1,2,3}') FROM rows4;
SELECT custvalue.health_score(ARRAY[a, b + 200], '{1,2}') FROM rows4 WHERE a = 0;
SELECT custvalue.health_score(ARRAY[a, 'NaN'], '{1,2}') FROM rows4 WHERE a = 0;
SELECT custvalue.health_score(ARRAY[a, b], NULL) FROM rows4 WHERE a = 0;
SELECT custvalue.health_score_args('{1,1}'::float8[], 1::int, 2::int);
