-- Churn analysis of the generated telecom subscribers (seed report 004).
--
-- First seed 004's tables, computed in the database: churn overall, by
-- plan, by customer-service calls with Wilson intervals (so that "9 calls:
-- 100% churn" shows how few customers it rests on), international plan x
-- service calls, and the best split of every feature, ranked.  Then past
-- them: a logistic churn model with odds ratios and p-values, the 20
-- riskiest subscribers with their probability, risk band and reasons, and
-- the scored wide table for a dashboard as a materialized view that fits
-- and scores in one statement, refreshed by pg_cron.
--
-- Usage:  psql -X -f demo/churn.sql   (after churn_data.sql)

\set ON_ERROR_STOP on
\pset pager off
\pset footer off
\pset null '-'
SET client_min_messages = warning;

SELECT count(*) AS n, count(*) FILTER (WHERE churned) AS churned FROM telco.subscribers \gset
\echo
\echo '=== Churn of' :n 'telecom subscribers (seed 004)'
\echo
\echo '--- Overall churn, with its 95% Wilson interval'
SELECT count(*) AS subscribers, count(*) FILTER (WHERE churned) AS churned,
       round(100.0 * avg(churned::int), 2) AS churn_pct,
       round(100 * (custvalue.wilson_interval(count(*) FILTER (WHERE churned), count(*)))[1]::numeric, 2) AS ci_low_pct,
       round(100 * (custvalue.wilson_interval(count(*) FILTER (WHERE churned), count(*)))[2]::numeric, 2) AS ci_high_pct
FROM telco.subscribers;

\echo '--- By plan: an international plan roughly triples churn, a voice-mail plan halves it'
SELECT plan, has_plan, count(*) AS subscribers, round(100.0 * avg(churned::int), 2) AS churn_pct,
       round(100 * (custvalue.wilson_interval(count(*) FILTER (WHERE churned), count(*)))[1]::numeric, 1) AS ci_low_pct,
       round(100 * (custvalue.wilson_interval(count(*) FILTER (WHERE churned), count(*)))[2]::numeric, 1) AS ci_high_pct
FROM telco.subscribers,
     LATERAL (VALUES ('international', international_plan), ('voice mail', voice_mail_plan)) AS p(plan, has_plan)
GROUP BY plan, has_plan
ORDER BY plan, has_plan;

\echo '--- By customer-service calls: the jump at 4 calls; small groups get wide intervals'
SELECT number_customer_service_calls AS service_calls, count(*) AS subscribers,
       count(*) FILTER (WHERE churned) AS churned,
       round(100.0 * avg(churned::int), 1) AS churn_pct,
       round(100 * (custvalue.wilson_interval(count(*) FILTER (WHERE churned), count(*)))[1]::numeric, 1) AS ci_low_pct,
       round(100 * (custvalue.wilson_interval(count(*) FILTER (WHERE churned), count(*)))[2]::numeric, 1) AS ci_high_pct
FROM telco.subscribers
GROUP BY 1
ORDER BY 1;

\echo '--- International plan x service calls: the two risks compound'
SELECT international_plan,
       round(100.0 * avg(churned::int) FILTER (WHERE number_customer_service_calls <= 3), 1) AS "0-3 calls %",
       round(100.0 * avg(churned::int) FILTER (WHERE number_customer_service_calls = 4), 1) AS "4 calls %",
       round(100.0 * avg(churned::int) FILTER (WHERE number_customer_service_calls = 5), 1) AS "5 calls %",
       round(100.0 * avg(churned::int) FILTER (WHERE number_customer_service_calls >= 6), 1) AS "6+ calls %",
       count(*) FILTER (WHERE number_customer_service_calls >= 4) AS "4+ calls n"
FROM telco.subscribers
GROUP BY 1
ORDER BY 1;

\echo '--- Best split of each feature, ranked by Gini impurity decrease (custvalue.best_split)'
SELECT feature, (s).threshold AS cut_at, (s).rows_above AS n_at_or_above,
       round(100 * (s).rate_below::numeric, 1) AS below_pct, round(100 * (s).rate_above::numeric, 1) AS at_or_above_pct,
       round((s).lift::numeric, 2) AS lift, round((s).impurity_decrease::numeric, 5) AS gini_decrease
FROM (SELECT feature, custvalue.best_split(x, churned) AS s
        FROM telco.subscribers,
             LATERAL (VALUES ('international_plan', (international_plan = 'yes')::int::float8),
                             ('voice_mail_plan', (voice_mail_plan = 'yes')::int::float8),
                             ('number_vmail_messages', number_vmail_messages::float8),
                             ('customer_service_calls', number_customer_service_calls::float8),
                             ('total_day_minutes', total_day_minutes),
                             ('total_day_charge', total_day_charge),
                             ('total_eve_minutes', total_eve_minutes),
                             ('total_night_minutes', total_night_minutes),
                             ('total_intl_minutes', total_intl_minutes),
                             ('total_intl_calls', total_intl_calls::float8),
                             ('account_length', account_length::float8)) AS v(feature, x)
       GROUP BY feature) b
ORDER BY (s).impurity_decrease DESC NULLS LAST;

\echo '--- Correlation with churn (SQL corr()), strongest first'
SELECT feature, round(corr(x, churned::int)::numeric, 3) AS corr
FROM telco.subscribers,
     LATERAL (VALUES ('customer_service_calls', number_customer_service_calls::float8),
                     ('total_day_minutes', total_day_minutes),
                     ('total_eve_minutes', total_eve_minutes),
                     ('total_intl_minutes', total_intl_minutes),
                     ('total_intl_calls', total_intl_calls::float8),
                     ('number_vmail_messages', number_vmail_messages::float8),
                     ('account_length', account_length::float8)) AS v(feature, x)
GROUP BY feature
ORDER BY abs(corr(x, churned::int)) DESC;

-- ---------------------------------------------------------------------
-- Past the seed report: a model that scores every customer and says why.
-- Besides the raw counts it gets the threshold best_split found for the
-- service calls (4 or more), as the rates above show a step, not a slope.
-- ---------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS telco.churn_models (fitted_at timestamptz PRIMARY KEY, model custvalue.churn_model NOT NULL);
INSERT INTO telco.churn_models
SELECT now(), custvalue.churn_fit(
         ARRAY[account_length, number_vmail_messages, total_day_minutes, total_eve_minutes,
               total_night_minutes, total_intl_minutes, total_intl_calls, number_customer_service_calls,
               (number_customer_service_calls >= 4)::int],
         ARRAY[international_plan, voice_mail_plan, state],
         churned,
         '{"names": ["account_length", "vmail_messages", "day_minutes", "eve_minutes", "night_minutes",
                     "intl_minutes", "intl_calls", "service_calls", "service_calls_4plus", "intl_plan", "vmail_plan", "state"]}')
FROM telco.subscribers;

\echo
\echo '--- The fitted model (custvalue.churn_fit): rows, fit and likelihoods'
SELECT model::jsonb #> '{fit,rows_used}' AS rows_used, model::jsonb #> '{fit,iterations}' AS newton_steps,
       model::jsonb #> '{fit,converged}' AS converged,
       round((model::jsonb #>> '{fit,log_likelihood}')::numeric, 1) AS log_likelihood,
       round((model::jsonb #>> '{fit,null_log_likelihood}')::numeric, 1) AS null_log_likelihood,
       round(1 - (model::jsonb #>> '{fit,log_likelihood}')::numeric
                 / (model::jsonb #>> '{fit,null_log_likelihood}')::numeric, 3) AS mcfadden_r2
FROM telco.churn_models ORDER BY fitted_at DESC LIMIT 1;

\echo '--- Drivers: coefficients per unit and per standard deviation, odds ratios, p-values (states with p < 0.05 only)'
SELECT feature, round(coef::numeric, 4) AS coef, round(std_coef::numeric, 3) AS per_sd,
       round(odds_ratio::numeric, 3) AS odds_ratio,
       CASE WHEN p_value < 0.0001 THEN '< 0.0001' ELSE round(p_value::numeric, 4)::text END AS p_value
FROM (SELECT model FROM telco.churn_models ORDER BY fitted_at DESC LIMIT 1) m,
     custvalue.churn_coefficients(m.model)
WHERE feature NOT LIKE 'state=%' OR churn_coefficients.p_value < 0.05
ORDER BY churn_coefficients.p_value NULLS FIRST, abs(z) DESC;
SELECT count(*) AS state_levels, count(*) FILTER (WHERE p_value < 0.05) AS significant_at_5pct,
       round(min(p_value)::numeric, 3) AS smallest_p
FROM (SELECT model FROM telco.churn_models ORDER BY fitted_at DESC LIMIT 1) m,
     custvalue.churn_coefficients(m.model)
WHERE feature LIKE 'state=%';

-- The scored wide table a dashboard reads: every subscriber with the
-- probability, a risk band (custvalue.tier), the top three reasons and the
-- seed's rule-based risk flags.  The view fits and scores in one statement,
-- every object schema-qualified, so REFRESH works under any search_path.
-- A nightly refit must not fail the night a small state has no churner (the
-- maximum-likelihood fit would refuse that quasi-separation), so the view
-- fits with a mild penalty, l2 = 1 (scikit-learn's C = 1).
DROP MATERIALIZED VIEW IF EXISTS telco.subscriber_risk;
CREATE MATERIALIZED VIEW telco.subscriber_risk AS
WITH m AS (
    SELECT custvalue.churn_fit(
             ARRAY[account_length, number_vmail_messages, total_day_minutes, total_eve_minutes,
                   total_night_minutes, total_intl_minutes, total_intl_calls, number_customer_service_calls,
               (number_customer_service_calls >= 4)::int],
             ARRAY[international_plan, voice_mail_plan, state],
             churned,
             '{"names": ["account_length", "vmail_messages", "day_minutes", "eve_minutes", "night_minutes",
                         "intl_minutes", "intl_calls", "service_calls", "service_calls_4plus", "intl_plan", "vmail_plan", "state"],
               "l2": 1}') AS model
    FROM telco.subscribers
), scored AS (
    SELECT s.*,
           custvalue.churn_risk(m.model,
             ARRAY[account_length, number_vmail_messages, total_day_minutes, total_eve_minutes,
                   total_night_minutes, total_intl_minutes, total_intl_calls, number_customer_service_calls,
               (number_customer_service_calls >= 4)::int],
             ARRAY[international_plan, voice_mail_plan, state]) AS churn_probability,
           custvalue.churn_reasons(m.model,
             ARRAY[account_length, number_vmail_messages, total_day_minutes, total_eve_minutes,
                   total_night_minutes, total_intl_minutes, total_intl_calls, number_customer_service_calls,
               (number_customer_service_calls >= 4)::int],
             ARRAY[international_plan, voice_mail_plan, state], 3) AS reasons
    FROM telco.subscribers s, m
)
SELECT scored.*,
       custvalue.tier(churn_probability, ARRAY[0.2, 0.5], ARRAY['low', 'medium', 'high']) AS risk_band,
       international_plan = 'yes' AND number_customer_service_calls >= 3 AS flag_plan_and_calls,
       number_customer_service_calls >= 4 AS flag_service_calls,
       total_day_charge > 40 AS flag_high_day_charge
FROM scored;
CREATE UNIQUE INDEX subscriber_risk_id ON telco.subscriber_risk (subscriber_id);
COMMENT ON MATERIALIZED VIEW telco.subscriber_risk IS
    'every subscriber with churn probability, risk band and reasons; refit and rescored by pg_cron';

\echo
\echo '--- The 20 riskiest subscribers: probability, band and the reasons behind it'
SELECT subscriber_id, state, international_plan AS intl, number_customer_service_calls AS calls,
       total_day_minutes AS day_min, churned, round(churn_probability::numeric, 3) AS probability,
       risk_band, array_to_string(reasons, ', ') AS reasons
FROM telco.subscriber_risk
ORDER BY churn_probability DESC, subscriber_id
LIMIT 20;

\echo '--- Risk bands against what happened'
SELECT risk_band, count(*) AS subscribers, round(100.0 * avg(churned::int), 1) AS churned_pct,
       round(100 * avg(churn_probability)::numeric, 1) AS predicted_pct
FROM telco.subscriber_risk
GROUP BY 1
ORDER BY min(churn_probability);

\echo '--- The seed''s risk segments, with the model''s average probability'
SELECT segment, count(*) AS subscribers, round(100.0 * avg(churned::int), 1) AS churned_pct,
       round(100 * avg(churn_probability)::numeric, 1) AS predicted_pct
FROM telco.subscriber_risk,
     LATERAL (VALUES ('intl plan and 3+ service calls', flag_plan_and_calls),
                     ('4+ service calls', flag_service_calls),
                     ('day charge above 40', flag_high_day_charge),
                     ('international plan', international_plan = 'yes')) AS f(segment, flagged)
WHERE flagged
GROUP BY segment
ORDER BY 3 DESC;

\echo '--- Production pattern: pg_cron refits and rescores the view concurrently every night'
REFRESH MATERIALIZED VIEW CONCURRENTLY telco.subscriber_risk;
SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = 'custvalue-churn-refresh' \g /dev/null
SELECT cron.schedule('custvalue-churn-refresh', '30 2 * * *',
                     $$REFRESH MATERIALIZED VIEW CONCURRENTLY telco.subscriber_risk$$) \g /dev/null
SELECT jobid, jobname, schedule, command, database, username, active
FROM cron.job
WHERE jobname = 'custvalue-churn-refresh';
