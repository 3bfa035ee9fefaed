/*
 * scaler_k.h
 *	  The scaler model: per feature a mean and a population standard
 *	  deviation, for z-scores and weighted composite scores sum w * z(x).
 *	  Plain C, no PostgreSQL headers.
 *
 * A fitted scaler is computed from an exact distr of each feature (sorted
 * distinct values with counts), the sums running in ascending order of
 * value with compensation, so the means and deviations depend only on the
 * multiset of values: any plan, any split of the rows, the same bits.
 * A feature with a standard deviation of 0 scales by 1 (z = x - mean), as
 * scikit-learn's StandardScaler does; a feature without any value has no
 * mean, and its z-scores are NULL.
 */
#ifndef CV_SCALER_K_H
#define CV_SCALER_K_H

#include <stddef.h>
#include <stdint.h>

#include "cvcodec.h"
#include "distr.h"

/* Largest number of features of a scaler. */
#define CVZ_MAX_FEATURES 1000

typedef struct cvz_scaler
{
	int			n;
	char	  **names;
	int64_t    *count;			/* rows with a value */
	double	   *mean;			/* NAN when count is 0 */
	double	   *sd;				/* population standard deviation; NAN when count is 0 */
} cvz_scaler;

/* Fit from an exact distr of n dimensions; names are copied. */
extern cvz_scaler *cvz_from_distr(cv_distr *d, char **names);

/* z-score of x on feature i: (x - mean) / sd (sd 0: / 1); NAN without a mean. */
extern double cvz_z(const cvz_scaler *s, int i, double x);

/*
 * Binary payload and JSON text forms; readers validate fully.  Untyped
 * (a cvz_scaler behind each void pointer) so that they serve directly as a
 * model kind's functions.
 */
extern void cvz_write(const void *scaler, cv_wbuf *b);
extern void *cvz_read(const unsigned char *p, size_t len, char *err, size_t errlen);
extern char *cvz_to_json(const void *scaler);
extern void *cvz_from_json(const char *text, size_t len, char *err, size_t errlen);
extern void cvz_free(cvz_scaler *s);

#endif							/* CV_SCALER_K_H */
