/*
 * scaler_k.c
 *	  The scaler model; see scaler_k.h.
 */
#include "scaler_k.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cvalloc.h"
#include "cvjson.h"
#include "health_k.h"

/*
 * Mean and population standard deviation of one exact dimension: two
 * compensated passes over the sorted distinct values (the second sums
 * squared deviations from the mean, which is accurate where the one-pass
 * formula cancels).  0 and 0 without values.
 */
static void
moments(const cv_distr_dim *d, double *mean, double *sd)
{
	CvhSum		s = {0, 0},
				q = {0, 0};
	double		m;

	*mean = *sd = 0;
	if (d->n == 0)
		return;
	for (size_t k = 0; k < d->nentries; k++)
	{
		cv_interrupt_poll(k);
		cvh_sum_add(&s, (double) d->count[k] * d->value[k]);
	}
	m = cvh_sum_value(&s) / (double) d->n;
	for (size_t k = 0; k < d->nentries; k++)
	{
		double		e = d->value[k] - m;

		cv_interrupt_poll(k);
		cvh_sum_add(&q, (double) d->count[k] * e * e);
	}
	*mean = m;
	*sd = sqrt(cvh_sum_value(&q) / (double) d->n);
}

cvz_scaler *
cvz_from_distr(cv_distr *d, char **names)
{
	cvz_scaler *s = cv_calloc(1, sizeof(cvz_scaler));
	int			n = cv_distr_ndims(d);

	s->f = cv_features_plain(n, names);
	s->f->standardize = 1;
	s->count = cv_calloc(n, sizeof(int64_t));
	for (int i = 0; i < n; i++)
	{
		cv_distr_dim dim = cv_distr_dim_get(d, i);

		s->count[i] = dim.n;
		moments(&dim, &s->f->mean[i], &s->f->sd[i]);
	}
	return s;
}

int
cvz_nfeatures(const cvz_scaler *s)
{
	return s->f->nnum;
}

void
cvz_zscores(const cvz_scaler *s, const double *x, const unsigned char *present, double *z)
{
	cv_features_design(s->f, x, NULL, z);
	for (int i = 0; i < s->f->nnum; i++)
		if (!present[i] || s->count[i] == 0)
			z[i] = NAN;
}

void
cvz_free(cvz_scaler *s)
{
	if (s == NULL)
		return;
	cv_features_free(s->f);
	cv_free(s->count);
	cv_free(s);
}

/*
 * The rules of a scaler beyond those of its features: numeric features
 * only (1 to CVZ_MAX_FEATURES), standardised, a count >= 0 for each, and a
 * feature without rows scaled by mean 0 and sd 0.  An error message, or
 * NULL.
 */
static const char *
check_scaler(const cvz_scaler *s, char *err, size_t errlen)
{
	const cv_features *f = s->f;

	if (f->ncat != 0 || !f->standardize || f->nnum < 1 || f->nnum > CVZ_MAX_FEATURES)
	{
		snprintf(err, errlen, "a scaler has 1 to %d standardised numeric features and no categorical ones",
				 CVZ_MAX_FEATURES);
		return err;
	}
	for (int i = 0; i < f->nnum; i++)
	{
		if (s->count[i] < 0)
		{
			snprintf(err, errlen, "feature \"%s\" has a negative count", f->names[i]);
			return err;
		}
		if (s->count[i] == 0 && (f->mean[i] != 0 || f->sd[i] != 0))
		{
			snprintf(err, errlen, "feature \"%s\" has no rows, so its mean and sd must be 0", f->names[i]);
			return err;
		}
	}
	return NULL;
}

void
cvz_write(const void *scaler, cv_wbuf *b)
{
	const cvz_scaler *s = scaler;

	cv_features_write(s->f, b);
	cvb_i64s(b, s->count, (size_t) s->f->nnum);
}

void *
cvz_read(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	cv_rbuf		r;
	cvz_scaler *s = cv_calloc(1, sizeof(cvz_scaler));

	cvr_init(&r, p, len);
	s->f = cv_features_read(&r, err, errlen);
	if (s->f == NULL)
	{
		cv_free(s);
		return NULL;
	}
	s->count = cv_calloc(s->f->nnum + 1, sizeof(int64_t));
	cvr_i64s(&r, s->count, (size_t) s->f->nnum);
	if (!cvr_done(&r))
		snprintf(err, errlen, "truncated or trailing data");
	if (!cvr_done(&r) || check_scaler(s, err, errlen))
	{
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
	cv_features_to_json(s->f, &w);
	cvjw_key(&w, "count");
	cvjw_begin_array(&w);
	for (int i = 0; i < s->f->nnum; i++)
		cvjw_int(&w, (long long) s->count[i]);
	cvjw_end_array(&w);
	cvjw_end_object(&w);
	return cvjw_finish(&w, NULL);
}

static const char *const keys_scaler[] = {"kind", "version", "features", "count", NULL};

/* The "count" array of n whole numbers >= 0 into s->count. */
static const char *
counts_from_json(const cvj_value *a, cvz_scaler *s, char *err, size_t errlen)
{
	int			n = s->f->nnum;

	if (a == NULL || a->type != CVJ_ARRAY || a->n != n)
	{
		snprintf(err, errlen, "\"count\" must be an array with one whole number per feature (%d)", n);
		return err;
	}
	s->count = cv_calloc(n + 1, sizeof(int64_t));
	for (int i = 0; i < n; i++)
	{
		const cvj_value *c = &a->items[i];

		if (c->type != CVJ_NUMBER || c->number < 0 || c->number > 9007199254740992.0 ||
			c->number != floor(c->number))
		{
			snprintf(err, errlen, "\"count\" must hold whole numbers >= 0");
			return err;
		}
		s->count[i] = (int64_t) c->number;
	}
	return NULL;
}

void *
cvz_from_json(const char *text, size_t len, char *err, size_t errlen)
{
	char		perr[200];
	cvj_value  *root = cvj_parse(text, len, perr, sizeof(perr));
	const cvj_value *kind,
			   *version;
	const char *unknown;
	const char *bad = NULL;
	cvz_scaler *s = cv_calloc(1, sizeof(cvz_scaler));

	if (root == NULL)
		bad = strncpy(err, perr, errlen);
	else if (root->type != CVJ_OBJECT)
		bad = strncpy(err, "a scaler must be a JSON object", errlen);
	else if ((unknown = cvj_unknown_key(root, keys_scaler)) != NULL)
	{
		snprintf(err, errlen, "unknown key \"%s\"", unknown);
		bad = err;
	}
	else
	{
		kind = cvj_get(root, "kind");
		version = cvj_get(root, "version");
		if (kind == NULL || kind->type != CVJ_STRING || strcmp(kind->string, "scaler") != 0)
			bad = strncpy(err, "\"kind\" must be \"scaler\"", errlen);
		else if (version == NULL || version->type != CVJ_NUMBER || version->number != 1)
			bad = strncpy(err, "\"version\" must be 1", errlen);
		else if ((s->f = cv_features_from_json(cvj_get(root, "features"), err, errlen)) == NULL)
			bad = err;
		else if ((bad = counts_from_json(cvj_get(root, "count"), s, err, errlen)) == NULL)
			bad = check_scaler(s, err, errlen);
	}
	if (errlen > 0)
		err[errlen - 1] = '\0';
	cvj_free(root);
	if (bad)
	{
		cvz_free(s);
		return NULL;
	}
	return s;
}
