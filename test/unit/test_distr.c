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
		cv_distr_dim x,
					y;

		cv_distr_compact(a);
		cv_distr_compact(b);
		x = cv_distr_dim_get(a, i);
		y = cv_distr_dim_get(b, i);
		if (x.n != y.n || x.nulls != y.nulls || x.nentries != y.nentries)
			return 0;
		for (size_t j = 0; j < x.nentries; j++)
			if (x.value[j] != y.value[j] || x.count[j] != y.count[j])
				return 0;
	}
	return 1;
}

static void
test_exact_ties_and_nulls(void)
{
	cv_distr   *d = cv_distr_new(2);
	double		rows[][2] = {{3, 1}, {1, 1}, {2, 0}, {2, 5}, {-0.0, 5}, {0.0, 5}};
	unsigned char nul[][2] = {{0, 0}, {0, 1}, {0, 0}, {0, 0}, {0, 1}, {0, 0}};
	cv_distr_dim a,
				b;

	for (int i = 0; i < 6; i++)
		cv_distr_add(d, rows[i], nul[i]);
	cv_distr_compact(d);
	a = cv_distr_dim_get(d, 0);
	b = cv_distr_dim_get(d, 1);
	tap_ok(a.n == 6 && a.nulls == 0 && a.nentries == 4, "dimension 1: 6 values, 4 distinct (-0 equals 0)");
	tap_ok(a.value[0] == 0 && a.count[0] == 2 && a.value[2] == 2 && a.count[2] == 2 && a.value[3] == 3,
		   "dimension 1: sorted values with tie counts");
	tap_ok(b.n == 4 && b.nulls == 2 && b.nentries == 3 && b.count[2] == 2,
		   "dimension 2: NULLs counted apart from values");
	cv_distr_free(d);
}

static void
test_order_and_split_independence(void)
{
	enum
	{
	N = 50000};
	double	   *v = malloc(N * sizeof(double));
	cv_distr   *serial = cv_distr_new(1);
	cv_distr   *rev = cv_distr_new(1);
	cv_distr   *p1 = cv_distr_new(1);
	cv_distr   *p2 = cv_distr_new(1);
	cv_distr   *p3 = cv_distr_new(1);
	char		err[200];

	for (int i = 0; i < N; i++)
		v[i] = floor(urand() * 20000) / 4;	/* heavy ties */
	for (int i = 0; i < N; i++)
		cv_distr_add(serial, &v[i], NULL);
	for (int i = N - 1; i >= 0; i--)
		cv_distr_add(rev, &v[i], NULL);
	for (int i = 0; i < N; i++)
		cv_distr_add(i % 3 == 0 ? p1 : i % 3 == 1 ? p2 : p3, &v[i], NULL);
	cv_distr_merge(p2, p3, err, sizeof(err));
	cv_distr_merge(p1, p2, err, sizeof(err));
	tap_ok(same_distr(serial, rev), "reversed row order gives the same distribution");
	tap_ok(same_distr(serial, p1), "three partial states merged give the same distribution");
	cv_distr_free(serial);
	cv_distr_free(rev);
	cv_distr_free(p1);
	cv_distr_free(p2);
	cv_distr_free(p3);
	free(v);
}

static void
test_round_trip_and_corruption(void)
{
	cv_distr   *d = cv_distr_new(3);
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
	cv_distr_compact(d);
	cvb_init(&b);
	cv_distr_write(d, &b);
	tap_ok(b.len == cv_distr_flat_size(d), "cv_distr_flat_size is the written size");
	cvr_init(&r, b.data, b.len);
	back = cv_distr_read(&r, err, sizeof(err));
	tap_ok(back != NULL && cvr_done(&r) && same_distr(d, back), "write/read round trip is exact");

	cvr_init(&r, b.data, b.len - 3);
	tap_ok(cv_distr_read(&r, err, sizeof(err)) == NULL, "a truncated buffer is refused");
	/* swap two values of dimension 1 so they are out of order */
	{
		size_t		off = 1 + 4 + 8 + 8 + 8;
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
	cv_distr   *d = cv_distr_new(1);
	cv_distr   *p1 = cv_distr_new(1);
	cv_distr   *p2 = cv_distr_new(1);
	char	   *names[] = {"revenue"};
	double		w[] = {1};
	int			hib[] = {1};
	cvs_card   *card,
			   *card2;
	cv_wbuf		b1,
				b2;
	double		worst = 0;
	char		err[200];

	for (int i = 0; i < N; i++)
	{
		/* log-normal-ish revenue with a heavy atom at 0 */
		v[i] = i % 10 == 0 ? 0 : exp(8 + 2 * (urand() + urand() + urand() - 1.5));
		cv_distr_add(d, &v[i], NULL);
		cv_distr_add(i % 2 ? p1 : p2, &v[i], NULL);
	}
	cv_distr_compact(d);
	tap_ok(cv_distr_dim_get(d, 0).nentries > 100000 && cv_distr_dim_get(d, 0).n == N,
		   "the state keeps more than 100,000 distinct values exactly");
	card = cvs_from_distr(d, names, w, hib);
	printf("# compressed card: %d knots for %zu distinct values\n",
		   card->m[0].nknots, cv_distr_dim_get(d, 0).nentries);
	tap_ok(card->m[0].nknots <= 4050 && card->m[0].between != NULL,
		   "past 100,000 distinct values the card holds at most about 4,050 knots");
	qsort(v, N, sizeof(double), cmpd);
	for (int q = 0; q <= 2000; q++)
	{
		double		x = v[(size_t) q * (N - 1) / 2000] * (q % 2 ? 1.0000001 : 1);
		double		e = fabs(cvs_points(&card->m[0], x) - exact_points(v, N, x));

		if (e > worst)
			worst = e;
	}
	printf("# worst error of compressed percentile points: %.4f\n", worst);
	tap_ok(worst <= 100 * CVS_RANGE_SHARE + 1e-9, "compressed percentile points stay within 0.1 points of exact");
	tap_near(cvs_points(&card->m[0], 0), 5.0, 1e-9, "a heavy atom (10% at 0) stays exact: 5 points");

	/* the same data split in two: the same card, byte for byte */
	cv_distr_merge(p1, p2, err, sizeof(err));
	cv_distr_compact(p1);
	card2 = cvs_from_distr(p1, names, w, hib);
	cvb_init(&b1);
	cvb_init(&b2);
	cvs_write(card, &b1);
	cvs_write(card2, &b2);
	tap_ok(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0,
		   "a compressed card does not depend on how the rows were split");
	cv_free(b1.data);
	cv_free(b2.data);
	cvs_free(card);
	cvs_free(card2);
	cv_distr_free(d);
	cv_distr_free(p1);
	cv_distr_free(p2);
	free(v);
}

static void
test_percentile_points(void)
{
	cv_distr   *d = cv_distr_new(2);
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
	cv_distr_compact(d);
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

/* Sorting by the bits of the values: every sign, magnitude and -0.0. */
static void
test_radix_order(void)
{
	enum
	{
	N = 40000};
	double		special[] = {-1e308, -5e-324, -0.0, 0.0, 5e-324, 2.2250738585072014e-308,
	1, 1.0000000000000002, 1e308, -1, -2, 3};
	double	   *v = malloc(N * sizeof(double));
	cv_distr   *d = cv_distr_new(1);
	cv_distr_dim dim;
	int			ok = 1;
	size_t		distinct = 1;

	for (int i = 0; i < N; i++)
	{
		v[i] = i < 12 * 50 ? special[i % 12] :
			(urand() - 0.5) * pow(10, floor(urand() * 40) - 20);
		cv_distr_add(d, &v[i], NULL);
	}
	cv_distr_compact(d);
	dim = cv_distr_dim_get(d, 0);
	for (int i = 0; i < N; i++)
		if (v[i] == 0.0)
			v[i] = 0.0;
	qsort(v, N, sizeof(double), cmpd);
	for (int i = 1; i < N; i++)
		distinct += v[i] != v[i - 1];
	ok = dim.nentries == distinct;
	for (size_t j = 0, i = 0; ok && j < dim.nentries; j++)
	{
		ok = dim.value[j] == v[i];
		i += (size_t) dim.count[j];
	}
	tap_ok(ok, "values of every sign and magnitude sort as qsort sorts them");
	tap_ok(dim.value[0] == -1e308 && dim.count[0] == 50, "the most negative value comes first, with its count");
	cv_distr_free(d);
	free(v);
}

/* A budget stops the state before it grows past it, not after. */
static void
test_budget(void)
{
	cv_distr   *d = cv_distr_new(2);
	size_t		budget = 1 << 20;
	size_t		peak = 0;
	int			rc = 0;
	int64_t		rows = 0;

	cv_distr_set_budget(d, budget);
	while (rc == 0 && rows < 10000000)
	{
		double		x[2] = {(double) rows, (double) (rows % 7)};

		rc = cv_distr_add(d, x, NULL);
		rows++;
		if (cv_distr_bytes(d) > peak)
			peak = cv_distr_bytes(d);
	}
	printf("# budget 1 MB: refused after %lld rows, peak %zu bytes, needed %zu\n",
		   (long long) rows, peak, cv_distr_over(d));
	tap_ok(rc < 0 && peak <= budget && cv_distr_over(d) > budget,
		   "all-distinct values are refused at the budget, never past it");
	tap_ok(rows > (int64_t) (budget / (CV_DISTR_BYTES_PER_VALUE + 8)),
		   "the state holds at least budget / 32 distinct values before it refuses");
	cv_distr_free(d);
}

/* Merging a serialised state equals merging the state. */
static void
test_merge_bytes(void)
{
	cv_distr   *a = cv_distr_new(2),
			   *b = cv_distr_new(2),
			   *c = cv_distr_new(2);
	cv_wbuf		w;
	cv_rbuf		r;
	char		err[200];

	for (int i = 0; i < 30000; i++)
	{
		double		x[2] = {floor(urand() * 5000), urand()};
		unsigned char nul[2] = {i % 11 == 0, 0};

		cv_distr_add(i % 3 ? a : b, x, nul);
		cv_distr_add(c, x, nul);
	}
	cv_distr_compact(b);
	cvb_init(&w);
	cv_distr_write(b, &w);
	cvr_init(&r, w.data, w.len);
	tap_ok(cv_distr_merge_bytes(a, &r, err, sizeof(err)) == 0 && cvr_done(&r) && same_distr(a, c),
		   "merging the bytes of a state equals merging the state");
	cvr_init(&r, w.data, w.len);
	{
		cv_distr   *one = cv_distr_new(1);

		tap_ok(cv_distr_merge_bytes(one, &r, err, sizeof(err)) == CV_DISTR_MISMATCH,
			   "a state of another dimension count does not merge");
		cv_distr_free(one);
	}
	cv_free(w.data);
	cv_distr_free(a);
	cv_distr_free(b);
	cv_distr_free(c);
}

/* Append a little-endian 64-bit value. */
static void
put64(cv_wbuf *w, int64_t v)
{
	cvb_i64(w, v);
}

/* 1 when the reader refuses bytes with a message containing `what`. */
static int
refused(cv_wbuf *w, const char *what)
{
	cv_rbuf		r;
	char		err[200] = "";
	cv_distr   *d;

	cvr_init(&r, w->data, w->len);
	d = cv_distr_read(&r, err, sizeof(err));
	if (d)
	{
		cv_distr_free(d);
		return 0;
	}
	if (strstr(err, what) == NULL)
		printf("# message was: %s\n", err);
	return strstr(err, what) != NULL;
}

/* A crafted state whose header lies about its content is refused. */
static void
test_crafted(void)
{
	cv_wbuf		w;

	/* 1000 dimensions claimed, 24 bytes of data */
	cvb_init(&w);
	cvb_u8(&w, 2);
	cvb_u32(&w, 1000);
	put64(&w, 0);
	put64(&w, 0);
	put64(&w, 0);
	tap_ok(refused(&w, "more than the data holds"), "more dimensions than the data holds");
	w.len = 0;
	cvb_u8(&w, 2);
	cvb_u32(&w, 1001);
	tap_ok(refused(&w, "not between 1 and 1000"), "more than 1000 dimensions");
	w.len = 0;
	cvb_u8(&w, 1);
	cvb_u32(&w, 1);
	tap_ok(refused(&w, "unsupported distribution format"), "another format");
	/* one dimension: 3 rows, 2 distinct values claimed but counts 1 + 1 */
	w.len = 0;
	cvb_u8(&w, 2);
	cvb_u32(&w, 1);
	put64(&w, 3);
	put64(&w, 0);
	put64(&w, 2);
	cvb_f64(&w, 1);
	cvb_f64(&w, 2);
	put64(&w, 1);
	put64(&w, 1);
	tap_ok(refused(&w, "do not add up"), "counts that do not add up to the row count");
	/* more distinct values than rows */
	w.len = 0;
	cvb_u8(&w, 2);
	cvb_u32(&w, 1);
	put64(&w, 1);
	put64(&w, 0);
	put64(&w, 2);
	tap_ok(refused(&w, "distinct values for 1 rows"), "more distinct values than rows");
	/* a NaN */
	w.len = 0;
	cvb_u8(&w, 2);
	cvb_u32(&w, 1);
	put64(&w, 1);
	put64(&w, 0);
	put64(&w, 1);
	cvb_f64(&w, NAN);
	put64(&w, 1);
	tap_ok(refused(&w, "non-finite"), "a non-finite value");
	/* negative and huge row counts */
	w.len = 0;
	cvb_u8(&w, 2);
	cvb_u32(&w, 1);
	put64(&w, 0);
	put64(&w, -1);
	put64(&w, 0);
	tap_ok(refused(&w, "out of range"), "a negative NULL count");
	w.len = 0;
	cvb_u8(&w, 2);
	cvb_u32(&w, 1);
	put64(&w, INT64_MAX);
	put64(&w, 0);
	put64(&w, 0);
	tap_ok(refused(&w, "out of range"), "a row count past the limit");
	/* a count of zero */
	w.len = 0;
	cvb_u8(&w, 2);
	cvb_u32(&w, 1);
	put64(&w, 0);
	put64(&w, 0);
	put64(&w, 1);
	tap_ok(refused(&w, "distinct values for 0 rows"), "a value counted zero times");
	cv_free(w.data);
}

int
main(void)
{
	test_radix_order();
	test_budget();
	test_merge_bytes();
	test_crafted();
	test_exact_ties_and_nulls();
	test_order_and_split_independence();
	test_round_trip_and_corruption();
	test_percentile_points();
	test_compressed_accuracy();
	return tap_done();
}
