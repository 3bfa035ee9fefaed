/*
 * rfm_k.c
 *	  RFM+N value segmentation kernel: tie-aware quantile scores, weighted
 *	  segments, the named and user segment maps, value trends and NPS, and
 *	  the model's JSON and binary forms.  See rfm_k.h for the scoring rule.
 */
#include "rfm_k.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvalloc.h"
#include "cvjson.h"
#include "health_k.h"

const char *const rfm_dim_names[RFM_NDIMS] = {"recency", "frequency", "monetary", "nps"};
const char *const rfm_ties_names[RFM_NTIES + 1] = {"midrank", "first", NULL};

/* Largest integer a JSON number (a double) carries exactly. */
#define RFM_MAX_JSON_INT 9007199254740992.0

/*
 * Largest N: what the JSON text carries exactly (2^53), so that any model
 * the binary form accepts can be written as text and read back; bins * 2N
 * then fits in int64 too (bins <= 100).
 */
#define RFM_MAX_N	INT64_C(9007199254740992)

/* printf into an error buffer; returns -1 so callers can `return fail(...)`. */
#ifdef __GNUC__
static int	fail(char *err, size_t errlen, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
#endif
static int
fail(char *err, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Shortest text of a double that reads back exactly, as float8out prints it. */
static void
fmt_double(double x, char *buf, size_t len)
{
	if (!isfinite(x))
	{
		snprintf(buf, len, "%s", isnan(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity");
		return;
	}
	for (int prec = 1; prec <= 17; prec++)
	{
		snprintf(buf, len, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			return;
	}
}

/* ---------------------------------------------------------------- params */

void
rfm_default_params(int *bins, int *ties, double *weights, double *edges)
{
	*bins = 5;
	*ties = RFM_TIES_MIDRANK;
	for (int d = 0; d < RFM_NDIMS; d++)
		weights[d] = 1.0;
	edges[0] = 4.0;
	edges[1] = 3.0;
	edges[2] = 2.0;
}

int
rfm_ties_from_name(const char *name, size_t len)
{
	for (int t = 0; t < RFM_NTIES; t++)
		if (strlen(rfm_ties_names[t]) == len && memcmp(rfm_ties_names[t], name, len) == 0)
			return t;
	return -1;
}

int
rfm_check_params(int bins, int ties, const double *weights, const double *edges,
				 char *err, size_t errlen)
{
	char		buf[32],
				prev[32];
	int			any = 0;

	if (bins < 1 || bins > RFM_MAX_BINS)
		return fail(err, errlen, "bins must be between 1 and %d, not %d",
					RFM_MAX_BINS, bins);
	if (ties < 0 || ties >= RFM_NTIES)
		return fail(err, errlen, "tie rule %d is unknown", ties);
	for (int d = 0; d < RFM_NDIMS; d++)
	{
		if (!isfinite(weights[d]) || weights[d] < 0)
		{
			fmt_double(weights[d], buf, sizeof(buf));
			return fail(err, errlen,
						"weight of %s must be a finite non-negative number, not %s",
						rfm_dim_names[d], buf);
		}
		if (weights[d] > 0)
			any = 1;
	}
	if (!any)
		return fail(err, errlen, "weights must not all be zero");
	for (int e = 0; e < RFM_NEDGES; e++)
	{
		if (!isfinite(edges[e]))
		{
			fmt_double(edges[e], buf, sizeof(buf));
			return fail(err, errlen, "segment edge %d must be a finite number, not %s",
						e + 1, buf);
		}
		if (e > 0 && !(edges[e] < edges[e - 1]))
		{
			fmt_double(edges[e], buf, sizeof(buf));
			fmt_double(edges[e - 1], prev, sizeof(prev));
			return fail(err, errlen,
						"segment edges (high, mid, low) must be strictly descending, but edge %d is %s after %s",
						e + 1, buf, prev);
		}
	}
	return 0;
}

/* --------------------------------------------------------------- fitting */

/* Score of the value whose worse values number c, out of n (n > 0). */
static int
score_at(int bins, int64_t c, int64_t n)
{
	int64_t		s = 1 + ((int64_t) bins * c) / n;

	return s > bins ? bins : (int) s;
}

/*
 * Score at position twice_pos / 2 of n (n > 0): the mid-rank rule's
 * 1 + floor(bins * (c + cnt / 2) / n) with twice_pos = 2c + cnt, in
 * integers.
 */
static int
score_mid(int bins, int64_t twice_pos, int64_t n)
{
	int64_t		s = 1 + ((int64_t) bins * twice_pos) / (2 * n);

	return s > bins ? bins : (int) s;
}

/*
 * Score of a tie group of cnt values with c values strictly worse, out of
 * n, under rule ties (see rfm_k.h).
 */
static int
group_score(int bins, int ties, int64_t c, int64_t cnt, int64_t n)
{
	if (ties == RFM_TIES_FIRST)
		return score_at(bins, c, n);
	if (c == 0 && cnt == n)
		return 1 + bins / 2;	/* one group: both worst and best */
	if (c == 0)
		return 1;
	if (c + cnt == n)
		return bins;
	return score_mid(bins, 2 * c + cnt, n);
}

/*
 * Derive a dimension's search keys from its bands (see rfm_dim): ascending
 * in both orders, so that scoring is one branch-free lower bound.
 */
static void
dim_keys(rfm_dim *d, int reversed)
{
	if (d->keys)
		cv_free(d->keys);
	d->keys = cv_malloc(sizeof(double) * (d->nbands ? d->nbands : 1));
	for (int i = 0; i < d->nbands; i++)
		d->keys[i] = reversed ? -d->bands[i].min_value : d->bands[i].max_value;
	d->worst_key = d->nbands == 0 ? 0.0
		: reversed ? -d->bands[0].max_value : d->bands[0].min_value;
}

void
rfm_dim_clear(rfm_dim *d)
{
	if (d->bands)
		cv_free(d->bands);
	if (d->keys)
		cv_free(d->keys);
	d->bands = NULL;
	d->keys = NULL;
	d->nbands = 0;
}

int
rfm_dim_build(rfm_dim *d, const double *vals, const int64_t *counts,
			  size_t nent, int64_t n, int bins, int ties, int reversed,
			  char *err, size_t errlen)
{
	int64_t		c = 0;			/* values strictly worse than the current */
	int			nb = 0;

	d->n = 0;
	d->nbands = 0;
	d->bands = NULL;
	d->keys = NULL;
	if (n < 0 || n > RFM_MAX_N)
		return fail(err, errlen, "dimension count %lld is out of range", (long long) n);
	for (size_t i = 0; i < nent; i++)
	{
		cv_interrupt_poll(i);
		if (counts[i] < 1 || !isfinite(vals[i]) || (i > 0 && !(vals[i] > vals[i - 1])))
			return fail(err, errlen, "distinct values must be finite, strictly ascending and counted");
		if (counts[i] > n - c)
			return fail(err, errlen, "value counts exceed the dimension count");
		c += counts[i];
	}
	if (c != n)
		return fail(err, errlen, "value counts sum to %lld, not %lld",
					(long long) c, (long long) n);

	d->bands = cv_calloc(bins, sizeof(rfm_band));
	c = 0;
	for (size_t j = 0; j < nent; j++)
	{
		size_t		i = reversed ? nent - 1 - j : j;
		int			s = group_score(bins, ties, c, counts[i], n);
		rfm_band   *b;

		cv_interrupt_poll(j);
		if (nb == 0 || d->bands[nb - 1].score != s)
		{
			b = &d->bands[nb++];
			b->score = s;
			b->min_value = b->max_value = vals[i];
			b->customers = 0;
		}
		b = &d->bands[nb - 1];
		if (vals[i] < b->min_value)
			b->min_value = vals[i];
		if (vals[i] > b->max_value)
			b->max_value = vals[i];
		b->customers += counts[i];
		c += counts[i];
	}
	d->n = n;
	d->nbands = nb;
	dim_keys(d, reversed);
	return 0;
}

/* Scale the present weights by their largest (see rfm_model.wscaled). */
static void
scale_weights(const double *weights, const unsigned char *present, double *out)
{
	int			exp = cvh_weight_exp(weights, present, RFM_NDIMS);

	for (int d = 0; d < RFM_NDIMS; d++)
		out[d] = ldexp(weights[d], -exp);
}

rfm_model *
rfm_model_new(int bins, int ties, const double *weights, const double *edges)
{
	rfm_model  *m = cv_calloc(1, sizeof(rfm_model));

	m->bins = bins;
	m->ties = ties;
	memcpy(m->weights, weights, sizeof(m->weights));
	memcpy(m->edges, edges, sizeof(m->edges));
	scale_weights(m->weights, NULL, m->wscaled);
	return m;
}

void
rfm_model_free(rfm_model *m)
{
	if (m == NULL)
		return;
	for (int d = 0; d < RFM_NDIMS; d++)
		rfm_dim_clear(&m->dims[d]);
	cv_free(m);
}

/*
 * Check that band i of a dimension, with c customers in the worse bands,
 * has a score its tie rule can give.  Under `first` the score follows from
 * c alone.  Under `midrank` the worst band scores 1 and the best bins (a
 * single band: the middle), and a band between them must score what some
 * mid-rank inside it gives: its groups' mid-ranks lie between c + 1/2 and
 * c + customers - 1/2.
 */
static int
check_band_score(const rfm_model *m, const rfm_dim *d, const char *name, int i,
				 int64_t c, char *err, size_t errlen)
{
	const rfm_band *b = &d->bands[i];
	int			lo,
				hi;

	if (m->ties == RFM_TIES_FIRST)
	{
		int			want = score_at(m->bins, c, d->n);

		if (b->score != want)
			return fail(err, errlen,
						"%s: score %d does not match its rank: %lld of %lld customers score lower, so its values score 1 + floor(%d * %lld / %lld) = %d",
						name, b->score, (long long) c, (long long) d->n,
						m->bins, (long long) c, (long long) d->n, want);
		return 0;
	}
	if (d->nbands == 1)
		lo = hi = 1 + m->bins / 2;
	else if (i == 0)
		lo = hi = 1;
	else if (i == d->nbands - 1)
		lo = hi = m->bins;
	else
	{
		lo = score_mid(m->bins, 2 * c + 1, d->n);
		hi = score_mid(m->bins, 2 * (c + b->customers) - 1, d->n);
	}
	if (b->score >= lo && b->score <= hi)
		return 0;
	if (d->nbands == 1)
		return fail(err, errlen,
					"%s: a single score holds one tie group, which scores 1 + floor(%d / 2) = %d under ties \"midrank\", not %d",
					name, m->bins, lo, b->score);
	if (i == 0 || i == d->nbands - 1)
		return fail(err, errlen, "%s: the %s values score %d under ties \"midrank\", not %d",
					name, i == 0 ? "worst" : "best", lo, b->score);
	return fail(err, errlen,
				"%s: score %d does not match its ranks: %lld of %lld customers score lower and it holds %lld, so its mid-ranks score %d to %d",
				name, b->score, (long long) c, (long long) d->n,
				(long long) b->customers, lo, hi);
}

/*
 * Check one dimension's table: scores strictly ascending within 1..bins,
 * each band a finite non-empty range lying strictly beyond the previous one
 * in the dimension's worst-to-best order, customers >= 1 summing to n, and
 * each band's score one its tie rule can give (check_band_score).  The
 * last rule is what makes the table, not the fitted data, a model of the
 * rule it names.
 */
static int
check_dim(const rfm_model *m, int dim, char *err, size_t errlen)
{
	const rfm_dim *d = &m->dims[dim];
	const char *name = rfm_dim_names[dim];
	int			reversed = (dim == RFM_R);
	int64_t		c = 0;
	char		b1[32],
				b2[32];

	if (d->n < 0 || d->n > RFM_MAX_N)
		return fail(err, errlen, "%s: customer count %lld is out of range",
					name, (long long) d->n);
	if (d->nbands < 0 || d->nbands > m->bins)
		return fail(err, errlen, "%s: %d scores, but bins is %d",
					name, d->nbands, m->bins);
	if ((d->n == 0) != (d->nbands == 0))
		return fail(err, errlen, "%s: %lld customers but %d scores",
					name, (long long) d->n, d->nbands);
	for (int i = 0; i < d->nbands; i++)
	{
		const rfm_band *b = &d->bands[i];

		if (b->score < 1 || b->score > m->bins)
			return fail(err, errlen, "%s: score %d is outside 1..%d",
						name, b->score, m->bins);
		if (i > 0 && b->score <= d->bands[i - 1].score)
			return fail(err, errlen, "%s: scores must be strictly ascending, but %d follows %d",
						name, b->score, d->bands[i - 1].score);
		if (!isfinite(b->min_value) || !isfinite(b->max_value) || b->min_value > b->max_value)
		{
			fmt_double(b->min_value, b1, sizeof(b1));
			fmt_double(b->max_value, b2, sizeof(b2));
			return fail(err, errlen,
						"%s: score %d must have finite min_value <= max_value, not %s and %s",
						name, b->score, b1, b2);
		}
		if (i > 0 && (reversed ? !(b->max_value < d->bands[i - 1].min_value)
					  : !(b->min_value > d->bands[i - 1].max_value)))
			return fail(err, errlen,
						"%s: the values of score %d must lie %s those of score %d",
						name, b->score, reversed ? "below" : "above", d->bands[i - 1].score);
		if (b->customers < 1 || b->customers > d->n - c)
			return fail(err, errlen, "%s: score %d has %lld customers, outside 1..%lld",
						name, b->score, (long long) b->customers, (long long) (d->n - c));
		if (check_band_score(m, d, name, i, c, err, errlen) < 0)
			return -1;
		c += b->customers;
	}
	if (c != d->n)
		return fail(err, errlen, "%s: the scores hold %lld customers, not %lld",
					name, (long long) c, (long long) d->n);
	return 0;
}

int
rfm_model_check(const rfm_model *m, char *err, size_t errlen)
{
	if (rfm_check_params(m->bins, m->ties, m->weights, m->edges, err, errlen) < 0)
		return -1;
	for (int d = 0; d < RFM_NDIMS; d++)
		if (check_dim(m, d, err, errlen) < 0)
			return -1;
	return 0;
}

/* --------------------------------------------------------------- scoring */

/*
 * The first band (worst to best) whose best value is at least as good as x
 * holds x or lies just beyond it, so x scores that band's score (see
 * rfm_k.h); past the best band x scores bins, before the worst value 1.  The search is a branch-free
 * lower bound over the keys (the comparison compiles to a conditional
 * move): customers arrive in no useful order, and a mispredicted branch per
 * level would cost more than the search itself.
 */
int
rfm_score_value(const rfm_model *m, int dim, double x)
{
	const rfm_dim *d = &m->dims[dim];
	const double *keys = d->keys;
	double		key = (dim == RFM_R) ? -x : x;
	int			base = 0,
				len = d->nbands;

	if (len == 0)
		return 0;
	if (key < d->worst_key)
		return 1;
	while (len > 1)
	{
		int			half = len / 2;

		base = (keys[base + half - 1] < key) ? base + half : base;
		len -= half;
	}
	base += keys[base] < key;
	return base < d->nbands ? d->bands[base].score : m->bins;
}

/*
 * The weighted mean of the scores present (s > 0) with weights w, and the
 * present weight in *wsum.
 */
static double
weighted_scores(const int *s, const double *w, double *wsum)
{
	double		sum = 0.0;

	*wsum = 0.0;
	for (int d = 0; d < RFM_NDIMS; d++)
	{
		double		wd = s[d] > 0 ? w[d] : 0.0; /* a NULL drops out */

		sum += wd * s[d];
		*wsum += wd;
	}
	return *wsum > 0 ? sum / *wsum : 0.0;
}

void
rfm_score(const rfm_model *m, const double *x, const unsigned char *isnull,
		  rfm_scores *out)
{
	double		wsum;

	for (int d = 0; d < RFM_NDIMS; d++)
		out->s[d] = isnull[d] ? 0 : rfm_score_value(m, d, x[d]);
	out->score = weighted_scores(out->s, m->wscaled, &wsum);
	if (!(wsum > 0))
	{
		/* the present weights may have underflowed: scale by their largest */
		unsigned char present[RFM_NDIMS];
		double		w[RFM_NDIMS];

		for (int d = 0; d < RFM_NDIMS; d++)
			present[d] = out->s[d] > 0;
		scale_weights(m->weights, present, w);
		out->score = weighted_scores(out->s, w, &wsum);
	}
	out->has_score = wsum > 0;
}

const char *
rfm_segment_of(const rfm_model *m, double score)
{
	if (score >= m->edges[0])
		return "high_value";
	if (score >= m->edges[1])
		return "mid_value";
	if (score >= m->edges[2])
		return "low_value";
	return "churn_risk";
}

void
rfm_code(const rfm_scores *s, int bins, char *out)
{
	int			width = bins >= 100 ? 3 : bins >= 10 ? 2 : 1;
	char	   *p = out;

	for (int d = 0; d < RFM_NDIMS; d++)
	{
		if (s->s[d] > 0)
			p += sprintf(p, "%0*d", width, s->s[d]);
		else
			for (int i = 0; i < width; i++)
				*p++ = '-';
	}
	*p = '\0';
}

/* ----------------------------------------------------------- segment maps */

/*
 * The named R x F map, row by row from R1 to R5, column by column from F1
 * to F5.
 */
static const char *const named_map[RFM_NAMED_BINS][RFM_NAMED_BINS] = {
	/* R1 */ {"Lost", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"},
	/* R2 */ {"Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"},
	/* R3 */ {"About To Sleep", "About To Sleep", "Need Attention", "Loyal Customers", "Loyal Customers"},
	/* R4 */ {"Promising", "Potential Loyalists", "Potential Loyalists", "Loyal Customers", "Loyal Customers"},
	/* R5 */ {"New Customers", "Potential Loyalists", "Potential Loyalists", "Champions", "Champions"},
};

const char *
rfm_named_segment(int r, int f)
{
	if (r < 1 || r > RFM_NAMED_BINS || f < 1 || f > RFM_NAMED_BINS)
		return NULL;
	return named_map[r - 1][f - 1];
}

void
rfm_map_free(rfm_map *map)
{
	if (map == NULL)
		return;
	for (int i = 0; i < map->nrules; i++)
		cv_free(map->rules[i].segment);
	if (map->rules)
		cv_free(map->rules);
	cv_free(map);
}

/* An integer-valued JSON number within lo..hi, or -1 with a message. */
static int
json_int(const cvj_value *v, double lo, double hi, const char *what,
		 double *out, char *err, size_t errlen)
{
	char		buf[32];

	if (v == NULL)
		return fail(err, errlen, "%s is missing", what);
	if (v->type != CVJ_NUMBER)
		return fail(err, errlen, "%s must be a number, not %s", what, cvj_type_name(v->type));
	if (!isfinite(v->number) || v->number != floor(v->number) || v->number < lo || v->number > hi)
	{
		fmt_double(v->number, buf, sizeof(buf));
		return fail(err, errlen, "%s must be an integer between %.0f and %.0f, not %s",
					what, lo, hi, buf);
	}
	*out = v->number;
	return 0;
}

/* A rule's "r", "f" or "m": absent / null (any) or [lo, hi]. */
static int
map_range(const cvj_value *rule, int i, int dim, rfm_rule *out, char *err, size_t errlen)
{
	static const char *const keys[3] = {"r", "f", "m"};
	const cvj_value *v = cvj_get(rule, keys[dim]);
	char		what[64];
	double		lo,
				hi;

	out->lo[dim] = out->hi[dim] = 0;
	if (v == NULL || v->type == CVJ_NULL)
		return 0;
	if (v->type != CVJ_ARRAY || v->n != 2)
		return fail(err, errlen, "rule %d: \"%s\" must be an array [lo, hi]", i + 1, keys[dim]);
	snprintf(what, sizeof(what), "rule %d: \"%s\" bound", i + 1, keys[dim]);
	if (json_int(&v->items[0], 1, RFM_MAP_MAX_SCORE, what, &lo, err, errlen) < 0 ||
		json_int(&v->items[1], 1, RFM_MAP_MAX_SCORE, what, &hi, err, errlen) < 0)
		return -1;
	if (lo > hi)
		return fail(err, errlen, "rule %d: \"%s\" range [%.0f, %.0f] must not be reversed",
					i + 1, keys[dim], lo, hi);
	out->lo[dim] = (int) lo;
	out->hi[dim] = (int) hi;
	return 0;
}

/* Read rule i of a map. */
static int
map_rule(const cvj_value *v, int i, rfm_rule *out, char *err, size_t errlen)
{
	static const char *const allowed[] = {"segment", "r", "f", "m", NULL};
	const cvj_value *seg;
	const char *bad;

	if (v->type != CVJ_OBJECT)
		return fail(err, errlen, "rule %d must be an object, not %s", i + 1, cvj_type_name(v->type));
	if ((bad = cvj_unknown_key(v, allowed)) != NULL)
		return fail(err, errlen, "rule %d has unknown key \"%s\" (allowed: segment, r, f, m)",
					i + 1, bad);
	seg = cvj_get(v, "segment");
	if (seg == NULL || seg->type != CVJ_STRING || seg->len == 0 || memchr(seg->string, 0, seg->len))
		return fail(err, errlen, "rule %d: \"segment\" must be a non-empty string", i + 1);
	for (int dim = 0; dim < 3; dim++)
		if (map_range(v, i, dim, out, err, errlen) < 0)
			return -1;
	out->segment = cv_malloc(seg->len + 1);
	memcpy(out->segment, seg->string, seg->len);
	out->segment[seg->len] = '\0';
	return 0;
}

rfm_map *
rfm_map_parse(const char *json, size_t len, char *err, size_t errlen)
{
	cvj_value  *root = cvj_parse(json, len, err, errlen);
	rfm_map    *map;

	if (root == NULL)
		return NULL;
	if (root->type != CVJ_ARRAY || root->n == 0)
	{
		fail(err, errlen, "map must be a non-empty array of rules, not %s",
			 root->type == CVJ_ARRAY ? "an empty array" : cvj_type_name(root->type));
		cvj_free(root);
		return NULL;
	}
	map = cv_calloc(1, sizeof(rfm_map));
	map->rules = cv_calloc(root->n, sizeof(rfm_rule));
	for (int i = 0; i < root->n; i++)
	{
		if (map_rule(&root->items[i], i, &map->rules[i], err, errlen) < 0)
		{
			rfm_map_free(map);
			cvj_free(root);
			return NULL;
		}
		map->nrules++;
	}
	cvj_free(root);
	return map;
}

const char *
rfm_map_segment(const rfm_map *map, int r, int f, int m)
{
	int			s[3] = {r, f, m};

	for (int i = 0; i < map->nrules; i++)
	{
		const rfm_rule *rule = &map->rules[i];
		int			match = 1;

		for (int d = 0; d < 3 && match; d++)
			if (rule->lo[d] > 0 && (s[d] < rule->lo[d] || s[d] > rule->hi[d]))
				match = 0;
		if (match)
			return rule->segment;
	}
	return "Other";
}

/* --------------------------------------------------------- trend and NPS */

const char *
rfm_trend_name(rfm_trend t)
{
	switch (t)
	{
		case RFM_TREND_RISING:
			return "rising";
		case RFM_TREND_STABLE:
			return "stable";
		case RFM_TREND_DECLINING:
			return "declining";
		case RFM_TREND_NEW:
			return "new";
		case RFM_TREND_INACTIVE:
			return "inactive";
	}
	return "?";
}

/* A finite, non-negative input of value_trend, or -1 with a message. */
static int
check_trend_arg(double x, const char *what, char *err, size_t errlen)
{
	char		buf[32];

	if (!isfinite(x) || x < 0)
	{
		fmt_double(x, buf, sizeof(buf));
		return fail(err, errlen, "%s must be a finite non-negative number, not %s", what, buf);
	}
	return 0;
}

int
rfm_value_trend(double current, double previous, double band,
				rfm_trend *out, char *err, size_t errlen)
{
	double		change;

	if (check_trend_arg(current, "current", err, errlen) < 0 ||
		check_trend_arg(previous, "previous", err, errlen) < 0 ||
		check_trend_arg(band, "band", err, errlen) < 0)
		return -1;
	if (previous == 0)
	{
		*out = current > 0 ? RFM_TREND_NEW : RFM_TREND_INACTIVE;
		return 0;
	}
	change = (current - previous) / previous;
	if (change > band)
		*out = RFM_TREND_RISING;
	else if (change < -band)
		*out = RFM_TREND_DECLINING;
	else
		*out = RFM_TREND_STABLE;
	return 0;
}

/*
 * The sums are taken in double precision: exact while the total is below
 * 2^53, and free of overflow for any counts up to INT64_MAX (an int64 sum
 * of eleven of them may overflow).
 */
int
rfm_nps(const int64_t *counts, double *out)
{
	double		total = 0,
				promoters = (double) counts[9] + (double) counts[10],
				detractors = 0;

	for (int i = 0; i < RFM_NPS_RATINGS; i++)
		total += (double) counts[i];
	for (int i = 0; i <= 6; i++)
		detractors += (double) counts[i];
	if (total == 0)
		return 0;
	*out = 100.0 * (promoters - detractors) / total;
	return 1;
}

/* ------------------------------------------------------- binary payload */

/*
 * Payload layout (little-endian, via cvcodec): u32 bins, u32 ties, f64 weights[4],
 * f64 edges[3], then per dimension (recency, frequency, monetary, nps):
 * i64 n, u32 nbands, and per band u32 score, f64 min_value, f64 max_value,
 * i64 customers.  The model header in front of it carries the kind and
 * format version.
 */
void
rfm_model_write(const rfm_model *m, cv_wbuf *b)
{
	cvb_u32(b, (uint32_t) m->bins);
	cvb_u32(b, (uint32_t) m->ties);
	for (int d = 0; d < RFM_NDIMS; d++)
		cvb_f64(b, m->weights[d]);
	for (int e = 0; e < RFM_NEDGES; e++)
		cvb_f64(b, m->edges[e]);
	for (int d = 0; d < RFM_NDIMS; d++)
	{
		const rfm_dim *dim = &m->dims[d];

		cvb_i64(b, dim->n);
		cvb_u32(b, (uint32_t) dim->nbands);
		for (int i = 0; i < dim->nbands; i++)
		{
			cvb_u32(b, (uint32_t) dim->bands[i].score);
			cvb_f64(b, dim->bands[i].min_value);
			cvb_f64(b, dim->bands[i].max_value);
			cvb_i64(b, dim->bands[i].customers);
		}
	}
}

/*
 * Check a model just read and derive its search keys; frees it and returns
 * NULL when invalid.
 */
static rfm_model *
checked(rfm_model *m, char *err, size_t errlen)
{
	if (rfm_model_check(m, err, errlen) < 0)
	{
		rfm_model_free(m);
		return NULL;
	}
	for (int d = 0; d < RFM_NDIMS; d++)
		dim_keys(&m->dims[d], d == RFM_R);
	scale_weights(m->weights, NULL, m->wscaled);
	return m;
}

rfm_model *
rfm_model_read(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	cv_rbuf		r;
	rfm_model  *m = cv_calloc(1, sizeof(rfm_model));

	cvr_init(&r, p, len);
	m->bins = (int) (cvr_u32(&r) & 0x7fffffff);
	m->ties = (int) (cvr_u32(&r) & 0x7fffffff);
	for (int d = 0; d < RFM_NDIMS; d++)
		m->weights[d] = cvr_f64(&r);
	for (int e = 0; e < RFM_NEDGES; e++)
		m->edges[e] = cvr_f64(&r);
	for (int d = 0; d < RFM_NDIMS && !r.err; d++)
	{
		rfm_dim    *dim = &m->dims[d];
		uint32_t	nb;

		dim->n = cvr_i64(&r);
		nb = cvr_u32(&r);
		if (r.err || nb > RFM_MAX_BINS)
		{
			r.err = 1;
			break;
		}
		dim->nbands = (int) nb;
		dim->bands = cv_calloc(nb ? nb : 1, sizeof(rfm_band));
		for (uint32_t i = 0; i < nb; i++)
		{
			dim->bands[i].score = (int) (cvr_u32(&r) & 0x7fffffff);
			dim->bands[i].min_value = cvr_f64(&r);
			dim->bands[i].max_value = cvr_f64(&r);
			dim->bands[i].customers = cvr_i64(&r);
		}
	}
	if (!cvr_done(&r))
	{
		snprintf(err, errlen, "payload is truncated or has trailing bytes");
		rfm_model_free(m);
		return NULL;
	}
	return checked(m, err, errlen);
}

/* ----------------------------------------------------------- JSON text */

/* Write a fixed-length array of doubles. */
static void
write_numbers(cvj_writer *w, const char *key, const double *x, int n)
{
	cvjw_key(w, key);
	cvjw_begin_array(w);
	for (int i = 0; i < n; i++)
		cvjw_number(w, x[i]);
	cvjw_end_array(w);
}

/*
 * {"kind": "rfmn_model", "version": 1, "bins": 5, "ties": "midrank",
 *  "weights": [r, f, m, n],
 *  "edges": [high, mid, low], "recency": {"n": N, "scores": [{"score": s,
 *  "min_value": a, "max_value": b, "customers": c}, ...]}, "frequency": ...,
 *  "monetary": ..., "nps": ...}
 */
char *
rfm_model_to_json(const rfm_model *m)
{
	cvj_writer	w;

	cvjw_init(&w);
	cvjw_begin_object(&w);
	cvjw_key(&w, "kind");
	cvjw_string(&w, "rfmn_model");
	cvjw_key(&w, "version");
	cvjw_int(&w, RFM_FORMAT_VERSION);
	cvjw_key(&w, "bins");
	cvjw_int(&w, m->bins);
	cvjw_key(&w, "ties");
	cvjw_string(&w, rfm_ties_names[m->ties]);
	write_numbers(&w, "weights", m->weights, RFM_NDIMS);
	write_numbers(&w, "edges", m->edges, RFM_NEDGES);
	for (int d = 0; d < RFM_NDIMS; d++)
	{
		const rfm_dim *dim = &m->dims[d];

		cvjw_key(&w, rfm_dim_names[d]);
		cvjw_begin_object(&w);
		cvjw_key(&w, "n");
		cvjw_int(&w, dim->n);
		cvjw_key(&w, "scores");
		cvjw_begin_array(&w);
		for (int i = 0; i < dim->nbands; i++)
		{
			cvjw_begin_object(&w);
			cvjw_key(&w, "score");
			cvjw_int(&w, dim->bands[i].score);
			cvjw_key(&w, "min_value");
			cvjw_number(&w, dim->bands[i].min_value);
			cvjw_key(&w, "max_value");
			cvjw_number(&w, dim->bands[i].max_value);
			cvjw_key(&w, "customers");
			cvjw_int(&w, dim->bands[i].customers);
			cvjw_end_object(&w);
		}
		cvjw_end_array(&w);
		cvjw_end_object(&w);
	}
	cvjw_end_object(&w);
	return cvjw_finish(&w, NULL);
}

/* An object with only allowed keys, or -1 with a message naming `what`. */
static int
json_object(const cvj_value *v, const char *what, const char *const *allowed,
			char *err, size_t errlen)
{
	const char *bad;

	if (v == NULL)
		return fail(err, errlen, "%s is missing", what);
	if (v->type != CVJ_OBJECT)
		return fail(err, errlen, "%s must be an object, not %s", what, cvj_type_name(v->type));
	if ((bad = cvj_unknown_key(v, allowed)) != NULL)
		return fail(err, errlen, "%s has unknown key \"%s\"", what, bad);
	return 0;
}

/* A finite JSON number, or -1 with a message. */
static int
json_number(const cvj_value *v, const char *what, double *out, char *err, size_t errlen)
{
	if (v == NULL)
		return fail(err, errlen, "%s is missing", what);
	if (v->type != CVJ_NUMBER)
		return fail(err, errlen, "%s must be a number, not %s", what, cvj_type_name(v->type));
	if (!isfinite(v->number))
		return fail(err, errlen, "%s must be a finite number", what);
	*out = v->number;
	return 0;
}

/* An array of exactly n finite numbers. */
static int
json_numbers(const cvj_value *obj, const char *key, double *out, int n,
			 char *err, size_t errlen)
{
	const cvj_value *v = cvj_get(obj, key);

	if (v == NULL)
		return fail(err, errlen, "\"%s\" is missing", key);
	if (v->type != CVJ_ARRAY || v->n != n)
		return fail(err, errlen, "\"%s\" must be an array of %d numbers", key, n);
	for (int i = 0; i < n; i++)
	{
		char		what[64];

		snprintf(what, sizeof(what), "\"%s\" element %d", key, i + 1);
		if (json_number(&v->items[i], what, &out[i], err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* One band {"score", "min_value", "max_value", "customers"}. */
static int
json_band(const cvj_value *v, const char *dimname, int i, int bins, rfm_band *b,
		  char *err, size_t errlen)
{
	static const char *const allowed[] = {"score", "min_value", "max_value", "customers", NULL};
	char		what[96];
	double		score,
				customers;

	snprintf(what, sizeof(what), "%s score entry %d", dimname, i + 1);
	if (json_object(v, what, allowed, err, errlen) < 0)
		return -1;
	snprintf(what, sizeof(what), "%s entry %d \"score\"", dimname, i + 1);
	if (json_int(cvj_get(v, "score"), 1, bins, what, &score, err, errlen) < 0)
		return -1;
	snprintf(what, sizeof(what), "%s score %d \"min_value\"", dimname, (int) score);
	if (json_number(cvj_get(v, "min_value"), what, &b->min_value, err, errlen) < 0)
		return -1;
	snprintf(what, sizeof(what), "%s score %d \"max_value\"", dimname, (int) score);
	if (json_number(cvj_get(v, "max_value"), what, &b->max_value, err, errlen) < 0)
		return -1;
	snprintf(what, sizeof(what), "%s score %d \"customers\"", dimname, (int) score);
	if (json_int(cvj_get(v, "customers"), 1, RFM_MAX_JSON_INT, what, &customers, err, errlen) < 0)
		return -1;
	b->score = (int) score;
	b->customers = (int64_t) customers;
	return 0;
}

/* One dimension {"n", "scores": [...]}. */
static int
json_dim(const cvj_value *root, int d, int bins, rfm_dim *dim, char *err, size_t errlen)
{
	static const char *const allowed[] = {"n", "scores", NULL};
	const char *name = rfm_dim_names[d];
	const cvj_value *v = cvj_get(root, name);
	const cvj_value *scores;
	char		what[64];
	double		n;

	snprintf(what, sizeof(what), "\"%s\"", name);
	if (json_object(v, what, allowed, err, errlen) < 0)
		return -1;
	snprintf(what, sizeof(what), "%s \"n\"", name);
	if (json_int(cvj_get(v, "n"), 0, RFM_MAX_JSON_INT, what, &n, err, errlen) < 0)
		return -1;
	dim->n = (int64_t) n;
	scores = cvj_get(v, "scores");
	if (scores == NULL || scores->type != CVJ_ARRAY)
		return fail(err, errlen, "%s \"scores\" must be an array", name);
	if (scores->n > bins)
		return fail(err, errlen, "%s: %d scores, but bins is %d", name, scores->n, bins);
	dim->bands = cv_calloc(scores->n ? scores->n : 1, sizeof(rfm_band));
	for (int i = 0; i < scores->n; i++)
	{
		if (json_band(&scores->items[i], name, i, bins, &dim->bands[i], err, errlen) < 0)
			return -1;
		dim->nbands++;
	}
	return 0;
}

/* Read every field of a parsed model object into m. */
static int
json_model(const cvj_value *root, rfm_model *m, char *err, size_t errlen)
{
	static const char *const allowed[] = {"kind", "version", "bins", "ties", "weights", "edges",
	"recency", "frequency", "monetary", "nps", NULL};
	const cvj_value *kind;
	const cvj_value *ties;
	double		version,
				bins;

	if (json_object(root, "model", allowed, err, errlen) < 0)
		return -1;
	kind = cvj_get(root, "kind");
	if (kind == NULL || kind->type != CVJ_STRING)
		return fail(err, errlen, "\"kind\" must be the string \"rfmn_model\"");
	if (kind->len != strlen("rfmn_model") || memcmp(kind->string, "rfmn_model", kind->len) != 0)
		return fail(err, errlen, "\"kind\" is \"%.*s\", expected \"rfmn_model\"",
					(int) (kind->len > 40 ? 40 : kind->len), kind->string);
	if (json_int(cvj_get(root, "version"), 0, RFM_MAX_JSON_INT, "\"version\"", &version, err, errlen) < 0)
		return -1;
	if (version != RFM_FORMAT_VERSION)
		return fail(err, errlen, "unsupported \"version\" %.0f (this build reads version %d)",
					version, RFM_FORMAT_VERSION);
	if (json_int(cvj_get(root, "bins"), 1, RFM_MAX_BINS, "\"bins\"", &bins, err, errlen) < 0)
		return -1;
	m->bins = (int) bins;
	/* models written before the tie rule was a choice used "first" */
	ties = cvj_get(root, "ties");
	m->ties = RFM_TIES_FIRST;
	if (ties != NULL &&
		(ties->type != CVJ_STRING ||
		 (m->ties = rfm_ties_from_name(ties->string, ties->len)) < 0))
		return fail(err, errlen, "\"ties\" must be \"%s\" or \"%s\"",
					rfm_ties_names[RFM_TIES_MIDRANK], rfm_ties_names[RFM_TIES_FIRST]);
	if (json_numbers(root, "weights", m->weights, RFM_NDIMS, err, errlen) < 0 ||
		json_numbers(root, "edges", m->edges, RFM_NEDGES, err, errlen) < 0)
		return -1;
	for (int d = 0; d < RFM_NDIMS; d++)
		if (json_dim(root, d, m->bins, &m->dims[d], err, errlen) < 0)
			return -1;
	return 0;
}

rfm_model *
rfm_model_from_json(const char *json, size_t len, char *err, size_t errlen)
{
	cvj_value  *root = cvj_parse(json, len, err, errlen);
	rfm_model  *m;

	if (root == NULL)
		return NULL;
	m = cv_calloc(1, sizeof(rfm_model));
	if (json_model(root, m, err, errlen) < 0)
	{
		cvj_free(root);
		rfm_model_free(m);
		return NULL;
	}
	cvj_free(root);
	return checked(m, err, errlen);
}
