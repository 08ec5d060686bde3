/*-------------------------------------------------------------------------
 *
 * detect_daily.c
 *		Stage-1 and the daily events E1-E11 over day bars.
 *
 * Two entry points share one engine:
 *
 *	tape.detect_daily(bars_query, config) reads day bars in (ticker, day)
 *		order through a cursor;
 *	tape.daily_events(bars_row, config ORDER BY day) is an aggregate over
 *		the day bars of one ticker (GROUP BY ticker), which runs where the
 *		ticker's rows are (on the workers of a table distributed by ticker).
 *
 * Each day is judged on itself and the days before it (no look-ahead).  Per
 * ticker the engine keeps a few running figures and a window of recent
 * days, never the whole history.  Each event is a function of the table
 * `rules`; its thresholds are keys of tape.default_config()->'daily', read
 * through the table daily_keys.
 *
 * Measures of a day t (percentages are percent, 5.0 = 5 %):
 *	change_pct   close_t / close_{t-1} - 1; a green day has change > 0, a red
 *				 day change < 0
 *	gap_pct      open_t / close_{t-1} - 1
 *	rvol         volume_t / mean volume of the previous rvol_days days
 *	atr_pct      Wilder's ATR(atr_days) through t, over close_t
 *	dollar vol.  vwap_t * volume_t (the typical price when there is no vwap)
 *
 * The rules are written out in docs/analytics.md ("Daily detectors").
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
#include "history_gaps.h"
#include "indicators.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

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

#define KEY(path, kind, field, min, max) {path, kind, offsetof(DailyConfig, field), min, max, false}
#define ANY_POSITIVE INFINITY

/* every numeric and boolean key of the daily section, with its range */
static const ConfigKey daily_keys[] = {
	KEY("filters.min_price", CV_NUMBER, min_price, 0, ANY_POSITIVE),
	KEY("filters.max_price", CV_NUMBER, max_price, 0, ANY_POSITIVE),
	KEY("rvol_days", CV_WHOLE, rvol_days, 1, 10000),
	KEY("atr_days", CV_WHOLE, atr_days, 1, 10000),
	KEY("atr_pct_percentile", CV_NUMBER, percentile, 0, 100),
	KEY("atr_pct_history_days", CV_WHOLE, pct_history, 1, HISTORY_DAYS),
	KEY("atr_pct_min_history_days", CV_WHOLE, pct_min_history, 1, HISTORY_DAYS),

	KEY("stage1.min_gap_pct", CV_NUMBER, s1_gap, 0, ANY_POSITIVE),
	KEY("stage1.min_rvol", CV_NUMBER, s1_rvol, 0, ANY_POSITIVE),
	KEY("stage1.min_dollar_volume", CV_NUMBER, s1_dv, 0, ANY_POSITIVE),
	KEY("stage1.window", CV_WHOLE, window[DE_STAGE1], 0, 1000),

	KEY("E1_volume_explosion.enabled", CV_BOOL, enabled[DE_E1], 0, 0),
	KEY("E1_volume_explosion.min_rvol", CV_NUMBER, e1_rvol, 0, ANY_POSITIVE),
	KEY("E1_volume_explosion.min_dollar_volume", CV_NUMBER, e1_dv, 0, ANY_POSITIVE),
	KEY("E1_volume_explosion.window", CV_WHOLE, window[DE_E1], 0, 1000),

	KEY("E2_gap_up.enabled", CV_BOOL, enabled[DE_E2], 0, 0),
	KEY("E2_gap_up.min_gap_pct", CV_NUMBER, e2_gap, 0, ANY_POSITIVE),
	KEY("E2_gap_up.min_rvol", CV_NUMBER, e2_rvol, 0, ANY_POSITIVE),
	KEY("E2_gap_up.min_dollar_volume", CV_NUMBER, e2_dv, 0, ANY_POSITIVE),
	KEY("E2_gap_up.window", CV_WHOLE, window[DE_E2], 0, 1000),

	KEY("E3_intraday_price_spike.enabled", CV_BOOL, enabled[DE_E3], 0, 0),
	KEY("E3_intraday_price_spike.min_high_over_open_pct", CV_NUMBER, e3_spike, 0, ANY_POSITIVE),
	KEY("E3_intraday_price_spike.min_dollar_volume", CV_NUMBER, e3_dv, 0, ANY_POSITIVE),
	KEY("E3_intraday_price_spike.window", CV_WHOLE, window[DE_E3], 0, 1000),

	KEY("E4_parabolic_move.enabled", CV_BOOL, enabled[DE_E4], 0, 0),
	KEY("E4_parabolic_move.days", CV_WHOLE, e4_days, 1, HISTORY_DAYS - 1),
	KEY("E4_parabolic_move.min_change_pct", CV_NUMBER, e4_change, 0, ANY_POSITIVE),
	KEY("E4_parabolic_move.min_green_days", CV_WHOLE, e4_green, 0, HISTORY_DAYS - 1),
	KEY("E4_parabolic_move.min_rvol", CV_NUMBER, e4_rvol, 0, ANY_POSITIVE),
	KEY("E4_parabolic_move.window", CV_WHOLE, window[DE_E4], 0, 1000),

	KEY("E5_breakout_ath.enabled", CV_BOOL, enabled[DE_E5], 0, 0),
	KEY("E5_breakout_ath.min_history_days", CV_WHOLE, e5_history, 0, 100000),
	KEY("E5_breakout_ath.min_rvol", CV_NUMBER, e5_rvol, 0, ANY_POSITIVE),
	KEY("E5_breakout_ath.window", CV_WHOLE, window[DE_E5], 0, 1000),

	KEY("E6_multiple_green_days.enabled", CV_BOOL, enabled[DE_E6], 0, 0),
	KEY("E6_multiple_green_days.min_days", CV_WHOLE, e6_days, 1, 10000),
	KEY("E6_multiple_green_days.window", CV_WHOLE, window[DE_E6], 0, 1000),

	KEY("E7_first_red_day.enabled", CV_BOOL, enabled[DE_E7], 0, 0),
	KEY("E7_first_red_day.min_prior_green_days", CV_WHOLE, e7_green, 1, 10000),
	KEY("E7_first_red_day.min_run_pct", CV_NUMBER, e7_run, 0, ANY_POSITIVE),
	KEY("E7_first_red_day.window", CV_WHOLE, window[DE_E7], 0, 1000),

	KEY("E8_violent_gap_down.enabled", CV_BOOL, enabled[DE_E8], 0, 0),
	KEY("E8_violent_gap_down.max_gap_pct", CV_NUMBER, e8_gap, -100, 0),
	KEY("E8_violent_gap_down.min_rvol", CV_NUMBER, e8_rvol, 0, ANY_POSITIVE),
	KEY("E8_violent_gap_down.window", CV_WHOLE, window[DE_E8], 0, 1000),

	KEY("E9_intraday_crash.enabled", CV_BOOL, enabled[DE_E9], 0, 0),
	KEY("E9_intraday_crash.max_low_under_open_pct", CV_NUMBER, e9_crash, -100, 0),
	KEY("E9_intraday_crash.window", CV_WHOLE, window[DE_E9], 0, 1000),

	KEY("E10_first_green_bounce.enabled", CV_BOOL, enabled[DE_E10], 0, 0),
	KEY("E10_first_green_bounce.min_prior_red_days", CV_WHOLE, e10_red, 1, 10000),
	KEY("E10_first_green_bounce.min_decline_pct", CV_NUMBER, e10_decline, 0, 100),
	KEY("E10_first_green_bounce.window", CV_WHOLE, window[DE_E10], 0, 1000),

	KEY("E11_volume_bounce.enabled", CV_BOOL, enabled[DE_E11], 0, 0),
	KEY("E11_volume_bounce.lookback_days", CV_WHOLE, e11_lookback, 1, HISTORY_DAYS - 1),
	KEY("E11_volume_bounce.min_drawdown_pct", CV_NUMBER, e11_drawdown, 0, 100),
	KEY("E11_volume_bounce.min_rvol", CV_NUMBER, e11_rvol, 0, ANY_POSITIVE),
	KEY("E11_volume_bounce.window", CV_WHOLE, window[DE_E11], 0, 1000),
};

#undef KEY

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

/* the measures of a day, and the history before it, as the rules see them */
typedef struct DayMeasures
{
	const DailyConfig *c;
	TickerHistory *h;			/* streaks already counting day t */
	const DDay *t;
	const DDay *prev;			/* the day before, or NULL */
	double		dv,
				gap,
				change,
				rvol,
				atr_pct,
				atr_pctile;		/* the ticker's atr_pct percentile, or NaN */
	bool		green,
				red;
	int			prior_green;	/* the streaks before day t */
	int			prior_red;
	double		prior_base;		/* the close before those streaks */
	double		prior_max_high; /* the highest high before day t */
} DayMeasures;

/* one daily event */
typedef struct DEvent
{
	DailyEventType type;
	bool		up;
	DDay		t;
	double		dv,
				gap,
				change,
				rvol,
				atr_pct;
} DEvent;

typedef struct DailyDetector DailyDetector;
typedef void (*DailySink) (DailyDetector *dd, const DEvent *e);

struct DailyDetector
{
	DailyConfig cfg;
	TickerHistory h;
	int64		ticker_no;		/* the number of h's ticker in the stream */
	MemoryContext cxt;
	DailySink	sink;
	void	   *sink_arg;
	DateADT		judge_from;		/* earlier days only warm the history */
	int64		days;			/* days judged */
	int64		days_without_rvol;
	int64		tickers_without_rvol;
	bool		ticker_without_rvol;	/* the current ticker has such a day */
};

/*
 * A rule: true when day t is an event of its type; *up is its direction
 * (preset to up).
 */
typedef bool (*DailyRule) (const DayMeasures *m, bool *up);

static bool rule_stage1(const DayMeasures *m, bool *up);
static bool rule_volume_explosion(const DayMeasures *m, bool *up);
static bool rule_gap_up(const DayMeasures *m, bool *up);
static bool rule_intraday_price_spike(const DayMeasures *m, bool *up);
static bool rule_parabolic_move(const DayMeasures *m, bool *up);
static bool rule_breakout_ath(const DayMeasures *m, bool *up);
static bool rule_multiple_green_days(const DayMeasures *m, bool *up);
static bool rule_first_red_day(const DayMeasures *m, bool *up);
static bool rule_violent_gap_down(const DayMeasures *m, bool *up);
static bool rule_intraday_crash(const DayMeasures *m, bool *up);
static bool rule_first_green_bounce(const DayMeasures *m, bool *up);
static bool rule_volume_bounce(const DayMeasures *m, bool *up);

/* the events: name, rule, and whether the rule needs RVOL */
static const struct
{
	const char *name;
	DailyRule	rule;
	bool		needs_rvol;
}			rules[DE_NTYPES] = {
	[DE_STAGE1] = {"stage1", rule_stage1, true},
	[DE_E1] = {"E1_volume_explosion", rule_volume_explosion, true},
	[DE_E2] = {"E2_gap_up", rule_gap_up, true},
	[DE_E3] = {"E3_intraday_price_spike", rule_intraday_price_spike, false},
	[DE_E4] = {"E4_parabolic_move", rule_parabolic_move, true},
	[DE_E5] = {"E5_breakout_ath", rule_breakout_ath, true},
	[DE_E6] = {"E6_multiple_green_days", rule_multiple_green_days, false},
	[DE_E7] = {"E7_first_red_day", rule_first_red_day, false},
	[DE_E8] = {"E8_violent_gap_down", rule_violent_gap_down, true},
	[DE_E9] = {"E9_intraday_crash", rule_intraday_crash, false},
	[DE_E10] = {"E10_first_green_bounce", rule_first_green_bounce, false},
	[DE_E11] = {"E11_volume_bounce", rule_volume_bounce, true},
};

PG_FUNCTION_INFO_V1(tape_detect_daily);
PG_FUNCTION_INFO_V1(tape_daily_events_step);
PG_FUNCTION_INFO_V1(tape_daily_events_final);

static void
read_daily_config(DailyConfig *c, Jsonb *j)
{
	config_read("daily", j, daily_keys, lengthof(daily_keys), c);
	c->enabled[DE_STAGE1] = true;
	if (c->max_price < c->min_price)
		config_out_of_range("daily", "filters.max_price", c->max_price, "at least filters.min_price");
	if (c->pct_min_history > c->pct_history)
		config_out_of_range("daily", "atr_pct_min_history_days", c->pct_min_history,
							"at most atr_pct_history_days");
	if (c->e4_green > c->e4_days)
		config_out_of_range("daily", "E4_parabolic_move.min_green_days", c->e4_green,
							"at most E4_parabolic_move.days");
}

/* ---------------------------------------------------------------------
 * The rules
 * ---------------------------------------------------------------------
 */

/* the day k days before the newest of the history (k = 0: the newest) */
static inline DDay *
day_back(TickerHistory *h, int k)
{
	return &h->days[(h->head - 1 - k + 2 * HISTORY_DAYS) % HISTORY_DAYS];
}

static inline bool
has(double x)
{
	return !isnan(x);
}

/* stage1: (gap or ATR % at the ticker's own percentile) and RVOL and dollar volume */
static bool
rule_stage1(const DayMeasures *m, bool *up)
{
	const DailyConfig *c = m->c;

	*up = !has(m->change) || m->change >= 0;
	return ((has(m->gap) && pct_at_least(m->t->open, m->prev->close, c->s1_gap)) ||
			(has(m->atr_pct) && has(m->atr_pctile) && m->atr_pct >= m->atr_pctile)) &&
		has(m->rvol) && m->rvol >= c->s1_rvol && m->dv >= c->s1_dv;
}

/* E1: RVOL and dollar volume */
static bool
rule_volume_explosion(const DayMeasures *m, bool *up)
{
	*up = !has(m->change) || m->change >= 0;
	return has(m->rvol) && m->rvol >= m->c->e1_rvol && m->dv >= m->c->e1_dv;
}

/* E2: a gap up on RVOL and dollar volume */
static bool
rule_gap_up(const DayMeasures *m, bool *up)
{
	const DailyConfig *c = m->c;

	return has(m->gap) && pct_at_least(m->t->open, m->prev->close, c->e2_gap) &&
		has(m->rvol) && m->rvol >= c->e2_rvol &&
		m->dv >= c->e2_dv;
}

/* E3: the high over the open */
static bool
rule_intraday_price_spike(const DayMeasures *m, bool *up)
{
	return m->t->open > 0 && pct_at_least(m->t->high, m->t->open, m->c->e3_spike) &&
		m->dv >= m->c->e3_dv;
}

/* a parabolic move: the close over the close `days` days before, with enough green days */
static bool
parabolic(const DayMeasures *m)
{
	const DailyConfig *c = m->c;
	TickerHistory *h = m->h;
	DDay	   *base;
	int			greens;

	if (h->ndays < c->e4_days || !has(m->rvol) || m->rvol < c->e4_rvol)
		return false;
	base = day_back(h, c->e4_days - 1);
	greens = m->green ? 1 : 0;
	/* bounded: E4_parabolic_move.days is below HISTORY_DAYS */
	for (int k = 0; k < c->e4_days - 1; k++)
	{
		if (day_back(h, k)->close > day_back(h, k + 1)->close)
			greens++;
	}
	return base->close > 0 && pct_at_least(m->t->close, base->close, c->e4_change) &&
		greens >= c->e4_green;
}

/* E4: the first day of a parabolic move */
static bool
rule_parabolic_move(const DayMeasures *m, bool *up)
{
	return parabolic(m) && !m->h->prev_e4;
}

/* E5: a close above every high before it, not when yesterday closed at a record */
static bool
rule_breakout_ath(const DayMeasures *m, bool *up)
{
	return m->h->total_days >= m->c->e5_history && m->t->close > m->prior_max_high &&
		has(m->rvol) && m->rvol >= m->c->e5_rvol && !m->h->prev_e5;
}

/* E6: the min_days-th green day in a row */
static bool
rule_multiple_green_days(const DayMeasures *m, bool *up)
{
	return m->green && m->h->green_streak == m->c->e6_days;
}

/* E7: a red day after a run of green days that rose enough */
static bool
rule_first_red_day(const DayMeasures *m, bool *up)
{
	*up = false;
	return m->red && m->prior_green >= m->c->e7_green && m->prior_base > 0 &&
		pct_at_least(m->prev->close, m->prior_base, m->c->e7_run);
}

/* E8: a gap down on RVOL */
static bool
rule_violent_gap_down(const DayMeasures *m, bool *up)
{
	*up = false;
	return has(m->gap) && pct_at_most(m->t->open, m->prev->close, m->c->e8_gap) &&
		has(m->rvol) && m->rvol >= m->c->e8_rvol;
}

/* E9: the low under the open */
static bool
rule_intraday_crash(const DayMeasures *m, bool *up)
{
	*up = false;
	return m->t->open > 0 && pct_at_most(m->t->low, m->t->open, m->c->e9_crash);
}

/* E10: a green day after a run of red days that fell enough */
static bool
rule_first_green_bounce(const DayMeasures *m, bool *up)
{
	return m->green && m->prior_red >= m->c->e10_red && m->prior_base > 0 &&
		pct_at_most(m->prev->close, m->prior_base, -m->c->e10_decline);
}

/* E11: a green day on RVOL whose previous close was deep under the recent top */
static bool
rule_volume_bounce(const DayMeasures *m, bool *up)
{
	const DailyConfig *c = m->c;
	double		top = -INFINITY;

	if (!m->green || !has(m->rvol) || m->rvol < c->e11_rvol || m->h->ndays < c->e11_lookback)
		return false;
	/* bounded: E11_volume_bounce.lookback_days is below HISTORY_DAYS */
	for (int k = 0; k < c->e11_lookback; k++)
		top = Max(top, day_back(m->h, k)->close);
	return top > 0 && pct_at_most(m->prev->close, top, -c->e11_drawdown);
}

/* ---------------------------------------------------------------------
 * The engine
 * ---------------------------------------------------------------------
 */

static void
daily_init(DailyDetector *dd, Jsonb *config, DailySink sink, void *sink_arg)
{
	TickerHistory *h = &dd->h;

	memset(dd, 0, sizeof(DailyDetector));
	dd->judge_from = DATEVAL_NOBEGIN;
	read_daily_config(&dd->cfg, config);
	dd->sink = sink;
	dd->sink_arg = sink_arg;
	dd->cxt = AllocSetContextCreate(CurrentMemoryContext, "tape daily detector", ALLOCSET_SMALL_SIZES);
	h->days = MemoryContextAlloc(dd->cxt, sizeof(DDay) * HISTORY_DAYS);
	h->volumes = MemoryContextAlloc(dd->cxt, ROLLING_MEAN_SIZE(dd->cfg.rvol_days));
	h->atr_sorted = MemoryContextAlloc(dd->cxt, sizeof(double) * dd->cfg.pct_history);
	h->atr_fifo = MemoryContextAlloc(dd->cxt, sizeof(double) * dd->cfg.pct_history);
}

static void
reset_history(DailyDetector *dd, const char *ticker)
{
	TickerHistory *h = &dd->h;

	if (h->ticker)
		pfree(h->ticker);
	h->ticker = MemoryContextStrdup(dd->cxt, ticker);
	dd->ticker_without_rvol = false;
	h->ndays = 0;
	h->head = 0;
	h->total_days = 0;
	rolling_mean_init(h->volumes, dd->cfg.rvol_days);
	wilder_atr_init(&h->atr, dd->cfg.atr_days);
	h->atr_n = 0;
	h->atr_head = 0;
	h->max_high = -INFINITY;
	h->prev_e4 = false;
	h->prev_e5 = false;
	h->green_streak = 0;
	h->red_streak = 0;
	h->streak_base = NAN;
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

		/* bounded: atr_pct_history_days, at most HISTORY_DAYS */
		while (k < h->atr_n && h->atr_sorted[k] != old)
			k++;
		memmove(&h->atr_sorted[k], &h->atr_sorted[k + 1], sizeof(double) * (h->atr_n - k - 1));
		h->atr_n--;
	}
	h->atr_fifo[h->atr_head] = v;
	h->atr_head = (h->atr_head + 1) % cap;
	pos = h->atr_n;
	/* bounded: atr_pct_history_days, at most HISTORY_DAYS */
	while (pos > 0 && h->atr_sorted[pos - 1] > v)
	{
		h->atr_sorted[pos] = h->atr_sorted[pos - 1];
		pos--;
	}
	h->atr_sorted[pos] = v;
	h->atr_n++;
}

/*
 * judge_day
 *		Measure day t against the ticker's history, hand over its events, and
 *		add it to the history.
 */
static void
judge_day(DailyDetector *dd, const BarRow *row)
{
	const DailyConfig *c = &dd->cfg;
	TickerHistory *h = &dd->h;
	DDay		t;
	DayMeasures m;
	double		price = isnan(row->v[BC_VWAP]) ?
		(row->v[BC_HIGH] + row->v[BC_LOW] + row->v[BC_CLOSE]) / 3.0 : row->v[BC_VWAP];
	double		mean,
				atr;
	bool		fire[DE_NTYPES];
	bool		up[DE_NTYPES];

	t.day = row->day;
	t.open = row->v[BC_OPEN];
	t.high = row->v[BC_HIGH];
	t.low = row->v[BC_LOW];
	t.close = row->v[BC_CLOSE];
	t.volume = row->v[BC_VOLUME];

	memset(&m, 0, sizeof(m));
	m.c = c;
	m.h = h;
	m.t = &t;
	m.prev = h->ndays > 0 ? day_back(h, 0) : NULL;
	m.dv = price * t.volume;
	m.gap = m.change = m.rvol = m.atr_pct = m.atr_pctile = NAN;
	if (m.prev && m.prev->close > 0)
	{
		m.gap = percent_change(t.open, m.prev->close);
		m.change = percent_change(t.close, m.prev->close);
	}
	if (rolling_mean_full(h->volumes, &mean) && mean > 0)
		m.rvol = t.volume / mean;
	rolling_mean_add(h->volumes, t.volume);
	if (wilder_atr_add(&h->atr, t.high, t.low, t.close, &atr) && t.close > 0)
		m.atr_pct = atr / t.close * 100.0;
	if (h->atr_n >= c->pct_min_history)
		m.atr_pctile = atr_percentile(h, c->percentile);
	m.green = has(m.change) && m.change > 0;
	m.red = has(m.change) && m.change < 0;
	m.prior_green = h->green_streak;
	m.prior_red = h->red_streak;
	m.prior_base = h->streak_base;
	m.prior_max_high = h->max_high;

	/* the streaks, counting day t */
	if (m.green)
	{
		if (h->green_streak == 0)
			h->streak_base = m.prev->close;
		h->green_streak++;
		h->red_streak = 0;
	}
	else if (m.red)
	{
		if (h->red_streak == 0)
			h->streak_base = m.prev->close;
		h->red_streak++;
		h->green_streak = 0;
	}
	else
	{
		h->green_streak = 0;
		h->red_streak = 0;
	}

	for (int type = 0; type < DE_NTYPES; type++)
	{
		up[type] = true;
		fire[type] = rules[type].rule(&m, &up[type]);
	}

	/* the multi-day patterns fire on the first day of a run */
	h->prev_e4 = parabolic(&m);
	h->prev_e5 = t.close > m.prior_max_high;

	/* remember the day */
	h->days[h->head] = t;
	h->head = (h->head + 1) % HISTORY_DAYS;
	if (h->ndays < HISTORY_DAYS)
		h->ndays++;
	h->total_days++;
	h->max_high = Max(h->max_high, t.high);
	if (has(m.atr_pct))
		atr_remember(h, c->pct_history, m.atr_pct);
	if (t.day < dd->judge_from)
		return;					/* a day of warm-up: history only */
	dd->days++;
	if (!has(m.rvol))
	{
		dd->days_without_rvol++;
		if (!dd->ticker_without_rvol)
			dd->tickers_without_rvol++;
		dd->ticker_without_rvol = true;
	}

	if (t.close < c->min_price || t.close > c->max_price)
		return;
	for (int type = 0; type < DE_NTYPES; type++)
	{
		if (fire[type] && c->enabled[type])
		{
			DEvent		e;

			e.type = type;
			e.up = up[type];
			e.t = t;
			e.dv = m.dv;
			e.gap = m.gap;
			e.change = m.change;
			e.rvol = m.rvol;
			e.atr_pct = m.atr_pct;
			dd->sink(dd, &e);
		}
	}
}

/* one day bar, in (ticker, day) order */
static void
daily_feed(DailyDetector *dd, const BarRow *row)
{
	if (dd->h.ticker == NULL || dd->ticker_no != row->ticker_no)
	{
		reset_history(dd, row->ticker);
		dd->ticker_no = row->ticker_no;
	}
	judge_day(dd, row);
}

/*
 * daily_values
 *		An event as the columns of tape.daily_event.
 */
#define DAILY_NATTS 15
static void
daily_values(const DailyConfig *c, const char *ticker, const DEvent *e, Datum *values, bool *nulls)
{
	int			w = c->window[e->type];

	memset(nulls, false, sizeof(bool) * DAILY_NATTS);
	values[0] = CStringGetTextDatum(ticker);
	values[1] = DateADTGetDatum(e->t.day);
	values[2] = CStringGetTextDatum(rules[e->type].name);
	values[3] = CStringGetTextDatum(e->up ? "up" : "down");
	values[4] = Float8GetDatum(e->t.close);
	values[5] = Float8GetDatum(e->t.volume);
	values[6] = Float8GetDatum(e->dv);
#define SET_F8(idx, x) do { if (isnan(x)) nulls[idx] = true; else values[idx] = Float8GetDatum(x); } while (0)
	SET_F8(7, e->gap);
	SET_F8(8, e->change);
	SET_F8(9, e->rvol);
	SET_F8(10, e->atr_pct);
#undef SET_F8
	values[11] = Int32GetDatum(w);
	values[12] = Int32GetDatum(w);
	values[13] = DateADTGetDatum(calendar_add_trading_days(e->t.day, -w));
	values[14] = DateADTGetDatum(calendar_add_trading_days(e->t.day, w));
}

/* ---------------------------------------------------------------------
 * tape.detect_daily(bars_query, config): over a query
 * ---------------------------------------------------------------------
 */

static void
sink_tuplestore(DailyDetector *dd, const DEvent *e)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) dd->sink_arg;
	Datum		values[DAILY_NATTS];
	bool		nulls[DAILY_NATTS];

	daily_values(&dd->cfg, dd->h.ticker, e, values, nulls);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * tape_detect_daily
 *		tape.detect_daily_internal(bars_query, merged config, judge_from):
 *		the days before judge_from (when not NULL) only warm the history.
 */
Datum
tape_detect_daily(PG_FUNCTION_ARGS)
{
	char	   *query;
	Jsonb	   *config;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	DailyDetector dd;
	BarSource	src;
	BarRow		row;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	config = PG_GETARG_JSONB_P(1);
	daily_init(&dd, config, sink_tuplestore, rsinfo);
	if (!PG_ARGISNULL(2))
		dd.judge_from = PG_GETARG_DATEADT(2);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	barsource_open(&src, "tape.detect_daily", query, true, rsinfo->setResult);
	while (barsource_next(&src, &row))
	{
		CHECK_FOR_INTERRUPTS();
		daily_feed(&dd, &row);
	}
	barsource_close(&src);
	SPI_finish();

	history_gaps_add(HG_DAILY, dd.days, dd.days_without_rvol, dd.tickers_without_rvol);
	if (dd.days_without_rvol > 0)
	{
		StringInfoData names;

		initStringInfo(&names);
		for (int type = 0; type < DE_NTYPES; type++)
		{
			if (rules[type].needs_rvol && dd.cfg.enabled[type])
				appendStringInfo(&names, "%s%s", names.len > 0 ? ", " : "", rules[type].name);
		}
		ereport(NOTICE,
				(errmsg("tape.detect_daily: " INT64_FORMAT " of " INT64_FORMAT " ticker-days came before their ticker had %d earlier days: the events that need RVOL could not fire on them",
						dd.days_without_rvol, dd.days, dd.cfg.rvol_days),
				 errdetail("The events that need RVOL: %s.", names.data),
				 errhint("Start the bars query %d trading days before the first day to judge.",
						 dd.cfg.rvol_days)));
	}
	MemoryContextDelete(dd.cxt);
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * tape.daily_events(bars_row [, config] ORDER BY day): an aggregate
 * ---------------------------------------------------------------------
 */

typedef struct DailyEventsState
{
	DailyDetector dd;
	AggregateInput in;
	DEvent	   *events;
	int			nevents;
	int			cap;
} DailyEventsState;

static void
sink_state(DailyDetector *dd, const DEvent *e)
{
	DailyEventsState *st = (DailyEventsState *) dd->sink_arg;

	if (st->nevents == st->cap)
	{
		st->cap = Max(16, st->cap * 2);
		st->events = st->events ? repalloc(st->events, sizeof(DEvent) * st->cap)
			: MemoryContextAlloc(dd->cxt, sizeof(DEvent) * st->cap);
	}
	st->events[st->nevents++] = *e;
}

/*
 * tape_daily_events_step
 *		The transition of tape.daily_events(bars_row [, config]): one day bar.
 */
Datum
tape_daily_events_step(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	DailyEventsState *st;
	BarRow		row;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "tape_daily_events_step called in a non-aggregate context");
	st = PG_ARGISNULL(0) ? NULL : (DailyEventsState *) PG_GETARG_POINTER(0);
	if (st == NULL)
	{
		MemoryContext old;
		Jsonb	   *config;

		st = MemoryContextAllocZero(aggcxt, sizeof(DailyEventsState));
		config = aggregate_begin(&st->in, fcinfo, "tape.daily_events", true, aggcxt);
		old = MemoryContextSwitchTo(aggcxt);
		daily_init(&st->dd, config, sink_state, st);
		MemoryContextSwitchTo(old);
	}
	if (!PG_ARGISNULL(1) && aggregate_next(&st->in, fcinfo, &row))
		daily_feed(&st->dd, &row);
	PG_RETURN_POINTER(st);
}

/* the columns of event k of the aggregate */
static void
state_event_values(void *arg, int k, Datum *values, bool *nulls)
{
	DailyEventsState *st = (DailyEventsState *) arg;

	daily_values(&st->dd.cfg, st->dd.h.ticker, &st->events[k], values, nulls);
}

/*
 * tape_daily_events_final
 *		The events of the group, as tape.daily_event[], in day order.
 */
Datum
tape_daily_events_final(PG_FUNCTION_ARGS)
{
	DailyEventsState *st = PG_ARGISNULL(0) ? NULL : (DailyEventsState *) PG_GETARG_POINTER(0);

	return aggregate_result(fcinfo, st ? st->nevents : 0, DAILY_NATTS, state_event_values, st);
}
