/*-------------------------------------------------------------------------
 *
 * aggregates.c
 *		Aggregates over trades and bars: VWAP, dollar volume, OHLCV bars.
 *
 * The states are real types (tape.pv_state, tape.ohlcv_state; see
 * aggstate.c), not "internal", and every aggregate has a combine function:
 * so PostgreSQL runs them as partial aggregates in parallel plans, and Citus
 * computes partials on its workers and combines them on the coordinator.
 * vwap and dollar_volume also have an inverse transition, so a sliding
 * window (ROWS n PRECEDING) costs O(1) per row instead of re-aggregating
 * the frame.  Sums are compensated (Neumaier), so millions of rows lose no
 * precision and the inverse does not drift.
 *
 * Speed: the state starts as the aggregate's INITCOND (an empty state,
 * copied once per group by the executor) and the transition functions are
 * strict, so rows with a NULL never reach them.  Called as an aggregate
 * they change the state in place and return it, which the executor takes
 * as "no new value": no allocation and no copy per row, as with
 * PostgreSQL's own float8 accumulators.  Called as plain functions they
 * change a copy, so a value passed in is never modified.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/analytics/aggregates.c
 *
 *-------------------------------------------------------------------------
 */
#include "aggstate.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "utils/timestamp.h"

/* SQL functions */
PG_FUNCTION_INFO_V1(tape_pv_accum);
PG_FUNCTION_INFO_V1(tape_pv_accum_inv);
PG_FUNCTION_INFO_V1(tape_pv_combine);
PG_FUNCTION_INFO_V1(tape_vwap_final);
PG_FUNCTION_INFO_V1(tape_dollar_volume_final);
PG_FUNCTION_INFO_V1(tape_ohlcv_accum);
PG_FUNCTION_INFO_V1(tape_ohlcv_combine);
PG_FUNCTION_INFO_V1(tape_ohlcv_final);

/* Helper functions */
static void *state_to_change(FunctionCallInfo fcinfo, Size size);

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
 * state_to_change
 *		The state in argument 0, ready to be changed: the executor's own
 *		copy when called as an aggregate (it lives in the aggregate's memory
 *		context and the function returns it changed), else a new copy, since
 *		a plain call may pass any value, a table's or a constant's.
 */
static void *
state_to_change(FunctionCallInfo fcinfo, Size size)
{
	void	   *state = PG_GETARG_POINTER(0);

	if (AggCheckCallContext(fcinfo, NULL))
		return state;
	return memcpy(palloc(size), state, size);
}

/* ---------------------------------------------------------------------
 * vwap and dollar_volume
 * ---------------------------------------------------------------------
 */

/*
 * tape_pv_accum
 *		Add a (price, volume) pair (strict: a NULL skips the row).
 */
Datum
tape_pv_accum(PG_FUNCTION_ARGS)
{
	PvState    *st = state_to_change(fcinfo, sizeof(PvState));
	double		price = PG_GETARG_FLOAT8(1);
	double		volume = PG_GETARG_FLOAT8(2);

	st->n++;
	kahan_add(&st->pv, price * volume);
	kahan_add(&st->v, volume);
	PG_RETURN_POINTER(st);
}

/*
 * tape_pv_accum_inv
 *		Remove a pair that leaves a sliding window.
 */
Datum
tape_pv_accum_inv(PG_FUNCTION_ARGS)
{
	PvState    *st = state_to_change(fcinfo, sizeof(PvState));
	double		price = PG_GETARG_FLOAT8(1);
	double		volume = PG_GETARG_FLOAT8(2);

	st->n--;
	kahan_add(&st->pv, -(price * volume));
	kahan_add(&st->v, -volume);
	if (st->n == 0)
		memset(st, 0, sizeof(PvState)); /* exactly empty again */
	PG_RETURN_POINTER(st);
}

/*
 * tape_pv_combine
 *		Add a partial state (argument 1) to a state.
 */
Datum
tape_pv_combine(PG_FUNCTION_ARGS)
{
	PvState    *a = state_to_change(fcinfo, sizeof(PvState));
	PvState    *b = (PvState *) PG_GETARG_POINTER(1);

	a->n += b->n;
	kahan_merge(&a->pv, &b->pv);
	kahan_merge(&a->v, &b->v);
	PG_RETURN_POINTER(a);
}

/*
 * tape_vwap_final
 *		sum(price * volume) / sum(volume); NULL without volume.
 */
Datum
tape_vwap_final(PG_FUNCTION_ARGS)
{
	PvState    *st = (PvState *) PG_GETARG_POINTER(0);
	double		v;

	if (st->n == 0)
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
	PvState    *st = (PvState *) PG_GETARG_POINTER(0);

	if (st->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(kahan_value(&st->pv));
}

/* ---------------------------------------------------------------------
 * ohlcv
 * ---------------------------------------------------------------------
 */

/*
 * tape_ohlcv_accum
 *		Add a trade (ts, price, size); strict: trades without a time, a price
 *		or a size are skipped.  The open is the earliest trade (the first
 *		seen among equal times), the close the latest (the last seen among
 *		equal times).
 */
Datum
tape_ohlcv_accum(PG_FUNCTION_ARGS)
{
	OhlcvState *st = state_to_change(fcinfo, sizeof(OhlcvState));
	TimestampTz ts = PG_GETARG_TIMESTAMPTZ(1);
	double		price = PG_GETARG_FLOAT8(2);
	double		size = PG_GETARG_FLOAT8(3);

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

/*
 * tape_ohlcv_combine
 *		Add a partial bar (argument 1) to a bar: the earlier open, the later
 *		close (the partial's, on a tie), the extremes, the sums.
 */
Datum
tape_ohlcv_combine(PG_FUNCTION_ARGS)
{
	OhlcvState *a = state_to_change(fcinfo, sizeof(OhlcvState));
	OhlcvState *b = (OhlcvState *) PG_GETARG_POINTER(1);

	if (b->trades == 0)
		PG_RETURN_POINTER(a);
	if (a->trades == 0)
	{
		memcpy(a, b, sizeof(OhlcvState));
		PG_RETURN_POINTER(a);
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

/*
 * tape_ohlcv_final
 *		The bar as a tape.bar row; NULL without trades.
 */
Datum
tape_ohlcv_final(PG_FUNCTION_ARGS)
{
	OhlcvState *st = (OhlcvState *) PG_GETARG_POINTER(0);
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9] = {false, false, false, false, false, false, false, false, false};
	double		volume;

	if (st->trades == 0)
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
