/*
 * rfm_k.h
 *	  RFM+N value segmentation kernel (plain C, no PostgreSQL headers).
 *
 * Scores.  A dimension's non-NULL fitted values are ordered from worst to
 * best: recency (days since last activity) from most days to fewest, the
 * other dimensions from smallest to largest.  Equal values form a tie
 * group, and a group always shares one score.  With N non-NULL values, a
 * group holding cnt values of which c values are strictly worse scores
 *
 *	midrank (the default):
 *		score = 1 + floor(bins * (c + cnt / 2) / N),
 *		except that the group holding the worst value scores 1 and the
 *		group holding the best value scores bins.  c + cnt / 2 is the
 *		group's mid-rank less one half, so untied data score exactly as
 *		ntile(bins) when N is a multiple of bins, a large group lands at
 *		its middle, and the ends of the scale are always used: the many
 *		one-time buyers all keep F = 1, the many customers active on the
 *		last day all get R = bins.  When every value is equal the one
 *		group is both worst and best and scores the middle,
 *		1 + floor(bins / 2).
 *
 *	first:
 *		score = 1 + floor(bins * c / N), the score of the group's first
 *		position, so a value held by more than N/bins customers may leave
 *		scores unused (a big tie at the best value never reaches bins).
 *
 * A fitted dimension is kept as a table with one row (band) per score that
 * occurs: the score, the smallest and largest value holding it and the
 * number of customers.  Scoring any value x, fitted or not, uses the table
 * alone: a value inside a band's range scores that band's score; a value
 * between two bands scores the better band's score; a value worse than
 * every fitted value scores 1, and one better than every fitted value
 * scores bins.  Under `first` this is exactly min(bins, 1 + floor(bins * c
 * / N)) with c = #{fitted values strictly worse than x}.  rfm_model_check()
 * guarantees a table can come from its rule, and scoring is a binary search
 * over at most `bins` bands.
 */
#ifndef RFM_K_H
#define RFM_K_H

#include <stddef.h>
#include <stdint.h>

#include "cvcodec.h"

#define RFM_NDIMS		4		/* recency, frequency, monetary, nps */
#define RFM_NEDGES		3		/* high, mid, low */
#define RFM_MAX_BINS	100
#define RFM_NAMED_BINS	5		/* the named R x F map is a 5 x 5 grid */
#define RFM_MAP_MAX_SCORE RFM_MAX_BINS
#define RFM_FORMAT_VERSION 1

/* Tie rules; the model's JSON names them "midrank" and "first". */
typedef enum rfm_ties
{
	RFM_TIES_MIDRANK = 0,		/* the default */
	RFM_TIES_FIRST = 1,			/* the rule of models without "ties" */
	RFM_NTIES
} rfm_ties;

/* Indexed by rfm_ties, NULL-terminated. */
extern const char *const rfm_ties_names[RFM_NTIES + 1];

/* Dimension index; recency is the one ordered in reverse. */
enum
{
	RFM_R = 0,
	RFM_F = 1,
	RFM_M = 2,
	RFM_N = 3
};

/* Names of the dimensions, as in the JSON text and rfmn_thresholds. */
extern const char *const rfm_dim_names[RFM_NDIMS];

/* One score of one dimension: its realised value range and population. */
typedef struct rfm_band
{
	int			score;			/* 1..bins, strictly ascending in a table */
	double		min_value;		/* smallest fitted value with this score */
	double		max_value;		/* largest fitted value with this score */
	int64_t		customers;		/* fitted values with this score */
} rfm_band;

/* A dimension's score table; bands ordered worst to best (score ascending). */
typedef struct rfm_dim
{
	int64_t		n;				/* fitted non-NULL values (N) */
	int			nbands;
	rfm_band   *bands;
	/*
	 * Search keys for scoring, ascending: each band's best value (recency:
	 * its smallest, negated).  Derived from bands by rfm_dim_build and the
	 * model readers; not part of the text or binary form.
	 */
	double	   *keys;
	double		worst_key;		/* key of the worst fitted value: below it, 1 */
} rfm_dim;

/* A fitted (or hand-written) RFM+N model. */
typedef struct rfm_model
{
	int			bins;
	int			ties;			/* rfm_ties */
	double		weights[RFM_NDIMS];	/* r, f, m, n */
	double		edges[RFM_NEDGES];	/* high, mid, low; strictly descending */
	rfm_dim		dims[RFM_NDIMS];
	/*
	 * The weights times a power of two that brings the largest into
	 * [1, 2), so that weights of 1e308 do not overflow the weighted sum
	 * and subnormal ones keep their bits.  Derived by rfm_model_new and
	 * the readers; not part of the text or binary form.
	 */
	double		wscaled[RFM_NDIMS];
} rfm_model;

/* One customer's scores: 0 in r/f/m/n means NULL. */
typedef struct rfm_scores
{
	int			s[RFM_NDIMS];
	int			has_score;		/* 0 when no present dimension has weight */
	double		score;			/* weighted mean of the present scores */
} rfm_scores;

/* ---- parameters ---- */

/* Defaults: 5 bins, midrank ties, equal weights, edges 4, 3, 2. */
extern void rfm_default_params(int *bins, int *ties, double *weights, double *edges);

/*
 * Check the parameters of a model or fit; 0 when valid, else -1 with a
 * message in err.  bins 1..100; ties a rfm_ties; weights finite,
 * non-negative, not all zero; edges finite and strictly descending.
 */
extern int	rfm_check_params(int bins, int ties, const double *weights, const double *edges,
							 char *err, size_t errlen);

/* The rfm_ties named name (len bytes), or -1. */
extern int	rfm_ties_from_name(const char *name, size_t len);

/* ---- fitting ---- */

/*
 * Build a dimension's score table from its sorted distinct values.  vals[]
 * is strictly ascending, counts[i] >= 1 and their sum is n (as a
 * distribution kernel reports them).  ties is the rule (rfm_ties);
 * reversed = 1 for recency.  Returns 0,
 * or -1 with a message when the input breaks those rules.
 */
extern int	rfm_dim_build(rfm_dim *d, const double *vals, const int64_t *counts,
						  size_t nent, int64_t n, int bins, int ties, int reversed,
						  char *err, size_t errlen);

/* Free a dimension's tables (the struct itself belongs to the caller). */
extern void rfm_dim_clear(rfm_dim *d);

/* A new model with the given parameters and empty dimensions. */
extern rfm_model *rfm_model_new(int bins, int ties, const double *weights, const double *edges);
extern void rfm_model_free(rfm_model *m);

/*
 * Check a whole model (parameters and every table); 0 when valid, else -1
 * with a message naming the dimension and score.
 */
extern int	rfm_model_check(const rfm_model *m, char *err, size_t errlen);

/* ---- scoring ---- */

/* Score of value x in dimension dim; 0 when the dimension had no values. */
extern int	rfm_score_value(const rfm_model *m, int dim, double x);

/*
 * Score a customer: x[d] is ignored where isnull[d].  A NULL dimension has
 * score 0 and drops out of the weighted mean.
 */
extern void rfm_score(const rfm_model *m, const double *x, const unsigned char *isnull,
					  rfm_scores *out);

/* Segment of a weighted mean score: high_value / mid_value / low_value / churn_risk. */
extern const char *rfm_segment_of(const rfm_model *m, double score);

/*
 * The score code: each dimension's score as digits, zero-padded to the
 * width of `bins` (one digit for bins <= 9, so '5434'), a NULL dimension as
 * that many '-'.  out must hold 4 * 3 + 1 bytes.
 */
extern void rfm_code(const rfm_scores *s, int bins, char *out);

/* ---- named and user segment maps ---- */

/* The named 5 x 5 R x F map; NULL when r or f is outside 1..5. */
extern const char *rfm_named_segment(int r, int f);

/* A user map: rules evaluated in order, first match wins. */
typedef struct rfm_rule
{
	char	   *segment;
	int			lo[3];			/* r, f, m; 0 = any */
	int			hi[3];
} rfm_rule;

typedef struct rfm_map
{
	int			nrules;
	rfm_rule   *rules;
} rfm_map;

/*
 * Parse a map from JSON text: an array of objects with a non-empty string
 * "segment" and optional "r", "f", "m", each [lo, hi] with integers
 * 1 <= lo <= hi <= 100.  NULL with a message in err when malformed.
 */
extern rfm_map *rfm_map_parse(const char *json, size_t len, char *err, size_t errlen);
extern void rfm_map_free(rfm_map *map);

/*
 * The segment of scores (r, f, m) under a map, "Other" when no rule
 * matches.  A score of 0 means NULL: it matches only rules that leave that
 * dimension out.
 */
extern const char *rfm_map_segment(const rfm_map *map, int r, int f, int m);

/* ---- trend and NPS ---- */

typedef enum rfm_trend
{
	RFM_TREND_RISING,
	RFM_TREND_STABLE,
	RFM_TREND_DECLINING,
	RFM_TREND_NEW,
	RFM_TREND_INACTIVE
} rfm_trend;

#define RFM_DEFAULT_BAND 0.10

/* The label of a trend. */
extern const char *rfm_trend_name(rfm_trend t);

/*
 * Trend of current against previous: relative change (current - previous)
 * / previous above band is rising, below -band declining, else stable;
 * previous 0 gives new (current > 0) or inactive (current 0).  Inputs must
 * be finite, current and previous non-negative, band non-negative: returns
 * -1 with a message otherwise.
 */
extern int	rfm_value_trend(double current, double previous, double band,
							rfm_trend *out, char *err, size_t errlen);

#define RFM_NPS_RATINGS 11		/* ratings 0..10 */

/*
 * Net promoter score from counts of ratings 0..10: 100 * (promoters (9-10)
 * - detractors (0-6)) / total.  Returns 0 and leaves *out alone when the
 * total is 0.
 */
extern int	rfm_nps(const int64_t *counts, double *out);

/* ---- model text and binary forms ---- */

/* Binary payload (see rfm_k.c for the layout). */
extern void rfm_model_write(const rfm_model *m, cv_wbuf *b);

/* Read and fully check a payload; NULL with a message when invalid. */
extern rfm_model *rfm_model_read(const unsigned char *p, size_t len,
								 char *err, size_t errlen);

/* The model's JSON text (cv_malloc'd, NUL-terminated). */
extern char *rfm_model_to_json(const rfm_model *m);

/* Parse and fully check a model's JSON text; NULL with a message when invalid. */
extern rfm_model *rfm_model_from_json(const char *json, size_t len,
									  char *err, size_t errlen);

#endif							/* RFM_K_H */
