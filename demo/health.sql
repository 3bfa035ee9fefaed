-- Customer health scoring on the generated CRM data (seed report 000).
--
-- Four weighted dimensions, each first normalised to 0-100:
--   activity 40%          mean of recency (half-life 14 days since the last
--                         activity) and activities in the last 30 days (log
--                         ramp: 0 -> 0 points, 20 or more -> 100)
--   contact quality 30%   share of contacts with an e-mail address
--   business value 20%    mean of annual revenue (log ramp 100k -> 100M) and
--                         won deal amount (log ramp 1k -> 10M)
--   company size 10%      Small Business 40, Mid-Market 60, Large 80, Enterprise 100
-- combined by custvalue.health_score and tiered by custvalue.health_tier
-- (80+ high, 60-79 medium, below 60 low).
--
-- The scores live in a materialized view with a unique index, refreshed
-- CONCURRENTLY by pg_cron (the production pattern); every object in the view
-- is schema-qualified, so it refreshes the same under any search_path.
--
-- Usage:  psql -X -f demo/health.sql   (after crm_data.sql)

\set ON_ERROR_STOP on
\pset pager off
\pset footer off
\pset null '-'
SET client_min_messages = warning;

DROP MATERIALIZED VIEW IF EXISTS crm.company_health;
CREATE MATERIALIZED VIEW crm.company_health AS
WITH activity AS (
    SELECT company_id,
           round(extract(epoch FROM crm.as_of() - max(occurred_at)) / 86400, 2) AS days_since_activity,
           count(*) FILTER (WHERE occurred_at >= crm.as_of() - interval '30 days') AS activities_30d
    FROM crm.activities
    GROUP BY company_id
), contact AS (
    SELECT company_id, count(*) AS contacts, count(email) AS contacts_with_email
    FROM crm.contacts
    GROUP BY company_id
), won AS (
    SELECT company_id, sum(amount) AS won_amount
    FROM crm.deals
    WHERE stage = 'closedwon'
    GROUP BY company_id
), measures AS (
    SELECT c.company_id, c.industry, c.size_band, c.annual_revenue,
           array_position(ARRAY['Small Business', 'Mid-Market', 'Large', 'Enterprise'],
                          c.size_band) AS size_rank,
           a.days_since_activity::float8 AS days_since_activity,
           coalesce(a.activities_30d, 0)::float8 AS activities_30d,
           k.contacts, k.contacts_with_email,
           k.contacts_with_email::float8 / nullif(k.contacts, 0) AS email_share,
           coalesce(w.won_amount, 0) AS won_amount
    FROM crm.companies c
    LEFT JOIN activity a USING (company_id)
    LEFT JOIN contact k USING (company_id)
    LEFT JOIN won w USING (company_id)
), dimensions AS (
    SELECT m.*,
           (custvalue.score_recency(days_since_activity, 14)
            + custvalue.score_log(activities_30d, 0, 20)) / 2 AS activity_score,
           custvalue.score_ratio(contacts_with_email, contacts) AS contact_score,
           (custvalue.score_log(annual_revenue::float8, 1e5, 1e8)
            + custvalue.score_log(won_amount::float8, 1e3, 1e7)) / 2 AS value_score,
           custvalue.score_bands(size_rank, ARRAY[2, 3, 4], ARRAY[40, 60, 80, 100]) AS size_score
    FROM measures m
), scored AS (
    SELECT d.*,
           custvalue.health_score(ARRAY[activity_score, contact_score, value_score, size_score],
                                  ARRAY[40, 30, 20, 10]) AS health
    FROM dimensions d
)
SELECT s.*, custvalue.health_tier(s.health) AS tier
FROM scored s;
CREATE UNIQUE INDEX company_health_company_id ON crm.company_health (company_id);
COMMENT ON MATERIALIZED VIEW crm.company_health IS 'health score per company, refreshed concurrently by pg_cron';

SELECT count(*) AS n FROM crm.company_health \gset
\echo
\echo '=== Customer health (seed 000):' :n 'companies, activity 40% + contact quality 30% + business value 20% + size 10%'
\echo
\echo '--- Score distribution'
SELECT count(*) AS customers,
       round(min(health)::numeric, 1) AS min,
       round(percentile_cont(0.10) WITHIN GROUP (ORDER BY health)::numeric, 1) AS p10,
       round(percentile_cont(0.25) WITHIN GROUP (ORDER BY health)::numeric, 1) AS p25,
       round(percentile_cont(0.50) WITHIN GROUP (ORDER BY health)::numeric, 1) AS median,
       round(avg(health)::numeric, 1) AS mean,
       round(percentile_cont(0.75) WITHIN GROUP (ORDER BY health)::numeric, 1) AS p75,
       round(percentile_cont(0.90) WITHIN GROUP (ORDER BY health)::numeric, 1) AS p90,
       round(max(health)::numeric, 1) AS max
FROM crm.company_health;

SELECT lpad((10 * b)::text, 3) || '-' || CASE WHEN b = 9 THEN '100' ELSE lpad((10 * b + 9)::text, 3) END AS points,
       count(h.company_id) AS customers,
       round(100.0 * count(h.company_id) / :n, 1) AS "share %",
       repeat('#', round(100.0 * count(h.company_id) / :n)::int) AS histogram
FROM generate_series((SELECT least(floor(min(health) / 10), 9)::int FROM crm.company_health), 9) AS b
LEFT JOIN crm.company_health h ON least(floor(h.health / 10), 9) = b
GROUP BY b
ORDER BY b;

\echo '--- Health tiers (high 80+, medium 60-79, low below 60)'
SELECT tier,
       count(*) AS customers,
       round(100.0 * count(*) / :n, 1) AS "share %",
       round(avg(health)::numeric, 1) AS mean_health,
       trunc(min(health)::numeric, 1) AS min,
       trunc(max(health)::numeric, 1) AS max
FROM crm.company_health
GROUP BY tier
ORDER BY min(health) DESC;

\echo '--- Mean health by industry x company size (risk matrix)'
SELECT coalesce(industry, 'All industries') AS industry,
       round(avg(health) FILTER (WHERE size_band = 'Small Business')::numeric, 1) AS "Small Business",
       round(avg(health) FILTER (WHERE size_band = 'Mid-Market')::numeric, 1) AS "Mid-Market",
       round(avg(health) FILTER (WHERE size_band = 'Large')::numeric, 1) AS "Large",
       round(avg(health) FILTER (WHERE size_band = 'Enterprise')::numeric, 1) AS "Enterprise",
       round(avg(health)::numeric, 1) AS "all sizes",
       count(*) AS customers,
       count(*) FILTER (WHERE tier = 'low') AS low_tier
FROM crm.company_health
GROUP BY ROLLUP (industry)
ORDER BY industry IS NULL, avg(health) DESC;

\echo '--- Revenue tiers: top 20% of customers by annual revenue, next 30%, bottom 50%'
WITH ranked AS (
    SELECT h.*,
           custvalue.tier((row_number() OVER (ORDER BY annual_revenue DESC, company_id) - 1)::float8 / :n,
                          ARRAY[0.2, 0.5], ARRAY['core (top 20%)', 'important (next 30%)', 'base (bottom 50%)'])
               AS revenue_tier
    FROM crm.company_health h
)
SELECT revenue_tier,
       count(*) AS customers,
       round(sum(annual_revenue) / 1e6, 1) AS "revenue (M)",
       round(100 * sum(annual_revenue) / sum(sum(annual_revenue)) OVER (), 1) AS "revenue share %",
       round(avg(health)::numeric, 1) AS mean_health,
       round(100.0 * count(*) FILTER (WHERE tier = 'high') / count(*), 1) AS "high tier %"
FROM ranked
GROUP BY revenue_tier
ORDER BY min(annual_revenue) DESC;

\echo '--- Fitted alternative: a scorecard learns each measure''s distribution (percentile points)'
DROP TABLE IF EXISTS crm.health_scorecards;
CREATE TABLE crm.health_scorecards (
    name text PRIMARY KEY,
    fitted_as_of timestamptz NOT NULL,
    card custvalue.scorecard NOT NULL
);
INSERT INTO crm.health_scorecards
SELECT 'crm-2026q2', crm.as_of(),
       custvalue.scorecard_fit(
           ARRAY[days_since_activity, activities_30d, email_share, annual_revenue]::float8[],
           '{"weights": [40, 30, 20, 10],
             "higher_is_better": [false, true, true, true],
             "names": ["recency", "activities", "email_share", "revenue"]}')
FROM crm.company_health;

WITH fitted AS (
    SELECT h.size_band, h.size_rank, h.health,
           custvalue.health_score(s.card,
               ARRAY[h.days_since_activity, h.activities_30d, h.email_share, h.annual_revenue]::float8[])
               AS fitted
    FROM crm.company_health h, crm.health_scorecards s
    WHERE s.name = 'crm-2026q2'
)
SELECT coalesce(size_band, 'All sizes') AS size_band,
       count(*) AS customers,
       round(avg(health)::numeric, 1) AS "fixed ramps: mean",
       round(avg(fitted)::numeric, 1) AS "fitted: mean",
       round(percentile_cont(0.1) WITHIN GROUP (ORDER BY fitted)::numeric, 1) AS "fitted: p10",
       round(percentile_cont(0.9) WITHIN GROUP (ORDER BY fitted)::numeric, 1) AS "fitted: p90",
       round(corr(health, fitted)::numeric, 3) AS correlation
FROM fitted
GROUP BY ROLLUP (size_band)
ORDER BY size_band IS NULL, min(size_rank);

\echo '--- Why one customer scores low: custvalue.health_explain for the Enterprise customer with the lowest fitted score'
SELECT h.company_id, c.name, h.industry,
       round(custvalue.health_score(s.card,
           ARRAY[h.days_since_activity, h.activities_30d, h.email_share, h.annual_revenue]::float8[])::numeric, 1)
           AS fitted, round(h.health::numeric, 1) AS fixed
FROM crm.company_health h
JOIN crm.companies c USING (company_id)
CROSS JOIN crm.health_scorecards s
WHERE s.name = 'crm-2026q2' AND h.size_band = 'Enterprise'
ORDER BY fitted, h.company_id
LIMIT 1 \gset explain_
\echo 'company' :explain_company_id '"':explain_name'",' :explain_industry': fitted score' :explain_fitted '(fixed ramps:' :explain_fixed')'
\pset format unaligned
\pset tuples_only on
SELECT jsonb_pretty(custvalue.health_explain(s.card,
           ARRAY[h.days_since_activity, h.activities_30d, h.email_share, h.annual_revenue]::float8[]))
FROM crm.company_health h, crm.health_scorecards s
WHERE s.name = 'crm-2026q2' AND h.company_id = :explain_company_id;
\pset format aligned
\pset tuples_only off
\echo

\echo '--- Production pattern: pg_cron refreshes the view concurrently every 15 minutes'
REFRESH MATERIALIZED VIEW CONCURRENTLY crm.company_health;
SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = 'custvalue-health-refresh' \g /dev/null
SELECT cron.schedule('custvalue-health-refresh', '*/15 * * * *',
                     $$REFRESH MATERIALIZED VIEW CONCURRENTLY crm.company_health$$) \g /dev/null
SELECT jobid, jobname, schedule, command, database, username, active
FROM cron.job
WHERE jobname = 'custvalue-health-refresh';
