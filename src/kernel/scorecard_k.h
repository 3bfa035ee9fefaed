/*
 * scorecard_k.h
 *	  The scorecard model: per measure a way to turn a raw value into 0-100
 *	  points and a weight; a customer's score is the weighted mean of the
 *	  points of the measures present.  Plain C, no PostgreSQL headers.
 *
 * A fitted measure ("percentile") holds the population's distribution as
 * knots x[] with the rows exactly at each knot (atom[]) and, when the fit
 * had to compress, rows spread evenly over the open interval up to the
 * next knot (between[]).  A value then scores its mid-rank percentile:
 * 100 * (share strictly below + share equal / 2), reversed (100 minus
 * that) when lower is better.  Hand-written measures may instead use the
 * fixed ramps of the scalar normalisers: linear, log, recency, bands.
 */
#ifndef CV_SCORECARD_K_H
#define CV_SCORECARD_K_H

#include <stddef.h>

#include "cvcodec.h"
#include "distr.h"
#include "health_k.h"

typedef enum cvs_method
{
	CVS_PERCENTILE = 0,
	CVS_LINEAR,
	CVS_LOG,
	CVS_RECENCY,
	CVS_BANDS
} cvs_method;

typedef struct cvs_measure
{
	char	   *name;
	double		weight;
	cvs_method	method;
	int			higher_is_better;	/* percentile only */
	/* percentile */
	int			nknots;
	double	   *x;
	double	   *atom;
	double	   *between;		/* nknots - 1 entries, or NULL */
	double	   *ranks;			/* derived: rows below and at x[j], scaled */
	double		total;			/* derived: rows in the population, scaled */
	int			count_exp;		/* derived: counts are scaled by 2^-count_exp */
	int			nfence;			/* derived: x[0], x[STRIDE], x[2 STRIDE], ... */
	double	   *fence;			/* (none for short measures) */
	/* linear, log */
	double		poor;
	double		good;
	/* recency */
	double		half_life;
	/* bands */
	int			nedges;
	double	   *edges;
	double	   *points;
} cvs_measure;

typedef struct cvs_card
{
	int			n;
	cvs_measure *m;
	/* derived by the readers: the measures' weights, prepared for scoring */
	double	   *w;
	CvhWeights	weights;
} cvs_card;

/* Knots per block of a measure's lookup (see derive_fences). */
#define CVS_FENCE_STRIDE 64

/* Largest number of measures a scorecard may have. */
#define CVS_MAX_MEASURES 1000

/*
 * A fitted measure keeps its population's distinct values exactly up to
 * CVS_EXACT_KNOTS of them; beyond, the card holds ranges of at most
 * CVS_RANGE_SHARE of the rows each: at most 2 / CVS_RANGE_SHARE + 1
 * ranges, so at most about 4,050 knots, and points within
 * 100 * CVS_RANGE_SHARE = 0.1 of the exact mid-rank percentile.
 */
#define CVS_EXACT_KNOTS 100000
#define CVS_RANGE_SHARE 0.001

/*
 * Build a fitted card from a DISTR fit state's exact distributions
 * (compacted); the card depends only on the distributions.
 */
extern cvs_card *cvs_from_distr(cv_distr *d, char **names, const double *weights,
								const int *higher_is_better);

/* Points (0-100) of raw value v on measure m; NAN when m has no population. */
extern double cvs_points(const cvs_measure *m, double v);

/*
 * Score a customer: points per present measure into points[] (NAN for
 * absent), weighted renormalised mean as the result (NAN when nothing is
 * present), coverage into *coverage.
 */
extern double cvs_score(const cvs_card *c, const double *v, const unsigned char *present,
						double *points, double *coverage);

/* Explanation of a score as JSON text (cv_malloc'd). */
extern char *cvs_explain_json(const cvs_card *c, const double *v, const unsigned char *present);

/* Binary payload and JSON text forms; readers validate fully. */
extern void cvs_write(const cvs_card *c, cv_wbuf *b);
extern void *cvs_read(const unsigned char *p, size_t len, char *err, size_t errlen);
extern char *cvs_to_json(const cvs_card *c);
extern cvs_card *cvs_from_json(const char *text, size_t len, char *err, size_t errlen);
extern void cvs_free(cvs_card *c);

#endif							/* CV_SCORECARD_K_H */
