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

#include "cvalloc.h"
#include "cvcodec.h"
#include "cvutils.h"
#include "fitstate.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

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
 * merge returns -1 with a message when the two objects cannot merge.
 */
typedef struct CvStateKindOps
{
	const char *name;
	void	   *(*read) (cv_rbuf *r, char *err, size_t errlen);
	void		(*write) (void *k, cv_wbuf *b);
	int			(*merge) (void *dst, const void *src, char *err, size_t errlen);
	size_t		(*bytes) (const void *k);
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
	if (cv_distr_ndims(dst) != cv_distr_ndims(src) ||
		cv_distr_exact_cap(dst) != cv_distr_exact_cap(src))
	{
		snprintf(err, errlen, "one state has %d dimensions, the other %d",
				 cv_distr_ndims(dst), cv_distr_ndims(src));
		return -1;
	}
	cv_distr_merge(dst, src);
	return 0;
}

static size_t
distr_bytes(const void *k)
{
	return cv_distr_bytes(k);
}

/* rows: likewise */
static void *
rows_read(cv_rbuf *r, char *err, size_t errlen)
{
	return cv_rows_read(r, err, errlen);
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

static int
tuples_merge(void *dst, const void *src, char *err, size_t errlen)
{
	return cv_tuples_merge(dst, src, err, errlen);
}

static size_t
tuples_bytes(const void *k)
{
	return cv_tuples_bytes(k);
}

/* Indexed by CvFitStateKind. */
static const CvStateKindOps state_kinds[] = {
	{NULL},
	{"distr", distr_read, distr_write, distr_merge, distr_bytes},
	{"rows", rows_read, rows_write, rows_merge, rows_bytes},
	{"tuples", tuples_read, tuples_write, tuples_merge, tuples_bytes},
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

/* Serialise the state into s->flat unless it is current. */
static void
fitstate_serialise(CvFitState *s)
{
	MemoryContext old;
	uint32		plen = strlen(s->params);

	if (!s->dirty)
		return;
	old = MemoryContextSwitchTo(s->hdr.eoh_context);
	if (s->flat.data)
		cv_free(s->flat.data);
	cvb_init(&s->flat);
	cvb_u8(&s->flat, (uint8) s->kind);
	cvb_u8(&s->flat, FITSTATE_FORMAT);
	cvb_u8(&s->flat, 0);
	cvb_u8(&s->flat, 0);
	cvb_u32(&s->flat, plen);
	cvb_bytes(&s->flat, s->params, plen);
	kind_ops(s->kind)->write(s->k, &s->flat);
	MemoryContextSwitchTo(old);
	s->dirty = false;
}

static Size
fitstate_get_flat_size(ExpandedObjectHeader *eohptr)
{
	CvFitState *s = (CvFitState *) eohptr;

	fitstate_serialise(s);
	if (VARHDRSZ + s->flat.len > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("fit state of %zu bytes exceeds the 1GB limit of a value",
						s->flat.len)));
	return VARHDRSZ + s->flat.len;
}

static void
fitstate_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	CvFitState *s = (CvFitState *) eohptr;

	fitstate_serialise(s);
	Assert(allocated_size == VARHDRSZ + s->flat.len);
	SET_VARSIZE(result, allocated_size);
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

/* Build an expanded state from its byte format, validating every field. */
static CvFitState *
fitstate_from_bytes(const unsigned char *p, size_t len, MemoryContext parent)
{
	cv_rbuf		r;
	int			kind,
				format;
	uint32		plen;
	const unsigned char *params;
	char	   *ptext;
	CvFitState *s;
	MemoryContext old;
	char		err[256];

	cvr_init(&r, p, len);
	kind = cvr_u8(&r);
	format = cvr_u8(&r);
	(void) cvr_u8(&r);
	(void) cvr_u8(&r);
	plen = cvr_u32(&r);
	params = cvr_bytes(&r, plen);
	if (r.err)
		invalid_state("truncated header");
	if (kind_name(kind) == NULL)
		invalid_state(psprintf("unknown kind %d", kind));
	if (format != FITSTATE_FORMAT)
		invalid_state(psprintf("unsupported format %d", format));
	if (memchr(params, '\0', plen) != NULL)
		invalid_state("options contain a NUL byte");
	ptext = pnstrdup((const char *) params, plen);
	pg_verifymbstr(ptext, plen, false);

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

/* Fail unless called as part of an aggregate; returns the aggregate context. */
static MemoryContext
agg_context(FunctionCallInfo fcinfo)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "custvalue fit transition function called in non-aggregate context");
	return aggcxt;
}

/* A private, writable copy of the state in a datum, under `parent`. */
static CvFitState *
fitstate_private_copy(Datum d, MemoryContext parent)
{
	CvFitState *s;

	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
		return fitstate_from_datum(d, parent);
	s = (CvFitState *) DatumGetEOHP(d);
	fitstate_serialise(s);
	return fitstate_from_bytes(s->flat.data, s->flat.len, parent);
}

CvFitState *
cv_fitstate_current(FunctionCallInfo fcinfo)
{
	MemoryContext aggcxt = agg_context(fcinfo);
	Datum		d;

	if (PG_ARGISNULL(0))
		return NULL;
	d = PG_GETARG_DATUM(0);
	if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
		return (CvFitState *) DatumGetEOHP(d);
	return fitstate_private_copy(d, aggcxt);
}

CvFitState *
cv_fitstate_distr_create(FunctionCallInfo fcinfo, int ndims, size_t exact_cap,
						 const char *params)
{
	CvFitState *s = fitstate_new(agg_context(fcinfo), CV_STATE_DISTR, params);
	MemoryContext old = MemoryContextSwitchTo(s->hdr.eoh_context);

	s->k = cv_distr_new(ndims, exact_cap);
	MemoryContextSwitchTo(old);
	return s;
}

CvFitState *
cv_fitstate_distr_begin(FunctionCallInfo fcinfo, int ndims, size_t exact_cap,
						const char *params)
{
	CvFitState *s = cv_fitstate_current(fcinfo);

	return s ? s : cv_fitstate_distr_create(fcinfo, ndims, exact_cap, params);
}

/* Fail with 54000 when a state has grown past custvalue.max_fit_memory. */
static void
check_state_size(CvFitState *s)
{
	size_t		bytes = kind_ops(s->kind)->bytes(s->k);

	if (bytes > cv_max_fit_bytes())
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("fit state of %zu kB exceeds custvalue.max_fit_memory (%zu kB)",
						(bytes + 1023) / 1024, cv_max_fit_bytes() / 1024),
				 errdetail("The state keeps 16 bytes per distinct value of each dimension."),
				 errhint("Raise custvalue.max_fit_memory (at most 1GB), round the values, or fit smaller groups.")));
}

void
cv_fitstate_distr_add(CvFitState *s, const double *x, const bool *isnull)
{
	MemoryContext old = MemoryContextSwitchTo(s->hdr.eoh_context);

	cv_distr_add(cv_fitstate_kernel(s, CV_STATE_DISTR, "this fit"), x, (const unsigned char *) isnull);
	MemoryContextSwitchTo(old);
	s->dirty = true;
	check_state_size(s);
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
 * The state's distributions.  Reading them compacts pending values, which
 * changes the representation but not the value, so final functions may
 * call this on a read-only state.
 */
cv_distr *
cv_fitstate_distr(CvFitState *s)
{
	cv_distr   *d = cv_fitstate_kernel(s, CV_STATE_DISTR, "this fit");
	MemoryContext old = MemoryContextSwitchTo(s->hdr.eoh_context);

	/* each dimension may sort up to 2^20 pending values */
	for (int i = 0; i < cv_distr_ndims(d); i++)
	{
		CHECK_FOR_INTERRUPTS();
		(void) cv_distr_dim_get(d, i);
	}
	MemoryContextSwitchTo(old);
	return d;
}

CvFitState *
cv_fitstate_create(FunctionCallInfo fcinfo, CvFitStateKind kind, const char *params)
{
	return fitstate_new(agg_context(fcinfo), kind, params);
}

MemoryContext
cv_fitstate_enter(CvFitState *s)
{
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
		PG_RETURN_DATUM(cv_fitstate_return(fitstate_private_copy(PG_GETARG_DATUM(1), aggcxt)));

	a = cv_fitstate_current(fcinfo);
	b = fitstate_from_datum(PG_GETARG_DATUM(1), CurrentMemoryContext);
	if (a->kind == b->kind && strcmp(a->params, b->params) != 0)
		options_differ(a->params, b->params);
	if (a->kind != b->kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine fit states built with different options or dimensions"),
				 errdetail("One state is of kind %s with options %s, the other of kind %s with options %s.",
						   kind_name(a->kind), a->params, kind_name(b->kind), b->params)));
	CHECK_FOR_INTERRUPTS();
	old = MemoryContextSwitchTo(a->hdr.eoh_context);
	rc = kind_ops(a->kind)->merge(a->k, b->k, err, sizeof(err));
	MemoryContextSwitchTo(old);
	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine fit states built with different options or dimensions"),
				 errdetail("%s", err)));
	a->dirty = true;
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

PG_FUNCTION_INFO_V1(cv_fitstate_out);
Datum
cv_fitstate_out(PG_FUNCTION_ARGS)
{
	CvFitState *s = fitstate_from_datum(PG_GETARG_DATUM(0), CurrentMemoryContext);
	const char *name;
	char	   *out;

	fitstate_serialise(s);
	name = kind_name(s->kind);
	out = palloc(strlen(name) + 1 + cv_base64_len(s->flat.len) + 1);
	sprintf(out, "%s:", name);
	cv_base64_encode(s->flat.data, s->flat.len, out + strlen(name) + 1);
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
	CvFitState *s = fitstate_from_datum(PG_GETARG_DATUM(0), CurrentMemoryContext);
	StringInfoData buf;

	fitstate_serialise(s);
	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (char *) s->flat.data, s->flat.len);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
