/*
 * fitstate.h
 *	  custvalue.fitstate: the one transition-state type shared by the fit
 *	  aggregates.  It is a concrete SQL type whose text form round-trips
 *	  exactly, so partial aggregation can run anywhere a value can travel
 *	  (parallel workers, Citus worker nodes).  Inside an aggregate it is an
 *	  expanded object in a child context of the aggregate context, so rows
 *	  are added in place and nothing is copied per row.
 */
#ifndef FITSTATE_H
#define FITSTATE_H

#include "postgres.h"

#include "distr.h"
#include "fmgr.h"
#include "utils/expandeddatum.h"

/* What a state accumulates; the tag travels in its flat and text forms. */
typedef enum CvFitStateKind
{
	CV_STATE_DISTR = 1			/* per-dimension value distributions */
} CvFitStateKind;

typedef struct CvFitState
{
	ExpandedObjectHeader hdr;
	CvFitStateKind kind;
	char	   *params;			/* fit options as text; combine compares them */
	cv_distr   *distr;			/* CV_STATE_DISTR */
	cv_wbuf		flat;			/* serialised form, valid while !dirty */
	bool		dirty;
	/* options of the rows checked so far (cv_fitstate_check_options) */
	int			opts_seen;		/* 0 none yet, 1 NULL, 2 the bytes below */
	struct varlena *opts_bytes; /* raw jsonb of the options, in the state */
} CvFitState;

/*
 * Transition side.  cv_fitstate_current returns the group's state, or NULL
 * on the first call (it also checks that it runs in an aggregate).
 * cv_fitstate_distr_create makes the state of a DISTR fit; `params` is
 * recorded for the final function and for combine.  cv_fitstate_distr_begin
 * is the two together.
 */
extern CvFitState *cv_fitstate_current(FunctionCallInfo fcinfo);
extern CvFitState *cv_fitstate_distr_create(FunctionCallInfo fcinfo, int ndims,
											size_t exact_cap, const char *params);
extern CvFitState *cv_fitstate_distr_begin(FunctionCallInfo fcinfo, int ndims,
										   size_t exact_cap, const char *params);
extern void cv_fitstate_distr_add(CvFitState *s, const double *x, const bool *isnull);
extern Datum cv_fitstate_return(CvFitState *s);

/*
 * Raise 22023 unless this row's options (jsonb argument argno, NULL meaning
 * none) are those the group's state was built with.  Every transition
 * function that takes options calls it on every row, so that a serial plan
 * fails just as a parallel one (whose combine compares the partial states'
 * options) does.  A row costs a memcmp of the raw jsonb bytes.
 */
extern void cv_fitstate_check_options(CvFitState *s, FunctionCallInfo fcinfo, int argno);

/* Final side: the state in argument argno (NULL when the group had no rows). */
extern CvFitState *cv_fitstate_arg(FunctionCallInfo fcinfo, int argno);
extern const char *cv_fitstate_params(CvFitState *s);
extern cv_distr *cv_fitstate_distr(CvFitState *s);

#endif							/* FITSTATE_H */
