/*
 * cvfeatures.c
 *	  Feature names, standardisation and one-hot encoding; see cvfeatures.h.
 *
 * Binary layout: i32 nnum, i32 ncat, u8 standardize, nnum names,
 * [nnum f64 mean, nnum f64 sd when standardize], per categorical position:
 * name, u32 nlevels, levels, u32 reference.  Strings are u32 length + bytes.
 *
 * JSON: {"numeric": [names], "standardize": bool, "mean": [...], "sd": [...],
 *		  "categorical": [{"name": s, "levels": [...], "reference": s}, ...]}
 * ("mean" and "sd" only when standardize is true; "categorical" optional).
 */
#include "cvfeatures.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvalloc.h"

static char *
str_dup(const char *s)
{
	size_t		n = strlen(s);
	char	   *d = cv_malloc(n + 1);

	memcpy(d, s, n + 1);
	return d;
}

/* An empty struct with its arrays allocated for nnum and ncat features. */
static cv_features *
features_alloc(int nnum, int ncat)
{
	cv_features *f = cv_calloc(1, sizeof(cv_features));

	f->nnum = nnum;
	f->ncat = ncat;
	f->names = cv_calloc(nnum + ncat + 1, sizeof(char *));
	f->mean = cv_calloc(nnum + 1, sizeof(double));
	f->sd = cv_calloc(nnum + 1, sizeof(double));
	f->nlevels = cv_calloc(ncat + 1, sizeof(int));
	f->levels = cv_calloc(ncat + 1, sizeof(char **));
	f->ref = cv_calloc(ncat + 1, sizeof(int));
	return f;
}

/* Design columns: the numeric features plus every non-reference level. */
static void
count_columns(cv_features *f)
{
	f->ncols = f->nnum;
	for (int p = 0; p < f->ncat; p++)
		f->ncols += f->nlevels[p] - 1;
}

/* Default names: x1, x2, ... for numeric, c1, c2, ... for categorical. */
static void
default_names(cv_features *f, char *const *names)
{
	for (int i = 0; i < f->nnum + f->ncat; i++)
	{
		char		buf[32];

		if (names && names[i])
			f->names[i] = str_dup(names[i]);
		else
		{
			snprintf(buf, sizeof(buf), "%c%d", i < f->nnum ? 'x' : 'c',
					 i < f->nnum ? i + 1 : i - f->nnum + 1);
			f->names[i] = str_dup(buf);
		}
	}
}

cv_features *
cv_features_plain(int nnum, char *const *names)
{
	cv_features *f = features_alloc(nnum, 0);

	default_names(f, names);
	count_columns(f);
	return f;
}

/*
 * Means and population sds of the nnum numeric columns, each summed in row
 * order (Neumaier summation for the mean, so that the mean of many rows
 * keeps its digits).  The rows' numbers are one array of stride nnum +
 * has_y (rows.h), so all the columns are summed in the same sweep: two
 * passes over the rows in memory order instead of two strided passes per
 * column.  Each column's arithmetic is that of a pass over it alone.
 */
static void
numeric_moments(const cv_rows *rows, int nnum, double *mean, double *sd)
{
	size_t		n = cv_rows_count(rows);
	size_t		stride = (size_t) cv_rows_nnum(rows) + cv_rows_has_y(rows);
	const double *x = n ? cv_rows_x(rows, 0) : NULL;
	double	   *s = cv_calloc(nnum + 1, sizeof(double));
	double	   *c = cv_calloc(nnum + 1, sizeof(double));
	double	   *ss = cv_calloc(nnum + 1, sizeof(double));

	for (size_t i = 0; i < n; i++, x += stride)
	{
		cv_interrupt_poll(i + 1);
		for (int j = 0; j < nnum; j++)
		{
			double		t = s[j] + x[j];

			c[j] += fabs(s[j]) >= fabs(x[j]) ? (s[j] - t) + x[j] : (x[j] - t) + s[j];
			s[j] = t;
		}
	}
	for (int j = 0; j < nnum; j++)
		mean[j] = n ? (s[j] + c[j]) / (double) n : 0.0;
	x = n ? cv_rows_x(rows, 0) : NULL;
	for (size_t i = 0; i < n; i++, x += stride)
	{
		cv_interrupt_poll(i + 1);
		for (int j = 0; j < nnum; j++)
		{
			double		d = x[j] - mean[j];

			ss[j] += d * d;
		}
	}
	for (int j = 0; j < nnum; j++)
		sd[j] = n ? sqrt(ss[j] / (double) n) : 0.0;
	cv_free(s);
	cv_free(c);
	cv_free(ss);
}

cv_features *
cv_features_fit(const cv_rows *rows, char *const *names, int standardize)
{
	int			nnum = cv_rows_nnum(rows) > 0 ? cv_rows_nnum(rows) : 0;
	int			ncat = cv_rows_ncat(rows) > 0 ? cv_rows_ncat(rows) : 0;
	cv_features *f = features_alloc(nnum, ncat);
	size_t		n = cv_rows_count(rows);

	default_names(f, names);
	f->standardize = standardize;
	numeric_moments(rows, nnum, f->mean, f->sd);
	for (int p = 0; p < ncat; p++)
	{
		int			nl = cv_rows_nlevels(rows, p);
		int64_t    *count = cv_calloc(nl + 1, sizeof(int64_t));

		f->nlevels[p] = nl;
		f->levels[p] = cv_calloc(nl + 1, sizeof(char *));
		for (int c = 0; c < nl; c++)
			f->levels[p][c] = str_dup(cv_rows_level(rows, p, c, NULL));
		for (size_t i = 0; i < n; i++)
			count[cv_rows_cat(rows, i)[p]]++;
		f->ref[p] = 0;
		for (int c = 1; c < nl; c++)
			if (count[c] > count[f->ref[p]])
				f->ref[p] = c;
		cv_free(count);
	}
	count_columns(f);
	return f;
}

void
cv_features_free(cv_features *f)
{
	if (f == NULL)
		return;
	for (int i = 0; i < f->nnum + f->ncat; i++)
		if (f->names[i])
			cv_free(f->names[i]);
	for (int p = 0; p < f->ncat; p++)
	{
		for (int c = 0; f->levels[p] && c < f->nlevels[p]; c++)
			if (f->levels[p][c])
				cv_free(f->levels[p][c]);
		if (f->levels[p])
			cv_free(f->levels[p]);
	}
	cv_free(f->names);
	cv_free(f->mean);
	cv_free(f->sd);
	cv_free(f->nlevels);
	cv_free(f->levels);
	cv_free(f->ref);
	cv_free(f);
}

void
cv_features_design(const cv_features *f, const double *x, const int32_t *level,
				   double *out)
{
	int			col = f->nnum;

	for (int j = 0; j < f->nnum; j++)
		out[j] = f->standardize && f->sd[j] > 0 ? (x[j] - f->mean[j]) / f->sd[j]
			: f->standardize ? 0.0 : x[j];
	for (int p = 0; p < f->ncat; p++)
	{
		for (int c = 0; c < f->nlevels[p]; c++)
		{
			if (c == f->ref[p])
				continue;
			out[col++] = (level[p] == c) ? 1.0 : 0.0;
		}
	}
}

/* Byte-order comparison of a NUL-terminated level with (s, len). */
static int
level_cmp(const char *level, const char *s, size_t len)
{
	size_t		ll = strlen(level);
	int			c = memcmp(level, s, ll < len ? ll : len);

	if (c != 0)
		return c;
	return ll < len ? -1 : (ll > len);
}

int
cv_features_level(const cv_features *f, int pos, const char *s, size_t len)
{
	int			lo = 0,
				hi = f->nlevels[pos] - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = level_cmp(f->levels[pos][mid], s, len);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

void
cv_features_row_levels(const cv_features *f, const cv_rows *rows, size_t i,
					   int32_t *level)
{
	const int32_t *codes = cv_rows_cat(rows, i);

	for (int p = 0; p < f->ncat; p++)
	{
		size_t		len;
		const char *s = cv_rows_level(rows, p, codes[p], &len);

		level[p] = cv_features_level(f, p, s, len);
	}
}

int
cv_features_column_feature(const cv_features *f, int col)
{
	if (col < f->nnum)
		return col;
	col -= f->nnum;
	for (int p = 0; p < f->ncat; p++)
	{
		if (col < f->nlevels[p] - 1)
			return f->nnum + p;
		col -= f->nlevels[p] - 1;
	}
	return -1;
}

int
cv_features_column_level(const cv_features *f, int col)
{
	int			feat = cv_features_column_feature(f, col);
	int			p,
				k;

	if (feat < f->nnum)
		return -1;
	p = feat - f->nnum;
	k = col - f->nnum;
	for (int q = 0; q < p; q++)
		k -= f->nlevels[q] - 1;
	/* the k-th non-reference level */
	return k >= f->ref[p] ? k + 1 : k;
}

char *
cv_features_column_name(const cv_features *f, int col)
{
	int			feat = cv_features_column_feature(f, col);
	const char *name,
			   *level;
	char	   *out;

	if (feat < 0)
		return str_dup("?");
	if (feat < f->nnum)
		return str_dup(f->names[feat]);
	name = f->names[feat];
	level = f->levels[feat - f->nnum][cv_features_column_level(f, col)];
	out = cv_malloc(strlen(name) + strlen(level) + 2);
	sprintf(out, "%s=%s", name, level);
	return out;
}

double
cv_features_unscale(const cv_features *f, int col, double z)
{
	if (col < f->nnum && f->standardize)
		return z * f->sd[col] + f->mean[col];
	return z;
}

/* ------------------------------------------------------------ binary */

void
cv_features_write(const cv_features *f, cv_wbuf *b)
{
	cvb_u32(b, (uint32_t) f->nnum);
	cvb_u32(b, (uint32_t) f->ncat);
	cvb_u8(b, (uint8_t) f->standardize);
	for (int j = 0; j < f->nnum; j++)
		cvb_str(b, f->names[j]);
	if (f->standardize)
	{
		for (int j = 0; j < f->nnum; j++)
			cvb_f64(b, f->mean[j]);
		for (int j = 0; j < f->nnum; j++)
			cvb_f64(b, f->sd[j]);
	}
	for (int p = 0; p < f->ncat; p++)
	{
		cvb_str(b, f->names[f->nnum + p]);
		cvb_u32(b, (uint32_t) f->nlevels[p]);
		for (int c = 0; c < f->nlevels[p]; c++)
			cvb_str(b, f->levels[p][c]);
		cvb_u32(b, (uint32_t) f->ref[p]);
	}
}

/*
 * The checks every reader applies: names unique and non-empty, means
 * finite, sds finite and >= 0, levels strictly ascending, the reference a
 * level.  -1 with a message.
 */
static int
features_check(const cv_features *f, char *err, size_t errlen)
{
	for (int i = 0; i < f->nnum + f->ncat; i++)
	{
		if (f->names[i] == NULL || f->names[i][0] == '\0')
		{
			snprintf(err, errlen, "feature %d has an empty name", i + 1);
			return -1;
		}
		for (int k = 0; k < i; k++)
			if (strcmp(f->names[k], f->names[i]) == 0)
			{
				snprintf(err, errlen, "feature name \"%s\" appears twice", f->names[i]);
				return -1;
			}
	}
	for (int j = 0; f->standardize && j < f->nnum; j++)
		if (!isfinite(f->mean[j]) || !isfinite(f->sd[j]) || f->sd[j] < 0)
		{
			snprintf(err, errlen, "scaling of feature \"%s\" must have a finite mean and a finite sd >= 0",
					 f->names[j]);
			return -1;
		}
	for (int p = 0; p < f->ncat; p++)
	{
		if (f->nlevels[p] < 1)
		{
			snprintf(err, errlen, "categorical feature \"%s\" has no levels", f->names[f->nnum + p]);
			return -1;
		}
		for (int c = 1; c < f->nlevels[p]; c++)
			if (strcmp(f->levels[p][c - 1], f->levels[p][c]) >= 0)
			{
				snprintf(err, errlen, "levels of categorical feature \"%s\" must be distinct and in byte order",
						 f->names[f->nnum + p]);
				return -1;
			}
		if (f->ref[p] < 0 || f->ref[p] >= f->nlevels[p])
		{
			snprintf(err, errlen, "reference level of categorical feature \"%s\" is not one of its levels",
					 f->names[f->nnum + p]);
			return -1;
		}
	}
	return 0;
}

cv_features *
cv_features_read(cv_rbuf *r, char *err, size_t errlen)
{
	int32_t		nnum = (int32_t) cvr_u32(r);
	int32_t		ncat = (int32_t) cvr_u32(r);
	int			standardize = cvr_u8(r);
	cv_features *f;

	if (r->err || nnum < 0 || ncat < 0 || nnum > CV_ROWS_MAX_FEATURES ||
		ncat > CV_ROWS_MAX_FEATURES || nnum + ncat < 1 || standardize > 1 ||
		(size_t) (nnum + ncat) > (r->len - r->pos) / 4)
	{
		snprintf(err, errlen, "feature header is truncated or out of range");
		return NULL;
	}
	f = features_alloc(nnum, ncat);
	f->standardize = standardize;
	for (int j = 0; j < nnum && !r->err; j++)
		f->names[j] = cvr_str(r);
	for (int j = 0; standardize && j < nnum; j++)
		f->mean[j] = cvr_f64(r);
	for (int j = 0; standardize && j < nnum; j++)
		f->sd[j] = cvr_f64(r);
	for (int p = 0; p < ncat && !r->err; p++)
	{
		uint32_t	nl;

		f->names[nnum + p] = cvr_str(r);
		nl = cvr_u32(r);
		if (r->err || nl > (r->len - r->pos) / 4)
		{
			r->err = 1;
			break;
		}
		f->nlevels[p] = (int) nl;
		f->levels[p] = cv_calloc(nl + 1, sizeof(char *));
		for (uint32_t c = 0; c < nl && !r->err; c++)
			f->levels[p][c] = cvr_str(r);
		f->ref[p] = (int) cvr_u32(r);
	}
	if (r->err)
	{
		snprintf(err, errlen, "feature description is truncated");
		cv_features_free(f);
		return NULL;
	}
	count_columns(f);
	if (features_check(f, err, errlen) < 0)
	{
		cv_features_free(f);
		return NULL;
	}
	return f;
}

/* -------------------------------------------------------------- JSON */

static void
json_strings(cvj_writer *w, char *const *s, int n)
{
	cvjw_begin_array(w);
	for (int i = 0; i < n; i++)
		cvjw_string(w, s[i]);
	cvjw_end_array(w);
}

static void
json_numbers(cvj_writer *w, const double *x, int n)
{
	cvjw_begin_array(w);
	for (int i = 0; i < n; i++)
		cvjw_number(w, x[i]);
	cvjw_end_array(w);
}

void
cv_features_to_json(const cv_features *f, cvj_writer *w)
{
	cvjw_begin_object(w);
	cvjw_key(w, "numeric");
	json_strings(w, f->names, f->nnum);
	cvjw_key(w, "standardize");
	cvjw_bool(w, f->standardize);
	if (f->standardize)
	{
		cvjw_key(w, "mean");
		json_numbers(w, f->mean, f->nnum);
		cvjw_key(w, "sd");
		json_numbers(w, f->sd, f->nnum);
	}
	if (f->ncat > 0)
	{
		cvjw_key(w, "categorical");
		cvjw_begin_array(w);
		for (int p = 0; p < f->ncat; p++)
		{
			cvjw_begin_object(w);
			cvjw_key(w, "name");
			cvjw_string(w, f->names[f->nnum + p]);
			cvjw_key(w, "levels");
			json_strings(w, f->levels[p], f->nlevels[p]);
			cvjw_key(w, "reference");
			cvjw_string(w, f->levels[p][f->ref[p]]);
			cvjw_end_object(w);
		}
		cvjw_end_array(w);
	}
	cvjw_end_object(w);
}

/* A JSON array of n strings (n = -1: any length; *n set). */
static char **
json_get_strings(const cvj_value *v, const char *key, int *n, char *err, size_t errlen)
{
	char	  **out;

	if (v == NULL || v->type != CVJ_ARRAY)
	{
		snprintf(err, errlen, "\"%s\" must be an array of strings", key);
		return NULL;
	}
	if (*n >= 0 && v->n != *n)
	{
		snprintf(err, errlen, "\"%s\" must have %d elements, not %d", key, *n, v->n);
		return NULL;
	}
	out = cv_calloc(v->n + 1, sizeof(char *));
	for (int i = 0; i < v->n; i++)
	{
		if (v->items[i].type != CVJ_STRING || memchr(v->items[i].string, '\0', v->items[i].len))
		{
			snprintf(err, errlen, "\"%s\" must be an array of strings", key);
			for (int k = 0; k < i; k++)
				cv_free(out[k]);
			cv_free(out);
			return NULL;
		}
		out[i] = str_dup(v->items[i].string);
	}
	*n = v->n;
	return out;
}

/* A JSON array of n numbers into out. */
static int
json_get_numbers(const cvj_value *v, const char *key, int n, double *out, char *err, size_t errlen)
{
	if (v == NULL || v->type != CVJ_ARRAY || v->n != n)
	{
		snprintf(err, errlen, "\"%s\" must be an array of %d numbers", key, n);
		return -1;
	}
	for (int i = 0; i < n; i++)
	{
		if (v->items[i].type != CVJ_NUMBER)
		{
			snprintf(err, errlen, "\"%s\" must be an array of %d numbers", key, n);
			return -1;
		}
		out[i] = v->items[i].number;
	}
	return 0;
}

static int
strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* One element of "categorical": name, levels (sorted here), reference. */
static int
json_category(cv_features *f, int p, const cvj_value *c, char *err, size_t errlen)
{
	static const char *const keys[] = {"name", "levels", "reference", NULL};
	const cvj_value *name = cvj_get(c, "name");
	const cvj_value *ref = cvj_get(c, "reference");
	int			nl = -1;
	const char *bad;

	if (c->type != CVJ_OBJECT || (bad = cvj_unknown_key(c, keys)) != NULL ||
		name == NULL || name->type != CVJ_STRING || ref == NULL || ref->type != CVJ_STRING)
	{
		snprintf(err, errlen, "each element of \"categorical\" must be an object with a string \"name\", \"levels\" and a string \"reference\"");
		return -1;
	}
	f->names[f->nnum + p] = str_dup(name->string);
	f->levels[p] = json_get_strings(cvj_get(c, "levels"), "levels", &nl, err, errlen);
	if (f->levels[p] == NULL)
		return -1;
	f->nlevels[p] = nl;
	qsort(f->levels[p], nl, sizeof(char *), strp_cmp);
	f->ref[p] = -1;
	for (int k = 0; k < nl; k++)
		if (strcmp(f->levels[p][k], ref->string) == 0)
			f->ref[p] = k;
	return 0;
}

cv_features *
cv_features_from_json(const cvj_value *v, char *err, size_t errlen)
{
	static const char *const keys[] = {"numeric", "standardize", "mean", "sd", "categorical", NULL};
	const cvj_value *std,
			   *cat;
	char	  **names;
	int			nnum = -1,
				ncat;
	const char *bad;
	cv_features *f;

	if (v == NULL || v->type != CVJ_OBJECT)
	{
		snprintf(err, errlen, "\"features\" must be an object");
		return NULL;
	}
	if ((bad = cvj_unknown_key(v, keys)) != NULL)
	{
		snprintf(err, errlen, "unknown key \"%s\" in \"features\"", bad);
		return NULL;
	}
	std = cvj_get(v, "standardize");
	cat = cvj_get(v, "categorical");
	if (std != NULL && std->type != CVJ_BOOL)
	{
		snprintf(err, errlen, "\"standardize\" must be a boolean");
		return NULL;
	}
	if (cat != NULL && cat->type != CVJ_ARRAY)
	{
		snprintf(err, errlen, "\"categorical\" must be an array");
		return NULL;
	}
	names = json_get_strings(cvj_get(v, "numeric"), "numeric", &nnum, err, errlen);
	if (names == NULL)
		return NULL;
	ncat = cat ? cat->n : 0;
	if (nnum > CV_ROWS_MAX_FEATURES || ncat > CV_ROWS_MAX_FEATURES || nnum + ncat < 1)
	{
		snprintf(err, errlen, "a model needs 1 to %d features, not %d numeric and %d categorical",
				 CV_ROWS_MAX_FEATURES, nnum, ncat);
		for (int i = 0; i < nnum; i++)
			cv_free(names[i]);
		cv_free(names);
		return NULL;
	}
	f = features_alloc(nnum, ncat);
	for (int i = 0; i < nnum; i++)
		f->names[i] = names[i];
	cv_free(names);
	f->standardize = std ? std->boolean : 0;
	if (f->standardize &&
		(json_get_numbers(cvj_get(v, "mean"), "mean", nnum, f->mean, err, errlen) < 0 ||
		 json_get_numbers(cvj_get(v, "sd"), "sd", nnum, f->sd, err, errlen) < 0))
		goto fail;
	if (!f->standardize && (cvj_get(v, "mean") || cvj_get(v, "sd")))
	{
		snprintf(err, errlen, "\"mean\" and \"sd\" are allowed only with \"standardize\": true");
		goto fail;
	}
	for (int p = 0; p < ncat; p++)
		if (json_category(f, p, &cat->items[p], err, errlen) < 0)
			goto fail;
	for (int p = 0; p < ncat; p++)
		if (f->names[f->nnum + p] == NULL)
			f->names[f->nnum + p] = str_dup("?");
	count_columns(f);
	if (features_check(f, err, errlen) < 0)
		goto fail;
	return f;
fail:
	for (int i = 0; i < nnum + ncat; i++)
		if (f->names[i] == NULL)
			f->names[i] = str_dup("?");
	cv_features_free(f);
	return NULL;
}
