/*
 * cvutils.c
 *	  Argument checking shared by the custvalue glue files (see cvutils.h).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/supportnodes.h"
#include "parser/parse_func.h"
#include "cvutils.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

/* custvalue.max_fit_memory, in kB; defined in custvalue.c */
extern int	cv_max_fit_memory_kb;

/*
 * Format a double for an error message: shortest text that reads back
 * exactly, as float8out prints it.
 */
char *
cv_fmt(double x)
{
	return float8out_internal(x);
}

/* Check that a value is finite; the message names the argument. */
void
cv_check_finite(double x, const char *what)
{
	if (!isfinite(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite number, not %s", what, cv_fmt(x))));
}

/* Check that two arrays that pair up element by element have equal length. */
void
cv_check_same_length(int n1, const char *what1, int n2, const char *what2)
{
	if (n1 != n2)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s and %s must have the same length", what1, what2),
				 errdetail("%s has %d elements, %s has %d.", what1, n1, what2, n2)));
}

/* Check that band edges are strictly ascending. */
void
cv_check_ascending(const double *edges, int n, const char *what)
{
	for (int i = 1; i < n; i++)
		if (!(edges[i] > edges[i - 1]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be strictly ascending", what),
					 errdetail("Element %d (%s) is not greater than element %d (%s).",
							   i + 1, cv_fmt(edges[i]), i, cv_fmt(edges[i - 1]))));
}

/* Reject arrays of more than one dimension. */
static void
check_one_dim(ArrayType *arr, const char *what)
{
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array, not %d-dimensional",
						what, ARR_NDIM(arr))));
}

/* Read a float8[]: see cvutils.h. */
int
cv_float8_array(ArrayType *arr, const char *what, double **values, bool **nulls)
{
	Datum	   *elems;
	bool	   *isnull;
	int			n;
	double	   *v;

	check_one_dim(arr, what);
	if (ARR_ELEMTYPE(arr) != FLOAT8OID)
		elog(ERROR, "%s: expected float8[], got type %u", what, ARR_ELEMTYPE(arr));
	deconstruct_array(arr, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &isnull, &n);
	v = palloc(sizeof(double) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		if (isnull[i])
		{
			if (nulls == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s must not contain NULL elements", what),
						 errdetail("Element %d is NULL.", i + 1)));
			v[i] = 0.0;
			continue;
		}
		v[i] = DatumGetFloat8(elems[i]);
		if (!isfinite(v[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must contain only finite numbers", what),
					 errdetail("Element %d is %s.", i + 1, cv_fmt(v[i]))));
	}
	*values = v;
	if (nulls)
		*nulls = isnull;
	return n;
}

/* Read a float8[] into caller buffers: see cvutils.h. */
int
cv_float8_array_into(ArrayType *arr, const char *what, double *values,
					 bool *nulls, int max)
{
	int			n;
	const char *data = ARR_DATA_PTR(arr);
	const bits8 *bitmap = ARR_NULLBITMAP(arr);

	check_one_dim(arr, what);
	n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	if (n > max)
		return n;
	for (int i = 0; i < n; i++)
	{
		bool		isnull = bitmap != NULL && !(bitmap[i >> 3] & (1 << (i & 7)));

		if (isnull)
		{
			if (nulls == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s must not contain NULL elements", what),
						 errdetail("Element %d is NULL.", i + 1)));
			nulls[i] = true;
			values[i] = 0.0;
			continue;
		}
		memcpy(&values[i], data, sizeof(double));
		data += sizeof(double);
		if (nulls)
			nulls[i] = false;
		if (!isfinite(values[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must contain only finite numbers", what),
					 errdetail("Element %d is %s.", i + 1, cv_fmt(values[i]))));
	}
	return n;
}

/* Check that variadic arguments are float8: see cvutils.h. */
void
cv_float8_args_check(FunctionCallInfo fcinfo, int first, const char *what)
{
	for (int i = first; i < PG_NARGS(); i++)
		if (get_fn_expr_argtype(fcinfo->flinfo, i) != FLOAT8OID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("%s must be float8 values", what),
					 errdetail("Argument %d is of type %s.", i + 1,
							   format_type_be(get_fn_expr_argtype(fcinfo->flinfo, i)))));
}

/* Read variadic float8 arguments already checked: see cvutils.h. */
int
cv_float8_args_read(FunctionCallInfo fcinfo, int first, const char *what,
					double *values, bool *nulls, int max)
{
	int			n = PG_NARGS() - first;

	if (n > max)
		return n;
	for (int i = 0; i < n; i++)
	{
		nulls[i] = PG_ARGISNULL(first + i);
		values[i] = nulls[i] ? 0.0 : PG_GETARG_FLOAT8(first + i);
		if (!nulls[i] && !isfinite(values[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must contain only finite numbers", what),
					 errdetail("Element %d is %s.", i + 1, cv_fmt(values[i]))));
	}
	return n;
}

/* Read variadic float8 arguments: see cvutils.h. */
int
cv_float8_args(FunctionCallInfo fcinfo, int first, const char *what,
			   double *values, bool *nulls, int max)
{
	if (PG_NARGS() - first <= max)
		cv_float8_args_check(fcinfo, first, what);
	return cv_float8_args_read(fcinfo, first, what, values, nulls, max);
}

/* Planner support rewriting ARRAY[...] arguments: see cvutils.h. */
Node *
cv_array_args_support(Node *rawreq, const char *target_name)
{
	SupportRequestSimplify *req;
	FuncExpr   *f;
	ArrayExpr  *arr = NULL;
	List	   *others = NIL;
	Oid			argtypes[FUNC_MAX_ARGS];
	int			nothers = 0;
	ListCell   *lc;
	Oid			target;
	FuncExpr   *call;

	if (!IsA(rawreq, SupportRequestSimplify))
		return NULL;
	req = (SupportRequestSimplify *) rawreq;
	f = req->fcall;
	if (list_length(f->args) < 2 || list_length(f->args) > 3)
		return NULL;
	/* the first float8[] argument is the array; the others keep their order */
	foreach(lc, f->args)
	{
		Node	   *a = (Node *) lfirst(lc);

		if (arr == NULL && exprType(a) == FLOAT8ARRAYOID)
			arr = (ArrayExpr *) a;
		else
		{
			others = lappend(others, a);
			argtypes[nothers++] = exprType(a);
		}
	}
	if (arr == NULL || !IsA(arr, ArrayExpr) || arr->multidims || arr->element_typeid != FLOAT8OID ||
		list_length(arr->elements) < 1 ||
		list_length(arr->elements) + nothers > FUNC_MAX_ARGS)
		return NULL;
	argtypes[nothers] = ANYOID;
	target = LookupFuncName(list_make2(makeString(get_namespace_name(get_func_namespace(f->funcid))),
									   makeString(pstrdup(target_name))),
							nothers + 1, argtypes, true);
	if (!OidIsValid(target))
		return NULL;
	call = makeFuncExpr(target, f->funcresulttype, list_concat(others, list_copy(arr->elements)),
						f->funccollid, f->inputcollid, COERCE_EXPLICIT_CALL);
	call->location = f->location;
	return (Node *) call;
}

/* The elements of ARRAY[...] expression e of element type elemtype, or NIL. */
static List *
array_elements(Node *e, Oid elemtype)
{
	ArrayExpr  *arr = (ArrayExpr *) e;

	if (!IsA(arr, ArrayExpr) || arr->multidims || arr->element_typeid != elemtype ||
		list_length(arr->elements) < 1)
		return NIL;
	return arr->elements;
}

/* Planner support rewriting a model's feature arrays: see cvutils.h. */
Node *
cv_feature_args_support(Node *rawreq, const char *target_name)
{
	SupportRequestSimplify *req;
	FuncExpr   *f;
	List	   *x,
			   *cats = NIL,
			   *extra = NIL,
			   *args;
	Oid			argtypes[FUNC_MAX_ARGS];
	int			nargs = 0,
				rest = 2;
	Oid			target;
	FuncExpr   *call;
	ListCell   *lc;

	if (!IsA(rawreq, SupportRequestSimplify))
		return NULL;
	req = (SupportRequestSimplify *) rawreq;
	f = req->fcall;
	if (list_length(f->args) < 2 || (x = array_elements(lsecond(f->args), FLOAT8OID)) == NIL)
		return NULL;
	if (list_length(f->args) > 2 && exprType(lthird(f->args)) == TEXTARRAYOID)
	{
		if ((cats = array_elements(lthird(f->args), TEXTOID)) == NIL)
			return NULL;
		rest = 3;
	}
	args = list_make1(linitial(f->args));
	argtypes[nargs++] = exprType(linitial(f->args));
	for_each_from(lc, f->args, rest)
	{
		extra = lappend(extra, lfirst(lc));
		argtypes[nargs++] = exprType(lfirst(lc));
	}
	argtypes[nargs++] = ANYOID;
	if (nargs + list_length(x) + list_length(cats) > FUNC_MAX_ARGS)
		return NULL;
	target = LookupFuncName(list_make2(makeString(get_namespace_name(get_func_namespace(f->funcid))),
									   makeString(pstrdup(target_name))),
							nargs, argtypes, true);
	if (!OidIsValid(target))
		return NULL;
	args = list_concat(list_concat(list_concat(args, extra), list_copy(x)), list_copy(cats));
	call = makeFuncExpr(target, f->funcresulttype, args, f->funccollid, f->inputcollid,
						COERCE_EXPLICIT_CALL);
	call->location = f->location;
	return (Node *) call;
}

/* Check and count a rewritten call's feature arguments: see cvutils.h. */
void
cv_feature_arg_layout(FunctionCallInfo fcinfo, int first, int *nnum, int *ncat)
{
	int			i = first;

	while (i < PG_NARGS() && get_fn_expr_argtype(fcinfo->flinfo, i) == FLOAT8OID)
		i++;
	*nnum = i - first;
	*ncat = PG_NARGS() - i;
	for (int k = i; k < PG_NARGS(); k++)
		if (get_fn_expr_argtype(fcinfo->flinfo, k) != TEXTOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("features must be float8 values followed by text values"),
					 errdetail("Argument %d is of type %s.", k + 1,
							   format_type_be(get_fn_expr_argtype(fcinfo->flinfo, k)))));
}

/* Read a rewritten call's features: see cvutils.h. */
bool
cv_feature_args(FunctionCallInfo fcinfo, int first, int nnum, int ncat,
				double *x, const char **cat, size_t *catlen)
{
	for (int k = 0; k < nnum; k++)
	{
		if (PG_ARGISNULL(first + k))
			return false;
		x[k] = PG_GETARG_FLOAT8(first + k);
		if (!isfinite(x[k]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("features must contain only finite numbers"),
					 errdetail("Element %d is %s.", k + 1, cv_fmt(x[k]))));
	}
	for (int k = 0; k < ncat; k++)
	{
		text	   *t;

		if (PG_ARGISNULL(first + nnum + k))
			return false;
		t = PG_GETARG_TEXT_PP(first + nnum + k);
		cat[k] = VARDATA_ANY(t);
		catlen[k] = VARSIZE_ANY_EXHDR(t);
	}
	return true;
}

/* Read a text[] without NULL elements. */
int
cv_text_array(ArrayType *arr, const char *what, char ***values)
{
	Datum	   *elems;
	bool	   *isnull;
	int			n;
	char	  **s;

	check_one_dim(arr, what);
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &isnull, &n);
	s = palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		if (isnull[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULL elements", what),
					 errdetail("Element %d is NULL.", i + 1)));
		s[i] = TextDatumGetCString(elems[i]);
	}
	*values = s;
	return n;
}

/* The valid keys, comma separated, for a hint. */
static char *
allowed_list(const char *const *allowed)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; allowed[i]; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", allowed[i]);
	return buf.data;
}

/* Options must be a jsonb object whose keys are all in `allowed`. */
void
cv_options_check(Jsonb *opts, const char *const *allowed)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (!JB_ROOT_IS_OBJECT(opts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options must be a JSON object")));
	it = JsonbIteratorInit(&opts->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		bool		known = false;
		char	   *key;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		for (int i = 0; allowed[i]; i++)
			if (strcmp(key, allowed[i]) == 0)
				known = true;
		if (!known)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown option \"%s\"", key),
					 errhint("Valid options are: %s.", allowed_list(allowed))));
	}
}

/* Look up a key; NULL when absent or JSON null. */
static JsonbValue *
option_get(Jsonb *opts, const char *key)
{
	JsonbValue *v;

	if (opts == NULL)
		return NULL;
	v = getKeyJsonValueFromContainer(&opts->root, key, strlen(key), NULL);
	if (v == NULL || v->type == jbvNull)
		return NULL;
	return v;
}

/* Convert a scalar jsonb number to double, or raise naming the option. */
static double
option_number(JsonbValue *v, const char *key)
{
	double		d;

	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be a number", key)));
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
										   NumericGetDatum(v->val.numeric)));
	if (!isfinite(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be a finite number, not %s", key, cv_fmt(d))));
	return d;
}

bool
cv_option_float8(Jsonb *opts, const char *key, double *out)
{
	JsonbValue *v = option_get(opts, key);

	if (v == NULL)
		return false;
	*out = option_number(v, key);
	return true;
}

bool
cv_option_int(Jsonb *opts, const char *key, int lo, int hi, int *out)
{
	JsonbValue *v = option_get(opts, key);
	double		d;

	if (v == NULL)
		return false;
	d = option_number(v, key);
	if (d != floor(d) || d < lo || d > hi)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be an integer between %d and %d, not %s",
						key, lo, hi, cv_fmt(d))));
	*out = (int) d;
	return true;
}

bool
cv_option_bool(Jsonb *opts, const char *key, bool *out)
{
	JsonbValue *v = option_get(opts, key);

	if (v == NULL)
		return false;
	if (v->type != jbvBool)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be true or false", key)));
	*out = v->val.boolean;
	return true;
}

/*
 * A string option that must be one of `choices` (NULL-terminated): *out is
 * its index.  False when absent or JSON null.
 */
bool
cv_option_choice(Jsonb *opts, const char *key, const char *const *choices, int *out)
{
	JsonbValue *v = option_get(opts, key);
	char	   *got;

	if (v == NULL)
		return false;
	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be a string", key),
				 errhint("Valid values are: %s.", allowed_list(choices))));
	got = pnstrdup(v->val.string.val, v->val.string.len);
	for (int i = 0; choices[i]; i++)
		if (strcmp(got, choices[i]) == 0)
		{
			*out = i;
			return true;
		}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("option \"%s\" must be one of %s, not \"%s\"", key,
					allowed_list(choices), got)));
	return false;				/* not reached */
}

/*
 * Walk the elements of an array-valued option, calling `each` on every
 * scalar element.  Returns the element count, or -1 when the key is absent.
 */
static int
option_array(Jsonb *opts, const char *key,
			 void (*each) (JsonbValue *elem, const char *key, int i, void *out),
			 void **out, Size elemsize)
{
	JsonbValue *v = option_get(opts, key);
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;
	int			n = 0;
	int			cap;

	if (v == NULL)
		return -1;
	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be a JSON array", key)));
	cap = JsonContainerSize(v->val.binary.data);
	*out = palloc0(elemsize * Max(cap, 1));
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (elem.type == jbvBinary)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" must be an array of scalars", key)));
		each(&elem, key, n, *out);
		n++;
	}
	return n;
}

static void
each_float8(JsonbValue *elem, const char *key, int i, void *out)
{
	((double *) out)[i] = option_number(elem, key);
}

static void
each_bool(JsonbValue *elem, const char *key, int i, void *out)
{
	if (elem->type != jbvBool)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be an array of true or false", key)));
	((bool *) out)[i] = elem->val.boolean;
}

static void
each_text(JsonbValue *elem, const char *key, int i, void *out)
{
	if (elem->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be an array of strings", key)));
	((char **) out)[i] = pnstrdup(elem->val.string.val, elem->val.string.len);
}

int
cv_option_float8_array(Jsonb *opts, const char *key, double **out)
{
	return option_array(opts, key, each_float8, (void **) out, sizeof(double));
}

int
cv_option_bool_array(Jsonb *opts, const char *key, bool **out)
{
	return option_array(opts, key, each_bool, (void **) out, sizeof(bool));
}

int
cv_option_text_array(Jsonb *opts, const char *key, char ***out)
{
	return option_array(opts, key, each_text, (void **) out, sizeof(char *));
}

/* Check an array option's length: see cvutils.h. */
void
cv_check_option_length(const char *key, int got, int want, const char *what)
{
	if (got >= 0 && got != want)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("option \"%s\" must have %d elements (%s), not %d",
						key, want, what, got)));
}

/* The cap on a fit aggregate's state, in bytes (custvalue.max_fit_memory). */
Size
cv_max_fit_bytes(void)
{
	return Min((Size) cv_max_fit_memory_kb * 1024, MaxAllocSize);
}

/* The names option of a fit: see cvutils.h. */
char	  **
cv_option_names(Jsonb *opts, int n, const char *prefix, const char *what)
{
	char	  **names;
	int			got = cv_option_text_array(opts, "names", &names);

	cv_check_option_length("names", got, n, what);
	if (got < 0)
	{
		names = palloc(sizeof(char *) * Max(n, 1));
		for (int i = 0; i < n; i++)
			names[i] = psprintf("%s_%d", prefix, i + 1);
	}
	for (int i = 0; i < n; i++)
	{
		if (names[i][0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("names must not be empty"),
					 errdetail("Element %d is empty.", i + 1)));
		for (int k = 0; k < i; k++)
			if (strcmp(names[k], names[i]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("names must be distinct, but \"%s\" appears twice", names[i])));
	}
	return names;
}

/* A row's array length against the group's first row: see cvutils.h. */
void
cv_check_row_length(const char *what, int want, int got)
{
	if (got != want)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg_plural("%s must have %d element in every row, not %d",
							   "%s must have %d elements in every row, not %d",
							   want, what, want, got),
				 errdetail("The first row of the group had %d.", want)));
}
