/*
 * test_rfm.c
 *	  Unit tests of the RFM+N kernel: tie-aware scores (against a brute-force
 *	  count), unseen values, weighted segments, score codes, the named and
 *	  user maps, value trends, NPS, and the model's JSON and binary forms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvalloc.h"
#include "cvcodec.h"
#include "cvsort.h"
#include "rfm_k.h"
#include "tap.h"

static char err[512];

/* Check a band's four fields. */
static void
check_band(const rfm_dim *d, int i, int score, double lo, double hi, long long n,
		   const char *name)
{
	char		buf[200];
	int			ok = i < d->nbands && d->bands[i].score == score &&
		d->bands[i].min_value == lo && d->bands[i].max_value == hi &&
		d->bands[i].customers == n;

	snprintf(buf, sizeof(buf), "%s: band %d is score %d [%g, %g] x %lld", name, i, score, lo, hi, n);
	if (!tap_ok(ok, buf) && i < d->nbands)
		printf("# got score %d [%g, %g] x %lld\n", d->bands[i].score, d->bands[i].min_value,
			   d->bands[i].max_value, (long long) d->bands[i].customers);
}

/*
 * A model with default weights and edges whose dimension dim is built from
 * data under a tie rule.
 */
static rfm_model *
model_with(int dim, const double *vals, const int64_t *counts, size_t nent, int bins, int ties)
{
	int			b,
				t;
	double		w[RFM_NDIMS],
				e[RFM_NEDGES];
	rfm_model  *m;
	int64_t		n = 0;

	rfm_default_params(&b, &t, w, e);
	m = rfm_model_new(bins, ties, w, e);
	for (size_t i = 0; i < nent; i++)
		n += counts[i];
	if (rfm_dim_build(&m->dims[dim], vals, counts, nent, n, bins, ties, dim == RFM_R, err, sizeof(err)) < 0)
		printf("# build failed: %s\n", err);
	return m;
}

/* The bands of the `first` rule in a frequency-like and a recency dimension. */
static void
test_bands_first(void)
{
	/* F = 1 x6, 2 x2, 3 x1, 5 x1: k = 1, 7, 9, 10 -> scores 1, 4, 5, 5 */
	double		fv[] = {1, 2, 3, 5};
	int64_t		fc[] = {6, 2, 1, 1};
	/* R = 10 x1, 20 x2, 30 x3, 40 x4, worst first: 40 k=1, 30 k=5, 20 k=8, 10 k=10 */
	double		rv[] = {10, 20, 30, 40};
	int64_t		rc[] = {1, 2, 3, 4};
	/* every value equal, fewer customers than bins */
	double		ev[] = {7};
	int64_t		ec[] = {3};
	/* three distinct values, fewer than bins: k = 1, 2, 3 of 3 -> 1, 2, 4 */
	double		sv[] = {1, 2, 3};
	int64_t		sc[] = {1, 1, 1};
	rfm_model  *m;

	m = model_with(RFM_F, fv, fc, 4, 5, RFM_TIES_FIRST);
	tap_ok(m->dims[RFM_F].nbands == 3 && m->dims[RFM_F].n == 10, "ties: three scores occur");
	check_band(&m->dims[RFM_F], 0, 1, 1, 1, 6, "ties");
	check_band(&m->dims[RFM_F], 1, 4, 2, 2, 2, "ties");
	check_band(&m->dims[RFM_F], 2, 5, 3, 5, 2, "ties");
	tap_ok(rfm_model_check(m, err, sizeof(err)) == 0, "ties: fitted model passes the check");
	tap_ok(rfm_score_value(m, RFM_F, 0) == 1, "unseen value worse than all scores 1");
	tap_ok(rfm_score_value(m, RFM_F, 1) == 1, "fitted value 1 scores 1");
	tap_ok(rfm_score_value(m, RFM_F, 1.5) == 4, "unseen value between bands scores the better band");
	tap_ok(rfm_score_value(m, RFM_F, 2) == 4, "fitted value 2 scores 4");
	tap_ok(rfm_score_value(m, RFM_F, 2.5) == 5, "unseen 2.5: 8 worse of 10 -> 5");
	tap_ok(rfm_score_value(m, RFM_F, 4) == 5, "unseen value inside a band's range");
	tap_ok(rfm_score_value(m, RFM_F, 99) == 5, "unseen value better than all scores bins");
	tap_ok(rfm_score_value(m, RFM_M, 3) == 0, "a dimension without fitted values scores NULL");
	rfm_model_free(m);

	m = model_with(RFM_R, rv, rc, 4, 5, RFM_TIES_FIRST);
	tap_ok(m->dims[RFM_R].nbands == 4, "recency: four scores occur");
	check_band(&m->dims[RFM_R], 0, 1, 40, 40, 4, "recency");
	check_band(&m->dims[RFM_R], 1, 3, 30, 30, 3, "recency");
	check_band(&m->dims[RFM_R], 2, 4, 20, 20, 2, "recency");
	check_band(&m->dims[RFM_R], 3, 5, 10, 10, 1, "recency");
	tap_ok(rfm_score_value(m, RFM_R, 50) == 1, "recency: more days than all scores 1");
	tap_ok(rfm_score_value(m, RFM_R, 35) == 3, "recency: 35 days, 4 worse of 10 -> 3");
	tap_ok(rfm_score_value(m, RFM_R, 25) == 4, "recency: 25 days, 7 worse -> 4");
	tap_ok(rfm_score_value(m, RFM_R, 15) == 5, "recency: 15 days, 9 worse -> 5");
	tap_ok(rfm_score_value(m, RFM_R, 0) == 5, "recency: fewer days than all scores bins");
	tap_ok(rfm_model_check(m, err, sizeof(err)) == 0, "recency: fitted model passes the check");
	rfm_model_free(m);

	m = model_with(RFM_M, ev, ec, 1, 5, RFM_TIES_FIRST);
	tap_ok(m->dims[RFM_M].nbands == 1, "all equal: one score");
	check_band(&m->dims[RFM_M], 0, 1, 7, 7, 3, "all equal");
	tap_ok(rfm_score_value(m, RFM_M, 7) == 1, "all equal: the value scores 1");
	tap_ok(rfm_score_value(m, RFM_M, 8) == 5, "all equal: a larger value scores bins");
	tap_ok(rfm_score_value(m, RFM_M, 6) == 1, "all equal: a smaller value scores 1");
	rfm_model_free(m);

	m = model_with(RFM_N, sv, sc, 3, 5, RFM_TIES_FIRST);
	check_band(&m->dims[RFM_N], 0, 1, 1, 1, 1, "fewer than bins");
	check_band(&m->dims[RFM_N], 1, 2, 2, 2, 1, "fewer than bins");
	check_band(&m->dims[RFM_N], 2, 4, 3, 3, 1, "fewer than bins");
	rfm_model_free(m);

	m = model_with(RFM_F, fv, fc, 4, 1, RFM_TIES_FIRST);
	tap_ok(m->dims[RFM_F].nbands == 1 && rfm_score_value(m, RFM_F, 5) == 1,
		   "one bin: everyone scores 1");
	rfm_model_free(m);
}

/*
 * The mid-rank rule on the shapes it exists for: a big tie at the best value
 * (the demo: 28% of accounts active on the last day) reaches bins, a big
 * tie at the worst value (CDNOW: 60% one-time buyers) stays at 1, all
 * values equal score the middle, and fewer customers than bins still span
 * the scale.
 */
static void
test_bands_midrank(void)
{
	/* recency: 278 of 1000 at 0 days, 231 at 1, 286 at 5, 205 at 60 */
	double		rv[] = {0, 1, 5, 60};
	int64_t		rc[] = {278, 231, 286, 205};
	/* frequency: 600 of 1000 bought once, then 150, 100, 80, 70 */
	double		fv[] = {1, 2, 3, 5, 10};
	int64_t		fc[] = {600, 150, 100, 80, 70};
	double		ev[] = {7};
	int64_t		ec[] = {3};
	double		sv[] = {1, 2, 3};
	int64_t		sc[] = {1, 1, 1};
	double		uv[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	int64_t		uc[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
	rfm_model  *m;

	m = model_with(RFM_R, rv, rc, 4, 5, RFM_TIES_MIDRANK);
	check_band(&m->dims[RFM_R], 0, 1, 60, 60, 205, "demo recency");
	check_band(&m->dims[RFM_R], 1, 2, 5, 5, 286, "demo recency");	/* 1 + floor(5 * (205 + 143) / 1000) */
	check_band(&m->dims[RFM_R], 2, 4, 1, 1, 231, "demo recency");	/* 1 + floor(5 * (491 + 115.5) / 1000) */
	check_band(&m->dims[RFM_R], 3, 5, 0, 0, 278, "demo recency");	/* the best value: bins */
	tap_ok(rfm_model_check(m, err, sizeof(err)) == 0, "demo recency: fitted model passes the check");
	tap_ok(rfm_score_value(m, RFM_R, 0) == 5 && rfm_score_value(m, RFM_R, 0.5) == 5 &&
		   rfm_score_value(m, RFM_R, 3) == 4 &&
		   rfm_score_value(m, RFM_R, 100) == 1 && rfm_score_value(m, RFM_R, -1) == 5,
		   "demo recency: 0 days scores 5, unseen values score their better neighbour");
	rfm_model_free(m);
	m = model_with(RFM_R, rv, rc, 4, 5, RFM_TIES_FIRST);
	tap_ok(m->dims[RFM_R].nbands == 4 && m->dims[RFM_R].bands[3].score == 4,
		   "demo recency under first: the 278 most recent score 4, nobody 5");
	rfm_model_free(m);

	m = model_with(RFM_F, fv, fc, 5, 5, RFM_TIES_MIDRANK);
	tap_ok(m->dims[RFM_F].nbands == 3, "cdnow frequency: three scores occur");
	check_band(&m->dims[RFM_F], 0, 1, 1, 1, 600, "cdnow frequency");	/* one-time buyers stay at 1 */
	check_band(&m->dims[RFM_F], 1, 4, 2, 2, 150, "cdnow frequency");	/* 1 + floor(5 * 675 / 1000) */
	check_band(&m->dims[RFM_F], 2, 5, 3, 10, 250, "cdnow frequency");
	tap_ok(rfm_model_check(m, err, sizeof(err)) == 0, "cdnow frequency: fitted model passes the check");
	rfm_model_free(m);

	m = model_with(RFM_M, ev, ec, 1, 5, RFM_TIES_MIDRANK);
	check_band(&m->dims[RFM_M], 0, 3, 7, 7, 3, "all equal");
	tap_ok(rfm_model_check(m, err, sizeof(err)) == 0, "all equal: fitted model passes the check");
	tap_ok(rfm_score_value(m, RFM_M, 7) == 3 && rfm_score_value(m, RFM_M, 6) == 1 &&
		   rfm_score_value(m, RFM_M, 8) == 5,
		   "all equal: the value scores the middle, smaller 1, larger bins");
	rfm_model_free(m);
	m = model_with(RFM_M, ev, ec, 1, 4, RFM_TIES_MIDRANK);
	check_band(&m->dims[RFM_M], 0, 3, 7, 7, 3, "all equal, 4 bins: 1 + floor(4 / 2)");
	rfm_model_free(m);
	m = model_with(RFM_M, ev, ec, 1, 1, RFM_TIES_MIDRANK);
	check_band(&m->dims[RFM_M], 0, 1, 7, 7, 3, "all equal, 1 bin");
	rfm_model_free(m);

	m = model_with(RFM_N, sv, sc, 3, 5, RFM_TIES_MIDRANK);
	check_band(&m->dims[RFM_N], 0, 1, 1, 1, 1, "fewer than bins");
	check_band(&m->dims[RFM_N], 1, 3, 2, 2, 1, "fewer than bins");
	check_band(&m->dims[RFM_N], 2, 5, 3, 3, 1, "fewer than bins");
	rfm_model_free(m);
	m = model_with(RFM_N, sv, sc, 2, 5, RFM_TIES_MIDRANK);
	check_band(&m->dims[RFM_N], 0, 1, 1, 1, 1, "two customers");
	check_band(&m->dims[RFM_N], 1, 5, 2, 2, 1, "two customers");
	rfm_model_free(m);

	/* untied, N a multiple of bins: exactly ntile(5) */
	m = model_with(RFM_F, uv, uc, 10, 5, RFM_TIES_MIDRANK);
	{
		int			ok = m->dims[RFM_F].nbands == 5;

		for (int i = 0; i < 10; i++)
			ok = ok && rfm_score_value(m, RFM_F, uv[i]) == 1 + i / 2;
		tap_ok(ok, "untied: the scores of ntile(5)");
	}
	rfm_model_free(m);
}

/* Bad input to rfm_dim_build is refused. */
static void
test_build_errors(void)
{
	rfm_dim		d;
	double		v[] = {1, 1};
	int64_t		c[] = {1, 1};
	double		v2[] = {1, 2};
	int64_t		c0[] = {1, 0};

	tap_ok(rfm_dim_build(&d, v, c, 2, 2, 5, RFM_TIES_MIDRANK, 0, err, sizeof(err)) < 0, "build: repeated value refused");
	tap_ok(rfm_dim_build(&d, v2, c, 2, 3, 5, RFM_TIES_MIDRANK, 0, err, sizeof(err)) < 0, "build: count mismatch refused");
	tap_ok(rfm_dim_build(&d, v2, c0, 2, 1, 5, RFM_TIES_MIDRANK, 0, err, sizeof(err)) < 0, "build: zero count refused");
	tap_ok(rfm_dim_build(&d, NULL, NULL, 0, 0, 5, RFM_TIES_MIDRANK, 0, err, sizeof(err)) == 0 && d.nbands == 0,
		   "build: no values gives an empty table");
	rfm_dim_clear(&d);
}

/* Deterministic pseudo-random numbers for the brute-force comparison. */
static unsigned long long rng = 88172645463325252ULL;
static unsigned
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned) (rng >> 11);
}

/*
 * The score of a tie group of cnt values with c worse, out of n, written
 * out case by case from the rule in rfm_k.h.
 */
static long long
group_ref(int ties, int bins, long long c, long long cnt, long long n)
{
	long long	s;

	if (ties == RFM_TIES_FIRST)
		s = 1 + bins * c / n;
	else if (c == 0 && cnt == n)
		s = 1 + bins / 2;
	else if (c == 0)
		s = 1;
	else if (c + cnt == n)
		s = bins;
	else
		s = 1 + bins * (2 * c + cnt) / (2 * n);
	return s > bins ? bins : s;
}

/*
 * The score of probe by brute force over the n fitted values x[]: a fitted
 * value scores its group; an unseen value the group of the nearest better
 * fitted value, 1 before the worst and bins past the best.
 */
static long long
brute_score(const double *x, int n, int bins, int ties, int reversed, double probe)
{
	long long	c = 0,
				eq = 0;
	int			next = -1;		/* nearest fitted value better than probe */

	for (int i = 0; i < n; i++)
	{
		int			worse = reversed ? x[i] > probe : x[i] < probe;

		c += worse;
		eq += x[i] == probe;
		if (!worse && x[i] != probe &&
			(next < 0 || (reversed ? x[i] > x[next] : x[i] < x[next])))
			next = i;
	}
	if (eq == 0 && c == 0)
		return 1;
	if (eq == 0 && next < 0)
		return bins;
	if (eq == 0)
		for (int i = 0; i < n; i++)
			eq += x[i] == x[next];
	return group_ref(ties, bins, c, eq, n);
}

/*
 * Heavy-tie data in both orders, several bin counts and both tie rules:
 * every fitted value, every midpoint between fitted values and points
 * beyond both ends must score what brute_score counts.  Under `first` that
 * is min(bins, 1 + floor(bins * c / N)) for every probe, fitted or not.
 */
static void
test_brute_force(void)
{
	int			bad = 0,
				checked = 0;

	for (int trial = 0; trial < 120; trial++)
	{
		int			n = 1 + next_rand() % 300;
		int			spread = 1 + next_rand() % (trial % 3 == 0 ? 4 : 60);
		int			bins = 1 + next_rand() % (trial % 2 ? 10 : 100);
		int			dim = trial % 4;
		int			ties = (trial / 4) % 2 ? RFM_TIES_FIRST : RFM_TIES_MIDRANK;
		int			reversed = dim == RFM_R;
		double	   *x = malloc(sizeof(double) * n);
		double	   *vals = malloc(sizeof(double) * n);
		int64_t    *counts = malloc(sizeof(int64_t) * n);
		size_t		nent = 0;
		rfm_model  *m;

		for (int i = 0; i < n; i++)
			x[i] = (double) (next_rand() % spread) * 0.5 - 3;
		qsort(x, n, sizeof(double), cv_cmp_double);
		for (int i = 0; i < n; i++)
		{
			if (nent > 0 && vals[nent - 1] == x[i])
				counts[nent - 1]++;
			else
			{
				vals[nent] = x[i];
				counts[nent++] = 1;
			}
		}
		m = model_with(dim, vals, counts, nent, bins, ties);
		if (rfm_model_check(m, err, sizeof(err)) < 0)
		{
			printf("# check failed: %s\n", err);
			bad++;
		}
		for (int q = -1; q <= 2 * (int) nent; q++)
		{
			double		probe;
			long long	c = 0;
			long long	want,
						want2;

			if (q < 0)
				probe = vals[0] - 1;
			else if (q == 2 * (int) nent)
				probe = vals[nent - 1] + 1;
			else if (q % 2 == 0)
				probe = vals[q / 2];
			else if (q / 2 + 1 < (int) nent)
				probe = (vals[q / 2] + vals[q / 2 + 1]) / 2;
			else
				continue;
			for (int i = 0; i < n; i++)
				if (reversed ? x[i] > probe : x[i] < probe)
					c++;
			want = brute_score(x, n, bins, ties, reversed, probe);
			want2 = 1 + (long long) bins * c / n;
			if (want2 > bins)
				want2 = bins;
			checked++;
			if (rfm_score_value(m, dim, probe) != want ||
				(ties == RFM_TIES_FIRST && want != want2))
			{
				if (bad++ < 5)
					printf("# trial %d dim %d bins %d ties %s probe %g: got %d want %lld\n",
						   trial, dim, bins, rfm_ties_names[ties], probe,
						   rfm_score_value(m, dim, probe), want);
			}
		}
		rfm_model_free(m);
		free(x);
		free(vals);
		free(counts);
	}
	printf("# %d probes compared\n", checked);
	tap_ok(bad == 0 && checked > 2000, "scores equal the brute-force count for fitted and unseen values, both tie rules");
}

/* A model in which a value v in 1..5 scores v (recency: 6 - v days). */
static rfm_model *
identity_model(const double *weights, const double *edges)
{
	int			bins;
	double		w[RFM_NDIMS],
				e[RFM_NEDGES];
	double		v[] = {1, 2, 3, 4, 5};
	int64_t		c[] = {1, 1, 1, 1, 1};
	rfm_model  *m;

	int			ties;

	rfm_default_params(&bins, &ties, w, e);
	m = rfm_model_new(bins, ties, weights ? weights : w, edges ? edges : e);
	for (int d = 0; d < RFM_NDIMS; d++)
		rfm_dim_build(&m->dims[d], v, c, 5, 5, 5, ties, d == RFM_R, err, sizeof(err));
	return m;
}

/* Score scores (r, f, m, n) given as scores; 0 = NULL. */
static rfm_scores
score_of(const rfm_model *m, int r, int f, int mo, int n)
{
	int			s[RFM_NDIMS] = {r, f, mo, n};
	double		x[RFM_NDIMS];
	unsigned char isnull[RFM_NDIMS];
	rfm_scores	out;

	for (int d = 0; d < RFM_NDIMS; d++)
	{
		isnull[d] = s[d] == 0;
		x[d] = d == RFM_R ? 6 - s[d] : s[d];
	}
	rfm_score(m, x, isnull, &out);
	return out;
}

/* Weighted mean, NULL dimensions, every segment edge, codes. */
static void
test_segments(void)
{
	rfm_model  *m = identity_model(NULL, NULL);
	rfm_scores	s;
	char		code[16];
	double		w2[] = {2, 1, 1, 0};
	double		e2[] = {4.5, 2.5, 1.5};

	s = score_of(m, 5, 4, 3, 4);
	tap_ok(s.s[0] == 5 && s.s[1] == 4 && s.s[2] == 3 && s.s[3] == 4, "recency reversed: 1 day scores 5");
	tap_near(s.score, 4.0, 0, "weighted mean 16/4");
	tap_str(rfm_segment_of(m, s.score), "high_value", "S = 4 is high_value");
	rfm_code(&s, 5, code);
	tap_str(code, "5434", "code 5434");
	s = score_of(m, 4, 4, 4, 3);
	tap_near(s.score, 3.75, 0, "weighted mean 15/4");
	tap_str(rfm_segment_of(m, s.score), "mid_value", "S = 3.75 is mid_value");
	tap_str(rfm_segment_of(m, 3.0), "mid_value", "S = 3 is mid_value");
	tap_str(rfm_segment_of(m, 2.9999999999999996), "low_value", "S just below 3 is low_value");
	tap_str(rfm_segment_of(m, 2.0), "low_value", "S = 2 is low_value");
	tap_str(rfm_segment_of(m, 1.75), "churn_risk", "S = 1.75 is churn_risk");
	tap_str(rfm_segment_of(m, 3.9999999999999996), "mid_value", "S just below 4 is mid_value");
	s = score_of(m, 5, 0, 3, 0);
	tap_ok(s.has_score && s.score == 4.0, "NULL dimensions drop out of the mean");
	rfm_code(&s, 5, code);
	tap_str(code, "5-3-", "NULL dimension shows as -");
	s = score_of(m, 0, 0, 0, 0);
	tap_ok(!s.has_score, "all NULL: no score");
	rfm_code(&s, 5, code);
	tap_str(code, "----", "all NULL code");
	s.s[0] = 10;
	s.s[1] = 1;
	s.s[2] = 0;
	s.s[3] = 5;
	rfm_code(&s, 10, code);
	tap_str(code, "1001--05", "bins 10: two digits per score");
	s.s[0] = 100;
	rfm_code(&s, 100, code);
	tap_str(code, "100001---005", "bins 100: three digits per score");
	rfm_model_free(m);

	m = identity_model(w2, e2);
	s = score_of(m, 5, 3, 3, 1);
	tap_near(s.score, 4.0, 0, "weights 2,1,1,0: (10+3+3)/4");
	tap_str(rfm_segment_of(m, s.score), "mid_value", "custom edges: 4 < 4.5 is mid_value");
	tap_str(rfm_segment_of(m, 1.5), "low_value", "custom edges: 1.5 is low_value");
	tap_str(rfm_segment_of(m, 1.49), "churn_risk", "custom edges: 1.49 is churn_risk");
	s = score_of(m, 0, 0, 0, 5);
	tap_ok(!s.has_score, "only a zero-weight dimension present: no score");
	rfm_model_free(m);

	{
		/* weights of any finite size weigh as their ratios say */
		double		huge[] = {1e308, 1e308, 1e308, 1e308};
		double		tiny[] = {5e-324, 5e-324, 5e-324, 5e-324};
		double		apart[] = {1e308, 5e-324, 0, 0};

		m = identity_model(huge, NULL);
		s = score_of(m, 5, 5, 5, 5);
		tap_ok(s.has_score && s.score == 5.0, "weights 1e308: the best customer scores 5");
		rfm_model_free(m);
		m = identity_model(tiny, NULL);
		s = score_of(m, 5, 4, 3, 0);
		tap_ok(s.has_score && s.score == 4.0, "weights 5e-324: (5 + 4 + 3) / 3");
		rfm_model_free(m);
		m = identity_model(apart, NULL);
		s = score_of(m, 0, 4, 3, 0);
		tap_ok(s.has_score && s.score == 4.0, "weights 1e308, 5e-324: the light one alone scores");
		s = score_of(m, 1, 4, 3, 0);
		tap_ok(s.has_score && s.score == 1.0, "weights 1e308, 5e-324: the heavy one decides");
		rfm_model_free(m);
	}
}

/* Parameter checks. */
static void
test_params(void)
{
	double		w[] = {1, 1, 1, 1},
				e[] = {4, 3, 2};
	double		wz[] = {0, 0, 0, 0},
				wn[] = {1, -1, 1, 1},
				winf[] = {1, INFINITY, 1, 1};
	double		e_eq[] = {4, 3, 3},
				e_up[] = {2, 3, 4},
				e_nan[] = {4, NAN, 2};

	tap_ok(rfm_check_params(5, RFM_TIES_MIDRANK, w, e, err, sizeof(err)) == 0, "default parameters pass");
	tap_ok(rfm_check_params(0, RFM_TIES_MIDRANK, w, e, err, sizeof(err)) < 0, "bins 0 refused");
	tap_str(err, "bins must be between 1 and 100, not 0", "bins message");
	tap_ok(rfm_check_params(101, RFM_TIES_MIDRANK, w, e, err, sizeof(err)) < 0, "bins 101 refused");
	tap_ok(rfm_check_params(5, RFM_TIES_MIDRANK, wz, e, err, sizeof(err)) < 0, "all-zero weights refused");
	tap_str(err, "weights must not all be zero", "zero weights message");
	tap_ok(rfm_check_params(5, RFM_TIES_MIDRANK, wn, e, err, sizeof(err)) < 0, "negative weight refused");
	tap_str(err, "weight of frequency must be a finite non-negative number, not -1", "negative weight message");
	tap_ok(rfm_check_params(5, RFM_TIES_MIDRANK, winf, e, err, sizeof(err)) < 0, "infinite weight refused");
	tap_ok(rfm_check_params(5, RFM_TIES_MIDRANK, w, e_eq, err, sizeof(err)) < 0, "equal edges refused");
	tap_str(err, "segment edges (high, mid, low) must be strictly descending, but edge 3 is 3 after 3",
			"edges message");
	tap_ok(rfm_check_params(5, RFM_TIES_MIDRANK, w, e_up, err, sizeof(err)) < 0, "ascending edges refused");
	tap_ok(rfm_check_params(5, RFM_TIES_MIDRANK, w, e_nan, err, sizeof(err)) < 0, "NaN edge refused");
}

/*
 * The named map, checked against the rules written as ranges: every
 * cell must match exactly one rule, and the map must return its name.
 */
static void
test_named_map(void)
{
	static const struct
	{
		const char *name;
		int			rlo,
					rhi,
					flo,
					fhi;
	}			rules[] = {
		{"Champions", 5, 5, 4, 5},
		{"Loyal Customers", 3, 4, 4, 5},
		{"Potential Loyalists", 4, 5, 2, 3},
		{"New Customers", 5, 5, 1, 1},
		{"Promising", 4, 4, 1, 1},
		{"Need Attention", 3, 3, 3, 3},
		{"About To Sleep", 3, 3, 1, 2},
		{"At Risk", 1, 2, 3, 4},
		{"Can't Lose Them", 1, 2, 5, 5},
		{"Hibernating", 1, 2, 1, 2},	/* except R1 F1 */
		{"Lost", 1, 1, 1, 1},
	};
	int			bad = 0;

	for (int r = 1; r <= 5; r++)
		for (int f = 1; f <= 5; f++)
		{
			const char *want = NULL;
			int			matches = 0;

			for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
			{
				if (r < rules[i].rlo || r > rules[i].rhi || f < rules[i].flo || f > rules[i].fhi)
					continue;
				if (strcmp(rules[i].name, "Hibernating") == 0 && r == 1 && f == 1)
					continue;
				matches++;
				want = rules[i].name;
			}
			if (matches != 1 || strcmp(rfm_named_segment(r, f), want) != 0)
			{
				bad++;
				printf("# R%d F%d: got %s, want %s (%d rules match)\n", r, f,
					   rfm_named_segment(r, f), want ? want : "?", matches);
			}
		}
	tap_ok(bad == 0, "all 25 cells of the named map follow the rules");
	tap_str(rfm_named_segment(1, 1), "Lost", "R1 F1 is Lost");
	tap_str(rfm_named_segment(2, 1), "Hibernating", "R2 F1 is Hibernating");
	tap_str(rfm_named_segment(5, 5), "Champions", "R5 F5 is Champions");
	tap_ok(rfm_named_segment(0, 3) == NULL && rfm_named_segment(3, 6) == NULL,
		   "scores outside 1..5 have no named segment");
}

/* Every value_trend case and its errors. */
static void
test_trend(void)
{
	static const struct
	{
		double		cur,
					prev,
					band;
		const char *want;
	}			cases[] = {
		{110, 100, 0.10, "stable"},		/* exactly +band */
		{111, 100, 0.10, "rising"},
		{90, 100, 0.10, "stable"},		/* exactly -band */
		{89, 100, 0.10, "declining"},
		{100, 100, 0.10, "stable"},
		{0, 100, 0.10, "declining"},
		{5, 0, 0.10, "new"},
		{0, 0, 0.10, "inactive"},
		{101, 100, 0, "rising"},
		{100, 100, 0, "stable"},
		{99, 100, 0, "declining"},
		{300, 100, 2.5, "stable"},
		{400, 100, 2.5, "rising"},
	};
	rfm_trend	t;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		char		name[100];

		snprintf(name, sizeof(name), "value_trend(%g, %g, %g)", cases[i].cur, cases[i].prev, cases[i].band);
		if (rfm_value_trend(cases[i].cur, cases[i].prev, cases[i].band, &t, err, sizeof(err)) < 0)
			tap_ok(0, name);
		else
			tap_str(rfm_trend_name(t), cases[i].want, name);
	}
	tap_ok(rfm_value_trend(-1, 100, 0.1, &t, err, sizeof(err)) < 0, "negative current refused");
	tap_str(err, "current must be a finite non-negative number, not -1", "negative current message");
	tap_ok(rfm_value_trend(1, -0.5, 0.1, &t, err, sizeof(err)) < 0, "negative previous refused");
	tap_str(err, "previous must be a finite non-negative number, not -0.5", "negative previous message");
	tap_ok(rfm_value_trend(1, 1, -0.1, &t, err, sizeof(err)) < 0, "negative band refused");
	tap_ok(rfm_value_trend(NAN, 1, 0.1, &t, err, sizeof(err)) < 0, "NaN current refused");
	tap_ok(rfm_value_trend(1, INFINITY, 0.1, &t, err, sizeof(err)) < 0, "infinite previous refused");
}

/* NPS from rating counts. */
static void
test_nps(void)
{
	int64_t		prom[11] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4};
	int64_t		detr[11] = {1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
	int64_t		pass[11] = {0, 0, 0, 0, 0, 0, 0, 5, 2, 0, 0};
	int64_t		mix[11] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3};	/* 3 promoters, 1 detractor */
	int64_t		third[11] = {0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0};
	int64_t		none[11] = {0};
	double		v = 42;

	tap_ok(rfm_nps(prom, &v) && v == 100, "all promoters: 100");
	tap_ok(rfm_nps(detr, &v) && v == -100, "all detractors: -100");
	tap_ok(rfm_nps(pass, &v) && v == 0, "passives only: 0");
	tap_ok(rfm_nps(mix, &v) && v == 50, "3 promoters, 1 detractor: 50");
	tap_ok(rfm_nps(third, &v) && v == 0, "6 is a detractor, 7 passive, 9 promoter: 0");
	v = 42;
	tap_ok(!rfm_nps(none, &v) && v == 42, "no ratings: no NPS");
	{
		/* sums past INT64_MAX: an int64 total would wrap */
		int64_t		huge[11] = {1, 0, 0, 0, 0, 0, 0, 0, 0, INT64_MAX, INT64_MAX};
		int64_t		even[11] = {INT64_MAX, 0, 0, 0, 0, 0, 0, 0, 0, 0, INT64_MAX};

		tap_ok(rfm_nps(huge, &v) && v > 99.999999 && v <= 100, "2 * INT64_MAX promoters, 1 detractor: +100");
		tap_ok(rfm_nps(even, &v) && v == 0, "INT64_MAX promoters and detractors: 0");
	}
}


/* Check that an input was refused with exactly the message want. */
static void
check_refused(int refused, const char *what, const char *input, const char *want)
{
	char		name[300];

	snprintf(name, sizeof(name), "%s %s refused", what, input);
	tap_ok(refused, name);
	tap_str(err, want, "  with its message");
}

/* Parse a map, expecting failure with exactly the message want. */
static void
map_fails(const char *json, const char *want)
{
	rfm_map    *map = rfm_map_parse(json, strlen(json), err, sizeof(err));

	check_refused(map == NULL, "map", json, want);
	rfm_map_free(map);
}

/* User maps: matching order, omitted and NULL dimensions, malformed maps. */
static void
test_user_map(void)
{
	const char *json = "[{\"segment\": \"vip\", \"r\": [4, 5], \"f\": [4, 5], \"m\": [4, 5]},"
		" {\"segment\": \"recent\", \"r\": [4, 5]}, {\"segment\": \"big\", \"m\": [5, 5]},"
		" {\"segment\": \"low f\", \"f\": [1, 1], \"m\": [1, 2], \"r\": null}]";
	rfm_map    *map = rfm_map_parse(json, strlen(json), err, sizeof(err));

	if (!tap_ok(map != NULL && map->nrules == 4, "valid map parses"))
	{
		printf("# %s\n", err);
		return;
	}
	tap_str(rfm_map_segment(map, 5, 5, 5), "vip", "first rule matches");
	tap_str(rfm_map_segment(map, 4, 4, 3), "recent", "first match wins over later rules");
	tap_str(rfm_map_segment(map, 3, 5, 5), "big", "omitted r and f match anything");
	tap_str(rfm_map_segment(map, 3, 1, 2), "low f", "null range matches anything");
	tap_str(rfm_map_segment(map, 3, 1, 3), "Other", "no rule matches: Other");
	tap_str(rfm_map_segment(map, 5, 0, 5), "recent", "NULL f skips the rule on f");
	tap_str(rfm_map_segment(map, 0, 1, 5), "big", "NULL r skips the rules on r");
	tap_str(rfm_map_segment(map, 0, 1, 0), "Other", "NULL m skips the rules on m");
	rfm_map_free(map);

	map_fails("{\"segment\": \"a\"}", "map must be a non-empty array of rules, not object");
	map_fails("[]", "map must be a non-empty array of rules, not an empty array");
	map_fails("[1]", "rule 1 must be an object, not number");
	map_fails("[{\"r\": [1, 2]}]", "rule 1: \"segment\" must be a non-empty string");
	map_fails("[{\"segment\": \"\"}]", "rule 1: \"segment\" must be a non-empty string");
	map_fails("[{\"segment\": \"a\"}, {\"segment\": \"b\", \"n\": [1, 2]}]",
			  "rule 2 has unknown key \"n\" (allowed: segment, r, f, m)");
	map_fails("[{\"segment\": \"a\", \"r\": 3}]", "rule 1: \"r\" must be an array [lo, hi]");
	map_fails("[{\"segment\": \"a\", \"r\": [1, 2, 3]}]", "rule 1: \"r\" must be an array [lo, hi]");
	map_fails("[{\"segment\": \"a\", \"f\": [1.5, 2]}]",
			  "rule 1: \"f\" bound must be an integer between 1 and 100, not 1.5");
	map_fails("[{\"segment\": \"a\", \"f\": [\"1\", 2]}]", "rule 1: \"f\" bound must be a number, not string");
	map_fails("[{\"segment\": \"a\", \"m\": [0, 2]}]",
			  "rule 1: \"m\" bound must be an integer between 1 and 100, not 0");
	map_fails("[{\"segment\": \"a\", \"m\": [3, 2]}]", "rule 1: \"m\" range [3, 2] must not be reversed");
	map_fails("[{\"segment\": \"a\",}]", "unexpected character \"}\" at offset 17");
}

/* The model of test_bands' data in frequency and recency, monetary all 7. */
static rfm_model *
sample_model(void)
{
	double		fv[] = {1, 2, 3, 5};
	int64_t		fc[] = {6, 2, 1, 1};
	double		rv[] = {10, 20, 30, 40};
	int64_t		rc[] = {1, 2, 3, 4};
	double		mv[] = {0.1, 7.25};
	int64_t		mc[] = {1, 2};
	double		w[] = {2, 1, 1, 0.5},
				e[] = {4, 3, 2.5};
	rfm_model  *m = rfm_model_new(5, RFM_TIES_FIRST, w, e);

	rfm_dim_build(&m->dims[RFM_R], rv, rc, 4, 10, 5, RFM_TIES_FIRST, 1, err, sizeof(err));
	rfm_dim_build(&m->dims[RFM_F], fv, fc, 4, 10, 5, RFM_TIES_FIRST, 0, err, sizeof(err));
	rfm_dim_build(&m->dims[RFM_M], mv, mc, 2, 3, 5, RFM_TIES_FIRST, 0, err, sizeof(err));
	return m;
}

static const char *sample_json =
"{\"kind\": \"rfmn_model\", \"version\": 1, \"bins\": 5, \"ties\": \"first\", \"weights\": [2, 1, 1, 0.5], \"edges\": [4, 3, 2.5], "
"\"recency\": {\"n\": 10, \"scores\": [{\"score\": 1, \"min_value\": 40, \"max_value\": 40, \"customers\": 4}, "
"{\"score\": 3, \"min_value\": 30, \"max_value\": 30, \"customers\": 3}, "
"{\"score\": 4, \"min_value\": 20, \"max_value\": 20, \"customers\": 2}, "
"{\"score\": 5, \"min_value\": 10, \"max_value\": 10, \"customers\": 1}]}, "
"\"frequency\": {\"n\": 10, \"scores\": [{\"score\": 1, \"min_value\": 1, \"max_value\": 1, \"customers\": 6}, "
"{\"score\": 4, \"min_value\": 2, \"max_value\": 2, \"customers\": 2}, "
"{\"score\": 5, \"min_value\": 3, \"max_value\": 5, \"customers\": 2}]}, "
"\"monetary\": {\"n\": 3, \"scores\": [{\"score\": 1, \"min_value\": 0.1, \"max_value\": 0.1, \"customers\": 1}, "
"{\"score\": 2, \"min_value\": 7.25, \"max_value\": 7.25, \"customers\": 2}]}, "
"\"nps\": {\"n\": 0, \"scores\": []}}";

/* Replace the first occurrence of from by to in sample_json. */
static char *
edited(const char *from, const char *to)
{
	const char *at = strstr(sample_json, from);
	char	   *out = malloc(strlen(sample_json) + strlen(to) + 1);

	if (at == NULL)
	{
		printf("# edit target %s not found\n", from);
		strcpy(out, sample_json);
		return out;
	}
	memcpy(out, sample_json, at - sample_json);
	strcpy(out + (at - sample_json), to);
	strcat(out, at + strlen(from));
	return out;
}

/* A model text must be refused with message want. */
static void
model_text_fails(const char *json, const char *what, const char *want)
{
	rfm_model  *m = rfm_model_from_json(json, strlen(json), err, sizeof(err));

	check_refused(m == NULL, "model with", what, want);
	rfm_model_free(m);
}

/* A model text edited from the sample must be refused with message want. */
static void
model_fails(const char *from, const char *to, const char *want)
{
	char	   *json = edited(from, to);

	model_text_fails(json, to, want);
	free(json);
}

/* JSON and binary round trips, hand-written and damaged models. */
static void
test_model_io(void)
{
	rfm_model  *m = sample_model();
	rfm_model  *back;
	char	   *json = rfm_model_to_json(m);
	char	   *json2;
	cv_wbuf		b;

	tap_ok(rfm_model_check(m, err, sizeof(err)) == 0, "sample model is valid");
	tap_str(json, sample_json, "model JSON text");
	back = rfm_model_from_json(json, strlen(json), err, sizeof(err));
	if (!tap_ok(back != NULL, "model JSON reads back"))
		printf("# %s\n", err);
	json2 = back ? rfm_model_to_json(back) : NULL;
	tap_str(json2, json, "text -> model -> text is identical");
	tap_ok(back && rfm_score_value(back, RFM_F, 2.5) == 5 && rfm_score_value(back, RFM_R, 25) == 4,
		   "the model read back scores like the original");
	rfm_model_free(back);
	cv_free(json2);

	cvb_init(&b);
	rfm_model_write(m, &b);
	back = rfm_model_read(b.data, b.len, err, sizeof(err));
	if (!tap_ok(back != NULL, "binary payload reads back"))
		printf("# %s\n", err);
	json2 = back ? rfm_model_to_json(back) : NULL;
	tap_str(json2, json, "binary round trip keeps the model");
	rfm_model_free(back);
	cv_free(json2);
	back = rfm_model_read(b.data, b.len - 1, err, sizeof(err));
	tap_ok(back == NULL, "truncated payload refused");
	tap_str(err, "payload is truncated or has trailing bytes", "  with its message");
	cvb_u8(&b, 0);
	back = rfm_model_read(b.data, b.len, err, sizeof(err));
	tap_ok(back == NULL, "payload with trailing bytes refused");
	b.len--;
	b.data[0] = 0;				/* bins 0 */
	back = rfm_model_read(b.data, b.len, err, sizeof(err));
	tap_ok(back == NULL, "payload with bins 0 refused");
	tap_str(err, "bins must be between 1 and 100, not 0", "  with its message");
	b.data[0] = 5;
	b.data[4 + 4 + 8 * 7 + 8 + 4] = 2;	/* recency's first score 1 -> 2 */
	back = rfm_model_read(b.data, b.len, err, sizeof(err));
	tap_ok(back == NULL, "payload with an inconsistent table refused");
	tap_str(err, "recency: score 2 does not match its rank: 0 of 10 customers score lower, so its values score 1 + floor(5 * 0 / 10) = 1",
			"  with its message");
	/* every single-byte corruption and every truncation is refused or checked */
	{
		int			bad = 0;

		b.data[4 + 4 + 8 * 7 + 8 + 4] = 1;
		for (size_t i = 0; i < b.len; i++)
			for (int bit = 0; bit < 8; bit++)
			{
				b.data[i] ^= (unsigned char) (1 << bit);
				back = rfm_model_read(b.data, b.len, err, sizeof(err));
				if (back != NULL && rfm_model_check(back, err, sizeof(err)) < 0)
					bad++;
				rfm_model_free(back);
				b.data[i] ^= (unsigned char) (1 << bit);
			}
		for (size_t len = 0; len < b.len; len++)
		{
			back = rfm_model_read(b.data, len, err, sizeof(err));
			if (back != NULL)
				bad++;
			rfm_model_free(back);
		}
		back = rfm_model_read(b.data, b.len, err, sizeof(err));
		tap_ok(back != NULL && bad == 0, "bit flips and truncations never yield an unchecked model");
		rfm_model_free(back);
	}
	cv_free(b.data);
	cv_free(json);
	rfm_model_free(m);

	/* hand-written: 5 customers per score, recency cut at 7/30/90/180 days */
	{
		const char *hand = "{\"kind\":\"rfmn_model\",\"version\":1,\"bins\":4,\"weights\":[1,1,1,0],\"edges\":[3.5,2.5,1.5],"
		"\"recency\":{\"n\":20,\"scores\":[{\"score\":1,\"min_value\":181,\"max_value\":365,\"customers\":5},"
		"{\"score\":2,\"min_value\":91,\"max_value\":180,\"customers\":5},{\"score\":3,\"min_value\":31,\"max_value\":90,\"customers\":5},"
		"{\"score\":4,\"min_value\":0,\"max_value\":30,\"customers\":5}]},"
		"\"frequency\":{\"n\":0,\"scores\":[]},\"monetary\":{\"n\":0,\"scores\":[]},\"nps\":{\"n\":0,\"scores\":[]}}";

		m = rfm_model_from_json(hand, strlen(hand), err, sizeof(err));
		if (!tap_ok(m != NULL, "hand-written model accepted"))
			printf("# %s\n", err);
		else
		{
			tap_ok(rfm_score_value(m, RFM_R, 100) == 2 && rfm_score_value(m, RFM_R, 30.5) == 4 &&
				   rfm_score_value(m, RFM_R, 500) == 1, "hand-written model scores by its cut points");
			rfm_model_free(m);
		}
	}

	model_fails("\"kind\": \"rfmn_model\"", "\"kind\": \"scorecard\"",
				"\"kind\" is \"scorecard\", expected \"rfmn_model\"");
	model_fails("\"kind\": \"rfmn_model\", ", "",
				"\"kind\" must be the string \"rfmn_model\"");
	model_fails("\"version\": 1", "\"version\": 2",
				"unsupported \"version\" 2 (this build reads version 1)");
	model_fails("\"bins\": 5", "\"bins\": 5, \"extra\": 1", "model has unknown key \"extra\"");
	model_fails("\"n\": 10, ", "\"n\": 10, \"nulls\": 0, ",
				"\"recency\" has unknown key \"nulls\"");
	model_fails("\"customers\": 4}", "\"customers\": 4, \"share\": 0.4}",
				"recency score entry 1 has unknown key \"share\"");
	model_fails("[2, 1, 1, 0.5]", "[2, 1, 1]", "\"weights\" must be an array of 4 numbers");
	model_fails("[2, 1, 1, 0.5]", "[2, 1, 1, \"x\"]",
				"\"weights\" element 4 must be a number, not string");
	model_fails("[2, 1, 1, 0.5]", "[0, 0, 0, 0]", "weights must not all be zero");
	model_fails("[4, 3, 2.5]", "[4, 4, 2.5]",
				"segment edges (high, mid, low) must be strictly descending, but edge 2 is 4 after 4");
	model_fails("[4, 3, 2.5]", "[4, 3, 1e999]", "number out of range at offset 108");
	model_fails("\"bins\": 5", "\"bins\": 0", "\"bins\" must be an integer between 1 and 100, not 0");
	model_fails("\"score\": 5, \"min_value\": 10", "\"score\": 6, \"min_value\": 10",
				"recency entry 4 \"score\" must be an integer between 1 and 5, not 6");
	model_fails("\"max_value\": 10, \"customers\": 1", "\"max_value\": 10, \"customers\": 2",
				"recency: score 5 has 2 customers, outside 1..1");
	model_fails("\"monetary\": {\"n\": 3", "\"monetary\": {\"n\": 4",
				"monetary: the scores hold 3 customers, not 4");
	model_fails("\"score\": 4, \"min_value\": 20, \"max_value\": 20",
				"\"score\": 4, \"min_value\": 20, \"max_value\": 30",
				"recency: the values of score 4 must lie below those of score 3");
	model_fails("\"score\": 4, \"min_value\": 2, \"max_value\": 2",
				"\"score\": 4, \"min_value\": 2, \"max_value\": 1.5",
				"frequency: score 4 must have finite min_value <= max_value, not 2 and 1.5");
	model_fails("\"score\": 4, \"min_value\": 2, \"max_value\": 2",
				"\"score\": 3, \"min_value\": 2, \"max_value\": 2",
				"frequency: score 3 does not match its rank: 6 of 10 customers score lower, so its values score 1 + floor(5 * 6 / 10) = 4");
	model_fails("\"nps\": {\"n\": 0, \"scores\": []}", "\"nps\": {\"n\": 2, \"scores\": []}",
				"nps: 2 customers but 0 scores");
	model_fails(", \"nps\": {\"n\": 0, \"scores\": []}", "", "\"nps\" is missing");
	model_fails("\"nps\": {\"n\": 0, \"scores\": []}", "\"nps\": []",
				"\"nps\" must be an object, not array");
	model_fails("{\"kind\"", "[{\"kind\"", "unexpected end of input at offset 825");
}

/*
 * The tie rule in the model's forms: written as "ties", read back, absent
 * in older models (which mean "first"), and checked against the tables.
 */
static void
test_model_ties(void)
{
	double		rv[] = {0, 1, 5, 60};
	int64_t		rc[] = {278, 231, 286, 205};
	rfm_model  *m = model_with(RFM_R, rv, rc, 4, 5, RFM_TIES_MIDRANK);
	char	   *json = rfm_model_to_json(m);
	char	   *old = edited("\"ties\": \"first\", ", "");
	rfm_model  *back;
	cv_wbuf		b;
	const char *head = "{\"kind\": \"rfmn_model\", \"version\": 1, \"bins\": 5, \"ties\": \"midrank\", "
	"\"weights\": [1, 1, 1, 1], \"edges\": [4, 3, 2], \"frequency\": {\"n\": 0, \"scores\": []}, "
	"\"monetary\": {\"n\": 0, \"scores\": []}, \"nps\": {\"n\": 0, \"scores\": []}, \"recency\": ";
	char		buf[1024];

	tap_ok(strstr(json, "\"bins\": 5, \"ties\": \"midrank\", \"weights\"") != NULL,
		   "a midrank model writes \"ties\": \"midrank\"");
	back = rfm_model_from_json(json, strlen(json), err, sizeof(err));
	tap_ok(back != NULL && back->ties == RFM_TIES_MIDRANK && rfm_score_value(back, RFM_R, 0) == 5,
		   "a midrank model reads back as midrank");
	rfm_model_free(back);
	cvb_init(&b);
	rfm_model_write(m, &b);
	back = rfm_model_read(b.data, b.len, err, sizeof(err));
	tap_ok(back != NULL && back->ties == RFM_TIES_MIDRANK, "the binary form keeps the tie rule");
	rfm_model_free(back);
	b.data[4] = 7;
	back = rfm_model_read(b.data, b.len, err, sizeof(err));
	tap_ok(back == NULL, "binary form with an unknown tie rule refused");
	tap_str(err, "tie rule 7 is unknown", "  with its message");
	cv_free(b.data);

	back = rfm_model_from_json(old, strlen(old), err, sizeof(err));
	tap_ok(back != NULL && back->ties == RFM_TIES_FIRST, "a model without \"ties\" reads as first");
	rfm_model_free(back);
	free(old);
	model_fails("\"ties\": \"first\"", "\"ties\": \"average\"", "\"ties\" must be \"midrank\" or \"first\"");
	model_fails("\"ties\": \"first\"", "\"ties\": 1", "\"ties\" must be \"midrank\" or \"first\"");
	/* the sample's tables are those of `first`: monetary's best is not bins */
	model_fails("\"ties\": \"first\"", "\"ties\": \"midrank\"",
				"monetary: the best values score 5 under ties \"midrank\", not 2");
	cv_free(json);
	rfm_model_free(m);

	/* hand-written midrank tables */
	snprintf(buf, sizeof(buf), "%s{\"n\": 10, \"scores\": [{\"score\": 1, \"min_value\": 9, \"max_value\": 9, \"customers\": 4}, "
			 "{\"score\": 3, \"min_value\": 5, \"max_value\": 5, \"customers\": 4}, "
			 "{\"score\": 5, \"min_value\": 1, \"max_value\": 1, \"customers\": 2}]}}", head);
	m = rfm_model_from_json(buf, strlen(buf), err, sizeof(err));
	if (!tap_ok(m != NULL, "hand-written midrank model accepted"))
		printf("# %s\n", err);
	rfm_model_free(m);
	snprintf(buf, sizeof(buf), "%s{\"n\": 10, \"scores\": [{\"score\": 1, \"min_value\": 9, \"max_value\": 9, \"customers\": 4}, "
			 "{\"score\": 2, \"min_value\": 5, \"max_value\": 5, \"customers\": 4}, "
			 "{\"score\": 5, \"min_value\": 1, \"max_value\": 1, \"customers\": 2}]}}", head);
	model_text_fails(buf, buf, "recency: score 2 does not match its ranks: 4 of 10 customers score lower and it holds 4, so its mid-ranks score 3 to 4");
	snprintf(buf, sizeof(buf), "%s{\"n\": 10, \"scores\": [{\"score\": 2, \"min_value\": 9, \"max_value\": 9, \"customers\": 4}, "
			 "{\"score\": 5, \"min_value\": 1, \"max_value\": 1, \"customers\": 6}]}}", head);
	model_text_fails(buf, buf, "recency: the worst values score 1 under ties \"midrank\", not 2");
	snprintf(buf, sizeof(buf), "%s{\"n\": 10, \"scores\": [{\"score\": 1, \"min_value\": 9, \"max_value\": 9, \"customers\": 4}, "
			 "{\"score\": 4, \"min_value\": 1, \"max_value\": 1, \"customers\": 6}]}}", head);
	model_text_fails(buf, buf, "recency: the best values score 5 under ties \"midrank\", not 4");
	snprintf(buf, sizeof(buf), "%s{\"n\": 10, \"scores\": [{\"score\": 1, \"min_value\": 9, \"max_value\": 9, \"customers\": 10}]}}", head);
	model_text_fails(buf, buf, "recency: a single score holds one tie group, which scores 1 + floor(5 / 2) = 3 under ties \"midrank\", not 1");
}

int
main(void)
{
	test_bands_first();
	test_bands_midrank();
	test_build_errors();
	test_brute_force();
	test_segments();
	test_params();
	test_named_map();
	test_trend();
	test_nps();
	test_user_map();
	test_model_io();
	test_model_ties();
	return tap_done();
}
