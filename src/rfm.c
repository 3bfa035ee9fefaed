/*
 * rfm.c
 *	  PostgreSQL glue of RFM+N segmentation: the custvalue.rfmn_model type,
 *	  the rfmn_fit aggregate and its scoring functions, the named and user
 *	  segment maps, value trends and the nps aggregate.  The rules are in
 *	  kernel/rfm_k.c.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "cvutils.h"
#include "fitstate.h"
#include "model.h"
#include "rfm_k.h"

#define RFMN_MAGIC 0x4E4D4652	/* "RFMN" */
#define RFMN_TYPE "custvalue.rfmn_model"

static const CvModelKind rfmn_kind;

static const char *const rfmn_options[] = {"bins", "ties", "weights", "edges", NULL};

/* --------------------------------------------------------------- options */

/*
 * Read rfmn_fit's options (NULL: all defaults) into bins, ties, weights and
 * edges, and check them with the kernel's rules.
 */
static void
rfmn_read_options(Jsonb *opts, int *bins, int *ties, double *weights, double *edges)
{
	double	   *arr;
	int			got;
	char		err[256];

	rfm_default_params(bins, ties, weights, edges);
	if (opts == NULL)
		return;
	cv_options_check(opts, rfmn_options);
	(void) cv_option_int(opts, "bins", 1, RFM_MAX_BINS, bins);
	(void) cv_option_choice(opts, "ties", rfm_ties_names, ties);
	got = cv_option_float8_array(opts, "weights", &arr);
	cv_check_option_length("weights", got, RFM_NDIMS, "recency, frequency, monetary, nps");
	if (got > 0)
		memcpy(weights, arr, sizeof(double) * RFM_NDIMS);
	got = cv_option_float8_array(opts, "edges", &arr);
	cv_check_option_length("edges", got, RFM_NEDGES, "high, mid, low");
	if (got > 0)
		memcpy(edges, arr, sizeof(double) * RFM_NEDGES);
	if (rfm_check_params(*bins, *ties, weights, edges, err, sizeof(err)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid rfmn_fit options: %s", err)));
}

/* ----------------------------------------------------------------- fit */

/* Read the four dimension arguments starting at argno; NULL ones flagged. */
static void
dimension_args(FunctionCallInfo fcinfo, int argno, double *x, bool *isnull)
{
	for (int d = 0; d < RFM_NDIMS; d++)
	{
		isnull[d] = PG_ARGISNULL(argno + d);
		x[d] = isnull[d] ? 0.0 : PG_GETARG_FLOAT8(argno + d);
		if (!isnull[d])
			cv_check_finite(x[d], rfm_dim_names[d]);
	}
}

PG_FUNCTION_INFO_V1(cv_rfmn_fit_trans);

/*
 * rfmn_fit transition: (state, recency, frequency, monetary, nps
 * [, options]).  The options are validated on the group's first row, before
 * any value is kept, and travel in the state as its params; every later
 * row must have the same (22023).  Every dimension is kept exactly.
 */
Datum
cv_rfmn_fit_trans(PG_FUNCTION_ARGS)
{
	CvFitState *s = cv_fitstate_current(fcinfo);
	double		x[RFM_NDIMS];
	bool		isnull[RFM_NDIMS];

	if (s == NULL)
	{
		Jsonb	   *opts = (PG_NARGS() > 5 && !PG_ARGISNULL(5)) ? PG_GETARG_JSONB_P(5) : NULL;
		int			bins,
					ties;
		double		w[RFM_NDIMS],
					e[RFM_NEDGES];

		rfmn_read_options(opts, &bins, &ties, w, e);
		s = cv_fitstate_distr_create(fcinfo, RFM_NDIMS,
									 opts ? JsonbToCString(NULL, &opts->root, VARSIZE(opts)) : "{}");
	}
	cv_fitstate_check_options(s, fcinfo, 5);
	dimension_args(fcinfo, 1, x, isnull);
	cv_fitstate_distr_add(s, "rfmn_fit", RFM_NDIMS, x, isnull);
	PG_RETURN_DATUM(cv_fitstate_return(s));
}

/*
 * A state that passed the fit state's checks but not the model's rules
 * (a crafted state can hold any distribution the decoder accepts).
 */
static void
invalid_rfmn_state(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("rfmn_fit cannot build a model from this fit state: %s", why)));
}

PG_FUNCTION_INFO_V1(cv_rfmn_fit_final);

/*
 * rfmn_fit final: each dimension's sorted distinct values and counts become
 * its score table.  NULL for a group without rows.
 */
Datum
cv_rfmn_fit_final(PG_FUNCTION_ARGS)
{
	CvFitState *s = cv_fitstate_arg(fcinfo, 0);
	cv_distr   *distr;
	int			bins,
				ties;
	double		w[RFM_NDIMS],
				e[RFM_NEDGES];
	rfm_model  *m;
	char		err[256];

	if (s == NULL)
		PG_RETURN_NULL();
	distr = cv_fitstate_distr(s, "rfmn_fit", RFM_NDIMS, RFM_NDIMS);
	rfmn_read_options(DatumGetJsonbP(cv_jsonb_from_text(cv_fitstate_params(s))), &bins, &ties, w, e);
	m = rfm_model_new(bins, ties, w, e);
	for (int d = 0; d < RFM_NDIMS; d++)
	{
		cv_distr_dim dim = cv_distr_dim_get(distr, d);

		CHECK_FOR_INTERRUPTS();
		if (rfm_dim_build(&m->dims[d], dim.value, dim.count, dim.nentries, dim.n,
						  bins, ties, d == RFM_R, err, sizeof(err)) < 0)
			invalid_rfmn_state(err);
	}
	if (rfm_model_check(m, err, sizeof(err)) < 0)
		invalid_rfmn_state(err);
	PG_RETURN_DATUM(cv_model_value(&rfmn_kind, m));
}

/* -------------------------------------------------------------- the type */

/* The kernel's model functions, typed for CvModelKind. */
static void *
rfmn_decode(const unsigned char *payload, size_t len, char *err, size_t errlen)
{
	return rfm_model_read(payload, len, err, errlen);
}

static void *
rfmn_from_json(const char *text, size_t len, char *err, size_t errlen)
{
	return rfm_model_from_json(text, len, err, errlen);
}

static char *
rfmn_to_json(const void *m)
{
	return rfm_model_to_json(m);
}

static void
rfmn_write(const void *m, cv_wbuf *b)
{
	rfm_model_write(m, b);
}

static const CvModelKind rfmn_kind = {
	RFMN_MAGIC, RFMN_TYPE, rfmn_decode, rfmn_from_json, rfmn_to_json, rfmn_write
};

/* custvalue.rfmn_model's in, out, jsonb, recv and send */
CV_MODEL_IO_FUNCTIONS(cv_rfmn_model, rfmn_kind)

/* ------------------------------------------------------------- scoring */

/*
 * Score the customer in arguments 1..4 with the model in argument 0,
 * decoded once per distinct model at this call site.  NULL dimensions drop
 * out; the caller has checked that the model is not NULL.
 */
static const rfm_model *
score_args(FunctionCallInfo fcinfo, rfm_scores *out)
{
	const rfm_model *m = cv_model_cached(fcinfo, 0, RFMN_MAGIC, RFMN_TYPE, rfmn_decode);
	double		x[RFM_NDIMS];
	bool		isnull[RFM_NDIMS];
	unsigned char nul[RFM_NDIMS];

	dimension_args(fcinfo, 1, x, isnull);
	for (int d = 0; d < RFM_NDIMS; d++)
		nul[d] = isnull[d];
	rfm_score(m, x, nul, out);
	return m;
}

PG_FUNCTION_INFO_V1(cv_rfmn_score);

/*
 * rfmn_score(model, recency, frequency, monetary, nps): the composite
 * custvalue.rfmn_scores (r, f, m, n, score, code).  Not strict in the
 * dimensions; NULL only for a NULL model.
 */
Datum
cv_rfmn_score(PG_FUNCTION_ARGS)
{
	const rfm_model *m;
	rfm_scores	s;
	Oid			rettype = get_fn_expr_rettype(fcinfo->flinfo);
	TupleDesc	td;
	Datum		values[6];
	bool		nulls[6];
	char		code[RFM_NDIMS * 3 + 1];
	HeapTuple	tup;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	m = score_args(fcinfo, &s);
	if (OidIsValid(rettype))
		td = lookup_rowtype_tupdesc(rettype, -1);
	else if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "rfmn_score must return a composite type");
	else
		td = BlessTupleDesc(td);
	for (int d = 0; d < RFM_NDIMS; d++)
	{
		values[d] = Int32GetDatum(s.s[d]);
		nulls[d] = s.s[d] == 0;
	}
	values[4] = Float8GetDatum(s.score);
	nulls[4] = !s.has_score;
	rfm_code(&s, m->bins, code);
	values[5] = CStringGetTextDatum(code);
	nulls[5] = false;
	tup = heap_form_tuple(td, values, nulls);
	if (OidIsValid(rettype))
		ReleaseTupleDesc(td);
	PG_RETURN_DATUM(HeapTupleGetDatum(tup));
}

/*
 * The text value of a segment name.  rfm_segment_of returns one of four
 * string constants, so each becomes a text value once per backend, which
 * is returned as it is rather than built per row.
 */
static Datum
segment_text(const char *name)
{
	static const char *names[4];
	static text *texts[4];

	for (int i = 0; i < 4; i++)
	{
		if (names[i] == NULL)
		{
			texts[i] = MemoryContextAlloc(TopMemoryContext, VARHDRSZ + strlen(name));
			SET_VARSIZE(texts[i], VARHDRSZ + strlen(name));
			memcpy(VARDATA(texts[i]), name, strlen(name));
			names[i] = name;
		}
		if (names[i] == name)
			return PointerGetDatum(texts[i]);
	}
	return CStringGetTextDatum(name);
}

PG_FUNCTION_INFO_V1(cv_rfmn_segment);

/*
 * rfmn_segment(model, recency, frequency, monetary, nps): the value segment
 * of the weighted mean score; NULL when the model is NULL or no weighted
 * dimension is present.
 */
Datum
cv_rfmn_segment(PG_FUNCTION_ARGS)
{
	const rfm_model *m;
	rfm_scores	s;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	m = score_args(fcinfo, &s);
	if (!s.has_score)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(segment_text(rfm_segment_of(m, s.score)));
}

PG_FUNCTION_INFO_V1(cv_rfmn_thresholds);

/*
 * rfmn_thresholds(model): one row per dimension and score that occurs, with
 * the realised value range and the number of fitted customers.
 */
Datum
cv_rfmn_thresholds(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	struct varlena *v = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	rfm_model  *m = cv_model_decode(v, RFMN_MAGIC, RFMN_TYPE, rfmn_decode);

	InitMaterializedSRF(fcinfo, 0);
	for (int d = 0; d < RFM_NDIMS; d++)
		for (int i = 0; i < m->dims[d].nbands; i++)
		{
			const rfm_band *b = &m->dims[d].bands[i];
			Datum		values[5];
			bool		nulls[5] = {false, false, false, false, false};

			values[0] = CStringGetTextDatum(rfm_dim_names[d]);
			values[1] = Int32GetDatum(b->score);
			values[2] = Float8GetDatum(b->min_value);
			values[3] = Float8GetDatum(b->max_value);
			values[4] = Int64GetDatum(b->customers);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	return (Datum) 0;
}

/* ------------------------------------------------------------ named map */

/* Raise 22023 unless score is within lo..hi; the message names the argument. */
static void
check_score(int32 score, int hi, const char *what)
{
	if (score < 1 || score > hi)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a score between 1 and %d, not %d", what, hi, score)));
}

PG_FUNCTION_INFO_V1(cv_rfm_segment);

/* rfm_segment(r, f): the named 5 x 5 R x F map. */
Datum
cv_rfm_segment(PG_FUNCTION_ARGS)
{
	int32		r = PG_GETARG_INT32(0);
	int32		f = PG_GETARG_INT32(1);

	check_score(r, RFM_NAMED_BINS, "r");
	check_score(f, RFM_NAMED_BINS, "f");
	PG_RETURN_TEXT_P(cstring_to_text(rfm_named_segment(r, f)));
}

/* ------------------------------------------------------------- user map */

/* A parsed user map cached in fn_extra, keyed on the jsonb's bytes. */
typedef struct MapCache
{
	Jsonb	   *key;			/* copy of the map argument */
	rfm_map    *map;
} MapCache;

/*
 * The parsed map of a jsonb argument: parsed once per distinct map value at
 * this call site, in fn_mcxt so that it lives as long as the cache.
 */
static rfm_map *
cached_map(FunctionCallInfo fcinfo, Jsonb *jb)
{
	MapCache   *cache = (MapCache *) fcinfo->flinfo->fn_extra;
	MemoryContext old;
	char	   *text;
	char		err[256];
	rfm_map    *map;

	if (cache != NULL && VARSIZE(cache->key) == VARSIZE(jb) &&
		memcmp(cache->key, jb, VARSIZE(jb)) == 0)
		return cache->map;

	text = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	map = rfm_map_parse(text, strlen(text), err, sizeof(err));
	if (map == NULL)
	{
		MemoryContextSwitchTo(old);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid segment map: %s", err),
				 errhint("A map is a JSON array of rules such as {\"segment\": \"Champions\", \"r\": [5, 5], \"f\": [4, 5]}.")));
	}
	if (cache == NULL)
		cache = palloc0(sizeof(MapCache));
	else
	{
		pfree(cache->key);
		rfm_map_free(cache->map);
	}
	cache->key = palloc(VARSIZE(jb));
	memcpy(cache->key, jb, VARSIZE(jb));
	cache->map = map;
	fcinfo->flinfo->fn_extra = cache;
	MemoryContextSwitchTo(old);
	pfree(text);
	return map;
}

/* Argument argno as a score 1..100, or 0 when NULL. */
static int
score_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	int32		s;

	if (PG_ARGISNULL(argno))
		return 0;
	s = PG_GETARG_INT32(argno);
	check_score(s, RFM_MAP_MAX_SCORE, what);
	return s;
}

PG_FUNCTION_INFO_V1(cv_rfm_segment_map);

/*
 * rfm_segment(r, f, m, map): first matching rule of a user map, 'Other'
 * when none matches.  Not strict in the scores: a NULL score matches only
 * rules that leave that dimension out.  NULL map gives NULL.
 */
Datum
cv_rfm_segment_map(PG_FUNCTION_ARGS)
{
	int			r,
				f,
				m;
	rfm_map    *map;

	if (PG_ARGISNULL(3))
		PG_RETURN_NULL();
	r = score_arg(fcinfo, 0, "r");
	f = score_arg(fcinfo, 1, "f");
	m = score_arg(fcinfo, 2, "m");
	map = cached_map(fcinfo, PG_GETARG_JSONB_P(3));
	PG_RETURN_TEXT_P(cstring_to_text(rfm_map_segment(map, r, f, m)));
}

/* ---------------------------------------------------------------- trend */

PG_FUNCTION_INFO_V1(cv_value_trend);

/* value_trend(current, previous [, band]): band defaults to 0.10. */
Datum
cv_value_trend(PG_FUNCTION_ARGS)
{
	double		band = PG_NARGS() > 2 ? PG_GETARG_FLOAT8(2) : RFM_DEFAULT_BAND;
	rfm_trend	t;
	char		err[256];

	if (rfm_value_trend(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1), band,
						&t, err, sizeof(err)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", err)));
	PG_RETURN_TEXT_P(cstring_to_text(rfm_trend_name(t)));
}

/* ------------------------------------------------------------------ nps */

/*
 * The nps state is an int8[] of 11 counts, one per rating 0..10.  Check a
 * state handed to us (callable directly from SQL, so it may be anything)
 * and return its counts.
 */
static int64 *
nps_counts(ArrayType *state)
{
	int64	   *counts;

	if (ARR_NDIM(state) != 1 || ARR_DIMS(state)[0] != RFM_NPS_RATINGS ||
		ARR_HASNULL(state) || ARR_ELEMTYPE(state) != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nps state must be an int8 array of %d counts without NULLs",
						RFM_NPS_RATINGS)));
	counts = (int64 *) ARR_DATA_PTR(state);
	for (int i = 0; i < RFM_NPS_RATINGS; i++)
		if (counts[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("nps state must hold non-negative counts, not %lld",
							(long long) counts[i])));
	return counts;
}

/*
 * The state to update: the argument itself inside an aggregate (the
 * executor gave us our own copy in the aggregate context), else a copy.
 */
static ArrayType *
nps_writable_state(FunctionCallInfo fcinfo)
{
	if (AggCheckCallContext(fcinfo, NULL))
		return PG_GETARG_ARRAYTYPE_P(0);
	return PG_GETARG_ARRAYTYPE_P_COPY(0);
}

PG_FUNCTION_INFO_V1(cv_nps_trans);

/* Count one rating 0..10 (strict: NULL ratings are skipped). */
Datum
cv_nps_trans(PG_FUNCTION_ARGS)
{
	ArrayType  *state = nps_writable_state(fcinfo);
	int32		rating = PG_GETARG_INT32(1);
	int64	   *counts = nps_counts(state);

	if (rating < 0 || rating > 10)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rating must be between 0 and 10, not %d", rating)));
	if (pg_add_s64_overflow(counts[rating], 1, &counts[rating]))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("nps count out of range")));
	PG_RETURN_ARRAYTYPE_P(state);
}

PG_FUNCTION_INFO_V1(cv_nps_combine);

/* Add the counts of two partial states. */
Datum
cv_nps_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *state = nps_writable_state(fcinfo);
	int64	   *counts = nps_counts(state);
	int64	   *other = nps_counts(PG_GETARG_ARRAYTYPE_P(1));

	for (int i = 0; i < RFM_NPS_RATINGS; i++)
		if (pg_add_s64_overflow(counts[i], other[i], &counts[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("nps count out of range")));
	PG_RETURN_ARRAYTYPE_P(state);
}

PG_FUNCTION_INFO_V1(cv_nps_final);

/* % promoters - % detractors; NULL without ratings. */
Datum
cv_nps_final(PG_FUNCTION_ARGS)
{
	double		nps;

	if (!rfm_nps(nps_counts(PG_GETARG_ARRAYTYPE_P(0)), &nps))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(nps);
}
