/*
 * test_distr.c
 *	  Unit tests of the mergeable distribution kernel (distr.c) and of the
 *	  scorecard kernel's percentile points built on it (scorecard_k.c).
 */
#include <stdint.h>
#include <stdlib.h>

#include "cvalloc.h"
#include "distr.h"
#include "scorecard_k.h"
#include "tap.h"

/* Deterministic pseudo-random doubles in [0, 1). */
static uint64_t rng = 88172645463325252ULL;
static double
urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (rng >> 11) * (1.0 / 9007199254740992.0);
}

/* 1 when two compacted distributions hold exactly the same entries. */
static int
same_distr(cv_distr *a, cv_distr *b)
{
	for (int i = 0; i < cv_distr_ndims(a); i++)
	{
		cv_distr_dim x = cv_distr_dim_get(a, i),
					y = cv_distr_dim_get(b, i);

		if (x.n != y.n || x.nulls != y.nulls || x.nentries != y.nentries)
			return 0;
		for (size_t j = 0; j < x.nentries; j++)
			if (x.lo[j] != y.lo[j] || x.count[j] != y.count[j])
				return 0;
	}
	return 1;
}

static void
test_exact_ties_and_nulls(void)
{
	cv_distr   *d = cv_distr_new(2, 0);
	double		rows[][2] = {{3, 1}, {1, 1}, {2, 0}, {2, 5}, {-0.0, 5}, {0.0, 5}};
	unsigned char nul[][2] = {{0, 0}, {0, 1}, {0, 0}, {0, 0}, {0, 1}, {0, 0}};
	cv_distr_dim a,
				b;

	for (int i = 0; i < 6; i++)
		cv_distr_add(d, rows[i], nul[i]);
	a = cv_distr_dim_get(d, 0);
	b = cv_distr_dim_get(d, 1);
	tap_ok(a.n == 6 && a.nulls == 0 && a.nentries == 4, "dimension 1: 6 values, 4 distinct (-0 equals 0)");
	tap_ok(a.lo[0] == 0 && a.count[0] == 2 && a.lo[2] == 2 && a.count[2] == 2 && a.lo[3] == 3,
		   "dimension 1: sorted values with tie counts");
	tap_ok(b.n == 4 && b.nulls == 2 && b.nentries == 3 && b.count[2] == 2,
		   "dimension 2: NULLs counted apart from values");
	tap_ok(a.hi == NULL, "an exact dimension holds no ranges");
	cv_distr_free(d);
}

static void
test_order_and_split_independence(void)
{
	enum
	{
	N = 50000};
	double	   *v = malloc(N * sizeof(double));
	cv_distr   *serial = cv_distr_new(1, 0);
	cv_distr   *rev = cv_distr_new(1, 0);
	cv_distr   *p1 = cv_distr_new(1, 0);
	cv_distr   *p2 = cv_distr_new(1, 0);
	cv_distr   *p3 = cv_distr_new(1, 0);

	for (int i = 0; i < N; i++)
		v[i] = floor(urand() * 20000) / 4;	/* heavy ties */
	for (int i = 0; i < N; i++)
		cv_distr_add(serial, &v[i], NULL);
	for (int i = N - 1; i >= 0; i--)
		cv_distr_add(rev, &v[i], NULL);
	for (int i = 0; i < N; i++)
		cv_distr_add(i % 3 == 0 ? p1 : i % 3 == 1 ? p2 : p3, &v[i], NULL);
	cv_distr_merge(p2, p3);
	cv_distr_merge(p1, p2);
	tap_ok(same_distr(serial, rev), "reversed row order gives the same distribution");
	tap_ok(same_distr(serial, p1), "three partial states merged give the same distribution");
	cv_distr_free(serial);
	cv_distr_free(rev);
	cv_distr_free(p1);
	cv_distr_free(p2);
	cv_distr_free(p3);
	free(v);
}

/*
 * Mostly distinct values go through the pending list, repeated ones
 * through the hash table; a dimension switches between the two at each
 * merge.  Whatever the path, the entries are the same: 1.5 million
 * distinct values (negative, zero and positive, crossing the 2^20 merge
 * point), then a run of heavy repeats, added serially, in reverse, and in
 * three merged parts, give identical sorted counts.
 */
static void
test_list_and_table_paths(void)
{
	enum
	{
	N = 1500000, R = 400000};
	double	   *v = malloc((N + R) * sizeof(double));
	cv_distr   *serial = cv_distr_new(1, 0);
	cv_distr   *rev = cv_distr_new(1, 0);
	cv_distr   *p[3];
	cv_distr_dim d;
	int			sorted = 1,
				sums = 1;
	int64_t		total = 0;

	for (int i = 0; i < N; i++)
		v[i] = (urand() - 0.5) * 1e6;
	for (int i = 0; i < R; i++)
		v[N + i] = floor(urand() * 50) - 25;	/* repeats */
	for (int i = 0; i < 3; i++)
		p[i] = cv_distr_new(1, 0);
	for (int i = 0; i < N + R; i++)
	{
		cv_distr_add(serial, &v[i], NULL);
		cv_distr_add(rev, &v[N + R - 1 - i], NULL);
		cv_distr_add(p[i % 3], &v[i], NULL);
	}
	cv_distr_merge(p[0], p[1]);
	cv_distr_merge(p[0], p[2]);
	tap_ok(same_distr(serial, rev), "list path: reversed order gives the same entries");
	tap_ok(same_distr(serial, p[0]), "list path: three merged parts give the same entries");
	d = cv_distr_dim_get(serial, 0);
	for (size_t j = 0; j < d.nentries; j++)
	{
		sorted &= j == 0 || d.lo[j - 1] < d.lo[j];
		total += d.count[j];
		if (d.lo[j] == 0.0)
			sums &= d.count[j] > 1 && !signbit(d.lo[j]);
	}
	tap_ok(sorted && total == N + R, "list path: entries strictly ascending, counts add up");
	tap_ok(sums, "list path: repeats counted on one entry, -0 as 0");
	for (int i = 0; i < 3; i++)
		cv_distr_free(p[i]);
	cv_distr_free(serial);
	cv_distr_free(rev);
	free(v);
}

static void
test_round_trip_and_corruption(void)
{
	cv_distr   *d = cv_distr_new(3, 0);
	cv_wbuf		b;
	cv_rbuf		r;
	cv_distr   *back;
	char		err[200];

	for (int i = 0; i < 1000; i++)
	{
		double		x[3] = {i % 7, urand(), i};
		unsigned char nul[3] = {0, i % 10 == 0, 0};

		cv_distr_add(d, x, nul);
	}
	cvb_init(&b);
	cv_distr_write(d, &b);
	cvr_init(&r, b.data, b.len);
	back = cv_distr_read(&r, err, sizeof(err));
	tap_ok(back != NULL && cvr_done(&r) && same_distr(d, back), "write/read round trip is exact");

	cvr_init(&r, b.data, b.len - 3);
	tap_ok(cv_distr_read(&r, err, sizeof(err)) == NULL, "a truncated buffer is refused");
	/* swap two values of dimension 1 so they are out of order */
	{
		size_t		off = 1 + 4 + 8 + 8 + 8 + 1 + 8;
		unsigned char tmp[8];

		memcpy(tmp, b.data + off, 8);
		memcpy(b.data + off, b.data + off + 8, 8);
		memcpy(b.data + off + 8, tmp, 8);
		cvr_init(&r, b.data, b.len);
		tap_ok(cv_distr_read(&r, err, sizeof(err)) == NULL &&
			   strstr(err, "ascending") != NULL, "out-of-order entries are refused");
	}
	cv_distr_free(d);
	cv_distr_free(back);
	cv_free(b.data);
}

/* Exact mid-rank percentile of v in sorted[0..n). */
static double
exact_points(const double *sorted, int n, double v)
{
	int			below = 0,
				equal = 0;

	for (int i = 0; i < n; i++)
	{
		if (sorted[i] < v)
			below++;
		else if (sorted[i] == v)
			equal++;
	}
	return 100.0 * (below + equal / 2.0) / n;
}

static int
cmpd(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

static void
test_compressed_accuracy(void)
{
	enum
	{
	N = 300000};
	double	   *v = malloc(N * sizeof(double));
	cv_distr   *d = cv_distr_new(1, 100000);
	cv_distr_dim dim;
	char	   *names[] = {"revenue"};
	double		w[] = {1};
	int			hib[] = {1};
	cvs_card   *card;
	double		worst = 0;

	for (int i = 0; i < N; i++)
	{
		/* log-normal-ish revenue with a heavy atom at 0 */
		v[i] = i % 10 == 0 ? 0 : exp(8 + 2 * (urand() + urand() + urand() - 1.5));
		cv_distr_add(d, &v[i], NULL);
	}
	dim = cv_distr_dim_get(d, 0);
	tap_ok(dim.nentries <= 100000 && dim.hi != NULL && dim.n == N,
		   "more than 100,000 distinct values are compressed into ranges");
	card = cvs_from_distr(d, names, w, hib);
	qsort(v, N, sizeof(double), cmpd);
	for (int q = 0; q <= 2000; q++)
	{
		double		x = v[(size_t) q * (N - 1) / 2000] * (q % 2 ? 1.0000001 : 1);
		double		err = fabs(cvs_points(&card->m[0], x) - exact_points(v, N, x));

		if (err > worst)
			worst = err;
	}
	printf("# worst error of compressed percentile points: %.4f\n", worst);
	tap_ok(worst <= 0.5, "compressed percentile points stay within 0.5 points of exact");
	tap_near(cvs_points(&card->m[0], 0), 5.0, 1e-9, "a heavy atom (10% at 0) stays exact: 5 points");
	cvs_free(card);
	cv_distr_free(d);
	free(v);
}

static void
test_percentile_points(void)
{
	cv_distr   *d = cv_distr_new(2, 0);
	double		pop[] = {1, 2, 2, 3};
	char	   *names[] = {"up", "down"};
	double		w[] = {1, 1};
	int			hib[] = {1, 0};
	cvs_card   *c;

	for (int i = 0; i < 4; i++)
	{
		double		x[2] = {pop[i], pop[i]};

		cv_distr_add(d, x, NULL);
	}
	c = cvs_from_distr(d, names, w, hib);
	tap_near(cvs_points(&c->m[0], 1), 12.5, 1e-12, "lowest value: half its own share");
	tap_near(cvs_points(&c->m[0], 2), 50, 1e-12, "tied value: 25% below + 50%/2");
	tap_near(cvs_points(&c->m[0], 3), 87.5, 1e-12, "highest value");
	tap_near(cvs_points(&c->m[0], 2.5), 75, 1e-12, "unseen value between knots: share below");
	tap_near(cvs_points(&c->m[0], 0), 0, 1e-12, "below the population: 0");
	tap_near(cvs_points(&c->m[0], 9), 100, 1e-12, "above the population: 100");
	tap_near(cvs_points(&c->m[1], 1), 87.5, 1e-12, "lower is better reverses the points");
	{
		double		v[2] = {2, 1};
		unsigned char pres[2] = {1, 1};
		double		pts[2],
					cov;

		tap_near(cvs_score(c, v, pres, pts, &cov), (50 + 87.5) / 2, 1e-12, "score: mean of the points");
		pres[1] = 0;
		tap_near(cvs_score(c, v, pres, pts, &cov), 50, 1e-12, "an absent measure drops out");
		tap_near(cov, 0.5, 1e-12, "coverage counts the weight present");
	}
	cvs_free(c);
	cv_distr_free(d);
}

int
main(void)
{
	test_exact_ties_and_nulls();
	test_order_and_split_independence();
	test_list_and_table_paths();
	test_round_trip_and_corruption();
	test_percentile_points();
	test_compressed_accuracy();
	return tap_done();
}
