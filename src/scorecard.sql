-- ---------------------------------------------------------------------------
-- Scorecards: health scores from the population's own distribution.
-- custvalue.scorecard is a model value (JSON text form, binary send/recv,
-- cast to jsonb); scorecard_fit learns one; health_score(card, measures)
-- and health_explain(card, measures) use it.
-- ---------------------------------------------------------------------------
CREATE TYPE custvalue.scorecard;

CREATE FUNCTION custvalue.scorecard_in(cstring) RETURNS custvalue.scorecard
    AS 'MODULE_PATHNAME', 'cv_scorecard_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.scorecard_out(custvalue.scorecard) RETURNS cstring
    AS 'MODULE_PATHNAME', 'cv_scorecard_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.scorecard_recv(internal) RETURNS custvalue.scorecard
    AS 'MODULE_PATHNAME', 'cv_scorecard_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.scorecard_send(custvalue.scorecard) RETURNS bytea
    AS 'MODULE_PATHNAME', 'cv_scorecard_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE custvalue.scorecard (
    INPUT = custvalue.scorecard_in,
    OUTPUT = custvalue.scorecard_out,
    RECEIVE = custvalue.scorecard_recv,
    SEND = custvalue.scorecard_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE custvalue.scorecard IS 'health scorecard: per measure a normaliser to 0-100 points and a weight';

CREATE FUNCTION custvalue.scorecard_jsonb(custvalue.scorecard) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cv_scorecard_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.scorecard_jsonb(custvalue.scorecard) IS 'the scorecard as jsonb';
CREATE CAST (custvalue.scorecard AS jsonb)
    WITH FUNCTION custvalue.scorecard_jsonb(custvalue.scorecard);

-- Transition functions are not strict: the state starts NULL and a NULL
-- measures array skips the row.  They read custvalue.max_fit_memory only to
-- decide whether to fail, never to shape a result.
CREATE FUNCTION custvalue.scorecard_fit_trans(custvalue.fitstate, float8[], jsonb)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_scorecard_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.scorecard_fit_trans(custvalue.fitstate, float8[])
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_scorecard_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.scorecard_fit_final(custvalue.fitstate)
    RETURNS custvalue.scorecard
    AS 'MODULE_PATHNAME', 'cv_scorecard_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- The final function compacts the state's pending values in place; that
-- changes the representation, never the value, so READ_ONLY holds.
CREATE AGGREGATE custvalue.scorecard_fit(measures float8[], options jsonb) (
    SFUNC = custvalue.scorecard_fit_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.scorecard_fit_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.scorecard_fit(float8[], jsonb)
    IS 'fit a scorecard from the distribution of each measure (options: weights, higher_is_better, names)';
CREATE AGGREGATE custvalue.scorecard_fit(measures float8[]) (
    SFUNC = custvalue.scorecard_fit_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.scorecard_fit_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.scorecard_fit(float8[])
    IS 'fit a scorecard with equal weights, higher values better';

-- As for health_score(scores, weights), an ARRAY[...] of measures is passed
-- as separate arguments of health_score_args (see src/health.sql).
CREATE FUNCTION custvalue.health_score_args(card custvalue.scorecard, VARIADIC measures "any")
    RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_scorecard_score_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.health_score_args(custvalue.scorecard, "any")
    IS 'health_score of a scorecard with the float8 measures as separate arguments';
CREATE FUNCTION custvalue.health_score(card custvalue.scorecard, measures float8[])
    RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_scorecard_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT custvalue.health_score_support;
COMMENT ON FUNCTION custvalue.health_score(custvalue.scorecard, float8[])
    IS 'weighted mean of the percentile points of the measures present, 0-100';
CREATE FUNCTION custvalue.health_explain(card custvalue.scorecard, measures float8[])
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cv_scorecard_explain' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.health_explain(custvalue.scorecard, float8[])
    IS 'per measure: name, value, points, weight and contribution to the score, plus coverage';
