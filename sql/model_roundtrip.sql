-- Every model kind reads back exactly what it writes, through its text,
-- jsonb and binary forms, whatever the numbers in it: subnormals, ±1e308
-- and the largest double, counts from 5e-324 to 1.8e308, a single value.
-- The cases are hand-written extremes, cards drawn at random from pools of
-- extreme numbers, and fits over extreme values (whatever a fit writes
-- must read back, or pg_dump could not dump it).
--
-- A new model kind adds its type to roundtrip_kinds and its cases (model
-- text, or fitted models cast to text) to roundtrip_cases; every check
-- below runs for every kind.
--
-- extra_float_digits stays at its default, so float8 text is the shortest
-- that reads back exactly.

CREATE TABLE roundtrip_kinds (kind regtype PRIMARY KEY, col name NOT NULL);
INSERT INTO roundtrip_kinds VALUES
  ('custvalue.scorecard', 'scorecard'),
  ('custvalue.rfmn_model', 'rfmn_model'),
  ('custvalue.kmeans_model', 'kmeans_model'),
  ('custvalue.tree_model', 'tree_model');
CREATE TABLE roundtrip_cases (id serial PRIMARY KEY, kind regtype NOT NULL REFERENCES roundtrip_kinds,
                              label text NOT NULL, model text NOT NULL);

-- Pools of extreme numbers, and a reproducible pick from a pool.
CREATE TABLE pool (name text, i int, v float8, PRIMARY KEY (name, i));
INSERT INTO pool SELECT 'value', row_number() OVER (), v FROM unnest(ARRAY[
  -1.7976931348623157e308, -1e308, -1e15, -1, -2.2250738585072014e-308, -5e-324, 0,
  5e-324, 1e-320, 2.2250738585072014e-308, 1e-300, 0.1, 1, 3, 1e15, 9007199254740993,
  1e300, 1e308, 1.7976931348623157e308]::float8[]) v;
INSERT INTO pool SELECT 'count', row_number() OVER (), v FROM unnest(ARRAY[
  5e-324, 1e-320, 1e-300, 0.5, 1, 3, 9007199254740992, 1e300, 1e307, 1e308,
  1.7976931348623157e308]::float8[]) v;
INSERT INTO pool SELECT 'weight', row_number() OVER (), v FROM unnest(ARRAY[
  5e-324, 1e-320, 1e-300, 0.1, 1, 40, 1e300, 1e308, 1.7976931348623157e308]::float8[]) v;
CREATE FUNCTION pg_temp.pick(pool text, seed bigint) RETURNS float8 LANGUAGE sql STABLE AS $$
  SELECT v FROM pool p
   WHERE p.name = pick.pool
     AND p.i = 1 + abs(hashint8extended(seed, 20261130)) % (SELECT count(*) FROM pool q WHERE q.name = pick.pool)
$$;

-- Hand-written scorecards: one value, extreme weights, counts, values and
-- ramp parameters, between at both ends of the range.
INSERT INTO roundtrip_cases (kind, label, model) VALUES
 ('custvalue.scorecard', 'one value, one row',
  '{"kind": "scorecard", "version": 1, "measures": [{"name": "m", "weight": 1, "values": [5e-324], "counts": [5e-324]}]}'),
 ('custvalue.scorecard', 'largest numbers everywhere',
  '{"kind": "scorecard", "version": 1, "measures": [{"name": "m", "weight": 1.7976931348623157e308,
    "values": [-1.7976931348623157e308, 1.7976931348623157e308],
    "counts": [1.7976931348623157e308, 1.7976931348623157e308], "between": [1.7976931348623157e308]}]}'),
 ('custvalue.scorecard', 'ramps and bands at the extremes',
  '{"kind": "scorecard", "version": 1, "measures": [
    {"name": "lin", "weight": 5e-324, "method": "linear", "poor": -1.7976931348623157e308, "good": 1.7976931348623157e308},
    {"name": "log", "weight": 1e308, "method": "log", "poor": -0.9999999999999999, "good": 1e308},
    {"name": "rec", "weight": 1, "method": "recency", "half_life": 5e-324},
    {"name": "band", "weight": 0, "method": "bands", "edges": [-1e308, 5e-324, 1e308], "points": [0, 5e-324, 99.99999999999999, 100]}]}'),
 ('custvalue.scorecard', 'an empty measure beside a full one',
  '{"kind": "scorecard", "version": 1, "measures": [{"name": "e", "weight": 1, "values": [], "counts": []},
    {"name": "f", "weight": 2.2250738585072014e-308, "values": [1e-320, 2e-320], "counts": [1e-300, 1e300], "between": [5e-324]}]}');

-- 200 random percentile cards of 1 to 3 measures, 1 to 6 knots each,
-- every number drawn from the pools (between on every other measure).
INSERT INTO roundtrip_cases (kind, label, model)
SELECT 'custvalue.scorecard', 'random card ' || c,
       '{"kind": "scorecard", "version": 1, "measures": [' || string_agg(measure, ', ' ORDER BY m) || ']}'
  FROM (SELECT c, m, format('{"name": "m%s", "weight": %s, "values": [%s], "counts": [%s]%s}', m,
                            CASE WHEN m = 1 THEN pg_temp.pick('weight', c * 10 + m)
                                 ELSE pg_temp.pick('weight', c * 10 + m) * (c % 2) END,
                            string_agg(x::text, ', ' ORDER BY x),
                            string_agg(pg_temp.pick('count', c * 100 + m * 10 + k)::text, ', ' ORDER BY x),
                            CASE WHEN (c + m) % 2 = 0 AND count(*) > 1 THEN
                                 ', "between": [' || string_agg(pg_temp.pick('count', c * 1000 + m * 10 + k)::text, ', ' ORDER BY x)
                                                     FILTER (WHERE k > 0) || ']' ELSE '' END) AS measure
          FROM (SELECT c, m, x, min(k) AS k
                  FROM generate_series(1, 200) c, generate_series(1, 1 + c % 3) m,
                       LATERAL (SELECT k, pg_temp.pick('value', c * 100 + m * 10 + k) AS x
                                  FROM generate_series(0, (c + m) % 6) k) kk
                 GROUP BY c, m, x) d
         GROUP BY c, m) measures
 GROUP BY c;

-- Fits over extreme values: scorecards over subnormals and huge values
-- (exact and past the exact range), one row, one value repeated.
INSERT INTO roundtrip_cases (kind, label, model)
SELECT 'custvalue.scorecard', 'fit over subnormals, past the exact range',
       custvalue.scorecard_fit(ARRAY[i * 5e-324, -i * 5e-324])::text FROM generate_series(1, 120000) i;
INSERT INTO roundtrip_cases (kind, label, model)
SELECT 'custvalue.scorecard', 'fit over ±1.7e308, past the exact range',
       custvalue.scorecard_fit(ARRAY[(i - 60000) * 2.9e303])::text FROM generate_series(0, 120000) i;
INSERT INTO roundtrip_cases (kind, label, model)
SELECT 'custvalue.scorecard', 'fit over the pool of values, weights 1e308',
       custvalue.scorecard_fit(ARRAY[v, -v], '{"weights": [1e308, 5e-324]}')::text FROM pool WHERE name = 'value';
INSERT INTO roundtrip_cases (kind, label, model)
SELECT 'custvalue.scorecard', 'fit over one row', custvalue.scorecard_fit(ARRAY[1.7976931348623157e308])::text;
INSERT INTO roundtrip_cases (kind, label, model)
SELECT 'custvalue.rfmn_model', 'fit over one customer', custvalue.rfmn_fit(5e-324, -1e308, 1e308, NULL)::text;
-- 60 random RFM+N fits of 1 to 12 customers drawn from the value pool,
-- with random bins, ties and extreme weights
INSERT INTO roundtrip_cases (kind, label, model)
SELECT 'custvalue.rfmn_model', 'random fit ' || f,
       custvalue.rfmn_fit(pg_temp.pick('value', f * 1000 + r * 10 + 1), pg_temp.pick('value', f * 1000 + r * 10 + 2),
                          pg_temp.pick('value', f * 1000 + r * 10 + 3),
                          CASE WHEN r % 3 = 0 THEN NULL ELSE pg_temp.pick('value', f * 1000 + r * 10 + 4) END,
                          format('{"bins": %s, "ties": "%s", "weights": [%s, %s, %s, %s]}', 1 + f % 7,
                                 CASE WHEN f % 2 = 0 THEN 'midrank' ELSE 'first' END,
                                 pg_temp.pick('weight', f * 10 + 1), pg_temp.pick('weight', f * 10 + 2),
                                 pg_temp.pick('weight', f * 10 + 3), pg_temp.pick('weight', f * 10 + 4))::jsonb)::text
  FROM generate_series(1, 60) f, LATERAL generate_series(1, 1 + f % 12) r
 GROUP BY f;

-- k-means models: hand-written with the largest and smallest centroids, raw
-- and on a subnormal scale; fits over subnormals, over one huge point and
-- over values near 1e150 (squared distances near 1e300).
INSERT INTO roundtrip_cases (kind, label, model) VALUES
 ('custvalue.kmeans_model', 'extreme centroids, raw units',
  '{"kind": "kmeans_model", "version": 1, "centroids": [[-1.7976931348623157e308, 5e-324],
    [1.7976931348623157e308, -5e-324], [0, 1e-300]]}'),
 ('custvalue.kmeans_model', 'subnormal scale',
  '{"kind": "kmeans_model", "version": 1, "centroids": [[1e-320], [2e-320]],
    "features": {"numeric": ["tiny"], "standardize": true, "mean": [1.5e-320], "sd": [5e-321]}}');
INSERT INTO roundtrip_cases (kind, label, model)
SELECT 'custvalue.kmeans_model', 'fit over subnormals',
       custvalue.kmeans_fit(ARRAY[i * 5e-324, -i * 5e-324], 3, '{"standardize": false}')::text
  FROM generate_series(1, 100) i;
INSERT INTO roundtrip_cases (kind, label, model)
SELECT 'custvalue.kmeans_model', 'fit over one point of 1.8e308',
       custvalue.kmeans_fit(ARRAY[1.7976931348623157e308, -1.7976931348623157e308], 1)::text;
INSERT INTO roundtrip_cases (kind, label, model)
SELECT 'custvalue.kmeans_model', 'fit over values near 1e150, raw',
       custvalue.kmeans_fit(ARRAY[i * 1e150, 1e-300], 2, '{"standardize": false}')::text FROM generate_series(1, 50) i;


-- Trees: hand-written ones at the extremes, fits over the pool of values
-- (features anywhere in the range, targets up to the 1e100 bound).
INSERT INTO roundtrip_cases (kind, label, model) VALUES
 ('custvalue.tree_model', 'extreme thresholds and values',
  '{"kind": "tree", "version": 1, "task": "regression", "features": {"numeric": ["a", "b"]},
    "nodes": [{"feature": "a", "threshold": -1.7976931348623157e308, "left": 1, "right": 2, "value": -1e308},
              {"value": 5e-324, "rows": 0, "impurity": 1.7976931348623157e308},
              {"feature": "b", "threshold": 5e-324, "left": 3, "right": 4, "rows": 1000000000000000},
              {"value": 1.7976931348623157e308}, {"value": -2.2250738585072014e-308, "impurity": 5e-324}]}'),
 ('custvalue.tree_model', 'one leaf, a share of 5e-324',
  '{"kind": "tree", "version": 1, "task": "classification", "features": {"numeric": ["a"],
    "categorical": [{"name": "c", "levels": ["x", "y"], "reference": "y"}]}, "nodes": [{"value": 5e-324}]}');
INSERT INTO roundtrip_cases (kind, label, model)
SELECT 'custvalue.tree_model', 'classification fit over the pool of values',
       custvalue.tree_fit(ARRAY[v, -v], v > 0 OR i % 3 = 0, '{"criterion": "entropy"}')::text
  FROM pool WHERE name = 'value';
INSERT INTO roundtrip_cases (kind, label, model)
SELECT 'custvalue.tree_model', 'regression fit over the pool, targets to 1e100',
       custvalue.tree_fit(ARRAY[v], least(greatest(v, -1e100), 1e100))::text
  FROM pool WHERE name = 'value';
INSERT INTO roundtrip_cases (kind, label, model)
SELECT 'custvalue.tree_model', 'regression fit over subnormal targets',
       custvalue.tree_fit(ARRAY[i::float8], i * 5e-324)::text FROM generate_series(1, 50) i;

SELECT kind, count(*) AS cases FROM roundtrip_cases GROUP BY kind ORDER BY kind;

-- Text and jsonb: the input accepts every case, and writing it again,
-- through text or through jsonb, gives the same text.
CREATE FUNCTION pg_temp.roundtrip_problem(kind regtype, model text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  t1 text;
  t2 text;
  t3 text;
BEGIN
  BEGIN
    EXECUTE format('SELECT (%L::%s)::text', model, kind) INTO t1;
  EXCEPTION WHEN OTHERS THEN
    RETURN 'input rejected: ' || SQLSTATE || ' ' || SQLERRM;
  END;
  EXECUTE format('SELECT (%L::%s)::text', t1, kind) INTO t2;
  IF t2 IS DISTINCT FROM t1 THEN
    RETURN 'text round trip differs';
  END IF;
  EXECUTE format('SELECT (%L::%s)::jsonb::text::%s::text', t1, kind, kind) INTO t3;
  IF t3 IS DISTINCT FROM t1 THEN
    RETURN 'jsonb round trip differs';
  END IF;
  RETURN NULL;
END $$;
SELECT kind, label, pg_temp.roundtrip_problem(kind, model) AS problem
  FROM roundtrip_cases WHERE pg_temp.roundtrip_problem(kind, model) IS NOT NULL ORDER BY id;

-- Binary: every case through COPY (FORMAT binary), out and back in, one
-- column per kind.
SELECT 'CREATE TABLE ' || t || ' (id int' || string_agg(format(', %I %s', col, kind), '' ORDER BY col) || ')'
  FROM roundtrip_kinds, (VALUES ('roundtrip_out'), ('roundtrip_in')) tables(t) GROUP BY t
\gexec
SELECT format('INSERT INTO roundtrip_out (id, %I) SELECT id, model::%s FROM roundtrip_cases WHERE kind = %L::regtype',
              col, kind, kind)
  FROM roundtrip_kinds ORDER BY col
\gexec
\copy roundtrip_out TO 'results/model_roundtrip.bin' WITH (FORMAT binary)
\copy roundtrip_in FROM 'results/model_roundtrip.bin' WITH (FORMAT binary)
SELECT format($q$SELECT %L AS kind, count(*) AS cases,
                        count(*) FILTER (WHERE o.%I::text IS DISTINCT FROM i.%I::text) AS differ
                   FROM roundtrip_out o JOIN roundtrip_in i USING (id) WHERE o.%I IS NOT NULL$q$,
              kind, col, col, col)
  FROM roundtrip_kinds ORDER BY col
\gexec

-- The right answer at any scale: a one-measure card scores each of its
-- values at 100 * (rows below + rows equal / 2) / rows, computed here in
-- numeric (exact up to the 15 digits of float8 to numeric).
WITH cards AS (
  SELECT id, model::custvalue.scorecard AS card, model::jsonb -> 'measures' -> 0 AS m
    FROM roundtrip_cases
   WHERE kind = 'custvalue.scorecard'::regtype AND label LIKE 'random card %'
     AND jsonb_array_length(model::jsonb -> 'measures') = 1 AND NOT (model::jsonb -> 'measures' -> 0 ? 'between')),
knots AS (
  SELECT id, card, k, (m -> 'values' ->> k)::float8 AS x, (m -> 'counts' ->> k)::float8::numeric AS cnt,
         (m ->> 'weight')::float8 AS w
    FROM cards, generate_series(0, jsonb_array_length(m -> 'values') - 1) k),
exact AS (
  SELECT id, card, x, w,
         100 * (coalesce(sum(cnt) OVER (PARTITION BY id ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                + cnt / 2) / sum(cnt) OVER (PARTITION BY id) AS points
    FROM knots)
SELECT count(*) AS values_scored,
       count(*) FILTER (WHERE w > 0 AND abs(custvalue.health_score(card, ARRAY[x]) - round(points, 12)::float8) > 1e-9) AS wrong
  FROM exact;
