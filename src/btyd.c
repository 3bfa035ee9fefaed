/*
 * btyd.c
 *	  PostgreSQL glue of customer lifetime value: the clv_summary aggregate
 *	  (transactions to frequency, recency, t, monetary), the BG/NBD and
 *	  Gamma-Gamma models (custvalue.bgnbd_model, custvalue.gammagamma_model),
 *	  their fit aggregates and scoring functions, and clv().  The numerics
 *	  are in kernel/btyd_k.c; every state is a "tuples" fit state
 *	  (kernel/tuples.h): a customer's purchase periods with their summed
 *	  amounts, or the distinct (frequency, recency, t) / (frequency,
 *	  monetary) tuples of a population with their counts.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "btyd_k.h"
#include "cvutils.h"
#include "fitstate.h"
#include "model.h"
#include "tuples.h"

#define BGNBD_MAGIC 0x424E4742	/* "BGNB" */
#define BGNBD_TYPE "custvalue.bgnbd_model"
#define GG_MAGIC 0x47474D47		/* "GMGG" */
#define GG_TYPE "custvalue.gammagamma_model"

static const CvModelKind bgnbd_kind;
static const CvModelKind gg_kind;

/* ------------------------------------------------------------ clv_summary */

/* Periods in which purchases merge, and units of recency and t. */
static const char *const period_names[] = {"hour", "day", "week", "month", NULL};
static const char *const unit_names[] = {"hour", "day", "week", NULL};
static const double unit_hours[] = {1, 24, 168};

enum
{
	PERIOD_HOUR, PERIOD_DAY, PERIOD_WEEK, PERIOD_MONTH
};

static const char *const summary_options[] = {"period", "time_unit", NULL};

/*
 * What a clv_summary call site keeps between rows: the options it parsed
 * (keyed on the jsonb's bytes), the last calibration end it converted
 * (keyed on the datum), and the state's parameter text for that pair.
 */
typedef struct SummaryCache
{
	int			period;
	int			unit;
	Jsonb	   *opts;			/* copy of the options parsed, or NULL */
	bool		have_cal;
	Datum		cal_datum;
	int64		cal_raw;		/* in the argument's own order */
	double		cal_hours;		/* start of calibration end's period */
	char		params[128];
} SummaryCache;

/* Read clv_summary's options into period and unit (defaults: day, day). */
static void
summary_read_options(Jsonb *opts, int *period, int *unit)
{
	*period = PERIOD_DAY;
	*unit = 1;
	if (opts == NULL)
		return;
	cv_options_check(opts, summary_options);
	(void) cv_option_choice(opts, "period", period_names, period);
	(void) cv_option_choice(opts, "time_unit", unit_names, unit);
}

/*
 * Start of the period holding local time `ts` (microseconds since
 * 2000-01-01), in hours since 2000-01-01.  Weeks start on Monday.
 */
static double
period_start_hours(Timestamp ts, int period)
{
	int64		hours = ts / USECS_PER_HOUR - (ts % USECS_PER_HOUR < 0);
	int64		day = hours / 24 - (hours % 24 < 0);
	int			y,
				m,
				d;

	switch (period)
	{
		case PERIOD_HOUR:
			return (double) hours;
		case PERIOD_DAY:
			return (double) day * 24;
		case PERIOD_WEEK:
			/* 2000-01-01 was a Saturday: day 0 is 5 days after a Monday */
			return (double) (day - (((day + 5) % 7) + 7) % 7) * 24;
		default:
			j2date((int) day + POSTGRES_EPOCH_JDATE, &y, &m, &d);
			return (double) (date2j(y, m, 1) - POSTGRES_EPOCH_JDATE) * 24;
	}
}

/* Raise 22008 for an infinite time; `what` names the argument. */
static void
check_finite_time(bool infinite, const char *what)
{
	if (infinite)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be finite, not infinity", what)));
}

/* The argument types of the three clv_summary variants. */
typedef enum
{
	SUMMARY_TIMESTAMPTZ, SUMMARY_TIMESTAMP, SUMMARY_DATE
} SummaryType;

/*
 * A time argument as local microseconds since 2000-01-01 (a timestamptz
 * is converted in the session's time zone), and as a raw value that
 * compares in the argument's own order.
 */
static Timestamp
local_time(Datum d, SummaryType type, const char *what, int64 *raw)
{
	switch (type)
	{
		case SUMMARY_DATE:
			{
				DateADT		date = DatumGetDateADT(d);

				check_finite_time(DATE_NOT_FINITE(date), what);
				*raw = date;
				return (Timestamp) date * USECS_PER_DAY;
			}
		case SUMMARY_TIMESTAMP:
			*raw = DatumGetTimestamp(d);
			check_finite_time(TIMESTAMP_NOT_FINITE(*raw), what);
			return *raw;
		default:
			*raw = DatumGetTimestampTz(d);
			check_finite_time(TIMESTAMP_NOT_FINITE(*raw), what);
			return DatumGetTimestamp(DirectFunctionCall1(timestamptz_timestamp, d));
	}
}

/* The call site's cache, with the options of this row parsed. */
static SummaryCache *
summary_cache(FunctionCallInfo fcinfo)
{
	SummaryCache *c = fcinfo->flinfo->fn_extra;
	Jsonb	   *opts = (PG_NARGS() > 4 && !PG_ARGISNULL(4)) ? PG_GETARG_JSONB_P(4) : NULL;

	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(SummaryCache));
		summary_read_options(NULL, &c->period, &c->unit);
		fcinfo->flinfo->fn_extra = c;
	}
	if ((opts == NULL) != (c->opts == NULL) ||
		(opts && (VARSIZE(opts) != VARSIZE(c->opts) || memcmp(opts, c->opts, VARSIZE(opts)) != 0)))
	{
		summary_read_options(opts, &c->period, &c->unit);
		if (c->opts)
			pfree(c->opts);
		c->opts = NULL;
		if (opts)
		{
			c->opts = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE(opts));
			memcpy(c->opts, opts, VARSIZE(opts));
		}
		c->have_cal = false;
	}
	return c;
}

/*
 * clv_summary transition: (state, event_time, amount, calibration_end
 * [, options]).  Rows with a NULL time are skipped, as are events after
 * calibration_end; a NULL amount counts as 0.  The state holds the
 * customer's distinct periods with their summed amounts; its parameter
 * text carries the period, the unit and the calibration end, so every row
 * of a group must have the same calibration end.
 */
static Datum
summary_trans(FunctionCallInfo fcinfo, SummaryType type)
{
	CvFitState *s = cv_fitstate_current(fcinfo);
	SummaryCache *c;
	int64		event_raw,
				cal_raw;
	Timestamp	event;
	double		key,
				amount;
	MemoryContext old;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_DATUM(cv_fitstate_return(s));
	}
	c = summary_cache(fcinfo);
	if (!c->have_cal || c->cal_datum != PG_GETARG_DATUM(3))
	{
		Timestamp	cal = local_time(PG_GETARG_DATUM(3), type, "calibration_end", &cal_raw);

		c->cal_hours = period_start_hours(cal, c->period);
		c->cal_datum = PG_GETARG_DATUM(3);
		c->cal_raw = cal_raw;
		c->have_cal = true;
		snprintf(c->params, sizeof(c->params),
				 "{\"period\": \"%s\", \"time_unit\": \"%s\", \"calibration_end\": %.0f}",
				 period_names[c->period], unit_names[c->unit], c->cal_hours);
	}
	event = local_time(PG_GETARG_DATUM(1), type, "event_time", &event_raw);
	if (event_raw > c->cal_raw)
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_DATUM(cv_fitstate_return(s));
	}
	amount = PG_ARGISNULL(2) ? 0.0 : PG_GETARG_FLOAT8(2);
	cv_check_finite(amount, "amount");
	if (s == NULL)
	{
		s = cv_fitstate_create(fcinfo, CV_STATE_TUPLES, c->params);
		old = cv_fitstate_enter(s);
		s->k = cv_tuples_new(1, 1);
		cv_fitstate_leave(s, old);
	}
	else if (strcmp(cv_fitstate_params(s), c->params) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("clv_summary needs the same calibration_end and options in every row of a group"),
				 errdetail("One row has %s, an earlier one %s.", c->params, cv_fitstate_params(s))));
	key = period_start_hours(event, c->period);
	old = cv_fitstate_enter(s);
	cv_tuples_add(cv_fitstate_kernel(s, CV_STATE_TUPLES, "clv_summary"), &key, &amount, 1);
	cv_fitstate_leave(s, old);
	PG_RETURN_DATUM(cv_fitstate_return(s));
}

PG_FUNCTION_INFO_V1(cv_clv_summary_trans_tz);
Datum
cv_clv_summary_trans_tz(PG_FUNCTION_ARGS)
{
	return summary_trans(fcinfo, SUMMARY_TIMESTAMPTZ);
}

PG_FUNCTION_INFO_V1(cv_clv_summary_trans_ts);
Datum
cv_clv_summary_trans_ts(PG_FUNCTION_ARGS)
{
	return summary_trans(fcinfo, SUMMARY_TIMESTAMP);
}

PG_FUNCTION_INFO_V1(cv_clv_summary_trans_date);
Datum
cv_clv_summary_trans_date(PG_FUNCTION_ARGS)
{
	return summary_trans(fcinfo, SUMMARY_DATE);
}

/* Read back the unit and calibration end from a summary state's parameters. */
static void
summary_params(const char *params, int *unit, double *cal_hours)
{
	char		period[16],
				u[16];

	if (sscanf(params, "{\"period\": \"%15[a-z]\", \"time_unit\": \"%15[a-z]\", \"calibration_end\": %lf}",
			   period, u, cal_hours) != 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("clv_summary cannot use a fit state with options %s", params)));
	for (*unit = 0; unit_names[*unit]; (*unit)++)
		if (strcmp(u, unit_names[*unit]) == 0)
			return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("clv_summary cannot use a fit state with options %s", params)));
}

/*
 * clv_summary final: frequency = periods after the first, recency = first
 * to last period, t = first period to calibration end's period (both in
 * the time unit), monetary = mean amount of the repeat periods (0 without
 * any).  NULL when the customer had no event up to the calibration end.
 */
PG_FUNCTION_INFO_V1(cv_clv_summary_final);
Datum
cv_clv_summary_final(PG_FUNCTION_ARGS)
{
	CvFitState *s = cv_fitstate_arg(fcinfo, 0);
	TupleDesc	td = fcinfo->flinfo->fn_extra;
	cv_tuples  *t;
	size_t		n;
	int			unit;
	double		cal,
				first,
				repeat = 0;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (s == NULL)
		PG_RETURN_NULL();
	t = cv_fitstate_kernel(s, CV_STATE_TUPLES, "clv_summary");
	if (cv_tuples_width(t) != 1 || cv_tuples_nsum(t) != 1 || cv_tuples_count(t) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("clv_summary cannot use a state of tuples of %d values and %d sums",
						cv_tuples_width(t), cv_tuples_nsum(t))));
	summary_params(cv_fitstate_params(s), &unit, &cal);
	cv_tuples_sort(t);
	n = cv_tuples_count(t);
	first = cv_tuples_key(t, 0)[0];
	for (size_t i = 1; i < n; i++)
		repeat += cv_tuples_sum(t, i, 0);
	if (cv_tuples_key(t, n - 1)[0] > cal)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("clv_summary state has a purchase after its calibration end")));
	values[0] = Float8GetDatum((double) (n - 1));
	values[1] = Float8GetDatum((cv_tuples_key(t, n - 1)[0] - first) / unit_hours[unit]);
	values[2] = Float8GetDatum((cal - first) / unit_hours[unit]);
	values[3] = Float8GetDatum(n > 1 ? repeat / (double) (n - 1) : 0.0);
	if (td == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "clv_summary must return a composite type");
		td = BlessTupleDesc(td);
		fcinfo->flinfo->fn_extra = td;
		MemoryContextSwitchTo(old);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

/* ------------------------------------------------------- customer checks */

/*
 * A customer's (frequency, recency, t) as the models read them: finite,
 * frequency a whole number >= 0, 0 <= recency <= t, recency 0 when
 * frequency is 0 (lifetimes' rules).
 */
static void
check_customer(double x, double tx, double T)
{
	cv_check_finite(x, "frequency");
	cv_check_finite(tx, "recency");
	cv_check_finite(T, "t");
	if (x < 0 || x != floor(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency must be a whole number >= 0, not %s", cv_fmt(x))));
	if (tx < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recency must not be negative, not %s", cv_fmt(tx))));
	if (tx > T)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recency must not exceed t, but recency = %s and t = %s", cv_fmt(tx), cv_fmt(T))));
	if (x == 0 && tx != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recency must be 0 when frequency is 0, not %s", cv_fmt(tx))));
}

/*
 * A customer's forecast as a scorer returns it (`what` names it, with its
 * verb): 22003 when the model's
 * parameters (hand-written ones, far from any fit) or a frequency near
 * 2^31 take it out of the range of double precision, rather than NaN or
 * infinity.
 */
static double
check_forecast(double v, const char *what, double x, double tx, double T)
{
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s out of the range of double precision for frequency %s, recency %s, t %s",
						what, cv_fmt(x), cv_fmt(tx), cv_fmt(T))));
	return v;
}

/* --------------------------------------------------------------- fits */

static const char *const fit_options[] = {"penalizer", "max_iter", "tol", "time_unit", NULL};
static const char *const gg_options[] = {"penalizer", "max_iter", "tol", NULL};

/*
 * Read a fit's options (NULL: defaults); `unit` is NULL for Gamma-Gamma,
 * which has no time unit.
 */
static void
fit_read_options(Jsonb *opts, cvb_fit_opts *o, int *unit)
{
	static const char *const units[] = {"hour", "day", "week", "month", NULL};

	o->penalizer = 0;
	o->max_iter = CVB_DEFAULT_MAX_ITER;
	o->tol = CVB_DEFAULT_TOL;
	if (unit)
		*unit = CVB_DAY;
	if (opts == NULL)
		return;
	cv_options_check(opts, unit ? fit_options : gg_options);
	if (cv_option_float8(opts, "penalizer", &o->penalizer) && o->penalizer < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"penalizer\" must not be negative, not %s", cv_fmt(o->penalizer))));
	(void) cv_option_int(opts, "max_iter", 1, 100000, &o->max_iter);
	if (cv_option_float8(opts, "tol", &o->tol) && !(o->tol > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"tol\" must be positive, not %s", cv_fmt(o->tol))));
	if (unit)
		(void) cv_option_choice(opts, "time_unit", units, unit);
}

/* The options argument of a fit's transition function, or NULL. */
static Jsonb *
opts_arg(FunctionCallInfo fcinfo, int argno)
{
	return (PG_NARGS() > argno && !PG_ARGISNULL(argno)) ? PG_GETARG_JSONB_P(argno) : NULL;
}

/*
 * The group's tuples state: on the first row, validate the options and
 * create a state of `width` keys with them as parameters.
 */
static CvFitState *
tuples_begin(FunctionCallInfo fcinfo, int width, Jsonb *opts, bool has_unit)
{
	CvFitState *s = cv_fitstate_current(fcinfo);
	cvb_fit_opts o;
	int			unit;
	MemoryContext old;

	if (s)
		return s;
	fit_read_options(opts, &o, has_unit ? &unit : NULL);
	s = cv_fitstate_create(fcinfo, CV_STATE_TUPLES,
						   opts ? JsonbToCString(NULL, &opts->root, VARSIZE(opts)) : "{}");
	old = cv_fitstate_enter(s);
	s->k = cv_tuples_new(width, 0);
	cv_fitstate_leave(s, old);
	return s;
}

/* Add one key to a fit's tuples state. */
static Datum
tuples_add(CvFitState *s, const double *key, const char *fitname)
{
	MemoryContext old = cv_fitstate_enter(s);

	cv_tuples_add(cv_fitstate_kernel(s, CV_STATE_TUPLES, fitname), key, NULL, 1);
	cv_fitstate_leave(s, old);
	return cv_fitstate_return(s);
}

/*
 * The state's tuples, sorted, as arrays of columns (palloc'd) and weights;
 * the kind and width are checked.  Returns the number of tuples.
 */
static size_t
tuples_columns(CvFitState *s, int width, const char *fitname, double **cols, double **w)
{
	cv_tuples  *t = cv_fitstate_kernel(s, CV_STATE_TUPLES, fitname);
	size_t		n;

	if (cv_tuples_width(t) != width || cv_tuples_nsum(t) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s cannot use a state of tuples of %d values", fitname, cv_tuples_width(t))));
	cv_tuples_sort(t);
	n = cv_tuples_count(t);
	for (int j = 0; j < width; j++)
		cols[j] = palloc(sizeof(double) * Max(n, 1));
	*w = palloc(sizeof(double) * Max(n, 1));
	for (size_t i = 0; i < n; i++)
	{
		for (int j = 0; j < width; j++)
			cols[j][i] = cv_tuples_key(t, i)[j];
		(*w)[i] = (double) cv_tuples_weight(t, i);
	}
	return n;
}

/* bgnbd_fit transition: (state, frequency, recency, t [, options]). */
PG_FUNCTION_INFO_V1(cv_bgnbd_fit_trans);
Datum
cv_bgnbd_fit_trans(PG_FUNCTION_ARGS)
{
	CvFitState *s;
	double		key[3];

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(cv_fitstate_return(cv_fitstate_current(fcinfo)));
	}
	key[0] = PG_GETARG_FLOAT8(1);
	key[1] = PG_GETARG_FLOAT8(2);
	key[2] = PG_GETARG_FLOAT8(3);
	check_customer(key[0], key[1], key[2]);
	s = tuples_begin(fcinfo, 3, opts_arg(fcinfo, 4), true);
	cv_fitstate_check_options(s, fcinfo, 4);
	PG_RETURN_DATUM(tuples_add(s, key, "bgnbd_fit"));
}

/* Raise the error of a fit the kernel could not do. */
static void
fit_failed(const char *fitname, const char *err)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s cannot fit this data: %s", fitname, err)));
}

/* bgnbd_fit final: the model, or NULL for a group without rows. */
PG_FUNCTION_INFO_V1(cv_bgnbd_fit_final);
Datum
cv_bgnbd_fit_final(PG_FUNCTION_ARGS)
{
	CvFitState *s = cv_fitstate_arg(fcinfo, 0);
	double	   *cols[3],
			   *w;
	size_t		n;
	cvb_fit_opts o;
	cvb_bgnbd	m;
	char		err[256];

	if (s == NULL)
		PG_RETURN_NULL();
	n = tuples_columns(s, 3, "bgnbd_fit", cols, &w);
	fit_read_options(DatumGetJsonbP(cv_jsonb_from_text(cv_fitstate_params(s))), &o, &m.time_unit);
	for (size_t i = 0; i < n; i++)
		check_customer(cols[0][i], cols[1][i], cols[2][i]);
	if (cvb_bgnbd_fit(cols[0], cols[1], cols[2], w, n, &o, &m, err, sizeof(err)) < 0)
		fit_failed("bgnbd_fit", err);
	PG_RETURN_DATUM(cv_model_value(&bgnbd_kind, &m));
}

/*
 * gammagamma_fit transition: (state, frequency, monetary [, options]).
 * Customers without a repeat purchase or with monetary <= 0 are counted
 * under the key (0, 0), which no fitted customer can have.
 */
PG_FUNCTION_INFO_V1(cv_gammagamma_fit_trans);
Datum
cv_gammagamma_fit_trans(PG_FUNCTION_ARGS)
{
	CvFitState *s;
	double		key[2];

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(cv_fitstate_return(cv_fitstate_current(fcinfo)));
	}
	key[0] = PG_GETARG_FLOAT8(1);
	key[1] = PG_GETARG_FLOAT8(2);
	cv_check_finite(key[0], "frequency");
	cv_check_finite(key[1], "monetary");
	if (key[0] < 0 || key[0] != floor(key[0]))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency must be a whole number >= 0, not %s", cv_fmt(key[0]))));
	if (key[0] == 0 || key[1] <= 0)
		key[0] = key[1] = 0;
	s = tuples_begin(fcinfo, 2, opts_arg(fcinfo, 3), false);
	cv_fitstate_check_options(s, fcinfo, 3);
	PG_RETURN_DATUM(tuples_add(s, key, "gammagamma_fit"));
}

/* gammagamma_fit final: the model, or NULL for a group without rows. */
PG_FUNCTION_INFO_V1(cv_gammagamma_fit_final);
Datum
cv_gammagamma_fit_final(PG_FUNCTION_ARGS)
{
	CvFitState *s = cv_fitstate_arg(fcinfo, 0);
	double	   *cols[2],
			   *w;
	size_t		n,
				first = 0;
	cvb_fit_opts o;
	cvb_gammagamma m;
	double		skipped = 0;
	char		err[256];

	if (s == NULL)
		PG_RETURN_NULL();
	n = tuples_columns(s, 2, "gammagamma_fit", cols, &w);
	fit_read_options(DatumGetJsonbP(cv_jsonb_from_text(cv_fitstate_params(s))), &o, NULL);
	/* sorted: the skipped customers' key (0, 0) comes first */
	if (n > 0 && cols[0][0] == 0)
	{
		if (cols[1][0] != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("gammagamma_fit state has a customer with frequency 0 and monetary %s",
							cv_fmt(cols[1][0]))));
		skipped = w[0];
		first = 1;
	}
	for (size_t i = first; i < n; i++)
		if (!(cols[0][i] > 0 && cols[0][i] == floor(cols[0][i]) && cols[1][i] > 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("gammagamma_fit state has an invalid customer (%s, %s)",
							cv_fmt(cols[0][i]), cv_fmt(cols[1][i]))));
	if (n == first)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gammagamma_fit needs customers with frequency > 0 and monetary > 0, but all %.0f were skipped",
						skipped)));
	if (cvb_gammagamma_fit(cols[0] + first, cols[1] + first, w + first, n - first, &o, &m,
						   err, sizeof(err)) < 0)
		fit_failed("gammagamma_fit", err);
	m.skipped = skipped;
	PG_RETURN_DATUM(cv_model_value(&gg_kind, &m));
}

/* ------------------------------------------------------------- scoring */

static cvb_bgnbd *
bgnbd_arg(FunctionCallInfo fcinfo, int argno)
{
	return cv_model_cached(fcinfo, argno, BGNBD_MAGIC, BGNBD_TYPE, cvb_bgnbd_read);
}

static cvb_gammagamma *
gg_arg(FunctionCallInfo fcinfo, int argno)
{
	return cv_model_cached(fcinfo, argno, GG_MAGIC, GG_TYPE, cvb_gammagamma_read);
}

/* Raise 22023 unless a horizon is finite, >= 0 and at most CVB_MAX_HORIZON. */
static void
check_horizon(double h)
{
	cv_check_finite(h, "horizon");
	if (h < 0 || h > CVB_MAX_HORIZON)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must be between 0 and 1e15, not %s", cv_fmt(h))));
}

/*
 * Memo of a scorer's costly part at a call site: the alive-customer
 * expectation (bgnbd_expected_purchases) or clv's discounted factor, both
 * functions of the model and (frequency, t) and the horizon (and discount)
 * only, not of recency or spend.  A population has far fewer distinct
 * (frequency, t) than customers (t in whole days or weeks), so scoring
 * millions of rows evaluates the series mostly once per pair.  Exact: a hit
 * returns what the kernel returned for the very same doubles.  Direct-mapped;
 * it starts at 2^10 entries and grows fourfold, keeping its entries, up to
 * 2^18 (10 MB), whenever its misses exceed its size.  Cleared when the model's parameters
 * change (compared by value: a new model may be decoded at an old address).
 */
#define MEMO_MIN_BITS 10
#define MEMO_MAX_BITS 18
typedef struct MemoEntry
{
	double		k[4];
	double		v;
} MemoEntry;

typedef struct Memo
{
	bool		valid;
	double		r,
				alpha,
				a,
				b;
	int			unit;
	int			bits;
	int64		misses;
	MemoEntry  *e;
} Memo;

/* Empty the memo's entries (no key is NaN). */
static void
memo_clear(Memo *memo)
{
	for (int i = 0; i < (1 << memo->bits); i++)
		memo->e[i].k[0] = NAN;
	memo->misses = 0;
}

/* The call site's memo for model m, made or cleared as needed. */
static Memo *
call_site_memo(FunctionCallInfo fcinfo, const cvb_bgnbd *m)
{
	Memo	  **memo = (Memo **) cv_model_call_site_extra(fcinfo);

	if (*memo == NULL)
	{
		*memo = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(Memo));
		(*memo)->bits = MEMO_MIN_BITS;
		(*memo)->e = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(MemoEntry) << MEMO_MIN_BITS);
	}
	if (!(*memo)->valid || (*memo)->r != m->r || (*memo)->alpha != m->alpha ||
		(*memo)->a != m->a || (*memo)->b != m->b || (*memo)->unit != m->time_unit)
	{
		memo_clear(*memo);
		(*memo)->r = m->r;
		(*memo)->alpha = m->alpha;
		(*memo)->a = m->a;
		(*memo)->b = m->b;
		(*memo)->unit = m->time_unit;
		(*memo)->valid = true;
	}
	return *memo;
}

/* Grow the memo fourfold, keeping its entries. */
static void
memo_grow(FunctionCallInfo fcinfo, Memo *memo)
{
	MemoEntry  *old = memo->e;
	int			n = 1 << memo->bits;

	memo->bits += 2;
	memo->e = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(MemoEntry) << memo->bits);
	memo_clear(memo);
	for (int i = 0; i < n; i++)
		if (!isnan(old[i].k[0]))
			memo->e[cv_hash64(old[i].k, 4 * sizeof(double), 0) & ((1 << memo->bits) - 1)] = old[i];
	pfree(old);
}

/* The entry for key k: a hit, or a slot to fill (*hit false). */
static MemoEntry *
memo_slot(FunctionCallInfo fcinfo, Memo *memo, const double *k, bool *hit)
{
	MemoEntry  *e;

	e = &memo->e[cv_hash64(k, 4 * sizeof(double), 0) & ((1 << memo->bits) - 1)];
	*hit = memcmp(e->k, k, sizeof(e->k)) == 0;
	if (*hit)
		return e;
	if (++memo->misses > (1 << memo->bits) && memo->bits < MEMO_MAX_BITS)
	{
		memo_grow(fcinfo, memo);
		e = &memo->e[cv_hash64(k, 4 * sizeof(double), 0) & ((1 << memo->bits) - 1)];
	}
	memcpy(e->k, k, sizeof(e->k));
	return e;
}

/* bgnbd_expected_purchases(model, horizon, frequency, recency, t) */
PG_FUNCTION_INFO_V1(cv_bgnbd_expected_purchases);
Datum
cv_bgnbd_expected_purchases(PG_FUNCTION_ARGS)
{
	cvb_bgnbd  *m = bgnbd_arg(fcinfo, 0);
	double		h = PG_GETARG_FLOAT8(1),
				x = PG_GETARG_FLOAT8(2),
				tx = PG_GETARG_FLOAT8(3),
				T = PG_GETARG_FLOAT8(4);

	check_horizon(h);
	check_customer(x, tx, T);
	{
		double		k[4] = {h, x, T, 0};
		bool		hit;
		MemoEntry  *e = memo_slot(fcinfo, call_site_memo(fcinfo, m), k, &hit);

		double		r;

		if (!hit)
			e->v = cvb_alive_purchases(m, h, x, T);
		r = e->v * cvb_bgnbd_p_alive(m, x, tx, T);
		PG_RETURN_FLOAT8(check_forecast(r, "expected purchases are", x, tx, T));
	}
}

/* bgnbd_p_alive(model, frequency, recency, t) */
PG_FUNCTION_INFO_V1(cv_bgnbd_p_alive);
Datum
cv_bgnbd_p_alive(PG_FUNCTION_ARGS)
{
	cvb_bgnbd  *m = bgnbd_arg(fcinfo, 0);
	double		x = PG_GETARG_FLOAT8(1),
				tx = PG_GETARG_FLOAT8(2),
				T = PG_GETARG_FLOAT8(3);

	check_customer(x, tx, T);
	PG_RETURN_FLOAT8(check_forecast(cvb_bgnbd_p_alive(m, x, tx, T), "P(alive) is", x, tx, T));
}

/* The expected spend of a customer, or 22023 when the model has none. */
static double
expected_spend(const cvb_gammagamma *m, double x, double mx)
{
	double		v;

	cv_check_finite(x, "frequency");
	cv_check_finite(mx, "monetary");
	if (x < 0 || x != floor(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency must be a whole number >= 0, not %s", cv_fmt(x))));
	if (!(m->q > 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the gamma-gamma model has q = %s, but the expected spend is finite only when q > 1",
						cv_fmt(m->q))));
	v = cvb_gammagamma_spend(m, x, mx);
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("expected spend is out of the range of double precision for frequency %s, monetary %s",
						cv_fmt(x), cv_fmt(mx))));
	return v;
}

/* gammagamma_expected_spend(model, frequency, monetary) */
PG_FUNCTION_INFO_V1(cv_gammagamma_expected_spend);
Datum
cv_gammagamma_expected_spend(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(expected_spend(gg_arg(fcinfo, 0), PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2)));
}

/* clv(bg, gg, frequency, recency, t, monetary, horizon, discount) */
PG_FUNCTION_INFO_V1(cv_clv);
Datum
cv_clv(PG_FUNCTION_ARGS)
{
	cvb_bgnbd  *bg = bgnbd_arg(fcinfo, 0);
	cvb_gammagamma *gg = gg_arg(fcinfo, 1);
	double		x = PG_GETARG_FLOAT8(2),
				tx = PG_GETARG_FLOAT8(3),
				T = PG_GETARG_FLOAT8(4),
				mx = PG_GETARG_FLOAT8(5),
				months = PG_GETARG_FLOAT8(6),
				discount = PG_GETARG_FLOAT8(7);
	double		spend;

	check_customer(x, tx, T);
	spend = expected_spend(gg, x, mx);
	cv_check_finite(months, "horizon");
	if (months < 0 || months > CVB_MAX_MONTHS || months != floor(months))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must be a whole number of months between 0 and %d, not %s",
						CVB_MAX_MONTHS, cv_fmt(months))));
	cv_check_finite(discount, "discount");
	if (discount < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("discount must not be negative, not %s", cv_fmt(discount))));
	{
		double		k[4] = {months, x, T, discount};
		bool		hit;
		MemoEntry  *e = memo_slot(fcinfo, call_site_memo(fcinfo, bg), k, &hit);

		if (!hit)
			e->v = cvb_clv_alive_factor(bg, x, T, (int) months, discount);
		PG_RETURN_FLOAT8(check_forecast(spend * cvb_bgnbd_p_alive(bg, x, tx, T) * e->v,
										"customer lifetime value is", x, tx, T));
	}
}

/* ------------------------------------------------------------ model I/O */

static void *
bgnbd_from_json(const char *text, size_t len, char *err, size_t errlen)
{
	return cvb_bgnbd_from_json(text, len, err, errlen);
}

static char *
bgnbd_to_json(const void *m)
{
	return cvb_bgnbd_to_json(m);
}

static void
bgnbd_write(const void *m, cv_wbuf *b)
{
	cvb_bgnbd_write(m, b);
}

static const CvModelKind bgnbd_kind = {
	BGNBD_MAGIC, BGNBD_TYPE, cvb_bgnbd_read, bgnbd_from_json, bgnbd_to_json, bgnbd_write
};

CV_MODEL_IO_FUNCTIONS(cv_bgnbd_model, bgnbd_kind)

static void *
gg_from_json(const char *text, size_t len, char *err, size_t errlen)
{
	return cvb_gammagamma_from_json(text, len, err, errlen);
}

static char *
gg_to_json(const void *m)
{
	return cvb_gammagamma_to_json(m);
}

static void
gg_write(const void *m, cv_wbuf *b)
{
	cvb_gammagamma_write(m, b);
}

static const CvModelKind gg_kind = {
	GG_MAGIC, GG_TYPE, cvb_gammagamma_read, gg_from_json, gg_to_json, gg_write
};

CV_MODEL_IO_FUNCTIONS(cv_gammagamma_model, gg_kind)
