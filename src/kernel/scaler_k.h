/*
 * scaler_k.h
 *	  The scaler model: per feature a mean and a population standard
 *	  deviation, for z-scores and weighted composite scores sum w * z(x).
 *	  Plain C, no PostgreSQL headers.
 *
 * The scaling itself is the shared standardisation of cvfeatures.h (the
 * one k-means and churn models use): z = (x - mean) / sd, and 0 for a
 * feature whose sd is 0 (a constant carries no information).  A fitted
 * scaler computes the means and deviations from an exact distr of each
 * feature (sorted distinct values with counts), the sums running in
 * ascending order of value with compensation, so they depend only on the
 * multiset of values: any plan, any split of the rows, the same bits.  The
 * scaler also keeps each feature's row count; a feature without any value
 * (count 0, mean and sd written as 0) has NULL z-scores.
 */
#ifndef CV_SCALER_K_H
#define CV_SCALER_K_H

#include <stddef.h>
#include <stdint.h>

#include "cvcodec.h"
#include "cvfeatures.h"
#include "distr.h"

/* Largest number of features of a scaler. */
#define CVZ_MAX_FEATURES 1000

typedef struct cvz_scaler
{
	cv_features *f;				/* numeric features only, standardize on */
	int64_t    *count;			/* rows with a value, per feature */
} cvz_scaler;

/* Fit from an exact distr of n dimensions; names are copied. */
extern cvz_scaler *cvz_from_distr(cv_distr *d, char **names);

/* Number of features. */
extern int	cvz_nfeatures(const cvz_scaler *s);

/*
 * z-scores of a row into z (n slots): present[i] = 0 marks a missing value;
 * a missing value or a feature without rows gives NAN.
 */
extern void cvz_zscores(const cvz_scaler *s, const double *x, const unsigned char *present, double *z);

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
