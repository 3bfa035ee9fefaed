/*
 * churn.c
 *	  Churn risk: custvalue.churn_model (a logistic regression), the
 *	  churn_fit aggregates, churn_risk, churn_reasons, churn_coefficients,
 *	  the best_split aggregate and wilson_interval.  The numerics are in
 *	  kernel/logit_k.c; rows, sampling and the one-hot encoding come from
 *	  the shared row layer (rowfit.h).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "cvutils.h"
#include "fitstate.h"
#include "funcapi.h"
#include "logit_k.h"
#include "miscadmin.h"
#include "model.h"
#include "rowfit.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#define CHURN_MAGIC 0x4e525543	/* "CURN" */
#define CHURN_TYPE "custvalue.churn_model"

static const CvModelKind churn_kind;

/* ------------------------------------------------------------ options */

static const char *const churn_options[] = {CV_ROWFIT_OPTION_KEYS, "l2", "max_iter", "tol", NULL};

typedef struct ChurnOptions
{
	CvRowFitOptions rows;
	cv_logit_opts fit;
} ChurnOptions;

/*
 * Read churn_fit's options (NULL: defaults): the shared row options
 * (standardize on by default) and l2 >= 0 (default 0), max_iter 1..10000
 * (default 100), tol in (0, 1) (default 1e-8).
 */
static void
churn_read_options(Jsonb *opts, ChurnOptions *o)
{
	if (opts)
		cv_options_check(opts, churn_options);
	cv_rowfit_options(opts, true, &o->rows);
	o->fit.l2 = 0.0;
	o->fit.max_iter = 100;
	o->fit.tol = 1e-8;
	if (cv_option_float8(opts, "l2", &o->fit.l2) && o->fit.l2 < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"l2\" must be at least 0, not %s", cv_fmt(o->fit.l2))));
	(void) cv_option_int(opts, "max_iter", 1, 10000, &o->fit.max_iter);
	if (cv_option_float8(opts, "tol", &o->fit.tol) && !(o->fit.tol > 0 && o->fit.tol < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"tol\" must be between 0 and 1 (exclusive), not %s", cv_fmt(o->fit.tol))));
}

/* ------------------------------------------------------------ churn_fit */

static const CvRowFitArgs churn_args = {"churn_fit", "features array", 1, -1, 2, true, true};
static const CvRowFitArgs churn_cat_args = {"churn_fit", "features array", 1, 2, 3, true, true};

/*
 * The transition function of both churn_fit forms: (state, features
 * float8[], churned bool [, options]) and (state, features, categories
 * text[], churned [, options]).  Options are read and checked on the
 * group's first row; later rows must pass the same options.
 */
static Datum
churn_fit_trans(FunctionCallInfo fcinfo, const CvRowFitArgs *a)
{
	CvFitState *s = cv_fitstate_current(fcinfo);
	int			optarg = a->yarg + 1;
	Jsonb	   *opts = (PG_NARGS() > optarg && !PG_ARGISNULL(optarg)) ? PG_GETARG_JSONB_P(optarg) : NULL;

	if (s == NULL)
	{
		ChurnOptions o;

		churn_read_options(opts, &o);
		s = cv_rowfit_begin(fcinfo, a, &o.rows,
							opts ? JsonbToCString(NULL, &opts->root, VARSIZE(opts)) : "{}");
	}
	cv_fitstate_check_options(s, fcinfo, optarg);
	cv_rowfit_add(fcinfo, s, a);
	PG_RETURN_DATUM(cv_fitstate_return(s));
}

PG_FUNCTION_INFO_V1(cv_churn_fit_trans);
Datum
cv_churn_fit_trans(PG_FUNCTION_ARGS)
{
	return churn_fit_trans(fcinfo, &churn_args);
}

PG_FUNCTION_INFO_V1(cv_churn_fit_cat_trans);
Datum
cv_churn_fit_cat_trans(PG_FUNCTION_ARGS)
{
	return churn_fit_trans(fcinfo, &churn_cat_args);
}

/* The hint of every separation error. */
#define L2_HINT "Set option \"l2\" (for example '{\"l2\": 1}') to fit a penalised model, or drop the separating features."

/* Raise the error of a failed fit. */
static void
churn_fit_error(cv_logit_status st, const char *detail)
{
	switch (st)
	{
		case CV_LOGIT_ONE_CLASS:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("churn_fit: every row has churned = %s", detail),
					 errdetail("A churn model needs rows of both classes.")));
			break;
		case CV_LOGIT_CONSTANT:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("churn_fit: feature \"%s\" has the same value in every row", detail),
					 errhint("Drop it from the features: a constant explains nothing.")));
			break;
		case CV_LOGIT_COLLINEAR:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("churn_fit: design column \"%s\" is a linear combination of the columns before it", detail),
					 errhint("Drop one of the collinear features, or set option \"l2\".")));
			break;
		case CV_LOGIT_SEPARATED:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("churn_fit: the features separate churned from not churned completely"),
					 errdetail("Separating columns: %s.  The maximum-likelihood coefficients are infinite.", detail),
					 errhint(L2_HINT)));
			break;
		case CV_LOGIT_QUASI_SEPARATED:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("churn_fit: the features separate churned from not churned quasi-completely"),
					 errdetail("Separating columns: %s.  Some rows are predicted with probability 0 or 1 and the maximum-likelihood coefficients are infinite.", detail),
					 errhint(L2_HINT)));
			break;
		case CV_LOGIT_TOO_WIDE:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("churn_fit: the design has %s columns, more than %d", detail, CV_LOGIT_MAX_COLUMNS),
					 errhint("Categorical features add one column per level but one.")));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("churn_fit: the information matrix became singular"),
					 errhint("Set option \"l2\" to fit a penalised model.")));
	}
}

/*
 * churn_fit final: fit on the canonical rows; NULL when the group had no
 * complete row.  A fit that stops at max_iter is returned with a warning.
 */
PG_FUNCTION_INFO_V1(cv_churn_fit_final);
Datum
cv_churn_fit_final(PG_FUNCTION_ARGS)
{
	CvFitState *s = cv_fitstate_arg(fcinfo, 0);
	ChurnOptions o;
	cv_rows    *rows;
	cv_logit   *m;
	cv_logit_status st;
	char		detail[512];

	if (s == NULL)
		PG_RETURN_NULL();
	(void) cv_rowfit_check(s, &churn_cat_args);	/* a state can be any value a user typed */
	churn_read_options(cv_rowfit_params(s), &o);
	rows = cv_rowfit_rows(s, &churn_cat_args);
	if (cv_rows_count(rows) == 0)
		PG_RETURN_NULL();
	st = cv_logit_fit(rows, cv_rowfit_features(rows, &o.rows, "churn_fit"), &o.fit, &m,
					  detail, sizeof(detail));
	if (st == CV_LOGIT_NO_ROWS)
		PG_RETURN_NULL();
	if (st != CV_LOGIT_OK)
		churn_fit_error(st, detail);
	if (!m->stats->converged)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("churn_fit did not converge in %d iterations", m->stats->iterations),
				 errhint("Raise option \"max_iter\" or \"tol\"; the model says \"converged\": false.")));
	PG_RETURN_DATUM(cv_model_value(&churn_kind, m));
}

/* ------------------------------------------------------------ scoring */

/* The kernel's payload reader, typed for the model cache. */
static void *
logit_read(const unsigned char *payload, size_t len, char *err, size_t errlen)
{
	return cv_logit_read(payload, len, err, errlen);
}

/* The model in argument 0, decoded once per distinct model at this call site. */
static cv_logit *
model_arg(FunctionCallInfo fcinfo)
{
	return (cv_logit *) cv_model_cached(fcinfo, 0, CHURN_MAGIC, CHURN_TYPE,
										logit_read);
}

/* Raise 2202E unless a customer has the model's numbers of features. */
static void
check_counts(const cv_logit *m, int nnum, int ncat)
{
	if (nnum != m->f->nnum)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("features must have %d elements to match the churn model, not %d",
						m->f->nnum, nnum)));
	if (ncat != m->f->ncat)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("categories must have %d elements to match the churn model, not %d",
						m->f->ncat, ncat),
				 m->f->ncat > 0 && ncat == 0 ?
				 errhint("This model has categorical features: pass them as a text[] after the numeric ones.") : 0));
}

/* Level indexes of the strings of a row (unseen levels: -1, the reference). */
static void
set_levels(cv_logit *m, const char *const *cat, const size_t *catlen)
{
	for (int p = 0; p < m->f->ncat; p++)
		m->levelbuf[p] = cv_features_level(m->f, p, cat[p], catlen[p]);
}

/*
 * Read a customer given as arrays: features float8[] in argument xarg and,
 * when catarg >= 0, categories text[] into the model's row buffers.
 * Returns false when an element is NULL.
 */
static bool
row_from_arrays(FunctionCallInfo fcinfo, cv_logit *m, int xarg, int catarg)
{
	bool		nulls[CV_ROWS_MAX_FEATURES];
	int			nnum = cv_float8_array_into(PG_GETARG_ARRAYTYPE_P(xarg), "features", m->xbuf, nulls,
											m->f->nnum);
	int			ncat = 0;
	Datum	   *elems = NULL;
	bool	   *cnull = NULL;

	if (catarg >= 0)
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(catarg);

		if (ARR_NDIM(arr) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("categories must be a one-dimensional array")));
		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &cnull, &ncat);
	}
	check_counts(m, nnum, ncat);
	for (int j = 0; j < nnum; j++)
		if (nulls[j])
			return false;
	for (int p = 0; p < ncat; p++)
	{
		text	   *t;

		if (cnull[p])
			return false;
		t = DatumGetTextPP(elems[p]);
		m->levelbuf[p] = cv_features_level(m->f, p, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
	return true;
}

/*
 * True when the arguments from `first` on are the model's nnum float8 then
 * ncat text values, given that they are float8 values followed by text
 * values (checked on the call site's first row): the count and the two
 * arguments at the boundary say it.
 */
static bool
args_match_model(FunctionCallInfo fcinfo, int first, const cv_logit *m)
{
	int			nnum = m->f->nnum,
				ncat = m->f->ncat;

	return PG_NARGS() - first == nnum + ncat &&
		(nnum == 0 || get_fn_expr_argtype(fcinfo->flinfo, first + nnum - 1) == FLOAT8OID) &&
		(ncat == 0 || get_fn_expr_argtype(fcinfo->flinfo, first + nnum) == TEXTOID);
}

/*
 * The model of a rewritten call (churn_risk_args, churn_reasons_args) and
 * its customer, passed as separate arguments from argument first on.
 * Argument types are fixed at a call site: they are checked on its first
 * row, while fn_extra is still empty (before the model is cached, so a
 * failed check is repeated, never skipped).  Returns NULL when a feature is
 * NULL.
 */
static cv_logit *
model_and_row_from_args(FunctionCallInfo fcinfo, int first)
{
	cv_logit   *m;
	const char *catbuf[16];
	size_t		lenbuf[16];
	const char **cat;
	size_t	   *catlen;
	int			nnum,
				ncat;

	if (fcinfo->flinfo->fn_extra == NULL)
		cv_feature_arg_layout(fcinfo, first, &nnum, &ncat);
	m = model_arg(fcinfo);
	if (!args_match_model(fcinfo, first, m))
	{
		cv_feature_arg_layout(fcinfo, first, &nnum, &ncat);
		check_counts(m, nnum, ncat);
	}
	cat = m->f->ncat <= 16 ? catbuf : palloc(sizeof(char *) * m->f->ncat);
	catlen = m->f->ncat <= 16 ? lenbuf : palloc(sizeof(size_t) * m->f->ncat);
	if (!cv_feature_args(fcinfo, first, m->f->nnum, m->f->ncat, m->xbuf, cat, catlen))
		return NULL;
	set_levels(m, cat, catlen);
	return m;
}

/* churn_risk(model, features [, categories]): the churn probability. */
PG_FUNCTION_INFO_V1(cv_churn_risk);
Datum
cv_churn_risk(PG_FUNCTION_ARGS)
{
	cv_logit   *m = model_arg(fcinfo);

	if (!row_from_arrays(fcinfo, m, 1, PG_NARGS() > 2 ? 2 : -1))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(cv_logit_prob(cv_logit_eta(m, m->xbuf, m->levelbuf)));
}

/*
 * churn_risk_args(model, VARIADIC "any"): churn_risk with ARRAY[...]
 * arguments as the planner rewrites it.  Not strict: any NULL gives NULL.
 */
PG_FUNCTION_INFO_V1(cv_churn_risk_args);
Datum
cv_churn_risk_args(PG_FUNCTION_ARGS)
{
	cv_logit   *m;

	if (PG_ARGISNULL(0) || (m = model_and_row_from_args(fcinfo, 1)) == NULL)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(cv_logit_prob(cv_logit_eta(m, m->xbuf, m->levelbuf)));
}

/* The reasons of the current row as text[] (column names, strongest first). */
static Datum
reasons_datum(cv_logit *m, int top)
{
	int		   *cols = palloc(sizeof(int) * (m->f->ncols + 1));
	double	   *contrib = palloc(sizeof(double) * (m->f->ncols + 1));
	int			n;
	Datum	   *elems;

	if (top < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("top must be at least 0, not %d", top)));
	n = cv_logit_reasons(m, m->xbuf, m->levelbuf, top, cols, contrib);
	elems = palloc(sizeof(Datum) * (n + 1));
	for (int i = 0; i < n; i++)
	{
		char	   *name = cv_features_column_name(m->f, cols[i]);

		elems[i] = CStringGetTextDatum(name);
	}
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* churn_reasons(model, features [, categories], top): reason codes. */
PG_FUNCTION_INFO_V1(cv_churn_reasons);
Datum
cv_churn_reasons(PG_FUNCTION_ARGS)
{
	cv_logit   *m = model_arg(fcinfo);
	int			toparg = PG_NARGS() - 1;

	if (!row_from_arrays(fcinfo, m, 1, PG_NARGS() > 3 ? 2 : -1))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(reasons_datum(m, PG_GETARG_INT32(toparg)));
}

/* churn_reasons_args(model, top, VARIADIC "any"): the rewritten form. */
PG_FUNCTION_INFO_V1(cv_churn_reasons_args);
Datum
cv_churn_reasons_args(PG_FUNCTION_ARGS)
{
	cv_logit   *m;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || (m = model_and_row_from_args(fcinfo, 2)) == NULL)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(reasons_datum(m, PG_GETARG_INT32(1)));
}

/* Planner support of churn_risk and churn_reasons (see cv_feature_args_support). */
PG_FUNCTION_INFO_V1(cv_churn_risk_support);
Datum
cv_churn_risk_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(cv_feature_args_support((Node *) PG_GETARG_POINTER(0), "churn_risk_args"));
}

PG_FUNCTION_INFO_V1(cv_churn_reasons_support);
Datum
cv_churn_reasons_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(cv_feature_args_support((Node *) PG_GETARG_POINTER(0), "churn_reasons_args"));
}

/* Datum of a double, NULL when it is not finite. */
static void
set_float(Datum *v, bool *isnull, double x)
{
	*isnull = !isfinite(x);
	*v = Float8GetDatum(isfinite(x) ? x : 0.0);
}

/*
 * churn_coefficients(model): one row per parameter, the intercept first:
 * feature, coef (original units), std_coef, std_error, z, p_value,
 * odds_ratio.  Statistics are NULL for a hand-written model.
 */
PG_FUNCTION_INFO_V1(cv_churn_coefficients);
Datum
cv_churn_coefficients(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cv_logit   *m = cv_model_decode(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)), CHURN_MAGIC, CHURN_TYPE,
									logit_read);

	InitMaterializedSRF(fcinfo, 0);
	for (int row = 0; row <= m->f->ncols; row++)
	{
		Datum		values[7];
		bool		nulls[7] = {false};
		double		coef,
					std,
					se;

		cv_logit_coefficient(m, row, &coef, &std, &se);
		values[0] = CStringGetTextDatum(row == 0 ? "(intercept)" : cv_features_column_name(m->f, row - 1));
		set_float(&values[1], &nulls[1], coef);
		set_float(&values[2], &nulls[2], std);
		set_float(&values[3], &nulls[3], se);
		set_float(&values[4], &nulls[4], se > 0 ? coef / se : NAN);
		set_float(&values[5], &nulls[5], se > 0 ? cv_normal_p_value(coef / se) : NAN);
		set_float(&values[6], &nulls[6], exp(coef));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ------------------------------------------------------------ best_split */

/*
 * best_split transition: (state, x float8, churned bool).  The state is a
 * two-dimension distribution kept exactly: x of the churned rows, x of the
 * others.  Rows with a NULL are skipped.
 */
PG_FUNCTION_INFO_V1(cv_best_split_trans);
Datum
cv_best_split_trans(PG_FUNCTION_ARGS)
{
	CvFitState *s = cv_fitstate_current(fcinfo);
	double		x[2];
	bool		isnull[2];

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_DATUM(cv_fitstate_return(s));
	}
	if (s == NULL)
		s = cv_fitstate_distr_create(fcinfo, 2, "best_split");
	x[0] = x[1] = PG_GETARG_FLOAT8(1);
	cv_check_finite(x[0], "x");
	isnull[0] = !PG_GETARG_BOOL(2);
	isnull[1] = !isnull[0];
	cv_fitstate_distr_add(s, "best_split", 2, x, isnull);
	PG_RETURN_DATUM(cv_fitstate_return(s));
}

/* best_split final: the custvalue.split, NULL when no cut helps. */
PG_FUNCTION_INFO_V1(cv_best_split_final);
Datum
cv_best_split_final(PG_FUNCTION_ARGS)
{
	CvFitState *s = cv_fitstate_arg(fcinfo, 0);
	cv_distr   *d;
	cv_distr_dim pos,
				neg;
	cv_split	sp;
	TupleDesc	desc;
	Datum		values[8];
	bool		nulls[8] = {false};

	if (s == NULL)
		PG_RETURN_NULL();
	(void) cv_fitstate_distr_of(s, "best_split", 2, 2);
	if (strcmp(cv_fitstate_params(s), "best_split") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("best_split: the state was made by another aggregate")));
	d = cv_fitstate_distr(s, "best_split", 2, 2);
	pos = cv_distr_dim_get(d, 0);
	neg = cv_distr_dim_get(d, 1);
	if (cv_best_split(pos.value, pos.count, pos.nentries, neg.value, neg.count, neg.nentries, &sp) < 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("best_split must return custvalue.split")));
	desc = BlessTupleDesc(desc);
	values[0] = Float8GetDatum(sp.threshold);
	values[1] = Int64GetDatum(sp.rows);
	values[2] = Int64GetDatum(sp.rows_below);
	values[3] = Int64GetDatum(sp.rows_above);
	values[4] = Float8GetDatum(sp.rate_below);
	values[5] = Float8GetDatum(sp.rate_above);
	values[6] = Float8GetDatum(sp.lift);
	values[7] = Float8GetDatum(sp.impurity_decrease);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/* ------------------------------------------------------- wilson_interval */

/* wilson_interval(successes, total [, z]): {low, high}; NULL when total is 0. */
PG_FUNCTION_INFO_V1(cv_wilson_interval);
Datum
cv_wilson_interval(PG_FUNCTION_ARGS)
{
	int64		k = PG_GETARG_INT64(0);
	int64		n = PG_GETARG_INT64(1);
	double		z = PG_NARGS() > 2 ? PG_GETARG_FLOAT8(2) : 1.959963984540054;
	Datum		out[2];
	double		lo,
				hi;

	if (n < 0 || k < 0 || k > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wilson_interval needs 0 <= successes <= total, not %lld of %lld",
						(long long) k, (long long) n)));
	if (!(z > 0) || !isfinite(z))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("z must be a finite number greater than 0, not %s", cv_fmt(z))));
	if (n == 0)
		PG_RETURN_NULL();
	cv_wilson(k, n, z, &lo, &hi);
	out[0] = Float8GetDatum(lo);
	out[1] = Float8GetDatum(hi);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, 2, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* ------------------------------------------------------------ model I/O */

static void *
logit_from_json(const char *text, size_t len, char *err, size_t errlen)
{
	return cv_logit_from_json(text, len, err, errlen);
}

static char *
logit_to_json(const void *m)
{
	return cv_logit_to_json(m);
}

static void
logit_write(const void *m, cv_wbuf *b)
{
	cv_logit_write(m, b);
}

static const CvModelKind churn_kind = {
	CHURN_MAGIC, CHURN_TYPE, logit_read, logit_from_json, logit_to_json, logit_write
};

/* custvalue.churn_model's in, out, jsonb, recv and send */
CV_MODEL_IO_FUNCTIONS(cv_churn_model, churn_kind)
