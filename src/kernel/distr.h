/*
 * distr.h
 *	  Mergeable per-dimension value distributions: the transition state of
 *	  the fit aggregates that need the population's ranks (scorecard_fit,
 *	  rfmn_fit).  Plain C, no PostgreSQL headers.
 *
 * Each dimension keeps its non-NULL values as sorted distinct entries with
 * counts, plus the values added since the last merge: in a hash table
 * counting them when the last batch repeated values, in a plain list when
 * it was mostly distinct and the dimension is exact (so that continuous
 * scores cost no hash probe); a merge radix-sorts them.  Adding a row is O(1) for repeated values and
 * O(log n) amortised otherwise, and low-cardinality data (days, counts,
 * ratings) stays small.  The result depends only on the multiset of values added,
 * never on their order or on how the rows were split between partial
 * states.
 *
 * With exact_cap > 0 a dimension whose distinct values exceed exact_cap is
 * compressed: runs of adjacent entries are merged into ranges [lo, hi]
 * holding at most n/1000 rows each (single values heavier than that stay
 * exact).  A rank read off the compressed distribution, interpolating
 * linearly inside a range, is then off by at most the mass of the ranges
 * around the value: about 0.1% of the rows per range.  Compression depends
 * on the order in which values arrive, so only exact dimensions are
 * guaranteed identical under any plan.
 *
 * Memory: 16 bytes per distinct value in the entries (24 once a dimension
 * holds ranges) plus the hash table, 16 bytes a slot, at most half full,
 * or the list, 16 bytes a value.
 * An exact dimension keeps up to 2^20 distinct values in the table alone
 * (at most 64 MB), then merges when the table holds a quarter as many
 * values as the entries: about 32 bytes per distinct value in all (10
 * million distinct values: about 320 MB, more while a merge copies the
 * entries).  A compressible dimension merges when the table holds as many
 * values as the entries, which stay near exact_cap.
 */
#ifndef CV_DISTR_H
#define CV_DISTR_H

#include <stddef.h>
#include <stdint.h>

#include "cvcodec.h"

typedef struct cv_distr cv_distr;

/* A read-only view of one compacted dimension. */
typedef struct cv_distr_dim
{
	int64_t		n;				/* non-NULL values */
	int64_t		nulls;			/* NULL values */
	size_t		nentries;		/* entries, ascending by (lo, hi) */
	const double *lo;			/* entry value, or low end of a range */
	const double *hi;			/* high end of a range; NULL when all exact */
	const int64_t *count;		/* rows per entry */
} cv_distr_dim;

/* Fraction of a dimension's rows a compressed range may hold. */
#define CV_DISTR_RANGE_SHARE 0.001

extern cv_distr *cv_distr_new(int ndims, size_t exact_cap);
extern int	cv_distr_ndims(const cv_distr *d);
extern size_t cv_distr_exact_cap(const cv_distr *d);
extern void cv_distr_add(cv_distr *d, const double *x, const unsigned char *isnull);
extern void cv_distr_merge(cv_distr *dst, const cv_distr *src);
extern cv_distr_dim cv_distr_dim_get(cv_distr *d, int i);
extern size_t cv_distr_bytes(const cv_distr *d);
extern void cv_distr_write(cv_distr *d, cv_wbuf *b);
extern cv_distr *cv_distr_read(cv_rbuf *r, char *err, size_t errlen);
extern void cv_distr_free(cv_distr *d);

#endif							/* CV_DISTR_H */
