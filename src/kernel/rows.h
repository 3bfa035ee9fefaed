/*
 * rows.h
 *	  The row buffer of the fits that iterate over their data (k-means,
 *	  logistic regression, decision trees): the transition state kind
 *	  "rows" of custvalue.fitstate.  Plain C, no PostgreSQL headers.
 *
 * A row is nnum float8 features, ncat categorical features (strings) and,
 * for supervised fits, one float8 target (a label is 0 or 1).  Rows are
 * kept compactly: one growing array of doubles, one of category codes and
 * one of 64-bit row hashes, never an allocation per row.  A categorical
 * position keeps a dictionary of the strings it has seen; a row holds
 * their codes.
 *
 * Bounded memory, deterministic sample.  With max_rows > 0 the buffer keeps
 * at most max_rows rows: the rows with the smallest hash of (row content,
 * seed), ties between equal hashes broken by content.  This bottom-k sample
 * is a function of the multiset of rows offered, whatever their order and
 * however they were split between partial states, so it merges exactly and
 * a parallel or distributed fit keeps the same rows as a serial one.  The
 * buffer is pruned back to max_rows whenever it reaches twice that, so it
 * holds at most 2 * max_rows rows between prunes.
 *
 * Canonical order.  cv_rows_finish sorts the kept rows by (hash, content)
 * and recodes every categorical position with its levels in byte order, so
 * a fit that reads the rows in that order is independent of the plan.
 *
 * Memory: (8 * (nnum + has_y) + 4 * ncat + 24) bytes a row (8 for its
 * hash, 16 for the index a sort of the buffer needs), plus each distinct
 * category string once, plus the fit's working memory for the rows it
 * keeps (cv_rows_set_work); at most twice max_rows rows, and a buffer
 * past max_rows that reaches its budget is pruned there.  Sorting permutes
 * the rows in place, and cv_rows_finish gives back the room of the rows
 * it left out.
 */
#ifndef CV_ROWS_H
#define CV_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "cvcodec.h"

typedef struct cv_rows cv_rows;

/* Largest number of numeric or categorical features a row may have. */
#define CV_ROWS_MAX_FEATURES 10000

/* Largest count of rows seen or skipped (so that merged counts never overflow). */
/*
 * (The models fitted on rows write their counts in JSON, which keeps whole
 * numbers exactly only up to 2^53; 9e15 stays below it, so a state can
 * never hold a count its model could not write back.)
 */
#define CV_ROWS_MAX_SEEN INT64_C(9000000000000000)

/*
 * A new, empty buffer.  nnum or ncat may be -1, "not known yet": the first
 * row added (or the first state merged) fixes them.  max_rows 0 keeps
 * every row.
 */
extern cv_rows *cv_rows_new(int nnum, int ncat, int has_y,
							int64_t max_rows, uint64_t seed);
extern void cv_rows_free(cv_rows *r);

/*
 * Bytes the row arrays may grow to (0: no bound; not part of the byte
 * form): growth stops at the budget instead of doubling past it, so the
 * caller's size check fails before twice the bound is allocated, and a
 * buffer holding more than max_rows rows samples down to max_rows there.
 */
extern void cv_rows_set_budget(cv_rows *r, size_t bytes);

/*
 * The working memory the fit on the rows will need for each row it keeps
 * (at most max_rows): per_row bytes, and per_col bytes per design column
 * (a numeric feature, or a level of a category).  Not part of the byte
 * form; cv_rows_bytes and the budget count it, so a state that fits its
 * budget leaves room for its fit.
 */
extern void cv_rows_set_work(cv_rows *r, size_t per_row, size_t per_col);

/*
 * Sample the buffer down to max_rows now (a buffer holds up to twice
 * max_rows between prunes): a state written to be sent or stored takes no
 * more room than its sample.  Any prune keeps the final sample's rows.
 */
extern void cv_rows_compact(cv_rows *r);

/* Shape and counters. */
extern int	cv_rows_nnum(const cv_rows *r);
extern int	cv_rows_ncat(const cv_rows *r);
extern int	cv_rows_has_y(const cv_rows *r);
extern int64_t cv_rows_max_rows(const cv_rows *r);
extern uint64_t cv_rows_seed(const cv_rows *r);
extern int64_t cv_rows_seen(const cv_rows *r);	/* complete rows offered */
extern int64_t cv_rows_skipped(const cv_rows *r);	/* incomplete rows */
extern size_t cv_rows_count(const cv_rows *r);	/* rows held */
extern size_t cv_rows_bytes(const cv_rows *r);

/*
 * Fix the shape of a buffer created with nnum or ncat -1; returns -1 when
 * it is already fixed to a different shape (the caller reports the two).
 */
extern int	cv_rows_shape(cv_rows *r, int nnum, int ncat);

/*
 * Offer a row: x[nnum], cat[ncat] strings of catlen[] bytes, y.  The
 * shape must have been fixed.  Values must be finite (the glue checks).
 */
extern void cv_rows_add(cv_rows *r, const double *x, const char *const *cat,
						const size_t *catlen, double y);
/* Count a row that was not offered because a value was missing. */
extern void cv_rows_skip(cv_rows *r, int64_t n);

/*
 * Merge src into dst.  Returns -1 with a message when they cannot merge
 * (different shape, max_rows or seed).
 */
extern int	cv_rows_merge(cv_rows *dst, const cv_rows *src, char *err, size_t errlen);

/* A copy of r: the same header, counters and sample. */
extern cv_rows *cv_rows_copy(const cv_rows *r);

/*
 * Prune to the sample, sort by (hash, content) and recode categories in
 * byte order.  After this the accessors below see the canonical rows;
 * adding more rows is still allowed (and undoes the canonical order).
 */
extern void cv_rows_finish(cv_rows *r);

/*
 * Row i's numeric features (nnum doubles), target and category codes.  The
 * numeric features and targets of all rows are one contiguous array:
 * cv_rows_x(r, i) == cv_rows_x(r, 0) + i * (nnum + has_y).
 */
extern const double *cv_rows_x(const cv_rows *r, size_t i);
extern double cv_rows_y(const cv_rows *r, size_t i);
extern const int32_t *cv_rows_cat(const cv_rows *r, size_t i);
/* Levels of categorical position pos (in byte order after finish). */
extern int	cv_rows_nlevels(const cv_rows *r, int pos);
extern const char *cv_rows_level(const cv_rows *r, int pos, int code, size_t *len);

/*
 * Serialisation (see rows.c for the layout); read validates everything.
 * cv_rows_flat_size is the exact number of bytes cv_rows_write writes.
 */
extern size_t cv_rows_flat_size(const cv_rows *r);
extern void cv_rows_write(cv_rows *r, cv_wbuf *b);
extern cv_rows *cv_rows_read(cv_rbuf *rb, char *err, size_t errlen);

/*
 * Merge the row state in rb's bytes into dst without building it first
 * (validated as cv_rows_read validates).  0; CV_ROWS_INVALID with a message
 * when the bytes are not a valid state; CV_ROWS_MISMATCH with a message
 * when it cannot merge (as cv_rows_merge).  dst may hold some of the rows
 * of an invalid state: the caller raises an error and drops dst.  (The
 * codes are those of the distribution kernel's merges, distr.h.)
 */
#define CV_ROWS_INVALID (-1)
#define CV_ROWS_MISMATCH (-2)
extern int	cv_rows_merge_bytes(cv_rows *dst, cv_rbuf *rb, char *err, size_t errlen);

#endif							/* CV_ROWS_H */
