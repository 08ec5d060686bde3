/*-------------------------------------------------------------------------
 *
 * pack.c
 *		The aggregates that pack a window of trades or quotes into a block.
 *
 *	  SELECT tape.pack_trades(t ORDER BY t.sip_timestamp) FROM polygon.trades t WHERE ...
 *	  SELECT tape.pack_quotes(q, 5 ORDER BY q.sip_timestamp) FROM polygon.quotes q WHERE ...
 *
 * The rows are whole-row references of whatever holds them (polygon.trades,
 * a flat file, a local table, a query): each column of the schema is found
 * by name in the row type, once per row type, and its type must be the
 * schema's.  Other columns are ignored; ts may be absent (it is
 * sip_timestamp floored to the microsecond).  Rows accumulate column by
 * column in growable arrays of the aggregate's memory context; the final
 * function encodes them without changing the state.
 *
 * The rows must come in sip_timestamp order (rows with the same
 * sip_timestamp keep the order they come in) and be of one ticker: anything
 * else is an error, not a block that would mislead.  An empty window packs
 * into a block of no rows.
 *
 * Quotes may be down-sampled as they are packed, keeping at most N a
 * second: each second of sip_timestamp is cut into N equal intervals; a
 * quote is kept when (1) it changes the NBBO (bid and ask price and size)
 * from the quote before it, (2) no later quote of its interval changes it
 * again, and (3) its NBBO differs from that of the last quote kept.  So the
 * last state of each interval wins, with the time it began, and an interval
 * whose state did not change keeps nothing.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/store/pack.c
 *
 *-------------------------------------------------------------------------
 */
#include "store/store.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

/* Nanoseconds a second */
#define NS_PER_SECOND	INT64CONST(1000000000)

/* The most quotes a second pack_quotes may keep (a microsecond apart) */
#define MAX_PER_SECOND_LIMIT	1000000

/* The most columns of a schema that make the NBBO */
#define NBBO_MAX_COLUMNS 8

/* Where each column of a schema is in a row type */
typedef struct RecordMap
{
	Oid			tuptype;		/* the row type it maps */
	int32		tuptypmod;
	TupleDesc	tupdesc;		/* its descriptor (a copy) */
	int			att[STORE_MAX_COLUMNS]; /* attribute index, -1 = derived */
	Datum	   *values;			/* a deformed row */
	bool	   *nulls;
} RecordMap;

/* The NBBO of a quote: the bits of its SCF_NBBO columns */
typedef struct Nbbo
{
	uint64		bits[NBBO_MAX_COLUMNS];
	bool		isnull[NBBO_MAX_COLUMNS];
} Nbbo;

/* The state of pack_trades and pack_quotes */
typedef struct PackState
{
	const BlockSchema *schema;
	MemoryContext cxt;			/* the aggregate's context */
	int64		rows;			/* rows kept */
	int64		cap;			/* rows allocated */
	int64		source_rows;	/* rows given */
	ColumnValues cols[STORE_MAX_COLUMNS];	/* the kept rows, by column */
	char		ticker[BLOCK_MAX_TICKER];	/* the window's ticker */
	int			ticker_len;
	int64		prev_order;		/* order key of the last row given */
	/* down-sampling of quotes */
	int32		max_per_second; /* N; 0 = keep every quote */
	bool		have_prev;		/* prev is set */
	Nbbo		prev;			/* NBBO of the last quote given */
	bool		pending;		/* the last row kept may still be replaced */
	int64		pending_interval;	/* its interval */
	Nbbo		pending_nbbo;	/* its NBBO */
	bool		have_kept;		/* kept is set */
	Nbbo		kept;			/* NBBO of the last row settled as kept */
} PackState;

PG_FUNCTION_INFO_V1(tape_pack_trades_accum);
PG_FUNCTION_INFO_V1(tape_pack_quotes_accum);
PG_FUNCTION_INFO_V1(tape_pack_trades_final);
PG_FUNCTION_INFO_V1(tape_pack_quotes_final);

/*
 * record_map
 *		The column map of a row's type, built the first time the type is
 *		seen and kept in the function's cache.
 */
static RecordMap *
record_map(FunctionCallInfo fcinfo, const BlockSchema *schema, HeapTupleHeader rec)
{
	Oid			tuptype = HeapTupleHeaderGetTypeId(rec);
	int32		tuptypmod = HeapTupleHeaderGetTypMod(rec);
	RecordMap  *map = (RecordMap *) fcinfo->flinfo->fn_extra;
	MemoryContext old;
	TupleDesc	td;

	if (map != NULL && map->tuptype == tuptype && map->tuptypmod == tuptypmod)
		return map;

	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	map = palloc0(sizeof(RecordMap));
	map->tuptype = tuptype;
	map->tuptypmod = tuptypmod;
	td = lookup_rowtype_tupdesc(tuptype, tuptypmod);
	map->tupdesc = CreateTupleDescCopy(td);
	ReleaseTupleDesc(td);
	map->values = palloc(Max(map->tupdesc->natts, 1) * sizeof(Datum));
	map->nulls = palloc(Max(map->tupdesc->natts, 1) * sizeof(bool));
	MemoryContextSwitchTo(old);

	for (int c = 0; c < schema->ncolumns; c++)
	{
		const StoreColumn *col = &schema->columns[c];

		map->att[c] = -1;
		for (int a = 0; a < map->tupdesc->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(map->tupdesc, a);

			if (att->attisdropped || strcmp(NameStr(att->attname), col->name) != 0)
				continue;
			if (att->atttypid != col->typid)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("column \"%s\" of the rows given to %s has type %s, not %s",
								col->name, schema->pack_function, format_type_be(att->atttypid),
								format_type_be(col->typid)),
						 errhint("Cast it in a subquery, or pack the rows of %s.", schema->source)));
			map->att[c] = a;
			break;
		}
		if (map->att[c] < 0 && !(col->flags & SCF_DERIVED))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("the rows given to %s have no column \"%s\"", schema->pack_function,
							col->name),
					 errhint("%s packs rows with the columns of %s.", schema->pack_function,
							 schema->source)));
	}
	fcinfo->flinfo->fn_extra = map;
	return map;
}

/* make room for one more row */
static void
pack_reserve(PackState *st)
{
	int64		cap;

	if (st->rows < st->cap)
		return;
	if (st->rows >= BLOCK_MAX_ROWS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for one tick block"),
				 errdetail("A tick block holds at most " INT64_FORMAT " rows.", BLOCK_MAX_ROWS),
				 errhint("Pack a shorter window.")));
	cap = st->cap == 0 ? 1024 : Min(st->cap * 2, BLOCK_MAX_ROWS);
	for (int c = 0; c < st->schema->ncolumns; c++)
		column_values_grow(&st->schema->columns[c], &st->cols[c], st->cxt, st->cap, cap);
	st->cap = cap;
}

/* keep a row */
static void
pack_append(PackState *st, const Datum *values, const bool *nulls)
{
	pack_reserve(st);
	for (int c = 0; c < st->schema->ncolumns; c++)
		if (st->schema->columns[c].kind != SK_BLOCK_TEXT)
			column_values_set(&st->schema->columns[c], &st->cols[c], st->cxt, st->rows,
							  values[c], nulls[c]);
	st->rows++;
}

/* forget the last row kept */
static void
pack_drop_last(PackState *st)
{
	st->rows--;
	for (int c = 0; c < st->schema->ncolumns; c++)
		if (st->schema->columns[c].kind != SK_BLOCK_TEXT)
			column_values_truncate(&st->schema->columns[c], &st->cols[c], st->rows);
}

/* the NBBO of a quote */
static void
nbbo_of(const BlockSchema *schema, const Datum *values, const bool *nulls, Nbbo *nb)
{
	int			k = 0;

	memset(nb, 0, sizeof(Nbbo));
	for (int c = 0; c < schema->ncolumns && k < NBBO_MAX_COLUMNS; c++)
	{
		double		d;

		if (!(schema->columns[c].flags & SCF_NBBO))
			continue;
		nb->isnull[k] = nulls[c];
		if (!nulls[c])
		{
			d = DatumGetFloat8(values[c]);
			memcpy(&nb->bits[k], &d, sizeof(double));
		}
		k++;
	}
}

/* whether two quotes have the same NBBO, NULLs and bits alike */
static bool
nbbo_equal(const Nbbo *a, const Nbbo *b)
{
	return memcmp(a, b, sizeof(Nbbo)) == 0;
}

/* the interval of a time: its second cut into n equal parts */
static int64
interval_of(int64 ns, int32 n)
{
	int64		sec = ns / NS_PER_SECOND;
	int64		rem = ns % NS_PER_SECOND;

	if (rem < 0)
	{
		sec--;
		rem += NS_PER_SECOND;
	}
	return sec * n + rem * n / NS_PER_SECOND;
}

/* whether the pending row, settled now, would be dropped */
static bool
pending_repeats_kept(const PackState *st)
{
	return st->pending && st->have_kept && nbbo_equal(&st->pending_nbbo, &st->kept);
}

/*
 * pack_sampled
 *		Offer a quote to the down-sampling: keep it (as the pending row of
 *		its interval), replace the pending row with it, or drop it.
 */
static void
pack_sampled(PackState *st, const Datum *values, const bool *nulls, int64 order)
{
	Nbbo		nb;
	bool		changed;
	int64		interval = interval_of(order, st->max_per_second);

	nbbo_of(st->schema, values, nulls, &nb);
	changed = !st->have_prev || !nbbo_equal(&nb, &st->prev);
	st->prev = nb;
	st->have_prev = true;

	/* a new interval settles the last one's pending row */
	if (st->pending && interval != st->pending_interval)
	{
		if (pending_repeats_kept(st))
			pack_drop_last(st);
		else
		{
			st->kept = st->pending_nbbo;
			st->have_kept = true;
		}
		st->pending = false;
	}
	if (!changed)
		return;
	if (st->pending)
		pack_drop_last(st);
	pack_append(st, values, nulls);
	st->pending = true;
	st->pending_interval = interval;
	st->pending_nbbo = nb;
}

/*
 * pack_accum
 *		The transition of pack_trades and pack_quotes: add one row (a NULL
 *		row adds nothing).  max_per_second is -1 for trades.
 */
static Datum
pack_accum(FunctionCallInfo fcinfo, const BlockSchema *schema, int32 max_per_second)
{
	MemoryContext aggcxt;
	PackState  *st = PG_ARGISNULL(0) ? NULL : (PackState *) PG_GETARG_POINTER(0);
	HeapTupleHeader rec;
	HeapTupleData tuple;
	RecordMap  *map;
	Datum		values[STORE_MAX_COLUMNS];
	bool		nulls[STORE_MAX_COLUMNS];
	const StoreColumn *cols = schema->columns;
	int64		order;
	text	   *ticker;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "%s called in non-aggregate context", schema->pack_function);
	if (PG_ARGISNULL(1))
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}

	rec = PG_GETARG_HEAPTUPLEHEADER(1);
	map = record_map(fcinfo, schema, rec);
	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = rec;
	heap_deform_tuple(&tuple, map->tupdesc, map->values, map->nulls);

	for (int c = 0; c < schema->ncolumns; c++)
	{
		values[c] = map->att[c] >= 0 ? map->values[map->att[c]] : (Datum) 0;
		nulls[c] = map->att[c] >= 0 ? map->nulls[map->att[c]] : true;
	}
	for (int c = 0; c < schema->ncolumns; c++)
	{
		/* an absent column derived from its reference (which is never absent) */
		if (map->att[c] < 0)
		{
			nulls[c] = nulls[cols[c].ref];
			if (!nulls[c])
				values[c] = Int64GetDatum(store_ref_value(cols[c].ref_kind,
														  DatumGetInt64(values[cols[c].ref])));
		}
		if (nulls[c] && (cols[c].flags & (SCF_NOT_NULL | SCF_ORDER_KEY)))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("column \"%s\" of a row given to %s is NULL", cols[c].name,
							schema->pack_function)));
	}
	order = DatumGetInt64(values[schema->order_column]);
	ticker = DatumGetTextPP(values[schema->ticker_column]);

	if (st == NULL)
	{
		st = MemoryContextAllocZero(aggcxt, sizeof(PackState));
		st->schema = schema;
		st->cxt = aggcxt;
		st->ticker_len = VARSIZE_ANY_EXHDR(ticker);
		if (st->ticker_len > BLOCK_MAX_TICKER)
			ereport(ERROR,
					(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
					 errmsg("ticker \"%s\" is too long for a tick block", text_to_cstring(ticker)),
					 errdetail("A tick block keeps tickers of at most %d bytes.", BLOCK_MAX_TICKER)));
		memcpy(st->ticker, VARDATA_ANY(ticker), st->ticker_len);
		st->prev_order = order;
		st->max_per_second = Max(max_per_second, 0);
	}
	else
	{
		if (VARSIZE_ANY_EXHDR(ticker) != (Size) st->ticker_len ||
			memcmp(VARDATA_ANY(ticker), st->ticker, st->ticker_len) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("rows of more than one ticker given to %s", schema->pack_function),
					 errdetail("Row " INT64_FORMAT " is of \"%s\", the rows before it of \"%.*s\".",
							   st->source_rows + 1, text_to_cstring(ticker), st->ticker_len,
							   st->ticker),
					 errhint("A block holds one ticker's window: GROUP BY the ticker.")));
		if (order < st->prev_order)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("rows given to %s are not in %s order", schema->pack_function,
							cols[schema->order_column].name),
					 errdetail("Row " INT64_FORMAT " has %s " INT64_FORMAT ", the row before it " INT64_FORMAT ".",
							   st->source_rows + 1, cols[schema->order_column].name, order,
							   st->prev_order),
					 errhint("Write %s(x ORDER BY x.%s).", schema->pack_function,
							 cols[schema->order_column].name)));
		if (max_per_second >= 0 && max_per_second != st->max_per_second)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max_per_second of %s changes within a window", schema->pack_function),
					 errdetail("It was %d, now %d.", st->max_per_second, max_per_second)));
		st->prev_order = order;
	}
	if (st->source_rows >= (int64) PG_UINT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows given to %s for one tick block", schema->pack_function),
				 errhint("Pack a shorter window.")));
	st->source_rows++;

	if (st->max_per_second > 0)
		pack_sampled(st, values, nulls, order);
	else
		pack_append(st, values, nulls);
	PG_RETURN_POINTER(st);
}

/*
 * pack_final
 *		Encode the rows kept as a block (a block of no rows for no rows).
 */
static Datum
pack_final(FunctionCallInfo fcinfo, const BlockSchema *schema)
{
	PackState  *st;
	BlockContents b;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "%s called in non-aggregate context", schema->pack_function);
	st = PG_ARGISNULL(0) ? NULL : (PackState *) PG_GETARG_POINTER(0);

	memset(&b, 0, sizeof(b));
	b.schema = schema;
	if (st != NULL)
	{
		const int64 *order = st->cols[schema->order_column].i64;

		b.cols = st->cols;
		b.rows = st->rows - (pending_repeats_kept(st) ? 1 : 0);
		b.source_rows = st->source_rows;
		b.max_per_second = st->max_per_second;
		if (b.rows > 0)
		{
			b.ticker = st->ticker;
			b.ticker_len = st->ticker_len;
			b.first_order = order[0];
			b.last_order = order[b.rows - 1];
		}
	}
	PG_RETURN_BYTEA_P(block_build(&b));
}

/*
 * tape_pack_trades_accum
 *		pack_trades(record): add a trade.
 */
Datum
tape_pack_trades_accum(PG_FUNCTION_ARGS)
{
	return pack_accum(fcinfo, store_schema_by_kind(BLOCK_KIND_TRADES), -1);
}

/*
 * tape_pack_quotes_accum
 *		pack_quotes(record [, max_per_second]): add a quote.
 */
Datum
tape_pack_quotes_accum(PG_FUNCTION_ARGS)
{
	int32		max_per_second = 0;

	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
	{
		max_per_second = PG_GETARG_INT32(2);
		if (max_per_second < 0 || max_per_second > MAX_PER_SECOND_LIMIT)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max_per_second must be between 0 and %d", MAX_PER_SECOND_LIMIT),
					 errhint("0 or NULL keeps every quote.")));
	}
	return pack_accum(fcinfo, store_schema_by_kind(BLOCK_KIND_QUOTES), max_per_second);
}

/*
 * tape_pack_trades_final
 *		pack_trades: the block.
 */
Datum
tape_pack_trades_final(PG_FUNCTION_ARGS)
{
	return pack_final(fcinfo, store_schema_by_kind(BLOCK_KIND_TRADES));
}

/*
 * tape_pack_quotes_final
 *		pack_quotes: the block.
 */
Datum
tape_pack_quotes_final(PG_FUNCTION_ARGS)
{
	return pack_final(fcinfo, store_schema_by_kind(BLOCK_KIND_QUOTES));
}
