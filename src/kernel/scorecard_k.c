/*
 * scorecard_k.c
 *	  The scorecard model; see scorecard_k.h.
 */
#include "scorecard_k.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvalloc.h"
#include "cvjson.h"
#include "health_k.h"

static const char *const method_names[] = {"percentile", "linear", "log", "recency", "bands"};

#define NMETHODS ((int) (sizeof(method_names) / sizeof(method_names[0])))

static char *
cvs_strdup(const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *d = cv_malloc(n);

	memcpy(d, s, n);
	return d;
}

static double *
copy_doubles(const double *src, size_t n)
{
	double	   *d = cv_malloc((n ? n : 1) * sizeof(double));

	if (n)
		memcpy(d, src, n * sizeof(double));
	return d;
}

/*
 * Knots of compressed ranges lo[i]..hi[i] holding count[i] rows (ascending
 * and disjoint; lo == hi for a single value): every range end and single
 * value becomes a knot; single values add to their knot's atom, ranges
 * spread their rows evenly over the interval they cover.
 */
static void
knots_from_ranges(cvs_measure *m, const double *lo, const double *hi,
				  const int64_t *count, size_t nr)
{
	size_t		nb = 0;
	double	   *b = cv_malloc((nr > 0 ? 2 * nr : 1) * sizeof(double));

	for (size_t i = 0; i < nr; i++)
	{
		b[nb++] = lo[i];
		if (hi[i] != lo[i])
			b[nb++] = hi[i];
	}
	/* ranges are ascending and disjoint, so the ends already are */
	m->nknots = (int) nb;
	m->x = b;
	m->atom = cv_calloc(nb ? nb : 1, sizeof(double));
	m->between = cv_calloc(nb > 1 ? nb - 1 : 1, sizeof(double));
	for (size_t i = 0, j = 0; i < nr; i++)
	{
		if (hi[i] == lo[i])
			m->atom[j++] = (double) count[i];
		else
		{
			m->between[j] = (double) count[i];
			j += 2;
		}
	}
}

/*
 * A measure's knots from a dimension's exact distinct values.  Up to
 * CVS_EXACT_KNOTS values are kept as they are.  Beyond, runs of adjacent
 * values are grouped greedily from the smallest into ranges of at most
 * floor(n * CVS_RANGE_SHARE) rows (a value heavier than that stays alone):
 * two adjacent groups always hold more than that many rows, so there are
 * at most 2 / CVS_RANGE_SHARE + 1 groups and twice as many knots, and a
 * value's points move by at most 100 * CVS_RANGE_SHARE.  The grouping is a
 * function of the distribution alone, so every plan gives the same card.
 */
static void
knots_from_distr(cvs_measure *m, const cv_distr_dim *dim)
{
	int64_t		limit = (int64_t) floor((double) dim->n * CVS_RANGE_SHARE);
	size_t		nr = 0;
	double	   *lo,
			   *hi;
	int64_t    *count;

	if (dim->nentries <= CVS_EXACT_KNOTS)
	{
		m->nknots = (int) dim->nentries;
		m->x = copy_doubles(dim->value, dim->nentries);
		m->atom = cv_malloc((dim->nentries ? dim->nentries : 1) * sizeof(double));
		for (size_t j = 0; j < dim->nentries; j++)
		{
			cv_interrupt_poll(j);
			m->atom[j] = (double) dim->count[j];
		}
		return;
	}
	if (limit < 1)
		limit = 1;
	lo = cv_malloc(dim->nentries * sizeof(double));
	hi = cv_malloc(dim->nentries * sizeof(double));
	count = cv_malloc(dim->nentries * sizeof(int64_t));
	for (size_t i = 0; i < dim->nentries;)
	{
		int64_t		w = dim->count[i];
		size_t		j = i + 1;

		while (j < dim->nentries && w + dim->count[j] <= limit)
		{
			cv_interrupt_poll(j);
			w += dim->count[j++];
		}
		lo[nr] = dim->value[i];
		hi[nr] = dim->value[j - 1];
		count[nr] = w;
		nr++;
		i = j;
	}
	knots_from_ranges(m, lo, hi, count, nr);
	cv_free(lo);
	cv_free(hi);
	cv_free(count);
}

/*
 * Counts of a measure as scoring uses them: scaled by 2^-count_exp, which
 * is 0 for counts of ordinary sizes and otherwise brings the largest count
 * into [1, 2), so that sums of counts up to 1.8e308 do not overflow and
 * subnormal counts keep their bits.  Scaling by a power of two does not
 * change the points.
 */
static inline double
scaled_count(const cvs_measure *m, double count)
{
	return m->count_exp ? ldexp(count, -m->count_exp) : count;
}

/*
 * Every CVS_FENCE_STRIDE-th knot of a long measure, so that a lookup
 * binary-searches a small array (5 kB for 40,000 knots, which stays in the
 * CPU caches even when rows alternate between several cards) and then one
 * block of knots, instead of hopping across the whole array.
 */
static void
derive_fences(cvs_measure *m)
{
	m->nfence = 0;
	m->fence = NULL;
	if (m->nknots < 4 * CVS_FENCE_STRIDE)
		return;
	m->nfence = (m->nknots + CVS_FENCE_STRIDE - 1) / CVS_FENCE_STRIDE;
	m->fence = cv_malloc(sizeof(double) * m->nfence);
	for (int f = 0; f < m->nfence; f++)
		m->fence[f] = m->x[f * CVS_FENCE_STRIDE];
}

/*
 * Per knot j, the rows strictly below it (ranks[2j]) and the rows at it
 * (ranks[2j + 1]) side by side, so that a lookup reads one cache line
 * after its search, and the population size; all in scaled counts.  Counts stay unscaled while the largest lies within
 * [2^-900, 2^960], where no sum of at most 2^31 of them overflows.
 */
static void
derive_below(cvs_measure *m)
{
	double		acc = 0,
				max = 0;

	for (int j = 0; j < m->nknots; j++)
	{
		cv_interrupt_poll(j);
		max = fmax(max, m->atom[j]);
		if (m->between && j + 1 < m->nknots)
			max = fmax(max, m->between[j]);
	}
	m->count_exp = (max > 0x1p960 || (max > 0 && max < 0x1p-900)) ? ilogb(max) : 0;
	m->ranks = cv_malloc((m->nknots ? 2 * m->nknots : 1) * sizeof(double));
	for (int j = 0; j < m->nknots; j++)
	{
		cv_interrupt_poll(j);
		m->ranks[2 * j] = acc;
		m->ranks[2 * j + 1] = scaled_count(m, m->atom[j]);
		acc += m->ranks[2 * j + 1];
		if (m->between && j + 1 < m->nknots)
			acc += scaled_count(m, m->between[j]);
	}
	m->total = acc;
	derive_fences(m);
}

/* Derive the weights of a valid card, prepared for scoring. */
static void
card_weights(cvs_card *c)
{
	c->w = cv_malloc(sizeof(double) * c->n);
	for (int i = 0; i < c->n; i++)
		c->w[i] = c->m[i].weight;
	cvh_weights_init(&c->weights, c->w, c->n);
}

cvs_card *
cvs_from_distr(cv_distr *d, char **names, const double *weights,
			   const int *higher_is_better)
{
	cvs_card   *c = cv_calloc(1, sizeof(cvs_card));

	c->n = cv_distr_ndims(d);
	c->m = cv_calloc(c->n, sizeof(cvs_measure));
	for (int i = 0; i < c->n; i++)
	{
		cvs_measure *m = &c->m[i];
		cv_distr_dim dim = cv_distr_dim_get(d, i);

		m->name = cvs_strdup(names[i]);
		m->weight = weights[i];
		m->method = CVS_PERCENTILE;
		m->higher_is_better = higher_is_better[i];
		knots_from_distr(m, &dim);
		derive_below(m);
	}
	card_weights(c);
	return c;
}

/*
 * The part of `rows` spread evenly over (lo, hi) that lies below v, for
 * lo < v < hi: rows * (v - lo) / (hi - lo), in that order (as exact as it
 * gets), with halved values when hi - lo overflows and the fraction taken
 * first when rows * (v - lo) overflows or the width is subnormal.
 */
static double
interval_share(double rows, double lo, double hi, double v)
{
	double		num = v - lo,
				den = hi - lo,
				r;

	if (isinf(den))
	{
		num = 0.5 * v - 0.5 * lo;
		den = 0.5 * hi - 0.5 * lo;
	}
	r = rows * num;
	if (isfinite(r) && den >= DBL_MIN)
		return r / den;
	return rows * (num / den);	/* subnormal widths: the exact ratio first */
}

/* The last index in lo..hi of ascending x with x[i] <= v, or lo - 1. */
static inline int
last_at_most(const double *x, int lo, int hi, double v)
{
	int			j = lo - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (x[mid] <= v)
		{
			j = mid;
			lo = mid + 1;
		}
		else
			hi = mid - 1;
	}
	return j;
}

/* Mid-rank percentile points of v in a fitted population. */
static double
percentile_points(const cvs_measure *m, double v)
{
	int			j;
	double		p,
				e = 0,
				pts;

	if (m->total <= 0)
		return NAN;
	if (m->nfence > 0)
	{
		/* the fences pick the block, then the search stays inside it */
		int			f = last_at_most(m->fence, 0, m->nfence - 1, v);

		j = f < 0 ? -1 :
			last_at_most(m->x, f * CVS_FENCE_STRIDE,
						 f * CVS_FENCE_STRIDE + CVS_FENCE_STRIDE - 1 < m->nknots - 1 ?
						 f * CVS_FENCE_STRIDE + CVS_FENCE_STRIDE - 1 : m->nknots - 1, v);
	}
	else
		j = last_at_most(m->x, 0, m->nknots - 1, v);
	if (j < 0)
		p = 0;
	else if (m->x[j] == v)
	{
		p = m->ranks[2 * j];
		e = m->ranks[2 * j + 1];
	}
	else if (j == m->nknots - 1)
		p = m->total;
	else
	{
		p = m->ranks[2 * j] + m->ranks[2 * j + 1];
		if (m->between)
			p += interval_share(scaled_count(m, m->between[j]), m->x[j], m->x[j + 1], v);
	}
	/*
	 * Reversed points are the share above plus half the share equal, taken
	 * as one division (not 100 minus the forward points) so that counts
	 * give the correctly rounded percentage.
	 */
	pts = 100.0 * (m->higher_is_better ? p + e / 2 : m->total - p - e / 2) / m->total;
	return pts < 0 ? 0 : pts > 100 ? 100 : pts;
}

double
cvs_points(const cvs_measure *m, double v)
{
	switch (m->method)
	{
		case CVS_PERCENTILE:
			return percentile_points(m, v);
		case CVS_LINEAR:
			return cvh_score_linear(v, m->poor, m->good);
		case CVS_LOG:
			return v > -1 ? cvh_score_log(v, m->poor, m->good) : NAN;
		case CVS_RECENCY:
			return v >= 0 ? cvh_score_recency(v, m->half_life) : NAN;
		case CVS_BANDS:
			return m->points[cvh_band_index(v, m->edges, m->nedges)];
	}
	return NAN;
}

double
cvs_score(const cvs_card *c, const double *v, const unsigned char *present,
		  double *points, double *coverage)
{
	unsigned char pres[CVS_MAX_MEASURES];

	for (int i = 0; i < c->n; i++)
	{
		points[i] = present[i] ? cvs_points(&c->m[i], v[i]) : NAN;
		pres[i] = !isnan(points[i]);
	}
	return cvh_weights_mean(&c->weights, points, pres, 0.0, coverage);
}

char *
cvs_explain_json(const cvs_card *c, const double *v, const unsigned char *present)
{
	double		points[CVS_MAX_MEASURES];
	double		coverage;
	double		score = cvs_score(c, v, present, points, &coverage);
	double		wsum = 0;
	unsigned char pres[CVS_MAX_MEASURES];
	int			exp;
	cvj_writer	w;

	/* weights scaled by the largest present one, so that no sum overflows */
	for (int i = 0; i < c->n; i++)
		pres[i] = !isnan(points[i]);
	exp = cvh_weight_exp(c->w, pres, c->n);
	for (int i = 0; i < c->n; i++)
		if (pres[i])
			wsum += ldexp(c->w[i], -exp);
	cvjw_init(&w);
	cvjw_begin_object(&w);
	cvjw_key(&w, "score");
	isnan(score) ? cvjw_null(&w) : cvjw_number(&w, score);
	cvjw_key(&w, "coverage");
	cvjw_number(&w, coverage);
	cvjw_key(&w, "measures");
	cvjw_begin_array(&w);
	for (int i = 0; i < c->n; i++)
	{
		int			has = !isnan(points[i]) && wsum > 0;

		cvjw_begin_object(&w);
		cvjw_key(&w, "name");
		cvjw_string(&w, c->m[i].name);
		cvjw_key(&w, "value");
		present[i] ? cvjw_number(&w, v[i]) : cvjw_null(&w);
		cvjw_key(&w, "points");
		isnan(points[i]) ? cvjw_null(&w) : cvjw_number(&w, points[i]);
		cvjw_key(&w, "weight");
		cvjw_number(&w, c->m[i].weight);
		cvjw_key(&w, "contribution");
		has ? cvjw_number(&w, ldexp(c->w[i], -exp) * points[i] / wsum) : cvjw_null(&w);
		cvjw_end_object(&w);
	}
	cvjw_end_array(&w);
	cvjw_end_object(&w);
	return cvjw_finish(&w, NULL);
}

/*
 * Check one measure's fields and derive its cumulative counts; returns an
 * error message or NULL.  Shared by the binary and JSON readers so that a
 * hand-written card meets exactly the rules of a fitted one.
 */
static const char *
check_measure(cvs_measure *m, int i, char *buf, size_t len)
{
	if (m->name == NULL || m->name[0] == '\0')
		return (snprintf(buf, len, "measure %d has an empty name", i + 1), buf);
	if (!isfinite(m->weight) || m->weight < 0)
		return (snprintf(buf, len, "weight of measure \"%s\" must be a non-negative finite number", m->name), buf);
	switch (m->method)
	{
		case CVS_PERCENTILE:
			for (int j = 0; j < m->nknots; j++)
			{
				cv_interrupt_poll(j);
				if (!isfinite(m->x[j]) || (j > 0 && !(m->x[j] > m->x[j - 1])))
					return (snprintf(buf, len, "values of measure \"%s\" must be finite and strictly ascending", m->name), buf);
				if (!isfinite(m->atom[j]) || m->atom[j] < 0)
					return (snprintf(buf, len, "counts of measure \"%s\" must be non-negative finite numbers", m->name), buf);
				if (m->between && j + 1 < m->nknots && (!isfinite(m->between[j]) || m->between[j] < 0))
					return (snprintf(buf, len, "between of measure \"%s\" must hold non-negative finite numbers", m->name), buf);
			}
			derive_below(m);
			if (m->nknots > 0 && !(m->total > 0))
				return (snprintf(buf, len, "counts of measure \"%s\" must not all be zero", m->name), buf);
			break;
		case CVS_LINEAR:
		case CVS_LOG:
			if (!isfinite(m->poor) || !isfinite(m->good) || m->poor == m->good)
				return (snprintf(buf, len, "poor and good of measure \"%s\" must be finite and differ", m->name), buf);
			if (m->method == CVS_LOG && (m->poor <= -1 || m->good <= -1))
				return (snprintf(buf, len, "poor and good of log measure \"%s\" must be greater than -1", m->name), buf);
			break;
		case CVS_RECENCY:
			if (!isfinite(m->half_life) || m->half_life <= 0)
				return (snprintf(buf, len, "half_life of measure \"%s\" must be a positive finite number", m->name), buf);
			break;
		case CVS_BANDS:
			for (int j = 0; j < m->nedges; j++)
				if (!isfinite(m->edges[j]) || (j > 0 && !(m->edges[j] > m->edges[j - 1])))
					return (snprintf(buf, len, "edges of measure \"%s\" must be finite and strictly ascending", m->name), buf);
			for (int j = 0; j <= m->nedges; j++)
				if (!(m->points[j] >= 0 && m->points[j] <= 100))
					return (snprintf(buf, len, "points of measure \"%s\" must be between 0 and 100", m->name), buf);
			break;
	}
	return NULL;
}

/* Rules on the card as a whole; NULL when valid (and the weights derived). */
static const char *
check_card(cvs_card *c, char *buf, size_t len)
{
	double		wsum = 0;

	if (c->n < 1 || c->n > CVS_MAX_MEASURES)
		return (snprintf(buf, len, "a scorecard must have between 1 and %d measures, not %d", CVS_MAX_MEASURES, c->n), buf);
	for (int i = 0; i < c->n; i++)
	{
		const char *bad = check_measure(&c->m[i], i, buf, len);

		if (bad)
			return bad;
		wsum += c->m[i].weight;
		for (int k = 0; k < i; k++)
			if (strcmp(c->m[k].name, c->m[i].name) == 0)
				return (snprintf(buf, len, "measure name \"%s\" appears twice", c->m[i].name), buf);
	}
	if (!(wsum > 0))
		return (snprintf(buf, len, "weights must not all be zero"), buf);
	card_weights(c);
	return NULL;
}

void
cvs_write(const cvs_card *c, cv_wbuf *b)
{
	cvb_u32(b, (uint32_t) c->n);
	for (int i = 0; i < c->n; i++)
	{
		const cvs_measure *m = &c->m[i];

		cvb_str(b, m->name);
		cvb_f64(b, m->weight);
		cvb_u8(b, (uint8_t) m->method);
		cvb_u8(b, (uint8_t) m->higher_is_better);
		switch (m->method)
		{
			case CVS_PERCENTILE:
				cvb_u32(b, (uint32_t) m->nknots);
				cvb_u8(b, m->between ? 1 : 0);
				for (int j = 0; j < m->nknots; j++)
				{
					cv_interrupt_poll(j);
					cvb_f64(b, m->x[j]);
				}
				for (int j = 0; j < m->nknots; j++)
				{
					cv_interrupt_poll(j);
					cvb_f64(b, m->atom[j]);
				}
				if (m->between)
					for (int j = 0; j + 1 < m->nknots; j++)
					{
						cv_interrupt_poll(j);
						cvb_f64(b, m->between[j]);
					}
				break;
			case CVS_LINEAR:
			case CVS_LOG:
				cvb_f64(b, m->poor);
				cvb_f64(b, m->good);
				break;
			case CVS_RECENCY:
				cvb_f64(b, m->half_life);
				break;
			case CVS_BANDS:
				cvb_u32(b, (uint32_t) m->nedges);
				for (int j = 0; j < m->nedges; j++)
					cvb_f64(b, m->edges[j]);
				for (int j = 0; j <= m->nedges; j++)
					cvb_f64(b, m->points[j]);
				break;
		}
	}
}

/* Read n doubles, refusing counts the remaining bytes cannot hold. */
static double *
read_doubles(cv_rbuf *r, uint32_t n)
{
	double	   *d;

	if ((size_t) n > (r->len - r->pos) / 8)
	{
		r->err = 1;
		return NULL;
	}
	d = cv_malloc((n ? n : 1) * sizeof(double));
	for (uint32_t j = 0; j < n; j++)
	{
		cv_interrupt_poll(j);
		d[j] = cvr_f64(r);
	}
	return d;
}

/*
 * Read the card in p into c (allocated, empty); NULL with a message when
 * the bytes are invalid, c then holding what was read so far.
 */
static void *
read_card(cvs_card *c, const unsigned char *p, size_t len, char *err, size_t errlen)
{
	cv_rbuf		r;
	uint32_t	n;
	const char *bad;

	cvr_init(&r, p, len);
	n = cvr_u32(&r);
	if (r.err || n < 1 || n > CVS_MAX_MEASURES)
		return cv_errorf(err, errlen, "invalid measure count");
	c->n = (int) n;
	c->m = cv_calloc(n, sizeof(cvs_measure));
	for (uint32_t i = 0; i < n && !r.err; i++)
	{
		cvs_measure *m = &c->m[i];
		int			method;

		m->name = cvr_str(&r);
		m->weight = cvr_f64(&r);
		method = cvr_u8(&r);
		m->higher_is_better = cvr_u8(&r);
		if (r.err || method >= NMETHODS || m->higher_is_better > 1)
			return cv_errorf(err, errlen, "invalid header of measure %u", i + 1);
		m->method = (cvs_method) method;
		if (m->method == CVS_PERCENTILE)
		{
			uint32_t	k = cvr_u32(&r);
			int			has_between = cvr_u8(&r);

			if (has_between > 1 || k > INT32_MAX / 2)
				return cv_errorf(err, errlen, "invalid knots of measure %u", i + 1);
			m->nknots = (int) k;
			m->x = read_doubles(&r, k);
			m->atom = read_doubles(&r, k);
			if (has_between && k > 0)
				m->between = read_doubles(&r, k - 1);
		}
		else if (m->method == CVS_LINEAR || m->method == CVS_LOG)
		{
			m->poor = cvr_f64(&r);
			m->good = cvr_f64(&r);
		}
		else if (m->method == CVS_RECENCY)
			m->half_life = cvr_f64(&r);
		else
		{
			uint32_t	k = cvr_u32(&r);

			if (k > INT32_MAX / 2)
				return cv_errorf(err, errlen, "invalid edges of measure %u", i + 1);
			m->nedges = (int) k;
			m->edges = read_doubles(&r, k);
			m->points = read_doubles(&r, k + 1);
		}
	}
	if (!cvr_done(&r))
		return cv_errorf(err, errlen, "truncated or trailing data");
	bad = check_card(c, err, errlen);
	return bad ? NULL : c;
}

/* The card in p, or NULL with a message (nothing of it left allocated). */
void *
cvs_read(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	cvs_card   *c = cv_calloc(1, sizeof(cvs_card));

	if (read_card(c, p, len, err, errlen) == NULL)
	{
		cvs_free(c);
		return NULL;
	}
	return c;
}

char *
cvs_to_json(const cvs_card *c)
{
	cvj_writer	w;

	cvjw_init(&w);
	cvjw_begin_object(&w);
	cvjw_key(&w, "kind");
	cvjw_string(&w, "scorecard");
	cvjw_key(&w, "version");
	cvjw_int(&w, 1);
	cvjw_key(&w, "measures");
	cvjw_begin_array(&w);
	for (int i = 0; i < c->n; i++)
	{
		const cvs_measure *m = &c->m[i];

		cvjw_begin_object(&w);
		cvjw_key(&w, "name");
		cvjw_string(&w, m->name);
		cvjw_key(&w, "weight");
		cvjw_number(&w, m->weight);
		cvjw_key(&w, "method");
		cvjw_string(&w, method_names[m->method]);
		switch (m->method)
		{
			case CVS_PERCENTILE:
				cvjw_key(&w, "higher_is_better");
				cvjw_bool(&w, m->higher_is_better);
				cvjw_key(&w, "values");
				cvjw_begin_array(&w);
				for (int j = 0; j < m->nknots; j++)
				{
					cv_interrupt_poll(j);
					cvjw_number(&w, m->x[j]);
				}
				cvjw_end_array(&w);
				cvjw_key(&w, "counts");
				cvjw_begin_array(&w);
				for (int j = 0; j < m->nknots; j++)
				{
					cv_interrupt_poll(j);
					cvjw_number(&w, m->atom[j]);
				}
				cvjw_end_array(&w);
				if (m->between)
				{
					cvjw_key(&w, "between");
					cvjw_begin_array(&w);
					for (int j = 0; j + 1 < m->nknots; j++)
					{
						cv_interrupt_poll(j);
						cvjw_number(&w, m->between[j]);
					}
					cvjw_end_array(&w);
				}
				break;
			case CVS_LINEAR:
			case CVS_LOG:
				cvjw_key(&w, "poor");
				cvjw_number(&w, m->poor);
				cvjw_key(&w, "good");
				cvjw_number(&w, m->good);
				break;
			case CVS_RECENCY:
				cvjw_key(&w, "half_life");
				cvjw_number(&w, m->half_life);
				break;
			case CVS_BANDS:
				cvjw_key(&w, "edges");
				cvjw_begin_array(&w);
				for (int j = 0; j < m->nedges; j++)
					cvjw_number(&w, m->edges[j]);
				cvjw_end_array(&w);
				cvjw_key(&w, "points");
				cvjw_begin_array(&w);
				for (int j = 0; j <= m->nedges; j++)
					cvjw_number(&w, m->points[j]);
				cvjw_end_array(&w);
				break;
		}
		cvjw_end_object(&w);
	}
	cvjw_end_array(&w);
	cvjw_end_object(&w);
	return cvjw_finish(&w, NULL);
}

/* A JSON array of numbers as a new double array; -1 on a type error. */
static int
json_numbers(const cvj_value *a, double **out)
{
	if (a == NULL || a->type != CVJ_ARRAY)
		return -1;
	*out = cv_malloc((a->n ? a->n : 1) * sizeof(double));
	for (int j = 0; j < a->n; j++)
	{
		cv_interrupt_poll(j);
		if (a->items[j].type != CVJ_NUMBER)
			return -1;
		(*out)[j] = a->items[j].number;
	}
	return a->n;
}

/* A required number member; 0 and a message when missing or not a number. */
static int
json_number(const cvj_value *o, const char *key, double *out, const char *mname,
			char *err, size_t errlen)
{
	const cvj_value *v = cvj_get(o, key);

	if (v == NULL || v->type != CVJ_NUMBER)
	{
		cv_errorf(err, errlen, "measure \"%s\" needs a number \"%s\"", mname, key);
		return 0;
	}
	*out = v->number;
	return 1;
}

/* The keys each method's measure object may have. */
static const char *const keys_percentile[] = {"name", "weight", "method", "higher_is_better", "values", "counts", "between", NULL};
static const char *const keys_ramp[] = {"name", "weight", "method", "poor", "good", NULL};
static const char *const keys_recency[] = {"name", "weight", "method", "half_life", NULL};
static const char *const keys_bands[] = {"name", "weight", "method", "edges", "points", NULL};

/* Read one measure object; 0 with a message on error. */
static int
measure_from_json(const cvj_value *o, cvs_measure *m, int i, char *err, size_t errlen)
{
	const cvj_value *name = cvj_get(o, "name");
	const cvj_value *method = cvj_get(o, "method");
	const cvj_value *hib = cvj_get(o, "higher_is_better");
	const char *const *allowed;
	const char *unknown;

	if (o->type != CVJ_OBJECT)
		return (cv_errorf(err, errlen, "measure %d must be a JSON object", i + 1), 0);
	if (name == NULL || name->type != CVJ_STRING)
		return (cv_errorf(err, errlen, "measure %d needs a string \"name\"", i + 1), 0);
	m->name = cvs_strdup(name->string);
	if (!json_number(o, "weight", &m->weight, m->name, err, errlen))
		return 0;
	m->method = CVS_PERCENTILE;
	if (method)
	{
		int			k;

		if (method->type != CVJ_STRING)
			return (cv_errorf(err, errlen, "method of measure \"%s\" must be a string", m->name), 0);
		for (k = 0; k < NMETHODS; k++)
			if (strcmp(method->string, method_names[k]) == 0)
				break;
		if (k == NMETHODS)
			return (cv_errorf(err, errlen, "unknown method \"%s\" of measure \"%s\"", method->string, m->name), 0);
		m->method = (cvs_method) k;
	}
	allowed = m->method == CVS_PERCENTILE ? keys_percentile :
		m->method == CVS_RECENCY ? keys_recency :
		m->method == CVS_BANDS ? keys_bands : keys_ramp;
	if ((unknown = cvj_unknown_key(o, allowed)) != NULL)
		return (cv_errorf(err, errlen, "unknown key \"%s\" in measure \"%s\"", unknown, m->name), 0);
	switch (m->method)
	{
		case CVS_PERCENTILE:
			{
				const cvj_value *between = cvj_get(o, "between");
				int			nx = json_numbers(cvj_get(o, "values"), &m->x);
				int			nc = json_numbers(cvj_get(o, "counts"), &m->atom);

				if (hib && hib->type != CVJ_BOOL)
					return (cv_errorf(err, errlen, "higher_is_better of measure \"%s\" must be true or false", m->name), 0);
				m->higher_is_better = hib ? hib->boolean : 1;
				if (nx < 0 || nc < 0)
					return (cv_errorf(err, errlen, "measure \"%s\" needs arrays of numbers \"values\" and \"counts\"", m->name), 0);
				if (nx != nc)
					return (cv_errorf(err, errlen, "values and counts of measure \"%s\" differ in length (%d and %d)", m->name, nx, nc), 0);
				m->nknots = nx;
				if (between)
				{
					int			nb = json_numbers(between, &m->between);

					if (nb < 0 || nb != (nx > 0 ? nx - 1 : 0))
						return (cv_errorf(err, errlen, "between of measure \"%s\" must be an array of %d numbers", m->name, nx > 0 ? nx - 1 : 0), 0);
				}
				break;
			}
		case CVS_LINEAR:
		case CVS_LOG:
			if (!json_number(o, "poor", &m->poor, m->name, err, errlen) ||
				!json_number(o, "good", &m->good, m->name, err, errlen))
				return 0;
			break;
		case CVS_RECENCY:
			if (!json_number(o, "half_life", &m->half_life, m->name, err, errlen))
				return 0;
			break;
		case CVS_BANDS:
			{
				int			ne = json_numbers(cvj_get(o, "edges"), &m->edges);
				int			np = json_numbers(cvj_get(o, "points"), &m->points);

				if (ne < 0 || np < 0)
					return (cv_errorf(err, errlen, "measure \"%s\" needs arrays of numbers \"edges\" and \"points\"", m->name), 0);
				if (np != ne + 1)
					return (cv_errorf(err, errlen, "points of measure \"%s\" must have one more element than edges (%d), not %d", m->name, ne, np), 0);
				m->nedges = ne;
				break;
			}
	}
	return 1;
}

static const char *const keys_card[] = {"kind", "version", "measures", NULL};

cvs_card *
cvs_from_json(const char *text, size_t len, char *err, size_t errlen)
{
	char		perr[200];
	cvj_value  *root = cvj_parse(text, len, perr, sizeof(perr));
	const cvj_value *kind,
			   *version,
			   *measures;
	const char *unknown;
	cvs_card   *c;

	if (root == NULL)
		return cv_errorf(err, errlen, "%s", perr);
	if (root->type != CVJ_OBJECT)
		return cv_errorf(err, errlen, "a scorecard must be a JSON object");
	if ((unknown = cvj_unknown_key(root, keys_card)) != NULL)
		return cv_errorf(err, errlen, "unknown key \"%s\"", unknown);
	kind = cvj_get(root, "kind");
	version = cvj_get(root, "version");
	measures = cvj_get(root, "measures");
	if (kind == NULL || kind->type != CVJ_STRING || strcmp(kind->string, "scorecard") != 0)
		return cv_errorf(err, errlen, "\"kind\" must be \"scorecard\"");
	if (version == NULL || version->type != CVJ_NUMBER || version->number != 1)
		return cv_errorf(err, errlen, "\"version\" must be 1");
	if (measures == NULL || measures->type != CVJ_ARRAY)
		return cv_errorf(err, errlen, "\"measures\" must be an array");
	if (measures->n < 1 || measures->n > CVS_MAX_MEASURES)
		return cv_errorf(err, errlen, "a scorecard must have between 1 and %d measures, not %d", CVS_MAX_MEASURES, measures->n);
	c = cv_calloc(1, sizeof(cvs_card));
	c->n = measures->n;
	c->m = cv_calloc(c->n, sizeof(cvs_measure));
	for (int i = 0; i < c->n; i++)
		if (!measure_from_json(&measures->items[i], &c->m[i], i, err, errlen))
		{
			cvj_free(root);
			cvs_free(c);
			return NULL;
		}
	cvj_free(root);
	if (check_card(c, err, errlen))
	{
		cvs_free(c);
		return NULL;
	}
	return c;
}

void
cvs_free(cvs_card *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < c->n; i++)
	{
		cvs_measure *m = &c->m[i];

		cv_free(m->name);
		cv_free(m->x);
		cv_free(m->atom);
		cv_free(m->between);
		cv_free(m->ranks);
		cv_free(m->fence);
		cv_free(m->edges);
		cv_free(m->points);
	}
	cv_free(c->m);
	if (c->w)
	{
		cv_free(c->w);
		cvh_weights_free(&c->weights);
	}
	cv_free(c);
}
