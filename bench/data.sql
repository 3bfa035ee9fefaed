-- custvalue benchmark data: deterministic, generated in the server.
--
-- psql -v rows=N -f bench/data.sql
--
-- Every value is a function of the row number and a per-column seed
-- (hashint8extended), so a run at a given size always sees the same data,
-- whatever the plan or the machine.  Tables are unlogged: the data is
-- scratch, and WAL would only slow the load.
\set ON_ERROR_STOP 1
\set QUIET 1

-- Uniform on (0, 1) from a 53-bit slice of the hash of (i, seed).
CREATE FUNCTION bench_u(i bigint, seed bigint) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT (((hashint8extended(i, seed) >> 11) & 9007199254740991)::float8 + 0.5) / 9007199254740992.0 $$;

-- Standard normal (Box-Muller over two independent uniforms).
CREATE FUNCTION bench_n(i bigint, seed bigint) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT sqrt(-2.0 * ln(bench_u(i, seed))) * cos(2.0 * pi() * bench_u(i, seed + 1000)) $$;

-- Health scores: four 0-100 dimension scores, each NULL for ~5% of rows.
CREATE UNLOGGED TABLE bench_health (a float8, b float8, c float8, d float8);
INSERT INTO bench_health
SELECT CASE WHEN bench_u(i, 11) < 0.05 THEN NULL ELSE 100 * bench_u(i, 1) END,
       CASE WHEN bench_u(i, 12) < 0.05 THEN NULL ELSE 100 * bench_u(i, 2) END,
       CASE WHEN bench_u(i, 13) < 0.05 THEN NULL ELSE 100 * bench_u(i, 3) END,
       CASE WHEN bench_u(i, 14) < 0.05 THEN NULL ELSE 100 * bench_u(i, 4) END
  FROM generate_series(1, :rows) AS i;

-- Raw scorecard measures with the cardinality of real CRM columns:
-- days since last activity (0-3650, most recent), activities in 30 days
-- (a skewed count), annual revenue in whole currency units (log-normal),
-- share of contacts with an e-mail address (whole percent).
CREATE UNLOGGED TABLE bench_card (days float8, activities float8, revenue float8, email_pct float8);
INSERT INTO bench_card
SELECT floor(3651 * bench_u(i, 21) ^ 2),
       floor(exp(2.5 + 1.2 * bench_n(i, 22))),
       round(exp(8.0 + 1.2 * bench_n(i, 23))),
       round(100 * bench_u(i, 24))
  FROM generate_series(1, :rows) AS i;

-- RFM+N accounts: recency in days (0-365), active days (1-270, a quarter
-- of accounts active on one day only), usage minutes (40% at 0-9 whole
-- minutes, the rest log-normal to 0.1 minute), NPS rating (0-10, NULL for
-- the 60% who never answered).
CREATE UNLOGGED TABLE bench_rfmn (recency float8, frequency float8, monetary float8, nps float8);
INSERT INTO bench_rfmn
SELECT floor(366 * bench_u(i, 31) ^ 2),
       CASE WHEN bench_u(i, 32) < 0.25 THEN 1 ELSE 1 + floor(269 * bench_u(i, 33) ^ 2) END,
       CASE WHEN bench_u(i, 34) < 0.20 THEN 0
            WHEN bench_u(i, 34) < 0.40 THEN floor(10 * bench_u(i, 35))
            ELSE round(10 * exp(4.0 + 1.5 * bench_n(i, 36))) / 10 END,
       CASE WHEN bench_u(i, 37) < 0.60 THEN NULL
            ELSE least(10, floor(11 * bench_u(i, 38) ^ 0.6)) END
  FROM generate_series(1, :rows) AS i;

-- Churn: twenty features on different scales (uniform sums, small counts,
-- wide ranges) from four hashes per row, and a label drawn from a logistic
-- model of four of them (about 30% churn).  churn_risk is timed over all
-- the rows, churn_fit over the first million (bench_churn_fit).
CREATE FUNCTION bench_churn_rows(n bigint)
RETURNS TABLE (f1 float8, f2 float8, f3 float8, f4 float8, f5 float8, f6 float8, f7 float8, f8 float8,
               f9 float8, f10 float8, f11 float8, f12 float8, f13 float8, f14 float8, f15 float8,
               f16 float8, f17 float8, f18 float8, f19 float8, f20 float8, churned bool)
LANGUAGE sql IMMUTABLE STRICT
AS $$
SELECT ((h1 & 1023) + ((h1 >> 10) & 1023))::float8 / 4 AS f1,
       ((h1 >> 20) & 15)::float8 AS f2,
       ((h1 >> 24) & 1023)::float8 / 10 AS f3,
       ((h1 >> 34) & 255)::float8 AS f4,
       ((h1 >> 42) & 4095)::float8 / 100 AS f5,
       ((h2 & 1023) + ((h2 >> 10) & 1023))::float8 / 8 AS f6,
       ((h2 >> 20) & 7)::float8 AS f7,
       ((h2 >> 23) & 2047)::float8 / 3 AS f8,
       ((h2 >> 34) & 255)::float8 / 16 AS f9,
       ((h2 >> 42) & 4095)::float8 AS f10,
       ((h3 & 1023) + ((h3 >> 10) & 1023))::float8 AS f11,
       ((h3 >> 20) & 31)::float8 AS f12,
       ((h3 >> 25) & 1023)::float8 / 7 AS f13,
       ((h3 >> 35) & 255)::float8 AS f14,
       ((h3 >> 43) & 4095)::float8 / 50 AS f15,
       ((h4 & 1023) + ((h4 >> 10) & 1023))::float8 / 2 AS f16,
       ((h4 >> 20) & 63)::float8 AS f17,
       ((h4 >> 26) & 1023)::float8 / 9 AS f18,
       ((h4 >> 36) & 255)::float8 / 4 AS f19,
       ((h4 >> 44) & 4095)::float8 / 20 AS f20,
       u < 1 / (1 + exp(-(-1.5 + 0.002 * (((h1 & 1023) + ((h1 >> 10) & 1023)) - 1023)
                          + 0.15 * (((h1 >> 20) & 15) - 7.5) - 0.003 * (((h2 >> 23) & 2047) - 1023)
                          + 0.05 * (((h3 >> 20) & 31) - 15.5)))) AS churned
  FROM (SELECT hashint8extended(i, 41) AS h1, hashint8extended(i, 42) AS h2, hashint8extended(i, 43) AS h3,
               hashint8extended(i, 44) AS h4, bench_u(i, 45) AS u
          FROM generate_series(1, n) AS i) s
$$;
CREATE UNLOGGED TABLE bench_churn AS SELECT * FROM bench_churn_rows(:rows);
CREATE UNLOGGED TABLE bench_churn_fit AS SELECT * FROM bench_churn_rows(least(:rows, 1000000));
-- k-means points: 8 dimensions, 8 clusters (cluster j centred at 4 on
-- dimension j and 0 on the others), unit normal noise.  The fits read the
-- first million (bench_kfit); scoring reads them all.
CREATE UNLOGGED TABLE bench_points (a float8, b float8, c float8, d float8,
                                    e float8, f float8, g float8, h float8);
INSERT INTO bench_points
SELECT 4 * (c = 0)::int + bench_n(i, 41), 4 * (c = 1)::int + bench_n(i, 42),
       4 * (c = 2)::int + bench_n(i, 43), 4 * (c = 3)::int + bench_n(i, 44),
       4 * (c = 4)::int + bench_n(i, 45), 4 * (c = 5)::int + bench_n(i, 46),
       4 * (c = 6)::int + bench_n(i, 47), 4 * (c = 7)::int + bench_n(i, 48)
  FROM (SELECT i, floor(8 * bench_u(i, 40))::int AS c FROM generate_series(1, :rows) AS i) s;
CREATE UNLOGGED TABLE bench_kfit AS SELECT * FROM bench_points LIMIT 1000000;

-- Decision trees: ten features on a grid of 1/8 from 0 to 100 (exact in
-- float32, as scikit-learn stores them) and a label that depends on five of
-- them with noise.  tree_predict scores every row; the fits (custvalue's
-- and scikit-learn's) use the first million, bench_tree_fit.
CREATE UNLOGGED TABLE bench_tree (id bigint, x1 float8, x2 float8, x3 float8, x4 float8, x5 float8,
                                  x6 float8, x7 float8, x8 float8, x9 float8, x10 float8, y bool);
INSERT INTO bench_tree
SELECT i, x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10],
       x[1] + 0.5 * x[2] - x[3] * x[4] / 50 + 10 * sin(x[5] / 10) + 20 * bench_u(i, 60) > 60
  FROM (SELECT i, ARRAY[floor(800 * bench_u(i, 41)) / 8, floor(800 * bench_u(i, 42)) / 8,
                        floor(800 * bench_u(i, 43)) / 8, floor(800 * bench_u(i, 44)) / 8,
                        floor(800 * bench_u(i, 45)) / 8, floor(800 * bench_u(i, 46)) / 8,
                        floor(800 * bench_u(i, 47)) / 8, floor(800 * bench_u(i, 48)) / 8,
                        floor(800 * bench_u(i, 49)) / 8, floor(800 * bench_u(i, 50)) / 8] AS x
          FROM generate_series(1, :rows) AS i) s;
CREATE UNLOGGED TABLE bench_tree_fit AS SELECT * FROM bench_tree WHERE id <= 1000000;

-- Model scores: a 20% positive class and a continuous score (a logistic
-- of a normal shifted by 1.5 for the positives), so that every score is
-- distinct, as the output of a fitted model is.
CREATE UNLOGGED TABLE bench_scores (score float8, label bool);
INSERT INTO bench_scores
SELECT 1 / (1 + exp(-(bench_n(i, 42) + CASE WHEN l THEN 1.5 ELSE 0 END - 1.5))), l
  FROM (SELECT i, bench_u(i, 41) < 0.2 AS l FROM generate_series(1, :rows) AS i) s;

-- CLV transactions: twice :rows purchases by :rows / 5 customers over two
-- years (2023-2024, any second of the day), amounts log-normal in cents.
-- The calibration ends 2024-06-30, so about a quarter of them fall after.
CREATE UNLOGGED TABLE bench_clvtx (customer bigint, at timestamptz, amount float8);
INSERT INTO bench_clvtx
SELECT floor((:rows / 5) * bench_u(i, 41))::bigint,
       timestamptz '2023-01-01 00:00:00+00' + floor(63072000 * bench_u(i, 42)) * interval '1 second',
       round(exp(3.0 + 0.8 * bench_n(i, 43))::numeric, 2)::float8
  FROM generate_series(1, 2 * :rows::bigint) AS i;

-- CLV customers to score: :rows summaries (frequency, recency, t in whole
-- days, monetary) shaped like BG/NBD's: a purchase rate lambda per day
-- (log-normal), a dropout chance p after each repeat purchase, an age t of
-- 1..730 days; N ~ Poisson(lambda t) purchases would happen (normal
-- approximation), the customer drops out after J ~ Geometric(p) of them,
-- frequency = min(N, J), and recency is where the last of them falls among
-- N uniform purchase times.
CREATE UNLOGGED TABLE bench_clvcust (id bigint, frequency float8, recency float8, t float8, monetary float8);
INSERT INTO bench_clvcust
SELECT i, x, CASE WHEN x = 0 THEN 0
                  WHEN x < n THEN floor(t * (x - 1 + bench_u(i, 60)) / n)
                  ELSE floor(t * bench_u(i, 60) ^ (1 / x)) END, t,
       CASE WHEN x = 0 THEN 0 ELSE round(exp(3.0 + 0.6 * bench_n(i, 61))::numeric, 2)::float8 END
  FROM (SELECT i, t, n, least(n, 1 + floor(ln(bench_u(i, 59)) / ln(1 - p))) AS x
          FROM (SELECT i, t, p, greatest(0, floor(lt + sqrt(lt) * bench_n(i, 58) + 0.5)) AS n
                  FROM (SELECT i, t, 0.02 + 0.4 * bench_u(i, 57) ^ 2 AS p,
                               exp(-4.0 + 1.0 * bench_n(i, 56)) * t AS lt
                          FROM (SELECT i, 1 + floor(730 * bench_u(i, 55)) AS t
                                  FROM generate_series(1, :rows) AS i) a) b) c) d;

VACUUM ANALYZE bench_health;
VACUUM ANALYZE bench_card;
VACUUM ANALYZE bench_rfmn;
VACUUM ANALYZE bench_churn;
VACUUM ANALYZE bench_churn_fit;
VACUUM ANALYZE bench_points;
VACUUM ANALYZE bench_kfit;
VACUUM ANALYZE bench_tree;
VACUUM ANALYZE bench_tree_fit;
VACUUM ANALYZE bench_scores;
VACUUM ANALYZE bench_clvtx;
VACUUM ANALYZE bench_clvcust;
