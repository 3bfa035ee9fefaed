/*
 * tree_k.h
 *	  Decision trees: exact CART as scikit-learn's DecisionTreeClassifier and
 *	  DecisionTreeRegressor grow it, scoring, readable rules and feature
 *	  importances.  Plain C, no PostgreSQL headers.
 *
 * Growing.  A node is split on the design column and threshold with the
 * largest impurity decrease (scikit-learn's "proxy" of it, the same ranking);
 * candidate thresholds lie midway between consecutive distinct values of a
 * column in the node (a/2 + b/2, or a when that rounds up to b).  A row goes
 * left when its value is <= the threshold.  A node is a leaf when its depth
 * is max_depth, it has fewer than min_samples_split or 2 * min_samples_leaf
 * rows, its impurity is <= DBL_EPSILON, no split leaves min_samples_leaf
 * rows on both sides, or the best split's weighted decrease
 * N_t/N * (impurity - N_R/N_t * impurity_R - N_L/N_t * impurity_L) plus
 * DBL_EPSILON is below min_impurity_decrease.  Ties between equally good
 * splits go to the lowest column, then the lowest threshold (scikit-learn
 * visits columns in a random order instead).  Two values are distinct when
 * they differ at all (scikit-learn, working in float32, also merges values
 * closer than 1e-7).
 *
 * Each column is sorted once; a split partitions the sorted row lists of
 * every column stably, so a node's rows stay sorted and a level of the tree
 * costs O(rows * columns).  Nodes are numbered in preorder (node, its left
 * subtree, its right subtree), scikit-learn's numbering.
 *
 * Values.  Classification (a 0/1 label): a node's value is its share of
 * label 1, impurity gini or entropy (bits).  Regression: the node's mean,
 * impurity the squared error (population variance), computed as
 * scikit-learn does, sum of squares / n - mean^2.
 *
 * Importance of a column: the sum over the nodes split on it of
 * N_t * impurity - N_L * impurity_L - N_R * impurity_R, divided by the root's
 * N and normalised to sum 1 (all zero for a single leaf): scikit-learn's
 * feature_importances_.
 */
#ifndef CV_TREE_K_H
#define CV_TREE_K_H

#include <stddef.h>
#include <stdint.h>

#include "cvcodec.h"
#include "cvfeatures.h"
#include "rows.h"

/* Deepest tree tree_fit grows (max_depth may be 1 to this). */
#define CVT_MAX_DEPTH 64

/*
 * Largest |target| of a regression tree: the squared error sums squares of
 * targets, which must stay finite for up to 2^31 rows.
 */
#define CVT_MAX_TARGET 1e100

typedef enum cvt_criterion
{
	CVT_GINI = 0,
	CVT_ENTROPY = 1,
	CVT_SQUARED_ERROR = 2
} cvt_criterion;

/* The fit's options. */
typedef struct cvt_params
{
	cvt_criterion criterion;
	int			max_depth;
	int64_t		min_samples_split;
	int64_t		min_samples_leaf;
	double		min_impurity_decrease;
} cvt_params;

/* One node; a leaf has feature -1 and children -1. */
typedef struct cvt_node
{
	int32_t		feature;		/* design column */
	double		threshold;		/* go left when x <= threshold */
	int32_t		left,
				right;
	int32_t		parent;			/* -1 for the root (derived) */
	int32_t		depth;			/* root 0 (derived) */
	int64_t		rows;			/* training rows; -1 unknown (hand-written) */
	double		impurity;		/* NaN unknown (hand-written) */
	double		value;			/* share of label 1, or mean */
} cvt_node;

typedef struct cvt_tree
{
	int			classification; /* label 0/1, else regression */
	int			has_params;		/* params below were given (fitted trees) */
	cvt_params	params;
	int64_t		max_rows;		/* of the fit; 0 when not fitted */
	int64_t		rows_seen;		/* complete rows offered to the fit */
	int64_t		rows_used;		/* rows the tree was grown on */
	int64_t		rows_skipped;	/* rows with a NULL, skipped */
	cv_features *features;
	int32_t		nnodes;
	cvt_node   *nodes;
} cvt_tree;

/*
 * Grow a tree on n rows of ncols design columns, x column-major
 * (x[j * n + i]), y the label 0/1 or the target; all finite.  Returns the
 * nodes (*nnodes of them, cv_malloc'd).  Polls the interrupt hook
 * (cvalloc.h) between nodes and in every loop over the rows.
 */
extern cvt_node *cvt_grow(const double *x, const double *y, size_t n, int ncols,
						  int classification, const cvt_params *p, int32_t *nnodes);

/*
 * Grow a tree on canonical rows (cv_rows_finish) with features f (fitted on
 * them without standardisation); the tree takes ownership of f.
 */
extern cvt_tree *cvt_fit_rows(const cv_rows *rows, cv_features *f,
							  int classification, const cvt_params *p);
extern void cvt_free(cvt_tree *t);

/* Parent and depth of every node, from the children (after reading). */
extern void cvt_link(cvt_tree *t);

/* The leaf a design vector falls in. */
extern int32_t cvt_leaf(const cvt_tree *t, const double *design);

/*
 * Importances, one per design column, into imp (ncols slots).  Returns -1
 * when a split node lacks rows or impurity (a hand-written tree).
 */
extern int	cvt_importance(const cvt_tree *t, double *imp);

/*
 * The conditions that lead to node `node`, merged per feature and in the
 * order the path first tests them, as text: "a > 1.5 AND a <= 3 AND
 * segment = 'Gold'"; "TRUE" for the root.  Thresholds are rounded to 15
 * significant digits (tree_nodes has them exactly).  cv_malloc'd.
 */
extern char *cvt_rule(const cvt_tree *t, int32_t node);

/* Name of a criterion ("gini", ...); parse one (-1 when unknown). */
extern const char *cvt_criterion_name(cvt_criterion c);
extern int	cvt_criterion_parse(const char *s);

/* Binary payload and JSON text; readers validate everything. */
extern void cvt_write(const cvt_tree *t, cv_wbuf *b);
extern cvt_tree *cvt_read(const unsigned char *p, size_t len, char *err, size_t errlen);
extern char *cvt_to_json(const cvt_tree *t);
extern cvt_tree *cvt_from_json(const char *text, size_t len, char *err, size_t errlen);

#endif							/* CV_TREE_K_H */
