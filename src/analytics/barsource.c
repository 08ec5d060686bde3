/*-------------------------------------------------------------------------
 *
 * barsource.c
 *		Streaming the bars of a user's query to the detectors, and reading
 *		their configuration.
 *
 * The detectors take a query (a table, a view, a foreign table, anything)
 * and read its rows once, in (ticker, time) order, through a cursor fetched
 * in batches: memory holds one batch and the detector's own state, never
 * the whole result.  The query is wrapped so that its columns are found by
 * name, cast to the types the detectors use, and sorted; a query already in
 * that order (an index on (ticker, ts), a foreign table) is not sorted
 * again by the planner.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/analytics/barsource.c
 *
 *-------------------------------------------------------------------------
 */
#include "barsource.h"
#include "markettime.h"
#include "progress.h"

#include <math.h>

#include "access/htup_details.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/timestamp.h"

#define BATCH_ROWS 10000		/* rows fetched from the cursor at a time */
#define PROGRESS_EVERY 1024	/* rows between progress updates (a power of 2) */

/* names of the value columns, in BarColumn order; NULL = required */
static const struct
{
	const char *name;
	bool		optional;
}			value_columns[BC_NVALUES] = {
	{"open", false},
	{"high", false},
	{"low", false},
	{"close", false},
	{"volume", false},
	{"vwap", true},
	{"transactions", true},
	{"float_shares", true},
	{"short_interest_pct", true},
	{"days_to_cover", true},
	{"daily_atr", true},
};

static bool has_column(TupleDesc desc, const char *name);
static void missing_column(BarSource *src, const char *name) pg_attribute_noreturn();
static double estimated_rows(Portal portal);

static bool
has_column(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return true;
	}
	return false;
}

static void
missing_column(BarSource *src, const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("the bars query of %s has no column \"%s\"", src->fname, name),
			 src->daily
			 ? errhint("It must return ticker, a day (column day, date or ts), open, high, low, close and volume; vwap is optional.")
			 : errhint("It must return ticker, ts, open, high, low, close and volume; vwap, transactions, float_shares, short_interest_pct, days_to_cover and daily_atr are optional.")));
}

/*
 * barsource_open
 *		Check the query's columns and open a cursor over it.  The caller is
 *		connected to SPI.
 */
void
barsource_open(BarSource *src, const char *fname, const char *query, bool daily,
			   Tuplestorestate *found)
{
	StringInfoData sql;
	TupleDesc	desc;
	int			ret;
	const char *daycol = NULL;
	SPIPlanPtr	plan;

	memset(src, 0, sizeof(BarSource));
	src->fname = fname;
	src->daily = daily;
	src->found = found;

	/* a query, and one that returns rows */
	plan = SPI_prepare(query, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (!SPI_is_cursor_plan(plan))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the bars query of %s must be a single SELECT", fname)));
	SPI_freeplan(plan);

	/* the query's columns, without running it */
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT * FROM (%s) AS bars LIMIT 0", query);
	ret = SPI_execute(sql.data, true, 0);
	if (ret != SPI_OK_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the bars query of %s must be a SELECT", fname)));
	desc = SPI_tuptable->tupdesc;

	if (!has_column(desc, "ticker"))
		missing_column(src, "ticker");
	if (daily)
	{
		if (has_column(desc, "day"))
			daycol = "day::date";
		else if (has_column(desc, "date"))
			daycol = "date::date";
		else if (has_column(desc, "trading_day"))
			daycol = "trading_day::date";
		else if (has_column(desc, "ts"))
			daycol = "(ts::timestamptz AT TIME ZONE '" TAPE_MARKET_TIMEZONE "')::date";
		else
			missing_column(src, "day");
	}
	else if (!has_column(desc, "ts"))
		missing_column(src, "ts");

	resetStringInfo(&sql);
	appendStringInfo(&sql, "SELECT ticker::text, %s", daily ? daycol : "ts::timestamptz");
	for (int c = 0; c < BC_NVALUES; c++)
	{
		src->present[c] = has_column(desc, value_columns[c].name);
		if (!src->present[c] && !value_columns[c].optional)
			missing_column(src, value_columns[c].name);
		if (src->present[c])
		{
			appendStringInfo(&sql, ", %s::float8", quote_identifier(value_columns[c].name));
			src->attno[c] = 2 + src->natts++;
		}
		else
			src->attno[c] = -1;
	}
	appendStringInfo(&sql, " FROM (%s) AS bars ORDER BY 1, 2", query);
	SPI_freetuptable(SPI_tuptable);

	src->portal = SPI_cursor_open_with_args(NULL, sql.data, 0, NULL, NULL, NULL, true, 0);

	/* progress, against the planner's estimate of the rows */
	progress_begin(fname, "bars", estimated_rows(src->portal), "tickers", "events");
}

/* the planner's estimate of the rows a cursor returns, or -1 */
static double
estimated_rows(Portal portal)
{
	PlannedStmt *stmt;

	if (list_length(portal->stmts) != 1)
		return -1;
	stmt = linitial_node(PlannedStmt, portal->stmts);
	if (stmt->planTree == NULL)
		return -1;
	return stmt->planTree->plan_rows;
}

/*
 * barsource_next
 *		The next row, in (ticker, time) order; false at the end.
 */
bool
barsource_next(BarSource *src, BarRow *row)
{
	HeapTuple	tup;
	TupleDesc	desc;
	Datum		values[2 + BC_NVALUES];
	bool		nulls[2 + BC_NVALUES];
	text	   *t;
	int			len;

	for (;;)
	{
		if (src->batch == NULL || src->pos >= src->nrows)
		{
			if (src->batch)
				SPI_freetuptable(src->batch);
			src->batch = NULL;
			CHECK_FOR_INTERRUPTS();
			SPI_cursor_fetch(src->portal, true, BATCH_ROWS);
			if (SPI_processed == 0)
				return false;
			src->batch = SPI_tuptable;
			src->nrows = SPI_processed;
			src->pos = 0;
		}
		tup = src->batch->vals[src->pos++];
		desc = src->batch->tupdesc;
		/* one pass over the tuple: attribute by attribute would rescan its NULLs */
		heap_deform_tuple(tup, desc, values, nulls);

		if (nulls[0])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the bars query of %s returned a row without a ticker", src->fname)));
		t = DatumGetTextPP(values[0]);
		len = VARSIZE_ANY_EXHDR(t);

		if (nulls[1])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the bars query of %s returned a row of ticker \"%.*s\" without %s",
							src->fname, len, VARDATA_ANY(t), src->daily ? "a day" : "a ts")));
		if (src->daily)
			row->day = DatumGetDateADT(values[1]);
		else
			row->ts = DatumGetTimestampTz(values[1]);

		for (int c = 0; c < BC_NVALUES; c++)
		{
			int			a = src->attno[c];

			row->v[c] = (a < 0 || nulls[a]) ? NAN : DatumGetFloat8(values[a]);
		}

		/* keep the ticker, and refuse two bars of one ticker at one time */
		if (src->has_prev && len == (int) strlen(src->prev_ticker) &&
			memcmp(src->prev_ticker, VARDATA_ANY(t), len) == 0)
		{
			if (src->daily ? row->day == src->prev_day : row->ts == src->prev_ts)
				ereport(ERROR,
						(errcode(ERRCODE_CARDINALITY_VIOLATION),
						 errmsg("the bars query of %s returned two bars of ticker \"%s\" at %s",
								src->fname, src->prev_ticker,
								src->daily ? date_to_iso(row->day) : timestamptz_to_str(row->ts)),
						 errhint("Each (ticker, %s) must appear once.", src->daily ? "day" : "ts")));
		}
		else
		{
			if (len + 1 > src->prev_ticker_cap)
			{
				src->prev_ticker_cap = Max(len + 1, 32);
				src->prev_ticker = MemoryContextAlloc(TopTransactionContext, src->prev_ticker_cap);
			}
			memcpy(src->prev_ticker, VARDATA_ANY(t), len);
			src->prev_ticker[len] = '\0';
			src->tickers++;
		}
		src->has_prev = true;
		src->prev_ts = row->ts;
		src->prev_day = row->day;
		row->ticker = src->prev_ticker;
		if ((++src->rows & (PROGRESS_EVERY - 1)) == 0)
			progress_update(src->rows, src->tickers,
							src->found ? tuplestore_tuple_count(src->found) : 0, src->prev_ticker);

		/* a bar without prices cannot be judged: skip it */
		if (isnan(row->v[BC_OPEN]) || isnan(row->v[BC_HIGH]) ||
			isnan(row->v[BC_LOW]) || isnan(row->v[BC_CLOSE]))
			continue;
		if (isnan(row->v[BC_VOLUME]))
			row->v[BC_VOLUME] = 0;
		return true;
	}
}

void
barsource_close(BarSource *src)
{
	if (src->batch)
		SPI_freetuptable(src->batch);
	src->batch = NULL;
	if (src->portal)
		SPI_cursor_close(src->portal);
	src->portal = NULL;
	progress_update(src->rows, src->tickers,
					src->found ? tuplestore_tuple_count(src->found) : 0, NULL);
	progress_end();
}

/*
 * config_value
 *		The value at a dotted path of the configuration.
 */
static JsonbValue *
config_value(Jsonb *config, const char *path, JsonbValue *out)
{
	JsonbContainer *c = &config->root;
	const char *p = path;

	for (;;)
	{
		const char *dot = strchr(p, '.');
		int			len = dot ? dot - p : (int) strlen(p);
		JsonbValue *v = getKeyJsonValueFromContainer(c, p, len, out);

		if (v == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("configuration key \"%s\" is missing", path),
					 errhint("Pass the configuration through tape.detector_config().")));
		if (dot == NULL)
			return v;
		if (v->type != jbvBinary)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("configuration key \"%.*s\" is not an object", (int) (dot - path), path)));
		c = v->val.binary.data;
		p = dot + 1;
	}
}

double
config_number(Jsonb *config, const char *path)
{
	JsonbValue	v;

	config_value(config, path, &v);
	if (v.type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("configuration key \"%s\" must be a number", path)));
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v.val.numeric)));
}

bool
config_bool(Jsonb *config, const char *path)
{
	JsonbValue	v;

	config_value(config, path, &v);
	if (v.type != jbvBool)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("configuration key \"%s\" must be true or false", path)));
	return v.val.boolean;
}
