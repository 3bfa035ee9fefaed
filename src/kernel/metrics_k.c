/*
 * metrics_k.c
 *	  Model evaluation metrics and the curve value; see metrics_k.h.
 */
#include "metrics_k.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cvalloc.h"
#include "cvjson.h"
#include "health_k.h"

#define CURVE_FORMAT 1

/* Poll for interrupts in a long loop (the shared kernel hook, cvalloc.h). */
static inline void
tick(size_t i)
{
	cv_interrupt_poll(i);
}

/* ------------------------------------------------------------ class table */

cvm_table
cvm_table_of(const cv_distr_dim *pos, const cv_distr_dim *neg)
{
	cvm_table	t;

	t.pos = *pos;
	t.neg = *neg;
	t.npos = pos->n;
	t.nneg = neg->n;
	return t;
}

/* One distinct threshold: the score and the rows of each class at it. */
typedef struct step
{
	double		score;
	int64_t		pos;
	int64_t		neg;
} step;

/* A walk over the two classes' lists merged, highest score first. */
typedef struct walk
{
	const cvm_table *t;
	size_t		i;				/* positives not yet visited: entries [0, i) */
	size_t		j;				/* negatives not yet visited */
	size_t		k;				/* steps taken */
} walk;

static inline walk
walk_begin(const cvm_table *t)
{
	walk		w = {t, t->pos.nentries, t->neg.nentries, 0};

	return w;
}

/* The next threshold into *s; 0 at the end. */
static inline int
walk_next(walk *w, step *s)
{
	const cvm_table *t = w->t;
	double		a,
				b;

	if (w->i == 0 && w->j == 0)
		return 0;
	a = w->i > 0 ? t->pos.value[w->i - 1] : -INFINITY;
	b = w->j > 0 ? t->neg.value[w->j - 1] : -INFINITY;
	s->score = a >= b ? a : b;
	s->pos = w->i > 0 && a >= b ? t->pos.count[--w->i] : 0;
	s->neg = w->j > 0 && b >= a ? t->neg.count[--w->j] : 0;
	tick(w->k++);
	return 1;
}

size_t
cvm_table_distinct(const cvm_table *t)
{
	walk		w = walk_begin(t);
	step		s;

	while (walk_next(&w, &s))
		;
	return w.k;
}

/* ------------------------------------------------------- ranking metrics */

/*
 * The Mann-Whitney count in integers: twice the number of (positive,
 * negative) pairs ordered correctly plus the tied pairs, which needs more
 * than 64 bits (up to 2 * 2^62 * 2^62), then one division.
 */
double
cvm_roc_auc(const cvm_table *t)
{
	__extension__ typedef unsigned __int128 u128;
	u128		twice = 0;
	int64_t		neg_above = 0;
	walk		w = walk_begin(t);
	step		s;

	if (t->npos == 0 || t->nneg == 0)
		return NAN;
	while (walk_next(&w, &s))
	{
		int64_t		neg_below = t->nneg - neg_above - s.neg;

		twice += (u128) s.pos * (u128) (2 * neg_below + s.neg);
		neg_above += s.neg;
	}
	return (double) ((long double) twice / (2.0L * (long double) t->npos * (long double) t->nneg));
}

double
cvm_average_precision(const cvm_table *t)
{
	CvhSum		ap = {0, 0};
	int64_t		tp = 0,
				flagged = 0;
	walk		w = walk_begin(t);
	step		s;

	if (t->npos == 0)
		return NAN;
	while (walk_next(&w, &s))
	{
		tp += s.pos;
		flagged += s.pos + s.neg;
		if (s.pos > 0)
			cvh_sum_add(&ap, ((double) s.pos / (double) t->npos) * ((double) tp / (double) flagged));
	}
	return cvh_sum_value(&ap);
}

/* The operating point after flagging everything down to entry k. */
static cvm_point
point_of(const cvm_table *t, double threshold, int64_t tp, int64_t flagged)
{
	cvm_point	p;

	p.threshold = threshold;
	p.tp = tp;
	p.flagged = flagged;
	p.precision = flagged > 0 ? (double) tp / (double) flagged : NAN;
	p.recall = t->npos > 0 ? (double) tp / (double) t->npos : NAN;
	return p;
}

cvm_point
cvm_confusion_at(const cvm_table *t, double threshold)
{
	int64_t		tp = 0,
				flagged = 0;
	walk		w = walk_begin(t);
	step		s;

	while (walk_next(&w, &s) && s.score >= threshold)
	{
		tp += s.pos;
		flagged += s.pos + s.neg;
	}
	return point_of(t, threshold, tp, flagged);
}

int
cvm_threshold_for_precision(const cvm_table *t, double target, cvm_point *out)
{
	int64_t		tp = 0,
				flagged = 0;
	int			found = 0;
	walk		w = walk_begin(t);
	step		s;

	while (walk_next(&w, &s))
	{
		tp += s.pos;
		flagged += s.pos + s.neg;
		if ((double) tp / (double) flagged >= target)
		{
			*out = point_of(t, s.score, tp, flagged);
			found = 1;
		}
	}
	return found;
}

double
cvm_lift_at(const cvm_table *t, double fraction)
{
	double		n = (double) (t->npos + t->nneg);
	double		top = fraction * n;
	double		pos_top = 0;
	int64_t		rows_before = 0,
				tp_before = 0;
	walk		w = walk_begin(t);
	step		s;

	if (t->npos == 0)
		return NAN;
	while (walk_next(&w, &s))
	{
		int64_t		rows = s.pos + s.neg;

		if ((double) (rows_before + rows) >= top)
		{
			pos_top = (double) tp_before + (top - (double) rows_before) * (double) s.pos / (double) rows;
			break;
		}
		rows_before += rows;
		tp_before += s.pos;
	}
	return (pos_top / top) / ((double) t->npos / n);
}

/* ---------------------------------------------------- probability metrics */

/* Sum of count * f(value) over one class's distinct values, compensated. */
static void
sum_class(CvhSum *acc, const cv_distr_dim *d, double (*f) (double p, int positive), int positive)
{
	for (size_t k = 0; k < d->nentries; k++)
	{
		cvh_sum_add(acc, (double) d->count[k] * f(d->value[k], positive));
		tick(k);
	}
}

/* Cross-entropy of one row, p clipped to [eps, 1 - eps] like scikit-learn. */
static double
row_log_loss(double p, int positive)
{
	double		c = p < DBL_EPSILON ? DBL_EPSILON : p > 1 - DBL_EPSILON ? 1 - DBL_EPSILON : p;

	return positive ? -log(c) : -log(1 - c);
}

static double
row_brier(double p, int positive)
{
	double		e = (positive ? 1.0 : 0.0) - p;

	return e * e;
}

/* Mean of f over both classes' rows; NAN without rows. */
static double
class_mean(const cv_distr_dim *pos, const cv_distr_dim *neg, double (*f) (double, int))
{
	CvhSum		acc = {0, 0};
	int64_t		n = pos->n + neg->n;

	if (n == 0)
		return NAN;
	sum_class(&acc, pos, f, 1);
	sum_class(&acc, neg, f, 0);
	return cvh_sum_value(&acc) / (double) n;
}

double
cvm_log_loss(const cv_distr_dim *pos, const cv_distr_dim *neg)
{
	return class_mean(pos, neg, row_log_loss);
}

double
cvm_brier_score(const cv_distr_dim *pos, const cv_distr_dim *neg)
{
	return class_mean(pos, neg, row_brier);
}

/* -------------------------------------------------------------------- PSI */

/* Rows of an ascending dimension with value <= x, from entry *k on. */
static int64_t
count_upto(const cv_distr_dim *d, size_t *k, double x, int64_t *acc)
{
	while (*k < d->nentries && d->value[*k] <= x)
	{
		*acc += d->count[*k];
		(*k)++;
	}
	return *acc;
}

double
cvm_psi(const cv_distr_dim *base, const cv_distr_dim *cur, int bins, int *nbins_used)
{
	double	   *edges;
	int			nedges = 0;
	size_t		k = 0;
	int64_t		cum = 0;
	size_t		kb = 0,
				kc = 0;
	int64_t		accb = 0,
				accc = 0,
				prevb = 0,
				prevc = 0;
	CvhSum		psi = {0, 0};

	*nbins_used = 0;
	if (base->n == 0 || cur->n == 0)
		return NAN;
	edges = cv_malloc((size_t) bins * sizeof(double));
	/* lower quantiles of the baseline at q = j / bins, in integers */
	for (int j = 1; j < bins; j++)
	{
		while (k < base->nentries && (cum + base->count[k]) * (double) bins < (double) j * (double) base->n)
			cum += base->count[k++];
		if (k >= base->nentries)
			break;
		/* lo[k] is the first value whose cumulative share reaches j / bins */
		if (base->value[k] >= base->value[base->nentries - 1])
			break;
		if (nedges == 0 || base->value[k] > edges[nedges - 1])
			edges[nedges++] = base->value[k];
	}
	for (int b = 0; b <= nedges; b++)
	{
		double		hi = b < nedges ? edges[b] : INFINITY;
		int64_t		inb = count_upto(base, &kb, hi, &accb) - prevb;
		int64_t		inc = count_upto(cur, &kc, hi, &accc) - prevc;
		double		sb = (double) inb / (double) base->n;
		double		sc = (double) inc / (double) cur->n;

		if (sc < CVM_PSI_FLOOR)
			sc = CVM_PSI_FLOOR;
		cvh_sum_add(&psi, (sc - sb) * log(sc / sb));
		prevb = accb;
		prevc = accc;
	}
	cv_free(edges);
	*nbins_used = nedges + 1;
	return cvh_sum_value(&psi);
}

/* ------------------------------------------------------------------ curves */

const char *
cvm_curve_kind_name(cvm_curve_kind k)
{
	return k == CVM_CURVE_ROC ? "roc" : k == CVM_CURVE_PR ? "pr" : "calibration";
}

/* An empty curve of a kind with room for n points or bins. */
static cvm_curve *
curve_new(cvm_curve_kind kind, size_t n)
{
	cvm_curve  *c = cv_calloc(1, sizeof(cvm_curve));
	size_t		m = n ? n : 1;

	c->kind = kind;
	c->n = n;
	if (kind == CVM_CURVE_CALIBRATION)
	{
		c->count = cv_calloc(m, sizeof(int64_t));
		c->positives = cv_calloc(m, sizeof(int64_t));
		c->mean_predicted = cv_calloc(m, sizeof(double));
	}
	else
	{
		c->threshold = cv_calloc(m, sizeof(double));
		c->tp = cv_calloc(m, sizeof(int64_t));
		c->fp = cv_calloc(m, sizeof(int64_t));
	}
	return c;
}

cvm_curve *
cvm_curve_from_table(const cvm_table *t, cvm_curve_kind kind)
{
	size_t		distinct = cvm_table_distinct(t);
	size_t		cap = distinct < CVM_CURVE_MAX_POINTS ? distinct : CVM_CURVE_MAX_POINTS;
	cvm_curve  *c = curve_new(kind, cap);
	int64_t		total = t->npos + t->nneg;
	int64_t		tp = 0,
				fp = 0;
	size_t		m = 0;
	int64_t		last_step = 0;
	walk		w = walk_begin(t);
	step		s;

	c->npos = t->npos;
	c->nneg = t->nneg;
	c->distinct = (int64_t) distinct;
	if (total == 0)
		return c;
	while (walk_next(&w, &s))
	{
		int			keep = 1;

		tp += s.pos;
		fp += s.neg;
		if (distinct > CVM_CURVE_MAX_POINTS && w.k < distinct)
		{
			/* keep when the flagged rows reach the next step of n / cap */
			__extension__ typedef __int128 i128;
			int64_t		stepno = (int64_t) ((i128) (tp + fp) * CVM_CURVE_MAX_POINTS / total);

			keep = stepno > last_step && m + 1 < cap;
			if (keep)
				last_step = stepno;
		}
		if (keep)
		{
			c->threshold[m] = s.score;
			c->tp[m] = tp;
			c->fp[m] = fp;
			m++;
		}
	}
	c->n = m;
	return c;
}

/* Bin (0-based) of p in [0, 1]: k/bins < p <= (k+1)/bins, p = 0 in bin 0. */
static int
calibration_bin(double p, int bins)
{
	double		w = 1.0 / bins;
	int			b = (int) (p * bins);

	if (b > bins - 1)
		b = bins - 1;
	/* settle against the edges exactly as computed: edge k = k * w */
	while (b > 0 && (double) b * w >= p)
		b--;
	while (b < bins - 1 && (double) (b + 1) * w < p)
		b++;
	return b;
}

cvm_curve *
cvm_calibration(const cv_distr_dim *pos, const cv_distr_dim *neg, int bins)
{
	cvm_curve  *c = curve_new(CVM_CURVE_CALIBRATION, (size_t) bins);
	CvhSum	   *sums = cv_calloc((size_t) bins, sizeof(CvhSum));
	const cv_distr_dim *cls[2] = {pos, neg};

	/* the two classes' sums are merged in ascending order of value per bin */
	for (int side = 0; side < 2; side++)
		for (size_t k = 0; k < cls[side]->nentries; k++)
		{
			int			b = calibration_bin(cls[side]->value[k], bins);

			c->count[b] += cls[side]->count[k];
			if (side == 0)
				c->positives[b] += cls[side]->count[k];
			cvh_sum_add(&sums[b], (double) cls[side]->count[k] * cls[side]->value[k]);
			tick(k);
		}
	for (int b = 0; b < bins; b++)
		c->mean_predicted[b] = c->count[b] > 0 ? cvh_sum_value(&sums[b]) / (double) c->count[b] : NAN;
	c->npos = pos->n;
	c->nneg = neg->n;
	cv_free(sums);
	return c;
}

void
cvm_curve_free(cvm_curve *c)
{
	if (c == NULL)
		return;
	cv_free(c->threshold);
	cv_free(c->tp);
	cv_free(c->fp);
	cv_free(c->count);
	cv_free(c->positives);
	cv_free(c->mean_predicted);
	cv_free(c);
}

/* ------------------------------------------------- validation and formats */

#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static const char *
fail(char *err, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return err;
}

/*
 * The rules every curve meets, fitted or hand-written; an error message or
 * NULL.  ROC/PR: thresholds finite and strictly descending, cumulative
 * counts non-decreasing, at least one row per point, ending at all rows.
 * Calibration: per bin 0 <= positives <= count, a mean within the bin
 * when the bin has rows and none when it is empty.
 */
static const char *
curve_check(cvm_curve *c, char *err, size_t errlen)
{
	if (c->npos < 0 || c->nneg < 0)
		return fail(err, errlen, "negative class count");
	if (c->kind == CVM_CURVE_CALIBRATION)
	{
		int64_t		rows = 0,
					pos = 0;

		if (c->n < 1 || c->n > CVM_MAX_BINS)
			return fail(err, errlen, "a calibration curve must have between 1 and %d bins, not %zu",
						CVM_MAX_BINS, c->n);
		for (size_t b = 0; b < c->n; b++)
		{
			/* a mean of the bin's values, rounded: allow a little slack */
			double		lo = (double) b * (1.0 / c->n) - 1e-9,
						hi = (double) (b + 1) * (1.0 / c->n) + 1e-9;
			double		m = c->mean_predicted[b];

			if (c->count[b] < 0 || c->positives[b] < 0 || c->positives[b] > c->count[b])
				return fail(err, errlen, "bin %zu must have 0 <= positives <= count", b + 1);
			if (c->count[b] > 0 && !(m >= lo && m <= hi && m >= 0 && m <= 1))
				return fail(err, errlen, "the mean prediction of bin %zu must lie within the bin", b + 1);
			if (c->count[b] == 0 && !isnan(m))
				return fail(err, errlen, "empty bin %zu cannot have a mean prediction", b + 1);
			if (c->count[b] > INT64_MAX - rows)
				return fail(err, errlen, "row count overflow");
			rows += c->count[b];
			pos += c->positives[b];
		}
		if (pos != c->npos || rows - pos != c->nneg)
			return fail(err, errlen, "bin counts do not add up to the class counts");
		return NULL;
	}
	if (c->distinct < 0 || c->n < 1 || c->n > (size_t) c->distinct)
		return fail(err, errlen, "a curve must have at least one point and no more than its distinct thresholds");
	for (size_t k = 0; k < c->n; k++)
	{
		if (!isfinite(c->threshold[k]))
			return fail(err, errlen, "threshold %zu is not finite", k + 1);
		if (k > 0 && !(c->threshold[k] < c->threshold[k - 1]))
			return fail(err, errlen, "thresholds must be strictly descending");
		if (c->tp[k] < 0 || c->fp[k] < 0 ||
			(k > 0 && (c->tp[k] < c->tp[k - 1] || c->fp[k] < c->fp[k - 1])) ||
			(k > 0 && c->tp[k] + c->fp[k] == c->tp[k - 1] + c->fp[k - 1]) ||
			(k == 0 && c->tp[k] + c->fp[k] == 0))
			return fail(err, errlen, "counts must grow by at least one row from point to point");
	}
	if (c->tp[c->n - 1] != c->npos || c->fp[c->n - 1] != c->nneg)
		return fail(err, errlen, "the last point must flag every row");
	return NULL;
}

void
cvm_curve_write(const void *curve, cv_wbuf *b)
{
	const cvm_curve *c = curve;

	cvb_u8(b, CURVE_FORMAT);
	cvb_u8(b, (uint8_t) c->kind);
	cvb_i64(b, c->npos);
	cvb_i64(b, c->nneg);
	cvb_i64(b, c->distinct);
	cvb_i64(b, (int64_t) c->n);
	for (size_t k = 0; k < c->n; k++)
	{
		if (c->kind == CVM_CURVE_CALIBRATION)
		{
			cvb_i64(b, c->count[k]);
			cvb_i64(b, c->positives[k]);
			cvb_f64(b, c->mean_predicted[k]);
		}
		else
		{
			cvb_f64(b, c->threshold[k]);
			cvb_i64(b, c->tp[k]);
			cvb_i64(b, c->fp[k]);
		}
	}
}

void *
cvm_curve_read(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	cv_rbuf		r;
	int			format,
				kind;
	int64_t		npos,
				nneg,
				distinct,
				n;
	cvm_curve  *c;

	cvr_init(&r, p, len);
	format = cvr_u8(&r);
	kind = cvr_u8(&r);
	npos = cvr_i64(&r);
	nneg = cvr_i64(&r);
	distinct = cvr_i64(&r);
	n = cvr_i64(&r);
	/* every point or bin takes 24 bytes: refuse counts the buffer cannot hold */
	if (r.err || format != CURVE_FORMAT || kind > CVM_CURVE_CALIBRATION ||
		n < 0 || (uint64_t) n > (r.len - r.pos) / 24)
	{
		fail(err, errlen, "invalid or truncated curve header");
		return NULL;
	}
	c = curve_new((cvm_curve_kind) kind, (size_t) n);
	c->npos = npos;
	c->nneg = nneg;
	c->distinct = distinct;
	for (int64_t k = 0; k < n; k++)
	{
		if (c->kind == CVM_CURVE_CALIBRATION)
		{
			c->count[k] = cvr_i64(&r);
			c->positives[k] = cvr_i64(&r);
			c->mean_predicted[k] = cvr_f64(&r);
		}
		else
		{
			c->threshold[k] = cvr_f64(&r);
			c->tp[k] = cvr_i64(&r);
			c->fp[k] = cvr_i64(&r);
		}
	}
	if (!cvr_done(&r))
	{
		cvm_curve_free(c);
		fail(err, errlen, "truncated or trailing data");
		return NULL;
	}
	if (curve_check(c, err, errlen))
	{
		cvm_curve_free(c);
		return NULL;
	}
	return c;
}

/* An array member of int64 counts. */
static void
write_counts(cvj_writer *w, const char *key, const int64_t *x, size_t n)
{
	cvjw_key(w, key);
	cvjw_begin_array(w);
	for (size_t k = 0; k < n; k++)
		cvjw_int(w, (long long) x[k]);
	cvjw_end_array(w);
}

char *
cvm_curve_to_json(const void *curve)
{
	const cvm_curve *c = curve;
	cvj_writer	w;

	cvjw_init(&w);
	cvjw_begin_object(&w);
	cvjw_key(&w, "kind");
	cvjw_string(&w, "curve");
	cvjw_key(&w, "version");
	cvjw_int(&w, 1);
	cvjw_key(&w, "curve");
	cvjw_string(&w, cvm_curve_kind_name(c->kind));
	cvjw_key(&w, "positives");
	cvjw_int(&w, (long long) c->npos);
	cvjw_key(&w, "negatives");
	cvjw_int(&w, (long long) c->nneg);
	if (c->kind == CVM_CURVE_CALIBRATION)
	{
		write_counts(&w, "count", c->count, c->n);
		write_counts(&w, "observed_positives", c->positives, c->n);
		cvjw_key(&w, "mean_predicted");
		cvjw_begin_array(&w);
		for (size_t k = 0; k < c->n; k++)
		{
			if (isnan(c->mean_predicted[k]))
				cvjw_null(&w);
			else
				cvjw_number(&w, c->mean_predicted[k]);
		}
		cvjw_end_array(&w);
	}
	else
	{
		cvjw_key(&w, "distinct_thresholds");
		cvjw_int(&w, (long long) c->distinct);
		cvjw_key(&w, "thresholds");
		cvjw_begin_array(&w);
		for (size_t k = 0; k < c->n; k++)
			cvjw_number(&w, c->threshold[k]);
		cvjw_end_array(&w);
		write_counts(&w, "tp", c->tp, c->n);
		write_counts(&w, "fp", c->fp, c->n);
	}
	cvjw_end_object(&w);
	return cvjw_finish(&w, NULL);
}

/* A whole non-negative count that a double holds exactly. */
static int
json_count(const cvj_value *v, int64_t *out)
{
	if (v == NULL || v->type != CVJ_NUMBER || v->number < 0 || v->number > 9007199254740992.0 ||
		v->number != floor(v->number))
		return 0;
	*out = (int64_t) v->number;
	return 1;
}

/* Array member `key` of exactly n elements (n = -1: any length, set *n). */
static const cvj_value *
json_array(const cvj_value *root, const char *key, size_t *n, int fix)
{
	const cvj_value *a = cvj_get(root, key);

	if (a == NULL || a->type != CVJ_ARRAY)
		return NULL;
	if (fix && (size_t) a->n != *n)
		return NULL;
	*n = (size_t) a->n;
	return a;
}

static const char *const curve_keys_points[] = {
	"kind", "version", "curve", "positives", "negatives", "distinct_thresholds",
	"thresholds", "tp", "fp", NULL
};
static const char *const curve_keys_bins[] = {
	"kind", "version", "curve", "positives", "negatives", "count",
	"observed_positives", "mean_predicted", NULL
};

/* Fill the points of a ROC/PR curve from its JSON members. */
static const char *
json_points(const cvj_value *root, cvm_curve **cp, cvm_curve_kind kind, char *err, size_t errlen)
{
	size_t		n = 0;
	const cvj_value *th = json_array(root, "thresholds", &n, 0);
	const cvj_value *tp = json_array(root, "tp", &n, 1);
	const cvj_value *fp = json_array(root, "fp", &n, 1);
	cvm_curve  *c;

	if (th == NULL || tp == NULL || fp == NULL)
		return fail(err, errlen, "\"thresholds\", \"tp\" and \"fp\" must be arrays of the same length");
	c = *cp = curve_new(kind, n);
	if (!json_count(cvj_get(root, "distinct_thresholds"), &c->distinct))
		return fail(err, errlen, "\"distinct_thresholds\" must be a whole number >= 0");
	for (size_t k = 0; k < n; k++)
	{
		if (th->items[k].type != CVJ_NUMBER)
			return fail(err, errlen, "threshold %zu must be a number", k + 1);
		c->threshold[k] = th->items[k].number;
		if (!json_count(&tp->items[k], &c->tp[k]) || !json_count(&fp->items[k], &c->fp[k]))
			return fail(err, errlen, "\"tp\" and \"fp\" must hold whole numbers >= 0");
	}
	return NULL;
}

/* Fill the bins of a calibration curve from its JSON members. */
static const char *
json_bins(const cvj_value *root, cvm_curve **cp, char *err, size_t errlen)
{
	size_t		n = 0;
	const cvj_value *cnt = json_array(root, "count", &n, 0);
	const cvj_value *pos = json_array(root, "observed_positives", &n, 1);
	const cvj_value *mp = json_array(root, "mean_predicted", &n, 1);
	cvm_curve  *c;

	if (cnt == NULL || pos == NULL || mp == NULL)
		return fail(err, errlen, "\"count\", \"observed_positives\" and \"mean_predicted\" must be arrays of the same length");
	c = *cp = curve_new(CVM_CURVE_CALIBRATION, n);
	for (size_t k = 0; k < n; k++)
	{
		if (!json_count(&cnt->items[k], &c->count[k]) || !json_count(&pos->items[k], &c->positives[k]))
			return fail(err, errlen, "\"count\" and \"observed_positives\" must hold whole numbers >= 0");
		if (mp->items[k].type == CVJ_NULL)
			c->mean_predicted[k] = NAN;
		else if (mp->items[k].type == CVJ_NUMBER)
			c->mean_predicted[k] = mp->items[k].number;
		else
			return fail(err, errlen, "\"mean_predicted\" must hold numbers or null");
	}
	return NULL;
}

void *
cvm_curve_from_json(const char *text, size_t len, char *err, size_t errlen)
{
	char		perr[200];
	cvj_value  *root = cvj_parse(text, len, perr, sizeof(perr));
	const cvj_value *kind,
			   *version,
			   *which;
	const char *bad = NULL;
	const char *unknown;
	cvm_curve  *c = NULL;
	int64_t		npos = 0,
				nneg = 0;
	cvm_curve_kind k = CVM_CURVE_ROC;

	if (root == NULL)
		bad = fail(err, errlen, "%s", perr);
	else if (root->type != CVJ_OBJECT)
		bad = fail(err, errlen, "a curve must be a JSON object");
	else
	{
		kind = cvj_get(root, "kind");
		version = cvj_get(root, "version");
		which = cvj_get(root, "curve");
		if (kind == NULL || kind->type != CVJ_STRING || strcmp(kind->string, "curve") != 0)
			bad = fail(err, errlen, "\"kind\" must be \"curve\"");
		else if (version == NULL || version->type != CVJ_NUMBER || version->number != 1)
			bad = fail(err, errlen, "\"version\" must be 1");
		else if (which == NULL || which->type != CVJ_STRING ||
				 (strcmp(which->string, "roc") != 0 && strcmp(which->string, "pr") != 0 &&
				  strcmp(which->string, "calibration") != 0))
			bad = fail(err, errlen, "\"curve\" must be \"roc\", \"pr\" or \"calibration\"");
		else
		{
			k = strcmp(which->string, "roc") == 0 ? CVM_CURVE_ROC :
				strcmp(which->string, "pr") == 0 ? CVM_CURVE_PR : CVM_CURVE_CALIBRATION;
			unknown = cvj_unknown_key(root, k == CVM_CURVE_CALIBRATION ? curve_keys_bins : curve_keys_points);
			if (unknown)
				bad = fail(err, errlen, "unknown key \"%s\"", unknown);
			else if (!json_count(cvj_get(root, "positives"), &npos) ||
					 !json_count(cvj_get(root, "negatives"), &nneg))
				bad = fail(err, errlen, "\"positives\" and \"negatives\" must be whole numbers >= 0");
			else if (k == CVM_CURVE_CALIBRATION)
				bad = json_bins(root, &c, err, errlen);
			else
				bad = json_points(root, &c, k, err, errlen);
		}
	}
	if (c && !bad)
	{
		c->npos = npos;
		c->nneg = nneg;
		bad = curve_check(c, err, errlen);
	}
	cvj_free(root);
	if (bad)
	{
		cvm_curve_free(c);
		return NULL;
	}
	return c;
}
