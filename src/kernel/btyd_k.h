/*
 * btyd_k.h
 *	  "Buy till you die" customer-lifetime-value models: BG/NBD (Fader,
 *	  Hardie & Lee 2005, "Counting Your Customers the Easy Way") for the
 *	  number of purchases and the chance a customer is still active, and
 *	  Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV") for the spend
 *	  per purchase.  Plain C, no PostgreSQL headers.
 *
 * A customer is summarised as frequency x (purchase periods after the
 * first), recency tx (time from the first to the last purchase), age T
 * (time from the first purchase to the end of calibration) and monetary m
 * (mean value of the repeat purchases).  Fits take the distinct (x, tx, T)
 * or (x, m) tuples with their counts, in ascending order, and maximise the
 * likelihood in log-parameter space by BFGS with exact gradients.
 */
#ifndef CV_BTYD_K_H
#define CV_BTYD_K_H

#include <stddef.h>
#include <stdint.h>

#include "cvcodec.h"

/* Time units: what one unit of recency and t is; used by clv(). */
typedef enum cvb_unit
{
	CVB_HOUR = 0,
	CVB_DAY,
	CVB_WEEK,
	CVB_MONTH
} cvb_unit;

extern const char *const cvb_unit_names[4];
/* The unit called `name`, or -1. */
extern int	cvb_unit_from_name(const char *name);

/* Fit settings shared by both models. */
typedef struct cvb_fit_opts
{
	double		penalizer;		/* lifetimes' L2 penalty on the parameters */
	int			max_iter;
	double		tol;			/* on the largest gradient component */
} cvb_fit_opts;

#define CVB_DEFAULT_MAX_ITER 500
#define CVB_DEFAULT_TOL 1e-8

typedef struct cvb_bgnbd
{
	double		r,
				alpha,
				a,
				b;
	double		log_likelihood;
	int			iterations;
	int			converged;
	double		customers;		/* rows fitted */
	double		distinct;		/* distinct (x, tx, T) triples */
	double		penalizer;
	int			time_unit;		/* cvb_unit */
} cvb_bgnbd;

typedef struct cvb_gammagamma
{
	double		p,
				q,
				v;				/* "gamma" in the papers and the JSON form */
	double		log_likelihood;
	int			iterations;
	int			converged;
	double		customers;		/* customers fitted (x > 0, m > 0) */
	double		skipped;		/* customers without repeat purchases */
	double		penalizer;
} cvb_gammagamma;

/*
 * Fit BG/NBD to n distinct triples x[], tx[], T[] with weights w[], sorted
 * by x (each x's triples contiguous).  Fills r, alpha, a, b,
 * log_likelihood (in the data's time unit), iterations, converged,
 * customers and distinct.  Returns 0, or -1 with a message when the data
 * cannot be fitted.
 */
extern int	cvb_bgnbd_fit(const double *x, const double *tx, const double *T,
						  const double *w, size_t n, const cvb_fit_opts *o,
						  cvb_bgnbd *m, char *err, size_t errlen);
/* Log-likelihood of the triples under m (no penalty). */
extern double cvb_bgnbd_loglik(const cvb_bgnbd *m, const double *x, const double *tx,
							   const double *T, const double *w, size_t n);

/*
 * Expected repeat purchases in the next `t` time units of a customer with
 * history (x, tx, T), and the probability the customer is still active.
 * Inputs are checked by the caller (x, tx, T >= 0, tx <= T, x = 0 implies
 * tx = 0).  Finite for t <= CVB_MAX_HORIZON with parameters in the range
 * fits reach (1e-8 to 1e9 checked); hand-written parameters near the
 * limits of double precision may give NaN or infinity, which the caller
 * reports.
 */
#define CVB_MAX_HORIZON 1e15
extern double cvb_bgnbd_expected(const cvb_bgnbd *m, double t, double x, double tx, double T);
extern double cvb_bgnbd_p_alive(const cvb_bgnbd *m, double x, double tx, double T);

/*
 * The expected purchases of a customer who is still alive, in two ways:
 * the hypergeometric series (fast; -1 when it would lose precision) and
 * numerical integration over the dropout probability (robust).  Exposed for
 * the unit tests, which check one against the other.  cvb_alive_purchases
 * is the one the forecasts use (the series, else the integration); the
 * expected purchases are it times P(alive).
 */
extern double cvb_alive_purchases(const cvb_bgnbd *m, double t, double x, double T);
extern double cvb_alive_purchases_series(const cvb_bgnbd *m, double t, double x, double T);
extern double cvb_alive_purchases_quad(const cvb_bgnbd *m, double t, double x, double T);

/*
 * Fit Gamma-Gamma to n distinct pairs x[] (> 0), mx[] (> 0) with weights
 * w[], sorted by x.  Fills p, q, v, log_likelihood, iterations, converged,
 * customers.  0, or -1 with a message.
 */
extern int	cvb_gammagamma_fit(const double *x, const double *mx, const double *w,
							   size_t n, const cvb_fit_opts *o, cvb_gammagamma *m,
							   char *err, size_t errlen);
extern double cvb_gammagamma_loglik(const cvb_gammagamma *m, const double *x,
									const double *mx, const double *w, size_t n);
/* Expected spend per purchase; NAN when q <= 1 (no finite mean). */
extern double cvb_gammagamma_spend(const cvb_gammagamma *m, double x, double mx);

/*
 * Discounted value over `months` months as lifetimes'
 * customer_lifetime_value computes it: for each month i, the expected
 * purchases between months i-1 and i times the expected spend, divided by
 * (1 + discount)^i.  A month is 30 days, 4.345 weeks or 720 hours.
 */
#define CVB_MAX_MONTHS 1200
extern double cvb_clv(const cvb_bgnbd *bg, double spend, double x, double tx, double T,
					  int months, double discount);
/*
 * The part of cvb_clv that depends on neither recency nor spend: the
 * discounted sum of the monthly increments of the alive-customer
 * expectation.  cvb_clv = spend * P(alive) * this, so a scorer may keep it
 * per (frequency, t).
 */
extern double cvb_clv_alive_factor(const cvb_bgnbd *bg, double x, double T,
								   int months, double discount);

/* Model text and binary forms; the readers validate everything. */
extern char *cvb_bgnbd_to_json(const cvb_bgnbd *m);
extern cvb_bgnbd *cvb_bgnbd_from_json(const char *text, size_t len, char *err, size_t errlen);
extern void cvb_bgnbd_write(const cvb_bgnbd *m, cv_wbuf *b);
extern void *cvb_bgnbd_read(const unsigned char *p, size_t len, char *err, size_t errlen);
extern char *cvb_gammagamma_to_json(const cvb_gammagamma *m);
extern cvb_gammagamma *cvb_gammagamma_from_json(const char *text, size_t len, char *err, size_t errlen);
extern void cvb_gammagamma_write(const cvb_gammagamma *m, cv_wbuf *b);
extern void *cvb_gammagamma_read(const unsigned char *p, size_t len, char *err, size_t errlen);

/* Digamma function for x > 0 (exposed for the unit tests). */
extern double cvb_digamma(double x);

#endif							/* CV_BTYD_K_H */
