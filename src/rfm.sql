-- RFM+N value segmentation: segment maps, value trends, NPS.

CREATE FUNCTION custvalue.rfm_segment(r int, f int) RETURNS text
    AS 'MODULE_PATHNAME', 'cv_rfm_segment'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.rfm_segment(int, int) IS
    'named rfm segment of r and f scores 1..5 (champions, loyal customers, ..., lost)';

-- Not strict: a NULL score matches only rules that leave its dimension out.
CREATE FUNCTION custvalue.rfm_segment(r int, f int, m int, map jsonb) RETURNS text
    AS 'MODULE_PATHNAME', 'cv_rfm_segment_map'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.rfm_segment(int, int, int, jsonb) IS
    'segment of r, f, m scores under a user map: first matching rule, else ''Other''';

CREATE FUNCTION custvalue.value_trend(current float8, previous float8) RETURNS text
    AS 'MODULE_PATHNAME', 'cv_value_trend'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.value_trend(float8, float8) IS
    'rising, stable or declining by relative change beyond 10%; new or inactive when previous is 0';

CREATE FUNCTION custvalue.value_trend(current float8, previous float8, band float8) RETURNS text
    AS 'MODULE_PATHNAME', 'cv_value_trend'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.value_trend(float8, float8, float8) IS
    'rising, stable or declining by relative change beyond band; new or inactive when previous is 0';

-- nps: the state is the count of each rating 0..10.
CREATE FUNCTION custvalue.nps_trans(state int8[], rating int) RETURNS int8[]
    AS 'MODULE_PATHNAME', 'cv_nps_trans'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.nps_trans(int8[], int) IS
    'nps transition: count one rating 0..10';

CREATE FUNCTION custvalue.nps_combine(state int8[], other int8[]) RETURNS int8[]
    AS 'MODULE_PATHNAME', 'cv_nps_combine'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.nps_combine(int8[], int8[]) IS
    'nps combine: add the rating counts of two partial states';

CREATE FUNCTION custvalue.nps_final(state int8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_nps_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.nps_final(int8[]) IS
    'nps final: % promoters minus % detractors, NULL without ratings';

CREATE AGGREGATE custvalue.nps(rating int) (
    SFUNC = custvalue.nps_trans,
    STYPE = int8[],
    INITCOND = '{0,0,0,0,0,0,0,0,0,0,0}',
    FINALFUNC = custvalue.nps_final,
    COMBINEFUNC = custvalue.nps_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.nps(int) IS
    'net promoter score of 0..10 ratings: % promoters (9-10) minus % detractors (0-6), -100..100';

-- ---------------------------------------------------------------------------
-- custvalue.rfmn_model: per dimension (recency, frequency, monetary, nps) the
-- tie-aware quantile score table, plus bins, tie rule, weights and segment edges.  A
-- model value: JSON text form, binary send/recv, cast to jsonb.
-- ---------------------------------------------------------------------------
CREATE TYPE custvalue.rfmn_model;

CREATE FUNCTION custvalue.rfmn_model_in(cstring) RETURNS custvalue.rfmn_model
    AS 'MODULE_PATHNAME', 'cv_rfmn_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.rfmn_model_out(custvalue.rfmn_model) RETURNS cstring
    AS 'MODULE_PATHNAME', 'cv_rfmn_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.rfmn_model_recv(internal) RETURNS custvalue.rfmn_model
    AS 'MODULE_PATHNAME', 'cv_rfmn_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.rfmn_model_send(custvalue.rfmn_model) RETURNS bytea
    AS 'MODULE_PATHNAME', 'cv_rfmn_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE custvalue.rfmn_model (
    INPUT = custvalue.rfmn_model_in,
    OUTPUT = custvalue.rfmn_model_out,
    RECEIVE = custvalue.rfmn_model_recv,
    SEND = custvalue.rfmn_model_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE custvalue.rfmn_model IS 'rfm+n model: tie-aware quantile score tables of recency, frequency, monetary and nps, weights, segment edges';
COMMENT ON FUNCTION custvalue.rfmn_model_in(cstring) IS 'rfmn_model input from its json text';
COMMENT ON FUNCTION custvalue.rfmn_model_out(custvalue.rfmn_model) IS 'rfmn_model output as json text';
COMMENT ON FUNCTION custvalue.rfmn_model_recv(internal) IS 'rfmn_model binary input';
COMMENT ON FUNCTION custvalue.rfmn_model_send(custvalue.rfmn_model) IS 'rfmn_model binary output';

CREATE FUNCTION custvalue.rfmn_model_jsonb(custvalue.rfmn_model) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cv_rfmn_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.rfmn_model_jsonb(custvalue.rfmn_model) IS 'the rfm+n model as jsonb';
CREATE CAST (custvalue.rfmn_model AS jsonb)
    WITH FUNCTION custvalue.rfmn_model_jsonb(custvalue.rfmn_model);

CREATE TYPE custvalue.rfmn_scores AS (r int, f int, m int, n int, score float8, code text);
COMMENT ON TYPE custvalue.rfmn_scores IS 'a customer''s r, f, m, n scores (NULL for a NULL dimension), their weighted mean and code such as 5434';

-- Not strict: the state starts NULL.  Options are checked on the first row.
CREATE FUNCTION custvalue.rfmn_fit_trans(custvalue.fitstate, float8, float8, float8, float8, jsonb)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_rfmn_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.rfmn_fit_trans(custvalue.fitstate, float8, float8, float8, float8, jsonb)
    IS 'rfmn_fit transition: add one customer''s recency, frequency, monetary, nps';
CREATE FUNCTION custvalue.rfmn_fit_trans(custvalue.fitstate, float8, float8, float8, float8)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_rfmn_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.rfmn_fit_trans(custvalue.fitstate, float8, float8, float8, float8)
    IS 'rfmn_fit transition: add one customer''s recency, frequency, monetary, nps';
CREATE FUNCTION custvalue.rfmn_fit_final(custvalue.fitstate) RETURNS custvalue.rfmn_model
    AS 'MODULE_PATHNAME', 'cv_rfmn_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.rfmn_fit_final(custvalue.fitstate)
    IS 'rfmn_fit final: score tables from the exact distinct values of each dimension';

-- The final function compacts the state's pending values in place; that
-- changes the representation, never the value, so READ_ONLY holds.
CREATE AGGREGATE custvalue.rfmn_fit(recency float8, frequency float8, monetary float8, nps float8,
                                    options jsonb) (
    SFUNC = custvalue.rfmn_fit_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.rfmn_fit_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.rfmn_fit(float8, float8, float8, float8, jsonb)
    IS 'fit an rfm+n model with tie-aware quantile scores (options: bins, ties, weights, edges)';
CREATE AGGREGATE custvalue.rfmn_fit(recency float8, frequency float8, monetary float8, nps float8) (
    SFUNC = custvalue.rfmn_fit_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.rfmn_fit_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.rfmn_fit(float8, float8, float8, float8)
    IS 'fit an rfm+n model: 5 tie-aware quantile scores per dimension, equal weights, edges 4, 3, 2';

-- Not strict: a NULL dimension drops out of the weighted mean.
CREATE FUNCTION custvalue.rfmn_score(model custvalue.rfmn_model, recency float8, frequency float8,
                                     monetary float8, nps float8)
    RETURNS custvalue.rfmn_scores
    AS 'MODULE_PATHNAME', 'cv_rfmn_score' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.rfmn_score(custvalue.rfmn_model, float8, float8, float8, float8)
    IS 'r, f, m, n scores of a customer, their weighted mean and code; NULL dimensions drop out';
CREATE FUNCTION custvalue.rfmn_segment(model custvalue.rfmn_model, recency float8, frequency float8,
                                       monetary float8, nps float8)
    RETURNS text
    AS 'MODULE_PATHNAME', 'cv_rfmn_segment' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.rfmn_segment(custvalue.rfmn_model, float8, float8, float8, float8)
    IS 'high_value, mid_value, low_value or churn_risk from the weighted mean score';

CREATE FUNCTION custvalue.rfmn_thresholds(model custvalue.rfmn_model)
    RETURNS TABLE (dimension text, score int, min_value float8, max_value float8, customers bigint)
    AS 'MODULE_PATHNAME', 'cv_rfmn_thresholds' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION custvalue.rfmn_thresholds(custvalue.rfmn_model)
    IS 'realised cut points: per dimension and score, the value range and number of customers';
