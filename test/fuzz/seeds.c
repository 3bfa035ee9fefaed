/*
 * seeds.c
 *	  Writes the seed inputs of the fuzz targets whose values no SQL
 *	  function on its own produces: fit states of each kind and the feature
 *	  block, built with the kernels' own writers.  Usage: seeds DIR (writes
 *	  DIR/<target>/<name>).  Model seeds come from fitted models in a
 *	  database (test/fuzz/mkcorpus.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvalloc.h"
#include "cvcodec.h"
#include "cvfeatures.h"
#include "cvjson.h"
#include "distr.h"
#include "rows.h"

static const char *outdir;

static void
put(const char *target, const char *name, const void *p, size_t n)
{
	char		path[1024];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0)
	{
		perror(path);
		exit(1);
	}
}

/* Distribution states: a dimension with ties, one with NULLs, of 40 and
 * 400 rows; and the same bytes behind a dimension-count byte for the merge
 * target. */
static void
distr_seeds(void)
{
	const int	rows[] = {40, 400};
	size_t		c;

	for (c = 0; c < 2; c++)
	{
		cv_distr   *d = cv_distr_new(2);
		cv_wbuf		b;
		char		name[32];
		int			i;

		for (i = 0; i < rows[c]; i++)
		{
			double		x[2] = {i % 7, i * 1.5};
			unsigned char isnull[2] = {0, i % 5 == 0};

			(void) cv_distr_add(d, x, isnull);
		}
		(void) cv_distr_compact(d);
		cvb_init(&b);
		cv_distr_write(d, &b);
		snprintf(name, sizeof(name), "rows%d", rows[c]);
		put("state_distr", name, b.data, b.len);
		{
			unsigned char *m = cv_malloc(b.len + 1);

			m[0] = 1;			/* two dimensions */
			memcpy(m + 1, b.data, b.len);
			put("state_distr_merge", name, m, b.len + 1);
			cv_free(m);
		}
		cv_free(b.data);
		cv_distr_free(d);
	}
}

/* Row buffers with numeric, categorical and target columns, sampled and
 * not; and the features fitted on them (binary and JSON). */
static void
rows_seeds(void)
{
	static const char *const lev[] = {"CA", "NY", "TX"};
	int			m;

	for (m = 0; m < 2; m++)
	{
		cv_rows    *r = cv_rows_new(2, 1, m, m ? 5 : 0, 7);
		cv_features *f;
		cv_wbuf		b;
		cvj_writer	w;
		char	   *json;
		size_t		jlen;
		char		name[32];
		int			i;

		for (i = 0; i < 12; i++)
		{
			double		x[2] = {i, (i % 4) * 0.25};
			const char *cat[1] = {lev[i % 3]};
			size_t		len[1] = {2};

			cv_rows_add(r, x, cat, len, i % 2);
		}
		cv_rows_skip(r, 2);
		snprintf(name, sizeof(name), "rows%d", m);
		cvb_init(&b);
		cv_rows_write(r, &b);
		put("state_rows", name, b.data, b.len);
		put("state_rows_merge", name, b.data, b.len);
		cv_free(b.data);

		cv_rows_finish(r);
		f = cv_features_fit(r, NULL, m);
		cvb_init(&b);
		cv_features_write(f, &b);
		put("features", name, b.data, b.len);
		cv_free(b.data);
		cvjw_init(&w);
		cv_features_to_json(f, &w);
		json = cvjw_finish(&w, &jlen);
		put("json_features", name, json, jlen);
		cv_free(json);
		cv_features_free(f);
		cv_rows_free(r);
	}
}

int
main(int argc, char **argv)
{
	if (argc != 2)
	{
		fprintf(stderr, "usage: seeds DIR\n");
		return 2;
	}
	outdir = argv[1];
	distr_seeds();
	rows_seeds();
	return 0;
}
