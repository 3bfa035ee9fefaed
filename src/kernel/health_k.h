/*
 * health_k.h
 *	  Health-scoring kernel: weighted, renormalised means of 0-100 scores,
 *	  the normalisers that map raw measures onto 0-100, and half-open band
 *	  lookup.  Plain C (no PostgreSQL headers) so that it can be unit-tested
 *	  alone; the glue (src/health.c) and the scorecard both call it.
 *
 * The kernel does not raise errors.  Functions that cannot give a score
 * return NAN, and the validation helpers return the index of the first bad
 * element (or -1) so that the caller can report it with its own words.
 */
#ifndef HEALTH_K_H
#define HEALTH_K_H

#include <math.h>

/* Scores, points and health scores live on this scale. */
#define CVH_SCORE_MIN	0.0
#define CVH_SCORE_MAX	100.0

/*
 * A compensated running sum: the rounding error of every addition is
 * recovered exactly with Knuth's branch-free TwoSum and kept in c, so that
 * a sum of n terms is as accurate as if it had been computed in twice the
 * precision and rounded once (error about 1 ulp plus n * eps^2 * sum |x|;
 * the same bound as Neumaier's variant, without its data-dependent branch,
 * which mispredicts on row data).  Used for the weighted sums, so that
 * e.g. weights 0.4 + 0.3 + 0.1 add to exactly 0.8.  Requires strict IEEE
 * double arithmetic (no -ffast-math).
 */
typedef struct CvhSum
{
	double		s;				/* running sum */
	double		c;				/* accumulated rounding errors */
} CvhSum;

/* Add x to a compensated sum. */
static inline void
cvh_sum_add(CvhSum *acc, double x)
{
	double		t = acc->s + x;
	double		xv = t - acc->s;	/* the part of x that made it into t */

	acc->c += (acc->s - (t - xv)) + (x - xv);
	acc->s = t;
}

/* The value of a compensated sum. */
static inline double
cvh_sum_value(const CvhSum *acc)
{
	return acc->s + acc->c;
}

/* Compensated sum of n doubles. */
extern double cvh_sum(const double *x, int n);

/*
 * Weighted mean of present scores renormalised over present weights:
 * sum(w_i * s_i) / sum(w_i) over the i with present[i] != 0 (present may be
 * NULL: all present).  Returns NAN when nothing is present, when the
 * present weight is 0, or when coverage < min_coverage.  *coverage gets
 * present weight / total weight (may be NULL).  When every score is
 * present (or only zero-weight scores are missing) the coverage is exactly 1.
 *
 * Any finite weights >= 0 give the exact answer: they are first scaled by
 * a power of two (exact) that brings the largest into [1, 2), so that
 * weights of 1e308 do not overflow the sums and subnormal weights (5e-324)
 * keep all their bits; a row whose present weights are all more than 2^1000
 * times smaller than the largest is scaled again by its own largest.
 */
extern double cvh_weighted_mean(const double *scores, const unsigned char *present,
								const double *weights, int n,
								double min_coverage, double *coverage);

/*
 * Weights prepared once for scoring many rows: the weights as given (the
 * caller keeps them alive), the same times 2^-exp (exact), where exp is the
 * exponent of the largest weight, so that the largest lies in [1, 2), and
 * the compensated sum of the scaled weights.  cvh_weights_init allocates
 * the scaled copy with cv_malloc; cvh_weights_free releases it.
 */
typedef struct CvhWeights
{
	const double *w;
	double	   *ws;				/* w[i] * 2^-exp */
	int			n;
	int			exp;
	double		total;			/* sum of ws[i] */
} CvhWeights;

extern void cvh_weights_init(CvhWeights *cw, const double *w, int n);
extern void cvh_weights_free(CvhWeights *cw);

/* cvh_weighted_mean with prepared weights. */
extern double cvh_weights_mean(const CvhWeights *cw, const double *scores,
							   const unsigned char *present,
							   double min_coverage, double *coverage);

/*
 * The exponent of the largest present weight (present may be NULL: all),
 * as ilogb gives it; 0 when no present weight is positive.  Scaling by
 * ldexp(w, -exp) brings that weight into [1, 2).
 */
extern int	cvh_weight_exp(const double *w, const unsigned char *present, int n);

/*
 * Clamped linear ramp: 0 at poor (and beyond it), 100 at good (and beyond),
 * linear in between.  poor > good means lower values are better.  NAN when
 * poor == good or any argument is NaN.
 */
extern double cvh_score_linear(double x, double poor, double good);

/*
 * The same ramp on log1p(x) between log1p(poor) and log1p(good), for
 * measures whose value grows by multiples (revenue, deal size).  NAN when
 * poor == good or an argument is NaN or not greater than -1.
 */
extern double cvh_score_log(double x, double poor, double good);

/*
 * Exponential decay of 100 with a half-life: 100 * 2^(-days / half_life).
 * NAN when days < 0 or half_life <= 0 (or NaN).
 */
extern double cvh_score_recency(double days, double half_life);

/*
 * Share of a whole on the 0-100 scale: 100 * part / whole, capped at 100.
 * NAN when whole is 0 (no share to speak of).
 */
extern double cvh_score_ratio(double part, double whole);

/*
 * Number of edges <= x, 0..nedges, by binary search over strictly
 * ascending edges: the index of x's half-open band [edge_i, edge_i+1).
 * NaN sorts above every edge.
 */
extern int	cvh_band_index(double x, const double *edges, int nedges);

/*
 * Index of the first present element outside [lo, hi] (NaN included), or
 * -1 when all are inside.  present may be NULL (all present).
 */
extern int	cvh_first_outside(const double *x, const unsigned char *present,
							  int n, double lo, double hi);

#endif							/* HEALTH_K_H */
