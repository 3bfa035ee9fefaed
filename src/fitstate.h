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
#include "rows.h"
#include "tuples.h"
#include "utils/expandeddatum.h"
#include "utils/jsonb.h"

/*
 * What a state accumulates; the tag travels in its flat and text forms.
 * Each kind is a kernel object with read, write, merge and size functions,
 * listed in fitstate.c's table of kinds.
 */
typedef enum CvFitStateKind
{
	CV_STATE_DISTR = 1,			/* per-dimension value distributions (distr.h) */
	CV_STATE_ROWS = 2,			/* row buffer with a bottom-k sample (rows.h) */
	CV_STATE_TUPLES = 3			/* weighted distinct tuples (tuples.h) */
} CvFitStateKind;

typedef struct CvFitState
{
	ExpandedObjectHeader hdr;
	CvFitStateKind kind;
	char	   *params;			/* fit options as text; combine compares them */
	void	   *k;				/* the kind's kernel object */
	cv_wbuf		flat;			/* serialised form, valid while !dirty */
	bool		dirty;
	/* options of the rows checked so far (cv_fitstate_check_options) */
	int			opts_seen;		/* 0 none yet, 1 NULL, 2 the bytes below */
	struct varlena *opts_bytes; /* raw jsonb of the options, in the state */
	Size		held;			/* bytes of the flat partial states merged in,
								 * which the executor still holds: they count
								 * against custvalue.max_fit_memory */
	bool		partial;		/* built by a partial aggregate (a parallel
								 * worker or leader, a Citus worker): the
								 * executor copies it to pass it on, so it
								 * keeps half the cap for that copy */
} CvFitState;

/*
 * Transition side.  cv_fitstate_current returns the group's state, or NULL
 * on the first call; it fails (0A000) outside an aggregate, and validates
 * a state that arrives as a value (an initcond, a cast) before using it.
 * cv_fitstate_distr_create makes the state of a DISTR fit; `params` is
 * recorded for the final function and for combine.
 * cv_fitstate_distr_add adds one row of n values; the state must be a
 * DISTR state of exactly n dimensions (else 22023 naming `fitname`), and
 * the state stays within custvalue.max_fit_memory (else 54000, before it
 * allocates past it).
 */
extern CvFitState *cv_fitstate_current(FunctionCallInfo fcinfo);
extern CvFitState *cv_fitstate_distr_create(FunctionCallInfo fcinfo, int ndims,
											const char *params);
extern void cv_fitstate_distr_add(CvFitState *s, const char *fitname, int n,
								  const double *x, const bool *isnull);
extern Datum cv_fitstate_return(CvFitState *s);

/*
 * A state of any kind: cv_fitstate_create makes an empty state whose kernel
 * object the caller builds between cv_fitstate_enter (switches to the
 * state's memory context) and cv_fitstate_leave (switches back, marks the
 * state changed and enforces custvalue.max_fit_memory).  Every change to
 * the kernel object happens between the two.
 */
extern CvFitState *cv_fitstate_create(FunctionCallInfo fcinfo, CvFitStateKind kind,
									  const char *params);
extern MemoryContext cv_fitstate_enter(CvFitState *s);
extern void cv_fitstate_leave(CvFitState *s, MemoryContext old);

/*
 * The kernel object of a state of the expected kind; any other kind is an
 * error (22023) naming `fitname`, so a state made by one fit cannot be fed
 * to another's functions.
 */
extern void *cv_fitstate_kernel(CvFitState *s, CvFitStateKind kind, const char *fitname);

/*
 * The distributions of a DISTR state whose dimension count lies between
 * min_dims and max_dims; any other kind or count is an error (22023)
 * naming `fitname`.  Every function that takes a fitstate checks it so
 * before using it: a state can be any value a user typed.
 */
extern cv_distr *cv_fitstate_distr_of(CvFitState *s, const char *fitname,
									  int min_dims, int max_dims);

/*
 * Raise 22023 unless this row's options (jsonb argument argno, NULL meaning
 * none) are those the group's state was built with.  Every transition
 * function that takes options calls it on every row, so that a serial plan
 * fails just as a parallel one (whose combine compares the partial states'
 * options) does.  A row costs a memcmp of the raw jsonb bytes.
 */
extern void cv_fitstate_check_options(CvFitState *s, FunctionCallInfo fcinfo, int argno);

/*
 * The transition of a fit over an array of values per row (state, values
 * float8[] [, options jsonb]), as one call: a NULL array skips the row
 * (the state is returned as it is, NULL before any row); otherwise the
 * array (named `what` in messages; NULL elements are missing values) must
 * have 1 to maxn elements on the group's first row, where validate(opts, n)
 * checks the options and the DISTR state of n dimensions is created, and
 * the same length and options on every later row.  Returns the state to
 * return from the transition function.
 */
typedef void (*cv_array_fit_options_fn) (Jsonb *opts, int n);
extern Datum cv_fitstate_array_row(FunctionCallInfo fcinfo, const char *what, int maxn,
								   cv_array_fit_options_fn validate, const char *fitname);

/*
 * Final side: the state in argument argno (NULL when the group had no
 * rows), its options, and (cv_fitstate_distr) its distributions checked as
 * cv_fitstate_distr_of does and compacted, ready to read.
 */
extern CvFitState *cv_fitstate_arg(FunctionCallInfo fcinfo, int argno);
extern const char *cv_fitstate_params(CvFitState *s);
extern cv_distr *cv_fitstate_distr(CvFitState *s, const char *fitname,
								   int min_dims, int max_dims);

#endif							/* FITSTATE_H */
