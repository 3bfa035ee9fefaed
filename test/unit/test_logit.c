/*
 * test_logit.c
 *	  Unit tests of the logistic regression kernel (logit_k.c): the fit
 *	  against statsmodels' Logit on a small table, the penalised fit's
 *	  optimality condition, independence of row order, every refusal
 *	  (separation, constant feature, collinearity, one class), the model's
 *	  byte and JSON forms, reason codes, best_split and Wilson intervals.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cvalloc.h"
#include "cvfeatures.h"
#include "logit_k.h"
#include "rows.h"
#include "tap.h"
#include "testbits.h"

/* statsmodels 0.13.5 Logit on the 12-row table below (tol 1e-12). */
static const double X1[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const double X2[12] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8};
static const double Y12[12] = {0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1};
static const double SM_PARAMS[3] = {-7.37515026, 0.08526391, 1.62217198};
static const double SM_BSE[3] = {4.50491759, 0.31246275, 1.04056963};
static const double SM_STD_PARAMS[3] = {0.20847704, 0.29433549, 3.93653009};
static const double SM_STD_BSE[3] = {1.01190397, 1.07863781, 2.52515376};
static const double SM_LLF = -3.2094800480995684;
static const double SM_LLNULL = -8.317766166719343;

static cv_rows *
table12(int order)
{
	cv_rows    *r = cv_rows_new(2, 0, 1, 0, 0);

	for (int k = 0; k < 12; k++)
	{
		int			i = order ? 11 - k : k;
		double		x[2] = {X1[i], X2[i]};

		cv_rows_add(r, x, NULL, NULL, Y12[i]);
	}
	cv_rows_finish(r);
	return r;
}

static cv_logit_status
fit(cv_rows *r, int standardize, double l2, cv_logit **m, char *detail)
{
	cv_logit_opts o = {l2, 100, 1e-8};

	return cv_logit_fit(r, cv_features_fit(r, NULL, standardize), &o, m, detail, 200);
}

static void
test_statsmodels(void)
{
	char		detail[200];
	cv_logit   *m;
	cv_rows    *r = table12(0);
	double		coef,
				std,
				se;

	tap_ok(fit(r, 1, 0, &m, detail) == CV_LOGIT_OK, "fit of the 12-row table succeeds");
	for (int k = 0; k < 3; k++)
	{
		cv_logit_coefficient(m, k, &coef, &std, &se);
		tap_near(coef, SM_PARAMS[k], 1e-6 * (1 + fabs(SM_PARAMS[k])), "coefficient in original units = statsmodels");
		tap_near(se, SM_BSE[k], 1e-6 * SM_BSE[k], "standard error in original units = statsmodels");
		tap_near(std, SM_STD_PARAMS[k], 1e-6 * (1 + fabs(SM_STD_PARAMS[k])), "standardized coefficient = statsmodels on z-scores");
		tap_near(m->stats->se[k], SM_STD_BSE[k], 1e-6 * SM_STD_BSE[k], "standardized standard error = statsmodels on z-scores");
	}
	tap_near(m->stats->loglik, SM_LLF, 1e-9, "log-likelihood = statsmodels");
	tap_near(m->stats->null_loglik, SM_LLNULL, 1e-9, "null log-likelihood = statsmodels");
	tap_near(m->stats->aic, 2 * 3 - 2 * SM_LLF, 1e-9, "aic = 2k - 2 ll");
	tap_ok(m->stats->converged && m->stats->iterations >= 3 && m->stats->iterations < 20,
		   "Newton converges in a handful of iterations");
	cv_logit_free(m);

	/* without standardisation the same model, directly in original units */
	tap_ok(fit(r, 0, 0, &m, detail) == CV_LOGIT_OK, "unstandardized fit succeeds");
	cv_logit_coefficient(m, 2, &coef, &std, &se);
	tap_near(coef, SM_PARAMS[2], 1e-6, "unstandardized coefficient = statsmodels");
	tap_near(se, SM_BSE[2], 1e-6, "unstandardized standard error = statsmodels");
	tap_near(std, SM_STD_PARAMS[2], 1e-6, "its per-sd coefficient = the standardized fit's");
	cv_logit_free(m);
	cv_rows_free(r);
}

/* A generated table: two numeric features, a 4-level category, a logistic label. */
#define NG 3000
static cv_rows *
generated(int reverse, int ncat)
{
	static const char *const lv[4] = {"CA", "NY", "TX", "AK"};
	uint64_t	s = 7;
	double		x[NG][2],
				y[NG];
	const char *c[NG];
	cv_rows    *r = cv_rows_new(2, ncat, 1, 0, 0);

	for (int i = 0; i < NG; i++)
	{
		double		u = (double) (splitmix(&s) >> 11) / 9007199254740992.0;
		double		eta;
		int			k = (int) (splitmix(&s) % 7);

		x[i][0] = (double) (splitmix(&s) % 10);
		x[i][1] = 100.0 + (double) (splitmix(&s) % 1000) / 10.0;
		c[i] = lv[k < 4 ? 0 : k - 3];
		eta = -2.0 + 0.4 * x[i][0] + 0.01 * (x[i][1] - 150.0) + (c[i][0] == 'T' ? 1.0 : 0.0);
		y[i] = u < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0;
	}
	for (int k = 0; k < NG; k++)
	{
		int			i = reverse ? NG - 1 - k : k;
		size_t		len = strlen(c[i]);

		cv_rows_add(r, x[i], ncat ? &c[i] : NULL, &len, y[i]);
	}
	cv_rows_finish(r);
	return r;
}

/* Gradient of the penalised objective at the model, computed independently. */
static double
max_gradient(cv_logit *m, cv_rows *r, double l2)
{
	int			q = m->f->ncols + 1;
	double	   *g = cv_calloc(q, sizeof(double));
	double	   *d = cv_calloc(q, sizeof(double));
	int32_t		level[1];
	double		gmax = 0;

	for (size_t i = 0; i < cv_rows_count(r); i++)
	{
		double		p;

		if (m->f->ncat)
			cv_features_row_levels(m->f, r, i, level);
		p = cv_logit_prob(cv_logit_eta(m, cv_rows_x(r, i), level));
		cv_features_design(m->f, cv_rows_x(r, i), level, d);
		g[0] += cv_rows_y(r, i) - p;
		for (int k = 1; k < q; k++)
			g[k] += (cv_rows_y(r, i) - p) * d[k - 1];
	}
	for (int k = 1; k < q; k++)
		g[k] -= l2 * m->coef[k - 1];
	for (int k = 0; k < q; k++)
		gmax = fmax(gmax, fabs(g[k]));
	cv_free(g);
	cv_free(d);
	return gmax;
}

static void
test_generated(void)
{
	char		detail[200];
	cv_logit   *a,
			   *b,
			   *p;
	cv_rows    *r1 = generated(0, 1),
			   *r2 = generated(1, 1);
	cv_wbuf		w1,
				w2;

	tap_ok(fit(r1, 1, 0, &a, detail) == CV_LOGIT_OK, "generated table with a category fits");
	tap_ok(fit(r2, 1, 0, &b, detail) == CV_LOGIT_OK, "the same rows in reverse order fit");
	cvb_init(&w1);
	cvb_init(&w2);
	cv_logit_write(a, &w1);
	cv_logit_write(b, &w2);
	tap_ok(w1.len == w2.len && memcmp(w1.data, w2.data, w1.len) == 0,
		   "row order does not change a single bit of the model");
	tap_ok(a->f->ncols == 5 && a->f->ref[0] == 1, "category encodes as 3 dummies, reference CA (most frequent)");
	tap_ok(max_gradient(a, r1, 0) <= 1e-8 * fabs(a->stats->loglik),
		   "unpenalised fit: largest gradient component <= 1e-8 |log-likelihood|");
	tap_near(a->coef[4], 1.0, 0.35, "TX effect recovered near its true value 1");
	{
		/* a tight tolerance is reached, not stalled on rounding */
		cv_logit_opts tight = {0, 100, 1e-13};
		cv_logit   *t;

		tap_ok(cv_logit_fit(r1, cv_features_fit(r1, NULL, 1), &tight, &t, detail, 200) == CV_LOGIT_OK &&
			   t->stats->converged && t->stats->iterations <= 8,
			   "tol 1e-13 still converges in a few Newton steps");
		cv_logit_free(t);
	}
	tap_ok(fit(r1, 1, 5.0, &p, detail) == CV_LOGIT_OK, "penalised fit succeeds");
	tap_ok(max_gradient(p, r1, 5.0) <= 1e-8 * fabs(p->stats->loglik),
		   "penalised fit: gradient of ll - (l2/2)|beta|^2 is zero (<= 1e-8 |ll|)");
	tap_ok(fabs(p->coef[0]) < fabs(a->coef[0]) && fabs(p->coef[4]) < fabs(a->coef[4]),
		   "the penalty shrinks the coefficients");

	/* binary and JSON round trips */
	{
		char		err[200];
		char	   *j1 = cv_logit_to_json(a);
		cv_logit   *c = cv_logit_from_json(j1, strlen(j1), err, sizeof(err));
		char	   *j2 = c ? cv_logit_to_json(c) : NULL;
		cv_logit   *d = cv_logit_read(w1.data, w1.len, err, sizeof(err));
		cv_wbuf		w3;

		tap_ok(c && strcmp(j1, j2) == 0, "JSON round trip is the identity");
		cvb_init(&w3);
		if (d)
			cv_logit_write(d, &w3);
		tap_ok(d && w3.len == w1.len && memcmp(w3.data, w1.data, w1.len) == 0, "binary round trip is the identity");
		tap_ok(cv_logit_read(w1.data, w1.len - 1, err, sizeof(err)) == NULL, "truncated payload is refused");
		w1.data[w1.len - 25] = 2;	/* the converged flag */
		tap_ok(cv_logit_read(w1.data, w1.len, err, sizeof(err)) == NULL, "a converged flag of 2 is refused");
		cv_logit_free(c);
		cv_logit_free(d);
		cv_free(j1);
		cv_free(j2);
		cv_free(w3.data);
	}
	cv_free(w1.data);
	cv_free(w2.data);
	cv_logit_free(a);
	cv_logit_free(b);
	cv_logit_free(p);
	cv_rows_free(r1);
	cv_rows_free(r2);
}

/* Rows from arrays: n rows of nnum features, optional one category. */
static cv_rows *
rows_of(int n, int nnum, const double *x, const char *const *cat, const double *y)
{
	cv_rows    *r = cv_rows_new(nnum, cat ? 1 : 0, 1, 0, 0);

	for (int i = 0; i < n; i++)
	{
		size_t		len = cat ? strlen(cat[i]) : 0;

		cv_rows_add(r, x + i * nnum, cat ? &cat[i] : NULL, &len, y[i]);
	}
	cv_rows_finish(r);
	return r;
}

static void
test_refusals(void)
{
	char		detail[200];
	cv_logit   *m;
	cv_rows    *r;
	static const double xs[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	static const double ys[8] = {0, 0, 0, 0, 1, 1, 1, 1};
	static const double xq[10] = {1, 2, 3, 4, 4, 4, 4, 5, 6, 7};
	static const double yq[10] = {0, 0, 0, 0, 1, 0, 1, 1, 1, 1};
	static const double xc[12] = {1, 5, 2, 5, 3, 5, 4, 5, 5, 5, 6, 5};
	static const double yc[6] = {0, 1, 0, 1, 1, 0};
	static const double xl[12] = {1, 2, 2, 4, 3, 6, 4, 8, 5, 10, 6, 12};
	static const double x1[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	static const char *const st[12] = {"a", "a", "b", "b", "a", "b", "c", "c", "a", "b", "b", "a"};
	static const double yst[12] = {0, 1, 1, 0, 0, 1, 0, 0, 1, 0, 1, 1};

	r = rows_of(8, 1, xs, NULL, ys);
	tap_ok(fit(r, 1, 0, &m, detail) == CV_LOGIT_SEPARATED && m == NULL, "complete separation is refused");
	tap_str(detail, "x1", "the separating feature is named");
	tap_ok(fit(r, 1, 1.0, &m, detail) == CV_LOGIT_OK && m->coef[0] > 0, "with l2 the separated data fits");
	cv_logit_free(m);
	cv_rows_free(r);

	r = rows_of(10, 1, xq, NULL, yq);
	tap_ok(fit(r, 1, 0, &m, detail) == CV_LOGIT_QUASI_SEPARATED, "quasi-complete separation is refused");
	tap_str(detail, "x1", "the quasi-separating feature is named");
	cv_rows_free(r);

	/* level c only ever has y = 0: quasi-separation by a dummy */
	r = rows_of(12, 1, x1, st, yst);
	tap_ok(fit(r, 1, 0, &m, detail) == CV_LOGIT_QUASI_SEPARATED, "a level with one class is quasi-separation");
	tap_str(detail, "c1=c", "the level is named");
	cv_rows_free(r);

	r = rows_of(6, 2, xc, NULL, yc);
	tap_ok(fit(r, 1, 0, &m, detail) == CV_LOGIT_CONSTANT, "a constant feature is refused");
	tap_str(detail, "x2", "the constant feature is named");
	cv_rows_free(r);

	r = rows_of(6, 2, xl, NULL, yc);
	tap_ok(fit(r, 1, 0, &m, detail) == CV_LOGIT_COLLINEAR, "collinear features are refused");
	tap_str(detail, "x2", "the dependent column is named");
	cv_rows_free(r);

	r = rows_of(8, 1, xs, NULL, (const double[8]) {1, 1, 1, 1, 1, 1, 1, 1});
	tap_ok(fit(r, 1, 0, &m, detail) == CV_LOGIT_ONE_CLASS, "a single-class label is refused");
	tap_str(detail, "true", "the class is named");
	tap_ok(fit(r, 1, 1.0, &m, detail) == CV_LOGIT_ONE_CLASS, "also with a penalty");
	cv_rows_free(r);
}

static void
test_hand_written_and_reasons(void)
{
	static const char *json =
		"{\"kind\": \"churn_model\", \"version\": 1, \"features\": {\"numeric\": [\"calls\", \"minutes\"],"
		" \"categorical\": [{\"name\": \"plan\", \"levels\": [\"yes\", \"no\"], \"reference\": \"no\"}]},"
		" \"intercept\": -3, \"coefficients\": {\"calls\": 0.5, \"minutes\": -0.01, \"plan=yes\": 2}}";
	char		err[200];
	cv_logit   *m = cv_logit_from_json(json, strlen(json), err, sizeof(err));
	double		x[2] = {4, 100};
	int32_t		lv[1] = {1};
	int			cols[3];
	double		contrib[3];
	int			n;
	double		coef,
				std,
				se;

	tap_ok(m != NULL, "a hand-written model reads");
	if (!m)
	{
		printf("# %s\n", err);
		return;
	}
	/* -3 + 2 - 1 + 2 = 0 */
	tap_near(cv_logit_eta(m, x, lv), 0.0, 1e-12, "hand-written model scores its linear predictor");
	tap_near(cv_logit_prob(0.0), 0.5, 1e-15, "p(0) = 1/2");
	tap_near(cv_logit_prob(-800), 0.0, 1e-300, "p of a very negative eta is 0, not NaN");
	n = cv_logit_reasons(m, x, lv, 3, cols, contrib);
	tap_ok(n == 2 && cols[0] == 0 && cols[1] == 2, "reasons: calls (2.0) then plan=yes (2.0 tie, column order)");
	n = cv_logit_reasons(m, x, lv, 1, cols, contrib);
	tap_ok(n == 1 && cols[0] == 0, "top limits the reasons");
	lv[0] = -1;
	tap_near(cv_logit_eta(m, x, lv), -2.0, 1e-12, "an unseen level scores as the reference");
	cv_logit_coefficient(m, 1, &coef, &std, &se);
	tap_ok(coef == 0.5 && isnan(std) && isnan(se), "hand-written: coefficient, no sd, no standard error");
	cv_logit_free(m);

	{
		static const char *bad = "{\"kind\": \"churn_model\", \"version\": 1, \"features\": {\"numeric\": [\"a\"]}, \"intercept\": 0, \"coefficients\": {\"b\": 1}}";

		tap_ok(cv_logit_from_json(bad, strlen(bad), err, sizeof(err)) == NULL,
			   "a coefficient for an unknown column is refused");
	}
	tap_str(err, "\"coefficients\" must have a number for \"a\"", "the message names the missing column");
}

static void
test_split_and_wilson(void)
{
	/* calls 0..5: churners at 4 and 5 mostly */
	static const double px[3] = {1, 4, 5};
	static const int64_t pn[3] = {1, 4, 3};
	static const double nx[5] = {0, 1, 2, 3, 4};
	static const int64_t nn[5] = {10, 10, 10, 9, 1};
	cv_split	s;
	double		lo,
				hi;

	tap_ok(cv_best_split(px, pn, 3, nx, nn, 5, &s) == 0, "a split is found");
	tap_near(s.threshold, 4, 0, "the cut is at 4 (x < 4 below, x >= 4 above)");
	tap_ok(s.rows == 48 && s.rows_below == 40 && s.rows_above == 8, "row counts on each side");
	tap_near(s.rate_below, 1.0 / 40, 1e-15, "rate below = 1/40");
	tap_near(s.rate_above, 7.0 / 8, 1e-15, "rate at or above = 7/8");
	tap_near(s.lift, (7.0 / 8) / (8.0 / 48), 1e-12, "lift = rate above / overall rate");
	/* parent 2*8*40/48/48; children 2*1*39/40 and 2*7*1/8, over 48 */
	tap_near(s.impurity_decrease, (2.0 * 8 * 40 / 48 - 2.0 * 39 / 40 - 2.0 * 7 / 8) / 48, 1e-15,
			 "Gini decrease by hand");
	tap_ok(cv_best_split(px, pn, 1, NULL, NULL, 0, &s) == -1, "one distinct value: no split");
	tap_ok(cv_best_split(px, pn, 3, NULL, NULL, 0, &s) == -1, "one class: no split");

	cv_wilson(3, 10, 1.959963984540054, &lo, &hi);
	tap_near(lo, 0.10779126740630104, 1e-12, "Wilson 3/10 low = statsmodels");
	tap_near(hi, 0.6032218525388546, 1e-12, "Wilson 3/10 high = statsmodels");
	cv_wilson(0, 5, 1.959963984540054, &lo, &hi);
	tap_ok(lo == 0 && fabs(hi - 0.43448246478317487) < 1e-12, "Wilson 0/5 = [0, 0.4345]");
	cv_wilson(7, 7, 1.959963984540054, &lo, &hi);
	tap_ok(fabs(lo - 0.6456695649333125) < 1e-12 && hi <= 1.0, "Wilson 7/7 = [0.6457, 1]");
	tap_near(cv_normal_p_value(1.959963984540054), 0.05, 1e-12, "p-value of z = 1.96 is 0.05");
}

int
main(void)
{
	test_statsmodels();
	test_generated();
	test_refusals();
	test_hand_written_and_reasons();
	test_split_and_wilson();
	return tap_done();
}
