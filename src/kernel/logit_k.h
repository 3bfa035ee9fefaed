/*
 * logit_k.h
 *	  Logistic regression for churn risk: the fit (Newton-Raphson / IRLS
 *	  with a Cholesky solve and step halving), scoring, reason codes, the
 *	  model's binary and JSON forms, and the helpers of best_split and
 *	  wilson_interval.  Plain C, no PostgreSQL headers.
 *
 * The model works on the design vector of the shared feature layer
 * (cvfeatures.h): numeric features as z-scores when standardize is on,
 * then one 0/1 column per non-reference categorical level.  Its parameters
 * are an intercept and one coefficient per design column; an l2 penalty
 * (l2/2) * sum(coef^2) applies to the coefficients, never to the intercept.
 *
 * Fit.  Newton steps on the penalised log-likelihood from (logit(mean y),
 * 0, ..., 0); each step solves H d = g by Cholesky and is halved until the
 * objective does not decrease.  Converged when the largest gradient
 * component is at most tol * max(1, |objective|) (both are sums over the
 * rows, so the test does not depend on the number of rows).  X'WX is
 * accumulated in the rows' canonical order with a symmetric rank-1 update
 * that touches only the dense part and the active dummies of each row, so
 * the result is the same under any plan.  Without a penalty the fit
 * detects complete separation (every row on its side of a hyperplane) and
 * quasi-complete separation (the last Newton direction weakly separates
 * the classes while some rows' fitted probabilities are numerically 0 or
 * 1) and fails rather than return exploding coefficients.
 */
#ifndef LOGIT_K_H
#define LOGIT_K_H

#include <stddef.h>
#include <stdint.h>

#include "cvcodec.h"
#include "cvfeatures.h"
#include "rows.h"

/* Fit statistics: present for fitted models, absent for hand-written ones. */
typedef struct cv_logit_stats
{
	double		l2;				/* penalty used */
	double	   *se;				/* ncols + 1: intercept first, design scale */
	double		se_intercept_orig;	/* intercept in original units */
	double		loglik;			/* unpenalised log-likelihood */
	double		null_loglik;	/* intercept-only log-likelihood */
	double		aic;
	int			iterations;
	int			converged;
	int64_t		rows_seen;		/* complete rows offered */
	int64_t		rows_used;		/* rows the fit ran on (a sample past max_rows) */
	int64_t		rows_skipped;	/* rows with a NULL feature or label */
} cv_logit_stats;

typedef struct cv_logit
{
	cv_features *f;				/* inputs */
	double		intercept;
	double	   *coef;			/* f->ncols, design scale */
	int			has_moments;	/* mean/sd of the numeric features known */
	double	   *mean;			/* nnum (f->mean when standardized) */
	double	   *sd;				/* nnum */
	cv_logit_stats *stats;		/* NULL for a hand-written model */
	double	   *scratch;		/* ncols: a design vector while scoring */
	double	   *xbuf;			/* nnum: one row's numeric features */
	int32_t    *levelbuf;		/* ncat: one row's level indexes */
} cv_logit;

typedef struct cv_logit_opts
{
	double		l2;				/* >= 0 */
	int			max_iter;		/* >= 1 */
	double		tol;			/* > 0 */
} cv_logit_opts;

typedef enum cv_logit_status
{
	CV_LOGIT_OK = 0,
	CV_LOGIT_NO_ROWS,			/* nothing to fit on */
	CV_LOGIT_ONE_CLASS,			/* detail: "true" or "false" */
	CV_LOGIT_CONSTANT,			/* detail: the feature's name */
	CV_LOGIT_COLLINEAR,			/* detail: the design column's name */
	CV_LOGIT_SEPARATED,			/* detail: the columns that separate */
	CV_LOGIT_QUASI_SEPARATED,	/* detail: the columns that separate */
	CV_LOGIT_SINGULAR,			/* the Hessian became singular */
	CV_LOGIT_TOO_WIDE			/* detail: the design column count */
} cv_logit_status;

/*
 * Fit on canonical rows (cv_rows_finish) with features f fitted on them;
 * f passes to the model (also on failure it is freed).  On failure *out is
 * NULL and detail says what (see the statuses).  A fit that reaches
 * max_iter is returned with stats->converged = 0.
 */
extern cv_logit_status cv_logit_fit(const cv_rows *rows, cv_features *f,
									const cv_logit_opts *o, cv_logit **out,
									char *detail, size_t detaillen);
extern void cv_logit_free(cv_logit *m);

/* Largest number of design columns (the Hessian is (ncols + 1)^2 doubles). */
#define CV_LOGIT_MAX_COLUMNS 1999

/* Linear predictor and probability of a row (level indexes into f's levels, -1 = unseen). */
extern double cv_logit_eta(cv_logit *m, const double *x, const int32_t *level);
extern double cv_logit_prob(double eta);

/*
 * Reason codes: the design columns whose contribution is positive, largest
 * first, at most top.  A numeric feature contributes coef * (x - mean) in
 * z units (coef * x without known moments); an active dummy its
 * coefficient.  Returns the count; cols[] and contrib[] have ncols slots.
 */
extern int	cv_logit_reasons(cv_logit *m, const double *x, const int32_t *level,
							 int top, int *cols, double *contrib);

/*
 * One row of the coefficient table: row 0 is the intercept, row c + 1 design
 * column c.  coef in original units, std_coef per standard deviation (NaN
 * when unknown), se of coef (NaN without fit statistics).
 */
extern void cv_logit_coefficient(const cv_logit *m, int row, double *coef,
								 double *std_coef, double *se);

/* Binary payload and JSON text; readers validate everything. */
extern void cv_logit_write(const cv_logit *m, cv_wbuf *b);
extern cv_logit *cv_logit_read(const unsigned char *p, size_t len, char *err, size_t errlen);
extern char *cv_logit_to_json(const cv_logit *m);
extern cv_logit *cv_logit_from_json(const char *text, size_t len, char *err, size_t errlen);

/* Two-sided normal p-value of a z statistic. */
extern double cv_normal_p_value(double z);

/*
 * Wilson score interval of k successes in n trials at normal quantile z:
 * lo and hi.  Requires 0 <= k <= n, n > 0, z > 0.
 */
extern void cv_wilson(int64_t k, int64_t n, double z, double *lo, double *hi);

/* The cut of best_split; see cv_best_split. */
typedef struct cv_split
{
	double		threshold;		/* rows with x < threshold go below */
	int64_t		rows;
	int64_t		rows_below;
	int64_t		rows_above;
	double		rate_below;
	double		rate_above;
	double		lift;			/* rate_above / overall rate */
	double		impurity_decrease;	/* Gini, parent minus weighted children */
} cv_split;

/*
 * Best Gini cut of x over sorted distinct values with counts of positives
 * (pos: npos entries) and negatives (neg: nneg entries), both ascending.
 * Returns 0 with *s filled, or -1 when no cut decreases the impurity (fewer
 * than two distinct values or a single class).  Ties go to the smallest
 * threshold.
 */
extern int	cv_best_split(const double *posx, const int64_t *posn, size_t npos,
						  const double *negx, const int64_t *negn, size_t nneg,
						  cv_split *s);

#endif							/* LOGIT_K_H */
