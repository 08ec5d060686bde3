/*-------------------------------------------------------------------------
 *
 * qa.c
 *		The quality checks of a captured window, from its trades and quotes.
 *
 * tape.window_qa(trades, quotes, range_start, range_end, tolerance, config)
 * reads the two blocks once into arrays, sequence numbers included, keeps
 * the rows of [range_start, range_end) and runs every check of the table
 * below over them.  A check is one function that fills its columns of
 * tape.window_qa_values; the column table names each column, the check that
 * fills it, its unit and its definition (the words docs/research-workflow.md
 * gives, and tape.window_qa_columns() returns).  A check whose block is
 * missing leaves its columns NULL.
 *
 * The checks count; they do not judge.  What makes a window suspect is a
 * threshold of the store's settings (qa.*), applied in SQL by the view
 * tape.capture_qa and tape.suspect_windows(), so a threshold changed with
 * an UPDATE of tape.configuration applies at once, without recomputing
 * anything here.
 *
 * Timestamps cannot go back inside a block: the packers refuse rows out of
 * sip_timestamp order and the decoder refuses a block whose times go back
 * (src/store/).  What can be wrong is the order the SIP gave the rows: its
 * sequence numbers, which rise through a ticker's day, going back (rows out
 * of order) or repeating (rows twice).
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/features/qa.c
 *
 *-------------------------------------------------------------------------
 */
#include "features/features.h"
#include "analytics/calendar.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(tape_window_qa);
PG_FUNCTION_INFO_V1(tape_window_qa_columns);

/* The columns of tape.window_qa_values, in order */
typedef enum QaValue
{
	QV_TRADES,
	QV_TRADES_OUT_OF_ORDER,
	QV_TRADE_DUPLICATES,
	QV_QUOTES,
	QV_QUOTES_OUT_OF_ORDER,
	QV_QUOTE_DUPLICATES,
	QV_CROSSED_QUOTES,
	QV_LOCKED_QUOTES,
	QV_ONE_SIDED_QUOTES,
	QV_PRICED_TRADES,
	QV_TRADES_WITH_NBBO,
	QV_TRADES_OUTSIDE_NBBO,
	QV_RTH_SECONDS,
	QV_RTH_TRADES,
	QV_LONGEST_RTH_GAP_SECONDS,
	QV_NCOLUMNS
} QaValue;

/* A captured range, ready for the checks */
typedef struct QaRange
{
	const TradeArrays *t;		/* NULL when no trades block was given */
	const QuoteArrays *q;		/* NULL when no quotes block was given */
	int64		start;			/* the range [start, end), ns */
	int64		end;
	int64		t_first;		/* first trade in the range */
	int64		t_end;			/* first trade at or after its end */
	int64		q_first;		/* first quote in the range */
	int64		q_end;			/* first quote at or after its end */
	double		tolerance;		/* trades outside the NBBO: bps of the mid / 1e4 */
} QaRange;

/* The values being computed */
typedef struct QaValues
{
	Datum		v[QV_NCOLUMNS];
	bool		isnull[QV_NCOLUMNS];
} QaValues;

typedef void (*QaCheckFn) (const QaRange *r, QaValues *out);

static void check_trade_sequence(const QaRange *r, QaValues *out);
static void check_quote_sequence(const QaRange *r, QaValues *out);
static void check_nbbo(const QaRange *r, QaValues *out);
static void check_trades_vs_nbbo(const QaRange *r, QaValues *out);
static void check_rth_coverage(const QaRange *r, QaValues *out);

/* A check: one function filling its columns */
typedef struct QaCheck
{
	const char *name;
	QaCheckFn	fn;
	bool		needs_trades;	/* its columns stay NULL without trades */
	bool		needs_quotes;	/* ... without quotes */
} QaCheck;

static const QaCheck checks[] = {
	{"trade_sequence", check_trade_sequence, true, false},
	{"quote_sequence", check_quote_sequence, false, true},
	{"nbbo", check_nbbo, false, true},
	{"trades_vs_nbbo", check_trades_vs_nbbo, true, true},
	{"rth_coverage", check_rth_coverage, false, false},
};

/* The columns of tape.window_qa_values, each with its check and words */
static const ColumnDoc qa_columns[QV_NCOLUMNS] = {
	{"trades", "trade_sequence", "trades", "trades in the range (every row of the trades block in it)"},
	{"trades_out_of_order", "trade_sequence", "trades",
	"trades whose sequence_number is below that of the trade before them (rows in sip_timestamp order; NULL sequence numbers skipped)"},
	{"trade_duplicates", "trade_sequence", "trades",
	"trades whose sequence_number an earlier trade of the range has"},
	{"quotes", "quote_sequence", "quotes", "quotes in the range (every row of the quotes block in it)"},
	{"quotes_out_of_order", "quote_sequence", "quotes", "the same for the quotes"},
	{"quote_duplicates", "quote_sequence", "quotes", "the same for the quotes"},
	{"crossed_quotes", "nbbo", "quotes", "quotes of the range with both sides priced and ask < bid"},
	{"locked_quotes", "nbbo", "quotes", "quotes of the range with both sides priced and ask = bid"},
	{"one_sided_quotes", "nbbo", "quotes", "quotes of the range with a side not priced (bid or ask 0 or NULL)"},
	{"priced_trades", "trades_vs_nbbo", "trades",
	"trades of the range that set prices (none of their conditions in trades.exclude_from_price)"},
	{"trades_with_nbbo", "trades_vs_nbbo", "trades",
	"of those, the trades with a valid NBBO in force (the last quote at or before the trade, in the block, with both sides priced and ask >= bid)"},
	{"trades_outside_nbbo", "trades_vs_nbbo", "trades",
	"of those, the trades priced below bid - tolerance x mid or above ask + tolerance x mid (tolerance in bps of the mid)"},
	{"rth_seconds", "rth_coverage", "seconds", "seconds of the range in the regular session of its day"},
	{"rth_trades", "rth_coverage", "trades", "trades in that part of the range"},
	{"longest_rth_gap_seconds", "rth_coverage", "seconds",
	"the longest stretch of that part without a trade (its bounds close the first and the last stretch); all of it when it has no trade"},
};

/* What a call keeps between rows: the configuration read and the result type */
typedef struct QaCache
{
	Jsonb	   *config;			/* a copy of the configuration it was read from */
	TradeRules	rules;
	TupleDesc	desc;
} QaCache;

static void
set_count(QaValues *out, QaValue c, int64 n)
{
	out->v[c] = Int64GetDatum(n);
	out->isnull[c] = false;
}

static void
set_value(QaValues *out, QaValue c, double v)
{
	out->v[c] = Float8GetDatum(v);
	out->isnull[c] = !isfinite(v);
}

static int
int64_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y;
}

/*
 * check_sequence
 *		The rows seq[from, to) of one kind, in row order: how many there are,
 *		how many have a sequence number below the row before them (NULLs
 *		skipped), and how many repeat an earlier one; into the columns
 *		rows_col, out_of_order_col, duplicates_col.
 */
static void
check_sequence(const int64 *seq, int64 from, int64 to, QaValues *out,
			   QaValue rows_col, QaValue out_of_order_col, QaValue duplicates_col)
{
	int64	   *sorted = palloc(sizeof(int64) * Max(to - from, 1));
	int64		n = 0;
	int64		prev = SEQUENCE_NULL;
	int64		out_of_order = 0,
				duplicates = 0;

	for (int64 i = from; i < to; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (seq[i] == SEQUENCE_NULL)
			continue;
		if (prev != SEQUENCE_NULL && seq[i] < prev)
			out_of_order++;
		prev = seq[i];
		sorted[n++] = seq[i];
	}
	CHECK_FOR_INTERRUPTS();
	qsort(sorted, n, sizeof(int64), int64_cmp);
	for (int64 i = 1; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (sorted[i] == sorted[i - 1])
			duplicates++;
	}
	pfree(sorted);
	set_count(out, rows_col, to - from);
	set_count(out, out_of_order_col, out_of_order);
	set_count(out, duplicates_col, duplicates);
}

/* trade_sequence: the trades of the range, out of order and repeated */
static void
check_trade_sequence(const QaRange *r, QaValues *out)
{
	check_sequence(r->t->seq, r->t_first, r->t_end, out, QV_TRADES, QV_TRADES_OUT_OF_ORDER, QV_TRADE_DUPLICATES);
}

/* quote_sequence: the same for the quotes */
static void
check_quote_sequence(const QaRange *r, QaValues *out)
{
	check_sequence(r->q->seq, r->q_first, r->q_end, out, QV_QUOTES, QV_QUOTES_OUT_OF_ORDER, QV_QUOTE_DUPLICATES);
}

/* nbbo: crossed, locked and one-sided quotes of the range */
static void
check_nbbo(const QaRange *r, QaValues *out)
{
	const QuoteArrays *q = r->q;
	int64		crossed = 0,
				locked = 0,
				one_sided = 0;

	for (int64 k = r->q_first; k < r->q_end; k++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!(q->bid[k] > 0) || !(q->ask[k] > 0))
			one_sided++;
		else if (q->ask[k] < q->bid[k])
			crossed++;
		else if (q->ask[k] == q->bid[k])
			locked++;
	}
	set_count(out, QV_CROSSED_QUOTES, crossed);
	set_count(out, QV_LOCKED_QUOTES, locked);
	set_count(out, QV_ONE_SIDED_QUOTES, one_sided);
}

/*
 * trades_vs_nbbo: the priced trades of the range against the NBBO in force
 * (which may be a quote of the block before the range)
 */
static void
check_trades_vs_nbbo(const QaRange *r, QaValues *out)
{
	const TradeArrays *t = r->t;
	const QuoteArrays *q = r->q;
	int64		priced = 0,
				with_nbbo = 0,
				outside = 0;
	int64		k = -1;

	for (int64 i = r->t_first; i < r->t_end; i++)
	{
		double		mid;

		CHECK_FOR_INTERRUPTS();
		if (!(t->flags[i] & TF_PRICE))
			continue;
		priced++;
		k = quote_at(q, t->ns[i], k);
		if (k < 0 || !quote_is_valid(q, k))
			continue;
		with_nbbo++;
		mid = (q->bid[k] + q->ask[k]) / 2;
		if (t->price[i] < q->bid[k] - r->tolerance * mid || t->price[i] > q->ask[k] + r->tolerance * mid)
			outside++;
	}
	set_count(out, QV_PRICED_TRADES, priced);
	set_count(out, QV_TRADES_WITH_NBBO, with_nbbo);
	set_count(out, QV_TRADES_OUTSIDE_NBBO, outside);
}

/*
 * rth_coverage: the part of the range in the regular session of its day,
 * its trades and its longest stretch without one
 */
static void
check_rth_coverage(const QaRange *r, QaValues *out)
{
	TradingDay	day;
	int64		from,
				to,
				prev,
				longest = 0;
	int64		i;

	calendar_day_of(ns_to_timestamptz(r->start), &day);
	from = day.is_trading ? Max(r->start, timestamptz_to_ns(day.rth_open)) : 0;
	to = day.is_trading ? Min(r->end, timestamptz_to_ns(day.rth_close)) : 0;
	if (to <= from)
	{
		set_value(out, QV_RTH_SECONDS, 0);
		if (r->t)
			set_count(out, QV_RTH_TRADES, 0);
		return;
	}
	set_value(out, QV_RTH_SECONDS, (double) (to - from) / 1e9);
	if (r->t == NULL)
		return;
	i = first_at(r->t->ns, r->t->n, from);
	prev = from;
	set_count(out, QV_RTH_TRADES, first_at(r->t->ns, r->t->n, to) - i);
	for (; i < r->t->n && r->t->ns[i] < to; i++)
	{
		CHECK_FOR_INTERRUPTS();
		longest = Max(longest, r->t->ns[i] - prev);
		prev = r->t->ns[i];
	}
	longest = Max(longest, to - prev);
	set_value(out, QV_LONGEST_RTH_GAP_SECONDS, (double) longest / 1e9);
}

/* ---------------------------------------------------------------------
 * SQL functions
 * ---------------------------------------------------------------------
 */

/*
 * tape_window_qa
 *		tape.window_qa_internal(trades, quotes, range_start, range_end,
 *		nbbo_tolerance_bps, config): the checks of one captured range.
 *		Either block may be NULL: the checks that need it are left NULL.
 */
Datum
tape_window_qa(PG_FUNCTION_ARGS)
{
	QaCache    *cache = (QaCache *) fcinfo->flinfo->fn_extra;
	Jsonb	   *config;
	TradeArrays trades;
	QuoteArrays quotes;
	QaRange		r;
	QaValues	out;
	double		tolerance_bps;

	if (PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		PG_RETURN_NULL();
	config = research_config_arg(fcinfo, 5);
	tolerance_bps = PG_GETARG_FLOAT8(4);
	if (!(tolerance_bps >= 0) || !isfinite(tolerance_bps))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nbbo_tolerance_bps must be 0 or more"),
				 errdetail("It is %g.", tolerance_bps)));

	/* the trade rules and the result type, read once per distinct config */
	if (cache == NULL || VARSIZE(cache->config) != VARSIZE(config) ||
		memcmp(cache->config, config, VARSIZE(config)) != 0)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (cache == NULL)
		{
			cache = palloc0(sizeof(QaCache));
			cache->desc = column_doc_result_desc(fcinfo, "tape.window_qa_values", qa_columns, QV_NCOLUMNS);
		}
		else
			pfree(cache->config);
		research_trade_rules(config, &cache->rules);
		cache->config = palloc(VARSIZE(config));
		memcpy(cache->config, config, VARSIZE(config));
		fcinfo->flinfo->fn_extra = cache;
		MemoryContextSwitchTo(old);
	}

	memset(&r, 0, sizeof(QaRange));
	r.start = research_time_ns(PG_GETARG_TIMESTAMPTZ(2), "range_start");
	r.end = research_time_ns(PG_GETARG_TIMESTAMPTZ(3), "range_end");
	r.tolerance = tolerance_bps / 1e4;
	if (r.end < r.start)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("range_end is before range_start")));
	if (!PG_ARGISNULL(0))
	{
		read_trade_block_sequenced(PG_GETARG_BYTEA_PP(0), &cache->rules, &trades);
		r.t = &trades;
		r.t_first = first_at(trades.ns, trades.n, r.start);
		r.t_end = first_at(trades.ns, trades.n, r.end);
	}
	if (!PG_ARGISNULL(1))
	{
		read_quote_block_sequenced(PG_GETARG_BYTEA_PP(1), &quotes);
		r.q = &quotes;
		r.q_first = first_at(quotes.ns, quotes.n, r.start);
		r.q_end = first_at(quotes.ns, quotes.n, r.end);
	}
	if (r.t && r.q && r.t->ticker && r.q->ticker && strcmp(r.t->ticker, r.q->ticker) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("trades of \"%s\" and quotes of \"%s\" are not one window", r.t->ticker, r.q->ticker),
				 errdetail("The checks of a window compare one ticker's trades with its quotes.")));

	for (int c = 0; c < QV_NCOLUMNS; c++)
	{
		out.v[c] = (Datum) 0;
		out.isnull[c] = true;
	}
	for (size_t k = 0; k < lengthof(checks); k++)
	{
		if ((checks[k].needs_trades && !r.t) || (checks[k].needs_quotes && !r.q))
			continue;
		checks[k].fn(&r, &out);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(cache->desc, out.v, out.isnull)));
}

/*
 * tape_window_qa_columns
 *		tape.window_qa_columns(): every column of tape.window_qa_values with
 *		its check, unit and definition.
 */
Datum
tape_window_qa_columns(PG_FUNCTION_ARGS)
{
	column_doc_rows(fcinfo, qa_columns, QV_NCOLUMNS);
	return (Datum) 0;
}
