/*
 * cvsort.h
 *	  An interruptible sort for the kernels.
 *
 * qsort cannot be interrupted safely: a comparator that raises the cancel
 * error leaves qsort by longjmp and leaks the buffer glibc's qsort
 * allocates with malloc.  cv_sort sorts runs of CV_SORT_RUN elements with
 * qsort (a fraction of a millisecond each), then merges the runs pairwise
 * through a buffer from cv_malloc, polling the interrupt hook between runs
 * and every few thousand merged elements.  Like qsort it is not stable:
 * elements that compare equal may come out in any order, so callers that
 * need a deterministic result sort by a total order.
 */
#ifndef CV_SORT_H
#define CV_SORT_H

#include <stddef.h>

#define CV_SORT_RUN 16384

extern void cv_sort(void *base, size_t n, size_t size,
					int (*cmp) (const void *, const void *));

/*
 * Reorder n elements of `size` bytes at base in place so that element j
 * becomes the old element from[j] (from is a permutation of 0..n-1),
 * following each cycle with one element in hand: a sorted order applied
 * without a second copy of the array.  Polls the interrupt hook inside
 * cycles too (one can span most of the array).
 */
extern void cv_permute(void *base, size_t n, size_t size, const size_t *from);

/* Ascending order of doubles (not NaN), for cv_sort and qsort. */
extern int	cv_cmp_double(const void *a, const void *b);

#endif							/* CV_SORT_H */
