/*
 * health.c
 *	  SQL glue for the scalar health-scoring functions: health_score,
 *	  health_coverage, the normalisers score_linear / score_log /
 *	  score_recency / score_bands / score_ratio, and tier / health_tier.
 *	  The arithmetic is in src/kernel/health_k.c; this file checks the
 *	  arguments and converts datums.
 *
 * These functions run once per row, often over millions of rows, with
 * array arguments (weights, band edges, points, labels) that are constant
 * within a query.  So those arrays are validated once per call site and
 * kept in fn_extra (see HealthCache), and the per-row scores array is read
 * in place rather than deconstructed.
 */
#include "postgres.h"

#include <math.h>

#include "cvutils.h"
#include "fmgr.h"
#include "health_k.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(cv_health_score);
PG_FUNCTION_INFO_V1(cv_health_score_min);
PG_FUNCTION_INFO_V1(cv_health_coverage);
PG_FUNCTION_INFO_V1(cv_score_linear);
PG_FUNCTION_INFO_V1(cv_score_log);
PG_FUNCTION_INFO_V1(cv_score_recency);
PG_FUNCTION_INFO_V1(cv_score_bands);
PG_FUNCTION_INFO_V1(cv_score_ratio);
PG_FUNCTION_INFO_V1(cv_tier);
PG_FUNCTION_INFO_V1(cv_health_tier);

/*
 * Validated array arguments of one call site.  The key is the raw bytes of
 * the arrays it was built from, one after another (each starts with its
 * own length word, so the concatenation is unambiguous); a row whose arrays
 * have the same bytes reuses it, other rows rebuild it.  Everything but the
 * struct itself lives in cxt, which is reset on a rebuild.
 */
typedef struct HealthCache
{
	MemoryContext cxt;			/* child of fn_mcxt holding the fields below */
	Size		keylen;			/* bytes in key; 0 while not valid */
	char	   *key;			/* the arrays' bytes */
	int			n;				/* number of weights or edges */
	double	   *values;			/* the weights or the edges */
	CvhWeights	weights;		/* health_score: the weights, prepared */
	double	   *points;			/* score_bands: n + 1 points */
	char	  **labels;			/* tier: n + 1 labels */
	double	   *scores;			/* health_score: the current row's scores */
	bool	   *nulls;			/* health_score: which of them are NULL */
	unsigned char *present;		/* health_score: which are not (for the kernel) */
} HealthCache;

/* Validate the arrays of a cache miss and fill the cache from them. */
typedef void (*CacheFill) (HealthCache *cache, ArrayType **arrs);

/* Does the cache hold exactly these arrays? */
static bool
cache_matches(const HealthCache *cache, ArrayType **arrs, int narrs)
{
	const char *k = cache->key;
	Size		left = cache->keylen;

	if (left == 0)
		return false;
	for (int i = 0; i < narrs; i++)
	{
		Size		len = VARSIZE(arrs[i]);

		if (len > left || memcmp(k, arrs[i], len) != 0)
			return false;
		k += len;
		left -= len;
	}
	return left == 0;
}

/*
 * The call site's cache for these arrays, validated and filled by `fill`
 * when they differ from the previous row's.  A validation error leaves the
 * cache invalid (keylen 0), so a failed row is never remembered as good.
 */
static HealthCache *
cache_get(FunctionCallInfo fcinfo, ArrayType **arrs, int narrs, CacheFill fill)
{
	FmgrInfo   *flinfo = fcinfo->flinfo;
	HealthCache *cache = (HealthCache *) flinfo->fn_extra;
	MemoryContext old;
	Size		len = 0;
	char	   *k;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(HealthCache));
		cache->cxt = AllocSetContextCreate(flinfo->fn_mcxt,
										   "custvalue health cache",
										   ALLOCSET_SMALL_SIZES);
		flinfo->fn_extra = cache;
	}
	else if (cache_matches(cache, arrs, narrs))
		return cache;

	cache->keylen = 0;
	MemoryContextReset(cache->cxt);
	old = MemoryContextSwitchTo(cache->cxt);
	fill(cache, arrs);
	for (int i = 0; i < narrs; i++)
		len += VARSIZE(arrs[i]);
	k = cache->key = palloc(len);
	for (int i = 0; i < narrs; i++)
	{
		memcpy(k, arrs[i], VARSIZE(arrs[i]));
		k += VARSIZE(arrs[i]);
	}
	MemoryContextSwitchTo(old);
	cache->keylen = len;
	return cache;
}

/* Raise 22023 "<what> must be greater than <bound>, not <x>" unless x > bound. */
static void
check_greater(double x, double bound, const char *what)
{
	if (!(x > bound))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be greater than %s, not %s",
						what, cv_fmt(bound), cv_fmt(x))));
}

/*
 * The wording of the rule lo <= x <= hi for messages: "between lo and hi",
 * or "greater than or equal to lo" when hi is infinite.
 */
static char *
range_rule(double lo, double hi)
{
	if (isinf(hi))
		return psprintf("greater than or equal to %s", cv_fmt(lo));
	return psprintf("between %s and %s", cv_fmt(lo), cv_fmt(hi));
}

/* Raise 22023 unless lo <= x <= hi; the message names the argument. */
static void
check_range(double x, double lo, double hi, const char *what)
{
	if (!(x >= lo && x <= hi))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be %s, not %s", what, range_rule(lo, hi), cv_fmt(x))));
}

/*
 * Raise 22023 unless every present element lies in [lo, hi]; the message
 * names one element (`what`) and the detail its position in `arrname`.
 */
static void
check_elements_range(const double *v, const unsigned char *present, int n,
					 double lo, double hi, const char *what, const char *arrname)
{
	int			i = cvh_first_outside(v, present, n, lo, hi);

	if (i >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be %s, not %s", what, range_rule(lo, hi), cv_fmt(v[i])),
				 errdetail("Element %d of %s is out of range.", i + 1, arrname)));
}

/* Raise 2202E unless an array has one more element than the band edges. */
static void
check_one_more_than_edges(int nedges, int n, const char *what)
{
	if (n != nedges + 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must have one more element than edges", what),
				 errdetail("edges has %d elements, %s has %d.", nedges, what, n)));
}

/*
 * Fill the cache from a weights array: no NULLs, finite, non-negative, not
 * all zero.  Any such weights give exact means (see cvh_weighted_mean).
 * Also sizes the buffers that hold one row's scores, so that rows need no
 * allocation.
 */
static void
weights_fill(HealthCache *cache, ArrayType **arrs)
{
	int			n = cv_float8_array(arrs[0], "weights", &cache->values, NULL);

	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights must not be empty")));
	check_elements_range(cache->values, NULL, n, 0.0, INFINITY, "weight", "weights");
	cvh_weights_init(&cache->weights, cache->values, n);
	if (cache->weights.total == 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights must not all be zero")));
	cache->n = n;
	cache->scores = palloc(sizeof(double) * n);
	cache->nulls = palloc(sizeof(bool) * n);
	cache->present = palloc(n);
}

/*
 * Check one row's scores, n of them read into cache->scores/nulls: their
 * count must match the weights and every present score lie in 0-100.
 * Fills cache->present for the kernel.
 */
static void
check_scores(HealthCache *cache, int n)
{
	cv_check_same_length(n, "scores", cache->n, "weights");
	for (int i = 0; i < n; i++)
		cache->present[i] = !cache->nulls[i];
	check_elements_range(cache->scores, cache->present, n,
						 CVH_SCORE_MIN, CVH_SCORE_MAX, "score", "scores");
}

/* Read one row's scores array in place (no deconstruction) and check it. */
static void
read_scores(ArrayType *arr, HealthCache *cache)
{
	check_scores(cache, cv_float8_array_into(arr, "scores", cache->scores,
											 cache->nulls, cache->n));
}

/*
 * The weighted, renormalised mean of argument 0 (scores) with weights
 * argument 1; NAN when there is none (see cvh_weighted_mean).
 */
static double
health_mean(FunctionCallInfo fcinfo, double min_coverage, double *coverage)
{
	ArrayType  *scores = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *weights = PG_GETARG_ARRAYTYPE_P(1);
	HealthCache *cache = cache_get(fcinfo, &weights, 1, weights_fill);

	read_scores(scores, cache);
	return cvh_weights_mean(&cache->weights, cache->scores,
							ARR_HASNULL(scores) ? cache->present : NULL,
							min_coverage, coverage);
}

/* health_score(scores, weights): NULL when no score is present. */
Datum
cv_health_score(PG_FUNCTION_ARGS)
{
	double		r = health_mean(fcinfo, 0.0, NULL);

	if (isnan(r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r);
}

/*
 * health_score_args(weights, VARIADIC scores "any"): health_score with the
 * scores as separate float8 arguments.  Calls written
 * health_score(ARRAY[a, b, ...], weights) are rewritten into it by the
 * planner (cv_health_score_support), which saves building an array per
 * row.  Not strict: NULL scores are absent ones; NULL weights give NULL.
 */
PG_FUNCTION_INFO_V1(cv_health_score_args);
Datum
cv_health_score_args(PG_FUNCTION_ARGS)
{
	ArrayType  *weights;
	HealthCache *cache;
	double		r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	weights = PG_GETARG_ARRAYTYPE_P(0);
	cache = cache_get(fcinfo, &weights, 1, weights_fill);
	check_scores(cache, cv_float8_args(fcinfo, 1, "scores", cache->scores,
									   cache->nulls, cache->n));
	r = cvh_weights_mean(&cache->weights, cache->scores, cache->present, 0.0, NULL);
	if (isnan(r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r);
}

/*
 * Planner support of health_score(scores, weights) and health_score(card,
 * measures): an ARRAY[...] argument becomes separate arguments of
 * health_score_args.
 */
PG_FUNCTION_INFO_V1(cv_health_score_support);
Datum
cv_health_score_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(cv_array_args_support((Node *) PG_GETARG_POINTER(0),
											"health_score_args"));
}

/* health_score(scores, weights, min_coverage): NULL below min_coverage. */
Datum
cv_health_score_min(PG_FUNCTION_ARGS)
{
	double		min_coverage = PG_GETARG_FLOAT8(2);
	double		r;

	cv_check_finite(min_coverage, "min_coverage");
	check_range(min_coverage, 0.0, 1.0, "min_coverage");
	r = health_mean(fcinfo, min_coverage, NULL);
	if (isnan(r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r);
}

/* health_coverage(scores, weights): present weight / total weight. */
Datum
cv_health_coverage(PG_FUNCTION_ARGS)
{
	double		coverage;

	(void) health_mean(fcinfo, 0.0, &coverage);
	PG_RETURN_FLOAT8(coverage);
}

/* Check the three finite arguments of a ramp and that its ends differ. */
static void
check_ramp(double x, double poor, double good)
{
	cv_check_finite(x, "x");
	cv_check_finite(poor, "poor");
	cv_check_finite(good, "good");
	if (poor == good)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("poor and good must be different, not both %s", cv_fmt(poor))));
}

/* score_linear(x, poor, good): clamped linear ramp. */
Datum
cv_score_linear(PG_FUNCTION_ARGS)
{
	double		x = PG_GETARG_FLOAT8(0);
	double		poor = PG_GETARG_FLOAT8(1);
	double		good = PG_GETARG_FLOAT8(2);

	check_ramp(x, poor, good);
	PG_RETURN_FLOAT8(cvh_score_linear(x, poor, good));
}

/* score_log(x, poor, good): clamped ramp on log(1 + x). */
Datum
cv_score_log(PG_FUNCTION_ARGS)
{
	double		x = PG_GETARG_FLOAT8(0);
	double		poor = PG_GETARG_FLOAT8(1);
	double		good = PG_GETARG_FLOAT8(2);

	check_ramp(x, poor, good);
	check_greater(x, -1.0, "x");
	check_greater(poor, -1.0, "poor");
	check_greater(good, -1.0, "good");
	PG_RETURN_FLOAT8(cvh_score_log(x, poor, good));
}

/* score_recency(days, half_life): 100 * 2^(-days / half_life). */
Datum
cv_score_recency(PG_FUNCTION_ARGS)
{
	double		days = PG_GETARG_FLOAT8(0);
	double		half_life = PG_GETARG_FLOAT8(1);

	cv_check_finite(days, "days");
	cv_check_finite(half_life, "half_life");
	check_range(days, 0.0, INFINITY, "days");
	check_greater(half_life, 0.0, "half_life");
	PG_RETURN_FLOAT8(cvh_score_recency(days, half_life));
}

/* score_ratio(part, whole): 100 * part / whole; NULL when whole is 0. */
Datum
cv_score_ratio(PG_FUNCTION_ARGS)
{
	double		part = PG_GETARG_FLOAT8(0);
	double		whole = PG_GETARG_FLOAT8(1);

	cv_check_finite(part, "part");
	cv_check_finite(whole, "whole");
	check_range(part, 0.0, INFINITY, "part");
	check_range(whole, 0.0, INFINITY, "whole");
	if (part > whole)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("part must not be greater than whole"),
				 errdetail("The part is %s and the whole is %s.",
						   cv_fmt(part), cv_fmt(whole))));
	if (whole == 0.0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(cvh_score_ratio(part, whole));
}

/* Read band edges: no NULLs, finite, strictly ascending. */
static int
read_edges(ArrayType *arr, double **edges)
{
	int			n = cv_float8_array(arr, "edges", edges, NULL);

	cv_check_ascending(*edges, n, "edges");
	return n;
}

/* Fill the cache from score_bands' edges and points (each 0-100). */
static void
bands_fill(HealthCache *cache, ArrayType **arrs)
{
	int			nedges = read_edges(arrs[0], &cache->values);
	int			npoints = cv_float8_array(arrs[1], "points", &cache->points, NULL);

	check_one_more_than_edges(nedges, npoints, "points");
	check_elements_range(cache->points, NULL, npoints,
						 CVH_SCORE_MIN, CVH_SCORE_MAX, "point", "points");
	cache->n = nedges;
}

/* score_bands(x, edges, points): the points of x's half-open band. */
Datum
cv_score_bands(PG_FUNCTION_ARGS)
{
	double		x = PG_GETARG_FLOAT8(0);
	ArrayType  *arrs[2] = {PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_ARRAYTYPE_P(2)};
	HealthCache *cache;

	cv_check_finite(x, "x");
	cache = cache_get(fcinfo, arrs, 2, bands_fill);
	PG_RETURN_FLOAT8(cache->points[cvh_band_index(x, cache->values, cache->n)]);
}

/* Fill the cache from tier's edges and labels. */
static void
tier_fill(HealthCache *cache, ArrayType **arrs)
{
	int			nedges = read_edges(arrs[0], &cache->values);
	int			nlabels = cv_text_array(arrs[1], "labels", &cache->labels);

	check_one_more_than_edges(nedges, nlabels, "labels");
	cache->n = nedges;
}

/* tier(value, edges, labels): the label of value's half-open band. */
Datum
cv_tier(PG_FUNCTION_ARGS)
{
	double		value = PG_GETARG_FLOAT8(0);
	ArrayType  *arrs[2] = {PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_ARRAYTYPE_P(2)};
	HealthCache *cache;

	cv_check_finite(value, "value");
	cache = cache_get(fcinfo, arrs, 2, tier_fill);
	PG_RETURN_TEXT_P(cstring_to_text(cache->labels[cvh_band_index(value, cache->values,
																  cache->n)]));
}

/*
 * health_tier(score): the tiers of the seed analysis, 'low' below 60,
 * 'medium' from 60 to below 80, 'high' from 80.
 */
Datum
cv_health_tier(PG_FUNCTION_ARGS)
{
	static const double edges[] = {60.0, 80.0};
	static const char *const labels[] = {"low", "medium", "high"};
	double		score = PG_GETARG_FLOAT8(0);

	cv_check_finite(score, "score");
	check_range(score, CVH_SCORE_MIN, CVH_SCORE_MAX, "score");
	PG_RETURN_TEXT_P(cstring_to_text(labels[cvh_band_index(score, edges, 2)]));
}
