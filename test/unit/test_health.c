/*
 * test_health.c
 *	  Unit tests of the health-scoring kernel (src/kernel/health_k.c).
 *	  Expected values are worked out by hand in the comments.
 */
#include <float.h>
#include <math.h>

#include "health_k.h"
#include "tap.h"

/* Weighted means, renormalisation, coverage and the compensated sums. */
static void
test_weighted_mean(void)
{
	const double s1[] = {47, 59, 21};
	const double w1[] = {20, 15, 22};
	const double s2[] = {80, 60, 0, 100};
	const unsigned char p2[] = {1, 1, 0, 1};
	const unsigned char none[] = {0, 0, 0, 0};
	const double w2[] = {0.4, 0.3, 0.2, 0.1};
	const double wz[] = {0, 1, 0, 1};
	const unsigned char pz[] = {1, 0, 1, 0};
	const unsigned char pz2[] = {0, 1, 0, 1};
	double		cov;

	/* (47*20 + 59*15 + 21*22) / 57 = (940 + 885 + 462) / 57 = 2287 / 57 */
	tap_ok(cvh_weighted_mean(s1, NULL, w1, 3, 0.0, &cov) == 2287.0 / 57.0,
		   "seed example {47,59,21} x {20,15,22} is 2287/57");
	tap_ok(cov == 1.0, "all present: coverage exactly 1");

	/* (32 + 18 + 10) / (0.4 + 0.3 + 0.1) = 60 / 0.8 = 75 */
	tap_ok(cvh_weighted_mean(s2, p2, w2, 4, 0.0, &cov) == 75.0,
		   "missing score renormalised: exactly 75");
	tap_ok(cov == 0.8, "coverage 0.4 + 0.3 + 0.1 is exactly 0.8 (compensated)");
	tap_ok(cvh_weighted_mean(s2, p2, w2, 4, 0.8, NULL) == 75.0,
		   "coverage equal to min_coverage is enough");
	tap_ok(isnan(cvh_weighted_mean(s2, p2, w2, 4, 0.81, NULL)),
		   "coverage below min_coverage gives NAN");
	tap_ok(isnan(cvh_weighted_mean(s2, none, w2, 4, 0.0, &cov)) && cov == 0.0,
		   "nothing present: NAN, coverage 0");

	/* only zero-weight scores present: present weight 0 */
	tap_ok(isnan(cvh_weighted_mean(s2, pz, wz, 4, 0.0, &cov)) && cov == 0.0,
		   "present weight 0 gives NAN");
	/* only zero-weight scores missing: (60 + 100) / 2, coverage 1 */
	tap_ok(cvh_weighted_mean(s2, pz2, wz, 4, 1.0, &cov) == 80.0 && cov == 1.0,
		   "missing zero-weight scores keep coverage 1");
	{
		CvhWeights	cw;

		cvh_weights_init(&cw, w1, 3);
		tap_ok(cvh_weights_mean(&cw, s1, NULL, 0.0, NULL) == 2287.0 / 57.0,
			   "with the weights prepared, the same mean");
	}

	/* one term dominates: naive 1e16 + 1 + 1 - 1e16 loses both ones */
	{
		const double x[] = {1e16, 1.0, 1.0, -1e16};

		tap_ok(cvh_sum(x, 4) == 2.0, "compensated sum keeps small terms");
		tap_ok(cvh_sum(x, 0) == 0.0, "empty sum is 0");
	}
	/* one million 0.1s: naive sum is 100000.00000133288 */
	{
		CvhSum		acc = {0.0, 0.0};

		for (int i = 0; i < 1000000; i++)
			cvh_sum_add(&acc, 0.1);
		tap_near(cvh_sum_value(&acc), 100000.0, 1e-10, "a million 0.1s add to 100000");
	}
}

/* Linear and log ramps: ends, beyond the ends, interior, reversed. */
/*
 * Any finite weights give the mean of the same weights scaled to ordinary
 * sizes: huge weights do not overflow, subnormal ones keep their bits, and
 * a row whose present weights are 2^1000 times smaller than the largest
 * still gets its score.
 */
static void
test_extreme_weights(void)
{
	const double s[] = {33.3, 66.6};
	const double one[] = {1, 1};
	const double big[] = {1e308, 1e308};
	const double tiny[] = {1e-320, 1e-320};
	const double one_big[] = {1, 1e308};
	const double mixed[] = {1e308, 5e-324};
	const double w5[] = {5e-324};
	const double s5[] = {33.3};
	const unsigned char second[] = {0, 1};
	const unsigned char both[] = {1, 1};
	double		want = cvh_weighted_mean(s, NULL, one, 2, 0.0, NULL);
	double		cov;

	tap_ok(cvh_weighted_mean(s5, NULL, w5, 1, 0.0, NULL) == 33.3,
		   "one subnormal weight 5e-324: the score itself, 33.3");
	tap_ok(cvh_weighted_mean(s, NULL, tiny, 2, 0.0, NULL) == want,
		   "subnormal weights {1e-320, 1e-320} weigh as {1, 1}");
	tap_ok(cvh_weighted_mean(s, NULL, big, 2, 0.0, &cov) == want && cov == 1.0,
		   "weights {1e308, 1e308} weigh as {1, 1}, coverage 1");
	tap_ok(cvh_weighted_mean(s, both, big, 2, 0.0, &cov) == want && cov == 1.0,
		   "the same with a presence mask");
	tap_near(cvh_weighted_mean(s, NULL, one_big, 2, 0.0, NULL), 66.6, 1e-13,
			 "weights {1, 1e308}: the heavy score");
	tap_ok(cvh_weighted_mean(s, second, one_big, 2, 0.5, &cov) == 66.6 && cov == 1.0,
		   "weights {1, 1e308}, only the heavy score: coverage 1");
	tap_ok(cvh_weighted_mean(s, second, mixed, 2, 0.0, &cov) == 66.6 && cov == 0.0,
		   "weights {1e308, 5e-324}, only the light score: its score, coverage 0");
	tap_ok(isnan(cvh_weighted_mean(s, second, mixed, 2, 1e-300, &cov)),
		   "the same below a min_coverage of 1e-300: NAN");
}

static void
test_ramps(void)
{
	tap_ok(cvh_score_linear(0, 0, 50) == 0.0, "linear at poor is 0");
	tap_ok(cvh_score_linear(50, 0, 50) == 100.0, "linear at good is 100");
	tap_ok(cvh_score_linear(-5, 0, 50) == 0.0, "linear beyond poor clamps to 0");
	tap_ok(cvh_score_linear(70, 0, 50) == 100.0, "linear beyond good clamps to 100");
	/* 100 * (20 - 0) / 50 = 40 */
	tap_ok(cvh_score_linear(20, 0, 50) == 40.0, "linear interior 20 on 0..50 is 40");
	/* lower is better: 100 * (7 - 10) / (0 - 10) = 30 exactly */
	tap_ok(cvh_score_linear(7, 10, 0) == 30.0, "reversed ramp 7 on 10..0 is 30");
	tap_ok(cvh_score_linear(12, 10, 0) == 0.0, "reversed ramp beyond poor is 0");
	tap_ok(cvh_score_linear(-1, 10, 0) == 100.0, "reversed ramp beyond good is 100");
	tap_ok(isnan(cvh_score_linear(1, 5, 5)), "poor == good gives NAN");
	tap_ok(isnan(cvh_score_linear(NAN, 0, 1)), "NaN x gives NAN");
	/* ends span more than DBL_MAX: midpoint 0 is halfway */
	tap_ok(cvh_score_linear(0, -DBL_MAX, DBL_MAX) == 50.0,
		   "ramp across the whole double range");
	tap_ok(cvh_score_linear(DBL_MAX / 2, 0, DBL_MAX) == 50.0,
		   "100 * (x - poor) overflow handled");

	/* log1p(9) / log1p(99) = ln 10 / ln 100 = 1/2 */
	tap_near(cvh_score_log(9, 0, 99), 50.0, 1e-12, "log ramp 9 on 0..99 is 50");
	/* log1p(0.5)/log1p(3) = ln 1.5 / ln 4 = 0.29248125036057804 */
	tap_near(cvh_score_log(0.5, 0, 3), 29.248125036057804, 1e-12, "log ramp 0.5 on 0..3");
	tap_ok(cvh_score_log(0, 0, 99) == 0.0, "log at poor is 0");
	tap_ok(cvh_score_log(99, 0, 99) == 100.0, "log at good is 100");
	tap_ok(cvh_score_log(1e9, 0, 99) == 100.0, "log beyond good is 100");
	tap_near(cvh_score_log(9, 99, 0), 50.0, 1e-12, "reversed log ramp 9 on 99..0 is 50");
	tap_ok(isnan(cvh_score_log(-1, 0, 9)), "log of x = -1 is NAN");
	tap_ok(isnan(cvh_score_log(1, -2, 9)), "log with poor < -1 is NAN");
	tap_ok(isnan(cvh_score_log(1, 3, 3)), "log with poor == good is NAN");
}

/* Recency decay and ratios. */
static void
test_recency_ratio(void)
{
	tap_ok(cvh_score_recency(0, 30) == 100.0, "recency today is 100");
	tap_ok(cvh_score_recency(30, 30) == 50.0, "recency one half-life is 50");
	tap_ok(cvh_score_recency(90, 30) == 12.5, "recency three half-lives is 12.5");
	/* 100 * 2^(-0.5) = 70.71067811865476 */
	tap_near(cvh_score_recency(15, 30), 70.71067811865476, 1e-12, "recency half a half-life");
	tap_ok(cvh_score_recency(1e308, 1e-308) == 0.0, "recency underflows to 0");
	tap_ok(isnan(cvh_score_recency(-1, 30)), "negative days is NAN");
	tap_ok(isnan(cvh_score_recency(1, 0)), "zero half-life is NAN");

	tap_ok(cvh_score_ratio(3, 4) == 75.0, "ratio 3/4 is 75");
	tap_ok(cvh_score_ratio(0, 4) == 0.0, "ratio 0/4 is 0");
	tap_ok(cvh_score_ratio(4, 4) == 100.0, "ratio 4/4 is 100");
	/* 100 * 1/3 = 33.333333333333336 (100/3 rounded) */
	tap_ok(cvh_score_ratio(1, 3) == 100.0 / 3.0, "ratio 1/3");
	tap_ok(cvh_score_ratio(DBL_MAX, DBL_MAX) == 100.0, "ratio overflow handled");
	tap_ok(isnan(cvh_score_ratio(0, 0)), "ratio of empty whole is NAN");
}

/* Half-open bands by binary search. */
static void
test_bands(void)
{
	const double e[] = {10, 20, 30};
	const double one[] = {5};
	const double s[] = {1, 101, 50, NAN};
	const unsigned char p[] = {1, 0, 1, 1};

	tap_ok(cvh_band_index(5, e, 3) == 0, "below the first edge: band 0");
	tap_ok(cvh_band_index(10, e, 3) == 1, "exactly at edge 1: band 1 (half-open)");
	tap_ok(cvh_band_index(19.999, e, 3) == 1, "just below edge 2: band 1");
	tap_ok(cvh_band_index(20, e, 3) == 2, "exactly at edge 2: band 2");
	tap_ok(cvh_band_index(30, e, 3) == 3, "exactly at the last edge: last band");
	tap_ok(cvh_band_index(1e300, e, 3) == 3, "far above: last band");
	tap_ok(cvh_band_index(NAN, e, 3) == 3, "NaN sorts above every edge");
	tap_ok(cvh_band_index(5, one, 1) == 1 && cvh_band_index(4, one, 1) == 0,
		   "single edge");
	tap_ok(cvh_band_index(5, e, 0) == 0, "no edges: band 0");

	tap_ok(cvh_first_outside(s, NULL, 4, 0, 100) == 1, "first outside: 101 at index 1");
	tap_ok(cvh_first_outside(s, p, 4, 0, 100) == 3, "absent elements skipped; NaN is outside");
	tap_ok(cvh_first_outside(s, p, 3, 0, 100) == -1, "all inside: -1");
	tap_ok(cvh_first_outside(s, NULL, 3, 0, INFINITY) == -1, "unbounded above");
}

int
main(void)
{
	test_weighted_mean();
	test_extreme_weights();
	test_ramps();
	test_recency_ratio();
	test_bands();
	return tap_done();
}
