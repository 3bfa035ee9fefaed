/*
 * cvcodec.h
 *	  Portable binary buffers, base64 and hashing for the kernels.
 *
 * The aggregate state types and stored models travel between servers (binary
 * send/recv, Citus workers, pg_dump), so their byte layout must not depend
 * on the host: integers and doubles are always written little-endian, and a
 * double keeps its exact bit pattern.  Readers never look past the end of
 * their buffer: an overrun sets r->err, returns 0 (or NULL) and leaves the
 * error set, so a deserialiser can read a whole record and test once with
 * cvr_done().  Plain C, no PostgreSQL headers; memory through cvalloc.h.
 */
#ifndef CVCODEC_H
#define CVCODEC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A growable output buffer; data is cv_malloc'd (cv_free it when done). */
typedef struct cv_wbuf
{
	unsigned char *data;
	size_t		len,
				cap;
} cv_wbuf;

/* True on a host that stores doubles little-endian (then bytes copy as is). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
	(!defined(__FLOAT_WORD_ORDER__) || __FLOAT_WORD_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#define CV_HOST_LE 1
#else
#define CV_HOST_LE 0
#endif

/*
 * The 64-bit little-endian word at p (one unaligned load on a
 * little-endian host), for readers that scan serialised arrays in place.
 */
static inline uint64_t
cv_load_le64(const unsigned char *p)
{
	uint64_t	v = 0;

	if (CV_HOST_LE)
	{
		memcpy(&v, p, 8);
		return v;
	}
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

extern void cvb_init(cv_wbuf *b);
extern void cvb_u8(cv_wbuf *b, uint8_t v);
extern void cvb_u32(cv_wbuf *b, uint32_t v);
extern void cvb_i64(cv_wbuf *b, int64_t v);
/* Bit-exact, little-endian regardless of host. */
extern void cvb_f64(cv_wbuf *b, double v);
extern void cvb_bytes(cv_wbuf *b, const void *p, size_t n);
/* n doubles, each as cvb_f64 writes it (one copy on a little-endian host). */
extern void cvb_f64s(cv_wbuf *b, const double *v, size_t n);
/* n int64s, each as cvb_i64 writes it (one copy on a little-endian host). */
extern void cvb_i64s(cv_wbuf *b, const int64_t *v, size_t n);
/* n u32s, each as cvb_u32 writes it (one copy on a little-endian host). */
extern void cvb_u32s(cv_wbuf *b, const uint32_t *v, size_t n);
/* Make room for n more bytes at once (before a long run of writes). */
extern void cvb_expect(cv_wbuf *b, size_t n);
/* u32 length followed by the bytes (no NUL). */
extern void cvb_str(cv_wbuf *b, const char *s);

/* A bounds-checked reader over caller-owned memory. */
typedef struct cv_rbuf
{
	const unsigned char *p;
	size_t		len,
				pos;
	int			err;
} cv_rbuf;

extern void cvr_init(cv_rbuf *r, const void *p, size_t len);
extern uint8_t cvr_u8(cv_rbuf *r);
extern uint32_t cvr_u32(cv_rbuf *r);
extern int64_t cvr_i64(cv_rbuf *r);
extern double cvr_f64(cv_rbuf *r);
/* n doubles as cvr_f64 reads them into out; on overrun err is set. */
extern void cvr_f64s(cv_rbuf *r, double *out, size_t n);
/* n int64s as cvr_i64 reads them into out; on overrun err is set. */
extern void cvr_i64s(cv_rbuf *r, int64_t *out, size_t n);
/* n u32s as cvr_u32 reads them; on overrun zeros and err. */
extern void cvr_u32s(cv_rbuf *r, uint32_t *out, size_t n);
/* Pointer into the buffer; NULL and err on overrun. */
extern const unsigned char *cvr_bytes(cv_rbuf *r, size_t n);
/* cv_malloc'd NUL-terminated copy; NULL and err on overrun or embedded NUL. */
extern char *cvr_str(cv_rbuf *r);
/* 1 when no error occurred and every byte was consumed. */
extern int	cvr_done(const cv_rbuf *r);

/*
 * printf into a reader's error buffer (err, errlen); returns NULL, so a
 * reader can `return cv_errorf(err, errlen, "...", ...)`.
 */
extern void *cv_errorf(char *err, size_t errlen, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 3, 4)))
#endif
			;

/* Encoded length of n bytes (without the NUL). */
extern size_t cv_base64_len(size_t n);
/* Standard alphabet, '=' padding, no newlines; out gets a final NUL. */
extern void cv_base64_encode(const unsigned char *in, size_t n, char *out);
/*
 * Strict decoding: 0 on success with *out cv_malloc'd (never NULL, even for
 * empty input) and *outlen set; -1 on any character outside the alphabet,
 * a length that is not a multiple of 4, misplaced padding or non-zero
 * unused bits (so every byte string has exactly one accepted encoding).
 */
extern int	cv_base64_decode(const char *in, size_t n,
							 unsigned char **out, size_t *outlen);

/* XXH64 of n bytes: fast, well mixed, the same on every platform. */
extern uint64_t cv_hash64(const void *p, size_t n, uint64_t seed);
/*
 * Hash of a double's bits; -0.0 hashes as 0.0 and every NaN alike, so that
 * values PostgreSQL's float8 comparison calls equal hash equal.
 */
extern uint64_t cv_hash_f64(double v, uint64_t seed);

#endif							/* CVCODEC_H */
