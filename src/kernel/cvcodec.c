/*
 * cvcodec.c
 *	  Portable binary buffers, base64 and hashing; see cvcodec.h.
 */
#include "cvcodec.h"

#include <stdarg.h>
#include <stdio.h>

#include <string.h>

#include "cvalloc.h"

/* ---------------------------------------------------------------- writer */

/*
 * Little-endian load of `nbytes` bytes, independent of host byte order (one
 * unaligned load of a whole word on a little-endian host: the hash reads
 * every byte of a row through it).
 */
static inline uint64_t
load_le(const unsigned char *p, int nbytes)
{
	uint64_t	v = 0;
	int			i;

	if (CV_HOST_LE && nbytes == 8)
	{
		memcpy(&v, p, 8);
		return v;
	}
	if (CV_HOST_LE && nbytes == 4)
	{
		uint32_t	w;

		memcpy(&w, p, 4);
		return w;
	}
	for (i = nbytes - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void
cvb_init(cv_wbuf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

/* Make room for n more bytes, doubling so that appends are amortised O(1). */
static unsigned char *
cvb_reserve(cv_wbuf *b, size_t n)
{
	if (b->cap - b->len < n)
	{
		size_t		cap = b->cap ? b->cap : 64;

		while (cap - b->len < n)
			cap *= 2;
		b->data = cv_realloc(b->data, cap);
		b->cap = cap;
	}
	return b->data + b->len;
}

/* Append the low `nbytes` bytes of v, least significant first. */
static void
cvb_le(cv_wbuf *b, uint64_t v, int nbytes)
{
	unsigned char *d = cvb_reserve(b, nbytes);
	int			i;

	for (i = 0; i < nbytes; i++)
		d[i] = (unsigned char) (v >> (8 * i));
	b->len += nbytes;
}

void
cvb_u8(cv_wbuf *b, uint8_t v)
{
	cvb_le(b, v, 1);
}

void
cvb_u32(cv_wbuf *b, uint32_t v)
{
	cvb_le(b, v, 4);
}

void
cvb_i64(cv_wbuf *b, int64_t v)
{
	cvb_le(b, (uint64_t) v, 8);
}

/* The double's IEEE 754 bit pattern as a little-endian u64. */
void
cvb_f64(cv_wbuf *b, double v)
{
	uint64_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	cvb_le(b, bits, 8);
}

void
cvb_expect(cv_wbuf *b, size_t n)
{
	(void) cvb_reserve(b, n);
}

/*
 * n 8-byte values (doubles by their bits, or int64s) as little-endian
 * words: one copy on a little-endian host, one word at a time elsewhere.
 */
static void
cvb_words(cv_wbuf *b, const void *v, size_t n)
{
	if (n == 0)
		return;					/* an empty array may be NULL: no memcpy */
	if (CV_HOST_LE)
	{
		memcpy(cvb_reserve(b, n * 8), v, n * 8);
		b->len += n * 8;
		return;
	}
	for (size_t i = 0; i < n; i++)
	{
		uint64_t	w;

		memcpy(&w, (const char *) v + 8 * i, 8);
		cvb_le(b, w, 8);
	}
}

void
cvb_f64s(cv_wbuf *b, const double *v, size_t n)
{
	cvb_words(b, v, n);
}

void
cvb_i64s(cv_wbuf *b, const int64_t *v, size_t n)
{
	cvb_words(b, v, n);
}

void
cvb_u32s(cv_wbuf *b, const uint32_t *v, size_t n)
{
	if (CV_HOST_LE)
	{
		cvb_bytes(b, v, n * 4);
		return;
	}
	for (size_t i = 0; i < n; i++)
		cvb_le(b, v[i], 4);
}

void
cvb_bytes(cv_wbuf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	memcpy(cvb_reserve(b, n), p, n);
	b->len += n;
}

void
cvb_str(cv_wbuf *b, const char *s)
{
	size_t		n = strlen(s);

	cvb_u32(b, (uint32_t) n);
	cvb_bytes(b, s, n);
}

/* ---------------------------------------------------------------- reader */

void
cvr_init(cv_rbuf *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->err = 0;
}

/*
 * Claim the next n bytes: a pointer to them, or NULL with r->err set when
 * fewer remain (or an earlier read failed; the error is sticky).
 */
static const unsigned char *
cvr_take(cv_rbuf *r, size_t n)
{
	const unsigned char *d;

	if (r->err || r->len - r->pos < n)
	{
		r->err = 1;
		return NULL;
	}
	d = r->p + r->pos;
	r->pos += n;
	return d;
}

/* Read an nbytes little-endian unsigned integer; 0 on overrun. */
static uint64_t
cvr_le(cv_rbuf *r, int nbytes)
{
	const unsigned char *d = cvr_take(r, nbytes);

	return d ? load_le(d, nbytes) : 0;
}

uint8_t
cvr_u8(cv_rbuf *r)
{
	return (uint8_t) cvr_le(r, 1);
}

uint32_t
cvr_u32(cv_rbuf *r)
{
	return (uint32_t) cvr_le(r, 4);
}

int64_t
cvr_i64(cv_rbuf *r)
{
	return (int64_t) cvr_le(r, 8);
}

double
cvr_f64(cv_rbuf *r)
{
	uint64_t	bits = cvr_le(r, 8);
	double		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

/* n little-endian 8-byte words into out (zeros and err on overrun). */
static void
cvr_words(cv_rbuf *r, void *out, size_t n)
{
	const unsigned char *d;

	if (n == 0)
		return;					/* out may be NULL: no memcpy */
	d = n <= SIZE_MAX / 8 ? cvr_take(r, n * 8) : NULL;
	if (d == NULL)
	{
		r->err = 1;
		memset(out, 0, n <= SIZE_MAX / 8 ? n * 8 : 0);
		return;
	}
	if (CV_HOST_LE)
	{
		memcpy(out, d, n * 8);
		return;
	}
	for (size_t i = 0; i < n; i++)
	{
		uint64_t	w = load_le(d + 8 * i, 8);

		memcpy((char *) out + 8 * i, &w, 8);
	}
}

void
cvr_f64s(cv_rbuf *r, double *out, size_t n)
{
	cvr_words(r, out, n);
}

void
cvr_i64s(cv_rbuf *r, int64_t *out, size_t n)
{
	cvr_words(r, out, n);
}

void
cvr_u32s(cv_rbuf *r, uint32_t *out, size_t n)
{
	const unsigned char *d;

	if (n == 0)
		return;					/* out may be NULL: no memcpy */
	d = n <= SIZE_MAX / 4 ? cvr_take(r, n * 4) : NULL;

	if (d == NULL)
	{
		r->err = 1;
		memset(out, 0, n <= SIZE_MAX / 4 ? n * 4 : 0);
		return;
	}
	if (CV_HOST_LE)
	{
		memcpy(out, d, n * 4);
		return;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (uint32_t) load_le(d + 4 * i, 4);
}

const unsigned char *
cvr_bytes(cv_rbuf *r, size_t n)
{
	return cvr_take(r, n);
}

char *
cvr_str(cv_rbuf *r)
{
	uint32_t	n = cvr_u32(r);
	const unsigned char *d = cvr_take(r, n);
	char	   *s;

	if (d == NULL || memchr(d, '\0', n) != NULL)
	{
		r->err = 1;
		return NULL;
	}
	s = cv_malloc((size_t) n + 1);
	memcpy(s, d, n);
	s[n] = '\0';
	return s;
}

int
cvr_done(const cv_rbuf *r)
{
	return !r->err && r->pos == r->len;
}

/* ---------------------------------------------------------------- base64 */

static const char b64_alphabet[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
cv_base64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

void
cv_base64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t		i;

	for (i = 0; i + 2 < n; i += 3)
	{
		uint32_t	w = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8 | in[i + 2];

		cv_interrupt_poll(i / 3);
		*out++ = b64_alphabet[w >> 18];
		*out++ = b64_alphabet[(w >> 12) & 63];
		*out++ = b64_alphabet[(w >> 6) & 63];
		*out++ = b64_alphabet[w & 63];
	}
	if (i < n)
	{
		uint32_t	w = (uint32_t) in[i] << 16;

		if (i + 1 < n)
			w |= (uint32_t) in[i + 1] << 8;
		*out++ = b64_alphabet[w >> 18];
		*out++ = b64_alphabet[(w >> 12) & 63];
		*out++ = (i + 1 < n) ? b64_alphabet[(w >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

/* Value of one base64 character, or -1 outside the standard alphabet. */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
cv_base64_decode(const char *in, size_t n, unsigned char **out, size_t *outlen)
{
	size_t		pad = 0,
				i,
				o = 0;
	unsigned char *buf;

	if (n % 4 != 0)
		return -1;
	if (n > 0 && in[n - 1] == '=')
		pad = (in[n - 2] == '=') ? 2 : 1;
	buf = cv_malloc(n / 4 * 3 + 1);
	for (i = 0; i < n; i += 4)
	{
		int			quad = (i + 4 == n) ? 4 - (int) pad : 4;
		uint32_t	w = 0;
		int			j;

		cv_interrupt_poll(i / 4);
		for (j = 0; j < 4; j++)
		{
			int			v = (j < quad) ? b64_value((unsigned char) in[i + j]) : 0;

			if (v < 0)
			{
				cv_free(buf);
				return -1;
			}
			w = w << 6 | (uint32_t) v;
		}
		/* the bits a short final group leaves unused must be zero */
		if ((quad == 2 && (w & 0xFFFF)) || (quad == 3 && (w & 0xFF)))
		{
			cv_free(buf);
			return -1;
		}
		buf[o++] = (unsigned char) (w >> 16);
		if (quad > 2)
			buf[o++] = (unsigned char) (w >> 8);
		if (quad > 3)
			buf[o++] = (unsigned char) w;
	}
	*out = buf;
	*outlen = o;
	return 0;
}

/* ---------------------------------------------------------------- hashing */

#define XXH_P1 UINT64_C(0x9E3779B185EBCA87)
#define XXH_P2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define XXH_P3 UINT64_C(0x165667B19E3779F9)
#define XXH_P4 UINT64_C(0x85EBCA77C2B2AE63)
#define XXH_P5 UINT64_C(0x27D4EB2F165667C5)

static uint64_t
rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* XXH64 round: fold one 8-byte lane into an accumulator. */
static uint64_t
xxh_round(uint64_t acc, uint64_t lane)
{
	acc += lane * XXH_P2;
	acc = rotl64(acc, 31);
	return acc * XXH_P1;
}

/* XXH64 merge of a stripe accumulator into the running hash. */
static uint64_t
xxh_merge(uint64_t h, uint64_t acc)
{
	h ^= xxh_round(0, acc);
	return h * XXH_P1 + XXH_P4;
}

uint64_t
cv_hash64(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	const unsigned char *end = p + n;
	uint64_t	h;

	if (n >= 32)
	{
		uint64_t	v1 = seed + XXH_P1 + XXH_P2,
					v2 = seed + XXH_P2,
					v3 = seed,
					v4 = seed - XXH_P1;

		for (; end - p >= 32; p += 32)
		{
			v1 = xxh_round(v1, load_le(p, 8));
			v2 = xxh_round(v2, load_le(p + 8, 8));
			v3 = xxh_round(v3, load_le(p + 16, 8));
			v4 = xxh_round(v4, load_le(p + 24, 8));
		}
		h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
		h = xxh_merge(h, v1);
		h = xxh_merge(h, v2);
		h = xxh_merge(h, v3);
		h = xxh_merge(h, v4);
	}
	else
		h = seed + XXH_P5;
	h += (uint64_t) n;
	for (; end - p >= 8; p += 8)
	{
		h ^= xxh_round(0, load_le(p, 8));
		h = rotl64(h, 27) * XXH_P1 + XXH_P4;
	}
	if (end - p >= 4)
	{
		h ^= load_le(p, 4) * XXH_P1;
		h = rotl64(h, 23) * XXH_P2 + XXH_P3;
		p += 4;
	}
	for (; p < end; p++)
	{
		h ^= *p * XXH_P5;
		h = rotl64(h, 11) * XXH_P1;
	}
	h ^= h >> 33;
	h *= XXH_P2;
	h ^= h >> 29;
	h *= XXH_P3;
	h ^= h >> 32;
	return h;
}

uint64_t
cv_hash_f64(double v, uint64_t seed)
{
	unsigned char le[8];
	uint64_t	bits;
	int			i;

	if (v == 0.0)
		v = 0.0;				/* -0.0 == 0.0 */
	if (v != v)
		bits = UINT64_C(0x7FF8000000000000);	/* one NaN */
	else
		memcpy(&bits, &v, sizeof(bits));
	for (i = 0; i < 8; i++)
		le[i] = (unsigned char) (bits >> (8 * i));
	return cv_hash64(le, sizeof(le), seed);
}

void *
cv_errorf(char *err, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return NULL;
}
