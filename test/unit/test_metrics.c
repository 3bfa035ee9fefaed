/*
 * test_metrics.c
 *	  Unit tests of the evaluation kernel (metrics_k.c) and the scaler
 *	  (scaler_k.c), on small cases worked out by hand.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cvalloc.h"
#include "distr.h"
#include "metrics_k.h"
#include "scaler_k.h"
#include "tap.h"

/* A two-dimensional distr: dimension 0 the positives, 1 the negatives. */
static cv_distr *
classes(const double *pos, int np, const double *neg, int nn)
{
	cv_distr   *d = cv_distr_new(2);
	unsigned char isnull_pos[2] = {0, 1},
				isnull_neg[2] = {1, 0};

	for (int i = 0; i < np; i++)
	{
		double		x[2] = {pos[i], 0};

		(void) cv_distr_add(d, x, isnull_pos);
	}
	for (int i = 0; i < nn; i++)
	{
		double		x[2] = {0, neg[i]};

		(void) cv_distr_add(d, x, isnull_neg);
	}
	return d;
}

static cvm_table
table_of(cv_distr *d)
{
	cv_distr_dim p,
				n;

	(void) cv_distr_compact(d);
	p = cv_distr_dim_get(d, 0);
	n = cv_distr_dim_get(d, 1);
	return cvm_table_of(&p, &n);
}

/*
 * positives {0.9, 0.8, 0.8, 0.3}, negatives {0.8, 0.5, 0.1}:
 * AUC = (3 + 2 * 2.5 + 1) / 12 = 0.75;
 * AP = 1/4 * 1 + 2/4 * 3/4 + 1/4 * 4/6 = 0.791666...;
 * the lowest threshold with precision >= 0.75 is 0.8 (3 of 4 flagged);
 * lift at 50%: top 3.5 rows hold 1 + 2.5 * 2/3 positives, (8/3 / 3.5) / (4/7) = 4/3.
 */
static void
test_ranking(void)
{
	double		pos[] = {0.9, 0.8, 0.8, 0.3},
				neg[] = {0.8, 0.5, 0.1};
	cv_distr   *d = classes(pos, 4, neg, 3);
	cvm_table	tt = table_of(d);
	cvm_table  *t = &tt;
	cvm_point	p;
	cvm_curve  *c;

	tap_ok(cvm_table_distinct(t) == 5, "table: 5 distinct thresholds");
	tap_near(cvm_roc_auc(t), 0.75, 1e-15, "roc auc with a tie across classes");
	tap_near(cvm_average_precision(t), 0.25 + 0.375 + 1.0 / 6, 1e-15, "average precision");
	tap_ok(cvm_threshold_for_precision(t, 0.75, &p) && p.threshold == 0.8 && p.tp == 3 && p.flagged == 4,
		   "threshold for precision 0.75 is 0.8");
	tap_near(p.recall, 0.75, 0, "recall there is 0.75");
	tap_ok(cvm_threshold_for_precision(t, 1.0, &p) && p.threshold == 0.9, "precision 1 is reached at 0.9 only");
	p = cvm_confusion_at(t, 0.5);
	tap_ok(p.flagged == 5 && p.tp == 3, "confusion at 0.5 flags 5 rows, 3 positive");
	p = cvm_confusion_at(t, 2);
	tap_ok(p.flagged == 0 && isnan(p.precision), "nothing flagged above the top score: precision undefined");
	tap_near(cvm_lift_at(t, 0.5), 4.0 / 3, 1e-15, "lift at 50% shares the tie pro rata");
	tap_near(cvm_lift_at(t, 1.0), 1.0, 1e-15, "lift at 100% is 1");
	c = cvm_curve_from_table(t, CVM_CURVE_ROC);
	tap_ok(c->n == 5 && c->tp[4] == 4 && c->fp[4] == 3 && c->tp[1] == 3 && c->fp[1] == 1,
		   "roc curve: cumulative counts per distinct threshold");
	tap_ok(c->threshold[0] == 0.9 && c->threshold[1] == 0.8 && c->threshold[4] == 0.1,
		   "roc curve: thresholds highest first, the tie at 0.8 one point");
	{
		char	   *json = cvm_curve_to_json(c);
		char		err[200];
		cvm_curve  *back = cvm_curve_from_json(json, strlen(json), err, sizeof(err));
		char	   *again = back ? cvm_curve_to_json(back) : NULL;

		tap_str(again, json, "curve JSON round trip");
		cv_free(json);
		cv_free(again);
		cvm_curve_free(back);
		const char *bad = "{\"kind\": \"curve\", \"version\": 1, \"curve\": \"roc\", \"positives\": 1, "
			"\"negatives\": 1, \"distinct_thresholds\": 2, \"thresholds\": [1, 2], "
			"\"tp\": [1, 1], \"fp\": [0, 1]}";

		back = cvm_curve_from_json(bad, strlen(bad), err, sizeof(err));
		tap_ok(back == NULL, "ascending thresholds are refused");
		tap_str(err, "thresholds must be strictly descending", "with a message");
	}
	cvm_curve_free(c);
	cv_distr_free(d);
}

static void
test_one_class_and_ties(void)
{
	double		pos[] = {0.5},
				neg[] = {0.5, 0.5, 0.5};
	cv_distr   *d = classes(pos, 1, neg, 3);
	cvm_table	t = table_of(d);

	tap_near(cvm_roc_auc(&t), 0.5, 0, "all scores equal: auc 0.5");
	tap_near(cvm_average_precision(&t), 0.25, 0, "all scores equal: ap = base rate");
	cv_distr_free(d);
	d = classes(pos, 1, neg, 0);
	t = table_of(d);
	tap_ok(isnan(cvm_roc_auc(&t)), "auc undefined without negatives");
	cv_distr_free(d);
	d = classes(pos, 0, neg, 3);
	t = table_of(d);
	tap_ok(isnan(cvm_average_precision(&t)) && isnan(cvm_lift_at(&t, 0.1)), "ap and lift undefined without positives");
	cv_distr_free(d);
}

/* log loss and Brier by hand; calibration bins; PSI of equal populations. */
static void
test_probabilities(void)
{
	double		pos[] = {0.9, 0.6, 0.3},
				neg[] = {0.2, 0.3};
	cv_distr   *d = classes(pos, 3, neg, 2);
	cv_distr_dim p,
				n;
	cvm_curve  *c;
	int			used;

	(void) cv_distr_compact(d);
	p = cv_distr_dim_get(d, 0);
	n = cv_distr_dim_get(d, 1);
	tap_near(cvm_log_loss(&p, &n), -(log(0.9) + log(0.6) + log(0.3) + log(0.8) + log(0.7)) / 5, 1e-15,
			 "log loss");
	tap_near(cvm_brier_score(&p, &n), (0.01 + 0.16 + 0.49 + 0.04 + 0.09) / 5, 1e-15, "brier score");
	c = cvm_calibration(&p, &n, 2);
	/* bin 1 (0, 0.5]: 0.3, 0.2, 0.3 (1 positive); bin 2 (0.5, 1]: 0.9, 0.6 */
	tap_ok(c->count[0] == 3 && c->positives[0] == 1 && c->count[1] == 2 && c->positives[1] == 2,
		   "calibration: rows and positives per bin");
	tap_near(c->mean_predicted[0], 0.8 / 3, 1e-15, "calibration: mean prediction of bin 1");
	cvm_curve_free(c);
	c = cvm_calibration(&p, &n, 10);
	/* 0.3 is not above the edge 3 * 0.1 = 0.30000000000000004: bin 3 */
	tap_ok(c->count[2] == 2 && c->count[3] == 0, "calibration: 0.3 falls at or below the edge 3 * (1/10)");
	cvm_curve_free(c);
	tap_near(cvm_psi(&p, &p, 10, &used), 0, 0, "psi of a population against itself is 0");
	/*
	 * baseline {0.3, 0.6, 0.9}, 2 bins: edge = lower median 0.6;
	 * bins (-inf, 0.6], (0.6, inf): baseline 2/3, 1/3; current {0.2, 0.3}: 1, 0 -> 1e-4
	 */
	tap_near(cvm_psi(&p, &n, 2, &used),
			 (1 - 2.0 / 3) * log(1 / (2.0 / 3)) + (1e-4 - 1.0 / 3) * log(1e-4 / (1.0 / 3)), 1e-15,
			 "psi with an empty current bin floored at 1e-4");
	tap_ok(used == 2, "psi used 2 bins");
	cv_distr_free(d);
}

static void
test_scaler(void)
{
	cv_distr   *d = cv_distr_new(2);
	double		rows[][2] = {{1, 5}, {2, 5}, {3, 5}, {6, 0}};
	unsigned char nul[][2] = {{0, 0}, {0, 0}, {0, 0}, {0, 1}};
	char	   *names[] = {"a", "b"};
	cvz_scaler *s;
	char	   *json;
	char		err[200];
	cvz_scaler *back;

	for (int i = 0; i < 4; i++)
		(void) cv_distr_add(d, rows[i], nul[i]);
	(void) cv_distr_compact(d);
	s = cvz_from_distr(d, names);
	tap_near(s->f->mean[0], 3, 0, "mean of 1, 2, 3, 6");
	tap_near(s->f->sd[0], sqrt((4 + 1 + 0 + 9) / 4.0), 1e-15, "population sd");
	tap_ok(s->count[1] == 3 && s->f->sd[1] == 0, "constant feature: sd 0");
	{
		double		x[2] = {6, 7},
					z[2];
		unsigned char present[2] = {1, 1};

		cvz_zscores(s, x, present, z);
		tap_near(z[0], 3 / sqrt(3.5), 1e-15, "z-score of 6");
		tap_near(z[1], 0, 0, "a constant feature scores 0 (the shared standardisation)");
		present[0] = 0;
		cvz_zscores(s, x, present, z);
		tap_ok(isnan(z[0]), "a missing value has no z-score");
	}
	json = cvz_to_json(s);
	back = cvz_from_json(json, strlen(json), err, sizeof(err));
	tap_ok(back && back->f->mean[0] == s->f->mean[0] && back->f->sd[0] == s->f->sd[0] && back->count[0] == 4,
		   "scaler JSON round trip");
	cvz_free(back);
	cv_free(json);
	json = "{\"kind\": \"scaler\", \"version\": 1, \"features\": {\"numeric\": [\"a\"], \"standardize\": true, "
		"\"mean\": [1], \"sd\": [-1]}, \"count\": [1]}";
	back = cvz_from_json(json, strlen(json), err, sizeof(err));
	tap_ok(back == NULL, "negative sd refused");
	json = "{\"kind\": \"scaler\", \"version\": 1, \"features\": {\"numeric\": [\"a\"], \"standardize\": true, "
		"\"mean\": [1], \"sd\": [1]}, \"count\": [0]}";
	back = cvz_from_json(json, strlen(json), err, sizeof(err));
	tap_ok(back == NULL, "a feature without rows must have mean 0 and sd 0");
	cvz_free(s);
	cv_distr_free(d);
}

int
main(void)
{
	test_ranking();
	test_one_class_and_ties();
	test_probabilities();
	test_scaler();
	return tap_done();
}
