/*
 * test_kmeans.c
 *	  Unit tests of the k-means kernel (kmeans_k.c): known clusters are
 *	  found and ordered by size, a converged fit is a fixed point of Lloyd's
 *	  iteration (every centre is the mean of its points, every point is
 *	  nearest to its own centre), k = 1 and k = distinct points give the
 *	  textbook answers, fits are deterministic, the silhouette and the
 *	  seasonality index give hand-computed values, and the model's byte and
 *	  JSON forms round-trip and reject lies.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "cvalloc.h"
#include "kmeans_k.h"
#include "tap.h"
#include "testbits.h"

static uint64_t rs = 42;

/* Standard normal by Box-Muller from the test generator. */
static double
gauss(void)
{
	double		u = ((double) (splitmix(&rs) >> 11) + 0.5) * 0x1.0p-53;
	double		v = ((double) (splitmix(&rs) >> 11) + 0.5) * 0x1.0p-53;

	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

#define NB 3000
static double B[NB * 2];

/* Three blobs of 1500, 1000 and 500 points around (0,0), (10,0), (0,10). */
static void
make_blobs(void)
{
	for (int i = 0; i < NB; i++)
	{
		double		cx = i < 1500 ? 0 : i < 2500 ? 10 : 0;
		double		cy = i < 1500 ? 0 : i < 2500 ? 0 : 10;

		B[2 * i] = cx + gauss();
		B[2 * i + 1] = cy + gauss();
	}
}

static km_params
params(int k, int n_init, uint64_t seed)
{
	km_params	p = {k, n_init, 300, 1e-4, seed};

	return p;
}

static void
test_blobs(void)
{
	km_params	p = params(3, 10, 7);
	km_result	r,
				r2;
	int			same = 1;

	km_fit(B, NB, 2, &p, &r);
	tap_ok(r.sizes[0] == 1500 && r.sizes[1] == 1000 && r.sizes[2] == 500,
		   "blobs: sizes 1500, 1000, 500, largest first");
	tap_ok(fabs(r.centers[0]) < 0.1 && fabs(r.centers[1]) < 0.1, "blobs: largest centre near (0, 0)");
	tap_ok(fabs(r.centers[2] - 10) < 0.1 && fabs(r.centers[3]) < 0.1, "blobs: second centre near (10, 0)");
	tap_ok(fabs(r.centers[4]) < 0.1 && fabs(r.centers[5] - 10) < 0.15, "blobs: third centre near (0, 10)");
	tap_near(r.inertia, r.within_ss[0] + r.within_ss[1] + r.within_ss[2], 1e-9 * r.inertia,
			 "blobs: inertia is the sum of the within-cluster sums of squares");
	/* each coordinate has unit variance: inertia ~ 2 * n */
	tap_ok(r.inertia > 1.8 * NB && r.inertia < 2.2 * NB, "blobs: inertia near 2 per point");
	tap_ok(r.converged && r.iterations >= 1 && r.iterations < 300, "blobs: converged");
	km_fit(B, NB, 2, &p, &r2);
	for (int i = 0; i < 6; i++)
		same &= double_to_bits(r.centers[i]) == double_to_bits(r2.centers[i]);
	tap_ok(same && r.inertia == r2.inertia, "same points, same seed: the same fit, bit for bit");
	km_result_free(&r);
	km_result_free(&r2);
}

/*
 * Noise in 4 dimensions, k = 6, tol 0: the fit must stop on unchanged
 * labels, so each centre is the mean of its points and each point is
 * nearest to its own centre (Hamerly's bounds must not have skipped a
 * change).
 */
static void
test_fixed_point(void)
{
	enum
	{
		N = 4000, D = 4, K = 6
	};
	static double X[N * D];
	km_params	p = params(K, 2, 3);
	km_result	r;
	double		sums[K * D] = {0};
	int64_t		counts[K] = {0};
	int			nearest_ok = 1;
	double		worst = 0;

	for (int i = 0; i < N * D; i++)
		X[i] = gauss();
	p.tol = 0;
	km_fit(X, N, D, &p, &r);
	for (int i = 0; i < N; i++)
	{
		int			a = 0;
		double		best = INFINITY;

		for (int c = 0; c < K; c++)
		{
			double		s = 0;

			for (int j = 0; j < D; j++)
				s += (X[i * D + j] - r.centers[c * D + j]) * (X[i * D + j] - r.centers[c * D + j]);
			if (s < best)
				best = s, a = c;
		}
		counts[a]++;
		for (int j = 0; j < D; j++)
			sums[a * D + j] += X[i * D + j];
	}
	for (int c = 0; c < K; c++)
	{
		nearest_ok &= counts[c] == r.sizes[c];
		for (int j = 0; j < D; j++)
			worst = fmax(worst, fabs(sums[c * D + j] / counts[c] - r.centers[c * D + j]));
	}
	tap_ok(r.converged, "noise, tol 0: converged on unchanged labels");
	tap_ok(nearest_ok, "noise: sizes are the counts of points nearest to each centre");
	tap_ok(worst < 1e-12, "noise: every centre is the mean of its points");
	for (int c = 1; c < K; c++)
		nearest_ok &= r.sizes[c] <= r.sizes[c - 1];
	tap_ok(nearest_ok, "noise: clusters ordered by size");
	km_result_free(&r);
}

static void
test_edges(void)
{
	/* 1-D: 0, 0, 0, 1, 1, 5 (three distinct points, duplicates) */
	double		X[] = {0, 0, 0, 1, 1, 5};
	km_params	p = params(1, 3, 0);
	km_result	r;

	tap_ok(km_distinct_upto(X, 6, 1, 10) == 3, "distinct points: 3 of 6");
	tap_ok(km_distinct_upto(X, 6, 1, 2) == 2, "distinct points: counting stops at the limit");
	{
		double		z[] = {0.0, -0.0};

		tap_ok(km_distinct_upto(z, 2, 1, 10) == 1, "distinct points: -0 equals 0");
	}
	km_fit(X, 6, 1, &p, &r);
	tap_near(r.centers[0], 7.0 / 6.0, 1e-15, "k = 1: the centre is the mean");
	tap_near(r.inertia, 3 * 49.0 / 36 + 2 * 1.0 / 36 + 23.0 * 23 / 36, 1e-12,
			 "k = 1: inertia is the total sum of squares");
	km_result_free(&r);
	p.k = 3;
	km_fit(X, 6, 1, &p, &r);
	tap_ok(r.inertia == 0 && r.sizes[0] == 3 && r.sizes[1] == 2 && r.sizes[2] == 1 &&
		   r.centers[0] == 0 && r.centers[1] == 1 && r.centers[2] == 5,
		   "k = distinct points: every distinct point a centre, inertia 0");
	km_result_free(&r);
	{
		/* equal sizes: order by centre */
		double		Y[] = {9, 9, 2, 2, 5, 5};

		km_fit(Y, 6, 1, &p, &r);
		tap_ok(r.centers[0] == 2 && r.centers[1] == 5 && r.centers[2] == 9,
			   "equal sizes: clusters ordered by centre");
		km_result_free(&r);
	}
}

/*
 * A start whose middle centre (100) is nearest to no point: the empty
 * cluster takes the point farthest from its centre (0, the first of the
 * points at distance 1), from a cluster that keeps points, and the
 * iterations settle at centres 1.5, 0 and 11 with no empty cluster.
 */
static void
test_empty_cluster(void)
{
	double		X[] = {0, 1, 2, 10, 11, 12};
	double		C[] = {1, 100, 11};
	int64_t		sizes[3];
	int			iters,
				conv;
	double		inertia = km_lloyd(X, 6, 1, 3, C, 100, 0, sizes, &iters, &conv);

	tap_ok(C[0] == 1.5 && C[1] == 0 && C[2] == 11, "empty cluster re-seeded with the farthest point");
	tap_ok(sizes[0] == 2 && sizes[1] == 1 && sizes[2] == 3, "empty cluster: no cluster left empty");
	tap_near(inertia, 2.5, 1e-15, "empty cluster: inertia of the settled centres");
	tap_ok(conv, "empty cluster: converged");
}

static void
test_silhouette(void)
{
	double		X[] = {0, 1, 5, 6};
	int32_t		L[] = {7, 7, -2, -2};
	int32_t		one[] = {1, 1, 1, 1};
	int32_t		each[] = {1, 2, 3, 4};
	int32_t		single[] = {1, 1, 1, 2};
	double		s;
	int			m;

	tap_ok(km_silhouette(X, L, 4, 1, &s, &m) == 0 && m == 2, "silhouette: two clusters");
	tap_near(s, (4.5 / 5.5 + 3.5 / 4.5) / 2, 1e-15, "silhouette: hand-computed value");
	tap_ok(km_silhouette(X, one, 4, 1, &s, &m) < 0 && m == 1, "silhouette: one cluster is refused");
	tap_ok(km_silhouette(X, each, 4, 1, &s, &m) < 0 && m == 4, "silhouette: n clusters are refused");
	/* point 6 alone scores 0; 0: a = 3, b = 6 -> 0.5; 1: a = 2.5, b = 5 -> 0.5; 5: a = 4.5, b = 1 -> -7/9 */
	km_silhouette(X, single, 4, 1, &s, &m);
	tap_near(s, (0.5 + 0.5 - 7.0 / 9.0 + 0) / 4, 1e-15, "silhouette: a singleton cluster scores 0");
}

static void
test_seasonality(void)
{
	double		even[] = {5, 5, 5, 5},
				one[] = {0, 0, 7, 0},
				half[] = {3, 3, 0, 0};

	tap_near(km_seasonality(even, 4), 0, 1e-15, "seasonality: even spread is 0");
	tap_near(km_seasonality(one, 4), 1, 1e-15, "seasonality: one period is 1");
	tap_near(km_seasonality(half, 4), 0.5, 1e-15, "seasonality: two of four periods is 1 - ln 2 / ln 4");
}

static void
test_model(void)
{
	km_params	p = params(3, 2, 1);
	km_result	r;
	km_model   *m,
			   *m2;
	cv_wbuf		b;
	char		err[256];
	char	   *json,
			   *json2;
	double		dist;

	km_fit(B, NB, 2, &p, &r);
	m = km_model_from_result(cv_features_plain(2, NULL), &r);
	m->rows_seen = m->rows_used = NB;
	m->n_init = 2;
	m->max_iter = 300;
	m->tol = 1e-4;
	m->max_rows = 1000000;
	tap_ok(km_model_assign(m, (double[]) {9.5, 0.5}, &dist) == 1, "model: a point near (10, 0) is cluster 1");
	json = km_model_to_json(m);
	m2 = km_model_from_json(json, strlen(json), err, sizeof(err));
	tap_ok(m2 != NULL, "model: JSON reads back");
	if (m2 == NULL)
		printf("# %s\n%s\n", err, json);
	json2 = m2 ? km_model_to_json(m2) : NULL;
	tap_str(json2, json, "model: JSON round trip is exact");
	cvb_init(&b);
	km_model_write(m, &b);
	km_model_free(m2);
	m2 = km_model_read(b.data, b.len, err, sizeof(err));
	cv_free(json2);
	json2 = m2 ? km_model_to_json(m2) : NULL;
	tap_str(json2, json, "model: binary round trip is exact");
	km_model_free(m2);
	tap_ok(km_model_read(b.data, b.len - 1, err, sizeof(err)) == NULL, "model: truncated payload refused");
	{
		const char *hand = "{\"kind\": \"kmeans_model\", \"version\": 1, \"centroids\": [[0, 0], [3, 4]]}";
		const char *bad[] = {
			"{\"kind\": \"kmeans_model\", \"version\": 1, \"centroids\": [[0, 0], [3]]}",
			"{\"kind\": \"kmeans_model\", \"version\": 1, \"centroids\": []}",
			"{\"kind\": \"kmeans_model\", \"version\": 2, \"centroids\": [[0]]}",
			"{\"kind\": \"kmeans_model\", \"version\": 1, \"k\": 2, \"centroids\": [[0]]}",
			"{\"kind\": \"kmeans_model\", \"version\": 1, \"centroids\": [[0]], \"sizes\": [1]}",
			"{\"kind\": \"kmeans_model\", \"version\": 1, \"centroids\": [[0]], \"colour\": 1}",
			"{\"kind\": \"rfmn_model\", \"version\": 1, \"centroids\": [[0]]}",
		};

		m2 = km_model_from_json(hand, strlen(hand), err, sizeof(err));
		tap_ok(m2 && km_model_assign(m2, (double[]) {3, 3}, &dist) == 1 && dist == 1.0,
			   "hand-written model scores: (3, 3) is 1 from (3, 4)");
		km_model_free(m2);
		for (int i = 0; i < (int) (sizeof(bad) / sizeof(bad[0])); i++)
		{
			char		name[64];

			snprintf(name, sizeof(name), "bad model text %d refused", i + 1);
			m2 = km_model_from_json(bad[i], strlen(bad[i]), err, sizeof(err));
			tap_ok(m2 == NULL, name);
			km_model_free(m2);
		}
	}
	cv_free(json);
	cv_free(json2);
	cv_free(b.data);
	km_model_free(m);
	km_result_free(&r);
}

int
main(void)
{
	make_blobs();
	test_blobs();
	test_fixed_point();
	test_edges();
	test_empty_cluster();
	test_silhouette();
	test_seasonality();
	test_model();
	return tap_done();
}
