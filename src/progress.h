/*-------------------------------------------------------------------------
 *
 * progress.h
 *		Progress of long operations: NOTICE lines with counts, rate and ETA,
 *		and a shared slot per backend that tape.progress shows to every
 *		session.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/progress.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TAPE_PROGRESS_H
#define TAPE_PROGRESS_H

#include "tape.h"

/* seconds between progress NOTICEs (GUC tape.progress_interval; 0 = none) */
extern int	tape_progress_interval;

/*
 * Start reporting an operation.  command names it ("tape.detect_intraday"),
 * unit is what done counts ("bars"), total is an estimate of the units to
 * do (< 0 if unknown), items_label and found_label name two more counters
 * ("tickers", "events"; NULL to leave them out).  The strings must live as
 * long as the operation.
 */
extern void progress_begin(const char *command, const char *unit, double total,
						   const char *items_label, const char *found_label);

/* Record the counts so far; cheap enough to call every few thousand units. */
extern void progress_update(int64 done, int64 items, int64 found, const char *detail);

/* A new estimate of the units to do (< 0 if unknown). */
extern void progress_set_total(double total);

/* The operation is over: a closing NOTICE if any was sent, and the slot freed. */
extern void progress_end(void);
extern void progress_end_ext(bool closing_notice);

/* This backend reports no progress at all (a helper of a run: its leader does). */
extern void progress_silence(void);

extern void progress_shmem_request(void);
extern void progress_shmem_startup(void);

#endif							/* TAPE_PROGRESS_H */
