/*-------------------------------------------------------------------------
 *
 * detect_intraday.c
 *		The intraday event detectors over 1-minute bars.
 *
 * tape.detect_intraday(bars_query, config) reads the bars of its query once,
 * in (ticker, ts) order, and keeps in memory one ticker-day of bars plus a
 * few numbers per ticker (the volume baseline, the daily ATR).  When a
 * ticker-day is complete it runs the seven detectors over it, bar after bar
 * and without look-ahead (a bar is judged only on itself and the bars before
 * it), applies the filters, removes near-duplicates, and returns the events.
 *
 * Definitions (every threshold is in tape.default_config()->'intraday'):
 *
 *	baseline: the mean volume (and trade count) of the previous
 *		baseline_bars bars of the ticker, across days; vol_x = volume / that
 *		mean.  No baseline yet, no event that needs one.
 *	session: PM 04:00-09:30, RTH 09:30-16:00 (13:00), AH to 20:00 (17:00),
 *		New York time; bars outside the sessions of a trading day are
 *		ignored.
 *	VWAP: anchored at 09:30 each day, through after hours, on the bar's
 *		vwap when the query has one, else (high + low + close) / 3.
 *	day high: the highest high of the day so far, pre-market included.
 *
 *	volume_spike: vol_x, volume and close * volume at or above the session's
 *		thresholds (RTH, or "extended" for PM/AH).  Up if the bar closed at or
 *		above its open; down if it closed red, is the last of at least
 *		down_min_red_bars red bars, and closed down_min_drop_from_high_pct
 *		below the day high.
 *	vwap_break: up (reclaim) when the close has been min_distance_pct above
 *		VWAP for min_bars bars in a row, the bar before them closed below
 *		VWAP, and this bar has vol_x >= min_volume_x; down (rejection) the
 *		same below VWAP, after a failed reclaim: within the
 *		failed_reclaim_lookback_bars bars before, a bar touched VWAP (high >=
 *		VWAP) and closed below it.  Once per streak.
 *	price_momentum: the close against the close window_minutes earlier (the
 *		last bar at or before then, same day).  Up: change >= min_change_pct,
 *		close above every high of the previous breakout_minutes, vol_x >=
 *		min_volume_x.  Down: change <= -min_change_pct, close below every low
 *		of the previous breakdown_minutes, and the move at least
 *		min_acceleration times the previous window's.
 *	consolidation_break: the bars of the previous base_minutes (at least
 *		min_base_bars of them) span at most max_range_atr daily ATRs (the
 *		daily_atr column, or Wilder's ATR over atr_days days built from the
 *		stream itself, through the day before); the close breaks
 *		min_breakout_pct beyond the base with vol_x >= min_volume_x.
 *	opening_range_break: the range of 09:30 to 09:30 + range_minutes; in RTH
 *		after it, the first close min_breakout_pct beyond it each way with
 *		vol_x >= min_volume_x.
 *	tape_speed: transactions >= min_transactions and >= min_spike_x times
 *		their baseline (needs a transactions column).  Direction: the bar's.
 *	flush: the close min_drop_pct or more below a day high set within the
 *		last window_minutes, vol_x >= min_volume_x, at least min_red_bars red
 *		bars in a row, and volume rising (above the previous bar's).
 *
 * Except vwap_break and opening_range_break (once per streak, once per
 * day), a detector fires on the first bar of a run of qualifying bars.
 *
 * Score, 0 to 100: 100 * (0.30 s_spike + 0.25 s_change + 0.20 s_confirm +
 * 0.15 s_bars + 0.10 s_vwap), each component capped at 1: vol_x / 20,
 * |pct_change| / 10 %, dollar volume / 1 M, consecutive bars / 5, distance
 * from VWAP / 5 % (weights and caps configurable).
 *
 * Filters: close within [min_price, max_price]; the day's dollar volume at
 * least min_day_dollar_volume (bearish: ..._bearish); when the query has
 * float_shares / short_interest_pct / days_to_cover, bullish events need
 * min_float, bearish ones min_float_bearish, at most max_short_interest_pct
 * and max_days_to_cover.
 *
 * Deduplication: among events of one ticker and type within
 * dedup.window_minutes, an event is dropped when a kept one scores more than
 * keep_both_within_pct percent higher.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/analytics/detect_intraday.c
 *
 *-------------------------------------------------------------------------
 */
#include "barsource.h"
#include "calendar.h"
#include "indicators.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

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

static const char *const event_type_names[EV_NTYPES] = {
	"volume_spike", "vwap_break", "price_momentum", "consolidation_break",
	"opening_range_break", "tape_speed", "flush"
};

/* the intraday section of the configuration */
typedef struct IntradayConfig
{
	int			baseline_bars;
	double		min_price,
				max_price,
				min_day_dv,
				min_day_dv_bear,
				min_float,
				min_float_bear,
				max_si_pct,
				max_dtc;

	bool		vs_enabled;
	double		vs_rth_x,
				vs_rth_vol,
				vs_rth_dv,
				vs_ext_x,
				vs_ext_vol,
				vs_ext_dv;
	int			vs_down_red;
	double		vs_down_drop;

	bool		vb_enabled;
	double		vb_up_dist,
				vb_up_x,
				vb_down_dist,
				vb_down_x;
	int			vb_up_bars,
				vb_down_bars,
				vb_down_lookback;

	bool		pm_enabled;
	int64		pm_window_us,
				pm_up_breakout_us,
				pm_down_breakdown_us;
	double		pm_up_change,
				pm_up_x,
				pm_down_change,
				pm_down_accel;

	bool		cb_enabled;
	int64		cb_base_us;
	int			cb_min_bars,
				cb_atr_days;
	double		cb_max_range_atr,
				cb_breakout,
				cb_x;

	bool		orb_enabled;
	int64		orb_range_us;
	double		orb_breakout,
				orb_x;

	bool		ts_enabled;
	double		ts_min_n,
				ts_x;

	bool		fl_enabled;
	double		fl_drop,
				fl_x;
	int64		fl_window_us;
	int			fl_red;

	int64		dedup_window_us;
	double		dedup_keep_pct;

	double		w_spike,
				w_change,
				w_confirm,
				w_bars,
				w_vwap;
	double		cap_spike,
				cap_change,
				cap_dv,
				cap_bars,
				cap_vwap;
} IntradayConfig;

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
	double		float_shares,
				si_pct,
				dtc,
				daily_atr;		/* NaN when the query has none */
	TapeSession session;
	double		vol_x;			/* volume over the baseline, NaN without one */
	double		trans_x;		/* transactions over their baseline, NaN */
	double		vwap;			/* RTH VWAP through this bar, NaN before 09:30 */
	double		hod;			/* day high through this bar */
	TimestampTz hod_ts;			/* when it was set */
	int			red_streak;		/* red bars in a row ending here */
	int			green_streak;	/* green bars in a row ending here */
} IBar;

typedef struct IEvent
{
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

typedef struct Detector
{
	IntradayConfig cfg;
	Tuplestorestate *out;
	TupleDesc	outdesc;
	MemoryContext day_cxt;		/* bars and events of one ticker-day */

	/* the ticker */
	char	   *ticker;
	RollingMean *vol_base;
	RollingMean *trans_base;
	WilderAtr	atr;
	double		atr_value;		/* daily ATR through the previous day, or NaN */

	/* the ticker-day */
	TradingDay	day;
	IBar	   *bars;
	int			nbars;
	int			cap;
	double		vwap_pv;
	double		vwap_v;
	IEvent	   *events;
	int			nevents;
	int			evcap;
} Detector;

PG_FUNCTION_INFO_V1(tape_detect_intraday);

static void read_config(IntradayConfig *c, Jsonb *j);
static void start_ticker(Detector *d, const char *ticker);
static void add_bar(Detector *d, const BarRow *row);
static void finish_day(Detector *d);
static IEvent *new_event(Detector *d, int i, IntradayEventType type, bool up);
static void score_event(const IntradayConfig *c, IEvent *e);
static void detect_day(Detector *d);
static void dedup_day(Detector *d);
static void emit_day(Detector *d, double day_dv);

static void
read_config(IntradayConfig *c, Jsonb *j)
{
#define NUM(p) config_number(j, p)
#define MIN_US(p) ((int64) (NUM(p) * USECS_PER_MINUTE))
	c->baseline_bars = (int) NUM("baseline_bars");
	if (c->baseline_bars < 1 || c->baseline_bars > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("configuration key \"baseline_bars\" must be between 1 and 10000")));
	c->min_price = NUM("filters.min_price");
	c->max_price = NUM("filters.max_price");
	c->min_day_dv = NUM("filters.min_day_dollar_volume");
	c->min_day_dv_bear = NUM("filters.min_day_dollar_volume_bearish");
	c->min_float = NUM("filters.min_float");
	c->min_float_bear = NUM("filters.min_float_bearish");
	c->max_si_pct = NUM("filters.max_short_interest_pct");
	c->max_dtc = NUM("filters.max_days_to_cover");

	c->vs_enabled = config_bool(j, "volume_spike.enabled");
	c->vs_rth_x = NUM("volume_spike.rth.min_spike_x");
	c->vs_rth_vol = NUM("volume_spike.rth.min_volume");
	c->vs_rth_dv = NUM("volume_spike.rth.min_dollar_volume");
	c->vs_ext_x = NUM("volume_spike.extended.min_spike_x");
	c->vs_ext_vol = NUM("volume_spike.extended.min_volume");
	c->vs_ext_dv = NUM("volume_spike.extended.min_dollar_volume");
	c->vs_down_red = (int) NUM("volume_spike.down_min_red_bars");
	c->vs_down_drop = NUM("volume_spike.down_min_drop_from_high_pct");

	c->vb_enabled = config_bool(j, "vwap_break.enabled");
	c->vb_up_dist = NUM("vwap_break.up.min_distance_pct");
	c->vb_up_bars = (int) NUM("vwap_break.up.min_bars");
	c->vb_up_x = NUM("vwap_break.up.min_volume_x");
	c->vb_down_dist = NUM("vwap_break.down.min_distance_pct");
	c->vb_down_bars = (int) NUM("vwap_break.down.min_bars");
	c->vb_down_x = NUM("vwap_break.down.min_volume_x");
	c->vb_down_lookback = (int) NUM("vwap_break.down.failed_reclaim_lookback_bars");

	c->pm_enabled = config_bool(j, "price_momentum.enabled");
	c->pm_window_us = MIN_US("price_momentum.window_minutes");
	c->pm_up_change = NUM("price_momentum.up.min_change_pct");
	c->pm_up_breakout_us = MIN_US("price_momentum.up.breakout_minutes");
	c->pm_up_x = NUM("price_momentum.up.min_volume_x");
	c->pm_down_change = NUM("price_momentum.down.min_change_pct");
	c->pm_down_breakdown_us = MIN_US("price_momentum.down.breakdown_minutes");
	c->pm_down_accel = NUM("price_momentum.down.min_acceleration");

	c->cb_enabled = config_bool(j, "consolidation_break.enabled");
	c->cb_base_us = MIN_US("consolidation_break.base_minutes");
	c->cb_min_bars = (int) NUM("consolidation_break.min_base_bars");
	c->cb_max_range_atr = NUM("consolidation_break.max_range_atr");
	c->cb_atr_days = (int) NUM("consolidation_break.atr_days");
	c->cb_breakout = NUM("consolidation_break.min_breakout_pct");
	c->cb_x = NUM("consolidation_break.min_volume_x");
	if (c->cb_atr_days < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("configuration key \"consolidation_break.atr_days\" must be at least 1")));

	c->orb_enabled = config_bool(j, "opening_range_break.enabled");
	c->orb_range_us = MIN_US("opening_range_break.range_minutes");
	c->orb_breakout = NUM("opening_range_break.min_breakout_pct");
	c->orb_x = NUM("opening_range_break.min_volume_x");

	c->ts_enabled = config_bool(j, "tape_speed.enabled");
	c->ts_min_n = NUM("tape_speed.min_transactions");
	c->ts_x = NUM("tape_speed.min_spike_x");

	c->fl_enabled = config_bool(j, "flush.enabled");
	c->fl_drop = NUM("flush.min_drop_pct");
	c->fl_window_us = MIN_US("flush.window_minutes");
	c->fl_x = NUM("flush.min_volume_x");
	c->fl_red = (int) NUM("flush.min_red_bars");

	c->dedup_window_us = MIN_US("dedup.window_minutes");
	c->dedup_keep_pct = NUM("dedup.keep_both_within_pct");

	c->w_spike = NUM("score.weights.volume_spike");
	c->w_change = NUM("score.weights.price_change");
	c->w_confirm = NUM("score.weights.volume_confirm");
	c->w_bars = NUM("score.weights.consecutive_bars");
	c->w_vwap = NUM("score.weights.vwap_distance");
	c->cap_spike = NUM("score.caps.spike_x");
	c->cap_change = NUM("score.caps.price_change_pct");
	c->cap_dv = NUM("score.caps.dollar_volume");
	c->cap_bars = NUM("score.caps.consecutive_bars");
	c->cap_vwap = NUM("score.caps.vwap_distance_pct");
	if (c->cap_spike <= 0 || c->cap_change <= 0 || c->cap_dv <= 0 || c->cap_bars <= 0 || c->cap_vwap <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("score caps must be positive")));
#undef NUM
#undef MIN_US
}

/*
 * start_ticker
 *		Forget everything about the previous ticker.
 */
static void
start_ticker(Detector *d, const char *ticker)
{
	MemoryContext old = MemoryContextSwitchTo(CurTransactionContext);

	if (d->ticker)
		pfree(d->ticker);
	d->ticker = pstrdup(ticker);
	if (d->vol_base == NULL)
	{
		d->vol_base = palloc(ROLLING_MEAN_SIZE(d->cfg.baseline_bars));
		d->trans_base = palloc(ROLLING_MEAN_SIZE(d->cfg.baseline_bars));
	}
	rolling_mean_init(d->vol_base, d->cfg.baseline_bars);
	rolling_mean_init(d->trans_base, d->cfg.baseline_bars);
	wilder_atr_init(&d->atr, d->cfg.cb_atr_days);
	d->atr_value = NAN;
	MemoryContextSwitchTo(old);
}

/*
 * add_bar
 *		Append a bar to the current ticker-day, with its baselines (from the
 *		bars before it only), VWAP, day high and streaks.
 */
static void
add_bar(Detector *d, const BarRow *row)
{
	IBar	   *b;
	IBar	   *prev;
	double		mean;
	TapeSession s;

	if (d->nbars == 0)
	{
		calendar_day_of(row->ts, &d->day);
		d->vwap_pv = 0;
		d->vwap_v = 0;
	}
	s = calendar_session(&d->day, row->ts);
	if (s == SESSION_NONE)
		return;					/* outside the sessions of a trading day */

	if (d->nbars == d->cap)
	{
		MemoryContext old = MemoryContextSwitchTo(d->day_cxt);

		d->cap = Max(1024, d->cap * 2);
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
	b->float_shares = row->v[BC_FLOAT_SHARES];
	b->si_pct = row->v[BC_SHORT_INTEREST_PCT];
	b->dtc = row->v[BC_DAYS_TO_COVER];
	b->daily_atr = row->v[BC_DAILY_ATR];
	b->session = s;

	/* baselines: the bars before this one */
	b->vol_x = (rolling_mean_full(d->vol_base, &mean) && mean > 0) ? b->volume / mean : NAN;
	rolling_mean_add(d->vol_base, b->volume);
	b->trans_x = NAN;
	if (!isnan(b->transactions))
	{
		b->trans_x = (rolling_mean_full(d->trans_base, &mean) && mean > 0) ? b->transactions / mean : NAN;
		rolling_mean_add(d->trans_base, b->transactions);
	}

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

	/* day high and streaks */
	if (prev == NULL || b->high > prev->hod)
	{
		b->hod = b->high;
		b->hod_ts = b->ts;
	}
	else
	{
		b->hod = prev->hod;
		b->hod_ts = prev->hod_ts;
	}
	b->red_streak = b->close < b->open ? (prev ? prev->red_streak : 0) + 1 : 0;
	b->green_streak = b->close > b->open ? (prev ? prev->green_streak : 0) + 1 : 0;
	d->nbars++;
}

/*
 * new_event
 *		A candidate event at bar i, with the bar's common measures.
 */
static IEvent *
new_event(Detector *d, int i, IntradayEventType type, bool up)
{
	IBar	   *b = &d->bars[i];
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
	e->ts = b->ts;
	e->type = type;
	e->up = up;
	e->session = b->session;
	e->close = b->close;
	e->volume = b->volume;
	e->dollar_volume = b->close * b->volume;
	e->spike_x = b->vol_x;
	e->vwap = b->vwap;
	e->vwap_dist = isnan(b->vwap) ? NAN : (b->close / b->vwap - 1.0) * 100.0;
	e->pct_change = (b->close / b->open - 1.0) * 100.0;
	e->level = NAN;
	e->bars = up ? Max(1, b->green_streak) : Max(1, b->red_streak);
	return e;
}

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
	e->score = 100.0 * (c->w_spike * capped(e->spike_x, c->cap_spike) +
						c->w_change * capped(e->pct_change, c->cap_change) +
						c->w_confirm * capped(e->dollar_volume, c->cap_dv) +
						c->w_bars * capped(e->bars, c->cap_bars) +
						c->w_vwap * capped(e->vwap_dist, c->cap_vwap));
}

/*
 * detect_day
 *		Run every detector over the bars of the current ticker-day.
 */
static void
detect_day(Detector *d)
{
	const IntradayConfig *c = &d->cfg;
	IBar	   *bars = d->bars;
	int			n = d->nbars;
	bool		prev_fire[EV_NTYPES][2];
	int			above = 0,
				below = 0;
	bool		vb_up_done = false,
				vb_down_done = false;
	bool		orb_up_done = false,
				orb_down_done = false;
	double		or_high = -INFINITY,
				or_low = INFINITY;
	TimestampTz or_end = d->day.rth_open + c->orb_range_us;

	memset(prev_fire, 0, sizeof(prev_fire));

	/* the opening range (used only after it is complete) */
	for (int i = 0; i < n; i++)
	{
		if (bars[i].ts >= d->day.rth_open && bars[i].ts < or_end)
		{
			or_high = Max(or_high, bars[i].high);
			or_low = Min(or_low, bars[i].low);
		}
	}

	for (int i = 0; i < n; i++)
	{
		IBar	   *b = &bars[i];
		bool		fire[EV_NTYPES][2];
		bool		has_x = !isnan(b->vol_x);
		IEvent	   *e;

		memset(fire, 0, sizeof(fire));
		CHECK_FOR_INTERRUPTS();

		/* 1. volume spike */
		if (c->vs_enabled && has_x)
		{
			bool		rth = b->session == SESSION_RTH;
			double		min_x = rth ? c->vs_rth_x : c->vs_ext_x;
			double		min_vol = rth ? c->vs_rth_vol : c->vs_ext_vol;
			double		min_dv = rth ? c->vs_rth_dv : c->vs_ext_dv;

			if (b->vol_x >= min_x && b->volume >= min_vol && b->close * b->volume >= min_dv)
			{
				if (b->close >= b->open)
					fire[EV_VOLUME_SPIKE][1] = true;
				else if (b->red_streak >= c->vs_down_red &&
						 b->close <= b->hod * (1.0 - c->vs_down_drop / 100.0))
					fire[EV_VOLUME_SPIKE][0] = true;
			}
			for (int up = 0; up <= 1; up++)
			{
				if (fire[EV_VOLUME_SPIKE][up] && !prev_fire[EV_VOLUME_SPIKE][up])
				{
					e = new_event(d, i, EV_VOLUME_SPIKE, up);
					if (!up)
					{
						e->pct_change = (b->close / b->hod - 1.0) * 100.0;
						e->level = b->hod;
					}
				}
			}
		}

		/* 2. VWAP reclaim and rejection */
		if (c->vb_enabled && !isnan(b->vwap))
		{
			above = (b->close >= b->vwap * (1.0 + c->vb_up_dist / 100.0)) ? above + 1 : 0;
			below = (b->close <= b->vwap * (1.0 - c->vb_down_dist / 100.0)) ? below + 1 : 0;
			if (above == 0)
				vb_up_done = false;
			if (below == 0)
				vb_down_done = false;

			if (!vb_up_done && above >= c->vb_up_bars && has_x && b->vol_x >= c->vb_up_x)
			{
				int			before = i - above;

				/* a reclaim: the bar before the streak closed below VWAP */
				if (before >= 0 && !isnan(bars[before].vwap) && bars[before].close < bars[before].vwap)
				{
					e = new_event(d, i, EV_VWAP_BREAK, true);
					e->pct_change = e->vwap_dist;
					e->level = b->vwap;
					e->bars = above;
					vb_up_done = true;
				}
			}
			if (!vb_down_done && below >= c->vb_down_bars && has_x && b->vol_x >= c->vb_down_x)
			{
				int			start = i - below + 1;
				bool		failed = false;

				/* after a failed reclaim: a bar touched VWAP and closed below */
				for (int k = start - 1; k >= 0 && k >= start - c->vb_down_lookback; k--)
				{
					if (!isnan(bars[k].vwap) && bars[k].high >= bars[k].vwap &&
						bars[k].close < bars[k].vwap)
					{
						failed = true;
						break;
					}
				}
				if (failed)
				{
					e = new_event(d, i, EV_VWAP_BREAK, false);
					e->pct_change = e->vwap_dist;
					e->level = b->vwap;
					e->bars = below;
					vb_down_done = true;
				}
			}
		}
		else
			above = below = 0;

		/* 3. price momentum */
		if (c->pm_enabled)
		{
			int			j = -1,
						k = -1;
			double		change,
						prev_change = 0;

			for (int m = i - 1; m >= 0; m--)
			{
				if (bars[m].ts <= b->ts - c->pm_window_us)
				{
					j = m;
					break;
				}
			}
			if (j >= 0)
			{
				change = (b->close / bars[j].close - 1.0) * 100.0;
				if (change >= c->pm_up_change && has_x && b->vol_x >= c->pm_up_x)
				{
					double		hi = -INFINITY;
					int			seen = 0;

					for (int m = i - 1; m >= 0 && bars[m].ts >= b->ts - c->pm_up_breakout_us; m--, seen++)
						hi = Max(hi, bars[m].high);
					if (seen > 0 && b->close > hi)
					{
						fire[EV_PRICE_MOMENTUM][1] = true;
						if (!prev_fire[EV_PRICE_MOMENTUM][1])
						{
							e = new_event(d, i, EV_PRICE_MOMENTUM, true);
							e->pct_change = change;
							e->level = hi;
						}
					}
				}
				if (change <= -c->pm_down_change)
				{
					double		lo = INFINITY;
					int			seen = 0;

					for (int m = i - 1; m >= 0 && bars[m].ts >= b->ts - c->pm_down_breakdown_us; m--, seen++)
						lo = Min(lo, bars[m].low);
					for (int m = j - 1; m >= 0; m--)
					{
						if (bars[m].ts <= bars[j].ts - c->pm_window_us)
						{
							k = m;
							break;
						}
					}
					if (k >= 0)
						prev_change = (bars[j].close / bars[k].close - 1.0) * 100.0;
					if (seen > 0 && b->close < lo && fabs(change) >= c->pm_down_accel * fabs(prev_change))
					{
						fire[EV_PRICE_MOMENTUM][0] = true;
						if (!prev_fire[EV_PRICE_MOMENTUM][0])
						{
							e = new_event(d, i, EV_PRICE_MOMENTUM, false);
							e->pct_change = change;
							e->level = lo;
						}
					}
				}
			}
		}

		/* 4. consolidation break */
		if (c->cb_enabled && has_x && b->vol_x >= c->cb_x)
		{
			double		atr = isnan(b->daily_atr) ? d->atr_value : b->daily_atr;
			double		hi = -INFINITY,
						lo = INFINITY;
			int			count = 0;

			for (int m = i - 1; m >= 0 && bars[m].ts >= b->ts - c->cb_base_us; m--, count++)
			{
				hi = Max(hi, bars[m].high);
				lo = Min(lo, bars[m].low);
			}
			if (!isnan(atr) && atr > 0 && count >= c->cb_min_bars && hi - lo <= c->cb_max_range_atr * atr)
			{
				if (b->close >= hi * (1.0 + c->cb_breakout / 100.0))
				{
					fire[EV_CONSOLIDATION_BREAK][1] = true;
					if (!prev_fire[EV_CONSOLIDATION_BREAK][1])
					{
						e = new_event(d, i, EV_CONSOLIDATION_BREAK, true);
						e->pct_change = (b->close / hi - 1.0) * 100.0;
						e->level = hi;
					}
				}
				else if (b->close <= lo * (1.0 - c->cb_breakout / 100.0))
				{
					fire[EV_CONSOLIDATION_BREAK][0] = true;
					if (!prev_fire[EV_CONSOLIDATION_BREAK][0])
					{
						e = new_event(d, i, EV_CONSOLIDATION_BREAK, false);
						e->pct_change = (b->close / lo - 1.0) * 100.0;
						e->level = lo;
					}
				}
			}
		}

		/* 5. opening range break */
		if (c->orb_enabled && b->session == SESSION_RTH && b->ts >= or_end &&
			or_high > -INFINITY && has_x && b->vol_x >= c->orb_x)
		{
			if (!orb_up_done && b->close >= or_high * (1.0 + c->orb_breakout / 100.0))
			{
				e = new_event(d, i, EV_OPENING_RANGE_BREAK, true);
				e->pct_change = (b->close / or_high - 1.0) * 100.0;
				e->level = or_high;
				orb_up_done = true;
			}
			if (!orb_down_done && b->close <= or_low * (1.0 - c->orb_breakout / 100.0))
			{
				e = new_event(d, i, EV_OPENING_RANGE_BREAK, false);
				e->pct_change = (b->close / or_low - 1.0) * 100.0;
				e->level = or_low;
				orb_down_done = true;
			}
		}

		/* 6. tape speed */
		if (c->ts_enabled && !isnan(b->trans_x) &&
			b->transactions >= c->ts_min_n && b->trans_x >= c->ts_x)
		{
			bool		up = b->close >= b->open;

			fire[EV_TAPE_SPEED][up] = true;
			if (!prev_fire[EV_TAPE_SPEED][up])
			{
				e = new_event(d, i, EV_TAPE_SPEED, up);
				e->spike_x = b->trans_x;
			}
		}

		/* 7. flush */
		if (c->fl_enabled && has_x && i > 0 &&
			b->close <= b->hod * (1.0 - c->fl_drop / 100.0) &&
			b->hod_ts >= b->ts - c->fl_window_us &&
			b->vol_x >= c->fl_x && b->red_streak >= c->fl_red &&
			b->volume > bars[i - 1].volume)
		{
			fire[EV_FLUSH][0] = true;
			if (!prev_fire[EV_FLUSH][0])
			{
				e = new_event(d, i, EV_FLUSH, false);
				e->pct_change = (b->close / b->hod - 1.0) * 100.0;
				e->level = b->hod;
			}
		}

		memcpy(prev_fire, fire, sizeof(fire));
	}

	for (int k = 0; k < d->nevents; k++)
		score_event(c, &d->events[k]);
}

/*
 * dedup_day
 *		Among events of one type within the dedup window, drop those scoring
 *		more than keep_both_within_pct below a kept one.  Highest scores are
 *		considered first.
 */
static void
dedup_day(Detector *d)
{
	int			n = d->nevents;
	int		   *order = palloc(sizeof(int) * Max(1, n));

	for (int i = 0; i < n; i++)
		order[i] = i;
	/* by score, descending; ties by time */
	for (int i = 1; i < n; i++)
	{
		int			x = order[i];
		int			j = i - 1;

		while (j >= 0 &&
			   (d->events[order[j]].score < d->events[x].score ||
				(d->events[order[j]].score == d->events[x].score &&
				 d->events[order[j]].ts > d->events[x].ts)))
		{
			order[j + 1] = order[j];
			j--;
		}
		order[j + 1] = x;
	}
	for (int i = 0; i < n; i++)
	{
		IEvent	   *e = &d->events[order[i]];

		if (e->dropped)
			continue;
		for (int j = 0; j < i; j++)
		{
			IEvent	   *k = &d->events[order[j]];

			if (k->dropped || k->type != e->type)
				continue;
			if (llabs(k->ts - e->ts) <= d->cfg.dedup_window_us &&
				e->score < k->score * (1.0 - d->cfg.dedup_keep_pct / 100.0))
			{
				e->dropped = true;
				break;
			}
		}
	}
	pfree(order);
}

/*
 * emit_day
 *		Filter and return the kept events of the ticker-day, in time order.
 */
static void
emit_day(Detector *d, double day_dv)
{
	const IntradayConfig *c = &d->cfg;

	for (int k = 0; k < d->nevents; k++)
	{
		IEvent	   *e = &d->events[k];
		Datum		values[16];
		bool		nulls[16];
		IBar	   *b = NULL;

		if (e->dropped)
			continue;
		for (int i = 0; i < d->nbars; i++)
		{
			if (d->bars[i].ts == e->ts)
			{
				b = &d->bars[i];
				break;
			}
		}
		Assert(b != NULL);

		/* filters */
		if (e->close < c->min_price || e->close > c->max_price)
			continue;
		if (day_dv < (e->up ? c->min_day_dv : c->min_day_dv_bear))
			continue;
		if (!isnan(b->float_shares) && b->float_shares < (e->up ? c->min_float : c->min_float_bear))
			continue;
		if (!e->up && !isnan(b->si_pct) && b->si_pct > c->max_si_pct)
			continue;
		if (!e->up && !isnan(b->dtc) && b->dtc > c->max_dtc)
			continue;

		memset(nulls, false, sizeof(nulls));
		values[0] = CStringGetTextDatum(d->ticker);
		values[1] = TimestampTzGetDatum(e->ts);
		values[2] = DateADTGetDatum(d->day.date);
		values[3] = CStringGetTextDatum(event_type_names[e->type]);
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
		tuplestore_putvalues(d->out, d->outdesc, values, nulls);
	}
}

/*
 * finish_day
 *		Detect, deduplicate and emit the events of the buffered ticker-day,
 *		then fold the day into the ticker's daily ATR.
 */
static void
finish_day(Detector *d)
{
	double		day_dv = 0;
	double		high = -INFINITY,
				low = INFINITY;

	if (d->nbars > 0)
	{
		for (int i = 0; i < d->nbars; i++)
		{
			day_dv += d->bars[i].price * d->bars[i].volume;
			high = Max(high, d->bars[i].high);
			low = Min(low, d->bars[i].low);
		}
		detect_day(d);
		dedup_day(d);
		/* events sorted by time, then type */
		for (int i = 1; i < d->nevents; i++)
		{
			IEvent		x = d->events[i];
			int			j = i - 1;

			while (j >= 0 && (d->events[j].ts > x.ts ||
							  (d->events[j].ts == x.ts && d->events[j].type > x.type)))
			{
				d->events[j + 1] = d->events[j];
				j--;
			}
			d->events[j + 1] = x;
		}
		emit_day(d, day_dv);

		/* the day's bar feeds the daily ATR used from the next day on */
		if (wilder_atr_add(&d->atr, high, low, d->bars[d->nbars - 1].close, &d->atr_value) == false)
			d->atr_value = NAN;
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
 * tape_detect_intraday
 *		tape.detect_intraday_internal(bars_query, merged config).
 */
Datum
tape_detect_intraday(PG_FUNCTION_ARGS)
{
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *config = PG_GETARG_JSONB_P(1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Detector	d;
	BarSource	src;
	BarRow		row;

	InitMaterializedSRF(fcinfo, 0);
	memset(&d, 0, sizeof(d));
	read_config(&d.cfg, config);
	d.out = rsinfo->setResult;
	d.outdesc = rsinfo->setDesc;
	d.day_cxt = AllocSetContextCreate(CurrentMemoryContext, "tape detect_intraday day",
									  ALLOCSET_DEFAULT_SIZES);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	barsource_open(&src, "tape.detect_intraday", query, false, rsinfo->setResult);
	while (barsource_next(&src, &row))
	{
		if (d.ticker == NULL || strcmp(d.ticker, row.ticker) != 0)
		{
			finish_day(&d);
			start_ticker(&d, row.ticker);
		}
		else if (d.nbars > 0 && row.ts >= d.day.next_midnight)
			finish_day(&d);
		add_bar(&d, &row);
	}
	finish_day(&d);
	barsource_close(&src);
	SPI_finish();
	MemoryContextDelete(d.day_cxt);
	return (Datum) 0;
}
