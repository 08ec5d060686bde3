/*-------------------------------------------------------------------------
 *
 * markettime.h
 *		New York market time: dates and midnights, DST-correct.
 *
 * Shared by the foreign data wrapper (day bars are stamped 00:00 New York)
 * and the analytics (sessions, trading days).
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/markettime.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MARKETTIME_H
#define MARKETTIME_H

#include "tape.h"

#include "datatype/timestamp.h"
#include "utils/date.h"

/* Unix epoch (1970-01-01 00:00 UTC) in PostgreSQL microseconds */
#define TAPE_UNIX_EPOCH_US	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY)

extern DateADT market_date_of(TimestampTz ts);
extern TimestampTz market_midnight(DateADT date);
extern TimestampTz market_time(DateADT date, int minute_of_day);
extern int	market_day_of_week(DateADT date);
extern char *date_to_iso(DateADT date);

#endif							/* MARKETTIME_H */
