/*
 * cvjson.h
 *	  A small JSON DOM reader and writer for the kernels.
 *
 * Every model type's text form is JSON, read back strictly (RFC 8259: no
 * comments, trailing commas, NaN/Infinity, leading zeros or raw control
 * characters; duplicate keys and \u0000 rejected) and written compactly with
 * one space after ':' and ',' so that models stay readable in psql.
 * Numbers are written as the shortest of %.15g/%.16g/%.17g that reads back
 * bit-exactly, so a model survives any number of text round trips.
 * Plain C, no PostgreSQL headers; memory through cvalloc.h.
 */
#ifndef CVJSON_H
#define CVJSON_H

#include <stddef.h>

/* Deepest array/object nesting the reader accepts and the writer tracks. */
#define CVJ_MAX_DEPTH 64

typedef enum
{
	CVJ_NULL,
	CVJ_BOOL,
	CVJ_NUMBER,
	CVJ_STRING,
	CVJ_ARRAY,
	CVJ_OBJECT
} cvj_type;

typedef struct cvj_value
{
	cvj_type	type;
	int			boolean;		/* CVJ_BOOL */
	double		number;			/* CVJ_NUMBER, always finite */
	char	   *string;			/* CVJ_STRING: NUL-terminated UTF-8 */
	size_t		len;			/* CVJ_STRING: bytes before the NUL */
	int			n;				/* CVJ_ARRAY / CVJ_OBJECT: element count */
	struct cvj_value *items;	/* elements, or object member values */
	char	  **keys;			/* CVJ_OBJECT: member keys (n of them) */
} cvj_value;

/*
 * Parse len bytes.  Returns the root, or NULL with a message in errbuf (lower
 * case, no period) such as 'unexpected character "x" at offset 12',
 * 'unterminated string at offset 3', 'duplicate key "k" at offset 40',
 * 'number out of range at offset 7', 'nesting deeper than 64 levels',
 * 'trailing characters at offset 20'.  Offsets count bytes from 0.
 */
extern cvj_value *cvj_parse(const char *text, size_t len,
							char *errbuf, size_t errlen);
/* Free a whole tree returned by cvj_parse (NULL is a no-op). */
extern void cvj_free(cvj_value *v);
/* Member by key; NULL if absent or obj is not an object. */
extern const cvj_value *cvj_get(const cvj_value *obj, const char *key);
/* "null", "boolean", "number", "string", "array" or "object". */
extern const char *cvj_type_name(cvj_type t);
/*
 * For strict model readers: NULL when every key of obj is in the
 * NULL-terminated list allowed, else the first key that is not.
 */
extern const char *cvj_unknown_key(const cvj_value *obj,
								   const char *const *allowed);

/* Streaming writer; data is cv_malloc'd and grows as values are added. */
typedef struct cvj_writer
{
	char	   *data;
	size_t		len,
				cap;
	int			depth;
	int			first[CVJ_MAX_DEPTH];
	int			after_key;
} cvj_writer;

extern void cvjw_init(cvj_writer *w);
extern void cvjw_begin_object(cvj_writer *w);
extern void cvjw_end_object(cvj_writer *w);
extern void cvjw_begin_array(cvj_writer *w);
extern void cvjw_end_array(cvj_writer *w);
/* A member key; exactly one value must follow. */
extern void cvjw_key(cvj_writer *w, const char *key);
/* Escapes '"', '\' and control characters (\n, \t, ..., \u00XX). */
extern void cvjw_string(cvj_writer *w, const char *s);
/*
 * A finite double as the shortest of %.15g, %.16g, %.17g that strtod reads
 * back bit-exactly; integral values with |d| < 1e15 without exponent or
 * decimal point ("3", "-12", "-0").  Always valid JSON and independent of
 * LC_NUMERIC.  A non-finite value (a caller bug) is written as null.
 */
extern void cvjw_number(cvj_writer *w, double d);
/*
 * The same text into buf (at least 32 bytes), for messages and readable
 * output outside a JSON document (a tree's rules, say).
 */
extern void cvj_format_number(double d, char *buf, size_t size);
extern void cvjw_int(cvj_writer *w, long long v);
extern void cvjw_bool(cvj_writer *w, int b);
extern void cvjw_null(cvj_writer *w);
/* NUL-terminated text; ownership passes to the caller (cv_free). */
extern char *cvjw_finish(cvj_writer *w, size_t *len);

#endif							/* CVJSON_H */
