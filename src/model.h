/*
 * model.h
 *	  Model values (custvalue.scorecard, custvalue.rfmn_model, ...).
 *
 * A model is a varlena: a header (the kind's magic number, the format
 * version, a 64-bit fingerprint of the payload) followed by a payload that
 * the kind's kernel writes and reads (cvcodec).  The text form is JSON,
 * written and read by the kernel.  Scoring functions call cv_model_cached,
 * which decodes a model once per distinct value at a call site rather than
 * once per row.
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

extern struct varlena *cv_model_make(uint32 magic, const cv_wbuf *payload);
extern const unsigned char *cv_model_payload(struct varlena *m, uint32 magic,
											 const char *type_name, size_t *len);
extern void *cv_model_cached(FunctionCallInfo fcinfo, int argno, uint32 magic,
							 const char *type_name, cv_model_decode_fn decode);
extern void *cv_model_decode(struct varlena *m, uint32 magic, const char *type_name,
							 cv_model_decode_fn decode);
extern Datum cv_jsonb_from_text(const char *json);
extern struct varlena *cv_model_recv(StringInfo buf, uint32 magic, const char *type_name,
									 cv_model_decode_fn decode);
extern bytea *cv_model_send(struct varlena *m);
extern void cv_model_text_error(const char *type_name, const char *why) pg_attribute_noreturn();

#endif							/* CV_MODEL_H */
