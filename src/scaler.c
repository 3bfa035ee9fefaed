/*
 * scaler.c
 *	  custvalue.scaler: per feature a mean and a population standard
 *	  deviation, for z-scores and weighted composite scores.
 *
 *	  zscore_fit(x float8[] [, options jsonb]) learns one from an exact
 *	  distr of each feature (the means and deviations are the same bits
 *	  under any plan); zscore(scaler, x) gives the z-scores and
 *	  zscore_sum(scaler, x, weights) the composite sum w * z.  The numerics
 *	  are in kernel/scaler_k.c.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "cvutils.h"
#include "fitstate.h"
#include "model.h"
#include "scaler_k.h"

#define SCALER_MAGIC 0x4C414353	/* "SCAL" */
#define SCALER_TYPE "custvalue.scaler"

static const CvModelKind scaler_kind;

static const char *const scaler_options[] = {"names", NULL};

/*
 * zscore_fit's options for n features, validated: names (default
 * feature_1..feature_n), distinct and non-empty.
 */
static char **
scaler_read_names(Jsonb *opts, int n)
{
	if (opts)
		cv_options_check(opts, scaler_options);
	return cv_option_names(opts, n, "feature", "one per feature");
}

/* The options check of zscore_fit's first row (the result is not kept). */
static void
scaler_check_options(Jsonb *opts, int n)
{
	(void) scaler_read_names(opts, n);
}

/*
 * zscore_fit transition: (state, x float8[] [, options jsonb]).  A NULL
 * array skips the row; a NULL element is a missing value of that feature.
 */
PG_FUNCTION_INFO_V1(cv_zscore_fit_trans);
Datum
cv_zscore_fit_trans(PG_FUNCTION_ARGS)
{
	return cv_fitstate_array_row(fcinfo, "x", CVZ_MAX_FEATURES, scaler_check_options, "zscore_fit");
}

/* zscore_fit final: the scaler, or NULL for a group without rows. */
PG_FUNCTION_INFO_V1(cv_zscore_fit_final);
Datum
cv_zscore_fit_final(PG_FUNCTION_ARGS)
{
	CvFitState *s = cv_fitstate_arg(fcinfo, 0);
	cv_distr   *d;
	char	  **names;

	if (s == NULL)
		PG_RETURN_NULL();
	d = cv_fitstate_distr(s, "zscore_fit", 1, CVZ_MAX_FEATURES);
	/* a fit's options are a JSON object; a metric's state keeps none */
	if (cv_fitstate_params(s)[0] != '{')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid custvalue.fitstate value: not the state of zscore_fit (options \"%s\")",
						cv_fitstate_params(s))));
	names = scaler_read_names(DatumGetJsonbP(cv_jsonb_from_text(cv_fitstate_params(s))),
							  cv_distr_ndims(d));
	PG_RETURN_DATUM(cv_model_value(&scaler_kind, cvz_from_distr(d, names)));
}

/* The scaler in argument 0, decoded once per distinct scaler at this call site. */
static cvz_scaler *
scaler_arg(FunctionCallInfo fcinfo)
{
	return (cvz_scaler *) cv_model_cached(fcinfo, 0, SCALER_MAGIC, SCALER_TYPE, cvz_read);
}

/* Raise 2202E unless a row has one value per feature of the scaler. */
static void
check_feature_count(const cvz_scaler *s, int n)
{
	int			want = cvz_nfeatures(s);

	if (n != want)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg_plural("x must have %d element to match the scaler, not %d",
							   "x must have %d elements to match the scaler, not %d",
							   want, want, n)));
}

/* Read argument 1, a row's values (NULL elements allowed), checked against the scaler. */
static void
values_arg(FunctionCallInfo fcinfo, const cvz_scaler *s, double *v, bool *nulls)
{
	check_feature_count(s, cv_float8_array_into(PG_GETARG_ARRAYTYPE_P(1), "x", v, nulls, cvz_nfeatures(s)));
}

/* The z-scores of a row's values (NULL elements allowed) into z; NAN for a missing one. */
static void
row_zscores(const cvz_scaler *s, const double *v, const bool *nulls, double *z)
{
	unsigned char present[CVZ_MAX_FEATURES];

	for (int i = 0; i < cvz_nfeatures(s); i++)
		present[i] = !nulls[i];
	cvz_zscores(s, v, present, z);
}

/* zscore(scaler, x): the z-score of each element; NULL for a NULL element. */
PG_FUNCTION_INFO_V1(cv_zscore);
Datum
cv_zscore(PG_FUNCTION_ARGS)
{
	cvz_scaler *s = scaler_arg(fcinfo);
	int			n = cvz_nfeatures(s);
	double		v[CVZ_MAX_FEATURES];
	bool		nulls[CVZ_MAX_FEATURES];
	double		zv[CVZ_MAX_FEATURES];
	Datum		z[CVZ_MAX_FEATURES];
	int			dims[1] = {n};
	int			lbs[1] = {1};

	values_arg(fcinfo, s, v, nulls);
	row_zscores(s, v, nulls, zv);
	for (int i = 0; i < n; i++)
	{
		nulls[i] = isnan(zv[i]);
		z[i] = Float8GetDatum(nulls[i] ? 0 : zv[i]);
	}
	PG_RETURN_ARRAYTYPE_P(construct_md_array(z, nulls, 1, dims, lbs, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * sum w_i * z_i over the elements present (a NULL element counts as the
 * mean: z = 0); NULL when none is present.
 */
static Datum
weighted_z_sum(FunctionCallInfo fcinfo, const cvz_scaler *s, const double *v, const bool *nulls,
			   ArrayType *warr)
{
	int			n = cvz_nfeatures(s);
	double		w[CVZ_MAX_FEATURES];
	double		z[CVZ_MAX_FEATURES];
	int			nw = cv_float8_array_into(warr, "weights", w, NULL, n);
	double		sum = 0;
	bool		any = false;

	cv_check_same_length(n, "x", nw, "weights");
	row_zscores(s, v, nulls, z);
	for (int i = 0; i < n; i++)
	{
		if (isnan(z[i]) || w[i] == 0)
			continue;
		sum += w[i] * z[i];
		any = true;
	}
	if (!any)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(sum);
}

/* zscore_sum(scaler, x, weights): the composite score sum w * z(x). */
PG_FUNCTION_INFO_V1(cv_zscore_sum);
Datum
cv_zscore_sum(PG_FUNCTION_ARGS)
{
	cvz_scaler *s = scaler_arg(fcinfo);
	double		v[CVZ_MAX_FEATURES];
	bool		nulls[CVZ_MAX_FEATURES];

	values_arg(fcinfo, s, v, nulls);
	return weighted_z_sum(fcinfo, s, v, nulls, PG_GETARG_ARRAYTYPE_P(2));
}

/*
 * zscore_sum_args(scaler, weights, VARIADIC x "any"): zscore_sum(scaler,
 * ARRAY[...], weights) as the planner rewrites it, the values as separate
 * arguments.  Not strict: NULL values are missing; a NULL scaler or
 * weights give NULL.
 */
PG_FUNCTION_INFO_V1(cv_zscore_sum_args);
Datum
cv_zscore_sum_args(PG_FUNCTION_ARGS)
{
	cvz_scaler *s;
	double		v[CVZ_MAX_FEATURES];
	bool		nulls[CVZ_MAX_FEATURES];

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	s = scaler_arg(fcinfo);
	check_feature_count(s, cv_float8_args(fcinfo, 2, "x", v, nulls, cvz_nfeatures(s)));
	return weighted_z_sum(fcinfo, s, v, nulls, PG_GETARG_ARRAYTYPE_P(1));
}

/* Planner support of zscore_sum: ARRAY[...] values become separate arguments. */
PG_FUNCTION_INFO_V1(cv_zscore_sum_support);
Datum
cv_zscore_sum_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(cv_array_args_support((Node *) PG_GETARG_POINTER(0), "zscore_sum_args"));
}

static const CvModelKind scaler_kind = {
	SCALER_MAGIC, SCALER_TYPE, cvz_read, cvz_from_json, cvz_to_json, cvz_write
};

/* custvalue.scaler's in, out, jsonb, recv and send */
CV_MODEL_IO_FUNCTIONS(cv_scaler, scaler_kind)
