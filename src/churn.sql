-- ---------------------------------------------------------------------------
-- Churn risk: custvalue.churn_model (a logistic regression model value),
-- churn_fit, churn_risk, churn_reasons, churn_coefficients, and the driver
-- analysis helpers best_split and wilson_interval.  Glue in src/churn.c,
-- numerics in src/kernel/logit_k.c.
-- ---------------------------------------------------------------------------
CREATE TYPE custvalue.churn_model;

CREATE FUNCTION custvalue.churn_model_in(cstring) RETURNS custvalue.churn_model
    AS 'MODULE_PATHNAME', 'cv_churn_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.churn_model_out(custvalue.churn_model) RETURNS cstring
    AS 'MODULE_PATHNAME', 'cv_churn_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.churn_model_recv(internal) RETURNS custvalue.churn_model
    AS 'MODULE_PATHNAME', 'cv_churn_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.churn_model_send(custvalue.churn_model) RETURNS bytea
    AS 'MODULE_PATHNAME', 'cv_churn_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE custvalue.churn_model (
    INPUT = custvalue.churn_model_in,
    OUTPUT = custvalue.churn_model_out,
    RECEIVE = custvalue.churn_model_recv,
    SEND = custvalue.churn_model_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE custvalue.churn_model IS
    'churn model: logistic regression on standardized numeric and one-hot categorical features';

CREATE FUNCTION custvalue.churn_model_jsonb(custvalue.churn_model) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cv_churn_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.churn_model_jsonb(custvalue.churn_model) IS 'the churn model as jsonb';
CREATE CAST (custvalue.churn_model AS jsonb)
    WITH FUNCTION custvalue.churn_model_jsonb(custvalue.churn_model);

-- Transition functions are not strict: rows with a NULL feature or label
-- are skipped and counted in the model.
CREATE FUNCTION custvalue.churn_fit_trans(custvalue.fitstate, float8[], bool)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_churn_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.churn_fit_trans(custvalue.fitstate, float8[], bool, jsonb)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_churn_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.churn_fit_trans(custvalue.fitstate, float8[], text[], bool)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_churn_fit_cat_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.churn_fit_trans(custvalue.fitstate, float8[], text[], bool, jsonb)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_churn_fit_cat_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.churn_fit_final(custvalue.fitstate)
    RETURNS custvalue.churn_model
    AS 'MODULE_PATHNAME', 'cv_churn_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE custvalue.churn_fit(features float8[], churned bool) (
    SFUNC = custvalue.churn_fit_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.churn_fit_final, COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.churn_fit(float8[], bool)
    IS 'fit a logistic churn model (standardized features, maximum likelihood)';
CREATE AGGREGATE custvalue.churn_fit(features float8[], churned bool, options jsonb) (
    SFUNC = custvalue.churn_fit_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.churn_fit_final, COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.churn_fit(float8[], bool, jsonb)
    IS 'fit a logistic churn model (options: names, standardize, l2, max_iter, tol, max_rows, seed)';
CREATE AGGREGATE custvalue.churn_fit(features float8[], categories text[], churned bool) (
    SFUNC = custvalue.churn_fit_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.churn_fit_final, COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.churn_fit(float8[], text[], bool)
    IS 'fit a logistic churn model; categories are one-hot encoded, the most frequent level is the reference';
CREATE AGGREGATE custvalue.churn_fit(features float8[], categories text[], churned bool, options jsonb) (
    SFUNC = custvalue.churn_fit_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.churn_fit_final, COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.churn_fit(float8[], text[], bool, jsonb)
    IS 'fit a logistic churn model with one-hot categories (options: names, standardize, l2, max_iter, tol, max_rows, seed)';

-- churn_risk(m, ARRAY[...] [, ARRAY[...]]) and churn_reasons(...) are
-- rewritten by the planner into the _args functions, which take the
-- features as separate arguments: no array is built per row.
CREATE FUNCTION custvalue.churn_risk_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'cv_churn_risk_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.churn_risk_support(internal)
    IS 'planner support: passes the elements of ARRAY[...] arguments of churn_risk as separate arguments';
CREATE FUNCTION custvalue.churn_reasons_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'cv_churn_reasons_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.churn_reasons_support(internal)
    IS 'planner support: passes the elements of ARRAY[...] arguments of churn_reasons as separate arguments';

CREATE FUNCTION custvalue.churn_risk_args(model custvalue.churn_model, VARIADIC features "any")
    RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_churn_risk_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.churn_risk_args(custvalue.churn_model, "any")
    IS 'churn_risk with the float8 features, then the text categories, as separate arguments';
CREATE FUNCTION custvalue.churn_risk(model custvalue.churn_model, features float8[])
    RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_churn_risk' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT custvalue.churn_risk_support;
COMMENT ON FUNCTION custvalue.churn_risk(custvalue.churn_model, float8[])
    IS 'churn probability of a customer; NULL when a feature is NULL';
CREATE FUNCTION custvalue.churn_risk(model custvalue.churn_model, features float8[], categories text[])
    RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_churn_risk' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT custvalue.churn_risk_support;
COMMENT ON FUNCTION custvalue.churn_risk(custvalue.churn_model, float8[], text[])
    IS 'churn probability of a customer; a level unseen at fit time scores as the reference level';

CREATE FUNCTION custvalue.churn_reasons_args(model custvalue.churn_model, top int, VARIADIC features "any")
    RETURNS text[]
    AS 'MODULE_PATHNAME', 'cv_churn_reasons_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.churn_reasons_args(custvalue.churn_model, int, "any")
    IS 'churn_reasons with the float8 features, then the text categories, as separate arguments';
CREATE FUNCTION custvalue.churn_reasons(model custvalue.churn_model, features float8[], top int)
    RETURNS text[]
    AS 'MODULE_PATHNAME', 'cv_churn_reasons' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT custvalue.churn_reasons_support;
COMMENT ON FUNCTION custvalue.churn_reasons(custvalue.churn_model, float8[], int)
    IS 'the features that raise this customer''s risk most (coef * z-score above the mean), strongest first, at most top';
CREATE FUNCTION custvalue.churn_reasons(model custvalue.churn_model, features float8[], categories text[], top int)
    RETURNS text[]
    AS 'MODULE_PATHNAME', 'cv_churn_reasons' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT custvalue.churn_reasons_support;
COMMENT ON FUNCTION custvalue.churn_reasons(custvalue.churn_model, float8[], text[], int)
    IS 'the features and levels ("name=level") that raise this customer''s risk most, strongest first, at most top';

CREATE FUNCTION custvalue.churn_coefficients(model custvalue.churn_model)
    RETURNS TABLE(feature text, coef float8, std_coef float8, std_error float8, z float8,
                  p_value float8, odds_ratio float8)
    AS 'MODULE_PATHNAME', 'cv_churn_coefficients' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION custvalue.churn_coefficients(custvalue.churn_model)
    IS 'intercept and coefficients in original units, per standard deviation, with Wald standard errors, z, p-values and odds ratios';

-- best_split: the cut of x with the largest Gini impurity decrease, as a
-- depth-1 decision tree would choose it, from the exact distribution of x
-- among churned and other rows.
CREATE TYPE custvalue.split AS (
    threshold float8,          -- rows with x < threshold are below, x >= threshold at or above
    rows bigint,
    rows_below bigint,
    rows_above bigint,
    rate_below float8,
    rate_above float8,
    lift float8,               -- rate_above / overall rate
    impurity_decrease float8   -- Gini impurity of all rows minus the weighted impurity of the two sides
);
COMMENT ON TYPE custvalue.split IS 'a cut of one feature: threshold, rows and churn rates below and at or above, lift, Gini decrease';

CREATE FUNCTION custvalue.best_split_trans(custvalue.fitstate, float8, bool)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_best_split_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.best_split_final(custvalue.fitstate)
    RETURNS custvalue.split
    AS 'MODULE_PATHNAME', 'cv_best_split_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE custvalue.best_split(x float8, churned bool) (
    SFUNC = custvalue.best_split_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.best_split_final, COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.best_split(float8, bool)
    IS 'the threshold on x that best separates churned rows (largest Gini decrease); NULL when no cut helps';

CREATE FUNCTION custvalue.wilson_interval(successes bigint, total bigint)
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'cv_wilson_interval' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.wilson_interval(bigint, bigint)
    IS '95% Wilson score interval {low, high} of the rate successes / total; NULL when total is 0';
CREATE FUNCTION custvalue.wilson_interval(successes bigint, total bigint, z float8)
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'cv_wilson_interval' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.wilson_interval(bigint, bigint, float8)
    IS 'Wilson score interval {low, high} of the rate successes / total at normal quantile z';
