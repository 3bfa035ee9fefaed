-- Model evaluation aggregates, the custvalue.curve value, curve_points and
-- calibration_points.
SET extra_float_digits = 0;
-- errors are shown as SQLSTATE: message
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- Seven rows checked by hand: positives score {0.9, 0.8, 0.8, 0.3},
-- negatives {0.8, 0.5, 0.1}; one NULL label and one NULL score are skipped.
CREATE TABLE met_s7 (score float8, label bool);
INSERT INTO met_s7 VALUES (0.9, true), (0.8, true), (0.8, true), (0.3, true),
                      (0.8, false), (0.5, false), (0.1, false), (0.7, NULL), (NULL, true);
-- AUC = (3 + 2 * 2.5 + 1) / 12 = 0.75 (the positive-negative tie at 0.8 counts 1/2)
-- AP = 1/4 * 1 + 2/4 * 3/4 + 1/4 * 4/6 = 0.7916...
SELECT custvalue.roc_auc(score, label), custvalue.average_precision(score, label) FROM met_s7;
-- precision >= 0.75: 0.9 (1 of 1) and 0.8 (3 of 4) qualify; the lowest, 0.8, has recall 3/4
SELECT (custvalue.threshold_for_precision(score, label, 0.75)).* FROM met_s7;
SELECT custvalue.threshold_for_precision(score, label, 1) FROM met_s7;          -- only 0.9
SELECT custvalue.threshold_for_precision(score, label, 0.5) FROM met_s7;        -- everything: 4 of 7
SELECT custvalue.confusion_at(score, label, 0.5) FROM met_s7;                   -- 5 flagged, 3 positive
SELECT custvalue.confusion_at(score, label, 0.95) FROM met_s7;                  -- none flagged: precision NULL
-- lift at 50%: the top 3.5 rows are 0.9 and half of the three 0.8s' share:
-- 1 + 2.5 * 2/3 positives; (8/3 / 3.5) / (4/7) = 4/3
SELECT round(custvalue.lift_at(score, label, 0.5)::numeric, 12) AS lift_50,
       custvalue.lift_at(score, label, 1) AS lift_all FROM met_s7;
-- log loss and Brier score of the same values read as probabilities
SELECT round(custvalue.log_loss(score, label)::numeric, 12) AS log_loss,
       round((-(ln(0.9) + 2 * ln(0.8) + ln(0.3) + ln(0.2) + ln(0.5) + ln(0.9)) / 7)::numeric, 12) AS by_hand,
       round(custvalue.brier_score(score, label)::numeric, 12) AS brier,
       round(((0.01 + 2 * 0.04 + 0.49 + 0.64 + 0.25 + 0.01) / 7)::numeric, 12) AS by_hand
  FROM met_s7;
-- curves: one point per distinct threshold after the start point
SELECT * FROM custvalue.curve_points((SELECT custvalue.roc_curve(score, label) FROM met_s7));
SELECT * FROM custvalue.curve_points((SELECT custvalue.pr_curve(score, label) FROM met_s7));
SELECT custvalue.pr_curve(score, label) FROM met_s7;
-- calibration over 4 bins: (0, .25] {0.1}, (.25, .5] {0.3, 0.5}, (.5, .75] empty, (.75, 1] the rest
SELECT * FROM custvalue.calibration_points((SELECT custvalue.calibration(score, label, 4) FROM met_s7));
-- 0.3 is not above the edge 3 * (1/10) = 0.30000000000000004: bin 3, as in scikit-learn
SELECT * FROM custvalue.calibration_points((SELECT custvalue.calibration(p, true, 10) FROM (VALUES (0.3::float8), (0.2), (0)) v(p)))
 WHERE count > 0;

-- PSI: baseline {1..10}, 2 bins cut at the lower median 5; current {1, 2, 8, 9, 10, 10}:
-- shares 0.5/0.5 against 2/6, 4/6
SELECT round(custvalue.psi(x, cur, 2)::numeric, 12) AS psi,
       round(((2/6.0 - 0.5) * ln((2/6.0) / 0.5) + (4/6.0 - 0.5) * ln((4/6.0) / 0.5))::numeric, 12) AS by_hand
  FROM (SELECT i::float8, false FROM generate_series(1, 10) i
        UNION ALL SELECT x, true FROM unnest(ARRAY[1, 2, 8, 9, 10, 10]::float8[]) x) v(x, cur);
-- an empty current bin is floored at 1e-4
SELECT round(custvalue.psi(x, cur, 2)::numeric, 12) AS psi,
       round(((1 - 0.5) * ln(1 / 0.5) + (0.0001 - 0.5) * ln(0.0001 / 0.5))::numeric, 12) AS by_hand
  FROM (SELECT i::float8, false FROM generate_series(1, 10) i
        UNION ALL SELECT 1, true) v(x, cur);
-- the same population: 0; no current rows: NULL
SELECT custvalue.psi(i, b, 10) AS same FROM generate_series(1, 100) i, (VALUES (false), (true)) v(b);
SELECT custvalue.psi(i, false, 10) IS NULL AS no_current FROM generate_series(1, 100) i;

-- ties, one class, a single positive, every score equal
SELECT custvalue.roc_auc(0.5, l) AS all_equal_auc, custvalue.average_precision(0.5, l) AS all_equal_ap,
       custvalue.threshold_for_precision(0.5, l, 0.25) AS all_equal_point
  FROM (VALUES (true), (false), (false), (false)) v(l);
SELECT custvalue.roc_auc(s, true) IS NULL AS auc_no_negatives, custvalue.roc_auc(s, false) IS NULL AS auc_no_positives,
       custvalue.average_precision(s, false) IS NULL AS ap_no_positives,
       custvalue.lift_at(s, false, 0.1) IS NULL AS lift_no_positives,
       custvalue.threshold_for_precision(s, false, 0.5) IS NULL AS no_threshold,
       custvalue.average_precision(s, true) AS ap_all_positive
  FROM (VALUES (0.1::float8), (0.2)) v(s);
SELECT custvalue.roc_auc(s, s = 0.2) AS single_positive_auc FROM (VALUES (0.1::float8), (0.2), (0.3), (0.4)) v(s);
-- no rows, or only NULLs: every metric is NULL
SELECT custvalue.roc_auc(s, l) IS NULL AS auc, custvalue.roc_curve(s, l) IS NULL AS curve,
       custvalue.psi(s, l, 10) IS NULL AS psi, custvalue.log_loss(s, l) IS NULL AS log_loss
  FROM (VALUES (NULL::float8, true), (0.5, NULL)) v(s, l);

-- argument errors
SELECT pg_temp.err($$SELECT custvalue.roc_auc('NaN', true)$$);
SELECT pg_temp.err($$SELECT custvalue.roc_auc('Infinity', true)$$);
SELECT pg_temp.err($$SELECT custvalue.log_loss(1.5, true)$$);
SELECT pg_temp.err($$SELECT custvalue.brier_score(-0.1, true)$$);
SELECT pg_temp.err($$SELECT custvalue.threshold_for_precision(0.5, true, 0)$$);
SELECT pg_temp.err($$SELECT custvalue.threshold_for_precision(0.5, true, 1.01)$$);
SELECT pg_temp.err($$SELECT custvalue.threshold_for_precision(0.5, true, NULL)$$);
SELECT pg_temp.err($$SELECT custvalue.lift_at(0.5, true, 0)$$);
SELECT pg_temp.err($$SELECT custvalue.lift_at(0.5, true, 'NaN')$$);
SELECT pg_temp.err($$SELECT custvalue.confusion_at(0.5, true, '-Infinity')$$);
SELECT pg_temp.err($$SELECT custvalue.calibration(0.5, true, 0)$$);
SELECT pg_temp.err($$SELECT custvalue.calibration(0.5, true, 10001)$$);
SELECT pg_temp.err($$SELECT custvalue.psi(0.5, true, -1)$$);
-- a parameter must be the same in every row of a group
SELECT pg_temp.err($$SELECT custvalue.lift_at(score, label, CASE WHEN score > 0.5 THEN 0.1 ELSE 0.2 END) FROM met_s7$$);
SELECT pg_temp.err($$SELECT custvalue.psi(score, label, (score * 10)::int) FROM met_s7 WHERE score IS NOT NULL$$);
-- ... but may differ between groups
SELECT label, custvalue.lift_at(score, score > 0.4, CASE WHEN label THEN 0.5 ELSE 1 END)
  FROM met_s7 WHERE label IS NOT NULL GROUP BY label ORDER BY label;

-- curve values: JSON text round trip, jsonb, hand-written curves, errors
CREATE TABLE met_curves AS
SELECT custvalue.roc_curve(score, label) AS roc, custvalue.pr_curve(score, label) AS pr,
       custvalue.calibration(score, label, 4) AS cal FROM met_s7;
SELECT roc::text::custvalue.curve::text = roc::text AS roc_round_trip,
       pr::text::custvalue.curve::text = pr::text AS pr_round_trip,
       cal::text::custvalue.curve::text = cal::text AS cal_round_trip,
       roc::jsonb = roc::text::jsonb AS jsonb_cast
  FROM met_curves;
SELECT cal FROM met_curves;
SELECT * FROM custvalue.curve_points('{"kind": "curve", "version": 1, "curve": "roc", "positives": 2, "negatives": 2,
  "distinct_thresholds": 3, "thresholds": [0.9, 0.4], "tp": [2, 2], "fp": [0, 2]}');
SELECT * FROM custvalue.calibration_points('{"kind": "curve", "version": 1, "curve": "calibration", "positives": 1,
  "negatives": 1, "count": [1, 1], "observed_positives": [0, 1], "mean_predicted": [0.25, 0.75]}');
SELECT pg_temp.err($$SELECT custvalue.curve_points(cal) FROM met_curves$$);
SELECT pg_temp.err($$SELECT custvalue.calibration_points(roc) FROM met_curves$$);
SELECT pg_temp.err($$SELECT 'x'::custvalue.curve$$);
SELECT pg_temp.err($$SELECT '{"kind": "scaler", "version": 1}'::custvalue.curve$$);
SELECT pg_temp.err($$SELECT '{"kind": "curve", "version": 2, "curve": "roc"}'::custvalue.curve$$);
SELECT pg_temp.err($$SELECT '{"kind": "curve", "version": 1, "curve": "lift"}'::custvalue.curve$$);
SELECT pg_temp.err($$SELECT '{"kind": "curve", "version": 1, "curve": "roc", "positives": 1, "negatives": 1, "distinct_thresholds": 2, "thresholds": [1, 2], "tp": [1, 1], "fp": [0, 1]}'::custvalue.curve$$);
SELECT pg_temp.err($$SELECT '{"kind": "curve", "version": 1, "curve": "roc", "positives": 1, "negatives": 1, "distinct_thresholds": 2, "thresholds": [2, 1], "tp": [1, 1], "fp": [0, 0]}'::custvalue.curve$$);
SELECT pg_temp.err($$SELECT '{"kind": "curve", "version": 1, "curve": "roc", "positives": 1, "negatives": 2, "distinct_thresholds": 2, "thresholds": [2, 1], "tp": [1, 1], "fp": [0, 1]}'::custvalue.curve$$);
SELECT pg_temp.err($$SELECT '{"kind": "curve", "version": 1, "curve": "roc", "positives": 1, "negatives": 1, "distinct_thresholds": 2, "thresholds": [2, 1], "tp": [1, 1], "fp": [0]}'::custvalue.curve$$);
SELECT pg_temp.err($$SELECT '{"kind": "curve", "version": 1, "curve": "roc", "positives": 1, "negatives": 1, "distinct_thresholds": 2, "thresholds": [2, 1], "tp": [1, 1.5], "fp": [0, 1]}'::custvalue.curve$$);
SELECT pg_temp.err($$SELECT '{"kind": "curve", "version": 1, "curve": "roc", "positives": 1, "negatives": 1, "distinct_thresholds": 2, "thresholds": [2, 1], "tp": [1, 1], "fp": [0, 1], "extra": 1}'::custvalue.curve$$);
SELECT pg_temp.err($$SELECT '{"kind": "curve", "version": 1, "curve": "calibration", "positives": 1, "negatives": 1, "count": [1, 1], "observed_positives": [0, 1], "mean_predicted": [0.75, 0.75]}'::custvalue.curve$$);
SELECT pg_temp.err($$SELECT '{"kind": "curve", "version": 1, "curve": "calibration", "positives": 1, "negatives": 1, "count": [1, 1], "observed_positives": [0, 2], "mean_predicted": [0.25, 0.75]}'::custvalue.curve$$);
SELECT pg_temp.err($$SELECT '{"kind": "curve", "version": 1, "curve": "calibration", "positives": 1, "negatives": 1, "count": [2, 0], "observed_positives": [1, 0], "mean_predicted": [0.25, 0.75]}'::custvalue.curve$$);
-- binary send/recv
CREATE TABLE met_curves_bin (roc custvalue.curve, pr custvalue.curve, cal custvalue.curve);
\copy met_curves TO 'results/curves.bin' (FORMAT binary)
\copy met_curves_bin FROM 'results/curves.bin' (FORMAT binary)
SELECT b.roc::text = c.roc::text AND b.pr::text = c.pr::text AND b.cal::text = c.cal::text AS binary_round_trip
  FROM met_curves c, met_curves_bin b;

-- Above 10,000 distinct thresholds a curve keeps 10,000 exact points spread
-- evenly over the rows; the last flags every row.
CREATE TABLE met_many AS SELECT i::float8 / 7 AS score, i % 3 = 0 AS label FROM generate_series(1, 30000) i;
-- every kept point equals the cumulative counts computed in SQL
WITH c AS (SELECT custvalue.roc_curve(score, label) AS c FROM met_many),
     p AS (SELECT * FROM custvalue.curve_points((SELECT c FROM c)) WHERE threshold < 'Infinity'),
     cum AS (SELECT score, sum(label::int) OVER w AS tp, sum((NOT label)::int) OVER w AS fp
               FROM met_many WINDOW w AS (ORDER BY score DESC))
SELECT count(*) AS points, (SELECT (c::jsonb ->> 'distinct_thresholds')::int FROM c) AS distinct_thresholds,
       max(p.tp + p.fp) AS last_flags_all, bool_and(p.tp = cum.tp AND p.fp = cum.fp) AS every_point_exact
  FROM p JOIN cum ON cum.score = p.threshold;

-- The state: a text round trip, merging partial states from text, and
-- crafted states refused by the final functions.
CREATE TABLE met_big AS
SELECT i, (i * 7919 % 1000)::float8 / 1000 AS score, (i * 31 % 7) < 3 AS label FROM generate_series(1, 20000) i;
CREATE AGGREGATE pg_temp.metric_state(float8, bool) (SFUNC = custvalue.metric_trans, STYPE = custvalue.fitstate);
CREATE AGGREGATE pg_temp.lift_state(float8, bool, float8) (SFUNC = custvalue.metric_fraction_trans, STYPE = custvalue.fitstate);
CREATE AGGREGATE pg_temp.merge_states(custvalue.fitstate) (SFUNC = custvalue.fitstate_combine, STYPE = custvalue.fitstate);
WITH parts AS (SELECT pg_temp.metric_state(score, label)::text AS st FROM met_big GROUP BY i % 4)
SELECT custvalue.roc_auc_final(pg_temp.merge_states(st::custvalue.fitstate)) = (SELECT custvalue.roc_auc(score, label) FROM met_big)
       AS merged_from_text_equals_direct
  FROM parts;
WITH s AS (SELECT pg_temp.lift_state(score, label, 0.1)::text AS t FROM met_big)
SELECT t::custvalue.fitstate::text = t AS state_text_round_trip, left(t, 6) AS starts FROM s;
SELECT pg_temp.err($$SELECT pg_temp.merge_states(st) FROM (
  SELECT pg_temp.lift_state(score, label, 0.1) st FROM met_big UNION ALL
  SELECT pg_temp.lift_state(score, label, 0.2) FROM met_big) s$$);
SELECT pg_temp.err($$SELECT custvalue.lift_at_final(pg_temp.metric_state(score, label)) FROM met_big$$);
CREATE AGGREGATE pg_temp.card_state(float8[]) (SFUNC = custvalue.scorecard_fit_trans, STYPE = custvalue.fitstate);
SELECT pg_temp.err($$SELECT custvalue.roc_auc_final(pg_temp.card_state(ARRAY[score, score])) FROM met_big$$);
SELECT pg_temp.err($$SELECT custvalue.log_loss_final(pg_temp.metric_state(score * 2, label)) FROM met_big$$);
SELECT pg_temp.err($$SELECT custvalue.zscore_fit_final(pg_temp.metric_state(score, label)) FROM met_big$$);

-- A forced parallel plan and a partition-wise plan give the same values.
CREATE TABLE met_serial AS
SELECT custvalue.roc_auc(score, label) AS auc, custvalue.average_precision(score, label) AS ap,
       custvalue.threshold_for_precision(score, label, 0.4)::text AS tp, custvalue.lift_at(score, label, 0.1) AS lift,
       custvalue.log_loss(score, label) AS ll, custvalue.brier_score(score, label) AS brier,
       custvalue.psi(score, i % 2 = 0, 10) AS psi, custvalue.roc_curve(score, label)::text AS roc,
       custvalue.calibration(score, label, 10)::text AS cal, custvalue.confusion_at(score, label, 0.5)::text AS conf
  FROM met_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT custvalue.roc_auc(score, label) FROM met_big;
-- (each value against the serial one, fetched by an InitPlan)
SELECT custvalue.roc_auc(score, label) = (SELECT auc FROM met_serial) AS auc,
       custvalue.average_precision(score, label) = (SELECT ap FROM met_serial) AS ap,
       custvalue.threshold_for_precision(score, label, 0.4)::text = (SELECT tp FROM met_serial) AS point,
       custvalue.lift_at(score, label, 0.1) = (SELECT lift FROM met_serial) AS lift,
       custvalue.log_loss(score, label) = (SELECT ll FROM met_serial) AS log_loss,
       custvalue.brier_score(score, label) = (SELECT brier FROM met_serial) AS brier,
       custvalue.psi(score, i % 2 = 0, 10) = (SELECT psi FROM met_serial) AS psi,
       custvalue.roc_curve(score, label)::text = (SELECT roc FROM met_serial) AS roc,
       custvalue.calibration(score, label, 10)::text = (SELECT cal FROM met_serial) AS cal,
       custvalue.confusion_at(score, label, 0.5)::text = (SELECT conf FROM met_serial) AS conf
  FROM met_big;
CREATE TABLE met_parted (g int, score float8, label bool) PARTITION BY LIST (g);
CREATE TABLE met_parted_0 PARTITION OF met_parted FOR VALUES IN (0);
CREATE TABLE met_parted_1 PARTITION OF met_parted FOR VALUES IN (1);
INSERT INTO met_parted SELECT i % 2, score, label FROM met_big;
ANALYZE met_parted;
SET enable_partitionwise_aggregate = on;
EXPLAIN (COSTS OFF) SELECT custvalue.roc_auc(score, label) FROM met_parted;
SELECT custvalue.roc_auc(score, label) = (SELECT auc FROM met_serial) AS auc,
       custvalue.average_precision(score, label) = (SELECT ap FROM met_serial) AS ap,
       custvalue.log_loss(score, label) = (SELECT ll FROM met_serial) AS log_loss,
       custvalue.roc_curve(score, label)::text = (SELECT roc FROM met_serial) AS roc,
       custvalue.lift_at(score, label, 0.1) = (SELECT lift FROM met_serial) AS lift
  FROM met_parted;
RESET ALL;

-- The state is capped by custvalue.max_fit_memory (16 bytes per distinct
-- score of each class, plus the pending table).
SET custvalue.max_fit_memory = '64kB';
SELECT pg_temp.err($$SELECT custvalue.roc_auc(i::float8, i % 2 = 0) FROM generate_series(1, 20000) i$$);
RESET custvalue.max_fit_memory;
