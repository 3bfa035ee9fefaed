/*
 * cvutils.h
 *	  Argument checking shared by every custvalue glue file: arrays of
 *	  float8/text, finite numbers, and the trailing `options jsonb` of the
 *	  fit aggregates.  Every check raises a user-facing error with an
 *	  SQLSTATE and a message that names the argument and the bad value.
 */
#ifndef CVUTILS_H
#define CVUTILS_H

#include "postgres.h"

#include "fmgr.h"
#include "nodes/nodes.h"
#include "utils/array.h"
#include "utils/jsonb.h"

/*
 * Read a float8[] argument.  The array must be one-dimensional (or empty).
 * When nulls is NULL, a NULL element is an error (22004); otherwise
 * (*nulls)[i] tells which elements are NULL.  Non-NULL elements must be
 * finite (22023).  Returns the number of elements; *values is palloc'd.
 */
extern int	cv_float8_array(ArrayType *arr, const char *what,
							double **values, bool **nulls);

/*
 * The same checks without allocating, for per-row scoring paths: reads the
 * array's storage directly into values[] (and nulls[], when NULL elements
 * are allowed).  Returns the element count; reads nothing when it exceeds
 * max, so the caller can report the length it got.
 */
extern int	cv_float8_array_into(ArrayType *arr, const char *what,
								 double *values, bool *nulls, int max);

/*
 * Read arguments first..PG_NARGS()-1 of a VARIADIC "any" function as
 * float8 values (NULL allowed, reported in nulls[]), with the checks of
 * cv_float8_array_into; `what` names them as one array in messages.  The
 * planner support of the scoring functions (cv_array_args_support) calls
 * such functions with the elements of an ARRAY[...] argument, so that no
 * array is built per row.  Returns the count; reads nothing past max.
 */
extern int	cv_float8_args(FunctionCallInfo fcinfo, int first, const char *what,
						   double *values, bool *nulls, int max);
/*
 * The two halves of cv_float8_args, for a call site that checks the
 * argument types once (they cannot change between its calls) and then
 * only reads: the type check (42804 when an argument is not float8),
 * and the read with the finite-number check.
 */
extern void cv_float8_args_check(FunctionCallInfo fcinfo, int first, const char *what);
extern int	cv_float8_args_read(FunctionCallInfo fcinfo, int first, const char *what,
								double *values, bool *nulls, int max);

/*
 * Planner support (SupportRequestSimplify) for a function of two or three
 * arguments, f(x, arr), f(arr, x) or f(x, arr, y), whose float8[] argument
 * is written as ARRAY[e1, ..., en]: rewrites the call into
 * target_name(x [, y], e1, ..., en), the other arguments in their order,
 * when the schema has that function with signature (types of the others,
 * VARIADIC "any").
 */
extern Node *cv_array_args_support(Node *rawreq, const char *target_name);

/*
 * Planner support (SupportRequestSimplify) for a model's scoring function
 * f(model, x float8[] [, categories text[]] [, extra...]) whose x (and
 * categories, when present) are written as ARRAY[...]: rewrites the call
 * into target(model, extra..., x1, ..., xn [, c1, ..., cm]) when the
 * schema has target with signature (model, extra..., VARIADIC "any").
 * cv_feature_args reads such a call's features back.
 */
extern Node *cv_feature_args_support(Node *rawreq, const char *target_name);

/*
 * The features of a call rewritten by cv_feature_args_support, from
 * argument first on: float8 arguments then text arguments.
 * cv_feature_arg_layout checks the argument types (once per call site: they
 * do not change from row to row) and counts them; cv_feature_args reads a
 * row's values, float8 (checked finite) into x and text into cat/catlen
 * (pointing into the arguments), and returns false when one is NULL.
 */
extern void cv_feature_arg_layout(FunctionCallInfo fcinfo, int first, int *nnum, int *ncat);
extern bool cv_feature_args(FunctionCallInfo fcinfo, int first, int nnum, int ncat,
							double *x, const char **cat, size_t *catlen);

/* Read a text[] argument without NULL elements; strings are palloc'd. */
extern int	cv_text_array(ArrayType *arr, const char *what, char ***values);

/* Raise 22023 "<what> must be a finite number, not <x>" unless x is finite. */
extern void cv_check_finite(double x, const char *what);

/* Raise 2202E when two arrays that must pair up differ in length. */
extern void cv_check_same_length(int n1, const char *what1,
								 int n2, const char *what2);

/* Raise 22023 unless edges are strictly ascending. */
extern void cv_check_ascending(const double *edges, int n, const char *what);

/*
 * Options of the fit aggregates travel as a jsonb object.  cv_options_check
 * rejects anything but an object and any key not in the NULL-terminated
 * list `allowed` (22023, with the valid keys in a hint).  The getters return
 * false (or -1 for arrays) when the key is absent or JSON null, and raise
 * 22023 naming the option when it has the wrong type or range.
 */
extern void cv_options_check(Jsonb *opts, const char *const *allowed);
extern bool cv_option_float8(Jsonb *opts, const char *key, double *out);
extern bool cv_option_int(Jsonb *opts, const char *key, int lo, int hi, int *out);
extern bool cv_option_bool(Jsonb *opts, const char *key, bool *out);
extern bool cv_option_choice(Jsonb *opts, const char *key, const char *const *choices,
							 int *out);
extern int	cv_option_float8_array(Jsonb *opts, const char *key, double **out);
extern int	cv_option_bool_array(Jsonb *opts, const char *key, bool **out);
extern int	cv_option_text_array(Jsonb *opts, const char *key, char ***out);

/*
 * Raise 2202E when an array option read by the getters above (got, -1 when
 * absent) does not have `want` elements; `what` says what they stand for.
 */
extern void cv_check_option_length(const char *key, int got, int want, const char *what);

/*
 * The `names` option of a fit over n inputs: n distinct non-empty strings
 * (2202E for a wrong length, 22023 otherwise); absent, <prefix>_1 ..
 * <prefix>_n.  `what` says what a name stands for in messages.
 */
extern char **cv_option_names(Jsonb *opts, int n, const char *prefix, const char *what);

/*
 * Raise 2202E when a row's array (named `what`) has got elements where the
 * group's first row had want.
 */
extern void cv_check_row_length(const char *what, int want, int got);

/* Format a double for messages the way float8out does (shortest exact). */
extern char *cv_fmt(double x);

/* Upper bound of a fit aggregate's state, from custvalue.max_fit_memory. */
extern Size cv_max_fit_bytes(void);

#endif							/* CVUTILS_H */
