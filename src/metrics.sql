-- ---------------------------------------------------------------------------
-- Model evaluation: every metric is an aggregate over (score, label) rows,
-- exact and tie-correct, PARALLEL SAFE with a combine function and the
-- state custvalue.fitstate (the scores of each class as sorted distinct
-- values with counts).  A NULL score or label skips the row; a NaN or
-- infinite score, a probability outside [0, 1] or a parameter out of range
-- is an error (22023).  Parameters (target, threshold, fraction, bins) must
-- be the same in every row of a group.
-- ---------------------------------------------------------------------------
CREATE TYPE custvalue.operating_point AS (
    threshold float8,
    precision float8,
    recall float8,
    flagged bigint,
    true_positives bigint
);
COMMENT ON TYPE custvalue.operating_point IS
    'rows with score >= threshold flagged: their precision, the recall, how many, how many positive';

-- custvalue.curve: a ROC, precision-recall or calibration curve as a value
-- (JSON text form, binary send/recv, cast to jsonb).
CREATE TYPE custvalue.curve;

CREATE FUNCTION custvalue.curve_in(cstring) RETURNS custvalue.curve
    AS 'MODULE_PATHNAME', 'cv_curve_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.curve_out(custvalue.curve) RETURNS cstring
    AS 'MODULE_PATHNAME', 'cv_curve_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.curve_recv(internal) RETURNS custvalue.curve
    AS 'MODULE_PATHNAME', 'cv_curve_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION custvalue.curve_send(custvalue.curve) RETURNS bytea
    AS 'MODULE_PATHNAME', 'cv_curve_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE custvalue.curve (
    INPUT = custvalue.curve_in,
    OUTPUT = custvalue.curve_out,
    RECEIVE = custvalue.curve_recv,
    SEND = custvalue.curve_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE custvalue.curve IS
    'roc or pr curve (cumulative counts per threshold) or calibration curve (per probability bin)';

CREATE FUNCTION custvalue.curve_jsonb(custvalue.curve) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cv_curve_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.curve_jsonb(custvalue.curve) IS 'the curve as jsonb';
CREATE CAST (custvalue.curve AS jsonb) WITH FUNCTION custvalue.curve_jsonb(custvalue.curve);

CREATE FUNCTION custvalue.curve_points(curve custvalue.curve)
    RETURNS TABLE (threshold float8, tp bigint, fp bigint, "precision" float8, recall float8, fpr float8)
    AS 'MODULE_PATHNAME', 'cv_curve_points' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION custvalue.curve_points(custvalue.curve) IS
    'points of a roc or pr curve, highest threshold first, from the start point (threshold Infinity, nothing flagged)';
CREATE FUNCTION custvalue.calibration_points(curve custvalue.curve)
    RETURNS TABLE (bin int, mean_predicted float8, observed float8, count bigint)
    AS 'MODULE_PATHNAME', 'cv_calibration_points' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION custvalue.calibration_points(custvalue.curve) IS
    'bins of a calibration curve: mean predicted probability, observed positive rate, rows';

-- Transition functions: not strict (the state starts NULL; a NULL score or
-- label skips the row).  One per kind of row; the final function makes
-- the metric.
CREATE FUNCTION custvalue.metric_trans(custvalue.fitstate, float8, bool)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_metric_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.metric_trans(custvalue.fitstate, float8, bool)
    IS 'metric transition: count one (score, label) row';
CREATE FUNCTION custvalue.metric_prob_trans(custvalue.fitstate, float8, bool)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_metric_prob_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.metric_prob_trans(custvalue.fitstate, float8, bool)
    IS 'metric transition: count one (probability, label) row';
CREATE FUNCTION custvalue.metric_target_trans(custvalue.fitstate, float8, bool, float8)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_metric_target_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.metric_target_trans(custvalue.fitstate, float8, bool, float8)
    IS 'metric transition: count one (score, label) row, with a target precision';
CREATE FUNCTION custvalue.metric_threshold_trans(custvalue.fitstate, float8, bool, float8)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_metric_threshold_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.metric_threshold_trans(custvalue.fitstate, float8, bool, float8)
    IS 'metric transition: count one (score, label) row, with a threshold';
CREATE FUNCTION custvalue.metric_fraction_trans(custvalue.fitstate, float8, bool, float8)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_metric_fraction_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.metric_fraction_trans(custvalue.fitstate, float8, bool, float8)
    IS 'metric transition: count one (score, label) row, with a fraction of the rows';
CREATE FUNCTION custvalue.metric_calibration_trans(custvalue.fitstate, float8, bool, int)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_metric_calibration_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.metric_calibration_trans(custvalue.fitstate, float8, bool, int)
    IS 'metric transition: count one (probability, label) row, with a number of bins';
CREATE FUNCTION custvalue.metric_psi_trans(custvalue.fitstate, float8, bool, int)
    RETURNS custvalue.fitstate
    AS 'MODULE_PATHNAME', 'cv_metric_psi_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.metric_psi_trans(custvalue.fitstate, float8, bool, int)
    IS 'psi transition: count one (score, is_current) row, with a number of bins';

-- Final functions: they compact the state's pending values in place, which
-- changes the representation, never the value, so READ_ONLY holds.
CREATE FUNCTION custvalue.roc_auc_final(custvalue.fitstate) RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_roc_auc_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.roc_auc_final(custvalue.fitstate) IS 'roc_auc final: the area from the class counts';
CREATE FUNCTION custvalue.average_precision_final(custvalue.fitstate) RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_average_precision_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.average_precision_final(custvalue.fitstate) IS 'average_precision final';
CREATE FUNCTION custvalue.threshold_for_precision_final(custvalue.fitstate) RETURNS custvalue.operating_point
    AS 'MODULE_PATHNAME', 'cv_threshold_for_precision_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.threshold_for_precision_final(custvalue.fitstate) IS 'threshold_for_precision final';
CREATE FUNCTION custvalue.confusion_at_final(custvalue.fitstate) RETURNS custvalue.operating_point
    AS 'MODULE_PATHNAME', 'cv_confusion_at_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.confusion_at_final(custvalue.fitstate) IS 'confusion_at final';
CREATE FUNCTION custvalue.lift_at_final(custvalue.fitstate) RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_lift_at_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.lift_at_final(custvalue.fitstate) IS 'lift_at final';
CREATE FUNCTION custvalue.log_loss_final(custvalue.fitstate) RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_log_loss_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.log_loss_final(custvalue.fitstate) IS 'log_loss final';
CREATE FUNCTION custvalue.brier_score_final(custvalue.fitstate) RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_brier_score_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.brier_score_final(custvalue.fitstate) IS 'brier_score final';
CREATE FUNCTION custvalue.calibration_final(custvalue.fitstate) RETURNS custvalue.curve
    AS 'MODULE_PATHNAME', 'cv_calibration_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.calibration_final(custvalue.fitstate) IS 'calibration final';
CREATE FUNCTION custvalue.psi_final(custvalue.fitstate) RETURNS float8
    AS 'MODULE_PATHNAME', 'cv_psi_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.psi_final(custvalue.fitstate) IS 'psi final';
CREATE FUNCTION custvalue.roc_curve_final(custvalue.fitstate) RETURNS custvalue.curve
    AS 'MODULE_PATHNAME', 'cv_roc_curve_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.roc_curve_final(custvalue.fitstate) IS 'roc_curve final';
CREATE FUNCTION custvalue.pr_curve_final(custvalue.fitstate) RETURNS custvalue.curve
    AS 'MODULE_PATHNAME', 'cv_pr_curve_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION custvalue.pr_curve_final(custvalue.fitstate) IS 'pr_curve final';

CREATE AGGREGATE custvalue.roc_auc(score float8, label bool) (
    SFUNC = custvalue.metric_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.roc_auc_final, COMBINEFUNC = custvalue.fitstate_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.roc_auc(float8, bool) IS
    'area under the ROC curve: P(positive scores above negative), ties count 1/2; NULL with one class';
CREATE AGGREGATE custvalue.average_precision(score float8, label bool) (
    SFUNC = custvalue.metric_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.average_precision_final, COMBINEFUNC = custvalue.fitstate_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.average_precision(float8, bool) IS
    'sum over distinct thresholds of (recall gained) * precision; NULL without positives';
CREATE AGGREGATE custvalue.threshold_for_precision(score float8, label bool, target float8) (
    SFUNC = custvalue.metric_target_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.threshold_for_precision_final, COMBINEFUNC = custvalue.fitstate_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.threshold_for_precision(float8, bool, float8) IS
    'lowest threshold whose flagged rows (score >= threshold) reach the target precision; NULL when none does';
CREATE AGGREGATE custvalue.confusion_at(score float8, label bool, threshold float8) (
    SFUNC = custvalue.metric_threshold_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.confusion_at_final, COMBINEFUNC = custvalue.fitstate_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.confusion_at(float8, bool, float8) IS
    'precision, recall and counts of flagging the rows with score >= threshold';
CREATE AGGREGATE custvalue.lift_at(score float8, label bool, fraction float8) (
    SFUNC = custvalue.metric_fraction_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.lift_at_final, COMBINEFUNC = custvalue.fitstate_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.lift_at(float8, bool, float8) IS
    'positive rate in the top fraction by score over the overall rate (ties at the cut pro rata)';
CREATE AGGREGATE custvalue.log_loss(probability float8, label bool) (
    SFUNC = custvalue.metric_prob_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.log_loss_final, COMBINEFUNC = custvalue.fitstate_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.log_loss(float8, bool) IS
    'mean cross-entropy, probabilities clipped to [eps, 1 - eps] as scikit-learn does';
CREATE AGGREGATE custvalue.brier_score(probability float8, label bool) (
    SFUNC = custvalue.metric_prob_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.brier_score_final, COMBINEFUNC = custvalue.fitstate_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.brier_score(float8, bool) IS 'mean squared error of the probabilities';
CREATE AGGREGATE custvalue.calibration(probability float8, label bool, bins int) (
    SFUNC = custvalue.metric_calibration_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.calibration_final, COMBINEFUNC = custvalue.fitstate_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.calibration(float8, bool, int) IS
    'calibration curve over equal-width probability bins; read it with calibration_points';
CREATE AGGREGATE custvalue.psi(score float8, is_current bool, bins int) (
    SFUNC = custvalue.metric_psi_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.psi_final, COMBINEFUNC = custvalue.fitstate_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.psi(float8, bool, int) IS
    'population stability index of the current rows against the baseline, bins at baseline quantiles';
CREATE AGGREGATE custvalue.roc_curve(score float8, label bool) (
    SFUNC = custvalue.metric_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.roc_curve_final, COMBINEFUNC = custvalue.fitstate_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.roc_curve(float8, bool) IS
    'ROC curve, one point per distinct threshold (at most 10,000 exact points); read it with curve_points';
CREATE AGGREGATE custvalue.pr_curve(score float8, label bool) (
    SFUNC = custvalue.metric_trans, STYPE = custvalue.fitstate,
    FINALFUNC = custvalue.pr_curve_final, COMBINEFUNC = custvalue.fitstate_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE custvalue.pr_curve(float8, bool) IS
    'precision-recall curve, one point per distinct threshold (at most 10,000 exact points); read it with curve_points';
