-- Decision trees: tree_fit (classification and regression, with and
-- without categories and options), scoring, rules, nodes, importances, the
-- custvalue.tree_model value, errors, tiny inputs and plan independence.
SET extra_float_digits = 0;
-- own schema: other tests leave tables of the same names behind
CREATE SCHEMA tree_regress;
SET search_path = tree_regress, public;
-- errors are shown as SQLSTATE: message
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- Worked by hand: spend <= 2.5 are all churners (label true), above all
-- stay; visits carry no information.  Gini of the root: 1 - (2/6)^2 -
-- (4/6)^2 = 4/9.  Split midway between 2 and 3.
CREATE TABLE tiny (id int, spend float8, visits float8, churned bool, revenue float8, seg text);
INSERT INTO tiny VALUES
  (1, 1, 5, true, 10, 'Gold'), (2, 2, 1, true, 12, 'Std'), (3, 3, 5, false, 30, 'Std'),
  (4, 4, 1, false, 31, 'Gold'), (5, 5, 5, false, 50, 'Std'), (6, 6, 1, false, 52, 'Std');
CREATE TABLE m AS
SELECT custvalue.tree_fit(ARRAY[spend, visits], churned, '{"names": ["spend", "visits"]}') AS tree
  FROM tiny;
SELECT tree::text FROM m;
SELECT * FROM custvalue.tree_rules((SELECT tree FROM m));
SELECT * FROM custvalue.tree_nodes((SELECT tree FROM m));
SELECT * FROM custvalue.tree_importance((SELECT tree FROM m));
SELECT id, custvalue.tree_predict(tree, ARRAY[spend, visits]) AS p,
       custvalue.tree_leaf(tree, ARRAY[spend, visits]) AS leaf,
       custvalue.tree_path(tree, ARRAY[spend, visits]) AS path
  FROM tiny, m ORDER BY id;
-- ARRAY[...] arguments are passed as separate arguments (no array per row)
EXPLAIN (VERBOSE, COSTS OFF)
SELECT custvalue.tree_predict(tree, ARRAY[spend, visits]), custvalue.tree_leaf(tree, ARRAY[spend, visits]),
       custvalue.tree_path(tree, ARRAY[spend, visits])
  FROM tiny, m;
-- a customer at the threshold goes left; a NULL feature scores NULL
SELECT custvalue.tree_leaf(tree, ARRAY[2.5, 0]) AS at_threshold,
       custvalue.tree_predict(tree, ARRAY[NULL, 1]) AS null_feature,
       custvalue.tree_predict_args(tree, NULL::float8, 1::float8) AS null_feature_args,
       custvalue.tree_predict_args(NULL, 1::float8, 1::float8) AS null_model
  FROM m;

-- Regression: the mean per leaf; entropy on the same rows; categories
-- one-hot encoded (Std, the most frequent, is the reference).
SELECT * FROM custvalue.tree_rules((SELECT custvalue.tree_fit(ARRAY[spend, visits], revenue,
         '{"max_depth": 2, "names": ["spend", "visits"]}') FROM tiny));
SELECT * FROM custvalue.tree_rules((SELECT custvalue.tree_fit(ARRAY[spend], churned, '{"criterion": "entropy"}') FROM tiny));
SELECT * FROM custvalue.tree_rules((SELECT custvalue.tree_fit(ARRAY[visits], ARRAY[seg], revenue,
         '{"max_depth": 1, "names": ["visits", "segment"]}') FROM tiny));
SELECT * FROM custvalue.tree_importance((SELECT custvalue.tree_fit(ARRAY[visits], ARRAY[seg], revenue) FROM tiny));
SELECT custvalue.tree_path(t, ARRAY[5], ARRAY['Gold']) AS gold, custvalue.tree_path(t, ARRAY[5], ARRAY['Std']) AS std,
       custvalue.tree_predict(t, ARRAY[5], ARRAY['Unseen']) = custvalue.tree_predict(t, ARRAY[5], ARRAY['Std'])
         AS unseen_is_reference,
       custvalue.tree_predict(t, ARRAY[5], ARRAY[NULL]) AS null_category
  FROM (SELECT custvalue.tree_fit(ARRAY[visits], ARRAY[seg], revenue, '{"max_depth": 1, "names": ["visits", "segment"]}') AS t
          FROM tiny) s;
-- with categories too, the features are passed as separate arguments
CREATE TABLE mc AS
SELECT custvalue.tree_fit(ARRAY[visits], ARRAY[seg], revenue, '{"max_depth": 1, "names": ["visits", "segment"]}') AS t
  FROM tiny;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT custvalue.tree_predict(t, ARRAY[visits], ARRAY[seg]), custvalue.tree_path(t, ARRAY[visits], ARRAY[seg])
  FROM tiny, mc;
SELECT id, custvalue.tree_predict(t, ARRAY[visits], ARRAY[seg]) AS rewritten,
       custvalue.tree_predict(t, (SELECT ARRAY[visits]), ARRAY[seg]) AS as_array,
       custvalue.tree_leaf(t, ARRAY[visits], ARRAY[seg]) AS leaf
  FROM tiny, mc ORDER BY id;
SELECT custvalue.tree_predict_args(t, NULL::text[], 1::float8) AS null_categories,
       custvalue.tree_predict_args(t, ARRAY['Gold'], NULL::float8) AS null_feature,
       custvalue.tree_predict_args(t, ARRAY['Gold'], 1::float8) AS gold
  FROM mc;
SELECT pg_temp.err($$SELECT custvalue.tree_predict_args(t, ARRAY['Gold'], 1) FROM mc$$);
SELECT pg_temp.err($$SELECT custvalue.tree_predict_args(t, ARRAY['Gold', 'Std'], 1::float8) FROM mc$$);
SELECT custvalue.tree_leaf(t, ARRAY[5], ARRAY['Gold']) AS leaf_with_categories
  FROM (SELECT custvalue.tree_fit(ARRAY[visits], ARRAY[seg], churned) AS t FROM tiny) s;

-- Every option.  max_depth 1 stops at one split; min_samples_split 7 > 6
-- rows and min_samples_leaf 4 (no split leaves 4 on each side) give one
-- leaf; min_impurity_decrease above the root's decrease (4/9) too.
SELECT o, (SELECT count(*) FROM custvalue.tree_nodes(custvalue.tree_fit(ARRAY[spend, visits], revenue, o::jsonb))) AS nodes
  FROM tiny, (VALUES ('{"max_depth": 1}'), ('{"min_samples_split": 7}'), ('{"min_samples_leaf": 4}'),
                     ('{"min_samples_leaf": 3}'), ('{"min_impurity_decrease": 1000}'),
                     ('{"criterion": "squared_error"}'), ('{"max_rows": 3, "seed": 7}')) v(o)
 GROUP BY o ORDER BY o;
SELECT o, (SELECT count(*) FROM custvalue.tree_nodes(custvalue.tree_fit(ARRAY[spend, visits], churned, o::jsonb))) AS nodes
  FROM tiny, (VALUES ('{"min_impurity_decrease": 0.4444}'), ('{"min_impurity_decrease": 0.4445}')) v(o)
 GROUP BY o ORDER BY o;
-- past max_rows the model says how many rows it saw and used
SELECT tree::jsonb -> 'rows' AS rows, tree::jsonb -> 'options' -> 'max_rows' AS max_rows
  FROM (SELECT custvalue.tree_fit(ARRAY[i::float8], i % 3 = 0, '{"max_rows": 100}') AS tree
          FROM generate_series(1, 1000) i) s;

-- Rows with a NULL are skipped and counted.
SELECT tree::jsonb -> 'rows' AS rows
  FROM (SELECT custvalue.tree_fit(f, y) AS tree
          FROM (VALUES (ARRAY[1, 2]::float8[], true), (ARRAY[NULL, 2]::float8[], false), (NULL, true),
                       (ARRAY[3, 4]::float8[], NULL), (ARRAY[5, 6]::float8[], false)) v(f, y)) s;
SELECT tree::jsonb -> 'rows' AS rows
  FROM (SELECT custvalue.tree_fit(f, c, y) AS tree
          FROM (VALUES (ARRAY[1]::float8[], ARRAY['a'], 1.0), (ARRAY[2]::float8[], ARRAY[NULL], 2.0),
                       (ARRAY[3]::float8[], NULL, 3.0)) v(f, c, y)) s;
-- a group with only incomplete rows, and no rows at all, give NULL
SELECT custvalue.tree_fit(ARRAY[NULL::float8], true) IS NULL AS all_skipped,
       (SELECT custvalue.tree_fit(ARRAY[1::float8], true) FROM tiny WHERE false) IS NULL AS no_rows;

-- Tiny inputs: one row, all labels equal (one leaf, documented), all
-- features equal (one leaf at the overall share).
SELECT * FROM custvalue.tree_rules((SELECT custvalue.tree_fit(ARRAY[1::float8], true)));
SELECT * FROM custvalue.tree_rules((SELECT custvalue.tree_fit(ARRAY[spend], true) FROM tiny));
SELECT * FROM custvalue.tree_importance((SELECT custvalue.tree_fit(ARRAY[spend], true) FROM tiny));
SELECT * FROM custvalue.tree_rules((SELECT custvalue.tree_fit(ARRAY[1::float8, 2], churned) FROM tiny));
-- Ties in feature values: equal values stay on one side (1,1 | 2,2,2,3
-- would split a tie; the best split puts all 2s left of 2.5).
SELECT * FROM custvalue.tree_rules((SELECT custvalue.tree_fit(ARRAY[x], y, '{"max_depth": 1}')
  FROM (VALUES (1, false), (1, true), (2, false), (2, true), (2, true), (3, true)) v(x, y)));
-- Ties between equally good splits go to the first column: two copies.
SELECT feature FROM custvalue.tree_nodes((SELECT custvalue.tree_fit(ARRAY[spend, spend], churned,
         '{"names": ["first", "second"]}') FROM tiny)) WHERE node = 0;

-- Errors.
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], churned, '{"max_depth": 0}') FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], churned, '{"max_depth": 65}') FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], churned, '{"max_depth": 2.5}') FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], churned, '{"min_samples_split": 1}') FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], churned, '{"min_samples_leaf": 0}') FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], churned, '{"min_impurity_decrease": -1}') FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], churned, '{"criterion": "squared_error"}') FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], revenue, '{"criterion": "gini"}') FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], churned, '{"criterion": 1}') FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], churned, '{"depth": 3}') FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], churned, '{"standardize": true}') FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], churned, '{"max_rows": 0}') FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], churned, '{"names": ["a", "b"]}') FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend, visits], churned, '{"names": ["a", "a"]}') FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(CASE WHEN id = 3 THEN ARRAY[spend] ELSE ARRAY[spend, visits] END, churned) FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], CASE WHEN id = 3 THEN ARRAY['a', 'b'] ELSE ARRAY['a'] END, churned) FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], churned, jsonb_build_object('max_depth', id)) FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend, 'NaN'], churned) FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend, 'Infinity'], revenue) FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], 'NaN'::float8) FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[spend], -1.5e100::float8) FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[]::float8[], churned) FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[[spend]], churned) FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_predict(tree, ARRAY[1]) FROM m$$);
SELECT pg_temp.err($$SELECT custvalue.tree_predict(tree, ARRAY[1, 2, 3]::float8[]) FROM m$$);
SELECT pg_temp.err($$SELECT custvalue.tree_predict_args(tree, 1::float8) FROM m$$);
SELECT pg_temp.err($$SELECT custvalue.tree_predict_args(tree, 1, 2) FROM m$$);
SELECT pg_temp.err($$SELECT custvalue.tree_predict(tree, ARRAY[1, 2], ARRAY['a']) FROM m$$);
SELECT pg_temp.err($$SELECT custvalue.tree_predict(custvalue.tree_fit(ARRAY[visits], ARRAY[seg], churned), ARRAY[1]) FROM tiny$$);
SELECT pg_temp.err($$SELECT custvalue.tree_predict(tree, ARRAY['NaN', 1]::float8[]) FROM m$$);

-- The model value: JSON round trip of a fitted tree, jsonb cast, binary.
SELECT tree::text::custvalue.tree_model::text = tree::text AS json_round_trip FROM m;
SELECT jsonb_array_length(tree::jsonb -> 'nodes') AS nodes FROM m;
CREATE TABLE m_bin (tree custvalue.tree_model);
\copy m TO 'results/tree.bin' (FORMAT binary)
\copy m_bin FROM 'results/tree.bin' (FORMAT binary)
SELECT b.tree::text = m.tree::text AS binary_round_trip FROM m, m_bin b;

-- A hand-written tree (a business owner's rules) scores and reads too;
-- without rows and impurities its importances are unknown.
CREATE TABLE hand AS SELECT '{"kind": "tree", "version": 1, "task": "regression",
  "features": {"numeric": ["tenure_months"], "categorical": [{"name": "plan", "levels": ["basic", "pro"], "reference": "basic"}]},
  "nodes": [{"feature": "tenure_months", "threshold": 12, "left": 1, "right": 2},
            {"value": 100},
            {"feature": "plan=pro", "threshold": 0.5, "left": 3, "right": 4},
            {"value": 250}, {"value": 900}]}'::custvalue.tree_model AS tree;
SELECT tree::text FROM hand;
SELECT tree::text::custvalue.tree_model::text = tree::text AS hand_json_round_trip FROM hand;
SELECT * FROM custvalue.tree_rules((SELECT tree FROM hand));
SELECT * FROM custvalue.tree_importance((SELECT tree FROM hand));
SELECT t, p, custvalue.tree_predict(tree, ARRAY[t], ARRAY[p]) AS value, custvalue.tree_path(tree, ARRAY[t], ARRAY[p]) AS path
  FROM hand, (VALUES (6, 'pro'), (24, 'basic'), (24, 'pro'), (24, 'enterprise')) v(t, p);
-- malformed trees
SELECT pg_temp.err($$SELECT '{"kind": "tree", "version": 1, "task": "regression", "features": {"numeric": ["a"]}, "nodes": [{"feature": "a", "threshold": 1, "left": 1, "right": 1}, {"value": 1}]}'::custvalue.tree_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "tree", "version": 1, "task": "regression", "features": {"numeric": ["a"]}, "nodes": [{"feature": "a", "threshold": 1, "left": 2, "right": 1}, {"feature": "a", "threshold": 0, "left": 0, "right": 2}, {"value": 1}]}'::custvalue.tree_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "tree", "version": 1, "task": "regression", "features": {"numeric": ["a"]}, "nodes": [{"value": 1}, {"value": 2}]}'::custvalue.tree_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "tree", "version": 1, "task": "classification", "features": {"numeric": ["a"]}, "nodes": [{"value": 1.5}]}'::custvalue.tree_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "tree", "version": 1, "task": "regression", "features": {"numeric": ["a"]}, "nodes": [{"feature": "b", "threshold": 1, "left": 1, "right": 2}, {"value": 1}, {"value": 2}]}'::custvalue.tree_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "tree", "version": 1, "task": "regression", "features": {"numeric": ["a"]}, "nodes": [{"threshold": 1, "value": 1}]}'::custvalue.tree_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "tree", "version": 1, "task": "regression", "features": {"numeric": ["a"]}, "nodes": [{"rows": -1, "value": 1}]}'::custvalue.tree_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "tree", "version": 1, "task": "regression", "features": {"numeric": ["a"]}, "nodes": [{"impurity": "low", "value": 1}]}'::custvalue.tree_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "tree", "version": 1, "task": "regression", "features": {"numeric": ["a"]}, "nodes": [{"value": 1, "colour": "red"}]}'::custvalue.tree_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "tree", "version": 1, "task": "regression", "features": {"numeric": ["a"]}, "nodes": []}'::custvalue.tree_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "tree", "version": 1, "task": "survival", "features": {"numeric": ["a"]}, "nodes": [{"value": 1}]}'::custvalue.tree_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "tree", "version": 1, "task": "regression", "options": {"criterion": "gini", "max_depth": 5, "min_samples_split": 2, "min_samples_leaf": 1, "min_impurity_decrease": 0, "max_rows": 0}, "features": {"numeric": ["a"]}, "nodes": [{"value": 1}]}'::custvalue.tree_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "tree", "version": 1, "task": "regression", "options": {"criterion": "squared_error"}, "features": {"numeric": ["a"]}, "nodes": [{"value": 1}]}'::custvalue.tree_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "tree", "version": 1, "task": "regression", "rows": {"seen": 1, "used": 2, "skipped": 0}, "features": {"numeric": ["a"]}, "nodes": [{"value": 1}]}'::custvalue.tree_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "scorecard", "version": 1}'::custvalue.tree_model$$);
SELECT pg_temp.err($$SELECT '{"kind": "tree", "version": 1, "task": "regression", "features": {"numeric": ["a"]}, "nodes": [{"value": 1}]'::custvalue.tree_model$$);

-- Determinism: the same tree whatever the row order, and under forced
-- parallel and partition-wise plans.
CREATE TABLE big AS
SELECT i, ARRAY[(i * 7919 % 1000)::float8 / 8, (i % 37)::float8, (i::bigint * 104729 % 613)::float8] AS f,
       (ARRAY['north', 'south', 'east', 'west', 'south'])[1 + i % 5] AS region,
       (i * 7919 % 1000) + 3 * (i % 37) > 600 OR i % 11 = 0 AS y,
       ((i * 7919 % 1000) / 10 + (i % 37) * ((i % 5) + 1))::float8 AS r
  FROM generate_series(1, 30000) i;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial AS
SELECT custvalue.tree_fit(f, ARRAY[region], y, '{"max_depth": 6}')::text AS c,
       custvalue.tree_fit(f, r, '{"max_depth": 6, "min_samples_leaf": 5}')::text AS rg
  FROM big;
SELECT (SELECT custvalue.tree_fit(f, ARRAY[region], y, '{"max_depth": 6}')::text
          FROM (SELECT * FROM big ORDER BY i DESC) s) = c AS reversed_order_equals
  FROM serial;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT custvalue.tree_fit(f, ARRAY[region], y, '{"max_depth": 6}') FROM big;
SELECT custvalue.tree_fit(f, ARRAY[region], y, '{"max_depth": 6}')::text = (SELECT c FROM serial) AS parallel_equals_serial,
       custvalue.tree_fit(f, r, '{"max_depth": 6, "min_samples_leaf": 5}')::text = (SELECT rg FROM serial) AS parallel_regression_equals
  FROM big;
CREATE TABLE parted (g int, f float8[], region text, y bool) PARTITION BY LIST (g);
CREATE TABLE parted_0 PARTITION OF parted FOR VALUES IN (0);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES IN (1);
INSERT INTO parted SELECT i % 2, f, region, y FROM big;
ANALYZE parted;
SET enable_partitionwise_aggregate = on;
EXPLAIN (COSTS OFF) SELECT custvalue.tree_fit(f, ARRAY[region], y, '{"max_depth": 6}') FROM parted;
SELECT custvalue.tree_fit(f, ARRAY[region], y, '{"max_depth": 6}')::text = (SELECT c FROM serial) AS partitionwise_equals
  FROM parted;
RESET ALL;
SET search_path = tree_regress, public;
SELECT count(*) AS leaves, sum(rows) AS rows FROM custvalue.tree_rules((SELECT c::custvalue.tree_model FROM serial));
SELECT feature, round(importance::numeric, 6) AS importance
  FROM custvalue.tree_importance((SELECT c::custvalue.tree_model FROM serial));
-- a regression tree on decimal targets: squared error as scikit-learn
-- computes it (sum of squares / n - mean^2) may round a hair below 0 in a
-- pure node; the model still reads back
-- (on this data a node's impurity is -7e-10 here)
SELECT t::text::custvalue.tree_model::text = t::text AS decimal_targets_round_trip,
       (SELECT min(impurity) FROM custvalue.tree_nodes(t)) <= 0 AS pure_node
  FROM (SELECT custvalue.tree_fit(ARRAY[CASE WHEN i % 4 = 0 THEN 0 ELSE (i * 37 % 365) END::float8,
                                        CASE WHEN i % 10 < 6 THEN 1 ELSE 1 + i % 40 END::float8,
                                        CASE WHEN i % 5 = 0 THEN NULL ELSE (i * 13 % 11) END::float8],
                                  round((i * 7919 % 10007) / 10.0, 1)::float8) AS t
          FROM generate_series(1, 20000) i WHERE i % 3 = 2) s;
-- the state is capped by custvalue.max_fit_memory
SET custvalue.max_fit_memory = '64kB';
SELECT pg_temp.err($$SELECT custvalue.tree_fit(ARRAY[i::float8, i], i % 2 = 0) FROM generate_series(1, 20000) i$$);
RESET custvalue.max_fit_memory;

-- Only a categorical input with a single level: no design column, so the
-- tree is one leaf whose value is the share of true labels (2 of 3).
SELECT custvalue.tree_predict(m, ARRAY[]::float8[], ARRAY['a']) AS one_leaf_share
  FROM (SELECT custvalue.tree_fit(ARRAY[]::float8[], ARRAY['a'], y) AS m
          FROM (VALUES (true), (false), (true)) v(y)) f;
