/*-------------------------------------------------------------------------
 *
 * calendar.c
 *		The NYSE trading calendar and the sessions of a trading day.
 *
 * Two layers:
 *
 *	- The rules: NYSE holidays and early closes, computed for any year
 *	  (New Year's Day, Martin Luther King Jr. Day, Washington's Birthday,
 *	  Good Friday, Memorial Day, Juneteenth from 2022, Independence Day,
 *	  Labor Day, Thanksgiving, Christmas, with the NYSE's weekend
 *	  observance rules; 13:00 closes the day after Thanksgiving, on
 *	  December 24 when it falls Monday to Thursday, and on July 3 when it
 *	  falls Monday to Thursday, except that until 2012 a Thursday July 4 was
 *	  followed by a 13:00 close on Friday July 5 instead) plus the special
 *	  closings since 2000.  tape.nyse_holidays() returns them; the
 *	  install script stores 2000-2030 in tape.market_holidays.
 *
 *	- The table tape.market_holidays, which the user may extend or correct.
 *	  Everything else reads the table, through a per-backend cache.
 *
 * The cache and edits of the table.  An edit must reach every session at its
 * next statement, yet the table has no trigger, so that Citus can make it a
 * reference table (one copy on every node, edited on any node in one
 * distributed transaction; Citus refuses tables with triggers).  So the
 * cache remembers under which snapshot it was read: the session's
 * transaction and subtransaction, the snapshot's command id and bounds, and
 * the count of transactions completed in the cluster when the snapshot was
 * taken.  While the active snapshot matches, the table cannot show anything
 * else (no other transaction has ended, and this one has run no command
 * since); when it does not, the next lookup reads the table again.  That is
 * at most once per statement (a statement's snapshot does not change), and
 * only when a transaction ended or the session wrote in between: a read of
 * ~330 rows through a prepared plan (about 40 microseconds).
 *
 * Under Citus, the read goes to the node's own placement of the reference
 * table (tape.market_holidays_<shard id>, looked up in Citus's metadata):
 * a query on the Citus table itself from inside a query Citus runs on a
 * shard would be a nested distributed query, which Citus refuses, and the
 * table's local heap keeps the rows it had before it was distributed.
 *
 * Sessions, New York time: pre-market 04:00-09:30, regular 09:30-16:00,
 * after hours 16:00-20:00; on early-close days regular hours end at 13:00
 * and after hours at 17:00.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/analytics/calendar.c
 *
 *-------------------------------------------------------------------------
 */
#include "calendar.h"

#include "access/xact.h"
#include "catalog/pg_namespace.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

/* A row of tape.market_holidays, cached */
typedef struct HolidayEntry
{
	DateADT		day;			/* the New York date */
	bool		closed;			/* no session at all */
	int			close_minute;	/* RTH close on an early-close day */
} HolidayEntry;

/* A holiday computed by the rules */
typedef struct NyseHoliday
{
	DateADT		day;
	bool		early_close;
	const char *name;
} NyseHoliday;

/* The snapshot the cached calendar was read under (see the file header) */
typedef struct CalendarReadKey
{
	LocalTransactionId lxid;	/* the session's top-level transaction */
	SubTransactionId subxid;	/* its current subtransaction */
	CommandId	curcid;			/* the snapshot's command id */
	TransactionId xmin;			/* the snapshot's bounds */
	TransactionId xmax;
	uint64		completions;	/* transactions ended when it was taken */
} CalendarReadKey;

/* The cached table: rows sorted by day, and what they were read under */
typedef struct HolidayCache
{
	HolidayEntry *entries;		/* sorted by day */
	int			count;			/* entries */
	bool		loaded;			/* entries and key are set */
	CalendarReadKey key;		/* the snapshot they were read under */
} HolidayCache;

static HolidayCache holidays;
static MemoryContext holiday_cxt = NULL;
static SPIPlanPtr read_plan = NULL;	/* reads the rows of read_plan_source */
static char *read_plan_source = NULL;	/* the relation read_plan reads */
static SPIPlanPtr placement_plan = NULL;	/* finds a Citus placement */
static TradingDay last_day;		/* the day calendar_day_of() found last */
static bool last_day_valid = false;

static Snapshot calendar_snapshot(void);
static void read_key_of(Snapshot snapshot, CalendarReadKey *key);
static bool holidays_current(void);
static SPIPlanPtr keep_plan(const char *query);
static char *citus_placement(void);
static SPIPlanPtr holiday_read_plan(void);
static void load_holidays(void);
static const HolidayEntry *find_holiday(DateADT day);
static DateADT make_date_adt(int y, int m, int d);
static int	weekday_of(int y, int m, int d);
static DateADT nth_weekday(int y, int m, int wday, int n);
static DateADT last_weekday(int y, int m, int wday);
static DateADT easter_sunday(int y);
static int	nyse_rules_for_year(int y, NyseHoliday *out);

PG_FUNCTION_INFO_V1(tape_nyse_holidays);
PG_FUNCTION_INFO_V1(tape_session_of);
PG_FUNCTION_INFO_V1(tape_trading_day);
PG_FUNCTION_INFO_V1(tape_is_trading_day);
PG_FUNCTION_INFO_V1(tape_add_trading_days);
PG_FUNCTION_INFO_V1(tape_session_bounds);

/* ---------------------------------------------------------------------
 * The rules
 * ---------------------------------------------------------------------
 */

static DateADT
make_date_adt(int y, int m, int d)
{
	return date2j(y, m, d) - POSTGRES_EPOCH_JDATE;
}

/* 0 = Sunday ... 6 = Saturday */
static int
weekday_of(int y, int m, int d)
{
	return j2day(date2j(y, m, d));
}

/* the n-th (1-based) weekday wday of a month */
static DateADT
nth_weekday(int y, int m, int wday, int n)
{
	int			first = weekday_of(y, m, 1);
	int			d = 1 + (wday - first + 7) % 7 + 7 * (n - 1);

	return make_date_adt(y, m, d);
}

/* the last weekday wday of a month */
static DateADT
last_weekday(int y, int m, int wday)
{
	int			last = day_tab[isleap(y)][m - 1];
	int			lastw = weekday_of(y, m, last);

	return make_date_adt(y, m, last - (lastw - wday + 7) % 7);
}

/* Easter Sunday (anonymous Gregorian algorithm) */
static DateADT
easter_sunday(int y)
{
	int			a = y % 19,
				b = y / 100,
				c = y % 100,
				d = b / 4,
				e = b % 4,
				f = (b + 8) / 25,
				g = (b - f + 1) / 3,
				h = (19 * a + b - d - g + 15) % 30,
				i = c / 4,
				k = c % 4,
				l = (32 + 2 * e + 2 * i - h - k) % 7,
				m = (a + 11 * h + 22 * l) / 451,
				month = (h + l - 7 * m + 114) / 31,
				day = ((h + l - 7 * m + 114) % 31) + 1;

	return make_date_adt(y, month, day);
}

/*
 * nyse_rules_for_year
 *		The NYSE holidays and early closes of a year, unsorted.
 */
static int
nyse_rules_for_year(int y, NyseHoliday *out)
{
	int			n = 0;
	int			w;
	static const struct
	{
		int			y,
					m,
					d;
		bool		early;
		const char *name;
	}			specials[] = {
		{2001, 9, 11, false, "September 11 attacks"},
		{2001, 9, 12, false, "September 11 attacks"},
		{2001, 9, 13, false, "September 11 attacks"},
		{2001, 9, 14, false, "September 11 attacks"},
		{2004, 6, 11, false, "National Day of Mourning for Ronald Reagan"},
		{2007, 1, 2, false, "National Day of Mourning for Gerald Ford"},
		{2012, 10, 29, false, "Hurricane Sandy"},
		{2012, 10, 30, false, "Hurricane Sandy"},
		{2018, 12, 5, false, "National Day of Mourning for George H. W. Bush"},
		{2025, 1, 9, false, "National Day of Mourning for Jimmy Carter"},
	};

#define ADD(date_, early_, name_) \
	do { out[n].day = (date_); out[n].early_close = (early_); out[n].name = (name_); n++; } while (0)

	/* New Year's Day: a Sunday moves to Monday; a Saturday is not observed */
	w = weekday_of(y, 1, 1);
	if (w == 0)
		ADD(make_date_adt(y, 1, 2), false, "New Year's Day");
	else if (w != 6)
		ADD(make_date_adt(y, 1, 1), false, "New Year's Day");

	if (y >= 1998)				/* the NYSE first closed for it in 1998 */
		ADD(nth_weekday(y, 1, 1, 3), false, "Martin Luther King Jr. Day");
	ADD(nth_weekday(y, 2, 1, 3), false, "Washington's Birthday");
	ADD(easter_sunday(y) - 2, false, "Good Friday");
	ADD(last_weekday(y, 5, 1), false, "Memorial Day");

	if (y >= 2022)
	{
		w = weekday_of(y, 6, 19);
		ADD(make_date_adt(y, 6, w == 6 ? 18 : w == 0 ? 20 : 19), false, "Juneteenth");
	}

	w = weekday_of(y, 7, 4);
	ADD(make_date_adt(y, 7, w == 6 ? 3 : w == 0 ? 5 : 4), false, "Independence Day");
	/* 13:00 close the day before, or when July 4 is a Thursday, the day after until 2012 */
	if (w == 4 && y < 2013)
		ADD(make_date_adt(y, 7, 5), true, "Day after Independence Day");
	else if (w >= 2 && w <= 5)
		ADD(make_date_adt(y, 7, 3), true, "Independence Day eve");

	ADD(nth_weekday(y, 9, 1, 1), false, "Labor Day");
	ADD(nth_weekday(y, 11, 4, 4), false, "Thanksgiving Day");
	ADD(nth_weekday(y, 11, 4, 4) + 1, true, "Day after Thanksgiving");

	w = weekday_of(y, 12, 25);
	ADD(make_date_adt(y, 12, w == 6 ? 24 : w == 0 ? 26 : 25), false, "Christmas Day");
	if (w >= 2 && w <= 5)
		ADD(make_date_adt(y, 12, 24), true, "Christmas Eve");

	for (int i = 0; i < (int) lengthof(specials); i++)
	{
		if (specials[i].y == y)
			ADD(make_date_adt(y, specials[i].m, specials[i].d), specials[i].early, specials[i].name);
	}
#undef ADD
	return n;
}

/*
 * tape_nyse_holidays
 *		tape.nyse_holidays(from_year, to_year): the rules, one row per day.
 */
Datum
tape_nyse_holidays(PG_FUNCTION_ARGS)
{
	int32		from_year = PG_GETARG_INT32(0);
	int32		to_year = PG_GETARG_INT32(1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	if (from_year < 1990 || to_year > 2100 || from_year > to_year)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("years must satisfy 1990 <= from_year <= to_year <= 2100")));

	InitMaterializedSRF(fcinfo, 0);
	/* bounded: the years 1990 to 2100, each with at most 32 holidays */
	for (int y = from_year; y <= to_year; y++)
	{
		NyseHoliday hol[32];
		int			n = nyse_rules_for_year(y, hol);

		/* sort by date: the rules are few, an insertion sort does */
		for (int i = 1; i < n; i++)	/* bounded: 32 */
		{
			NyseHoliday x = hol[i];
			int			j = i - 1;

			while (j >= 0 && hol[j].day > x.day)	/* bounded: 32 */
			{
				hol[j + 1] = hol[j];
				j--;
			}
			hol[j + 1] = x;
		}
		for (int i = 0; i < n; i++)	/* bounded: 32 */
		{
			Datum		values[4];
			bool		nulls[4] = {false, false, false, false};

			values[0] = DateADTGetDatum(hol[i].day);
			values[1] = CStringGetTextDatum(hol[i].early_close ? "early_close" : "closed");
			if (hol[i].early_close)
				values[2] = TimeADTGetDatum((TimeADT) EARLY_RTH_CLOSE_MIN * USECS_PER_MINUTE);
			else
				nulls[2] = true;
			values[3] = CStringGetTextDatum(hol[i].name);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * The table and its cache
 * ---------------------------------------------------------------------
 */

/*
 * calendar_snapshot
 *		The snapshot a read of the table would see: the active one (the
 *		statement's), else the transaction's.
 */
static Snapshot
calendar_snapshot(void)
{
	return ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
}

/*
 * read_key_of
 *		What a read of the table under snapshot would depend on.
 */
static void
read_key_of(Snapshot snapshot, CalendarReadKey *key)
{
	key->lxid = MyProc->lxid;
	key->subxid = GetCurrentSubTransactionId();
	key->curcid = snapshot->curcid;
	key->xmin = snapshot->xmin;
	key->xmax = snapshot->xmax;
	key->completions = snapshot->snapXactCompletionCount;
}

/*
 * holidays_current
 *		Whether the cached table is what a read under the active snapshot
 *		would give: read under the same transaction, subtransaction and
 *		command, with no transaction ended since.  Cheap: it runs for every
 *		lookup.
 */
static bool
holidays_current(void)
{
	CalendarReadKey now;

	if (!holidays.loaded)
		return false;
	read_key_of(calendar_snapshot(), &now);
	return now.lxid == holidays.key.lxid &&
		now.subxid == holidays.key.subxid &&
		now.curcid == holidays.key.curcid &&
		now.xmin == holidays.key.xmin &&
		now.xmax == holidays.key.xmax &&
		now.completions == holidays.key.completions;
}

/*
 * keep_plan
 *		Prepare a query and keep its plan for the life of the backend (the
 *		plan cache replans it after DDL).  Must be connected to SPI.
 */
static SPIPlanPtr
keep_plan(const char *query)
{
	SPIPlanPtr	plan = SPI_prepare(query, 0, NULL);

	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", query, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "could not keep the plan of \"%s\"", query);
	return plan;
}

/*
 * citus_placement
 *		This node's placement of tape.market_holidays when Citus has made it a
 *		reference table (a quoted name such as tape.market_holidays_102008),
 *		else NULL.  Must be connected to SPI; the name lives until SPI_finish.
 *
 * Inside a query Citus runs on a shard, a query on a Citus table is a
 * distributed query nested in another, which Citus refuses; the placement
 * itself is a plain local table, holding the same rows on every node.
 */
static char *
citus_placement(void)
{
	int			ret;

	/* no Citus in this database: nothing to look up (a cheap syscache probe) */
	if (!OidIsValid(get_relname_relid("pg_dist_local_group", PG_CATALOG_NAMESPACE)))
		return NULL;
	if (placement_plan == NULL)
		placement_plan = keep_plan("SELECT pg_catalog.shard_name(s.logicalrelid, s.shardid) "
								   "FROM pg_catalog.pg_dist_shard s "
								   "JOIN pg_catalog.pg_dist_placement p ON p.shardid OPERATOR(pg_catalog.=) s.shardid "
								   "WHERE s.logicalrelid OPERATOR(pg_catalog.=) 'tape.market_holidays'::pg_catalog.regclass "
								   "AND p.groupid OPERATOR(pg_catalog.=) "
								   "(SELECT groupid FROM pg_catalog.pg_dist_local_group)");
	ret = SPI_execute_plan(placement_plan, NULL, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not look up the placement of tape.market_holidays: %s",
			 SPI_result_code_string(ret));
	if (SPI_processed == 0)
		return NULL;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/*
 * holiday_read_plan
 *		The kept plan that reads the calendar, sorted by day: from this node's
 *		Citus placement of the table if it has one, else from the table.
 *		Must be connected to SPI.
 */
static SPIPlanPtr
holiday_read_plan(void)
{
	const char *source = citus_placement();

	if (source == NULL)
		source = "tape.market_holidays";
	if (read_plan != NULL && strcmp(read_plan_source, source) == 0)
		return read_plan;
	if (read_plan != NULL)
	{
		SPI_freeplan(read_plan);
		pfree(read_plan_source);
		read_plan = NULL;
	}
	read_plan = keep_plan(psprintf("SELECT day, status OPERATOR(pg_catalog.=) 'closed', close_time "
								   "FROM %s ORDER BY day", source));
	read_plan_source = MemoryContextStrdup(TopMemoryContext, source);
	return read_plan;
}

/*
 * load_holidays
 *		Read tape.market_holidays into the cache, under calendar_snapshot().
 */
static void
load_holidays(void)
{
	bool		pushed = false;
	uint64		rows;
	int			ret;

	if (holiday_cxt == NULL)
		holiday_cxt = AllocSetContextCreate(TopMemoryContext, "tape trading calendar",
											ALLOCSET_SMALL_SIZES);
	MemoryContextReset(holiday_cxt);
	holidays.loaded = false;
	holidays.entries = NULL;
	holidays.count = 0;
	last_day_valid = false;

	if (!ActiveSnapshotSet())
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		pushed = true;
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_plan(holiday_read_plan(), NULL, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read tape.market_holidays: %s", SPI_result_code_string(ret));

	rows = SPI_processed;
	holidays.entries = (HolidayEntry *) MemoryContextAlloc(holiday_cxt,
														   Max(rows, 1) * sizeof(HolidayEntry));
	for (uint64 i = 0; i < rows; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		HolidayEntry *e = &holidays.entries[i];
		bool		isnull;
		Datum		close;

		CHECK_FOR_INTERRUPTS();
		e->day = DatumGetDateADT(SPI_getbinval(tup, desc, 1, &isnull));
		e->closed = DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull));
		close = SPI_getbinval(tup, desc, 3, &isnull);
		e->close_minute = isnull ? EARLY_RTH_CLOSE_MIN
			: (int) (DatumGetTimeADT(close) / USECS_PER_MINUTE);
	}
	SPI_finish();

	holidays.count = (int) rows;
	read_key_of(GetActiveSnapshot(), &holidays.key);
	holidays.loaded = true;
	if (pushed)
		PopActiveSnapshot();
}

/*
 * find_holiday
 *		The cached row of a day, or NULL (binary search: the rows are sorted).
 */
static const HolidayEntry *
find_holiday(DateADT day)
{
	int			lo = 0;
	int			hi = holidays.count - 1;

	while (lo <= hi)			/* bounded: log2 of the holidays */
	{
		int			mid = lo + (hi - lo) / 2;
		DateADT		d = holidays.entries[mid].day;

		if (d == day)
			return &holidays.entries[mid];
		if (d < day)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/*
 * calendar_day
 *		The sessions of a New York date.
 */
void
calendar_day(DateADT date, TradingDay *day)
{
	const HolidayEntry *e;
	int			dow = market_day_of_week(date);
	int			rth_close = RTH_CLOSE_MIN;

	if (!holidays_current())
		load_holidays();

	memset(day, 0, sizeof(TradingDay));
	day->date = date;
	e = find_holiday(date);
	day->is_trading = (dow != 0 && dow != 6 && (e == NULL || !e->closed));
	if (e != NULL && !e->closed)
	{
		day->early_close = true;
		rth_close = e->close_minute;
	}
	day->midnight = market_time(date, 0);
	day->next_midnight = market_time(date + 1, 0);
	day->pm_open = market_time(date, PM_OPEN_MIN);
	day->rth_open = market_time(date, RTH_OPEN_MIN);
	day->rth_close = market_time(date, rth_close);
	day->ah_close = market_time(date, day->early_close ? rth_close + 4 * 60 : AH_CLOSE_MIN);
}

/*
 * calendar_day_of
 *		The trading day a timestamp falls on (New York date).
 */
void
calendar_day_of(TimestampTz ts, TradingDay *day)
{
	/* consecutive timestamps mostly fall on the same day */
	if (!(last_day_valid && ts >= last_day.midnight && ts < last_day.next_midnight &&
		  holidays_current()))
	{
		calendar_day(market_date_of(ts), &last_day);
		last_day_valid = true;
	}
	*day = last_day;
}

/*
 * calendar_session
 *		The session of ts on day (which must be ts's day).
 */
TapeSession
calendar_session(const TradingDay *day, TimestampTz ts)
{
	if (!day->is_trading || ts < day->pm_open || ts >= day->ah_close)
		return SESSION_NONE;
	if (ts < day->rth_open)
		return SESSION_PM;
	if (ts < day->rth_close)
		return SESSION_RTH;
	return SESSION_AH;
}

const char *
calendar_session_name(TapeSession s)
{
	switch (s)
	{
		case SESSION_PM:
			return "PM";
		case SESSION_RTH:
			return "RTH";
		case SESSION_AH:
			return "AH";
		case SESSION_NONE:
			break;
	}
	return NULL;
}

bool
calendar_is_trading_day(DateADT date)
{
	TradingDay	day;

	calendar_day(date, &day);
	return day.is_trading;
}

/*
 * calendar_add_trading_days
 *		The trading day n trading days after date (before, if n < 0).  A date
 *		that is not a trading day counts from the previous (n > 0) or next
 *		(n < 0) trading day, so that the result of n = 1 is always the first
 *		trading day after date.
 */
DateADT
calendar_add_trading_days(DateADT date, int n)
{
	int			step = n >= 0 ? 1 : -1;
	int			left = n >= 0 ? n : -n;
	DateADT		d = date;

	if (n == 0)
	{
		/* the trading day itself, or the next one */
		while (!calendar_is_trading_day(d))
		{
			CHECK_FOR_INTERRUPTS();
			d++;
		}
		return d;
	}
	while (left > 0)
	{
		d += step;
		if (calendar_is_trading_day(d))
			left--;
		CHECK_FOR_INTERRUPTS();
	}
	return d;
}

/* ---------------------------------------------------------------------
 * SQL functions
 * ---------------------------------------------------------------------
 */

Datum
tape_session_of(PG_FUNCTION_ARGS)
{
	TimestampTz ts = PG_GETARG_TIMESTAMPTZ(0);
	TradingDay	day;
	const char *name;

	if (TIMESTAMP_NOT_FINITE(ts))
		PG_RETURN_NULL();
	calendar_day_of(ts, &day);
	name = calendar_session_name(calendar_session(&day, ts));
	if (name == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(name));
}

Datum
tape_trading_day(PG_FUNCTION_ARGS)
{
	TimestampTz ts = PG_GETARG_TIMESTAMPTZ(0);
	TradingDay	day;

	if (TIMESTAMP_NOT_FINITE(ts))
		PG_RETURN_NULL();
	calendar_day_of(ts, &day);
	if (!day.is_trading)
		PG_RETURN_NULL();
	PG_RETURN_DATEADT(day.date);
}

Datum
tape_is_trading_day(PG_FUNCTION_ARGS)
{
	DateADT		date = PG_GETARG_DATEADT(0);

	if (DATE_NOT_FINITE(date))
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(calendar_is_trading_day(date));
}

Datum
tape_add_trading_days(PG_FUNCTION_ARGS)
{
	DateADT		date = PG_GETARG_DATEADT(0);
	int32		n = PG_GETARG_INT32(1);

	if (DATE_NOT_FINITE(date))
		PG_RETURN_DATEADT(date);
	if (n > 100000 || n < -100000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot add %d trading days", n),
				 errdetail("The limit is 100000 either way.")));
	PG_RETURN_DATEADT(calendar_add_trading_days(date, n));
}

/*
 * tape_session_bounds
 *		tape.session_bounds(date): the session times of a trading day.
 */
Datum
tape_session_bounds(PG_FUNCTION_ARGS)
{
	DateADT		date = PG_GETARG_DATEADT(0);
	TradingDay	day;
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (DATE_NOT_FINITE(date))
		PG_RETURN_NULL();
	calendar_day(date, &day);
	if (!day.is_trading)
		PG_RETURN_NULL();
	values[0] = TimestampTzGetDatum(day.pm_open);
	values[1] = TimestampTzGetDatum(day.rth_open);
	values[2] = TimestampTzGetDatum(day.rth_close);
	values[3] = TimestampTzGetDatum(day.ah_close);
	values[4] = BoolGetDatum(day.early_close);
	values[5] = DateADTGetDatum(day.date);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
