-- Generated customers and transactions for the segment-fit demo (seed report 002).
--
-- Tables in schema seg, shaped like the seed report's data, over the two
-- years 2024-01-01 .. 2025-12-31:
--   seg.customers     customer_id, profitability_segment (Premium, High Value,
--                     Standard, Low Value), retention_probability (a model's
--                     prediction, 0..1), composite_score (0..100)
--   seg.transactions  transaction_id, customer_id, transacted_on, amount, cost
--
-- Usage:  psql -v customers=1000 -f demo/segment_data.sql
--
-- Deterministic: every value derives from gen.uniform/gen.normal of the
-- row's key (see random.sql).  Most customers (80%) behave as their static
-- profitability segment says: revenue, frequency and retention follow the
-- segment.  The segment was assigned once and not revisited, and three
-- hidden behaviours do not fit it:
--   - low-value potential (6%): few small transactions, high retention, often
--     filed under a higher segment;
--   - high-value at risk (6%): many large transactions, low retention;
--   - mid-value swingers (8%): mid revenue, very volatile amounts, most of
--     them in the fourth quarter; retention far from the segment's either way.
-- Their predicted retention lies far from their segment's mean, which is
-- what the demo's misclassification check finds.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
\if :{?customers}
\else
  \set customers 1000
\endif

\ir random.sql

DROP SCHEMA IF EXISTS seg CASCADE;
CREATE SCHEMA seg;
COMMENT ON SCHEMA seg IS 'generated customers and transactions for the custvalue segment-fit demo';

CREATE FUNCTION seg.as_of() RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT date '2025-12-31' $$;
COMMENT ON FUNCTION seg.as_of() IS 'last day of the generated transactions';

-- Hidden behaviour and value level of each customer.
CREATE TABLE seg.customer_truth AS
SELECT i AS customer_id,
       CASE WHEN u < 0.80 THEN 'regular' WHEN u < 0.86 THEN 'potential'
            WHEN u < 0.92 THEN 'at_risk' ELSE 'swinger' END AS behaviour,
       gen.uniform(i, 2) AS level
FROM generate_series(1, :customers) AS i,
     LATERAL (SELECT gen.uniform(i, 1) AS u) x;
COMMENT ON TABLE seg.customer_truth IS 'the generator''s hidden behaviour of each customer (not used by the analyses)';

CREATE TABLE seg.customers (
    customer_id int PRIMARY KEY,
    profitability_segment text NOT NULL,
    retention_probability float8 NOT NULL,
    composite_score float8 NOT NULL
);
COMMENT ON TABLE seg.customers IS 'customers with their static profitability segment and predicted retention';
INSERT INTO seg.customers
SELECT customer_id, segment,
       round(greatest(0.02, least(0.98,
             base + CASE behaviour
                      WHEN 'regular' THEN 0.05 * gen.normal(customer_id, 4)
                      WHEN 'potential' THEN 0.22 + 0.04 * gen.normal(customer_id, 4)
                      WHEN 'at_risk' THEN -0.30 + 0.04 * gen.normal(customer_id, 4)
                      ELSE (CASE WHEN gen.uniform(customer_id, 5) < 0.5 THEN -0.22 ELSE 0.2 END)
                           + 0.04 * gen.normal(customer_id, 4) END))::numeric, 3)::float8,
       round(greatest(0, least(100, 100 * level + 15 * gen.normal(customer_id, 6)))::numeric, 1)::float8
FROM (
    SELECT t.*, s.segment,
           CASE s.segment WHEN 'Premium' THEN 0.85 WHEN 'High Value' THEN 0.78
                          WHEN 'Standard' THEN 0.66 ELSE 0.52 END AS base
    FROM seg.customer_truth t,
         LATERAL (SELECT CASE
             -- regular customers: the segment follows the value level
             WHEN t.behaviour = 'regular' THEN
                 CASE WHEN t.level >= 0.9 THEN 'Premium' WHEN t.level >= 0.7 THEN 'High Value'
                      WHEN t.level >= 0.3 THEN 'Standard' ELSE 'Low Value' END
             -- the others: filed under a segment that does not describe them
             WHEN t.behaviour = 'potential' THEN
                 (ARRAY['Premium', 'High Value', 'High Value', 'Standard'])[1 + floor(4 * gen.uniform(t.customer_id, 3))::int]
             ELSE
                 (ARRAY['Premium', 'High Value', 'Standard', 'Low Value'])[1 + floor(4 * gen.uniform(t.customer_id, 3))::int]
             END AS segment) s
) c;

-- Transactions: count, amount scale and volatility, and the share falling
-- in the fourth quarter follow the hidden behaviour.
CREATE TABLE seg.transactions (
    transaction_id bigint PRIMARY KEY,
    customer_id int NOT NULL REFERENCES seg.customers,
    transacted_on date NOT NULL,
    amount float8 NOT NULL,
    cost float8 NOT NULL
);
COMMENT ON TABLE seg.transactions IS 'dated transactions with amount and cost';
INSERT INTO seg.transactions
SELECT t.customer_id::bigint * 1000 + k AS transaction_id,
       t.customer_id,
       CASE WHEN gen.uniform(t.customer_id * 1000 + k, 12) < p.q4_share
            -- a day in October to December of either year
            THEN date '2024-10-01' + floor(92 * gen.uniform(t.customer_id * 1000 + k, 13))::int
                 + 365 * floor(2 * gen.uniform(t.customer_id * 1000 + k, 14))::int
            ELSE date '2024-01-01' + floor(731 * gen.uniform(t.customer_id * 1000 + k, 13))::int END,
       a.amount,
       round((a.amount * (0.55 + 0.25 * gen.uniform(t.customer_id * 1000 + k, 16)))::numeric, 2)::float8
FROM seg.customer_truth t,
     LATERAL (SELECT CASE t.behaviour
                       WHEN 'regular' THEN 6 + floor(30 * t.level + 6 * gen.uniform(t.customer_id, 7))
                       WHEN 'potential' THEN 3 + floor(5 * gen.uniform(t.customer_id, 7))
                       WHEN 'at_risk' THEN 40 + floor(30 * gen.uniform(t.customer_id, 7))
                       ELSE 15 + floor(12 * gen.uniform(t.customer_id, 7)) END AS n_tx,
                     CASE t.behaviour
                       WHEN 'regular' THEN 40 + 260 * t.level
                       WHEN 'potential' THEN 25 + 20 * gen.uniform(t.customer_id, 8)
                       WHEN 'at_risk' THEN 350 + 250 * gen.uniform(t.customer_id, 8)
                       ELSE 150 + 80 * gen.uniform(t.customer_id, 8) END AS scale,
                     CASE t.behaviour WHEN 'swinger' THEN 1.0 ELSE 0.3 END AS sigma,
                     CASE t.behaviour WHEN 'swinger' THEN 0.65 ELSE 0 END AS q4_share) p,
     generate_series(1, p.n_tx::int) AS k,
     LATERAL (SELECT round((p.scale * exp(p.sigma * gen.normal(t.customer_id * 1000 + k, 15)
                                          - p.sigma * p.sigma / 2))::numeric, 2)::float8 AS amount) a;
CREATE INDEX transactions_customer ON seg.transactions (customer_id);

ANALYZE seg.customers;
ANALYZE seg.transactions;
