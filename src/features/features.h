/*-------------------------------------------------------------------------
 *
 * features.h
 *		Research on captured ticks: bars from trades, features per event
 *		window, triple-barrier labels, plots.
 *
 * Everything here works on plain C arrays of one ticker's trades and quotes
 * (TradeArrays, QuoteArrays), filled from tick blocks (ticks.c) or from the
 * rows of a query.  The kernels know nothing of where the ticks came from;
 * the SQL functions are thin wrappers.  docs/features.md defines every
 * number they compute.
 *
 *	  ticks.c	 blocks into arrays; which trades set prices and volume
 *				 (condition rules); the research configuration
 *	  tickbars.c bars from trades: time, tick, volume, dollar and the three
 *				 imbalance bars, from a block or a query
 *	  window.c	 the features of an event window, one function per family,
 *				 named in a table
 *	  labels.c	 triple-barrier labels from bars or trades, and the sample
 *				 weights of overlapping labels
 *	  plot.c	 an event window as SVG or as a text chart
 *	  qa.c		 the quality checks of a captured window, one function per
 *				 check, named in a table
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/features/features.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TAPE_FEATURES_H
#define TAPE_FEATURES_H

#include "tape.h"

#include "access/tupdesc.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "utils/jsonb.h"

/* Nanoseconds */
#define NS_PER_SECOND	INT64CONST(1000000000)
#define NS_PER_US		INT64CONST(1000)

/* Unix nanoseconds of a timestamptz, and back (floored to the microsecond) */
static inline int64
timestamptz_to_ns(TimestampTz ts)
{
	return (ts + INT64CONST(946684800000000)) * NS_PER_US;
}

/*
 * The times the research functions take: 1700-01-01 to 2199-12-31, well
 * inside the nanoseconds an int64 holds (1677 to 2262), with room for the
 * windows and barriers around them
 */
#define RESEARCH_TIME_MIN	(INT64CONST(-109572) * USECS_PER_DAY)
#define RESEARCH_TIME_MAX	(INT64CONST(73049) * USECS_PER_DAY)

static inline bool
research_time_ok(TimestampTz ts)
{
	return ts >= RESEARCH_TIME_MIN && ts < RESEARCH_TIME_MAX;
}

static inline TimestampTz
ns_to_timestamptz(int64 ns)
{
	int64		us = ns / NS_PER_US - (ns % NS_PER_US < 0 ? 1 : 0);

	return us - INT64CONST(946684800000000);
}

/* ---------------------------------------------------------------------
 * Which trades count (config section "trades")
 * ---------------------------------------------------------------------
 */

/* Condition ids the rules can name: 0 .. TRADE_RULES_MAX_ID */
#define TRADE_RULES_MAX_ID 1023

/* What a trade may be used for */
#define TF_PRICE		0x01	/* its price is a price of the stock now */
#define TF_VOLUME		0x02	/* its size counts toward volume */

typedef struct TradeRules
{
	bits8		price_excluded[(TRADE_RULES_MAX_ID + 8) / 8];	/* bit per id */
	bits8		volume_excluded[(TRADE_RULES_MAX_ID + 8) / 8];
} TradeRules;

/* ---------------------------------------------------------------------
 * Ticks as arrays
 * ---------------------------------------------------------------------
 */

/* One ticker's trades, in sip_timestamp order */
typedef struct TradeArrays
{
	int64		n;				/* trades */
	int64		cap;			/* allocated */
	int64	   *ns;				/* sip_timestamp, Unix nanoseconds */
	double	   *price;
	double	   *size;
	uint8	   *flags;			/* TF_* (0: the trade is of no use) */
	int64	   *seq;			/* sequence_number (SEQUENCE_NULL when NULL),
								 * when asked for (has_seq); else NULL */
	bool		has_seq;		/* seq is kept */
	char	   *ticker;			/* NULL for an empty block */
} TradeArrays;

/* One ticker's NBBO quotes, in sip_timestamp order (sizes in shares, as
 * polygon_fdw returns them in both eras of the API) */
typedef struct QuoteArrays
{
	int64		n;
	int64		cap;
	int64	   *ns;
	double	   *bid;
	double	   *bid_size;
	double	   *ask;
	double	   *ask_size;
	int64	   *seq;			/* as in TradeArrays */
	bool		has_seq;
	char	   *ticker;
} QuoteArrays;

/* a NULL sequence_number in TradeArrays.seq and QuoteArrays.seq */
#define SEQUENCE_NULL	PG_INT64_MIN

/* A quote is a valid NBBO: both sides priced, not crossed (locked is valid) */
static inline bool
quote_is_valid(const QuoteArrays *q, int64 k)
{
	return q->bid[k] > 0 && q->ask[k] > 0 && q->ask[k] >= q->bid[k];
}

/* in ticks.c */
extern void trade_arrays_add(TradeArrays *t, const TradeRules *rules, int64 ns,
							 double price, bool price_null, double size, bool size_null,
							 Datum conditions, bool conditions_null);
extern uint8 trade_flags(const TradeRules *rules, Datum conditions, bool isnull);
extern void read_trade_block(bytea *block, const TradeRules *rules, TradeArrays *out);
extern void read_quote_block(bytea *block, QuoteArrays *out);
extern void read_trade_block_sequenced(bytea *block, const TradeRules *rules, TradeArrays *out);
extern void read_quote_block_sequenced(bytea *block, QuoteArrays *out);
extern int64 first_at(const int64 *times, int64 n, int64 ns);
extern int64 quote_at(const QuoteArrays *q, int64 ns, int64 from);
extern int64 research_time_ns(TimestampTz ts, const char *what);

/* ---------------------------------------------------------------------
 * The research configuration (tape.research_config())
 * ---------------------------------------------------------------------
 */
extern Jsonb *research_section(Jsonb *config, const char *section);
extern void research_trade_rules(Jsonb *config, TradeRules *rules);
extern Jsonb *research_config_arg(FunctionCallInfo fcinfo, int argno);

/* ---------------------------------------------------------------------
 * Composite results documented column by column
 * ---------------------------------------------------------------------
 */

/* A column of a result type, with its words (tape.window_feature_columns()) */
typedef struct ColumnDoc
{
	const char *name;			/* column name */
	const char *family;			/* the family (or check) that fills it */
	const char *unit;
	const char *definition;
} ColumnDoc;

extern TupleDesc column_doc_result_desc(FunctionCallInfo fcinfo, const char *type_name,
										const ColumnDoc *columns, int ncolumns);
extern void column_doc_rows(FunctionCallInfo fcinfo, const ColumnDoc *columns, int ncolumns);

/* in window.c: the window around an event (features.window) */
extern void feature_window_read(Jsonb *config, int64 *before_ns, int64 *after_ns);

/* ---------------------------------------------------------------------
 * The tick rule, shared by bars and features
 * ---------------------------------------------------------------------
 */

/*
 * TickRule
 *		The sign of a trade from the prices before it: +1 above the last
 *		different price, -1 below it, 0 until the price has changed once.
 */
typedef struct TickRule
{
	bool		has_price;		/* a price was seen */
	double		last_price;		/* the last price seen */
	int			sign;			/* the sign of the last change, 0 before one */
} TickRule;

static inline int
tick_rule_sign(TickRule *r, double price)
{
	if (r->has_price && price != r->last_price)
		r->sign = price > r->last_price ? 1 : -1;
	r->has_price = true;
	r->last_price = price;
	return r->sign;
}

/* ---------------------------------------------------------------------
 * Exponentially weighted statistics
 * ---------------------------------------------------------------------
 */

/* an EWMA with alpha = 2 / (span + 1), seeded by its first value */
typedef struct Ewma
{
	double		alpha;
	double		value;
	bool		seeded;
} Ewma;

static inline void
ewma_init(Ewma *e, double span)
{
	e->alpha = 2.0 / (span + 1.0);
	e->value = 0;
	e->seeded = false;
}

static inline void
ewma_add(Ewma *e, double x)
{
	e->value = e->seeded ? e->alpha * x + (1 - e->alpha) * e->value : x;
	e->seeded = true;
}

#endif							/* TAPE_FEATURES_H */
