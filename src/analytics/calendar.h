/*-------------------------------------------------------------------------
 *
 * calendar.h
 *		The NYSE trading calendar and the sessions of a trading day.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/analytics/calendar.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TAPE_CALENDAR_H
#define TAPE_CALENDAR_H

#include "markettime.h"

/* Sessions, New York time, in minutes after midnight */
#define PM_OPEN_MIN		(4 * 60)
#define RTH_OPEN_MIN	(9 * 60 + 30)
#define RTH_CLOSE_MIN	(16 * 60)
#define AH_CLOSE_MIN	(20 * 60)
#define EARLY_RTH_CLOSE_MIN	(13 * 60)
#define EARLY_AH_CLOSE_MIN	(17 * 60)

typedef enum TapeSession
{
	SESSION_NONE = 0,			/* outside 04:00-20:00, or not a trading day */
	SESSION_PM,					/* pre-market 04:00-09:30 */
	SESSION_RTH,				/* regular hours 09:30-16:00 (13:00 on half-days) */
	SESSION_AH					/* after hours to 20:00 (17:00 on half-days) */
} TapeSession;

/* One trading day as the analytics see it */
typedef struct TradingDay
{
	DateADT		date;			/* New York date */
	bool		is_trading;		/* a session is held */
	bool		early_close;	/* RTH ends at 13:00 */
	TimestampTz midnight;		/* 00:00 New York */
	TimestampTz next_midnight;	/* 00:00 New York the next day */
	TimestampTz pm_open;		/* 04:00 */
	TimestampTz rth_open;		/* 09:30 */
	TimestampTz rth_close;		/* 16:00 or 13:00 */
	TimestampTz ah_close;		/* 20:00 or 17:00 */
} TradingDay;

extern void calendar_day(DateADT date, TradingDay *day);
extern void calendar_day_of(TimestampTz ts, TradingDay *day);
extern TapeSession calendar_session(const TradingDay *day, TimestampTz ts);
extern const char *calendar_session_name(TapeSession s);
extern bool calendar_is_trading_day(DateADT date);
extern DateADT calendar_add_trading_days(DateADT date, int n);

#endif							/* TAPE_CALENDAR_H */
