/*
 * fuzz.c
 *	  libFuzzer harness for every text and binary reader of the plain-C
 *	  kernels: the JSON parser, base64, the fit-state byte decoders (distr,
 *	  rows, tuples) and the combine's byte merges (distr, rows), every model kind's binary payload and JSON readers
 *	  (BG/NBD and Gamma-Gamma included), the feature block and the RFM
 *	  segment map.
 *
 * One binary serves every target; CV_FUZZ_TARGET names the one to run and
 * CV_FUZZ_LIST=1 prints the names.  A target is one line of the table at
 * the end: a reader, and optionally a binary writer, a text writer, a
 * function that uses the decoded object and its free function.
 *
 * Besides "no crash, no sanitizer report, no allocation out of proportion
 * to the input", every accepted input must round-trip: what the writer
 * produces from a decoded object must be accepted again and written
 * identically (a reader that accepts what its own writer cannot reproduce
 * has missed a check).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btyd_k.h"
#include "cvalloc.h"
#include "cvcodec.h"
#include "cvfeatures.h"
#include "cvjson.h"
#include "distr.h"
#include "kmeans_k.h"
#include "logit_k.h"
#include "metrics_k.h"
#include "rfm_k.h"
#include "rows.h"
#include "scaler_k.h"
#include "scorecard_k.h"
#include "tree_k.h"
#include "tuples.h"

typedef void *(*fuzz_read_fn) (const unsigned char *p, size_t n, char *err, size_t errlen);

typedef struct fuzz_target
{
	const char *name;
	fuzz_read_fn read;
	void		(*write) (void *obj, cv_wbuf *b);	/* binary form, or NULL */
	char	   *(*text) (void *obj);	/* text form, or NULL */
	void		(*use) (void *obj); /* exercise the decoded object, or NULL */
	void		(*free) (void *obj);
} fuzz_target;

static const fuzz_target *target;

/* Stop with a message the fuzzer records as a crash. */
static void
fail(const char *what)
{
	fprintf(stderr, "custvalue fuzz %s: %s\n", target->name, what);
	abort();
}

/*
 * A reader over a cv_rbuf that must consume the whole buffer, as the
 * fit-state decoder requires: wrap it into a fuzz_read_fn.
 */
#define RBUF_READER(fname, reader, freefn) \
static void * \
fname(const unsigned char *p, size_t n, char *err, size_t errlen) \
{ \
	cv_rbuf		r; \
	void	   *obj; \
	cvr_init(&r, p, n); \
	obj = reader(&r, err, errlen); \
	if (obj != NULL && !cvr_done(&r)) \
	{ \
		freefn(obj); \
		snprintf(err, errlen, "trailing bytes"); \
		obj = NULL; \
	} \
	return obj; \
}

/* ---- JSON DOM ---- */

static void *
json_read(const unsigned char *p, size_t n, char *err, size_t errlen)
{
	return cvj_parse((const char *) p, n, err, errlen);
}

/* Walk the tree: every value's accessors. */
static void
json_walk(const cvj_value *v)
{
	int			i;

	(void) cvj_type_name(v->type);
	if (v->type == CVJ_OBJECT)
	{
		static const char *const none[] = {NULL};

		for (i = 0; i < v->n; i++)
			if (cvj_get(v, v->keys[i]) == NULL)
				fail("a key of an object is not found by cvj_get");
		if (v->n > 0 && cvj_unknown_key(v, none) == NULL)
			fail("cvj_unknown_key misses a key");
	}
	if (v->type == CVJ_ARRAY || v->type == CVJ_OBJECT)
		for (i = 0; i < v->n; i++)
			json_walk(&v->items[i]);
	if (v->type == CVJ_STRING && strlen(v->string) != v->len)
		fail("string holds a NUL byte");
}

static void
json_use(void *obj)
{
	json_walk(obj);
}

static void
json_free(void *obj)
{
	cvj_free(obj);
}

/* ---- base64: decoding then encoding gives the input back ---- */

typedef struct b64
{
	unsigned char *data;
	size_t		len;
} b64;

static void *
b64_read(const unsigned char *p, size_t n, char *err, size_t errlen)
{
	b64		   *b = cv_malloc(sizeof(b64));

	if (cv_base64_decode((const char *) p, n, &b->data, &b->len) != 0)
	{
		cv_free(b);
		snprintf(err, errlen, "invalid base64");
		return NULL;
	}
	return b;
}

static char *
b64_text(void *obj)
{
	b64		   *b = obj;
	char	   *out = cv_malloc(cv_base64_len(b->len) + 1);

	cv_base64_encode(b->data, b->len, out);
	return out;
}

static void
b64_free(void *obj)
{
	b64		   *b = obj;

	cv_free(b->data);
	cv_free(b);
}

/* ---- fit state kinds ---- */

/*
 * A byte decoder's wrappers: free, the whole-buffer reader and the writer
 * (the fit-state kinds and the feature block).
 */
#define STATE_FUNCS(pfx, readfn, writefn, freefn) \
static void \
pfx##_free(void *obj) \
{ \
	freefn(obj); \
} \
RBUF_READER(pfx##_read, readfn, pfx##_free) \
static void \
pfx##_write(void *obj, cv_wbuf *b) \
{ \
	writefn(obj, b); \
}

STATE_FUNCS(distr, cv_distr_read, cv_distr_write, cv_distr_free)
STATE_FUNCS(rows, cv_rows_read, cv_rows_write, cv_rows_free)
STATE_FUNCS(tuples, cv_tuples_read, cv_tuples_write, cv_tuples_free)
STATE_FUNCS(features, cv_features_read, cv_features_write, cv_features_free)

/* Merge the state twice into an empty one, compact it, read every dimension. */
static void
distr_use(void *obj)
{
	cv_distr   *d = obj;
	cv_distr   *e = cv_distr_new(cv_distr_ndims(d));
	char		err[256];
	int			i;

	cv_distr_set_budget(e, (size_t) 256 << 20);
	if (cv_distr_merge(e, d, err, sizeof(err)) == 0 &&
		cv_distr_merge(e, d, err, sizeof(err)) == 0 &&
		cv_distr_compact(e) == 0)
	{
		for (i = 0; i < cv_distr_ndims(e); i++)
			(void) cv_distr_dim_get(e, i);
		(void) cv_distr_flat_size(e);
	}
	(void) cv_distr_bytes(e);
	cv_distr_free(e);
}

/*
 * The combine function merges a partial state's bytes without building it:
 * the first input byte chooses the dimension count (1 to 8), the rest is
 * merged into an empty state.
 */
static void *
distr_merge_read(const unsigned char *p, size_t n, char *err, size_t errlen)
{
	cv_distr   *d;
	cv_rbuf		r;

	if (n < 1)
	{
		snprintf(err, errlen, "empty input");
		return NULL;
	}
	d = cv_distr_new(1 + p[0] % 8);
	cv_distr_set_budget(d, (size_t) 256 << 20);
	cvr_init(&r, p + 1, n - 1);
	if (cv_distr_merge_bytes(d, &r, err, errlen) != 0 || !cvr_done(&r) ||
		cv_distr_compact(d) != 0)
	{
		if (err[0] == '\0')
			snprintf(err, errlen, "trailing bytes or over budget");
		cv_distr_free(d);
		return NULL;
	}
	return d;
}

/*
 * The combine function merges a partial row state's bytes into the state
 * of another partial of the same fit without building it: the destination
 * takes the target flag, max_rows and seed from the input's header (as a
 * partial of the same fit would have them), and the bytes are merged
 * twice, the second time against dictionaries the first one filled.
 */
static void *
rows_merge_read(const unsigned char *p, size_t n, char *err, size_t errlen)
{
	cv_rbuf		r;
	cv_rows    *d;
	int			has_y;
	int64_t		max_rows;
	uint64_t	seed;

	cvr_init(&r, p, n);
	(void) cvr_u8(&r);			/* format */
	(void) cvr_u32(&r);			/* numeric features */
	(void) cvr_u32(&r);			/* categorical features */
	has_y = cvr_u8(&r) & 1;
	max_rows = cvr_i64(&r);
	seed = (uint64_t) cvr_i64(&r);
	d = cv_rows_new(-1, -1, has_y, max_rows >= 0 ? max_rows : 0, seed);
	cv_rows_set_budget(d, (size_t) 256 << 20);
	for (int pass = 0; pass < 2; pass++)
	{
		int			rc;

		cvr_init(&r, p, n);
		rc = cv_rows_merge_bytes(d, &r, err, errlen);
		if (rc != 0 || !cvr_done(&r))
		{
			if (err[0] == '\0')
				snprintf(err, errlen, "trailing bytes");
			/* a second copy merges unless the row counters would pass their limit */
			if (pass == 1 && !(rc == CV_ROWS_MISMATCH &&
							   (cv_rows_seen(d) > CV_ROWS_MAX_SEEN / 2 ||
								cv_rows_skipped(d) > CV_ROWS_MAX_SEEN / 2)))
				fail("a state that merged once does not merge again");
			cv_rows_free(d);
			return NULL;
		}
	}
	return d;
}

/* Merge into an empty buffer of the same parameters, finish, read rows. */
static void
rows_use(void *obj)
{
	cv_rows    *r = obj;
	cv_rows    *e = cv_rows_new(-1, -1, cv_rows_has_y(r), cv_rows_max_rows(r),
								cv_rows_seed(r));
	char		err[256];
	size_t		i;
	int			p;

	if (cv_rows_merge(e, r, err, sizeof(err)) == 0)
	{
		cv_rows_finish(e);
		for (i = 0; i < cv_rows_count(e); i++)
		{
			(void) cv_rows_x(e, i);
			(void) cv_rows_y(e, i);
			(void) cv_rows_cat(e, i);
		}
		for (p = 0; p < cv_rows_ncat(e); p++)
		{
			size_t		len;
			int			c;

			for (c = 0; c < cv_rows_nlevels(e, p); c++)
				(void) cv_rows_level(e, p, c, &len);
		}
	}
	cv_rows_free(e);
}

/*
 * Tuples (the BG/NBD, Gamma-Gamma and clv_summary states): merge the state
 * twice into an empty one of its shape, sort, and read every entry.
 */
static void
tuples_use(void *obj)
{
	cv_tuples  *t = obj;
	cv_tuples  *e = cv_tuples_new(cv_tuples_width(t), cv_tuples_nsum(t));
	char		err[256];
	double		total = 0;
	int			twice;

	if (cv_tuples_merge(e, t, err, sizeof(err)) != 0)
		fail("a state does not merge into an empty one of its shape");
	/* a second copy merges unless the summed counts would pass INT64_MAX */
	twice = cv_tuples_total(t) <= INT64_MAX / 2;
	if (cv_tuples_merge(e, t, err, sizeof(err)) != (twice ? 0 : CV_TUPLES_OVER))
		fail("merging a second copy of a state is refused or its count overflows");
	if (cv_tuples_count(e) != cv_tuples_count(t) ||
		cv_tuples_total(e) != (twice ? 2 : 1) * cv_tuples_total(t))
		fail("merging a state changed its distinct keys or lost rows");
	cv_tuples_sort(e);
	for (size_t i = 0; i < cv_tuples_count(e); i++)
	{
		const double *k = cv_tuples_key(e, i);

		total += k[cv_tuples_width(e) - 1] * (double) cv_tuples_weight(e, i);
		for (int j = 0; j < cv_tuples_nsum(e); j++)
			total += cv_tuples_sum(e, i, j);
	}
	(void) total;
	(void) cv_tuples_bytes(e);
	cv_tuples_free(e);
}

/* ---- scorecard ---- */

static void *
card_read(const unsigned char *p, size_t n, char *err, size_t errlen)
{
	return cvs_read(p, n, err, errlen);
}

static void *
card_from_json(const unsigned char *p, size_t n, char *err, size_t errlen)
{
	return cvs_from_json((const char *) p, n, err, errlen);
}

static void
card_write(void *obj, cv_wbuf *b)
{
	cvs_write(obj, b);
}

static char *
card_text(void *obj)
{
	return cvs_to_json(obj);
}

/* Score a few customers and explain one. */
static void
card_use(void *obj)
{
	static const double probes[] = {0, -1, 1, 1e308, -1e308, 5e-324, 50};
	cvs_card   *c = obj;
	double	   *v = cv_malloc(sizeof(double) * (c->n + 1));
	double	   *pts = cv_malloc(sizeof(double) * (c->n + 1));
	unsigned char *present = cv_malloc(c->n + 1);
	double		coverage;
	size_t		k;
	int			i;

	for (k = 0; k < sizeof(probes) / sizeof(probes[0]); k++)
	{
		for (i = 0; i < c->n; i++)
		{
			v[i] = probes[(k + i) % (sizeof(probes) / sizeof(probes[0]))];
			present[i] = (i + k) % 3 != 0;
		}
		(void) cvs_score(c, v, present, pts, &coverage);
	}
	cv_free(cvs_explain_json(c, v, present));
	cv_free(v);
	cv_free(pts);
	cv_free(present);
}

static void
card_free(void *obj)
{
	cvs_free(obj);
}

/* ---- RFM+N model and segment map ---- */

static void *
rfmn_read(const unsigned char *p, size_t n, char *err, size_t errlen)
{
	return rfm_model_read(p, n, err, errlen);
}

static void *
rfmn_from_json(const unsigned char *p, size_t n, char *err, size_t errlen)
{
	return rfm_model_from_json((const char *) p, n, err, errlen);
}

static void
rfmn_write(void *obj, cv_wbuf *b)
{
	rfm_model_write(obj, b);
}

static char *
rfmn_text(void *obj)
{
	return rfm_model_to_json(obj);
}

/* Score a few customers, with and without NULL dimensions. */
static void
rfmn_use(void *obj)
{
	static const double probes[] = {0, -1, 1, 1e308, -1e308, 5e-324, 50};
	rfm_model  *m = obj;
	double		x[RFM_NDIMS];
	unsigned char isnull[RFM_NDIMS];
	rfm_scores	s;
	size_t		k;
	int			i;

	for (k = 0; k < sizeof(probes) / sizeof(probes[0]); k++)
	{
		for (i = 0; i < RFM_NDIMS; i++)
		{
			x[i] = probes[(k + i) % (sizeof(probes) / sizeof(probes[0]))];
			isnull[i] = (i + k) % 4 == 0;
		}
		rfm_score(m, x, isnull, &s);
		(void) rfm_segment_of(m, s.score);
	}
}

static void
rfmn_free(void *obj)
{
	rfm_model_free(obj);
}

static void *
map_read(const unsigned char *p, size_t n, char *err, size_t errlen)
{
	return rfm_map_parse((const char *) p, n, err, errlen);
}

static void
map_use(void *obj)
{
	int			r,
				f;

	for (r = 0; r <= 6; r++)
		for (f = 0; f <= 6; f++)
			(void) rfm_map_segment(obj, r, f, (r + f) % 7);
}

static void
map_free(void *obj)
{
	rfm_map_free(obj);
}

/* ---- k-means ---- */

static void *
kmeans_read(const unsigned char *p, size_t n, char *err, size_t errlen)
{
	return km_model_read(p, n, err, errlen);
}

static void *
kmeans_from_json(const unsigned char *p, size_t n, char *err, size_t errlen)
{
	return km_model_from_json((const char *) p, n, err, errlen);
}

static void
kmeans_write(void *obj, cv_wbuf *b)
{
	km_model_write(obj, b);
}

static char *
kmeans_text(void *obj)
{
	return km_model_to_json(obj);
}

/* Assign a point of zeros, one of huge and one of tiny values. */
static void
kmeans_use(void *obj)
{
	static const double probes[] = {0, 1e300, -1e300, 5e-324};
	km_model   *m = obj;
	double	   *x = cv_calloc(m->d + 1, sizeof(double));
	double		dist;
	size_t		k;
	int			i;

	for (k = 0; k < sizeof(probes) / sizeof(probes[0]); k++)
	{
		for (i = 0; i < m->d; i++)
			x[i] = probes[k];
		(void) km_model_assign(m, x, &dist);
	}
	cv_free(x);
}

static void
kmeans_free(void *obj)
{
	km_model_free(obj);
}

/*
 * Kinds whose kernel functions already have the reader's shape: a wrapper
 * per function only adapts the pointer types.
 */
#define MODEL_FUNCS(pfx, readfn, fromjsonfn, writefn, tojsonfn, freefn) \
static void * \
pfx##_read(const unsigned char *p, size_t n, char *err, size_t errlen) \
{ \
	return readfn(p, n, err, errlen); \
} \
static void * \
pfx##_from_json(const unsigned char *p, size_t n, char *err, size_t errlen) \
{ \
	return fromjsonfn((const char *) p, n, err, errlen); \
} \
static void \
pfx##_write(void *obj, cv_wbuf *b) \
{ \
	writefn(obj, b); \
} \
static char * \
pfx##_text(void *obj) \
{ \
	return tojsonfn(obj); \
} \
static void \
pfx##_free(void *obj) \
{ \
	freefn(obj); \
}

MODEL_FUNCS(churn, cv_logit_read, cv_logit_from_json, cv_logit_write, cv_logit_to_json, cv_logit_free)
MODEL_FUNCS(curve, cvm_curve_read, cvm_curve_from_json, cvm_curve_write, cvm_curve_to_json, cvm_curve_free)
MODEL_FUNCS(scaler, cvz_read, cvz_from_json, cvz_write, cvz_to_json, cvz_free)

MODEL_FUNCS(bgnbd, cvb_bgnbd_read, cvb_bgnbd_from_json, cvb_bgnbd_write, cvb_bgnbd_to_json, cv_free)
MODEL_FUNCS(gammagamma, cvb_gammagamma_read, cvb_gammagamma_from_json, cvb_gammagamma_write,
			cvb_gammagamma_to_json, cv_free)

/*
 * Customers as the SQL scorers accept them (frequency a whole number,
 * 0 <= recency <= t, recency 0 without repeat purchases), from none to
 * extreme histories.
 */
static const double customers[][3] = {
	{0, 0, 0}, {0, 0, 30}, {2, 5, 10}, {1, 1e-300, 1e-300}, {100, 30, 30.5},
	{1e6, 1e9, 1e9}, {3, 1e15, 1e15}
};
#define NCUSTOMERS (sizeof(customers) / sizeof(customers[0]))

/* A parameter in the range fits reach, where forecasts must be finite. */
static int
fit_range(double v)
{
	return v >= 1e-8 && v <= 1e9;
}

/*
 * Forecast every customer over short to the longest horizons, and its
 * value: finite when the parameters are in the range fits reach (outside
 * it the SQL scorers report a non-finite forecast as 22003).
 */
static void
bgnbd_use(void *obj)
{
	static const double horizons[] = {0, 1, 52, 1e6, CVB_MAX_HORIZON};
	static const int months[] = {0, 1, 13};	/* 1,200 months is 1,200 forecasts */
	cvb_bgnbd  *m = obj;
	int			ordinary = fit_range(m->r) && fit_range(m->alpha) &&
		fit_range(m->a) && fit_range(m->b);

	for (size_t c = 0; c < NCUSTOMERS; c++)
	{
		const double *h = customers[c];
		double		p = cvb_bgnbd_p_alive(m, h[0], h[1], h[2]);

		if (!(p >= 0 && p <= 1))
			fail("P(alive) is not a probability");
		for (size_t k = 0; k < sizeof(horizons) / sizeof(horizons[0]); k++)
			if (!isfinite(cvb_bgnbd_expected(m, horizons[k], h[0], h[1], h[2])) && ordinary)
				fail("expected purchases are not finite for parameters in the range fits reach");
		for (size_t k = 0; k < sizeof(months) / sizeof(months[0]); k++)
			(void) cvb_clv(m, 10.0, h[0], h[1], h[2], months[k], k % 2 ? 0.01 : 0);
	}
}

/* Expected spend of customers with few to many purchases of any size. */
static void
gammagamma_use(void *obj)
{
	static const double monetary[] = {1e-300, 0.5, 10, 1e300};
	cvb_gammagamma *m = obj;

	for (size_t c = 0; c < NCUSTOMERS; c++)
		for (size_t k = 0; k < sizeof(monetary) / sizeof(monetary[0]); k++)
			(void) cvb_gammagamma_spend(m, customers[c][0], monetary[k]);
}

/* ---- decision tree ---- */

static void *
tree_read(const unsigned char *p, size_t n, char *err, size_t errlen)
{
	return cvt_read(p, n, err, errlen);
}

static void *
tree_from_json(const unsigned char *p, size_t n, char *err, size_t errlen)
{
	return cvt_from_json((const char *) p, n, err, errlen);
}

static void
tree_write(void *obj, cv_wbuf *b)
{
	cvt_write(obj, b);
}

static char *
tree_text(void *obj)
{
	return cvt_to_json(obj);
}

/* Drop a row of zeros and one of large values down the tree, importances
 * and every node's rule. */
static void
tree_use(void *obj)
{
	cvt_tree   *t = obj;
	int			ncols = t->features->ncols;
	double	   *x = cv_calloc(ncols + 1, sizeof(double));
	double	   *imp = cv_calloc(ncols + 1, sizeof(double));
	int32_t		i;

	cvt_link(t);
	(void) cvt_leaf(t, x);
	for (i = 0; i < ncols; i++)
		x[i] = 1e300;
	(void) cvt_leaf(t, x);
	(void) cvt_importance(t, imp);
	for (i = 0; i < t->nnodes && i < 64; i++)
		cv_free(cvt_rule(t, i));
	cv_free(x);
	cv_free(imp);
}

static void
tree_free(void *obj)
{
	cvt_free(obj);
}

/* ---- features block ---- */

static void *
features_from_json(const unsigned char *p, size_t n, char *err, size_t errlen)
{
	cvj_value  *v = cvj_parse((const char *) p, n, err, errlen);
	cv_features *f;

	if (v == NULL)
		return NULL;
	f = cv_features_from_json(v, err, errlen);
	cvj_free(v);
	return f;
}

static char *
features_text(void *obj)
{
	cvj_writer	w;

	cvjw_init(&w);
	cv_features_to_json(obj, &w);
	return cvjw_finish(&w, NULL);
}

/* Name every design column and encode a row of zeros and unseen levels. */
static void
features_use(void *obj)
{
	cv_features *f = obj;
	double	   *x = cv_calloc(f->nnum + 1, sizeof(double));
	int32_t    *lev = cv_malloc(sizeof(int32_t) * (f->ncat + 1));
	double	   *out = cv_malloc(sizeof(double) * (f->ncols + 1));
	int			i;

	for (i = 0; i < f->ncat; i++)
		lev[i] = i % 2 ? -1 : (f->nlevels[i] > 0 ? f->nlevels[i] - 1 : -1);
	cv_features_design(f, x, lev, out);
	for (i = 0; i < f->ncols; i++)
	{
		cv_free(cv_features_column_name(f, i));
		(void) cv_features_column_feature(f, i);
		if (i < f->nnum)
			(void) cv_features_unscale(f, i, 1.0);
	}
	for (i = 0; i < f->ncat; i++)
		(void) cv_features_level(f, i, "a", 1);
	cv_free(x);
	cv_free(lev);
	cv_free(out);
}

/*
 * The targets: one line per reader.  A new model kind adds its binary
 * payload reader and its JSON reader; a new fit-state kind its byte
 * decoder.  Seed inputs live in test/fuzz/corpus/<name>/.
 */
static const fuzz_target targets[] = {
	{"json", json_read, NULL, NULL, json_use, json_free},
	{"base64", b64_read, NULL, b64_text, NULL, b64_free},
	{"state_distr", distr_read, distr_write, NULL, distr_use, distr_free},
	{"state_distr_merge", distr_merge_read, NULL, NULL, distr_use, distr_free},
	{"state_rows", rows_read, rows_write, NULL, rows_use, rows_free},
	{"state_rows_merge", rows_merge_read, NULL, NULL, rows_use, rows_free},
	{"model_scorecard", card_read, card_write, NULL, card_use, card_free},
	{"json_scorecard", card_from_json, NULL, card_text, card_use, card_free},
	{"model_rfmn", rfmn_read, rfmn_write, NULL, rfmn_use, rfmn_free},
	{"json_rfmn", rfmn_from_json, NULL, rfmn_text, rfmn_use, rfmn_free},
	{"json_rfm_map", map_read, NULL, NULL, map_use, map_free},
	{"model_kmeans", kmeans_read, kmeans_write, NULL, kmeans_use, kmeans_free},
	{"json_kmeans", kmeans_from_json, NULL, kmeans_text, kmeans_use, kmeans_free},
	{"model_tree", tree_read, tree_write, NULL, tree_use, tree_free},
	{"model_churn", churn_read, churn_write, NULL, NULL, churn_free},
	{"json_churn", churn_from_json, NULL, churn_text, NULL, churn_free},
	{"model_curve", curve_read, curve_write, NULL, NULL, curve_free},
	{"json_curve", curve_from_json, NULL, curve_text, NULL, curve_free},
	{"model_scaler", scaler_read, scaler_write, NULL, NULL, scaler_free},
	{"json_scaler", scaler_from_json, NULL, scaler_text, NULL, scaler_free},
	{"json_tree", tree_from_json, NULL, tree_text, tree_use, tree_free},
	{"features", features_read, features_write, NULL, features_use, features_free},
	{"json_features", features_from_json, NULL, features_text, features_use, features_free},
	{"state_tuples", tuples_read, tuples_write, NULL, tuples_use, tuples_free},
	{"model_bgnbd", bgnbd_read, bgnbd_write, NULL, bgnbd_use, bgnbd_free},
	{"json_bgnbd", bgnbd_from_json, NULL, bgnbd_text, bgnbd_use, bgnbd_free},
	{"model_gammagamma", gammagamma_read, gammagamma_write, NULL, gammagamma_use, gammagamma_free},
	{"json_gammagamma", gammagamma_from_json, NULL, gammagamma_text, gammagamma_use, gammagamma_free},
};

#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

int			LLVMFuzzerInitialize(int *argc, char ***argv);
int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *name = getenv("CV_FUZZ_TARGET");
	size_t		i;

	(void) argc;
	(void) argv;
	if (getenv("CV_FUZZ_LIST"))
	{
		for (i = 0; i < NTARGETS; i++)
			printf("%s\n", targets[i].name);
		exit(0);
	}
	for (i = 0; name && i < NTARGETS; i++)
		if (strcmp(targets[i].name, name) == 0)
			target = &targets[i];
	if (target == NULL)
	{
		fprintf(stderr, "set CV_FUZZ_TARGET to a target (CV_FUZZ_LIST=1 lists them)\n");
		exit(2);
	}
	return 0;
}

/* Check that obj's binary form reads back and writes identically. */
static void
check_binary_round_trip(void *obj)
{
	cv_wbuf		b1,
				b2;
	char		err[512];
	void	   *again;

	cvb_init(&b1);
	target->write(obj, &b1);
	again = target->read(b1.data, b1.len, err, sizeof(err));
	if (again == NULL)
	{
		fprintf(stderr, "rejected: %s\n", err);
		fail("its own binary form is rejected");
	}
	cvb_init(&b2);
	target->write(again, &b2);
	if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0)
		fail("binary form differs after a round trip");
	target->free(again);
	cv_free(b1.data);
	cv_free(b2.data);
}

/* Check that obj's text form reads back and writes identically. */
static void
check_text_round_trip(void *obj)
{
	char	   *t1 = target->text(obj),
			   *t2;
	char		err[512];
	void	   *again = target->read((const unsigned char *) t1, strlen(t1), err, sizeof(err));

	if (again == NULL)
	{
		fprintf(stderr, "text: %s\nrejected: %s\n", t1, err);
		fail("its own text form is rejected");
	}
	t2 = target->text(again);
	if (strcmp(t1, t2) != 0)
	{
		fprintf(stderr, "first:  %s\nsecond: %s\n", t1, t2);
		fail("text form differs after a round trip");
	}
	target->free(again);
	cv_free(t1);
	cv_free(t2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		err[512];
	void	   *obj;

	err[0] = '\0';
	obj = target->read(data, size, err, sizeof(err));
	if (obj == NULL)
	{
		if (err[0] == '\0')
			fail("rejected without a message");
		return 0;
	}
	if (target->use)
		target->use(obj);
	if (target->write)
		check_binary_round_trip(obj);
	if (target->text)
		check_text_round_trip(obj);
	target->free(obj);
	return 0;
}
