/*
 * rowfit.c
 *	  Shared glue of the fits that keep their rows; see rowfit.h.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include <math.h>

#include "cvutils.h"
#include "model.h"
#include "rowfit.h"

void
cv_rowfit_options(Jsonb *opts, bool standardize_default, CvRowFitOptions *o)
{
	double		d;

	o->max_rows = CV_ROWFIT_DEFAULT_MAX_ROWS;
	o->seed = 0;
	o->standardize = standardize_default;
	o->nnames = -1;
	o->names = NULL;
	if (opts == NULL)
		return;
	if (cv_option_float8(opts, "max_rows", &d))
	{
		if (d != floor(d) || d < 1 || d > (double) PG_INT64_MAX / 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"max_rows\" must be a whole number of at least 1, not %s", cv_fmt(d))));
		o->max_rows = (int64) d;
	}
	if (cv_option_float8(opts, "seed", &d))
	{
		if (d != floor(d) || fabs(d) > 9007199254740992.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"seed\" must be a whole number between -2^53 and 2^53, not %s", cv_fmt(d))));
		o->seed = (uint64) (int64) d;
	}
	(void) cv_option_bool(opts, "standardize", &o->standardize);
	o->nnames = cv_option_text_array(opts, "names", &o->names);
}

CvFitState *
cv_rowfit_begin(FunctionCallInfo fcinfo, const CvRowFitArgs *a,
				const CvRowFitOptions *o, const char *params)
{
	CvFitState *s = cv_fitstate_create(fcinfo, CV_STATE_ROWS, params);
	MemoryContext old = cv_fitstate_enter(s);

	s->k = cv_rows_new(-1, a->catarg >= 0 ? -1 : 0, a->yarg >= 0, o->max_rows, o->seed);
	/* a state that is finished here reserves room for its fit */
	if (!s->partial)
		cv_rows_set_work(s->k, a->work_row, a->work_col);
	cv_fitstate_leave(s, old);
	return s;
}

/* Raise the error for a row whose shape differs from the earlier rows'. */
static void
shape_error(const CvRowFitArgs *a, cv_rows *r, int nnum, int ncat)
{
	if (cv_rows_nnum(r) != nnum)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: every %s must have the same number of elements", a->fitname, a->xname),
				 errdetail("Rows with %d and with %d elements were seen.", cv_rows_nnum(r), nnum)));
	ereport(ERROR,
			(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
			 errmsg("%s: every categories array must have the same number of elements", a->fitname),
			 errdetail("Rows with %d and with %d elements were seen.", cv_rows_ncat(r), ncat)));
}

/* A NULL where the fit does not skip rows. */
static void
null_error(const CvRowFitArgs *a, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("%s: %s must not be NULL", a->fitname, what)));
}

/*
 * Read the categories text[] of a row into cat/catlen (palloc'd in the
 * per-row context).  Returns -1 when an element is NULL.
 */
static int
read_categories(ArrayType *arr, const CvRowFitArgs *a, int *n,
				const char ***cat, size_t **catlen)
{
	Datum	   *elems;
	bool	   *isnull;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: categories must be a one-dimensional array, not %d-dimensional",
						a->fitname, ARR_NDIM(arr))));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &isnull, n);
	if (*n > CV_ROWS_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: categories may have at most %d elements, not %d",
						a->fitname, CV_ROWS_MAX_FEATURES, *n)));
	*cat = palloc(sizeof(char *) * Max(*n, 1));
	*catlen = palloc(sizeof(size_t) * Max(*n, 1));
	for (int p = 0; p < *n; p++)
	{
		text	   *t;

		if (isnull[p])
			return -1;
		t = DatumGetTextPP(elems[p]);
		(*cat)[p] = VARDATA_ANY(t);
		(*catlen)[p] = VARSIZE_ANY_EXHDR(t);
	}
	return 0;
}

/* Points up to this many elements are read without allocating. */
#define ROWFIT_STACK 64

cv_rows *
cv_rowfit_check(CvFitState *s, const CvRowFitArgs *a)
{
	cv_rows    *r = cv_fitstate_kernel(s, CV_STATE_ROWS, a->fitname);

	if (cv_rows_has_y(r) != (a->yarg >= 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s cannot use a row state %s a target", a->fitname,
						cv_rows_has_y(r) ? "with" : "without")));
	if (a->catarg < 0 && cv_rows_ncat(r) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s cannot use a row state with categorical features", a->fitname)));
	return r;
}

void
cv_rowfit_add(FunctionCallInfo fcinfo, CvFitState *s, const CvRowFitArgs *a)
{
	cv_rows    *r = cv_rowfit_check(s, a);
	double		xbuf[ROWFIT_STACK];
	bool		nbuf[ROWFIT_STACK];
	double	   *x;
	bool	   *xnull;
	int			nnum,
				ncat = 0;
	const char **cat = NULL;
	size_t	   *catlen = NULL;
	double		y = 0.0;
	bool		incomplete = false;
	MemoryContext old;

	if (PG_ARGISNULL(a->xarg))
	{
		if (!a->skip_incomplete)
			null_error(a, a->xname);
		incomplete = true;
	}
	if (a->catarg >= 0 && PG_ARGISNULL(a->catarg))
	{
		if (!a->skip_incomplete)
			null_error(a, "categories");
		incomplete = true;
	}
	if (a->yarg >= 0 && PG_ARGISNULL(a->yarg))
	{
		if (!a->skip_incomplete)
			null_error(a, "the target");
		incomplete = true;
	}
	if (!incomplete)
	{
		/* the usual short point is read in place, without allocating */
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(a->xarg);

		nnum = cv_float8_array_into(arr, a->xname, xbuf,
									a->skip_incomplete ? nbuf : NULL, ROWFIT_STACK);
		if (nnum <= ROWFIT_STACK)
		{
			x = xbuf;
			xnull = nbuf;
		}
		else
			nnum = cv_float8_array(arr, a->xname, &x, a->skip_incomplete ? &xnull : NULL);
		if (nnum > CV_ROWS_MAX_FEATURES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s: %s may have at most %d elements, not %d",
							a->fitname, a->xname, CV_ROWS_MAX_FEATURES, nnum)));
		for (int i = 0; a->skip_incomplete && i < nnum; i++)
			incomplete |= xnull[i];
		if (a->catarg >= 0 &&
			read_categories(PG_GETARG_ARRAYTYPE_P(a->catarg), a, &ncat, &cat, &catlen) < 0)
		{
			if (!a->skip_incomplete)
				null_error(a, "an element of categories");
			incomplete = true;
		}
		if (a->yarg >= 0)
		{
			y = a->yint ? (double) PG_GETARG_INT32(a->yarg)
				: a->ybool ? (PG_GETARG_BOOL(a->yarg) ? 1.0 : 0.0) : PG_GETARG_FLOAT8(a->yarg);
			cv_check_finite(y, "the target");
		}
		if (nnum + ncat == 0)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("%s: %s must have at least one element", a->fitname, a->xname)));
	}
	old = cv_fitstate_enter(s);
	if (incomplete)
		cv_rows_skip(r, 1);
	else
	{
		if (cv_rows_shape(r, nnum, ncat) < 0)
		{
			MemoryContextSwitchTo(old);
			shape_error(a, r, nnum, ncat);
		}
		cv_rows_add(r, x, cat, catlen, y);
	}
	cv_fitstate_leave(s, old);
}

cv_rows *
cv_rowfit_rows(CvFitState *s, const CvRowFitArgs *a)
{
	cv_rows    *r = cv_fitstate_kernel(s, CV_STATE_ROWS, a->fitname);
	MemoryContext old = cv_fitstate_enter(s);

	CHECK_FOR_INTERRUPTS();
	cv_rows_finish(r);
	/* the kept rows and the fit's working memory for them, against the cap */
	cv_rows_set_work(r, a->work_row, a->work_col);
	cv_fitstate_leave(s, old);
	return r;
}

cv_features *
cv_rowfit_features(cv_rows *rows, const CvRowFitOptions *o, const char *fitname)
{
	int			nfeat = cv_rows_nnum(rows) + cv_rows_ncat(rows);

	if (o->nnames >= 0)
	{
		cv_check_option_length("names", o->nnames, nfeat, "features");
		for (int i = 0; i < o->nnames; i++)
		{
			if (o->names[i][0] == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s: option \"names\" must not contain an empty name", fitname)));
			for (int k = 0; k < i; k++)
				if (strcmp(o->names[k], o->names[i]) == 0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("%s: option \"names\" lists \"%s\" twice", fitname, o->names[i])));
		}
	}
	return cv_features_fit(rows, o->nnames >= 0 ? o->names : NULL, o->standardize);
}

Jsonb *
cv_rowfit_params(CvFitState *s)
{
	return DatumGetJsonbP(cv_jsonb_from_text(cv_fitstate_params(s)));
}
