/*-------------------------------------------------------------------------
 *
 * markettime.c
 *		New York market time: dates and midnights, DST-correct.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/markettime.c
 *
 *-------------------------------------------------------------------------
 */
#include "markettime.h"

#include "pgtime.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

static pg_tz *market_tz = NULL;

/*
 * tape_market_tz
 *		The America/New_York zone, loaded once.
 */
pg_tz *
tape_market_tz(void)
{
	if (market_tz == NULL)
	{
		market_tz = pg_tzset(TAPE_MARKET_TIMEZONE);
		if (market_tz == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_CONFIG_FILE_ERROR),
					 errmsg("time zone \"%s\" is not available", TAPE_MARKET_TIMEZONE),
					 errhint("Install the tzdata package.")));
	}
	return market_tz;
}

/*
 * market_date_of
 *		The New York calendar date of a finite timestamptz.
 */
DateADT
market_date_of(TimestampTz ts)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;

	Assert(!TIMESTAMP_NOT_FINITE(ts));
	if (timestamp2tm(ts, &tz, &tm, &fsec, NULL, tape_market_tz()) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
}

/*
 * market_midnight
 *		00:00 New York time on date, as a timestamptz.
 */
TimestampTz
market_midnight(DateADT date)
{
	return market_time(date, 0);
}

/*
 * market_time
 *		minute_of_day minutes after 00:00 New York wall-clock time on date.
 *
 * Wall-clock, not elapsed: 04:00 on the day clocks spring forward is three
 * hours after midnight, not four.
 */
TimestampTz
market_time(DateADT date, int minute_of_day)
{
	struct pg_tm tm;
	int			tz;
	TimestampTz result;

	memset(&tm, 0, sizeof(tm));
	j2date(date + POSTGRES_EPOCH_JDATE, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	tm.tm_hour = minute_of_day / 60;
	tm.tm_min = minute_of_day % 60;
	tz = DetermineTimeZoneOffset(&tm, tape_market_tz());
	if (tm2timestamp(&tm, 0, &tz, &result) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date out of range for timestamp")));
	return result;
}

/*
 * market_day_of_week
 *		0 = Sunday ... 6 = Saturday.
 */
int
market_day_of_week(DateADT date)
{
	return j2day(date + POSTGRES_EPOCH_JDATE);
}

/*
 * date_to_iso
 *		"YYYY-MM-DD", whatever DateStyle says.
 */
char *
date_to_iso(DateADT date)
{
	int			y,
				m,
				d;

	j2date(date + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	return psprintf("%04d-%02d-%02d", y, m, d);
}
