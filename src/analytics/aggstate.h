/*-------------------------------------------------------------------------
 *
 * aggstate.h
 *		The state types of the aggregates: tape.pv_state and tape.ohlcv_state.
 *
 * Both are fixed-length SQL types passed by reference, laid out as these
 * structs (no varlena header), so a state travels between processes as an
 * ordinary datum: through a Gather in a parallel plan, and as its text form
 * between Citus workers and the coordinator.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/analytics/aggstate.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TAPE_AGGSTATE_H
#define TAPE_AGGSTATE_H

#include "tape.h"

#include "datatype/timestamp.h"

/* A compensated (Neumaier) sum: its value is sum + comp */
typedef struct KahanSum
{
	double		sum;			/* the running sum */
	double		comp;			/* the low-order bits it lost */
} KahanSum;

/* tape.pv_state: the state of vwap and dollar_volume */
typedef struct PvState
{
	int64		n;				/* rows with a price and a volume */
	KahanSum	pv;				/* sum of price * volume */
	KahanSum	v;				/* sum of volume */
} PvState;

/* tape.ohlcv_state: the state of ohlcv */
typedef struct OhlcvState
{
	int64		trades;			/* trades aggregated */
	TimestampTz first_ts;		/* time of the open */
	TimestampTz last_ts;		/* time of the close */
	double		open;			/* price at first_ts */
	double		high;			/* highest price */
	double		low;			/* lowest price */
	double		close;			/* price at last_ts */
	KahanSum	volume;			/* sum of size */
	KahanSum	pv;				/* sum of price * size */
} OhlcvState;

/* The SQL declarations (INTERNALLENGTH) must match these sizes */
StaticAssertDecl(sizeof(PvState) == 40, "tape.pv_state is declared with INTERNALLENGTH = 40");
StaticAssertDecl(sizeof(OhlcvState) == 88, "tape.ohlcv_state is declared with INTERNALLENGTH = 88");

#endif							/* TAPE_AGGSTATE_H */
