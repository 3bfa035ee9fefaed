/*
 * metrics_k.h
 *	  Model evaluation: ranking metrics (ROC AUC, average precision,
 *	  operating points, lift), probability metrics (log loss, Brier score,
 *	  calibration), drift (population stability index) and the curve value
 *	  that holds ROC, precision-recall and calibration curves.  Plain C, no
 *	  PostgreSQL headers.
 *
 * Every metric is computed from sufficient statistics that do not depend on
 * the order of the rows: the sorted distinct scores of each class with
 * their counts (a two-dimensional exact distr, see distr.h).  The class
 * table merges the two into one list of distinct thresholds, highest
 * first, with the positives and negatives at each; every ranking metric is
 * one pass over it, so ties are handled exactly (rows with equal scores are
 * always on the same side of a threshold).
 */
#ifndef CV_METRICS_K_H
#define CV_METRICS_K_H

#include <stddef.h>
#include <stdint.h>

#include "cvcodec.h"
#include "distr.h"

/*
 * The two classes of a metric: the ascending distinct scores of the
 * positives and of the negatives with their counts (views of an exact
 * distr, not copies).  The metrics walk the two lists merged, highest
 * score first, one distinct threshold at a time.
 */
typedef struct cvm_table
{
	cv_distr_dim pos;
	cv_distr_dim neg;
	int64_t		npos;			/* all positive rows */
	int64_t		nneg;			/* all negative rows */
} cvm_table;

/* The classes of a metric from the two dimensions of its state. */
extern cvm_table cvm_table_of(const cv_distr_dim *pos, const cv_distr_dim *neg);
/* The number of distinct thresholds (scores of either class). */
extern size_t cvm_table_distinct(const cvm_table *t);

/*
 * ROC AUC: the probability that a random positive scores above a random
 * negative, ties counting one half (scikit-learn's roc_auc_score).  NAN
 * when a class is absent.
 */
extern double cvm_roc_auc(const cvm_table *t);

/*
 * Average precision, scikit-learn's definition: sum over the distinct
 * thresholds t, highest first, of (recall(t) - recall(previous t)) *
 * precision(t).  NAN without positives.
 */
extern double cvm_average_precision(const cvm_table *t);

/* An operating point: the rows with score >= threshold are flagged. */
typedef struct cvm_point
{
	double		threshold;
	int64_t		flagged;
	int64_t		tp;
	double		precision;		/* tp / flagged; NAN when nothing is flagged */
	double		recall;			/* tp / positives; NAN without positives */
} cvm_point;

/* The operating point of a given threshold. */
extern cvm_point cvm_confusion_at(const cvm_table *t, double threshold);

/*
 * The lowest distinct threshold whose flagged rows reach precision >=
 * target (the most recall that still meets it); 0 when none does.
 */
extern int	cvm_threshold_for_precision(const cvm_table *t, double target, cvm_point *out);

/*
 * Lift at a fraction of the rows: the positive rate among the top
 * fraction * n rows by score over the overall positive rate.  Rows tied
 * at the cut count pro rata: when the cut falls inside a threshold's k
 * rows, the top takes their positives times the share of the k rows it
 * includes.  NAN without positives.
 */
extern double cvm_lift_at(const cvm_table *t, double fraction);

/*
 * Log loss and Brier score of probabilities from the sorted distinct
 * probabilities of each class.  Log loss clips p to [eps, 1 - eps] with
 * eps = DBL_EPSILON, as scikit-learn does.  Sums run in ascending order
 * of value with compensation, so the result does not depend on the rows'
 * order.  NAN without rows.
 */
extern double cvm_log_loss(const cv_distr_dim *pos, const cv_distr_dim *neg);
extern double cvm_brier_score(const cv_distr_dim *pos, const cv_distr_dim *neg);

/*
 * Population stability index of the current scores against the baseline.
 * Edges are the baseline's lower quantiles at k/bins, k = 1..bins-1 (the
 * smallest baseline value v with share(<= v) >= k/bins), duplicates and
 * edges at or above the baseline's maximum dropped; bin i holds
 * e(i-1) < x <= e(i).  PSI = sum (c - b) * ln(c / b) over the bins, with b
 * and c the baseline's and the current shares, a current share of 0 taken
 * as CVM_PSI_FLOOR.  NAN when either population is empty.
 */
#define CVM_PSI_FLOOR 1e-4
extern double cvm_psi(const cv_distr_dim *baseline, const cv_distr_dim *current, int bins,
					  int *nbins_used);

/* ---- the curve value: ROC, precision-recall or calibration ---- */

typedef enum cvm_curve_kind
{
	CVM_CURVE_ROC = 0,
	CVM_CURVE_PR,
	CVM_CURVE_CALIBRATION
} cvm_curve_kind;

/* Most points a fitted ROC or PR curve keeps (see cvm_curve_from_table). */
#define CVM_CURVE_MAX_POINTS 10000
/* Most bins of a calibration curve. */
#define CVM_MAX_BINS 10000

typedef struct cvm_curve
{
	cvm_curve_kind kind;
	/* ROC and PR: cumulative counts at each kept threshold, highest first */
	int64_t		npos;
	int64_t		nneg;
	int64_t		distinct;		/* distinct thresholds before any reduction */
	size_t		n;				/* points (ROC/PR) or bins (calibration) */
	double	   *threshold;
	int64_t    *tp;
	int64_t    *fp;
	/* calibration: per equal-width bin on [0, 1] */
	int64_t    *count;
	int64_t    *positives;
	double	   *mean_predicted; /* NAN for an empty bin */
} cvm_curve;

/*
 * A ROC or PR curve from the class table.  Up to CVM_CURVE_MAX_POINTS
 * distinct thresholds every one is a point; above, a threshold is kept
 * when the rows flagged at it cross the next multiple of n /
 * CVM_CURVE_MAX_POINTS (and the last always), so the kept points are
 * spread evenly over the rows and each is exact.
 */
extern cvm_curve *cvm_curve_from_table(const cvm_table *t, cvm_curve_kind kind);

/*
 * A calibration curve over `bins` equal-width bins: bin k (0-based) holds
 * k/bins < p <= (k+1)/bins, bin 0 also p = 0 (scikit-learn's
 * calibration_curve with strategy "uniform"; the edges are computed as
 * k * (1.0 / bins), as numpy.linspace does).
 */
extern cvm_curve *cvm_calibration(const cv_distr_dim *pos, const cv_distr_dim *neg, int bins);

/*
 * Binary payload and JSON text forms; readers validate fully.  Untyped
 * (a cvm_curve behind each void pointer) so that they serve directly as a
 * model kind's functions.
 */
extern void cvm_curve_write(const void *curve, cv_wbuf *b);
extern void *cvm_curve_read(const unsigned char *p, size_t len, char *err, size_t errlen);
extern char *cvm_curve_to_json(const void *curve);
extern void *cvm_curve_from_json(const char *text, size_t len, char *err, size_t errlen);
extern void cvm_curve_free(cvm_curve *c);
extern const char *cvm_curve_kind_name(cvm_curve_kind k);

#endif							/* CV_METRICS_K_H */
