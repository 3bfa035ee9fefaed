-- Generated product-usage data for the RFM+N demo (seed report 001).
--
-- Tables in schema usage, in the shapes product-analytics pipelines produce
-- (modelled on pendo__account, pendo__visitor, pendo__visitor_daily_metrics,
-- pendo__feature and pendo__visitor_feature), over the nine months (270
-- days) ending on usage.as_of():
--   usage.accounts               account_id, name, first_visit, count_visitors,
--                                count_nps_responses, min/max/avg_nps_rating
--   usage.visitors               visitor_id, account_id, first_visit
--   usage.nps_responses          account_id, visitor_id, nps_rating (0-10), responded_on
--   usage.visitor_daily_metrics  visitor_id, date, sum_minutes, count_events, count_pages
--   usage.features               feature_id, name
--   usage.visitor_features       visitor_id, feature_id, date, clicks
--
-- Usage:  psql -v accounts=1000 -f demo/usage_data.sql
--
-- Deterministic: every value derives from gen.uniform/gen.normal of the row's
-- key (see random.sql).  Each account has a hidden engagement level between
-- 0 and 1 that, together with independent parts, sets how many visitors it
-- has, how often and how long they use the product and how they rate it;
-- less engaged accounts are more likely to stop part-way through the period,
-- and some accounts join during it.  An account uses the product on the same
-- number of days in every 30-day block rather than on coin flips, so its use
-- is even from month to month and the 30-day trend labels pick out the
-- accounts whose use really changed (3% are given a drop or a rise in the
-- last 30 days).

\set ON_ERROR_STOP on
SET client_min_messages = warning;
\if :{?accounts}
\else
  \set accounts 1000
\endif

\ir random.sql

DROP SCHEMA IF EXISTS usage CASCADE;
CREATE SCHEMA usage;
COMMENT ON SCHEMA usage IS 'generated product-usage data for the custvalue RFM+N demo';

-- The last day of the generated period; analyses measure recency from here.
CREATE FUNCTION usage.as_of() RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT date '2026-06-30' $$;
COMMENT ON FUNCTION usage.as_of() IS 'the last day of the generated usage data';

-- Per account: its engagement g, which drives how often it uses the
-- product (frequency), how many visitors use it for how long (intensity),
-- whether it stops part-way and how it rates the product; each of these also
-- has its own independent part, as in real data.  Day 0 is the first of
-- the 270 days; last30_change is a change of use in the last 30 days (1
-- for most accounts).
CREATE TEMP TABLE account_draw AS
WITH base AS (
    SELECT a AS account_id,
           gen.uniform(a, 1) AS g,
           -- most accounts were customers before the period; some joined during it
           CASE WHEN gen.uniform(a, 2) < 0.65 THEN 0
                ELSE floor(250 * gen.uniform(a, 3))::int END AS first_day
    FROM generate_series(1::bigint, :accounts) AS a
), latent AS (
    SELECT *,
           0.20 * g + 0.80 * gen.uniform(account_id, 9) AS frequency,
           0.30 * g + 0.70 * gen.uniform(account_id, 10) AS intensity
    FROM base
), drawn AS (
    SELECT account_id, g, first_day,
           -- less engaged accounts are more likely to stop part-way
           CASE WHEN gen.uniform(account_id, 4) < 0.35 * (1 - 0.5 * g)
                THEN first_day + floor((269 - first_day) * power(gen.uniform(account_id, 5), 0.5))::int
                ELSE 269 END AS last_day,
           0.15 + 0.45 * frequency AS p_day,
           1 + floor((1 + 14 * intensity) * gen.uniform(account_id, 6))::int AS visitors,
           0.45 + 0.45 * intensity AS p_visitor,
           least(480, 25 * exp(1.2 * gen.normal(account_id, 11))) AS minutes,
           CASE WHEN gen.uniform(account_id, 7) < 0.02 THEN 0.5
                WHEN gen.uniform(account_id, 7) < 0.03 THEN 1.6
                ELSE 1.0 END AS last30_change,
           -- day pattern (see visitor_daily_metrics)
           (ARRAY[7, 11, 13, 17, 19, 23])[1 + floor(6 * gen.uniform(account_id, 12))::int] AS stride,
           floor(30 * gen.uniform(account_id, 13))::int AS shift,
           gen.uniform(account_id, 14) AS level_offset
    FROM latent
)
SELECT *, greatest(1, round(visitors * p_visitor))::int AS active_visitors
FROM drawn;
ANALYZE account_draw;

CREATE TABLE usage.visitors AS
SELECT d.account_id * 100 + j AS visitor_id,
       d.account_id::bigint AS account_id,
       usage.as_of() - 269 + d.first_day AS first_visit
FROM account_draw d
CROSS JOIN LATERAL generate_series(1, d.visitors) AS j;
ALTER TABLE usage.visitors ADD PRIMARY KEY (visitor_id);
COMMENT ON TABLE usage.visitors IS 'generated visitors mapped to accounts (shape of pendo__visitor)';

-- Visitor-days.  The 270 days fall into nine blocks of 30 (the last block
-- is the last 30 days).  Within a block, day offset o maps to the rank
-- mod(o * stride + shift + 7 * block, 30), a permutation of 0..29 that
-- differs from block to block, and the account uses the product on the days
-- whose rank lies below its level: the same number of days in every full
-- block, at scattered dates.  On such a day a fixed number of its visitors
-- are active, in rotation.  So use is even from month to month and trends
-- come only from real changes (starting, stopping, last30_change); minutes
-- per visitor-day vary by +-10%.  An account's first day is always a day of
-- use.  No sort and no window function: it scales linearly.
CREATE TABLE usage.visitor_daily_metrics AS
WITH used AS (
    SELECT d.*, t, usage.as_of() - 269 + t AS day
    FROM account_draw d
    CROSS JOIN LATERAL generate_series(d.first_day, d.last_day) AS t
    WHERE t = d.first_day
       OR mod(mod(t, 30) * d.stride + d.shift + 7 * (t / 30), 30) + d.level_offset < 30 * d.p_day
)
SELECT u.account_id * 100 + j AS visitor_id,
       u.day AS date,
       round(u.minutes * CASE WHEN u.t >= 240 THEN u.last30_change ELSE 1 END
             * (0.9 + 0.2 * gen.uniform((u.account_id * 100 + j) * 1000 + u.t, 21)))::int AS sum_minutes,
       (5 + floor(60 * gen.uniform((u.account_id * 100 + j) * 1000 + u.t, 22)))::int AS count_events,
       (1 + floor(15 * gen.uniform((u.account_id * 100 + j) * 1000 + u.t, 23)))::int AS count_pages
FROM used u
CROSS JOIN LATERAL generate_series(1, u.visitors) AS j
WHERE mod(j + u.t, u.visitors) < u.active_visitors;
ALTER TABLE usage.visitor_daily_metrics ADD PRIMARY KEY (visitor_id, date);
COMMENT ON TABLE usage.visitor_daily_metrics IS 'generated minutes, events and pages per visitor and day (shape of pendo__visitor_daily_metrics)';

CREATE TABLE usage.features AS
SELECT f AS feature_id, name
FROM unnest(ARRAY['Dashboard', 'Reports', 'Report Builder', 'CSV Export', 'Scheduled Emails',
                  'Alerts', 'Team Sharing', 'API Keys', 'Integrations', 'Custom Fields',
                  'Search', 'Bulk Edit', 'Audit Log', 'SSO Settings', 'Mobile App',
                  'Templates', 'Comments', 'Forecasts', 'Segments', 'Admin Console'])
     WITH ORDINALITY AS t(name, f);
ALTER TABLE usage.features ADD PRIMARY KEY (feature_id);
COMMENT ON TABLE usage.features IS 'generated product features (shape of pendo__feature)';

-- Feature clicks: zero to two distinct features per visitor-day, popular
-- ones more often (the square of a uniform favours low feature ids).
CREATE TABLE usage.visitor_features AS
SELECT m.visitor_id,
       1 + mod(floor(20 * power(gen.uniform(k, 31), 2))::int
               + (i - 1) * (1 + floor(19 * gen.uniform(k, 32))::int), 20) AS feature_id,
       m.date,
       1 + floor(12 * gen.uniform(k, 32 + i))::int AS clicks
FROM usage.visitor_daily_metrics m
CROSS JOIN LATERAL (SELECT m.visitor_id * 1000 + (m.date - usage.as_of() + 269) AS k) AS key
CROSS JOIN LATERAL generate_series(1, floor(3 * gen.uniform(k, 30))::int) AS i;
ALTER TABLE usage.visitor_features ADD PRIMARY KEY (visitor_id, feature_id, date);
COMMENT ON TABLE usage.visitor_features IS 'generated feature clicks per visitor and day (shape of pendo__visitor_feature)';

-- NPS survey answers: up to three per account from its visitors; a fifth of
-- the accounts never answered.  Ratings rise with engagement.
CREATE TABLE usage.nps_responses AS
SELECT v.account_id, v.visitor_id,
       least(10, greatest(0, round(3.4 + 3.2 * (0.4 * d.g + 0.6 * gen.uniform(d.account_id, 44)) + 2.2 * gen.normal(v.visitor_id, 41))))::int AS nps_rating,
       usage.as_of() - floor((270 - d.first_day) * gen.uniform(v.visitor_id, 42))::int AS responded_on
FROM account_draw d
JOIN usage.visitors v USING (account_id)
WHERE gen.uniform(d.account_id, 40) >= 0.1
  AND v.visitor_id - d.account_id * 100 <= 1 + floor(3 * gen.uniform(d.account_id, 43));
ALTER TABLE usage.nps_responses ADD PRIMARY KEY (visitor_id);
COMMENT ON TABLE usage.nps_responses IS 'generated NPS survey ratings 0-10, one per answering visitor';

CREATE TABLE usage.accounts AS
SELECT d.account_id::bigint AS account_id,
       (ARRAY['Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Hooli', 'Vandelay',
              'Soylent', 'Tyrell', 'Cyberdyne', 'Wonka', 'Gringotts', 'Oscorp', 'Aperture', 'Monarch'])
           [1 + floor(16 * gen.uniform(d.account_id, 51))::int] || ' ' ||
       (ARRAY['Analytics', 'Logistics', 'Retail', 'Health', 'Media', 'Energy', 'Finance', 'Foods'])
           [1 + floor(8 * gen.uniform(d.account_id, 52))::int] || ' ' || d.account_id AS name,
       usage.as_of() - 269 + d.first_day AS first_visit,
       d.visitors AS count_visitors,
       count(r.nps_rating)::int AS count_nps_responses,
       min(r.nps_rating) AS min_nps_rating,
       max(r.nps_rating) AS max_nps_rating,
       round(avg(r.nps_rating), 2) AS avg_nps_rating
FROM account_draw d
LEFT JOIN usage.nps_responses r USING (account_id)
GROUP BY d.account_id, d.first_day, d.visitors;
ALTER TABLE usage.accounts ADD PRIMARY KEY (account_id);
COMMENT ON TABLE usage.accounts IS 'generated accounts with their NPS rating summary (shape of pendo__account)';

ALTER TABLE usage.visitors ADD FOREIGN KEY (account_id) REFERENCES usage.accounts;
CREATE INDEX ON usage.visitors (account_id);
CREATE INDEX ON usage.visitor_daily_metrics (date);
ANALYZE usage.accounts, usage.visitors, usage.nps_responses, usage.visitor_daily_metrics,
        usage.features, usage.visitor_features;
DROP TABLE account_draw;

SELECT (SELECT count(*) FROM usage.accounts) AS accounts,
       (SELECT count(*) FROM usage.visitors) AS visitors,
       (SELECT count(*) FROM usage.visitor_daily_metrics) AS days,
       (SELECT count(*) FROM usage.visitor_features) AS clicks,
       (SELECT count(*) FROM usage.nps_responses) AS nps \gset usage_
\echo 'usage: loaded' :usage_accounts 'accounts,' :usage_visitors 'visitors,' :usage_days 'visitor-days,' :usage_clicks 'feature-days,' :usage_nps 'NPS responses'
