/*
 * tuples.h
 *	  Weighted distinct tuples: the transition-state kind "tuples" of
 *	  custvalue.fitstate.  Plain C, no PostgreSQL headers.
 *
 * A tuple is `width` doubles (the key).  Identical keys are kept once with
 * a count and, optionally, `nsum` summed columns.  This is the sufficient
 * statistic of the fits whose likelihood depends on a row only through a
 * few values (BG/NBD: (frequency, recency, t); Gamma-Gamma: (frequency,
 * monetary)) and of a customer's purchase periods (clv_summary: the period
 * with the summed amount).  Memory grows with the distinct keys, not the
 * rows.
 *
 * Exact and order-independent.  Counts are integers and merge by addition;
 * a summed column is kept as an unevaluated double-double (hi + lo, about
 * 106 bits), so sums of realistic amounts are exact whatever the order.
 * The byte form lists the entries sorted by key, so equal multisets of
 * rows give equal bytes, however they were split between partial states.
 * Keys compare as doubles (-0.0 is stored as 0.0); NaN is the caller's to
 * reject.
 *
 * Memory: 8 * (width + 2 * nsum + 1) bytes a distinct key plus an index of
 * 4 to 8 bytes a key.
 */
#ifndef CV_TUPLES_H
#define CV_TUPLES_H

#include <stddef.h>
#include <stdint.h>

#include "cvcodec.h"

typedef struct cv_tuples cv_tuples;

/* Bounds of the shape. */
#define CV_TUPLES_MAX_WIDTH 16
#define CV_TUPLES_MAX_SUMS 4

extern cv_tuples *cv_tuples_new(int width, int nsum);
extern void cv_tuples_free(cv_tuples *t);

extern int	cv_tuples_width(const cv_tuples *t);
extern int	cv_tuples_nsum(const cv_tuples *t);
extern size_t cv_tuples_count(const cv_tuples *t);	/* distinct keys */
extern int64_t cv_tuples_total(const cv_tuples *t); /* sum of the counts */
extern size_t cv_tuples_bytes(const cv_tuples *t);

/*
 * Add `count` rows with key[width] and (when nsum > 0) values sums[nsum]
 * added to the key's summed columns.
 */
extern void cv_tuples_add(cv_tuples *t, const double *key, const double *sums,
						  int64_t count);

/*
 * Merge src into dst; -1 with a message when their shapes differ,
 * CV_TUPLES_OVER (dst unchanged) when the summed counts would pass
 * INT64_MAX.
 */
#define CV_TUPLES_OVER (-3)
extern int	cv_tuples_merge(cv_tuples *dst, const cv_tuples *src,
							char *err, size_t errlen);

/*
 * Sort the entries by key.  After this the accessors below see them in
 * ascending order; adding more keys undoes the order.
 */
extern void cv_tuples_sort(cv_tuples *t);
extern const double *cv_tuples_key(const cv_tuples *t, size_t i);
extern int64_t cv_tuples_weight(const cv_tuples *t, size_t i);
extern double cv_tuples_sum(const cv_tuples *t, size_t i, int j);

/*
 * Serialisation: u32 width, u32 nsum, i64 entries, then per entry (in key
 * order) the key, hi and lo of each sum, and the count.  The reader checks
 * the shape, finite keys in strictly ascending order, counts >= 1 and
 * normalised finite sums.  Writing sorts the entries.
 */
extern void cv_tuples_write(cv_tuples *t, cv_wbuf *b);
/* The exact number of bytes cv_tuples_write writes. */
extern size_t cv_tuples_flat_size(const cv_tuples *t);
extern cv_tuples *cv_tuples_read(cv_rbuf *r, char *err, size_t errlen);

#endif							/* CV_TUPLES_H */
