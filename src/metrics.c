/*
 * metrics.c
 *	  PostgreSQL glue of model evaluation: the metric aggregates (roc_auc,
 *	  average_precision, threshold_for_precision, confusion_at, lift_at,
 *	  log_loss, brier_score, calibration, psi, roc_curve, pr_curve), the
 *	  custvalue.curve value and curve_points / calibration_points.  The
 *	  numerics are in kernel/metrics_k.c.
 *
 * Every metric aggregate keeps the same exact sufficient statistics in a
 * custvalue.fitstate of kind distr with two dimensions: dimension 1 holds
 * the scores of the positive rows (psi: the current rows), dimension 2
 * those of the negative rows (psi: the baseline rows), each as sorted
 * distinct values with counts.  That is order-independent and merges by
 * addition, so serial, parallel and partition-wise plans give the same
 * bits.  A per-call constant (target, threshold, fraction, bins) is kept
 * in the state's params and must be the same in every row of a group.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"

#include "cvutils.h"
#include "fitstate.h"
#include "metrics_k.h"
#include "model.h"

#define CURVE_MAGIC 0x45565243	/* "CRVE" */
#define CURVE_TYPE "custvalue.curve"

static const CvModelKind curve_kind;

/* ---------------------------------------------------------------- params */

/*
 * A per-call constant of a metric: its name in messages and in the state's
 * params, and the rule it must meet.
 */
typedef struct MetricParam
{
	const char *name;
	double		lo;				/* allowed range; lo excluded when lo_open */
	double		hi;
	bool		lo_open;
	bool		integral;
} MetricParam;

static const MetricParam param_target = {"target", 0, 1, true, false};
static const MetricParam param_fraction = {"fraction", 0, 1, true, false};
static const MetricParam param_threshold = {"threshold", -DBL_MAX, DBL_MAX, false, false};
static const MetricParam param_bins = {"bins", 1, CVM_MAX_BINS, false, true};

/* Raise 22023 unless x meets the parameter's rule. */
static void
check_param(const MetricParam *p, double x)
{
	cv_check_finite(x, p->name);
	if (p->integral && (x < p->lo || x > p->hi || x != floor(x)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be an integer between %d and %d, not %s",
						p->name, (int) p->lo, (int) p->hi, cv_fmt(x))));
	if (!p->integral && (x > p->hi || x < p->lo || (p->lo_open && x == p->lo)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be greater than %s and at most %s, not %s",
						p->name, cv_fmt(p->lo), cv_fmt(p->hi), cv_fmt(x))));
}

/* The state's params text of a parameter value: {"name": value}. */
static char *
param_text(const MetricParam *p, double x)
{
	return psprintf("{\"%s\": %s}", p->name, cv_fmt(x));
}

/*
 * The parameter recorded in a state, validated: a state read from text
 * may carry anything, so its params are parsed strictly and checked
 * against the rule again.
 */
static double
param_of_state(CvFitState *s, const MetricParam *p)
{
	const char *text = cv_fitstate_params(s);
	char	   *prefix = psprintf("{\"%s\": ", p->name);
	size_t		plen = strlen(prefix);
	char	   *end;
	double		x;

	if (strncmp(text, prefix, plen) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid custvalue.fitstate value: options \"%s\" do not give %s", text, p->name)));
	x = float8in_internal((char *) text + plen, &end, "double precision", text);
	if (strcmp(end, "}") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid custvalue.fitstate value: options \"%s\" do not give %s", text, p->name)));
	check_param(p, x);
	return x;
}

/*
 * The last state and parameter value a call site checked, so that a
 * parameter that stays constant costs one comparison per row.  (The
 * parameters are float8 or int arguments, not a jsonb of options, so the
 * fit states' own options check, cv_fitstate_check_options, does not
 * apply; their text form in the state's params is what combine compares.)
 */
typedef struct ParamCheck
{
	CvFitState *state;
	double		value;
} ParamCheck;

/*
 * Remember that state s holds parameter value x.  Called for every new
 * state too, so that a state allocated where a freed one was never passes
 * for it.
 */
static void
remember_param(FunctionCallInfo fcinfo, CvFitState *s, double x)
{
	ParamCheck *cache = (ParamCheck *) fcinfo->flinfo->fn_extra;

	if (cache == NULL)
		cache = fcinfo->flinfo->fn_extra =
			MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ParamCheck));
	cache->state = s;
	cache->value = x;
}

/*
 * Raise 22023 when a row's parameter differs from the one the group's
 * state was started with.  (A parameter is a constant of the aggregate
 * call: the metric of a group with two targets is undefined.)
 */
static void
check_param_constant(FunctionCallInfo fcinfo, CvFitState *s, const MetricParam *p, double x)
{
	ParamCheck *cache = (ParamCheck *) fcinfo->flinfo->fn_extra;
	double		was;

	if (cache && cache->state == s && cache->value == x)
		return;
	was = param_of_state(s, p);
	if (was != x)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be the same in every row of a group, not %s after %s",
						p->name, cv_fmt(x), cv_fmt(was))));
	remember_param(fcinfo, s, x);
}

/* ------------------------------------------------------------ transition */

/* What a metric's value argument is and the rule it must meet. */
typedef enum ValueRule
{
	VALUE_SCORE,				/* any finite number */
	VALUE_PROBABILITY			/* a finite number in [0, 1] */
} ValueRule;

/*
 * The transition shared by every metric: (state, value, flag [, param]).
 * A row with a NULL value or flag is skipped; the value goes to dimension 1
 * when the flag is true, else to dimension 2.  `param` (may be NULL) names
 * the per-call constant in argument 3.
 */
static Datum
metric_trans(FunctionCallInfo fcinfo, ValueRule rule, const MetricParam *param)
{
	CvFitState *s = cv_fitstate_current(fcinfo);
	double		x[2];
	bool		isnull[2];
	double		pv = 0;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_DATUM(cv_fitstate_return(s));
	}
	x[0] = x[1] = PG_GETARG_FLOAT8(1);
	cv_check_finite(x[0], rule == VALUE_SCORE ? "score" : "probability");
	if (rule == VALUE_PROBABILITY && (x[0] < 0 || x[0] > 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("probability must be between 0 and 1, not %s", cv_fmt(x[0]))));
	if (param)
	{
		if (PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be NULL", param->name)));
		pv = param->integral ? (double) PG_GETARG_INT32(3) : PG_GETARG_FLOAT8(3);
		if (s == NULL)
			check_param(param, pv);
	}
	if (s == NULL)
	{
		s = cv_fitstate_distr_create(fcinfo, 2, param ? param_text(param, pv) : "");
		if (param)
			remember_param(fcinfo, s, pv);
	}
	else if (param)
		check_param_constant(fcinfo, s, param, pv);
	isnull[0] = !PG_GETARG_BOOL(2);
	isnull[1] = !isnull[0];
	cv_fitstate_distr_add(s, "this metric", 2, x, isnull);
	PG_RETURN_DATUM(cv_fitstate_return(s));
}

PG_FUNCTION_INFO_V1(cv_metric_trans);
Datum
cv_metric_trans(PG_FUNCTION_ARGS)
{
	return metric_trans(fcinfo, VALUE_SCORE, NULL);
}

PG_FUNCTION_INFO_V1(cv_metric_prob_trans);
Datum
cv_metric_prob_trans(PG_FUNCTION_ARGS)
{
	return metric_trans(fcinfo, VALUE_PROBABILITY, NULL);
}

PG_FUNCTION_INFO_V1(cv_metric_target_trans);
Datum
cv_metric_target_trans(PG_FUNCTION_ARGS)
{
	return metric_trans(fcinfo, VALUE_SCORE, &param_target);
}

PG_FUNCTION_INFO_V1(cv_metric_threshold_trans);
Datum
cv_metric_threshold_trans(PG_FUNCTION_ARGS)
{
	return metric_trans(fcinfo, VALUE_SCORE, &param_threshold);
}

PG_FUNCTION_INFO_V1(cv_metric_fraction_trans);
Datum
cv_metric_fraction_trans(PG_FUNCTION_ARGS)
{
	return metric_trans(fcinfo, VALUE_SCORE, &param_fraction);
}

PG_FUNCTION_INFO_V1(cv_metric_calibration_trans);
Datum
cv_metric_calibration_trans(PG_FUNCTION_ARGS)
{
	return metric_trans(fcinfo, VALUE_PROBABILITY, &param_bins);
}

/*
 * psi's transition: (state, score, is_current, bins).  The current rows go
 * to dimension 1, the baseline rows to dimension 2.
 */
PG_FUNCTION_INFO_V1(cv_metric_psi_trans);
Datum
cv_metric_psi_trans(PG_FUNCTION_ARGS)
{
	return metric_trans(fcinfo, VALUE_SCORE, &param_bins);
}

/* ----------------------------------------------------------------- final */


/* Raise 22P02 for a state that is not the two exact dimensions of a metric. */
static void
invalid_metric_state(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid custvalue.fitstate value: %s", why)));
}

/*
 * The two classes of the state in argument 0, compacted; false when the
 * group had no rows.  A metric state has two dimensions; a metric without
 * a parameter (sp NULL) has no options either, so that the state of
 * another fit of two dimensions is not read as one.
 */
static bool
metric_classes(FunctionCallInfo fcinfo, CvFitState **sp, cv_distr_dim *first, cv_distr_dim *second)
{
	CvFitState *s = cv_fitstate_arg(fcinfo, 0);
	cv_distr   *d;

	if (s == NULL)
		return false;
	d = cv_fitstate_distr(s, "this metric", 2, 2);
	/* a metric without a parameter keeps no options (sp NULL: no parameter) */
	if (sp == NULL && cv_fitstate_params(s)[0] != '\0')
		invalid_metric_state(psprintf("not the state of this metric (it has options %s)",
									  cv_fitstate_params(s)));
	*first = cv_distr_dim_get(d, 0);
	*second = cv_distr_dim_get(d, 1);
	if (first->n + second->n == 0)
		return false;
	if (sp)
		*sp = s;
	return true;
}

/*
 * The classes of the state in argument 0 into *t; false when it had no
 * rows.
 */
static bool
metric_table(FunctionCallInfo fcinfo, CvFitState **sp, cvm_table *t)
{
	cv_distr_dim pos,
				neg;

	if (!metric_classes(fcinfo, sp, &pos, &neg))
		return false;
	*t = cvm_table_of(&pos, &neg);
	return true;
}

/*
 * Raise 22P02 unless the values of a probability metric's state lie in
 * [0, 1] (the transition checks every row; a state read from text may
 * hold anything).
 */
static void
check_probabilities(const cv_distr_dim *pos, const cv_distr_dim *neg)
{
	const cv_distr_dim *d[2] = {pos, neg};

	for (int i = 0; i < 2; i++)
		if (d[i]->nentries > 0 && (d[i]->value[0] < 0 || d[i]->value[d[i]->nentries - 1] > 1))
			invalid_metric_state("probabilities outside [0, 1]");
}

/* Return a double, NULL for NAN (an undefined metric). */
#define RETURN_METRIC(x) \
	do { \
		double		v_ = (x); \
		if (isnan(v_)) \
			PG_RETURN_NULL(); \
		PG_RETURN_FLOAT8(v_); \
	} while (0)

/* A metric of the class table alone; NULL without rows or when undefined. */
static Datum
table_metric(FunctionCallInfo fcinfo, double (*metric) (const cvm_table *t))
{
	cvm_table	t;

	if (!metric_table(fcinfo, NULL, &t))
		PG_RETURN_NULL();
	RETURN_METRIC(metric(&t));
}

PG_FUNCTION_INFO_V1(cv_roc_auc_final);
Datum
cv_roc_auc_final(PG_FUNCTION_ARGS)
{
	return table_metric(fcinfo, cvm_roc_auc);
}

PG_FUNCTION_INFO_V1(cv_average_precision_final);
Datum
cv_average_precision_final(PG_FUNCTION_ARGS)
{
	return table_metric(fcinfo, cvm_average_precision);
}

PG_FUNCTION_INFO_V1(cv_lift_at_final);
Datum
cv_lift_at_final(PG_FUNCTION_ARGS)
{
	CvFitState *s;
	cvm_table	t;

	if (!metric_table(fcinfo, &s, &t))
		PG_RETURN_NULL();
	RETURN_METRIC(cvm_lift_at(&t, param_of_state(s, &param_fraction)));
}

/* An operating point as a custvalue.operating_point row. */
static Datum
operating_point_datum(FunctionCallInfo fcinfo, const cvm_point *p)
{
	TupleDesc	desc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "operating point function must return a composite type");
	desc = BlessTupleDesc(desc);
	values[0] = Float8GetDatum(p->threshold);
	values[1] = Float8GetDatum(p->precision);
	nulls[1] = isnan(p->precision);
	values[2] = Float8GetDatum(p->recall);
	nulls[2] = isnan(p->recall);
	values[3] = Int64GetDatum(p->flagged);
	values[4] = Int64GetDatum(p->tp);
	return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

PG_FUNCTION_INFO_V1(cv_threshold_for_precision_final);
Datum
cv_threshold_for_precision_final(PG_FUNCTION_ARGS)
{
	CvFitState *s;
	cvm_table	t;
	cvm_point	p;

	if (!metric_table(fcinfo, &s, &t) || !cvm_threshold_for_precision(&t, param_of_state(s, &param_target), &p))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(operating_point_datum(fcinfo, &p));
}

PG_FUNCTION_INFO_V1(cv_confusion_at_final);
Datum
cv_confusion_at_final(PG_FUNCTION_ARGS)
{
	CvFitState *s;
	cvm_table	t;
	cvm_point	p;

	if (!metric_table(fcinfo, &s, &t))
		PG_RETURN_NULL();
	p = cvm_confusion_at(&t, param_of_state(s, &param_threshold));
	PG_RETURN_DATUM(operating_point_datum(fcinfo, &p));
}

/* A metric of the two classes' probabilities; NULL without rows. */
static Datum
probability_metric(FunctionCallInfo fcinfo, double (*metric) (const cv_distr_dim *pos, const cv_distr_dim *neg))
{
	cv_distr_dim pos,
				neg;

	if (!metric_classes(fcinfo, NULL, &pos, &neg))
		PG_RETURN_NULL();
	check_probabilities(&pos, &neg);
	RETURN_METRIC(metric(&pos, &neg));
}

PG_FUNCTION_INFO_V1(cv_log_loss_final);
Datum
cv_log_loss_final(PG_FUNCTION_ARGS)
{
	return probability_metric(fcinfo, cvm_log_loss);
}

PG_FUNCTION_INFO_V1(cv_brier_score_final);
Datum
cv_brier_score_final(PG_FUNCTION_ARGS)
{
	return probability_metric(fcinfo, cvm_brier_score);
}

PG_FUNCTION_INFO_V1(cv_psi_final);
Datum
cv_psi_final(PG_FUNCTION_ARGS)
{
	CvFitState *s;
	cv_distr_dim baseline,
				current;
	int			used;

	if (!metric_classes(fcinfo, &s, &current, &baseline))
		PG_RETURN_NULL();
	RETURN_METRIC(cvm_psi(&baseline, &current, (int) param_of_state(s, &param_bins), &used));
}

/* A curve as a custvalue.curve value. */
static Datum
curve_datum(cvm_curve *c)
{
	return cv_model_value(&curve_kind, c);
}

/* A ROC or PR curve of the class table; NULL without rows. */
static Datum
table_curve(FunctionCallInfo fcinfo, cvm_curve_kind kind)
{
	cvm_table	t;

	if (!metric_table(fcinfo, NULL, &t))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(curve_datum(cvm_curve_from_table(&t, kind)));
}

PG_FUNCTION_INFO_V1(cv_roc_curve_final);
Datum
cv_roc_curve_final(PG_FUNCTION_ARGS)
{
	return table_curve(fcinfo, CVM_CURVE_ROC);
}

PG_FUNCTION_INFO_V1(cv_pr_curve_final);
Datum
cv_pr_curve_final(PG_FUNCTION_ARGS)
{
	return table_curve(fcinfo, CVM_CURVE_PR);
}

PG_FUNCTION_INFO_V1(cv_calibration_final);
Datum
cv_calibration_final(PG_FUNCTION_ARGS)
{
	CvFitState *s;
	cv_distr_dim pos,
				neg;

	if (!metric_classes(fcinfo, &s, &pos, &neg))
		PG_RETURN_NULL();
	check_probabilities(&pos, &neg);
	PG_RETURN_DATUM(curve_datum(cvm_calibration(&pos, &neg, (int) param_of_state(s, &param_bins))));
}

/* ---------------------------------------------------------- curve points */

/* The curve in argument 0, decoded once per distinct curve at this call site. */
static cvm_curve *
curve_arg(FunctionCallInfo fcinfo)
{
	return (cvm_curve *) cv_model_cached(fcinfo, 0, CURVE_MAGIC, CURVE_TYPE, cvm_curve_read);
}

/* A ratio, or a NULL column when the denominator is 0. */
static void
put_ratio(Datum *v, bool *isnull, double num, double den)
{
	*isnull = den == 0;
	*v = Float8GetDatum(*isnull ? 0 : num / den);
}

/*
 * One row of curve_points: the rows with score >= threshold flagged, tp
 * of them positive, fp negative.  With nothing flagged the precision is 1
 * on a PR curve (scikit-learn's convention, which anchors the curve at
 * recall 0) and NULL on a ROC curve.
 */
static void
put_curve_row(Tuplestorestate *ts, TupleDesc desc, const cvm_curve *c,
			  double threshold, int64 tp, int64 fp)
{
	Datum		v[6];
	bool		isnull[6] = {false, false, false, false, false, false};

	v[0] = Float8GetDatum(threshold);
	v[1] = Int64GetDatum(tp);
	v[2] = Int64GetDatum(fp);
	if (tp + fp == 0 && c->kind == CVM_CURVE_PR)
		v[3] = Float8GetDatum(1.0);
	else
		put_ratio(&v[3], &isnull[3], (double) tp, (double) (tp + fp));
	put_ratio(&v[4], &isnull[4], (double) tp, (double) c->npos);
	put_ratio(&v[5], &isnull[5], (double) fp, (double) c->nneg);
	tuplestore_putvalues(ts, desc, v, isnull);
}

/*
 * curve_points(curve): the start point (threshold +Infinity, nothing
 * flagged; precision 1 on a PR curve, as scikit-learn's
 * precision_recall_curve ends, NULL on a ROC curve), then every kept
 * threshold, highest first.
 */
PG_FUNCTION_INFO_V1(cv_curve_points);
Datum
cv_curve_points(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cvm_curve  *c = curve_arg(fcinfo);

	if (c->kind == CVM_CURVE_CALIBRATION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("curve_points needs a roc or pr curve, not a calibration curve"),
				 errhint("Use custvalue.calibration_points for a calibration curve.")));
	InitMaterializedSRF(fcinfo, 0);
	put_curve_row(rsinfo->setResult, rsinfo->setDesc, c, INFINITY, 0, 0);
	for (size_t k = 0; k < c->n; k++)
	{
		CHECK_FOR_INTERRUPTS();
		put_curve_row(rsinfo->setResult, rsinfo->setDesc, c, c->threshold[k], c->tp[k], c->fp[k]);
	}
	return (Datum) 0;
}

/*
 * calibration_points(curve): per bin its number, the mean prediction, the
 * observed positive rate and the rows (NULL mean and rate when empty).
 */
PG_FUNCTION_INFO_V1(cv_calibration_points);
Datum
cv_calibration_points(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cvm_curve  *c = curve_arg(fcinfo);

	if (c->kind != CVM_CURVE_CALIBRATION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("calibration_points needs a calibration curve, not a %s curve",
						cvm_curve_kind_name(c->kind)),
				 errhint("Use custvalue.curve_points for a roc or pr curve.")));
	InitMaterializedSRF(fcinfo, 0);
	for (size_t b = 0; b < c->n; b++)
	{
		Datum		v[4];
		bool		isnull[4] = {false, false, false, false};

		CHECK_FOR_INTERRUPTS();
		v[0] = Int32GetDatum((int32) b + 1);
		v[1] = Float8GetDatum(c->mean_predicted[b]);
		isnull[1] = c->count[b] == 0;
		put_ratio(&v[2], &isnull[2], (double) c->positives[b], (double) c->count[b]);
		v[3] = Int64GetDatum(c->count[b]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, isnull);
	}
	return (Datum) 0;
}

static const CvModelKind curve_kind = {
	CURVE_MAGIC, CURVE_TYPE, cvm_curve_read, cvm_curve_from_json, cvm_curve_to_json, cvm_curve_write
};

/* custvalue.curve's in, out, jsonb, recv and send */
CV_MODEL_IO_FUNCTIONS(cv_curve, curve_kind)
