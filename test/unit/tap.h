/*
 * tap.h
 *	  A minimal TAP producer for the kernel unit tests (plain C, no
 *	  PostgreSQL).  Each check prints "ok N - name" or "not ok N - name";
 *	  tap_done() prints the plan and returns the exit status.
 */
#ifndef CV_TAP_H
#define CV_TAP_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int	tap_n = 0;
static int	tap_failed = 0;

/* Record one check. */
static inline int
tap_ok(int cond, const char *name)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
	return cond;
}

/* Check |got - want| <= tol, printing both on failure. */
static inline int
tap_near(double got, double want, double tol, const char *name)
{
	int			ok = (isnan(got) && isnan(want)) || fabs(got - want) <= tol;

	if (!tap_ok(ok, name))
		printf("# got %.17g, want %.17g (tolerance %g)\n", got, want, tol);
	return ok;
}

/* Check two C strings are equal, printing both on failure. */
static inline int
tap_str(const char *got, const char *want, const char *name)
{
	int			ok = got && want && strcmp(got, want) == 0;

	if (!tap_ok(ok, name))
		printf("# got \"%s\", want \"%s\"\n", got ? got : "(null)", want ? want : "(null)");
	return ok;
}

/* Print the plan; exit status for main(). */
static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
