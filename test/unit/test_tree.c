/*
 * test_tree.c
 *	  Unit tests of the decision-tree kernel (tree_k.c): splits worked out by
 *	  hand (gini, entropy, squared error), the stopping rules, the tie rule,
 *	  importances, rules with merged bounds and categorical levels, and the
 *	  binary and JSON forms with their validation.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cvalloc.h"
#include "tree_k.h"
#include "tap.h"

static cvt_params
params(cvt_criterion c, int depth, int mss, int msl, double mid)
{
	cvt_params	p = {c, depth, mss, msl, mid};

	return p;
}

/* A tree over a column-major matrix, with plain features. */
static cvt_tree *
grow(const double *x, const double *y, size_t n, int ncols, int cls, cvt_params p)
{
	cvt_tree   *t = cv_calloc(1, sizeof(cvt_tree));

	t->classification = cls;
	t->has_params = 1;
	t->params = p;
	t->rows_seen = t->rows_used = (int64_t) n;
	t->features = cv_features_plain(ncols, NULL);
	t->nodes = cvt_grow(x, y, n, ncols, cls, &p, &t->nnodes);
	return t;
}

static void
test_gini(void)
{
	/* x1 separates perfectly at 2.5; x2 is worse */
	double		x[] = {1, 2, 3, 4, 5, 6, /* x2 */ 1, 1, 2, 1, 2, 2};
	double		y[] = {0, 0, 1, 1, 1, 1};
	cvt_tree   *t = grow(x, y, 6, 2, 1, params(CVT_GINI, 5, 2, 1, 0));
	double		imp[2];
	double		d[2] = {2.0, 9.0};

	tap_ok(t->nnodes == 3, "gini: one split, two pure leaves");
	tap_ok(t->nodes[0].feature == 0 && t->nodes[0].threshold == 2.5, "gini: split x1 <= 2.5");
	tap_near(t->nodes[0].impurity, 1.0 - (4.0 + 16.0) / 36.0, 1e-15, "gini: root impurity 4/9");
	tap_ok(t->nodes[1].rows == 2 && t->nodes[1].value == 0.0 && t->nodes[2].rows == 4 &&
		   t->nodes[2].value == 1.0, "gini: leaves in preorder, left first");
	cvt_link(t);
	tap_ok(cvt_leaf(t, d) == 1, "gini: x1 = 2 goes left (<=)");
	cvt_importance(t, imp);
	tap_ok(imp[0] == 1.0 && imp[1] == 0.0, "gini: all importance on x1");
	cvt_free(t);
}

static void
test_entropy_and_depth(void)
{
	/*
	 * y = x1 XOR x2 over four copies: no single split helps at the root
	 * (both decreases are 0), so the tie rule picks x1 at its only
	 * threshold, and depth 2 separates everything.
	 */
	double		x[16 * 2];
	double		y[16];
	cvt_tree   *t;
	char	   *rule;

	for (int i = 0; i < 16; i++)
	{
		x[i] = (double) (i & 1);
		x[16 + i] = (double) ((i >> 1) & 1);
		y[i] = (double) ((i & 1) ^ ((i >> 1) & 1));
	}
	t = grow(x, y, 16, 2, 1, params(CVT_ENTROPY, 1, 2, 1, 0));
	tap_ok(t->nnodes == 3 && t->nodes[0].feature == 0 && t->nodes[0].threshold == 0.5,
		   "entropy: a zero-gain tie goes to the lowest column");
	tap_near(t->nodes[0].impurity, 1.0, 0, "entropy: root impurity 1 bit");
	cvt_free(t);
	t = grow(x, y, 16, 2, 1, params(CVT_ENTROPY, 1, 2, 1, 1e-9));
	tap_ok(t->nnodes == 1, "min_impurity_decrease: a zero-gain split is not made");
	cvt_free(t);
	t = grow(x, y, 16, 2, 1, params(CVT_ENTROPY, 2, 2, 1, 0));
	tap_ok(t->nnodes == 7, "depth 2: the XOR is learnt");
	cvt_link(t);
	rule = cvt_rule(t, 5);
	tap_str(rule, "x1 > 0.5 AND x2 <= 0.5", "rule of a leaf");
	cv_free(rule);
	rule = cvt_rule(t, 0);
	tap_str(rule, "TRUE", "rule of the root");
	cv_free(rule);
	cvt_free(t);
}

static void
test_regression(void)
{
	/* two steps: best first split at 3.5 (means 1 and 10) */
	double		x[] = {1, 2, 3, 4, 5, 6};
	double		y[] = {1, 1, 1, 8, 10, 12};
	cvt_tree   *t = grow(x, y, 6, 1, 0, params(CVT_SQUARED_ERROR, 1, 2, 1, 0));

	tap_ok(t->nnodes == 3 && t->nodes[0].threshold == 3.5, "regression: split at 3.5");
	tap_near(t->nodes[2].value, 10.0, 0, "regression: right leaf mean 10");
	tap_near(t->nodes[2].impurity, 8.0 / 3.0, 1e-13, "regression: right leaf variance 8/3");
	tap_near(t->nodes[0].impurity, (1 + 1 + 1 + 64 + 100 + 144) / 6.0 - 5.5 * 5.5, 1e-13,
			 "regression: root variance");
	cvt_free(t);
	/* min_samples_leaf 4 on 6 rows: no split leaves 4 on both sides */
	t = grow(x, y, 6, 1, 0, params(CVT_SQUARED_ERROR, 5, 2, 4, 0));
	tap_ok(t->nnodes == 1 && t->nodes[0].value == 5.5, "min_samples_leaf: one leaf");
	cvt_free(t);
	t = grow(x, y, 6, 1, 0, params(CVT_SQUARED_ERROR, 5, 7, 1, 0));
	tap_ok(t->nnodes == 1, "min_samples_split above the rows: one leaf");
	cvt_free(t);
	t = grow(x, y, 6, 1, 0, params(CVT_SQUARED_ERROR, 5, 2, 3, 0));
	tap_ok(t->nnodes == 3 && t->nodes[0].threshold == 3.5, "min_samples_leaf 3: 3 + 3");
	cvt_free(t);
}

static void
test_tiny(void)
{
	double		x1[] = {7};
	double		y1[] = {1};
	double		xs[] = {2, 2, 2, 2};
	double		ys[] = {0, 1, 0, 1};
	double		xt[] = {1, 1, 2, 2, 2, 3, /* same as x1 */ 1, 1, 2, 2, 2, 3};
	double		yt[] = {0, 1, 0, 1, 1, 1};
	cvt_tree   *t = grow(x1, y1, 1, 1, 1, params(CVT_GINI, 5, 2, 1, 0));
	double		imp[2];

	tap_ok(t->nnodes == 1 && t->nodes[0].value == 1.0, "one row: one leaf");
	cvt_importance(t, imp);
	tap_ok(imp[0] == 0.0, "one leaf: importance 0");
	cvt_free(t);
	t = grow(xs, ys, 4, 1, 1, params(CVT_GINI, 5, 2, 1, 0));
	tap_ok(t->nnodes == 1 && t->nodes[0].value == 0.5, "all features equal: one leaf");
	cvt_free(t);
	t = grow(xt, yt, 6, 2, 1, params(CVT_GINI, 1, 2, 1, 0));
	tap_ok(t->nodes[0].feature == 0, "two equal columns: the lowest wins the tie");
	tap_ok(t->nodes[0].threshold == 2.5 && t->nodes[1].rows == 5,
		   "ties in values move together: the three 2s all go left of 2.5");
	cvt_free(t);
}

/* Rows with one numeric and one categorical feature, as the glue has them. */
static void
test_rows_and_rules(void)
{
	cv_rows    *r = cv_rows_new(1, 1, 1, 0, 0);
	const char *seg[] = {"Gold", "Gold", "Std", "Std", "Std", "Bronze", "Std", "Bronze"};
	double		xv[] = {5, 1, 3, 8, 2, 6, 4, 7};
	double		yv[] = {1, 1, 0, 0, 0, 1, 0, 1};
	cvt_params	p = params(CVT_GINI, 3, 2, 1, 0);
	cv_features *f;
	cvt_tree   *t,
			   *u;
	char	   *rule,
			   *json,
			   *json2;
	char		err[256];
	cv_wbuf		b;
	double		imp[3];

	for (int i = 0; i < 8; i++)
	{
		size_t		len = strlen(seg[i]);

		cv_rows_add(r, &xv[i], &seg[i], &len, yv[i]);
	}
	cv_rows_finish(r);
	f = cv_features_fit(r, NULL, 0);
	t = cvt_fit_rows(r, f, 1, &p);
	cvt_link(t);
	/* design: x1, c1=Bronze, c1=Gold (Std is the reference); c1=Std is 0 */
	tap_ok(t->features->ncols == 3, "design: x1 and two dummies");
	tap_ok(t->nodes[0].feature == 1, "root splits on the first of two equally good dummies (c1=Bronze)");
	{
		int			found = 0;

		for (int32_t i = 0; i < t->nnodes; i++)
		{
			if (t->nodes[i].feature >= 0)
				continue;
			rule = cvt_rule(t, i);
			found += strcmp(rule, "c1 NOT IN ('Bronze', 'Gold')") == 0 ||
				strcmp(rule, "c1 <> 'Gold' AND c1 <> 'Bronze'") == 0;
			cv_free(rule);
		}
		tap_ok(found == 1, "the Std leaf reads as c1 NOT IN ('Bronze', 'Gold')");
	}
	tap_ok(cvt_importance(t, imp) == 0 && imp[0] == 0.0 && fabs(imp[1] + imp[2] - 1.0) < 1e-15,
		   "importance all on the segment dummies");
	json = cvt_to_json(t);
	u = cvt_from_json(json, strlen(json), err, sizeof(err));
	tap_ok(u != NULL, "JSON reads back");
	if (u)
	{
		json2 = cvt_to_json(u);
		tap_str(json2, json, "JSON round trip is exact");
		cv_free(json2);
		cvt_free(u);
	}
	cvb_init(&b);
	cvt_write(t, &b);
	u = cvt_read(b.data, b.len, err, sizeof(err));
	tap_ok(u != NULL && u->nnodes == t->nnodes && u->nodes[0].threshold == t->nodes[0].threshold,
		   "binary reads back");
	cvt_free(u);
	for (size_t cut = 0; cut < b.len; cut += 7)
	{
		u = cvt_read(b.data, cut, err, sizeof(err));
		if (u != NULL)
		{
			tap_ok(0, "a truncated binary tree is rejected");
			break;
		}
	}
	tap_ok(1, "every truncation of the binary tree is rejected");
	cv_free(b.data);
	cv_free(json);
	cvt_free(t);
	cv_rows_free(r);
}

static void
expect_json_error(const char *json, const char *want, const char *name)
{
	char		err[256] = "";
	cvt_tree   *t = cvt_from_json(json, strlen(json), err, sizeof(err));

	tap_ok(t == NULL, name);
	tap_str(err, want, name);
	cvt_free(t);
}

static void
test_hand_written(void)
{
	const char *ok = "{\"kind\": \"tree\", \"version\": 1, \"task\": \"regression\", "
		"\"features\": {\"numeric\": [\"a\", \"b\"]}, \"nodes\": ["
		"{\"feature\": \"a\", \"threshold\": 10, \"left\": 1, \"right\": 2}, "
		"{\"value\": 1}, "
		"{\"feature\": \"b\", \"threshold\": 0, \"left\": 3, \"right\": 4}, "
		"{\"value\": 2}, {\"value\": 3}]}";
	char		err[256];
	cvt_tree   *t = cvt_from_json(ok, strlen(ok), err, sizeof(err));
	double		d[2] = {11, 0};
	double		imp[2];
	char	   *rule;

	tap_ok(t != NULL, "hand-written tree reads");
	if (t == NULL)
	{
		printf("# %s\n", err);
		return;
	}
	tap_ok(cvt_leaf(t, d) == 3, "hand-written tree scores: a > 10, b <= 0");
	tap_ok(cvt_importance(t, imp) < 0, "no importances without rows and impurities");
	rule = cvt_rule(t, 4);
	tap_str(rule, "a > 10 AND b > 0", "hand-written rule");
	cv_free(rule);
	cvt_free(t);
	expect_json_error("{\"kind\": \"tree\", \"version\": 1, \"task\": \"regression\", "
					  "\"features\": {\"numeric\": [\"a\"]}, \"nodes\": ["
					  "{\"feature\": \"a\", \"threshold\": 1, \"left\": 1, \"right\": 1}, {\"value\": 1}]}",
					  "node 0 must have two different children numbered after it", "same child twice");
	expect_json_error("{\"kind\": \"tree\", \"version\": 1, \"task\": \"regression\", "
					  "\"features\": {\"numeric\": [\"a\"]}, \"nodes\": ["
					  "{\"feature\": \"a\", \"threshold\": 1, \"left\": 1, \"right\": 2}, {\"value\": 1}, "
					  "{\"value\": 2}, {\"value\": 3}]}",
					  "node 3 must be the child of exactly one node, not 0", "orphan node");
	expect_json_error("{\"kind\": \"tree\", \"version\": 1, \"task\": \"classification\", "
					  "\"features\": {\"numeric\": [\"a\"]}, \"nodes\": [{\"value\": 2}]}",
					  "node 0 has a value outside 0..1 (a classification tree's value is the share of true)",
					  "classification value above 1");
	expect_json_error("{\"kind\": \"tree\", \"version\": 1, \"task\": \"regression\", "
					  "\"features\": {\"numeric\": [\"a\"]}, \"nodes\": [{\"feature\": \"z\", \"threshold\": 1, \"left\": 1, \"right\": 2}, {\"value\": 1}, {\"value\": 1}]}",
					  "node 0: \"feature\" must name a feature (or \"name=level\" of a categorical one)",
					  "unknown feature");
	expect_json_error("{\"kind\": \"tree\", \"version\": 1, \"task\": \"regression\", "
					  "\"features\": {\"numeric\": [\"a\"]}, \"nodes\": [{}]}",
					  "node 0 is a leaf without a finite value", "leaf without value");
	expect_json_error("{\"kind\": \"tree\", \"version\": 2}", "\"version\" must be 1", "version");
}

int
main(void)
{
	test_gini();
	test_entropy_and_depth();
	test_regression();
	test_tiny();
	test_rows_and_rules();
	test_hand_written();
	return tap_done();
}
