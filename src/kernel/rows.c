/*
 * rows.c
 *	  Row buffer with a deterministic bottom-k sample; see rows.h.
 *
 * Byte layout (little-endian, after the fitstate header):
 *	  u8 format (2), i32 nnum, i32 ncat, u8 has_y, i64 max_rows, i64 seed,
 *	  i64 seen, i64 skipped, i64 n,
 *	  per categorical position: u32 nlevels, nlevels strings (u32 len, bytes),
 *	  n u64 row hashes, then n rows of nnum f64 [+ f64 y], then n rows of
 *	  ncat u32 codes.
 * The three arrays are the buffer's own arrays, so on a little-endian host
 * writing and reading a state is three memcpy calls, and a parallel
 * leader merges a worker's rows without hashing them again.  The reader
 * trusts the stored hashes (a wrong one can only change which rows a
 * sample keeps, and their order) and validates everything else: counts
 * against the bytes present, finite values, codes within their levels.
 */
#include "rows.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvalloc.h"
#include "cvsort.h"

#define ROWS_FORMAT 2

/* One categorical position's dictionary: code -> string, string -> code. */
typedef struct catdict
{
	int			n;				/* levels */
	int			cap;
	char	  **str;			/* cv_malloc'd copies, NUL-terminated */
	size_t	   *len;
	uint64_t   *strhash;
	size_t		hcap;			/* open addressing, power of two */
	int32_t    *slot;			/* code + 1, 0 when empty */
	size_t		bytes;			/* memory of the dictionary, kept up to date */
} catdict;

struct cv_rows
{
	int			nnum;
	int			ncat;
	int			has_y;
	int64_t		max_rows;
	uint64_t	seed;
	int64_t		seen;
	int64_t		skipped;
	size_t		n;
	size_t		cap;
	double	   *num;			/* n * (nnum + has_y): x then y */
	int32_t    *cat;			/* n * ncat codes */
	uint64_t   *hash;			/* n row hashes */
	catdict    *dict;			/* ncat dictionaries */
	int			have_cut;		/* a prune happened: rows above cut are out */
	uint64_t	cut;			/* largest hash kept by the last prune */
	size_t		budget;			/* bytes the row arrays may grow to, 0: any */
	size_t		work_row;		/* working memory of the fit on a kept row: */
	size_t		work_col;		/* per row, and per design column of it */
};

static int
row_width(const cv_rows *r)
{
	return (r->nnum > 0 ? r->nnum : 0) + r->has_y;
}

static int
ncat_of(const cv_rows *r)
{
	return r->ncat > 0 ? r->ncat : 0;
}

/* A row's hash and index, the unit the canonical sort moves. */
typedef struct hash_idx
{
	uint64_t	h;
	size_t		i;
} hash_idx;

/*
 * Bytes a row costs: its values, codes and hash, and the (hash, index)
 * pair that sorting the buffer (a prune, the canonical order) allocates
 * for it.  The budget and the state's size count all of it, so a sort
 * never takes a state past its bound.
 */
static size_t
row_bytes(const cv_rows *r)
{
	return sizeof(double) * row_width(r) + sizeof(int32_t) * ncat_of(r) +
		sizeof(uint64_t) + sizeof(hash_idx);
}

/*
 * Working memory the fit on the rows needs for a kept row (cv_rows_set_work):
 * per row, and per design column (a feature, or a level of a category).
 */
static size_t
work_bytes(const cv_rows *r)
{
	size_t		cols = r->nnum > 0 ? (size_t) r->nnum : 0;

	if (r->work_row == 0 && r->work_col == 0)
		return 0;
	for (int p = 0; p < ncat_of(r); p++)
		cols += (size_t) r->dict[p].n;
	return r->work_row + r->work_col * cols;
}

/* Rows the fit keeps of a buffer of n rows: at most max_rows. */
static size_t
kept_rows(const cv_rows *r, size_t n)
{
	return r->max_rows > 0 && n > (size_t) r->max_rows ? (size_t) r->max_rows : n;
}

/* Bytes of the buffer that do not depend on its row capacity. */
static size_t
fixed_bytes(const cv_rows *r)
{
	size_t		bytes = sizeof(cv_rows);

	for (int p = 0; p < ncat_of(r); p++)
		bytes += r->dict[p].bytes;
	return bytes;
}

/*
 * Rows the budget holds (at least 1), 0 when there is no budget: n rows
 * take n * row_bytes, and the fit's working memory for the rows it keeps.
 */
static size_t
budget_rows(const cv_rows *r)
{
	size_t		fixed,
				work,
				n;

	if (r->budget == 0)
		return 0;
	fixed = fixed_bytes(r);
	work = work_bytes(r);
	if (r->budget <= fixed + row_bytes(r) + work)
		return 1;
	n = (r->budget - fixed) / (row_bytes(r) + work);
	/* past max_rows a row adds no working memory */
	if (r->max_rows > 0 && n >= (size_t) r->max_rows)
		n = (r->budget - fixed - (size_t) r->max_rows * work) / row_bytes(r);
	return n;
}

cv_rows *
cv_rows_new(int nnum, int ncat, int has_y, int64_t max_rows, uint64_t seed)
{
	cv_rows    *r = cv_calloc(1, sizeof(cv_rows));

	r->nnum = nnum;
	r->ncat = ncat;
	r->has_y = has_y ? 1 : 0;
	r->max_rows = max_rows;
	r->seed = seed;
	if (ncat > 0)
		r->dict = cv_calloc(ncat, sizeof(catdict));
	return r;
}

void
cv_rows_free(cv_rows *r)
{
	if (r == NULL)
		return;
	for (int p = 0; p < ncat_of(r); p++)
	{
		catdict    *d = &r->dict[p];

		for (int i = 0; i < d->n; i++)
			cv_free(d->str[i]);
		if (d->str)
		{
			cv_free(d->str);
			cv_free(d->len);
			cv_free(d->strhash);
		}
		if (d->slot)
			cv_free(d->slot);
	}
	if (r->dict)
		cv_free(r->dict);
	if (r->num)
		cv_free(r->num);
	if (r->cat)
		cv_free(r->cat);
	if (r->hash)
		cv_free(r->hash);
	cv_free(r);
}

int
cv_rows_nnum(const cv_rows *r)
{
	return r->nnum;
}

int
cv_rows_ncat(const cv_rows *r)
{
	return r->ncat;
}

int
cv_rows_has_y(const cv_rows *r)
{
	return r->has_y;
}

int64_t
cv_rows_max_rows(const cv_rows *r)
{
	return r->max_rows;
}

uint64_t
cv_rows_seed(const cv_rows *r)
{
	return r->seed;
}

static void resize_rows(cv_rows *r, size_t cap);

/*
 * A budget that shrank (a parallel leader holding more partial states)
 * below the room the buffer has reserved gives that room back, down to
 * the rows it holds.
 */
void
cv_rows_set_work(cv_rows *r, size_t per_row, size_t per_col)
{
	r->work_row = per_row;
	r->work_col = per_col;
}

void
cv_rows_set_budget(cv_rows *r, size_t bytes)
{
	size_t		most;

	r->budget = bytes;
	most = budget_rows(r);
	if (most > 0 && r->cap > most && r->cap > r->n)
		resize_rows(r, r->n > most ? r->n : most);
}

int64_t
cv_rows_seen(const cv_rows *r)
{
	return r->seen;
}

int64_t
cv_rows_skipped(const cv_rows *r)
{
	return r->skipped;
}

size_t
cv_rows_count(const cv_rows *r)
{
	return r->n;
}

size_t
cv_rows_bytes(const cv_rows *r)
{
	return fixed_bytes(r) + r->cap * row_bytes(r) + kept_rows(r, r->cap) * work_bytes(r);
}

int
cv_rows_shape(cv_rows *r, int nnum, int ncat)
{
	if ((r->nnum >= 0 && r->nnum != nnum) || (r->ncat >= 0 && r->ncat != ncat))
		return -1;
	if (r->ncat < 0 && ncat > 0)
		r->dict = cv_calloc(ncat, sizeof(catdict));
	r->nnum = nnum;
	r->ncat = ncat;
	return 0;
}

static void free_remap(int32_t **remap, int nc);

/* ---------------------------------------------------------- dictionaries */

static uint64_t
str_hash(const char *s, size_t len)
{
	return cv_hash64(s, len, UINT64_C(0x9E3779B97F4A7C15));
}

/* Rebuild a dictionary's hash index at twice its level count (or more). */
static void
dict_rehash(catdict *d)
{
	size_t		cap = 16;

	while (cap < (size_t) d->n * 2 + 2)
		cap *= 2;
	if (d->slot)
		cv_free(d->slot);
	d->slot = cv_calloc(cap, sizeof(int32_t));
	d->bytes += (cap - d->hcap) * sizeof(int32_t);
	d->hcap = cap;
	for (int i = 0; i < d->n; i++)
	{
		size_t		h = d->strhash[i] & (cap - 1);

		while (d->slot[h])
			h = (h + 1) & (cap - 1);
		d->slot[h] = i + 1;
	}
}

/* The code of a string in a dictionary, added when new. */
static int32_t
dict_code(catdict *d, const char *s, size_t len)
{
	uint64_t	hv = str_hash(s, len);
	size_t		h;

	if (d->hcap == 0 || (size_t) (d->n + 1) * 2 > d->hcap)
		dict_rehash(d);
	for (h = hv & (d->hcap - 1); d->slot[h]; h = (h + 1) & (d->hcap - 1))
	{
		int32_t		c = d->slot[h] - 1;

		if (d->strhash[c] == hv && d->len[c] == len && memcmp(d->str[c], s, len) == 0)
			return c;
	}
	if (d->n == d->cap)
	{
		d->bytes += (d->cap ? d->cap : 8) * (sizeof(char *) + sizeof(size_t) + sizeof(uint64_t));
		d->cap = d->cap ? d->cap * 2 : 8;
		d->str = cv_realloc(d->str, d->cap * sizeof(char *));
		d->len = cv_realloc(d->len, d->cap * sizeof(size_t));
		d->strhash = cv_realloc(d->strhash, d->cap * sizeof(uint64_t));
	}
	d->bytes += len + 1;
	d->str[d->n] = cv_malloc(len + 1);
	memcpy(d->str[d->n], s, len);
	d->str[d->n][len] = '\0';
	d->len[d->n] = len;
	d->strhash[d->n] = hv;
	d->slot[h] = d->n + 1;
	return d->n++;
}

/* ------------------------------------------------------------------ rows */

/*
 * The hash of a row's content under the buffer's seed: the features' bits
 * little-endian (-0.0 as 0.0), the target, then each category string,
 * hashed 32 values at a time.  It depends only on the content, so every
 * partial state agrees on it.  On a little-endian host the values' memory
 * is those bytes once -0.0 is replaced, as cv_rows_add does before it
 * calls this (v has no -0.0), so they are hashed where they are.
 */
static uint64_t
row_hash(const cv_rows *r, const double *v, const char *const *cat, const size_t *catlen)
{
	unsigned char buf[256];
	uint64_t	h = r->seed;
	int			w = row_width(r);
	int			i = 0;

	while (i < w)
	{
		int			chunk = w - i < 32 ? w - i : 32;

		if (CV_HOST_LE)
			h = cv_hash64(v + i, (size_t) chunk * 8, h);
		else
		{
			for (int j = 0; j < chunk; j++)
			{
				uint64_t	bits;

				memcpy(&bits, &v[i + j], 8);
				for (int b = 0; b < 8; b++)
					buf[j * 8 + b] = (unsigned char) (bits >> (8 * b));
			}
			h = cv_hash64(buf, (size_t) chunk * 8, h);
		}
		i += chunk;
	}
	for (int p = 0; p < ncat_of(r); p++)
		h = cv_hash64(cat[p], catlen[p], h ^ (uint64_t) (p + 1));
	return h;
}

static void
reserve_rows(cv_rows *r, size_t need)
{
	size_t		cap = r->cap ? r->cap : 256;
	size_t		most;

	if (need <= r->cap)
		return;
	while (cap < need)
		cap *= 2;

	/*
	 * Doubling past the budget would allocate up to twice the cap before
	 * the caller's size check fails: grow only to what is needed there.
	 */
	most = budget_rows(r);
	if (most > 0 && cap > need && cap > most)
		cap = need > most ? need : most;
	resize_rows(r, cap);
}

/* Make the row arrays hold exactly cap rows (cap >= n). */
static void
resize_rows(cv_rows *r, size_t cap)
{
	r->num = cv_realloc(r->num, cap * sizeof(double) * (row_width(r) ? row_width(r) : 1));
	r->cat = cv_realloc(r->cat, cap * sizeof(int32_t) * (ncat_of(r) ? ncat_of(r) : 1));
	r->hash = cv_realloc(r->hash, cap * sizeof(uint64_t));
	r->cap = cap;
}

/* Compare rows a and b of one buffer by content: x, y, then strings. */
static int
content_cmp(const cv_rows *r, size_t a, size_t b)
{
	int			w = row_width(r);
	const double *va = r->num + a * w,
			   *vb = r->num + b * w;

	for (int i = 0; i < w; i++)
		if (va[i] != vb[i])
			return va[i] < vb[i] ? -1 : 1;
	for (int p = 0; p < ncat_of(r); p++)
	{
		const catdict *d = &r->dict[p];
		int32_t		ca = r->cat[a * r->ncat + p],
					cb = r->cat[b * r->ncat + p];
		size_t		la,
					lb;
		int			c;

		if (ca == cb)
			continue;
		la = d->len[ca];
		lb = d->len[cb];
		c = memcmp(d->str[ca], d->str[cb], la < lb ? la : lb);
		if (c != 0)
			return c;
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	return 0;
}

/* qsort has no context argument: the buffer being sorted. */
static const cv_rows *sort_rows;

/* Rows with equal hashes (duplicates, or a rare collision): by content. */
static int
content_order_cmp(const void *pa, const void *pb)
{
	const hash_idx *a = pa,
			   *b = pb;

	return content_cmp(sort_rows, a->i, b->i);
}

/* Order of two (hash, index) pairs by hash. */
static int
hash_order_cmp(const void *pa, const void *pb)
{
	uint64_t	a = ((const hash_idx *) pa)->h,
				b = ((const hash_idx *) pb)->h;

	return a < b ? -1 : (a > b);
}

/* Buckets of the canonical sort: the top HASH_BUCKET_BITS of a hash. */
#define HASH_BUCKET_BITS 16
#define HASH_BUCKETS (1 << HASH_BUCKET_BITS)
/* A bucket up to this size is sorted by insertion. */
#define HASH_BUCKET_SMALL 32

/*
 * The rows' (hash, index) pairs in hash order, into idx[n].  Row hashes are
 * uniform, so one counting pass on their top 16 bits spreads a million
 * rows over 65536 buckets of about 15 pairs, which an insertion sort
 * finishes in cache: two passes over the hashes instead of the four
 * scatters of an LSD radix sort.  A larger bucket (many equal hashes, or
 * hashes crafted in a state value) is sorted with cv_sort, so no input is
 * quadratic.
 */
static void
sort_hashes(const uint64_t *hash, size_t n, hash_idx *idx)
{
	size_t	   *start = cv_calloc(HASH_BUCKETS + 1, sizeof(size_t));

	for (size_t i = 0; i < n; i++)
	{
		cv_interrupt_poll(i + 1);
		start[(hash[i] >> (64 - HASH_BUCKET_BITS)) + 1]++;
	}
	for (size_t b = 0; b < HASH_BUCKETS; b++)
		start[b + 1] += start[b];
	for (size_t i = 0; i < n; i++)
	{
		size_t		b = hash[i] >> (64 - HASH_BUCKET_BITS);

		cv_interrupt_poll(i + 1);
		idx[start[b]].h = hash[i];
		idx[start[b]++].i = i;
	}
	/* start[b] is now the end of bucket b, the start of bucket b + 1 */
	for (size_t b = 0, lo = 0; b < HASH_BUCKETS; lo = start[b++])
	{
		size_t		m = start[b] - lo;
		hash_idx   *a = idx + lo;

		cv_interrupt_poll(b + 1);
		if (m > HASH_BUCKET_SMALL)
		{
			cv_sort(a, m, sizeof(hash_idx), hash_order_cmp);
			continue;
		}
		for (size_t i = 1; i < m; i++)
		{
			hash_idx	t = a[i];
			size_t		j = i;

			for (; j > 0 && a[j - 1].h > t.h; j--)
				a[j] = a[j - 1];
			a[j] = t;
		}
	}
	cv_free(start);
}

/*
 * Reorder the rows in place so that row j becomes the old row idx[j].i:
 * the hashes are the sorted ones, and the row numbers are packed into the
 * front of idx (each entry is read before its bytes are reused), so
 * sorting a buffer costs only its index.
 */
static void
permute_rows(cv_rows *r, hash_idx *idx)
{
	size_t	   *from = (size_t *) idx;

	for (size_t j = 0; j < r->n; j++)
	{
		hash_idx	e = idx[j];

		cv_interrupt_poll(j + 1);
		r->hash[j] = e.h;
		memcpy(from + j, &e.i, sizeof(size_t));
	}
	cv_permute(r->num, r->n, sizeof(double) * row_width(r), from);
	cv_permute(r->cat, r->n, sizeof(int32_t) * ncat_of(r), from);
}

/*
 * Reorder the rows to (hash, content) order and keep the first `keep`.
 * Row contents move; codes keep their dictionary.
 */
static void
sort_and_keep(cv_rows *r, size_t keep)
{
	hash_idx   *idx = cv_malloc((r->n ? r->n : 1) * sizeof(hash_idx));

	sort_hashes(r->hash, r->n, idx);
	sort_rows = r;
	for (size_t lo = 0, hi; lo < r->n; lo = hi)
	{
		for (hi = lo + 1; hi < r->n && idx[hi].h == idx[lo].h; hi++)
			cv_interrupt_poll(hi);
		if (hi - lo > 1)
			cv_sort(idx + lo, hi - lo, sizeof(hash_idx), content_order_cmp);
	}
	sort_rows = NULL;
	permute_rows(r, idx);
	cv_free(idx);
	if (keep < r->n)
		r->n = keep;
}

/* Keep the max_rows smallest rows; later rows above the cut are refused. */
static void
prune(cv_rows *r)
{
	if (r->max_rows <= 0 || r->n <= (size_t) r->max_rows)
		return;
	sort_and_keep(r, (size_t) r->max_rows);
	r->have_cut = 1;
	r->cut = r->hash[r->n - 1];
}

/*
 * 1 when run more rows would pass the budget and the buffer is an eighth
 * or more past max_rows, so that it samples down instead of growing.
 * Closer to max_rows, pruning would sort the buffer for every few rows: it
 * grows, and the caller's size check decides.
 */
static int
prune_at_budget(const cv_rows *r, size_t run)
{
	size_t		most;

	if (r->max_rows <= 0 || r->n < (size_t) r->max_rows + (size_t) r->max_rows / 8 + 1)
		return 0;
	most = budget_rows(r);
	return most > 0 && r->n + run > most;
}

/*
 * Append cnt rows whose hashes h[], values v[] (row by row) and codes c[]
 * (row by row, in this buffer's dictionaries) are known.  Rows above the
 * cut of an earlier prune are refused; the others go in runs, one memcpy
 * per array, each run ending where the buffer reaches twice max_rows and
 * is pruned, so the buffer never holds more.  A buffer that reaches its
 * budget first is pruned there (any prune keeps every row of the final
 * sample), so a sampled fit stays within its memory bound.
 */
static void
append_rows(cv_rows *r, const uint64_t *h, const double *v, const int32_t *c, size_t cnt)
{
	int			w = row_width(r),
				nc = ncat_of(r);
	size_t		i = 0;

	while (i < cnt)
	{
		size_t		run = 0,
					room = cnt - i;

		if (r->max_rows > 0 && r->n >= 2 * (size_t) r->max_rows)
			prune(r);
		if (r->max_rows > 0 && room > 2 * (size_t) r->max_rows - r->n)
			room = 2 * (size_t) r->max_rows - r->n;
		if (r->have_cut)
		{
			for (; i < cnt && h[i] > r->cut; i++)
				cv_interrupt_poll(i + 1);
			while (run < room && i + run < cnt && h[i + run] <= r->cut)
				run++;
		}
		else
			run = room;
		if (run == 0)
			continue;
		if (prune_at_budget(r, run))
		{
			prune(r);
			continue;
		}
		reserve_rows(r, r->n + run);
		memcpy(r->hash + r->n, h + i, sizeof(uint64_t) * run);
		memcpy(r->num + r->n * w, v + i * w, sizeof(double) * w * run);
		memcpy(r->cat + r->n * nc, c + i * nc, sizeof(int32_t) * nc * run);
		r->n += run;
		i += run;
	}
	if (r->max_rows > 0 && r->n >= 2 * (size_t) r->max_rows)
		prune(r);
}

void
cv_rows_add(cv_rows *r, const double *x, const char *const *cat,
			const size_t *catlen, double y)
{
	double		vbuf[64];
	int32_t		cbuf[64];
	int			w = row_width(r),
				nc = ncat_of(r);
	double	   *v = w <= 64 ? vbuf : cv_malloc(sizeof(double) * w);
	int32_t    *codes = nc <= 64 ? cbuf : cv_malloc(sizeof(int32_t) * nc);
	uint64_t	h;

	for (int i = 0; i < r->nnum; i++)
		v[i] = x[i] == 0.0 ? 0.0 : x[i];
	if (r->has_y)
		v[w - 1] = y == 0.0 ? 0.0 : y;
	r->seen++;
	h = row_hash(r, v, cat, catlen);
	if (!(r->have_cut && h > r->cut))
	{
		for (int p = 0; p < nc; p++)
			codes[p] = dict_code(&r->dict[p], cat[p], catlen[p]);
		append_rows(r, &h, v, codes, 1);
	}
	if (v != vbuf)
		cv_free(v);
	if (codes != cbuf)
		cv_free(codes);
}

void
cv_rows_compact(cv_rows *r)
{
	prune(r);
}

void
cv_rows_skip(cv_rows *r, int64_t n)
{
	r->skipped += n;
}

/*
 * Check that src can merge into dst (same target, max_rows and seed, the
 * same shape once both are fixed), then add src's counters to dst's and
 * fix dst's shape.  -1 with a message when they cannot merge.
 */
static int
merge_header(cv_rows *dst, const cv_rows *src, char *err, size_t errlen)
{
	if (dst->has_y != src->has_y || dst->max_rows != src->max_rows || dst->seed != src->seed)
	{
		snprintf(err, errlen, "row states with different targets, max_rows or seed cannot be merged");
		return -1;
	}
	if (src->nnum >= 0 && cv_rows_shape(dst, src->nnum, src->ncat) < 0)
	{
		snprintf(err, errlen, "rows of %d numeric and %d categorical features cannot be merged with rows of %d and %d",
				 src->nnum, src->ncat, dst->nnum, dst->ncat);
		return -1;
	}
	if (src->seen > CV_ROWS_MAX_SEEN - dst->seen || src->skipped > CV_ROWS_MAX_SEEN - dst->skipped)
	{
		snprintf(err, errlen, "merged row counts are out of range");
		return -1;
	}
	dst->seen += src->seen;
	dst->skipped += src->skipped;
	return 0;
}

/*
 * dst's code of each of src's levels, position by position (dst's shape is
 * fixed).  A src whose shape is not fixed yet (it saw only incomplete
 * rows) has no dictionaries and no rows.  NULL when every code maps to
 * itself (no categorical features, or the same levels in the same order),
 * so that rows copy as they are.
 */
static int32_t **
dict_remap(cv_rows *dst, const cv_rows *src)
{
	int			nc = ncat_of(dst);
	int32_t   **remap = cv_malloc(sizeof(int32_t *) * (nc ? nc : 1));
	int			same = 1;

	for (int p = 0; p < nc; p++)
	{
		const catdict *sd = p < ncat_of(src) ? &src->dict[p] : NULL;
		int			nlev = sd ? sd->n : 0;

		remap[p] = cv_malloc(sizeof(int32_t) * (nlev ? nlev : 1));
		for (int c = 0; c < nlev; c++)
		{
			remap[p][c] = dict_code(&dst->dict[p], sd->str[c], sd->len[c]);
			same &= remap[p][c] == c;
		}
	}
	if (same)
	{
		free_remap(remap, nc);
		return NULL;
	}
	return remap;
}

static void
free_remap(int32_t **remap, int nc)
{
	if (remap == NULL)
		return;
	for (int p = 0; p < nc; p++)
		cv_free(remap[p]);
	cv_free(remap);
}

/* Rows a chunk of a merge or read holds: about 512 kB of values. */
static size_t
chunk_rows(const cv_rows *r)
{
	size_t		per = (size_t) row_width(r) + ncat_of(r) + 1;

	return per >= 65536 ? 1 : 65536 / per;
}

/*
 * Append cnt rows of src (hashes h, values v, codes c) to dst, codes
 * mapped through remap (NULL: as they are), a chunk at a time.
 */
static void
append_mapped(cv_rows *dst, const uint64_t *h, const double *v, const int32_t *c,
			  size_t cnt, int32_t **remap)
{
	int			w = row_width(dst),
				nc = ncat_of(dst);
	size_t		chunk = chunk_rows(dst);
	int32_t    *codes;

	if (remap == NULL)
	{
		append_rows(dst, h, v, c, cnt);
		return;
	}
	codes = cv_malloc(sizeof(int32_t) * nc * chunk);
	for (size_t lo = 0; lo < cnt; lo += chunk)
	{
		size_t		m = cnt - lo < chunk ? cnt - lo : chunk;

		cv_interrupt_poll(0);
		for (size_t i = 0; i < m; i++)
			for (int p = 0; p < nc; p++)
				codes[i * nc + p] = remap[p][c[(lo + i) * nc + p]];
		append_rows(dst, h + lo, v + lo * w, codes, m);
	}
	cv_free(codes);
}

int
cv_rows_merge(cv_rows *dst, const cv_rows *src, char *err, size_t errlen)
{
	int32_t   **remap;

	if (merge_header(dst, src, err, errlen) < 0)
		return -1;
	remap = dict_remap(dst, src);
	append_mapped(dst, src->hash, src->num, src->cat, src->n, remap);
	free_remap(remap, ncat_of(dst));

	/*
	 * Rows src refused lie above its cut, with max_rows smaller rows in src:
	 * none of them can be in the merged sample, which pruning now enforces.
	 */
	prune(dst);
	return 0;
}

cv_rows *
cv_rows_copy(const cv_rows *r)
{
	cv_rows    *c = cv_rows_new(r->nnum, r->ncat, r->has_y, r->max_rows, r->seed);
	char		err[8];

	reserve_rows(c, r->n);
	(void) cv_rows_merge(c, r, err, sizeof(err));	/* same header: merges */
	return c;
}

/* Recode position p so that codes follow the byte order of the strings. */
static const catdict *recode_dict;

static int
level_cmp(const void *pa, const void *pb)
{
	int32_t		a = *(const int32_t *) pa,
				b = *(const int32_t *) pb;
	size_t		la = recode_dict->len[a],
				lb = recode_dict->len[b];
	int			c = memcmp(recode_dict->str[a], recode_dict->str[b], la < lb ? la : lb);

	if (c != 0)
		return c;
	return la < lb ? -1 : (la > lb);
}

static void
recode_sorted(cv_rows *r, int p)
{
	catdict    *d = &r->dict[p];
	int32_t    *order = cv_malloc(sizeof(int32_t) * (d->n ? d->n : 1));
	int32_t    *newcode = cv_malloc(sizeof(int32_t) * (d->n ? d->n : 1));
	char	  **str = cv_malloc(sizeof(char *) * (d->cap ? d->cap : 1));
	size_t	   *len = cv_malloc(sizeof(size_t) * (d->cap ? d->cap : 1));
	uint64_t   *sh = cv_malloc(sizeof(uint64_t) * (d->cap ? d->cap : 1));

	for (int i = 0; i < d->n; i++)
		order[i] = i;
	recode_dict = d;
	qsort(order, d->n, sizeof(int32_t), level_cmp);
	recode_dict = NULL;
	for (int i = 0; i < d->n; i++)
	{
		newcode[order[i]] = i;
		str[i] = d->str[order[i]];
		len[i] = d->len[order[i]];
		sh[i] = d->strhash[order[i]];
	}
	for (size_t i = 0; i < r->n; i++)
		r->cat[i * r->ncat + p] = newcode[r->cat[i * r->ncat + p]];
	cv_free(d->str);
	cv_free(d->len);
	cv_free(d->strhash);
	d->str = str;
	d->len = len;
	d->strhash = sh;
	dict_rehash(d);
	cv_free(order);
	cv_free(newcode);
}

void
cv_rows_finish(cv_rows *r)
{
	size_t		keep = r->max_rows > 0 ? (size_t) r->max_rows : r->n;

	sort_and_keep(r, keep);
	/* give back the room of the rows a sample left out */
	if (r->cap > r->n)
		resize_rows(r, r->n ? r->n : 1);
	if (r->max_rows > 0 && r->n == (size_t) r->max_rows && r->n > 0)
	{
		r->have_cut = 1;
		r->cut = r->hash[r->n - 1];
	}
	for (int p = 0; p < ncat_of(r); p++)
		recode_sorted(r, p);
}

const double *
cv_rows_x(const cv_rows *r, size_t i)
{
	return r->num + i * row_width(r);
}

double
cv_rows_y(const cv_rows *r, size_t i)
{
	return r->has_y ? r->num[i * row_width(r) + row_width(r) - 1] : 0.0;
}

const int32_t *
cv_rows_cat(const cv_rows *r, size_t i)
{
	return r->cat + i * ncat_of(r);
}

int
cv_rows_nlevels(const cv_rows *r, int pos)
{
	return r->dict[pos].n;
}

const char *
cv_rows_level(const cv_rows *r, int pos, int code, size_t *len)
{
	if (len)
		*len = r->dict[pos].len[code];
	return r->dict[pos].str[code];
}

/* ------------------------------------------------------- serialisation */

/* Bytes of the header and dictionaries in the byte layout. */
static size_t
head_bytes(const cv_rows *r)
{
	size_t		bytes = 1 + 4 + 4 + 1 + 5 * 8;

	for (int p = 0; p < ncat_of(r); p++)
	{
		bytes += 4;
		for (int c = 0; c < r->dict[p].n; c++)
			bytes += 4 + r->dict[p].len[c];
	}
	return bytes;
}

size_t
cv_rows_flat_size(const cv_rows *r)
{
	return head_bytes(r) + r->n * (8 + (size_t) row_width(r) * 8 + (size_t) ncat_of(r) * 4);
}

void
cv_rows_write(cv_rows *r, cv_wbuf *b)
{
	int			w = row_width(r),
				nc = ncat_of(r);

	cvb_expect(b, cv_rows_flat_size(r));
	cvb_u8(b, ROWS_FORMAT);
	cvb_u32(b, (uint32_t) r->nnum);
	cvb_u32(b, (uint32_t) r->ncat);
	cvb_u8(b, (uint8_t) r->has_y);
	cvb_i64(b, r->max_rows);
	cvb_i64(b, (int64_t) r->seed);
	cvb_i64(b, r->seen);
	cvb_i64(b, r->skipped);
	cvb_i64(b, (int64_t) r->n);
	for (int p = 0; p < nc; p++)
	{
		cvb_u32(b, (uint32_t) r->dict[p].n);
		for (int c = 0; c < r->dict[p].n; c++)
		{
			cvb_u32(b, (uint32_t) r->dict[p].len[c]);
			cvb_bytes(b, r->dict[p].str[c], r->dict[p].len[c]);
		}
	}
	cvb_i64s(b, (const int64_t *) r->hash, r->n);
	cvb_f64s(b, r->num, r->n * w);
	cvb_u32s(b, (const uint32_t *) r->cat, r->n * nc);
}

/* Read the dictionaries; -1 with a message on any inconsistency. */
static int
read_dicts(cv_rows *r, cv_rbuf *rb, char *err, size_t errlen)
{
	for (int p = 0; p < ncat_of(r); p++)
	{
		uint32_t	n = cvr_u32(rb);

		/* every level needs at least its 4-byte length */
		if (rb->err || n > (rb->len - rb->pos) / 4)
		{
			snprintf(err, errlen, "categorical position %d claims %u levels, more than the data holds", p + 1, n);
			return -1;
		}
		for (uint32_t c = 0; c < n; c++)
		{
			uint32_t	len = cvr_u32(rb);
			const unsigned char *s = cvr_bytes(rb, len);

			if (rb->err)
			{
				snprintf(err, errlen, "truncated level %u of categorical position %d", c + 1, p + 1);
				return -1;
			}
			if (memchr(s, '\0', len) != NULL)
			{
				snprintf(err, errlen, "level %u of categorical position %d contains a NUL byte", c + 1, p + 1);
				return -1;
			}
			if (dict_code(&r->dict[p], (const char *) s, len) != (int32_t) c)
			{
				snprintf(err, errlen, "categorical position %d lists a level twice", p + 1);
				return -1;
			}
		}
	}
	return 0;
}

/*
 * Read the header and dictionaries of a row state into a new buffer
 * without rows, and its row count into *n (checked against the header,
 * not yet against the bytes).  NULL with a message when invalid.
 */
static cv_rows *
read_head(cv_rbuf *rb, uint64_t *n, char *err, size_t errlen)
{
	int			format = cvr_u8(rb);
	int32_t		nnum = (int32_t) cvr_u32(rb);
	int32_t		ncat = (int32_t) cvr_u32(rb);
	int			has_y = cvr_u8(rb);
	int64_t		max_rows = cvr_i64(rb);
	uint64_t	seed = (uint64_t) cvr_i64(rb);
	int64_t		seen = cvr_i64(rb);
	int64_t		skipped = cvr_i64(rb);
	cv_rows    *r;

	*n = (uint64_t) cvr_i64(rb);
	if (rb->err)
	{
		snprintf(err, errlen, "truncated row state header");
		return NULL;
	}
	if (format != ROWS_FORMAT)
	{
		snprintf(err, errlen, "unsupported row state format %d", format);
		return NULL;
	}
	if (nnum < -1 || nnum > CV_ROWS_MAX_FEATURES || ncat < -1 || ncat > CV_ROWS_MAX_FEATURES ||
		(nnum >= 0 && ncat < 0) || has_y > 1 || max_rows < 0 || max_rows > CV_ROWS_MAX_SEEN ||
		seen < 0 || seen > CV_ROWS_MAX_SEEN || skipped < 0 || skipped > CV_ROWS_MAX_SEEN)
	{
		snprintf(err, errlen, "row state header is out of range (%d numeric, %d categorical features, target flag %d, max_rows %lld, %lld rows seen, %lld skipped)",
				 nnum, ncat, has_y, (long long) max_rows, (long long) seen, (long long) skipped);
		return NULL;
	}
	if (*n > (uint64_t) seen || (max_rows > 0 && *n > 2 * (uint64_t) max_rows) ||
		((nnum < 0 || ncat < 0) && *n > 0))
	{
		snprintf(err, errlen, "row state holds %llu rows, inconsistent with %lld rows seen and max_rows %lld",
				 (unsigned long long) *n, (long long) seen, (long long) max_rows);
		return NULL;
	}
	/* every categorical position needs at least its 4-byte level count */
	if (ncat > 0 && (size_t) ncat > (rb->len - rb->pos) / 4)
	{
		snprintf(err, errlen, "row state claims %d categorical positions, more than the data holds", ncat);
		return NULL;
	}
	r = cv_rows_new(nnum, ncat, has_y, max_rows, seed);
	r->seen = seen;
	r->skipped = skipped;
	if (read_dicts(r, rb, err, errlen) < 0)
	{
		cv_rows_free(r);
		return NULL;
	}
	return r;
}

/*
 * Append the n rows of a state's bytes, whose header and dictionaries were
 * read into src, to dst (src itself, or a buffer src merges into, with
 * src's codes mapped through remap; NULL: as they are).  A chunk of rows
 * at a time is decoded and validated (finite values, codes within src's
 * levels) before it is appended.  -1 with a message on invalid rows.
 */
static int
read_rows(cv_rows *dst, const cv_rows *src, cv_rbuf *rb, uint64_t n,
		  int32_t **remap, char *err, size_t errlen)
{
	int			w = row_width(src),
				nc = ncat_of(src);
	size_t		rowbytes = 8 + (size_t) w * 8 + (size_t) nc * 4;
	size_t		chunk = chunk_rows(src);
	cv_rbuf		hr,
				xr,
				cr;
	uint64_t   *h;
	double	   *x;
	int32_t    *c;
	int			rc = 0;

	if (n > (rb->len - rb->pos) / rowbytes)
	{
		snprintf(err, errlen, "state claims %llu rows, more than the data holds", (unsigned long long) n);
		return -1;
	}
	/* the three arrays, each a reader of its own */
	cvr_init(&hr, cvr_bytes(rb, n * 8), n * 8);
	cvr_init(&xr, cvr_bytes(rb, n * w * 8), n * w * 8);
	cvr_init(&cr, cvr_bytes(rb, n * nc * 4), n * nc * 4);
	h = cv_malloc(sizeof(uint64_t) * chunk);
	x = cv_malloc(sizeof(double) * (w ? w : 1) * chunk);
	c = cv_malloc(sizeof(int32_t) * (nc ? nc : 1) * chunk);
	for (uint64_t lo = 0; lo < n && rc == 0; lo += chunk)
	{
		size_t		m = n - lo < chunk ? (size_t) (n - lo) : chunk;

		cv_interrupt_poll(0);
		cvr_i64s(&hr, (int64_t *) h, m);
		cvr_f64s(&xr, x, m * w);
		cvr_u32s(&cr, (uint32_t *) c, m * nc);
		for (size_t i = 0; i < m * w && rc == 0; i++)
			if (!isfinite(x[i]))
			{
				snprintf(err, errlen, "row %llu holds a value that is not finite",
						 (unsigned long long) (lo + i / w + 1));
				rc = -1;
			}
		for (size_t i = 0; i < m * nc && rc == 0; i++)
		{
			int			p = (int) (i % nc);
			uint32_t	code = (uint32_t) c[i];

			if (code >= (uint32_t) src->dict[p].n)
			{
				snprintf(err, errlen, "row %llu has category code %u at position %d, which has %d levels",
						 (unsigned long long) (lo + i / nc + 1), code, p + 1, src->dict[p].n);
				rc = -1;
			}
			else if (remap)
				c[i] = remap[p][code];
		}
		if (rc == 0)
			append_rows(dst, h, x, c, m);
	}
	cv_free(h);
	cv_free(x);
	cv_free(c);
	return rc;
}

cv_rows *
cv_rows_read(cv_rbuf *rb, char *err, size_t errlen)
{
	uint64_t	n;
	cv_rows    *r = read_head(rb, &n, err, errlen);

	if (r == NULL)
		return NULL;
	/* every row takes at least its hash, values and codes: check the count
	 * against the bytes that follow before reserving room for it */
	if (n > (rb->len - rb->pos) / (sizeof(uint64_t) + sizeof(double) * row_width(r) +
								   sizeof(int32_t) * ncat_of(r)))
	{
		snprintf(err, errlen, "row state claims %llu rows but only %zu bytes follow",
				 (unsigned long long) n, rb->len - rb->pos);
		cv_rows_free(r);
		return NULL;
	}
	reserve_rows(r, (size_t) n);
	if (read_rows(r, r, rb, n, NULL, err, errlen) < 0)
	{
		cv_rows_free(r);
		return NULL;
	}
	prune(r);
	return r;
}

int
cv_rows_merge_bytes(cv_rows *dst, cv_rbuf *rb, char *err, size_t errlen)
{
	uint64_t	n;
	cv_rows    *src = read_head(rb, &n, err, errlen);
	int32_t   **remap;
	int			rc;

	if (src == NULL)
		return CV_ROWS_INVALID;
	if (merge_header(dst, src, err, errlen) < 0)
	{
		cv_rows_free(src);
		return CV_ROWS_MISMATCH;
	}
	remap = dict_remap(dst, src);
	rc = read_rows(dst, src, rb, n, remap, err, errlen);
	free_remap(remap, ncat_of(dst));
	cv_rows_free(src);
	if (rc < 0)
		return CV_ROWS_INVALID;
	prune(dst);
	return 0;
}
