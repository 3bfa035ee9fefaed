-- Generated purchases of the product-usage accounts for the CLV demo
-- (seeds 001 and 003: the value of each customer over the next months).
--
--   shop.purchases   purchase_id, account_id, purchased_at (timestamptz), amount
--
-- Usage:  psql -f demo/clv_data.sql   (after usage_data.sql)
--
-- Each account buys as the BG/NBD model describes: from its first visit it
-- makes repeat purchases at its own Poisson rate, and after each one it may
-- drop out for good.  Accounts that use the product on more days buy more
-- often; accounts idle for longer drop out sooner, so the purchase forecast
-- and the usage segments tell a consistent story.  Each purchase's amount
-- scatters around the account's own mean spend.  Deterministic: every draw
-- is gen.uniform/gen.normal of the purchase's key.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
\ir random.sql

DROP SCHEMA IF EXISTS shop CASCADE;
CREATE SCHEMA shop;
COMMENT ON SCHEMA shop IS 'generated purchases for the custvalue CLV demo';

-- The calibration ends 91 days (13 weeks) before the last day of data; the
-- purchases after it are the holdout that checks the forecast.
CREATE FUNCTION shop.calibration_end() RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT usage.as_of() - 91 $$;
COMMENT ON FUNCTION shop.calibration_end() IS 'last day of the CLV calibration period; the 91 days after it are the holdout';

CREATE TEMP TABLE buyer AS
SELECT a.account_id, a.first_visit,
       -- purchases per day while active
       0.004 + 0.05 * (r.active_days / max(r.active_days) OVER ()) * exp(0.4 * gen.normal(a.account_id, 61)) AS rate,
       -- chance of dropping out after each repeat purchase
       least(0.9, 0.03 + 0.5 * (r.recency_days / max(r.recency_days) OVER ()) * gen.uniform(a.account_id, 62)) AS dropout,
       -- the account's mean spend per purchase
       round(exp(4.0 + 0.5 * gen.normal(a.account_id, 63))::numeric, 2) AS mean_spend
FROM usage.accounts a
JOIN usage.account_rfmn r USING (account_id);

-- The first purchase on the first visit, then up to 200 repeat purchases at
-- exponential gaps, kept while they fall before the end of the data and
-- before the account drops out.
CREATE TABLE shop.purchases AS
WITH gaps AS (
    SELECT b.*, k, b.account_id * 1000 + k AS key,
           sum(CASE WHEN k = 0 THEN 0 ELSE -ln(1 - gen.uniform(b.account_id * 1000 + k, 64)) / b.rate END)
               OVER (PARTITION BY b.account_id ORDER BY k) AS day,
           -- the repeat purchase after which the account drops out (geometric)
           1 + floor(ln(1 - gen.uniform(b.account_id, 65)) / ln(1 - b.dropout)) AS last_k
    FROM buyer b
    CROSS JOIN generate_series(0, 200) AS k
)
SELECT key AS purchase_id, account_id,
       (first_visit + make_interval(secs => (day * 86400)::int) + interval '9 hours') AT TIME ZONE 'UTC' AS purchased_at,
       round((mean_spend * exp(0.3 * gen.normal(key, 66)))::numeric, 2)::float8 AS amount
FROM gaps
WHERE k <= last_k AND first_visit + day::int <= usage.as_of();
ALTER TABLE shop.purchases ADD PRIMARY KEY (purchase_id);
CREATE INDEX ON shop.purchases (account_id);
COMMENT ON TABLE shop.purchases IS 'generated purchases: account, time, amount';
ANALYZE shop.purchases;
DROP TABLE buyer;

SELECT count(*) AS purchases, count(DISTINCT account_id) AS buyers,
       count(*) FILTER (WHERE purchased_at::date > shop.calibration_end()) AS holdout
FROM shop.purchases \gset shop_
\echo 'shop: loaded' :shop_purchases 'purchases by' :shop_buyers 'accounts,' :shop_holdout 'of them in the 91-day holdout'
