-- ---------------------------------------------------------------------------
-- Standardisation for composite scores: zscore_fit learns a
-- custvalue.scaler (per feature a mean and a population standard
-- deviation, exact and the same under any plan); zscore and zscore_sum
-- use it.
-- ---------------------------------------------------------------------------
CREATE TYPE custvalue.scaler;

CREATE FUNCTION custvalue.scaler_in(cstring) RETURNS custvalue.scaler
    AS 'MODULE_PATHNAME', 'cv_scaler_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.scaler_out(custvalue.scaler) RETURNS cstring
    AS 'MODULE_PATHNAME', 'cv_scaler_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.scaler_recv(internal) RETURNS custvalue.scaler
    AS 'MODULE_PATHNAME', 'cv_scaler_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.scaler_send(custvalue.scaler) RETURNS bytea
    AS 'MODULE_PATHNAME', 'cv_scaler_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE custvalue.scaler (
    INPUT = custvalue.scaler_in,
    OUTPUT = custvalue.scaler_out,
    RECEIVE = custvalue.scaler_recv,
    SEND = custvalue.scaler_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE custvalue.scaler IS 'standardisation: per feature a name, a mean and a population standard deviation';

CREATE FUNCTION custvalue.scaler_jsonb(custvalue.scaler) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cv_scaler_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.scaler_jsonb(custvalue.scaler) IS 'the scaler as jsonb';
CREATE CAST (custvalue.scaler AS jsonb) WITH FUNCTION custvalue.scaler_jsonb(custvalue.scaler);

-- Transition functions are not strict: the state starts NULL and a NULL
-- array skips the row.
CREATE FUNCTION custvalue.zscore_fit_trans(custvalue.fitstate, float8[], jsonb)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_zscore_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.zscore_fit_trans(custvalue.fitstate, float8[], jsonb)
    IS 'zscore_fit transition: add one row of features';
CREATE FUNCTION custvalue.zscore_fit_trans(custvalue.fitstate, float8[])
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_zscore_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.zscore_fit_trans(custvalue.fitstate, float8[])
    IS 'zscore_fit transition: add one row of features';
CREATE FUNCTION custvalue.zscore_fit_final(custvalue.fitstate)
    RETURNS custvalue.scaler
    AS 'MODULE_PATHNAME', 'cv_zscore_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.zscore_fit_final(custvalue.fitstate)
    IS 'zscore_fit final: means and population standard deviations';

CREATE AGGREGATE custvalue.zscore_fit(x float8[], options jsonb) (
    SFUNC = custvalue.zscore_fit_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.zscore_fit_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.zscore_fit(float8[], jsonb)
    IS 'fit a scaler: mean and population standard deviation per feature (options: names)';
CREATE AGGREGATE custvalue.zscore_fit(x float8[]) (
    SFUNC = custvalue.zscore_fit_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.zscore_fit_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.zscore_fit(float8[])
    IS 'fit a scaler with features named feature_1, feature_2, ...';

CREATE FUNCTION custvalue.zscore(scaler custvalue.scaler, x float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'cv_zscore' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.zscore(custvalue.scaler, float8[])
    IS '(x - mean) / sd per feature (sd 0: x - mean); NULL for a NULL element';

-- zscore_sum(scaler, ARRAY[...], weights) passes the values as separate
-- arguments of zscore_sum_args (planner support), so that no array is
-- built per row.
CREATE FUNCTION custvalue.zscore_sum_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'cv_zscore_sum_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.zscore_sum_support(internal) IS
    'planner support: passes the elements of an ARRAY[...] argument of zscore_sum as separate arguments';
CREATE FUNCTION custvalue.zscore_sum_args(scaler custvalue.scaler, weights float8[], VARIADIC x "any")
    RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_zscore_sum_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.zscore_sum_args(custvalue.scaler, float8[], "any")
    IS 'zscore_sum with the float8 values as separate arguments';
CREATE FUNCTION custvalue.zscore_sum(scaler custvalue.scaler, x float8[], weights float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_zscore_sum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT custvalue.zscore_sum_support;
COMMENT ON FUNCTION custvalue.zscore_sum(custvalue.scaler, float8[], float8[])
    IS 'composite score: sum of weight * z-score over the features present; NULL when none is';
