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
#define LIST_SWITCH 65536		/* see pend_to_list */
#define DISTR_FORMAT 1

/* A pending value and its count. */
typedef struct pending
{
	double		key;
	int64_t		count;			/* in the table, 0 marks an empty slot */
} pending;

/*
 * One dimension: sorted distinct entries plus the values added since the
 * last merge, pending either in a hash table of value -> count (data that
 * repeat values) or in a plain list (data that are mostly distinct, where
 * hashing would only add a cache miss per value).  Each merge picks the
 * form for the next batch from the share of distinct values in the last;
 * both give the same entries.
 */
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
	pending    *slot;
	/* ... or a list of them */
	int			listing;		/* 1: pending values go to the list */
	size_t		nlist;
	size_t		listcap;
	pending    *list;
	size_t		adds;			/* values pended since the last merge */
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

/* Grow a dimension's entry arrays to exactly `need` entries (if fewer). */
static void
grow_entries(dimbuf *b, size_t need)
{
	if (need <= b->cap)
		return;
	b->lo = cv_realloc(b->lo, need * sizeof(double));
	b->count = cv_realloc(b->count, need * sizeof(int64_t));
	if (b->hi)
		b->hi = cv_realloc(b->hi, need * sizeof(double));
	b->cap = need;
}

/*
 * Merge a sorted entry list (slo/shi/scount, m entries; shi NULL = exact)
 * into the dimension's entries, adding counts of equal entries.  The merge
 * runs in place from the back of the grown arrays (a write never reaches
 * an entry not yet read), so merging a million values into ten million
 * costs no second copy of the ten million and no fresh pages for it.
 */
static void
merge_entries(dimbuf *b, const double *slo, const double *shi,
			  const int64_t *scount, size_t m)
{
	size_t		n = b->nent;
	size_t		i = n,
				j = m,
				k = n + m;
	size_t		gap;

	if (m == 0)
		return;
	if (shi)
		ensure_hi(b);
	grow_entries(b, n + m);
	while (j > 0)
	{
		double		blo = slo[j - 1],
					bhi = shi ? shi[j - 1] : slo[j - 1];
		int			c = i == 0 ? -1 : entry_cmp(b->lo[i - 1], b->hi ? b->hi[i - 1] : b->lo[i - 1], blo, bhi);

		cv_interrupt_poll(k);
		k--;
		if (c > 0)
		{
			/* the dimension's entry is the larger: move it up */
			i--;
			b->lo[k] = b->lo[i];
			if (b->hi)
				b->hi[k] = b->hi[i];
			b->count[k] = b->count[i];
			continue;
		}
		b->lo[k] = blo;
		if (b->hi)
			b->hi[k] = bhi;
		b->count[k] = scount[j - 1] + (c == 0 ? b->count[i - 1] : 0);
		if (c == 0)
			i--;
		j--;
	}
	/* entries [0, i) are in place; equal entries merged left a gap [i, k) */
	gap = k - i;
	if (gap > 0)
	{
		memmove(b->lo + i, b->lo + k, (n + m - k) * sizeof(double));
		if (b->hi)
			memmove(b->hi + i, b->hi + k, (n + m - k) * sizeof(double));
		memmove(b->count + i, b->count + k, (n + m - k) * sizeof(int64_t));
	}
	b->nent = n + m - gap;
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

static int
pending_cmp(const void *a, const void *b)
{
	double		x = ((const pending *) a)->key,
				y = ((const pending *) b)->key;

	return (x > y) - (x < y);
}

/* The bits of a finite double as an unsigned integer in the same order. */
static inline uint64_t
order_bits(double x)
{
	uint64_t	u;

	memcpy(&u, &x, sizeof(u));
	return (u & UINT64_C(0x8000000000000000)) ? ~u : u ^ UINT64_C(0x8000000000000000);
}

/*
 * Sort pending values by key: an LSD radix sort over the 8 bytes of the
 * order-preserving bits (a pass whose byte is the same for every value is
 * skipped), several times faster than a comparison sort for the million
 * values of a merge.  Small lists use qsort.
 */
static void
sort_pending(pending *a, size_t n)
{
	size_t		count[8][256];
	pending    *tmp,
			   *src = a,
			   *dst;

	if (n < 1024)
	{
		cv_sort(a, n, sizeof(pending), pending_cmp);
		return;
	}
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++)
	{
		uint64_t	k = order_bits(a[i].key);

		cv_interrupt_poll(i);
		for (int d = 0; d < 8; d++)
			count[d][(k >> (8 * d)) & 255]++;
	}
	tmp = dst = cv_malloc(n * sizeof(pending));
	for (int d = 0; d < 8; d++)
	{
		size_t		off[256],
					sum = 0;

		if (count[d][(order_bits(src[0].key) >> (8 * d)) & 255] == n)
			continue;
		for (int v = 0; v < 256; v++)
		{
			off[v] = sum;
			sum += count[d][v];
		}
		for (size_t i = 0; i < n; i++)
		{
			cv_interrupt_poll(i);
			dst[off[(order_bits(src[i].key) >> (8 * d)) & 255]++] = src[i];
		}
		{
			pending    *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != a)
		memcpy(a, src, n * sizeof(pending));
	cv_free(tmp);
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
	b->slot = cv_calloc(hcap, sizeof(pending));
}

/* Insert or count a value in the pending table; no growth. */
static void
pend_put(dimbuf *b, double x, int64_t count)
{
	size_t		mask = b->hcap - 1;
	size_t		i = pend_slot(x, b->hcap);

	while (b->slot[i].count != 0)
	{
		if (b->slot[i].key == x)
		{
			b->slot[i].count += count;
			return;
		}
		i = (i + 1) & mask;
	}
	b->slot[i].key = x;
	b->slot[i].count = count;
	b->hused++;
}

/*
 * Sort the pending values and merge them into the entries, then empty the
 * table or list (keeping its size), and choose where the next batch goes:
 * to the list when more than half of this batch's values were distinct.
 */
static void
flush_dim(dimbuf *b, size_t exact_cap)
{
	size_t		n = 0,
				m = 0;
	pending    *p;
	double	   *keys;
	int64_t    *counts;

	if (b->hused == 0 && b->nlist == 0)
		return;
	p = cv_malloc((b->hused + b->nlist) * sizeof(pending));
	for (size_t i = 0; i < b->hcap; i++)
	{
		cv_interrupt_poll(i);
		if (b->slot[i].count != 0)
			p[n++] = b->slot[i];
	}
	if (b->nlist)
		memcpy(p + n, b->list, b->nlist * sizeof(pending));
	n += b->nlist;
	sort_pending(p, n);
	keys = cv_malloc(n * sizeof(double));
	counts = cv_malloc(n * sizeof(int64_t));
	for (size_t i = 0; i < n; i++)
	{
		cv_interrupt_poll(i);
		if (m > 0 && keys[m - 1] == p[i].key)
			counts[m - 1] += p[i].count;
		else
		{
			keys[m] = p[i].key;
			counts[m++] = p[i].count;
		}
	}
	cv_free(p);
	merge_entries(b, keys, NULL, counts, m);
	cv_free(keys);
	cv_free(counts);
	if (b->hcap)
		memset(b->slot, 0, b->hcap * sizeof(pending));
	b->hused = 0;
	b->nlist = 0;
	/*
	 * Only exact dimensions use the list: a compressible one keeps the
	 * batch boundaries of the table, on which its ranges depend.
	 */
	b->listing = exact_cap == 0 && m * 2 > b->adds;
	b->adds = 0;
	/* keep only the form the next batch uses */
	if (b->listing && b->hcap)
	{
		cv_free(b->slot);
		b->slot = NULL;
		b->hcap = 0;
	}
	else if (!b->listing && b->list)
	{
		cv_free(b->list);
		b->list = NULL;
		b->listcap = 0;
	}
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
/*
 * Move the pending table's values to the list and free the table: a batch
 * whose first LIST_SWITCH distinct values were mostly distinct goes on in
 * the list rather than in an ever larger table.
 */
static void
pend_to_list(dimbuf *b)
{
	b->listcap = 2 * b->hused;
	b->list = cv_realloc(b->list, b->listcap * sizeof(pending));
	b->nlist = 0;
	for (size_t i = 0; i < b->hcap; i++)
	{
		cv_interrupt_poll(i);
		if (b->slot[i].count != 0)
			b->list[b->nlist++] = b->slot[i];
	}
	cv_free(b->slot);
	b->slot = NULL;
	b->hcap = 0;
	b->hused = 0;
	b->listing = 1;
}

static void
pend_add(dimbuf *b, double x, int64_t count, size_t exact_cap)
{
	b->adds++;
	if (b->listing)
	{
		if (b->nlist == b->listcap)
		{
			b->listcap = b->listcap ? 2 * b->listcap : 1024;
			b->list = cv_realloc(b->list, b->listcap * sizeof(pending));
		}
		b->list[b->nlist].key = x;
		b->list[b->nlist].count = count;
		if (++b->nlist >= flush_threshold(b, exact_cap))
			flush_dim(b, exact_cap);
		return;
	}
	if (b->hcap == 0)
		pend_alloc(b, 1024);
	pend_put(b, x, count);
	if (b->hused * 2 > b->hcap)
	{
		if (b->hused >= flush_threshold(b, exact_cap))
			flush_dim(b, exact_cap);
		else if (exact_cap == 0 && b->hused >= LIST_SWITCH && b->hused * 2 > b->adds)
			pend_to_list(b);
		else
		{
			size_t		oldcap = b->hcap;
			pending    *old = b->slot;

			pend_alloc(b, oldcap * 2);
			for (size_t i = 0; i < oldcap; i++)
			{
				cv_interrupt_poll(i);
				if (old[i].count != 0)
					pend_put(b, old[i].key, old[i].count);
			}
			cv_free(old);
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
			if (b->slot[j].count != 0)
				pend_add(a, b->slot[j].key, b->slot[j].count, dst->exact_cap);
		}
		for (size_t j = 0; j < b->nlist; j++)
		{
			cv_interrupt_poll(j);
			pend_add(a, b->list[j].key, b->list[j].count, dst->exact_cap);
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
		bytes += (b->hcap + b->listcap) * sizeof(pending);
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
		cvb_f64s(w, b->lo, b->nent);
		if (b->hi)
			cvb_f64s(w, b->hi, b->nent);
		cvb_i64s(w, b->count, b->nent);
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
		cvr_f64s(r, b->lo, (size_t) nent);
		if (has_hi)
			cvr_f64s(r, b->hi, (size_t) nent);
		cvr_i64s(r, b->count, (size_t) nent);
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
		cv_free(b->slot);
		cv_free(b->list);
	}
	cv_free(d->dims);
	cv_free(d);
}
