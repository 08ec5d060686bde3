/*-------------------------------------------------------------------------
 *
 * aggregates.c
 *		Aggregates over trades and bars: VWAP, dollar volume, OHLCV bars.
 *
 * Every aggregate has an internal state with combine, serialize and
 * deserialize functions, so it runs as a partial aggregate in parallel
 * plans (and on distributed tables).  vwap and dollar_volume also have an
 * inverse transition, so a sliding window (ROWS n PRECEDING) costs O(1) per
 * row instead of re-aggregating the frame.  Sums are compensated
 * (Neumaier), so millions of rows lose no precision and the inverse does
 * not drift.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/analytics/aggregates.c
 *
 *-------------------------------------------------------------------------
 */
#include "tape.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

/* A compensated sum */
typedef struct KahanSum
{
	double		sum;
	double		comp;
} KahanSum;

/* State of vwap and dollar_volume */
typedef struct PvState
{
	int64		n;				/* rows with price and volume */
	KahanSum	pv;				/* sum of price * volume */
	KahanSum	v;				/* sum of volume */
} PvState;

/* State of ohlcv */
typedef struct OhlcvState
{
	int64		trades;			/* trades aggregated */
	TimestampTz first_ts;		/* time of the open */
	TimestampTz last_ts;		/* time of the close */
	double		open;
	double		high;
	double		low;
	double		close;
	KahanSum	volume;
	KahanSum	pv;
} OhlcvState;

PG_FUNCTION_INFO_V1(tape_pv_accum);
PG_FUNCTION_INFO_V1(tape_pv_accum_inv);
PG_FUNCTION_INFO_V1(tape_pv_combine);
PG_FUNCTION_INFO_V1(tape_pv_serialize);
PG_FUNCTION_INFO_V1(tape_pv_deserialize);
PG_FUNCTION_INFO_V1(tape_vwap_final);
PG_FUNCTION_INFO_V1(tape_dollar_volume_final);
PG_FUNCTION_INFO_V1(tape_ohlcv_accum);
PG_FUNCTION_INFO_V1(tape_ohlcv_combine);
PG_FUNCTION_INFO_V1(tape_ohlcv_serialize);
PG_FUNCTION_INFO_V1(tape_ohlcv_deserialize);
PG_FUNCTION_INFO_V1(tape_ohlcv_final);

static inline void
kahan_add(KahanSum *k, double x)
{
	double		t = k->sum + x;

	if (fabs(k->sum) >= fabs(x))
		k->comp += (k->sum - t) + x;
	else
		k->comp += (x - t) + k->sum;
	k->sum = t;
}

static inline double
kahan_value(const KahanSum *k)
{
	return k->sum + k->comp;
}

static inline void
kahan_merge(KahanSum *a, const KahanSum *b)
{
	kahan_add(a, b->sum);
	kahan_add(a, b->comp);
}

/*
 * agg_context
 *		The aggregate's memory context; refuse plain function calls.
 */
static MemoryContext
agg_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "%s called in non-aggregate context", fname);
	return aggcontext;
}

/* ---------------------------------------------------------------------
 * vwap and dollar_volume
 * ---------------------------------------------------------------------
 */

static PvState *
pv_state(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcontext = agg_context(fcinfo, fname);

	if (PG_ARGISNULL(0))
		return (PvState *) MemoryContextAllocZero(aggcontext, sizeof(PvState));
	return (PvState *) PG_GETARG_POINTER(0);
}

/*
 * tape_pv_accum
 *		Add a (price, volume) pair; rows with a NULL are skipped.
 */
/* read a serialized state */
static void
message_of(StringInfo buf, bytea *raw)
{
	buf->data = VARDATA_ANY(raw);
	buf->len = VARSIZE_ANY_EXHDR(raw);
	buf->maxlen = buf->len;
	buf->cursor = 0;
}

Datum
tape_pv_accum(PG_FUNCTION_ARGS)
{
	PvState    *st = pv_state(fcinfo, "tape_pv_accum");

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
	{
		double		price = PG_GETARG_FLOAT8(1);
		double		volume = PG_GETARG_FLOAT8(2);

		st->n++;
		kahan_add(&st->pv, price * volume);
		kahan_add(&st->v, volume);
	}
	PG_RETURN_POINTER(st);
}

/*
 * tape_pv_accum_inv
 *		Remove a pair that leaves a sliding window.
 */
Datum
tape_pv_accum_inv(PG_FUNCTION_ARGS)
{
	PvState    *st = pv_state(fcinfo, "tape_pv_accum_inv");

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
	{
		double		price = PG_GETARG_FLOAT8(1);
		double		volume = PG_GETARG_FLOAT8(2);

		st->n--;
		kahan_add(&st->pv, -(price * volume));
		kahan_add(&st->v, -volume);
		if (st->n == 0)
			memset(st, 0, sizeof(PvState));		/* exactly empty again */
	}
	PG_RETURN_POINTER(st);
}

Datum
tape_pv_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "tape_pv_combine");
	PvState    *a = PG_ARGISNULL(0) ? NULL : (PvState *) PG_GETARG_POINTER(0);
	PvState    *b = PG_ARGISNULL(1) ? NULL : (PvState *) PG_GETARG_POINTER(1);

	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
	{
		a = (PvState *) MemoryContextAlloc(aggcontext, sizeof(PvState));
		memcpy(a, b, sizeof(PvState));
		PG_RETURN_POINTER(a);
	}
	a->n += b->n;
	kahan_merge(&a->pv, &b->pv);
	kahan_merge(&a->v, &b->v);
	PG_RETURN_POINTER(a);
}

Datum
tape_pv_serialize(PG_FUNCTION_ARGS)
{
	PvState    *st = (PvState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	(void) agg_context(fcinfo, "tape_pv_serialize");
	pq_begintypsend(&buf);
	pq_sendint64(&buf, st->n);
	pq_sendfloat8(&buf, st->pv.sum);
	pq_sendfloat8(&buf, st->pv.comp);
	pq_sendfloat8(&buf, st->v.sum);
	pq_sendfloat8(&buf, st->v.comp);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
tape_pv_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "tape_pv_deserialize");
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	PvState    *st = (PvState *) MemoryContextAllocZero(aggcontext, sizeof(PvState));

	message_of(&buf, raw);
	st->n = pq_getmsgint64(&buf);
	st->pv.sum = pq_getmsgfloat8(&buf);
	st->pv.comp = pq_getmsgfloat8(&buf);
	st->v.sum = pq_getmsgfloat8(&buf);
	st->v.comp = pq_getmsgfloat8(&buf);
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(st);
}

/*
 * tape_vwap_final
 *		sum(price * volume) / sum(volume); NULL without volume.
 */
Datum
tape_vwap_final(PG_FUNCTION_ARGS)
{
	PvState    *st = PG_ARGISNULL(0) ? NULL : (PvState *) PG_GETARG_POINTER(0);
	double		v;

	if (st == NULL || st->n == 0)
		PG_RETURN_NULL();
	v = kahan_value(&st->v);
	if (v == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(kahan_value(&st->pv) / v);
}

/*
 * tape_dollar_volume_final
 *		sum(price * volume); NULL without rows.
 */
Datum
tape_dollar_volume_final(PG_FUNCTION_ARGS)
{
	PvState    *st = PG_ARGISNULL(0) ? NULL : (PvState *) PG_GETARG_POINTER(0);

	if (st == NULL || st->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(kahan_value(&st->pv));
}

/* ---------------------------------------------------------------------
 * ohlcv
 * ---------------------------------------------------------------------
 */

/*
 * tape_ohlcv_accum
 *		Add a trade (ts, price, size).  Trades without a price or a size are
 *		skipped.  The open is the earliest trade (the first seen among equal
 *		times), the close the latest (the last seen among equal times).
 */
Datum
tape_ohlcv_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "tape_ohlcv_accum");
	OhlcvState *st;
	TimestampTz ts;
	double		price;
	double		size;

	if (PG_ARGISNULL(0))
		st = (OhlcvState *) MemoryContextAllocZero(aggcontext, sizeof(OhlcvState));
	else
		st = (OhlcvState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(st);

	ts = PG_GETARG_TIMESTAMPTZ(1);
	price = PG_GETARG_FLOAT8(2);
	size = PG_GETARG_FLOAT8(3);
	if (st->trades == 0)
	{
		st->first_ts = st->last_ts = ts;
		st->open = st->high = st->low = st->close = price;
	}
	else
	{
		if (ts < st->first_ts)
		{
			st->first_ts = ts;
			st->open = price;
		}
		if (ts >= st->last_ts)
		{
			st->last_ts = ts;
			st->close = price;
		}
		if (price > st->high)
			st->high = price;
		if (price < st->low)
			st->low = price;
	}
	st->trades++;
	kahan_add(&st->volume, size);
	kahan_add(&st->pv, price * size);
	PG_RETURN_POINTER(st);
}

Datum
tape_ohlcv_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "tape_ohlcv_combine");
	OhlcvState *a = PG_ARGISNULL(0) ? NULL : (OhlcvState *) PG_GETARG_POINTER(0);
	OhlcvState *b = PG_ARGISNULL(1) ? NULL : (OhlcvState *) PG_GETARG_POINTER(1);

	if (b == NULL || b->trades == 0)
		PG_RETURN_POINTER(a);
	if (a == NULL || a->trades == 0)
	{
		OhlcvState *c = (OhlcvState *) MemoryContextAlloc(aggcontext, sizeof(OhlcvState));

		memcpy(c, b, sizeof(OhlcvState));
		PG_RETURN_POINTER(c);
	}
	if (b->first_ts < a->first_ts)
	{
		a->first_ts = b->first_ts;
		a->open = b->open;
	}
	if (b->last_ts >= a->last_ts)
	{
		a->last_ts = b->last_ts;
		a->close = b->close;
	}
	a->high = Max(a->high, b->high);
	a->low = Min(a->low, b->low);
	a->trades += b->trades;
	kahan_merge(&a->volume, &b->volume);
	kahan_merge(&a->pv, &b->pv);
	PG_RETURN_POINTER(a);
}

Datum
tape_ohlcv_serialize(PG_FUNCTION_ARGS)
{
	OhlcvState *st = (OhlcvState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	(void) agg_context(fcinfo, "tape_ohlcv_serialize");
	pq_begintypsend(&buf);
	pq_sendint64(&buf, st->trades);
	pq_sendint64(&buf, st->first_ts);
	pq_sendint64(&buf, st->last_ts);
	pq_sendfloat8(&buf, st->open);
	pq_sendfloat8(&buf, st->high);
	pq_sendfloat8(&buf, st->low);
	pq_sendfloat8(&buf, st->close);
	pq_sendfloat8(&buf, st->volume.sum);
	pq_sendfloat8(&buf, st->volume.comp);
	pq_sendfloat8(&buf, st->pv.sum);
	pq_sendfloat8(&buf, st->pv.comp);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
tape_ohlcv_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "tape_ohlcv_deserialize");
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	OhlcvState *st = (OhlcvState *) MemoryContextAllocZero(aggcontext, sizeof(OhlcvState));

	message_of(&buf, raw);
	st->trades = pq_getmsgint64(&buf);
	st->first_ts = pq_getmsgint64(&buf);
	st->last_ts = pq_getmsgint64(&buf);
	st->open = pq_getmsgfloat8(&buf);
	st->high = pq_getmsgfloat8(&buf);
	st->low = pq_getmsgfloat8(&buf);
	st->close = pq_getmsgfloat8(&buf);
	st->volume.sum = pq_getmsgfloat8(&buf);
	st->volume.comp = pq_getmsgfloat8(&buf);
	st->pv.sum = pq_getmsgfloat8(&buf);
	st->pv.comp = pq_getmsgfloat8(&buf);
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(st);
}

/*
 * tape_ohlcv_final
 *		The bar as a tape.bar row; NULL without trades.
 */
Datum
tape_ohlcv_final(PG_FUNCTION_ARGS)
{
	OhlcvState *st = PG_ARGISNULL(0) ? NULL : (OhlcvState *) PG_GETARG_POINTER(0);
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9] = {false, false, false, false, false, false, false, false, false};
	double		volume;

	if (st == NULL || st->trades == 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	volume = kahan_value(&st->volume);
	values[0] = Float8GetDatum(st->open);
	values[1] = Float8GetDatum(st->high);
	values[2] = Float8GetDatum(st->low);
	values[3] = Float8GetDatum(st->close);
	values[4] = Float8GetDatum(volume);
	if (volume != 0)
		values[5] = Float8GetDatum(kahan_value(&st->pv) / volume);
	else
		nulls[5] = true;
	values[6] = Int64GetDatum(st->trades);
	values[7] = TimestampTzGetDatum(st->first_ts);
	values[8] = TimestampTzGetDatum(st->last_ts);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
