/*-------------------------------------------------------------------------
 *
 * feed.c
 *		What the live worker does with the feed's events.
 *
 * Events are gathered as messages are decoded and handled in one
 * transaction per flush (live_feed_flush):
 *
 *	1. minute bars go into the store through one function,
 *	   tape_internal.live_store_bars (a bar sent again replaces the stored
 *	   one);
 *	2. each bar is pushed into the intraday detector of its ticker (the
 *	   engine of tape.detect_intraday, src/analytics/detect_intraday.c),
 *	   whose state is carried from bar to bar; a ticker's first bar builds
 *	   its detector from the store (resync: the bars since warmed_from, the
 *	   days before the trading day only warming the baselines, so that after
 *	   a restart the day's earlier bars are judged again and their events,
 *	   stored already, are not repeated);
 *	3. a bar older than its ticker's last (a late or replayed message) is
 *	   stored and its ticker resynced from the store, and so are the tickers
 *	   whose missed minutes the REST gap fill brought after a reconnect:
 *	   their events become what tape.detect_intraday finds over the stored
 *	   bars, and the live events of the day no longer found are deleted;
 *	4. the new events go out through tape_internal.live_publish: into
 *	   tape.events_live, NOTIFY tape_events, the user's callback;
 *	5. trades and quotes are appended to tape.live_trades and
 *	   tape.live_quotes.
 *
 * Bars are flushed as soon as their message is decoded (an alert waits for
 * nothing); trades and quotes when tape.live_flush_ms has passed or a
 * batch is full, which bounds the memory they take.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/live/feed.c
 *
 *-------------------------------------------------------------------------
 */
#include "live.h"
#include "analytics/calendar.h"
#include "analytics/detect_intraday.h"
#include "markettime.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

/* the most trades or quotes a flush holds */
#define LIVE_TICK_BATCH 20000

/* the detector of one ticker */
typedef struct TickerState
{
	char		ticker[32];		/* hash key */
	IntradayFeed *det;			/* NULL until its first bar */
	bool		over_limit;		/* beyond tape.live_max_tickers: stored only */
	int64		resynced;		/* the flush that last built it from the store */
} TickerState;

/* a bar waiting for its flush */
typedef struct PendingBar
{
	char		ticker[32];
	TimestampTz ts;
	double		v[6];			/* open high low close volume vwap */
	TimestampTz received;
} PendingBar;

/* trades or quotes waiting for their flush: columns of the live tables */
typedef struct TickBatch
{
	int			n;
	Datum	   *ticker;
	Datum	   *sip;
	Datum	   *f[4];			/* price, size / bid, bid size, ask, ask size */
	Datum	   *x[2];			/* exchange / bid, ask exchange */
	Datum	   *conditions;
	Datum	   *id;
	Datum	   *seq;
	Datum	   *tape;
	TimestampTz first;			/* when the oldest arrived */
} TickBatch;

struct LiveFeed
{
	MemoryContext cxt;			/* the feed's lasting state */
	MemoryContext flush_cxt;	/* one flush */
	Jsonb	   *config;			/* the merged intraday configuration */
	Oid			callback;		/* the user's procedure, or InvalidOid */
	HTAB	   *tickers;
	int			ntickers;
	DateADT		day;			/* trading day of the bars, 0 before the first */
	DateADT		warmed_from;
	Oid			event_type;		/* tape.intraday_event */
	TupleDesc	event_desc;
	bool		gap_pending;	/* reconnected: fill from REST before the next bar */
	PendingBar *bars;
	int			nbars;
	int			bars_cap;
	TickBatch	trades;
	TickBatch	quotes;
	/* the events of one flush */
	Datum	   *events;
	int			nevents;
	int			events_cap;
	int64		flushes;		/* flushes begun */
	void		(*flush) (void *arg);	/* the worker's flush, when a batch is full */
	void	   *flush_arg;
};

static void tick_batch_init(LiveFeed *f, TickBatch *b);

/*
 * live_feed_create
 *		The feed's state, in a context of its own under TopMemoryContext;
 *		flush is the worker's way to flush (live_feed_flush guarded), called
 *		when a batch of ticks is full.
 */
LiveFeed *
live_feed_create(Jsonb *config, Oid callback, void (*flush) (void *arg), void *flush_arg)
{
	MemoryContext cxt = AllocSetContextCreate(TopMemoryContext, "tape live feed",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	LiveFeed   *f = palloc0(sizeof(LiveFeed));
	HASHCTL		hc;

	f->cxt = cxt;
	f->flush = flush;
	f->flush_arg = flush_arg;
	f->flush_cxt = AllocSetContextCreate(cxt, "tape live flush", ALLOCSET_DEFAULT_SIZES);
	f->config = palloc(VARSIZE(config));
	memcpy(f->config, config, VARSIZE(config));
	f->callback = callback;
	memset(&hc, 0, sizeof(hc));
	hc.keysize = 32;
	hc.entrysize = sizeof(TickerState);
	hc.hcxt = cxt;
	f->gap_pending = true;		/* a restart fills what it missed too */
	f->tickers = hash_create("tape live tickers", 1024, &hc, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	f->bars_cap = 1024;
	f->bars = palloc(sizeof(PendingBar) * f->bars_cap);
	tick_batch_init(f, &f->trades);
	tick_batch_init(f, &f->quotes);
	MemoryContextSwitchTo(old);
	return f;
}

/* the arrays of a batch of ticks */
static void
tick_batch_init(LiveFeed *f, TickBatch *b)
{
	b->ticker = palloc(sizeof(Datum) * LIVE_TICK_BATCH);
	b->sip = palloc(sizeof(Datum) * LIVE_TICK_BATCH);
	for (int i = 0; i < 4; i++)
		b->f[i] = palloc(sizeof(Datum) * LIVE_TICK_BATCH);
	for (int i = 0; i < 2; i++)
		b->x[i] = palloc(sizeof(Datum) * LIVE_TICK_BATCH);
	b->conditions = palloc(sizeof(Datum) * LIVE_TICK_BATCH);
	b->id = palloc(sizeof(Datum) * LIVE_TICK_BATCH);
	b->seq = palloc(sizeof(Datum) * LIVE_TICK_BATCH);
	b->tape = palloc(sizeof(Datum) * LIVE_TICK_BATCH);
	b->n = 0;
}

/* a feed time in milliseconds since 1970 as a timestamptz */
static TimestampTz
ms_to_timestamptz(int64 ms)
{
	return ms * 1000 - (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
}

/* conditions as an integer-array literal, in the flush context */
static Datum
conditions_literal(const LiveEvent *ev)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoChar(&s, '{');
	for (int i = 0; i < ev->nconditions; i++)
		appendStringInfo(&s, "%s%d", i ? "," : "", ev->conditions[i]);
	appendStringInfoChar(&s, '}');
	return CStringGetTextDatum(s.data);
}

/*
 * live_feed_event
 *		Keep one decoded event for the next flush.
 */
void
live_feed_event(LiveFeed *f, const LiveEvent *ev)
{
	MemoryContext old;

	if (ev->sym[0] == '\0')
		return;
	switch (ev->kind)
	{
		case LEV_MINUTE_BAR:
			{
				PendingBar *b;

				if (ev->s == 0 || isnan(ev->c))
				{
					live_count(&live_shared->malformed, 1);
					return;
				}
				if (f->nbars == f->bars_cap)
				{
					f->bars_cap *= 2;
					f->bars = repalloc(f->bars, sizeof(PendingBar) * f->bars_cap);
				}
				b = &f->bars[f->nbars++];
				strlcpy(b->ticker, ev->sym, sizeof(b->ticker));
				b->ts = ms_to_timestamptz(ev->s);
				b->v[0] = ev->o;
				b->v[1] = ev->h;
				b->v[2] = ev->l;
				b->v[3] = ev->c;
				b->v[4] = ev->v;
				b->v[5] = ev->vw;
				b->received = GetCurrentTimestamp();
				live_count(&live_shared->bars, 1);
			}
			break;

		case LEV_TRADE:
		case LEV_QUOTE:
			{
				TickBatch  *b = ev->kind == LEV_TRADE ? &f->trades : &f->quotes;
				int			i;

				if (b->n == LIVE_TICK_BATCH)
					f->flush(f->flush_arg);
				if (b->n == LIVE_TICK_BATCH)
					return;		/* the flush failed and was not retried */
				old = MemoryContextSwitchTo(f->flush_cxt);
				i = b->n++;
				if (i == 0)
					b->first = GetCurrentTimestamp();
				b->ticker[i] = CStringGetTextDatum(ev->sym);
				b->sip[i] = Int64GetDatum(ev->t * 1000000);
				if (ev->kind == LEV_TRADE)
				{
					b->f[0][i] = Float8GetDatum(ev->p);
					b->f[1][i] = Float8GetDatum(ev->size);
					b->x[0][i] = Int32GetDatum(ev->x);
					b->id[i] = CStringGetTextDatum(ev->id);
				}
				else
				{
					b->f[0][i] = Float8GetDatum(ev->bp);
					b->f[1][i] = Float8GetDatum(ev->bs);
					b->f[2][i] = Float8GetDatum(ev->ap);
					b->f[3][i] = Float8GetDatum(ev->as);
					b->x[0][i] = Int32GetDatum(ev->bx);
					b->x[1][i] = Int32GetDatum(ev->ax);
				}
				b->conditions[i] = conditions_literal(ev);
				b->seq[i] = Int64GetDatum(ev->q);
				b->tape[i] = Int32GetDatum(ev->z);
				MemoryContextSwitchTo(old);
				live_count(ev->kind == LEV_TRADE ? &live_shared->trades : &live_shared->quotes, 1);
			}
			break;

		default:
			break;
	}
}

/*
 * live_feed_pending
 *		Whether anything waits for a flush; urgent when a bar does, or the
 *		oldest tick has waited tape.live_flush_ms.
 */
bool
live_feed_pending(LiveFeed *f, bool *urgent)
{
	TimestampTz now;
	TimestampTz first = 0;

	*urgent = f->nbars > 0;
	if (f->trades.n > 0)
		first = f->trades.first;
	if (f->quotes.n > 0 && (first == 0 || f->quotes.first < first))
		first = f->quotes.first;
	if (!*urgent && first != 0)
	{
		now = GetCurrentTimestamp();
		*urgent = TimestampDifferenceExceeds(first, now, live_flush_ms);
	}
	return f->nbars > 0 || first != 0;
}

/*
 * live_feed_disconnected
 *		The connection was lost: the minutes missed are to be filled from
 *		REST before the next bar is judged.
 */
void
live_feed_disconnected(LiveFeed *f)
{
	f->gap_pending = true;
}

/*
 * live_feed_discard
 *		After a failed flush (its transaction rolled back): drop what it held
 *		and every detector, which are built again from the store; the minutes
 *		of its bars are filled from REST before the next bar is judged.  Its
 *		trades and quotes are lost.
 */
void
live_feed_discard(LiveFeed *f)
{
	HASH_SEQ_STATUS seq;
	TickerState *t;

	hash_seq_init(&seq, f->tickers);
	while ((t = hash_seq_search(&seq)) != NULL)
	{
		if (t->det)
			intraday_feed_free(t->det);
		t->det = NULL;
	}
	f->nbars = 0;
	f->trades.n = 0;
	f->quotes.n = 0;
	f->nevents = 0;
	f->events = NULL;
	f->events_cap = 0;
	f->gap_pending = true;
	MemoryContextReset(f->flush_cxt);
}

/* ---------------------------------------------------------------------
 * Detectors
 * ---------------------------------------------------------------------
 */

/*
 * collect_event
 *		A detector's event (the columns of tape.intraday_event) into the
 *		flush's array.
 */
static void
collect_event(void *arg, Datum *values, bool *nulls)
{
	LiveFeed   *f = (LiveFeed *) arg;
	MemoryContext old = MemoryContextSwitchTo(f->flush_cxt);
	HeapTuple	tup = heap_form_tuple(f->event_desc, values, nulls);

	if (f->nevents == f->events_cap)
	{
		f->events_cap = Max(64, f->events_cap * 2);
		f->events = f->events ? repalloc(f->events, sizeof(Datum) * f->events_cap)
			: palloc(sizeof(Datum) * f->events_cap);
	}
	f->events[f->nevents++] = HeapTupleGetDatum(tup);
	MemoryContextSwitchTo(old);
}

/* the events first .. nevents-1 as a tape.intraday_event[] */
static Datum
events_array(LiveFeed *f, int first)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(f->event_type, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(f->events + first, f->nevents - first, f->event_type,
										   typlen, typbyval, typalign));
}

/*
 * resync
 *		Build a ticker's detector anew from the stored bars since
 *		warmed_from (the days before the trading day only warm it), then
 *		delete the ticker's live events of the day it no longer finds.
 */
static void
resync(LiveFeed *f, TickerState *t)
{
	MemoryContext old;
	BarSource	src;
	BarRow		row;
	int			first = f->nevents;
	char	   *from;
	char	   *until;
	char	   *query;
	Datum		args[3];
	Oid			types[3] = {TEXTOID, DATEOID, InvalidOid};
	int			ret;

	if (t->det)
		intraday_feed_free(t->det);
	t->resynced = f->flushes;
	old = MemoryContextSwitchTo(f->cxt);
	t->det = intraday_feed_create(f->config, f->day, collect_event, f);
	MemoryContextSwitchTo(old);

	/* the ticker's bars from warmed_from through the day (timestamptz_to_str is static) */
	from = quote_literal_cstr(timestamptz_to_str(market_midnight(f->warmed_from)));
	until = quote_literal_cstr(timestamptz_to_str(market_midnight(f->day + 1)));
	query = psprintf("SELECT ticker, ts, open, high, low, close, volume, vwap, transactions"
					 "  FROM tape.bars_1m WHERE ticker = %s AND ts >= %s AND ts < %s ORDER BY ts",
					 quote_literal_cstr(t->ticker), from, until);
	/* a snapshot that sees the bars this flush stored */
	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	barsource_open(&src, "tape live", query, false, NULL);
	while (barsource_next(&src, &row))
		intraday_feed_push(t->det, &row);
	barsource_close(&src);
	PopActiveSnapshot();

	/* the day's events it no longer finds go */
	types[2] = get_array_type(f->event_type);
	args[0] = CStringGetTextDatum(t->ticker);
	args[1] = DateADTGetDatum(f->day);
	args[2] = events_array(f, first);
	ret = SPI_execute_with_args("SELECT tape_internal.live_retract($1, $2, $3)", 3, types, args,
								NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "tape_internal.live_retract failed: %s", SPI_result_code_string(ret));
}

/*
 * ticker_state
 *		The entry of a ticker, made on its first bar.
 */
static TickerState *
ticker_state(LiveFeed *f, const char *ticker)
{
	bool		found;
	TickerState *t = hash_search(f->tickers, ticker, HASH_ENTER, &found);

	if (!found)
	{
		t->det = NULL;
		t->resynced = -1;
		t->over_limit = f->ntickers >= live_max_tickers;
		if (!t->over_limit)
			f->ntickers++;
	}
	return t;
}

/*
 * start_day
 *		The first bar of a trading day: the partitions, where the detectors'
 *		history starts, and no detector of the day before.
 */
static void
start_day(LiveFeed *f, DateADT day)
{
	HASH_SEQ_STATUS seq;
	TickerState *t;
	int			profile_days = 20;
	JsonbValue *v;
	Jsonb	   *baseline;
	JsonbValue	key;
	char	   *q;

	/* baseline.profile_days of the configuration */
	key.type = jbvString;
	key.val.string.val = "baseline";
	key.val.string.len = 8;
	v = findJsonbValueFromContainer(&f->config->root, JB_FOBJECT, &key);
	if (v && v->type == jbvBinary)
	{
		baseline = JsonbValueToJsonb(v);
		key.val.string.val = "profile_days";
		key.val.string.len = 12;
		v = findJsonbValueFromContainer(&baseline->root, JB_FOBJECT, &key);
		if (v && v->type == jbvNumeric)
			profile_days = DatumGetInt32(DirectFunctionCall1(numeric_int4, NumericGetDatum(v->val.numeric)));
	}

	f->day = day;
	f->warmed_from = calendar_add_trading_days(day, -(profile_days + 5));
	hash_seq_init(&seq, f->tickers);
	while ((t = hash_seq_search(&seq)) != NULL)
	{
		if (t->det)
			intraday_feed_free(t->det);
		t->det = NULL;
	}
	q = psprintf("SELECT tape.create_partitions(%s, %s)",
				 quote_literal_cstr(date_to_iso(day)), quote_literal_cstr(date_to_iso(day)));
	if (SPI_execute(q, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "tape.create_partitions failed");
	SpinLockAcquire(&live_shared->mutex);
	live_shared->trading_day = day;
	live_shared->warmed_from = f->warmed_from;
	SpinLockRelease(&live_shared->mutex);
}

/*
 * fill_gap
 *		After a start or a reconnect, before the first bar is judged: the
 *		minutes missed up to it, from REST (tape_internal.live_fill_gap); the
 *		tickers that got bars are resynced.
 */
static void
fill_gap(LiveFeed *f, TimestampTz until)
{
	Datum		args[2];
	Oid			types[2] = {TIMESTAMPTZOID, TIMESTAMPTZOID};
	int			ret;
	SPITupleTable *tt;
	uint64		rows;
	char	  **filled;
	int64		bars = 0;

	f->gap_pending = false;
	live_set_state(LIVE_FILLING_GAP);
	args[0] = TimestampTzGetDatum(market_midnight(f->day));
	args[1] = TimestampTzGetDatum(until);
	ret = SPI_execute_with_args("SELECT ticker, bars FROM tape_internal.live_fill_gap($1, $2)",
								2, types, args, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "tape_internal.live_fill_gap failed: %s", SPI_result_code_string(ret));
	tt = SPI_tuptable;
	rows = SPI_processed;
	filled = palloc(sizeof(char *) * Max(rows, 1));
	for (uint64 i = 0; i < rows; i++)
	{
		bool		isnull;

		filled[i] = SPI_getvalue(tt->vals[i], tt->tupdesc, 1);
		bars += DatumGetInt64(SPI_getbinval(tt->vals[i], tt->tupdesc, 2, &isnull));
	}
	live_count(&live_shared->gap_bars, bars);
	for (uint64 i = 0; i < rows; i++)
	{
		TickerState *ts = hash_search(f->tickers, filled[i], HASH_FIND, NULL);

		if (ts && ts->det)
			resync(f, ts);
	}
	live_set_state(LIVE_STREAMING);
}

/* ---------------------------------------------------------------------
 * Flush
 * ---------------------------------------------------------------------
 */

/* a float8[] of column k of the pending bars */
static Datum
bar_column(LiveFeed *f, int k)
{
	Datum	   *d = palloc(sizeof(Datum) * f->nbars);
	bool	   *nulls = palloc(sizeof(bool) * f->nbars);
	int			dims[1] = {f->nbars};
	int			lbs[1] = {1};

	for (int i = 0; i < f->nbars; i++)
	{
		nulls[i] = isnan(f->bars[i].v[k]);
		d[i] = Float8GetDatum(nulls[i] ? 0 : f->bars[i].v[k]);
	}
	return PointerGetDatum(construct_md_array(d, nulls, 1, dims, lbs, FLOAT8OID, 8,
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* an array of the n values of a batch column */
static Datum
batch_array(Datum *values, int n, Oid type)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(values, n, type, typlen, typbyval, typalign));
}

/* store the pending bars */
static void
store_bars(LiveFeed *f)
{
	Datum		args[8];
	Oid			types[8] = {TEXTARRAYOID, TIMESTAMPTZARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID,
	FLOAT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID};
	Datum	   *names = palloc(sizeof(Datum) * f->nbars);
	Datum	   *ts = palloc(sizeof(Datum) * f->nbars);
	int			ret;

	for (int i = 0; i < f->nbars; i++)
	{
		names[i] = CStringGetTextDatum(f->bars[i].ticker);
		ts[i] = TimestampTzGetDatum(f->bars[i].ts);
	}
	args[0] = batch_array(names, f->nbars, TEXTOID);
	args[1] = batch_array(ts, f->nbars, TIMESTAMPTZOID);
	for (int k = 0; k < 6; k++)
		args[2 + k] = bar_column(f, k);
	ret = SPI_execute_with_args("SELECT tape_internal.live_store_bars($1, $2, $3, $4, $5, $6, $7, $8)",
								8, types, args, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "tape_internal.live_store_bars failed: %s", SPI_result_code_string(ret));
}

/* store a batch of trades or quotes */
static void
store_ticks(TickBatch *b, bool trades)
{
	int			ret;

	if (b->n == 0)
		return;
	if (trades)
	{
		Datum		args[9];
		Oid			types[9] = {TEXTARRAYOID, INT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID,
		INT4ARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT8ARRAYOID, INT4ARRAYOID};

		args[0] = batch_array(b->ticker, b->n, TEXTOID);
		args[1] = batch_array(b->sip, b->n, INT8OID);
		args[2] = batch_array(b->f[0], b->n, FLOAT8OID);
		args[3] = batch_array(b->f[1], b->n, FLOAT8OID);
		args[4] = batch_array(b->x[0], b->n, INT4OID);
		args[5] = batch_array(b->conditions, b->n, TEXTOID);
		args[6] = batch_array(b->id, b->n, TEXTOID);
		args[7] = batch_array(b->seq, b->n, INT8OID);
		args[8] = batch_array(b->tape, b->n, INT4OID);
		ret = SPI_execute_with_args("SELECT tape_internal.live_store_trades($1, $2, $3, $4, $5, $6, $7, $8, $9)",
									9, types, args, NULL, false, 0);
	}
	else
	{
		Datum		args[11];
		Oid			types[11] = {TEXTARRAYOID, INT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID,
			INT4ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, INT4ARRAYOID, TEXTARRAYOID,
		INT8ARRAYOID, INT4ARRAYOID};

		args[0] = batch_array(b->ticker, b->n, TEXTOID);
		args[1] = batch_array(b->sip, b->n, INT8OID);
		args[2] = batch_array(b->f[0], b->n, FLOAT8OID);
		args[3] = batch_array(b->f[1], b->n, FLOAT8OID);
		args[4] = batch_array(b->x[0], b->n, INT4OID);
		args[5] = batch_array(b->f[2], b->n, FLOAT8OID);
		args[6] = batch_array(b->f[3], b->n, FLOAT8OID);
		args[7] = batch_array(b->x[1], b->n, INT4OID);
		args[8] = batch_array(b->conditions, b->n, TEXTOID);
		args[9] = batch_array(b->seq, b->n, INT8OID);
		args[10] = batch_array(b->tape, b->n, INT4OID);
		ret = SPI_execute_with_args("SELECT tape_internal.live_store_quotes($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
									11, types, args, NULL, false, 0);
	}
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "storing live ticks failed: %s", SPI_result_code_string(ret));
	b->n = 0;
}

/*
 * detect
 *		Push the pending bars into their tickers' detectors, in arrival
 *		order.
 */
static void
detect(LiveFeed *f)
{
	for (int i = 0; i < f->nbars; i++)
	{
		PendingBar *b = &f->bars[i];
		TickerState *t = ticker_state(f, b->ticker);
		BarRow		row;
		TimestampTz last;

		CHECK_FOR_INTERRUPTS();
		if (t->over_limit || market_date_of(b->ts) != f->day)
			continue;
		if (t->det == NULL)
		{
			/* its first bar: the history and the day so far, from the store */
			resync(f, t);
			continue;
		}
		if (intraday_feed_last(t->det, &last) && b->ts <= last && t->resynced == f->flushes)
			continue;			/* stored before its ticker was built in this flush */
		if (intraday_feed_last(t->det, &last) && b->ts <= last)
		{
			/* late, or sent again: judged again from the store, in order */
			live_count(&live_shared->late_bars, 1);
			resync(f, t);
			continue;
		}
		memset(&row, 0, sizeof(row));
		row.ticker = t->ticker;
		row.ticker_no = 1;
		row.ts = b->ts;
		for (int k = 0; k < BC_NVALUES; k++)
			row.v[k] = NAN;
		row.v[BC_OPEN] = b->v[0];
		row.v[BC_HIGH] = b->v[1];
		row.v[BC_LOW] = b->v[2];
		row.v[BC_CLOSE] = b->v[3];
		row.v[BC_VOLUME] = b->v[4];
		row.v[BC_VWAP] = b->v[5];
		intraday_feed_push(t->det, &row);
	}
}

/* publish the flush's events */
static void
publish(LiveFeed *f)
{
	Datum		args[2];
	Oid			types[2] = {get_array_type(f->event_type), REGPROCEDUREOID};
	char		nulls[2] = {' ', f->callback == InvalidOid ? 'n' : ' '};
	int			ret;
	bool		isnull;

	if (f->nevents == 0)
		return;
	args[0] = events_array(f, 0);
	args[1] = ObjectIdGetDatum(f->callback);
	ret = SPI_execute_with_args("SELECT tape_internal.live_publish($1, $2)", 2, types, args, nulls,
								false, 0);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "tape_internal.live_publish failed: %s", SPI_result_code_string(ret));
	live_count(&live_shared->events,
			   DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)));
}

/*
 * live_feed_flush
 *		Everything pending, in one transaction: bars stored and judged,
 *		events published, ticks stored.  Committed, so the NOTIFYs go out.
 */
void
live_feed_flush(LiveFeed *f)
{
	MemoryContext old;

	if (f->nbars == 0 && f->trades.n == 0 && f->quotes.n == 0)
		return;
	f->flushes++;
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	pgstat_report_activity(STATE_RUNNING, "tape live: flush");
	old = MemoryContextSwitchTo(f->flush_cxt);
	if (f->event_type == InvalidOid)
	{
		MemoryContext o2 = MemoryContextSwitchTo(f->cxt);

		f->event_type = DatumGetObjectId(DirectFunctionCall1(regtypein, CStringGetDatum("tape.intraday_event")));
		f->event_desc = lookup_rowtype_tupdesc_copy(f->event_type, -1);
		MemoryContextSwitchTo(o2);
	}

	if (f->nbars > 0)
	{
		DateADT		day = market_date_of(f->bars[f->nbars - 1].ts);
		TimestampTz first = f->bars[0].ts;

		if (day > f->day)
			start_day(f, day);
		for (int i = 1; i < f->nbars; i++)
			first = Min(first, f->bars[i].ts);
		if (f->gap_pending)
			fill_gap(f, first);
		store_bars(f);
		detect(f);
		publish(f);
		SpinLockAcquire(&live_shared->mutex);
		live_shared->lag_us = f->bars[f->nbars - 1].received - (f->bars[f->nbars - 1].ts + USECS_PER_MINUTE);
		live_shared->tickers = f->ntickers;
		SpinLockRelease(&live_shared->mutex);
	}
	store_ticks(&f->trades, true);
	store_ticks(&f->quotes, false);

	MemoryContextSwitchTo(old);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);

	f->nbars = 0;
	f->nevents = 0;
	f->events = NULL;
	f->events_cap = 0;
	f->trades.n = 0;
	f->quotes.n = 0;
	MemoryContextReset(f->flush_cxt);
}
