/*-------------------------------------------------------------------------
 *
 * detect_intraday.c
 *		The intraday event detectors over 1-minute bars.
 *
 * Two entry points share one engine:
 *
 *	tape.detect_intraday(bars_query, config) reads the bars of its query
 *		once, in (ticker, ts) order, through a cursor;
 *	tape.intraday_events(bars_row, config ORDER BY ts) is an aggregate over
 *		the bars of one ticker (GROUP BY ticker), so that over a table
 *		distributed by ticker (Citus) each worker runs it on its own shards.
 *
 * The engine keeps one ticker-day of bars plus, per ticker, its volume
 * profile (the volume of each minute of the session over its previous
 * trading days).  When a ticker-day is complete it runs every detector of
 * the table `detectors` over it, bar after bar and without look-ahead (a
 * bar is judged only on itself and the bars before it), applies the
 * filters, removes near-duplicates and hands the events to its sink.
 *
 * The rules, as this code runs them, are written out in docs/analytics.md
 * ("Intraday detectors"); every threshold is a key of
 * tape.default_config()->'intraday', read through the table intraday_keys.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/analytics/detect_intraday.c
 *
 *-------------------------------------------------------------------------
 */
#include "detect_intraday.h"
#include "calendar.h"
#include "history_gaps.h"
#include "indicators.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

typedef enum IntradayEventType
{
	EV_VOLUME_SPIKE,
	EV_VWAP_BREAK,
	EV_PRICE_MOMENTUM,
	EV_CONSOLIDATION_BREAK,
	EV_OPENING_RANGE_BREAK,
	EV_TAPE_SPEED,
	EV_FLUSH,
	EV_NTYPES
} IntradayEventType;

/* the components of the score */
typedef enum ScoreTerm
{
	SC_SPIKE,
	SC_CHANGE,
	SC_CONFIRM,
	SC_BARS,
	SC_VWAP,
	SC_NTERMS
} ScoreTerm;

/*
 * The volume profile: a key per minute of the sessions, 04:00-20:00 New
 * York.  Pre-market and after-hours minutes are keyed by their time; the
 * minutes of regular hours by their distance from the open in the first half
 * of the session and from the close in the second, so that an early close's
 * last minutes meet the closing minutes of a full day.
 */
#define PROFILE_KEYS	960
#define KEY_RTH			((RTH_OPEN_MIN - PM_OPEN_MIN))	/* 330 */
#define KEY_AH			(KEY_RTH + (RTH_CLOSE_MIN - RTH_OPEN_MIN))	/* 720 */
#define MAX_PROFILE_DAYS 100

typedef enum BaselineMethod
{
	BASELINE_PROFILE,
	BASELINE_ROLLING
} BaselineMethod;

/* the intraday section of the configuration */
typedef struct IntradayConfig
{
	BaselineMethod method;
	bool		fallback_rolling;	/* no profile yet: the rolling mean */
	int			rolling_bars;
	int			profile_days;
	int			profile_minutes;
	int			min_days;
	int			min_samples;
	bool		day_adjust;		/* scale the profile to the day's own level */
	int			day_adjust_lag;
	int			day_adjust_min_bars;

	double		min_price,
				max_price,
				min_bar_dv,
				min_day_dv,
				min_day_dv_bear,
				min_float,
				min_float_bear,
				max_si_pct,
				max_dtc;

	bool		enabled[EV_NTYPES];

	double		vs_rth_x,
				vs_rth_vol,
				vs_rth_dv,
				vs_ext_x,
				vs_ext_vol,
				vs_ext_dv,
				vs_up_change,
				vs_down_drop;
	int			vs_down_red;

	double		vb_up_dist,
				vb_up_x,
				vb_up_below,
				vb_down_dist,
				vb_down_x;
	int			vb_up_bars,
				vb_up_lookback,
				vb_down_bars,
				vb_down_lookback;

	int			pm_window,
				pm_up_breakout,
				pm_down_breakdown;
	double		pm_up_change,
				pm_up_x,
				pm_down_change,
				pm_down_accel;

	int			cb_base,
				cb_min_base_bars,
				cb_bars;
	double		cb_max_range,
				cb_breakout,
				cb_x;

	int			orb_range,
				orb_cutoff,
				orb_bars;
	double		orb_breakout,
				orb_x;

	double		ts_min_n,
				ts_x;
	int			ts_bars;

	double		fl_drop,
				fl_tolerance,
				fl_x;
	int			fl_window,
				fl_red;

	int			dedup_window;
	double		dedup_keep_pct;

	double		weight[SC_NTERMS];
	double		cap[SC_NTERMS];
} IntradayConfig;

#define KEY(path, kind, field, min, max) {path, kind, offsetof(IntradayConfig, field), min, max, false}
#define KEY_ABOVE(path, field, min) {path, CV_NUMBER, offsetof(IntradayConfig, field), min, INFINITY, true}
#define ANY_POSITIVE INFINITY

/* every numeric and boolean key of the intraday section, with its range */
static const ConfigKey intraday_keys[] = {
	KEY("baseline.rolling_bars", CV_WHOLE, rolling_bars, 1, 10000),
	KEY("baseline.profile_days", CV_WHOLE, profile_days, 1, MAX_PROFILE_DAYS),
	KEY("baseline.profile_minutes", CV_WHOLE, profile_minutes, 0, 60),
	KEY("baseline.min_days", CV_WHOLE, min_days, 1, MAX_PROFILE_DAYS),
	KEY("baseline.min_samples", CV_WHOLE, min_samples, 1, 100000),
	KEY("baseline.day_adjust", CV_BOOL, day_adjust, 0, 0),
	KEY("baseline.day_adjust_lag_minutes", CV_WHOLE, day_adjust_lag, 0, 960),
	KEY("baseline.day_adjust_min_bars", CV_WHOLE, day_adjust_min_bars, 1, 960),

	KEY("filters.min_price", CV_NUMBER, min_price, 0, ANY_POSITIVE),
	KEY("filters.max_price", CV_NUMBER, max_price, 0, ANY_POSITIVE),
	KEY("filters.min_bar_dollar_volume", CV_NUMBER, min_bar_dv, 0, ANY_POSITIVE),
	KEY("filters.min_day_dollar_volume", CV_NUMBER, min_day_dv, 0, ANY_POSITIVE),
	KEY("filters.min_day_dollar_volume_bearish", CV_NUMBER, min_day_dv_bear, 0, ANY_POSITIVE),
	KEY("filters.min_float", CV_NUMBER, min_float, 0, ANY_POSITIVE),
	KEY("filters.min_float_bearish", CV_NUMBER, min_float_bear, 0, ANY_POSITIVE),
	KEY("filters.max_short_interest_pct", CV_NUMBER, max_si_pct, 0, ANY_POSITIVE),
	KEY("filters.max_days_to_cover", CV_NUMBER, max_dtc, 0, ANY_POSITIVE),

	KEY("volume_spike.enabled", CV_BOOL, enabled[EV_VOLUME_SPIKE], 0, 0),
	KEY("volume_spike.rth.min_spike_x", CV_NUMBER, vs_rth_x, 0, ANY_POSITIVE),
	KEY("volume_spike.rth.min_volume", CV_NUMBER, vs_rth_vol, 0, ANY_POSITIVE),
	KEY("volume_spike.rth.min_dollar_volume", CV_NUMBER, vs_rth_dv, 0, ANY_POSITIVE),
	KEY("volume_spike.extended.min_spike_x", CV_NUMBER, vs_ext_x, 0, ANY_POSITIVE),
	KEY("volume_spike.extended.min_volume", CV_NUMBER, vs_ext_vol, 0, ANY_POSITIVE),
	KEY("volume_spike.extended.min_dollar_volume", CV_NUMBER, vs_ext_dv, 0, ANY_POSITIVE),
	KEY("volume_spike.up_min_change_pct", CV_NUMBER, vs_up_change, 0, ANY_POSITIVE),
	KEY("volume_spike.down_min_red_bars", CV_WHOLE, vs_down_red, 1, 1000),
	KEY("volume_spike.down_min_drop_from_high_pct", CV_NUMBER, vs_down_drop, 0, 100),

	KEY("vwap_break.enabled", CV_BOOL, enabled[EV_VWAP_BREAK], 0, 0),
	KEY("vwap_break.up.min_distance_pct", CV_NUMBER, vb_up_dist, 0, 100),
	KEY("vwap_break.up.min_bars", CV_WHOLE, vb_up_bars, 1, 1000),
	KEY("vwap_break.up.min_volume_x", CV_NUMBER, vb_up_x, 0, ANY_POSITIVE),
	KEY("vwap_break.up.min_below_pct", CV_NUMBER, vb_up_below, 0, 100),
	KEY("vwap_break.up.below_lookback_bars", CV_WHOLE, vb_up_lookback, 1, 1000),
	KEY("vwap_break.down.min_distance_pct", CV_NUMBER, vb_down_dist, 0, 100),
	KEY("vwap_break.down.min_bars", CV_WHOLE, vb_down_bars, 1, 1000),
	KEY("vwap_break.down.min_volume_x", CV_NUMBER, vb_down_x, 0, ANY_POSITIVE),
	KEY("vwap_break.down.failed_reclaim_lookback_bars", CV_WHOLE, vb_down_lookback, 0, 1000),

	KEY("price_momentum.enabled", CV_BOOL, enabled[EV_PRICE_MOMENTUM], 0, 0),
	KEY("price_momentum.window_minutes", CV_WHOLE, pm_window, 1, 480),
	KEY("price_momentum.up.min_change_pct", CV_NUMBER, pm_up_change, 0, ANY_POSITIVE),
	KEY("price_momentum.up.breakout_minutes", CV_WHOLE, pm_up_breakout, 1, 960),
	KEY("price_momentum.up.min_volume_x", CV_NUMBER, pm_up_x, 0, ANY_POSITIVE),
	KEY("price_momentum.down.min_change_pct", CV_NUMBER, pm_down_change, 0, 100),
	KEY("price_momentum.down.breakdown_minutes", CV_WHOLE, pm_down_breakdown, 1, 960),
	KEY("price_momentum.down.min_acceleration", CV_NUMBER, pm_down_accel, 0, ANY_POSITIVE),

	KEY("consolidation_break.enabled", CV_BOOL, enabled[EV_CONSOLIDATION_BREAK], 0, 0),
	KEY("consolidation_break.base_minutes", CV_WHOLE, cb_base, 1, 960),
	KEY("consolidation_break.min_base_bars", CV_WHOLE, cb_min_base_bars, 1, 960),
	KEY("consolidation_break.min_bars", CV_WHOLE, cb_bars, 1, 100),
	KEY("consolidation_break.max_range_pct", CV_NUMBER, cb_max_range, 0, 100),
	KEY("consolidation_break.min_breakout_pct", CV_NUMBER, cb_breakout, 0, 100),
	KEY("consolidation_break.min_volume_x", CV_NUMBER, cb_x, 0, ANY_POSITIVE),

	KEY("opening_range_break.enabled", CV_BOOL, enabled[EV_OPENING_RANGE_BREAK], 0, 0),
	KEY("opening_range_break.range_minutes", CV_WHOLE, orb_range, 1, 390),
	KEY("opening_range_break.cutoff_minutes", CV_WHOLE, orb_cutoff, 1, 390),
	KEY("opening_range_break.min_breakout_pct", CV_NUMBER, orb_breakout, 0, 100),
	KEY("opening_range_break.min_bars", CV_WHOLE, orb_bars, 1, 100),
	KEY("opening_range_break.min_volume_x", CV_NUMBER, orb_x, 0, ANY_POSITIVE),

	KEY("tape_speed.enabled", CV_BOOL, enabled[EV_TAPE_SPEED], 0, 0),
	KEY("tape_speed.min_transactions", CV_NUMBER, ts_min_n, 0, ANY_POSITIVE),
	KEY("tape_speed.min_spike_x", CV_NUMBER, ts_x, 0, ANY_POSITIVE),
	KEY("tape_speed.min_bars", CV_WHOLE, ts_bars, 1, 1000),

	KEY("flush.enabled", CV_BOOL, enabled[EV_FLUSH], 0, 0),
	KEY("flush.min_drop_pct", CV_NUMBER, fl_drop, 0, 100),
	KEY("flush.high_tolerance_pct", CV_NUMBER, fl_tolerance, 0, 100),
	KEY("flush.window_minutes", CV_WHOLE, fl_window, 1, 960),
	KEY("flush.min_volume_x", CV_NUMBER, fl_x, 0, ANY_POSITIVE),
	KEY("flush.min_red_bars", CV_WHOLE, fl_red, 1, 1000),

	KEY("dedup.window_minutes", CV_WHOLE, dedup_window, 0, 960),
	KEY("dedup.keep_both_within_pct", CV_NUMBER, dedup_keep_pct, 0, 100),

	KEY("score.weights.volume_spike", CV_NUMBER, weight[SC_SPIKE], 0, ANY_POSITIVE),
	KEY("score.weights.price_change", CV_NUMBER, weight[SC_CHANGE], 0, ANY_POSITIVE),
	KEY("score.weights.volume_confirm", CV_NUMBER, weight[SC_CONFIRM], 0, ANY_POSITIVE),
	KEY("score.weights.consecutive_bars", CV_NUMBER, weight[SC_BARS], 0, ANY_POSITIVE),
	KEY("score.weights.vwap_distance", CV_NUMBER, weight[SC_VWAP], 0, ANY_POSITIVE),
	KEY_ABOVE("score.caps.spike_x", cap[SC_SPIKE], 0),
	KEY_ABOVE("score.caps.price_change_pct", cap[SC_CHANGE], 0),
	KEY_ABOVE("score.caps.dollar_volume", cap[SC_CONFIRM], 0),
	KEY_ABOVE("score.caps.consecutive_bars", cap[SC_BARS], 0),
	KEY_ABOVE("score.caps.vwap_distance_pct", cap[SC_VWAP], 0),
};

#undef KEY
#undef KEY_ABOVE

/* one bar of the current ticker-day, with what the detectors need */
typedef struct IBar
{
	TimestampTz ts;
	double		open,
				high,
				low,
				close,
				volume,
				transactions;
	double		price;			/* vwap, or the typical price */
	double		dollar_volume;	/* price * volume */
	double		float_shares,
				si_pct,
				dtc;			/* NaN when the query has none */
	TapeSession session;
	int			key;			/* minute of the volume profile */
	double		vol_typical;	/* the profile's geometric mean for the minute, or NaN */
	double		trans_typical;
	double		vol_base;		/* the volume baseline, NaN without one */
	double		vol_x;			/* volume over it, NaN without one */
	double		trans_base;		/* the same for transactions */
	double		trans_x;
	double		vwap;			/* RTH VWAP through this bar, NaN before 09:30 */
	double		hod;			/* day high through this bar */
	TimestampTz near_hod_ts;	/* the last bar whose high was near hod */
	int			red_streak;		/* red bars in a row ending here */
	int			green_streak;	/* green bars in a row ending here */
} IBar;

typedef struct IEvent
{
	int			bar;			/* index of the bar of the day */
	TimestampTz ts;
	IntradayEventType type;
	bool		up;
	TapeSession session;
	double		score,
				close,
				volume,
				dollar_volume,
				spike_x,
				pct_change,
				level,
				vwap,
				vwap_dist;
	int			bars;
	bool		dropped;
} IEvent;

/* sums of log volumes: of a minute over the days of the ring, or more */
typedef struct LogSums
{
	double		sum;
	double		sq;
	int			n;
} LogSums;

/* the profile of one measure (volume, or trades) of a ticker */
typedef struct ProfileSeries
{
	double	   *logs;			/* [profile_days][PROFILE_KEYS], NaN: no bar */
	LogSums		minute[PROFILE_KEYS];	/* the ring's logs, summed per minute */
	double		today[PROFILE_KEYS];	/* the current day, summed per minute */
	double		base[PROFILE_KEYS];	/* the baselines of the current day */
	double		typical[PROFILE_KEYS];	/* their geometric means (the typical minute) */
} ProfileSeries;

/* the volume and trade count of each minute of a ticker's previous days */
typedef struct VolumeProfile
{
	int			ndays;			/* days in the ring */
	int			head;			/* next slot */
	int			since_exact;	/* days added since the sums were recomputed */
	ProfileSeries volume;
	ProfileSeries *trades;		/* only when tape_speed is on, else NULL */
} VolumeProfile;

typedef struct Detector Detector;

/* the state the detectors carry from bar to bar of a ticker-day */
typedef struct DayScan
{
	Detector   *d;
	const IntradayConfig *c;
	IBar	   *bars;
	int			n;
	bool		qualified[EV_NTYPES][2];	/* the bar before qualified */
	int			above;			/* vwap_break: closes above the band in a row */
	int			below;
	double		or_high;		/* opening_range_break: the range */
	double		or_low;
	TimestampTz or_end;
	TimestampTz orb_cutoff;
	int			orb_run[2];		/* closes beyond the range in a row */
	bool		orb_done[2];
	int			fast;			/* tape_speed: fast bars in a row */
} DayScan;

typedef void (*EventSink) (Detector *d, const IEvent *e);

struct Detector
{
	IntradayConfig cfg;
	EventSink	sink;
	void	   *sink_arg;
	MemoryContext cxt;			/* the detector's own state */
	MemoryContext day_cxt;		/* bars and events of one ticker-day */

	/* the ticker */
	char	   *ticker;
	int64		ticker_no;		/* its number in the stream (BarRow) */
	VolumeProfile *profile;
	RollingMean *vol_roll;		/* the previous rolling_bars volumes */
	RollingMean *trans_roll;

	/* the ticker-day */
	TradingDay	day;
	bool		has_baseline;	/* the day has a volume baseline */
	int			level_next;		/* the next bar to count in the day's level */
	double		level_v[2];		/* sum of log(volume / profile), count */
	double		level_t[2];		/* the same for transactions */
	IBar	   *bars;
	int			nbars;
	int			cap;
	double		vwap_pv;
	double		vwap_v;
	IEvent	   *events;
	int			nevents;
	int			evcap;
	DayScan		scan;			/* the detectors' state, bar to bar */
	double		day_dv;			/* dollar volume of the day's bars so far */

	DateADT		judge_from;		/* earlier days only warm the baselines */
	bool		immediate;		/* hand each event over when its bar is judged */

	/* for the closing notice */
	int64		days;			/* days judged */
	int64		days_without_baseline;
	int64		tickers_without_baseline;
	bool		ticker_without_baseline;	/* the current ticker has such a day */
	int64		events_out;
};


typedef void (*BarJudge) (DayScan *s, int i);

static void judge_volume_spike(DayScan *s, int i);
static void judge_vwap_break(DayScan *s, int i);
static void judge_price_momentum(DayScan *s, int i);
static void judge_consolidation_break(DayScan *s, int i);
static void judge_opening_range_break(DayScan *s, int i);
static void judge_tape_speed(DayScan *s, int i);
static void judge_flush(DayScan *s, int i);

/* the detectors: an event type, and the function that judges each bar */
static const struct
{
	const char *name;
	BarJudge	judge;
}			detectors[EV_NTYPES] = {
	[EV_VOLUME_SPIKE] = {"volume_spike", judge_volume_spike},
	[EV_VWAP_BREAK] = {"vwap_break", judge_vwap_break},
	[EV_PRICE_MOMENTUM] = {"price_momentum", judge_price_momentum},
	[EV_CONSOLIDATION_BREAK] = {"consolidation_break", judge_consolidation_break},
	[EV_OPENING_RANGE_BREAK] = {"opening_range_break", judge_opening_range_break},
	[EV_TAPE_SPEED] = {"tape_speed", judge_tape_speed},
	[EV_FLUSH] = {"flush", judge_flush},
};

static void judge_bar(Detector *d);
static bool filter_event(Detector *d, const IEvent *e, double day_dv);
static void finish_day(Detector *d);

PG_FUNCTION_INFO_V1(tape_detect_intraday);
PG_FUNCTION_INFO_V1(tape_intraday_events_step);
PG_FUNCTION_INFO_V1(tape_intraday_events_final);

/* ---------------------------------------------------------------------
 * Configuration
 * ---------------------------------------------------------------------
 */

static void
read_config(IntradayConfig *c, Jsonb *j)
{
	static const char *const methods[] = {"profile", "rolling", NULL};
	static const char *const fallbacks[] = {"none", "rolling", NULL};

	config_read("intraday", j, intraday_keys, lengthof(intraday_keys), c);
	c->method = strcmp(config_string("intraday", j, "baseline.method", methods), "profile") == 0 ?
		BASELINE_PROFILE : BASELINE_ROLLING;
	c->fallback_rolling = strcmp(config_string("intraday", j, "baseline.fallback", fallbacks), "rolling") == 0;

	/* what one key cannot say alone */
	if (c->min_days > c->profile_days)
		config_out_of_range("intraday", "baseline.min_days", c->min_days,
							"at most baseline.profile_days");
	if (c->max_price < c->min_price)
		config_out_of_range("intraday", "filters.max_price", c->max_price,
							"at least filters.min_price");
	if (c->orb_cutoff < c->orb_range)
		config_out_of_range("intraday", "opening_range_break.cutoff_minutes", c->orb_cutoff,
							"at least opening_range_break.range_minutes");
}

/* ---------------------------------------------------------------------
 * The volume baseline
 * ---------------------------------------------------------------------
 */

/*
 * profile_key
 *		The minute of the volume profile of a bar at ts in session s.
 */
static int
profile_key(const TradingDay *day, TapeSession s, TimestampTz ts)
{
	int			i;
	int			len;

	switch (s)
	{
		case SESSION_PM:
			return (int) ((ts - day->pm_open) / USECS_PER_MINUTE);
		case SESSION_RTH:
			i = (int) ((ts - day->rth_open) / USECS_PER_MINUTE);
			len = (int) ((day->rth_close - day->rth_open) / USECS_PER_MINUTE);
			return KEY_RTH + (i < len / 2 ? i : (RTH_CLOSE_MIN - RTH_OPEN_MIN) - (len - i));
		case SESSION_AH:
			i = (int) ((ts - day->rth_close) / USECS_PER_MINUTE);
			return KEY_AH + Min(i, PROFILE_KEYS - KEY_AH - 1);
		case SESSION_NONE:
			break;
	}
	return 0;
}

static inline void
log_sums_add(LogSums *a, const LogSums *b)
{
	a->sum += b->sum;
	a->sq += b->sq;
	a->n += b->n;
}

static inline void
log_sums_sub(LogSums *a, const LogSums *b)
{
	a->sum -= b->sum;
	a->sq -= b->sq;
	a->n -= b->n;
}

/*
 * The pooled variance of the log volumes of the minutes first .. last
 * around each minute's own mean: the day-to-day spread of one minute's
 * volume, from the whole session, so that one unusual day at one minute
 * barely moves it.
 */
static double
pooled_variance(const LogSums *minute, int first, int last)
{
	double		ss = 0;
	int			df = 0;

	/* bounded: PROFILE_KEYS */
	for (int k = first; k <= last; k++)
	{
		if (minute[k].n >= 2)
		{
			ss += Max(0.0, minute[k].sq - minute[k].sum * minute[k].sum / minute[k].n);
			df += minute[k].n - 1;
		}
	}
	return df > 0 ? ss / df : 0.0;
}

/*
 * series_baselines
 *		The baseline of each minute for the coming day, from the ticker's logs
 *		at that minute and the profile_minutes either side of it (within its
 *		session) over the days in the ring; with fewer than min_samples of
 *		them, from the whole session; NaN with fewer still.  The baseline is
 *		the mean of a log-normal with those logs' mean and the session's
 *		pooled variance, exp(mean + variance / 2): on the scale of an
 *		arithmetic mean of volumes (the seeds' thresholds keep their meaning),
 *		yet one outlier moves the mean of logs little and the pooled variance
 *		less.  The typical minute is the geometric mean, exp(mean).
 */
static void
series_baselines(const IntradayConfig *c, ProfileSeries *ps)
{
	static const int session_first[3] = {0, KEY_RTH, KEY_AH};
	static const int session_last[3] = {KEY_RTH - 1, KEY_AH - 1, PROFILE_KEYS - 1};

	for (int ses = 0; ses < 3; ses++)
	{
		int			first = session_first[ses],
					last = session_last[ses];
		double		spread = exp(pooled_variance(ps->minute, first, last) / 2.0);
		LogSums		total,
					window;

		memset(&total, 0, sizeof(total));
		memset(&window, 0, sizeof(window));
		/* bounded: PROFILE_KEYS */
		for (int k = first; k <= last; k++)
			log_sums_add(&total, &ps->minute[k]);
		/* the window of minutes k - profile_minutes .. k + profile_minutes, sliding */
		/* bounded: PROFILE_KEYS */
		for (int k = first; k <= Min(last, first + c->profile_minutes - 1); k++)
			log_sums_add(&window, &ps->minute[k]);
		/* bounded: PROFILE_KEYS */
		for (int k = first; k <= last; k++)
		{
			const LogSums *use;

			if (k + c->profile_minutes <= last)
				log_sums_add(&window, &ps->minute[k + c->profile_minutes]);
			if (k - c->profile_minutes - 1 >= first)
				log_sums_sub(&window, &ps->minute[k - c->profile_minutes - 1]);
			use = window.n >= c->min_samples ? &window : &total;
			if (use->n < c->min_samples)
				ps->typical[k] = ps->base[k] = NAN;
			else
			{
				ps->typical[k] = exp(use->sum / use->n);
				ps->base[k] = ps->typical[k] * spread;
			}
		}
	}
}

/*
 * series_add_day
 *		Fold the finished day into the ring slot: its logs replace the oldest
 *		day's in the per-minute sums (recomputed exactly when exact is set).
 */
static void
series_add_day(const IntradayConfig *c, ProfileSeries *ps, int slot, bool replace, bool exact)
{
	double	   *logs = &ps->logs[slot * PROFILE_KEYS];

	for (int k = 0; k < PROFILE_KEYS; k++)
	{
		LogSums		x;

		if (replace && !isnan(logs[k]))
		{
			x.sum = logs[k];
			x.sq = (double) logs[k] * logs[k];
			x.n = 1;
			log_sums_sub(&ps->minute[k], &x);
		}
		logs[k] = ps->today[k] > 0 ? log(ps->today[k]) : NAN;
		ps->today[k] = 0;
		if (!isnan(logs[k]))
		{
			x.sum = logs[k];
			x.sq = (double) logs[k] * logs[k];
			x.n = 1;
			log_sums_add(&ps->minute[k], &x);
		}
	}
	if (exact)
	{
		memset(ps->minute, 0, sizeof(ps->minute));
		/* bounded: MAX_PROFILE_DAYS days of PROFILE_KEYS minutes */
		for (int dd = 0; dd < c->profile_days; dd++)
		{
			for (int k = 0; k < PROFILE_KEYS; k++)
			{
				double		l = ps->logs[dd * PROFILE_KEYS + k];

				if (!isnan(l))
				{
					ps->minute[k].sum += l;
					ps->minute[k].sq += (double) l * l;
					ps->minute[k].n++;
				}
			}
		}
	}
}

/*
 * profile_add_day
 *		Fold the finished day's volumes (and trades) into the ring of days.
 */
static void
profile_add_day(const IntradayConfig *c, VolumeProfile *p)
{
	bool		replace = p->ndays == c->profile_days;
	bool		exact = ++p->since_exact >= c->profile_days;

	series_add_day(c, &p->volume, p->head, replace, exact);
	if (c->enabled[EV_TAPE_SPEED])
		series_add_day(c, p->trades, p->head, replace, exact);
	if (exact)
		p->since_exact = 0;
	p->head = (p->head + 1) % c->profile_days;
	if (p->ndays < c->profile_days)
		p->ndays++;
}

/* forget the ticker's days */
static void
profile_reset(const IntradayConfig *c, VolumeProfile *p)
{
	p->ndays = 0;
	p->head = 0;
	p->since_exact = 0;
	/* bounded: two series of MAX_PROFILE_DAYS days of PROFILE_KEYS minutes */
	for (int i = 0; i < (c->enabled[EV_TAPE_SPEED] ? 2 : 1); i++)
	{
		ProfileSeries *ps = i == 0 ? &p->volume : p->trades;

		memset(ps->minute, 0, sizeof(ps->minute));
		memset(ps->today, 0, sizeof(ps->today));
		/* bounded: MAX_PROFILE_DAYS days of PROFILE_KEYS minutes */
		for (int k = 0; k < PROFILE_KEYS * c->profile_days; k++)
			ps->logs[k] = NAN;
	}
}

/* ---------------------------------------------------------------------
 * The engine: tickers, days, bars
 * ---------------------------------------------------------------------
 */

/*
 * detector_init
 *		A detector with its configuration; its state lives in a child of the
 *		current memory context.
 */
static void
detector_init(Detector *d, Jsonb *config, EventSink sink, void *sink_arg)
{
	memset(d, 0, sizeof(Detector));
	d->judge_from = DATEVAL_NOBEGIN;
	read_config(&d->cfg, config);
	d->sink = sink;
	d->sink_arg = sink_arg;
	d->cxt = AllocSetContextCreate(CurrentMemoryContext, "tape intraday detector", ALLOCSET_DEFAULT_SIZES);
	d->day_cxt = AllocSetContextCreate(d->cxt, "tape intraday detector day", ALLOCSET_DEFAULT_SIZES);
	d->profile = MemoryContextAllocZero(d->cxt, sizeof(VolumeProfile));
	d->profile->volume.logs = MemoryContextAlloc(d->cxt, sizeof(double) * PROFILE_KEYS * d->cfg.profile_days);
	if (d->cfg.enabled[EV_TAPE_SPEED])
	{
		d->profile->trades = MemoryContextAllocZero(d->cxt, sizeof(ProfileSeries));
		d->profile->trades->logs = MemoryContextAlloc(d->cxt, sizeof(double) * PROFILE_KEYS * d->cfg.profile_days);
	}
	d->vol_roll = MemoryContextAlloc(d->cxt, ROLLING_MEAN_SIZE(d->cfg.rolling_bars));
	d->trans_roll = MemoryContextAlloc(d->cxt, ROLLING_MEAN_SIZE(d->cfg.rolling_bars));
}

/*
 * start_ticker
 *		Forget everything about the previous ticker.
 */
static void
start_ticker(Detector *d, const char *ticker)
{
	if (d->ticker)
		pfree(d->ticker);
	d->ticker = MemoryContextStrdup(d->cxt, ticker);
	d->ticker_without_baseline = false;
	profile_reset(&d->cfg, d->profile);
	rolling_mean_init(d->vol_roll, d->cfg.rolling_bars);
	rolling_mean_init(d->trans_roll, d->cfg.rolling_bars);
}

/*
 * start_day
 *		The first bar of a ticker-day: its calendar and baselines.
 */
static void
start_day(Detector *d, TimestampTz ts)
{
	const IntradayConfig *c = &d->cfg;

	calendar_day_of(ts, &d->day);
	d->vwap_pv = 0;
	d->vwap_v = 0;
	d->level_next = 0;
	d->level_v[0] = d->level_v[1] = 0;
	d->level_t[0] = d->level_t[1] = 0;
	d->day_dv = 0;
	memset(&d->scan, 0, sizeof(DayScan));
	d->scan.d = d;
	d->scan.c = c;
	d->scan.or_high = -INFINITY;
	d->scan.or_low = INFINITY;
	d->scan.or_end = d->day.rth_open + (int64) c->orb_range * USECS_PER_MINUTE;
	d->scan.orb_cutoff = d->day.rth_open + (int64) c->orb_cutoff * USECS_PER_MINUTE;
	if (c->method == BASELINE_ROLLING)
		d->has_baseline = true;
	else if (d->profile->ndays >= c->min_days)
	{
		series_baselines(c, &d->profile->volume);
		if (c->enabled[EV_TAPE_SPEED])
			series_baselines(c, d->profile->trades);
		d->has_baseline = true;
	}
	else
		d->has_baseline = c->fallback_rolling;

	/*
	 * A pushed detector judges one trading day, its baselines fixed from
	 * here on: the days' logs, only needed to fold this day into the ring,
	 * go (three quarters of its memory).
	 */
	if (d->immediate && d->day.date >= d->judge_from)
	{
		pfree(d->profile->volume.logs);
		d->profile->volume.logs = NULL;
		if (d->profile->trades)
		{
			pfree(d->profile->trades->logs);
			d->profile->trades->logs = NULL;
		}
	}
}

/* the baseline of a bar from the rolling mean (the seeds' rule) */
static inline double
rolling_base(RollingMean *r, double value)
{
	double		mean = NAN;

	if (isnan(value))
		return NAN;
	if (!rolling_mean_full(r, &mean) || mean <= 0)
		mean = NAN;
	rolling_mean_add(r, value);
	return mean;
}

/*
 * day_level
 *		The day's own level of volume (and transactions) against the profile
 *		before ts: the geometric mean of volume / the profile's geometric mean
 *		over the day's bars
 *		at least day_adjust_lag minutes before ts; 1 with fewer than
 *		day_adjust_min_bars of them.
 */
static void
day_level(Detector *d, TimestampTz ts, double *level_v, double *level_t)
{
	const IntradayConfig *c = &d->cfg;
	TimestampTz upto = ts - (int64) c->day_adjust_lag * USECS_PER_MINUTE;

	while (d->level_next < d->nbars && d->bars[d->level_next].ts <= upto)
	{
		IBar	   *k = &d->bars[d->level_next++];

		CHECK_FOR_INTERRUPTS();
		if (k->volume > 0 && k->vol_typical > 0)
		{
			d->level_v[0] += log(k->volume / k->vol_typical);
			d->level_v[1]++;
		}
		if (k->transactions > 0 && k->trans_typical > 0)
		{
			d->level_t[0] += log(k->transactions / k->trans_typical);
			d->level_t[1]++;
		}
	}
	*level_v = d->level_v[1] >= c->day_adjust_min_bars ? exp(d->level_v[0] / d->level_v[1]) : 1.0;
	*level_t = d->level_t[1] >= c->day_adjust_min_bars ? exp(d->level_t[0] / d->level_t[1]) : 1.0;
}

/*
 * add_bar
 *		Append a bar to the current ticker-day, with its baselines (from the
 *		days, or the bars, before it only), VWAP, day high and streaks.
 */
static void
add_bar(Detector *d, const BarRow *row)
{
	const IntradayConfig *c = &d->cfg;
	IBar	   *b;
	IBar	   *prev;
	TapeSession s;
	double		roll_v,
				roll_t;
	bool		use_profile;

	if (d->nbars == 0)
		start_day(d, row->ts);
	s = calendar_session(&d->day, row->ts);
	if (s == SESSION_NONE)
		return;					/* outside the sessions of a trading day */

	if (d->nbars == d->cap)
	{
		MemoryContext old = MemoryContextSwitchTo(d->day_cxt);

		d->cap = Max(64, d->cap * 2);
		d->bars = d->bars ? repalloc(d->bars, sizeof(IBar) * d->cap) : palloc(sizeof(IBar) * d->cap);
		MemoryContextSwitchTo(old);
	}
	b = &d->bars[d->nbars];
	prev = d->nbars > 0 ? &d->bars[d->nbars - 1] : NULL;
	b->ts = row->ts;
	b->open = row->v[BC_OPEN];
	b->high = row->v[BC_HIGH];
	b->low = row->v[BC_LOW];
	b->close = row->v[BC_CLOSE];
	b->volume = row->v[BC_VOLUME];
	b->transactions = row->v[BC_TRANSACTIONS];
	b->price = isnan(row->v[BC_VWAP]) ? (b->high + b->low + b->close) / 3.0 : row->v[BC_VWAP];
	b->dollar_volume = b->price * b->volume;
	b->float_shares = row->v[BC_FLOAT_SHARES];
	b->si_pct = row->v[BC_SHORT_INTEREST_PCT];
	b->dtc = row->v[BC_DAYS_TO_COVER];
	b->session = s;
	b->key = profile_key(&d->day, s, b->ts);

	/* baselines: the bars, or days, before this one */
	roll_v = roll_t = NAN;
	if (c->method == BASELINE_ROLLING || c->fallback_rolling)
	{
		roll_v = rolling_base(d->vol_roll, b->volume);
		roll_t = rolling_base(d->trans_roll, b->transactions);
	}
	use_profile = c->method == BASELINE_PROFILE && d->profile->ndays >= c->min_days;
	b->vol_typical = use_profile ? d->profile->volume.typical[b->key] : NAN;
	b->trans_typical = (use_profile && c->enabled[EV_TAPE_SPEED]) ? d->profile->trades->typical[b->key] : NAN;
	if (use_profile)
	{
		double		level_v = 1.0,
					level_t = 1.0;

		if (c->day_adjust)
			day_level(d, b->ts, &level_v, &level_t);
		b->vol_base = d->profile->volume.base[b->key] * level_v;
		b->trans_base = c->enabled[EV_TAPE_SPEED] ? d->profile->trades->base[b->key] * level_t : NAN;
	}
	else
	{
		b->vol_base = d->has_baseline ? roll_v : NAN;
		b->trans_base = d->has_baseline ? roll_t : NAN;
	}
	b->vol_x = b->vol_base > 0 ? b->volume / b->vol_base : NAN;
	b->trans_x = (b->trans_base > 0 && !isnan(b->transactions)) ? b->transactions / b->trans_base : NAN;
	if (b->volume > 0)
		d->profile->volume.today[b->key] += b->volume;
	if (b->transactions > 0 && d->profile->trades)
		d->profile->trades->today[b->key] += b->transactions;

	/* VWAP anchored at 09:30 */
	b->vwap = NAN;
	if (b->ts >= d->day.rth_open)
	{
		if (b->volume > 0)
		{
			d->vwap_pv += b->price * b->volume;
			d->vwap_v += b->volume;
		}
		if (d->vwap_v > 0)
			b->vwap = d->vwap_pv / d->vwap_v;
	}

	/* day high, the last bar near it, streaks */
	b->hod = (prev == NULL || b->high > prev->hod) ? b->high : prev->hod;
	b->near_hod_ts = (prev == NULL || pct_at_least(b->high, b->hod, -c->fl_tolerance)) ?
		b->ts : prev->near_hod_ts;
	b->red_streak = b->close < b->open ? (prev ? prev->red_streak : 0) + 1 : 0;
	b->green_streak = b->close > b->open ? (prev ? prev->green_streak : 0) + 1 : 0;
	d->nbars++;
	d->day_dv += b->dollar_volume;

	/* a day of warm-up only feeds the baselines */
	if (d->day.date >= d->judge_from)
		judge_bar(d);
}

/*
 * detector_feed
 *		One bar, in (ticker, ts) order.
 */
static void
detector_feed(Detector *d, const BarRow *row)
{
	if (d->ticker == NULL || d->ticker_no != row->ticker_no)
	{
		finish_day(d);
		start_ticker(d, row->ticker);
		d->ticker_no = row->ticker_no;
	}
	else if (d->nbars > 0 && row->ts >= d->day.next_midnight)
	{
		if (d->profile->volume.logs == NULL)
			elog(ERROR, "a pushed intraday detector judges one trading day");
		finish_day(d);
	}
	add_bar(d, row);
}

/* ---------------------------------------------------------------------
 * The detectors
 * ---------------------------------------------------------------------
 */

/*
 * new_event
 *		An event at bar i, with the bar's own measures; a detector overrides
 *		what it measures otherwise.
 */
static IEvent *
new_event(DayScan *s, int i, IntradayEventType type, bool up)
{
	Detector   *d = s->d;
	IBar	   *b = &s->bars[i];
	IEvent	   *e;

	if (d->nevents == d->evcap)
	{
		MemoryContext old = MemoryContextSwitchTo(d->day_cxt);

		d->evcap = Max(64, d->evcap * 2);
		d->events = d->events ? repalloc(d->events, sizeof(IEvent) * d->evcap)
			: palloc(sizeof(IEvent) * d->evcap);
		MemoryContextSwitchTo(old);
	}
	e = &d->events[d->nevents++];
	memset(e, 0, sizeof(IEvent));
	e->bar = i;
	e->ts = b->ts;
	e->type = type;
	e->up = up;
	e->session = b->session;
	e->close = b->close;
	e->volume = b->volume;
	e->dollar_volume = b->dollar_volume;
	e->spike_x = b->vol_x;
	e->vwap = b->vwap;
	e->vwap_dist = isnan(b->vwap) ? NAN : percent_change(b->close, b->vwap);
	e->pct_change = percent_change(b->close, b->open);
	e->level = NAN;
	e->bars = up ? b->green_streak : b->red_streak;
	return e;
}

/*
 * run_start
 *		For the detectors that fire on the first bar of a run of qualifying
 *		bars (per direction): the event when bar i qualifies and the bar
 *		before it (the day's previous bar) did not, else NULL.
 */
static IEvent *
run_start(DayScan *s, int i, IntradayEventType type, bool up, bool qualifies)
{
	bool		was = s->qualified[type][up];

	s->qualified[type][up] = qualifies;
	return (qualifies && !was) ? new_event(s, i, type, up) : NULL;
}

/* the volume of bars i-len+1 .. i over their baselines; NaN without them */
static double
run_volume_x(DayScan *s, int i, int len, bool transactions)
{
	double		v = 0,
				base = 0;

	for (int k = i - len + 1; k <= i; k++)
	{
		CHECK_FOR_INTERRUPTS();
		v += transactions ? s->bars[k].transactions : s->bars[k].volume;
		base += transactions ? s->bars[k].trans_base : s->bars[k].vol_base;
	}
	return base > 0 ? v / base : NAN;
}

/*
 * The index of the last bar at or before ts (bars before i, same day), or
 * -1.
 */
static int
bar_at_or_before(DayScan *s, int i, TimestampTz ts)
{
	for (int m = i - 1; m >= 0; m--)
	{
		CHECK_FOR_INTERRUPTS();
		if (s->bars[m].ts <= ts)
			return m;
	}
	return -1;
}

/*
 * volume_spike: vol_x, volume and dollar volume at or above the session's
 * thresholds.  Up: the bar closed at or above its open and up_min_change_pct
 * above the previous bar's close (its own open for the day's first bar).
 * Down: it closed red, at least the down_min_red_bars-th red bar in a row,
 * and down_min_drop_from_high_pct under the day high.  The level is the day
 * high either way.  On the first bar of a run.
 */
static void
judge_volume_spike(DayScan *s, int i)
{
	const IntradayConfig *c = s->c;
	IBar	   *b = &s->bars[i];
	bool		rth = b->session == SESSION_RTH;
	bool		spike = !isnan(b->vol_x) &&
		b->vol_x >= (rth ? c->vs_rth_x : c->vs_ext_x) &&
		b->volume >= (rth ? c->vs_rth_vol : c->vs_ext_vol) &&
		b->dollar_volume >= (rth ? c->vs_rth_dv : c->vs_ext_dv);
	double		ref = i > 0 ? s->bars[i - 1].close : b->open;
	bool		down = spike && b->close < b->open && b->red_streak >= c->vs_down_red &&
		pct_at_most(b->close, b->hod, -c->vs_down_drop);
	IEvent	   *e;

	e = run_start(s, i, EV_VOLUME_SPIKE, true,
				  spike && b->close >= b->open && pct_at_least(b->close, ref, c->vs_up_change));
	if (e)
	{
		e->pct_change = percent_change(b->close, ref);
		e->level = b->hod;
	}
	e = run_start(s, i, EV_VOLUME_SPIKE, false, down);
	if (e)
	{
		e->pct_change = percent_change(b->close, b->hod);
		e->level = b->hod;
	}
}

/*
 * came_from_below
 *		The price had lost VWAP before the run starting after bar j: walking
 *		back from bar j through closes inside the band (at or above VWAP,
 *		under the reclaim distance), the first close outside it was under
 *		VWAP; and within the below_lookback_bars bars up to bar j, a close was
 *		min_below_pct or more under VWAP.
 */
static bool
came_from_below(DayScan *s, int j)
{
	const IntradayConfig *c = s->c;
	bool		under = false;

	for (int k = j; k >= 0; k--)
	{
		IBar	   *b = &s->bars[k];

		CHECK_FOR_INTERRUPTS();
		if (isnan(b->vwap))
			return false;
		if (b->close < b->vwap)
		{
			under = true;
			break;
		}
		if (pct_at_least(b->close, b->vwap, c->vb_up_dist))
			return false;
	}
	if (!under)
		return false;
	for (int k = j; k >= 0 && k > j - c->vb_up_lookback; k--)
	{
		IBar	   *b = &s->bars[k];

		CHECK_FOR_INTERRUPTS();
		if (!isnan(b->vwap) && pct_at_most(b->close, b->vwap, -c->vb_up_below))
			return true;
	}
	return false;
}

/*
 * failed_reclaim
 *		An attempt to reclaim VWAP that failed, at one of bars first-lookback
 *		.. first: coming from under VWAP (the close before it was under), its
 *		high reached VWAP and it closed under.
 */
static bool
failed_reclaim(DayScan *s, int first)
{
	for (int k = first; k >= 1 && k >= first - s->c->vb_down_lookback; k--)
	{
		IBar	   *b = &s->bars[k];
		IBar	   *before = &s->bars[k - 1];

		CHECK_FOR_INTERRUPTS();
		if (!isnan(b->vwap) && b->high >= b->vwap && b->close < b->vwap &&
			!isnan(before->vwap) && before->close < before->vwap)
			return true;
	}
	return false;
}

/*
 * vwap_break: a run of closes beyond VWAP by the distance, judged on the bar
 * that completes min_bars of them (the confirmation) and only there, on the
 * run's volume.  Up (reclaim): the price had lost VWAP (came_from_below).
 * Down (rejection): a failed reclaim within the lookback bars before the
 * run, or on its first bar.
 */
static void
judge_vwap_break(DayScan *s, int i)
{
	const IntradayConfig *c = s->c;
	IBar	   *b = &s->bars[i];
	IEvent	   *e;
	double		x;

	if (isnan(b->vwap))
	{
		s->above = s->below = 0;
		return;
	}
	s->above = pct_at_least(b->close, b->vwap, c->vb_up_dist) ? s->above + 1 : 0;
	s->below = pct_at_most(b->close, b->vwap, -c->vb_down_dist) ? s->below + 1 : 0;

	if (s->above == c->vb_up_bars && came_from_below(s, i - s->above) &&
		(x = run_volume_x(s, i, s->above, false)) >= c->vb_up_x)
	{
		e = new_event(s, i, EV_VWAP_BREAK, true);
		e->spike_x = x;
		e->pct_change = e->vwap_dist;
		e->level = b->vwap;
		e->bars = s->above;
	}
	if (s->below == c->vb_down_bars && failed_reclaim(s, i - s->below + 1) &&
		(x = run_volume_x(s, i, s->below, false)) >= c->vb_down_x)
	{
		e = new_event(s, i, EV_VWAP_BREAK, false);
		e->spike_x = x;
		e->pct_change = e->vwap_dist;
		e->level = b->vwap;
		e->bars = s->below;
	}
}

/*
 * price_momentum: the close against the close window_minutes earlier (the
 * last bar at or before then, same day).  Up: change >= min_change_pct,
 * above every high of the previous breakout_minutes, vol_x >=
 * min_volume_x.  Down: change <= -min_change_pct, under every low of the
 * previous breakdown_minutes, and the fall at least min_acceleration times
 * the fall of the window before (0 when that window rose or has no bar).
 * On the first bar of a run.
 */
static void
judge_price_momentum(DayScan *s, int i)
{
	const IntradayConfig *c = s->c;
	IBar	   *b = &s->bars[i];
	int64		window = (int64) c->pm_window * USECS_PER_MINUTE;
	int			j = bar_at_or_before(s, i, b->ts - window);
	double		change = NAN,
				hi = -INFINITY,
				lo = INFINITY;
	bool		up = false,
				down = false;
	IEvent	   *e;

	if (j >= 0)
	{
		change = percent_change(b->close, s->bars[j].close);
		if (pct_at_least(b->close, s->bars[j].close, c->pm_up_change) &&
			!isnan(b->vol_x) && b->vol_x >= c->pm_up_x)
		{
			TimestampTz from = b->ts - (int64) c->pm_up_breakout * USECS_PER_MINUTE;

			int			seen = 0;

			for (int m = i - 1; m >= 0 && s->bars[m].ts >= from; m--, seen++)
			{
				CHECK_FOR_INTERRUPTS();
				hi = Max(hi, s->bars[m].high);
			}
			up = seen > 0 && b->close > hi;
		}
		if (pct_at_most(b->close, s->bars[j].close, -c->pm_down_change))
		{
			TimestampTz from = b->ts - (int64) c->pm_down_breakdown * USECS_PER_MINUTE;
			int			k = bar_at_or_before(s, j + 1, b->ts - 2 * window);
			double		prev_fall = 0;

			int			seen = 0;

			for (int m = i - 1; m >= 0 && s->bars[m].ts >= from; m--, seen++)
			{
				CHECK_FOR_INTERRUPTS();
				lo = Min(lo, s->bars[m].low);
			}
			if (k >= 0)
				prev_fall = Max(0.0, -percent_change(s->bars[j].close, s->bars[k].close));
			down = seen > 0 && b->close < lo && -change >= c->pm_down_accel * prev_fall;
		}
	}
	if ((e = run_start(s, i, EV_PRICE_MOMENTUM, true, up)) != NULL)
	{
		e->pct_change = change;
		e->level = hi;
	}
	if ((e = run_start(s, i, EV_PRICE_MOMENTUM, false, down)) != NULL)
	{
		e->pct_change = change;
		e->level = lo;
	}
}

/*
 * base_of
 *		The base before bar f: the high and low of the bars of the previous
 *		base_minutes, if there are at least min_base_bars of them and they
 *		span at most max_range_pct of their low.
 */
static bool
base_of(DayScan *s, int f, double *hi, double *lo)
{
	const IntradayConfig *c = s->c;
	TimestampTz from = s->bars[f].ts - (int64) c->cb_base * USECS_PER_MINUTE;
	int			count = 0;

	*hi = -INFINITY;
	*lo = INFINITY;
	for (int m = f - 1; m >= 0 && s->bars[m].ts >= from; m--, count++)
	{
		CHECK_FOR_INTERRUPTS();
		*hi = Max(*hi, s->bars[m].high);
		*lo = Min(*lo, s->bars[m].low);
	}
	return count >= c->cb_min_base_bars && *lo > 0 && pct_at_most(*hi, *lo, c->cb_max_range);
}

/*
 * consolidation_break: a run of min_bars closes min_breakout_pct beyond the
 * base before the run's first bar (base_of), the close before the run not
 * beyond it, and the run's volume min_volume_x times its baseline; judged on
 * the bar that completes the run.
 */
static void
judge_consolidation_break(DayScan *s, int i)
{
	const IntradayConfig *c = s->c;
	int			f = i - c->cb_bars + 1;
	double		hi,
				lo,
				x;
	IEvent	   *e;

	/* the run's volume first: it rules out most bars at the least cost */
	if (f < 1 || isnan(x = run_volume_x(s, i, c->cb_bars, false)) || x < c->cb_x ||
		!base_of(s, f, &hi, &lo))
		return;
	for (int up = 0; up <= 1; up++)
	{
		bool		run = true;

#define BEYOND(k) (up ? pct_at_least(s->bars[k].close, hi, c->cb_breakout) \
				   : pct_at_most(s->bars[k].close, lo, -c->cb_breakout))
		for (int k = f; k <= i && run; k++)
		{
			CHECK_FOR_INTERRUPTS();
			run = BEYOND(k);
		}
		if (!run || BEYOND(f - 1))
			continue;
#undef BEYOND
		e = new_event(s, i, EV_CONSOLIDATION_BREAK, up);
		e->spike_x = x;
		e->pct_change = percent_change(s->bars[i].close, up ? hi : lo);
		e->level = up ? hi : lo;
		e->bars = c->cb_bars;
	}
}

/*
 * opening_range_break: the range of the bars from 09:30 to 09:30 +
 * range_minutes.  In regular hours after it and before 09:30 +
 * cutoff_minutes, the first run of min_bars closes min_breakout_pct beyond
 * the range each way (the break) is an event if the run's volume is
 * min_volume_x times its baseline; judged on the bar that completes the run.
 */
static void
judge_opening_range_break(DayScan *s, int i)
{
	const IntradayConfig *c = s->c;
	IBar	   *b = &s->bars[i];
	bool		judged = b->session == SESSION_RTH && b->ts >= s->or_end && b->ts < s->orb_cutoff &&
		s->or_high > -INFINITY;
	IEvent	   *e;

	for (int up = 0; up <= 1; up++)
	{
		bool		beyond = judged && (up ? pct_at_least(b->close, s->or_high, c->orb_breakout)
										: pct_at_most(b->close, s->or_low, -c->orb_breakout));
		double		x;

		s->orb_run[up] = beyond ? s->orb_run[up] + 1 : 0;
		if (s->orb_done[up] || s->orb_run[up] != c->orb_bars)
			continue;
		/* the first break each way is the one judged */
		s->orb_done[up] = true;
		x = run_volume_x(s, i, c->orb_bars, false);
		if (isnan(x) || x < c->orb_x)
			continue;
		e = new_event(s, i, EV_OPENING_RANGE_BREAK, up);
		e->spike_x = x;
		e->pct_change = percent_change(b->close, up ? s->or_high : s->or_low);
		e->level = up ? s->or_high : s->or_low;
		e->bars = c->orb_bars;
	}
}

/*
 * tape_speed: min_bars bars in a row with transactions >= min_transactions
 * and >= min_spike_x times their baseline; judged on the bar that completes
 * them.  Up when its close is at or above the open of the run's first bar.
 */
static void
judge_tape_speed(DayScan *s, int i)
{
	const IntradayConfig *c = s->c;
	IBar	   *b = &s->bars[i];
	IEvent	   *e;

	s->fast = (!isnan(b->trans_x) && b->transactions >= c->ts_min_n && b->trans_x >= c->ts_x) ?
		s->fast + 1 : 0;
	if (s->fast == c->ts_bars)
	{
		IBar	   *first = &s->bars[i - s->fast + 1];

		e = new_event(s, i, EV_TAPE_SPEED, b->close >= first->open);
		e->spike_x = run_volume_x(s, i, s->fast, true);
		e->pct_change = percent_change(b->close, first->open);
		e->bars = s->fast;
	}
}

/*
 * flush: the close min_drop_pct or more under the day high, a bar whose high
 * came within high_tolerance_pct of the day high (as it stood at that bar)
 * less than window_minutes before this one, or this one (the window of
 * window_minutes one-minute bars ending here), vol_x >= min_volume_x, at
 * least min_red_bars red bars in a row, volume above the previous bar's.
 * Down only; on the first bar of a run.
 */
static void
judge_flush(DayScan *s, int i)
{
	const IntradayConfig *c = s->c;
	IBar	   *b = &s->bars[i];
	bool		flush = i > 0 && !isnan(b->vol_x) &&
		pct_at_most(b->close, b->hod, -c->fl_drop) &&
		b->near_hod_ts > b->ts - (int64) c->fl_window * USECS_PER_MINUTE &&
		b->vol_x >= c->fl_x && b->red_streak >= c->fl_red &&
		b->volume > s->bars[i - 1].volume;
	IEvent	   *e = run_start(s, i, EV_FLUSH, false, flush);

	if (e)
	{
		e->pct_change = percent_change(b->close, b->hod);
		e->level = b->hod;
	}
}

/* ---------------------------------------------------------------------
 * Score, filters, deduplication
 * ---------------------------------------------------------------------
 */

static inline double
capped(double x, double cap)
{
	if (isnan(x))
		return 0;
	x = fabs(x) / cap;
	return x > 1 ? 1 : x;
}

static void
score_event(const IntradayConfig *c, IEvent *e)
{
	e->score = 100.0 * (c->weight[SC_SPIKE] * capped(e->spike_x, c->cap[SC_SPIKE]) +
						c->weight[SC_CHANGE] * capped(e->pct_change, c->cap[SC_CHANGE]) +
						c->weight[SC_CONFIRM] * capped(e->dollar_volume, c->cap[SC_CONFIRM]) +
						c->weight[SC_BARS] * capped(e->bars, c->cap[SC_BARS]) +
						c->weight[SC_VWAP] * capped(e->vwap_dist, c->cap[SC_VWAP]));
}

/*
 * judge_bar
 *		Run every enabled detector on the day's newest bar, with the state
 *		they carry from the bars before it (the opening range grows with
 *		the bars inside it), and score the events it makes.  An immediate
 *		detector hands each event the filters keep over at once.
 */
static void
judge_bar(Detector *d)
{
	const IntradayConfig *c = &d->cfg;
	DayScan    *s = &d->scan;
	int			i = d->nbars - 1;
	int			first = d->nevents;

	CHECK_FOR_INTERRUPTS();
	s->bars = d->bars;			/* moved when the day's array grew */
	s->n = d->nbars;
	if (s->bars[i].ts >= d->day.rth_open && s->bars[i].ts < s->or_end)
	{
		s->or_high = Max(s->or_high, s->bars[i].high);
		s->or_low = Min(s->or_low, s->bars[i].low);
	}
	for (int t = 0; t < EV_NTYPES; t++)
	{
		if (c->enabled[t])
			detectors[t].judge(s, i);
	}
	/* bounded: the events of one bar, at most two per detector */
	for (int k = first; k < d->nevents; k++)
	{
		IEvent	   *e = &d->events[k];

		score_event(c, e);
		if (d->immediate)
		{
			e->dropped = filter_event(d, e, d->day_dv);
			if (!e->dropped)
			{
				d->sink(d, e);
				d->events_out++;
			}
		}
	}
}

/*
 * filter_event
 *		Whether the filters drop an event: a close out of [min_price,
 *		max_price], a bar's dollar volume under min_bar_dollar_volume, a day's
 *		dollar volume (day_dv) under the minimum (bearish: its own minimum),
 *		and with the columns, float and short interest.
 */
static bool
filter_event(Detector *d, const IEvent *e, double day_dv)
{
	const IntradayConfig *c = &d->cfg;
	IBar	   *b = &d->bars[e->bar];

	return e->close < c->min_price || e->close > c->max_price ||
		e->dollar_volume < c->min_bar_dv ||
		day_dv < (e->up ? c->min_day_dv : c->min_day_dv_bear) ||
		(!isnan(b->float_shares) && b->float_shares < (e->up ? c->min_float : c->min_float_bear)) ||
		(!e->up && !isnan(b->si_pct) && b->si_pct > c->max_si_pct) ||
		(!e->up && !isnan(b->dtc) && b->dtc > c->max_dtc);
}

/*
 * filter_day
 *		Drop the events of the day the filters refuse, on the day's whole
 *		dollar volume.
 */
static void
filter_day(Detector *d, double day_dv)
{
	for (int k = 0; k < d->nevents; k++)
	{
		CHECK_FOR_INTERRUPTS();
		d->events[k].dropped = filter_event(d, &d->events[k], day_dv);
	}
}

/*
 * dedup_day
 *		Among the events the filters kept, taken by score (highest first,
 *		then earliest): drop an event when a kept one of the same type and
 *		direction, less than window_minutes away, outscores it by more than
 *		keep_both_within_pct percent of the kept one's score, that is when
 *		score < kept score * (1 - keep_both_within_pct / 100).  A score is no
 *		price: this ratio is tested as it stands, without the allowance of the
 *		percent thresholds.
 */
static void
dedup_day(Detector *d)
{
	int			n = d->nevents;
	int		   *order = palloc(sizeof(int) * Max(1, n));
	int64		window = (int64) d->cfg.dedup_window * USECS_PER_MINUTE;
	double		keep = 1.0 - d->cfg.dedup_keep_pct / 100.0;

	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		order[i] = i;
	}
	for (int i = 1; i < n; i++)
	{
		int			x = order[i];
		int			j = i - 1;

		CHECK_FOR_INTERRUPTS();
		while (j >= 0 &&
			   (d->events[order[j]].score < d->events[x].score ||
				(d->events[order[j]].score == d->events[x].score &&
				 d->events[order[j]].ts > d->events[x].ts)))
		{
			CHECK_FOR_INTERRUPTS();
			order[j + 1] = order[j];
			j--;
		}
		order[j + 1] = x;
	}
	for (int i = 0; i < n; i++)
	{
		IEvent	   *e = &d->events[order[i]];

		CHECK_FOR_INTERRUPTS();
		if (e->dropped)
			continue;
		for (int j = 0; j < i; j++)
		{
			IEvent	   *k = &d->events[order[j]];

			CHECK_FOR_INTERRUPTS();
			if (!k->dropped && k->type == e->type && k->up == e->up &&
				llabs(k->ts - e->ts) < window && e->score < k->score * keep)
			{
				e->dropped = true;
				break;
			}
		}
	}
	pfree(order);
}

/*
 * finish_day
 *		Detect, filter, deduplicate and hand over the events of the buffered
 *		ticker-day, in time order (then type), then fold the day into the
 *		ticker's volume profile.
 */
static void
finish_day(Detector *d)
{
	double		day_dv = 0;

	if (d->nbars > 0 && d->day.date < d->judge_from)
	{
		/* a day of warm-up: it only feeds the volume profile */
		profile_add_day(&d->cfg, d->profile);
	}
	else if (d->nbars > 0 && d->immediate)
	{
		/* every event was handed over as its bar was judged */
		d->days++;
	}
	else if (d->nbars > 0)
	{
		for (int i = 0; i < d->nbars; i++)
		{
			CHECK_FOR_INTERRUPTS();
			day_dv += d->bars[i].dollar_volume;
		}
		filter_day(d, day_dv);
		dedup_day(d);
		for (int i = 1; i < d->nevents; i++)
		{
			IEvent		x = d->events[i];
			int			j = i - 1;

			CHECK_FOR_INTERRUPTS();
			while (j >= 0 && (d->events[j].ts > x.ts ||
							  (d->events[j].ts == x.ts && d->events[j].type > x.type)))
			{
				CHECK_FOR_INTERRUPTS();
				d->events[j + 1] = d->events[j];
				j--;
			}
			d->events[j + 1] = x;
		}
		for (int k = 0; k < d->nevents; k++)
		{
			CHECK_FOR_INTERRUPTS();
			if (!d->events[k].dropped)
			{
				d->sink(d, &d->events[k]);
				d->events_out++;
			}
		}
		d->days++;
		if (!d->has_baseline)
		{
			d->days_without_baseline++;
			if (!d->ticker_without_baseline)
				d->tickers_without_baseline++;
			d->ticker_without_baseline = true;
		}
		profile_add_day(&d->cfg, d->profile);
	}
	MemoryContextReset(d->day_cxt);
	d->bars = NULL;
	d->nbars = 0;
	d->cap = 0;
	d->events = NULL;
	d->nevents = 0;
	d->evcap = 0;
}

/*
 * event_values
 *		An event as the columns of tape.intraday_event.
 */
#define EVENT_NATTS INTRADAY_EVENT_NATTS
static void
event_values(const char *ticker, DateADT day, const IEvent *e,
			 Datum *values, bool *nulls)
{
	memset(nulls, false, sizeof(bool) * EVENT_NATTS);
	values[0] = CStringGetTextDatum(ticker);
	values[1] = TimestampTzGetDatum(e->ts);
	values[2] = DateADTGetDatum(day);
	values[3] = CStringGetTextDatum(detectors[e->type].name);
	values[4] = CStringGetTextDatum(e->up ? "up" : "down");
	values[5] = CStringGetTextDatum(calendar_session_name(e->session));
	values[6] = Float8GetDatum(e->score);
	values[7] = Float8GetDatum(e->close);
	values[8] = Float8GetDatum(e->volume);
	values[9] = Float8GetDatum(e->dollar_volume);
#define SET_F8(idx, x) do { if (isnan(x)) nulls[idx] = true; else values[idx] = Float8GetDatum(x); } while (0)
	SET_F8(10, e->spike_x);
	SET_F8(11, e->pct_change);
	SET_F8(12, e->level);
	SET_F8(13, e->vwap);
	SET_F8(14, e->vwap_dist);
#undef SET_F8
	values[15] = Int32GetDatum(e->bars);
}

/* ---------------------------------------------------------------------
 * tape.detect_intraday(bars_query, config): over a query
 * ---------------------------------------------------------------------
 */

/* the sink of tape.detect_intraday: the result tuplestore */
static void
sink_tuplestore(Detector *d, const IEvent *e)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) d->sink_arg;
	Datum		values[EVENT_NATTS];
	bool		nulls[EVENT_NATTS];

	event_values(d->ticker, d->day.date, e, values, nulls);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * tape_detect_intraday
 *		tape.detect_intraday_internal(bars_query, merged config, judge_from):
 *		the days before judge_from (when not NULL) only warm the baselines.
 */
Datum
tape_detect_intraday(PG_FUNCTION_ARGS)
{
	char	   *query;
	Jsonb	   *config;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Detector	d;
	BarSource	src;
	BarRow		row;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	config = PG_GETARG_JSONB_P(1);
	detector_init(&d, config, sink_tuplestore, rsinfo);
	if (!PG_ARGISNULL(2))
		d.judge_from = PG_GETARG_DATEADT(2);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	barsource_open(&src, "tape.detect_intraday", query, false, rsinfo->setResult);
	while (barsource_next(&src, &row))
	{
		CHECK_FOR_INTERRUPTS();
		detector_feed(&d, &row);
	}
	finish_day(&d);
	barsource_close(&src);
	SPI_finish();

	history_gaps_add(HG_INTRADAY, d.days, d.days_without_baseline, d.tickers_without_baseline);
	if (d.days_without_baseline > 0)
		ereport(NOTICE,
				(errmsg("tape.detect_intraday: " INT64_FORMAT " of " INT64_FORMAT " ticker-days had no volume baseline: volume-confirmed events could not fire on them",
						d.days_without_baseline, d.days),
				 errdetail("The volume profile of a ticker needs %d earlier days of its bars in the query (%d for the full profile).",
						   d.cfg.min_days, d.cfg.profile_days),
				 errhint("Start the bars query %d trading days before the first day to judge, or set baseline.fallback to \"rolling\".",
						 d.cfg.profile_days)));
	MemoryContextDelete(d.cxt);
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * tape.intraday_events(bars_row [, config] ORDER BY ts): an aggregate
 * ---------------------------------------------------------------------
 */

/* the state of the aggregate: a detector and the events it found */
typedef struct EventsState
{
	Detector	d;
	AggregateInput in;
	IEvent	   *events;
	DateADT    *days;
	int			nevents;
	int			cap;
} EventsState;

/* the sink of the aggregate: a copy of each event, with its day */
static void
sink_state(Detector *d, const IEvent *e)
{
	EventsState *st = (EventsState *) d->sink_arg;

	if (st->nevents == st->cap)
	{
		st->cap = Max(64, st->cap * 2);
		st->events = st->events ? repalloc(st->events, sizeof(IEvent) * st->cap)
			: MemoryContextAlloc(d->cxt, sizeof(IEvent) * st->cap);
		st->days = st->days ? repalloc(st->days, sizeof(DateADT) * st->cap)
			: MemoryContextAlloc(d->cxt, sizeof(DateADT) * st->cap);
	}
	st->events[st->nevents] = *e;
	st->days[st->nevents] = d->day.date;
	st->nevents++;
}

/*
 * tape_intraday_events_step
 *		The transition of tape.intraday_events(bars_row [, config]): one bar.
 */
Datum
tape_intraday_events_step(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	EventsState *st;
	BarRow		row;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "tape_intraday_events_step called in a non-aggregate context");
	st = PG_ARGISNULL(0) ? NULL : (EventsState *) PG_GETARG_POINTER(0);
	if (st == NULL)
	{
		MemoryContext old;
		Jsonb	   *config;

		st = MemoryContextAllocZero(aggcxt, sizeof(EventsState));
		config = aggregate_begin(&st->in, fcinfo, "tape.intraday_events", false, aggcxt);
		old = MemoryContextSwitchTo(aggcxt);
		detector_init(&st->d, config, sink_state, st);
		MemoryContextSwitchTo(old);
	}
	if (!PG_ARGISNULL(1) && aggregate_next(&st->in, fcinfo, &row))
		detector_feed(&st->d, &row);
	PG_RETURN_POINTER(st);
}

/* the columns of event k of the aggregate */
static void
state_event_values(void *arg, int k, Datum *values, bool *nulls)
{
	EventsState *st = (EventsState *) arg;

	event_values(st->d.ticker, st->days[k], &st->events[k], values, nulls);
}

/*
 * tape_intraday_events_final
 *		The events of the group, as tape.intraday_event[], in time order.
 */
Datum
tape_intraday_events_final(PG_FUNCTION_ARGS)
{
	EventsState *st = PG_ARGISNULL(0) ? NULL : (EventsState *) PG_GETARG_POINTER(0);

	if (st != NULL)
		finish_day(&st->d);
	return aggregate_result(fcinfo, st ? st->nevents : 0, EVENT_NATTS, state_event_values, st);
}

/* ---------------------------------------------------------------------
 * A detector fed one bar at a time (the live feed)
 * ---------------------------------------------------------------------
 */

/* a pushed detector: the engine, and where its events go */
struct IntradayFeed
{
	Detector	d;
	IntradayEmit emit;			/* called once per event, as its bar closes */
	void	   *emit_arg;
	TimestampTz last_ts;		/* the last bar pushed */
	bool		has_last;
};

/* the sink of a pushed detector: the event's columns to its callback */
static void
sink_emit(Detector *d, const IEvent *e)
{
	IntradayFeed *f = (IntradayFeed *) d->sink_arg;
	Datum		values[EVENT_NATTS];
	bool		nulls[EVENT_NATTS];

	event_values(d->ticker, d->day.date, e, values, nulls);
	f->emit(f->emit_arg, values, nulls);
}

/*
 * intraday_config_looks_ahead
 *		Whether a merged intraday configuration has a step that looks at later
 *		bars of the day (the day dollar-volume filters, deduplication): with
 *		one, an event known when its bar closes may be dropped later.
 */
bool
intraday_config_looks_ahead(Jsonb *config)
{
	IntradayConfig c;

	read_config(&c, config);
	return c.min_day_dv > 0 || c.min_day_dv_bear > 0 || c.dedup_window > 0;
}

/*
 * intraday_feed_create
 *		A detector for one ticker's bars pushed in time order; each event
 *		goes to emit, as the columns of tape.intraday_event, when the bar
 *		that makes it is pushed.  The days before judge_from only warm the
 *		baselines.  The configuration must not look ahead (see
 *		intraday_config_looks_ahead), so that the events are the ones
 *		tape.detect_intraday finds over the same bars.  It judges one day:
 *		the bars of the day after judge_from are an error (build another
 *		detector).  The detector lives in a child of the current memory
 *		context.
 */
IntradayFeed *
intraday_feed_create(Jsonb *config, DateADT judge_from, IntradayEmit emit, void *arg)
{
	IntradayFeed *f = palloc0(sizeof(IntradayFeed));

	if (intraday_config_looks_ahead(config))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("live detection needs a configuration that judges each bar when it closes"),
				 errdetail("The day dollar-volume filters and deduplication look at the later bars of the day."),
				 errhint("Set filters.min_day_dollar_volume, filters.min_day_dollar_volume_bearish and dedup.window_minutes to 0.")));
	detector_init(&f->d, config, sink_emit, f);
	f->d.judge_from = judge_from;
	f->d.immediate = true;
	f->emit = emit;
	f->emit_arg = arg;
	return f;
}

/*
 * intraday_feed_push
 *		Judge the next bar of the feed's ticker; false, and nothing done, when
 *		it is not after the last bar pushed.
 */
bool
intraday_feed_push(IntradayFeed *f, const BarRow *row)
{
	if (f->has_last && row->ts <= f->last_ts)
		return false;
	f->last_ts = row->ts;
	f->has_last = true;
	detector_feed(&f->d, row);
	return true;
}

/*
 * intraday_feed_last
 *		The time of the last bar pushed, or false when none was.
 */
bool
intraday_feed_last(IntradayFeed *f, TimestampTz *ts)
{
	*ts = f->last_ts;
	return f->has_last;
}

/*
 * intraday_feed_free
 *		Release the detector and everything it keeps.
 */
void
intraday_feed_free(IntradayFeed *f)
{
	MemoryContextDelete(f->d.cxt);
	pfree(f);
}
