/*
 * health_k.c
 *	  Health-scoring kernel; see health_k.h.
 */
#include "health_k.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "cvalloc.h"

/* Compensated sum of n doubles. */
double
cvh_sum(const double *x, int n)
{
	CvhSum		acc = {0.0, 0.0};

	for (int i = 0; i < n; i++)
		cvh_sum_add(&acc, x[i]);
	return cvh_sum_value(&acc);
}

/* The exponent of the largest present weight; 0 when none is positive. */
int
cvh_weight_exp(const double *w, const unsigned char *present, int n)
{
	double		max = 0.0;

	for (int i = 0; i < n; i++)
		if ((present == NULL || present[i]) && w[i] > max)
			max = w[i];
	return max > 0.0 ? ilogb(max) : 0;
}

/* ws[i] = w[i] * 2^-exp (exact unless it underflows), and their sum. */
static double
scale_weights(const double *w, int n, int exp, double *ws)
{
	CvhSum		acc = {0.0, 0.0};

	for (int i = 0; i < n; i++)
	{
		ws[i] = ldexp(w[i], -exp);
		cvh_sum_add(&acc, ws[i]);
	}
	return cvh_sum_value(&acc);
}

void
cvh_weights_init(CvhWeights *cw, const double *w, int n)
{
	cw->w = w;
	cw->n = n;
	cw->exp = cvh_weight_exp(w, NULL, n);
	cw->ws = cv_malloc(sizeof(double) * (n > 0 ? n : 1));
	cw->total = scale_weights(w, n, cw->exp, cw->ws);
}

void
cvh_weights_free(CvhWeights *cw)
{
	cv_free(cw->ws);
	cw->ws = NULL;
}

/* Weighted mean over the present scores; see health_k.h. */
double
cvh_weighted_mean(const double *scores, const unsigned char *present,
				  const double *weights, int n,
				  double min_coverage, double *coverage)
{
	CvhWeights	cw;
	double		r;

	cvh_weights_init(&cw, weights, n);
	r = cvh_weights_mean(&cw, scores, present, min_coverage, coverage);
	cvh_weights_free(&cw);
	return r;
}

/*
 * The weighted mean with scaled weights ws and their total.  Both sums
 * are compensated.  The present weight is accumulated exactly like the
 * total (same terms, same order), so a row missing only zero-weight scores
 * has coverage exactly 1; a row with nothing missing (present == NULL)
 * skips that sum, as it is the total.  Returns the present weight in *pw
 * and the coverage in *cov (0 when the total is not a positive number).
 */
static double
scaled_mean(const double *ws, int n, double total,
			const double *scores, const unsigned char *present,
			double *pw, double *cov)
{
	CvhSum		dot = {0.0, 0.0};
	CvhSum		have = {0.0, 0.0};

	if (present == NULL)
	{
		for (int i = 0; i < n; i++)
			cvh_sum_add(&dot, ws[i] * scores[i]);
		*pw = total;
	}
	else
	{
		for (int i = 0; i < n; i++)
			if (present[i])
			{
				cvh_sum_add(&have, ws[i]);
				cvh_sum_add(&dot, ws[i] * scores[i]);
			}
		*pw = cvh_sum_value(&have);
	}
	*cov = total > 0.0 ? *pw / total : 0.0;
	return cvh_sum_value(&dot) / *pw;
}

double
cvh_weights_mean(const CvhWeights *cw, const double *scores,
				 const unsigned char *present,
				 double min_coverage, double *coverage)
{
	double		pw,
				cov,
				mean = scaled_mean(cw->ws, cw->n, cw->total, scores, present, &pw, &cov);

	if (!(pw > 0.0) && present != NULL)
	{
		/*
		 * The present weights are all more than 2^1000 times smaller than
		 * the largest and underflowed: scale by the largest of them.  The
		 * total may then overflow (a NaN compensated sum), and the
		 * coverage, below 2^-1000, is 0.
		 */
		int			exp = cvh_weight_exp(cw->w, present, cw->n);

		if (exp != cw->exp)
		{
			double	   *ws = cv_malloc(sizeof(double) * cw->n);
			double		total = scale_weights(cw->w, cw->n, exp, ws);

			mean = scaled_mean(ws, cw->n, total, scores, present, &pw, &cov);
			cv_free(ws);
		}
	}
	if (coverage)
		*coverage = cov;
	if (!(pw > 0.0) || cov < min_coverage)
		return NAN;
	return mean;
}

/*
 * The clamped ramp shared by the linear and log normalisers.  The ends are
 * decided on the raw values (so x == poor gives exactly 0 and x == good
 * exactly 100 whatever the transform does); the interior is interpolated
 * on the transformed values tx, tpoor, tgood.  100 * (tx - tpoor) is
 * formed before dividing, so that ramps over round numbers give round
 * scores (x = 7 on a 10 -> 0 ramp is 30, not 30.000000000000004).
 */
static double
ramp(double x, double poor, double good,
	 double tx, double tpoor, double tgood)
{
	bool		up = poor < good;
	double		num;
	double		den;
	double		r;

	if (up ? x <= poor : x >= poor)
		return 0.0;
	if (up ? x >= good : x <= good)
		return 100.0;
	num = tx - tpoor;
	den = tgood - tpoor;
	if (den == 0.0)
		return 50.0;			/* ends distinct but collapsed by the transform */
	if (isinf(den))
	{
		/* the ends span more than the double range: halve everything */
		num = 0.5 * tx - 0.5 * tpoor;
		den = 0.5 * tgood - 0.5 * tpoor;
	}
	r = 100.0 * num / den;
	if (!isfinite(r))
		r = num / den * 100.0;
	return fmin(fmax(r, 0.0), 100.0);
}

/* Clamped linear ramp from poor (0) to good (100). */
double
cvh_score_linear(double x, double poor, double good)
{
	if (isnan(x) || isnan(poor) || isnan(good) || poor == good)
		return NAN;
	return ramp(x, poor, good, x, poor, good);
}

/* The clamped ramp on log1p of the values. */
double
cvh_score_log(double x, double poor, double good)
{
	if (!(x > -1.0 && poor > -1.0 && good > -1.0) || poor == good)
		return NAN;
	return ramp(x, poor, good, log1p(x), log1p(poor), log1p(good));
}

/* 100 * 2^(-days / half_life). */
double
cvh_score_recency(double days, double half_life)
{
	if (!(days >= 0.0 && half_life > 0.0))
		return NAN;
	return 100.0 * exp2(-(days / half_life));
}

/* 100 * part / whole, NAN for an empty whole. */
double
cvh_score_ratio(double part, double whole)
{
	double		r;

	if (whole == 0.0 || isnan(part) || isnan(whole))
		return NAN;
	r = 100.0 * part / whole;
	if (!isfinite(r))
		r = part / whole * 100.0;
	return fmin(r, 100.0);
}

/*
 * Count of edges <= x by binary search: the invariant is that edges[0..lo)
 * are <= x and edges[hi..n) are > x.  "!(x < e)" puts NaN above every edge.
 */
int
cvh_band_index(double x, const double *edges, int nedges)
{
	int			lo = 0;
	int			hi = nedges;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (!(x < edges[mid]))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First present element outside [lo, hi]; NaN counts as outside. */
int
cvh_first_outside(const double *x, const unsigned char *present,
				  int n, double lo, double hi)
{
	for (int i = 0; i < n; i++)
		if ((present == NULL || present[i]) && !(x[i] >= lo && x[i] <= hi))
			return i;
	return -1;
}
