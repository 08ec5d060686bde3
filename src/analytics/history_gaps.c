/*-------------------------------------------------------------------------
 *
 * history_gaps.c
 *		tape.detector_history_gaps(): the days each detector judged in this
 *		session and those it could not fully judge for lack of history (no
 *		volume baseline, no RVOL), added up over every run since the last
 *		reset.  tape.detect_all runs a detector per unit and says once, at
 *		the end, what they could not judge.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/analytics/history_gaps.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "history_gaps.h"

PG_FUNCTION_INFO_V1(tape_detector_history_gaps);

typedef struct HistoryGaps
{
	int64		days;
	int64		days_without;
	int64		tickers_without;
} HistoryGaps;

static HistoryGaps gaps[HG_NDETECTORS];

static const char *const detector_names[HG_NDETECTORS] = {"intraday", "daily"};

void
history_gaps_add(HistoryDetector which, int64 days, int64 days_without, int64 tickers_without)
{
	gaps[which].days += days;
	gaps[which].days_without += days_without;
	gaps[which].tickers_without += tickers_without;
}

/*
 * history_gaps_take
 *		Hand the counts so far to another session (a helper of a run to its
 *		leader) and set them back to zero.
 */
void
history_gaps_take(int64 out[HG_NDETECTORS][3])
{
	for (int i = 0; i < HG_NDETECTORS; i++)
	{
		out[i][0] = gaps[i].days;
		out[i][1] = gaps[i].days_without;
		out[i][2] = gaps[i].tickers_without;
	}
	memset(gaps, 0, sizeof(gaps));
}

/*
 * tape_detector_history_gaps
 *		tape.detector_history_gaps(reset): a row per detector; reset sets
 *		the counts back to zero once read.
 */
Datum
tape_detector_history_gaps(PG_FUNCTION_ARGS)
{
	bool		reset = PG_ARGISNULL(0) ? false : PG_GETARG_BOOL(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < HG_NDETECTORS; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = CStringGetTextDatum(detector_names[i]);
		values[1] = Int64GetDatum(gaps[i].days);
		values[2] = Int64GetDatum(gaps[i].days_without);
		values[3] = Int64GetDatum(gaps[i].tickers_without);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	if (reset)
		memset(gaps, 0, sizeof(gaps));
	return (Datum) 0;
}
