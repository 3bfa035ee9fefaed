/*
 * kmeans_k.h
 *	  k-means clustering kernel: greedy k-means++ seeding, Lloyd iterations
 *	  with Hamerly's bounds, best of n_init runs, the custvalue.kmeans_model
 *	  value, the silhouette coefficient and the seasonality index.  Plain C,
 *	  no PostgreSQL headers; memory through cvalloc.h.
 *
 * The fit follows scikit-learn's KMeans (lloyd algorithm):
 *	  - seeding: greedy k-means++ (Arthur & Vassilvitskii 2007, greedy form of
 *		scikit-learn's _kmeans_plusplus): the first centre uniformly at
 *		random, then per step 2 + floor(ln k) candidates drawn with
 *		probability proportional to D(x)^2, keeping the candidate that gives
 *		the lowest potential (sum of D^2);
 *	  - iterations: assign every point to its nearest centre, move each
 *		centre to the mean of its points, until the labels no longer change
 *		(strict convergence) or the squared centre shifts sum to at most
 *		tol * (mean of the per-dimension variances), or max_iter.  The
 *		assignment uses Hamerly's bounds (Hamerly 2010, "Making k-means even
 *		faster"), which skip distance computations but give the labels plain
 *		Lloyd gives;
 *	  - a cluster left empty takes the point farthest from its centre, as
 *		scikit-learn relocates empty clusters (never dropped);
 *	  - n_init runs from independent seeds; the run with the lowest inertia
 *		(sum of squared distances to the assigned centres) wins.
 * Randomness comes from xoshiro256** seeded by splitmix64 from (seed, run),
 * so a fit is a function of its points, their order and the options.  The
 * loops poll cv_interrupt_poll (cvalloc.h) every few thousand points and
 * between iterations.
 */
#ifndef KMEANS_K_H
#define KMEANS_K_H

#include <stddef.h>
#include <stdint.h>

#include "cvcodec.h"
#include "cvfeatures.h"

#define KM_FORMAT_VERSION 1
#define KM_MAX_K 10000
#define KM_MAX_ITER 1000000
#define KM_MAX_N_INIT 10000

/* Parameters of a fit. */
typedef struct km_params
{
	int			k;
	int			n_init;			/* runs from different seeds, best kept */
	int			max_iter;		/* iterations per run */
	double		tol;			/* relative to the mean per-dimension variance */
	uint64_t	seed;
} km_params;

/*
 * Result of a fit: k centres of d coordinates, ordered by cluster size
 * (largest first; ties by centre, lexicographically), their sizes and
 * within-cluster sums of squares, the inertia, the iterations of the
 * winning run and whether it converged before max_iter.
 */
typedef struct km_result
{
	int			k,
				d;
	double	   *centers;		/* k * d */
	int64_t    *sizes;
	double	   *within_ss;
	double		inertia;
	int			iterations;
	int			converged;
} km_result;

/* Number of distinct points among X[n][d], counting at most up to limit. */
extern size_t km_distinct_upto(const double *X, size_t n, int d, size_t limit);

/*
 * Cluster X[n][d] (row-major, finite).  The caller has checked 1 <= k <=
 * the number of distinct points.  Fills out (free with km_result_free).
 */
extern void km_fit(const double *X, size_t n, int d, const km_params *p, km_result *out);
extern void km_result_free(km_result *r);

/*
 * One run of Lloyd iterations from the k centres in C (updated in place),
 * without seeding or reordering: fills sizes[k], the iterations and
 * whether it converged, and returns the inertia.  For tests of the
 * iterations on chosen starts.
 */
extern double km_lloyd(const double *X, size_t n, int d, int k, double *C, int max_iter,
					   double tol, int64_t *sizes, int *iterations, int *converged);

/*
 * The mean silhouette coefficient of X[n][d] labelled by labels[n] (any
 * integers), with Euclidean distances, as scikit-learn's silhouette_score:
 * s(i) = (b - a) / max(a, b), a the mean distance to the other points of
 * its cluster, b the smallest mean distance to another cluster's points;
 * s(i) = 0 for a point alone in its cluster.  Needs 2 <= clusters <= n - 1:
 * returns -1 and *nclusters otherwise.  O(n^2 d) time, O(n) memory.
 */
extern int	km_silhouette(const double *X, const int32_t *labels, size_t n, int d,
						  double *out, int *nclusters);

/*
 * Seasonality index of per-period totals sums[periods] (non-negative, sum
 * > 0): 1 - H / ln(periods), H the entropy of the shares sums[i] / total.
 * 0 when the amounts spread evenly, 1 when they all fall in one period.
 */
extern double km_seasonality(const double *sums, int periods);

/* ---- the model value ---- */

/*
 * A k-means model.  Centroids are kept in original units; scoring maps a
 * point and the centroids through the features (standardisation) and
 * measures Euclidean distance there, the space the model was fitted in.
 * A fitted model also holds the fit's summary (fitted = 1); a hand-written
 * one has only features and centroids.
 */
typedef struct km_model
{
	cv_features *f;				/* d numeric features, no categorical */
	int			k,
				d;
	double	   *centroids;		/* k * d, original units */
	int			fitted;
	int64_t    *sizes;			/* fitted: k */
	double	   *within_ss;		/* fitted: k, in the fitted space */
	double		inertia;
	int			iterations;
	int			converged;
	int64_t		rows_seen,
				rows_used;
	int			sampled;
	int64_t		seed;			/* the options of the fit */
	int			n_init,
				max_iter;
	double		tol;
	int64_t		max_rows;
	/* derived, not stored: centroids in the fitted space, and a scratch row */
	double	   *zc;
	double	   *scratch;
} km_model;

/*
 * A new fitted model from a fit's result on features f (ownership of f
 * passes to the model); centres are in the fitted space.
 */
extern km_model *km_model_from_result(cv_features *f, const km_result *r);
extern void km_model_free(km_model *m);

/*
 * Nearest centroid of x[d] (original units) and its distance in the fitted
 * space; ties go to the lower cluster id.
 */
extern int	km_model_assign(km_model *m, const double *x, double *dist);

/* Binary payload and JSON text; the readers check everything. */
extern void km_model_write(const km_model *m, cv_wbuf *b);
extern km_model *km_model_read(const unsigned char *p, size_t len, char *err, size_t errlen);
extern char *km_model_to_json(const km_model *m);
extern km_model *km_model_from_json(const char *json, size_t len, char *err, size_t errlen);

#endif							/* KMEANS_K_H */
