-- Churn risk: churn_fit, churn_risk, churn_reasons, churn_coefficients,
-- the custvalue.churn_model value, best_split and wilson_interval.
SET extra_float_digits = 0;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION pg_temp.hint(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text; h text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
  RETURN SQLSTATE || ': ' || SQLERRM || E'\nDETAIL: ' || coalesce(d, '') || E'\nHINT: ' || coalesce(h, '');
END $$;

-- The 12-row table whose statsmodels Logit fit is (const, x1, x2) =
-- (-7.37515026, 0.08526391, 1.62217198), standard errors (4.50491759,
-- 0.31246275, 1.04056963), log-likelihood -3.20948005.
CREATE TABLE ch_small (id int, x1 float8, x2 float8, churned bool);
INSERT INTO ch_small VALUES (1, 1, 3, false), (2, 2, 1, false), (3, 3, 4, true), (4, 4, 1, false),
  (5, 5, 5, false), (6, 6, 9, true), (7, 7, 2, false), (8, 8, 6, true), (9, 9, 5, true),
  (10, 10, 3, false), (11, 11, 5, true), (12, 12, 8, true);
CREATE TABLE ch_small_model AS
SELECT custvalue.churn_fit(ARRAY[x1, x2], churned, '{"names": ["x1", "x2"]}') AS m FROM ch_small;
SELECT feature, round(coef::numeric, 6) AS coef, round(std_coef::numeric, 6) AS std_coef,
       round(std_error::numeric, 6) AS std_error, round(z::numeric, 4) AS z,
       round(p_value::numeric, 4) AS p_value, round(odds_ratio::numeric, 4) AS odds_ratio
  FROM ch_small_model, custvalue.churn_coefficients(m);
SELECT round((m::jsonb #>> '{fit,log_likelihood}')::numeric, 8) AS loglik,
       round((m::jsonb #>> '{fit,null_log_likelihood}')::numeric, 8) AS null_loglik,
       round((m::jsonb #>> '{fit,aic}')::numeric, 6) AS aic,
       m::jsonb #> '{fit,converged}' AS converged,
       m::jsonb #> '{fit,rows_used}' AS rows_used
  FROM ch_small_model;
-- probabilities: eta = -7.37515 + 0.085264 x1 + 1.622172 x2
SELECT id, round(custvalue.churn_risk(m, ARRAY[x1, x2])::numeric, 6) AS risk
  FROM ch_small, ch_small_model ORDER BY id LIMIT 4;
-- the same model without standardisation, and its per-sd coefficients
SELECT feature, round(coef::numeric, 6) AS coef, round(std_coef::numeric, 6) AS std_coef,
       round(std_error::numeric, 6) AS std_error
  FROM (SELECT custvalue.churn_fit(ARRAY[x1, x2], churned, '{"standardize": false}') m FROM ch_small) s,
       custvalue.churn_coefficients(m);

-- ARRAY[...] arguments are passed as separate arguments (planner support)
EXPLAIN (VERBOSE, COSTS OFF)
SELECT custvalue.churn_risk(m, ARRAY[x1, x2]), custvalue.churn_reasons(m, ARRAY[x1, x2], 1) FROM ch_small, ch_small_model;
SELECT bool_and(custvalue.churn_risk(m, ARRAY[x1, x2]) = custvalue.churn_risk(m, (SELECT ARRAY[x1, x2])))
       AND bool_and(custvalue.churn_reasons(m, ARRAY[x1, x2], 2) = custvalue.churn_reasons(m, (SELECT ARRAY[x1, x2]), 2))
       AS args_equal_arrays
  FROM ch_small, ch_small_model;
-- NULL features score NULL
SELECT custvalue.churn_risk(m, ARRAY[1, NULL]) IS NULL AS null_element,
       custvalue.churn_risk(m, ARRAY[1, NULL::float8]::float8[]) IS NULL AS null_element_array,
       custvalue.churn_risk(m, NULL) IS NULL AS strict
  FROM ch_small_model;
-- reasons: x1 = 12 (above mean 6.5) and x2 = 9 (above 4.33) both raise the
-- risk; x2 more (1.62 * 4.67 vs 0.085 * 5.5)
SELECT custvalue.churn_reasons(m, ARRAY[12, 9], 5) AS both, custvalue.churn_reasons(m, ARRAY[12, 9], 1) AS top1,
       custvalue.churn_reasons(m, ARRAY[1, 1], 5) AS none, custvalue.churn_reasons(m, ARRAY[12, 1], 0) AS top0
  FROM ch_small_model;

-- Options and their errors
SELECT pg_temp.err($$SELECT custvalue.churn_fit(ARRAY[x1, x2], churned, '{"C": 1}') FROM ch_small$$);
SELECT pg_temp.err($$SELECT custvalue.churn_fit(ARRAY[x1, x2], churned, '{"l2": -1}') FROM ch_small$$);
SELECT pg_temp.err($$SELECT custvalue.churn_fit(ARRAY[x1, x2], churned, '{"max_iter": 0}') FROM ch_small$$);
SELECT pg_temp.err($$SELECT custvalue.churn_fit(ARRAY[x1, x2], churned, '{"tol": 1}') FROM ch_small$$);
SELECT pg_temp.err($$SELECT custvalue.churn_fit(ARRAY[x1, x2], churned, '{"names": ["a"]}') FROM ch_small$$);
SELECT pg_temp.err($$SELECT custvalue.churn_fit(ARRAY[x1, x2], churned, '{"max_rows": 0}') FROM ch_small$$);
SELECT pg_temp.err($$SELECT custvalue.churn_fit(ARRAY[x1, x2], churned, CASE WHEN id < 5 THEN '{}'::jsonb ELSE '{"l2": 1}' END) FROM ch_small$$);
SELECT pg_temp.err($$SELECT custvalue.churn_fit(CASE WHEN id < 5 THEN ARRAY[x1] ELSE ARRAY[x1, x2] END, churned) FROM ch_small$$);
SELECT pg_temp.err($$SELECT custvalue.churn_fit(ARRAY[x1, 'NaN'], churned) FROM ch_small$$);
-- l2 shrinks the standardized coefficients; max_iter 1 stops early with a warning
SELECT feature, round(std_coef::numeric, 6) AS std_coef, std_error IS NOT NULL AS has_se
  FROM (SELECT custvalue.churn_fit(ARRAY[x1, x2], churned, '{"l2": 1}') m FROM ch_small) s,
       custvalue.churn_coefficients(m);
SELECT m::jsonb #> '{fit,converged}' AS converged, m::jsonb #> '{fit,iterations}' AS iterations
  FROM (SELECT custvalue.churn_fit(ARRAY[x1, x2], churned, '{"max_iter": 1}') m FROM ch_small) s;
SELECT (m::jsonb #>> '{fit,iterations}')::int < 10 AS loose_tol_stops_early
  FROM (SELECT custvalue.churn_fit(ARRAY[x1, x2], churned, '{"tol": 0.001}') m FROM ch_small) s;

-- Rows with a NULL feature or label are skipped and counted; a group of
-- only such rows gives NULL
SELECT m::jsonb #> '{fit,rows_seen}' AS seen, m::jsonb #> '{fit,rows_skipped}' AS skipped
  FROM (SELECT custvalue.churn_fit(ARRAY[x1, x2], churned) m FROM (
          SELECT x1, x2, churned FROM ch_small UNION ALL SELECT NULL, 1, true UNION ALL
          SELECT 1, 1, NULL UNION ALL SELECT 2, 2, false WHERE false) s) t;
SELECT custvalue.churn_fit(ARRAY[x1, NULL], churned) IS NULL AS all_incomplete FROM ch_small;
SELECT custvalue.churn_fit(ARRAY[x1], churned) IS NULL AS no_rows FROM ch_small WHERE false;

-- Fits that have no maximum-likelihood answer are refused
SELECT pg_temp.hint($$SELECT custvalue.churn_fit(ARRAY[x1], x1 > 6) FROM ch_small$$);
SELECT pg_temp.hint($$SELECT custvalue.churn_fit(ARRAY[x], y) FROM (VALUES (1, false), (2, false), (3, false),
  (4, false), (4, true), (4, false), (4, true), (5, true), (6, true), (7, true)) v(x, y)$$);
SELECT pg_temp.hint($$SELECT custvalue.churn_fit(ARRAY[x1, 5], churned) FROM ch_small$$);
SELECT pg_temp.hint($$SELECT custvalue.churn_fit(ARRAY[x1, 2 * x1], churned) FROM ch_small$$);
SELECT pg_temp.hint($$SELECT custvalue.churn_fit(ARRAY[x1], true) FROM ch_small$$);
SELECT pg_temp.hint($$SELECT custvalue.churn_fit(ARRAY[x1], ARRAY['one'], churned) FROM ch_small$$);
-- with a penalty the separated data fits
SELECT round((m::jsonb #>> '{coefficients,x1}')::numeric, 4) AS penalised
  FROM (SELECT custvalue.churn_fit(ARRAY[x1], x1 > 6, '{"l2": 1}') m FROM ch_small) s;

-- A generated table: numeric features, a state and a plan, a label that
-- follows the plan and the service calls.
CREATE TABLE ch_subs AS
SELECT i, (i * 7919 % 10)::float8 AS calls, 100 + (i * 104729 % 2000)::float8 / 10 AS minutes,
       (ARRAY['CA', 'NY', 'TX', 'WV', 'AK'])[1 + (i * 31 % 7) % 5] AS state,
       CASE WHEN i % 10 = 0 THEN 'yes' ELSE 'no' END AS plan,
       ((i::bigint * 2654435761) % 10007)::float8 / 10007 <
         1 / (1 + exp(-(-2.5 + 0.35 * (i * 7919 % 10) + 0.004 * (i * 104729 % 2000) / 10
                        + CASE WHEN i % 10 = 0 THEN 1.5 ELSE 0 END))) AS churned
  FROM generate_series(1, 20000) i;
CREATE TABLE ch_subs_model AS
SELECT custvalue.churn_fit(ARRAY[calls, minutes], ARRAY[state, plan], churned,
                           '{"names": ["calls", "minutes", "state", "plan"]}') AS m FROM ch_subs;
SELECT m::jsonb #> '{features,categorical}' AS categorical FROM ch_subs_model;
SELECT feature, round(coef::numeric, 3) AS coef, p_value < 0.001 AS significant
  FROM ch_subs_model, custvalue.churn_coefficients(m);
-- an unseen level scores as the reference level (CA, the most frequent)
SELECT custvalue.churn_risk(m, ARRAY[5, 150], ARRAY['ZZ', 'no']) = custvalue.churn_risk(m, ARRAY[5, 150], ARRAY['CA', 'no'])
       AS unseen_is_reference,
       custvalue.churn_risk(m, ARRAY[5, 150], ARRAY['ZZ', 'yes']) > custvalue.churn_risk(m, ARRAY[5, 150], ARRAY['ZZ', 'no'])
       AS plan_raises_risk
  FROM ch_subs_model;
SELECT custvalue.churn_reasons(m, ARRAY[9, 290], ARRAY['TX', 'yes'], 3) AS high,
       custvalue.churn_reasons(m, ARRAY[0, 100], ARRAY['CA', 'no'], 3) AS low
  FROM ch_subs_model;
SELECT pg_temp.err($$SELECT custvalue.churn_risk(m, ARRAY[5, 150]) FROM ch_subs_model$$);
SELECT pg_temp.err($$SELECT custvalue.churn_risk(m, ARRAY[5], ARRAY['CA', 'no']) FROM ch_subs_model$$);
SELECT pg_temp.err($$SELECT custvalue.churn_risk(m, ARRAY[5, 150], ARRAY['CA']) FROM ch_subs_model$$);
SELECT pg_temp.err($$SELECT custvalue.churn_risk(m, ARRAY[5, 'Infinity'::float8], ARRAY['CA', 'no']) FROM ch_subs_model$$);
SELECT pg_temp.err($$SELECT custvalue.churn_reasons(m, ARRAY[5, 150], ARRAY['CA', 'no'], -1) FROM ch_subs_model$$);
-- the array and the rewritten forms agree on every row
SELECT bool_and(custvalue.churn_risk(m, ARRAY[calls, minutes], ARRAY[state, plan])
                = custvalue.churn_risk(m, (SELECT ARRAY[calls, minutes]), (SELECT ARRAY[state, plan]))) AS same
  FROM ch_subs, ch_subs_model;

-- Determinism: any row order gives the same model, bit for bit
SELECT (SELECT custvalue.churn_fit(ARRAY[calls, minutes], ARRAY[state, plan], churned,
                                   '{"names": ["calls", "minutes", "state", "plan"]}')::text
          FROM (SELECT * FROM ch_subs ORDER BY md5(i::text)) o) = m::text AS order_independent
  FROM ch_subs_model;
-- max_rows keeps a deterministic sample and says so
SELECT m::jsonb #> '{fit,rows_used}' AS used, m::jsonb #> '{fit,sampled}' AS sampled,
       m::text = (SELECT custvalue.churn_fit(ARRAY[calls, minutes], churned, '{"max_rows": 5000}')::text
                    FROM (SELECT * FROM ch_subs ORDER BY i DESC) o) AS sample_order_independent
  FROM (SELECT custvalue.churn_fit(ARRAY[calls, minutes], churned, '{"max_rows": 5000}') m FROM ch_subs) s;

-- Forced parallel plans and partition-wise aggregation give the same model
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT custvalue.churn_fit(ARRAY[calls, minutes], ARRAY[state, plan], churned) FROM ch_subs;
SELECT custvalue.churn_fit(ARRAY[calls, minutes], ARRAY[state, plan], churned,
                           '{"names": ["calls", "minutes", "state", "plan"]}')::text = (SELECT m::text FROM ch_subs_model)
       AS parallel_equals_serial
  FROM ch_subs;
SELECT (custvalue.best_split(calls, churned)).threshold AS parallel_split FROM ch_subs;
CREATE TABLE ch_subs_parted (g int, calls float8, minutes float8, state text, plan text, churned bool) PARTITION BY LIST (g);
CREATE TABLE ch_subs_parted_0 PARTITION OF ch_subs_parted FOR VALUES IN (0);
CREATE TABLE ch_subs_parted_1 PARTITION OF ch_subs_parted FOR VALUES IN (1);
INSERT INTO ch_subs_parted SELECT i % 2, calls, minutes, state, plan, churned FROM ch_subs;
ANALYZE ch_subs_parted;
SET enable_partitionwise_aggregate = on;
EXPLAIN (COSTS OFF) SELECT custvalue.churn_fit(ARRAY[calls, minutes], ARRAY[state, plan], churned) FROM ch_subs_parted;
SELECT custvalue.churn_fit(ARRAY[calls, minutes], ARRAY[state, plan], churned,
                           '{"names": ["calls", "minutes", "state", "plan"]}')::text = (SELECT m::text FROM ch_subs_model)
       AS partitionwise_equals_serial
  FROM ch_subs_parted;
RESET ALL;
SET extra_float_digits = 0;

-- JSON round trip (fitted and ch_hand-written) and binary send/recv
SELECT m::text::custvalue.churn_model::text = m::text AS text_round_trip, m::jsonb = m::text::jsonb AS jsonb_cast
  FROM ch_subs_model;
CREATE TABLE ch_models_bin (m custvalue.churn_model);
\copy ch_subs_model TO 'results/churn.bin' (FORMAT binary)
\copy ch_models_bin FROM 'results/churn.bin' (FORMAT binary)
SELECT b.m::text = s.m::text AS binary_round_trip FROM ch_subs_model s, ch_models_bin b;
-- a model written by ch_hand, coefficients from elsewhere, scores too:
-- eta = -3 + 0.5 * 4 - 0.01 * 100 + 2 = 0 -> 0.5
CREATE TABLE ch_hand AS SELECT $${"kind": "churn_model", "version": 1,
  "features": {"numeric": ["calls", "minutes"],
               "categorical": [{"name": "plan", "levels": ["no", "yes"], "reference": "no"}]},
  "intercept": -3, "coefficients": {"calls": 0.5, "minutes": -0.01, "plan=yes": 2}}$$::custvalue.churn_model AS m;
SELECT m FROM ch_hand;
SELECT custvalue.churn_risk(m, ARRAY[4, 100], ARRAY['yes']) AS half,
       custvalue.churn_reasons(m, ARRAY[4, 100], ARRAY['yes'], 3) AS reasons,
       m::text::custvalue.churn_model::text = m::text AS round_trip
  FROM ch_hand;
SELECT c.* FROM ch_hand, custvalue.churn_coefficients(m) c;
-- malformed models
SELECT pg_temp.err($$SELECT 'x'::custvalue.churn_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1}'::custvalue.churn_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "churn_model", "version": 2}'::custvalue.churn_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "churn_model", "version": 1, "features": {"numeric": ["a"]}, "intercept": 0, "coefficients": {"a": 1}, "extra": 1}'::custvalue.churn_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "churn_model", "version": 1, "features": {"numeric": ["a"]}, "intercept": 0, "coefficients": {"b": 1}}'::custvalue.churn_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "churn_model", "version": 1, "features": {"numeric": ["a"]}, "intercept": 0, "coefficients": {"a": 1, "b": 2}}'::custvalue.churn_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "churn_model", "version": 1, "features": {"numeric": ["a"]}, "intercept": "0", "coefficients": {"a": 1}}'::custvalue.churn_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "churn_model", "version": 1, "features": {"numeric": []}, "intercept": 0, "coefficients": {}}'::custvalue.churn_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "churn_model", "version": 1, "features": {"numeric": ["a"], "standardize": true, "mean": [0], "sd": [1]}, "intercept": 0, "coefficients": {"a": 1}, "moments": {"mean": [0], "sd": [1]}}'::custvalue.churn_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "churn_model", "version": 1, "features": {"numeric": ["a"]}, "intercept": 0, "coefficients": {"a": 1}, "moments": {"mean": [0], "sd": [-1]}}'::custvalue.churn_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "churn_model", "version": 1, "features": {"numeric": ["a"]}, "intercept": 0, "coefficients": {"a": 1}, "fit": {"l2": 0}}'::custvalue.churn_model$$);
SELECT pg_temp.err($$SELECT jsonb_set(m::jsonb, '{fit,sampled}', 'true')::text::custvalue.churn_model FROM ch_subs_model$$);
SELECT pg_temp.err($$SELECT jsonb_set(m::jsonb, '{fit,rows_used}', '99999')::text::custvalue.churn_model FROM ch_subs_model$$);
SELECT pg_temp.err($$SELECT jsonb_set(m::jsonb, '{fit,std_errors,intercept}', '-1')::text::custvalue.churn_model FROM ch_subs_model$$);
-- a fit state of another aggregate is refused
CREATE AGGREGATE pg_temp.card_state(float8[]) (SFUNC = custvalue.scorecard_fit_trans, STYPE = custvalue.fitstate);
CREATE AGGREGATE pg_temp.churn_state(float8[], bool) (SFUNC = custvalue.churn_fit_trans, STYPE = custvalue.fitstate);
SELECT pg_temp.err($$SELECT custvalue.churn_fit_final(pg_temp.card_state(ARRAY[x1])) FROM ch_small$$);
SELECT pg_temp.err($$SELECT custvalue.best_split_final(pg_temp.card_state(ARRAY[x1, x2])) FROM ch_small$$);
SELECT pg_temp.err($$SELECT custvalue.best_split_final(pg_temp.churn_state(ARRAY[x1], churned)) FROM ch_small$$);
-- a state's text form rebuilds the same fit
SELECT custvalue.churn_fit_final(pg_temp.churn_state(ARRAY[x1, x2], churned)::text::custvalue.fitstate)::text
       = (SELECT custvalue.churn_fit(ARRAY[x1, x2], churned)::text FROM ch_small) AS state_text_round_trip
  FROM ch_small;

-- best_split on a crafted case: churners mostly at 4+ calls
CREATE TABLE ch_calls AS
SELECT c::float8 AS calls, ch AS churned
  FROM (VALUES (0, false, 10), (1, false, 10), (1, true, 1), (2, false, 10), (3, false, 9),
               (4, false, 1), (4, true, 4), (5, true, 3)) v(c, ch, n), generate_series(1, n);
SELECT (custvalue.best_split(calls, churned)).* FROM ch_calls;
-- the cut a depth-1 tree takes: x < 4 vs x >= 4; Gini decrease by ch_hand
SELECT round(((2.0 * 8 * 40 / 48 - 2.0 * 39 / 40 - 2.0 * 7 / 8) / 48)::numeric, 12) AS by_hand;
SELECT custvalue.best_split(calls, churned) IS NULL AS constant_x FROM ch_calls WHERE calls = 4;
SELECT custvalue.best_split(calls, churned) IS NULL AS one_class FROM ch_calls WHERE NOT churned;
SELECT (custvalue.best_split(x, y)).threshold AS skips_nulls
  FROM (VALUES (1.0::float8, false), (2, true), (NULL, true), (0.5, NULL)) v(x, y);
SELECT pg_temp.err($$SELECT custvalue.best_split('Infinity', true)$$);
SELECT calls, (custvalue.best_split(minutes, churned)).threshold
  FROM ch_subs WHERE calls IN (0, 9) GROUP BY calls ORDER BY calls;

-- Wilson score intervals, against statsmodels' proportion_confint(method="wilson")
SELECT custvalue.wilson_interval(3, 10) AS three_of_ten,           -- 0.1077913, 0.6032219
       custvalue.wilson_interval(0, 5) AS none_of_five,            -- 0, 0.4344825
       custvalue.wilson_interval(7, 7) AS all_of_seven,            -- 0.6456696, 1
       custvalue.wilson_interval(598, 4250) AS seed_overall,       -- 0.1307, 0.1512
       custvalue.wilson_interval(50, 100, 2.5758293035489) AS z99, -- 0.3753, 0.6247
       custvalue.wilson_interval(0, 0) IS NULL AS empty;
SELECT pg_temp.err($$SELECT custvalue.wilson_interval(5, 3)$$);
SELECT pg_temp.err($$SELECT custvalue.wilson_interval(-1, 3)$$);
SELECT pg_temp.err($$SELECT custvalue.wilson_interval(1, 3, 0)$$);

DROP TABLE ch_small, ch_small_model, ch_subs, ch_subs_model, ch_subs_parted, ch_models_bin, ch_hand, ch_calls;
