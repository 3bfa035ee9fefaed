-- RFM+N value segmentation on the generated product-usage data (seed report 001).
--
-- Per account: R = days since its last active day, F = active days, M = total
-- usage minutes, N = mean NPS rating (NULL when it never answered).
-- custvalue.rfmn_fit learns tie-aware quintile scores of the four dimensions;
-- the weighted mean score S splits the accounts into high_value (S >= 4),
-- mid_value (3 <= S < 4), low_value (2 <= S < 3) and churn_risk (S < 2).
-- High- and mid-value accounts get a trend label from their minutes in the
-- last 30 days against the 30 before.
--
-- The segments live in a materialized view (fit and score in one statement,
-- every object schema-qualified) refreshed CONCURRENTLY by pg_cron.  At the
-- end: plain-SQL recipes for stickiness (DAU/MAU) and the weekly usage slope.
--
-- Usage:  psql -X -f demo/rfm.sql   (after usage_data.sql)

\set ON_ERROR_STOP on
\pset pager off
\pset footer off
\pset null '-'
SET client_min_messages = warning;

DROP MATERIALIZED VIEW IF EXISTS usage.account_segments;
DROP VIEW IF EXISTS usage.account_rfmn;

-- The four dimensions and the two 30-day windows, per account.
CREATE VIEW usage.account_rfmn AS
SELECT a.account_id,
       (usage.as_of() - max(m.date))::float8 AS recency_days,
       count(m.date)::float8 AS active_days,
       coalesce(sum(m.minutes), 0)::float8 AS minutes,
       a.avg_nps_rating::float8 AS nps_rating,
       coalesce(sum(m.minutes) FILTER (WHERE m.date > usage.as_of() - 30), 0)::float8 AS minutes_last_30d,
       coalesce(sum(m.minutes) FILTER (WHERE m.date > usage.as_of() - 60
                                        AND m.date <= usage.as_of() - 30), 0)::float8 AS minutes_prev_30d
FROM usage.accounts a
LEFT JOIN (
    -- account-days: an account is active on a day when any of its visitors is
    SELECT v.account_id, d.date, sum(d.sum_minutes) AS minutes
    FROM usage.visitors v
    JOIN usage.visitor_daily_metrics d USING (visitor_id)
    GROUP BY v.account_id, d.date
) AS m USING (account_id)
GROUP BY a.account_id, a.avg_nps_rating;
COMMENT ON VIEW usage.account_rfmn IS 'recency, frequency, minutes, NPS and 30-day windows per account';

-- Fit and score in one statement: the model is refitted at every refresh.
CREATE MATERIALIZED VIEW usage.account_segments AS
WITH measures AS MATERIALIZED (
    SELECT * FROM usage.account_rfmn
), model AS (
    SELECT custvalue.rfmn_fit(recency_days, active_days, minutes, nps_rating) AS model
    FROM measures
), scored AS (
    SELECT x.*,
           custvalue.rfmn_score(m.model, x.recency_days, x.active_days, x.minutes, x.nps_rating) AS s,
           custvalue.rfmn_segment(m.model, x.recency_days, x.active_days, x.minutes, x.nps_rating) AS segment
    FROM measures x
    CROSS JOIN model m
)
SELECT account_id, recency_days, active_days, minutes, nps_rating,
       minutes_last_30d, minutes_prev_30d,
       (s).r AS r_score, (s).f AS f_score, (s).m AS m_score, (s).n AS n_score,
       (s).score AS rfmn_score, (s).code AS rfmn_code,
       segment,
       custvalue.rfm_segment((s).r, (s).f) AS named_segment,
       custvalue.value_trend(minutes_last_30d, minutes_prev_30d) AS trend
FROM scored;
CREATE UNIQUE INDEX account_segments_account_id ON usage.account_segments (account_id);
COMMENT ON MATERIALIZED VIEW usage.account_segments IS 'RFM+N scores, value segment and 30-day trend per account, refreshed by pg_cron';

SELECT count(*) AS n FROM usage.account_segments \gset
\echo
\echo '=== RFM+N value segments (seed 001):' :n 'accounts; R = days since last active, F = active days, M = minutes, N = mean NPS rating'
\echo
\echo '--- Segment profile'
SELECT segment,
       count(*) AS accounts,
       round(100.0 * count(*) / :n, 1) AS "share %",
       round(avg(recency_days)::numeric) AS "mean R (days)",
       round(avg(active_days)::numeric) AS "mean F (days)",
       round(avg(minutes)::numeric) AS "mean M (minutes)",
       round(avg(nps_rating)::numeric, 1) AS "mean N (0-10)",
       round(avg(rfmn_score)::numeric, 2) AS "mean score"
FROM usage.account_segments
GROUP BY segment
ORDER BY array_position(ARRAY['high_value', 'mid_value', 'low_value', 'churn_risk'], segment);

\echo '--- Named R x F segments (custvalue.rfm_segment)'
SELECT named_segment,
       count(*) AS accounts,
       round(100.0 * count(*) / :n, 1) AS "share %",
       round(avg(recency_days)::numeric) AS "mean R",
       round(avg(active_days)::numeric) AS "mean F",
       round(avg(minutes)::numeric) AS "mean M",
       count(*) FILTER (WHERE segment = 'high_value') AS high_value,
       count(*) FILTER (WHERE segment = 'churn_risk') AS churn_risk
FROM usage.account_segments
GROUP BY named_segment
ORDER BY count(*) DESC, named_segment;

\echo '--- Realised score thresholds (custvalue.rfmn_thresholds): ties always share a score'
SELECT t.dimension, t.score,
       round(t.min_value::numeric, 2) AS min_value,
       round(t.max_value::numeric, 2) AS max_value,
       t.customers AS accounts
FROM (SELECT custvalue.rfmn_fit(recency_days, active_days, minutes, nps_rating) AS model
      FROM usage.account_rfmn) AS f,
     custvalue.rfmn_thresholds(f.model) AS t;
SELECT count(*) FILTER (WHERE recency_days = 0) AS last_day,
       round(100.0 * count(*) FILTER (WHERE recency_days = 0) / count(*), 1) AS last_day_pct,
       count(*) FILTER (WHERE recency_days = 0 AND r_score = 5) AS last_day_r5
FROM usage.account_segments \gset
\echo 'The' :last_day 'accounts (':last_day_pct'%) active on the last day tie at the best recency; the best tie'
\echo 'group scores 5 (ties "midrank", the default), so' :last_day_r5 'of them get R = 5.'
\echo

\echo '--- NPS (custvalue.nps: % promoters 9-10 minus % detractors 0-6) over the survey answers'
SELECT coalesce(s.segment, 'all accounts') AS segment,
       count(*) AS responses,
       round(avg(r.nps_rating), 1) AS mean_rating,
       round(100.0 * count(*) FILTER (WHERE r.nps_rating >= 9) / count(*), 1) AS "promoters %",
       round(100.0 * count(*) FILTER (WHERE r.nps_rating <= 6) / count(*), 1) AS "detractors %",
       round(custvalue.nps(r.nps_rating)::numeric, 1) AS nps
FROM usage.nps_responses r
JOIN usage.account_segments s USING (account_id)
GROUP BY ROLLUP (s.segment)
ORDER BY s.segment IS NULL,
         array_position(ARRAY['high_value', 'mid_value', 'low_value', 'churn_risk'], s.segment);

\echo '--- Trend of high- and mid-value accounts: minutes in the last 30 days against the 30 before (+-10%)'
SELECT segment,
       count(*) AS accounts,
       count(*) FILTER (WHERE trend = 'rising') AS rising,
       count(*) FILTER (WHERE trend = 'stable') AS stable,
       count(*) FILTER (WHERE trend = 'declining') AS declining,
       count(*) FILTER (WHERE trend = 'new') AS new,
       count(*) FILTER (WHERE trend = 'inactive') AS inactive,
       round(100.0 * count(*) FILTER (WHERE trend = 'stable') / count(*), 1) AS "stable %"
FROM usage.account_segments
WHERE segment IN ('high_value', 'mid_value')
GROUP BY segment
ORDER BY array_position(ARRAY['high_value', 'mid_value'], segment);

SELECT count(*) AS n FROM usage.account_segments
 WHERE segment = 'high_value' AND trend = 'declining' \gset declining_
\echo '--- High-value accounts whose use is declining:' :declining_n 'in all, steepest first (at most 10 shown); act before they churn'
SELECT s.account_id, a.name, s.rfmn_code,
       s.minutes_prev_30d::bigint AS minutes_prev_30d,
       s.minutes_last_30d::bigint AS minutes_last_30d,
       round((100 * (s.minutes_last_30d - s.minutes_prev_30d) / s.minutes_prev_30d)::numeric) AS "change %",
       s.recency_days::int AS days_since_active
FROM usage.account_segments s
JOIN usage.accounts a USING (account_id)
WHERE s.segment = 'high_value' AND s.trend = 'declining'
ORDER BY s.minutes_last_30d / s.minutes_prev_30d, s.account_id
LIMIT 10;

-- Recipes: usage measures that need no function (seed report 003).
--
-- Stickiness = DAU / MAU over the last 30 days: the mean number of an
-- account's visitors active per day, divided by the number of its visitors
-- active at all in those 30 days (1 = every active visitor comes every day).
\echo '--- Recipe: stickiness DAU/MAU over the last 30 days (plain SQL)'
WITH recent AS (
    SELECT v.account_id, d.visitor_id, d.date
    FROM usage.visitor_daily_metrics d
    JOIN usage.visitors v USING (visitor_id)
    WHERE d.date > usage.as_of() - 30
), stickiness AS (
    SELECT account_id,
           count(*) / 30.0 AS dau,
           count(DISTINCT visitor_id) AS mau,
           count(*) / 30.0 / count(DISTINCT visitor_id) AS stickiness
    FROM recent
    GROUP BY account_id
)
SELECT s.segment,
       count(k.account_id) AS "accounts active",
       round(avg(k.dau), 2) AS mean_dau,
       round(avg(k.mau), 2) AS mean_mau,
       round(avg(k.stickiness), 3) AS "mean DAU/MAU"
FROM usage.account_segments s
LEFT JOIN stickiness k USING (account_id)
GROUP BY s.segment
ORDER BY array_position(ARRAY['high_value', 'mid_value', 'low_value', 'churn_risk'], s.segment);

-- Usage slope = regr_slope(weekly minutes, week) over the last 12 weeks,
-- weeks without use counted as 0, shown as % of the account's mean weekly
-- minutes per week (-5 = losing 5% of its usual use every week).
\echo '--- Recipe: weekly usage slope over the last 12 weeks (plain SQL, regr_slope)'
WITH weekly AS (
    SELECT v.account_id,
           12 - (usage.as_of() - d.date) / 7 AS week,
           sum(d.sum_minutes) AS minutes
    FROM usage.visitor_daily_metrics d
    JOIN usage.visitors v USING (visitor_id)
    WHERE d.date > usage.as_of() - 84
    GROUP BY 1, 2
), grid AS (
    SELECT a.account_id, w.week, coalesce(x.minutes, 0) AS minutes
    FROM usage.accounts a
    CROSS JOIN generate_series(1, 12) AS w(week)
    LEFT JOIN weekly x ON x.account_id = a.account_id AND x.week = w.week
), slope AS (
    SELECT account_id,
           100 * regr_slope(minutes, week) / nullif(avg(minutes), 0) AS pct_per_week
    FROM grid
    GROUP BY account_id
)
SELECT s.segment,
       count(p.pct_per_week) AS "accounts used",
       round(avg(p.pct_per_week)::numeric, 1) AS "mean slope %/week",
       count(*) FILTER (WHERE p.pct_per_week < -5) AS "falling > 5%/week",
       count(*) FILTER (WHERE p.pct_per_week > 5) AS "growing > 5%/week"
FROM usage.account_segments s
LEFT JOIN slope p USING (account_id)
GROUP BY s.segment
ORDER BY array_position(ARRAY['high_value', 'mid_value', 'low_value', 'churn_risk'], s.segment);

\echo '--- Production pattern: pg_cron refreshes the segments concurrently every night'
REFRESH MATERIALIZED VIEW CONCURRENTLY usage.account_segments;
SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = 'custvalue-segments-refresh' \g /dev/null
SELECT cron.schedule('custvalue-segments-refresh', '30 2 * * *',
                     $$REFRESH MATERIALIZED VIEW CONCURRENTLY usage.account_segments$$) \g /dev/null
SELECT jobid, jobname, schedule, command, database, username, active
FROM cron.job
WHERE jobname LIKE 'custvalue-%'
ORDER BY jobname;
