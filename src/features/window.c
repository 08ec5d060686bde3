/*-------------------------------------------------------------------------
 *
 * window.c
 *		The features of an event window, from its trades and quotes.
 *
 * tape.window_features(trades, quotes, event_ts, config, window_start,
 * window_end) reads the two blocks once into arrays, finds the window W
 * around the event time t0: [t0 - before, t0 + after) (features.window),
 * cut to the captured window [window_start, window_end) that the blocks
 * hold every tick of (by default from the first tick of the blocks to the
 * last), with its halves "before" (up to t0) and "after" (from t0), and runs
 * every feature family of the table below over them.  Nothing is computed
 * over time that was not captured: a rate is over the captured part of its
 * half, a silence ends where the capture does, and the columns
 * covered_before_seconds and covered_after_seconds say how much of each half
 * that is.  A family is one function that fills
 * its columns of tape.window_feature_values; the column table names each
 * column, the family that fills it, its unit and its definition (the same
 * words docs/features.md gives, and tape.window_feature_columns() returns).
 * Adding a feature is adding its columns to the type and the table, and a
 * family function if none computes it yet.
 *
 * Shared definitions (docs/features.md has them all):
 *	- which trades count: ticks.c (trades.exclude_from_price and
 *	  exclude_from_volume); a "print" counts toward volume, a "priced"
 *	  trade sets prices, a "signed" trade does both;
 *	- the NBBO in force at a time is the last quote at or before it; it is
 *	  valid when both sides are priced and ask >= bid (locked counts, crossed
 *	  and one-sided do not);
 *	- time-weighted statistics of the quotes weight each NBBO state by how
 *	  long it lasted inside W: from max(its time, W's start) to the next
 *	  quote's time or W's end; the state in force at W's start counts from
 *	  there;
 *	- a feature without the data it needs (no valid quote, no trade in a
 *	  half) is NULL, never 0.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/features/window.c
 *
 *-------------------------------------------------------------------------
 */
#include "features/features.h"
#include "analytics/barsource.h"
#include "analytics/calendar.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(tape_window_features);
PG_FUNCTION_INFO_V1(tape_window_feature_columns);

/* The columns of tape.window_feature_values, in order */
typedef enum FeatureValue
{
	FV_TRADES,
	FV_VOLUME,
	FV_QUOTES,
	FV_SPREAD_MEAN_BPS,
	FV_SPREAD_P95_BPS,
	FV_DEPTH_BID_SHARES,
	FV_DEPTH_ASK_SHARES,
	FV_DEPTH_BID_DOLLARS,
	FV_DEPTH_ASK_DOLLARS,
	FV_TICK_IMBALANCE_BEFORE,
	FV_TICK_IMBALANCE_AFTER,
	FV_QUOTE_IMBALANCE_BEFORE,
	FV_QUOTE_IMBALANCE_AFTER,
	FV_TRADES_PER_MINUTE_BEFORE,
	FV_TRADES_PER_MINUTE_AFTER,
	FV_TRADE_RATE_X,
	FV_BLOCK_PRINTS,
	FV_BLOCK_VOLUME_PCT,
	FV_ARRIVAL_PRICE,
	FV_VWAP_AFTER,
	FV_VWAP_SLIPPAGE_BPS,
	FV_REALIZED_VOL_BEFORE,
	FV_REALIZED_VOL_AFTER,
	FV_SECONDS_TO_SILENCE,
	FV_SILENCE_SECONDS,
	FV_COVERED_BEFORE_SECONDS,
	FV_COVERED_AFTER_SECONDS,
	FV_NCOLUMNS
} FeatureValue;

/* The parameters of the features (config section "features" and the rules) */
typedef struct FeatureConfig
{
	/* as configured */
	double		before_seconds;
	double		after_seconds;
	double		quote_lag_ms;
	double		rv_sample_seconds;
	double		silence_min_seconds;
	/* in nanoseconds */
	int64		before_ns;		/* W reaches this far before t0 */
	int64		after_ns;		/* and this far after */
	int64		quote_lag_ns;	/* Lee-Ready: the quote in force this long
								 * before the trade */
	double		block_min_shares;	/* block print: at least these shares */
	double		block_min_dollars;	/* or these dollars (0 = no dollar rule) */
	int64		rv_sample_ns;	/* realised volatility: the sampling step */
	int64		silence_min_ns; /* a silence lasts at least this long */
	TradeRules	rules;
} FeatureConfig;

/* An event window, ready for the families */
typedef struct FeatureWindow
{
	const FeatureConfig *cfg;
	const TradeArrays *t;		/* NULL when no trades block was given */
	const QuoteArrays *q;		/* NULL when no quotes block was given */
	int64		t0;				/* the event, ns */
	int64		start;			/* W = [start, end): features.window around
								 * t0, within the captured window */
	int64		end;
	int64		covered_before; /* ns of W before t0 */
	int64		covered_after;	/* ns of W from t0 */
	int64		t_first;		/* first trade in W */
	int64		t_event;		/* first trade at or after t0 */
	int64		t_end;			/* first trade at or after W's end */
	int64		q_in;			/* the quote in force at W's start, else the
								 * first in W */
	int64		q_first;		/* first quote in W */
	int64		q_end;			/* first quote at or after W's end */
	double	   *q_weight;		/* seconds each quote in [q_in, q_end) holds
								 * a valid NBBO inside W (0 if invalid) */
	double		q_total;		/* their sum */
} FeatureWindow;

/* The values being computed */
typedef struct FeatureValues
{
	Datum		v[FV_NCOLUMNS];
	bool		isnull[FV_NCOLUMNS];
} FeatureValues;

typedef void (*FeatureFamilyFn) (const FeatureWindow *w, FeatureValues *out);

static void family_activity(const FeatureWindow *w, FeatureValues *out);
static void family_spread(const FeatureWindow *w, FeatureValues *out);
static void family_depth(const FeatureWindow *w, FeatureValues *out);
static void family_aggressor(const FeatureWindow *w, FeatureValues *out);
static void family_trade_rate(const FeatureWindow *w, FeatureValues *out);
static void family_block_prints(const FeatureWindow *w, FeatureValues *out);
static void family_vwap_slippage(const FeatureWindow *w, FeatureValues *out);
static void family_realized_vol(const FeatureWindow *w, FeatureValues *out);
static void family_silence(const FeatureWindow *w, FeatureValues *out);
static void family_coverage(const FeatureWindow *w, FeatureValues *out);

/* A family of features: one function filling its columns */
typedef struct FeatureFamily
{
	const char *name;
	FeatureFamilyFn fn;
	bool		needs_trades;	/* its columns stay NULL without trades */
	bool		needs_quotes;	/* ... without quotes */
} FeatureFamily;

static const FeatureFamily families[] = {
	{"activity", family_activity, false, false},
	{"spread", family_spread, false, true},
	{"depth", family_depth, false, true},
	{"aggressor", family_aggressor, true, false},
	{"trade_rate", family_trade_rate, true, false},
	{"block_prints", family_block_prints, true, false},
	{"vwap_slippage", family_vwap_slippage, true, false},
	{"realized_vol", family_realized_vol, false, true},
	{"silence", family_silence, true, true},
	{"coverage", family_coverage, false, false},
};

/* The columns of tape.window_feature_values, each with its family and words */
static const ColumnDoc feature_columns[FV_NCOLUMNS] = {
	{"trades", "activity", "trades", "prints (trades counting toward volume) in W"},
	{"volume", "activity", "shares", "their shares"},
	{"quotes", "activity", "quotes", "quotes in W"},
	{"spread_mean_bps", "spread", "bps of mid",
	"time-weighted mean of 10^4 (ask - bid) / mid over the valid NBBO states in W"},
	{"spread_p95_bps", "spread", "bps of mid",
	"time-weighted 95th percentile of the same: the least spread s with at least 95 % of the valid time at or below s"},
	{"depth_bid_shares", "depth", "shares", "time-weighted mean bid size at the NBBO in W"},
	{"depth_ask_shares", "depth", "shares", "time-weighted mean ask size at the NBBO in W"},
	{"depth_bid_dollars", "depth", "dollars", "time-weighted mean of bid size x bid price"},
	{"depth_ask_dollars", "depth", "dollars", "time-weighted mean of ask size x ask price"},
	{"tick_imbalance_before", "aggressor", "-1 to 1",
	"(buy - sell) / (buy + sell) shares of signed trades before t0, signed by the tick rule"},
	{"tick_imbalance_after", "aggressor", "-1 to 1", "the same after t0"},
	{"quote_imbalance_before", "aggressor", "-1 to 1",
	"the same signed by Lee-Ready: above the mid of the NBBO in force quote_lag_ms before the trade (strictly) is a buy, below a sell, at the mid or without a valid NBBO the tick rule"},
	{"quote_imbalance_after", "aggressor", "-1 to 1", "the same after t0"},
	{"trades_per_minute_before", "trade_rate", "trades a minute", "prints before t0 / covered_before_seconds x 60"},
	{"trades_per_minute_after", "trade_rate", "trades a minute", "prints after t0 / covered_after_seconds x 60"},
	{"trade_rate_x", "trade_rate", "ratio", "trades_per_minute_after / trades_per_minute_before"},
	{"block_prints", "block_prints", "trades",
	"prints in W of at least min_shares shares or (when min_dollars > 0) min_dollars dollars"},
	{"block_volume_pct", "block_prints", "%", "their shares, as a percentage of the volume of W"},
	{"arrival_price", "vwap_slippage", "price",
	"mid of the NBBO in force at t0 if valid, else the price of the last priced trade before t0"},
	{"vwap_after", "vwap_slippage", "price", "VWAP of the signed trades after t0"},
	{"vwap_slippage_bps", "vwap_slippage", "bps", "10^4 (vwap_after - arrival_price) / arrival_price"},
	{"realized_vol_before", "realized_vol", "log return",
	"sqrt of the sum of squared log changes of the mid sampled every sample_seconds from t0 back to the start of W (not annualised)"},
	{"realized_vol_after", "realized_vol", "log return", "the same from t0 to the end of W"},
	{"seconds_to_silence", "silence", "seconds",
	"from t0 to the start of the first silence (no print and no NBBO change for min_seconds, counted in regular hours within W) that ends after t0; negative when it began before"},
	{"silence_seconds", "silence", "seconds", "how long that silence lasted within W and regular hours"},
	{"covered_before_seconds", "coverage", "seconds",
	"the part of [t0 - before_seconds, t0) inside the captured window [window_start, window_end): the time the before half is computed over"},
	{"covered_after_seconds", "coverage", "seconds",
	"the part of [t0, t0 + after_seconds) inside the captured window: the time the after half is computed over"},
};

static const ConfigKey window_keys[] = {
	{"window.before_seconds", CV_NUMBER, offsetof(FeatureConfig, before_seconds), 0, 86400.0 * 30, false},
	{"window.after_seconds", CV_NUMBER, offsetof(FeatureConfig, after_seconds), 0, 86400.0 * 30, false},
};

static const ConfigKey feature_keys[] = {
	{"aggressor.quote_lag_ms", CV_NUMBER, offsetof(FeatureConfig, quote_lag_ms), 0, 3600e3, false},
	{"block_prints.min_shares", CV_NUMBER, offsetof(FeatureConfig, block_min_shares), 0, 1e12, false},
	{"block_prints.min_dollars", CV_NUMBER, offsetof(FeatureConfig, block_min_dollars), 0, 1e15, false},
	{"realized_vol.sample_seconds", CV_NUMBER, offsetof(FeatureConfig, rv_sample_seconds), 0.001, 86400, false},
	{"silence.min_seconds", CV_NUMBER, offsetof(FeatureConfig, silence_min_seconds), 0.001, 86400, false},
};

/* What a call keeps between rows: the configuration read and the result type */
typedef struct FeatureCache
{
	Jsonb	   *config;			/* a copy of the configuration it was read from */
	FeatureConfig cfg;
	TupleDesc	desc;
} FeatureCache;

static void feature_config_read(Jsonb *config, FeatureConfig *cfg);
static void prepare_window(FeatureWindow *w);
static void set_value(FeatureValues *out, FeatureValue c, double v);
static void set_count(FeatureValues *out, FeatureValue c, int64 n);

/* read the parameters of the features, checking each one's range */
static void
feature_config_read(Jsonb *config, FeatureConfig *cfg)
{
	Jsonb	   *section = research_section(config, "features");

	config_read("features", section, window_keys, lengthof(window_keys), cfg);
	config_read("features", section, feature_keys, lengthof(feature_keys), cfg);
	cfg->before_ns = (int64) llround(cfg->before_seconds * 1e9);
	cfg->after_ns = (int64) llround(cfg->after_seconds * 1e9);
	cfg->quote_lag_ns = (int64) llround(cfg->quote_lag_ms * 1e6);
	cfg->rv_sample_ns = (int64) llround(cfg->rv_sample_seconds * 1e9);
	cfg->silence_min_ns = (int64) llround(cfg->silence_min_seconds * 1e9);
	research_trade_rules(config, &cfg->rules);
}

/*
 * feature_window_read
 *		The window around an event the features (and the plots) use.
 */
void
feature_window_read(Jsonb *config, int64 *before_ns, int64 *after_ns)
{
	FeatureConfig cfg;

	config_read("features", research_section(config, "features"), window_keys, lengthof(window_keys), &cfg);
	*before_ns = (int64) llround(cfg.before_seconds * 1e9);
	*after_ns = (int64) llround(cfg.after_seconds * 1e9);
}

/*
 * prepare_window
 *		Find W's trades and quotes, and how long each quote holds a valid
 *		NBBO inside W.
 */
static void
prepare_window(FeatureWindow *w)
{
	const TradeArrays *t = w->t;
	const QuoteArrays *q = w->q;

	if (t)
	{
		w->t_first = first_at(t->ns, t->n, w->start);
		w->t_event = first_at(t->ns, t->n, w->t0);
		w->t_end = first_at(t->ns, t->n, w->end);
	}
	if (q)
	{
		w->q_first = first_at(q->ns, q->n, w->start);
		w->q_end = first_at(q->ns, q->n, w->end);
		/* the state in force at W's start began at or before it */
		w->q_in = (w->q_first < q->n && q->ns[w->q_first] == w->start) || w->q_first == 0
			? w->q_first : w->q_first - 1;
		w->q_weight = palloc0(sizeof(double) * Max(w->q_end - w->q_in, 1));
		w->q_total = 0;
		for (int64 k = w->q_in; k < w->q_end; k++)
		{
			int64		from = Max(q->ns[k], w->start);
			int64		to = k + 1 < w->q_end ? q->ns[k + 1] : w->end;

			CHECK_FOR_INTERRUPTS();
			if (quote_is_valid(q, k) && to > from)
			{
				w->q_weight[k - w->q_in] = (double) (to - from) / 1e9;
				w->q_total += w->q_weight[k - w->q_in];
			}
		}
	}
}

static void
set_value(FeatureValues *out, FeatureValue c, double v)
{
	out->v[c] = Float8GetDatum(v);
	out->isnull[c] = !isfinite(v);
}

static void
set_count(FeatureValues *out, FeatureValue c, int64 n)
{
	out->v[c] = Int64GetDatum(n);
	out->isnull[c] = false;
}

/* ---------------------------------------------------------------------
 * The families
 * ---------------------------------------------------------------------
 */

/* activity: prints, their volume, quotes in W */
static void
family_activity(const FeatureWindow *w, FeatureValues *out)
{
	if (w->t)
	{
		int64		n = 0;
		double		volume = 0;

		for (int64 i = w->t_first; i < w->t_end; i++)
		{
			CHECK_FOR_INTERRUPTS();
			if (w->t->flags[i] & TF_VOLUME)
			{
				n++;
				volume += w->t->size[i];
			}
		}
		set_count(out, FV_TRADES, n);
		set_value(out, FV_VOLUME, volume);
	}
	if (w->q)
		set_count(out, FV_QUOTES, w->q_end - w->q_first);
}

/* spread-weight pairs, sorted by spread */
typedef struct SpreadWeight
{
	double		spread;
	double		weight;
} SpreadWeight;

static int
spread_weight_cmp(const void *a, const void *b)
{
	double		x = ((const SpreadWeight *) a)->spread;
	double		y = ((const SpreadWeight *) b)->spread;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* spread: time-weighted mean and 95th percentile of the relative spread */
static void
family_spread(const FeatureWindow *w, FeatureValues *out)
{
	const QuoteArrays *q = w->q;
	int64		n = 0;
	SpreadWeight *sw;
	double		sum = 0,
				cum = 0;

	if (w->q_total <= 0)
		return;
	sw = palloc(sizeof(SpreadWeight) * (w->q_end - w->q_in));
	for (int64 k = w->q_in; k < w->q_end; k++)
	{
		double		weight = w->q_weight[k - w->q_in];

		CHECK_FOR_INTERRUPTS();
		if (weight <= 0)
			continue;
		sw[n].spread = 1e4 * (q->ask[k] - q->bid[k]) / ((q->ask[k] + q->bid[k]) / 2);
		sw[n].weight = weight;
		sum += sw[n].spread * weight;
		n++;
	}
	set_value(out, FV_SPREAD_MEAN_BPS, sum / w->q_total);
	qsort(sw, n, sizeof(SpreadWeight), spread_weight_cmp);
	for (int64 i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		cum += sw[i].weight;
		/* a hair of tolerance: the weights are sums of doubles */
		if (cum >= 0.95 * w->q_total * (1 - 1e-12) || i == n - 1)
		{
			set_value(out, FV_SPREAD_P95_BPS, sw[i].spread);
			break;
		}
	}
	pfree(sw);
}

/* depth: time-weighted mean sizes at the NBBO, in shares and dollars */
static void
family_depth(const FeatureWindow *w, FeatureValues *out)
{
	const QuoteArrays *q = w->q;
	double		bid = 0,
				ask = 0,
				bid_d = 0,
				ask_d = 0;

	if (w->q_total <= 0)
		return;
	for (int64 k = w->q_in; k < w->q_end; k++)
	{
		double		weight = w->q_weight[k - w->q_in];

		CHECK_FOR_INTERRUPTS();
		bid += weight * q->bid_size[k];
		ask += weight * q->ask_size[k];
		bid_d += weight * q->bid_size[k] * q->bid[k];
		ask_d += weight * q->ask_size[k] * q->ask[k];
	}
	set_value(out, FV_DEPTH_BID_SHARES, bid / w->q_total);
	set_value(out, FV_DEPTH_ASK_SHARES, ask / w->q_total);
	set_value(out, FV_DEPTH_BID_DOLLARS, bid_d / w->q_total);
	set_value(out, FV_DEPTH_ASK_DOLLARS, ask_d / w->q_total);
}

/*
 * aggressor: tick-rule and Lee-Ready imbalance before and after t0.  The
 * tick rule runs over every priced trade of the block from its first, so a
 * trade early in W is signed by the trades before W.
 */
static void
family_aggressor(const FeatureWindow *w, FeatureValues *out)
{
	const TradeArrays *t = w->t;
	const QuoteArrays *q = w->q;
	TickRule tick;
	double		tb[2] = {0, 0},
				ts[2] = {0, 0},
				qb[2] = {0, 0},
				qs[2] = {0, 0};
	int64		k = -1;

	memset(&tick, 0, sizeof(TickRule));
	for (int64 i = 0; i < w->t_end; i++)
	{
		int			sign,
					lr;
		int			half;

		CHECK_FOR_INTERRUPTS();
		if (!(t->flags[i] & TF_PRICE))
			continue;
		sign = tick_rule_sign(&tick, t->price[i]);
		if (i < w->t_first || !(t->flags[i] & TF_VOLUME))
			continue;
		half = i >= w->t_event;
		lr = sign;
		if (q)
		{
			/* the NBBO in force quote_lag before the trade, strictly */
			k = quote_at(q, t->ns[i] - w->cfg->quote_lag_ns - 1, k);
			if (k >= 0 && quote_is_valid(q, k))
			{
				double		mid = (q->bid[k] + q->ask[k]) / 2;

				if (t->price[i] > mid)
					lr = 1;
				else if (t->price[i] < mid)
					lr = -1;
			}
		}
		if (sign > 0)
			tb[half] += t->size[i];
		else if (sign < 0)
			ts[half] += t->size[i];
		if (lr > 0)
			qb[half] += t->size[i];
		else if (lr < 0)
			qs[half] += t->size[i];
	}
	for (int half = 0; half < 2; half++)
	{
		if (tb[half] + ts[half] > 0)
			set_value(out, FV_TICK_IMBALANCE_BEFORE + half, (tb[half] - ts[half]) / (tb[half] + ts[half]));
		if (qb[half] + qs[half] > 0)
			set_value(out, FV_QUOTE_IMBALANCE_BEFORE + half, (qb[half] - qs[half]) / (qb[half] + qs[half]));
	}
}

/* trade_rate: prints a minute before and after t0, and their ratio */
static void
family_trade_rate(const FeatureWindow *w, FeatureValues *out)
{
	int64		n[2] = {0, 0};
	double		rate[2] = {NAN, NAN};

	for (int64 i = w->t_first; i < w->t_end; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (w->t->flags[i] & TF_VOLUME)
			n[i >= w->t_event]++;
	}
	/* over the captured part of each half: none captured, no rate */
	if (w->covered_before > 0)
		rate[0] = n[0] / ((double) w->covered_before / 60e9);
	if (w->covered_after > 0)
		rate[1] = n[1] / ((double) w->covered_after / 60e9);
	set_value(out, FV_TRADES_PER_MINUTE_BEFORE, rate[0]);
	set_value(out, FV_TRADES_PER_MINUTE_AFTER, rate[1]);
	if (rate[0] > 0)
		set_value(out, FV_TRADE_RATE_X, rate[1] / rate[0]);
}

/* block_prints: prints of at least min_shares shares or min_dollars dollars */
static void
family_block_prints(const FeatureWindow *w, FeatureValues *out)
{
	const TradeArrays *t = w->t;
	int64		n = 0;
	double		volume = 0,
				blocks = 0;

	for (int64 i = w->t_first; i < w->t_end; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!(t->flags[i] & TF_VOLUME))
			continue;
		volume += t->size[i];
		if (t->size[i] >= w->cfg->block_min_shares ||
			(w->cfg->block_min_dollars > 0 && t->size[i] * t->price[i] >= w->cfg->block_min_dollars))
		{
			n++;
			blocks += t->size[i];
		}
	}
	set_count(out, FV_BLOCK_PRINTS, n);
	if (volume > 0)
		set_value(out, FV_BLOCK_VOLUME_PCT, 100 * blocks / volume);
}

/* vwap_slippage: the VWAP after t0 against the arrival price at t0 */
static void
family_vwap_slippage(const FeatureWindow *w, FeatureValues *out)
{
	const TradeArrays *t = w->t;
	const QuoteArrays *q = w->q;
	double		arrival = NAN;
	double		pv = 0,
				v = 0;

	if (q)
	{
		int64		k = quote_at(q, w->t0, -1);

		if (k >= 0 && quote_is_valid(q, k))
			arrival = (q->bid[k] + q->ask[k]) / 2;
	}
	if (isnan(arrival))
		for (int64 i = w->t_event - 1; i >= 0; i--)
		{
			CHECK_FOR_INTERRUPTS();
			if (t->flags[i] & TF_PRICE)
			{
				arrival = t->price[i];
				break;
			}
		}
	/* the after half: from t0, or from W's start when W starts after t0 */
	for (int64 i = Max(w->t_event, w->t_first); i < w->t_end; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if ((t->flags[i] & (TF_PRICE | TF_VOLUME)) == (TF_PRICE | TF_VOLUME))
		{
			pv += t->price[i] * t->size[i];
			v += t->size[i];
		}
	}
	set_value(out, FV_ARRIVAL_PRICE, arrival);
	if (v > 0)
	{
		set_value(out, FV_VWAP_AFTER, pv / v);
		if (arrival > 0)
			set_value(out, FV_VWAP_SLIPPAGE_BPS, 1e4 * (pv / v - arrival) / arrival);
	}
}

/*
 * the realised volatility of the mid sampled at from, from + step, ... up
 * to to: sqrt of the sum of squared log changes between consecutive
 * samples that both have a valid NBBO; NaN without any such pair.  A sample
 * sees the quotes before end only (W's end, where to may fall).
 *
 * The samples between two quotes all see the same NBBO, so their changes
 * are 0: the walk jumps from a sample to the last one before the next
 * quote, and costs a few steps a quote whatever the grid (a grid of a
 * millisecond over a month would be 2.6 billion samples otherwise).
 */
static double
realized_vol(const QuoteArrays *q, int64 from, int64 to, int64 step, int64 end)
{
	double		sum = 0;
	double		prev = NAN;
	bool		any = false;
	int64		k = -1;

	for (int64 g = from; g <= to; g += step)
	{
		double		mid = NAN;
		int64		next_quote;
		int64		same;

		CHECK_FOR_INTERRUPTS();
		k = quote_at(q, Min(g, end - 1), k);
		if (k >= 0 && quote_is_valid(q, k))
			mid = (q->bid[k] + q->ask[k]) / 2;
		if (!isnan(mid) && !isnan(prev))
		{
			double		r = log(mid / prev);

			sum += r * r;
			any = true;
		}
		prev = mid;

		/* the samples after g that still see quote k: changes of 0 */
		next_quote = k + 1 < q->n ? q->ns[k + 1] : PG_INT64_MAX;
		same = (Min(next_quote - 1, to) - g) / step;
		if (same > 0)
		{
			any = any || !isnan(mid);
			g += same * step;
		}
	}
	return any ? sqrt(sum) : NAN;
}

/*
 * realized_vol: before and after t0, on a grid anchored at t0: t0 - k step
 * from W's start to t0 (or W's end, when W ends before t0), t0 + k step
 * from t0 (or W's start, when W starts after t0) to W's end
 */
static void
family_realized_vol(const FeatureWindow *w, FeatureValues *out)
{
	int64		step = w->cfg->rv_sample_ns;

	if (w->start <= w->t0)
	{
		int64		from = w->t0 - (w->t0 - w->start) / step * step;
		int64		to = w->t0 - (w->t0 - Min(w->t0, w->end) + step - 1) / step * step;

		set_value(out, FV_REALIZED_VOL_BEFORE, realized_vol(w->q, from, to, step, w->end));
	}
	if (w->end >= w->t0)
	{
		int64		from = w->t0 + (Max(w->start, w->t0) - w->t0 + step - 1) / step * step;

		set_value(out, FV_REALIZED_VOL_AFTER, realized_vol(w->q, from, w->end, step, w->end));
	}
}

/*
 * silence: the first stretch of regular hours inside W, at least
 * min_seconds long, without a print or a change of the NBBO, that ends
 * after t0.  W's start and end bound the first and last stretch.
 */
static void
family_silence(const FeatureWindow *w, FeatureValues *out)
{
	const TradeArrays *t = w->t;
	const QuoteArrays *q = w->q;
	TradingDay	day;
	int64		rth_open,
				rth_close;
	int64		i = w->t_first,
				k = w->q_first,
				prev = w->start;

	calendar_day_of(ns_to_timestamptz(w->t0), &day);
	if (!day.is_trading)
		return;
	rth_open = timestamptz_to_ns(day.rth_open);
	rth_close = timestamptz_to_ns(day.rth_close);
	for (;;)
	{
		int64		next = w->end;
		int64		from,
					to;

		CHECK_FOR_INTERRUPTS();
		/* the next activity: a print, or a quote that changes the NBBO */
		while (i < w->t_end && !(t->flags[i] & TF_VOLUME))
		{
			CHECK_FOR_INTERRUPTS();
			i++;
		}
		while (k < w->q_end && k > 0 &&
			   q->bid[k] == q->bid[k - 1] && q->ask[k] == q->ask[k - 1] &&
			   q->bid_size[k] == q->bid_size[k - 1] && q->ask_size[k] == q->ask_size[k - 1])
		{
			CHECK_FOR_INTERRUPTS();
			k++;
		}
		if (i < w->t_end)
			next = t->ns[i];
		if (k < w->q_end && q->ns[k] < next)
			next = q->ns[k];

		from = Max(prev, rth_open);
		to = Min(next, rth_close);
		if (to - from >= w->cfg->silence_min_ns && to > w->t0)
		{
			set_value(out, FV_SECONDS_TO_SILENCE, (double) (from - w->t0) / 1e9);
			set_value(out, FV_SILENCE_SECONDS, (double) (to - from) / 1e9);
			return;
		}
		if (next >= w->end)
			return;
		if (i < w->t_end && t->ns[i] == next)
			i++;
		else
			k++;
		prev = next;
	}
}

/* coverage: how much of each half of features.window was captured */
static void
family_coverage(const FeatureWindow *w, FeatureValues *out)
{
	if (w->t == NULL && w->q == NULL)
		return;
	set_value(out, FV_COVERED_BEFORE_SECONDS, (double) w->covered_before / 1e9);
	set_value(out, FV_COVERED_AFTER_SECONDS, (double) w->covered_after / 1e9);
}

/*
 * captured_window
 *		The captured window [*from, *to) of a call: window_start and
 *		window_end (the fifth and sixth arguments), -infinity and infinity
 *		for a capture without that end; NULL: the first tick of the blocks,
 *		and just after their last.  Empty blocks and no block give an empty
 *		window at t0.
 */
static void
captured_window(FunctionCallInfo fcinfo, const FeatureWindow *w, int64 *from, int64 *to)
{
	int64		first = PG_INT64_MAX,
				after_last = PG_INT64_MIN;

	if (w->t && w->t->n > 0)
	{
		first = Min(first, w->t->ns[0]);
		after_last = Max(after_last, w->t->ns[w->t->n - 1] + 1);
	}
	if (w->q && w->q->n > 0)
	{
		first = Min(first, w->q->ns[0]);
		after_last = Max(after_last, w->q->ns[w->q->n - 1] + 1);
	}
	if (first > after_last)
		first = after_last = w->t0;

	if (PG_ARGISNULL(4))
		*from = first;
	else if (TIMESTAMP_IS_NOBEGIN(PG_GETARG_TIMESTAMPTZ(4)))
		*from = PG_INT64_MIN;
	else
		*from = research_time_ns(PG_GETARG_TIMESTAMPTZ(4), "window_start");
	if (PG_ARGISNULL(5))
		*to = after_last;
	else if (TIMESTAMP_IS_NOEND(PG_GETARG_TIMESTAMPTZ(5)))
		*to = PG_INT64_MAX;
	else
		*to = research_time_ns(PG_GETARG_TIMESTAMPTZ(5), "window_end");
	if (*to < *from)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window_end must not be before window_start"),
				 errdetail("The captured window [window_start, window_end) is where the blocks hold every tick.")));
}

/* ---------------------------------------------------------------------
 * SQL functions
 * ---------------------------------------------------------------------
 */

/*
 * tape_window_features
 *		tape.window_features_internal(trades, quotes, event_ts, config,
 *		window_start, window_end): the features of one event window.  Either
 *		block may be NULL: the families that need it are left NULL.
 */
Datum
tape_window_features(PG_FUNCTION_ARGS)
{
	FeatureCache *cache = (FeatureCache *) fcinfo->flinfo->fn_extra;
	Jsonb	   *config;
	TradeArrays trades;
	QuoteArrays quotes;
	FeatureWindow w;
	FeatureValues out;
	HeapTuple	tuple;
	int64		captured_start,
				captured_end;

	if (PG_ARGISNULL(2))
		PG_RETURN_NULL();
	config = research_config_arg(fcinfo, 3);

	/* the configuration and result type, read once per distinct config */
	if (cache == NULL || VARSIZE(cache->config) != VARSIZE(config) ||
		memcmp(cache->config, config, VARSIZE(config)) != 0)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (cache == NULL)
		{
			cache = palloc0(sizeof(FeatureCache));
			cache->desc = column_doc_result_desc(fcinfo, "tape.window_feature_values",
												 feature_columns, FV_NCOLUMNS);
		}
		else
			pfree(cache->config);
		feature_config_read(config, &cache->cfg);
		cache->config = palloc(VARSIZE(config));
		memcpy(cache->config, config, VARSIZE(config));
		fcinfo->flinfo->fn_extra = cache;
		MemoryContextSwitchTo(old);
	}

	memset(&w, 0, sizeof(FeatureWindow));
	w.cfg = &cache->cfg;
	w.t0 = research_time_ns(PG_GETARG_TIMESTAMPTZ(2), "event_ts");
	if (!PG_ARGISNULL(0))
	{
		read_trade_block(PG_GETARG_BYTEA_PP(0), &w.cfg->rules, &trades);
		w.t = &trades;
	}
	if (!PG_ARGISNULL(1))
	{
		read_quote_block(PG_GETARG_BYTEA_PP(1), &quotes);
		w.q = &quotes;
	}
	if (w.t && w.q && w.t->ticker && w.q->ticker && strcmp(w.t->ticker, w.q->ticker) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("trades of \"%s\" and quotes of \"%s\" are not one window", w.t->ticker, w.q->ticker),
				 errdetail("The features of a window come from one ticker's trades and quotes.")));

	/* W: features.window around t0, within the captured window */
	captured_window(fcinfo, &w, &captured_start, &captured_end);
	w.start = Max(w.t0 - w.cfg->before_ns, captured_start);
	w.end = Max(Min(w.t0 + w.cfg->after_ns, captured_end), w.start);
	w.covered_before = Max(Min(w.t0, w.end) - w.start, 0);
	w.covered_after = Max(w.end - Max(w.t0, w.start), 0);
	prepare_window(&w);

	for (int c = 0; c < FV_NCOLUMNS; c++)
	{
		out.v[c] = (Datum) 0;
		out.isnull[c] = true;
	}
	for (size_t f = 0; f < lengthof(families); f++)
	{
		if ((families[f].needs_trades && !w.t) || (families[f].needs_quotes && !w.q))
			continue;
		families[f].fn(&w, &out);
	}
	tuple = heap_form_tuple(cache->desc, out.v, out.isnull);
	PG_RETURN_DATUM(HeapTupleGetDatum(tuple));
}

/*
 * tape_window_feature_columns
 *		tape.window_feature_columns(): every column of
 *		tape.window_feature_values with its family, unit and definition.
 */
Datum
tape_window_feature_columns(PG_FUNCTION_ARGS)
{
	column_doc_rows(fcinfo, feature_columns, FV_NCOLUMNS);
	return (Datum) 0;
}
