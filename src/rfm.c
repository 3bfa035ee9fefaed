/*
 * rfm.c
 *	  PostgreSQL glue of RFM+N segmentation: the named and user segment
 *	  maps, value trends and the nps aggregate (the rules are in
 *	  kernel/rfm_k.c).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "cvutils.h"
#include "rfm_k.h"

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
