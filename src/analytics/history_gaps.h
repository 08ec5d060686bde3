/*-------------------------------------------------------------------------
 *
 * history_gaps.h
 *		What the detectors could not judge for lack of history, added up
 *		over a session, for a caller that runs them many times (detect_all)
 *		and reports once.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/analytics/history_gaps.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TAPE_HISTORY_GAPS_H
#define TAPE_HISTORY_GAPS_H

typedef enum HistoryDetector
{
	HG_INTRADAY,
	HG_DAILY,
	HG_NDETECTORS
} HistoryDetector;

/* one run of a detector: days judged, those without history, tickers with such days */
extern void history_gaps_add(HistoryDetector which, int64 days, int64 days_without,
							 int64 tickers_without);

/* the counts so far, into out[detector][days, days_without, tickers_without], set back to zero */
extern void history_gaps_take(int64 out[HG_NDETECTORS][3]);

#endif							/* TAPE_HISTORY_GAPS_H */
