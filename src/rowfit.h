/*
 * rowfit.h
 *	  The shared glue of the fits that keep their rows (k-means, logistic
 *	  regression, decision trees): the options they all understand, reading
 *	  one row's arguments into the row buffer (kernel/rows.h), and handing
 *	  the final function the canonical rows and their features
 *	  (kernel/cvfeatures.h).  A fit on rows is then its options, its
 *	  transition function (a few lines over these), and its final function.
 */
#ifndef ROWFIT_H
#define ROWFIT_H

#include "postgres.h"

#include "cvfeatures.h"
#include "fitstate.h"
#include "fmgr.h"
#include "rows.h"
#include "utils/jsonb.h"

/* Default of the max_rows option: rows kept before sampling. */
#define CV_ROWFIT_DEFAULT_MAX_ROWS 1000000

/*
 * The options every fit on rows takes (a fit lists them among its allowed
 * keys): names (text[] of nnum + ncat names), max_rows (bigint >= 1),
 * seed (bigint), standardize (boolean).
 */
typedef struct CvRowFitOptions
{
	int64		max_rows;
	uint64		seed;
	bool		standardize;
	int			nnames;			/* -1 when absent */
	char	  **names;
} CvRowFitOptions;

/* The option keys above, for a fit's list of allowed keys. */
#define CV_ROWFIT_OPTION_KEYS "names", "max_rows", "seed", "standardize"

/*
 * Read the shared options from opts (NULL: defaults) over the defaults
 * max_rows = CV_ROWFIT_DEFAULT_MAX_ROWS, seed = 0, standardize =
 * `standardize_default`.  The caller has checked the keys.
 */
extern void cv_rowfit_options(Jsonb *opts, bool standardize_default, CvRowFitOptions *o);

/* Where a fit's transition function finds a row's values. */
typedef struct CvRowFitArgs
{
	const char *fitname;		/* for messages, e.g. "kmeans_fit" */
	const char *xname;			/* what the float8[] is, e.g. "point" */
	int			xarg;			/* float8[] numeric features */
	int			catarg;			/* text[] categorical features, or -1 */
	int			yarg;			/* target, or -1 */
	bool		ybool;			/* target is boolean (else float8) */
	bool		skip_incomplete;	/* a row with a NULL is skipped and counted
									 * (else it is an error) */
	bool		yint;			/* target is int4 (a class or cluster id);
								 * overrides ybool */
	int			work_row;		/* working memory of the fit per kept row, */
	int			work_col;		/* and per design column of it (rows.h) */
} CvRowFitArgs;

/*
 * First call of a group: an empty rows state with the options' max_rows
 * and seed; `params` (the options as text) travels with it.
 */
extern CvFitState *cv_rowfit_begin(FunctionCallInfo fcinfo, const CvRowFitArgs *a,
								   const CvRowFitOptions *o, const char *params);

/*
 * The rows of a state, checked against the fit described by `a`: kind
 * rows, a target exactly when the fit has one, no categorical features
 * when it takes none (else 22023).  A state can be any value a user typed,
 * so final functions call this before they read the rows;
 * cv_rowfit_add does.
 */
extern cv_rows *cv_rowfit_check(CvFitState *s, const CvRowFitArgs *a);

/* Add the current row's arguments to the state (or skip it, counted). */
extern void cv_rowfit_add(FunctionCallInfo fcinfo, CvFitState *s, const CvRowFitArgs *a);

/*
 * Final side: the state's rows in canonical order (kind checked), within
 * custvalue.max_fit_memory with the fit's working memory for them (else
 * 54000), and the features fitted on them with the options' names
 * (checked against the row shape) and standardisation.
 */
extern cv_rows *cv_rowfit_rows(CvFitState *s, const CvRowFitArgs *a);
extern cv_features *cv_rowfit_features(cv_rows *rows, const CvRowFitOptions *o,
									   const char *fitname);

/* The options a state was built with, as jsonb (for final functions). */
extern Jsonb *cv_rowfit_params(CvFitState *s);

#endif							/* ROWFIT_H */
