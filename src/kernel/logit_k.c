/*
 * logit_k.c
 *	  Logistic regression, reason codes, best_split and Wilson intervals;
 *	  see logit_k.h.
 *
 * Parameters are indexed as theta[0] = intercept, theta[1 + c] = design
 * column c.  The design columns of a row are a dense part (the intercept
 * and the nnum numeric features: indexes 0..nd-1) and at most one active
 * dummy per categorical position (indexes >= nd), so X'WX is accumulated
 * as a dense lower triangle plus, for each active dummy, one row segment
 * over the dense part and its entries against the other active dummies.
 */
#include "logit_k.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvalloc.h"
#include "cvjson.h"

/* Halvings of a Newton step before the fit counts as stalled. */
#define MAX_HALVINGS 30

/*
 * Relative change of the objective that is rounding, not a decrease: a sum
 * over a million rows is exact to about 1e-15 of itself, and next to the
 * optimum a full Newton step changes the objective by less than that, so a
 * step that lowers it by no more than this is accepted.
 */
#define OBJ_NOISE 1e-12
/* Cholesky pivot, relative to its diagonal, below which H is singular. */
#define PIVOT_TOL 1e-11
/* A margin (2y - 1) * eta above this is a fitted probability within 3e-7 of 0 or 1. */
#define EXTREME_MARGIN 15.0

/* ------------------------------------------------------------ fitting */

/* Rows whose dense parts enter X'WX together (see dense_update). */
#define BLOCK 4

/* What one pass over the rows needs: the design of each row. */
typedef struct fitctx
{
	const cv_rows *rows;
	const cv_features *f;
	size_t		n;
	int			nnum,
				ncat,
				nd,				/* dense columns: intercept + numeric */
				q;				/* parameters: 1 + ncols */
	double	   *scale,			/* nnum: z = scale * x + shift */
			   *shift;
	int		   *base;			/* ncat: theta index of the first dummy */
	double		l2;
	double	   *d;				/* nd: the dense part of the current row */
	double		(*blk)[BLOCK];	/* nd x BLOCK: dense parts of a block of rows */
	int		   *act;			/* ncat: theta indexes of its active dummies */
} fitctx;

/* Objective and diagnostics of one pass. */
typedef struct passout
{
	double		ll;				/* log-likelihood */
	double		obj;			/* ll minus the penalty */
	int64_t		wrong;			/* rows with margin <= 0 */
	double		max_margin;
} passout;

/* Design of row i: fills c->d and c->act; returns the active dummy count. */
static int
row_design(fitctx *c, size_t i)
{
	const double *x = cv_rows_x(c->rows, i);
	int			na = 0;

	c->d[0] = 1.0;
	for (int j = 0; j < c->nnum; j++)
		c->d[1 + j] = c->scale[j] * x[j] + c->shift[j];
	if (c->ncat > 0)
	{
		const int32_t *code = cv_rows_cat(c->rows, i);

		for (int p = 0; p < c->ncat; p++)
		{
			int			ref = c->f->ref[p];

			if (code[p] != ref)
				c->act[na++] = c->base[p] + (code[p] < ref ? code[p] : code[p] - 1);
		}
	}
	return na;
}

/* eta of the current row's design under theta. */
static double
row_eta(const fitctx *c, const double *theta, int na)
{
	double		eta = 0.0;

	for (int k = 0; k < c->nd; k++)
		eta += theta[k] * c->d[k];
	for (int a = 0; a < na; a++)
		eta += theta[c->act[a]];
	return eta;
}

/*
 * The dense lower triangle of X'WX gains sum_b w_b d_b d_b' for the BLOCK
 * rows of a block (dense parts in blk, weights in w; nb < BLOCK only for
 * the last block).  Adding four rows per sweep of H quarters the loop
 * overhead of the short rows of the triangle; the inner loop runs over
 * contiguous memory and vectorises.  The order of the additions is fixed,
 * so the result is the same on every run.
 */
static void
dense_update(const fitctx *c, double (*blk)[BLOCK], const double *w, int nb, double *H)
{
	const int	q = c->q;

	for (int b = nb; b < BLOCK; b++)
		for (int k = 0; k < c->nd; k++)
			blk[k][b] = 0.0;
	for (int j = 0; j < c->nd; j++)
	{
		double		w0 = w[0] * blk[j][0],
					w1 = nb > 1 ? w[1] * blk[j][1] : 0.0,
					w2 = nb > 2 ? w[2] * blk[j][2] : 0.0,
					w3 = nb > 3 ? w[3] * blk[j][3] : 0.0;
		double	   *h = H + (size_t) j * q;

		for (int k = 0; k <= j; k++)
			h[k] += (w0 * blk[k][0] + w1 * blk[k][1]) + (w2 * blk[k][2] + w3 * blk[k][3]);
	}
}

/*
 * The rest of a row's w d d': each active dummy's row of X'WX against the
 * dense part and against the active dummies up to itself.
 */
static void
dummy_update(const fitctx *c, double w, int na, double *H)
{
	const int	q = c->q;
	const double *d = c->d;

	for (int a = 0; a < na; a++)
	{
		double	   *h = H + (size_t) c->act[a] * q;

		for (int k = 0; k < c->nd; k++)
			h[k] += w * d[k];
		for (int b = 0; b <= a; b++)
			h[c->act[b]] += w;
	}
}

/*
 * One pass at theta: log-likelihood, penalised objective, gradient g of the
 * objective and its negative Hessian H (lower triangle) when g is not NULL,
 * and the margins.  Rows are read in canonical order, so the sums are the
 * same under any plan.
 */
static void
pass(fitctx *c, const double *theta, double *g, double *H, passout *o)
{
	const int	q = c->q;
	double		ll = 0.0,
				pen = 0.0;
	double		(*blk)[BLOCK] = c->blk;
	double		bw[BLOCK];
	int			nb = 0;

	if (g)
	{
		memset(g, 0, sizeof(double) * q);
		memset(H, 0, sizeof(double) * q * q);
	}
	o->wrong = 0;
	o->max_margin = -INFINITY;
	for (size_t i = 0; i < c->n; i++)
	{
		int			na = row_design(c, i);
		double		y = cv_rows_y(c->rows, i);
		double		eta = row_eta(c, theta, na);
		double		e = exp(-fabs(eta));
		double		p = eta >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
		double		margin = y > 0.5 ? eta : -eta;

		ll += y * eta - (eta > 0 ? eta : 0.0) - log1p(e);
		if (margin <= 0)
			o->wrong++;
		if (margin > o->max_margin)
			o->max_margin = margin;
		if (g)
		{
			double		r = y - p;

			for (int k = 0; k < c->nd; k++)
			{
				g[k] += r * c->d[k];
				blk[k][nb] = c->d[k];
			}
			for (int a = 0; a < na; a++)
				g[c->act[a]] += r;
			bw[nb++] = p * (1.0 - p);
			dummy_update(c, p * (1.0 - p), na, H);
			if (nb == BLOCK)
			{
				dense_update(c, blk, bw, nb, H);
				nb = 0;
			}
		}
		cv_interrupt_poll(i + 1);
	}
	if (g && nb > 0)
		dense_update(c, blk, bw, nb, H);
	for (int k = 1; k < q; k++)
	{
		pen += theta[k] * theta[k];
		if (g)
		{
			g[k] -= c->l2 * theta[k];
			H[(size_t) k * q + k] += c->l2;
		}
	}
	o->ll = ll;
	o->obj = ll - 0.5 * c->l2 * pen;
}

/*
 * Cholesky factor of the lower triangle of H into L (q x q); returns -1 or
 * the index of the first column whose pivot is (numerically) zero, i.e.
 * that is a linear combination of the columns before it.
 */
static int
cholesky(const double *H, double *L, int q)
{
	for (int j = 0; j < q; j++)
	{
		double		s = H[(size_t) j * q + j];

		/* O(q^3): thousands of columns take seconds */
		if ((j & 63) == 63 && cv_interrupt_check)
			cv_interrupt_check();

		for (int k = 0; k < j; k++)
			s -= L[(size_t) j * q + k] * L[(size_t) j * q + k];
		if (!(s > PIVOT_TOL * H[(size_t) j * q + j]) || !(s > 0))
			return j;
		L[(size_t) j * q + j] = sqrt(s);
		for (int i = j + 1; i < q; i++)
		{
			double		t = H[(size_t) i * q + j];

			for (int k = 0; k < j; k++)
				t -= L[(size_t) i * q + k] * L[(size_t) j * q + k];
			L[(size_t) i * q + j] = t / L[(size_t) j * q + j];
		}
	}
	return -1;
}

/* Solve L L' x = b in place. */
static void
chol_solve(const double *L, int q, double *b)
{
	for (int i = 0; i < q; i++)
	{
		double		s = b[i];

		for (int k = 0; k < i; k++)
			s -= L[(size_t) i * q + k] * b[k];
		b[i] = s / L[(size_t) i * q + i];
	}
	for (int i = q - 1; i >= 0; i--)
	{
		double		s = b[i];

		for (int k = i + 1; k < q; k++)
			s -= L[(size_t) k * q + i] * b[k];
		b[i] = s / L[(size_t) i * q + i];
	}
}

/* Inverse of L L' (full, q x q) by solving for each unit vector. */
static void
chol_inverse(const double *L, int q, double *inv)
{
	double	   *e = cv_malloc(sizeof(double) * q);

	for (int j = 0; j < q; j++)
	{
		if ((j & 63) == 63 && cv_interrupt_check)
			cv_interrupt_check();
		memset(e, 0, sizeof(double) * q);
		e[j] = 1.0;
		chol_solve(L, q, e);
		for (int i = 0; i < q; i++)
			inv[(size_t) i * q + j] = e[i];
	}
	cv_free(e);
}

/* Largest |g_k| relative to max(1, |objective|): the convergence test. */
static double
rel_gradient(const double *g, int q, double obj)
{
	double		m = 0.0;

	for (int k = 0; k < q; k++)
		if (fabs(g[k]) > m)
			m = fabs(g[k]);
	return m / fmax(1.0, fabs(obj));
}

/*
 * 1 when direction v weakly separates the classes: (2y - 1) v.d >= 0 for
 * every row (up to rounding, relative to |v| |d|) and > 0 for some.
 */
static int
separates(fitctx *c, const double *v)
{
	double		vn = 0.0;
	int64_t		strict = 0;

	for (int k = 0; k < c->q; k++)
		vn += v[k] * v[k];
	vn = sqrt(vn);
	if (!(vn > 0))
		return 0;
	for (size_t i = 0; i < c->n; i++)
	{
		int			na = row_design(c, i);
		double		t = row_eta(c, v, na);
		double		dn = 0.0,
					tol;

		for (int k = 0; k < c->nd; k++)
			dn += c->d[k] * c->d[k];
		tol = 1e-6 * vn * sqrt(dn + na);
		if (cv_rows_y(c->rows, i) < 0.5)
			t = -t;
		if (t < -tol)
			return 0;
		if (t > tol)
			strict++;
		cv_interrupt_poll(i + 1);
	}
	return strict > 0;
}

/*
 * detail <- the names of the design columns whose |v| is at least a tenth
 * of the largest (the features that drive a separating direction).
 */
static void
name_columns(const cv_features *f, const double *v, int q, char *detail, size_t len)
{
	double		vmax = 0.0;
	size_t		used = 0;

	detail[0] = '\0';
	for (int k = 1; k < q; k++)
		vmax = fmax(vmax, fabs(v[k]));
	for (int k = 1; k < q && vmax > 0; k++)
	{
		char	   *name;

		if (fabs(v[k]) < 0.1 * vmax)
			continue;
		name = cv_features_column_name(f, k - 1);
		if (used + strlen(name) + 8 < len)
			used += snprintf(detail + used, len - used, "%s%s", used ? ", " : "", name);
		else if (used + 5 < len && strcmp(detail + used - 3, "...") != 0)
			used += snprintf(detail + used, len - used, ", ...");
		cv_free(name);
	}
}

/* Set up the pass context; returns a status for a constant feature. */
static cv_logit_status
ctx_init(fitctx *c, const cv_rows *rows, const cv_features *f, double l2,
		 char *detail, size_t len)
{
	int			col;

	memset(c, 0, sizeof(*c));
	c->rows = rows;
	c->f = f;
	c->n = cv_rows_count(rows);
	c->nnum = f->nnum;
	c->ncat = f->ncat;
	c->nd = 1 + f->nnum;
	c->q = 1 + f->ncols;
	c->l2 = l2;
	c->scale = cv_calloc(f->nnum + 1, sizeof(double));
	c->shift = cv_calloc(f->nnum + 1, sizeof(double));
	c->base = cv_calloc(f->ncat + 1, sizeof(int));
	c->d = cv_calloc(c->nd, sizeof(double));
	c->blk = cv_calloc(c->nd, sizeof(double[BLOCK]));
	c->act = cv_calloc(f->ncat + 1, sizeof(int));
	for (int j = 0; j < f->nnum; j++)
	{
		if (!(f->sd[j] > 0))
		{
			snprintf(detail, len, "%s", f->names[j]);
			return CV_LOGIT_CONSTANT;
		}
		c->scale[j] = f->standardize ? 1.0 / f->sd[j] : 1.0;
		c->shift[j] = f->standardize ? -f->mean[j] / f->sd[j] : 0.0;
	}
	col = c->nd;
	for (int p = 0; p < f->ncat; p++)
	{
		if (f->nlevels[p] < 2)
		{
			snprintf(detail, len, "%s", f->names[f->nnum + p]);
			return CV_LOGIT_CONSTANT;
		}
		c->base[p] = col;
		col += f->nlevels[p] - 1;
	}
	return CV_LOGIT_OK;
}

static void
ctx_free(fitctx *c)
{
	cv_free(c->scale);
	cv_free(c->shift);
	cv_free(c->base);
	cv_free(c->d);
	cv_free(c->blk);
	cv_free(c->act);
}

static cv_logit *model_alloc(cv_features *f);

/* A model over f with the fitted theta and its statistics. */
static cv_logit *
model_from_fit(cv_features *f, const double *theta, const double *cov,
			   const passout *o, const fitctx *c, int iterations, int converged)
{
	cv_logit   *m = model_alloc(f);
	cv_logit_stats *s = cv_calloc(1, sizeof(cv_logit_stats));
	int			q = c->q;
	double		ybar = 0.0,
				var0 = 0.0;
	double	   *a = cv_calloc(q, sizeof(double));

	m->intercept = theta[0];
	memcpy(m->coef, theta + 1, sizeof(double) * f->ncols);
	m->has_moments = 1;
	memcpy(m->mean, f->mean, sizeof(double) * f->nnum);
	memcpy(m->sd, f->sd, sizeof(double) * f->nnum);
	m->stats = s;
	s->l2 = c->l2;
	s->se = cv_calloc(q, sizeof(double));
	for (int k = 0; k < q; k++)
		s->se[k] = sqrt(fmax(cov[(size_t) k * q + k], 0.0));
	/* the original-units intercept is a . theta with a = (1, -mean/sd, 0...) */
	a[0] = 1.0;
	for (int j = 0; j < f->nnum && f->standardize; j++)
		a[1 + j] = -f->mean[j] / f->sd[j];
	for (int i = 0; i < q; i++)
		for (int k = 0; k < q; k++)
			var0 += a[i] * cov[(size_t) i * q + k] * a[k];
	s->se_intercept_orig = sqrt(fmax(var0, 0.0));
	cv_free(a);
	s->loglik = o->ll;
	for (size_t i = 0; i < c->n; i++)
		ybar += cv_rows_y(c->rows, i);
	ybar /= (double) c->n;
	s->null_loglik = (double) c->n * (ybar * log(ybar) + (1 - ybar) * log1p(-ybar));
	s->aic = 2.0 * q - 2.0 * o->ll;
	s->iterations = iterations;
	s->converged = converged;
	s->rows_seen = cv_rows_seen(c->rows);
	s->rows_used = (int64_t) c->n;
	s->rows_skipped = cv_rows_skipped(c->rows);
	return m;
}

/* The labels' class counts; ONE_CLASS when either is empty. */
static cv_logit_status
check_classes(const cv_rows *rows, double *ybar, char *detail, size_t len)
{
	size_t		n = cv_rows_count(rows);
	double		pos = 0.0;

	if (n == 0)
		return CV_LOGIT_NO_ROWS;
	for (size_t i = 0; i < n; i++)
		pos += cv_rows_y(rows, i) > 0.5 ? 1.0 : 0.0;
	if (pos == 0 || pos == (double) n)
	{
		snprintf(detail, len, "%s", pos == 0 ? "false" : "true");
		return CV_LOGIT_ONE_CLASS;
	}
	*ybar = pos / (double) n;
	return CV_LOGIT_OK;
}

cv_logit_status
cv_logit_fit(const cv_rows *rows, cv_features *f, const cv_logit_opts *o,
			 cv_logit **out, char *detail, size_t detaillen)
{
	fitctx		c;
	cv_logit_status st;
	double		ybar = 0.0;
	double	   *theta,
			   *trial,
			   *g,
			   *g2,
			   *H,
			   *H2,
			   *L,
			   *delta;
	int			q,
				iter = 0,
				converged = 0,
				have_delta = 0,
				bad;
	passout		po,
				pt;

	*out = NULL;
	detail[0] = '\0';
	if ((st = check_classes(rows, &ybar, detail, detaillen)) != CV_LOGIT_OK)
	{
		cv_features_free(f);
		return st;
	}
	if (f->ncols > CV_LOGIT_MAX_COLUMNS)
	{
		snprintf(detail, detaillen, "%d", f->ncols);
		cv_features_free(f);
		return CV_LOGIT_TOO_WIDE;
	}
	if ((st = ctx_init(&c, rows, f, o->l2, detail, detaillen)) != CV_LOGIT_OK)
	{
		ctx_free(&c);
		cv_features_free(f);
		return st;
	}
	q = c.q;
	theta = cv_calloc(q, sizeof(double));
	trial = cv_calloc(q, sizeof(double));
	g = cv_calloc(q, sizeof(double));
	g2 = cv_calloc(q, sizeof(double));
	delta = cv_calloc(q, sizeof(double));
	H = cv_calloc((size_t) q * q, sizeof(double));
	H2 = cv_calloc((size_t) q * q, sizeof(double));
	L = cv_calloc((size_t) q * q, sizeof(double));
	theta[0] = log(ybar / (1.0 - ybar));
	pass(&c, theta, g, H, &po);
	for (;;)
	{
		double		step = 1.0;
		int			h;

		if (rel_gradient(g, q, po.obj) <= o->tol)
		{
			converged = 1;
			break;
		}
		if (iter >= o->max_iter)
			break;
		if (c.l2 == 0 && iter > 0 && po.wrong == 0)
		{
			name_columns(f, theta, q, detail, detaillen);
			st = CV_LOGIT_SEPARATED;
			goto done;
		}
		if ((bad = cholesky(H, L, q)) >= 0)
			break;
		memcpy(delta, g, sizeof(double) * q);
		chol_solve(L, q, delta);
		have_delta = 1;
		iter++;
		/*
		 * The full step is nearly always accepted, so its pass computes the
		 * gradient and Hessian too; a halved step's pass only the objective.
		 */
		for (h = 0; h < MAX_HALVINGS; h++, step *= 0.5)
		{
			for (int k = 0; k < q; k++)
				trial[k] = theta[k] + step * delta[k];
			pass(&c, trial, h == 0 ? g2 : NULL, H2, &pt);
			if (pt.obj >= po.obj - OBJ_NOISE * fabs(po.obj))
				break;
		}
		if (h == MAX_HALVINGS)
			break;				/* stalled: no step improves the objective */
		memcpy(theta, trial, sizeof(double) * q);
		if (h == 0)
		{
			double	   *t;

			t = g, g = g2, g2 = t;
			t = H, H = H2, H2 = t;
			po = pt;
		}
		else
			pass(&c, theta, g, H, &po);
	}
	if (c.l2 == 0 && po.wrong == 0 && iter > 0)
	{
		name_columns(f, theta, q, detail, detaillen);
		st = CV_LOGIT_SEPARATED;
		goto done;
	}
	if (c.l2 == 0 && have_delta && po.max_margin > EXTREME_MARGIN && separates(&c, delta))
	{
		name_columns(f, delta, q, detail, detaillen);
		st = CV_LOGIT_QUASI_SEPARATED;
		goto done;
	}
	if ((bad = cholesky(H, L, q)) >= 0)
	{
		if (iter == 0 && bad > 0)
		{
			char	   *name = cv_features_column_name(f, bad - 1);

			snprintf(detail, detaillen, "%s", name);
			cv_free(name);
			st = CV_LOGIT_COLLINEAR;
		}
		else
			st = CV_LOGIT_SINGULAR;
		goto done;
	}
	chol_inverse(L, q, H);		/* H now holds the covariance */
	*out = model_from_fit(f, theta, H, &po, &c, iter, converged);
	f = NULL;
	st = CV_LOGIT_OK;
done:
	ctx_free(&c);
	cv_free(theta);
	cv_free(trial);
	cv_free(g);
	cv_free(g2);
	cv_free(delta);
	cv_free(H);
	cv_free(H2);
	cv_free(L);
	if (f)
		cv_features_free(f);
	return st;
}

void
cv_logit_free(cv_logit *m)
{
	if (m == NULL)
		return;
	cv_features_free(m->f);
	cv_free(m->coef);
	if (m->mean)
		cv_free(m->mean);
	if (m->sd)
		cv_free(m->sd);
	if (m->stats)
	{
		cv_free(m->stats->se);
		cv_free(m->stats);
	}
	cv_free(m->scratch);
	cv_free(m->xbuf);
	cv_free(m->levelbuf);
	cv_free(m);
}

/* ------------------------------------------------------------ scoring */

double
cv_logit_eta(cv_logit *m, const double *x, const int32_t *level)
{
	double		eta = m->intercept;

	cv_features_design(m->f, x, level, m->scratch);
	for (int c = 0; c < m->f->ncols; c++)
		eta += m->coef[c] * m->scratch[c];
	return eta;
}

double
cv_logit_prob(double eta)
{
	double		e = exp(-fabs(eta));

	return eta >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

/* Contribution of design column c to the reasons (see cv_logit_reasons). */
static double
contribution(const cv_logit *m, int c, const double *x)
{
	const cv_features *f = m->f;

	if (c >= f->nnum)
		return m->coef[c] * m->scratch[c];	/* active dummy: its coefficient */
	if (f->standardize)
		return m->coef[c] * m->scratch[c];	/* coef * z */
	return m->coef[c] * (x[c] - (m->has_moments ? m->mean[c] : 0.0));
}

int
cv_logit_reasons(cv_logit *m, const double *x, const int32_t *level,
				 int top, int *cols, double *contrib)
{
	int			n = 0;

	cv_features_design(m->f, x, level, m->scratch);
	for (int c = 0; c < m->f->ncols; c++)
	{
		double		v = contribution(m, c, x);
		int			k;

		if (!(v > 0))
			continue;
		/* insertion by decreasing contribution; ties keep column order */
		for (k = n; k > 0 && contrib[k - 1] < v; k--)
		{
			contrib[k] = contrib[k - 1];
			cols[k] = cols[k - 1];
		}
		contrib[k] = v;
		cols[k] = c;
		n++;
	}
	return n < top ? n : top;
}

void
cv_logit_coefficient(const cv_logit *m, int row, double *coef, double *std_coef,
					 double *se)
{
	const cv_features *f = m->f;
	const cv_logit_stats *s = m->stats;

	*se = NAN;
	if (row == 0)
	{
		double		b0 = m->intercept;

		if (f->standardize)
		{
			*std_coef = b0;
			for (int j = 0; j < f->nnum; j++)
				b0 -= f->sd[j] > 0 ? m->coef[j] * f->mean[j] / f->sd[j] : 0.0;
			*coef = b0;
			if (s)
				*se = s->se_intercept_orig;
			return;
		}
		*coef = b0;
		*std_coef = NAN;
		if (m->has_moments)
		{
			*std_coef = b0;
			for (int j = 0; j < f->nnum; j++)
				*std_coef += m->coef[j] * m->mean[j];
		}
		if (s)
			*se = s->se[0];
		return;
	}
	row--;
	*coef = m->coef[row];
	*std_coef = m->coef[row];
	if (s)
		*se = s->se[row + 1];
	if (row >= f->nnum)
		return;
	if (f->standardize)
	{
		double		sd = f->sd[row];

		*coef = sd > 0 ? m->coef[row] / sd : NAN;
		*se = sd > 0 ? *se / sd : NAN;
	}
	else
		*std_coef = m->has_moments ? m->coef[row] * m->sd[row] : NAN;
}

/* ------------------------------------------------------------ binary */

/*
 * Layout: features, f64 intercept, ncols f64 coefficients, u8 moments
 * (then nnum f64 mean, nnum f64 sd; only without standardisation), u8
 * stats (then f64 l2, ncols + 1 f64 se, f64 se of the original intercept,
 * f64 loglik, null loglik, aic, i64 iterations, u8 converged, i64 rows
 * seen, used, skipped).
 */
void
cv_logit_write(const cv_logit *m, cv_wbuf *b)
{
	const cv_features *f = m->f;
	int			moments = !f->standardize && m->has_moments;

	cv_features_write(f, b);
	cvb_f64(b, m->intercept);
	for (int c = 0; c < f->ncols; c++)
		cvb_f64(b, m->coef[c]);
	cvb_u8(b, (uint8_t) moments);
	for (int j = 0; moments && j < f->nnum; j++)
		cvb_f64(b, m->mean[j]);
	for (int j = 0; moments && j < f->nnum; j++)
		cvb_f64(b, m->sd[j]);
	cvb_u8(b, m->stats != NULL);
	if (m->stats)
	{
		const cv_logit_stats *s = m->stats;

		cvb_f64(b, s->l2);
		for (int k = 0; k <= f->ncols; k++)
			cvb_f64(b, s->se[k]);
		cvb_f64(b, s->se_intercept_orig);
		cvb_f64(b, s->loglik);
		cvb_f64(b, s->null_loglik);
		cvb_f64(b, s->aic);
		cvb_i64(b, s->iterations);
		cvb_u8(b, (uint8_t) s->converged);
		cvb_i64(b, s->rows_seen);
		cvb_i64(b, s->rows_used);
		cvb_i64(b, s->rows_skipped);
	}
}

/* Format a message into err; returns NULL for the readers' failure paths. */
static void *fail(char *err, size_t errlen, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

static void *
fail(char *err, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return NULL;
}

/* A model shell over f: coefficients, moments and scratch allocated. */
static cv_logit *
model_alloc(cv_features *f)
{
	cv_logit   *m = cv_calloc(1, sizeof(cv_logit));

	m->f = f;
	m->coef = cv_calloc(f->ncols + 1, sizeof(double));
	m->mean = cv_calloc(f->nnum + 1, sizeof(double));
	m->sd = cv_calloc(f->nnum + 1, sizeof(double));
	m->scratch = cv_calloc(f->ncols + 1, sizeof(double));
	m->xbuf = cv_calloc(f->nnum + 1, sizeof(double));
	m->levelbuf = cv_calloc(f->ncat + 1, sizeof(int32_t));
	return m;
}

/* With standardisation the moments are the features'. */
static void
moments_from_features(cv_logit *m)
{
	if (!m->f->standardize)
		return;
	m->has_moments = 1;
	memcpy(m->mean, m->f->mean, sizeof(double) * m->f->nnum);
	memcpy(m->sd, m->f->sd, sizeof(double) * m->f->nnum);
}

/* Every value finite, sds and ses >= 0, counts consistent; message on failure. */
static int
model_check(const cv_logit *m, char *err, size_t errlen)
{
	const cv_features *f = m->f;
	const cv_logit_stats *s = m->stats;

	if (!isfinite(m->intercept))
		return fail(err, errlen, "\"intercept\" must be a finite number"), -1;
	for (int c = 0; c < f->ncols; c++)
		if (!isfinite(m->coef[c]))
			return fail(err, errlen, "coefficients must be finite numbers"), -1;
	for (int j = 0; m->has_moments && j < f->nnum; j++)
		if (!isfinite(m->mean[j]) || !isfinite(m->sd[j]) || m->sd[j] < 0)
			return fail(err, errlen, "\"moments\" must hold finite means and finite sds >= 0"), -1;
	if (s == NULL)
		return 0;
	if (!isfinite(s->l2) || s->l2 < 0)
		return fail(err, errlen, "\"l2\" must be a finite number >= 0"), -1;
	for (int k = 0; k <= f->ncols; k++)
		if (!isfinite(s->se[k]) || s->se[k] < 0)
			return fail(err, errlen, "standard errors must be finite numbers >= 0"), -1;
	if (!isfinite(s->se_intercept_orig) || s->se_intercept_orig < 0 ||
		!isfinite(s->loglik) || s->loglik > 0 || !isfinite(s->null_loglik) ||
		s->null_loglik > 0 || !isfinite(s->aic))
		return fail(err, errlen, "fit statistics must be finite (log-likelihoods <= 0)"), -1;
	if (s->iterations < 0 || s->converged < 0 || s->converged > 1 || s->rows_seen < 0 ||
		s->rows_used < 0 || s->rows_used > s->rows_seen || s->rows_skipped < 0)
		return fail(err, errlen, "fit counters must be >= 0 with rows_used <= rows_seen"), -1;
	return 0;
}

cv_logit *
cv_logit_read(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	cv_rbuf		r;
	cv_features *f;
	cv_logit   *m;
	int			moments,
				has_stats;

	cvr_init(&r, p, len);
	f = cv_features_read(&r, err, errlen);
	if (f == NULL)
		return NULL;
	if ((size_t) f->ncols > (r.len - r.pos) / 8)
	{
		cv_features_free(f);
		return fail(err, errlen, "churn model payload is truncated");
	}
	m = model_alloc(f);
	m->intercept = cvr_f64(&r);
	for (int c = 0; c < f->ncols; c++)
		m->coef[c] = cvr_f64(&r);
	moments = cvr_u8(&r);
	if (moments > 1 || (moments && f->standardize))
		r.err = 1;
	m->has_moments = moments;
	for (int j = 0; moments && j < f->nnum; j++)
		m->mean[j] = cvr_f64(&r);
	for (int j = 0; moments && j < f->nnum; j++)
		m->sd[j] = cvr_f64(&r);
	moments_from_features(m);
	has_stats = cvr_u8(&r);
	if (has_stats > 1)
		r.err = 1;
	if (has_stats == 1 && !r.err)
	{
		cv_logit_stats *s = cv_calloc(1, sizeof(cv_logit_stats));

		m->stats = s;
		s->se = cv_calloc(f->ncols + 1, sizeof(double));
		s->l2 = cvr_f64(&r);
		for (int k = 0; k <= f->ncols; k++)
			s->se[k] = cvr_f64(&r);
		s->se_intercept_orig = cvr_f64(&r);
		s->loglik = cvr_f64(&r);
		s->null_loglik = cvr_f64(&r);
		s->aic = cvr_f64(&r);
		s->iterations = (int) cvr_i64(&r);
		s->converged = cvr_u8(&r);
		s->rows_seen = cvr_i64(&r);
		s->rows_used = cvr_i64(&r);
		s->rows_skipped = cvr_i64(&r);
	}
	if (!cvr_done(&r))
	{
		cv_logit_free(m);
		return fail(err, errlen, "churn model payload is truncated or has trailing bytes");
	}
	if (model_check(m, err, errlen) < 0)
	{
		cv_logit_free(m);
		return NULL;
	}
	return m;
}

/* -------------------------------------------------------------- JSON */

/* An object with one number per design column, keyed by column name. */
static void
json_columns(cvj_writer *w, const cv_features *f, const double *v)
{
	cvjw_begin_object(w);
	for (int c = 0; c < f->ncols; c++)
	{
		char	   *name = cv_features_column_name(f, c);

		cvjw_key(w, name);
		cvjw_number(w, v[c]);
		cv_free(name);
	}
	cvjw_end_object(w);
}

static void
json_array(cvj_writer *w, const double *v, int n)
{
	cvjw_begin_array(w);
	for (int i = 0; i < n; i++)
		cvjw_number(w, v[i]);
	cvjw_end_array(w);
}

/* A member key and its value. */
static void
key_number(cvj_writer *w, const char *key, double v)
{
	cvjw_key(w, key);
	cvjw_number(w, v);
}

static void
key_int(cvj_writer *w, const char *key, long long v)
{
	cvjw_key(w, key);
	cvjw_int(w, v);
}

static void
key_bool(cvj_writer *w, const char *key, int v)
{
	cvjw_key(w, key);
	cvjw_bool(w, v);
}

static void
json_stats(cvj_writer *w, const cv_logit *m)
{
	const cv_logit_stats *s = m->stats;

	cvjw_begin_object(w);
	key_number(w, "l2", s->l2);
	cvjw_key(w, "std_errors");
	cvjw_begin_object(w);
	key_number(w, "intercept", s->se[0]);
	cvjw_key(w, "coefficients");
	json_columns(w, m->f, s->se + 1);
	cvjw_end_object(w);
	key_number(w, "intercept_std_error_original", s->se_intercept_orig);
	key_number(w, "log_likelihood", s->loglik);
	key_number(w, "null_log_likelihood", s->null_loglik);
	key_number(w, "aic", s->aic);
	key_int(w, "iterations", s->iterations);
	key_bool(w, "converged", s->converged);
	key_int(w, "rows_seen", s->rows_seen);
	key_int(w, "rows_used", s->rows_used);
	key_int(w, "rows_skipped", s->rows_skipped);
	key_bool(w, "sampled", s->rows_used < s->rows_seen);
	cvjw_end_object(w);
}

char *
cv_logit_to_json(const cv_logit *m)
{
	cvj_writer	w;

	cvjw_init(&w);
	cvjw_begin_object(&w);
	cvjw_key(&w, "kind");
	cvjw_string(&w, "churn_model");
	cvjw_key(&w, "version");
	cvjw_int(&w, 1);
	cvjw_key(&w, "features");
	cv_features_to_json(m->f, &w);
	cvjw_key(&w, "intercept");
	cvjw_number(&w, m->intercept);
	cvjw_key(&w, "coefficients");
	json_columns(&w, m->f, m->coef);
	if (!m->f->standardize && m->has_moments)
	{
		cvjw_key(&w, "moments");
		cvjw_begin_object(&w);
		cvjw_key(&w, "mean");
		json_array(&w, m->mean, m->f->nnum);
		cvjw_key(&w, "sd");
		json_array(&w, m->sd, m->f->nnum);
		cvjw_end_object(&w);
	}
	if (m->stats)
	{
		cvjw_key(&w, "fit");
		json_stats(&w, m);
	}
	cvjw_end_object(&w);
	return cvjw_finish(&w, NULL);
}

/* A finite number member; -1 with a message when absent or not a number. */
static int
get_number(const cvj_value *obj, const char *key, double *out, char *err, size_t errlen)
{
	const cvj_value *v = cvj_get(obj, key);

	if (v == NULL || v->type != CVJ_NUMBER)
		return fail(err, errlen, "\"%s\" must be a number", key), -1;
	*out = v->number;
	return 0;
}

/* A whole number member >= 0 (and at most 2^53). */
static int
get_count(const cvj_value *obj, const char *key, int64_t *out, char *err, size_t errlen)
{
	double		d;

	if (get_number(obj, key, &d, err, errlen) < 0)
		return -1;
	if (d != floor(d) || d < 0 || d > 9007199254740992.0)
		return fail(err, errlen, "\"%s\" must be a whole number >= 0", key), -1;
	*out = (int64_t) d;
	return 0;
}

static int
get_bool(const cvj_value *obj, const char *key, int *out, char *err, size_t errlen)
{
	const cvj_value *v = cvj_get(obj, key);

	if (v == NULL || v->type != CVJ_BOOL)
		return fail(err, errlen, "\"%s\" must be a boolean", key), -1;
	*out = v->boolean;
	return 0;
}

/*
 * An object with exactly one number per design column, keyed by the
 * column names ("name" or "name=level").
 */
static int
get_columns(const cvj_value *v, const char *key, const cv_features *f, double *out,
			char *err, size_t errlen)
{
	if (v == NULL || v->type != CVJ_OBJECT)
		return fail(err, errlen, "\"%s\" must be an object with a number per design column", key), -1;
	for (int c = 0; c < f->ncols; c++)
	{
		char	   *name = cv_features_column_name(f, c);
		const cvj_value *x = cvj_get(v, name);

		if (x == NULL || x->type != CVJ_NUMBER)
		{
			fail(err, errlen, "\"%s\" must have a number for \"%s\"", key, name);
			cv_free(name);
			return -1;
		}
		out[c] = x->number;
		cv_free(name);
	}
	if (v->n != f->ncols)
	{
		for (int i = 0; i < v->n; i++)
		{
			int			known = 0;

			for (int c = 0; c < f->ncols && !known; c++)
			{
				char	   *name = cv_features_column_name(f, c);

				known = strcmp(name, v->keys[i]) == 0;
				cv_free(name);
			}
			if (!known)
				return fail(err, errlen, "\"%s\" has \"%s\", which is not a design column (numeric features by name, categorical levels as \"name=level\" except the reference)",
							key, v->keys[i]), -1;
		}
	}
	return 0;
}

/* A JSON array of n numbers. */
static int
get_array(const cvj_value *v, const char *key, int n, double *out, char *err, size_t errlen)
{
	if (v == NULL || v->type != CVJ_ARRAY || v->n != n)
		return fail(err, errlen, "\"%s\" must be an array of %d numbers", key, n), -1;
	for (int i = 0; i < n; i++)
	{
		if (v->items[i].type != CVJ_NUMBER)
			return fail(err, errlen, "\"%s\" must be an array of %d numbers", key, n), -1;
		out[i] = v->items[i].number;
	}
	return 0;
}

static int
moments_from_json(cv_logit *m, const cvj_value *v, char *err, size_t errlen)
{
	static const char *const keys[] = {"mean", "sd", NULL};
	const char *bad;

	if (m->f->standardize)
		return fail(err, errlen, "\"moments\" is allowed only when the features are not standardized (they carry mean and sd)"), -1;
	if (v->type != CVJ_OBJECT || (bad = cvj_unknown_key(v, keys)) != NULL)
		return fail(err, errlen, "\"moments\" must be an object with \"mean\" and \"sd\""), -1;
	m->has_moments = 1;
	if (get_array(cvj_get(v, "mean"), "mean", m->f->nnum, m->mean, err, errlen) < 0 ||
		get_array(cvj_get(v, "sd"), "sd", m->f->nnum, m->sd, err, errlen) < 0)
		return -1;
	return 0;
}

static int
stats_from_json(cv_logit *m, const cvj_value *v, char *err, size_t errlen)
{
	static const char *const keys[] = {"l2", "std_errors", "intercept_std_error_original",
		"log_likelihood", "null_log_likelihood", "aic", "iterations", "converged",
	"rows_seen", "rows_used", "rows_skipped", "sampled", NULL};
	static const char *const se_keys[] = {"intercept", "coefficients", NULL};
	cv_logit_stats *s = cv_calloc(1, sizeof(cv_logit_stats));
	const cvj_value *se = cvj_get(v, "std_errors");
	const char *bad;
	int64_t		iters;
	int			sampled;

	m->stats = s;
	s->se = cv_calloc(m->f->ncols + 1, sizeof(double));
	if (v->type != CVJ_OBJECT)
		return fail(err, errlen, "\"fit\" must be an object"), -1;
	if ((bad = cvj_unknown_key(v, keys)) != NULL)
		return fail(err, errlen, "unknown key \"%s\" in \"fit\"", bad), -1;
	if (se == NULL || se->type != CVJ_OBJECT || cvj_unknown_key(se, se_keys) != NULL)
		return fail(err, errlen, "\"std_errors\" must be an object with \"intercept\" and \"coefficients\""), -1;
	if (get_number(v, "l2", &s->l2, err, errlen) < 0 ||
		get_number(se, "intercept", &s->se[0], err, errlen) < 0 ||
		get_columns(cvj_get(se, "coefficients"), "coefficients", m->f, s->se + 1, err, errlen) < 0 ||
		get_number(v, "intercept_std_error_original", &s->se_intercept_orig, err, errlen) < 0 ||
		get_number(v, "log_likelihood", &s->loglik, err, errlen) < 0 ||
		get_number(v, "null_log_likelihood", &s->null_loglik, err, errlen) < 0 ||
		get_number(v, "aic", &s->aic, err, errlen) < 0 ||
		get_count(v, "iterations", &iters, err, errlen) < 0 ||
		get_bool(v, "converged", &s->converged, err, errlen) < 0 ||
		get_count(v, "rows_seen", &s->rows_seen, err, errlen) < 0 ||
		get_count(v, "rows_used", &s->rows_used, err, errlen) < 0 ||
		get_count(v, "rows_skipped", &s->rows_skipped, err, errlen) < 0 ||
		get_bool(v, "sampled", &sampled, err, errlen) < 0)
		return -1;
	if (iters > 1000000)
		return fail(err, errlen, "\"iterations\" must be at most 1000000"), -1;
	s->iterations = (int) iters;
	if (sampled != (s->rows_used < s->rows_seen))
		return fail(err, errlen, "\"sampled\" must say whether rows_used < rows_seen"), -1;
	return 0;
}

cv_logit *
cv_logit_from_json(const char *text, size_t len, char *err, size_t errlen)
{
	static const char *const keys[] = {"kind", "version", "features", "intercept",
	"coefficients", "moments", "fit", NULL};
	char		perr[200];
	cvj_value  *root = cvj_parse(text, len, perr, sizeof(perr));
	const cvj_value *kind,
			   *version,
			   *v;
	const char *bad;
	cv_features *f;
	cv_logit   *m = NULL;

	if (root == NULL)
		return fail(err, errlen, "%s", perr);
	if (root->type != CVJ_OBJECT)
	{
		fail(err, errlen, "a churn model must be a JSON object");
		goto fail;
	}
	if ((bad = cvj_unknown_key(root, keys)) != NULL)
	{
		fail(err, errlen, "unknown key \"%s\"", bad);
		goto fail;
	}
	kind = cvj_get(root, "kind");
	version = cvj_get(root, "version");
	if (kind == NULL || kind->type != CVJ_STRING || strcmp(kind->string, "churn_model") != 0)
	{
		fail(err, errlen, "\"kind\" must be \"churn_model\"");
		goto fail;
	}
	if (version == NULL || version->type != CVJ_NUMBER || version->number != 1)
	{
		fail(err, errlen, "\"version\" must be 1");
		goto fail;
	}
	f = cv_features_from_json(cvj_get(root, "features"), err, errlen);
	if (f == NULL)
		goto fail;
	if (f->ncols > CV_LOGIT_MAX_COLUMNS)
	{
		fail(err, errlen, "a churn model may have at most %d design columns, not %d",
			 CV_LOGIT_MAX_COLUMNS, f->ncols);
		cv_features_free(f);
		goto fail;
	}
	m = model_alloc(f);
	moments_from_features(m);
	if (get_number(root, "intercept", &m->intercept, err, errlen) < 0 ||
		get_columns(cvj_get(root, "coefficients"), "coefficients", f, m->coef, err, errlen) < 0)
		goto fail;
	if ((v = cvj_get(root, "moments")) != NULL && moments_from_json(m, v, err, errlen) < 0)
		goto fail;
	if ((v = cvj_get(root, "fit")) != NULL && stats_from_json(m, v, err, errlen) < 0)
		goto fail;
	if (model_check(m, err, errlen) < 0)
		goto fail;
	cvj_free(root);
	return m;
fail:
	cv_logit_free(m);
	cvj_free(root);
	return NULL;
}

/* ------------------------------------------- p-values, Wilson, splits */

double
cv_normal_p_value(double z)
{
	return erfc(fabs(z) / sqrt(2.0));
}

void
cv_wilson(int64_t k, int64_t n, double z, double *lo, double *hi)
{
	double		nn = (double) n;
	double		p = (double) k / nn;
	double		z2 = z * z;
	double		denom = 1.0 + z2 / nn;
	double		centre = (p + z2 / (2.0 * nn)) / denom;
	double		half = z / denom * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn));

	*lo = fmax(0.0, centre - half);
	*hi = fmin(1.0, centre + half);
}

/* Gini impurity of a node with pos positives among n rows, times n. */
static double
gini_mass(double pos, double n)
{
	return n > 0 ? 2.0 * pos * (n - pos) / n : 0.0;
}

int
cv_best_split(const double *posx, const int64_t *posn, size_t npos,
			  const double *negx, const int64_t *negn, size_t nneg,
			  cv_split *s)
{
	double		P = 0,
				N = 0,
				pb = 0,
				nb = 0,
				best = 0.0,
				parent;
	size_t		i = 0,
				j = 0;
	int			found = 0,
				first = 1;

	for (size_t k = 0; k < npos; k++)
		P += (double) posn[k];
	for (size_t k = 0; k < nneg; k++)
		N += (double) negn[k];
	parent = gini_mass(P, P + N);
	while (i < npos || j < nneg)
	{
		/* the next distinct value t and its counts */
		double		t = (j >= nneg || (i < npos && posx[i] <= negx[j])) ? posx[i] : negx[j];
		double		tp = 0,
					tn = 0;

		if (i < npos && posx[i] == t)
			tp = (double) posn[i++];
		if (j < nneg && negx[j] == t)
			tn = (double) negn[j++];
		if (!first)
		{
			double		below = pb + nb,
						above = P + N - below;
			double		dec = (parent - gini_mass(pb, below) - gini_mass(P - pb, above)) / (P + N);

			if (dec > best)
			{
				best = dec;
				found = 1;
				s->threshold = t;
				s->rows_below = (int64_t) below;
				s->rows_above = (int64_t) above;
				s->rate_below = pb / below;
				s->rate_above = (P - pb) / above;
			}
		}
		first = 0;
		pb += tp;
		nb += tn;
	}
	if (!found)
		return -1;
	s->rows = (int64_t) (P + N);
	s->lift = s->rate_above / (P / (P + N));
	s->impurity_decrease = best;
	return 0;
}
