/*
 * cvfeatures.h
 *	  How a model sees its inputs, shared by every model fitted on rows
 *	  (k-means, logistic regression, decision trees): feature names, the
 *	  standardisation of numeric features and the one-hot encoding of
 *	  categorical ones.  Plain C, no PostgreSQL headers.
 *
 * A model's inputs are nnum numeric features followed by ncat categorical
 * ones.  The design vector a model computes on is
 *	  - the numeric features, as z-scores (x - mean) / sd when standardize
 *		is on (sd is the population standard deviation; a constant feature
 *		has sd 0 and the fit decides what to do with it), else as they are;
 *	  - then, per categorical position, one 0/1 column for every level but
 *		the reference level (the most frequent at fit time, ties to the
 *		first in byte order), levels in byte order: the encoding pandas'
 *		get_dummies gives with the reference column dropped.
 * A level not seen at fit time encodes as the reference (all zeros).
 *
 * The same struct is written in every model's binary payload and JSON
 * ("features": {...}), so all model kinds read and write it one way.
 */
#ifndef CV_FEATURES_H
#define CV_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "cvcodec.h"
#include "cvjson.h"
#include "rows.h"

typedef struct cv_features
{
	int			nnum;			/* numeric features */
	int			ncat;			/* categorical features */
	char	  **names;			/* nnum + ncat names */
	int			standardize;	/* numeric features enter as z-scores */
	double	   *mean;			/* nnum: mean at fit time */
	double	   *sd;				/* nnum: population sd at fit time */
	int		   *nlevels;		/* ncat: levels of each position */
	char	 ***levels;			/* ncat: levels in byte order */
	int		   *ref;			/* ncat: index of the reference level */
	int			ncols;			/* design columns */
} cv_features;

/*
 * Fit the features of canonical rows (after cv_rows_finish): means and
 * standard deviations summed in row order (so identical for identical
 * rows), levels and reference levels.  names may be NULL (then x1.. for
 * numeric, c1.. for categorical features) or hold nnum + ncat names.
 */
extern cv_features *cv_features_fit(const cv_rows *rows, char *const *names,
									int standardize);
extern void cv_features_free(cv_features *f);

/*
 * Design vector of one row whose categorical features are level indexes
 * into f's levels (-1: unseen, encoded as the reference).  out has ncols
 * slots.
 */
extern void cv_features_design(const cv_features *f, const double *x,
							   const int32_t *level, double *out);

/* Level index of a string at categorical position pos, -1 when unseen. */
extern int	cv_features_level(const cv_features *f, int pos, const char *s, size_t len);

/*
 * Map a canonical row's category codes (indexes into the rows' levels) to
 * f's level indexes; identical when f was fitted on those rows.
 */
extern void cv_features_row_levels(const cv_features *f, const cv_rows *rows,
								   size_t i, int32_t *level);

/*
 * Name of design column col: the feature name for numeric columns,
 * "name=level" for a dummy.  Returned string is cv_malloc'd.
 */
extern char *cv_features_column_name(const cv_features *f, int col);
/* Feature (0..nnum+ncat-1) that design column col belongs to. */
extern int	cv_features_column_feature(const cv_features *f, int col);
/*
 * Level (index into the feature's levels) whose dummy design column col
 * is; -1 for a numeric column.
 */
extern int	cv_features_column_level(const cv_features *f, int col);

/* Map a design vector of z-scores back to original units (numeric part). */
extern double cv_features_unscale(const cv_features *f, int col, double z);

/* Binary form and JSON form ("features" object); readers validate. */
extern void cv_features_write(const cv_features *f, cv_wbuf *b);
extern cv_features *cv_features_read(cv_rbuf *r, char *err, size_t errlen);
extern void cv_features_to_json(const cv_features *f, cvj_writer *w);
extern cv_features *cv_features_from_json(const cvj_value *v, char *err, size_t errlen);

/*
 * A features struct for a hand-written model: nnum numeric features with
 * the given names (NULL: defaults), no standardisation, no categories.
 */
extern cv_features *cv_features_plain(int nnum, char *const *names);

#endif							/* CV_FEATURES_H */
