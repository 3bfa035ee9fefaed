/*
 * test_btyd.c
 *	  Unit tests of the BG/NBD and Gamma-Gamma kernels (btyd_k.c): the
 *	  digamma function against known values, the two evaluations of the
 *	  expected purchases against each other and against values computed
 *	  with mpmath at 60 digits, finiteness at the extremes, recovery of
 *	  known parameters from simulated customers (the fitted likelihood must
 *	  beat the true parameters' one), P(alive) and CLV identities, and the
 *	  model forms' round trips and rejections.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "btyd_k.h"
#include "cvalloc.h"
#include "testbits.h"
#include "tuples.h"
#include "tap.h"

static uint64_t seed = 20050101;

static double
unif(void)
{
	return ((splitmix(&seed) >> 11) + 0.5) / 9007199254740992.0;
}

static double
normal(void)
{
	return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif());
}

/* Marsaglia-Tsang gamma with unit scale. */
static double
rgamma(double shape)
{
	double		d,
				c;

	if (shape < 1)
		return rgamma(shape + 1) * pow(unif(), 1 / shape);
	d = shape - 1.0 / 3;
	c = 1 / sqrt(9 * d);
	for (;;)
	{
		double		x = normal(),
					v = 1 + c * x,
					u = unif();

		if (v <= 0)
			continue;
		v = v * v * v;
		if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
			return d * v;
	}
}

/* One BG/NBD customer observed for T: (x, tx). */
static void
simulate_bgnbd(double r, double alpha, double a, double b, double T, double *x, double *tx)
{
	double		lambda = rgamma(r) / alpha;
	double		ga = rgamma(a),
				p = ga / (ga + rgamma(b));
	double		t = 0;

	*x = 0;
	*tx = 0;
	for (;;)
	{
		t += -log(unif()) / lambda;
		if (t > T)
			return;
		*x += 1;
		*tx = t;
		if (unif() < p)
			return;
	}
}

/* Sorted distinct tuples as columns with weights. */
static size_t
columns(cv_tuples *t, double **c, double *w)
{
	size_t		n;

	cv_tuples_sort(t);
	n = cv_tuples_count(t);
	for (size_t i = 0; i < n; i++)
	{
		for (int j = 0; j < cv_tuples_width(t); j++)
			c[j][i] = cv_tuples_key(t, i)[j];
		w[i] = (double) cv_tuples_weight(t, i);
	}
	return n;
}

#define NSIM 40000

static void
test_bgnbd_recovery(void)
{
	cv_tuples  *t = cv_tuples_new(3, 0);
	static double cx[NSIM],
				ctx[NSIM],
				cT[NSIM],
				w[NSIM];
	double	   *c[3] = {cx, ctx, cT};
	cvb_bgnbd	truth = {.r = 0.25, .alpha = 4.0, .a = 0.8, .b = 2.5},
				m;
	cvb_fit_opts o = {0, CVB_DEFAULT_MAX_ITER, CVB_DEFAULT_TOL};
	char		err[200];
	size_t		n;
	int			rc;
	double		lltrue;

	for (int i = 0; i < NSIM; i++)
	{
		double		k[3];

		k[2] = 27 + (i % 13);	/* whole weeks, as a cohort's ages */
		simulate_bgnbd(truth.r, truth.alpha, truth.a, truth.b, k[2], &k[0], &k[1]);
		k[1] = round(k[1] * 7) / 7;	/* purchase days */
		cv_tuples_add(t, k, NULL, 1);
	}
	n = columns(t, c, w);
	rc = cvb_bgnbd_fit(cx, ctx, cT, w, n, &o, &m, err, sizeof(err));
	tap_ok(rc == 0 && m.converged, "BG/NBD fit of simulated customers converges");
	printf("# r %g alpha %g a %g b %g ll %.3f iterations %d distinct %zu\n",
		   m.r, m.alpha, m.a, m.b, m.log_likelihood, m.iterations, n);
	tap_near(m.r, truth.r, 0.03, "r recovered");
	tap_near(m.alpha, truth.alpha, 0.6, "alpha recovered");
	tap_near(m.a, truth.a, 0.25, "a recovered");
	tap_near(m.b, truth.b, 0.9, "b recovered");
	lltrue = cvb_bgnbd_loglik(&truth, cx, ctx, cT, w, n);
	tap_ok(m.log_likelihood >= lltrue, "fitted log-likelihood is at least the true parameters'");
	{
		/* every nearby point is worse: the optimum, not just a stop */
		int			worse = 1;

		for (int j = 0; j < 4; j++)
			for (int s = -1; s <= 1; s += 2)
			{
				cvb_bgnbd	q = m;
				double	   *pp[4] = {&q.r, &q.alpha, &q.a, &q.b};

				*pp[j] *= 1 + s * 1e-3;
				worse &= cvb_bgnbd_loglik(&q, cx, ctx, cT, w, n) < m.log_likelihood;
			}
		tap_ok(worse, "the fit is a local maximum in every direction");
	}
	/* the penalizer shrinks the parameters */
	o.penalizer = 0.1;
	{
		cvb_bgnbd	p;

		rc = cvb_bgnbd_fit(cx, ctx, cT, w, n, &o, &p, err, sizeof(err));
		tap_ok(rc == 0 && p.converged && p.a < m.a && p.b < m.b && p.log_likelihood < m.log_likelihood,
			   "a penalised fit has smaller a, b and likelihood");
	}
	/* nobody with a repeat purchase: a clear failure */
	{
		double		z[2] = {0, 0},
					T2[2] = {3, 4},
					w2[2] = {1, 1};

		o.penalizer = 0;
		tap_ok(cvb_bgnbd_fit(z, z, T2, w2, 2, &o, &m, err, sizeof(err)) < 0 &&
			   strstr(err, "repeat") != NULL, "no repeat purchase is an error");
	}
	cv_tuples_free(t);
}

static void
test_gammagamma_recovery(void)
{
	cv_tuples  *t = cv_tuples_new(2, 0);
	static double cx[NSIM],
				cm[NSIM],
				w[NSIM];
	double	   *c[2] = {cx, cm};
	cvb_gammagamma truth = {.p = 6.0, .q = 3.5, .v = 15.0},
				m;
	cvb_fit_opts o = {0, CVB_DEFAULT_MAX_ITER, CVB_DEFAULT_TOL};
	char		err[200];
	size_t		n;

	for (int i = 0; i < NSIM; i++)
	{
		/* nu ~ Gamma(q, rate gamma); each spend ~ Gamma(p, rate nu) */
		double		nu = rgamma(truth.q) / truth.v;
		double		k[2],
					sum = 0;

		k[0] = 1 + i % 8;
		for (int j = 0; j < k[0]; j++)
			sum += rgamma(truth.p) / nu;
		k[1] = round(sum / k[0] * 100) / 100;
		cv_tuples_add(t, k, NULL, 1);
	}
	n = columns(t, c, w);
	tap_ok(cvb_gammagamma_fit(cx, cm, w, n, &o, &m, err, sizeof(err)) == 0 && m.converged,
		   "Gamma-Gamma fit of simulated customers converges");
	printf("# p %g q %g gamma %g ll %.3f iterations %d\n", m.p, m.q, m.v, m.log_likelihood, m.iterations);
	tap_near(m.p, truth.p, 0.5, "p recovered");
	tap_near(m.q, truth.q, 0.3, "q recovered");
	tap_near(m.v, truth.v, 2.0, "gamma recovered");
	tap_ok(m.log_likelihood >= cvb_gammagamma_loglik(&truth, cx, cm, w, n),
		   "fitted log-likelihood is at least the true parameters'");
	/* expected spend is the credibility-weighted mean */
	{
		double		wgt = m.p * 3 / (m.p * 3 + m.q - 1);
		double		pop = m.v * m.p / (m.q - 1);

		tap_near(cvb_gammagamma_spend(&m, 3, 40), (1 - wgt) * pop + wgt * 40, 1e-9,
				 "expected spend weights the customer's mean against the population's");
		tap_near(cvb_gammagamma_spend(&m, 0, 0), pop, 1e-9, "no repeat purchase: population mean");
	}
	{
		cvb_gammagamma q1 = {.p = 2, .q = 0.9, .v = 10};

		tap_ok(isnan(cvb_gammagamma_spend(&q1, 3, 10)), "q <= 1: no finite expected spend");
	}
	cv_tuples_free(t);
}

/* Reference values of E[purchases | alive] computed with mpmath (60 digits). */
typedef struct ref_case
{
	double		r,
				alpha,
				a,
				b,
				x,
				T,
				t,
				want;
} ref_case;

static const ref_case refs[] = {
#include "btyd_refs.h"
};

static void
test_expectations(void)
{
	double		worst = 0;
	int			nseries = 0;
	cvb_bgnbd	m = {.r = 0.2426, .alpha = 4.414, .a = 0.793, .b = 2.426};

	tap_near(cvb_digamma(1), -0.57721566490153286, 1e-14, "digamma(1)");
	tap_near(cvb_digamma(0.5), -1.9635100260214235, 1e-14, "digamma(0.5)");
	tap_near(cvb_digamma(10), 2.2517525890667211, 1e-14, "digamma(10)");
	tap_near(cvb_digamma(1e-3), -1000.5755719318103, 1e-10, "digamma(0.001)");

	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
	{
		const ref_case *c = &refs[i];
		cvb_bgnbd	q = {.r = c->r, .alpha = c->alpha, .a = c->a, .b = c->b};
		double		s = cvb_alive_purchases_series(&q, c->t, c->x, c->T);
		double		u = cvb_alive_purchases_quad(&q, c->t, c->x, c->T);

		if (s >= 0)
		{
			nseries++;
			worst = fmax(worst, fabs(s - c->want) / c->want);
		}
		worst = fmax(worst, fabs(u - c->want) / c->want);
		if (fabs(u - c->want) > 1e-9 * c->want || (s >= 0 && fabs(s - c->want) > 1e-9 * c->want))
			printf("# case %zu: series %.17g quad %.17g want %.17g\n", i, s, u, c->want);
	}
	printf("# %zu reference cases, %d by the series; worst relative error %.3g\n",
		   sizeof(refs) / sizeof(refs[0]), nseries, worst);
	tap_ok(worst < 1e-9, "series and integration match mpmath to 1e-9");
	tap_ok(nseries > 20, "the series serves the ordinary cases");

	/* a = 1 is an ordinary point */
	{
		cvb_bgnbd	lo = m,
					one = m,
					hi = m;

		lo.a = 1 - 1e-7;
		one.a = 1;
		hi.a = 1 + 1e-7;
		tap_ok(fabs(cvb_bgnbd_expected(&one, 20, 3, 10, 30) - cvb_bgnbd_expected(&lo, 20, 3, 10, 30)) < 1e-6 &&
			   fabs(cvb_bgnbd_expected(&one, 20, 3, 10, 30) - cvb_bgnbd_expected(&hi, 20, 3, 10, 30)) < 1e-6,
			   "expected purchases continuous through a = 1");
	}
	/* extremes stay finite and ordered */
	{
		int			ok = 1;
		double		prev = 0;

		for (double h = 1e-6; h <= CVB_MAX_HORIZON; h *= 10)
		{
			double		e = cvb_bgnbd_expected(&m, h, 500, 90, 90);

			ok &= isfinite(e) && e >= prev;
			prev = e;
		}
		tap_ok(ok, "frequency 500, horizons 1e-6 to 1e15: finite and increasing");
		ok = 1;
		for (double h = 1e-3; h <= CVB_MAX_HORIZON; h *= 10)
		{
			double		e = cvb_bgnbd_expected(&m, h, 0, 0, 0);

			ok &= isfinite(e) && e > 0;
		}
		tap_ok(ok, "t = 0: finite");
		tap_ok(cvb_bgnbd_expected(&m, 0, 3, 2, 5) == 0, "horizon 0: no purchases");
	}
	/* P(alive): 1 without repeat purchases, the closed form otherwise */
	{
		double		want = 1 / (1 + m.a / (m.b + 2 - 1) * pow((m.alpha + 30) / (m.alpha + 12), m.r + 2));

		tap_near(cvb_bgnbd_p_alive(&m, 0, 0, 30), 1, 0, "P(alive) is 1 without repeat purchases");
		tap_near(cvb_bgnbd_p_alive(&m, 2, 12, 30), want, 1e-15, "P(alive) closed form");
		tap_ok(cvb_bgnbd_p_alive(&m, 400, 1, 80) >= 0 && cvb_bgnbd_p_alive(&m, 400, 1, 80) < 1e-100,
			   "P(alive) underflows gracefully for a long-lost frequent buyer");
	}
	/* CLV: lifetimes' monthly differences and discounting */
	{
		cvb_bgnbd	d = m;
		double		e1,
					e2;

		d.time_unit = CVB_DAY;
		e1 = cvb_bgnbd_expected(&d, 30, 2, 40, 100);
		e2 = cvb_bgnbd_expected(&d, 60, 2, 40, 100);
		tap_near(cvb_clv(&d, 10, 2, 40, 100, 2, 0.01), 10 * e1 / 1.01 + 10 * (e2 - e1) / (1.01 * 1.01),
				 1e-12, "clv of two months with 1% monthly discount");
		d.time_unit = CVB_WEEK;
		tap_near(cvb_clv(&d, 10, 2, 4, 10, 3, 0), 10 * cvb_bgnbd_expected(&d, 3 * 4.345, 2, 4, 10),
				 1e-9, "undiscounted clv telescopes to spend times expected purchases");
		tap_ok(isfinite(cvb_clv(&d, 10, 300, 50, 50, CVB_MAX_MONTHS, 0)), "1200 months at frequency 300: finite");
	}
}

static void
test_forms(void)
{
	cvb_bgnbd	m = {0.2426, 4.414, 0.793, 2.426, -9582.43, 24, 1, 2357, 1016, 0, CVB_WEEK};
	char	   *j = cvb_bgnbd_to_json(&m);
	char		err[200];
	cvb_bgnbd  *back = cvb_bgnbd_from_json(j, strlen(j), err, sizeof(err));
	cv_wbuf		b;
	cvb_bgnbd  *bin;

	tap_ok(back && back->r == m.r && back->alpha == m.alpha && back->a == m.a && back->b == m.b &&
		   back->log_likelihood == m.log_likelihood && back->time_unit == CVB_WEEK &&
		   back->iterations == 24 && back->converged == 1 && back->customers == 2357,
		   "bgnbd JSON round trip");
	cvb_init(&b);
	cvb_bgnbd_write(&m, &b);
	bin = cvb_bgnbd_read(b.data, b.len, err, sizeof(err));
	tap_ok(bin && bin->b == m.b && bin->time_unit == CVB_WEEK, "bgnbd binary round trip");
	tap_ok(cvb_bgnbd_read(b.data, b.len - 1, err, sizeof(err)) == NULL, "truncated binary rejected");
	b.data[1 + 8 * 2 + 7] = 0xff;	/* a := NaN-ish negative */
	tap_ok(cvb_bgnbd_read(b.data, b.len, err, sizeof(err)) == NULL, "negative parameter in binary rejected");
	{
		const char *hand = "{\"kind\": \"bgnbd_model\", \"version\": 1, \"r\": 1, \"alpha\": 2, \"a\": 0.5, \"b\": 3}";

		back = cvb_bgnbd_from_json(hand, strlen(hand), err, sizeof(err));
		tap_ok(back && back->time_unit == CVB_DAY && isnan(back->log_likelihood),
			   "hand-written model: defaults for the fit outcome, day unit");
	}
#define REJECT(txt, frag, name) do { \
		const char *t_ = (txt); \
		tap_ok(cvb_bgnbd_from_json(t_, strlen(t_), err, sizeof(err)) == NULL && strstr(err, frag) != NULL, name); \
		if (strstr(err, frag) == NULL) printf("# %s\n", err); \
	} while (0)
	REJECT("{\"kind\": \"bgnbd_model\", \"version\": 1, \"r\": 1, \"alpha\": 2, \"a\": 0.5}", "\"b\"", "missing b rejected");
	REJECT("{\"kind\": \"bgnbd_model\", \"version\": 1, \"r\": 0, \"alpha\": 2, \"a\": 0.5, \"b\": 1}", "\"r\" must be", "r = 0 rejected");
	REJECT("{\"kind\": \"bgnbd_model\", \"version\": 2, \"r\": 1, \"alpha\": 2, \"a\": 0.5, \"b\": 1}", "version", "version 2 rejected");
	REJECT("{\"kind\": \"gammagamma_model\", \"version\": 1}", "kind", "wrong kind rejected");
	REJECT("{\"kind\": \"bgnbd_model\", \"version\": 1, \"r\": 1, \"alpha\": 2, \"a\": 0.5, \"b\": 1, \"c\": 1}", "unknown key", "unknown key rejected");
	REJECT("{\"kind\": \"bgnbd_model\", \"version\": 1, \"r\": 1, \"alpha\": 2, \"a\": 0.5, \"b\": 1, \"time_unit\": \"year\"}", "time_unit", "unknown unit rejected");
	{
		cvb_gammagamma g = {6.25, 3.74, 15.44, -4055.9, 21, 1, 946, 1411, 0};
		char	   *gj = cvb_gammagamma_to_json(&g);
		cvb_gammagamma *gb = cvb_gammagamma_from_json(gj, strlen(gj), err, sizeof(err));

		tap_ok(gb && gb->p == g.p && gb->q == g.q && gb->v == g.v && gb->skipped == 1411 &&
			   strstr(gj, "\"gamma\": 15.44") != NULL, "gammagamma JSON round trip");
	}
}

int
main(void)
{
	test_expectations();
	test_forms();
	test_bgnbd_recovery();
	test_gammagamma_recovery();
	return tap_done();
}
