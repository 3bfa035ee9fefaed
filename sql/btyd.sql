-- Customer lifetime value: clv_summary's conventions, bgnbd_fit,
-- gammagamma_fit, the scoring functions and clv, the model values (JSON,
-- binary, jsonb), the error rules, extreme inputs, and parallel and
-- partition-wise plans.
SET extra_float_digits = 0;
SET TimeZone = 'UTC';
-- every table of this test lives in its own schema, dropped at the end
CREATE SCHEMA clv_test;
SET search_path = clv_test, public;
-- errors are shown as SQLSTATE: message
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- Transactions checked by hand, calibration ending 2024-01-31:
--   c1: Jan 1 (10 + 5, the same day), Jan 5 (20), Jan 8 (30), Feb 1 (100, after
--       the end) -> frequency 2, recency 7 days, t 30 days, monetary 25
--   c2: one purchase on Jan 20 -> 0, 0, 11, 0
--   c3: only after the calibration end -> NULL (not yet a customer)
--   c4: Jan 31 23:00 (on the end day, kept) and a NULL time (skipped), a NULL
--       amount counted as 0 on Jan 10 -> 1, 21, 21, 7
CREATE TABLE tx (customer int, at timestamptz, amount float8);
INSERT INTO tx VALUES
  (1, '2024-01-01 10:00+00', 10), (1, '2024-01-01 15:00+00', 5), (1, '2024-01-05 12:00+00', 20),
  (1, '2024-01-08 09:00+00', 30), (1, '2024-02-01 09:00+00', 100),
  (2, '2024-01-20 08:00+00', 40),
  (3, '2024-02-03 08:00+00', 50),
  (4, '2024-01-10 08:00+00', NULL), (4, '2024-01-31 23:00+00', 14), (4, NULL, 99);
SELECT customer, (custvalue.clv_summary(at::date, amount, date '2024-01-31')).*
  FROM tx GROUP BY customer ORDER BY customer;
-- the timestamp and timestamptz variants agree in UTC
SELECT customer, (custvalue.clv_summary(at::timestamp, amount, timestamp '2024-01-31 23:59:59')).*
  FROM tx GROUP BY customer ORDER BY customer;
SELECT customer, (custvalue.clv_summary(at, amount, timestamptz '2024-01-31 23:59:59+00')).*
  FROM tx GROUP BY customer ORDER BY customer;
-- weeks as the time unit: recency 1, t 30/7
SELECT customer, (custvalue.clv_summary(at::date, amount, date '2024-01-31', '{"time_unit": "week"}')).*
  FROM tx WHERE customer = 1 GROUP BY customer;
-- weekly periods (Monday to Sunday): Jan 1 and Jan 5 merge (35), Jan 8 is the
-- next week -> frequency 1, recency 7 days, t 28 days (to Monday Jan 29), monetary 30
SELECT (custvalue.clv_summary(at::date, amount, date '2024-01-31', '{"period": "week"}')).*
  FROM tx WHERE customer = 1;
-- monthly periods: everything in January is one purchase
SELECT (custvalue.clv_summary(at::date, amount, date '2024-01-31', '{"period": "month"}')).*
  FROM tx WHERE customer = 1;
-- hourly periods in days: the two Jan 1 purchases stay apart
SELECT (custvalue.clv_summary(at, amount, timestamptz '2024-01-31 23:59:59+00', '{"period": "hour"}')).*
  FROM tx WHERE customer = 1;
-- a timestamptz is cut into days in the session's time zone: in New York the
-- 10:00 and 15:00 UTC purchases of Jan 1 are still one day, but a purchase at
-- 03:00 UTC on Jan 2 falls on Jan 1 there
SET TimeZone = 'America/New_York';
SELECT (custvalue.clv_summary(at, amount, timestamptz '2024-01-31 23:59:59-05')).*
  FROM (VALUES (timestamptz '2024-01-01 10:00+00', 1.0::float8), ('2024-01-02 03:00+00', 2)) v(at, amount);
SET TimeZone = 'UTC';
SELECT (custvalue.clv_summary(at, amount, timestamptz '2024-01-31 23:59:59+00')).*
  FROM (VALUES (timestamptz '2024-01-01 10:00+00', 1.0::float8), ('2024-01-02 03:00+00', 2)) v(at, amount);
-- a group without rows gives NULL
SELECT custvalue.clv_summary(d, 1, d) IS NULL AS empty_is_null FROM (SELECT current_date AS d WHERE false) s;

-- clv_summary errors
SELECT pg_temp.err($$SELECT custvalue.clv_summary(at, amount, now(), '{"periods": "day"}') FROM tx$$);
SELECT pg_temp.err($$SELECT custvalue.clv_summary(at, amount, now(), '{"period": "year"}') FROM tx$$);
SELECT pg_temp.err($$SELECT custvalue.clv_summary(at, amount, now(), '{"time_unit": "month"}') FROM tx$$);
SELECT pg_temp.err($$SELECT custvalue.clv_summary(at, amount, now(), '{"time_unit": 7}') FROM tx$$);
SELECT pg_temp.err($$SELECT custvalue.clv_summary(d, 1, CASE WHEN i = 1 THEN date '2024-01-31' ELSE date '2024-02-29' END)
  FROM (VALUES (date '2024-01-01', 1), ('2024-01-02', 2)) v(d, i)$$);
SELECT pg_temp.err($$SELECT custvalue.clv_summary(date 'infinity', 1, date '2024-01-31')$$);
SELECT pg_temp.err($$SELECT custvalue.clv_summary(date '2024-01-01', 1, date '-infinity')$$);
SELECT pg_temp.err($$SELECT custvalue.clv_summary(date '2024-01-01', 'NaN', date '2024-01-31')$$);

-- A simulated population with purchase and dropout processes (random()
-- after setseed is deterministic): purchase rates lognormal, dropout chance
-- after each purchase up to 0.5, ages 30..90 days, purchase days whole; each
-- purchase's value Gamma(4, nu) with nu ~ Gamma(3, 30) per customer, as the
-- Gamma-Gamma model assumes (p = 4, q = 3, gamma = 30).
CREATE FUNCTION pg_temp.sim(n int)
RETURNS TABLE (id int, frequency float8, recency float8, t float8, monetary float8)
LANGUAGE plpgsql AS $$
DECLARE lam float8; p float8; tt float8; x int; tx float8; age float8; nu float8; spend float8;
BEGIN
  PERFORM setseed(0.42);
  FOR i IN 1..n LOOP
    lam := exp(-3.5 + 1.2 * sqrt(-2 * ln(random())) * cos(2 * pi() * random()));
    p := 0.5 * random() ^ 2;
    age := 30 + i % 61; tt := 0; x := 0; tx := 0;
    LOOP
      tt := tt - ln(1 - random()) / lam;
      EXIT WHEN tt > age;
      x := x + 1; tx := floor(tt);
      EXIT WHEN random() < p;
    END LOOP;
    id := i; frequency := x; recency := tx; t := age;
    nu := -(ln(1 - random()) + ln(1 - random()) + ln(1 - random())) / 30;
    spend := 0;
    FOR k IN 1 .. 4 * x LOOP
      spend := spend - ln(1 - random()) / nu;
    END LOOP;
    monetary := CASE WHEN x = 0 THEN 0 ELSE spend / x END;
    RETURN NEXT;
  END LOOP;
END $$;
CREATE TABLE cust AS SELECT * FROM pg_temp.sim(5000);
SELECT count(*) AS customers, count(DISTINCT (frequency, recency, t)) AS distinct_triples,
       bool_and(recency <= t AND recency >= 0) AS valid FROM cust;
CREATE TABLE bg AS SELECT custvalue.bgnbd_fit(frequency, recency, t) AS m FROM cust;
SELECT m::jsonb ->> 'converged' AS converged, m::jsonb -> 'customers' AS customers,
       m::jsonb -> 'distinct' AS distinct_triples, m::jsonb ->> 'time_unit' AS time_unit FROM bg;
SELECT round(p.r::numeric, 4) AS r, round(p.alpha::numeric, 3) AS alpha, round(p.a::numeric, 4) AS a,
       round(p.b::numeric, 4) AS b, round(p.log_likelihood::numeric, 2) AS ll
  FROM bg, custvalue.bgnbd_params(bg.m) p;
-- the penalizer shrinks the parameters; time_unit is kept for clv
SELECT (m::jsonb ->> 'a')::float8 < (SELECT (m::jsonb ->> 'a')::float8 FROM bg) AS a_shrinks,
       m::jsonb ->> 'time_unit' AS time_unit, m::jsonb -> 'penalizer' AS penalizer
  FROM (SELECT custvalue.bgnbd_fit(frequency, recency, t, '{"penalizer": 0.1, "time_unit": "week"}') AS m FROM cust) s;
-- max_iter bounds the iterations and says it did not converge
SELECT m::jsonb -> 'iterations' AS iterations, m::jsonb -> 'converged' AS converged
  FROM (SELECT custvalue.bgnbd_fit(frequency, recency, t, '{"max_iter": 2}') AS m FROM cust) s;
-- NULL rows are skipped; an empty group gives NULL
SELECT custvalue.bgnbd_fit(frequency, recency, t) IS NULL AS empty_is_null FROM cust WHERE false;
SELECT (custvalue.bgnbd_fit(frequency, recency, CASE WHEN id = 1 THEN NULL ELSE t END)::jsonb -> 'customers') AS customers FROM cust;

-- scoring: expected purchases grow with the horizon, P(alive) is 1 without repeat purchases
SELECT round(custvalue.bgnbd_expected_purchases(m, 30, 2, 20, 35)::numeric, 6) AS e30,
       round(custvalue.bgnbd_expected_purchases(m, 90, 2, 20, 35)::numeric, 6) AS e90,
       custvalue.bgnbd_expected_purchases(m, 0, 2, 20, 35) AS e0,
       round(custvalue.bgnbd_p_alive(m, 2, 20, 35)::numeric, 6) AS p_alive,
       custvalue.bgnbd_p_alive(m, 0, 0, 35) AS p_alive_new
  FROM bg;
-- extreme inputs: frequencies in the hundreds, t near 0, horizons up to 1e15
SELECT h, e = e AND e < 'Infinity' AS finite, e > 0 AS positive
  FROM bg, LATERAL (VALUES (1e-6::float8), (1e3), (1e9), (1e15)) v(h),
       LATERAL (SELECT custvalue.bgnbd_expected_purchases(m, h, 400, 35, 35) AS e
                UNION ALL SELECT custvalue.bgnbd_expected_purchases(m, h, 0, 0, 1e-9)) s
 ORDER BY h;
SELECT custvalue.bgnbd_p_alive(m, 900, 1, 1000) >= 0 AS p_alive_underflows_to_zero FROM bg;

-- error rules of the customer history (in the fit and in scoring)
SELECT pg_temp.err($$SELECT custvalue.bgnbd_fit(2, 40, 30)$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_fit(0, 3, 30)$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_fit(-1, 0, 30)$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_fit(1.5, 3, 30)$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_fit(2, -3, 30)$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_fit(2, 3, 'Infinity')$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_fit(0, 0, 30)$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_fit(1, 0, 0)$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_fit(frequency, recency, t, '{"penalizer": -1}') FROM cust$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_fit(frequency, recency, t, '{"max_iter": 0}') FROM cust$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_fit(frequency, recency, t, '{"tol": 0}') FROM cust$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_fit(frequency, recency, t, '{"time_unit": "year"}') FROM cust$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_fit(frequency, recency, t, '{"seed": 1}') FROM cust$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_fit(frequency, recency, t,
  CASE WHEN id < 100 THEN '{"penalizer": 0.1}' ELSE '{}' END::jsonb) FROM cust$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_expected_purchases(m, 10, 3, 50, 40) FROM bg$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_expected_purchases(m, -1, 3, 5, 40) FROM bg$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_expected_purchases(m, 1e16, 3, 5, 40) FROM bg$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_expected_purchases(m, 'NaN', 3, 5, 40) FROM bg$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_p_alive(m, 0, 2, 40) FROM bg$$);

-- Gamma-Gamma: customers without repeat purchases (or monetary <= 0) are skipped and counted
CREATE TABLE gg AS SELECT custvalue.gammagamma_fit(frequency, monetary) AS m FROM cust;
SELECT m::jsonb -> 'customers' AS customers, m::jsonb -> 'skipped' AS skipped,
       m::jsonb ->> 'converged' AS converged FROM gg;
SELECT round((m::jsonb ->> 'p')::numeric, 3) AS p, round((m::jsonb ->> 'q')::numeric, 3) AS q,
       round((m::jsonb ->> 'gamma')::numeric, 3) AS gamma FROM gg;
-- expected spend: the customer's mean shrunk to the population's mean
SELECT round(custvalue.gammagamma_expected_spend(m, 0, 0)::numeric, 4) AS population_mean,
       round(custvalue.gammagamma_expected_spend(m, 5, 100)::numeric, 4) AS frequent_big_spender,
       round(((m::jsonb ->> 'gamma')::float8 * (m::jsonb ->> 'p')::float8 / ((m::jsonb ->> 'q')::float8 - 1))::numeric, 4) AS by_hand
  FROM gg;
SELECT pg_temp.err($$SELECT custvalue.gammagamma_fit(frequency, 0) FROM cust$$);
SELECT pg_temp.err($$SELECT custvalue.gammagamma_fit(-2, 10)$$);
SELECT pg_temp.err($$SELECT custvalue.gammagamma_fit(2, 'Infinity')$$);
SELECT pg_temp.err($$SELECT custvalue.gammagamma_fit(2, 10, '{"time_unit": "day"}')$$);
SELECT pg_temp.err($$SELECT custvalue.gammagamma_expected_spend(
  '{"kind": "gammagamma_model", "version": 1, "p": 2, "q": 0.9, "gamma": 10}', 3, 10)$$);

-- clv: lifetimes' monthly differences, discounted; days are 30 to a month
SELECT round(custvalue.clv(bg.m, gg.m, 2, 20, 35, 40, 12, 0.01)::numeric, 4) AS clv_12m,
       round(custvalue.clv(bg.m, gg.m, 2, 20, 35, 40, 1, 0)::numeric, 6) =
       round((custvalue.gammagamma_expected_spend(gg.m, 2, 40) *
              custvalue.bgnbd_expected_purchases(bg.m, 30, 2, 20, 35))::numeric, 6) AS one_month_by_hand,
       custvalue.clv(bg.m, gg.m, 2, 20, 35, 40, 0, 0.01) AS zero_months,
       custvalue.clv(bg.m, gg.m, 300, 35, 35, 40, 1200, 0) < 'Infinity' AS hundred_years_finite
  FROM bg, gg;
SELECT pg_temp.err($$SELECT custvalue.clv(bg.m, gg.m, 2, 20, 35, 40, 1.5, 0.01) FROM bg, gg$$);
SELECT pg_temp.err($$SELECT custvalue.clv(bg.m, gg.m, 2, 20, 35, 40, 1201, 0.01) FROM bg, gg$$);
SELECT pg_temp.err($$SELECT custvalue.clv(bg.m, gg.m, 2, 20, 35, 40, 12, -0.5) FROM bg, gg$$);
SELECT pg_temp.err($$SELECT custvalue.clv(bg.m, gg.m, 2, 50, 35, 40, 12, 0.01) FROM bg, gg$$);

-- Model values: JSON round trips of fitted and hand-written models, jsonb,
-- binary send/recv, strict input.
SELECT m::text::custvalue.bgnbd_model::text = m::text AS bgnbd_text_round_trip FROM bg;
SELECT m::text::custvalue.gammagamma_model::text = m::text AS gg_text_round_trip FROM gg;
SELECT '{"kind": "bgnbd_model", "version": 1, "r": 0.2426, "alpha": 4.414, "a": 0.793, "b": 2.426, "time_unit": "week"}'::custvalue.bgnbd_model;
SELECT '{"kind": "gammagamma_model", "version": 1, "p": 6.25, "q": 3.74, "gamma": 15.44}'::custvalue.gammagamma_model;
SELECT * FROM custvalue.bgnbd_params('{"kind": "bgnbd_model", "version": 1, "r": 0.2426, "alpha": 4.414, "a": 0.793, "b": 2.426}');
-- a hand-written CDNOW model: P(alive) of a customer with 2 repeat purchases,
-- the last at week 30.43 of 38.86, against the closed form written out
SELECT round(custvalue.bgnbd_p_alive('{"kind": "bgnbd_model", "version": 1, "r": 0.2426, "alpha": 4.414, "a": 0.793, "b": 2.426}',
             2, 30.43, 38.86)::numeric, 12) =
       round((1 / (1 + 0.793 / (2.426 + 2 - 1) * ((4.414 + 38.86) / (4.414 + 30.43)) ^ (0.2426 + 2)))::numeric, 12) AS p_alive_closed_form;
CREATE TABLE models_bin (bg custvalue.bgnbd_model, gg custvalue.gammagamma_model);
CREATE TABLE models AS SELECT bg.m AS bg, gg.m AS gg FROM bg, gg;
\copy models TO 'results/btyd_models.bin' (FORMAT binary)
\copy models_bin FROM 'results/btyd_models.bin' (FORMAT binary)
SELECT b.bg::text = m.bg::text AND b.gg::text = m.gg::text AS binary_round_trip FROM models m, models_bin b;
SELECT pg_temp.err($$SELECT '{"kind": "bgnbd_model", "version": 1, "r": 1, "alpha": 2, "a": 0.5}'::custvalue.bgnbd_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "bgnbd_model", "version": 1, "r": -1, "alpha": 2, "a": 0.5, "b": 1}'::custvalue.bgnbd_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "bgnbd_model", "version": 1, "r": 1, "alpha": 2, "a": 0.5, "b": 1, "x": 0}'::custvalue.bgnbd_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "gammagamma_model", "version": 1, "p": 1, "q": 2}'::custvalue.gammagamma_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "bgnbd_model", "version": 1, "r": 1, "alpha": 2, "a": 0.5, "b": 1}'::custvalue.gammagamma_model$$);
SELECT pg_temp.err($$SELECT '[1, 2]'::custvalue.bgnbd_model$$);

-- Crafted fit states are validated before use.
SELECT custvalue.bgnbd_fit_final('tuples:AwEAAAIAAAB7fQMAAAAAAAAAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAJEAFAAAAAAAAAAAAAAAAAABAAAAAAAAAEEAAAAAAAAAkQAMAAAAAAAAAAAAAAAAAFEAAAAAAAAAiQAAAAAAAAChAAgAAAAAAAAA=')::jsonb -> 'customers' AS crafted_customers;
SELECT 'tuples:AwEAAAIAAAB7fQMAAAAAAAAAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAJEAFAAAAAAAAAAAAAAAAAABAAAAAAAAAEEAAAAAAAAAkQAMAAAAAAAAAAAAAAAAAFEAAAAAAAAAiQAAAAAAAAChAAgAAAAAAAAA='::custvalue.fitstate::text
     = 'tuples:AwEAAAIAAAB7fQMAAAAAAAAAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAJEAFAAAAAAAAAAAAAAAAAABAAAAAAAAAEEAAAAAAAAAkQAMAAAAAAAAAAAAAAAAAFEAAAAAAAAAiQAAAAAAAAChAAgAAAAAAAAA=' AS state_text_round_trip;
SELECT pg_temp.err($$SELECT custvalue.bgnbd_fit_final('tuples:AwEAAAIAAAB7fQMAAAAAAAAAAQAAAAAAAAAAAAAAAAAAQAAAAAAAACZAAAAAAAAAJEABAAAAAAAAAA==')$$);
SELECT pg_temp.err($$SELECT custvalue.bgnbd_fit_final('tuples:AwEAAAIAAAB7fQIAAAAAAAAAAQAAAAAAAAAAAAAAAAAAQAAAAAAAACZAAQAAAAAAAAA=')$$);
SELECT pg_temp.err($$SELECT custvalue.gammagamma_fit_final('tuples:AwEAAAIAAAB7fQMAAAAAAAAAAQAAAAAAAAAAAAAAAAAAQAAAAAAAACZAAAAAAAAAJEABAAAAAAAAAA==')$$);
SELECT pg_temp.err($$SELECT 'tuples:AwEAAAIAAAB7fQMAAAAAAAAAAgAAAAAAAAAAAAAAAAAAQAAAAAAAABBAAAAAAAAAJEABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAkQAEAAAAAAAAA'::custvalue.fitstate$$);
SELECT pg_temp.err($$SELECT custvalue.clv_summary_final('tuples:AwEAAAIAAAB7fQMAAAAAAAAAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAJEAFAAAAAAAAAAAAAAAAAABAAAAAAAAAEEAAAAAAAAAkQAMAAAAAAAAAAAAAAAAAFEAAAAAAAAAiQAAAAAAAAChAAgAAAAAAAAA=')$$);

-- Models far from the usual parameters.  Large a and b (customers who all
-- drop out alike; a fit reached a = 7.1e6, b = 1.5e7) and a far above b
-- forecast as mpmath's integration does (references from
-- test/unit/btyd_refs.py's by_integral); they failed with 22003 before.
-- An alpha near the smallest double made the integration endless and
-- uncancellable; now it ends with the capped horizon's value.  Forecasts
-- out of double range are 22003, not NaN or Infinity.
\set bg_large '{"kind": "bgnbd_model", "version": 1, "r": 0.5941412332509454, "alpha": 3.397044392166377, "a": 7075893.983708842, "b": 15458011.728770962}'
\set bg_a_above_b '{"kind": "bgnbd_model", "version": 1, "r": 0.5941412332509454, "alpha": 3.397044392166377, "a": 7075893.983708842, "b": 11.728770962}'
\set bg_tiny_alpha '{"kind": "bgnbd_model", "version": 1, "r": 0.5, "alpha": 1e-309, "a": 0.8, "b": 2.5}'
\set bg_huge '{"kind": "bgnbd_model", "version": 1, "r": 5.5e244, "alpha": 1.2e223, "a": 3.5e283, "b": 2}'
\set gg_plain '{"kind": "gammagamma_model", "version": 1, "p": 6, "q": 3.5, "gamma": 15}'
SELECT abs(custvalue.bgnbd_expected_purchases(:'bg_large', 1, 0, 0, 0) / 0.16296429910574975 - 1) < 1e-10 AS large_a_b,
       abs(custvalue.bgnbd_expected_purchases(:'bg_a_above_b', 1, 100, 30, 30.5) / 3.321290556639826e-6 - 1) < 1e-10 AS a_far_above_b;
SELECT custvalue.bgnbd_expected_purchases(:'bg_tiny_alpha', 1, 0, 0, 0) BETWEEN 1e60 AND 1e64 AS tiny_alpha_ends;
SELECT pg_temp.err(format('SELECT custvalue.clv(%L, %L, 0, 0, 10, 20, 12, 0.01)', :'bg_huge', :'gg_plain'));
SELECT pg_temp.err(format('SELECT custvalue.bgnbd_expected_purchases(%L, 1, 0, 0, 10)', :'bg_huge'));
SELECT pg_temp.err(format('SELECT custvalue.gammagamma_expected_spend(%L, 2, 1e308)', :'gg_plain'));

-- Combining states whose counts sum past 2^63 - 1 fails with 54000 (the
-- sum wrapped to a negative count before); 2^62 and 1 merge exactly.
CREATE AGGREGATE pg_temp.merge_tuples(custvalue.fitstate)
  (sfunc = custvalue.fitstate_combine, stype = custvalue.fitstate);
SELECT pg_temp.err($$SELECT pg_temp.merge_tuples(s::custvalue.fitstate)
  FROM (VALUES ('tuples:AwEAAAIAAAB7fQMAAAAAAAAAAQAAAAAAAAAAAAAAAADwPwAAAAAAABRAAAAAAAAAJEAAAAAAAAAAQA=='),
               ('tuples:AwEAAAIAAAB7fQMAAAAAAAAAAQAAAAAAAAAAAAAAAADwPwAAAAAAABRAAAAAAAAAJEAAAAAAAAAAQA==')) v(s)$$);
SELECT pg_temp.merge_tuples(s::custvalue.fitstate)::text AS merged_count_2_62_plus_1
  FROM (VALUES ('tuples:AwEAAAIAAAB7fQMAAAAAAAAAAQAAAAAAAAAAAAAAAADwPwAAAAAAABRAAAAAAAAAJEAAAAAAAAAAQA=='),
               ('tuples:AwEAAAIAAAB7fQMAAAAAAAAAAQAAAAAAAAAAAAAAAADwPwAAAAAAABRAAAAAAAAAJEABAAAAAAAAAA==')) v(s);

-- Forced parallel plans give the same models and summaries as serial ones.
CREATE TABLE big AS SELECT c.*, g FROM cust c, generate_series(1, 20) g;
CREATE TABLE bigtx AS SELECT t.customer + 10 * g AS customer, t.at + g * interval '1 hour' AS at, t.amount
  FROM tx t, generate_series(1, 20000) g WHERE t.at IS NOT NULL;
ANALYZE big;
ANALYZE bigtx;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial AS
SELECT (SELECT custvalue.bgnbd_fit(frequency, recency, t)::text FROM big) AS bg,
       (SELECT custvalue.gammagamma_fit(frequency, monetary)::text FROM big) AS gg,
       (SELECT md5(string_agg(s::text, ',' ORDER BY customer)) FROM
          (SELECT customer, custvalue.clv_summary(at, amount, timestamptz '2024-01-31 23:59:59+00') AS s
             FROM bigtx GROUP BY customer) q) AS summary,
       (SELECT custvalue.clv_summary(at, amount, timestamptz '2024-12-31 23:59:59+00')::text FROM bigtx) AS one;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT custvalue.bgnbd_fit(frequency, recency, t) FROM big;
SELECT custvalue.bgnbd_fit(frequency, recency, t)::text = (SELECT bg FROM serial) AS bgnbd_parallel_equals_serial FROM big;
SELECT custvalue.gammagamma_fit(frequency, monetary)::text = (SELECT gg FROM serial) AS gg_parallel_equals_serial FROM big;
SELECT md5(string_agg(s::text, ',' ORDER BY customer)) = (SELECT summary FROM serial) AS summary_grouped_equals_serial
  FROM (SELECT customer, custvalue.clv_summary(at, amount, timestamptz '2024-01-31 23:59:59+00') AS s
          FROM bigtx GROUP BY customer) q;
-- one customer's 180,000 purchases split between workers: partial states of
-- periods with summed amounts, merged by the combine function
EXPLAIN (COSTS OFF) SELECT custvalue.clv_summary(at, amount, timestamptz '2024-12-31 23:59:59+00') FROM bigtx;
SELECT custvalue.clv_summary(at, amount, timestamptz '2024-12-31 23:59:59+00')::text = (SELECT one FROM serial)
       AS one_customer_parallel_equals_serial
  FROM bigtx;
-- partition-wise aggregation combines partial states of one group
CREATE TABLE parted (g int, frequency float8, recency float8, t float8, monetary float8) PARTITION BY LIST (g);
CREATE TABLE parted_0 PARTITION OF parted FOR VALUES IN (0);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES IN (1);
INSERT INTO parted SELECT g % 2, frequency, recency, t, monetary FROM big;
ANALYZE parted;
SET enable_partitionwise_aggregate = on;
EXPLAIN (COSTS OFF) SELECT custvalue.bgnbd_fit(frequency, recency, t) FROM parted;
SELECT custvalue.bgnbd_fit(frequency, recency, t)::text = (SELECT bg FROM serial) AS bgnbd_partitionwise_equals,
       custvalue.gammagamma_fit(frequency, monetary)::text = (SELECT gg FROM serial) AS gg_partitionwise_equals
  FROM parted;
CREATE TABLE partedtx (g int, at timestamptz, amount float8) PARTITION BY LIST (g);
CREATE TABLE partedtx_0 PARTITION OF partedtx FOR VALUES IN (0);
CREATE TABLE partedtx_1 PARTITION OF partedtx FOR VALUES IN (1);
INSERT INTO partedtx SELECT customer % 2, at, amount FROM bigtx;
ANALYZE partedtx;
EXPLAIN (COSTS OFF) SELECT custvalue.clv_summary(at, amount, timestamptz '2024-12-31 23:59:59+00') FROM partedtx;
SELECT custvalue.clv_summary(at, amount, timestamptz '2024-12-31 23:59:59+00')::text = (SELECT one FROM serial)
       AS summary_partitionwise_equals
  FROM partedtx;
RESET ALL;
SET extra_float_digits = 0;

-- A state's text form round-trips exactly: partial states as text, merged back.
CREATE AGGREGATE pg_temp.bg_state(float8, float8, float8) (
  SFUNC = custvalue.bgnbd_fit_trans, STYPE = custvalue.fitstate);
CREATE AGGREGATE pg_temp.summary_state(date, float8, date) (
  SFUNC = custvalue.clv_summary_trans, STYPE = custvalue.fitstate);
CREATE AGGREGATE pg_temp.merge_states(custvalue.fitstate) (
  SFUNC = custvalue.fitstate_combine, STYPE = custvalue.fitstate);
SELECT left(pg_temp.bg_state(frequency, recency, t)::text, 7) AS state_text_starts FROM clv_test.cust;
WITH parts AS (SELECT pg_temp.bg_state(frequency, recency, t)::text AS st FROM clv_test.cust GROUP BY id % 5)
SELECT custvalue.bgnbd_fit_final(pg_temp.merge_states(st::custvalue.fitstate))::text =
       (SELECT m::text FROM clv_test.bg) AS bgnbd_merged_from_text_equals_direct
  FROM parts;
WITH parts AS (SELECT pg_temp.summary_state(at::date, amount, date '2024-12-31')::text AS st
                 FROM clv_test.bigtx GROUP BY customer % 7)
SELECT custvalue.clv_summary_final(pg_temp.merge_states(st::custvalue.fitstate)) AS merged_summary,
       custvalue.clv_summary_final(pg_temp.merge_states(st::custvalue.fitstate))::text =
       (SELECT custvalue.clv_summary(at::date, amount, date '2024-12-31')::text FROM clv_test.bigtx)
       AS summary_merged_from_text_equals_direct
  FROM parts;
SET client_min_messages = warning;
DROP SCHEMA clv_test CASCADE;
