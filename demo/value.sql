-- Account value model on the generated product-usage data (seed report 003).
--
-- Per account and two-month window: the seed's usage metrics (minutes,
-- events, active days, distinct visitors, distinct features used, mean NPS
-- rating) and its derived features (minutes per active day, minutes per
-- visitor, features per visitor, events per minute).  The value score of a
-- window is the seed's composite
--     1.0 z(minutes) + 0.6 z(events) + 0.4 z(features) + 0.4 z(visitors) + 0.2 z(nps)
-- (custvalue.zscore_fit + custvalue.zscore_sum), and its top 25% are "high
-- value".  A classifier (a logistic regression, custvalue.churn_fit)
-- predicts from a base window's features whether an account will be high
-- value in the next window, against the seed's baseline that knows only
-- minutes and active days.  Both are fitted on one
-- pair of windows (November-December -> January-February) and evaluated out
-- of time on the next (January-February -> March-April, the seed's base and
-- future windows): ROC AUC, average precision, the threshold that reaches
-- 85% precision and the recall there, lift at 10%, the PR curve, the
-- calibration of the predicted probabilities and the drift (PSI) of the
-- scores between the two periods.  Last, the +-10% trend label per account.
--
-- Every metric is an aggregate: the same statements work per segment with
-- GROUP BY, in a view or on a schedule.
--
-- Usage:  psql -X -f demo/value.sql   (after usage_data.sql)

\set ON_ERROR_STOP on
\pset pager off
\pset footer off
\pset null '-'
SET client_min_messages = warning;

DROP TABLE IF EXISTS usage.value_scores;
DROP TABLE IF EXISTS usage.value_models;
DROP VIEW IF EXISTS usage.value_examples;
DROP VIEW IF EXISTS usage.account_windows;

-- Usage metrics per account and two-month window; an account without a
-- day of use in a window has zeros there (the seed fills missing values
-- with 0 for modelling), and the NPS rating of a non-respondent is 0.
CREATE VIEW usage.account_windows AS
WITH windows (win, first_day, last_day) AS (
    VALUES ('Nov-Dec', date '2025-11-01', date '2025-12-31'),
           ('Jan-Feb', date '2026-01-01', date '2026-02-28'),
           ('Mar-Apr', date '2026-03-01', date '2026-04-30')
), days AS (
    SELECT v.account_id, w.win, d.visitor_id, d.date, d.sum_minutes, d.count_events
    FROM usage.visitor_daily_metrics d
    JOIN usage.visitors v USING (visitor_id)
    JOIN windows w ON d.date BETWEEN w.first_day AND w.last_day
), used AS (
    SELECT account_id, win,
           sum(sum_minutes)::float8 AS minutes,
           sum(count_events)::float8 AS events,
           count(DISTINCT date)::float8 AS active_days,
           count(DISTINCT visitor_id)::float8 AS visitors
    FROM days GROUP BY account_id, win
), features AS (
    SELECT v.account_id, w.win, count(DISTINCT f.feature_id)::float8 AS features
    FROM usage.visitor_features f
    JOIN usage.visitors v USING (visitor_id)
    JOIN windows w ON f.date BETWEEN w.first_day AND w.last_day
    GROUP BY v.account_id, w.win
)
SELECT a.account_id, w.win,
       coalesce(u.minutes, 0) AS minutes, coalesce(u.events, 0) AS events,
       coalesce(u.active_days, 0) AS active_days, coalesce(u.visitors, 0) AS visitors,
       coalesce(f.features, 0) AS features, coalesce(a.avg_nps_rating, 0)::float8 AS nps,
       coalesce(u.minutes / u.active_days, 0) AS minutes_per_day,
       coalesce(u.minutes / u.visitors, 0) AS minutes_per_visitor,
       coalesce(f.features / u.visitors, 0) AS features_per_visitor,
       coalesce(u.events / nullif(u.minutes, 0), 0) AS events_per_minute
FROM usage.accounts a
CROSS JOIN windows w
LEFT JOIN used u ON u.account_id = a.account_id AND u.win = w.win
LEFT JOIN features f ON f.account_id = a.account_id AND f.win = w.win;
COMMENT ON VIEW usage.account_windows IS 'usage metrics and derived features per account and two-month window (seed 003)';

-- Examples of the prediction task: the accounts active in a base window,
-- their features there, and whether they are high value in the next
-- window: value score (scaled over those accounts in that window) in the
-- top 25%.  'fit' pairs November-December with January-February, 'test'
-- January-February with March-April.
CREATE VIEW usage.value_examples AS
WITH pairs (period, base, future) AS (
    VALUES ('fit', 'Nov-Dec', 'Jan-Feb'), ('test', 'Jan-Feb', 'Mar-Apr')
), population AS (
    SELECT p.period, b.*, f.minutes AS future_minutes,
           ARRAY[f.minutes, f.events, f.features, f.visitors, f.nps] AS future_value_metrics
    FROM pairs p
    JOIN usage.account_windows b ON b.win = p.base
    JOIN usage.account_windows f ON f.win = p.future AND f.account_id = b.account_id
    WHERE b.active_days > 0
), scalers AS (
    SELECT period, custvalue.zscore_fit(future_value_metrics,
                                        '{"names": ["minutes", "events", "features", "visitors", "nps"]}') AS s
    FROM population GROUP BY period
), valued AS (
    SELECT x.*, custvalue.zscore_sum(s.s, x.future_value_metrics, '{1.0, 0.6, 0.4, 0.4, 0.2}') AS future_value
    FROM population x JOIN scalers s USING (period)
), cut AS (
    SELECT period, percentile_disc(0.75) WITHIN GROUP (ORDER BY future_value) AS cut
    FROM valued GROUP BY period
)
SELECT v.*, v.future_value >= c.cut AS high_value
FROM valued v JOIN cut c USING (period);
COMMENT ON VIEW usage.value_examples IS 'accounts active in a base window, their features, and high value (top 25%) in the next window';

SELECT format('=== Account value model (seed 003): %s accounts; fitted on the %s active in Nov-Dec (%s of them high value in Jan-Feb),',
              (SELECT count(*) FROM usage.accounts), count(*) FILTER (WHERE period = 'fit'),
              count(*) FILTER (WHERE period = 'fit' AND high_value)) AS line1,
       format('    evaluated out of time on the %s active in Jan-Feb (%s of them high value in Mar-Apr)',
              count(*) FILTER (WHERE period = 'test'), count(*) FILTER (WHERE period = 'test' AND high_value)) AS line2
FROM usage.value_examples \gset
\echo
\echo :line1
\echo :line2
\echo

\echo '--- The value score of Jan-Feb over the accounts active then (custvalue.zscore_fit: exact means and population sds)'
CREATE TEMP TABLE jan_feb AS
WITH active AS (SELECT * FROM usage.account_windows WHERE win = 'Jan-Feb' AND active_days > 0),
     fit AS (SELECT custvalue.zscore_fit(ARRAY[minutes, events, features, visitors, nps],
                                         '{"names": ["minutes", "events", "features", "visitors", "nps"]}') AS s
             FROM active)
SELECT a.*, f.s AS scaler,
       custvalue.zscore_sum(f.s, ARRAY[a.minutes, a.events, a.features, a.visitors, a.nps],
                            '{1.0, 0.6, 0.4, 0.4, 0.2}') AS value_score
FROM active a, fit f;
SELECT name AS metric, weight, round(mean::numeric, 2) AS mean, round(sd::numeric, 2) AS sd
FROM (SELECT scaler FROM jan_feb LIMIT 1) s,
     LATERAL jsonb_to_recordset((SELECT jsonb_agg(jsonb_build_object(
         'name', s.scaler::jsonb -> 'features' -> 'numeric' -> i, 'mean', s.scaler::jsonb -> 'features' -> 'mean' -> i,
         'sd', s.scaler::jsonb -> 'features' -> 'sd' -> i, 'weight', (ARRAY[1.0, 0.6, 0.4, 0.4, 0.2])[i + 1]) ORDER BY i)
       FROM generate_series(0, 4) i)) AS r(name text, mean float8, sd float8, weight numeric);
SELECT round(min(value_score)::numeric, 2) AS min, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY value_score)::numeric, 2) AS median,
       round(percentile_disc(0.75) WITHIN GROUP (ORDER BY value_score)::numeric, 2) AS top_25_pct_from,
       round(max(value_score)::numeric, 2) AS max
FROM jan_feb;
\echo
\echo '--- The five most valuable accounts of Jan-Feb with the derived features'
SELECT account_id, round(value_score::numeric, 2) AS value, minutes::int, active_days::int AS days, visitors::int,
       features::int, round(minutes_per_day::numeric, 1) AS min_per_day, round(minutes_per_visitor::numeric, 1) AS min_per_visitor,
       round(features_per_visitor::numeric, 2) AS features_per_visitor, round(events_per_minute::numeric, 3) AS events_per_min
FROM jan_feb ORDER BY value_score DESC LIMIT 5;
\echo
-- The two models, fitted on the 'fit' examples: logistic regressions
-- (custvalue.churn_fit, standardized features), the classifier on all ten
-- base-window features, the baseline on minutes and active days only.
-- Their scores are predicted probabilities of being high value in the next
-- window; the models are stored with the scores.
CREATE TABLE usage.value_models AS
SELECT custvalue.churn_fit(ARRAY[minutes, events, active_days, visitors, features, nps, minutes_per_day,
                                 minutes_per_visitor, features_per_visitor, events_per_minute], high_value,
                           '{"names": ["minutes", "events", "active_days", "visitors", "features", "nps",
                                       "minutes_per_day", "minutes_per_visitor", "features_per_visitor",
                                       "events_per_minute"]}') AS classifier,
       custvalue.churn_fit(ARRAY[minutes, active_days], high_value,
                           '{"names": ["minutes", "active_days"]}') AS baseline
FROM usage.value_examples WHERE period = 'fit';
CREATE TABLE usage.value_scores AS
SELECT e.period, e.account_id, e.high_value, m.model, m.score
FROM usage.value_examples e, usage.value_models,
     LATERAL (VALUES ('classifier (10 features)',
                      custvalue.churn_risk(classifier, ARRAY[minutes, events, active_days, visitors, features, nps,
                                                             minutes_per_day, minutes_per_visitor,
                                                             features_per_visitor, events_per_minute])),
                     ('baseline (minutes + days)',
                      custvalue.churn_risk(baseline, ARRAY[minutes, active_days]))) AS m(model, score);

\echo '--- Out of time (Jan-Feb features -> high value in Mar-Apr) and, for comparison, in the fit period'
SELECT model, period, round(auc::numeric, 3) AS roc_auc, round(ap::numeric, 3) AS avg_precision,
       round((op).threshold::numeric, 3) AS threshold_85, round((op).precision::numeric, 3) AS precision,
       round((op).recall::numeric, 3) AS recall, (op).flagged, round(lift::numeric, 2) AS lift_10pct
FROM (SELECT model, period, custvalue.roc_auc(score, high_value) AS auc,
             custvalue.average_precision(score, high_value) AS ap,
             custvalue.threshold_for_precision(score, high_value, 0.85) AS op,
             custvalue.lift_at(score, high_value, 0.1) AS lift
        FROM usage.value_scores GROUP BY model, period) s
ORDER BY period DESC, model DESC;
\echo 'threshold_85: the lowest score at which the flagged accounts are at least 85% high value (custvalue.threshold_for_precision);'
\echo 'recall: the share of all high-value accounts flagged there; lift_10pct: high-value rate of the top 10% over the base rate.'
\echo

\echo '--- PR curve out of time (custvalue.pr_curve + custvalue.curve_points), the point where recall first reaches each tenth'
SELECT model, step AS recall_from, round(threshold::numeric, 3) AS threshold, tp, fp,
       round(precision::numeric, 3) AS precision, round(recall::numeric, 3) AS recall
FROM (SELECT c.model, p.*, floor(p.recall * 10) / 10 AS step,
             row_number() OVER (PARTITION BY c.model, floor(p.recall * 10) ORDER BY p.threshold DESC) AS rn
        FROM (SELECT model, custvalue.pr_curve(score, high_value) AS curve
                FROM usage.value_scores WHERE period = 'test' GROUP BY model) c,
             custvalue.curve_points(c.curve) p
       WHERE p.recall >= 0.1) s
WHERE rn = 1
ORDER BY model DESC, recall_from;
\echo

\echo '--- Calibration of the classifier out of time (custvalue.calibration, 10 bins): predicted against observed'
SELECT bin, round(mean_predicted::numeric, 3) AS mean_predicted, round(observed::numeric, 3) AS observed, count
FROM (SELECT custvalue.calibration(score, high_value, 10) AS c FROM usage.value_scores
       WHERE period = 'test' AND model LIKE 'classifier%') s,
     custvalue.calibration_points(s.c)
WHERE count > 0;
SELECT round(custvalue.brier_score(score, high_value)::numeric, 4) AS brier_score,
       round(custvalue.log_loss(score, high_value)::numeric, 4) AS log_loss
FROM usage.value_scores WHERE period = 'test' AND model LIKE 'classifier%';
\echo

\echo '--- Drift between the periods (custvalue.psi, 10 bins at the fit period''s deciles; < 0.1 stable, > 0.25 shifted)'
SELECT model AS scores_of, round(custvalue.psi(score, period = 'test', 10)::numeric, 4) AS psi
FROM usage.value_scores GROUP BY model
UNION ALL
SELECT 'minutes, Jan-Feb against Nov-Dec',
       round(custvalue.psi(minutes, win = 'Jan-Feb', 10)::numeric, 4)
FROM usage.account_windows WHERE win IN ('Nov-Dec', 'Jan-Feb') AND active_days > 0
ORDER BY 1;
\echo

\echo '--- Trend of minutes, Mar-Apr against Jan-Feb (custvalue.value_trend, +-10%), by high value in Mar-Apr'
SELECT e.high_value, custvalue.value_trend(f.minutes, e.minutes) AS trend, count(*)
FROM usage.value_examples e
JOIN usage.account_windows f ON f.account_id = e.account_id AND f.win = 'Mar-Apr'
WHERE e.period = 'test'
GROUP BY 1, 2 ORDER BY 1 DESC, 3 DESC;
