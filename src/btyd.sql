-- ---------------------------------------------------------------------------
-- Customer lifetime value ("buy till you die"): clv_summary turns a
-- customer's transactions into frequency, recency, t and monetary;
-- bgnbd_fit and gammagamma_fit learn the BG/NBD purchase model and the
-- Gamma-Gamma spend model; the scoring functions forecast purchases,
-- P(alive), spend and discounted value.  Every state is a "tuples" fit
-- state: distinct keys with counts (and, for clv_summary, summed amounts).
-- ---------------------------------------------------------------------------
CREATE TYPE custvalue.clv_input AS (frequency float8, recency float8, t float8, monetary float8);
COMMENT ON TYPE custvalue.clv_input IS
    'a customer summary with lifetimes'' conventions: repeat purchase periods, first-to-last and first-to-calibration-end time, mean repeat amount';

CREATE FUNCTION custvalue.clv_summary_final(custvalue.fitstate) RETURNS custvalue.clv_input
    AS 'MODULE_PATHNAME', 'cv_clv_summary_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- A timestamptz is cut into periods in the session's time zone, so that
-- variant is STABLE; the date and timestamp variants are IMMUTABLE.
--
-- clv_summary runs once per customer, so a query has as many groups as
-- customers.  Each group's state is an expanded object in its own memory
-- context, and a hashed aggregate walks every group's context each time it
-- adds a group, which is quadratic in the groups; a sorted GroupAggregate
-- keeps one group at a time.  SSPACE (10 MB, far more than a state needs)
-- steers the planner to the sorted plan whenever there are more than a few
-- hundred groups, even with a large work_mem.
CREATE FUNCTION custvalue.clv_summary_trans(custvalue.fitstate, timestamptz, float8, timestamptz, jsonb)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_clv_summary_trans_tz' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.clv_summary_trans(custvalue.fitstate, timestamptz, float8, timestamptz)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_clv_summary_trans_tz' LANGUAGE C STABLE PARALLEL SAFE;
CREATE AGGREGATE custvalue.clv_summary(event_time timestamptz, amount float8, calibration_end timestamptz, options jsonb) (
    SFUNC = custvalue.clv_summary_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.clv_summary_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    SSPACE = 10000000,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.clv_summary(timestamptz, float8, timestamptz, jsonb)
    IS 'one customer''s frequency, recency, t and monetary from its transactions up to calibration_end (options: period, time_unit)';
CREATE AGGREGATE custvalue.clv_summary(event_time timestamptz, amount float8, calibration_end timestamptz) (
    SFUNC = custvalue.clv_summary_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.clv_summary_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    SSPACE = 10000000,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.clv_summary(timestamptz, float8, timestamptz)
    IS 'one customer''s frequency, recency, t and monetary from its transactions up to calibration_end, per day';
CREATE FUNCTION custvalue.clv_summary_trans(custvalue.fitstate, timestamp, float8, timestamp, jsonb)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_clv_summary_trans_ts' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.clv_summary_trans(custvalue.fitstate, timestamp, float8, timestamp)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_clv_summary_trans_ts' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE custvalue.clv_summary(event_time timestamp, amount float8, calibration_end timestamp, options jsonb) (
    SFUNC = custvalue.clv_summary_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.clv_summary_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    SSPACE = 10000000,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.clv_summary(timestamp, float8, timestamp, jsonb)
    IS 'one customer''s frequency, recency, t and monetary from its transactions up to calibration_end (options: period, time_unit)';
CREATE AGGREGATE custvalue.clv_summary(event_time timestamp, amount float8, calibration_end timestamp) (
    SFUNC = custvalue.clv_summary_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.clv_summary_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    SSPACE = 10000000,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.clv_summary(timestamp, float8, timestamp)
    IS 'one customer''s frequency, recency, t and monetary from its transactions up to calibration_end, per day';
CREATE FUNCTION custvalue.clv_summary_trans(custvalue.fitstate, date, float8, date, jsonb)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_clv_summary_trans_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.clv_summary_trans(custvalue.fitstate, date, float8, date)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_clv_summary_trans_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE custvalue.clv_summary(event_time date, amount float8, calibration_end date, options jsonb) (
    SFUNC = custvalue.clv_summary_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.clv_summary_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    SSPACE = 10000000,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.clv_summary(date, float8, date, jsonb)
    IS 'one customer''s frequency, recency, t and monetary from its transactions up to calibration_end (options: period, time_unit)';
CREATE AGGREGATE custvalue.clv_summary(event_time date, amount float8, calibration_end date) (
    SFUNC = custvalue.clv_summary_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.clv_summary_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    SSPACE = 10000000,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.clv_summary(date, float8, date)
    IS 'one customer''s frequency, recency, t and monetary from its transactions up to calibration_end, per day';

CREATE TYPE custvalue.bgnbd_model;

CREATE FUNCTION custvalue.bgnbd_model_in(cstring) RETURNS custvalue.bgnbd_model
    AS 'MODULE_PATHNAME', 'cv_bgnbd_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.bgnbd_model_out(custvalue.bgnbd_model) RETURNS cstring
    AS 'MODULE_PATHNAME', 'cv_bgnbd_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.bgnbd_model_recv(internal) RETURNS custvalue.bgnbd_model
    AS 'MODULE_PATHNAME', 'cv_bgnbd_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.bgnbd_model_send(custvalue.bgnbd_model) RETURNS bytea
    AS 'MODULE_PATHNAME', 'cv_bgnbd_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE custvalue.bgnbd_model (
    INPUT = custvalue.bgnbd_model_in,
    OUTPUT = custvalue.bgnbd_model_out,
    RECEIVE = custvalue.bgnbd_model_recv,
    SEND = custvalue.bgnbd_model_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE custvalue.bgnbd_model IS 'BG/NBD purchase model: r, alpha, a, b and the fit outcome';

CREATE FUNCTION custvalue.bgnbd_model_jsonb(custvalue.bgnbd_model) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cv_bgnbd_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.bgnbd_model_jsonb(custvalue.bgnbd_model) IS 'the model as jsonb';
CREATE CAST (custvalue.bgnbd_model AS jsonb)
    WITH FUNCTION custvalue.bgnbd_model_jsonb(custvalue.bgnbd_model);

CREATE FUNCTION custvalue.bgnbd_fit_final(custvalue.fitstate) RETURNS custvalue.bgnbd_model
    AS 'MODULE_PATHNAME', 'cv_bgnbd_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.bgnbd_fit_trans(custvalue.fitstate, float8, float8, float8, jsonb)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_bgnbd_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.bgnbd_fit_trans(custvalue.fitstate, float8, float8, float8)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_bgnbd_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE custvalue.bgnbd_fit(frequency float8, recency float8, t float8, options jsonb) (
    SFUNC = custvalue.bgnbd_fit_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.bgnbd_fit_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.bgnbd_fit(float8, float8, float8, jsonb)
    IS 'fit the BG/NBD model by maximum likelihood (options: penalizer, max_iter, tol, time_unit)';
CREATE AGGREGATE custvalue.bgnbd_fit(frequency float8, recency float8, t float8) (
    SFUNC = custvalue.bgnbd_fit_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.bgnbd_fit_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.bgnbd_fit(float8, float8, float8)
    IS 'fit the BG/NBD model by maximum likelihood, time in days';

CREATE FUNCTION custvalue.bgnbd_expected_purchases(model custvalue.bgnbd_model, horizon float8,
        frequency float8, recency float8, t float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_bgnbd_expected_purchases' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.bgnbd_expected_purchases(custvalue.bgnbd_model, float8, float8, float8, float8)
    IS 'expected purchases in the next horizon time units, given the customer''s history';
CREATE FUNCTION custvalue.bgnbd_p_alive(model custvalue.bgnbd_model,
        frequency float8, recency float8, t float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_bgnbd_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.bgnbd_p_alive(custvalue.bgnbd_model, float8, float8, float8)
    IS 'probability that the customer is still active at the end of calibration';
CREATE FUNCTION custvalue.bgnbd_params(model custvalue.bgnbd_model)
    RETURNS TABLE (r float8, alpha float8, a float8, b float8, log_likelihood float8)
    AS $$
    SELECT (j->>'r')::float8, (j->>'alpha')::float8, (j->>'a')::float8, (j->>'b')::float8,
           (j->>'log_likelihood')::float8
      FROM (SELECT custvalue.bgnbd_model_jsonb(model) AS j) m
    $$ LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.bgnbd_params(custvalue.bgnbd_model)
    IS 'the parameters and log-likelihood of a BG/NBD model as one row';

CREATE TYPE custvalue.gammagamma_model;

CREATE FUNCTION custvalue.gammagamma_model_in(cstring) RETURNS custvalue.gammagamma_model
    AS 'MODULE_PATHNAME', 'cv_gammagamma_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.gammagamma_model_out(custvalue.gammagamma_model) RETURNS cstring
    AS 'MODULE_PATHNAME', 'cv_gammagamma_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.gammagamma_model_recv(internal) RETURNS custvalue.gammagamma_model
    AS 'MODULE_PATHNAME', 'cv_gammagamma_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.gammagamma_model_send(custvalue.gammagamma_model) RETURNS bytea
    AS 'MODULE_PATHNAME', 'cv_gammagamma_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE custvalue.gammagamma_model (
    INPUT = custvalue.gammagamma_model_in,
    OUTPUT = custvalue.gammagamma_model_out,
    RECEIVE = custvalue.gammagamma_model_recv,
    SEND = custvalue.gammagamma_model_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE custvalue.gammagamma_model IS 'Gamma-Gamma spend model: p, q, gamma and the fit outcome';

CREATE FUNCTION custvalue.gammagamma_model_jsonb(custvalue.gammagamma_model) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cv_gammagamma_model_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.gammagamma_model_jsonb(custvalue.gammagamma_model) IS 'the model as jsonb';
CREATE CAST (custvalue.gammagamma_model AS jsonb)
    WITH FUNCTION custvalue.gammagamma_model_jsonb(custvalue.gammagamma_model);

CREATE FUNCTION custvalue.gammagamma_fit_final(custvalue.fitstate) RETURNS custvalue.gammagamma_model
    AS 'MODULE_PATHNAME', 'cv_gammagamma_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.gammagamma_fit_trans(custvalue.fitstate, float8, float8, jsonb)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_gammagamma_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION custvalue.gammagamma_fit_trans(custvalue.fitstate, float8, float8)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_gammagamma_fit_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE custvalue.gammagamma_fit(frequency float8, monetary float8, options jsonb) (
    SFUNC = custvalue.gammagamma_fit_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.gammagamma_fit_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.gammagamma_fit(float8, float8, jsonb)
    IS 'fit the Gamma-Gamma spend model on customers with frequency > 0 and monetary > 0 (options: penalizer, max_iter, tol)';
CREATE AGGREGATE custvalue.gammagamma_fit(frequency float8, monetary float8) (
    SFUNC = custvalue.gammagamma_fit_trans,
    STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.gammagamma_fit_final,
    COMBINEFUNC = custvalue.fitstate_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE custvalue.gammagamma_fit(float8, float8)
    IS 'fit the Gamma-Gamma spend model on customers with frequency > 0 and monetary > 0';

CREATE FUNCTION custvalue.gammagamma_expected_spend(model custvalue.gammagamma_model,
        frequency float8, monetary float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_gammagamma_expected_spend' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.gammagamma_expected_spend(custvalue.gammagamma_model, float8, float8)
    IS 'expected spend per purchase, given the customer''s repeat purchases and their mean value';

CREATE FUNCTION custvalue.clv(bg custvalue.bgnbd_model, gg custvalue.gammagamma_model,
        frequency float8, recency float8, t float8, monetary float8,
        horizon float8, discount float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_clv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.clv(custvalue.bgnbd_model, custvalue.gammagamma_model, float8, float8, float8, float8, float8, float8)
    IS 'expected value over horizon months, discounted monthly at rate discount (lifetimes'' customer_lifetime_value)';
