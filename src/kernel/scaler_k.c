/*
 * scaler_k.c
 *	  The scaler model; see scaler_k.h.
 */
#include "scaler_k.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cvalloc.h"
#include "cvjson.h"
#include "health_k.h"

static char *
dup_string(const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *d = cv_malloc(n);

	memcpy(d, s, n);
	return d;
}

static cvz_scaler *
scaler_new(int n)
{
	cvz_scaler *s = cv_calloc(1, sizeof(cvz_scaler));

	s->n = n;
	s->names = cv_calloc(n > 0 ? n : 1, sizeof(char *));
	s->count = cv_calloc(n > 0 ? n : 1, sizeof(int64_t));
	s->mean = cv_calloc(n > 0 ? n : 1, sizeof(double));
	s->sd = cv_calloc(n > 0 ? n : 1, sizeof(double));
	return s;
}

/*
 * Mean and population standard deviation of one exact dimension: two
 * compensated passes over the sorted distinct values (the second sums
 * squared deviations from the mean, which is accurate where the one-pass
 * formula cancels).
 */
static void
moments(const cv_distr_dim *d, double *mean, double *sd)
{
	CvhSum		s = {0, 0},
				q = {0, 0};
	double		m;

	if (d->n == 0)
	{
		*mean = *sd = NAN;
		return;
	}
	for (size_t k = 0; k < d->nentries; k++)
		cvh_sum_add(&s, (double) d->count[k] * d->lo[k]);
	m = cvh_sum_value(&s) / (double) d->n;
	for (size_t k = 0; k < d->nentries; k++)
	{
		double		e = d->lo[k] - m;

		cvh_sum_add(&q, (double) d->count[k] * e * e);
	}
	*mean = m;
	*sd = sqrt(cvh_sum_value(&q) / (double) d->n);
}

cvz_scaler *
cvz_from_distr(cv_distr *d, char **names)
{
	cvz_scaler *s = scaler_new(cv_distr_ndims(d));

	for (int i = 0; i < s->n; i++)
	{
		cv_distr_dim dim = cv_distr_dim_get(d, i);

		s->names[i] = dup_string(names[i]);
		s->count[i] = dim.n;
		moments(&dim, &s->mean[i], &s->sd[i]);
	}
	return s;
}

double
cvz_z(const cvz_scaler *s, int i, double x)
{
	return (x - s->mean[i]) / (s->sd[i] > 0 ? s->sd[i] : 1.0);
}

void
cvz_free(cvz_scaler *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < s->n; i++)
		cv_free(s->names[i]);
	cv_free(s->names);
	cv_free(s->count);
	cv_free(s->mean);
	cv_free(s->sd);
	cv_free(s);
}

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
 * The rules of every scaler, fitted or hand-written: 1 to CVZ_MAX_FEATURES
 * features with distinct non-empty names; a feature with rows has a finite
 * mean and a finite sd >= 0, one without has neither.
 */
static const char *
check_scaler(const cvz_scaler *s, char *err, size_t errlen)
{
	if (s->n < 1 || s->n > CVZ_MAX_FEATURES)
		return fail(err, errlen, "a scaler must have between 1 and %d features, not %d",
					CVZ_MAX_FEATURES, s->n);
	for (int i = 0; i < s->n; i++)
	{
		if (s->names[i] == NULL || s->names[i][0] == '\0')
			return fail(err, errlen, "feature %d must have a non-empty name", i + 1);
		for (int k = 0; k < i; k++)
			if (strcmp(s->names[k], s->names[i]) == 0)
				return fail(err, errlen, "feature names must be distinct, but \"%s\" appears twice", s->names[i]);
		if (s->count[i] < 0)
			return fail(err, errlen, "feature \"%s\" has a negative count", s->names[i]);
		if (s->count[i] > 0 && !(isfinite(s->mean[i]) && isfinite(s->sd[i]) && s->sd[i] >= 0))
			return fail(err, errlen, "feature \"%s\" must have a finite mean and a finite sd >= 0", s->names[i]);
		if (s->count[i] == 0 && !(isnan(s->mean[i]) && isnan(s->sd[i])))
			return fail(err, errlen, "feature \"%s\" has no rows, so its mean and sd must be null", s->names[i]);
	}
	return NULL;
}

void
cvz_write(const void *scaler, cv_wbuf *b)
{
	const cvz_scaler *s = scaler;

	cvb_u32(b, (uint32_t) s->n);
	for (int i = 0; i < s->n; i++)
	{
		cvb_str(b, s->names[i]);
		cvb_i64(b, s->count[i]);
		cvb_f64(b, s->mean[i]);
		cvb_f64(b, s->sd[i]);
	}
}

void *
cvz_read(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	cv_rbuf		r;
	uint32_t	n;
	cvz_scaler *s;

	cvr_init(&r, p, len);
	n = cvr_u32(&r);
	if (r.err || n < 1 || n > CVZ_MAX_FEATURES)
	{
		fail(err, errlen, "invalid feature count");
		return NULL;
	}
	s = scaler_new((int) n);
	for (uint32_t i = 0; i < n && !r.err; i++)
	{
		s->names[i] = cvr_str(&r);
		s->count[i] = cvr_i64(&r);
		s->mean[i] = cvr_f64(&r);
		s->sd[i] = cvr_f64(&r);
	}
	if (!cvr_done(&r) || check_scaler(s, err, errlen))
	{
		if (!cvr_done(&r))
			fail(err, errlen, "truncated or trailing data");
		cvz_free(s);
		return NULL;
	}
	return s;
}

char *
cvz_to_json(const void *scaler)
{
	const cvz_scaler *s = scaler;
	cvj_writer	w;

	cvjw_init(&w);
	cvjw_begin_object(&w);
	cvjw_key(&w, "kind");
	cvjw_string(&w, "scaler");
	cvjw_key(&w, "version");
	cvjw_int(&w, 1);
	cvjw_key(&w, "features");
	cvjw_begin_array(&w);
	for (int i = 0; i < s->n; i++)
	{
		cvjw_begin_object(&w);
		cvjw_key(&w, "name");
		cvjw_string(&w, s->names[i]);
		cvjw_key(&w, "count");
		cvjw_int(&w, (long long) s->count[i]);
		cvjw_key(&w, "mean");
		if (s->count[i] > 0)
			cvjw_number(&w, s->mean[i]);
		else
			cvjw_null(&w);
		cvjw_key(&w, "sd");
		if (s->count[i] > 0)
			cvjw_number(&w, s->sd[i]);
		else
			cvjw_null(&w);
		cvjw_end_object(&w);
	}
	cvjw_end_array(&w);
	cvjw_end_object(&w);
	return cvjw_finish(&w, NULL);
}

static const char *const keys_scaler[] = {"kind", "version", "features", NULL};
static const char *const keys_feature[] = {"name", "count", "mean", "sd", NULL};

/* A number or null (NAN) member; 0 when it is anything else. */
static int
number_or_null(const cvj_value *v, double *out)
{
	if (v == NULL || v->type == CVJ_NULL)
		*out = NAN;
	else if (v->type == CVJ_NUMBER)
		*out = v->number;
	else
		return 0;
	return 1;
}

/* One feature object into slot i. */
static const char *
feature_from_json(const cvj_value *f, cvz_scaler *s, int i, char *err, size_t errlen)
{
	const cvj_value *name,
			   *count;
	const char *unknown;

	if (f->type != CVJ_OBJECT)
		return fail(err, errlen, "feature %d must be an object", i + 1);
	if ((unknown = cvj_unknown_key(f, keys_feature)) != NULL)
		return fail(err, errlen, "unknown key \"%s\" in feature %d", unknown, i + 1);
	name = cvj_get(f, "name");
	count = cvj_get(f, "count");
	if (name == NULL || name->type != CVJ_STRING)
		return fail(err, errlen, "feature %d must have a \"name\" string", i + 1);
	if (count == NULL || count->type != CVJ_NUMBER || count->number < 0 ||
		count->number > 9007199254740992.0 || count->number != floor(count->number))
		return fail(err, errlen, "feature %d must have a whole \"count\" >= 0", i + 1);
	if (!number_or_null(cvj_get(f, "mean"), &s->mean[i]) || !number_or_null(cvj_get(f, "sd"), &s->sd[i]))
		return fail(err, errlen, "\"mean\" and \"sd\" of feature %d must be numbers or null", i + 1);
	s->names[i] = dup_string(name->string);
	s->count[i] = (int64_t) count->number;
	return NULL;
}

void *
cvz_from_json(const char *text, size_t len, char *err, size_t errlen)
{
	char		perr[200];
	cvj_value  *root = cvj_parse(text, len, perr, sizeof(perr));
	const cvj_value *kind,
			   *version,
			   *features;
	const char *unknown;
	const char *bad = NULL;
	cvz_scaler *s = NULL;

	if (root == NULL)
		bad = fail(err, errlen, "%s", perr);
	else if (root->type != CVJ_OBJECT)
		bad = fail(err, errlen, "a scaler must be a JSON object");
	else if ((unknown = cvj_unknown_key(root, keys_scaler)) != NULL)
		bad = fail(err, errlen, "unknown key \"%s\"", unknown);
	else
	{
		kind = cvj_get(root, "kind");
		version = cvj_get(root, "version");
		features = cvj_get(root, "features");
		if (kind == NULL || kind->type != CVJ_STRING || strcmp(kind->string, "scaler") != 0)
			bad = fail(err, errlen, "\"kind\" must be \"scaler\"");
		else if (version == NULL || version->type != CVJ_NUMBER || version->number != 1)
			bad = fail(err, errlen, "\"version\" must be 1");
		else if (features == NULL || features->type != CVJ_ARRAY)
			bad = fail(err, errlen, "\"features\" must be an array");
		else
		{
			s = scaler_new(features->n);
			for (int i = 0; i < s->n && !bad; i++)
				bad = feature_from_json(&features->items[i], s, i, err, errlen);
			if (!bad)
				bad = check_scaler(s, err, errlen);
		}
	}
	cvj_free(root);
	if (bad)
	{
		cvz_free(s);
		return NULL;
	}
	return s;
}
