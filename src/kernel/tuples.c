/*
 * tuples.c
 *	  Weighted distinct tuples; see tuples.h.
 *
 * Entries live densely in two arrays (the doubles of each entry: key, then
 * hi and lo of each sum; and the counts), found through an open-addressing
 * index of entry numbers.  Sorting permutes the dense arrays in place and
 * rebuilds the index.
 */
#include "tuples.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cvalloc.h"
#include "cvsort.h"

#define TUPLES_MIN_CAP 4

struct cv_tuples
{
	int			width;
	int			nsum;
	int			stride;			/* doubles per entry: width + 2 * nsum */
	int			sorted;			/* entries are in ascending key order */
	size_t		n;				/* entries */
	size_t		cap;			/* entry capacity */
	double	   *vals;			/* cap * stride */
	int64_t    *counts;			/* cap */
	int64_t		total;
	size_t		icap;			/* index slots, a power of two */
	uint32_t   *index;			/* entry number + 1, 0 = empty */
};

cv_tuples *
cv_tuples_new(int width, int nsum)
{
	cv_tuples  *t = cv_calloc(1, sizeof(cv_tuples));

	t->width = width;
	t->nsum = nsum;
	t->stride = width + 2 * nsum;
	t->sorted = 1;
	return t;
}

void
cv_tuples_free(cv_tuples *t)
{
	if (t == NULL)
		return;
	cv_free(t->vals);
	cv_free(t->counts);
	cv_free(t->index);
	cv_free(t);
}

int
cv_tuples_width(const cv_tuples *t)
{
	return t->width;
}

int
cv_tuples_nsum(const cv_tuples *t)
{
	return t->nsum;
}

size_t
cv_tuples_count(const cv_tuples *t)
{
	return t->n;
}

int64_t
cv_tuples_total(const cv_tuples *t)
{
	return t->total;
}

size_t
cv_tuples_bytes(const cv_tuples *t)
{
	return sizeof(cv_tuples) + t->cap * (t->stride * sizeof(double) + sizeof(int64_t)) +
		t->icap * sizeof(uint32_t);
}

/* Hash of a key's doubles (keys are stored with -0.0 made 0.0). */
static uint64_t
key_hash(const double *key, int width)
{
	return cv_hash64(key, (size_t) width * sizeof(double), 0x7475706c6573ULL);
}

/* Rebuild the index for the current entries with at least 2n slots. */
static void
rebuild_index(cv_tuples *t)
{
	size_t		icap = 8;

	while (icap < 2 * t->cap)
		icap *= 2;
	cv_free(t->index);
	t->index = cv_calloc(icap, sizeof(uint32_t));
	t->icap = icap;
	for (size_t e = 0; e < t->n; e++)
	{
		size_t		h = key_hash(&t->vals[e * t->stride], t->width) & (icap - 1);

		cv_interrupt_poll(e + 1);
		while (t->index[h])
			h = (h + 1) & (icap - 1);
		t->index[h] = (uint32_t) (e + 1);
	}
}

/* Make room for one more entry. */
static void
reserve(cv_tuples *t)
{
	size_t		cap;

	if (t->n < t->cap)
		return;
	cap = t->cap ? t->cap * 2 : TUPLES_MIN_CAP;
	t->vals = cv_realloc(t->vals, cap * t->stride * sizeof(double));
	t->counts = cv_realloc(t->counts, cap * sizeof(int64_t));
	t->cap = cap;
	rebuild_index(t);
}

/* Add x to the double-double (hi, lo), keeping it normalised. */
static void
dd_add(double *hi, double *lo, double x)
{
	double		s = *hi + x;
	double		bb = s - *hi;
	double		err = (*hi - (s - bb)) + (x - bb);
	double		l = *lo + err;
	double		h = s + l;

	*lo = l - (h - s);
	*hi = h;
}

/* The entry of `key` (normalised), created empty when absent. */
static size_t
find_or_insert(cv_tuples *t, const double *key)
{
	size_t		h;
	double	   *v;

	if (t->index == NULL)
		reserve(t);
	h = key_hash(key, t->width) & (t->icap - 1);
	while (t->index[h])
	{
		size_t		e = t->index[h] - 1;

		if (memcmp(&t->vals[e * t->stride], key, t->width * sizeof(double)) == 0)
			return e;
		h = (h + 1) & (t->icap - 1);
	}
	if (t->n == t->cap)
	{
		reserve(t);
		return find_or_insert(t, key);
	}
	v = &t->vals[t->n * t->stride];
	memcpy(v, key, t->width * sizeof(double));
	memset(v + t->width, 0, 2 * t->nsum * sizeof(double));
	t->counts[t->n] = 0;
	t->index[h] = (uint32_t) (t->n + 1);
	if (t->n > 0 && t->sorted)
	{
		const double *prev = &t->vals[(t->n - 1) * t->stride];

		for (int j = 0; j < t->width; j++)
			if (prev[j] != key[j])
			{
				t->sorted = prev[j] < key[j];
				break;
			}
	}
	return t->n++;
}

/* Add count rows and the hi/lo parts of sums to the entry of key. */
static void
add_parts(cv_tuples *t, const double *key, const double *hi, const double *lo,
		  int64_t count)
{
	double		k[CV_TUPLES_MAX_WIDTH];
	size_t		e;
	double	   *v;

	for (int j = 0; j < t->width; j++)
		k[j] = key[j] == 0 ? 0.0 : key[j];
	e = find_or_insert(t, k);
	v = &t->vals[e * t->stride + t->width];
	for (int j = 0; j < t->nsum; j++)
	{
		dd_add(&v[2 * j], &v[2 * j + 1], hi[j]);
		if (lo)
			dd_add(&v[2 * j], &v[2 * j + 1], lo[j]);
	}
	t->counts[e] += count;
	t->total += count;
}

void
cv_tuples_add(cv_tuples *t, const double *key, const double *sums, int64_t count)
{
	add_parts(t, key, sums, NULL, count);
}

int
cv_tuples_merge(cv_tuples *dst, const cv_tuples *src, char *err, size_t errlen)
{
	if (dst->width != src->width || dst->nsum != src->nsum)
	{
		snprintf(err, errlen, "one state has tuples of %d values and %d sums, the other %d and %d",
				 dst->width, dst->nsum, src->width, src->nsum);
		return -1;
	}
	/* every count is at most its state's total, so no count overflows either */
	if (src->total > INT64_MAX - dst->total)
	{
		snprintf(err, errlen, "fit state holds too many rows");
		return CV_TUPLES_OVER;
	}
	for (size_t e = 0; e < src->n; e++)
	{
		const double *v = &src->vals[e * src->stride];
		double		hi[CV_TUPLES_MAX_SUMS],
					lo[CV_TUPLES_MAX_SUMS];

		cv_interrupt_poll(e + 1);
		for (int j = 0; j < src->nsum; j++)
		{
			hi[j] = v[src->width + 2 * j];
			lo[j] = v[src->width + 2 * j + 1];
		}
		add_parts(dst, v, hi, lo, src->counts[e]);
	}
	return 0;
}

/* Lexicographic order of two keys. */
static int
key_cmp(const cv_tuples *t, uint32_t a, uint32_t b)
{
	const double *x = &t->vals[(size_t) a * t->stride];
	const double *y = &t->vals[(size_t) b * t->stride];

	for (int j = 0; j < t->width; j++)
		if (x[j] != y[j])
			return x[j] < y[j] ? -1 : 1;
	return 0;
}

/*
 * Bottom-up merge sort of entry numbers by key (tmp has n slots), polling
 * the interrupt hook every stride of comparisons: a count that grows by
 * one, as a count that grew by whole blocks would pass every multiple of
 * the stride once a block of an odd size had been merged.
 */
static void
sort_order(const cv_tuples *t, uint32_t *ord, uint32_t *tmp, size_t n)
{
	size_t		steps = 0;

	for (size_t w = 1; w < n; w *= 2)
	{
		for (size_t lo = 0; lo < n; lo += 2 * w)
		{
			size_t		mid = lo + w < n ? lo + w : n;
			size_t		hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t		i = lo,
						j = mid,
						k = lo;

			while (i < mid && j < hi)
			{
				tmp[k++] = key_cmp(t, ord[i], ord[j]) <= 0 ? ord[i++] : ord[j++];
				cv_interrupt_poll(++steps);
			}
			while (i < mid)
				tmp[k++] = ord[i++];
			while (j < hi)
				tmp[k++] = ord[j++];
		}
		memcpy(ord, tmp, n * sizeof(uint32_t));
	}
}

void
cv_tuples_sort(cv_tuples *t)
{
	uint32_t   *ord,
			   *tmp;
	size_t	   *from;

	if (t->sorted)
		return;
	ord = cv_malloc((t->n ? t->n : 1) * sizeof(uint32_t));
	tmp = cv_malloc((t->n ? t->n : 1) * sizeof(uint32_t));
	for (size_t e = 0; e < t->n; e++)
		ord[e] = (uint32_t) e;
	sort_order(t, ord, tmp, t->n);
	cv_free(tmp);
	/* entries move in place: only the order's row numbers are allocated */
	from = cv_malloc((t->n ? t->n : 1) * sizeof(size_t));
	for (size_t e = 0; e < t->n; e++)
		from[e] = ord[e];
	cv_free(ord);
	cv_permute(t->vals, t->n, t->stride * sizeof(double), from);
	cv_permute(t->counts, t->n, sizeof(int64_t), from);
	cv_free(from);
	t->sorted = 1;
	rebuild_index(t);
}

const double *
cv_tuples_key(const cv_tuples *t, size_t i)
{
	return &t->vals[i * t->stride];
}

int64_t
cv_tuples_weight(const cv_tuples *t, size_t i)
{
	return t->counts[i];
}

double
cv_tuples_sum(const cv_tuples *t, size_t i, int j)
{
	const double *v = &t->vals[i * t->stride + t->width + 2 * j];

	return v[0] + v[1];
}

size_t
cv_tuples_flat_size(const cv_tuples *t)
{
	return 4 + 4 + 8 + t->n * (t->stride * sizeof(double) + sizeof(int64_t));
}

void
cv_tuples_write(cv_tuples *t, cv_wbuf *b)
{
	cv_tuples_sort(t);
	cvb_u32(b, (uint32_t) t->width);
	cvb_u32(b, (uint32_t) t->nsum);
	cvb_i64(b, (int64_t) t->n);
	for (size_t e = 0; e < t->n; e++)
	{
		const double *v = &t->vals[e * t->stride];

		for (int j = 0; j < t->stride; j++)
			cvb_f64(b, v[j]);
		cvb_i64(b, t->counts[e]);
	}
}

/* NULL with a message. */
static cv_tuples *
read_fail(cv_tuples *t, char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	cv_tuples_free(t);
	return NULL;
}

/* One entry's doubles and count from r into t (entry t->n); 0 on a lie. */
static int
read_entry(cv_rbuf *r, cv_tuples *t, const char **why)
{
	double	   *v = &t->vals[t->n * t->stride];
	int64_t		c;

	for (int j = 0; j < t->stride; j++)
	{
		v[j] = cvr_f64(r);
		if (!isfinite(v[j]))
			return (*why = "non-finite value", 0);
	}
	for (int j = 0; j < t->width; j++)
		if (v[j] == 0 && signbit(v[j]))
			return (*why = "negative zero in a key", 0);
	for (int j = 0; j < t->nsum; j++)
		if (v[t->width + 2 * j] + v[t->width + 2 * j + 1] != v[t->width + 2 * j])
			return (*why = "sum not normalised", 0);
	c = cvr_i64(r);
	if (c < 1 || t->total > INT64_MAX - c)
		return (*why = "count out of range", 0);
	if (t->n > 0 && key_cmp(t, (uint32_t) (t->n - 1), (uint32_t) t->n) >= 0)
		return (*why = "keys not in strictly ascending order", 0);
	t->counts[t->n++] = c;
	t->total += c;
	return 1;
}

cv_tuples *
cv_tuples_read(cv_rbuf *r, char *err, size_t errlen)
{
	uint32_t	width = cvr_u32(r);
	uint32_t	nsum = cvr_u32(r);
	int64_t		n = cvr_i64(r);
	cv_tuples  *t;
	const char *why = NULL;

	if (r->err)
		return read_fail(NULL, err, errlen, "truncated tuples header");
	if (width < 1 || width > CV_TUPLES_MAX_WIDTH || nsum > CV_TUPLES_MAX_SUMS)
		return read_fail(NULL, err, errlen, "tuples shape out of range");
	/* each entry takes at least 16 bytes, so n is bounded by the input */
	if (n < 0 || (uint64_t) n > (r->len - r->pos) / 16 || (uint64_t) n >= UINT32_MAX / 2)
		return read_fail(NULL, err, errlen, "tuples count out of range");
	t = cv_tuples_new((int) width, (int) nsum);
	t->cap = n > TUPLES_MIN_CAP ? (size_t) n : TUPLES_MIN_CAP;
	t->vals = cv_malloc(t->cap * t->stride * sizeof(double));
	t->counts = cv_malloc(t->cap * sizeof(int64_t));
	for (int64_t e = 0; e < n; e++)
	{
		cv_interrupt_poll((size_t) e + 1);
		if (!read_entry(r, t, &why) || r->err)
			return read_fail(t, err, errlen, r->err ? "truncated tuples" : why);
	}
	rebuild_index(t);
	return t;
}
