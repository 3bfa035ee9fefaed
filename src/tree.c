/*
 * tree.c
 *	  custvalue.tree_model: decision trees (CART) fitted by the tree_fit
 *	  aggregates, scored by tree_predict, tree_leaf and tree_path, read as
 *	  rules, nodes and importances.  The numerics are in kernel/tree_k.c; the
 *	  rows and their one-hot encoding come from the shared row layer
 *	  (rowfit.h).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "cvalloc.h"
#include "cvutils.h"
#include "fitstate.h"
#include "funcapi.h"
#include "model.h"
#include "nodes/supportnodes.h"
#include "rowfit.h"
#include "tree_k.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#define TREE_MAGIC 0x45455254	/* "TREE" */
#define TREE_TYPE "custvalue.tree_model"

static const CvModelKind tree_kind;

/* Largest min_samples_split / min_samples_leaf (twice it still fits). */
#define TREE_MAX_SAMPLES 1000000000000000.0

static const char *const tree_option_keys[] = {
	"names", "max_rows", "seed", "max_depth", "min_samples_split", "min_samples_leaf",
	"min_impurity_decrease", "criterion", NULL
};

/* The criteria of each task, in cvt_criterion order. */
static const char *const class_criteria[] = {"gini", "entropy", NULL};
static const char *const reg_criteria[] = {"squared_error", NULL};

/* tree_fit's options: the shared row options and the tree's own. */
typedef struct TreeOptions
{
	CvRowFitOptions row;
	cvt_params	tree;
} TreeOptions;

/* A whole-number option between lo and hi into *out (absent: unchanged). */
static void
option_count(Jsonb *opts, const char *key, double lo, int64 *out)
{
	double		d;

	if (!cv_option_float8(opts, key, &d))
		return;
	if (d != floor(d) || d < lo || d > TREE_MAX_SAMPLES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be a whole number between %s and 10^15, not %s",
						key, cv_fmt(lo), cv_fmt(d))));
	*out = (int64) d;
}

/*
 * Read and validate tree_fit's options over the defaults: max_depth 5,
 * min_samples_split 2, min_samples_leaf 1, min_impurity_decrease 0,
 * criterion gini (classification) or squared_error (regression).
 */
static void
tree_options(Jsonb *opts, bool classification, TreeOptions *o)
{
	int			c;
	double		d;

	if (opts)
		cv_options_check(opts, tree_option_keys);
	cv_rowfit_options(opts, false, &o->row);
	o->tree.max_depth = 5;
	o->tree.min_samples_split = 2;
	o->tree.min_samples_leaf = 1;
	o->tree.min_impurity_decrease = 0.0;
	o->tree.criterion = classification ? CVT_GINI : CVT_SQUARED_ERROR;
	(void) cv_option_int(opts, "max_depth", 1, CVT_MAX_DEPTH, &o->tree.max_depth);
	option_count(opts, "min_samples_split", 2, &o->tree.min_samples_split);
	option_count(opts, "min_samples_leaf", 1, &o->tree.min_samples_leaf);
	if (cv_option_float8(opts, "min_impurity_decrease", &d))
	{
		if (d < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"min_impurity_decrease\" must not be negative, not %s", cv_fmt(d))));
		o->tree.min_impurity_decrease = d;
	}
	if (cv_option_choice(opts, "criterion", classification ? class_criteria : reg_criteria, &c))
		o->tree.criterion = classification ? (cvt_criterion) c : CVT_SQUARED_ERROR;
}

/* The options as the text the state keeps ("{}" when absent). */
static char *
options_text(Jsonb *opts)
{
	return opts ? JsonbToCString(NULL, &opts->root, VARSIZE(opts)) : pstrdup("{}");
}

/*
 * The transition of every tree_fit: on a group's first row validate the
 * options and start a rows state; every row must bring the same options.
 * Rows with a NULL (features, an element, categories, the label) are
 * skipped and counted.
 */
static Datum
tree_trans(FunctionCallInfo fcinfo, const CvRowFitArgs *a)
{
	CvFitState *s = cv_fitstate_current(fcinfo);
	int			optarg = a->yarg + 1;

	if (s == NULL)
	{
		Jsonb	   *opts = (PG_NARGS() > optarg && !PG_ARGISNULL(optarg)) ?
			PG_GETARG_JSONB_P(optarg) : NULL;
		TreeOptions o;

		tree_options(opts, a->ybool, &o);
		s = cv_rowfit_begin(fcinfo, a, &o.row, options_text(opts));
	}
	cv_fitstate_check_options(s, fcinfo, optarg);
	if (!a->ybool && !PG_ARGISNULL(a->yarg) && fabs(PG_GETARG_FLOAT8(a->yarg)) > CVT_MAX_TARGET)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s: the target must lie between -1e100 and 1e100, not %s",
						a->fitname, cv_fmt(PG_GETARG_FLOAT8(a->yarg))),
				 errdetail("The squared error sums squares of targets, which must stay finite."),
				 errhint("Fit the target in larger units.")));
	cv_rowfit_add(fcinfo, s, a);
	PG_RETURN_DATUM(cv_fitstate_return(s));
}

/* Where each tree_fit finds its arguments (after the state, argument 0). */
/*
 * The fit presorts every design column (28 bytes a cell: values, targets,
 * indices, their scratch copies) and keeps 48 bytes a row of keys, targets
 * and partition flags.
 */
static const CvRowFitArgs class_args = {"tree_fit", "features array", 1, -1, 2, true, true, false, 48, 28};
static const CvRowFitArgs class_cat_args = {"tree_fit", "features array", 1, 2, 3, true, true, false, 48, 28};
static const CvRowFitArgs reg_args = {"tree_fit", "features array", 1, -1, 2, false, true, false, 48, 28};
static const CvRowFitArgs reg_cat_args = {"tree_fit", "features array", 1, 2, 3, false, true, false, 48, 28};

PG_FUNCTION_INFO_V1(cv_tree_fit_class_trans);
Datum
cv_tree_fit_class_trans(PG_FUNCTION_ARGS)
{
	return tree_trans(fcinfo, &class_args);
}

PG_FUNCTION_INFO_V1(cv_tree_fit_class_cat_trans);
Datum
cv_tree_fit_class_cat_trans(PG_FUNCTION_ARGS)
{
	return tree_trans(fcinfo, &class_cat_args);
}

PG_FUNCTION_INFO_V1(cv_tree_fit_reg_trans);
Datum
cv_tree_fit_reg_trans(PG_FUNCTION_ARGS)
{
	return tree_trans(fcinfo, &reg_args);
}

PG_FUNCTION_INFO_V1(cv_tree_fit_reg_cat_trans);
Datum
cv_tree_fit_reg_cat_trans(PG_FUNCTION_ARGS)
{
	return tree_trans(fcinfo, &reg_cat_args);
}

/*
 * A classification state holds labels 0 and 1 only: the transition function
 * stores booleans, but a crafted state (or a regression tree's state handed
 * to a classification final function) can hold any target, and a tree grown
 * on it would not read back.
 */
static void
check_labels(const cv_rows *rows)
{
	for (size_t i = 0; i < cv_rows_count(rows); i++)
	{
		double		y = cv_rows_y(rows, i);

		cv_interrupt_poll(i);
		if (y != 0.0 && y != 1.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("tree_fit cannot grow a classification tree from this fit state: label %g is not 0 or 1", y)));
	}
}

/*
 * The final function of every tree_fit: grow the tree on the canonical
 * rows.  NULL for a group without complete rows.
 */
static Datum
tree_final(FunctionCallInfo fcinfo, bool classification)
{
	CvFitState *s = cv_fitstate_arg(fcinfo, 0);
	TreeOptions o;
	cv_rows    *rows;
	cv_features *f;
	cvt_tree   *t;

	if (s == NULL)
		PG_RETURN_NULL();
	tree_options(cv_rowfit_params(s), classification, &o);
	rows = cv_rowfit_rows(s, &class_cat_args);
	/* a state can be any value a user typed: a tree needs the targets */
	if (!cv_rows_has_y(rows))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tree_fit cannot use a row state without a target")));
	if (cv_rows_count(rows) == 0)
		PG_RETURN_NULL();
	/* unreachable while a state is capped at 1GB (16+ bytes a row); kept for safety */
	if (cv_rows_count(rows) > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("tree_fit: a tree grows on at most %d rows, not %zu", PG_INT32_MAX,
						cv_rows_count(rows)),
				 errhint("Set the option \"max_rows\" to sample the rows.")));
	if (classification)
		check_labels(rows);
	f = cv_rowfit_features(rows, &o.row, "tree_fit");
	t = cvt_fit_rows(rows, f, classification, &o.tree);
	PG_RETURN_DATUM(cv_model_value(&tree_kind, t));
}

PG_FUNCTION_INFO_V1(cv_tree_fit_class_final);
Datum
cv_tree_fit_class_final(PG_FUNCTION_ARGS)
{
	return tree_final(fcinfo, true);
}

PG_FUNCTION_INFO_V1(cv_tree_fit_reg_final);
Datum
cv_tree_fit_reg_final(PG_FUNCTION_ARGS)
{
	return tree_final(fcinfo, false);
}

/* ------------------------------------------------------------ scoring */

/* A decoded tree with the buffers a call site scores with. */
typedef struct TreeScorer
{
	cvt_tree   *t;
	double	   *x;				/* nnum numeric features */
	bool	   *nulls;			/* nnum */
	int32	   *level;			/* ncat level indexes */
	double	   *design;			/* ncols */
	bool		args_checked;	/* this call site's VARIADIC types are float8 */
} TreeScorer;

static void *
tree_decode(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	return cvt_read(p, len, err, errlen);
}

static void *
scorer_decode(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	cvt_tree   *t = cvt_read(p, len, err, errlen);
	TreeScorer *sc;

	if (t == NULL)
		return NULL;
	sc = palloc0(sizeof(TreeScorer));
	sc->t = t;
	sc->x = palloc0(sizeof(double) * (t->features->nnum + 1));
	sc->nulls = palloc0(sizeof(bool) * (t->features->nnum + 1));
	sc->level = palloc0(sizeof(int32) * (t->features->ncat + 1));
	sc->design = palloc0(sizeof(double) * (t->features->ncols + 1));
	return sc;
}

/* The tree in argument 0, decoded once per distinct tree at this call site. */
static TreeScorer *
scorer_arg(FunctionCallInfo fcinfo)
{
	return cv_model_cached(fcinfo, 0, TREE_MAGIC, TREE_TYPE, scorer_decode);
}

/* Raise 2202E unless a customer has as many features as the tree. */
static void
check_count(int got, int want, const char *what)
{
	if (got != want)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must have %d elements to match the tree, not %d", what, want, got)));
}

/*
 * Read a customer's categories (argument argno, or none when -1) into the
 * scorer's level indexes; false when one is NULL.  Unseen levels encode as
 * the reference level.
 */
static bool
read_levels(FunctionCallInfo fcinfo, TreeScorer *sc, int argno)
{
	const cv_features *f = sc->t->features;
	Datum	   *elems;
	bool	   *isnull;
	int			n;

	if (argno < 0)
	{
		if (f->ncat > 0)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("the tree has %d categorical features: pass them as a categories text[] argument",
							f->ncat)));
		return true;
	}
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(argno);

		if (ARR_NDIM(arr) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("categories must be a one-dimensional array, not %d-dimensional",
							ARR_NDIM(arr))));
		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &isnull, &n);
	}
	check_count(n, f->ncat, "categories");
	for (int p = 0; p < n; p++)
	{
		text	   *t;

		if (isnull[p])
			return false;
		t = DatumGetTextPP(elems[p]);
		sc->level[p] = cv_features_level(f, p, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
	return true;
}

/*
 * How a scoring entry point receives the customer: (model, features
 * float8[] [, categories text[]]); or as the planner support rewrites a
 * call written with ARRAY[...], (model, VARIADIC features) or (model,
 * categories, VARIADIC features).
 */
typedef enum TreeCall
{
	TREE_CALL_ARRAY,
	TREE_CALL_ARGS,
	TREE_CALL_CAT_ARGS
} TreeCall;

/*
 * The leaf of the customer in the arguments; -1 when an input is NULL (the
 * _args functions are not strict, so the model or categories may be).
 */
static int32
leaf_of(FunctionCallInfo fcinfo, TreeCall call)
{
	TreeScorer *sc;
	const cv_features *f;
	int			first = call == TREE_CALL_CAT_ARGS ? 2 : 1;
	int			catarg = call == TREE_CALL_CAT_ARGS ? 1 :
		(call == TREE_CALL_ARRAY && PG_NARGS() > 2) ? 2 : -1;
	int			n;

	if (PG_ARGISNULL(0) || (catarg >= 0 && PG_ARGISNULL(catarg)))
		return -1;
	sc = scorer_arg(fcinfo);
	f = sc->t->features;
	if (call != TREE_CALL_ARRAY && !sc->args_checked)
	{
		/* the scorer belongs to this call site: check its types once */
		cv_float8_args_check(fcinfo, first, "features");
		sc->args_checked = true;
	}
	n = call != TREE_CALL_ARRAY
		? cv_float8_args_read(fcinfo, first, "features", sc->x, sc->nulls, f->nnum)
		: cv_float8_array_into(PG_GETARG_ARRAYTYPE_P(1), "features", sc->x, sc->nulls, f->nnum);
	check_count(n, f->nnum, "features");
	for (int j = 0; j < n; j++)
		if (sc->nulls[j])
			return -1;
	if (!read_levels(fcinfo, sc, catarg))
		return -1;
	cv_features_design(f, sc->x, sc->level, sc->design);
	return cvt_leaf(sc->t, sc->design);
}

/* What a scoring function returns about the customer's leaf. */
typedef enum TreeOutput
{
	TREE_VALUE,					/* tree_predict: share of true, or mean */
	TREE_LEAF,					/* tree_leaf: node number (scikit-learn's apply()) */
	TREE_PATH					/* tree_path: the conditions leading there */
} TreeOutput;

/* Every scoring function: NULL when an input is NULL. */
static Datum
tree_score(FunctionCallInfo fcinfo, TreeCall call, TreeOutput out)
{
	int32		leaf = leaf_of(fcinfo, call);

	if (leaf < 0)
		PG_RETURN_NULL();
	switch (out)
	{
		case TREE_VALUE:
			PG_RETURN_FLOAT8(scorer_arg(fcinfo)->t->nodes[leaf].value);
		case TREE_LEAF:
			PG_RETURN_INT32(leaf);
		case TREE_PATH:
			break;
	}
	PG_RETURN_TEXT_P(cstring_to_text(cvt_rule(scorer_arg(fcinfo)->t, leaf)));
}

/* A scoring entry point: one of the three calls, one of the three outputs. */
#define TREE_SCORING_FUNCTION(name, call, out) \
PG_FUNCTION_INFO_V1(name); \
Datum name(PG_FUNCTION_ARGS) \
{ \
	return tree_score(fcinfo, call, out); \
}

TREE_SCORING_FUNCTION(cv_tree_predict, TREE_CALL_ARRAY, TREE_VALUE)
TREE_SCORING_FUNCTION(cv_tree_predict_args, TREE_CALL_ARGS, TREE_VALUE)
TREE_SCORING_FUNCTION(cv_tree_predict_cat_args, TREE_CALL_CAT_ARGS, TREE_VALUE)
TREE_SCORING_FUNCTION(cv_tree_leaf, TREE_CALL_ARRAY, TREE_LEAF)
TREE_SCORING_FUNCTION(cv_tree_leaf_args, TREE_CALL_ARGS, TREE_LEAF)
TREE_SCORING_FUNCTION(cv_tree_leaf_cat_args, TREE_CALL_CAT_ARGS, TREE_LEAF)
TREE_SCORING_FUNCTION(cv_tree_path, TREE_CALL_ARRAY, TREE_PATH)
TREE_SCORING_FUNCTION(cv_tree_path_args, TREE_CALL_ARGS, TREE_PATH)
TREE_SCORING_FUNCTION(cv_tree_path_cat_args, TREE_CALL_CAT_ARGS, TREE_PATH)

/*
 * Planner support of tree_predict, tree_leaf and tree_path (model,
 * features [, categories]): an ARRAY[...] of features becomes separate
 * arguments of the function of the same name with "_args" appended (which
 * takes the categories, if any, before them).
 */
PG_FUNCTION_INFO_V1(cv_tree_args_support);
Datum
cv_tree_args_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);
	char	   *name;

	if (!IsA(rawreq, SupportRequestSimplify))
		PG_RETURN_POINTER(NULL);
	name = get_func_name(((SupportRequestSimplify *) rawreq)->fcall->funcid);
	if (name == NULL)
		PG_RETURN_POINTER(NULL);
	PG_RETURN_POINTER(cv_array_args_support(rawreq, psprintf("%s_args", name)));
}

/* ------------------------------------------------------------ reading */

/* The tree in argument 0 (decoded for this call). */
static cvt_tree *
tree_arg(FunctionCallInfo fcinfo)
{
	return cv_model_decode(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)), TREE_MAGIC, TREE_TYPE, tree_decode);
}

/*
 * A node's rows and impurity into columns rows_at and impurity_at of a
 * result row, NULL when unknown (a hand-written tree).
 */
static void
node_stats(const cvt_node *nd, Datum *values, bool *nulls, int rows_at, int impurity_at)
{
	values[rows_at] = Int64GetDatum(nd->rows);
	nulls[rows_at] = nd->rows < 0;
	values[impurity_at] = Float8GetDatum(nd->impurity);
	nulls[impurity_at] = isnan(nd->impurity);
}

/* tree_rules(model): every leaf as a rule, with its rows, value and impurity. */
PG_FUNCTION_INFO_V1(cv_tree_rules);
Datum
cv_tree_rules(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cvt_tree   *t = tree_arg(fcinfo);

	InitMaterializedSRF(fcinfo, 0);
	for (int32 i = 0; i < t->nnodes; i++)
	{
		const cvt_node *nd = &t->nodes[i];
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		if (nd->feature >= 0)
			continue;
		values[0] = Int32GetDatum(i);
		values[1] = CStringGetTextDatum(cvt_rule(t, i));
		node_stats(nd, values, nulls, 2, 4);
		values[3] = Float8GetDatum(nd->value);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* tree_nodes(model): every node, for drawing the tree. */
PG_FUNCTION_INFO_V1(cv_tree_nodes);
Datum
cv_tree_nodes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cvt_tree   *t = tree_arg(fcinfo);

	InitMaterializedSRF(fcinfo, 0);
	for (int32 i = 0; i < t->nnodes; i++)
	{
		const cvt_node *nd = &t->nodes[i];
		bool		split = nd->feature >= 0;
		Datum		values[10];
		bool		nulls[10] = {false, nd->parent < 0, false, !split, !split, !split, !split,
		false, false, isnan(nd->value)};

		values[0] = Int32GetDatum(i);
		values[1] = Int32GetDatum(nd->parent);
		values[2] = Int32GetDatum(nd->depth);
		if (split)
		{
			values[3] = CStringGetTextDatum(cv_features_column_name(t->features, nd->feature));
			values[4] = Float8GetDatum(nd->threshold);
			values[5] = Int32GetDatum(nd->left);
			values[6] = Int32GetDatum(nd->right);
		}
		node_stats(nd, values, nulls, 7, 8);
		values[9] = Float8GetDatum(nd->value);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * tree_importance(model): per design column (a numeric feature, or
 * "name=level" of a categorical one) its share of the impurity decrease;
 * NULL when the tree does not record rows and impurities.
 */
PG_FUNCTION_INFO_V1(cv_tree_importance);
Datum
cv_tree_importance(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cvt_tree   *t = tree_arg(fcinfo);
	double	   *imp = palloc(sizeof(double) * (t->features->ncols + 1));
	bool		known = cvt_importance(t, imp) == 0;

	InitMaterializedSRF(fcinfo, 0);
	for (int j = 0; j < t->features->ncols; j++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, !known};

		values[0] = CStringGetTextDatum(cv_features_column_name(t->features, j));
		values[1] = Float8GetDatum(imp[j]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ------------------------------------------------------------ the type */

static void *
tree_from_json(const char *text, size_t len, char *err, size_t errlen)
{
	return cvt_from_json(text, len, err, errlen);
}

static char *
tree_to_json(const void *t)
{
	return cvt_to_json(t);
}

static void
tree_write(const void *t, cv_wbuf *b)
{
	cvt_write(t, b);
}

static const CvModelKind tree_kind = {
	TREE_MAGIC, TREE_TYPE, tree_decode, tree_from_json, tree_to_json, tree_write
};

/* custvalue.tree_model's in, out, jsonb, recv and send */
CV_MODEL_IO_FUNCTIONS(cv_tree_model, tree_kind)
