/*
 * test_cvcodec.c
 *	  Unit tests for the binary buffers, base64 and hashing kernel.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cvalloc.h"
#include "cvcodec.h"
#include "tap.h"
#include "testbits.h"

/*
 * Empty arrays, whose pointer may be NULL (a row state of no rows), write
 * and read nothing; under UndefinedBehaviorSanitizer (make unit SANITIZE=1)
 * a memcpy of zero bytes from or to NULL is reported.
 */
static void
test_empty_arrays(void)
{
	cv_wbuf		b;
	cv_rbuf		r;

	cvb_init(&b);
	cvb_u8(&b, 7);
	cvb_f64s(&b, NULL, 0);
	cvb_i64s(&b, NULL, 0);
	cvb_u32s(&b, NULL, 0);
	tap_ok(b.len == 1 && b.data[0] == 7, "wbuf: empty arrays given as NULL write nothing");
	cvr_init(&r, b.data, b.len);
	cvr_f64s(&r, NULL, 0);
	cvr_i64s(&r, NULL, 0);
	cvr_u32s(&r, NULL, 0);
	tap_ok(!r.err && r.pos == 0 && cvr_u8(&r) == 7 && cvr_done(&r),
		   "rbuf: empty arrays read into NULL consume nothing");
	cvr_init(&r, b.data, b.len);
	cvr_f64s(&r, (double *) b.data, SIZE_MAX / 4);
	tap_ok(r.err, "f64s: a count whose byte length overflows is an overrun");
	cv_free(b.data);
}

/* The writer lays out every field little-endian, bit-exact. */
static void
test_wbuf_layout(void)
{
	static const unsigned char want[] = {
		0xAB,
		0x04, 0x03, 0x02, 0x01,
		0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F,
		0x02, 0x00, 0x00, 0x00, 'h', 'i',
		0x00, 0x00, 0x00, 0x00,
		'x', 'y', 'z'
	};
	cv_wbuf		b;

	cvb_init(&b);
	cvb_u8(&b, 0xAB);
	cvb_u32(&b, 0x01020304);
	cvb_i64(&b, -2);
	cvb_f64(&b, 1.0);
	cvb_str(&b, "hi");
	cvb_str(&b, "");
	cvb_bytes(&b, "xyz", 3);
	cvb_bytes(&b, "", 0);
	tap_ok(b.len == sizeof(want) && memcmp(b.data, want, sizeof(want)) == 0,
		   "wbuf: little-endian layout of u8, u32, i64, f64, str, bytes");
	cv_free(b.data);
}

/* Everything written reads back identically, doubles bit for bit. */
static void
test_round_trip(void)
{
	double		specials[] = {0.0, -0.0, 1.0, -1.5, 0.1, 1e308, -1e308, 5e-324,
	2.2250738585072009e-308, NAN, INFINITY, -INFINITY};
	int			nspecial = sizeof(specials) / sizeof(specials[0]);
	uint64_t	seed = 42,
				vals[1000];
	cv_wbuf		b;
	cv_rbuf		r;
	int			i,
				ok = 1;
	char	   *s1,
			   *s2;
	const unsigned char *raw;
	unsigned char *copy;

	cvb_init(&b);
	cvb_u8(&b, 0);
	cvb_u8(&b, 255);
	cvb_u32(&b, 0);
	cvb_u32(&b, UINT32_MAX);
	cvb_i64(&b, INT64_MIN);
	cvb_i64(&b, INT64_MAX);
	for (i = 0; i < nspecial; i++)
		cvb_f64(&b, specials[i]);
	for (i = 0; i < 1000; i++)
	{
		vals[i] = splitmix(&seed);
		cvb_f64(&b, bits_to_double(vals[i]));
	}
	cvb_str(&b, "h\xC3\xA9llo");
	cvb_str(&b, "");
	cvb_bytes(&b, "\0\1\2", 3);

	/* an exactly-sized copy, so valgrind sees any read past the end */
	copy = malloc(b.len);
	memcpy(copy, b.data, b.len);
	cvr_init(&r, copy, b.len);
	tap_ok(cvr_u8(&r) == 0 && cvr_u8(&r) == 255, "rbuf: u8 round trip");
	tap_ok(cvr_u32(&r) == 0 && cvr_u32(&r) == UINT32_MAX, "rbuf: u32 round trip");
	tap_ok(cvr_i64(&r) == INT64_MIN && cvr_i64(&r) == INT64_MAX, "rbuf: i64 round trip");
	for (i = 0; i < nspecial; i++)
		ok &= double_to_bits(cvr_f64(&r)) == double_to_bits(specials[i]);
	tap_ok(ok, "rbuf: f64 specials (-0, NaN, inf, subnormal) bit-exact");
	for (i = 0; i < 1000; i++)
		ok &= double_to_bits(cvr_f64(&r)) == vals[i];
	tap_ok(ok, "rbuf: 1000 random f64 bit patterns bit-exact");
	s1 = cvr_str(&r);
	s2 = cvr_str(&r);
	tap_str(s1, "h\xC3\xA9llo", "rbuf: str round trip");
	tap_str(s2, "", "rbuf: empty str round trip");
	raw = cvr_bytes(&r, 3);
	tap_ok(raw && memcmp(raw, "\0\1\2", 3) == 0, "rbuf: bytes point into the buffer");
	tap_ok(cvr_done(&r), "rbuf: done after reading everything");
	cv_free(s1);
	cv_free(s2);
	free(copy);
	cv_free(b.data);
}

/* Overruns set err, return 0/NULL, never read past the end, and stick. */
/* The array forms write and read exactly the bytes of the one-value calls. */
static void
test_arrays(void)
{
	double		d[5] = {1.5, -0.0, 1e300, -2.25, 0.1};
	int64_t		k[3] = {-1, INT64_MAX, 42};
	double		dback[5];
	int64_t		kback[4];
	cv_wbuf		one,
				many;
	cv_rbuf		r;
	int			same;

	cvb_init(&one);
	cvb_init(&many);
	for (int i = 0; i < 5; i++)
		cvb_f64(&one, d[i]);
	for (int i = 0; i < 3; i++)
		cvb_i64(&one, k[i]);
	cvb_f64s(&many, d, 5);
	cvb_i64s(&many, k, 3);
	same = one.len == many.len && memcmp(one.data, many.data, one.len) == 0;
	tap_ok(same, "cvb_f64s/cvb_i64s write the bytes of cvb_f64/cvb_i64");
	cvr_init(&r, many.data, many.len);
	cvr_f64s(&r, dback, 5);
	cvr_i64s(&r, kback, 3);
	tap_ok(cvr_done(&r) && memcmp(dback, d, sizeof(d)) == 0 && memcmp(kback, k, sizeof(k)) == 0,
		   "cvr_f64s/cvr_i64s read them back bit for bit");
	cvr_init(&r, many.data, many.len);
	cvr_f64s(&r, dback, 5);
	cvr_i64s(&r, kback, 4);
	tap_ok(r.err && kback[3] == 0 && kback[0] == 0, "reading past the end sets the error and yields zeros");
	cv_free(one.data);
	cv_free(many.data);
}

static void
test_overrun(void)
{
	unsigned char *three = malloc(3);
	unsigned char *str = malloc(7);
	unsigned char *nul = malloc(6);
	unsigned char *huge = malloc(5);
	cv_rbuf		r;

	memcpy(three, "\1\2\3", 3);
	cvr_init(&r, three, 3);
	tap_ok(!cvr_done(&r), "rbuf: not done before reading");
	tap_ok(cvr_u32(&r) == 0 && r.err == 1 && r.pos == 0, "rbuf: u32 overrun returns 0 and sets err");
	tap_ok(cvr_u8(&r) == 0 && r.pos == 0, "rbuf: error is sticky");
	tap_ok(!cvr_done(&r), "rbuf: not done after an error");

	cvr_init(&r, three, 3);
	tap_ok(cvr_u8(&r) == 1 && cvr_i64(&r) == 0 && r.err, "rbuf: i64 overrun after a good read");
	cvr_init(&r, three, 3);
	tap_ok(cvr_f64(&r) == 0.0 && r.err, "rbuf: f64 overrun");
	cvr_init(&r, three, 3);
	tap_ok(cvr_bytes(&r, 4) == NULL && r.err, "rbuf: bytes overrun returns NULL");
	cvr_init(&r, three, 3);
	tap_ok(cvr_bytes(&r, 3) != NULL && cvr_done(&r), "rbuf: bytes up to the end");
	cvr_init(&r, three, 3);
	tap_ok(cvr_u8(&r) == 1 && !cvr_done(&r) && !r.err, "rbuf: unread bytes mean not done");
	cvr_init(&r, three, 0);
	tap_ok(cvr_done(&r), "rbuf: empty buffer is done");

	/* length 4 but only 3 bytes follow */
	memcpy(str, "\4\0\0\0abc", 7);
	cvr_init(&r, str, 7);
	tap_ok(cvr_str(&r) == NULL && r.err, "rbuf: str longer than the buffer");
	/* embedded NUL */
	memcpy(nul, "\2\0\0\0a\0", 6);
	cvr_init(&r, nul, 6);
	tap_ok(cvr_str(&r) == NULL && r.err, "rbuf: str with embedded NUL rejected");
	/* length 0xFFFFFFFF must not wrap the bounds check */
	memcpy(huge, "\xFF\xFF\xFF\xFFx", 5);
	cvr_init(&r, huge, 5);
	tap_ok(cvr_str(&r) == NULL && r.err, "rbuf: str with huge length");
	cvr_init(&r, huge, 2);
	tap_ok(cvr_str(&r) == NULL && r.err, "rbuf: str with truncated length");
	free(three);
	free(str);
	free(nul);
	free(huge);
}

/* Encode in, compare with want, and decode back to in. */
static void
check_b64(const char *in, const char *want)
{
	size_t		n = strlen(in),
				outlen = 99;
	char	   *enc = malloc(cv_base64_len(n) + 1);
	unsigned char *dec = NULL;
	char		name[80];

	cv_base64_encode((const unsigned char *) in, n, enc);
	snprintf(name, sizeof(name), "base64: encode \"%s\"", in);
	tap_str(enc, want, name);
	tap_ok(cv_base64_len(n) == strlen(want), "base64: encoded length");
	snprintf(name, sizeof(name), "base64: decode \"%s\"", want);
	tap_ok(cv_base64_decode(want, strlen(want), &dec, &outlen) == 0 &&
		   dec != NULL && outlen == n && memcmp(dec, in, n) == 0, name);
	if (dec)
		cv_free(dec);
	free(enc);
}

/* Decoding must reject s. */
static void
check_b64_bad(const char *s, size_t n, const char *why)
{
	unsigned char *dec = NULL;
	size_t		outlen = 0;
	char		name[100];
	char	   *copy = malloc(n ? n : 1);

	memcpy(copy, s, n);
	snprintf(name, sizeof(name), "base64: reject %s", why);
	tap_ok(cv_base64_decode(copy, n, &dec, &outlen) == -1, name);
	free(copy);
}

static void
test_base64(void)
{
	uint64_t	seed = 7;
	unsigned char all[256];
	int			i,
				len,
				ok = 1;

	/* RFC 4648, section 10 */
	check_b64("", "");
	check_b64("f", "Zg==");
	check_b64("fo", "Zm8=");
	check_b64("foo", "Zm9v");
	check_b64("foob", "Zm9vYg==");
	check_b64("fooba", "Zm9vYmE=");
	check_b64("foobar", "Zm9vYmFy");

	check_b64_bad("Zg=", 3, "length not a multiple of 4");
	check_b64_bad("Zg", 2, "missing padding");
	check_b64_bad("Z===", 4, "three padding characters");
	check_b64_bad("====", 4, "only padding");
	check_b64_bad("Zg==Zm8=", 8, "padding before the end");
	check_b64_bad("Zm=v", 4, "padding inside a group");
	check_b64_bad("Zh==", 4, "non-zero unused bits after one byte");
	check_b64_bad("Zm9=", 4, "non-zero unused bits after two bytes");
	check_b64_bad("Zm-v", 4, "url-safe alphabet");
	check_b64_bad("Zm9v\nZm9v", 9, "newline");
	check_b64_bad("Zm 9", 4, "space");
	check_b64_bad("Zm\0v", 4, "NUL byte");
	check_b64_bad("Zm\xC3v", 4, "non-ASCII byte");

	/* every byte value, and random data of every length up to 64 */
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char) i;
	for (len = 0; len <= 256; len = (len < 64) ? len + 1 : len * 2)
	{
		unsigned char buf[256],
				   *dec = NULL;
		char		enc[400];
		size_t		outlen;
		int			j;

		for (j = 0; j < len; j++)
			buf[j] = (len == 256) ? all[j] : (unsigned char) splitmix(&seed);
		cv_base64_encode(buf, len, enc);
		ok &= strlen(enc) == cv_base64_len(len) &&
			cv_base64_decode(enc, strlen(enc), &dec, &outlen) == 0 &&
			outlen == (size_t) len && memcmp(dec, buf, len) == 0;
		if (dec)
			cv_free(dec);
	}
	tap_ok(ok, "base64: random data and all byte values round trip");
}

static void
test_hash(void)
{
	const char *spam = "Nobody inspects the spammish repetition";
	uint64_t	seed = 99,
			   *h = malloc(20000 * sizeof(uint64_t));
	uint64_t	x = 12345;
	int			i,
				collisions = 0;
	long		flipped = 0;

	/* published XXH64 vectors */
	tap_ok(cv_hash64("", 0, 0) == UINT64_C(0xEF46DB3751D8E999), "hash64: xxh64 of empty input");
	tap_ok(cv_hash64("a", 1, 0) == UINT64_C(0xD24EC4F1A98C6E5B), "hash64: xxh64 of \"a\"");
	tap_ok(cv_hash64("abc", 3, 0) == UINT64_C(0x44BC2CF5AD770999), "hash64: xxh64 of \"abc\"");
	tap_ok(cv_hash64(spam, strlen(spam), 0) == UINT64_C(0xFBCEA83C8A378BF1),
		   "hash64: xxh64 of a 39-byte input (stripe path)");
	tap_ok(cv_hash64("abc", 3, 1) != cv_hash64("abc", 3, 0), "hash64: seed changes the hash");
	tap_ok(cv_hash64("abc", 3, 0) != cv_hash64("abd", 3, 0), "hash64: one byte changes the hash");

	/* 20000 distinct 8-byte and 40-byte keys: no collisions expected */
	for (i = 0; i < 10000; i++)
	{
		uint64_t	k = (uint64_t) i;
		unsigned char big[40] = {0};

		h[i] = cv_hash64(&k, sizeof(k), 0);
		memcpy(big + 32, &k, sizeof(k));
		h[10000 + i] = cv_hash64(big, sizeof(big), 0);
	}
	for (i = 0; i < 20000; i++)
	{
		int			j;

		for (j = i + 1; j < 20000; j++)
			collisions += (h[i] == h[j]);
	}
	tap_ok(collisions == 0, "hash64: 20000 distinct keys, no collisions");

	/* avalanche: flipping one input bit flips about half the output bits */
	for (i = 0; i < 1000; i++)
	{
		uint64_t	k = splitmix(&seed),
					k2 = k ^ ((uint64_t) 1 << (i % 64));
		uint64_t	d = cv_hash64(&k, 8, 0) ^ cv_hash64(&k2, 8, 0);

		for (; d; d &= d - 1)
			flipped++;
	}
	tap_ok(flipped > 1000 * 30 && flipped < 1000 * 34, "hash64: avalanche about 32 bits per flipped input bit");

	tap_ok(cv_hash_f64(-0.0, 0) == cv_hash_f64(0.0, 0), "hash_f64: -0 hashes as 0");
	tap_ok(cv_hash_f64(NAN, 0) == cv_hash_f64(-NAN, 0) &&
		   cv_hash_f64(bits_to_double(UINT64_C(0x7FF0000000000001)), 0) == cv_hash_f64(NAN, 0),
		   "hash_f64: every NaN hashes alike");
	tap_ok(cv_hash_f64(1.0, 0) != cv_hash_f64(2.0, 0) &&
		   cv_hash_f64(1.0, 0) != cv_hash_f64(1.0, 1) &&
		   cv_hash_f64(5e-324, 0) != cv_hash_f64(0.0, 0),
		   "hash_f64: distinct values and seeds differ");
	x = double_to_bits(1.0);
	{
		unsigned char le[8];

		for (i = 0; i < 8; i++)
			le[i] = (unsigned char) (x >> (8 * i));
		tap_ok(cv_hash_f64(1.0, 5) == cv_hash64(le, 8, 5), "hash_f64: hash of the little-endian bits");
	}
	free(h);
}

/* The bulk double writer and reader agree byte for byte with the single ones. */
static void
test_f64s(void)
{
	double		v[5] = {1.5, -0.0, 1e-310, -3.25e300, 42};
	double		back[5];
	cv_wbuf		one,
				bulk;
	cv_rbuf		r;

	cvb_init(&one);
	cvb_init(&bulk);
	for (int i = 0; i < 5; i++)
		cvb_f64(&one, v[i]);
	cvb_u8(&bulk, 7);
	cvb_expect(&bulk, 1000);
	cvb_f64s(&bulk, v, 5);
	tap_ok(bulk.len == 41 && memcmp(bulk.data + 1, one.data, 40) == 0,
		   "f64s: the same little-endian bytes as f64, one at a time");
	cvr_init(&r, bulk.data, bulk.len);
	(void) cvr_u8(&r);
	cvr_f64s(&r, back, 5);
	tap_ok(cvr_done(&r) && memcmp(back, v, sizeof(v)) == 0, "f64s: reads back bit for bit");
	cvr_init(&r, bulk.data, bulk.len - 1);
	(void) cvr_u8(&r);
	cvr_f64s(&r, back, 5);
	tap_ok(r.err && back[0] == 0.0, "f64s: an overrun sets the error and reads zeros");
	cv_free(one.data);
	cv_free(bulk.data);
}

/* The bulk integer writers and readers agree byte for byte with the single ones. */
static void
test_int_arrays(void)
{
	int64_t		h[3] = {INT64_C(0x0102030405060708), 0, -1};
	uint32_t	c[3] = {0x0A0B0C0D, 7, UINT32_MAX};
	int64_t		hb[3];
	uint32_t	cb[3];
	cv_wbuf		one,
				bulk;
	cv_rbuf		r;

	cvb_init(&one);
	cvb_init(&bulk);
	for (int i = 0; i < 3; i++)
		cvb_i64(&one, h[i]);
	for (int i = 0; i < 3; i++)
		cvb_u32(&one, c[i]);
	cvb_i64s(&bulk, h, 3);
	cvb_u32s(&bulk, c, 3);
	tap_ok(bulk.len == 36 && memcmp(bulk.data, one.data, 36) == 0 &&
		   bulk.data[0] == 0x08 && bulk.data[24] == 0x0D,
		   "i64s, u32s: the same little-endian bytes as i64, u32 one at a time");
	cvr_init(&r, bulk.data, bulk.len);
	cvr_i64s(&r, hb, 3);
	cvr_u32s(&r, cb, 3);
	tap_ok(cvr_done(&r) && memcmp(hb, h, sizeof(h)) == 0 && memcmp(cb, c, sizeof(c)) == 0,
		   "i64s, u32s: read back exactly");
	cvr_init(&r, bulk.data, 30);
	cvr_i64s(&r, hb, 3);
	cvr_u32s(&r, cb, 3);
	tap_ok(r.err && cb[0] == 0 && cb[2] == 0, "u32s: an overrun sets the error and reads zeros");
	cvr_init(&r, bulk.data, bulk.len);
	cvr_u32s(&r, cb, SIZE_MAX / 2);
	tap_ok(r.err, "u32s: a count whose byte length overflows is an overrun");
	cv_free(one.data);
	cv_free(bulk.data);
}

int
main(void)
{
	test_f64s();
	test_int_arrays();
	test_wbuf_layout();
	test_round_trip();
	test_overrun();
	test_arrays();
	test_empty_arrays();
	test_base64();
	test_hash();
	return tap_done();
}
