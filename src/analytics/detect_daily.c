/*-------------------------------------------------------------------------
 *
 * detect_daily.c
 *		Stage-1 and the daily events E1-E11 over day bars.
 *
 * tape.detect_daily(bars_query, config) reads day bars in (ticker, day)
 * order and judges each day on itself and the days before it (no
 * look-ahead).  Per ticker it keeps a few running figures and a window of
 * recent days, never the whole history.
 *
 * Measures of a day t (percentages are percent, 5.0 = 5 %):
 *	change_pct   close_t / close_{t-1} - 1; a green day has change > 0, a red
 *				 day change < 0
 *	gap_pct      open_t / close_{t-1} - 1
 *	rvol         volume_t / mean volume of the previous rvol_days days
 *	atr_pct      Wilder's ATR(atr_days) through t, over close_t
 *	dollar vol.  vwap_t * volume_t (the typical price when there is no vwap)
 *
 * Events (every threshold in tape.default_config()->'daily'):
 *	stage1      (gap_pct >= min_gap_pct, or atr_pct at or above the ticker's
 *				 own atr_pct_percentile of its previous atr_pct_history_days
 *				 days, at least atr_pct_min_history_days of them) and rvol >=
 *				 min_rvol and dollar volume >= min_dollar_volume
 *	E1  volume explosion       rvol >= min_rvol, dollar volume >= min
 *	E2  gap up                 gap_pct >= min_gap_pct, rvol >= min_rvol, dollar volume >= min
 *	E3  intraday price spike   high / open - 1 >= min_high_over_open_pct, dollar volume >= min
 *	E4  parabolic move         close / close `days` days earlier - 1 >= min_change_pct,
 *							   at least min_green_days green days among those days,
 *							   rvol >= min_rvol; the first day of such a run
 *	E5  breakout to ATH        close above every high before it, after at least
 *							   min_history_days days of history, rvol >= min_rvol;
 *							   not if the day before also closed at a record
 *	E6  multiple green days    the min_days-th green day in a row (once per streak)
 *	E7  first red day          a red day after at least min_prior_green_days green
 *							   days that rose at least min_run_pct in all
 *	E8  violent gap down       gap_pct <= max_gap_pct, rvol >= min_rvol
 *	E9  intraday crash         low / open - 1 <= max_low_under_open_pct
 *	E10 first green bounce     a green day after at least min_prior_red_days red
 *							   days that fell at least min_decline_pct in all
 *	E11 volume bounce          a green day with rvol >= min_rvol whose previous close
 *							   was at least min_drawdown_pct below the highest close
 *							   of the lookback_days days before
 * Every event needs close within [filters.min_price, filters.max_price].
 * Each type has a capture window of `window` trading days either side.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/analytics/detect_daily.c
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
#include "utils/tuplestore.h"

#define HISTORY_DAYS 512		/* the window of recent days kept per ticker */

typedef enum DailyEventType
{
	DE_STAGE1,
	DE_E1,
	DE_E2,
	DE_E3,
	DE_E4,
	DE_E5,
	DE_E6,
	DE_E7,
	DE_E8,
	DE_E9,
	DE_E10,
	DE_E11,
	DE_NTYPES
} DailyEventType;

static const char *const daily_names[DE_NTYPES] = {
	"stage1", "E1_volume_explosion", "E2_gap_up", "E3_intraday_price_spike",
	"E4_parabolic_move", "E5_breakout_ath", "E6_multiple_green_days",
	"E7_first_red_day", "E8_violent_gap_down", "E9_intraday_crash",
	"E10_first_green_bounce", "E11_volume_bounce"
};

typedef struct DailyConfig
{
	double		min_price,
				max_price;
	int			rvol_days,
				atr_days,
				pct_history,
				pct_min_history;
	double		percentile;
	bool		enabled[DE_NTYPES];
	int			window[DE_NTYPES];
	double		s1_gap,
				s1_rvol,
				s1_dv;
	double		e1_rvol,
				e1_dv;
	double		e2_gap,
				e2_rvol,
				e2_dv;
	double		e3_spike,
				e3_dv;
	int			e4_days,
				e4_green;
	double		e4_change,
				e4_rvol;
	int			e5_history;
	double		e5_rvol;
	int			e6_days;
	int			e7_green;
	double		e7_run;
	double		e8_gap,
				e8_rvol;
	double		e9_crash;
	int			e10_red;
	double		e10_decline;
	int			e11_lookback;
	double		e11_drawdown,
				e11_rvol;
} DailyConfig;

typedef struct DDay
{
	DateADT		day;
	double		open,
				high,
				low,
				close,
				volume;
} DDay;

typedef struct TickerHistory
{
	char	   *ticker;
	DDay	   *days;			/* ring of the last HISTORY_DAYS days */
	int			ndays;			/* days in the ring */
	int			head;			/* next slot */
	int64		total_days;		/* days seen in all */
	RollingMean *volumes;		/* previous rvol_days volumes */
	WilderAtr	atr;
	double	   *atr_sorted;		/* previous atr_pct values, sorted */
	double	   *atr_fifo;		/* the same, in arrival order (ring) */
	int			atr_n;
	int			atr_head;
	double		max_high;		/* highest high before today */
	bool		prev_e4;		/* yesterday qualified as a parabolic move */
	bool		prev_e5;		/* yesterday closed at an all-time high */
	int			green_streak;
	int			red_streak;
	double		streak_base;	/* close before the current streak began */
} TickerHistory;

PG_FUNCTION_INFO_V1(tape_detect_daily);

static void
read_daily_config(DailyConfig *c, Jsonb *j)
{
#define NUM(p) config_number(j, p)
	char		path[128];

	c->min_price = NUM("filters.min_price");
	c->max_price = NUM("filters.max_price");
	c->rvol_days = (int) NUM("rvol_days");
	c->atr_days = (int) NUM("atr_days");
	c->percentile = NUM("atr_pct_percentile");
	c->pct_history = (int) NUM("atr_pct_history_days");
	c->pct_min_history = (int) NUM("atr_pct_min_history_days");
	if (c->rvol_days < 1 || c->rvol_days > 10000 || c->atr_days < 1 || c->atr_days > 10000 ||
		c->pct_history < 1 || c->pct_history > HISTORY_DAYS ||
		c->percentile < 0 || c->percentile > 100)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid daily configuration"),
				 errdetail("rvol_days and atr_days must be between 1 and 10000, atr_pct_history_days between 1 and %d, atr_pct_percentile between 0 and 100.",
						   HISTORY_DAYS)));

	for (int t = 0; t < DE_NTYPES; t++)
	{
		snprintf(path, sizeof(path), "%s.window", daily_names[t]);
		c->window[t] = (int) NUM(path);
		if (c->window[t] < 0 || c->window[t] > 1000)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("configuration key \"%s\" must be between 0 and 1000", path)));
		if (t == DE_STAGE1)
			c->enabled[t] = true;
		else
		{
			snprintf(path, sizeof(path), "%s.enabled", daily_names[t]);
			c->enabled[t] = config_bool(j, path);
		}
	}
	c->s1_gap = NUM("stage1.min_gap_pct");
	c->s1_rvol = NUM("stage1.min_rvol");
	c->s1_dv = NUM("stage1.min_dollar_volume");
	c->e1_rvol = NUM("E1_volume_explosion.min_rvol");
	c->e1_dv = NUM("E1_volume_explosion.min_dollar_volume");
	c->e2_gap = NUM("E2_gap_up.min_gap_pct");
	c->e2_rvol = NUM("E2_gap_up.min_rvol");
	c->e2_dv = NUM("E2_gap_up.min_dollar_volume");
	c->e3_spike = NUM("E3_intraday_price_spike.min_high_over_open_pct");
	c->e3_dv = NUM("E3_intraday_price_spike.min_dollar_volume");
	c->e4_days = (int) NUM("E4_parabolic_move.days");
	c->e4_change = NUM("E4_parabolic_move.min_change_pct");
	c->e4_green = (int) NUM("E4_parabolic_move.min_green_days");
	c->e4_rvol = NUM("E4_parabolic_move.min_rvol");
	c->e5_history = (int) NUM("E5_breakout_ath.min_history_days");
	c->e5_rvol = NUM("E5_breakout_ath.min_rvol");
	c->e6_days = (int) NUM("E6_multiple_green_days.min_days");
	c->e7_green = (int) NUM("E7_first_red_day.min_prior_green_days");
	c->e7_run = NUM("E7_first_red_day.min_run_pct");
	c->e8_gap = NUM("E8_violent_gap_down.max_gap_pct");
	c->e8_rvol = NUM("E8_violent_gap_down.min_rvol");
	c->e9_crash = NUM("E9_intraday_crash.max_low_under_open_pct");
	c->e10_red = (int) NUM("E10_first_green_bounce.min_prior_red_days");
	c->e10_decline = NUM("E10_first_green_bounce.min_decline_pct");
	c->e11_lookback = (int) NUM("E11_volume_bounce.lookback_days");
	c->e11_drawdown = NUM("E11_volume_bounce.min_drawdown_pct");
	c->e11_rvol = NUM("E11_volume_bounce.min_rvol");
	if (c->e4_days < 1 || c->e4_days >= HISTORY_DAYS || c->e11_lookback < 1 ||
		c->e11_lookback >= HISTORY_DAYS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("E4_parabolic_move.days and E11_volume_bounce.lookback_days must be between 1 and %d",
						HISTORY_DAYS - 1)));
#undef NUM
}

/* the day k days before the newest (k = 0: the newest) */
static inline DDay *
day_back(TickerHistory *h, int k)
{
	return &h->days[(h->head - 1 - k + 2 * HISTORY_DAYS) % HISTORY_DAYS];
}

static void
reset_history(TickerHistory *h, const DailyConfig *c, const char *ticker)
{
	MemoryContext old = MemoryContextSwitchTo(CurTransactionContext);

	if (h->ticker)
		pfree(h->ticker);
	h->ticker = pstrdup(ticker);
	if (h->days == NULL)
	{
		h->days = palloc(sizeof(DDay) * HISTORY_DAYS);
		h->volumes = palloc(ROLLING_MEAN_SIZE(c->rvol_days));
		h->atr_sorted = palloc(sizeof(double) * c->pct_history);
		h->atr_fifo = palloc(sizeof(double) * c->pct_history);
	}
	h->ndays = 0;
	h->head = 0;
	h->total_days = 0;
	rolling_mean_init(h->volumes, c->rvol_days);
	wilder_atr_init(&h->atr, c->atr_days);
	h->atr_n = 0;
	h->atr_head = 0;
	h->max_high = -INFINITY;
	h->prev_e4 = false;
	h->prev_e5 = false;
	h->green_streak = 0;
	h->red_streak = 0;
	h->streak_base = NAN;
	MemoryContextSwitchTo(old);
}

/* the p-th percentile (nearest rank) of the sorted previous atr_pct values */
static double
atr_percentile(TickerHistory *h, double p)
{
	int			rank = (int) ceil(p / 100.0 * h->atr_n);

	if (rank < 1)
		rank = 1;
	return h->atr_sorted[rank - 1];
}

/* remember an atr_pct value, keeping at most cap of them */
static void
atr_remember(TickerHistory *h, int cap, double v)
{
	int			pos;

	if (h->atr_n == cap)
	{
		/* forget the oldest */
		double		old = h->atr_fifo[h->atr_head];
		int			k = 0;

		while (k < h->atr_n && h->atr_sorted[k] != old)
			k++;
		memmove(&h->atr_sorted[k], &h->atr_sorted[k + 1], sizeof(double) * (h->atr_n - k - 1));
		h->atr_n--;
	}
	h->atr_fifo[h->atr_head] = v;
	h->atr_head = (h->atr_head + 1) % cap;
	pos = h->atr_n;
	while (pos > 0 && h->atr_sorted[pos - 1] > v)
	{
		h->atr_sorted[pos] = h->atr_sorted[pos - 1];
		pos--;
	}
	h->atr_sorted[pos] = v;
	h->atr_n++;
}

static void
emit(Tuplestorestate *out, TupleDesc desc, const DailyConfig *c, const char *ticker,
	 DDay *t, DailyEventType type, bool up, double dv, double gap, double change,
	 double rvol, double atr_pct)
{
	Datum		values[15];
	bool		nulls[15];
	int			w = c->window[type];

	memset(nulls, false, sizeof(nulls));
	values[0] = CStringGetTextDatum(ticker);
	values[1] = DateADTGetDatum(t->day);
	values[2] = CStringGetTextDatum(daily_names[type]);
	values[3] = CStringGetTextDatum(up ? "up" : "down");
	values[4] = Float8GetDatum(t->close);
	values[5] = Float8GetDatum(t->volume);
	values[6] = Float8GetDatum(dv);
#define SET_F8(idx, x) do { if (isnan(x)) nulls[idx] = true; else values[idx] = Float8GetDatum(x); } while (0)
	SET_F8(7, gap);
	SET_F8(8, change);
	SET_F8(9, rvol);
	SET_F8(10, atr_pct);
#undef SET_F8
	values[11] = Int32GetDatum(w);
	values[12] = Int32GetDatum(w);
	values[13] = DateADTGetDatum(calendar_add_trading_days(t->day, -w));
	values[14] = DateADTGetDatum(calendar_add_trading_days(t->day, w));
	tuplestore_putvalues(out, desc, values, nulls);
}

/*
 * judge_day
 *		Add day t to the ticker's history and emit its events.
 */
static void
judge_day(TickerHistory *h, const DailyConfig *c, const BarRow *row,
		  Tuplestorestate *out, TupleDesc desc)
{
	DDay	   *prev = h->ndays > 0 ? day_back(h, 0) : NULL;
	DDay		t;
	double		price = isnan(row->v[BC_VWAP]) ?
		(row->v[BC_HIGH] + row->v[BC_LOW] + row->v[BC_CLOSE]) / 3.0 : row->v[BC_VWAP];
	double		dv,
				gap = NAN,
				change = NAN,
				rvol = NAN,
				atr_pct = NAN,
				mean,
				atr,
				p = NAN;
	bool		fire[DE_NTYPES];
	bool		dir_up[DE_NTYPES];
	bool		green,
				red;
	int			prior_green = h->green_streak;
	int			prior_red = h->red_streak;
	double		prior_base = h->streak_base;
	double		prior_max_high = h->max_high;

	t.day = row->day;
	t.open = row->v[BC_OPEN];
	t.high = row->v[BC_HIGH];
	t.low = row->v[BC_LOW];
	t.close = row->v[BC_CLOSE];
	t.volume = row->v[BC_VOLUME];
	dv = price * t.volume;

	if (prev && prev->close > 0)
	{
		gap = (t.open / prev->close - 1.0) * 100.0;
		change = (t.close / prev->close - 1.0) * 100.0;
	}
	if (rolling_mean_full(h->volumes, &mean) && mean > 0)
		rvol = t.volume / mean;
	rolling_mean_add(h->volumes, t.volume);
	if (wilder_atr_add(&h->atr, t.high, t.low, t.close, &atr) && t.close > 0)
		atr_pct = atr / t.close * 100.0;
	if (h->atr_n >= c->pct_min_history)
		p = atr_percentile(h, c->percentile);

	green = !isnan(change) && change > 0;
	red = !isnan(change) && change < 0;

	memset(fire, 0, sizeof(fire));
	memset(dir_up, true, sizeof(dir_up));

	/* stage 1 */
	if (((!isnan(gap) && gap >= c->s1_gap) || (!isnan(atr_pct) && !isnan(p) && atr_pct >= p)) &&
		!isnan(rvol) && rvol >= c->s1_rvol && dv >= c->s1_dv)
	{
		fire[DE_STAGE1] = true;
		dir_up[DE_STAGE1] = isnan(change) || change >= 0;
	}
	/* E1 volume explosion */
	if (!isnan(rvol) && rvol >= c->e1_rvol && dv >= c->e1_dv)
	{
		fire[DE_E1] = true;
		dir_up[DE_E1] = isnan(change) || change >= 0;
	}
	/* E2 gap up */
	if (!isnan(gap) && gap >= c->e2_gap && !isnan(rvol) && rvol >= c->e2_rvol && dv >= c->e2_dv)
		fire[DE_E2] = true;
	/* E3 intraday price spike */
	if (t.open > 0 && (t.high / t.open - 1.0) * 100.0 >= c->e3_spike && dv >= c->e3_dv)
		fire[DE_E3] = true;
	/* E4 parabolic move */
	if (h->ndays >= c->e4_days && !isnan(rvol) && rvol >= c->e4_rvol)
	{
		DDay	   *base = day_back(h, c->e4_days - 1);
		int			greens = green ? 1 : 0;

		for (int k = 0; k < c->e4_days - 1; k++)
		{
			DDay	   *a = day_back(h, k);
			DDay	   *b = day_back(h, k + 1);

			if (a->close > b->close)
				greens++;
		}
		if (base->close > 0 && (t.close / base->close - 1.0) * 100.0 >= c->e4_change &&
			greens >= c->e4_green)
			fire[DE_E4] = true;
	}
	/* E5 breakout to an all-time high */
	if (h->total_days >= c->e5_history && t.close > prior_max_high &&
		!isnan(rvol) && rvol >= c->e5_rvol)
		fire[DE_E5] = true;
	/* multi-day patterns: the first day of a run only */
	{
		bool		e4 = fire[DE_E4];
		bool		e5 = t.close > prior_max_high;

		if (h->prev_e4)
			fire[DE_E4] = false;
		if (h->prev_e5)
			fire[DE_E5] = false;
		h->prev_e4 = e4;
		h->prev_e5 = e5;
	}

	/* streaks */
	if (green)
	{
		if (h->green_streak == 0)
			h->streak_base = prev->close;
		h->green_streak++;
		h->red_streak = 0;
	}
	else if (red)
	{
		if (h->red_streak == 0)
			h->streak_base = prev->close;
		h->red_streak++;
		h->green_streak = 0;
	}
	else
	{
		h->green_streak = 0;
		h->red_streak = 0;
	}

	/* E6 multiple green days */
	if (green && h->green_streak == c->e6_days)
		fire[DE_E6] = true;
	/* E7 first red day after a run */
	if (red && prior_green >= c->e7_green && prior_base > 0 &&
		(prev->close / prior_base - 1.0) * 100.0 >= c->e7_run)
	{
		fire[DE_E7] = true;
		dir_up[DE_E7] = false;
	}
	/* E8 violent gap down */
	if (!isnan(gap) && gap <= c->e8_gap && !isnan(rvol) && rvol >= c->e8_rvol)
	{
		fire[DE_E8] = true;
		dir_up[DE_E8] = false;
	}
	/* E9 intraday crash */
	if (t.open > 0 && (t.low / t.open - 1.0) * 100.0 <= c->e9_crash)
	{
		fire[DE_E9] = true;
		dir_up[DE_E9] = false;
	}
	/* E10 first green bounce after a decline */
	if (green && prior_red >= c->e10_red && prior_base > 0 &&
		(prev->close / prior_base - 1.0) * 100.0 <= -c->e10_decline)
		fire[DE_E10] = true;
	/* E11 volume bounce off a drawdown */
	if (green && !isnan(rvol) && rvol >= c->e11_rvol && h->ndays >= c->e11_lookback)
	{
		double		top = -INFINITY;

		for (int k = 0; k < c->e11_lookback; k++)
			top = Max(top, day_back(h, k)->close);
		if (top > 0 && (prev->close / top - 1.0) * 100.0 <= -c->e11_drawdown)
			fire[DE_E11] = true;
	}

	/* remember the day */
	h->days[h->head] = t;
	h->head = (h->head + 1) % HISTORY_DAYS;
	if (h->ndays < HISTORY_DAYS)
		h->ndays++;
	h->total_days++;
	h->max_high = Max(h->max_high, t.high);
	if (!isnan(atr_pct))
		atr_remember(h, c->pct_history, atr_pct);

	if (t.close < c->min_price || t.close > c->max_price)
		return;
	for (int type = 0; type < DE_NTYPES; type++)
	{
		if (fire[type] && c->enabled[type])
			emit(out, desc, c, h->ticker, &t, type, dir_up[type], dv, gap, change, rvol, atr_pct);
	}
}

/*
 * tape_detect_daily
 *		tape.detect_daily_internal(bars_query, merged config).
 */
Datum
tape_detect_daily(PG_FUNCTION_ARGS)
{
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *config = PG_GETARG_JSONB_P(1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	DailyConfig cfg;
	TickerHistory h;
	BarSource	src;
	BarRow		row;

	InitMaterializedSRF(fcinfo, 0);
	read_daily_config(&cfg, config);
	memset(&h, 0, sizeof(h));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	barsource_open(&src, "tape.detect_daily", query, true, rsinfo->setResult);
	while (barsource_next(&src, &row))
	{
		if (h.ticker == NULL || strcmp(h.ticker, row.ticker) != 0)
			reset_history(&h, &cfg, row.ticker);
		judge_day(&h, &cfg, &row, rsinfo->setResult, rsinfo->setDesc);
	}
	barsource_close(&src);
	SPI_finish();
	return (Datum) 0;
}
