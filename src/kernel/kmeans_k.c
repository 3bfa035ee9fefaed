/*
 * kmeans_k.c
 *	  k-means clustering, silhouette and seasonality; see kmeans_k.h.
 */
#include "kmeans_k.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvalloc.h"
#include "cvjson.h"

/* ----------------------------------------------------------------- RNG */

/*
 * xoshiro256** (Blackman & Vigna), seeded by splitmix64: small, fast and
 * the same on every platform, so a seed gives the same fit everywhere.
 */
typedef struct km_rng
{
	uint64_t	s[4];
} km_rng;

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Stream `run` of seed `seed`: each of the n_init runs has its own. */
static void
rng_seed(km_rng *r, uint64_t seed, uint64_t run)
{
	uint64_t	x = seed ^ (run * 0xD1B54A32D192ED03ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* Uniform double in [0, 1) with 53 random bits. */
static double
rng_uniform(km_rng *r)
{
	uint64_t   *s = r->s;
	uint64_t	result = rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return (double) (result >> 11) * 0x1.0p-53;
}

/* ------------------------------------------------------------ helpers */

/*
 * Squared Euclidean distance.  Four running sums, not one: the additions
 * of one sum wait for each other, four independent ones keep the
 * floating-point unit busy (the order is fixed, so results are the same
 * on every run).
 */
static inline double
sqdist(const double *a, const double *b, int d)
{
	double		s0 = 0.0,
				s1 = 0.0,
				s2 = 0.0,
				s3 = 0.0;
	int			j = 0;

	for (; j + 4 <= d; j += 4)
	{
		double		t0 = a[j] - b[j],
					t1 = a[j + 1] - b[j + 1],
					t2 = a[j + 2] - b[j + 2],
					t3 = a[j + 3] - b[j + 3];

		s0 += t0 * t0;
		s1 += t1 * t1;
		s2 += t2 * t2;
		s3 += t3 * t3;
	}
	for (; j < d; j++)
	{
		double		t = a[j] - b[j];

		s0 += t * t;
	}
	return (s0 + s1) + (s2 + s3);
}

/* Most k-means++ candidates per step (2 + ln k for k up to KM_MAX_K). */
#define KM_MAX_TRIALS 16


/*
 * Nearest and second-nearest centre of x among C[k][d]: index of the
 * nearest (ties to the lower index) and both squared distances.
 */
static int
nearest2(const double *x, const double *C, int k, int d, double *best, double *second)
{
	int			a = 0;
	double		b1 = INFINITY,
				b2 = INFINITY;

	for (int j = 0; j < k; j++)
	{
		double		dd = sqdist(x, C + (size_t) j * d, d);

		if (dd < b1)
		{
			b2 = b1;
			b1 = dd;
			a = j;
		}
		else if (dd < b2)
			b2 = dd;
	}
	*best = b1;
	*second = b2;
	return a;
}

/* Nearest centre of x among C[k][d] (ties to the lower index), scoring's loop. */
static int
nearest(const double *x, const double *C, int k, int d, double *best)
{
	int			a = 0;
	double		b1 = sqdist(x, C, d);

	for (int j = 1; j < k; j++)
	{
		double		dd = sqdist(x, C + (size_t) j * d, d);

		if (dd < b1)
		{
			b1 = dd;
			a = j;
		}
	}
	*best = b1;
	return a;
}

/* ---------------------------------------------------- distinct points */

/* Hash of a point with -0.0 folded onto 0.0 (they compare equal). */
static uint64_t
point_hash(const double *x, int d)
{
	uint64_t	h = 0;

	for (int j = 0; j < d; j++)
		h = cv_hash_f64(x[j], h);
	return h;
}

/* 1 when two points are equal coordinate by coordinate. */
static int
same_point(const double *a, const double *b, int d)
{
	for (int j = 0; j < d; j++)
		if (a[j] != b[j])
			return 0;
	return 1;
}

size_t
km_distinct_upto(const double *X, size_t n, int d, size_t limit)
{
	size_t		cap = 16,
				found = 0;
	size_t	   *slot;

	while (cap < 2 * limit + 2)
		cap *= 2;
	slot = cv_malloc(cap * sizeof(size_t));
	for (size_t i = 0; i < cap; i++)
		slot[i] = (size_t) -1;
	for (size_t i = 0; i < n && found < limit; i++)
	{
		const double *x = X + i * d;
		size_t		h = (size_t) point_hash(x, d) & (cap - 1);

		cv_interrupt_poll(i + 1);
		while (slot[h] != (size_t) -1 && !same_point(x, X + slot[h] * d, d))
			h = (h + 1) & (cap - 1);
		if (slot[h] == (size_t) -1)
		{
			slot[h] = i;
			found++;
		}
	}
	cv_free(slot);
	return found;
}

/* ------------------------------------------------------------ seeding */

/* Work arrays of one run, n doubles each, reused across runs. */
typedef struct km_work
{
	double	   *closest,		/* seeding: D^2; iterations: upper bounds */
			   *cand,			/* seeding: candidate D^2; iterations: lower bounds */
			   *best,			/* seeding: best candidate's D^2 */
			   *cum;			/* seeding: cumulative D^2 */
	int32_t    *labels;
	double	   *sums;			/* k * d */
	double	   *newc;			/* k * d */
	int64_t    *counts;			/* k */
	double	   *shift;			/* k */
	double	   *half;			/* k: half the distance to the nearest other centre */
} km_work;

/* First index whose cumulative D^2 reaches r, skipping points with D = 0. */
static size_t
draw(const double *cum, const double *closest, size_t n, double r)
{
	size_t		lo = 0,
				hi = n - 1;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (cum[mid] >= r)
			hi = mid;
		else
			lo = mid + 1;
	}
	while (lo < n - 1 && closest[lo] == 0.0)
		lo++;
	return lo;
}

/*
 * Greedy k-means++ as scikit-learn's _kmeans_plusplus: the first centre
 * uniformly, then per step 2 + floor(ln k) candidates sampled with
 * probability D^2 / potential, keeping the one whose potential is lowest.
 *
 * A step reads the points twice whatever the number of candidates: once
 * to sum every candidate's potential, once to update D^2 (and its running
 * sum, for the next draw) with the winner.  w->labels[i] keeps the chosen
 * centre nearest to point i, so the triangle inequality skips most
 * distances: when |y - c|^2 >= 4 D^2(x) for the candidate y and x's centre
 * c, then |x - y| >= D(x) and x's term stays D^2(x).  At the end labels,
 * D^2 and the centres are the first assignment of the iterations.
 */
static void
seed_plusplus(const double *X, size_t n, int d, int k, km_rng *rng,
			  km_work *w, double *C)
{
	int			trials = 2 + (int) log((double) k);
	size_t		first = (size_t) (rng_uniform(rng) * (double) n);
	double		pot = 0.0;
	double	   *cc = cv_malloc(sizeof(double) * KM_MAX_TRIALS * k);

	if (trials > KM_MAX_TRIALS)
		trials = KM_MAX_TRIALS;
	if (first >= n)
		first = n - 1;
	memcpy(C, X + first * d, sizeof(double) * d);
	for (size_t i = 0; i < n; i++)
	{
		cv_interrupt_poll(i + 1);
		w->closest[i] = sqdist(X + i * d, C, d);
		w->labels[i] = 0;
		w->cum[i] = (pot += w->closest[i]);
	}
	for (int c = 1; c < k; c++)
	{
		const double *y[KM_MAX_TRIALS] = {NULL};
		double		p[KM_MAX_TRIALS];
		double		r[KM_MAX_TRIALS];
		int			best = 0;
		const double *yb,
				   *ccb;

		for (int t = 0; t < trials; t++)
			r[t] = rng_uniform(rng) * pot;
		for (int t = 0; t < trials; t++)
		{
			y[t] = X + draw(w->cum, w->closest, n, r[t]) * d;
			p[t] = 0.0;
			for (int j = 0; j < c; j++)
				cc[t * k + j] = sqdist(y[t], C + (size_t) j * d, d);
		}
		for (size_t i = 0; i < n; i++)
		{
			const double *x = X + i * d;
			double		ci = w->closest[i],
						far = 4.0 * ci;
			int			o = w->labels[i];

			cv_interrupt_poll(i + 1);
			for (int t = 0; t < trials; t++)
			{
				double		dd = cc[t * k + o] >= far ? ci : sqdist(x, y[t], d);

				p[t] += dd < ci ? dd : ci;
			}
		}
		for (int t = 1; t < trials; t++)
			if (p[t] < p[best])
				best = t;
		yb = y[best];
		ccb = cc + best * k;
		memcpy(C + (size_t) c * d, yb, sizeof(double) * d);
		pot = 0.0;
		for (size_t i = 0; i < n; i++)
		{
			double		ci = w->closest[i];

			cv_interrupt_poll(i + 1);
			if (ccb[w->labels[i]] < 4.0 * ci)
			{
				double		dd = sqdist(X + i * d, yb, d);

				if (dd < ci)
				{
					w->closest[i] = dd;
					w->labels[i] = c;
				}
			}
			w->cum[i] = (pot += w->closest[i]);
		}
		pot = p[best];
	}
	cv_free(cc);
}

/* ---------------------------------------------------------- iterations */

/*
 * The M step: new centres as the means of their points.  A cluster left
 * empty takes, as in scikit-learn, one of the points farthest from their
 * centres (largest first, ties to the lower index), taken from a cluster
 * that keeps at least one point; labels are not changed, the next
 * assignment settles them.
 */
static void
update_centers(const double *X, size_t n, int d, int k, const double *C, km_work *w)
{
	int			nempty = 0;

	memset(w->sums, 0, sizeof(double) * k * d);
	memset(w->counts, 0, sizeof(int64_t) * k);
	for (size_t i = 0; i < n; i++)
	{
		double	   *s = w->sums + (size_t) w->labels[i] * d;
		const double *x = X + i * d;

		cv_interrupt_poll(i + 1);
		for (int j = 0; j < d; j++)
			s[j] += x[j];
		w->counts[w->labels[i]]++;
	}
	for (int c = 0; c < k; c++)
		nempty += w->counts[c] == 0;
	if (nempty > 0)
	{
		/* distance of every point to its current centre, in w->cum */
		for (size_t i = 0; i < n; i++)
			w->cum[i] = sqdist(X + i * d, C + (size_t) w->labels[i] * d, d);
		for (int c = 0; c < k; c++)
		{
			size_t		far = (size_t) -1;
			int			from;

			if (w->counts[c] != 0)
				continue;
			for (size_t i = 0; i < n; i++)
				if (w->cum[i] >= 0 && w->counts[w->labels[i]] > 1 &&
					(far == (size_t) -1 || w->cum[i] > w->cum[far]))
					far = i;
			if (far == (size_t) -1)
				break;			/* cannot happen with k <= distinct points */
			from = w->labels[far];
			for (int j = 0; j < d; j++)
			{
				w->sums[(size_t) from * d + j] -= X[far * d + j];
				w->sums[(size_t) c * d + j] = X[far * d + j];
			}
			w->counts[from]--;
			w->counts[c] = 1;
			w->cum[far] = -1.0;	/* taken */
		}
	}
	for (int c = 0; c < k; c++)
		for (int j = 0; j < d; j++)
			w->newc[(size_t) c * d + j] = w->counts[c] > 0
				? w->sums[(size_t) c * d + j] / (double) w->counts[c]
				: C[(size_t) c * d + j];
}

/* half[c] = half the distance from centre c to its nearest other centre. */
static void
center_halves(const double *C, int k, int d, double *half)
{
	for (int c = 0; c < k; c++)
	{
		double		m = INFINITY;

		for (int o = 0; o < k; o++)
			if (o != c)
			{
				double		dd = sqdist(C + (size_t) c * d, C + (size_t) o * d, d);

				if (dd < m)
					m = dd;
			}
		half[c] = 0.5 * sqrt(m);
	}
}

/*
 * One assignment of every point to its nearest centre of C with Hamerly's
 * bounds: upper[i] >= the distance to the assigned centre, lower[i] <= the
 * distance to every other centre, half[c] half the distance from centre c
 * to its nearest other centre.  A point whose upper bound is below
 * max(lower, half) keeps its centre without computing distances; one whose
 * bound ties it is recomputed in full, so ties go to the lower index as in
 * plain Lloyd.  Returns how many labels changed.
 */
static size_t
assign_bounded(const double *X, size_t n, int d, int k, const double *C, km_work *w)
{
	double	   *upper = w->closest,
			   *lower = w->cand;
	size_t		changed = 0;

	center_halves(C, k, d, w->half);
	for (size_t i = 0; i < n; i++)
	{
		const double *x = X + i * d;
		int			cur = w->labels[i];
		double		m = w->half[cur] > lower[i] ? w->half[cur] : lower[i];
		double		b1,
					b2;
		int			a;

		cv_interrupt_poll(i + 1);
		if (upper[i] < m)
			continue;
		upper[i] = sqrt(sqdist(x, C + (size_t) cur * d, d));
		if (upper[i] < m)
			continue;
		a = nearest2(x, C, k, d, &b1, &b2);
		changed += a != cur;
		w->labels[i] = a;
		upper[i] = sqrt(b1);
		lower[i] = sqrt(b2);
	}
	return changed;
}

/*
 * Lloyd iterations from the centres in C (updated in place), as
 * scikit-learn's _kmeans_single_lloyd: stop when the labels did not change
 * (strict convergence) or the squared shifts sum to at most tol_abs.  With
 * `seeded`, w->labels and w->closest hold the nearest centre of every point
 * and its squared distance (as k-means++ leaves them); otherwise the first
 * assignment is computed in full.  The first iteration always counts as a
 * change (scikit-learn starts from labels -1).  On return the bounds hold
 * for the final C.
 */
static void
lloyd(const double *X, size_t n, int d, int k, int max_iter, double tol_abs,
	  km_work *w, double *C, int seeded, int *iterations, int *converged)
{
	double	   *upper = w->closest,
			   *lower = w->cand;
	int			it;

	for (size_t i = 0; i < n; i++)
	{
		double		b2;

		if (seeded)
		{
			upper[i] = sqrt(upper[i]);
			lower[i] = 0.0;
		}
		else
		{
			w->labels[i] = nearest2(X + i * d, C, k, d, &upper[i], &b2);
			upper[i] = sqrt(upper[i]);
			lower[i] = sqrt(b2);
		}
	}
	*converged = 0;
	for (it = 0; it < max_iter; it++)
	{
		size_t		changed = assign_bounded(X, n, d, k, C, w);
		double		total = 0.0,
					max1 = 0.0,
					max2 = 0.0;
		int			argmax = -1;

		if (it == 0)
			changed = n;
		update_centers(X, n, d, k, C, w);
		for (int c = 0; c < k; c++)
		{
			double		s2 = sqdist(w->newc + (size_t) c * d, C + (size_t) c * d, d);

			w->shift[c] = sqrt(s2);
			total += s2;
			if (w->shift[c] > max1)
			{
				max2 = max1;
				max1 = w->shift[c];
				argmax = c;
			}
			else if (w->shift[c] > max2)
				max2 = w->shift[c];
		}
		memcpy(C, w->newc, sizeof(double) * k * d);
		for (size_t i = 0; i < n; i++)
		{
			upper[i] += w->shift[w->labels[i]];
			lower[i] -= w->labels[i] == argmax ? max2 : max1;
		}
		cv_interrupt_poll(0);
		if (changed == 0 || total <= tol_abs)
		{
			*converged = 1;
			it++;
			break;
		}
	}
	*iterations = it;
}

/*
 * Exact assignment to the final centres (ties to the lower index), from the
 * bounds the iterations leave: labels, sizes, within-cluster sums of
 * squares; returns the inertia.
 */
static double
final_assign(const double *X, size_t n, int d, int k, const double *C,
			 km_work *w, int64_t *sizes, double *within)
{
	double		inertia = 0.0;

	(void) assign_bounded(X, n, d, k, C, w);
	memset(sizes, 0, sizeof(int64_t) * k);
	memset(within, 0, sizeof(double) * k);
	for (size_t i = 0; i < n; i++)
	{
		int			a = w->labels[i];
		double		dd = sqdist(X + i * d, C + (size_t) a * d, d);

		sizes[a]++;
		within[a] += dd;
		inertia += dd;
	}
	return inertia;
}

/*
 * tol * the mean of the per-dimension (population) variances, in two
 * row-major passes (means, then squared deviations).
 */
static double
absolute_tol(const double *X, size_t n, int d, double tol)
{
	double	   *mean = cv_calloc(d, sizeof(double));
	double	   *ss = cv_calloc(d, sizeof(double));
	double		total = 0.0;

	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < d; j++)
			mean[j] += X[i * d + j];
	for (int j = 0; j < d; j++)
		mean[j] /= (double) n;
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < d; j++)
		{
			double		t = X[i * d + j] - mean[j];

			ss[j] += t * t;
		}
	for (int j = 0; j < d; j++)
		total += ss[j] / (double) n;
	cv_free(mean);
	cv_free(ss);
	return tol * total / (double) d;
}

/* Order of clusters: size descending, then centre lexicographically. */
typedef struct km_order
{
	int64_t		size;
	const double *center;
	int			d;
	int			index;
} km_order;

static int
order_cmp(const void *pa, const void *pb)
{
	const km_order *a = pa,
			   *b = pb;

	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	for (int j = 0; j < a->d; j++)
		if (a->center[j] != b->center[j])
			return a->center[j] < b->center[j] ? -1 : 1;
	return a->index - b->index;
}

/* The work arrays of a fit on n points of d coordinates, k clusters. */
static void
work_alloc(km_work *w, size_t n, int d, int k)
{
	w->closest = cv_malloc(sizeof(double) * n);
	w->cand = cv_malloc(sizeof(double) * n);
	w->best = cv_malloc(sizeof(double) * n);
	w->cum = cv_malloc(sizeof(double) * n);
	w->labels = cv_malloc(sizeof(int32_t) * n);
	w->sums = cv_malloc(sizeof(double) * k * d);
	w->newc = cv_malloc(sizeof(double) * k * d);
	w->counts = cv_malloc(sizeof(int64_t) * k);
	w->shift = cv_malloc(sizeof(double) * k);
	w->half = cv_malloc(sizeof(double) * k);
}

static void
work_free(km_work *w)
{
	cv_free(w->closest);
	cv_free(w->cand);
	cv_free(w->best);
	cv_free(w->cum);
	cv_free(w->labels);
	cv_free(w->sums);
	cv_free(w->newc);
	cv_free(w->counts);
	cv_free(w->shift);
	cv_free(w->half);
}

double
km_lloyd(const double *X, size_t n, int d, int k, double *C, int max_iter, double tol,
		 int64_t *sizes, int *iterations, int *converged)
{
	km_work		w;
	double	   *within = cv_malloc(sizeof(double) * k);
	double		inertia;

	work_alloc(&w, n, d, k);
	lloyd(X, n, d, k, max_iter, absolute_tol(X, n, d, tol), &w, C, 0, iterations, converged);
	inertia = final_assign(X, n, d, k, C, &w, sizes, within);
	work_free(&w);
	cv_free(within);
	return inertia;
}

void
km_fit(const double *X, size_t n, int d, const km_params *p, km_result *out)
{
	int			k = p->k;
	double		tol_abs = absolute_tol(X, n, d, p->tol);
	km_work		w;
	double	   *C = cv_malloc(sizeof(double) * k * d);
	double	   *bestC = cv_malloc(sizeof(double) * k * d);
	int64_t    *sizes = cv_malloc(sizeof(int64_t) * k);
	double	   *within = cv_malloc(sizeof(double) * k);
	double	   *bestw = cv_malloc(sizeof(double) * k);
	int64_t    *bests = cv_malloc(sizeof(int64_t) * k);
	double		best_inertia = INFINITY;
	int			best_iter = 0,
				best_conv = 0;
	km_order   *ord = cv_malloc(sizeof(km_order) * k);

	work_alloc(&w, n, d, k);

	for (int run = 0; run < p->n_init; run++)
	{
		km_rng		rng;
		int			iters,
					conv;
		double		inertia;

		rng_seed(&rng, p->seed, (uint64_t) run);
		seed_plusplus(X, n, d, k, &rng, &w, C);
		lloyd(X, n, d, k, p->max_iter, tol_abs, &w, C, 1, &iters, &conv);
		inertia = final_assign(X, n, d, k, C, &w, sizes, within);
		if (inertia < best_inertia)
		{
			best_inertia = inertia;
			best_iter = iters;
			best_conv = conv;
			memcpy(bestC, C, sizeof(double) * k * d);
			memcpy(bests, sizes, sizeof(int64_t) * k);
			memcpy(bestw, within, sizeof(double) * k);
		}
	}

	for (int c = 0; c < k; c++)
	{
		ord[c].size = bests[c];
		ord[c].center = bestC + (size_t) c * d;
		ord[c].d = d;
		ord[c].index = c;
	}
	qsort(ord, k, sizeof(km_order), order_cmp);
	out->k = k;
	out->d = d;
	out->centers = cv_malloc(sizeof(double) * k * d);
	out->sizes = cv_malloc(sizeof(int64_t) * k);
	out->within_ss = cv_malloc(sizeof(double) * k);
	for (int c = 0; c < k; c++)
	{
		memcpy(out->centers + (size_t) c * d, ord[c].center, sizeof(double) * d);
		out->sizes[c] = bests[ord[c].index];
		out->within_ss[c] = bestw[ord[c].index];
	}
	out->inertia = best_inertia;
	out->iterations = best_iter;
	out->converged = best_conv;

	work_free(&w);
	cv_free(C);
	cv_free(bestC);
	cv_free(sizes);
	cv_free(within);
	cv_free(bestw);
	cv_free(bests);
	cv_free(ord);
}

void
km_result_free(km_result *r)
{
	cv_free(r->centers);
	cv_free(r->sizes);
	cv_free(r->within_ss);
}

/* --------------------------------------------------------- silhouette */

static int
int32_cmp(const void *a, const void *b)
{
	int32_t		x = *(const int32_t *) a,
				y = *(const int32_t *) b;

	return (x > y) - (x < y);
}

int
km_silhouette(const double *X, const int32_t *labels, size_t n, int d,
			  double *out, int *nclusters)
{
	int32_t    *uniq = cv_malloc(sizeof(int32_t) * (n ? n : 1));
	int32_t    *cl = cv_malloc(sizeof(int32_t) * (n ? n : 1));
	size_t		m = 0;
	int64_t    *count;
	double	   *sums,
				total = 0.0;

	memcpy(uniq, labels, sizeof(int32_t) * n);
	qsort(uniq, n, sizeof(int32_t), int32_cmp);
	for (size_t i = 0; i < n; i++)
		if (m == 0 || uniq[m - 1] != uniq[i])
			uniq[m++] = uniq[i];
	*nclusters = (int) m;
	if (m < 2 || m > n - 1)
	{
		cv_free(uniq);
		cv_free(cl);
		return -1;
	}
	count = cv_calloc(m, sizeof(int64_t));
	sums = cv_malloc(sizeof(double) * m);
	for (size_t i = 0; i < n; i++)
	{
		cl[i] = (int32_t) ((int32_t *) bsearch(&labels[i], uniq, m, sizeof(int32_t), int32_cmp) - uniq);
		count[cl[i]]++;
	}
	for (size_t i = 0; i < n; i++)
	{
		double		a,
					b = INFINITY;

		cv_interrupt_poll((i + 1) * 64);	/* a row here is n distances */
		if (count[cl[i]] == 1)
			continue;			/* s(i) = 0 */
		memset(sums, 0, sizeof(double) * m);
		for (size_t j = 0; j < n; j++)
			sums[cl[j]] += sqrt(sqdist(X + i * d, X + j * d, d));
		a = sums[cl[i]] / (double) (count[cl[i]] - 1);
		for (size_t c = 0; c < m; c++)
			if (c != (size_t) cl[i] && sums[c] / (double) count[c] < b)
				b = sums[c] / (double) count[c];
		if (a > 0 || b > 0)
			total += (b - a) / (a > b ? a : b);
	}
	*out = total / (double) n;
	cv_free(uniq);
	cv_free(cl);
	cv_free(count);
	cv_free(sums);
	return 0;
}

/* -------------------------------------------------------- seasonality */

double
km_seasonality(const double *sums, int periods)
{
	double		total = 0.0,
				h = 0.0,
				r;

	for (int i = 0; i < periods; i++)
		total += sums[i];
	for (int i = 0; i < periods; i++)
		if (sums[i] > 0)
		{
			double		p = sums[i] / total;

			h -= p * log(p);
		}
	r = 1.0 - h / log((double) periods);
	return r < 0 ? 0.0 : r > 1 ? 1.0 : r;
}

/* -------------------------------------------------------------- model */

/* Derive the centroids in the fitted space and the scratch row. */
static void
model_derive(km_model *m)
{
	m->zc = cv_malloc(sizeof(double) * m->k * m->d);
	m->scratch = cv_malloc(sizeof(double) * m->d);
	for (int c = 0; c < m->k; c++)
		cv_features_design(m->f, m->centroids + (size_t) c * m->d, NULL,
						   m->zc + (size_t) c * m->d);
}

km_model *
km_model_from_result(cv_features *f, const km_result *r)
{
	km_model   *m = cv_calloc(1, sizeof(km_model));

	m->f = f;
	m->k = r->k;
	m->d = r->d;
	m->fitted = 1;
	m->centroids = cv_malloc(sizeof(double) * r->k * r->d);
	for (int c = 0; c < r->k; c++)
		for (int j = 0; j < r->d; j++)
			m->centroids[(size_t) c * r->d + j] =
				cv_features_unscale(f, j, r->centers[(size_t) c * r->d + j]);
	m->sizes = cv_malloc(sizeof(int64_t) * r->k);
	m->within_ss = cv_malloc(sizeof(double) * r->k);
	memcpy(m->sizes, r->sizes, sizeof(int64_t) * r->k);
	memcpy(m->within_ss, r->within_ss, sizeof(double) * r->k);
	m->inertia = r->inertia;
	m->iterations = r->iterations;
	m->converged = r->converged;
	model_derive(m);
	return m;
}

void
km_model_free(km_model *m)
{
	if (m == NULL)
		return;
	cv_features_free(m->f);
	cv_free(m->centroids);
	if (m->sizes)
		cv_free(m->sizes);
	if (m->within_ss)
		cv_free(m->within_ss);
	if (m->zc)
		cv_free(m->zc);
	if (m->scratch)
		cv_free(m->scratch);
	cv_free(m);
}

int
km_model_assign(km_model *m, const double *x, double *dist)
{
	double		b1;
	int			a;

	cv_features_design(m->f, x, NULL, m->scratch);
	a = nearest(m->scratch, m->zc, m->k, m->d, &b1);
	*dist = sqrt(b1);
	return a;
}

/* Format a message into err; returns -1 for chaining. */
#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static int
km_fail(char *err, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Largest integer a model field may hold and read back exactly from JSON. */
#define KM_MAX_EXACT 9007199254740992.0

/*
 * Every rule a model obeys, fitted or hand-written, read from bytes or
 * JSON; derives zc when it holds.  0, or -1 with a message.
 */
static int
model_check(km_model *m, char *err, size_t errlen)
{
	int64_t		total = 0;

	if (m->f->ncat != 0)
		return km_fail(err, errlen, "a k-means model has no categorical features");
	if (m->d != m->f->nnum)
		return km_fail(err, errlen, "centroids have %d coordinates but the model has %d features",
					   m->d, m->f->nnum);
	for (size_t i = 0; i < (size_t) m->k * m->d; i++)
		if (!isfinite(m->centroids[i]))
			return km_fail(err, errlen, "centroid %d has a coordinate that is not a finite number",
						   (int) (i / m->d));
	model_derive(m);
	for (size_t i = 0; i < (size_t) m->k * m->d; i++)
		if (!isfinite(m->zc[i]))
			return km_fail(err, errlen, "centroid %d is out of range once standardised",
						   (int) (i / m->d));
	if (!m->fitted)
		return 0;
	for (int c = 0; c < m->k; c++)
	{
		if (m->sizes[c] < 0 || m->sizes[c] > m->rows_used)
			return km_fail(err, errlen, "size of cluster %d must be between 0 and rows_used", c);
		if (!isfinite(m->within_ss[c]) || m->within_ss[c] < 0)
			return km_fail(err, errlen, "within_ss of cluster %d must be a non-negative finite number", c);
		if (c > 0 && m->sizes[c] > m->sizes[c - 1])
			return km_fail(err, errlen, "clusters must be ordered by size, largest first");
		total += m->sizes[c];
	}
	if (total != m->rows_used)
		return km_fail(err, errlen, "cluster sizes sum to %lld, not rows_used %lld",
					   (long long) total, (long long) m->rows_used);
	if (!isfinite(m->inertia) || m->inertia < 0)
		return km_fail(err, errlen, "inertia must be a non-negative finite number");
	if (m->rows_used < m->k || m->rows_seen < m->rows_used)
		return km_fail(err, errlen, "rows_used must be between k and rows_seen");
	if (m->sampled != (m->rows_seen > m->rows_used))
		return km_fail(err, errlen, "sampled must be true exactly when rows_seen exceeds rows_used");
	if (m->n_init < 1 || m->n_init > KM_MAX_N_INIT || m->max_iter < 1 || m->max_iter > KM_MAX_ITER)
		return km_fail(err, errlen, "n_init must be between 1 and %d and max_iter between 1 and %d",
					   KM_MAX_N_INIT, KM_MAX_ITER);
	if (m->iterations < 1 || m->iterations > m->max_iter)
		return km_fail(err, errlen, "iterations must be between 1 and max_iter");
	if (!isfinite(m->tol) || m->tol < 0 || m->max_rows < 1 ||
		m->seed > (int64_t) KM_MAX_EXACT || m->seed < -(int64_t) KM_MAX_EXACT)
		return km_fail(err, errlen, "options out of range");
	return 0;
}

/* --------------------------------------------------------- binary form */

/*
 * Payload (little-endian, via cvcodec): the features (cv_features_write),
 * u32 k, u32 d, f64 centroids[k * d], u8 fitted; when fitted: i64
 * sizes[k], f64 within_ss[k], f64 inertia, u32 iterations, u8 converged,
 * i64 rows_seen, i64 rows_used, u8 sampled, i64 seed, u32 n_init, u32
 * max_iter, f64 tol, i64 max_rows.
 */
void
km_model_write(const km_model *m, cv_wbuf *b)
{
	cv_features_write(m->f, b);
	cvb_u32(b, (uint32_t) m->k);
	cvb_u32(b, (uint32_t) m->d);
	for (size_t i = 0; i < (size_t) m->k * m->d; i++)
		cvb_f64(b, m->centroids[i]);
	cvb_u8(b, (uint8_t) m->fitted);
	if (!m->fitted)
		return;
	for (int c = 0; c < m->k; c++)
		cvb_i64(b, m->sizes[c]);
	for (int c = 0; c < m->k; c++)
		cvb_f64(b, m->within_ss[c]);
	cvb_f64(b, m->inertia);
	cvb_u32(b, (uint32_t) m->iterations);
	cvb_u8(b, (uint8_t) m->converged);
	cvb_i64(b, m->rows_seen);
	cvb_i64(b, m->rows_used);
	cvb_u8(b, (uint8_t) m->sampled);
	cvb_i64(b, m->seed);
	cvb_u32(b, (uint32_t) m->n_init);
	cvb_u32(b, (uint32_t) m->max_iter);
	cvb_f64(b, m->tol);
	cvb_i64(b, m->max_rows);
}

/* Check a model just read; frees it and returns NULL when invalid. */
static km_model *
checked(km_model *m, char *err, size_t errlen)
{
	if (model_check(m, err, errlen) < 0)
	{
		km_model_free(m);
		return NULL;
	}
	return m;
}

/* Allocate the k-sized arrays of a model (centroids, and the fit's). */
static void
model_alloc(km_model *m)
{
	m->centroids = cv_calloc((size_t) m->k * m->d, sizeof(double));
	if (m->fitted)
	{
		m->sizes = cv_calloc(m->k, sizeof(int64_t));
		m->within_ss = cv_calloc(m->k, sizeof(double));
	}
}

km_model *
km_model_read(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	cv_rbuf		r;
	km_model   *m;
	cv_features *f;
	uint32_t	k,
				d;

	cvr_init(&r, p, len);
	f = cv_features_read(&r, err, errlen);
	if (f == NULL)
		return NULL;
	k = cvr_u32(&r);
	d = cvr_u32(&r);
	if (r.err || k < 1 || k > KM_MAX_K || d != (uint32_t) f->nnum ||
		(size_t) k * d * 8 > r.len - r.pos)
	{
		cv_features_free(f);
		snprintf(err, errlen, "payload has an invalid number of clusters or coordinates");
		return NULL;
	}
	m = cv_calloc(1, sizeof(km_model));
	m->f = f;
	m->k = (int) k;
	m->d = (int) d;
	m->centroids = cv_malloc(sizeof(double) * k * d);
	for (size_t i = 0; i < (size_t) k * d; i++)
		m->centroids[i] = cvr_f64(&r);
	m->fitted = cvr_u8(&r) != 0;
	if (m->fitted)
	{
		m->sizes = cv_calloc(k, sizeof(int64_t));
		m->within_ss = cv_calloc(k, sizeof(double));
		for (uint32_t c = 0; c < k; c++)
			m->sizes[c] = cvr_i64(&r);
		for (uint32_t c = 0; c < k; c++)
			m->within_ss[c] = cvr_f64(&r);
		m->inertia = cvr_f64(&r);
		m->iterations = (int) (cvr_u32(&r) & 0x7fffffff);
		m->converged = cvr_u8(&r) != 0;
		m->rows_seen = cvr_i64(&r);
		m->rows_used = cvr_i64(&r);
		m->sampled = cvr_u8(&r) != 0;
		m->seed = cvr_i64(&r);
		m->n_init = (int) (cvr_u32(&r) & 0x7fffffff);
		m->max_iter = (int) (cvr_u32(&r) & 0x7fffffff);
		m->tol = cvr_f64(&r);
		m->max_rows = cvr_i64(&r);
	}
	if (!cvr_done(&r))
	{
		snprintf(err, errlen, "payload is truncated or has trailing bytes");
		km_model_free(m);
		return NULL;
	}
	return checked(m, err, errlen);
}

/* ----------------------------------------------------------- JSON form */

static void
write_doubles(cvj_writer *w, const double *x, int n)
{
	cvjw_begin_array(w);
	for (int i = 0; i < n; i++)
		cvjw_number(w, x[i]);
	cvjw_end_array(w);
}

/*
 * {"kind": "kmeans_model", "version": 1, "k": 3, "features": {...},
 *  "centroids": [[...], ...]} and, for a fitted model, "sizes",
 *  "within_ss", "inertia", "iterations", "converged", "rows_seen",
 *  "rows_used", "sampled", "options": {"seed", "n_init", "max_iter",
 *  "tol", "max_rows"}.
 */
char *
km_model_to_json(const km_model *m)
{
	cvj_writer	w;

	cvjw_init(&w);
	cvjw_begin_object(&w);
	cvjw_key(&w, "kind");
	cvjw_string(&w, "kmeans_model");
	cvjw_key(&w, "version");
	cvjw_int(&w, KM_FORMAT_VERSION);
	cvjw_key(&w, "k");
	cvjw_int(&w, m->k);
	cvjw_key(&w, "features");
	cv_features_to_json(m->f, &w);
	cvjw_key(&w, "centroids");
	cvjw_begin_array(&w);
	for (int c = 0; c < m->k; c++)
		write_doubles(&w, m->centroids + (size_t) c * m->d, m->d);
	cvjw_end_array(&w);
	if (m->fitted)
	{
		cvjw_key(&w, "sizes");
		cvjw_begin_array(&w);
		for (int c = 0; c < m->k; c++)
			cvjw_int(&w, m->sizes[c]);
		cvjw_end_array(&w);
		cvjw_key(&w, "within_ss");
		write_doubles(&w, m->within_ss, m->k);
		cvjw_key(&w, "inertia");
		cvjw_number(&w, m->inertia);
		cvjw_key(&w, "iterations");
		cvjw_int(&w, m->iterations);
		cvjw_key(&w, "converged");
		cvjw_bool(&w, m->converged);
		cvjw_key(&w, "rows_seen");
		cvjw_int(&w, m->rows_seen);
		cvjw_key(&w, "rows_used");
		cvjw_int(&w, m->rows_used);
		cvjw_key(&w, "sampled");
		cvjw_bool(&w, m->sampled);
		cvjw_key(&w, "options");
		cvjw_begin_object(&w);
		cvjw_key(&w, "seed");
		cvjw_int(&w, m->seed);
		cvjw_key(&w, "n_init");
		cvjw_int(&w, m->n_init);
		cvjw_key(&w, "max_iter");
		cvjw_int(&w, m->max_iter);
		cvjw_key(&w, "tol");
		cvjw_number(&w, m->tol);
		cvjw_key(&w, "max_rows");
		cvjw_int(&w, m->max_rows);
		cvjw_end_object(&w);
	}
	cvjw_end_object(&w);
	return cvjw_finish(&w, NULL);
}

/*
 * A JSON reader with its error buffer: every getter returns -1 with a
 * message naming the member once anything is wrong.
 */
typedef struct km_jr
{
	const cvj_value *obj;
	char	   *err;
	size_t		errlen;
} km_jr;

/* Member `key` as a finite number (integral and within lo..hi if asked). */
static int
jr_number(km_jr *j, const char *key, int integral, double lo, double hi, double *out)
{
	const cvj_value *v = cvj_get(j->obj, key);

	if (v == NULL)
		return km_fail(j->err, j->errlen, "\"%s\" is missing", key);
	if (v->type != CVJ_NUMBER)
		return km_fail(j->err, j->errlen, "\"%s\" must be a number, not %s", key,
					   cvj_type_name(v->type));
	if ((integral && v->number != floor(v->number)) || v->number < lo || v->number > hi)
		return km_fail(j->err, j->errlen, "\"%s\" must be %s between %.17g and %.17g, not %.17g",
					   key, integral ? "a whole number" : "a number", lo, hi, v->number);
	*out = v->number;
	return 0;
}

/* Member `key` as a boolean. */
static int
jr_bool(km_jr *j, const char *key, int *out)
{
	const cvj_value *v = cvj_get(j->obj, key);

	if (v == NULL || v->type != CVJ_BOOL)
		return km_fail(j->err, j->errlen, "\"%s\" must be true or false", key);
	*out = v->boolean;
	return 0;
}

/* Array v of exactly n finite numbers into out; `what` names it. */
static int
jr_doubles(km_jr *j, const cvj_value *v, const char *what, int n, double *out)
{
	if (v == NULL || v->type != CVJ_ARRAY || v->n != n)
		return km_fail(j->err, j->errlen, "%s must be an array of %d numbers", what, n);
	for (int i = 0; i < n; i++)
	{
		if (v->items[i].type != CVJ_NUMBER)
			return km_fail(j->err, j->errlen, "%s must be an array of %d numbers", what, n);
		out[i] = v->items[i].number;
	}
	return 0;
}

/* The fit's summary of a fitted model's JSON. */
static int
json_fit(km_jr *j, km_model *m)
{
	static const char *const opt_keys[] = {"seed", "n_init", "max_iter", "tol", "max_rows", NULL};
	const cvj_value *sizes = cvj_get(j->obj, "sizes");
	const cvj_value *opts = cvj_get(j->obj, "options");
	double		x;
	km_jr		o = {opts, j->err, j->errlen};
	const char *bad;

	if (sizes == NULL || sizes->type != CVJ_ARRAY || sizes->n != m->k)
		return km_fail(j->err, j->errlen, "\"sizes\" must be an array of %d counts", m->k);
	for (int c = 0; c < m->k; c++)
	{
		if (sizes->items[c].type != CVJ_NUMBER || sizes->items[c].number != floor(sizes->items[c].number) ||
			sizes->items[c].number < 0 || sizes->items[c].number > KM_MAX_EXACT)
			return km_fail(j->err, j->errlen, "\"sizes\" must be an array of %d counts", m->k);
		m->sizes[c] = (int64_t) sizes->items[c].number;
	}
	if (jr_doubles(j, cvj_get(j->obj, "within_ss"), "\"within_ss\"", m->k, m->within_ss) < 0 ||
		jr_number(j, "inertia", 0, 0, INFINITY, &m->inertia) < 0 ||
		jr_bool(j, "converged", &m->converged) < 0 ||
		jr_bool(j, "sampled", &m->sampled) < 0)
		return -1;
	if (jr_number(j, "iterations", 1, 1, KM_MAX_ITER, &x) < 0)
		return -1;
	m->iterations = (int) x;
	if (jr_number(j, "rows_seen", 1, 1, KM_MAX_EXACT, &x) < 0)
		return -1;
	m->rows_seen = (int64_t) x;
	if (jr_number(j, "rows_used", 1, 1, KM_MAX_EXACT, &x) < 0)
		return -1;
	m->rows_used = (int64_t) x;
	if (opts == NULL || opts->type != CVJ_OBJECT)
		return km_fail(j->err, j->errlen, "\"options\" must be an object");
	if ((bad = cvj_unknown_key(opts, opt_keys)) != NULL)
		return km_fail(j->err, j->errlen, "unknown key \"%s\" in \"options\"", bad);
	if (jr_number(&o, "seed", 1, -KM_MAX_EXACT, KM_MAX_EXACT, &x) < 0)
		return -1;
	m->seed = (int64_t) x;
	if (jr_number(&o, "n_init", 1, 1, KM_MAX_N_INIT, &x) < 0)
		return -1;
	m->n_init = (int) x;
	if (jr_number(&o, "max_iter", 1, 1, KM_MAX_ITER, &x) < 0)
		return -1;
	m->max_iter = (int) x;
	if (jr_number(&o, "tol", 0, 0, INFINITY, &m->tol) < 0)
		return -1;
	if (jr_number(&o, "max_rows", 1, 1, KM_MAX_EXACT, &x) < 0)
		return -1;
	m->max_rows = (int64_t) x;
	return 0;
}

/* Members of a fitted model beyond features and centroids. */
static const char *const fit_keys[] = {"sizes", "within_ss", "inertia", "iterations", "converged",
"rows_seen", "rows_used", "sampled", "options", NULL};

/* Read a parsed model object into m (centroids and features first). */
static int
json_model(const cvj_value *root, km_model *m, char *err, size_t errlen)
{
	static const char *const keys[] = {"kind", "version", "k", "features", "centroids",
		"sizes", "within_ss", "inertia", "iterations", "converged", "rows_seen", "rows_used",
	"sampled", "options", NULL};
	km_jr		j = {root, err, errlen};
	const cvj_value *kind,
			   *cents,
			   *feat;
	const char *bad;
	double		x;
	int			nfit = 0;

	if (root->type != CVJ_OBJECT)
		return km_fail(err, errlen, "a kmeans_model must be a JSON object");
	if ((bad = cvj_unknown_key(root, keys)) != NULL)
		return km_fail(err, errlen, "unknown key \"%s\"", bad);
	kind = cvj_get(root, "kind");
	if (kind == NULL || kind->type != CVJ_STRING || strcmp(kind->string, "kmeans_model") != 0)
		return km_fail(err, errlen, "\"kind\" must be \"kmeans_model\"");
	if (jr_number(&j, "version", 1, 0, KM_MAX_EXACT, &x) < 0)
		return -1;
	if (x != KM_FORMAT_VERSION)
		return km_fail(err, errlen, "unsupported \"version\" %.0f (this build reads version %d)",
					   x, KM_FORMAT_VERSION);
	cents = cvj_get(root, "centroids");
	if (cents == NULL || cents->type != CVJ_ARRAY || cents->n < 1 || cents->n > KM_MAX_K ||
		cents->items[0].type != CVJ_ARRAY || cents->items[0].n < 1 ||
		cents->items[0].n > CV_ROWS_MAX_FEATURES)
		return km_fail(err, errlen, "\"centroids\" must be a non-empty array of arrays of numbers");
	m->k = cents->n;
	m->d = cents->items[0].n;
	if (cvj_get(root, "k") != NULL && (jr_number(&j, "k", 1, 1, KM_MAX_K, &x) < 0 || x != m->k))
		return km_fail(err, errlen, "\"k\" must equal the number of centroids, %d", m->k);
	for (int i = 0; fit_keys[i]; i++)
		nfit += cvj_get(root, fit_keys[i]) != NULL;
	if (nfit != 0 && nfit != 9)
		return km_fail(err, errlen, "a fitted model has all of sizes, within_ss, inertia, iterations, converged, rows_seen, rows_used, sampled and options; a hand-written one none of them");
	m->fitted = nfit == 9;
	model_alloc(m);
	for (int c = 0; c < m->k; c++)
	{
		char		what[48];

		snprintf(what, sizeof(what), "centroid %d", c);
		if (jr_doubles(&j, &cents->items[c], what, m->d, m->centroids + (size_t) c * m->d) < 0)
			return -1;
	}
	feat = cvj_get(root, "features");
	m->f = feat ? cv_features_from_json(feat, err, errlen) : cv_features_plain(m->d, NULL);
	if (m->f == NULL)
		return -1;
	return m->fitted ? json_fit(&j, m) : 0;
}

km_model *
km_model_from_json(const char *json, size_t len, char *err, size_t errlen)
{
	cvj_value  *root = cvj_parse(json, len, err, errlen);
	km_model   *m;

	if (root == NULL)
		return NULL;
	m = cv_calloc(1, sizeof(km_model));
	if (json_model(root, m, err, errlen) < 0)
	{
		cvj_free(root);
		km_model_free(m);
		return NULL;
	}
	cvj_free(root);
	return checked(m, err, errlen);
}
