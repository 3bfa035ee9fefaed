-- Generated telecom subscribers for the churn demo (seed report 004).
--
-- One table, telco.subscribers, with the columns of the usual telecom churn
-- data set: state (51), account length, area code, international plan,
-- voice-mail plan and messages, day / evening / night / international
-- minutes, calls and charges, customer-service calls, churned.
--
-- Usage:  psql -v subscribers=5000 -f demo/churn_data.sql
--
-- Deterministic: every value derives from gen.uniform/gen.normal of the
-- subscriber id (see random.sql).  Churn follows the effects the seed
-- report measured: an international plan roughly triples the risk, a
-- voice-mail plan halves it, risk jumps at the fourth customer-service call
-- and keeps rising after it, and it climbs with day minutes (steeply past
-- about 270 minutes, a day charge above 46); the state has no effect.
-- About 14% of subscribers churn.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
\if :{?subscribers}
\else
  \set subscribers 5000
\endif

\ir random.sql

DROP SCHEMA IF EXISTS telco CASCADE;
CREATE SCHEMA telco;
COMMENT ON SCHEMA telco IS 'generated telecom subscribers for the custvalue churn demo';

-- The 50 states and DC, with weights that make some much more common than
-- others (as in the public data set, where WV and MN lead).
CREATE TABLE telco.states AS
SELECT code, 2 + (ord * 37 % 51) / 10.0 + CASE WHEN code IN ('WV', 'MN') THEN 4 ELSE 0 END AS weight
  FROM unnest(ARRAY['AK','AL','AR','AZ','CA','CO','CT','DC','DE','FL','GA','HI','IA','ID','IL','IN','KS',
                    'KY','LA','MA','MD','ME','MI','MN','MO','MS','MT','NC','ND','NE','NH','NJ','NM','NV',
                    'NY','OH','OK','OR','PA','RI','SC','SD','TN','TX','UT','VA','VT','WA','WI','WV','WY'])
       WITH ORDINALITY AS s(code, ord);

CREATE TABLE telco.subscribers (
    subscriber_id int PRIMARY KEY,
    state text NOT NULL,
    account_length int NOT NULL,
    area_code int NOT NULL,
    international_plan text NOT NULL,
    voice_mail_plan text NOT NULL,
    number_vmail_messages int NOT NULL,
    total_day_minutes float8 NOT NULL,
    total_day_calls int NOT NULL,
    total_day_charge float8 NOT NULL,
    total_eve_minutes float8 NOT NULL,
    total_eve_calls int NOT NULL,
    total_eve_charge float8 NOT NULL,
    total_night_minutes float8 NOT NULL,
    total_night_calls int NOT NULL,
    total_night_charge float8 NOT NULL,
    total_intl_minutes float8 NOT NULL,
    total_intl_calls int NOT NULL,
    total_intl_charge float8 NOT NULL,
    number_customer_service_calls int NOT NULL,
    churned bool NOT NULL
);
COMMENT ON TABLE telco.subscribers IS 'one row per subscriber: plans, usage, service calls, churned';

WITH cum AS (
    SELECT code, sum(weight) OVER (ORDER BY code) / sum(weight) OVER () AS upto FROM telco.states
), base AS (
    SELECT i,
           (SELECT code FROM cum WHERE upto >= gen.uniform(i, 1) ORDER BY upto LIMIT 1) AS state,
           greatest(1, round(100 + 40 * gen.normal(i, 2)))::int AS account_length,
           (ARRAY[408, 415, 415, 510])[1 + floor(4 * gen.uniform(i, 3))::int] AS area_code,
           gen.uniform(i, 4) < 0.095 AS intl_plan,
           gen.uniform(i, 5) < 0.27 AS vm_plan,
           greatest(0, round((180 + 54 * gen.normal(i, 6))::numeric, 1)::float8) AS day_min,
           greatest(0, round(100 + 20 * gen.normal(i, 7)))::int AS day_calls,
           greatest(0, round((200 + 50 * gen.normal(i, 8))::numeric, 1)::float8) AS eve_min,
           greatest(0, round(100 + 20 * gen.normal(i, 9)))::int AS eve_calls,
           greatest(0, round((200 + 50 * gen.normal(i, 10))::numeric, 1)::float8) AS night_min,
           greatest(0, round(100 + 20 * gen.normal(i, 11)))::int AS night_calls,
           greatest(0, round((10 + 2.8 * gen.normal(i, 12))::numeric, 1)::float8) AS intl_min,
           -- a Poisson-like count of international calls (mean about 4.5)
           floor(-ln(1 - gen.uniform(i, 13)) * 4.5 + 0.5)::int AS intl_calls,
           -- customer-service calls: mostly 0 to 3, a tail to 9
           least(9, floor(-ln(1 - gen.uniform(i, 14)) * 1.55))::int AS service_calls,
           gen.uniform(i, 15) AS u_churn,
           round(29 + 8 * gen.normal(i, 16))::int AS vm_messages
      FROM generate_series(1, :subscribers) AS i
)
INSERT INTO telco.subscribers
SELECT i, state, account_length, area_code,
       CASE WHEN intl_plan THEN 'yes' ELSE 'no' END,
       CASE WHEN vm_plan THEN 'yes' ELSE 'no' END,
       CASE WHEN vm_plan THEN greatest(1, vm_messages) ELSE 0 END,
       day_min, day_calls, round((day_min * 0.17)::numeric, 2)::float8,
       eve_min, eve_calls, round((eve_min * 0.085)::numeric, 2)::float8,
       night_min, night_calls, round((night_min * 0.045)::numeric, 2)::float8,
       intl_min, intl_calls, round((intl_min * 0.27)::numeric, 2)::float8,
       service_calls,
       u_churn < 1 / (1 + exp(-(-2.5
                                 + 2.3 * intl_plan::int
                                 - 0.9 * vm_plan::int
                                 + 2.1 * (service_calls >= 4)::int + 0.45 * greatest(service_calls - 4, 0)
                                 + 0.011 * (day_min - 180) + 2.0 * (day_min > 270)::int
                                 + 0.004 * (eve_min - 200)
                                 + 0.08 * (intl_min - 10) - 0.07 * (intl_calls - 4.5))))
  FROM base;
ANALYZE telco.subscribers;
SELECT count(*) AS telco_subscribers FROM telco.subscribers \gset
\echo 'telco: loaded' :telco_subscribers 'subscribers'
