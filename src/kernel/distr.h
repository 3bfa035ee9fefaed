/*
 * distr.h
 *	  Mergeable per-dimension value distributions: the transition state of
 *	  the fit aggregates that need the population's ranks (scorecard_fit,
 *	  rfmn_fit).  Plain C, no PostgreSQL headers.
 *
 * Each dimension keeps its non-NULL values exactly, as sorted distinct
 * values with counts, plus the values added since the last merge: a small
 * direct-mapped table (512 slots) counts a value whose slot is free or
 * holds it already, so the few values that most columns repeat (days,
 * counts, ratings, zero) cost one probe; any other value is appended to a
 * buffer.  A full buffer is sorted with a radix sort of the values' bits
 * (linear, and it skips the byte positions in which every value agrees, as
 * the low bytes of whole numbers do), run-length encoded and merged into
 * the sorted values in place, and the table's counts after it.  The result depends only on the multiset of values added, never
 * on their order or on how the rows were split between partial states, so
 * every plan (serial, parallel, partition-wise, distributed) ends with the
 * same distribution, bit for bit.
 *
 * Memory.  16 bytes per distinct value (the value and its count), plus the
 * buffer of raw values: 8 bytes a slot, at most half as many slots as the
 * dimension has distinct values (at least 256, growing to 16384 while the
 * dimension is small), plus as much again while a full buffer is sorted.
 * A dimension of d distinct values therefore takes at most 16 d + 8 d =
 * 24 d bytes, plus about 264 kB (the table, 8 kB, and the smallest
 * buffers), peak included.  A budget set with
 * cv_distr_set_budget bounds the whole state: an operation that would
 * take the state past it allocates nothing and fails, and the buffer stops
 * growing (sorting more often) rather than take the state past it.
 */
#ifndef CV_DISTR_H
#define CV_DISTR_H

#include <stddef.h>
#include <stdint.h>

#include "cvcodec.h"

typedef struct cv_distr cv_distr;

/* Largest number of dimensions a distribution state may have. */
#define CV_DISTR_MAX_DIMS 1000

/* Largest row count of a dimension (so that counts never overflow). */
#define CV_DISTR_MAX_ROWS (INT64_MAX / 128)

/* Bytes of state per distinct value of a dimension, peak included. */
#define CV_DISTR_BYTES_PER_VALUE 24

/* Failures of the merging functions. */
#define CV_DISTR_INVALID (-1)	/* serialised state breaks a rule */
#define CV_DISTR_MISMATCH (-2)	/* states of different shapes */
#define CV_DISTR_OVER (-3)		/* past the budget or the row limit */

/* A read-only view of one compacted dimension. */
typedef struct cv_distr_dim
{
	int64_t		n;				/* non-NULL values */
	int64_t		nulls;			/* NULL values */
	size_t		nentries;		/* distinct values */
	const double *value;		/* strictly ascending */
	const int64_t *count;		/* rows per value, each >= 1, summing to n */
} cv_distr_dim;

extern cv_distr *cv_distr_new(int ndims);
extern int	cv_distr_ndims(const cv_distr *d);

/*
 * Budget of the whole state in bytes (0: none).  The operations below
 * return -1 instead of growing past it; cv_distr_over() then tells how
 * many bytes the state would have needed.
 */
extern void cv_distr_set_budget(cv_distr *d, size_t bytes);
extern size_t cv_distr_over(const cv_distr *d);

/*
 * Add one row: x[ndims] values, isnull[] (NULL: none missing).  Values must
 * be finite (the glue checks).  0, or -1 past the budget or the row limit.
 */
extern int	cv_distr_add(cv_distr *d, const double *x, const unsigned char *isnull);

/*
 * Merge src into dst: 0, or CV_DISTR_MISMATCH when the dimension counts
 * differ, CV_DISTR_OVER when the row counts would pass CV_DISTR_MAX_ROWS or
 * the state its budget, each with a message.
 */
extern int	cv_distr_merge(cv_distr *dst, const cv_distr *src, char *err, size_t errlen);

/*
 * Merge a serialised distribution (cv_distr_write's bytes) into dst without
 * building it first, validating it as cv_distr_read does: 0, or one of the
 * failures above with a message (dst is then unusable).
 */
extern int	cv_distr_merge_bytes(cv_distr *dst, cv_rbuf *r, char *err, size_t errlen);

/*
 * Sort every pending value into the distinct values and release the
 * buffers of raw values; -1 past the budget.
 */
extern int	cv_distr_compact(cv_distr *d);

/* Dimension i; the dimension must have been compacted. */
extern cv_distr_dim cv_distr_dim_get(const cv_distr *d, int i);

/* Bytes the state holds now. */
extern size_t cv_distr_bytes(const cv_distr *d);

/* Serialised size and form; both need a compacted state. */
extern size_t cv_distr_flat_size(const cv_distr *d);
extern void cv_distr_write(const cv_distr *d, cv_wbuf *b);
extern cv_distr *cv_distr_read(cv_rbuf *r, char *err, size_t errlen);
extern void cv_distr_free(cv_distr *d);

#endif							/* CV_DISTR_H */
