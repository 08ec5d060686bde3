/*-------------------------------------------------------------------------
 *
 * tickbars.c
 *		Bars from trades: time, tick, volume and dollar bars, and the tick,
 *		volume and dollar imbalance bars of López de Prado, Advances in
 *		Financial Machine Learning (2018), chapter 2.
 *
 * tape.bars_from_trades(block, kind, size) builds the bars of one window's
 * trades; tape.bars_from_trades(trades_query, kind, size) those of any
 * query's trades (polygon.trades, the flat files, a local table), one
 * ticker after another, streaming: a builder holds one bar and a few
 * numbers, whatever the number of trades.
 *
 * A kind is a row of bar_kinds: the unit its size counts (seconds, trades,
 * shares, dollars) and whether a bar closes on a running total or on an
 * imbalance.  For every trade that is of use (ticks.c says which):
 *
 *	- a trade that counts toward volume adds its size to the bar's volume,
 *	  price x size to its dollar volume and one to its ticks;
 *	- a trade that sets prices updates open, high, low and close, and the
 *	  tick rule: b = +1 when its price is above the last different price,
 *	  -1 below, the sign of the last change when equal, 0 before any change;
 *	- a trade that does both is signed: its size goes to buy_volume (b = +1)
 *	  or sell_volume (b = -1), price x size to the VWAP, and b x v to the
 *	  bar's imbalance theta, v being 1, its size or price x size for tick,
 *	  volume and dollar imbalance bars.
 *
 * Bars close after the trade that reaches their threshold, which stays in
 * the bar (trades are never split):
 *
 *	time	a new bar starts with the first trade of each interval of size
 *			seconds, counted from midnight New York; empty intervals have
 *			no bar (as Polygon's aggregates); ts is the interval's start
 *	tick	ticks >= size
 *	volume	volume >= size
 *	dollar	dollar volume >= size
 *	*_imbalance	|theta| >= E0[T] |E0[b v]|, the book's expected imbalance:
 *			E0[T] is an EWMA of the signed trades per bar of the bars
 *			before (span bars.imbalance.expected_ticks_span bars), E0[b v]
 *			an EWMA of b v over the signed trades so far (span
 *			bars.imbalance.imbalance_span trades, trades with b = 0 left
 *			out), both seeded by their first value.  The first bar's
 *			threshold is size; every threshold is kept within
 *			[min_threshold_x, max_threshold_x] x size (0 = no bound), since
 *			on balanced flow the estimate shrinks bar after bar toward
 *			one-trade bars.
 *
 * The last bar of a stream (of each ticker) is returned with complete =
 * false: it did not reach its threshold, or, for time bars, nothing after
 * it shows that its interval was over.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/features/tickbars.c
 *
 *-------------------------------------------------------------------------
 */
#include "features/features.h"
#include "analytics/barsource.h"
#include "features/source.h"
#include "markettime.h"
#include "progress.h"

#include <math.h>

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(tape_bars_from_trades);
PG_FUNCTION_INFO_V1(tape_bars_from_trades_query);

/* What the size of a kind of bar counts */
typedef enum BarUnit
{
	BU_SECONDS,
	BU_TICKS,
	BU_SHARES,
	BU_DOLLARS
} BarUnit;

/* A kind of bar */
typedef struct BarKind
{
	const char *name;			/* the kind argument */
	BarUnit		unit;			/* what size counts, and what a trade's v is */
	bool		imbalance;		/* closes on |theta| rather than a total */
	double		max_size;		/* the largest size that makes sense */
} BarKind;

static const BarKind bar_kinds[] = {
	{"time", BU_SECONDS, false, 86400},
	{"tick", BU_TICKS, false, 1e12},
	{"volume", BU_SHARES, false, 1e15},
	{"dollar", BU_DOLLARS, false, 1e15},
	{"tick_imbalance", BU_TICKS, true, 1e12},
	{"volume_imbalance", BU_SHARES, true, 1e15},
	{"dollar_imbalance", BU_DOLLARS, true, 1e15},
};

/* the columns of tape.tick_bar */
enum
{
	TB_TICKER,
	TB_TS,
	TB_LAST_TS,
	TB_OPEN,
	TB_HIGH,
	TB_LOW,
	TB_CLOSE,
	TB_VOLUME,
	TB_DOLLAR_VOLUME,
	TB_VWAP,
	TB_TRADES,
	TB_BUY_VOLUME,
	TB_SELL_VOLUME,
	TB_IMBALANCE,
	TB_THRESHOLD,
	TB_COMPLETE,
	TB_NCOLUMNS
};

/* The bar being built */
typedef struct Bar
{
	bool		started;		/* it has a trade */
	int64		interval;		/* time bars: start of its interval, ns */
	int64		first_ns;		/* its first trade */
	int64		last_ns;		/* its last trade */
	bool		has_price;		/* a trade set its prices */
	double		open,
				high,
				low,
				close;
	double		volume;			/* shares */
	double		dollars;		/* price x size */
	double		pv;				/* price x size of signed-stream trades */
	double		pv_size;		/* their shares */
	int64		trades;			/* trades of use */
	int64		ticks;			/* trades counting toward volume */
	int64		signed_ticks;	/* trades in the signed stream (T) */
	double		buy,
				sell;			/* shares by the tick rule */
	double		theta;			/* sum of b v */
	double		threshold;		/* what closes it (imbalance bars) */
} Bar;

/* Builds the bars of one ticker after another */
typedef struct BarBuilder
{
	const BarKind *kind;
	double		size;
	int64		width_ns;		/* time bars */
	double		min_threshold;	/* imbalance bounds, 0 = none */
	double		max_threshold;
	double		ticks_span;
	double		imbalance_span;

	TickRule	tick;
	Ewma		exp_ticks;		/* E0[T] */
	Ewma		exp_imbalance;	/* E0[b v] */
	double		threshold;		/* of the next imbalance bar */
	int64		day_start;		/* time bars: the New York day of the last */
	int64		day_end;		/* trade, [day_start, day_end) in ns */
	Bar			bar;

	Tuplestorestate *out;
	TupleDesc	desc;
	Datum		ticker;
	int64		emitted;		/* bars returned */
} BarBuilder;

/* The imbalance estimator's parameters (config section "bars") */
typedef struct ImbalanceConfig
{
	double		ticks_span;		/* EWMA span of T, in bars */
	double		imbalance_span; /* EWMA span of b v, in trades */
	double		min_x;			/* threshold bounds, x size (0 = none) */
	double		max_x;
} ImbalanceConfig;

static const ConfigKey imbalance_keys[] = {
	{"imbalance.expected_ticks_span", CV_NUMBER, offsetof(ImbalanceConfig, ticks_span), 1, 1e9, false},
	{"imbalance.imbalance_span", CV_NUMBER, offsetof(ImbalanceConfig, imbalance_span), 1, 1e12, false},
	{"imbalance.min_threshold_x", CV_NUMBER, offsetof(ImbalanceConfig, min_x), 0, 1e6, false},
	{"imbalance.max_threshold_x", CV_NUMBER, offsetof(ImbalanceConfig, max_x), 0, 1e6, false},
};

static const BarKind *bar_kind(const char *name);
static void bar_builder_init(BarBuilder *b, const char *kind, double size, Jsonb *config,
							 Tuplestorestate *out, TupleDesc desc);
static void bar_builder_start_ticker(BarBuilder *b, const char *ticker);
static void bar_builder_add(BarBuilder *b, int64 ns, double price, double size, uint8 flags);
static void bar_builder_finish_ticker(BarBuilder *b);
static void bar_emit(BarBuilder *b, bool complete);

/* the kind named, or an error listing the kinds */
static const BarKind *
bar_kind(const char *name)
{
	StringInfoData kinds;

	for (size_t i = 0; i < lengthof(bar_kinds); i++)
		if (strcmp(bar_kinds[i].name, name) == 0)
			return &bar_kinds[i];
	initStringInfo(&kinds);
	for (size_t i = 0; i < lengthof(bar_kinds); i++)
		appendStringInfo(&kinds, "%s%s", i ? ", " : "", bar_kinds[i].name);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unrecognized kind of bar \"%s\"", name),
			 errhint("Valid kinds are: %s.", kinds.data)));
	return NULL;
}

/*
 * bar_builder_init
 *		A builder of bars of a kind and size, returning them into out.
 */
static void
bar_builder_init(BarBuilder *b, const char *kind, double size, Jsonb *config,
				 Tuplestorestate *out, TupleDesc desc)
{
	ImbalanceConfig ic;

	memset(b, 0, sizeof(BarBuilder));
	b->kind = bar_kind(kind);
	if (!(size > 0 && size <= b->kind->max_size))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("size of %s bars must be greater than 0 and at most %g, not %g",
						b->kind->name, b->kind->max_size, size)));
	b->size = size;
	if (b->kind->unit == BU_SECONDS)
	{
		b->width_ns = (int64) llround(size * 1e9);
		if (b->width_ns < 1000)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("time bars must be at least a microsecond long, not %g seconds", size)));
	}
	config_read("bars", research_section(config, "bars"), imbalance_keys, lengthof(imbalance_keys), &ic);
	b->ticks_span = ic.ticks_span;
	b->imbalance_span = ic.imbalance_span;
	b->min_threshold = ic.min_x * size;
	b->max_threshold = ic.max_x * size;
	if (b->max_threshold > 0 && b->max_threshold < b->min_threshold)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("configuration key \"bars.imbalance.max_threshold_x\" must not be below \"bars.imbalance.min_threshold_x\"")));
	b->out = out;
	b->desc = desc;
}

/* begin a ticker: nothing carries over from the one before */
static void
bar_builder_start_ticker(BarBuilder *b, const char *ticker)
{
	memset(&b->tick, 0, sizeof(TickRule));
	ewma_init(&b->exp_ticks, b->ticks_span);
	ewma_init(&b->exp_imbalance, b->imbalance_span);
	b->threshold = b->size;
	b->day_start = b->day_end = 0;
	memset(&b->bar, 0, sizeof(Bar));
	b->ticker = ticker ? CStringGetTextDatum(ticker) : (Datum) 0;
}

/* the start of the time interval of ns */
static int64
bar_interval(BarBuilder *b, int64 ns)
{
	if (ns < b->day_start || ns >= b->day_end)
	{
		DateADT		day = market_date_of(ns_to_timestamptz(ns));

		b->day_start = timestamptz_to_ns(market_midnight(day));
		b->day_end = timestamptz_to_ns(market_midnight(day + 1));
	}
	return b->day_start + (ns - b->day_start) / b->width_ns * b->width_ns;
}

/*
 * bar_builder_add
 *		Add a trade (in time order) to the bars.
 */
static void
bar_builder_add(BarBuilder *b, int64 ns, double price, double size, uint8 flags)
{
	Bar		   *bar = &b->bar;
	const BarKind *kind = b->kind;
	int64		interval = 0;
	bool		closes = false;

	if (flags == 0)
		return;
	if (kind->unit == BU_SECONDS)
	{
		interval = bar_interval(b, ns);
		if (bar->started && interval != bar->interval)
			bar_emit(b, true);
	}
	if (!bar->started)
	{
		memset(bar, 0, sizeof(Bar));
		bar->started = true;
		bar->interval = interval;
		bar->first_ns = ns;
		bar->threshold = kind->imbalance ? b->threshold : b->size;
	}
	bar->last_ns = ns;
	bar->trades++;
	if (flags & TF_VOLUME)
	{
		bar->volume += size;
		bar->dollars += price * size;
		bar->ticks++;
	}
	if (flags & TF_PRICE)
	{
		int			sign = tick_rule_sign(&b->tick, price);

		if (!bar->has_price)
		{
			bar->open = bar->high = bar->low = price;
			bar->has_price = true;
		}
		bar->high = Max(bar->high, price);
		bar->low = Min(bar->low, price);
		bar->close = price;
		if (flags & TF_VOLUME)
		{
			double		v = kind->unit == BU_TICKS ? 1 : kind->unit == BU_DOLLARS ? price * size : size;

			bar->pv += price * size;
			bar->pv_size += size;
			bar->signed_ticks++;
			if (sign > 0)
				bar->buy += size;
			else if (sign < 0)
				bar->sell += size;
			if (sign != 0)
			{
				bar->theta += sign * v;
				ewma_add(&b->exp_imbalance, sign * v);
			}
			if (kind->imbalance)
				closes = fabs(bar->theta) >= bar->threshold;
		}
	}
	switch (kind->unit)
	{
		case BU_SECONDS:
			break;
		case BU_TICKS:
			if (!kind->imbalance)
				closes = bar->ticks >= b->size;
			break;
		case BU_SHARES:
			if (!kind->imbalance)
				closes = bar->volume >= b->size;
			break;
		case BU_DOLLARS:
			if (!kind->imbalance)
				closes = bar->dollars >= b->size;
			break;
	}
	if (!closes)
		return;
	bar_emit(b, true);
	if (kind->imbalance)
	{
		/* the expected imbalance of the next bar */
		ewma_add(&b->exp_ticks, (double) bar->signed_ticks);
		if (b->exp_imbalance.seeded)
			b->threshold = b->exp_ticks.value * fabs(b->exp_imbalance.value);
		if (b->min_threshold > 0)
			b->threshold = Max(b->threshold, b->min_threshold);
		if (b->max_threshold > 0)
			b->threshold = Min(b->threshold, b->max_threshold);
	}
}

/* return the bar being built, if any, and start afresh */
static void
bar_emit(BarBuilder *b, bool complete)
{
	Bar		   *bar = &b->bar;
	Datum		values[TB_NCOLUMNS];
	bool		nulls[TB_NCOLUMNS];

	if (!bar->started)
		return;
	memset(nulls, 0, sizeof(nulls));
	values[TB_TICKER] = b->ticker;
	nulls[TB_TICKER] = b->ticker == (Datum) 0;
	values[TB_TS] = TimestampTzGetDatum(ns_to_timestamptz(b->kind->unit == BU_SECONDS
														  ? bar->interval : bar->first_ns));
	values[TB_LAST_TS] = TimestampTzGetDatum(ns_to_timestamptz(bar->last_ns));
	values[TB_OPEN] = Float8GetDatum(bar->open);
	values[TB_HIGH] = Float8GetDatum(bar->high);
	values[TB_LOW] = Float8GetDatum(bar->low);
	values[TB_CLOSE] = Float8GetDatum(bar->close);
	nulls[TB_OPEN] = nulls[TB_HIGH] = nulls[TB_LOW] = nulls[TB_CLOSE] = !bar->has_price;
	values[TB_VOLUME] = Float8GetDatum(bar->volume);
	values[TB_DOLLAR_VOLUME] = Float8GetDatum(bar->dollars);
	values[TB_VWAP] = Float8GetDatum(bar->pv_size > 0 ? bar->pv / bar->pv_size : 0);
	nulls[TB_VWAP] = !(bar->pv_size > 0);
	values[TB_TRADES] = Int64GetDatum(bar->trades);
	values[TB_BUY_VOLUME] = Float8GetDatum(bar->buy);
	values[TB_SELL_VOLUME] = Float8GetDatum(bar->sell);
	values[TB_IMBALANCE] = Float8GetDatum(bar->theta);
	nulls[TB_IMBALANCE] = !b->kind->imbalance;
	values[TB_THRESHOLD] = Float8GetDatum(bar->threshold);
	nulls[TB_THRESHOLD] = b->kind->unit == BU_SECONDS;
	values[TB_COMPLETE] = BoolGetDatum(complete);
	tuplestore_putvalues(b->out, b->desc, values, nulls);
	b->emitted++;
	bar->started = false;
}

/* the end of a ticker's trades: its last bar, incomplete */
static void
bar_builder_finish_ticker(BarBuilder *b)
{
	bar_emit(b, false);
}

/* the output of a set-returning function of tape.tick_bar rows */
static TupleDesc
tick_bar_output(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	if (rsinfo->setDesc->natts != TB_NCOLUMNS)
		elog(ERROR, "tape.tick_bar must have %d columns", TB_NCOLUMNS);
	return rsinfo->setDesc;
}

/*
 * tape_bars_from_trades
 *		tape.bars_from_trades_internal(block, kind, size, config): the bars
 *		of a block of trades.
 */
Datum
tape_bars_from_trades(PG_FUNCTION_ARGS)
{
	bytea	   *block = PG_GETARG_BYTEA_PP(0);
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(1));
	double		size = PG_GETARG_FLOAT8(2);
	Jsonb	   *config = research_config_arg(fcinfo, 3);
	TupleDesc	desc = tick_bar_output(fcinfo);
	BarBuilder	b;
	TradeRules	rules;
	TradeArrays t;

	bar_builder_init(&b, kind, size, config, ((ReturnSetInfo *) fcinfo->resultinfo)->setResult, desc);
	research_trade_rules(config, &rules);
	read_trade_block(block, &rules, &t);
	bar_builder_start_ticker(&b, t.ticker);
	for (int64 i = 0; i < t.n; i++)
	{
		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		bar_builder_add(&b, t.ns[i], t.price[i], t.size[i], t.flags[i]);
	}
	bar_builder_finish_ticker(&b);
	return (Datum) 0;
}

/*
 * tape_bars_from_trades_query
 *		tape.bars_from_trades_internal(trades_query, kind, size, config): the
 *		bars of every ticker of a query's trades, streaming.
 *
 * The query must return ticker, sip_timestamp (or ts), price and size;
 * conditions is optional (without it every trade counts), and
 * sequence_number, when present, orders trades of the same nanosecond.
 */
Datum
tape_bars_from_trades_query(PG_FUNCTION_ARGS)
{
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(1));
	double		size = PG_GETARG_FLOAT8(2);
	Jsonb	   *config = research_config_arg(fcinfo, 3);
	TupleDesc	desc = tick_bar_output(fcinfo);
	const char *what = "the trades query of tape.bars_from_trades";
	BarBuilder	b;
	TradeRules	rules;
	TupleDesc	qdesc;
	bool		has_sip,
				has_cond;
	StringInfoData sql;
	RowStream src;
	char	   *ticker = NULL;
	int			ticker_cap = 0;
	int64		tickers = 0;

	bar_builder_init(&b, kind, size, config, ((ReturnSetInfo *) fcinfo->resultinfo)->setResult, desc);
	research_trade_rules(config, &rules);

	SPI_connect();
	qdesc = query_describe(query, what, &query);
	has_sip = query_has_column(qdesc, "sip_timestamp");
	has_cond = query_has_column(qdesc, "conditions");
	for (int c = 0; c < 4; c++)
	{
		static const char *const required[] = {"ticker", "ts", "price", "size"};

		if (c == 1 ? !has_sip && !query_has_column(qdesc, "ts") : !query_has_column(qdesc, required[c]))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("%s has no column \"%s\"", what, c == 1 ? "sip_timestamp" : required[c]),
					 errhint("It must return ticker, sip_timestamp (or ts), price and size; conditions and sequence_number are optional.")));
	}
	initStringInfo(&sql);
	/*
	 * Sorted by ticker and time: by ts first when there is one, the order
	 * polygon_fdw returns and an index on (ticker, ts) gives, so that only
	 * trades of one microsecond are sorted again (an incremental sort that
	 * streams) rather than the whole query.
	 */
	appendStringInfo(&sql, "SELECT ticker::text, %s, price::float8, size::float8, %s FROM (%s) AS trades "
					 "ORDER BY trades.ticker%s%s%s",
					 has_sip ? "sip_timestamp::int8" : "ts::timestamptz",
					 has_cond ? "conditions::int4[]" : "NULL::int4[]", query,
					 query_has_column(qdesc, "ts") ? ", trades.ts" : "",
					 has_sip ? ", trades.sip_timestamp" : "",
					 query_has_column(qdesc, "sequence_number") ? ", trades.sequence_number" : "");
	row_stream_open(&src, sql.data);
	progress_begin("tape.bars_from_trades", "trades", src.estimated_rows, "tickers", "bars");

	while (row_stream_next(&src))
	{
		Datum	   *v = src.values;
		bool	   *isnull = src.nulls;
		text	   *t;
		int			len;
		int64		ns;

		CHECK_FOR_INTERRUPTS();
		if (isnull[0])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s returned a trade without a ticker", what)));
		t = DatumGetTextPP(v[0]);
		len = VARSIZE_ANY_EXHDR(t);
		if (ticker == NULL || len != (int) strlen(ticker) || memcmp(ticker, VARDATA_ANY(t), len) != 0)
		{
			if (ticker != NULL)
				bar_builder_finish_ticker(&b);
			if (len + 1 > ticker_cap)
			{
				ticker_cap = Max(len + 1, 32);
				ticker = MemoryContextAlloc(CurTransactionContext, ticker_cap);
			}
			memcpy(ticker, VARDATA_ANY(t), len);
			ticker[len] = '\0';
			tickers++;
			bar_builder_start_ticker(&b, ticker);
		}
		if (isnull[1])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s returned a trade of ticker \"%s\" without %s", what, ticker,
							has_sip ? "sip_timestamp" : "ts")));
		if (has_sip)
			ns = DatumGetInt64(v[1]);
		else if (research_time_ok(DatumGetTimestampTz(v[1])))
			ns = timestamptz_to_ns(DatumGetTimestampTz(v[1]));
		else
			ns = research_time_ns(DatumGetTimestampTz(v[1]),
								  psprintf("the ts of a trade of ticker \"%s\"", ticker));
		if (isnull[2] || isnull[3] || !isfinite(DatumGetFloat8(v[2])) || !isfinite(DatumGetFloat8(v[3])) ||
			DatumGetFloat8(v[3]) < 0)
			continue;			/* a trade without a price or a size is of no use */
		bar_builder_add(&b, ns, DatumGetFloat8(v[2]), DatumGetFloat8(v[3]),
						trade_flags(&rules, v[4], isnull[4]));
		if ((src.rows & 4095) == 0)
			progress_update(src.rows, tickers, b.emitted, ticker);
	}
	if (ticker != NULL)
		bar_builder_finish_ticker(&b);
	progress_update(src.rows, tickers, b.emitted, NULL);
	progress_end();
	row_stream_close(&src);
	SPI_finish();
	return (Datum) 0;
}
