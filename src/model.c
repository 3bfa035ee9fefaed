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

/* custvalue.model_cache_memory, in kB; defined in custvalue.c */
extern int	cv_model_cache_memory_kb;

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

/* What identifies a model argument without decoding it (see model_key). */
typedef struct ModelKey
{
	uint32		magic;
	bool		by_toast;		/* key is an on-disk toast pointer */
	Oid			toast_valueid;
	Oid			toast_relid;
	uint64		fingerprint;	/* key otherwise */
	Size		size;
} ModelKey;

/* One decoded model held by a call site. */
typedef struct ModelEntry
{
	ModelKey	key;
	void	   *decoded;
	MemoryContext cxt;			/* holds the decoded model, nothing else */
	Size		bytes;			/* memory of cxt */
	uint64		used;			/* call-site clock at the last use */
} ModelEntry;

/*
 * Most models one call site keeps.  Lookups scan the entries, so the count
 * is kept small; per-segment models (one per region, plan, cohort) are
 * usually a handful.
 */
#define MODEL_CACHE_SLOTS 64

/*
 * The cache a scoring call site keeps in fn_extra: up to MODEL_CACHE_SLOTS
 * decoded models, least recently used dropped first once their memory
 * passes custvalue.model_cache_memory.  Rows that alternate between models
 * (a hash join against per-segment models) then decode each model once.
 */
typedef struct ModelCache
{
	int			n;				/* entries in use */
	int			last;			/* entry of the previous call, -1 before */
	uint64		clock;
	Size		bytes;			/* sum of the entries' bytes */
	ModelEntry	e[MODEL_CACHE_SLOTS];
	void	   *extra;			/* the scoring function's own (cv_model_call_site_extra) */
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
model_key(Datum d, ModelKey *key)
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

/* Do two keys name the same model (of kind magic)? */
static bool
key_equal(const ModelKey *a, const ModelKey *b, uint32 magic)
{
	if (a->by_toast != b->by_toast)
		return false;
	if (a->by_toast)
		return a->toast_valueid == b->toast_valueid && a->toast_relid == b->toast_relid;
	return a->magic == magic && b->magic == magic &&
		a->fingerprint == b->fingerprint && a->size == b->size;
}

/* Drop entry i, freeing its model; the last entry moves into its slot. */
static void
cache_drop(ModelCache *cache, int i)
{
	MemoryContextDelete(cache->e[i].cxt);
	cache->bytes -= cache->e[i].bytes;
	cache->n--;
	if (i != cache->n)
		cache->e[i] = cache->e[cache->n];
	if (cache->last == cache->n)
		cache->last = i;
}

/*
 * Make room for one more entry of `bytes`: drop least recently used
 * entries while the slots are full or the memory would pass the budget.
 * The entry of the previous call is never dropped, so a function that
 * reads two model arguments keeps both valid.
 */
static void
cache_make_room(ModelCache *cache, Size bytes)
{
	Size		budget = (Size) cv_model_cache_memory_kb * 1024;

	while (cache->n > 0 &&
		   (cache->n == MODEL_CACHE_SLOTS || cache->bytes + bytes > budget))
	{
		int			victim = -1;

		for (int i = 0; i < cache->n; i++)
			if (i != cache->last &&
				(victim < 0 || cache->e[i].used < cache->e[victim].used))
				victim = i;
		if (victim < 0)
			break;
		cache_drop(cache, victim);
	}
}

/* The call site's cache in fn_extra, made on first use. */
static ModelCache *
call_site_cache(FunctionCallInfo fcinfo)
{
	ModelCache *cache = (ModelCache *) fcinfo->flinfo->fn_extra;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ModelCache));
		cache->last = -1;
		fcinfo->flinfo->fn_extra = cache;
	}
	return cache;
}

void	  **
cv_model_call_site_extra(FunctionCallInfo fcinfo)
{
	return &call_site_cache(fcinfo)->extra;
}

/*
 * The decoded model in argument argno, from the call site's cache.  A hit
 * costs the key (no detoasting, see model_key) and a scan of at most
 * MODEL_CACHE_SLOTS keys, the previous call's entry first.  A miss decodes
 * the model into its own context, made a child of the call site's context
 * only once the decode succeeded (so a corrupted model leaks nothing into
 * the cache), then makes room for it.
 */
void *
cv_model_cached(FunctionCallInfo fcinfo, int argno, uint32 magic,
				const char *type_name, cv_model_decode_fn decode)
{
	ModelCache *cache = (ModelCache *) fcinfo->flinfo->fn_extra;
	Datum		d = PG_GETARG_DATUM(argno);
	ModelKey	key;
	ModelEntry	entry;
	MemoryContext old;
	struct varlena *m;

	model_key(d, &key);
	if (cache == NULL)
		cache = call_site_cache(fcinfo);
	else if (cache->last >= 0 && key_equal(&cache->e[cache->last].key, &key, magic))
	{
		cache->e[cache->last].used = ++cache->clock;
		return cache->e[cache->last].decoded;
	}
	for (int i = 0; i < cache->n; i++)
		if (key_equal(&cache->e[i].key, &key, magic))
		{
			cache->e[i].used = ++cache->clock;
			cache->last = i;
			return cache->e[i].decoded;
		}

	/* a miss: decode under the current (per-call) context first */
	entry.key = key;
	entry.cxt = AllocSetContextCreate(CurrentMemoryContext, "custvalue model cache",
									  ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(entry.cxt);
	m = PG_DETOAST_DATUM_COPY(d);
	entry.decoded = cv_model_decode(m, magic, type_name, decode);
	pfree(m);
	MemoryContextSwitchTo(old);
	entry.bytes = MemoryContextMemAllocated(entry.cxt, true);
	entry.used = ++cache->clock;
	MemoryContextSetParent(entry.cxt, fcinfo->flinfo->fn_mcxt);

	cache_make_room(cache, entry.bytes);
	cache->e[cache->n] = entry;
	cache->bytes += entry.bytes;
	cache->last = cache->n++;
	return entry.decoded;
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
