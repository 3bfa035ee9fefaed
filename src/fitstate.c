/*
 * fitstate.c
 *	  custvalue.fitstate, the shared transition-state type of the fit
 *	  aggregates (see fitstate.h).
 *
 * One byte format serves every form of the value: the flat varlena's data,
 * the binary send/recv form, and (base64-encoded, after the kind's name) the
 * text form that Citus uses to move partial states between nodes:
 *
 *	  u8 kind, u8 format, u16 reserved (0), u32 params length, params bytes,
 *	  kernel payload (little-endian, see distr.c)
 */
#include "postgres.h"

#include "access/detoast.h"
#include "cvalloc.h"
#include "cvcodec.h"
#include "cvutils.h"
#include "fitstate.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/regproc.h"

#define FITSTATE_FORMAT 1
#define FITSTATE_HEADER 8

static Size fitstate_get_flat_size(ExpandedObjectHeader *eohptr);
static void fitstate_flatten_into(ExpandedObjectHeader *eohptr,
								  void *result, Size allocated_size);

static const ExpandedObjectMethods fitstate_methods = {
	fitstate_get_flat_size,
	fitstate_flatten_into
};

/*
 * A kind of state: its name in the text form and its kernel's functions.
 * merge returns a negative number with a message when the two objects
 * cannot merge (CV_DISTR_OVER: past the budget or the row limit).  `cost`
 * is the DETAIL of the error past custvalue.max_fit_memory: what the state
 * keeps per value or row.
 *
 * A kind may also bound its own growth (budget, over) so that it fails
 * before allocating past custvalue.max_fit_memory rather than after, write
 * straight into a flat value whose size it knows (prepare, flat_size), and
 * merge a flat state without building it first (merge_bytes), and copy
 * an expanded state without serialising it (copy).  Kinds without these
 * are checked after each change and serialised through a buffer.
 */
typedef struct CvStateKindOps
{
	const char *name;
	const char *cost;
	void	   *(*read) (cv_rbuf *r, char *err, size_t errlen);
	void		(*write) (void *k, cv_wbuf *b);
	int			(*merge) (void *dst, const void *src, char *err, size_t errlen);
	size_t		(*bytes) (const void *k);
	/* optional */
	void		(*budget) (void *k, size_t bytes);
	size_t		(*over) (const void *k);
	int			(*prepare) (void *k);
	size_t		(*flat_size) (const void *k);
	int			(*merge_bytes) (void *dst, cv_rbuf *r, char *err, size_t errlen);
	void	   *(*copy) (const void *k);
} CvStateKindOps;

/* distr: the kernel's functions, typed for the table */
static void *
distr_read(cv_rbuf *r, char *err, size_t errlen)
{
	return cv_distr_read(r, err, errlen);
}

static void
distr_write(void *k, cv_wbuf *b)
{
	cv_distr_write(k, b);
}

static int
distr_merge(void *dst, const void *src, char *err, size_t errlen)
{
	return cv_distr_merge(dst, src, err, errlen);
}

static size_t
distr_bytes(const void *k)
{
	return cv_distr_bytes(k);
}

static void
distr_budget(void *k, size_t bytes)
{
	cv_distr_set_budget(k, bytes);
}

static size_t
distr_over(const void *k)
{
	return cv_distr_over(k);
}

static int
distr_prepare(void *k)
{
	return cv_distr_compact(k);
}

static size_t
distr_flat_size(const void *k)
{
	return cv_distr_flat_size(k);
}

static int
distr_merge_bytes(void *dst, cv_rbuf *r, char *err, size_t errlen)
{
	return cv_distr_merge_bytes(dst, r, err, errlen);
}

/*
 * rows: likewise.  Category levels become text in models, so a state's
 * levels must be valid in the database encoding.
 */
static int
rows_levels_valid(const cv_rows *rows, char *err, size_t errlen)
{
	for (int p = 0; p < cv_rows_ncat(rows); p++)
		for (int c = 0; c < cv_rows_nlevels(rows, p); c++)
		{
			size_t		len;
			const char *level = cv_rows_level(rows, p, c, &len);

			if (!pg_verifymbstr(level, len, true))
			{
				snprintf(err, errlen, "level %d of categorical position %d is not valid in the database encoding",
						 c + 1, p + 1);
				return 0;
			}
		}
	return 1;
}

static void *
rows_read(cv_rbuf *r, char *err, size_t errlen)
{
	cv_rows    *rows = cv_rows_read(r, err, errlen);

	if (rows && !rows_levels_valid(rows, err, errlen))
	{
		cv_rows_free(rows);
		return NULL;
	}
	return rows;
}

/* A merged state's levels are checked as a read state's are. */
static int
rows_merge_bytes(void *dst, cv_rbuf *r, char *err, size_t errlen)
{
	int			rc = cv_rows_merge_bytes(dst, r, err, errlen);

	if (rc == 0 && !rows_levels_valid(dst, err, errlen))
		return CV_ROWS_INVALID;
	return rc;
}

/* rows: a state about to be written keeps only its sample */
static int
rows_prepare(void *k)
{
	cv_rows_compact(k);
	return 0;
}

static size_t
rows_flat_size(const void *k)
{
	return cv_rows_flat_size(k);
}

static void *
rows_copy(const void *k)
{
	return cv_rows_copy(k);
}

static void
rows_write(void *k, cv_wbuf *b)
{
	cv_rows_write(k, b);
}

static int
rows_merge(void *dst, const void *src, char *err, size_t errlen)
{
	return cv_rows_merge(dst, src, err, errlen);
}

static size_t
rows_bytes(const void *k)
{
	return cv_rows_bytes(k);
}

/* tuples: likewise */
static void *
tuples_read(cv_rbuf *r, char *err, size_t errlen)
{
	return cv_tuples_read(r, err, errlen);
}

static void
tuples_write(void *k, cv_wbuf *b)
{
	cv_tuples_write(k, b);
}

/* Counts past INT64_MAX are the row limit, reported as distr's is. */
static int
tuples_merge(void *dst, const void *src, char *err, size_t errlen)
{
	int			rc = cv_tuples_merge(dst, src, err, errlen);

	return rc == CV_TUPLES_OVER ? CV_DISTR_OVER : rc;
}

static size_t
tuples_bytes(const void *k)
{
	return cv_tuples_bytes(k);
}

static size_t
tuples_flat_size(const void *k)
{
	return cv_tuples_flat_size(k);
}

/*
 * rows: grow the row arrays at most to the budget; the size check after
 * the change raises 54000.  A state being created has no rows object yet.
 */
static void
rows_budget(void *k, size_t bytes)
{
	if (k != NULL)
		cv_rows_set_budget(k, bytes);
}

/* Indexed by CvFitStateKind. */
static const CvStateKindOps state_kinds[] = {
	{NULL},
	{"distr",
		"The state keeps up to 24 bytes per distinct value of each dimension: 16 for the value and its count, up to 8 for values waiting to be sorted in.",
		distr_read, distr_write, distr_merge, distr_bytes,
	distr_budget, distr_over, distr_prepare, distr_flat_size, distr_merge_bytes},
	{"rows",
		"A row takes 8 bytes per feature and target, 4 per category and 24 for its hash and sort; up to max_rows rows also reserve the fit's working memory (k-means 8 bytes per design column plus 40, trees 28 plus 48); past max_rows rows the state samples down when it reaches the cap.",
		rows_read, rows_write, rows_merge, rows_bytes,
	rows_budget, NULL, rows_prepare, rows_flat_size, rows_merge_bytes, rows_copy},
	{"tuples",
		"The state keeps 8 bytes per value of each distinct tuple, 16 per summed column and 8 for its count, plus an index of 4 to 8 bytes.",
	tuples_read, tuples_write, tuples_merge, tuples_bytes,
	NULL, NULL, NULL, tuples_flat_size},
};

/* The operations of a kind, or NULL for an unknown tag. */
static const CvStateKindOps *
kind_ops(int kind)
{
	if (kind <= 0 || kind >= (int) lengthof(state_kinds))
		return NULL;
	return &state_kinds[kind];
}

/* The name of a kind in the text form. */
static const char *
kind_name(int kind)
{
	return kind_ops(kind) ? kind_ops(kind)->name : NULL;
}

/* A new, empty expanded state in its own context under `parent`. */
static CvFitState *
fitstate_new(MemoryContext parent, CvFitStateKind kind, const char *params)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "custvalue fit state",
											  ALLOCSET_DEFAULT_SIZES);
	CvFitState *s = MemoryContextAllocZero(cxt, sizeof(CvFitState));

	EOH_init_header(&s->hdr, &fitstate_methods, cxt);
	s->kind = kind;
	s->params = MemoryContextStrdup(cxt, params ? params : "");
	s->dirty = true;
	return s;
}

/*
 * The bytes a state may take: custvalue.max_fit_memory, or half of it for
 * a partial state, whose flat copy (sent by a parallel worker, copied by
 * the leader) takes up to as much again.
 */
static Size
state_cap(CvFitState *s)
{
	return s->partial ? cv_max_fit_bytes() / 2 : cv_max_fit_bytes();
}

/*
 * True when the aggregate calling fcinfo computes partial states (a
 * Partial Aggregate of a parallel or partition-wise plan, or a Citus
 * worker's), which the executor copies to pass on.
 */
static bool
agg_is_partial(FunctionCallInfo fcinfo)
{
	return fcinfo->context && IsA(fcinfo->context, AggState) &&
		DO_AGGSPLIT_SKIPFINAL(((AggState *) fcinfo->context)->aggsplit);
}

/*
 * Raise 54000: a state of `bytes` would pass custvalue.max_fit_memory (a
 * partial state counts its copy too).
 */
static void
size_error(CvFitState *s, size_t bytes)
{
	if (s->partial)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("fit state of %zu kB and the copy a parallel plan makes of it exceed custvalue.max_fit_memory (%zu kB)",
						(bytes + 1023) / 1024, cv_max_fit_bytes() / 1024),
				 errdetail("%s A partial state of a parallel plan may take half of the cap.",
						   kind_ops(s->kind)->cost),
				 errhint("Raise custvalue.max_fit_memory (at most 1GB), round the values, fit smaller groups, or fit without parallel workers.")));
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("fit state of %zu kB exceeds custvalue.max_fit_memory (%zu kB)",
					(bytes + 1023) / 1024, cv_max_fit_bytes() / 1024),
			 errdetail("%s", kind_ops(s->kind)->cost),
			 errhint("Raise custvalue.max_fit_memory (at most 1GB), round the values, or fit smaller groups.")));
}

/*
 * Give a state that bounds its own growth its cap, less the partial
 * states merged into it that the executor still holds; every change to
 * such a state starts here.
 */
static void
state_budget(CvFitState *s)
{
	const CvStateKindOps *ops = kind_ops(s->kind);
	Size		cap = state_cap(s);

	if (ops->budget)
		ops->budget(s->k, s->held < cap ? cap - s->held : 1);
}

/*
 * After a kernel refused to grow past its budget: 54000 with the size it
 * needed.  A refusal without a size is a row count past the kernel's
 * limit.
 */
static void
too_many_rows(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("fit state holds too many rows")));
}

static void
over_error(CvFitState *s)
{
	size_t		need = kind_ops(s->kind)->over(s->k);

	if (need == 0)
		too_many_rows();
	size_error(s, need + s->held);
}

/*
 * Fail with 54000 unless `extra` more bytes fit beside the state and the
 * partial states it holds.
 */
static void
check_room(CvFitState *s, size_t extra)
{
	size_t		bytes = kind_ops(s->kind)->bytes(s->k) + s->held + extra;

	if (bytes > state_cap(s))
		size_error(s, bytes);
}

/*
 * Fail with 54000 when a state, with the partial states merged into it
 * that the executor still holds, has grown past its cap.
 */
static void
check_state_size(CvFitState *s)
{
	check_room(s, 0);
}

/* Write the state's byte format into b. */
static void
fitstate_write(CvFitState *s, cv_wbuf *b)
{
	uint32		plen = strlen(s->params);

	cvb_u8(b, (uint8) s->kind);
	cvb_u8(b, FITSTATE_FORMAT);
	cvb_u8(b, 0);
	cvb_u8(b, 0);
	cvb_u32(b, plen);
	cvb_bytes(b, s->params, plen);
	kind_ops(s->kind)->write(s->k, b);
}

/*
 * Make the state ready to be written (a kind with a prepare step sorts
 * pending values in, within its budget).
 */
static void
fitstate_prepare(CvFitState *s)
{
	const CvStateKindOps *ops = kind_ops(s->kind);
	MemoryContext old;
	int			rc;

	if (ops->prepare == NULL)
		return;
	state_budget(s);
	old = MemoryContextSwitchTo(s->hdr.eoh_context);
	rc = ops->prepare(s->k);
	MemoryContextSwitchTo(old);
	if (rc < 0)
		over_error(s);
}

/* Serialise the state into s->flat unless it is current. */
static void
fitstate_serialise(CvFitState *s)
{
	MemoryContext old;

	if (!s->dirty)
		return;
	fitstate_prepare(s);
	old = MemoryContextSwitchTo(s->hdr.eoh_context);
	if (s->flat.data)
		cv_free(s->flat.data);
	cvb_init(&s->flat);
	fitstate_write(s, &s->flat);
	MemoryContextSwitchTo(old);
	s->dirty = false;
}

/* Bytes of the byte format, without building it (kinds with flat_size). */
static Size
fitstate_flat_bytes(CvFitState *s)
{
	fitstate_prepare(s);
	return FITSTATE_HEADER + strlen(s->params) + kind_ops(s->kind)->flat_size(s->k);
}

static Size
fitstate_get_flat_size(ExpandedObjectHeader *eohptr)
{
	CvFitState *s = (CvFitState *) eohptr;
	Size		len;

	if (kind_ops(s->kind)->flat_size)
		len = fitstate_flat_bytes(s);
	else
	{
		fitstate_serialise(s);
		len = s->flat.len;
	}
	if (VARHDRSZ + len > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("fit state of %zu bytes exceeds the 1GB limit of a value", len)));
	return VARHDRSZ + len;
}

/*
 * Flatten the state into `result`.  A kind that knows its size writes
 * straight into it, so flattening a large state (to send it from a
 * parallel worker, or to store it) makes no intermediate copy.
 */
static void
fitstate_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	CvFitState *s = (CvFitState *) eohptr;

	SET_VARSIZE(result, allocated_size);
	if (kind_ops(s->kind)->flat_size)
	{
		cv_wbuf		b;

		fitstate_prepare(s);
		b.data = (unsigned char *) VARDATA(result);
		b.len = 0;
		b.cap = allocated_size - VARHDRSZ;
		fitstate_write(s, &b);
		if (b.data != (unsigned char *) VARDATA(result) || b.len != allocated_size - VARHDRSZ)
			elog(ERROR, "custvalue fit state changed size while it was flattened");
		return;
	}
	fitstate_serialise(s);
	Assert(allocated_size == VARHDRSZ + s->flat.len);
	memcpy(VARDATA(result), s->flat.data, s->flat.len);
}

/* Raise the error of a malformed fitstate value. */
static void
invalid_state(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid custvalue.fitstate value: %s", why)));
}

/*
 * Read and validate the header of the byte format: kind, format and
 * options (returned as a palloc'd string); r is left at the payload.
 */
static void
fitstate_header(cv_rbuf *r, const unsigned char *p, size_t len, int *kind, char **params)
{
	int			format;
	uint32		plen;
	const unsigned char *ptext;

	cvr_init(r, p, len);
	*kind = cvr_u8(r);
	format = cvr_u8(r);
	(void) cvr_u8(r);
	(void) cvr_u8(r);
	plen = cvr_u32(r);
	ptext = cvr_bytes(r, plen);
	if (r->err)
		invalid_state("truncated header");
	if (kind_name(*kind) == NULL)
		invalid_state(psprintf("unknown kind %d", *kind));
	if (format != FITSTATE_FORMAT)
		invalid_state(psprintf("unsupported format %d", format));
	if (memchr(ptext, '\0', plen) != NULL)
		invalid_state("options contain a NUL byte");
	*params = pnstrdup((const char *) ptext, plen);
	pg_verifymbstr(*params, plen, false);
}

/* Build an expanded state from its byte format, validating every field. */
static CvFitState *
fitstate_from_bytes(const unsigned char *p, size_t len, MemoryContext parent)
{
	cv_rbuf		r;
	int			kind;
	char	   *ptext;
	CvFitState *s;
	MemoryContext old;
	char		err[256];

	fitstate_header(&r, p, len, &kind, &ptext);
	s = fitstate_new(parent, kind, ptext);
	old = MemoryContextSwitchTo(s->hdr.eoh_context);
	s->k = kind_ops(kind)->read(&r, err, sizeof(err));
	MemoryContextSwitchTo(old);
	if (s->k == NULL)
		invalid_state(err);
	if (!cvr_done(&r))
		invalid_state("trailing bytes");
	return s;
}

/*
 * The state in a datum: an expanded object as it is (read-write or
 * read-only), a flat value expanded into a new object under `parent`.
 */
static CvFitState *
fitstate_from_datum(Datum d, MemoryContext parent)
{
	struct varlena *v;

	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
		return (CvFitState *) DatumGetEOHP(d);
	v = PG_DETOAST_DATUM(d);
	return fitstate_from_bytes((unsigned char *) VARDATA(v), VARSIZE(v) - VARHDRSZ, parent);
}

/*
 * Fail unless called as part of an aggregate; returns the aggregate
 * context.  Transition and combine functions change their state in place,
 * which only an aggregate may ask for.
 */
static MemoryContext
agg_context(FunctionCallInfo fcinfo)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called by an aggregate",
						format_procedure(fcinfo->flinfo->fn_oid))));
	return aggcxt;
}

/*
 * A private, writable copy of the state in a datum, under `parent`.  An
 * expanded state of a kind that can copy itself (a parallel leader's own
 * partial state) is copied directly, once, rather than serialised and read.
 */
static CvFitState *
fitstate_private_copy(Datum d, MemoryContext parent)
{
	CvFitState *s;
	CvFitState *copy;
	MemoryContext old;

	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
		return fitstate_from_datum(d, parent);
	s = (CvFitState *) DatumGetEOHP(d);
	if (kind_ops(s->kind)->copy == NULL)
	{
		fitstate_serialise(s);
		return fitstate_from_bytes(s->flat.data, s->flat.len, parent);
	}
	copy = fitstate_new(parent, s->kind, s->params);
	old = MemoryContextSwitchTo(copy->hdr.eoh_context);
	copy->k = kind_ops(s->kind)->copy(s->k);
	MemoryContextSwitchTo(old);
	check_state_size(copy);
	return copy;
}

CvFitState *
cv_fitstate_current(FunctionCallInfo fcinfo)
{
	MemoryContext aggcxt = agg_context(fcinfo);
	CvFitState *s;
	Datum		d;

	if (PG_ARGISNULL(0))
		return NULL;
	d = PG_GETARG_DATUM(0);
	if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
		return (CvFitState *) DatumGetEOHP(d);
	s = fitstate_private_copy(d, aggcxt);
	s->partial = agg_is_partial(fcinfo);
	return s;
}

CvFitState *
cv_fitstate_distr_create(FunctionCallInfo fcinfo, int ndims, const char *params)
{
	CvFitState *s = cv_fitstate_create(fcinfo, CV_STATE_DISTR, params);
	MemoryContext old = MemoryContextSwitchTo(s->hdr.eoh_context);

	s->k = cv_distr_new(ndims);
	MemoryContextSwitchTo(old);
	return s;
}

/* Raise 22023: a state's dimension count is not what `fitname` expects. */
static void
dims_error(const char *fitname, int ndims, int min_dims, int max_dims)
{
	if (min_dims == max_dims)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s cannot use a fit state of %d dimensions", fitname, ndims),
				 errdetail("It expects a state of %d dimensions.", min_dims)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s cannot use a fit state of %d dimensions", fitname, ndims),
			 errdetail("It expects a state of %d to %d dimensions.", min_dims, max_dims)));
}

cv_distr *
cv_fitstate_distr_of(CvFitState *s, const char *fitname, int min_dims, int max_dims)
{
	cv_distr   *d = cv_fitstate_kernel(s, CV_STATE_DISTR, fitname);
	int			ndims = cv_distr_ndims(d);

	if (ndims < min_dims || ndims > max_dims)
		dims_error(fitname, ndims, min_dims, max_dims);
	return d;
}

void
cv_fitstate_distr_add(CvFitState *s, const char *fitname, int n, const double *x,
					  const bool *isnull)
{
	cv_distr   *d = cv_fitstate_distr_of(s, fitname, n, n);
	MemoryContext old;
	int			rc;

	state_budget(s);
	old = MemoryContextSwitchTo(s->hdr.eoh_context);
	rc = cv_distr_add(d, x, (const unsigned char *) isnull);
	MemoryContextSwitchTo(old);
	s->dirty = true;
	if (rc < 0)
		over_error(s);
}

/* Raise the error of options that differ between rows or partial states. */
static void
options_differ(const char *first, const char *other)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("options must be the same on every row of a group"),
			 errdetail("Rows of the group have options %s and %s.", first, other),
			 errhint("Pass the options as a constant, or group by them.")));
}

/* See fitstate.h. */
void
cv_fitstate_check_options(CvFitState *s, FunctionCallInfo fcinfo, int argno)
{
	Jsonb	   *opts = NULL;
	const char *text = "{}";

	if (argno >= PG_NARGS())
		return;
	if (PG_ARGISNULL(argno))
	{
		if (s->opts_seen == 1)
			return;
	}
	else
	{
		opts = PG_GETARG_JSONB_P(argno);
		if (s->opts_seen == 2 && VARSIZE(opts) == VARSIZE(s->opts_bytes) &&
			memcmp(opts, s->opts_bytes, VARSIZE(opts)) == 0)
			return;
		text = JsonbToCString(NULL, &opts->root, VARSIZE(opts));
	}
	/* first row, or other bytes: compare the text the state keeps */
	if (strcmp(text, s->params) != 0)
		options_differ(s->params, text);
	if (s->opts_bytes)
		pfree(s->opts_bytes);
	s->opts_bytes = NULL;
	s->opts_seen = opts ? 2 : 1;
	if (opts)
	{
		s->opts_bytes = MemoryContextAlloc(s->hdr.eoh_context, VARSIZE(opts));
		memcpy(s->opts_bytes, opts, VARSIZE(opts));
	}
}

Datum
cv_fitstate_return(CvFitState *s)
{
	return EOHPGetRWDatum(&s->hdr);
}

CvFitState *
cv_fitstate_arg(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		return NULL;
	return fitstate_from_datum(PG_GETARG_DATUM(argno), CurrentMemoryContext);
}

const char *
cv_fitstate_params(CvFitState *s)
{
	return s->params;
}

/*
 * The state's distributions, checked against the fit and compacted.
 * Compacting sorts pending values in, which changes the representation
 * but not the value, so final functions may call this on a read-only
 * state.
 */
cv_distr *
cv_fitstate_distr(CvFitState *s, const char *fitname, int min_dims, int max_dims)
{
	cv_distr   *d = cv_fitstate_distr_of(s, fitname, min_dims, max_dims);

	CHECK_FOR_INTERRUPTS();
	fitstate_prepare(s);
	return d;
}

CvFitState *
cv_fitstate_create(FunctionCallInfo fcinfo, CvFitStateKind kind, const char *params)
{
	CvFitState *s = fitstate_new(agg_context(fcinfo), kind, params);

	s->partial = agg_is_partial(fcinfo);
	return s;
}

MemoryContext
cv_fitstate_enter(CvFitState *s)
{
	state_budget(s);
	return MemoryContextSwitchTo(s->hdr.eoh_context);
}

void
cv_fitstate_leave(CvFitState *s, MemoryContext old)
{
	MemoryContextSwitchTo(old);
	s->dirty = true;
	check_state_size(s);
}

void *
cv_fitstate_kernel(CvFitState *s, CvFitStateKind kind, const char *fitname)
{
	if (s->kind != kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s cannot use a custvalue.fitstate of kind \"%s\"", fitname, kind_name(s->kind)),
				 errdetail("It expects a state of kind \"%s\".", kind_name(kind))));
	return s->k;
}

/* Raise 22023: two states of one fit that cannot be merged. */
static void
combine_error(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot combine fit states built with different options or dimensions"),
			 errdetail("%s", detail)));
}

/* Fail unless a state of kind `kind` with `params` can merge into a. */
static void
check_combinable(CvFitState *a, int kind, const char *params)
{
	if (a->kind == kind && strcmp(a->params, params) != 0)
		options_differ(a->params, params);
	if (a->kind != kind)
		combine_error(psprintf("One state is of kind %s with options %s, the other of kind %s with options %s.",
							   kind_name(a->kind), a->params, kind_name(kind), params));
}

/*
 * Raise the error of a failed merge: past the cap or the row limit, or
 * shapes that differ.
 */
static void
merge_error(CvFitState *a, int rc, const char *err)
{
	if (rc == CV_DISTR_OVER && kind_ops(a->kind)->over)
		over_error(a);
	if (rc == CV_DISTR_OVER)
		too_many_rows();
	combine_error(err);
}

/*
 * Merge the flat state in datum d into a without expanding it, for kinds
 * that can (a parallel leader then holds one copy of each worker's state,
 * not two).
 */
static void
combine_flat(CvFitState *a, Datum d)
{
	struct varlena *v = PG_DETOAST_DATUM(d);
	cv_rbuf		r;
	int			kind;
	char	   *params;
	char		err[256];
	int			rc;
	MemoryContext old;

	fitstate_header(&r, (unsigned char *) VARDATA(v), VARSIZE(v) - VARHDRSZ, &kind, &params);
	check_combinable(a, kind, params);
	a->held += VARSIZE(v);
	state_budget(a);
	old = MemoryContextSwitchTo(a->hdr.eoh_context);
	rc = kind_ops(a->kind)->merge_bytes(a->k, &r, err, sizeof(err));
	MemoryContextSwitchTo(old);
	a->dirty = true;
	if (rc == CV_DISTR_INVALID)
		invalid_state(err);
	if (rc < 0)
		merge_error(a, rc, err);
	if (!cvr_done(&r))
		invalid_state("trailing bytes");
	if (!kind_ops(a->kind)->over)
		check_state_size(a);
	if ((Pointer) v != DatumGetPointer(d))
		pfree(v);
}

/*
 * The first state a combine receives, as a private state to merge the
 * others into.  A flat one stays with the executor, so it counts as held.
 */
static CvFitState *
combine_first(Datum d, MemoryContext aggcxt)
{
	CvFitState *s = fitstate_private_copy(d, aggcxt);

	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		s->held = toast_raw_datum_size(d);
		if (kind_ops(s->kind)->bytes(s->k) + s->held > cv_max_fit_bytes())
			size_error(s, kind_ops(s->kind)->bytes(s->k) + s->held);
	}
	return s;
}

/*
 * fitstate_combine(a, b): merge two partial states of the same fit.  States
 * built with different options or dimensions cannot be merged.
 */
PG_FUNCTION_INFO_V1(cv_fitstate_combine);
Datum
cv_fitstate_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo);
	CvFitState *a;
	CvFitState *b;
	Datum		bd;
	MemoryContext old;
	char		err[256];
	int			rc;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(cv_fitstate_return(cv_fitstate_current(fcinfo)));
	}
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(cv_fitstate_return(combine_first(PG_GETARG_DATUM(1), aggcxt)));

	a = cv_fitstate_current(fcinfo);
	bd = PG_GETARG_DATUM(1);
	CHECK_FOR_INTERRUPTS();
	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(bd)) && kind_ops(a->kind)->merge_bytes)
	{
		combine_flat(a, bd);
		PG_RETURN_DATUM(cv_fitstate_return(a));
	}
	b = fitstate_from_datum(bd, CurrentMemoryContext);
	check_combinable(a, b->kind, b->params);
	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(bd)))
	{
		/*
		 * A flat partial state stays with the executor, and its expansion is
		 * held until the merge ends: both count, checked before merging.
		 */
		a->held += toast_raw_datum_size(bd);
		check_room(a, kind_ops(b->kind)->bytes(b->k));
	}
	state_budget(a);
	old = MemoryContextSwitchTo(a->hdr.eoh_context);
	rc = kind_ops(a->kind)->merge(a->k, b->k, err, sizeof(err));
	MemoryContextSwitchTo(old);
	a->dirty = true;
	if (rc < 0)
		merge_error(a, rc, err);
	if (!kind_ops(a->kind)->over)
		check_state_size(a);
	PG_RETURN_DATUM(cv_fitstate_return(a));
}

/*
 * A flat value of a validated state, for the input functions: constants
 * must not be expanded objects.  The temporary object is released.
 */
static Datum
fitstate_flat_datum(CvFitState *s)
{
	struct varlena *v;

	fitstate_serialise(s);
	v = palloc(VARHDRSZ + s->flat.len);
	SET_VARSIZE(v, VARHDRSZ + s->flat.len);
	memcpy(VARDATA(v), s->flat.data, s->flat.len);
	DeleteExpandedObject(EOHPGetRWDatum(&s->hdr));
	return PointerGetDatum(v);
}

/* Text form: the kind's name, a colon, the byte format in base64. */
PG_FUNCTION_INFO_V1(cv_fitstate_in);
Datum
cv_fitstate_in(PG_FUNCTION_ARGS)
{
	char	   *text = PG_GETARG_CSTRING(0);
	char	   *colon = strchr(text, ':');
	unsigned char *bytes;
	size_t		len;
	CvFitState *s;

	if (colon == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"", "custvalue.fitstate", text),
				 errdetail("Expected a kind name, a colon and base64 data.")));
	if (cv_base64_decode(colon + 1, strlen(colon + 1), &bytes, &len) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"", "custvalue.fitstate", text),
				 errdetail("The data after the colon is not valid base64.")));
	s = fitstate_from_bytes(bytes, len, CurrentMemoryContext);
	if (strncmp(text, kind_name(s->kind), colon - text) != 0 ||
		strlen(kind_name(s->kind)) != (size_t) (colon - text))
		invalid_state("kind name does not match the data");
	PG_RETURN_DATUM(fitstate_flat_datum(s));
}

/*
 * The byte format of the state in a datum: a flat value's own bytes
 * (validated when the value was made), or an expanded state's serialised
 * form.  Its kind into *kind.
 */
static const unsigned char *
fitstate_bytes(Datum d, size_t *len, int *kind)
{
	const unsigned char *p;

	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		CvFitState *s = (CvFitState *) DatumGetEOHP(d);

		fitstate_serialise(s);
		p = s->flat.data;
		*len = s->flat.len;
	}
	else
	{
		struct varlena *v = PG_DETOAST_DATUM(d);

		p = (const unsigned char *) VARDATA(v);
		*len = VARSIZE(v) - VARHDRSZ;
	}
	if (*len < FITSTATE_HEADER || kind_name(p[0]) == NULL)
		invalid_state("truncated header");
	*kind = p[0];
	return p;
}

PG_FUNCTION_INFO_V1(cv_fitstate_out);
Datum
cv_fitstate_out(PG_FUNCTION_ARGS)
{
	size_t		len;
	int			kind;
	const unsigned char *p = fitstate_bytes(PG_GETARG_DATUM(0), &len, &kind);
	const char *name = kind_name(kind);
	char	   *out;

	out = palloc(strlen(name) + 1 + cv_base64_len(len) + 1);
	sprintf(out, "%s:", name);
	cv_base64_encode(p, len, out + strlen(name) + 1);
	PG_RETURN_CSTRING(out);
}

PG_FUNCTION_INFO_V1(cv_fitstate_recv);
Datum
cv_fitstate_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	CvFitState *s;

	s = fitstate_from_bytes((unsigned char *) buf->data + buf->cursor,
							buf->len - buf->cursor, CurrentMemoryContext);
	buf->cursor = buf->len;
	PG_RETURN_DATUM(fitstate_flat_datum(s));
}

PG_FUNCTION_INFO_V1(cv_fitstate_send);
Datum
cv_fitstate_send(PG_FUNCTION_ARGS)
{
	size_t		len;
	int			kind;
	const unsigned char *p = fitstate_bytes(PG_GETARG_DATUM(0), &len, &kind);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (const char *) p, len);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* The transition of an array fit: see fitstate.h. */
Datum
cv_fitstate_array_row(FunctionCallInfo fcinfo, const char *what, int maxn,
					  cv_array_fit_options_fn validate, const char *fitname)
{
	CvFitState *s = cv_fitstate_current(fcinfo);
	double	   *values;
	bool	   *nulls;
	int			n;

	if (PG_ARGISNULL(1))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_DATUM(cv_fitstate_return(s));
	}
	n = cv_float8_array(PG_GETARG_ARRAYTYPE_P(1), what, &values, &nulls);
	if (s == NULL)
	{
		Jsonb	   *opts = (PG_NARGS() > 2 && !PG_ARGISNULL(2)) ? PG_GETARG_JSONB_P(2) : NULL;

		if (n < 1 || n > maxn)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must have between 1 and %d elements, not %d", what, maxn, n)));
		validate(opts, n);
		s = cv_fitstate_distr_create(fcinfo, n,
									 opts ? JsonbToCString(NULL, &opts->root, VARSIZE(opts)) : "{}");
	}
	else
		cv_check_row_length(what, cv_distr_ndims(cv_fitstate_distr_of(s, fitname, 1, maxn)), n);
	cv_fitstate_check_options(s, fcinfo, 2);
	cv_fitstate_distr_add(s, fitname, n, values, nulls);
	PG_RETURN_DATUM(cv_fitstate_return(s));
}
