/*
 * distr.c
 *	  Mergeable per-dimension value distributions; see distr.h.
 *
 * Byte layout (little-endian, after the fitstate header):
 *	  u8 format (2), u32 ndims,
 *	  per dimension: i64 n, i64 nulls, i64 nentries,
 *	                 nentries f64 values, nentries i64 counts.
 * Pending values are sorted in before a state is written, so the bytes of
 * a state are a function of its multiset of values.
 */
#include "distr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvalloc.h"

#define DISTR_FORMAT 2
#define PEND_START 256			/* first buffer of raw values */
#define PEND_SMALL_MAX 16384	/* the buffer doubles up to this ... */
/* ... and is at least half the distinct values beyond it */
#define DIM_HEADER_BYTES 24		/* n, nulls, nentries */
#define FRONT_BITS 9			/* 512 slots of counted values a dimension */
#define FRONT_SLOTS (1 << FRONT_BITS)

/* One dimension: sorted distinct values with counts, plus raw values. */
typedef struct dimbuf
{
	int64_t		n;
	int64_t		nulls;
	size_t		nent;			/* distinct values */
	size_t		ecap;			/* allocated entries */
	double	   *value;
	int64_t    *count;
	size_t		npend;			/* raw values waiting to be sorted in */
	size_t		pcap;
	uint64_t   *pend;			/* as sortable keys (see to_key) */
	/* a direct-mapped table counting repeated values before the buffer */
	uint64_t   *fkey;			/* FRONT_SLOTS keys, or NULL */
	int64_t    *fcount;			/* 0 marks an empty slot */
	size_t		nfront;			/* occupied slots */
} dimbuf;

struct cv_distr
{
	int			ndims;
	size_t		budget;			/* 0: none */
	size_t		over;			/* bytes a refused operation needed */
	size_t		bytes;			/* allocated now */
	dimbuf	   *dims;
};

cv_distr *
cv_distr_new(int ndims)
{
	cv_distr   *d = cv_calloc(1, sizeof(cv_distr));

	d->ndims = ndims;
	d->dims = cv_calloc(ndims > 0 ? ndims : 1, sizeof(dimbuf));
	d->bytes = sizeof(cv_distr) + (ndims > 0 ? ndims : 1) * sizeof(dimbuf);
	return d;
}

int
cv_distr_ndims(const cv_distr *d)
{
	return d->ndims;
}

void
cv_distr_set_budget(cv_distr *d, size_t bytes)
{
	d->budget = bytes;
	d->over = 0;
}

size_t
cv_distr_over(const cv_distr *d)
{
	return d->over;
}

size_t
cv_distr_bytes(const cv_distr *d)
{
	return d->bytes;
}

/* 1 when the state may grow by `extra` bytes; else 0, noting the need. */
static int
afford(cv_distr *d, size_t extra)
{
	if (d->budget && (extra > d->budget || d->bytes > d->budget - extra))
	{
		d->over = d->bytes + extra;
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------------ sorting */

/*
 * A double as an unsigned key with the same order: positive values get the
 * sign bit set, negative ones all bits flipped.  -0.0 is 0.0 first.
 */
static inline uint64_t
to_key(double x)
{
	uint64_t	u;

	if (x == 0.0)
		x = 0.0;
	memcpy(&u, &x, 8);
	return (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
}

static inline double
from_key(uint64_t u)
{
	double		x;

	u = (u >> 63) ? u & ~(UINT64_C(1) << 63) : ~u;
	memcpy(&x, &u, 8);
	return x;
}

/*
 * LSD radix sort of n keys, one byte per pass, between a and tmp.  One
 * pass over the keys counts all eight bytes; a byte position in which
 * every key agrees (the low mantissa bytes of whole numbers, the high
 * bytes of values of one magnitude) needs no pass.  Returns the array that
 * holds the sorted keys.
 */
static uint64_t *
radix_sort(uint64_t *a, uint64_t *tmp, size_t n)
{
	static size_t hist[8][256];
	uint64_t   *src = a,
			   *dst = tmp;

	if (n < 2)
		return a;
	memset(hist, 0, sizeof(hist));
	for (size_t i = 0; i < n; i++)
	{
		uint64_t	u = a[i];

		cv_interrupt_poll(i);
		hist[0][u & 255]++;
		hist[1][(u >> 8) & 255]++;
		hist[2][(u >> 16) & 255]++;
		hist[3][(u >> 24) & 255]++;
		hist[4][(u >> 32) & 255]++;
		hist[5][(u >> 40) & 255]++;
		hist[6][(u >> 48) & 255]++;
		hist[7][u >> 56]++;
	}
	for (int b = 0; b < 8; b++)
	{
		size_t	   *h = hist[b];
		size_t		sum = 0;
		uint64_t   *swap;

		if (h[(src[0] >> (8 * b)) & 255] == n)
			continue;
		for (int v = 0; v < 256; v++)
		{
			size_t		c = h[v];

			h[v] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
		{
			cv_interrupt_poll(i);
			dst[h[(src[i] >> (8 * b)) & 255]++] = src[i];
		}
		swap = src;
		src = dst;
		dst = swap;
	}
	return src;
}

/* ------------------------------------------------------------ merging */

/*
 * A sorted run of distinct values with counts, either in arrays or in
 * serialised bytes (little-endian f64 values, i64 counts).
 */
typedef struct run
{
	size_t		m;
	const double *v;
	const int64_t *c;
	const unsigned char *vb;
	const unsigned char *cb;
} run;

/* A dimension's entries as a run. */
static run
dim_run(const dimbuf *b)
{
	run			r = {b->nent, b->value, b->count, NULL, NULL};

	return r;
}

/* Value j of a run, `bytes` telling (as a constant) where it is held. */
static inline double
run_vk(const run *r, size_t j, int bytes)
{
	double		x;
	uint64_t	u;

	if (!bytes)
		return r->v[j];
	u = cv_load_le64(r->vb + 8 * j);
	memcpy(&x, &u, 8);
	return x;
}

/* Count j of a run, `bytes` telling (as a constant) where it is held. */
static inline int64_t
run_ck(const run *r, size_t j, int bytes)
{
	return bytes ? (int64_t) cv_load_le64(r->cb + 8 * j) : r->c[j];
}

/* Value and count j of a run held either way. */
static inline double
run_v(const run *r, size_t j)
{
	return run_vk(r, j, r->v == NULL);
}

static inline int64_t
run_c(const run *r, size_t j)
{
	return run_ck(r, j, r->c == NULL);
}

/*
 * Why a run cannot be a dimension of n rows, or NULL: values finite and
 * strictly ascending, counts at least 1 and summing to n.
 */
static const char *
check_run(const run *r, int64_t n)
{
	int64_t		total = 0;

	for (size_t j = 0; j < r->m; j++)
	{
		double		x = run_v(r, j);
		int64_t		c = run_c(r, j);

		cv_interrupt_poll(j);
		if (!isfinite(x))
			return "non-finite value";
		if (j > 0 && !(x > run_v(r, j - 1)))
			return "values not strictly ascending";
		if (c < 1)
			return "value with a count below 1";
		if (c > n - total)
			return "value counts exceed the row count";
		total += c;
	}
	if (total != n)
		return "value counts do not add up to the row count";
	return NULL;
}

/*
 * Values of the dimension (va, nent of them) that the run also holds.
 * `bytes` is a constant at each call, so each kind of run gets its own
 * loop, with the arrays in registers.
 */
static inline size_t
count_common(const double *va, size_t nent, const run *r, int bytes)
{
	size_t		i = 0,
				j = 0,
				dup = 0,
				m = r->m;

	while (i < nent && j < m)
	{
		double		a = va[i],
					x = run_vk(r, j, bytes);

		cv_interrupt_poll(i + j);
		if (a < x)
			i++;
		else if (a > x)
			j++;
		else
		{
			dup++;
			i++;
			j++;
		}
	}
	return dup;
}

/*
 * Merge the run backwards into the arrays, whose first `nent` entries are
 * the dimension's values and which hold `total` entries, adding the counts
 * of equal values.  Values left in place at the end are already where
 * they go.
 */
static inline void
merge_down(double *restrict val, int64_t *restrict cnt, size_t nent,
		   const run *r, size_t total, int bytes)
{
	size_t		ii = nent,
				jj = r->m,
				k = total;

	while (jj > 0)
	{
		double		x = run_vk(r, jj - 1, bytes);

		cv_interrupt_poll(k);
		k--;
		if (ii > 0 && val[ii - 1] > x)
		{
			val[k] = val[ii - 1];
			cnt[k] = cnt[ii - 1];
			ii--;
		}
		else
		{
			/* k may be ii - 1: read the equal value's count first */
			int64_t		c = run_ck(r, jj - 1, bytes);

			if (ii > 0 && val[ii - 1] == x)
				c += cnt[--ii];
			val[k] = x;
			cnt[k] = c;
			jj--;
		}
	}
}

/*
 * Merge a run into a dimension's distinct values, adding the counts of
 * equal values.  The entries grow once to their final size and the merge
 * runs backwards in place, so no second copy of them is made.  -1 past
 * the budget (nothing changed).
 */
static int
merge_run(cv_distr *d, dimbuf *b, const run *r)
{
	int			bytes = r->v == NULL;
	size_t		dup,
				total;

	if (r->m == 0)
		return 0;
	dup = bytes ? count_common(b->value, b->nent, r, 1) : count_common(b->value, b->nent, r, 0);
	if (dup == r->m)
	{
		/* every value is known already (the usual case): add the counts */
		for (size_t i = 0, j = 0; j < r->m; i++)
		{
			cv_interrupt_poll(i);
			if (b->value[i] == run_v(r, j))
				b->count[i] += run_c(r, j++);
		}
		return 0;
	}
	total = b->nent + r->m - dup;
	if (total > b->ecap)
	{
		size_t		extra = (total - b->ecap) * (sizeof(double) + sizeof(int64_t));

		if (!afford(d, extra))
			return -1;
		b->value = cv_realloc(b->value, total * sizeof(double));
		b->count = cv_realloc(b->count, total * sizeof(int64_t));
		b->ecap = total;
		d->bytes += extra;
	}
	if (bytes)
		merge_down(b->value, b->count, b->nent, r, total, 1);
	else
		merge_down(b->value, b->count, b->nent, r, total, 0);
	b->nent = total;
	return 0;
}

/*
 * Size the buffer of raw values of an empty buffer (and allocate the front
 * table on first use): doubling from
 * PEND_START up to PEND_SMALL_MAX, at least half the distinct values
 * beyond, and only as far as the budget allows room to sort it too.
 */
static int
resize_pending(cv_distr *d, dimbuf *b)
{
	size_t		want = b->pcap ? b->pcap * 2 : PEND_START;

	if (b->fkey == NULL)
	{
		/* the front table comes with the first buffer */
		if (!afford(d, FRONT_SLOTS * 16))
			return -1;
		b->fkey = cv_malloc(FRONT_SLOTS * sizeof(uint64_t));
		b->fcount = cv_calloc(FRONT_SLOTS, sizeof(int64_t));
		b->nfront = 0;
		d->bytes += FRONT_SLOTS * 16;
	}

	if (want > PEND_SMALL_MAX)
		want = PEND_SMALL_MAX;
	if (want < b->nent / 2)
		want = b->nent / 2;
	if (want <= b->pcap)
		return 0;
	/* room for the buffer and for sorting it */
	while (want > b->pcap && want > PEND_START &&
		   d->budget && d->bytes + (want - b->pcap) * 8 + want * 8 > d->budget)
		want /= 2;
	if (want <= b->pcap)
		return 0;
	if (!afford(d, (want - b->pcap) * sizeof(uint64_t)))
		return -1;
	if (b->pend)
		cv_free(b->pend);
	d->bytes -= b->pcap * sizeof(uint64_t);
	b->pend = cv_malloc(want * sizeof(uint64_t));
	b->pcap = want;
	d->bytes += want * sizeof(uint64_t);
	return 0;
}

/* Order of counted values by key, for sorting the front table. */
static int
front_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *) a,
				y = *(const uint64_t *) b;

	return (x > y) - (x < y);
}

/* The values counted in a front table, sorted. */
typedef struct front_values
{
	uint64_t	pairs[2 * FRONT_SLOTS];	/* key, count */
	double		vals[FRONT_SLOTS];
	int64_t		counts[FRONT_SLOTS];
} front_values;

/* The front table of b as a sorted run over f. */
static run
front_run(const dimbuf *b, front_values *f)
{
	size_t		k = 0;
	run			r;

	for (size_t i = 0; b->fkey && i < FRONT_SLOTS; i++)
		if (b->fcount[i] != 0)
		{
			f->pairs[2 * k] = b->fkey[i];
			f->pairs[2 * k + 1] = (uint64_t) b->fcount[i];
			k++;
		}
	qsort(f->pairs, k, 2 * sizeof(uint64_t), front_cmp);
	for (size_t i = 0; i < k; i++)
	{
		f->vals[i] = from_key(f->pairs[2 * i]);
		f->counts[i] = (int64_t) f->pairs[2 * i + 1];
	}
	r.m = k;
	r.v = f->vals;
	r.c = f->counts;
	r.vb = r.cb = NULL;
	return r;
}

/*
 * Sort the values counted in the front table into the distinct values and
 * empty the table, so that the values that repeat most claim its slots
 * again.
 */
static int
flush_front(cv_distr *d, dimbuf *b)
{
	if (b->nfront > 0)
	{
		static front_values f;
		run			r = front_run(b, &f);

		if (merge_run(d, b, &r) < 0)
			return -1;
		memset(b->fcount, 0, FRONT_SLOTS * sizeof(int64_t));
		b->nfront = 0;
	}
	return 0;
}

/*
 * Sort the raw values in, then the front table's.  The sort's second
 * array is the only other allocation; run-length encoding reuses both
 * arrays (distinct values in one, counts in the other).
 */
static int
flush_dim(cv_distr *d, dimbuf *b)
{
	if (b->npend > 0)
	{
		size_t		m = b->npend,
					k = 0;
		uint64_t   *tmp,
				   *sorted,
				   *other;
		double	   *vals;
		int64_t    *counts;
		run			r;
		int			rc;

		if (!afford(d, m * sizeof(uint64_t)))
			return -1;
		tmp = cv_malloc(m * sizeof(uint64_t));
		d->bytes += m * sizeof(uint64_t);
		sorted = radix_sort(b->pend, tmp, m);
		other = sorted == b->pend ? tmp : b->pend;
		vals = (double *) sorted;
		counts = (int64_t *) other;
		for (size_t i = 0; i < m;)
		{
			size_t		j = i + 1;
			uint64_t	key = sorted[i];

			while (j < m && sorted[j] == key)
				j++;
			vals[k] = from_key(key);
			counts[k] = (int64_t) (j - i);
			k++;
			i = j;
		}
		r.m = k;
		r.v = vals;
		r.c = counts;
		r.vb = r.cb = NULL;
		rc = merge_run(d, b, &r);
		/* keep the buffer the raw values came in; free the other */
		if (sorted == b->pend)
			cv_free(tmp);
		else
		{
			cv_free(b->pend);
			b->pend = tmp;
		}
		d->bytes -= m * sizeof(uint64_t);
		b->npend = 0;
		if (rc < 0)
			return -1;
	}
	return flush_front(d, b);
}

/*
 * Queue one value (as a key) for sorting.  Most columns repeat a few values
 * (days, counts, ratings, zero): a small direct-mapped table counts a
 * value whose slot is free or already holds it, which keeps repeated
 * values out of the sort; any other value goes to the buffer.
 */
static inline int
pend_key(cv_distr *d, dimbuf *b, uint64_t key)
{
	if (b->fkey)
	{
		size_t		slot = (size_t) ((key * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - FRONT_BITS));

		if (b->fcount[slot] != 0 && b->fkey[slot] == key)
		{
			b->fcount[slot]++;
			return 0;
		}
		if (b->fcount[slot] == 0)
		{
			b->fkey[slot] = key;
			b->fcount[slot] = 1;
			b->nfront++;
			return 0;
		}
	}
	if (b->npend == b->pcap && (flush_dim(d, b) < 0 || resize_pending(d, b) < 0))
		return -1;
	b->pend[b->npend++] = key;
	return 0;
}

int
cv_distr_add(cv_distr *d, const double *x, const unsigned char *isnull)
{
	for (int i = 0; i < d->ndims; i++)
	{
		dimbuf	   *b = &d->dims[i];

		if (b->n + b->nulls >= CV_DISTR_MAX_ROWS)
			return -1;
		if (isnull && isnull[i])
		{
			b->nulls++;
			continue;
		}
		if (pend_key(d, b, to_key(x[i])) < 0)
			return -1;
		b->n++;
	}
	return 0;
}

/* Room for `more` rows and nulls in a dimension of n rows and nulls. */
static int
rows_fit(const dimbuf *b, int64_t n, int64_t nulls)
{
	return n <= CV_DISTR_MAX_ROWS - b->n - b->nulls - nulls;
}

int
cv_distr_merge(cv_distr *dst, const cv_distr *src, char *err, size_t errlen)
{
	if (dst->ndims != src->ndims)
	{
		snprintf(err, errlen, "one state has %d dimensions, the other %d", dst->ndims, src->ndims);
		return CV_DISTR_MISMATCH;
	}
	for (int i = 0; i < dst->ndims; i++)
	{
		dimbuf	   *a = &dst->dims[i];
		const dimbuf *b = &src->dims[i];
		run			r = dim_run(b);
		static front_values f;
		run			fr;

		if (!rows_fit(a, b->n, b->nulls))
		{
			snprintf(err, errlen, "merged row count of dimension %d is out of range", i + 1);
			return CV_DISTR_OVER;
		}
		if (merge_run(dst, a, &r) < 0)
			goto over;
		fr = front_run(b, &f);
		if (merge_run(dst, a, &fr) < 0)
			goto over;
		for (size_t j = 0; j < b->npend; j++)
			if (pend_key(dst, a, b->pend[j]) < 0)
				goto over;
		a->n += b->n;
		a->nulls += b->nulls;
	}
	return 0;
over:
	snprintf(err, errlen, "the merged state would need %zu bytes, past its budget of %zu",
			 dst->over, dst->budget);
	return CV_DISTR_OVER;
}

/*
 * Sort every pending value in, then release the buffers of raw values: a
 * compacted state is usually about to be written or read, not added to
 * (adding allocates a buffer again).
 */
int
cv_distr_compact(cv_distr *d)
{
	for (int i = 0; i < d->ndims; i++)
	{
		dimbuf	   *b = &d->dims[i];

		if (flush_dim(d, b) < 0)
			return -1;
		if (b->pend)
			cv_free(b->pend);
		d->bytes -= b->pcap * sizeof(uint64_t);
		b->pend = NULL;
		b->pcap = 0;
		if (b->fkey)
		{
			cv_free(b->fkey);
			cv_free(b->fcount);
			d->bytes -= FRONT_SLOTS * 16;
			b->fkey = NULL;
			b->fcount = NULL;
		}
	}
	return 0;
}

cv_distr_dim
cv_distr_dim_get(const cv_distr *d, int i)
{
	const dimbuf *b = &d->dims[i];
	cv_distr_dim v;

	v.n = b->n;
	v.nulls = b->nulls;
	v.nentries = b->nent;
	v.value = b->value;
	v.count = b->count;
	return v;
}

/* ------------------------------------------------------ serialisation */

size_t
cv_distr_flat_size(const cv_distr *d)
{
	size_t		bytes = 1 + 4;

	for (int i = 0; i < d->ndims; i++)
		bytes += DIM_HEADER_BYTES + d->dims[i].nent * 16;
	return bytes;
}

void
cv_distr_write(const cv_distr *d, cv_wbuf *w)
{
	cvb_u8(w, DISTR_FORMAT);
	cvb_u32(w, (uint32_t) d->ndims);
	for (int i = 0; i < d->ndims; i++)
	{
		const dimbuf *b = &d->dims[i];

		cvb_i64(w, b->n);
		cvb_i64(w, b->nulls);
		cvb_i64(w, (int64_t) b->nent);
		cvb_f64s(w, b->value, b->nent);
		cvb_i64s(w, b->count, b->nent);
	}
}

/*
 * Read the header of a serialised distribution: format and dimension
 * count, which must match `ndims` when that is positive.  -1 with a
 * message when the header is invalid or claims more dimensions than the
 * remaining bytes can hold.
 */
static int
read_header(cv_rbuf *r, int *ndims, char *err, size_t errlen)
{
	int			format = cvr_u8(r);
	int64_t		nd = cvr_u32(r);

	if (r->err)
		return (snprintf(err, errlen, "truncated distribution header"), -1);
	if (format != DISTR_FORMAT)
		return (snprintf(err, errlen, "unsupported distribution format %d", format), -1);
	if (nd < 1 || nd > CV_DISTR_MAX_DIMS)
		return (snprintf(err, errlen, "dimension count %lld is not between 1 and %d",
						 (long long) nd, CV_DISTR_MAX_DIMS), -1);
	if ((size_t) nd > (r->len - r->pos) / DIM_HEADER_BYTES)
		return (snprintf(err, errlen, "header claims %lld dimensions, more than the data holds",
						 (long long) nd), -1);
	if (*ndims > 0 && nd != *ndims)
		return (snprintf(err, errlen, "one state has %d dimensions, the other %lld",
						 *ndims, (long long) nd), CV_DISTR_MISMATCH);
	*ndims = (int) nd;
	return 0;
}

/*
 * Read the head of dimension i of a serialised distribution: its row and
 * NULL counts and its number of distinct values, checked against the rules
 * and against the bytes left.  -1 with a message.
 */
static int
read_dim_head(cv_rbuf *r, int i, size_t *m, int64_t *n, int64_t *nulls, char *err, size_t errlen)
{
	int64_t		nent;

	*n = cvr_i64(r);
	*nulls = cvr_i64(r);
	nent = cvr_i64(r);
	if (r->err)
		return (snprintf(err, errlen, "truncated dimension %d", i + 1), -1);
	if (*n < 0 || *nulls < 0 || *n > CV_DISTR_MAX_ROWS || *nulls > CV_DISTR_MAX_ROWS - *n)
		return (snprintf(err, errlen, "dimension %d has row counts out of range (%lld values, %lld NULLs)",
						 i + 1, (long long) *n, (long long) *nulls), -1);
	if (nent < 0 || nent > *n)
		return (snprintf(err, errlen, "dimension %d claims %lld distinct values for %lld rows",
						 i + 1, (long long) nent, (long long) *n), -1);
	if ((uint64_t) nent > (r->len - r->pos) / 16)
		return (snprintf(err, errlen, "dimension %d claims %lld distinct values, more than the data holds",
						 i + 1, (long long) nent), -1);
	*m = (size_t) nent;
	return 0;
}

/* -1 with a message unless run r of dimension i can hold n rows. */
static int
check_dim(const run *r, int i, int64_t n, char *err, size_t errlen)
{
	const char *bad = check_run(r, n);

	if (bad != NULL)
		return (snprintf(err, errlen, "invalid dimension %d: %s", i + 1, bad), -1);
	return 0;
}

/*
 * Read m entries into dimension b, which holds no values, as its arrays:
 * one bulk copy each, no intermediate buffer.  The entries are checked by
 * the caller.  -1 past the budget (nothing read).
 */
static int
read_entries(cv_distr *d, dimbuf *b, cv_rbuf *r, size_t m)
{
	size_t		alloc = m ? m : 1;

	if (!afford(d, m * 16))
		return -1;
	if (b->value)
		cv_free(b->value);
	if (b->count)
		cv_free(b->count);
	d->bytes -= b->ecap * 16;
	b->value = cv_malloc(alloc * sizeof(double));
	b->count = cv_malloc(alloc * sizeof(int64_t));
	cvr_f64s(r, b->value, m);
	cvr_i64s(r, b->count, m);
	b->nent = b->ecap = m;
	d->bytes += m * 16;
	return 0;
}

int
cv_distr_merge_bytes(cv_distr *dst, cv_rbuf *r, char *err, size_t errlen)
{
	int			ndims = dst->ndims;
	int			rc = read_header(r, &ndims, err, errlen);

	if (rc < 0)
		return rc;
	for (int i = 0; i < ndims; i++)
	{
		dimbuf	   *a = &dst->dims[i];
		run			src;
		size_t		m;
		int64_t		n,
					nulls;

		if (read_dim_head(r, i, &m, &n, &nulls, err, errlen) < 0)
			return -1;
		if (!rows_fit(a, n, nulls))
			return (snprintf(err, errlen, "merged row count of dimension %d is out of range", i + 1), CV_DISTR_OVER);
		if (a->nent == 0 && a->npend == 0 && a->nfront == 0)
		{
			/* nothing to merge with (the first state a leader combines) */
			if (read_entries(dst, a, r, m) < 0)
				goto over;
			src = dim_run(a);
			if (check_dim(&src, i, n, err, errlen) < 0)
				return -1;
		}
		else
		{
			src.m = m;
			src.v = NULL;
			src.c = NULL;
			src.vb = cvr_bytes(r, m * 8);
			src.cb = cvr_bytes(r, m * 8);
			if (check_dim(&src, i, n, err, errlen) < 0)
				return -1;
			if (merge_run(dst, a, &src) < 0)
				goto over;
		}
		a->n += n;
		a->nulls += nulls;
	}
	return 0;
over:
	return (snprintf(err, errlen, "the merged state would need %zu bytes, past its budget of %zu",
					 dst->over, dst->budget), CV_DISTR_OVER);
}

cv_distr *
cv_distr_read(cv_rbuf *r, char *err, size_t errlen)
{
	int			ndims = 0;
	cv_distr   *d;

	if (read_header(r, &ndims, err, errlen) < 0)
		return NULL;
	d = cv_distr_new(ndims);
	for (int i = 0; i < ndims; i++)
	{
		dimbuf	   *b = &d->dims[i];
		run			src;
		size_t		m;

		if (read_dim_head(r, i, &m, &b->n, &b->nulls, err, errlen) < 0)
			goto fail;
		/* straight into the final arrays, checked there */
		(void) read_entries(d, b, r, m);
		src = dim_run(b);
		if (check_dim(&src, i, b->n, err, errlen) < 0)
			goto fail;
	}
	return d;
fail:
	cv_distr_free(d);
	return NULL;
}

void
cv_distr_free(cv_distr *d)
{
	if (d == NULL)
		return;
	for (int i = 0; i < d->ndims; i++)
	{
		dimbuf	   *b = &d->dims[i];

		if (b->value)
			cv_free(b->value);
		if (b->count)
			cv_free(b->count);
		if (b->pend)
			cv_free(b->pend);
		if (b->fkey)
		{
			cv_free(b->fkey);
			cv_free(b->fcount);
		}
	}
	cv_free(d->dims);
	cv_free(d);
}
