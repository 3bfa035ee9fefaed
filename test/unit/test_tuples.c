/*
 * test_tuples.c
 *	  Unit tests of the weighted distinct tuples (tuples.c): identical keys
 *	  are counted once, the byte form is the same whatever the order of the
 *	  rows and however they are split between merged states, sums are exact
 *	  double-double sums, and the reader rejects every kind of lie.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cvalloc.h"
#include "testbits.h"
#include "tuples.h"
#include "tap.h"

#define N 20000
static double K[N][3];
static double S[N];

static void
make_data(void)
{
	uint64_t	seed = 42;

	for (int i = 0; i < N; i++)
	{
		K[i][0] = (double) (splitmix(&seed) % 20);
		K[i][1] = (double) (splitmix(&seed) % 30) / 7.0;
		K[i][2] = (i % 11 == 0) ? -0.0 : (double) (splitmix(&seed) % 5);
		S[i] = (double) (splitmix(&seed) % 100000) / 100.0;
	}
}

/* An interrupt hook that counts its calls. */
static int	checks;

static void
count_check(void)
{
	checks++;
}

/* The byte form of a state built from rows perm[lo..hi). */
static cv_tuples *
build(const int *perm, int lo, int hi)
{
	cv_tuples  *t = cv_tuples_new(3, 1);

	for (int i = lo; i < hi; i++)
		cv_tuples_add(t, K[perm[i]], &S[perm[i]], 1);
	return t;
}

static int
same_bytes(cv_tuples *a, cv_tuples *b)
{
	cv_wbuf		x,
				y;
	int			same;

	cvb_init(&x);
	cvb_init(&y);
	cv_tuples_write(a, &x);
	cv_tuples_write(b, &y);
	same = x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
	cv_free(x.data);
	cv_free(y.data);
	return same;
}

/* Read back the bytes of a after corrupting the byte at `at` with `v`. */
static cv_tuples *
read_corrupted(cv_tuples *a, size_t at, int v, char *err)
{
	cv_wbuf		b;
	cv_rbuf		r;
	cv_tuples  *t;

	cvb_init(&b);
	cv_tuples_write(a, &b);
	if (at < b.len)
		b.data[at] = (unsigned char) v;
	cvr_init(&r, b.data, at == (size_t) -1 ? b.len - 3 : b.len);
	t = cv_tuples_read(&r, err, 200);
	if (t && !cvr_done(&r))
	{
		cv_tuples_free(t);
		t = NULL;
	}
	cv_free(b.data);
	return t;
}

int
main(void)
{
	static int	perm[N],
				rev[N];
	cv_tuples  *a,
			   *b,
			   *c;
	char		err[200];
	double		total = 0;
	int64_t		weight = 0;

	make_data();
	for (int i = 0; i < N; i++)
	{
		perm[i] = i;
		rev[i] = N - 1 - i;
	}

	a = build(perm, 0, N);
	tap_ok(cv_tuples_total(a) == N, "total counts every row");
	tap_ok(cv_tuples_count(a) <= 20 * 30 * 5 && cv_tuples_count(a) > 1000,
		   "identical keys are kept once");

	/* reverse order, and split in three merged pieces, give the same bytes */
	b = build(rev, 0, N);
	{
		cv_wbuf		w;
		size_t		want = cv_tuples_flat_size(b);

		cvb_init(&w);
		cv_tuples_write(b, &w);
		tap_ok(w.len == want, "flat size is the bytes written");
		cv_free(w.data);
	}
	tap_ok(same_bytes(a, b), "byte form independent of row order");
	c = build(rev, 0, 7000);
	{
		cv_tuples  *p2 = build(perm, 0, 5000);
		cv_tuples  *p3 = build(rev, 7000, N - 5000);

		tap_ok(cv_tuples_merge(c, p2, err, sizeof(err)) == 0 &&
			   cv_tuples_merge(c, p3, err, sizeof(err)) == 0, "merge of equal shapes");
		tap_ok(same_bytes(a, c), "byte form independent of the split between states");
		cv_tuples_free(p2);
		cv_tuples_free(p3);
	}

	/* sorted order, -0.0 folded into 0.0, weights and sums add up */
	cv_tuples_sort(a);
	{
		int			ascending = 1,
					negzero = 0;

		for (size_t i = 0; i < cv_tuples_count(a); i++)
		{
			const double *k = cv_tuples_key(a, i);

			if (i > 0)
			{
				const double *p = cv_tuples_key(a, i - 1);

				ascending &= (p[0] < k[0]) || (p[0] == k[0] && (p[1] < k[1] || (p[1] == k[1] && p[2] < k[2])));
			}
			negzero |= (k[2] == 0 && signbit(k[2]));
			weight += cv_tuples_weight(a, i);
			total += cv_tuples_sum(a, i, 0);
		}
		tap_ok(ascending, "sorted entries ascend");
		tap_ok(!negzero, "-0.0 is stored as 0.0");
		tap_ok(weight == N, "weights add up to the rows");
	}
	{
		/* amounts in cents: the exact total is an integer number of cents */
		long long	cents = 0;

		for (int i = 0; i < N; i++)
			cents += (long long) llround(S[i] * 100);
		tap_near(total, cents / 100.0, 1e-6, "sums add up to the amounts");
	}

	/* double-double sums: 1e16 + 1 - 1e16 is 1 whatever the order */
	{
		cv_tuples  *d = cv_tuples_new(1, 1);
		cv_tuples  *e = cv_tuples_new(1, 1);
		double		k = 5,
					v1 = 1e16,
					v2 = 1,
					v3 = -1e16;

		cv_tuples_add(d, &k, &v1, 1);
		cv_tuples_add(d, &k, &v2, 1);
		cv_tuples_add(d, &k, &v3, 1);
		cv_tuples_add(e, &k, &v2, 1);
		cv_tuples_add(e, &k, &v3, 1);
		cv_tuples_add(e, &k, &v1, 1);
		tap_near(cv_tuples_sum(d, 0, 0), 1, 0, "compensated sum keeps the small term");
		tap_ok(same_bytes(d, e), "compensated sums independent of order");
		cv_tuples_free(d);
		cv_tuples_free(e);
	}

	/*
	 * sorting polls the interrupt hook all along: 200,001 distinct keys
	 * (an odd count) take 18 merge passes, about 3.3 million comparisons,
	 * so at least 10 passes' worth of strides (a poll that only fired on
	 * multiples of the stride of a count grown by whole blocks stopped
	 * after the first pass: about 100 calls)
	 */
	{
		size_t		n = 200001;
		cv_tuples  *big = cv_tuples_new(1, 1);
		uint64_t	seed = 7;

		for (size_t i = 0; i < n; i++)
		{
			double		key = (double) ((i * 7919) % n),
						v = (double) (splitmix(&seed) % 100);

			cv_tuples_add(big, &key, &v, 1);
		}
		cv_interrupt_check = count_check;
		checks = 0;
		cv_tuples_sort(big);
		cv_interrupt_check = NULL;
		if (!tap_ok(checks >= (int) (10 * n / CV_INTERRUPT_STRIDE),
					"sorting polls the interrupt hook in every merge pass"))
			printf("# %d checks\n", checks);
		cv_tuples_free(big);
	}

	/* shapes that differ do not merge */
	{
		cv_tuples  *w2 = cv_tuples_new(2, 1);

		tap_ok(cv_tuples_merge(a, w2, err, sizeof(err)) == -1 && strstr(err, "3 values") != NULL,
			   "merge of different widths fails with a message");
		cv_tuples_free(w2);
	}

	/* round trip and lies */
	{
		cv_tuples  *t = read_corrupted(a, (size_t) -2, 0, err);

		tap_ok(t != NULL && same_bytes(a, t), "byte form round-trips");
		cv_tuples_free(t);
		tap_ok(read_corrupted(a, (size_t) -1, 0, err) == NULL, "truncated bytes rejected");
		tap_ok(read_corrupted(a, 0, 0, err) == NULL && strstr(err, "shape"), "width 0 rejected");
		tap_ok(read_corrupted(a, 4, 9, err) == NULL, "too many sums rejected");
		tap_ok(read_corrupted(a, 15, 0x7f, err) == NULL && strstr(err, "count"), "entry count lie rejected");
		/* first entry's first key double: make it NaN (exponent bytes) */
		tap_ok(read_corrupted(a, 16 + 7, 0x7f, err) == NULL, "corrupted key rejected");
		/* first entry's count (after 3 keys + 2 sum doubles): zero its low byte */
		tap_ok(read_corrupted(a, 16 + 40, 0, err) == NULL || cv_tuples_weight(a, 0) % 256 != 0,
			   "zero count rejected");
		/* second entry's first key made smaller than the first's */
		tap_ok(read_corrupted(a, 16 + 48 + 7, 0xbf, err) == NULL && strstr(err, "ascending"),
			   "keys out of order rejected");
	}

	cv_tuples_free(a);
	cv_tuples_free(b);
	cv_tuples_free(c);
	return tap_done();
}
