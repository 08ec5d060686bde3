/*-------------------------------------------------------------------------
 *
 * windows.c
 *		Window functions over bars: RTH-anchored VWAP, RVOL, ATR, gap.
 *
 * Used as  f(...) OVER (PARTITION BY ticker ORDER BY ts).  PostgreSQL calls
 * a window function once per row, in partition order; each function keeps
 * its running state in the partition's local memory and does O(1) work per
 * row, never re-reading the frame.  A window without ORDER BY is refused
 * (its first two rows are peers), and the functions that take ts refuse
 * rows that go back in time.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/analytics/windows.c
 *
 *-------------------------------------------------------------------------
 */
#include "calendar.h"
#include "indicators.h"

#include "fmgr.h"
#include "utils/timestamp.h"
#include "windowapi.h"

#define MAX_LOOKBACK 100000

typedef struct VwapState
{
	int64		rows;			/* rows seen in the partition */
	TimestampTz last_ts;		/* ts of the previous row */
	TimestampTz day_start;		/* 00:00 New York of the current day */
	TimestampTz day_end;		/* 00:00 New York of the next day */
	TimestampTz anchor;			/* 09:30 of the current day */
	double		pv;				/* sum of price * volume since the anchor */
	double		v;				/* sum of volume since the anchor */
} VwapState;

typedef struct RvolState
{
	int64		rows;			/* rows seen in the partition */
	int			lookback;		/* the window, fixed at the first row */
	RollingMean mean;			/* previous volumes; must be last */
} RvolState;

typedef struct AtrState
{
	int64		rows;
	WilderAtr	atr;
} AtrState;

typedef struct GapState
{
	int64		rows;
	bool		has_prev;
	double		prev_close;
} GapState;

static void check_ordered(WindowObject winobj, const char *fname);
static Datum atr_common(FunctionCallInfo fcinfo, bool percent);

PG_FUNCTION_INFO_V1(tape_rth_vwap);
PG_FUNCTION_INFO_V1(tape_rvol);
PG_FUNCTION_INFO_V1(tape_atr);
PG_FUNCTION_INFO_V1(tape_atr_pct);
PG_FUNCTION_INFO_V1(tape_gap_pct);

/*
 * check_ordered
 *		Refuse a window without ORDER BY: in one, every row is a peer of the
 *		next.  Checked once per partition, on its second row.
 */
static void
check_ordered(WindowObject winobj, const char *fname)
{
	if (WinGetCurrentPosition(winobj) == 1 && WinRowsArePeers(winobj, 0, 1))
		ereport(ERROR,
				(errcode(ERRCODE_WINDOWING_ERROR),
				 errmsg("%s needs its rows in time order", fname),
				 errdetail("The first two rows of the partition are peers: the window has no ORDER BY, or its key repeats."),
				 errhint("Use OVER (PARTITION BY ticker ORDER BY ts).")));
}

/*
 * tape_rth_vwap
 *		tape.rth_vwap(ts, price, volume): the VWAP anchored at 09:30 New York
 *		of each day, running through after hours; NULL before 09:30.
 */
Datum
tape_rth_vwap(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	VwapState  *st = (VwapState *) WinGetPartitionLocalMemory(winobj, sizeof(VwapState));
	bool		ts_null,
				p_null,
				v_null;
	TimestampTz ts = DatumGetTimestampTz(WinGetFuncArgCurrent(winobj, 0, &ts_null));
	double		price = DatumGetFloat8(WinGetFuncArgCurrent(winobj, 1, &p_null));
	double		volume = DatumGetFloat8(WinGetFuncArgCurrent(winobj, 2, &v_null));

	check_ordered(winobj, "tape.rth_vwap");
	if (ts_null || TIMESTAMP_NOT_FINITE(ts))
		PG_RETURN_NULL();
	if (st->rows > 0 && ts < st->last_ts)
		ereport(ERROR,
				(errcode(ERRCODE_WINDOWING_ERROR),
				 errmsg("tape.rth_vwap needs its rows in time order"),
				 errdetail("A row at %s follows a row at %s.",
						   pstrdup(timestamptz_to_str(ts)), pstrdup(timestamptz_to_str(st->last_ts))),
				 errhint("Use OVER (PARTITION BY ticker ORDER BY ts).")));
	st->rows++;
	st->last_ts = ts;

	/* a new New York day starts a new VWAP */
	if (st->rows == 1 || ts < st->day_start || ts >= st->day_end)
	{
		DateADT		d = market_date_of(ts);

		st->day_start = market_time(d, 0);
		st->day_end = market_time(d + 1, 0);
		st->anchor = market_time(d, RTH_OPEN_MIN);
		st->pv = 0;
		st->v = 0;
	}
	if (ts < st->anchor)
		PG_RETURN_NULL();
	if (!p_null && !v_null && volume > 0)
	{
		st->pv += price * volume;
		st->v += volume;
	}
	if (st->v <= 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(st->pv / st->v);
}

/*
 * tape_rvol
 *		tape.rvol(volume, lookback): volume over the mean volume of the
 *		previous lookback rows; NULL until there are lookback of them.
 */
Datum
tape_rvol(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	bool		v_null,
				n_null;
	double		volume = DatumGetFloat8(WinGetFuncArgCurrent(winobj, 0, &v_null));
	int32		lookback = DatumGetInt32(WinGetFuncArgCurrent(winobj, 1, &n_null));
	RvolState  *st;
	double		mean;
	bool		have_mean;

	if (n_null || lookback < 1 || lookback > MAX_LOOKBACK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lookback of tape.rvol must be between 1 and %d", MAX_LOOKBACK)));
	st = (RvolState *) WinGetPartitionLocalMemory(winobj,
												  offsetof(RvolState, mean) + ROLLING_MEAN_SIZE(lookback));
	check_ordered(winobj, "tape.rvol");
	if (st->rows == 0)
	{
		st->lookback = lookback;
		rolling_mean_init(&st->mean, lookback);
	}
	else if (lookback != st->lookback)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lookback of tape.rvol must not change within a partition")));
	st->rows++;

	if (v_null)
		PG_RETURN_NULL();
	have_mean = rolling_mean_full(&st->mean, &mean);
	rolling_mean_add(&st->mean, volume);
	if (!have_mean || mean <= 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(volume / mean);
}

/*
 * atr_common
 *		Wilder's ATR over n rows, as a price or as a percentage of the close.
 */
static Datum
atr_common(FunctionCallInfo fcinfo, bool percent)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	AtrState   *st = (AtrState *) WinGetPartitionLocalMemory(winobj, sizeof(AtrState));
	bool		h_null,
				l_null,
				c_null,
				n_null;
	double		high = DatumGetFloat8(WinGetFuncArgCurrent(winobj, 0, &h_null));
	double		low = DatumGetFloat8(WinGetFuncArgCurrent(winobj, 1, &l_null));
	double		close = DatumGetFloat8(WinGetFuncArgCurrent(winobj, 2, &c_null));
	int32		n = DatumGetInt32(WinGetFuncArgCurrent(winobj, 3, &n_null));
	double		atr;

	if (n_null || n < 1 || n > MAX_LOOKBACK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the period of %s must be between 1 and %d",
						percent ? "tape.atr_pct" : "tape.atr", MAX_LOOKBACK)));
	check_ordered(winobj, percent ? "tape.atr_pct" : "tape.atr");
	if (st->rows == 0)
		wilder_atr_init(&st->atr, n);
	else if (n != st->atr.n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the period of %s must not change within a partition",
						percent ? "tape.atr_pct" : "tape.atr")));
	st->rows++;

	if (h_null || l_null || c_null)
		PG_RETURN_NULL();
	if (!wilder_atr_add(&st->atr, high, low, close, &atr))
		PG_RETURN_NULL();
	if (!percent)
		PG_RETURN_FLOAT8(atr);
	if (close == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(atr / close * 100.0);
}

Datum
tape_atr(PG_FUNCTION_ARGS)
{
	return atr_common(fcinfo, false);
}

Datum
tape_atr_pct(PG_FUNCTION_ARGS)
{
	return atr_common(fcinfo, true);
}

/*
 * tape_gap_pct
 *		tape.gap_pct(open, close): the open over the previous row's close,
 *		in percent (5.0 is a 5 % gap up); NULL on the first row.
 */
Datum
tape_gap_pct(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	GapState   *st = (GapState *) WinGetPartitionLocalMemory(winobj, sizeof(GapState));
	bool		o_null,
				c_null;
	double		open = DatumGetFloat8(WinGetFuncArgCurrent(winobj, 0, &o_null));
	double		close = DatumGetFloat8(WinGetFuncArgCurrent(winobj, 1, &c_null));
	bool		has_prev = st->has_prev;
	double		prev = st->prev_close;

	check_ordered(winobj, "tape.gap_pct");
	st->rows++;
	if (!c_null)
	{
		st->prev_close = close;
		st->has_prev = true;
	}
	if (o_null || !has_prev || prev == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((open / prev - 1.0) * 100.0);
}
