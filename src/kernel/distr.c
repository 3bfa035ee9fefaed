/*
 * distr.c
 *	  Mergeable per-dimension value distributions; see distr.h.
 */
#include "distr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvalloc.h"
#include "cvsort.h"

#define PENDING_MIN 4096
#define PENDING_EXACT_MIN (1 << 20)
#define DISTR_FORMAT 1

/* One dimension: sorted distinct entries plus a buffer of raw values. */
typedef struct dimbuf
{
	int64_t		n;
	int64_t		nulls;
	size_t		nent;
	size_t		cap;
	double	   *lo;
	double	   *hi;				/* NULL while every entry is exact */
	int64_t    *count;
	/* pending values: an open-addressing table of value -> count */
	size_t		hcap;			/* slots, a power of two (0 before use) */
	size_t		hused;			/* occupied slots */
	double	   *hkey;
	int64_t    *hcount;			/* 0 marks an empty slot */
} dimbuf;

struct cv_distr
{
	int			ndims;
	size_t		exact_cap;
	dimbuf	   *dims;
};

cv_distr *
cv_distr_new(int ndims, size_t exact_cap)
{
	cv_distr   *d = cv_calloc(1, sizeof(cv_distr));

	d->ndims = ndims;
	d->exact_cap = exact_cap;
	d->dims = cv_calloc(ndims > 0 ? ndims : 1, sizeof(dimbuf));
	return d;
}

int
cv_distr_ndims(const cv_distr *d)
{
	return d->ndims;
}

size_t
cv_distr_exact_cap(const cv_distr *d)
{
	return d->exact_cap;
}

/* Grow a dimension's entry arrays to hold at least `need` entries. */
static void
reserve_entries(dimbuf *b, size_t need)
{
	size_t		cap = b->cap ? b->cap : 64;

	if (need <= b->cap)
		return;
	while (cap < need)
		cap *= 2;
	b->lo = cv_realloc(b->lo, cap * sizeof(double));
	b->count = cv_realloc(b->count, cap * sizeof(int64_t));
	if (b->hi)
		b->hi = cv_realloc(b->hi, cap * sizeof(double));
	b->cap = cap;
}

/* Turn an all-exact dimension into one that can hold ranges. */
static void
ensure_hi(dimbuf *b)
{
	if (b->hi)
		return;
	b->hi = cv_malloc((b->cap ? b->cap : 1) * sizeof(double));
	memcpy(b->hi, b->lo, b->nent * sizeof(double));
}

/* Order of entries: by low end, then by high end (exact before ranges). */
static int
entry_cmp(double lo1, double hi1, double lo2, double hi2)
{
	if (lo1 != lo2)
		return lo1 < lo2 ? -1 : 1;
	if (hi1 != hi2)
		return hi1 < hi2 ? -1 : 1;
	return 0;
}

/*
 * Merge a sorted entry list (slo/shi/scount, m entries; shi NULL = exact)
 * into the dimension's entries, adding counts of equal entries.
 */
static void
merge_entries(dimbuf *b, const double *slo, const double *shi,
			  const int64_t *scount, size_t m)
{
	size_t		n = b->nent;
	size_t		i = 0,
				j = 0,
				k = 0;
	double	   *lo,
			   *hi = NULL;
	int64_t    *count;
	size_t		cap = b->cap;

	if (m == 0)
		return;
	if (shi)
		ensure_hi(b);
	if (cap < n + m)
		cap = n + m;
	lo = cv_malloc(cap * sizeof(double));
	count = cv_malloc(cap * sizeof(int64_t));
	if (b->hi)
		hi = cv_malloc(cap * sizeof(double));
	while (i < n || j < m)
	{
		double		alo = i < n ? b->lo[i] : 0,
					ahi = i < n ? (b->hi ? b->hi[i] : b->lo[i]) : 0;
		double		blo = j < m ? slo[j] : 0,
					bhi = j < m ? (shi ? shi[j] : slo[j]) : 0;
		int			c = (i >= n) ? 1 : (j >= m) ? -1 : entry_cmp(alo, ahi, blo, bhi);

		cv_interrupt_poll(k);
		if (c <= 0)
		{
			lo[k] = alo;
			if (hi)
				hi[k] = ahi;
			count[k] = b->count[i++];
			if (c == 0)
				count[k] += scount[j++];
		}
		else
		{
			lo[k] = blo;
			if (hi)
				hi[k] = bhi;
			count[k] = scount[j++];
		}
		k++;
	}
	cv_free(b->lo);
	cv_free(b->count);
	if (b->hi)
		cv_free(b->hi);
	b->lo = lo;
	b->hi = hi;
	b->count = count;
	b->cap = cap;
	b->nent = k;
}

/*
 * Merge runs of adjacent entries into ranges holding at most
 * CV_DISTR_RANGE_SHARE of the rows, when the dimension has more entries
 * than exact_cap.  Heavier single entries stay as they are.
 */
static void
compress_dim(dimbuf *b, size_t exact_cap)
{
	int64_t		limit;
	size_t		k = 0;

	if (exact_cap == 0 || b->nent <= exact_cap)
		return;
	limit = (int64_t) floor((double) b->n * CV_DISTR_RANGE_SHARE);
	if (limit < 1)
		limit = 1;
	ensure_hi(b);
	for (size_t i = 0; i < b->nent;)
	{
		double		lo = b->lo[i],
					hi = b->hi[i];
		int64_t		w = b->count[i];
		size_t		j = i + 1;

		cv_interrupt_poll(k);
		while (j < b->nent && w + b->count[j] <= limit)
		{
			w += b->count[j];
			if (b->hi[j] > hi)
				hi = b->hi[j];
			j++;
		}
		b->lo[k] = lo;
		b->hi[k] = hi;
		b->count[k] = w;
		k++;
		i = j;
	}
	/*
	 * Groups are consecutive runs of a list sorted by (lo, hi), and a
	 * group's high end is the largest in it, so the groups stay sorted.
	 */
	b->nent = k;
}

/* A pending value and its count, for sorting a flush. */
typedef struct pending
{
	double		key;
	int64_t		count;
} pending;

static int
pending_cmp(const void *a, const void *b)
{
	double		x = ((const pending *) a)->key,
				y = ((const pending *) b)->key;

	return (x > y) - (x < y);
}

/*
 * Slot of a value in a table of hcap slots (a power of two).  The bits of
 * a double are far from uniform (small integers have all-zero low
 * mantissa bits), so they go through a full 64-bit mixer (MurmurHash3's
 * finaliser) before the low bits are taken.
 */
static size_t
pend_slot(double x, size_t hcap)
{
	uint64_t	h;

	memcpy(&h, &x, sizeof(h));
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return (size_t) h & (hcap - 1);
}

/* Allocate an empty pending table of hcap slots (a power of two). */
static void
pend_alloc(dimbuf *b, size_t hcap)
{
	b->hcap = hcap;
	b->hused = 0;
	b->hkey = cv_malloc(hcap * sizeof(double));
	b->hcount = cv_calloc(hcap, sizeof(int64_t));
}

/* Insert or count a value in the pending table; no growth. */
static void
pend_put(dimbuf *b, double x, int64_t count)
{
	size_t		mask = b->hcap - 1;
	size_t		i = pend_slot(x, b->hcap);

	while (b->hcount[i] != 0)
	{
		if (b->hkey[i] == x)
		{
			b->hcount[i] += count;
			return;
		}
		i = (i + 1) & mask;
	}
	b->hkey[i] = x;
	b->hcount[i] = count;
	b->hused++;
}

/*
 * Sort the pending distinct values and merge them into the entries, then
 * empty the table (keeping its size).
 */
static void
flush_dim(dimbuf *b, size_t exact_cap)
{
	size_t		m = 0;
	pending    *p;
	double	   *keys;
	int64_t    *counts;

	if (b->hused == 0)
		return;
	p = cv_malloc(b->hused * sizeof(pending));
	for (size_t i = 0; i < b->hcap; i++)
	{
		cv_interrupt_poll(i);
		if (b->hcount[i] != 0)
		{
			p[m].key = b->hkey[i];
			p[m].count = b->hcount[i];
			m++;
		}
	}
	cv_sort(p, m, sizeof(pending), pending_cmp);
	keys = cv_malloc(m * sizeof(double));
	counts = cv_malloc(m * sizeof(int64_t));
	for (size_t i = 0; i < m; i++)
	{
		keys[i] = p[i].key;
		counts[i] = p[i].count;
	}
	cv_free(p);
	merge_entries(b, keys, NULL, counts, m);
	cv_free(keys);
	cv_free(counts);
	memset(b->hcount, 0, b->hcap * sizeof(int64_t));
	b->hused = 0;
	compress_dim(b, exact_cap);
}

/*
 * How many distinct values the pending table may hold before it is merged
 * into the sorted entries.  An exact dimension keeps up to 2^20 distinct
 * values in the table alone (at most 64 MB, and no merge at all for most
 * data), then a quarter of its entries, so that a dimension of n distinct
 * values takes at most about 32 n bytes.  A compressible dimension merges
 * as soon as the table holds as many values as the entries, which are
 * themselves kept near exact_cap.
 */
static size_t
flush_threshold(const dimbuf *b, size_t exact_cap)
{
	if (exact_cap > 0)
		return b->nent > PENDING_MIN ? b->nent : PENDING_MIN;
	return b->nent / 4 > PENDING_EXACT_MIN ? b->nent / 4 : PENDING_EXACT_MIN;
}

/*
 * Count `count` rows of value x.  Most data repeat values (days, counts,
 * ratings), so counting them in a hash table makes adding a row O(1); the
 * table is merged into the sorted entries when it holds flush_threshold()
 * distinct values, which bounds its memory.
 */
static void
pend_add(dimbuf *b, double x, int64_t count, size_t exact_cap)
{
	if (b->hcap == 0)
		pend_alloc(b, 1024);
	pend_put(b, x, count);
	if (b->hused * 2 > b->hcap)
	{
		if (b->hused >= flush_threshold(b, exact_cap))
			flush_dim(b, exact_cap);
		else
		{
			size_t		oldcap = b->hcap;
			double	   *oldkey = b->hkey;
			int64_t    *oldcount = b->hcount;

			pend_alloc(b, oldcap * 2);
			for (size_t i = 0; i < oldcap; i++)
			{
				cv_interrupt_poll(i);
				if (oldcount[i] != 0)
					pend_put(b, oldkey[i], oldcount[i]);
			}
			cv_free(oldkey);
			cv_free(oldcount);
		}
	}
}

void
cv_distr_add(cv_distr *d, const double *x, const unsigned char *isnull)
{
	for (int i = 0; i < d->ndims; i++)
	{
		dimbuf	   *b = &d->dims[i];

		if (isnull && isnull[i])
		{
			b->nulls++;
			continue;
		}
		b->n++;
		/* -0.0 and 0.0 are the same value */
		pend_add(b, x[i] == 0.0 ? 0.0 : x[i], 1, d->exact_cap);
	}
}

void
cv_distr_merge(cv_distr *dst, const cv_distr *src)
{
	for (int i = 0; i < dst->ndims && i < src->ndims; i++)
	{
		dimbuf	   *a = &dst->dims[i];
		const dimbuf *b = &src->dims[i];

		a->n += b->n;
		a->nulls += b->nulls;
		merge_entries(a, b->lo, b->hi, b->count, b->nent);
		for (size_t j = 0; j < b->hcap; j++)
		{
			cv_interrupt_poll(j);
			if (b->hcount[j] != 0)
				pend_add(a, b->hkey[j], b->hcount[j], dst->exact_cap);
		}
		flush_dim(a, dst->exact_cap);
		compress_dim(a, dst->exact_cap);
	}
}

cv_distr_dim
cv_distr_dim_get(cv_distr *d, int i)
{
	dimbuf	   *b = &d->dims[i];
	cv_distr_dim v;

	flush_dim(b, d->exact_cap);
	v.n = b->n;
	v.nulls = b->nulls;
	v.nentries = b->nent;
	v.lo = b->lo;
	v.hi = b->hi;
	v.count = b->count;
	return v;
}

size_t
cv_distr_bytes(const cv_distr *d)
{
	size_t		bytes = sizeof(cv_distr) + d->ndims * sizeof(dimbuf);

	for (int i = 0; i < d->ndims; i++)
	{
		const dimbuf *b = &d->dims[i];

		bytes += b->cap * (sizeof(double) + sizeof(int64_t) + (b->hi ? sizeof(double) : 0));
		bytes += b->hcap * (sizeof(double) + sizeof(int64_t));
	}
	return bytes;
}

void
cv_distr_write(cv_distr *d, cv_wbuf *w)
{
	cvb_u8(w, DISTR_FORMAT);
	cvb_u32(w, (uint32_t) d->ndims);
	cvb_i64(w, (int64_t) d->exact_cap);
	for (int i = 0; i < d->ndims; i++)
	{
		dimbuf	   *b = &d->dims[i];

		flush_dim(b, d->exact_cap);
		cvb_i64(w, b->n);
		cvb_i64(w, b->nulls);
		cvb_u8(w, b->hi ? 1 : 0);
		cvb_i64(w, (int64_t) b->nent);
		for (size_t j = 0; j < b->nent; j++)
		{
			cv_interrupt_poll(j);
			cvb_f64(w, b->lo[j]);
		}
		for (size_t j = 0; b->hi && j < b->nent; j++)
		{
			cv_interrupt_poll(j);
			cvb_f64(w, b->hi[j]);
		}
		for (size_t j = 0; j < b->nent; j++)
		{
			cv_interrupt_poll(j);
			cvb_i64(w, b->count[j]);
		}
	}
}

/* Validate one dimension read from a buffer; NULL when fine. */
static const char *
check_dim(const dimbuf *b)
{
	int64_t		total = 0;

	if (b->n < 0 || b->nulls < 0)
		return "negative row count";
	for (size_t j = 0; j < b->nent; j++)
	{
		double		hi = b->hi ? b->hi[j] : b->lo[j];

		cv_interrupt_poll(j);
		if (!isfinite(b->lo[j]) || !isfinite(hi))
			return "non-finite value";
		if (hi < b->lo[j])
			return "range with its high end below its low end";
		if (b->count[j] <= 0)
			return "entry with a count below 1";
		if (j > 0 && entry_cmp(b->lo[j - 1], b->hi ? b->hi[j - 1] : b->lo[j - 1],
							   b->lo[j], hi) >= 0)
			return "entries not in ascending order";
		if (b->count[j] > INT64_MAX - total)
			return "row count overflow";
		total += b->count[j];
	}
	if (total != b->n)
		return "entry counts do not add up to the row count";
	return NULL;
}

cv_distr *
cv_distr_read(cv_rbuf *r, char *err, size_t errlen)
{
	int			format = cvr_u8(r);
	int64_t		ndims = cvr_u32(r);
	int64_t		cap = cvr_i64(r);
	cv_distr   *d;

	if (r->err || format != DISTR_FORMAT || ndims < 1 || ndims > 1000 || cap < 0)
	{
		snprintf(err, errlen, "invalid distribution header");
		return NULL;
	}
	d = cv_distr_new((int) ndims, (size_t) cap);
	for (int i = 0; i < d->ndims; i++)
	{
		dimbuf	   *b = &d->dims[i];
		int			has_hi;
		int64_t		nent;
		const char *bad;

		b->n = cvr_i64(r);
		b->nulls = cvr_i64(r);
		has_hi = cvr_u8(r);
		nent = cvr_i64(r);
		if (r->err || has_hi > 1 || nent < 0 || (uint64_t) nent > (r->len - r->pos) / 16)
		{
			snprintf(err, errlen, "truncated or invalid distribution of dimension %d", i + 1);
			cv_distr_free(d);
			return NULL;
		}
		reserve_entries(b, (size_t) nent);
		if (has_hi)
			ensure_hi(b);
		for (int64_t j = 0; j < nent; j++)
		{
			cv_interrupt_poll(j);
			b->lo[j] = cvr_f64(r);
		}
		for (int64_t j = 0; has_hi && j < nent; j++)
		{
			cv_interrupt_poll(j);
			b->hi[j] = cvr_f64(r);
		}
		for (int64_t j = 0; j < nent; j++)
		{
			cv_interrupt_poll(j);
			b->count[j] = cvr_i64(r);
		}
		b->nent = (size_t) nent;
		bad = r->err ? "truncated data" : check_dim(b);
		if (bad)
		{
			snprintf(err, errlen, "invalid distribution of dimension %d: %s", i + 1, bad);
			cv_distr_free(d);
			return NULL;
		}
	}
	return d;
}

void
cv_distr_free(cv_distr *d)
{
	if (d == NULL)
		return;
	for (int i = 0; i < d->ndims; i++)
	{
		dimbuf	   *b = &d->dims[i];

		cv_free(b->lo);
		cv_free(b->hi);
		cv_free(b->count);
		cv_free(b->hkey);
		cv_free(b->hcount);
	}
	cv_free(d->dims);
	cv_free(d);
}
