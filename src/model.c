/*
 * model.c
 *	  Model values: construction, validation, binary I/O and the per-call
 *	  site cache of decoded models (see model.h).
 */
#include "postgres.h"

#include "access/detoast.h"
#include "libpq/pqformat.h"
#include "model.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

/* On-disk header of every model value. */
typedef struct CvModelHeader
{
	int32		vl_len_;
	uint32		magic;			/* which kind of model */
	uint32		version;		/* payload format */
	uint32		reserved;
	uint64		fingerprint;	/* cv_hash64 of the payload */
} CvModelHeader;

#define MODEL_HDRSZ sizeof(CvModelHeader)

/*
 * What a scoring call site keeps in fn_extra: a decoded-model cache per
 * argument position, and one pointer the scoring function may use for its
 * own per-call-site data (cv_model_call_site_extra).
 */
#define MODEL_CACHE_SLOTS 4
typedef struct ModelCallSite
{
	struct ModelCache *slot[MODEL_CACHE_SLOTS];
	void	   *extra;
} ModelCallSite;
typedef struct ModelCache
{
	uint32		magic;
	bool		by_toast;		/* key is an on-disk toast pointer */
	Oid			toast_valueid;
	Oid			toast_relid;
	uint64		fingerprint;	/* key otherwise */
	Size		size;
	void	   *decoded;
	MemoryContext cxt;
} ModelCache;

/* Raise the error for a model text or binary value that does not parse. */
void
cv_model_text_error(const char *type_name, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid %s value: %s", type_name, why)));
}

struct varlena *
cv_model_make(uint32 magic, const cv_wbuf *payload)
{
	Size		size = MODEL_HDRSZ + payload->len;
	CvModelHeader *h;

	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model of %zu bytes exceeds the 1GB limit of a value", size)));
	h = palloc0(size);
	SET_VARSIZE(h, size);
	h->magic = magic;
	h->version = CV_MODEL_VERSION;
	h->fingerprint = cv_hash64(payload->data, payload->len, magic);
	memcpy((char *) h + MODEL_HDRSZ, payload->data, payload->len);
	return (struct varlena *) h;
}

const unsigned char *
cv_model_payload(struct varlena *m, uint32 magic, const char *type_name, size_t *len)
{
	CvModelHeader *h = (CvModelHeader *) m;

	if (VARSIZE(m) < MODEL_HDRSZ || h->magic != magic)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("value is not a %s", type_name)));
	if (h->version != CV_MODEL_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s format version %u is not supported by this custvalue version",
						type_name, h->version)));
	*len = VARSIZE(m) - MODEL_HDRSZ;
	return (const unsigned char *) m + MODEL_HDRSZ;
}

/* Decode a detoasted model value; errors name the type. */
void *
cv_model_decode(struct varlena *m, uint32 magic, const char *type_name,
				cv_model_decode_fn decode)
{
	size_t		len;
	const unsigned char *p = cv_model_payload(m, magic, type_name, &len);
	char		err[256];
	void	   *obj = decode(p, len, err, sizeof(err));

	if (obj == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted %s value: %s", type_name, err)));
	return obj;
}

/*
 * The cache key of a model argument, read without detoasting the whole
 * value: an on-disk toast pointer identifies a stored model; any other
 * value is identified by the fingerprint in its header, which for a
 * compressed value means decompressing only the header.
 */
static void
model_key(Datum d, ModelCache *key)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(d);

	memset(key, 0, sizeof(*key));
	if (VARATT_IS_EXTERNAL_ONDISK(raw))
	{
		struct varatt_external toast;

		VARATT_EXTERNAL_GET_POINTER(toast, raw);
		key->by_toast = true;
		key->toast_valueid = toast.va_valueid;
		key->toast_relid = toast.va_toastrelid;
		return;
	}
	if (!VARATT_IS_EXTENDED(raw))
	{
		/* plain in-memory value: read the header where it is */
		CvModelHeader h;

		if (VARSIZE(raw) < MODEL_HDRSZ)
			return;
		memcpy(&h, raw, MODEL_HDRSZ);
		key->magic = h.magic;
		key->fingerprint = h.fingerprint;
		key->size = VARSIZE(raw);
		return;
	}
	{
		struct varlena *head = PG_DETOAST_DATUM_SLICE(d, 0, MODEL_HDRSZ - VARHDRSZ);
		CvModelHeader h;

		if (VARSIZE_ANY_EXHDR(head) < MODEL_HDRSZ - VARHDRSZ)
			return;				/* too short to be a model: no key, a miss */
		memcpy((char *) &h + VARHDRSZ, VARDATA_ANY(head), MODEL_HDRSZ - VARHDRSZ);
		key->magic = h.magic;
		key->fingerprint = h.fingerprint;
		key->size = toast_raw_datum_size(d);
	}
}

/* The call site's caches in fn_extra, made on first use. */
static ModelCallSite *
call_site(FunctionCallInfo fcinfo)
{
	ModelCallSite *site = fcinfo->flinfo->fn_extra;

	if (site == NULL)
	{
		site = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ModelCallSite));
		for (int i = 0; i < MODEL_CACHE_SLOTS; i++)
			site->slot[i] = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ModelCache));
		fcinfo->flinfo->fn_extra = site;
	}
	return site;
}

void	  **
cv_model_call_site_extra(FunctionCallInfo fcinfo)
{
	return &call_site(fcinfo)->extra;
}

void *
cv_model_cached(FunctionCallInfo fcinfo, int argno, uint32 magic,
				const char *type_name, cv_model_decode_fn decode)
{
	ModelCache *cache;
	Datum		d = PG_GETARG_DATUM(argno);
	ModelCache	key;
	MemoryContext cxt,
				old;
	struct varlena *m;

	/* one cache per model argument, so clv(bg, gg, ...) keeps both */
	if (argno >= MODEL_CACHE_SLOTS)
		elog(ERROR, "custvalue model argument %d beyond the cached positions", argno);
	cache = call_site(fcinfo)->slot[argno];
	model_key(d, &key);
	if (cache && cache->decoded &&
		(key.by_toast ? (cache->by_toast && cache->toast_valueid == key.toast_valueid &&
						 cache->toast_relid == key.toast_relid)
		 : (!cache->by_toast && key.magic == magic && cache->fingerprint == key.fingerprint &&
			cache->size == key.size)))
		return cache->decoded;

	/* a miss: decode into a fresh context owned by the call site */
	if (cache->cxt)
		MemoryContextDelete(cache->cxt);
	cache->cxt = NULL;
	cache->decoded = NULL;
	cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "custvalue model cache",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	m = PG_DETOAST_DATUM_COPY(d);
	cache->decoded = cv_model_decode(m, magic, type_name, decode);
	pfree(m);
	MemoryContextSwitchTo(old);
	key.cxt = cxt;
	key.decoded = cache->decoded;
	*cache = key;
	return cache->decoded;
}

Datum
cv_jsonb_from_text(const char *json)
{
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(json));
}

/* A kernel model as a model value. */
Datum
cv_model_value(const CvModelKind *k, const void *model)
{
	cv_wbuf		payload;

	cvb_init(&payload);
	k->write(model, &payload);
	return PointerGetDatum(cv_model_make(k->magic, &payload));
}

/* Text input: the JSON form, checked as strictly as a fitted model. */
Datum
cv_model_in(const CvModelKind *k, const char *text)
{
	char		err[512];
	void	   *model = k->from_json(text, strlen(text), err, sizeof(err));

	if (model == NULL)
		cv_model_text_error(k->type_name, err);
	return cv_model_value(k, model);
}

/* Text output: the JSON form. */
char *
cv_model_out(const CvModelKind *k, Datum d)
{
	return k->to_json(cv_model_decode(PG_DETOAST_DATUM(d), k->magic, k->type_name, k->decode));
}

/* The cast to jsonb. */
Datum
cv_model_jsonb(const CvModelKind *k, Datum d)
{
	return cv_jsonb_from_text(cv_model_out(k, d));
}

/*
 * Binary input: magic, version, payload as sent by cv_model_send.  The
 * payload is decoded to validate it, and the fingerprint recomputed.
 */
struct varlena *
cv_model_recv(StringInfo buf, uint32 magic, const char *type_name,
			  cv_model_decode_fn decode)
{
	uint32		m = (uint32) pq_getmsgint(buf, 4);
	uint32		version = (uint32) pq_getmsgint(buf, 4);
	int			len = buf->len - buf->cursor;
	const char *p = pq_getmsgbytes(buf, len);
	char		err[256];
	cv_wbuf		payload;

	if (m != magic)
		cv_model_text_error(type_name, "binary data is of another kind of model");
	if (version != CV_MODEL_VERSION)
		cv_model_text_error(type_name, psprintf("unsupported format version %u", version));
	if (decode((const unsigned char *) p, len, err, sizeof(err)) == NULL)
		cv_model_text_error(type_name, err);
	payload.data = (unsigned char *) p;
	payload.len = len;
	payload.cap = len;
	return cv_model_make(magic, &payload);
}

bytea *
cv_model_send(struct varlena *m)
{
	CvModelHeader *h = (CvModelHeader *) m;
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, h->magic);
	pq_sendint32(&buf, h->version);
	pq_sendbytes(&buf, (char *) m + MODEL_HDRSZ, VARSIZE(m) - MODEL_HDRSZ);
	return pq_endtypsend(&buf);
}
