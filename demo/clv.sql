-- Customer lifetime value on the generated purchases (seeds 001 and 003).
--
-- custvalue.clv_summary turns each account's purchases up to the calibration
-- end into frequency (repeat purchase days), recency and t (days) and
-- monetary (mean repeat purchase); bgnbd_fit learns the purchase and dropout
-- process, gammagamma_fit the spend per purchase.  Then: the expected
-- purchases in the next 3 and 6 months, P(alive), the 6-month CLV of the top
-- accounts, RFM segment x P(alive), and the holdout check every BTYD user is
-- told to run: expected against actual purchases in the 91 days after the
-- calibration end, by calibration frequency.
--
-- Usage:  psql -X -f demo/clv.sql   (after clv_data.sql and rfm.sql)

\set ON_ERROR_STOP on
\pset pager off
\pset footer off
\pset null '-'
SET client_min_messages = warning;
SET TimeZone = 'UTC';

DROP TABLE IF EXISTS shop.models;
DROP VIEW IF EXISTS shop.customers;

-- One row per account that had bought by the calibration end.
CREATE VIEW shop.customers AS
SELECT account_id, (s).frequency, (s).recency, (s).t, (s).monetary
FROM (SELECT account_id,
             custvalue.clv_summary(purchased_at, amount, shop.calibration_end() + time '23:59:59') AS s
      FROM shop.purchases
      GROUP BY account_id) q
WHERE s IS NOT NULL;
COMMENT ON VIEW shop.customers IS 'clv_summary per account: frequency, recency and t in days, monetary';

-- The models, fitted once and stored with their date.
CREATE TABLE shop.models AS
SELECT shop.calibration_end() AS calibration_end,
       custvalue.bgnbd_fit(frequency, recency, t) AS bg,
       custvalue.gammagamma_fit(frequency, monetary) AS gg
FROM shop.customers;

\echo '--- BG/NBD purchase model (custvalue.bgnbd_params) and Gamma-Gamma spend model'
SELECT round(p.r::numeric, 4) AS r, round(p.alpha::numeric, 3) AS alpha, round(p.a::numeric, 4) AS a,
       round(p.b::numeric, 4) AS b, round(p.log_likelihood::numeric, 1) AS log_likelihood,
       m.bg::jsonb -> 'customers' AS customers, m.bg::jsonb -> 'converged' AS converged
FROM shop.models m, custvalue.bgnbd_params(m.bg) p;
SELECT round((gg::jsonb ->> 'p')::numeric, 3) AS p, round((gg::jsonb ->> 'q')::numeric, 3) AS q,
       round((gg::jsonb ->> 'gamma')::numeric, 2) AS gamma,
       gg::jsonb -> 'customers' AS repeat_buyers, gg::jsonb -> 'skipped' AS skipped
FROM shop.models;

\echo '--- Top 10 accounts by 6-month CLV (monthly discount 1%): expected purchases, P(alive), spend'
SELECT c.account_id, c.frequency::int AS freq, c.recency::int AS recency, c.t::int AS t,
       round(c.monetary::numeric, 2) AS monetary,
       round(custvalue.bgnbd_expected_purchases(m.bg, 91, c.frequency, c.recency, c.t)::numeric, 2) AS "next 3 months",
       round(custvalue.bgnbd_expected_purchases(m.bg, 182, c.frequency, c.recency, c.t)::numeric, 2) AS "next 6 months",
       round(custvalue.bgnbd_p_alive(m.bg, c.frequency, c.recency, c.t)::numeric, 3) AS p_alive,
       round(custvalue.gammagamma_expected_spend(m.gg, c.frequency, c.monetary)::numeric, 2) AS spend,
       round(custvalue.clv(m.bg, m.gg, c.frequency, c.recency, c.t, c.monetary, 6, 0.01)::numeric, 2) AS clv_6m
FROM shop.customers c, shop.models m
ORDER BY clv_6m DESC, c.account_id
LIMIT 10;

\echo '--- RFM+N usage segment x P(alive): the value segments and the purchase model agree'
SELECT s.segment,
       count(*) AS customers,
       count(*) FILTER (WHERE pa >= 0.7) AS "P(alive) >= 0.7",
       count(*) FILTER (WHERE pa >= 0.3 AND pa < 0.7) AS "0.3-0.7",
       count(*) FILTER (WHERE pa < 0.3) AS "< 0.3",
       round(avg(pa)::numeric, 3) AS "mean P(alive)",
       round(sum(v)::numeric) AS "6-month CLV"
FROM (SELECT c.account_id,
             custvalue.bgnbd_p_alive(m.bg, c.frequency, c.recency, c.t) AS pa,
             custvalue.clv(m.bg, m.gg, c.frequency, c.recency, c.t, c.monetary, 6, 0.01) AS v
      FROM shop.customers c, shop.models m) x
JOIN usage.account_segments s USING (account_id)
GROUP BY s.segment
ORDER BY array_position(ARRAY['high_value', 'mid_value', 'low_value', 'churn_risk'], s.segment);

\echo '--- Holdout check: purchase days in the 91 days after the calibration end, actual vs expected'
WITH holdout AS (
    SELECT account_id, count(DISTINCT purchased_at::date) AS purchases
    FROM shop.purchases
    WHERE purchased_at::date > shop.calibration_end()
    GROUP BY account_id
)
SELECT coalesce(label, 'all') AS calibration_frequency,
       count(*) AS customers,
       round(avg(actual)::numeric, 3) AS actual,
       round(avg(expected)::numeric, 3) AS expected
FROM (SELECT CASE WHEN c.frequency >= 7 THEN '7+' ELSE c.frequency::int::text END AS label,
             coalesce(h.purchases, 0) AS actual,
             custvalue.bgnbd_expected_purchases(m.bg, 91, c.frequency, c.recency, c.t) AS expected
      FROM shop.customers c
      CROSS JOIN shop.models m
      LEFT JOIN holdout h USING (account_id)) x
GROUP BY ROLLUP (label)
ORDER BY label IS NULL, label;
