-- Generated customers for the decision-tree demo (seed report 002), one row
-- per customer with the transaction summaries the seed's tree used.
--
--   drivers.customers  customer_id, profitability_segment (Premium, High
--                      Value, Standard, Low Value), retention_probability
--                      (a model's prediction, 0..1), total_revenue,
--                      transaction_count, net_profit, q4_transactions,
--                      transaction_value_volatility (coefficient of
--                      variation of the amounts), avg_transactions_per_month
--                      (over 24 months)
--
-- Usage:  psql -v customers=2000 -f demo/drivers_data.sql
--
-- Deterministic: every value derives from gen.uniform/gen.normal of the
-- customer's id (see random.sql).  Most customers (88%) behave as their
-- static profitability segment says.  The segment was assigned once and not
-- revisited, and three hidden behaviours do not fit it:
--   - low-value potential (4%): few small transactions, high retention,
--     filed under any segment but Premium;
--   - high-value at risk (3%): many large transactions, low retention;
--   - mid-value swingers (5%): mid revenue, very volatile amounts, most of
--     them in the fourth quarter; retention far from the segment's, above
--     or below (below for Premium, whose retention has no room above).
-- Their predicted retention lies far from their segment's mean: the
-- "misclassified" customers the demo's tree separates from the others.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
\if :{?customers}
\else
  \set customers 2000
\endif

\ir random.sql

DROP SCHEMA IF EXISTS drivers CASCADE;
CREATE SCHEMA drivers;
COMMENT ON SCHEMA drivers IS 'generated customers for the custvalue decision-tree demo';

CREATE TABLE drivers.customers AS
WITH truth AS (
    SELECT i AS customer_id,
           CASE WHEN gen.uniform(i, 1) < 0.88 THEN 'regular' WHEN gen.uniform(i, 1) < 0.92 THEN 'potential'
                WHEN gen.uniform(i, 1) < 0.95 THEN 'at_risk' ELSE 'swinger' END AS behaviour,
           gen.uniform(i, 2) AS level
    FROM generate_series(1, :customers) AS i
), shape AS (
    -- transactions in two years, mean amount, volatility, fourth-quarter share
    SELECT t.*,
           CASE behaviour WHEN 'regular' THEN 6 + floor(30 * level + 6 * gen.uniform(customer_id, 7))
                          WHEN 'potential' THEN 3 + floor(5 * gen.uniform(customer_id, 7))
                          WHEN 'at_risk' THEN 40 + floor(30 * gen.uniform(customer_id, 7))
                          ELSE 15 + floor(12 * gen.uniform(customer_id, 7)) END AS n_tx,
           CASE behaviour WHEN 'regular' THEN 40 + 260 * level
                          WHEN 'potential' THEN 25 + 20 * gen.uniform(customer_id, 8)
                          WHEN 'at_risk' THEN 350 + 250 * gen.uniform(customer_id, 8)
                          ELSE 150 + 80 * gen.uniform(customer_id, 8) END AS scale,
           CASE behaviour WHEN 'swinger' THEN 1.0 + 0.2 * gen.uniform(customer_id, 9)
                          ELSE 0.25 + 0.1 * gen.uniform(customer_id, 9) END AS volatility,
           CASE behaviour WHEN 'swinger' THEN 0.65 ELSE 0.25 END AS q4_share,
           CASE WHEN behaviour = 'regular' THEN
                    CASE WHEN level >= 0.9 THEN 'Premium' WHEN level >= 0.7 THEN 'High Value'
                         WHEN level >= 0.3 THEN 'Standard' ELSE 'Low Value' END
                WHEN behaviour = 'potential' THEN
                    (ARRAY['High Value', 'High Value', 'Standard', 'Low Value'])[1 + floor(4 * gen.uniform(customer_id, 3))::int]
                ELSE (ARRAY['Premium', 'High Value', 'Standard', 'Low Value'])[1 + floor(4 * gen.uniform(customer_id, 3))::int]
           END AS segment
    FROM truth t
)
SELECT customer_id,
       segment AS profitability_segment,
       round(greatest(0.02, least(0.98,
             CASE segment WHEN 'Premium' THEN 0.85 WHEN 'High Value' THEN 0.78
                          WHEN 'Standard' THEN 0.66 ELSE 0.52 END
             + CASE behaviour
                 WHEN 'regular' THEN 0.05 * gen.normal(customer_id, 4)
                 WHEN 'potential' THEN 0.22 + 0.04 * gen.normal(customer_id, 4)
                 WHEN 'at_risk' THEN -0.30 + 0.04 * gen.normal(customer_id, 4)
                 ELSE (CASE WHEN segment = 'Premium' OR gen.uniform(customer_id, 5) < 0.5 THEN -0.22 ELSE 0.2 END)
                      + 0.04 * gen.normal(customer_id, 4) END))::numeric, 3)::float8 AS retention_probability,
       round((n_tx * scale * exp(0.1 * gen.normal(customer_id, 10)))::numeric, 2)::float8 AS total_revenue,
       n_tx::float8 AS transaction_count,
       round((n_tx * scale * exp(0.1 * gen.normal(customer_id, 10))
              * (0.2 + 0.25 * gen.uniform(customer_id, 11)))::numeric, 2)::float8 AS net_profit,
       least(n_tx, round(n_tx * q4_share + sqrt(n_tx * q4_share * (1 - q4_share)) * gen.normal(customer_id, 12)))::float8
           AS q4_transactions,
       round(volatility::numeric, 3)::float8 AS transaction_value_volatility,
       round((n_tx / 24.0)::numeric, 2)::float8 AS avg_transactions_per_month
FROM shape;
ALTER TABLE drivers.customers ADD PRIMARY KEY (customer_id);
UPDATE drivers.customers SET q4_transactions = 0 WHERE q4_transactions < 0;
COMMENT ON TABLE drivers.customers IS 'customers with their static profitability segment, predicted retention and transaction summaries';
ANALYZE drivers.customers;
