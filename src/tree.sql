-- ---------------------------------------------------------------------------
-- Decision trees: custvalue.tree_model is a model value (JSON text form,
-- binary send/recv, cast to jsonb); tree_fit grows one (CART, as
-- scikit-learn does); tree_predict, tree_leaf and tree_path score a
-- customer; tree_rules, tree_nodes and tree_importance read the tree.
-- Glue in src/tree.c, numerics in src/kernel/tree_k.c.
-- ---------------------------------------------------------------------------
CREATE TYPE custvalue.tree_model;

CREATE FUNCTION custvalue.tree_model_in(cstring) RETURNS custvalue.tree_model
    AS 'MODULE_PATHNAME', 'cv_tree_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.tree_model_out(custvalue.tree_model) RETURNS cstring
    AS 'MODULE_PATHNAME', 'cv_tree_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.tree_model_recv(internal) RETURNS custvalue.tree_model
    AS 'MODULE_PATHNAME', 'cv_tree_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.tree_model_send(custvalue.tree_model) RETURNS bytea
    AS 'MODULE_PATHNAME', 'cv_tree_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE custvalue.tree_model (
    INPUT = custvalue.tree_model_in,
    OUTPUT = custvalue.tree_model_out,
    RECEIVE = custvalue.tree_model_recv,
    SEND = custvalue.tree_model_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE custvalue.tree_model IS 'decision tree (CART): nodes, feature names and one-hot levels, fit options and row counts';

CREATE FUNCTION custvalue.tree_model_jsonb(custvalue.tree_model) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cv_tree_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.tree_model_jsonb(custvalue.tree_model) IS 'the tree as jsonb';
CREATE CAST (custvalue.tree_model AS jsonb)
    WITH FUNCTION custvalue.tree_model_jsonb(custvalue.tree_model);

-- Transition functions are not strict: the state starts NULL, and a row
-- with a NULL (features, one of their elements, categories, label or
-- target) is skipped and counted in the model.
CREATE FUNCTION custvalue.tree_fit_class_trans(custvalue.fitstate, float8[], bool)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_tree_fit_class_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.tree_fit_class_trans(custvalue.fitstate, float8[], bool, jsonb)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_tree_fit_class_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.tree_fit_class_trans(custvalue.fitstate, float8[], text[], bool)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_tree_fit_class_cat_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.tree_fit_class_trans(custvalue.fitstate, float8[], text[], bool, jsonb)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_tree_fit_class_cat_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.tree_fit_reg_trans(custvalue.fitstate, float8[], float8)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_tree_fit_reg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.tree_fit_reg_trans(custvalue.fitstate, float8[], float8, jsonb)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_tree_fit_reg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.tree_fit_reg_trans(custvalue.fitstate, float8[], text[], float8)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_tree_fit_reg_cat_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.tree_fit_reg_trans(custvalue.fitstate, float8[], text[], float8, jsonb)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_tree_fit_reg_cat_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- The final functions sort the state's rows into their canonical order in
-- place: the representation changes, never the value, so READ_ONLY holds.
CREATE FUNCTION custvalue.tree_fit_class_final(custvalue.fitstate)
    RETURNS custvalue.tree_model
    AS 'MODULE_PATHNAME', 'cv_tree_fit_class_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.tree_fit_reg_final(custvalue.fitstate)
    RETURNS custvalue.tree_model
    AS 'MODULE_PATHNAME', 'cv_tree_fit_reg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE custvalue.tree_fit(features float8[], label bool) (
    SFUNC = custvalue.tree_fit_class_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.tree_fit_class_final, COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.tree_fit(float8[], bool)
    IS 'grow a classification tree (gini, max_depth 5) predicting the share of true labels';
CREATE AGGREGATE custvalue.tree_fit(features float8[], label bool, options jsonb) (
    SFUNC = custvalue.tree_fit_class_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.tree_fit_class_final, COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.tree_fit(float8[], bool, jsonb)
    IS 'grow a classification tree (options: names, max_depth, min_samples_split, min_samples_leaf, min_impurity_decrease, criterion gini/entropy, max_rows, seed)';
CREATE AGGREGATE custvalue.tree_fit(features float8[], categories text[], label bool) (
    SFUNC = custvalue.tree_fit_class_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.tree_fit_class_final, COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.tree_fit(float8[], text[], bool)
    IS 'grow a classification tree on numeric and one-hot encoded categorical features';
CREATE AGGREGATE custvalue.tree_fit(features float8[], categories text[], label bool, options jsonb) (
    SFUNC = custvalue.tree_fit_class_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.tree_fit_class_final, COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.tree_fit(float8[], text[], bool, jsonb)
    IS 'grow a classification tree on numeric and categorical features, with options';
CREATE AGGREGATE custvalue.tree_fit(features float8[], target float8) (
    SFUNC = custvalue.tree_fit_reg_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.tree_fit_reg_final, COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.tree_fit(float8[], float8)
    IS 'grow a regression tree (squared error, max_depth 5) predicting the mean target';
CREATE AGGREGATE custvalue.tree_fit(features float8[], target float8, options jsonb) (
    SFUNC = custvalue.tree_fit_reg_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.tree_fit_reg_final, COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.tree_fit(float8[], float8, jsonb)
    IS 'grow a regression tree (options: names, max_depth, min_samples_split, min_samples_leaf, min_impurity_decrease, criterion squared_error, max_rows, seed)';
CREATE AGGREGATE custvalue.tree_fit(features float8[], categories text[], target float8) (
    SFUNC = custvalue.tree_fit_reg_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.tree_fit_reg_final, COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.tree_fit(float8[], text[], float8)
    IS 'grow a regression tree on numeric and one-hot encoded categorical features';
CREATE AGGREGATE custvalue.tree_fit(features float8[], categories text[], target float8, options jsonb) (
    SFUNC = custvalue.tree_fit_reg_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.tree_fit_reg_final, COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.tree_fit(float8[], text[], float8, jsonb)
    IS 'grow a regression tree on numeric and categorical features, with options';

-- Scoring.  tree_predict(m, ARRAY[a, b, ...] [, categories]) (and tree_leaf,
-- tree_path) is rewritten by the planner into tree_predict_args(m
-- [, categories], a, b, ...), which takes the features as separate
-- arguments: no array of features is built per row.
CREATE FUNCTION custvalue.tree_args_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'cv_tree_args_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.tree_args_support(internal) IS
    'planner support: passes the elements of an ARRAY[...] of features of tree_predict, tree_leaf, tree_path as separate arguments';

CREATE FUNCTION custvalue.tree_predict_args(model custvalue.tree_model, VARIADIC features "any")
    RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_tree_predict_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.tree_predict_args(custvalue.tree_model, "any")
    IS 'tree_predict with the float8 features as separate arguments';
CREATE FUNCTION custvalue.tree_predict(model custvalue.tree_model, features float8[])
    RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_tree_predict' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT custvalue.tree_args_support;
COMMENT ON FUNCTION custvalue.tree_predict(custvalue.tree_model, float8[])
    IS 'the value of the customer''s leaf: probability of true (classification) or mean target; NULL when a feature is NULL';
CREATE FUNCTION custvalue.tree_predict_args(model custvalue.tree_model, categories text[], VARIADIC features "any")
    RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_tree_predict_cat_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.tree_predict_args(custvalue.tree_model, text[], "any")
    IS 'tree_predict with categories and the float8 features as separate arguments';
CREATE FUNCTION custvalue.tree_predict(model custvalue.tree_model, features float8[], categories text[])
    RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_tree_predict' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT custvalue.tree_args_support;
COMMENT ON FUNCTION custvalue.tree_predict(custvalue.tree_model, float8[], text[])
    IS 'the value of the customer''s leaf, with categorical features (unseen levels count as the reference level)';

CREATE FUNCTION custvalue.tree_leaf_args(model custvalue.tree_model, VARIADIC features "any")
    RETURNS int
    AS 'MODULE_PATHNAME', 'cv_tree_leaf_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.tree_leaf_args(custvalue.tree_model, "any")
    IS 'tree_leaf with the float8 features as separate arguments';
CREATE FUNCTION custvalue.tree_leaf(model custvalue.tree_model, features float8[])
    RETURNS int
    AS 'MODULE_PATHNAME', 'cv_tree_leaf' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT custvalue.tree_args_support;
COMMENT ON FUNCTION custvalue.tree_leaf(custvalue.tree_model, float8[])
    IS 'the node number of the customer''s leaf (as tree_rules and tree_nodes number them)';
CREATE FUNCTION custvalue.tree_leaf_args(model custvalue.tree_model, categories text[], VARIADIC features "any")
    RETURNS int
    AS 'MODULE_PATHNAME', 'cv_tree_leaf_cat_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.tree_leaf_args(custvalue.tree_model, text[], "any")
    IS 'tree_leaf with categories and the float8 features as separate arguments';
CREATE FUNCTION custvalue.tree_leaf(model custvalue.tree_model, features float8[], categories text[])
    RETURNS int
    AS 'MODULE_PATHNAME', 'cv_tree_leaf' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT custvalue.tree_args_support;
COMMENT ON FUNCTION custvalue.tree_leaf(custvalue.tree_model, float8[], text[])
    IS 'the node number of the customer''s leaf, with categorical features';

CREATE FUNCTION custvalue.tree_path_args(model custvalue.tree_model, VARIADIC features "any")
    RETURNS text
    AS 'MODULE_PATHNAME', 'cv_tree_path_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.tree_path_args(custvalue.tree_model, "any")
    IS 'tree_path with the float8 features as separate arguments';
CREATE FUNCTION custvalue.tree_path(model custvalue.tree_model, features float8[])
    RETURNS text
    AS 'MODULE_PATHNAME', 'cv_tree_path' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT custvalue.tree_args_support;
COMMENT ON FUNCTION custvalue.tree_path(custvalue.tree_model, float8[])
    IS 'the conditions that lead the customer to its leaf, in the model''s feature names';
CREATE FUNCTION custvalue.tree_path_args(model custvalue.tree_model, categories text[], VARIADIC features "any")
    RETURNS text
    AS 'MODULE_PATHNAME', 'cv_tree_path_cat_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.tree_path_args(custvalue.tree_model, text[], "any")
    IS 'tree_path with categories and the float8 features as separate arguments';
CREATE FUNCTION custvalue.tree_path(model custvalue.tree_model, features float8[], categories text[])
    RETURNS text
    AS 'MODULE_PATHNAME', 'cv_tree_path' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT custvalue.tree_args_support;
COMMENT ON FUNCTION custvalue.tree_path(custvalue.tree_model, float8[], text[])
    IS 'the conditions that lead the customer to its leaf, with categorical features';

-- Reading the tree.
CREATE FUNCTION custvalue.tree_rules(model custvalue.tree_model,
        OUT leaf int, OUT rule text, OUT rows bigint, OUT value float8, OUT impurity float8)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cv_tree_rules' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 32;
COMMENT ON FUNCTION custvalue.tree_rules(custvalue.tree_model)
    IS 'every leaf as a readable rule (conditions joined by AND) with its training rows, value and impurity';
CREATE FUNCTION custvalue.tree_nodes(model custvalue.tree_model,
        OUT node int, OUT parent int, OUT depth int, OUT feature text, OUT threshold float8,
        OUT "left" int, OUT "right" int, OUT rows bigint, OUT impurity float8, OUT value float8)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cv_tree_nodes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 64;
COMMENT ON FUNCTION custvalue.tree_nodes(custvalue.tree_model)
    IS 'every node in preorder: a split goes left when feature <= threshold; leaves have no feature';
CREATE FUNCTION custvalue.tree_importance(model custvalue.tree_model,
        OUT feature text, OUT importance float8)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cv_tree_importance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 16;
COMMENT ON FUNCTION custvalue.tree_importance(custvalue.tree_model)
    IS 'per input column (name=level for a category) its normalised total impurity decrease, scikit-learn''s feature_importances_';
