/*
 * btyd_k.c
 *	  BG/NBD and Gamma-Gamma: likelihoods, fits, forecasts; see btyd_k.h.
 *
 * Numerical notes.
 *
 * Likelihood.  A BG/NBD customer's likelihood is a sum of two terms, one
 * for "alive at T" and one for "dropped out after the last purchase"; both
 * are formed in logs and combined by log-sum-exp, so frequencies in the
 * hundreds and long histories neither overflow nor underflow.  The terms
 * that depend on the frequency only (log-gammas, digammas) are computed
 * once per distinct frequency.  As in lifetimes, times are scaled so the
 * largest T is 10 while fitting (alpha is scaled back), the objective is
 * the mean negative log-likelihood plus penalizer * sum(params^2), and the
 * reported log-likelihood is the unpenalised one in the data's unit.
 *
 * Expected purchases.  For a customer still alive after T, with
 * u = t / (alpha + T), the expected purchases in (T, T + t] are
 * E_p[(1 - (1 + p u)^-(r+x)) / p] with the dropout probability
 * p ~ Beta(a, b + x) (integrate the Poisson-with-dropout count over the
 * posterior of lambda, Gamma(r + x, alpha + T)).  lifetimes writes this as
 * (a+b+x-1)/(a-1) * (1 - G) with G = (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z),
 * z = u / (1 + u), which suffers 0/0 at a = 1, overflow for large
 * frequencies and divergence as z -> 1.  Here Euler's transformation gives
 * G = (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), whose series has the
 * frequency only in the denominator (it converges fast for large x), and
 * the factor (a - 1) of every term is cancelled analytically, so a = 1 is
 * an ordinary point.  Where that series would converge slowly (z > 0.95)
 * or cancel, the expectation is integrated numerically over log p instead:
 * a tanh-sinh rule for the panel next to p = 1 (where (1-p)^(b+x-1) may be
 * singular), Gauss-Legendre on unit panels, and the exact exponential tail
 * for p below 1e-17 / max(1, u, b+x).  Both are checked against each other
 * in the unit tests.
 */
#include "btyd_k.h"

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cvalloc.h"
#include "cvjson.h"

#define PI 3.14159265358979323846

const char *const cvb_unit_names[4] = {"hour", "day", "week", "month"};

/* Units per month, as lifetimes' customer_lifetime_value counts them. */
static const double units_per_month[4] = {720.0, 30.0, 4.345, 1.0};

int
cvb_unit_from_name(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, cvb_unit_names[i]) == 0)
			return i;
	return -1;
}

/* Format a message into err; returns NULL for the readers' convenience. */
#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static void *
fail(char *err, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return NULL;
}

/* ---------------------------------------------------------------------
 * Special functions
 * --------------------------------------------------------------------- */

double
cvb_digamma(double x)
{
	double		r = 0,
				f;

	while (x < 12)
	{
		r -= 1 / x;
		x += 1;
	}
	f = 1 / (x * x);
	return r + log(x) - 0.5 / x -
		f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132)))));
}

/* expm1(e * l) / e, continuous at e = 0 (where it is l). */
static double
expm1_over(double e, double l)
{
	return e == 0 ? l : expm1(e * l) / e;
}

/* ---------------------------------------------------------------------
 * BFGS in log-parameter space
 * --------------------------------------------------------------------- */

#define MAXP 4

/*
 * Parameters stay within e^-40..e^40: data whose likelihood keeps rising
 * towards a boundary (no dropout at all: a -> 0, b -> infinity) stops there,
 * unconverged, instead of wandering into overflow.
 */
#define MAX_LOG_PARAM 40

/* Objective: value at theta, gradient into g; non-finite when undefined. */
typedef double (*objective_fn) (const double *theta, double *g, void *ctx);

/* Largest absolute gradient component. */
static double
gmax(const double *g, int n)
{
	double		m = 0;

	for (int i = 0; i < n; i++)
		m = fmax(m, fabs(g[i]));
	return m;
}

/*
 * Minimise f from theta (updated in place) by BFGS with a backtracking
 * Armijo line search and steps capped at 3 in each log-parameter.
 * Returns 1 when the largest gradient component fell to tol.
 */
static int
bfgs(objective_fn f, void *ctx, int n, double *theta, int max_iter, double tol,
	 int *iters, double *fval)
{
	double		H[MAXP][MAXP],
				g[MAXP],
				gn[MAXP],
				d[MAXP],
				tn[MAXP],
				s[MAXP],
				y[MAXP];
	double		fx = f(theta, g, ctx);
	int			it,
				stalled = 0;

	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			H[i][j] = (i == j);
	for (it = 0; it < max_iter && isfinite(fx) && gmax(g, n) > tol; it++)
	{
		double		slope = 0,
					dmax = 0,
					step = 1,
					fn = NAN,
					sy = 0;
		int			k;

		for (int i = 0; i < n; i++)
		{
			d[i] = 0;
			for (int j = 0; j < n; j++)
				d[i] -= H[i][j] * g[j];
			slope += d[i] * g[i];
		}
		if (!(slope < 0))
		{
			/* not a descent direction: restart from steepest descent */
			for (int i = 0; i < n; i++)
				for (int j = 0; j < n; j++)
					H[i][j] = (i == j);
			for (int i = 0; i < n; i++)
				d[i] = -g[i];
			slope = -g[0] * g[0];
			for (int i = 1; i < n; i++)
				slope -= g[i] * g[i];
		}
		dmax = gmax(d, n);
		if (dmax > 3)
			step = 3 / dmax;
		for (k = 0; k < 40; k++, step *= 0.5)
		{
			for (int i = 0; i < n; i++)
				tn[i] = theta[i] + step * d[i];
			fn = f(tn, gn, ctx);
			if (isfinite(fn) && fn <= fx + 1e-4 * step * slope)
				break;
		}
		if (k == 40)
			break;				/* no decrease possible at double precision */
		for (int i = 0; i < n; i++)
		{
			s[i] = tn[i] - theta[i];
			y[i] = gn[i] - g[i];
			sy += s[i] * y[i];
			theta[i] = tn[i];
			g[i] = gn[i];
		}
		/* ten steps in a row that no longer lower f: a flat ridge, stop */
		stalled = (fx - fn <= 1e-14 * fmax(1.0, fabs(fx))) ? stalled + 1 : 0;
		fx = fn;
		if (stalled >= 10)
		{
			it++;
			break;
		}
		if (sy > 1e-300)
		{
			double		Hy[MAXP],
						yHy = 0;

			for (int i = 0; i < n; i++)
			{
				Hy[i] = 0;
				for (int j = 0; j < n; j++)
					Hy[i] += H[i][j] * y[j];
				yHy += y[i] * Hy[i];
			}
			for (int i = 0; i < n; i++)
				for (int j = 0; j < n; j++)
					H[i][j] += ((sy + yHy) * s[i] * s[j]) / (sy * sy) -
						(Hy[i] * s[j] + s[i] * Hy[j]) / sy;
		}
	}
	*iters = it;
	*fval = fx;
	return isfinite(fx) && gmax(g, n) <= tol;
}

/* ---------------------------------------------------------------------
 * BG/NBD
 * --------------------------------------------------------------------- */

typedef struct bg_data
{
	const double *x,
			   *tx,
			   *T,
			   *w;
	size_t		n;
	double		scale;			/* time multiplier */
	double		wsum;
	double		penalizer;
} bg_data;

/*
 * Sum of w * log-likelihood over the triples at (r, alpha, a, b), with the
 * gradient with respect to the parameters into grad (when not NULL).
 * Times are multiplied by `scale`.
 */
static double
bg_sum(const bg_data *dt, double r, double alpha, double a, double b, double *grad)
{
	double		ll = 0,
				gr = 0,
				gal = 0,
				ga = 0,
				gb = 0;
	double		lnalpha = log(alpha),
				lna = log(a);
	double		lg_r = lgamma(r),
				lg_ab = lgamma(a + b),
				lg_b = lgamma(b);
	double		ps_r = cvb_digamma(r),
				ps_ab = cvb_digamma(a + b),
				ps_b = cvb_digamma(b);
	size_t		i = 0;

	if (cv_interrupt_check)
		cv_interrupt_check();
	while (i < dt->n)
	{
		double		x = dt->x[i];
		double		fx,
					wx = 0;
		double		rx = r + x;
		double		lnbx1 = x > 0 ? log(b + x - 1) : 0;
		double		sr = 0,
					sal = 0,
					sa = 0,
					sb = 0,
					sll = 0;

		/* terms of this frequency alone */
		fx = lgamma(rx) - lg_r + r * lnalpha + lg_ab + lgamma(b + x) - lg_b - lgamma(a + b + x);
		for (; i < dt->n && dt->x[i] == x; i++)
		{
			double		w = dt->w[i];
			double		aT = alpha + dt->T[i] * dt->scale;
			double		lnaT = log(aT);
			double		a3 = -rx * lnaT;

			cv_interrupt_poll(i);
			wx += w;
			if (x > 0)
			{
				double		atx = alpha + dt->tx[i] * dt->scale;
				double		lnatx = log(atx);
				double		a4 = lna - lnbx1 - rx * lnatx;
				double		mx = fmax(a3, a4);
				double		e3 = exp(a3 - mx),
							e4 = exp(a4 - mx);
				double		p4 = e4 / (e3 + e4);
				double		p3 = 1 - p4;

				sll += w * (mx + log(e3 + e4));
				sr -= w * (p3 * lnaT + p4 * lnatx);
				sal -= w * rx * (p3 / aT + p4 / atx);
				sa += w * p4 / a;
				sb -= w * p4 / (b + x - 1);
			}
			else
			{
				sll += w * a3;
				sr -= w * lnaT;
				sal -= w * rx / aT;
			}
		}
		ll += wx * fx + sll;
		if (grad)
		{
			double		ps_rx = cvb_digamma(rx),
						ps_abx = cvb_digamma(a + b + x);

			gr += wx * (ps_rx - ps_r + lnalpha) + sr;
			gal += wx * r / alpha + sal;
			ga += wx * (ps_ab - ps_abx) + sa;
			gb += wx * (ps_ab + cvb_digamma(b + x) - ps_b - ps_abx) + sb;
		}
	}
	if (grad)
	{
		grad[0] = gr;
		grad[1] = gal;
		grad[2] = ga;
		grad[3] = gb;
	}
	return ll;
}

/*
 * Parameters from the log-parameters the optimiser works in; -1 past
 * e^MAX_LOG_PARAM, where the likelihood is not evaluated.
 */
static int
from_log_params(const double *theta, int k, double *p)
{
	for (int i = 0; i < k; i++)
	{
		if (fabs(theta[i]) > MAX_LOG_PARAM)
			return -1;
		p[i] = exp(theta[i]);
	}
	return 0;
}

/*
 * The objective both fits minimise: the mean negative log-likelihood plus
 * penalizer * sum(p^2), and its gradient in log-parameters (chain rule
 * d/dtheta = p * d/dp) from the likelihood's gradient in parameters.
 */
static double
penalised_objective(double ll, const double *grad, const double *p, int k,
					double wsum, double penalizer, double *g)
{
	double		pen = 0;

	for (int i = 0; i < k; i++)
	{
		pen += p[i] * p[i];
		g[i] = -grad[i] * p[i] / wsum + 2 * penalizer * p[i] * p[i];
	}
	return -ll / wsum + penalizer * pen;
}

/* Penalised mean negative log-likelihood in log-parameters (scaled time). */
static double
bg_objective(const double *theta, double *g, void *ctx)
{
	const bg_data *dt = ctx;
	double		p[4],
				grad[4],
				ll;

	if (from_log_params(theta, 4, p) < 0)
		return NAN;
	ll = bg_sum(dt, p[0], p[1], p[2], p[3], grad);
	return penalised_objective(ll, grad, p, 4, dt->wsum, dt->penalizer, g);
}

/* Shared checks of the fit settings and the weights. */
static int
check_fit_input(const double *w, size_t n, const cvb_fit_opts *o, double *wsum,
				char *err, size_t errlen)
{
	*wsum = 0;
	for (size_t i = 0; i < n; i++)
		*wsum += w[i];
	if (n == 0 || !(*wsum > 0))
		return (fail(err, errlen, "no customers to fit"), -1);
	if (!(o->penalizer >= 0) || !isfinite(o->penalizer) || o->max_iter < 1 || !(o->tol > 0))
		return (fail(err, errlen, "invalid fit settings"), -1);
	return 0;
}

int
cvb_bgnbd_fit(const double *x, const double *tx, const double *T, const double *w,
			  size_t n, const cvb_fit_opts *o, cvb_bgnbd *m, char *err, size_t errlen)
{
	bg_data		dt = {x, tx, T, w, n, 1.0, 0, o->penalizer};
	double		theta[4] = {0, 0, 0, 0};
	double		maxT = 0,
				fval;
	int			repeaters = 0;

	if (check_fit_input(w, n, o, &dt.wsum, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
	{
		maxT = fmax(maxT, T[i]);
		repeaters |= x[i] > 0;
	}
	if (!repeaters)
		return (fail(err, errlen, "no customer has a repeat purchase, so the dropout process cannot be fitted"), -1);
	if (!(maxT > 0))
		return (fail(err, errlen, "every customer has t = 0"), -1);
	dt.scale = 10.0 / maxT;
	m->converged = bfgs(bg_objective, &dt, 4, theta, o->max_iter, o->tol, &m->iterations, &fval);
	m->r = exp(theta[0]);
	m->alpha = exp(theta[1]) / dt.scale;
	m->a = exp(theta[2]);
	m->b = exp(theta[3]);
	if (!isfinite(fval) || !isfinite(m->alpha) || !(m->alpha > 0))
		return (fail(err, errlen, "the likelihood is not finite at the parameters reached"), -1);
	m->customers = dt.wsum;
	m->distinct = (double) n;
	m->penalizer = o->penalizer;
	m->log_likelihood = cvb_bgnbd_loglik(m, x, tx, T, w, n);
	return 0;
}

double
cvb_bgnbd_loglik(const cvb_bgnbd *m, const double *x, const double *tx,
				 const double *T, const double *w, size_t n)
{
	bg_data		dt = {x, tx, T, w, n, 1.0, 0, 0};

	return bg_sum(&dt, m->r, m->alpha, m->a, m->b, NULL);
}

double
cvb_bgnbd_p_alive(const cvb_bgnbd *m, double x, double tx, double T)
{
	double		l;

	if (x == 0)
		return 1.0;
	l = log(m->a) - log(m->b + x - 1) + (m->r + x) * log1p((T - tx) / (m->alpha + tx));
	return 1 / (1 + exp(l));
}

/*
 * The horizon in units of the customer's scale, t / (alpha + T).  A
 * hand-written alpha near the smallest double with T = 0 makes it
 * overflow: it is capped at the largest double, where the expectation has
 * long reached its limit (an infinite u left the integration without an
 * end).
 */
static double
scaled_horizon(const cvb_bgnbd *m, double t, double T)
{
	return fmin(t / (m->alpha + T), DBL_MAX);
}

double
cvb_alive_purchases_series(const cvb_bgnbd *m, double t, double x, double T)
{
	double		u = scaled_horizon(m, t, T);
	double		z = u / (1 + u);
	double		L = -log1p(u);	/* log(1 - z) */
	double		eps = m->a - 1;
	double		C = m->a + m->b + x - 1;
	double		gam = m->a + m->b - 1 - m->r;
	double		term = gam * z,
				sum = term,
				t1,
				t2,
				e;
	int			k;

	if (z > 0.95)
		return -1;
	for (k = 1; k < 4000; k++)
	{
		/* the ratio does not depend on the previous term: off the chain */
		double		next = term * ((gam + k) * (m->a + k - 1) * z / ((C + k) * (k + 1)));

		sum += next;
		if (fabs(next) <= 1e-17 * fabs(sum) && fabs(next) <= fabs(term))
			break;
		term = next;
		if (!isfinite(sum))
			return -1;
	}
	if (k == 4000)
		return -1;
	t1 = -C * expm1_over(eps, L);
	t2 = exp(eps * L) * sum;
	e = t1 - t2;
	if (!isfinite(e) || fabs(e) < 1e-7 * fmax(fabs(t1), fabs(t2)))
		return -1;
	return e;
}

/*
 * The integrand of the alive-customer expectation over s = -log p, with
 * the Beta normaliser's log lnorm inside the exponent: p^(a-1) (1-p)^(B-1)
 * (1 - (1 + p u)^-A) / Beta(a, B).  With large a and b (a fit of customers
 * who all drop out alike) the normaliser alone overflows and the rest
 * underflows; together they are the density, which is finite.  log1mp is
 * log(1 - p), passed in for accuracy.  Adds the density of s itself, p^a
 * (1-p)^(B-1) / Beta(a, B), to *dens: the caller divides by its integral,
 * which is 1 but for the rounding of lnorm (large for large a and b).
 */
static double
alive_integrand(double s, double log1mp, double a, double B, double A, double u,
				double lnorm, double *dens)
{
	double		p = exp(-s);
	double		dropout = -expm1(-A * log1p(p * u));
	double		g = exp(-(a - 1) * s + (B - 1) * log1mp + lnorm);

	*dens = g * p;
	return g * dropout;
}

/* Gauss-Legendre, 16 points on [-1, 1] (nodes and weights for x >= 0). */
static const double gl_x[8] = {
	0.0950125098376374, 0.2816035507792589, 0.4580167776572274, 0.6178762444026438,
	0.7554044083550030, 0.8656312023878318, 0.9445750230732326, 0.9894009349916499
};
static const double gl_w[8] = {
	0.1894506104550685, 0.1826034150449236, 0.1691565193950025, 0.1495959888165767,
	0.1246289712555339, 0.0951585116824928, 0.0622535239386479, 0.0271524594117541
};

double
cvb_alive_purchases_quad(const cvb_bgnbd *m, double t, double x, double T)
{
	double		a = m->a,
				B = m->b + x,
				A = m->r + x;
	double		u = scaled_horizon(m, t, T);
	double		mu = cvb_digamma(a + B) - cvb_digamma(a);	/* E[-log p] */
	/* about 1/a - 1/(a + B), without its cancellation when b << a */
	double		sd = sqrt(fmax(B / a / (a + B), 1e-22));

	/*
	 * head panel [0, sh]; it ends before the bulk of log p when a is so
	 * much larger than b that the bulk lies near 0 (in the head's
	 * variable it would sit below the smallest node)
	 */
	double		sh = mu > 0 ? fmin(fmin(1.0, 1.0 / B), mu / 4) : fmin(1.0, 1.0 / B);
	double		st = 40 + fmax(0, log(u)) + fmax(0, log(B)) + sh;
	double		total = 0;
	double		h = 1.0 / 16;
	double		lnorm = lgamma(a + B) - lgamma(a) - lgamma(B);	/* -log Beta(a, B) */
	double		lhead = B * log(sh) - log(B) + lnorm;	/* log(sh^B / B / Beta) */
	double		dens = 0;
	size_t		panels = 0;

	/*
	 * Head: s = sh * v^(1/B) turns s^(B-1) ds into (sh^B / B) dv; then
	 * tanh-sinh in v over (0, 1) handles what is left at the endpoints.
	 */
	for (int k = -88; k <= 56; k++)
	{
		double		tt = k * h;
		double		y = PI / 2 * sinh(tt);
		double		e = exp(-2 * fabs(y));
		double		v = tt < 0 ? e / (1 + e) : 1 / (1 + e);
		double		wv = h * PI / 2 * cosh(tt) * 2 * e / ((1 + e) * (1 + e));
		double		s = sh * pow(v, 1 / B);
		double		ratio = s > 0 ? -expm1(-s) / s : 1.0;	/* (1 - e^-s) / s */
		double		p = exp(-s);
		double		g = exp(-(a - 1) * s + (B - 1) * log(ratio) + lhead);

		total += wv * g * -expm1(-A * log1p(p * u));
		dens += wv * g * p;
	}

	/*
	 * body: Gauss-Legendre panels, of unit width except around the bulk of
	 * log p (mean mu, sd sd under Beta(a, B)), where they are sd wide; a
	 * unit panel stops where the bulk begins (with large a and b the bulk
	 * is far narrower than a unit panel, which would step over it)
	 */
	for (double lo = sh, wd; lo < st; lo += wd)
	{
		double		hi,
					mid,
					half;

		if (lo < mu - 13 * sd)
			wd = fmin(1.0, mu - 12 * sd - lo);
		else if (lo < mu + 12 * sd)
			wd = fmin(1.0, sd);
		else
			wd = 1.0;
		hi = fmin(lo + wd, st);
		mid = (lo + hi) / 2;
		half = (hi - lo) / 2;
		/* at most about 1,500 panels of 16 points; a clv call makes 1,200 calls */
		cv_interrupt_poll(++panels * 16);

		for (int j = 0; j < 8; j++)
			for (int sgn = -1; sgn <= 1; sgn += 2)
			{
				double		s = mid + sgn * half * gl_x[j],
							d;

				total += half * gl_w[j] * alive_integrand(s, log(-expm1(-s)), a, B, A, u, lnorm, &d);
				dens += half * gl_w[j] * d;
			}
	}
	/*
	 * tail: p u and p B below 1e-17, so the integrand is A u e^(-a s) and
	 * the density e^(-a s)
	 */
	total += A * u * exp(-a * st + lnorm) / a;
	dens += exp(-a * st + lnorm) / a;
	return total / dens;
}

double
cvb_alive_purchases(const cvb_bgnbd *m, double t, double x, double T)
{
	double		alive;

	if (t <= 0)
		return 0;
	alive = cvb_alive_purchases_series(m, t, x, T);
	if (alive < 0)
		alive = cvb_alive_purchases_quad(m, t, x, T);
	return alive;
}

double
cvb_bgnbd_expected(const cvb_bgnbd *m, double t, double x, double tx, double T)
{
	if (t <= 0)
		return 0;
	return cvb_alive_purchases(m, t, x, T) * cvb_bgnbd_p_alive(m, x, tx, T);
}

double
cvb_clv_alive_factor(const cvb_bgnbd *bg, double x, double T, int months, double discount)
{
	double		f = units_per_month[bg->time_unit];
	double		prev = 0,
				sum = 0;

	for (int i = 1; i <= months; i++)
	{
		double		cur = cvb_alive_purchases(bg, i * f, x, T);

		sum += (cur - prev) / pow(1 + discount, i);
		prev = cur;
	}
	return sum;
}

double
cvb_clv(const cvb_bgnbd *bg, double spend, double x, double tx, double T,
		int months, double discount)
{
	return spend * cvb_bgnbd_p_alive(bg, x, tx, T) *
		cvb_clv_alive_factor(bg, x, T, months, discount);
}

/* ---------------------------------------------------------------------
 * Gamma-Gamma
 * --------------------------------------------------------------------- */

typedef struct gg_data
{
	const double *x,
			   *mx,
			   *w;
	size_t		n;
	double		wsum;
	double		penalizer;
} gg_data;

/* Sum of w * log-likelihood, gradient with respect to (p, q, v). */
static double
gg_sum(const gg_data *dt, double p, double q, double v, double *grad)
{
	double		ll = 0,
				gp = 0,
				gq = 0,
				gv = 0;
	double		lg_q = lgamma(q),
				ps_q = cvb_digamma(q),
				lnv = log(v);
	size_t		i = 0;

	if (cv_interrupt_check)
		cv_interrupt_check();
	while (i < dt->n)
	{
		double		x = dt->x[i];
		double		px = p * x,
					lnx = log(x);
		double		fx = lgamma(px + q) - lgamma(px) - lg_q + q * lnv + px * lnx;
		double		dpx = grad ? cvb_digamma(px + q) - cvb_digamma(px) : 0;
		double		dq = grad ? cvb_digamma(px + q) - ps_q + lnv : 0;

		for (; i < dt->n && dt->x[i] == x; i++)
		{
			double		w = dt->w[i];
			double		m = dt->mx[i];
			double		lnm = log(m),
						lnxmv = log(x * m + v);

			ll += w * (fx + (px - 1) * lnm - (px + q) * lnxmv);
			gp += w * x * (dpx + lnm + lnx - lnxmv);
			gq += w * (dq - lnxmv);
			gv += w * (q / v - (px + q) / (x * m + v));
		}
	}
	if (grad)
	{
		grad[0] = gp;
		grad[1] = gq;
		grad[2] = gv;
	}
	return ll;
}

static double
gg_objective(const double *theta, double *g, void *ctx)
{
	const gg_data *dt = ctx;
	double		p[3],
				grad[3],
				ll;

	if (from_log_params(theta, 3, p) < 0)
		return NAN;
	ll = gg_sum(dt, p[0], p[1], p[2], grad);
	return penalised_objective(ll, grad, p, 3, dt->wsum, dt->penalizer, g);
}

int
cvb_gammagamma_fit(const double *x, const double *mx, const double *w, size_t n,
				   const cvb_fit_opts *o, cvb_gammagamma *m, char *err, size_t errlen)
{
	gg_data		dt = {x, mx, w, n, 0, o->penalizer};
	double		theta[3] = {0, 0, 0};
	double		fval;

	if (check_fit_input(w, n, o, &dt.wsum, err, errlen) < 0)
		return -1;
	m->converged = bfgs(gg_objective, &dt, 3, theta, o->max_iter, o->tol, &m->iterations, &fval);
	m->p = exp(theta[0]);
	m->q = exp(theta[1]);
	m->v = exp(theta[2]);
	if (!isfinite(fval))
		return (fail(err, errlen, "the likelihood is not finite at the parameters reached"), -1);
	m->customers = dt.wsum;
	m->penalizer = o->penalizer;
	m->log_likelihood = cvb_gammagamma_loglik(m, x, mx, w, n);
	return 0;
}

double
cvb_gammagamma_loglik(const cvb_gammagamma *m, const double *x, const double *mx,
					  const double *w, size_t n)
{
	gg_data		dt = {x, mx, w, n, 0, 0};

	return gg_sum(&dt, m->p, m->q, m->v, NULL);
}

double
cvb_gammagamma_spend(const cvb_gammagamma *m, double x, double mx)
{
	if (!(m->q > 1))
		return NAN;
	return m->p * (m->v + x * mx) / (m->p * x + m->q - 1);
}

/* ---------------------------------------------------------------------
 * Text and binary forms
 * --------------------------------------------------------------------- */

#define BTYD_FORMAT 1

/* A number member of the JSON forms: name, offset in the struct, rule. */
typedef struct num_field
{
	const char *key;
	size_t		off;
	int			positive;		/* must be > 0 (else >= 0 for counts) */
	int			required;
} num_field;

static const num_field bg_fields[] = {
	{"r", offsetof(cvb_bgnbd, r), 1, 1},
	{"alpha", offsetof(cvb_bgnbd, alpha), 1, 1},
	{"a", offsetof(cvb_bgnbd, a), 1, 1},
	{"b", offsetof(cvb_bgnbd, b), 1, 1},
	{"customers", offsetof(cvb_bgnbd, customers), 0, 0},
	{"distinct", offsetof(cvb_bgnbd, distinct), 0, 0},
	{"penalizer", offsetof(cvb_bgnbd, penalizer), 0, 0},
	{NULL}
};

static const num_field gg_fields[] = {
	{"p", offsetof(cvb_gammagamma, p), 1, 1},
	{"q", offsetof(cvb_gammagamma, q), 1, 1},
	{"gamma", offsetof(cvb_gammagamma, v), 1, 1},
	{"customers", offsetof(cvb_gammagamma, customers), 0, 0},
	{"skipped", offsetof(cvb_gammagamma, skipped), 0, 0},
	{"penalizer", offsetof(cvb_gammagamma, penalizer), 0, 0},
	{NULL}
};

/* Write kind, version, the number fields and the fit outcome. */
static char *
model_to_json(const char *kind, const num_field *fields, const void *m,
			  double ll, int iterations, int converged, const char *unit)
{
	cvj_writer	w;

	cvjw_init(&w);
	cvjw_begin_object(&w);
	cvjw_key(&w, "kind");
	cvjw_string(&w, kind);
	cvjw_key(&w, "version");
	cvjw_int(&w, 1);
	for (const num_field *f = fields; f->key; f++)
	{
		cvjw_key(&w, f->key);
		cvjw_number(&w, *(const double *) ((const char *) m + f->off));
	}
	if (unit)
	{
		cvjw_key(&w, "time_unit");
		cvjw_string(&w, unit);
	}
	cvjw_key(&w, "log_likelihood");
	if (isnan(ll))
		cvjw_null(&w);
	else
		cvjw_number(&w, ll);
	cvjw_key(&w, "iterations");
	cvjw_int(&w, iterations);
	cvjw_key(&w, "converged");
	cvjw_bool(&w, converged);
	cvjw_end_object(&w);
	return cvjw_finish(&w, NULL);
}

char *
cvb_bgnbd_to_json(const cvb_bgnbd *m)
{
	return model_to_json("bgnbd_model", bg_fields, m, m->log_likelihood, m->iterations,
						 m->converged, cvb_unit_names[m->time_unit]);
}

char *
cvb_gammagamma_to_json(const cvb_gammagamma *m)
{
	return model_to_json("gammagamma_model", gg_fields, m, m->log_likelihood, m->iterations,
						 m->converged, NULL);
}

/* Check the number fields of a decoded model; 0 with a message on a lie. */
static int
check_fields(const num_field *fields, const void *m, char *err, size_t errlen)
{
	for (const num_field *f = fields; f->key; f++)
	{
		double		v = *(const double *) ((const char *) m + f->off);

		if (!isfinite(v) || (f->positive ? !(v > 0) : !(v >= 0)))
			return (fail(err, errlen, "\"%s\" must be a finite number %s, not %.17g",
						 f->key, f->positive ? "> 0" : ">= 0", v), 0);
	}
	return 1;
}

/*
 * Read a model object: kind, version 1, the number fields, optional
 * time_unit (when unit is not NULL), log_likelihood (number or null),
 * iterations (integer >= 0), converged (boolean).  Hand-written models
 * may leave out everything but the required parameters.
 */
static int
model_from_json(const char *text, size_t len, const char *kind, const num_field *fields,
				void *m, double *ll, int *iterations, int *converged, int *unit,
				char *err, size_t errlen)
{
	char		perr[200];
	cvj_value  *root = cvj_parse(text, len, perr, sizeof(perr));
	const char *allowed[16];
	int			na = 0,
				ok = 0;
	const cvj_value *v;
	const char *unknown;

	if (root == NULL)
		return (fail(err, errlen, "%s", perr), 0);
	allowed[na++] = "kind";
	allowed[na++] = "version";
	for (const num_field *f = fields; f->key; f++)
		allowed[na++] = f->key;
	if (unit)
		allowed[na++] = "time_unit";
	allowed[na++] = "log_likelihood";
	allowed[na++] = "iterations";
	allowed[na++] = "converged";
	allowed[na] = NULL;
	if (root->type != CVJ_OBJECT)
	{
		fail(err, errlen, "a %s must be a JSON object", kind);
		goto done;
	}
	if ((unknown = cvj_unknown_key(root, allowed)) != NULL)
	{
		fail(err, errlen, "unknown key \"%s\"", unknown);
		goto done;
	}
	v = cvj_get(root, "kind");
	if (v == NULL || v->type != CVJ_STRING || strcmp(v->string, kind) != 0)
	{
		fail(err, errlen, "\"kind\" must be \"%s\"", kind);
		goto done;
	}
	v = cvj_get(root, "version");
	if (v == NULL || v->type != CVJ_NUMBER || v->number != 1)
	{
		fail(err, errlen, "\"version\" must be 1");
		goto done;
	}
	for (const num_field *f = fields; f->key; f++)
	{
		double	   *dst = (double *) ((char *) m + f->off);

		v = cvj_get(root, f->key);
		*dst = 0;
		if (v == NULL && f->required)
		{
			fail(err, errlen, "a %s needs a number \"%s\"", kind, f->key);
			goto done;
		}
		if (v && v->type != CVJ_NUMBER)
		{
			fail(err, errlen, "\"%s\" must be a number", f->key);
			goto done;
		}
		if (v)
			*dst = v->number;
	}
	if (!check_fields(fields, m, err, errlen))
		goto done;
	if (unit)
	{
		v = cvj_get(root, "time_unit");
		*unit = CVB_DAY;
		if (v && (v->type != CVJ_STRING || (*unit = cvb_unit_from_name(v->string)) < 0))
		{
			fail(err, errlen, "\"time_unit\" must be \"hour\", \"day\", \"week\" or \"month\"");
			goto done;
		}
	}
	v = cvj_get(root, "log_likelihood");
	*ll = NAN;
	if (v && v->type != CVJ_NULL && v->type != CVJ_NUMBER)
	{
		fail(err, errlen, "\"log_likelihood\" must be a number or null");
		goto done;
	}
	if (v && v->type == CVJ_NUMBER)
		*ll = v->number;
	v = cvj_get(root, "iterations");
	*iterations = 0;
	if (v && (v->type != CVJ_NUMBER || v->number < 0 || v->number > 1e9 ||
			  v->number != floor(v->number)))
	{
		fail(err, errlen, "\"iterations\" must be a whole number >= 0");
		goto done;
	}
	if (v)
		*iterations = (int) v->number;
	v = cvj_get(root, "converged");
	*converged = 1;
	if (v && v->type != CVJ_BOOL)
	{
		fail(err, errlen, "\"converged\" must be true or false");
		goto done;
	}
	if (v)
		*converged = v->boolean;
	ok = 1;
done:
	cvj_free(root);
	return ok;
}

cvb_bgnbd *
cvb_bgnbd_from_json(const char *text, size_t len, char *err, size_t errlen)
{
	cvb_bgnbd  *m = cv_calloc(1, sizeof(cvb_bgnbd));

	if (!model_from_json(text, len, "bgnbd_model", bg_fields, m, &m->log_likelihood,
						 &m->iterations, &m->converged, &m->time_unit, err, errlen))
	{
		cv_free(m);
		return NULL;
	}
	return m;
}

cvb_gammagamma *
cvb_gammagamma_from_json(const char *text, size_t len, char *err, size_t errlen)
{
	cvb_gammagamma *m = cv_calloc(1, sizeof(cvb_gammagamma));

	if (!model_from_json(text, len, "gammagamma_model", gg_fields, m, &m->log_likelihood,
						 &m->iterations, &m->converged, NULL, err, errlen))
	{
		cv_free(m);
		return NULL;
	}
	return m;
}

/* Binary payload: format byte, the number fields, ll, iterations, converged, unit. */
static void
model_write(const num_field *fields, const void *m, double ll, int iterations,
			int converged, int unit, cv_wbuf *b)
{
	cvb_u8(b, BTYD_FORMAT);
	for (const num_field *f = fields; f->key; f++)
		cvb_f64(b, *(const double *) ((const char *) m + f->off));
	cvb_f64(b, ll);
	cvb_u32(b, (uint32_t) iterations);
	cvb_u8(b, (uint8_t) converged);
	cvb_u8(b, (uint8_t) unit);
}

static int
model_read(const unsigned char *p, size_t len, const num_field *fields, void *m,
		   double *ll, int *iterations, int *converged, int *unit, char *err, size_t errlen)
{
	cv_rbuf		r;
	uint32_t	it;
	int			c,
				u;

	cvr_init(&r, p, len);
	if (cvr_u8(&r) != BTYD_FORMAT)
		return (fail(err, errlen, "unsupported model format"), 0);
	for (const num_field *f = fields; f->key; f++)
		*(double *) ((char *) m + f->off) = cvr_f64(&r);
	*ll = cvr_f64(&r);
	it = cvr_u32(&r);
	c = cvr_u8(&r);
	u = cvr_u8(&r);
	if (!cvr_done(&r))
		return (fail(err, errlen, "truncated or trailing data"), 0);
	if (!check_fields(fields, m, err, errlen))
		return 0;
	if (isinf(*ll) || it > 1000000000u || c > 1 || u > CVB_MONTH)
		return (fail(err, errlen, "invalid fit outcome"), 0);
	*iterations = (int) it;
	*converged = c;
	if (unit)
		*unit = u;
	return 1;
}

void
cvb_bgnbd_write(const cvb_bgnbd *m, cv_wbuf *b)
{
	model_write(bg_fields, m, m->log_likelihood, m->iterations, m->converged, m->time_unit, b);
}

void *
cvb_bgnbd_read(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	cvb_bgnbd  *m = cv_calloc(1, sizeof(cvb_bgnbd));

	if (!model_read(p, len, bg_fields, m, &m->log_likelihood, &m->iterations,
					&m->converged, &m->time_unit, err, errlen))
	{
		cv_free(m);
		return NULL;
	}
	return m;
}

void
cvb_gammagamma_write(const cvb_gammagamma *m, cv_wbuf *b)
{
	model_write(gg_fields, m, m->log_likelihood, m->iterations, m->converged, 0, b);
}

void *
cvb_gammagamma_read(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	cvb_gammagamma *m = cv_calloc(1, sizeof(cvb_gammagamma));

	if (!model_read(p, len, gg_fields, m, &m->log_likelihood, &m->iterations,
					&m->converged, NULL, err, errlen))
	{
		cv_free(m);
		return NULL;
	}
	return m;
}
