/*
 * kmeans.c
 *	  PostgreSQL glue of k-means clustering and the segment-fit diagnostics:
 *	  the kmeans_fit aggregate and the custvalue.kmeans_model type,
 *	  kmeans_cluster, kmeans_distance and kmeans_centroids, the silhouette
 *	  aggregate and the seasonality_index aggregate.  The algorithms are in
 *	  kernel/kmeans_k.c; rows are kept by the shared row layer (rowfit.h).
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "cvalloc.h"
#include "cvutils.h"
#include "kmeans_k.h"
#include "model.h"
#include "rowfit.h"

#define KMEANS_MAGIC 0x534E4D4B /* "KMNS" */
#define KMEANS_TYPE "custvalue.kmeans_model"

/* Rows silhouette computes on exactly; past it, a deterministic sample. */
#define SILHOUETTE_MAX_ROWS 10000

static const CvModelKind kmeans_kind;

/* ------------------------------------------------- per-group arguments */

/*
 * Aggregates whose options (and constant arguments such as k) must not
 * change within a group keep them in the state's params text.  Building
 * that text per row would cost more than the row, so a call site
 * remembers the state and raw options it last checked; only a row of
 * another group (or other options) rebuilds the text and compares.
 */
typedef struct ParamsCache
{
	CvFitState *state;
	int			k;
	Size		len;			/* bytes of the options jsonb, 0 for none */
	char	   *opts;
} ParamsCache;

/* Does the call site's cache say these arguments were checked for s? */
static bool
params_cached(FunctionCallInfo fcinfo, CvFitState *s, int k, Jsonb *opts)
{
	ParamsCache *c = (ParamsCache *) fcinfo->flinfo->fn_extra;
	Size		len = opts ? VARSIZE(opts) : 0;

	return c != NULL && c->state == s && c->k == k && c->len == len &&
		(len == 0 || memcmp(c->opts, opts, len) == 0);
}

/* Remember that s was checked against these arguments. */
static void
params_remember(FunctionCallInfo fcinfo, CvFitState *s, int k, Jsonb *opts)
{
	ParamsCache *c = (ParamsCache *) fcinfo->flinfo->fn_extra;
	Size		len = opts ? VARSIZE(opts) : 0;

	if (c == NULL)
		c = fcinfo->flinfo->fn_extra =
			MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ParamsCache));
	if (c->opts)
		pfree(c->opts);
	c->opts = len ? MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, len) : NULL;
	if (len)
		memcpy(c->opts, opts, len);
	c->len = len;
	c->k = k;
	c->state = s;
}

/*
 * The params text of a group: the options object with k (when the
 * aggregate has one, k >= 0) as its first member.
 */
static char *
params_text(int k, Jsonb *opts)
{
	char	   *o = opts ? JsonbToCString(NULL, &opts->root, VARSIZE(opts)) : "{}";

	if (k < 0)
		return o;
	if (strcmp(o, "{}") == 0)
		return psprintf("{\"k\": %d}", k);
	return psprintf("{\"k\": %d, %s", k, o + 1);
}

/* Raise 22023 unless a row's k and options are those its group began with. */
static void
params_check(FunctionCallInfo fcinfo, CvFitState *s, const char *fitname, int k, Jsonb *opts)
{
	char	   *now;

	if (params_cached(fcinfo, s, k, opts))
		return;
	now = params_text(k, opts);
	if (strcmp(now, cv_fitstate_params(s)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s must not change within a group", fitname,
						k >= 0 ? "k and options" : "options"),
				 errdetail("The group began with %s, a later row has %s.",
						   cv_fitstate_params(s), now)));
	params_remember(fcinfo, s, k, opts);
}

/* The trailing options argument, or NULL when absent or NULL. */
static Jsonb *
options_arg(FunctionCallInfo fcinfo, int argno)
{
	return (PG_NARGS() > argno && !PG_ARGISNULL(argno)) ? PG_GETARG_JSONB_P(argno) : NULL;
}

/* ----------------------------------------------------------- kmeans_fit */

static const char *const kmeans_options[] = {CV_ROWFIT_OPTION_KEYS, "n_init", "max_iter", "tol", NULL};

/* the fit copies the design rows and keeps 4 distances and a label a row */
static const CvRowFitArgs kmeans_args = {"kmeans_fit", "point", 1, -1, -1, false, false, false, 40, 8};

/*
 * Read kmeans_fit's options (keys already checked) over the defaults:
 * the shared row options (standardize on), n_init 10, max_iter 300,
 * tol 1e-4.
 */
static void
kmeans_read_options(Jsonb *opts, CvRowFitOptions *o, km_params *p)
{
	cv_rowfit_options(opts, true, o);
	p->n_init = 10;
	p->max_iter = 300;
	p->tol = 1e-4;
	p->seed = o->seed;
	if (opts == NULL)
		return;
	(void) cv_option_int(opts, "n_init", 1, KM_MAX_N_INIT, &p->n_init);
	(void) cv_option_int(opts, "max_iter", 1, KM_MAX_ITER, &p->max_iter);
	if (cv_option_float8(opts, "tol", &p->tol) && !(p->tol >= 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"tol\" must be a non-negative number, not %s", cv_fmt(p->tol))));
}

/* Check k: 1 to KM_MAX_K. */
static void
check_k(int k)
{
	if (k < 1 || k > KM_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kmeans_fit: k must be between 1 and %d, not %d", KM_MAX_K, k)));
}

PG_FUNCTION_INFO_V1(cv_kmeans_fit_trans);

/*
 * kmeans_fit transition: (state, point, k [, options]).  k and the options
 * are checked on a group's first row, before any point is kept, and must
 * not change within the group.  A NULL point, or a point with NULL, NaN
 * or infinite coordinates, is an error.
 */
Datum
cv_kmeans_fit_trans(PG_FUNCTION_ARGS)
{
	CvFitState *s = cv_fitstate_current(fcinfo);
	Jsonb	   *opts = options_arg(fcinfo, 3);
	int			k;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("kmeans_fit: k must not be NULL")));
	k = PG_GETARG_INT32(2);
	if (s == NULL)
	{
		CvRowFitOptions o;
		km_params	p;

		if (opts)
			cv_options_check(opts, kmeans_options);
		kmeans_read_options(opts, &o, &p);
		check_k(k);
		s = cv_rowfit_begin(fcinfo, &kmeans_args, &o, params_text(k, opts));
		params_remember(fcinfo, s, k, opts);
	}
	else
		params_check(fcinfo, s, "kmeans_fit", k, opts);
	cv_rowfit_add(fcinfo, s, &kmeans_args);
	PG_RETURN_DATUM(cv_fitstate_return(s));
}

/*
 * Raise 22023 unless a state's rows are numeric only: a state read from
 * text may come from a fit with categorical features.
 */
static void
check_numeric_rows(cv_rows *rows, const char *fitname)
{
	if (cv_rows_ncat(rows) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: the fit state holds categorical features", fitname)));
}

/*
 * Raise 22003 for points whose standardisation or distances do not fit in
 * double precision (coordinates near ±1e308).
 */
static void too_large(const char *fitname) pg_attribute_noreturn();

static void
too_large(const char *fitname)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s: the points are too large for their distances to fit in double precision", fitname),
			 errhint("Scale the coordinates down, for instance to thousands instead of units.")));
}

/*
 * The canonical rows of a state as one contiguous n x d array of design
 * vectors (z-scores when standardising), the layout the kernels want.
 * Rows without a target that need no standardising are that array already
 * (rows.h): then it is returned as is and *owned is NULL; otherwise it is
 * a copy in *owned.
 */
static const double *
design_matrix(cv_rows *rows, cv_features *f, const char *fitname, double **owned)
{
	size_t		n = cv_rows_count(rows);
	int			d = f->ncols;
	double	   *X;

	*owned = NULL;
	if (!f->standardize && f->ncat == 0 && !cv_rows_has_y(rows))
		return cv_rows_x(rows, 0);
	for (int j = 0; f->standardize && j < d; j++)
		if (!isfinite(f->mean[j]) || !isfinite(f->sd[j]))
			too_large(fitname);
	X = *owned = cv_malloc(sizeof(double) * Max(n, 1) * d);
	for (size_t i = 0; i < n; i++)
	{
		const double *x = cv_rows_x(rows, i);
		double	   *out = X + i * d;

		if ((i & 65535) == 65535)
			CHECK_FOR_INTERRUPTS();
		/* a division, as at scoring (cv_features_design): 1 / sd may overflow */
		for (int j = 0; j < d; j++)
		{
			out[j] = !f->standardize ? x[j] : f->sd[j] > 0 ? (x[j] - f->mean[j]) / f->sd[j] : 0.0;
			if (!isfinite(out[j]))
				too_large(fitname);
		}
	}
	return X;
}

PG_FUNCTION_INFO_V1(cv_kmeans_fit_final);

/*
 * kmeans_fit final: cluster the canonical rows (so the model is the same
 * under any plan) in a private memory context, and return the model.
 * NULL for a group without rows.
 */
Datum
cv_kmeans_fit_final(PG_FUNCTION_ARGS)
{
	CvFitState *s = cv_fitstate_arg(fcinfo, 0);
	Jsonb	   *params;
	CvRowFitOptions o;
	km_params	p;
	cv_rows    *rows;
	cv_features *f;
	size_t		n,
				distinct;
	const double *X;
	double	   *owned;
	km_result	r;
	km_model   *m;
	MemoryContext fitcxt,
				old;
	Datum		result;

	if (s == NULL)
		PG_RETURN_NULL();
	params = cv_rowfit_params(s);
	kmeans_read_options(params, &o, &p);
	if (!cv_option_int(params, "k", 1, KM_MAX_K, &p.k))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kmeans_fit: the fit state has no k"),
				 errdetail("Its options are %s.", cv_fitstate_params(s))));
	rows = cv_rowfit_rows(s, &kmeans_args);
	check_numeric_rows(rows, "kmeans_fit");
	n = cv_rows_count(rows);
	if (n == 0)
		PG_RETURN_NULL();

	fitcxt = AllocSetContextCreate(CurrentMemoryContext, "custvalue kmeans_fit",
								   ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(fitcxt);
	f = cv_rowfit_features(rows, &o, "kmeans_fit");
	X = design_matrix(rows, f, "kmeans_fit", &owned);
	distinct = km_distinct_upto(X, n, f->ncols, (size_t) p.k);
	if (distinct < (size_t) p.k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kmeans_fit: k must not exceed the number of distinct points, %zu, not %d",
						distinct, p.k),
				 cv_rows_seen(rows) > (int64) n
				 ? errdetail("The fit kept a sample of %zu of %lld points (option \"max_rows\").",
							 n, (long long) cv_rows_seen(rows)) : 0));
	km_fit(X, n, f->ncols, &p, &r);
	if (!isfinite(r.inertia))
		too_large("kmeans_fit");
	m = km_model_from_result(f, &r);
	/* what the model's reader checks: centroids finite in both spaces */
	for (int i = 0; i < m->k * m->d; i++)
		if (!isfinite(m->centroids[i]) || !isfinite(m->zc[i]))
			too_large("kmeans_fit");
	m->rows_seen = cv_rows_seen(rows);
	m->rows_used = (int64) n;
	m->sampled = m->rows_seen > m->rows_used;
	m->seed = (int64) o.seed;
	m->n_init = p.n_init;
	m->max_iter = p.max_iter;
	m->tol = p.tol;
	m->max_rows = o.max_rows;
	MemoryContextSwitchTo(old);
	result = cv_model_value(&kmeans_kind, m);
	MemoryContextDelete(fitcxt);
	PG_RETURN_DATUM(result);
}

/* -------------------------------------------------------------- the type */

/* The kernel's model functions, typed for CvModelKind. */
static void *
kmeans_decode(const unsigned char *payload, size_t len, char *err, size_t errlen)
{
	return km_model_read(payload, len, err, errlen);
}

static void *
kmeans_from_json(const char *text, size_t len, char *err, size_t errlen)
{
	return km_model_from_json(text, len, err, errlen);
}

static char *
kmeans_to_json(const void *m)
{
	return km_model_to_json(m);
}

static void
kmeans_write(const void *m, cv_wbuf *b)
{
	km_model_write(m, b);
}

static const CvModelKind kmeans_kind = {
	KMEANS_MAGIC, KMEANS_TYPE, kmeans_decode, kmeans_from_json, kmeans_to_json, kmeans_write
};

/* custvalue.kmeans_model's in, out, jsonb, recv and send */
CV_MODEL_IO_FUNCTIONS(cv_kmeans_model, kmeans_kind)

/* ------------------------------------------------------------- scoring */

/* Raise 2202E for a point whose dimension is not the model's. */
static void
check_dimension(int got, int want)
{
	if (got != want)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("point must have %d coordinates, as the model, not %d", want, got)));
}

/*
 * Nearest centroid of the point in argument 1 (a float8[]) or arguments
 * 1.. (separate float8 values, from the planner's rewrite of ARRAY[...]),
 * with the model in argument 0 decoded once per call site.
 */
static int
assign_point(FunctionCallInfo fcinfo, bool separate, double *dist)
{
	km_model   *m;
	double		xs[64];
	bool		ns[64];
	double	   *x;
	bool	   *nulls;
	int			got;
	int			a;

	/*
	 * Argument types are fixed at a call site: they are checked on its
	 * first row, while fn_extra is still empty (before the model is cached,
	 * so a failed check is repeated, never skipped).
	 */
	if (separate && fcinfo->flinfo->fn_extra == NULL)
		cv_float8_args_check(fcinfo, 1, "point");
	m = cv_model_cached(fcinfo, 0, KMEANS_MAGIC, KMEANS_TYPE, kmeans_decode);
	x = m->d <= 64 ? xs : palloc(sizeof(double) * m->d);
	nulls = m->d <= 64 ? ns : palloc(sizeof(bool) * m->d);
	if (separate)
	{
		got = cv_float8_args_read(fcinfo, 1, "point", x, nulls, m->d);
		check_dimension(got, m->d);
		for (int j = 0; j < got; j++)
			if (nulls[j])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("point must not contain NULL coordinates"),
						 errdetail("Coordinate %d is NULL.", j + 1)));
	}
	else
		check_dimension(cv_float8_array_into(PG_GETARG_ARRAYTYPE_P(1), "point", x, NULL, m->d),
						m->d);
	a = km_model_assign(m, x, dist);
	if (!isfinite(*dist))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("point is too far from the centroids to measure its distance")));
	return a;
}

PG_FUNCTION_INFO_V1(cv_kmeans_cluster);

/* kmeans_cluster(model, point): id of the nearest centroid, 0..k-1. */
Datum
cv_kmeans_cluster(PG_FUNCTION_ARGS)
{
	double		dist;

	PG_RETURN_INT32(assign_point(fcinfo, false, &dist));
}

PG_FUNCTION_INFO_V1(cv_kmeans_distance);

/* kmeans_distance(model, point): distance to the nearest centroid. */
Datum
cv_kmeans_distance(PG_FUNCTION_ARGS)
{
	double		dist;

	(void) assign_point(fcinfo, false, &dist);
	PG_RETURN_FLOAT8(dist);
}

PG_FUNCTION_INFO_V1(cv_kmeans_cluster_args);

/*
 * kmeans_cluster_args(model, VARIADIC point "any"): what
 * kmeans_cluster(model, ARRAY[...]) runs after the planner's rewrite.  Not
 * strict (a NULL coordinate is an error, as in the array form); NULL for
 * a NULL model.
 */
Datum
cv_kmeans_cluster_args(PG_FUNCTION_ARGS)
{
	double		dist;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_INT32(assign_point(fcinfo, true, &dist));
}

PG_FUNCTION_INFO_V1(cv_kmeans_distance_args);

/* kmeans_distance_args(model, VARIADIC point "any"): see above. */
Datum
cv_kmeans_distance_args(PG_FUNCTION_ARGS)
{
	double		dist;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	(void) assign_point(fcinfo, true, &dist);
	PG_RETURN_FLOAT8(dist);
}

PG_FUNCTION_INFO_V1(cv_kmeans_cluster_support);

/* Planner support of kmeans_cluster: ARRAY[...] becomes separate arguments. */
Datum
cv_kmeans_cluster_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(cv_array_args_support((Node *) PG_GETARG_POINTER(0),
											"kmeans_cluster_args"));
}

PG_FUNCTION_INFO_V1(cv_kmeans_distance_support);

/* Planner support of kmeans_distance: ARRAY[...] becomes separate arguments. */
Datum
cv_kmeans_distance_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(cv_array_args_support((Node *) PG_GETARG_POINTER(0),
											"kmeans_distance_args"));
}

PG_FUNCTION_INFO_V1(cv_kmeans_centroids);

/*
 * kmeans_centroids(model): one row per cluster with its size, centroid in
 * original units and within-cluster sum of squares (in the fitted space);
 * size and within_ss are NULL for a hand-written model.
 */
Datum
cv_kmeans_centroids(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	struct varlena *v = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	km_model   *m = cv_model_decode(v, KMEANS_MAGIC, KMEANS_TYPE, kmeans_decode);
	Datum	   *elems = palloc(sizeof(Datum) * m->d);

	InitMaterializedSRF(fcinfo, 0);
	for (int c = 0; c < m->k; c++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, !m->fitted, false, !m->fitted};

		for (int j = 0; j < m->d; j++)
			elems[j] = Float8GetDatum(m->centroids[(size_t) c * m->d + j]);
		values[0] = Int32GetDatum(c);
		values[1] = Int64GetDatum(m->fitted ? m->sizes[c] : 0);
		values[2] = PointerGetDatum(construct_array(elems, m->d, FLOAT8OID, 8,
													FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		values[3] = Float8GetDatum(m->fitted ? m->within_ss[c] : 0.0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ----------------------------------------------------------- silhouette */

static const char *const silhouette_options[] = {"max_rows", "seed", "standardize", NULL};

/* Rows with a NULL point or cluster are skipped. */
static const CvRowFitArgs silhouette_args = {"silhouette", "point", 1, -1, 2, false, true, true};

/* silhouette's options: max_rows (default 10000), seed, standardize (off). */
static void
silhouette_read_options(Jsonb *opts, CvRowFitOptions *o)
{
	double		given;

	cv_rowfit_options(opts, false, o);
	if (opts == NULL || !cv_option_float8(opts, "max_rows", &given))
		o->max_rows = SILHOUETTE_MAX_ROWS;
}

PG_FUNCTION_INFO_V1(cv_silhouette_trans);

/* silhouette transition: (state, point, cluster [, options]). */
Datum
cv_silhouette_trans(PG_FUNCTION_ARGS)
{
	CvFitState *s = cv_fitstate_current(fcinfo);
	Jsonb	   *opts = options_arg(fcinfo, 3);

	if (s == NULL)
	{
		CvRowFitOptions o;

		if (opts)
			cv_options_check(opts, silhouette_options);
		silhouette_read_options(opts, &o);
		s = cv_rowfit_begin(fcinfo, &silhouette_args, &o, params_text(-1, opts));
		params_remember(fcinfo, s, -1, opts);
	}
	else
		params_check(fcinfo, s, "silhouette", -1, opts);
	cv_rowfit_add(fcinfo, s, &silhouette_args);
	PG_RETURN_DATUM(cv_fitstate_return(s));
}

PG_FUNCTION_INFO_V1(cv_silhouette_final);

/*
 * silhouette final: the mean silhouette coefficient of the canonical rows
 * (all of them up to max_rows, else the deterministic sample, with a
 * NOTICE).  NULL without rows.
 */
Datum
cv_silhouette_final(PG_FUNCTION_ARGS)
{
	CvFitState *s = cv_fitstate_arg(fcinfo, 0);
	CvRowFitOptions o;
	cv_rows    *rows;
	cv_features *f;
	size_t		n;
	const double *X;
	double	   *owned;
	int32	   *labels;
	double		result;
	int			nclusters;

	if (s == NULL)
		PG_RETURN_NULL();
	silhouette_read_options(cv_rowfit_params(s), &o);
	rows = cv_rowfit_rows(s, &silhouette_args);
	check_numeric_rows(rows, "silhouette");
	n = cv_rows_count(rows);
	if (n == 0)
		PG_RETURN_NULL();
	f = cv_rowfit_features(rows, &o, "silhouette");
	X = design_matrix(rows, f, "silhouette", &owned);
	labels = palloc(sizeof(int32) * n);
	for (size_t i = 0; i < n; i++)
	{
		double		y = cv_rows_y(rows, i);

		/* a state read from text may hold anything: only int4 cluster ids */
		if (!cv_rows_has_y(rows) || y != floor(y) || y < PG_INT32_MIN || y > PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("silhouette: the fit state does not hold integer cluster ids")));
		labels[i] = (int32) y;
	}
	if (km_silhouette(X, labels, n, f->ncols, &result, &nclusters) == 0 && !isfinite(result))
		too_large("silhouette");
	if (nclusters < 2 || (size_t) nclusters > n - 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("silhouette needs between 2 and %zu clusters among %zu points, not %d",
						n > 1 ? n - 1 : 2, n, nclusters)));
	if (cv_rows_seen(rows) > (int64) n)
		ereport(NOTICE,
				(errmsg("silhouette computed on a sample of %zu of %lld points", n,
						(long long) cv_rows_seen(rows)),
				 errhint("Option \"max_rows\" (default %d) sets how many points are used exactly.",
						 SILHOUETTE_MAX_ROWS)));
	cv_features_free(f);
	if (owned)
		cv_free(owned);
	PG_RETURN_FLOAT8(result);
}

/* ---------------------------------------------------- seasonality_index */

#define SEASONALITY_MAX_PERIODS 10000

/*
 * The state is a float8[] of 2 * periods + 1 elements: the number of
 * periods, the sum of the amounts of each period, then each sum's rounding
 * error.  The pair (sum, error) is a double-double: it holds a period's
 * exact sum while that fits in 106 bits, so the rounded sum, and the
 * index, do not depend on the order in which rows and partial states
 * arrive (serial, parallel and partition-wise plans give the same bits).
 * A small fixed-size state needs no serialisation and merges by addition.
 * Check a state handed to us (callable directly from SQL, so it may be
 * anything); returns the sums, the errors follow them.
 */
static double *
seasonality_sums(ArrayType *state, int *periods)
{
	double	   *v;
	int			n;

	if (ARR_NDIM(state) != 1 || ARR_HASNULL(state) || ARR_ELEMTYPE(state) != FLOAT8OID ||
		ARR_DIMS(state)[0] < 5)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("seasonality state must be a float8 array of the periods, their sums and the sums' rounding errors")));
	v = (double *) ARR_DATA_PTR(state);
	if (v[0] != floor(v[0]) || 2 * v[0] + 1 != ARR_DIMS(state)[0])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("seasonality state must be a float8 array of the periods, their sums and the sums' rounding errors")));
	n = (int) v[0];
	for (int i = 1; i <= n; i++)
		if (!(v[i] >= 0) || isinf(v[i]) || !(fabs(v[n + i]) <= v[i] * DBL_EPSILON))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("seasonality state must hold non-negative finite sums, each with an error below its last bit")));
	*periods = n;
	return v + 1;
}

/*
 * Add x + xerr to the double-double sum (*sum, *err) of period `period`
 * (Knuth's two-sum, then renormalised so that *sum is the rounded total);
 * 22003 when the sum overflows.
 */
static void
seasonality_add(double *sum, double *err, double x, double xerr, int period)
{
	double		s = *sum + x;
	double		bp = s - *sum;
	double		e = (*sum - (s - bp)) + (x - bp);

	if (isinf(s))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("sum of the amounts of period %d is out of range", period)));
	e += *err + xerr;
	*sum = s + e;
	*err = e - (*sum - s);
	if (isinf(*sum))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("sum of the amounts of period %d is out of range", period)));
}

/* A new state of `periods` zero sums and errors, in the aggregate context. */
static ArrayType *
seasonality_new(FunctionCallInfo fcinfo, int periods)
{
	MemoryContext aggcxt,
				old;
	ArrayType  *a;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		aggcxt = CurrentMemoryContext;
	old = MemoryContextSwitchTo(aggcxt);
	a = palloc0(ARR_OVERHEAD_NONULLS(1) + sizeof(double) * (2 * periods + 1));
	SET_VARSIZE(a, ARR_OVERHEAD_NONULLS(1) + sizeof(double) * (2 * periods + 1));
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	*ARR_DIMS(a) = 2 * periods + 1;
	*ARR_LBOUND(a) = 1;
	((double *) ARR_DATA_PTR(a))[0] = periods;
	MemoryContextSwitchTo(old);
	return a;
}

PG_FUNCTION_INFO_V1(cv_seasonality_trans);

/*
 * seasonality_index transition: (state, amount, period, periods).  Rows
 * with a NULL are skipped; amounts must be non-negative and finite,
 * period between 1 and periods, periods between 2 and 10000 and the same
 * in every row of a group.  The state is updated in place inside an
 * aggregate.
 */
Datum
cv_seasonality_trans(PG_FUNCTION_ARGS)
{
	ArrayType  *state;
	double		amount;
	int32		period,
				periods;
	int			have;
	double	   *sums;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	amount = PG_GETARG_FLOAT8(1);
	period = PG_GETARG_INT32(2);
	periods = PG_GETARG_INT32(3);
	if (periods < 2 || periods > SEASONALITY_MAX_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("periods must be between 2 and %d, not %d", SEASONALITY_MAX_PERIODS, periods)));
	if (period < 1 || period > periods)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("period must be between 1 and periods (%d), not %d", periods, period)));
	cv_check_finite(amount, "amount");
	if (amount < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("amount must not be negative, not %s", cv_fmt(amount))));
	if (PG_ARGISNULL(0))
		state = seasonality_new(fcinfo, periods);
	else if (AggCheckCallContext(fcinfo, NULL))
		state = PG_GETARG_ARRAYTYPE_P(0);
	else
		state = PG_GETARG_ARRAYTYPE_P_COPY(0);
	sums = seasonality_sums(state, &have);
	if (have != periods)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("periods must not change within a group"),
				 errdetail("The group began with %d periods, a later row has %d.", have, periods)));
	seasonality_add(&sums[period - 1], &sums[have + period - 1], amount, 0, period);
	PG_RETURN_ARRAYTYPE_P(state);
}

PG_FUNCTION_INFO_V1(cv_seasonality_combine);

/* Add the sums (double-double) of two partial states with the same periods. */
Datum
cv_seasonality_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a;
	double	   *sa,
			   *sb;
	int			pa,
				pb;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(0))
	{
		MemoryContext aggcxt;
		ArrayType  *b = PG_GETARG_ARRAYTYPE_P(1);

		if (!AggCheckCallContext(fcinfo, &aggcxt))
			aggcxt = CurrentMemoryContext;
		(void) seasonality_sums(b, &pb);
		a = MemoryContextAlloc(aggcxt, VARSIZE(b));
		memcpy(a, b, VARSIZE(b));
		PG_RETURN_ARRAYTYPE_P(a);
	}
	a = AggCheckCallContext(fcinfo, NULL) ? PG_GETARG_ARRAYTYPE_P(0) : PG_GETARG_ARRAYTYPE_P_COPY(0);
	sa = seasonality_sums(a, &pa);
	sb = seasonality_sums(PG_GETARG_ARRAYTYPE_P(1), &pb);
	if (pa != pb)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("periods must not change within a group"),
				 errdetail("One partial state has %d periods, the other %d.", pa, pb)));
	for (int i = 0; i < pa; i++)
		seasonality_add(&sa[i], &sa[pa + i], sb[i], sb[pb + i], i + 1);
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(cv_seasonality_final);

/* 1 - normalised entropy of the period shares; NULL when the total is 0. */
Datum
cv_seasonality_final(PG_FUNCTION_ARGS)
{
	int			periods;
	double	   *sums = seasonality_sums(PG_GETARG_ARRAYTYPE_P(0), &periods);
	double		total = 0.0;

	for (int i = 0; i < periods; i++)
		total += sums[i];
	if (total == 0.0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(km_seasonality(sums, periods));
}
