/*
 * model.h
 *	  Model values (custvalue.scorecard, custvalue.rfmn_model, ...).
 *
 * A model is a varlena: a header (the kind's magic number, the format
 * version, a 64-bit fingerprint of the payload) followed by a payload that
 * the kind's kernel writes and reads (cvcodec).  The text form is JSON,
 * written and read by the kernel.  Scoring functions call cv_model_cached,
 * which decodes a model once per distinct value at a call site rather than
 * once per row, and keeps several decoded models (up to 64, within
 * custvalue.model_cache_memory), so that rows alternating between models,
 * as a hash join against per-segment models delivers them, decode each
 * model once.  The pointer it returns stays valid through the call site's
 * next call with another model (so a function may read two model
 * arguments).
 */
#ifndef CV_MODEL_H
#define CV_MODEL_H

#include "postgres.h"

#include "cvcodec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"

#define CV_MODEL_VERSION 1

/* Decodes a payload into a kernel struct (cv_malloc), or NULL + message. */
typedef void *(*cv_model_decode_fn) (const unsigned char *payload, size_t len,
									 char *err, size_t errlen);

/*
 * A kind of model: how its kernel reads a payload, reads and writes JSON,
 * and writes a payload.  The type's input/output functions are then one
 * call each (cv_model_in, cv_model_out, cv_model_jsonb, cv_model_recv,
 * cv_model_send).
 */
typedef struct CvModelKind
{
	uint32		magic;
	const char *type_name;		/* for messages, e.g. "custvalue.scorecard" */
	cv_model_decode_fn decode;
	void	   *(*from_json) (const char *text, size_t len, char *err, size_t errlen);
	char	   *(*to_json) (const void *model);
	void		(*write) (const void *model, cv_wbuf *b);
} CvModelKind;

extern Datum cv_model_value(const CvModelKind *k, const void *model);
extern Datum cv_model_in(const CvModelKind *k, const char *text);
extern char *cv_model_out(const CvModelKind *k, Datum d);
extern Datum cv_model_jsonb(const CvModelKind *k, Datum d);

/*
 * The five SQL-callable I/O functions of a model type, named
 * <prefix>_in, _out, _jsonb, _recv and _send, over a CvModelKind.
 */
#define CV_MODEL_IO_FUNCTIONS(prefix, kind) \
PG_FUNCTION_INFO_V1(prefix##_in); \
Datum prefix##_in(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_DATUM(cv_model_in(&(kind), PG_GETARG_CSTRING(0))); \
} \
PG_FUNCTION_INFO_V1(prefix##_out); \
Datum prefix##_out(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_CSTRING(cv_model_out(&(kind), PG_GETARG_DATUM(0))); \
} \
PG_FUNCTION_INFO_V1(prefix##_jsonb); \
Datum prefix##_jsonb(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_DATUM(cv_model_jsonb(&(kind), PG_GETARG_DATUM(0))); \
} \
PG_FUNCTION_INFO_V1(prefix##_recv); \
Datum prefix##_recv(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_POINTER(cv_model_recv((StringInfo) PG_GETARG_POINTER(0), \
									(kind).magic, (kind).type_name, (kind).decode)); \
} \
PG_FUNCTION_INFO_V1(prefix##_send); \
Datum prefix##_send(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BYTEA_P(cv_model_send(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)))); \
}

extern struct varlena *cv_model_make(uint32 magic, const cv_wbuf *payload);
extern const unsigned char *cv_model_payload(struct varlena *m, uint32 magic,
											 const char *type_name, size_t *len);
extern void *cv_model_cached(FunctionCallInfo fcinfo, int argno, uint32 magic,
							 const char *type_name, cv_model_decode_fn decode);
/*
 * A pointer a scoring function that uses cv_model_cached may keep at its
 * call site (fn_extra belongs to the model caches), in fn_mcxt; NULL at first.
 */
extern void **cv_model_call_site_extra(FunctionCallInfo fcinfo);
extern void *cv_model_decode(struct varlena *m, uint32 magic, const char *type_name,
							 cv_model_decode_fn decode);
extern Datum cv_jsonb_from_text(const char *json);
extern struct varlena *cv_model_recv(StringInfo buf, uint32 magic, const char *type_name,
									 cv_model_decode_fn decode);
extern bytea *cv_model_send(struct varlena *m);
extern void cv_model_text_error(const char *type_name, const char *why) pg_attribute_noreturn();

#endif							/* CV_MODEL_H */
