/*
 * scorecard.c
 *	  custvalue.scorecard: a fitted (or hand-written) health scorecard.
 *
 *	  scorecard_fit(measures float8[] [, options jsonb]) learns each
 *	  measure's exact distribution (see distr.h) and keeps it in the card,
 *	  compressed deterministically past 100,000 distinct values (see
 *	  scorecard_k.h); health_score(card, measures) maps each value to
 *	  its mid-rank percentile points and takes the weighted, renormalised
 *	  mean; health_explain shows the parts.  The numerics are in
 *	  kernel/scorecard_k.c.
 */
#include "postgres.h"

#include <math.h>

#include "cvutils.h"
#include "fitstate.h"
#include "model.h"
#include "scorecard_k.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#define SCORECARD_MAGIC 0x44524353	/* "SCRD" */
#define SCORECARD_TYPE "custvalue.scorecard"

static const CvModelKind scorecard_kind;

static const char *const scorecard_options[] = {"weights", "higher_is_better", "names", NULL};

/* The fit's options, validated against the number of measures. */
typedef struct ScorecardOptions
{
	double	   *weights;
	int		   *higher_is_better;
	char	  **names;
} ScorecardOptions;

/*
 * Read and validate scorecard_fit's options for n measures, filling in the
 * defaults: equal weights, higher is better, names measure_1..measure_n.
 */
static ScorecardOptions
scorecard_read_options(Jsonb *opts, int n)
{
	ScorecardOptions o;
	bool	   *hib = NULL;
	int			got;
	double		wsum = 0;

	if (opts)
		cv_options_check(opts, scorecard_options);
	got = cv_option_float8_array(opts, "weights", &o.weights);
	cv_check_option_length("weights", got, n, "one per measure");
	if (got < 0)
	{
		o.weights = palloc(sizeof(double) * n);
		for (int i = 0; i < n; i++)
			o.weights[i] = 1.0;
	}
	for (int i = 0; i < n; i++)
	{
		if (o.weights[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("weights must not be negative, not %s", cv_fmt(o.weights[i])),
					 errdetail("Element %d is negative.", i + 1)));
		wsum += o.weights[i];
	}
	if (!(wsum > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights must not all be zero")));

	got = cv_option_bool_array(opts, "higher_is_better", &hib);
	cv_check_option_length("higher_is_better", got, n, "one per measure");
	o.higher_is_better = palloc(sizeof(int) * n);
	for (int i = 0; i < n; i++)
		o.higher_is_better[i] = hib ? hib[i] : 1;

	o.names = cv_option_names(opts, n, "measure", "one per measure");
	return o;
}

/* The options check of scorecard_fit's first row (the result is not kept). */
static void
scorecard_check_options(Jsonb *opts, int n)
{
	(void) scorecard_read_options(opts, n);
}

/*
 * scorecard_fit transition: (state, measures float8[] [, options jsonb]).
 * A NULL measures array skips the row; NULL elements are missing measures.
 * Options are validated on the group's first row and kept in the state;
 * every later row must have the same (22023).
 */
PG_FUNCTION_INFO_V1(cv_scorecard_fit_trans);
Datum
cv_scorecard_fit_trans(PG_FUNCTION_ARGS)
{
	return cv_fitstate_array_row(fcinfo, "measures", CVS_MAX_MEASURES,
								 scorecard_check_options, "scorecard_fit");
}

/* scorecard_fit final: the card, or NULL for a group without rows. */
PG_FUNCTION_INFO_V1(cv_scorecard_fit_final);
Datum
cv_scorecard_fit_final(PG_FUNCTION_ARGS)
{
	CvFitState *s = cv_fitstate_arg(fcinfo, 0);
	cv_distr   *d;
	Jsonb	   *opts;
	ScorecardOptions o;
	cvs_card   *card;

	if (s == NULL)
		PG_RETURN_NULL();
	d = cv_fitstate_distr(s, "scorecard_fit", 1, CVS_MAX_MEASURES);
	opts = DatumGetJsonbP(cv_jsonb_from_text(cv_fitstate_params(s)));
	o = scorecard_read_options(opts, cv_distr_ndims(d));
	card = cvs_from_distr(d, o.names, o.weights, o.higher_is_better);
	PG_RETURN_DATUM(cv_model_value(&scorecard_kind, card));
}

/* The card in argument 0, decoded once per distinct card at this call site. */
static cvs_card *
card_arg(FunctionCallInfo fcinfo)
{
	return (cvs_card *) cv_model_cached(fcinfo, 0, SCORECARD_MAGIC, SCORECARD_TYPE, cvs_read);
}

/* Raise 2202E unless a customer has one measure per measure of the card. */
static void
check_measure_count(const cvs_card *card, int n)
{
	if (n != card->n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg_plural("measures must have %d element to match the scorecard, not %d",
							   "measures must have %d elements to match the scorecard, not %d",
							   card->n, card->n, n)));
}

/* Read argument 1, the customer's measures, checking it fits the card. */
static void
measures_arg(FunctionCallInfo fcinfo, const cvs_card *card, double *v, unsigned char *present)
{
	bool		nulls[CVS_MAX_MEASURES];
	int			n = cv_float8_array_into(PG_GETARG_ARRAYTYPE_P(1), "measures", v, nulls, card->n);

	check_measure_count(card, n);
	for (int i = 0; i < n; i++)
		present[i] = !nulls[i];
}

/* health_score(card, measures): the customer's score, NULL when no measure is present. */
PG_FUNCTION_INFO_V1(cv_scorecard_score);
Datum
cv_scorecard_score(PG_FUNCTION_ARGS)
{
	cvs_card   *card = card_arg(fcinfo);
	double		v[CVS_MAX_MEASURES];
	double		points[CVS_MAX_MEASURES];
	unsigned char present[CVS_MAX_MEASURES];
	double		coverage;
	double		score;

	measures_arg(fcinfo, card, v, present);
	score = cvs_score(card, v, present, points, &coverage);
	if (isnan(score))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(score);
}

/*
 * health_score_args(card, VARIADIC measures "any"): health_score(card,
 * ARRAY[...]) as the planner rewrites it, the measures as separate
 * arguments.  Not strict: NULL measures are absent; a NULL card gives NULL.
 */
PG_FUNCTION_INFO_V1(cv_scorecard_score_args);
Datum
cv_scorecard_score_args(PG_FUNCTION_ARGS)
{
	cvs_card   *card;
	double		v[CVS_MAX_MEASURES];
	double		points[CVS_MAX_MEASURES];
	bool		nulls[CVS_MAX_MEASURES];
	unsigned char present[CVS_MAX_MEASURES];
	double		coverage;
	double		score;
	int			n;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	card = card_arg(fcinfo);
	n = cv_float8_args(fcinfo, 1, "measures", v, nulls, card->n);
	check_measure_count(card, n);
	for (int i = 0; i < n; i++)
		present[i] = !nulls[i];
	score = cvs_score(card, v, present, points, &coverage);
	if (isnan(score))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(score);
}

/* health_explain(card, measures): per measure name, value, points, weight, contribution. */
PG_FUNCTION_INFO_V1(cv_scorecard_explain);
Datum
cv_scorecard_explain(PG_FUNCTION_ARGS)
{
	cvs_card   *card = card_arg(fcinfo);
	double		v[CVS_MAX_MEASURES];
	unsigned char present[CVS_MAX_MEASURES];

	measures_arg(fcinfo, card, v, present);
	PG_RETURN_DATUM(cv_jsonb_from_text(cvs_explain_json(card, v, present)));
}

/* The kernel's scorecard functions, typed for CvModelKind. */
static void *
card_from_json(const char *text, size_t len, char *err, size_t errlen)
{
	return cvs_from_json(text, len, err, errlen);
}

static char *
card_to_json(const void *card)
{
	return cvs_to_json(card);
}

static void
card_write(const void *card, cv_wbuf *b)
{
	cvs_write(card, b);
}

static const CvModelKind scorecard_kind = {
	SCORECARD_MAGIC, SCORECARD_TYPE, cvs_read, card_from_json, card_to_json, card_write
};

/* custvalue.scorecard's in, out, jsonb, recv and send */
CV_MODEL_IO_FUNCTIONS(cv_scorecard, scorecard_kind)
