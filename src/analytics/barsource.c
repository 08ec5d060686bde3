/*-------------------------------------------------------------------------
 *
 * barsource.c
 *		Bars for the detectors, from a user's query or from rows handed to an
 *		aggregate, and the detectors' configuration.
 *
 * The detector functions take a query (a table, a view, a foreign table,
 * anything) and read its rows once, in (ticker, time) order, through a
 * cursor fetched in batches: memory holds one batch and the detector's own
 * state, never the whole result.  The query is wrapped so that its columns
 * are found by name, cast to the types the detectors use, and sorted; a
 * query already in that order (an index on (ticker, ts), a foreign table) is
 * not sorted again by the planner.
 *
 * The detector aggregates get the rows themselves, one at a time; a
 * BarRowReader finds the same columns by name in the row's type and converts
 * them with the same casts.
 *
 * The configuration is a jsonb document merged by tape.detector_config();
 * config_read() reads a detector's keys from a table of them and refuses any
 * value outside its key's range, naming the key.
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
#include "querytext.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parse_coerce.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

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
};

/* the columns that may give the day of a day bar, in order of preference */
static const char *const day_columns[] = {"day", "date", "trading_day", "ts"};

static void missing_column(const char *fname, bool daily, const char *what,
						   const char *name) pg_attribute_noreturn();
static const char *day_column(TupleDesc desc, const char *fname, const char *what);
static double estimated_rows(Portal portal);
static bool usable_bar(BarRow *row);

/* what is the query of the functions, the row of the aggregates */
static void
missing_column(const char *fname, bool daily, const char *what, const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("the bars %s of %s has no column \"%s\"", what, fname, name),
			 daily
			 ? errhint("It must have ticker, a day (column day, date, trading_day or ts), open, high, low, close and volume; vwap is optional.")
			 : errhint("It must have ticker, ts, open, high, low, close and volume; vwap, transactions, float_shares, short_interest_pct and days_to_cover are optional.")));
}

/* the column that gives the day of a day bar */
static const char *
day_column(TupleDesc desc, const char *fname, const char *what)
{
	for (int i = 0; i < (int) lengthof(day_columns); i++)
	{
		if (query_column(desc, day_columns[i]) >= 0)
			return day_columns[i];
	}
	missing_column(fname, true, what, "day");
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
	char	   *select;

	memset(src, 0, sizeof(BarSource));
	src->fname = fname;
	src->daily = daily;
	src->found = found;

	/* the query's columns, without running it */
	initStringInfo(&sql);
	appendStringInfo(&sql, "the bars query of %s", fname);
	desc = query_describe(query, sql.data, &select);

	if (query_column(desc, "ticker") < 0)
		missing_column(fname, daily, "query", "ticker");
	resetStringInfo(&sql);
	if (daily)
	{
		const char *daycol = day_column(desc, fname, "query");

		if (strcmp(daycol, "ts") == 0)
			appendStringInfoString(&sql, "SELECT ticker::text, (ts::timestamptz AT TIME ZONE '" TAPE_MARKET_TIMEZONE "')::date");
		else
			appendStringInfo(&sql, "SELECT ticker::text, %s::date", daycol);
	}
	else
	{
		if (query_column(desc, "ts") < 0)
			missing_column(fname, daily, "query", "ts");
		appendStringInfoString(&sql, "SELECT ticker::text, ts::timestamptz");
	}
	for (int c = 0; c < BC_NVALUES; c++)
	{
		src->present[c] = query_column(desc, value_columns[c].name) >= 0;
		if (!src->present[c] && !value_columns[c].optional)
			missing_column(fname, daily, "query", value_columns[c].name);
		if (src->present[c])
		{
			appendStringInfo(&sql, ", %s::float8", quote_identifier(value_columns[c].name));
			src->attno[c] = 2 + src->natts++;
		}
		else
			src->attno[c] = -1;
	}
	appendStringInfo(&sql, " FROM (%s) AS bars ORDER BY 1, 2", select);

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
		if (src->has_prev && len == src->prev_ticker_len &&
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
			src->prev_ticker_len = len;
			src->tickers++;
		}
		src->has_prev = true;
		src->prev_ts = row->ts;
		src->prev_day = row->day;
		row->ticker = src->prev_ticker;
		row->ticker_no = src->tickers;
		if ((++src->rows & (PROGRESS_EVERY - 1)) == 0)
			progress_update(src->rows, src->tickers,
							src->found ? tuplestore_tuple_count(src->found) : 0, src->prev_ticker);

		if (usable_bar(row))
			return true;
	}
}

/*
 * usable_bar
 *		A bar without prices cannot be judged (false: skip it); a NULL volume
 *		counts as 0.
 */
static bool
usable_bar(BarRow *row)
{
	if (isnan(row->v[BC_OPEN]) || isnan(row->v[BC_HIGH]) ||
		isnan(row->v[BC_LOW]) || isnan(row->v[BC_CLOSE]))
		return false;
	if (isnan(row->v[BC_VOLUME]))
		row->v[BC_VOLUME] = 0;
	return true;
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

/* ---------------------------------------------------------------------
 * Rows handed to an aggregate
 * ---------------------------------------------------------------------
 */

/*
 * setup_cast
 *		How a column of type source becomes a target value: as it is, through
 *		the cast function, or through text (what an explicit cast would do).
 */
static void
setup_cast(BarRowReader *r, BarRowCast *c, const char *name, int attno, Oid source, Oid target)
{
	Oid			funcid = InvalidOid;
	Oid			typfunc;
	bool		varlena;

	c->attno = attno;
	c->source = source;
	if (attno < 0)
		return;
	if (source == target)
	{
		c->how = 0;
		return;
	}
	switch (find_coercion_pathway(target, source, COERCION_EXPLICIT, &funcid))
	{
		case COERCION_PATH_RELABELTYPE:
			c->how = 0;
			break;
		case COERCION_PATH_FUNC:
			c->how = 1;
			fmgr_info_cxt(funcid, &c->fn, r->cxt);
			break;
		case COERCION_PATH_COERCEVIAIO:
			c->how = 2;
			getTypeOutputInfo(source, &typfunc, &varlena);
			fmgr_info_cxt(typfunc, &c->fn, r->cxt);
			getTypeInputInfo(target, &typfunc, &c->in_param);
			fmgr_info_cxt(typfunc, &c->in, r->cxt);
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of the bars row of %s has type %s, which cannot be cast to %s",
							name, r->fname, format_type_be(source), format_type_be(target))));
	}
}

static inline Datum
cast_value(BarRowCast *c, Datum d)
{
	switch (c->how)
	{
		case 1:
			if (c->fn.fn_nargs == 1)
				return FunctionCall1(&c->fn, d);
			return FunctionCall3(&c->fn, d, Int32GetDatum(-1), BoolGetDatum(true));
		case 2:
			return InputFunctionCall(&c->in, OutputFunctionCall(&c->fn, d), c->in_param, -1);
		default:
			return d;
	}
}

/*
 * reader_setup
 *		Find the columns in the row type of rec and prepare their casts.
 */
static void
reader_setup(BarRowReader *r, HeapTupleHeader rec)
{
	Oid			typid = HeapTupleHeaderGetTypeId(rec);
	int32		typmod = HeapTupleHeaderGetTypMod(rec);
	TupleDesc	desc = lookup_rowtype_tupdesc(typid, typmod);
	MemoryContext old;
	int			a;

#define TYPE_OF(n) (TupleDescAttr(desc, (n))->atttypid)
	a = query_column(desc, "ticker");
	if (a < 0)
		missing_column(r->fname, r->daily, "row", "ticker");
	setup_cast(r, &r->ticker, "ticker", a, TYPE_OF(a), TEXTOID);
	if (r->daily)
	{
		const char *daycol = day_column(desc, r->fname, "row");

		a = query_column(desc, daycol);
		r->when_from_ts = strcmp(daycol, "ts") == 0;
		setup_cast(r, &r->when, daycol, a, TYPE_OF(a), r->when_from_ts ? TIMESTAMPTZOID : DATEOID);
	}
	else
	{
		a = query_column(desc, "ts");
		if (a < 0)
			missing_column(r->fname, r->daily, "row", "ts");
		setup_cast(r, &r->when, "ts", a, TYPE_OF(a), TIMESTAMPTZOID);
	}
	for (int c = 0; c < BC_NVALUES; c++)
	{
		a = query_column(desc, value_columns[c].name);
		if (a < 0 && !value_columns[c].optional)
			missing_column(r->fname, r->daily, "row", value_columns[c].name);
		setup_cast(r, &r->value[c], value_columns[c].name, a, a >= 0 ? TYPE_OF(a) : InvalidOid, FLOAT8OID);
	}
#undef TYPE_OF
	r->natts = desc->natts;
	r->values = MemoryContextAlloc(r->cxt, sizeof(Datum) * Max(1, desc->natts));
	r->nulls = MemoryContextAlloc(r->cxt, sizeof(bool) * Max(1, desc->natts));
	r->typid = typid;
	r->typmod = typmod;
	ReleaseTupleDesc(desc);
	/* a copy of its own: the row type cannot change while the aggregate runs */
	old = MemoryContextSwitchTo(r->cxt);
	r->desc = lookup_rowtype_tupdesc_copy(typid, typmod);
	MemoryContextSwitchTo(old);
}

/*
 * barrow_reader_init
 *		A reader of bars from rows; its state lives in cxt.
 */
void
barrow_reader_init(BarRowReader *r, const char *fname, bool daily, MemoryContext cxt)
{
	memset(r, 0, sizeof(BarRowReader));
	r->fname = fname;
	r->daily = daily;
	r->cxt = cxt;
	r->typid = InvalidOid;
}

/*
 * barrow_read
 *		The bar of one row; false when it cannot be judged (no prices), as
 *		barsource_next() skips it.
 */
bool
barrow_read(BarRowReader *r, HeapTupleHeader rec, BarRow *row)
{
	HeapTupleData tup;
	text	   *t;
	int			len;

	if (r->typid != HeapTupleHeaderGetTypeId(rec) || r->typmod != HeapTupleHeaderGetTypMod(rec))
	{
		if (OidIsValid(r->typid))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("%s got rows of two different types", r->fname)));
		reader_setup(r, rec);
	}
	tup.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&tup.t_self);
	tup.t_tableOid = InvalidOid;
	tup.t_data = rec;
	heap_deform_tuple(&tup, r->desc, r->values, r->nulls);

	if (r->nulls[r->ticker.attno])
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s got a row without a ticker", r->fname)));
	t = DatumGetTextPP(cast_value(&r->ticker, r->values[r->ticker.attno]));
	len = VARSIZE_ANY_EXHDR(t);
	if (len + 1 > r->ticker_cap)
	{
		r->ticker_cap = Max(len + 1, 32);
		r->ticker_buf = MemoryContextAlloc(r->cxt, r->ticker_cap);
	}
	memcpy(r->ticker_buf, VARDATA_ANY(t), len);
	r->ticker_buf[len] = '\0';
	row->ticker = r->ticker_buf;
	row->ticker_no = 1;			/* aggregate_next() refuses a second ticker */

	if (r->nulls[r->when.attno])
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s got a row of ticker \"%s\" without %s",
						r->fname, r->ticker_buf, r->daily ? "a day" : "a ts")));
	if (!r->daily)
		row->ts = DatumGetTimestampTz(cast_value(&r->when, r->values[r->when.attno]));
	else if (r->when_from_ts)
		row->day = market_date_of(DatumGetTimestampTz(cast_value(&r->when, r->values[r->when.attno])));
	else
		row->day = DatumGetDateADT(cast_value(&r->when, r->values[r->when.attno]));

	for (int c = 0; c < BC_NVALUES; c++)
	{
		BarRowCast *cast = &r->value[c];

		row->v[c] = (cast->attno < 0 || r->nulls[cast->attno]) ? NAN :
			DatumGetFloat8(cast_value(cast, r->values[cast->attno]));
	}
	return usable_bar(row);
}

/* ---------------------------------------------------------------------
 * The detector aggregates
 * ---------------------------------------------------------------------
 */

/*
 * aggregate_begin
 *		The first call of a detector aggregate's transition: check that it
 *		gets whole rows, set up the reader in aggcxt, and return the merged
 *		configuration (its optional second argument over the defaults).
 */
Jsonb *
aggregate_begin(AggregateInput *in, FunctionCallInfo fcinfo, const char *fname, bool daily,
				MemoryContext aggcxt)
{
	bool		no_config = PG_NARGS() < 3 || PG_ARGISNULL(2);

	if (!type_is_rowtype(get_fn_expr_argtype(fcinfo->flinfo, 1)))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s takes a whole row of bars", fname),
				 errhint("Pass the row of the table: SELECT %s(b ORDER BY %s) FROM bars b GROUP BY ticker.",
						 fname, daily ? "day" : "ts")));
	memset(in, 0, sizeof(AggregateInput));
	in->fname = fname;
	in->daily = daily;
	in->cxt = aggcxt;
	barrow_reader_init(&in->reader, fname, daily, aggcxt);
	return config_merged(daily ? "daily" : "intraday", no_config ? (Datum) 0 : PG_GETARG_DATUM(2),
						 no_config);
}

/*
 * aggregate_next
 *		The bar of the row of this call, checked to be of the group's ticker
 *		and after the previous one; false when it cannot be judged.
 */
bool
aggregate_next(AggregateInput *in, FunctionCallInfo fcinfo, BarRow *row)
{
	bool		usable = barrow_read(&in->reader, PG_GETARG_HEAPTUPLEHEADER(1), row);
	int64		at = in->daily ? (int64) row->day : (int64) row->ts;

	if (in->ticker == NULL)
		in->ticker = MemoryContextStrdup(in->cxt, row->ticker);
	else if (strcmp(in->ticker, row->ticker) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s got the bars of more than one ticker (\"%s\" and \"%s\")",
						in->fname, in->ticker, row->ticker),
				 errhint("Aggregate the bars of each ticker apart: GROUP BY ticker.")));
	if (in->has_last && at == in->last)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("%s got two bars of ticker \"%s\" at %s", in->fname, row->ticker,
						in->daily ? date_to_iso(row->day) : timestamptz_to_str(row->ts)),
				 errhint("Each (ticker, %s) must appear once.", in->daily ? "day" : "ts")));
	if (in->has_last && at < in->last)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs its bars in time order", in->fname),
				 errhint("Use %s(b ORDER BY %s).", in->fname, in->daily ? "day" : "ts")));
	in->last = at;
	in->has_last = true;
	return usable;
}

/*
 * aggregate_result
 *		The n events of a detector aggregate as an array of the composite
 *		type its final function returns; columns() gives event k's columns.
 */
Datum
aggregate_result(FunctionCallInfo fcinfo, int n, int natts, EventColumns columns, void *arg)
{
	Oid			elemtype = get_element_type(get_fn_expr_rettype(fcinfo->flinfo));
	TupleDesc	desc;
	Datum	   *elems;
	Datum	   *values;
	bool	   *nulls;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (!OidIsValid(elemtype))
		elog(ERROR, "a detector aggregate must return an array");
	desc = lookup_rowtype_tupdesc_copy(elemtype, -1);
	if (desc->natts != natts)
		elog(ERROR, "%s has %d columns, not %d", format_type_be(elemtype), desc->natts, natts);
	BlessTupleDesc(desc);
	elems = palloc(sizeof(Datum) * Max(1, n));
	values = palloc(sizeof(Datum) * natts);
	nulls = palloc(sizeof(bool) * natts);
	for (int k = 0; k < n; k++)
	{
		CHECK_FOR_INTERRUPTS();
		columns(arg, k, values, nulls);
		elems[k] = HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
	}
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, elemtype, typlen, typbyval, typalign));
}

/* ---------------------------------------------------------------------
 * The configuration
 * ---------------------------------------------------------------------
 */

/*
 * config_value
 *		The value at a dotted path of the configuration.
 */
static JsonbValue *
config_value(const char *section, Jsonb *config, const char *path, JsonbValue *out)
{
	JsonbContainer *c = &config->root;
	const char *p = path;

	for (;;)					/* bounded: one step a part of the path */
	{
		const char *dot = strchr(p, '.');
		int			len = dot ? dot - p : (int) strlen(p);
		JsonbValue *v = getKeyJsonValueFromContainer(c, p, len, out);

		if (v == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("configuration key \"%s.%s\" is missing", section, path),
					 errhint("Pass the configuration through tape.detector_config().")));
		if (dot == NULL)
			return v;
		if (v->type != jbvBinary)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("configuration key \"%s.%.*s\" is not an object", section,
							(int) (dot - path), path)));
		c = v->val.binary.data;
		p = dot + 1;
	}
}

/*
 * config_merged
 *		tape.detector_config(section, override): the defaults with the
 *		caller's override (NULL for none) merged in.
 */
Jsonb *
config_merged(const char *section, Datum override, bool isnull)
{
	LOCAL_FCINFO(call, 2);
	FmgrInfo	flinfo;
	Oid			argtypes[2] = {TEXTOID, JSONBOID};
	Datum		result;

	fmgr_info(LookupFuncName(list_make2(makeString("tape"), makeString("detector_config")),
							 2, argtypes, false), &flinfo);
	InitFunctionCallInfoData(*call, &flinfo, 2, InvalidOid, NULL, NULL);
	call->args[0].value = CStringGetTextDatum(section);
	call->args[0].isnull = false;
	call->args[1].value = override;
	call->args[1].isnull = isnull;
	result = FunctionCallInvoke(call);
	if (call->isnull)
		elog(ERROR, "tape.detector_config returned NULL");
	return DatumGetJsonbP(result);
}

/*
 * config_out_of_range
 *		Refuse a value, naming its key; must says what it must be.
 */
void
config_out_of_range(const char *section, const char *path, double value, const char *must)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value %g for configuration key \"%s.%s\"", value, section, path),
			 errdetail("It must be %s.", must)));
}

/*
 * config_read
 *		Read every key of a table into the configuration struct out,
 *		refusing values of the wrong type and out of range.
 */
void
config_read(const char *section, Jsonb *config, const ConfigKey *keys, int nkeys, void *out)
{
	/* bounded: the keys of a table of the code */
	for (int k = 0; k < nkeys; k++)
	{
		const ConfigKey *key = &keys[k];
		JsonbValue	v;
		double		x;
		char		must[128];

		config_value(section, config, key->path, &v);
		if (key->kind == CV_BOOL)
		{
			if (v.type != jbvBool)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("configuration key \"%s.%s\" must be true or false", section, key->path)));
			*(bool *) ((char *) out + key->offset) = v.val.boolean;
			continue;
		}
		if (v.type != jbvNumeric)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("configuration key \"%s.%s\" must be a number", section, key->path)));
		x = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v.val.numeric)));
		if (x < key->min || x > key->max || (key->above_min && x == key->min) ||
			(key->kind == CV_WHOLE && x != floor(x)))
		{
			const char *what = key->kind == CV_WHOLE ? "a whole number" : "a number";

			if (key->above_min)
				snprintf(must, sizeof(must), "%s above %g", what, key->min);
			else if (isinf(key->max))
				snprintf(must, sizeof(must), "%s of at least %g", what, key->min);
			else
				snprintf(must, sizeof(must), "%s from %g to %g", what, key->min, key->max);
			config_out_of_range(section, key->path, x, must);
		}
		if (key->kind == CV_WHOLE)
			*(int *) ((char *) out + key->offset) = (int) x;
		else
			*(double *) ((char *) out + key->offset) = x;
	}
}

/*
 * config_string
 *		A string value that must be one of allowed (a NULL-terminated list).
 */
char *
config_string(const char *section, Jsonb *config, const char *path, const char *const *allowed)
{
	JsonbValue	v;
	StringInfoData list;

	config_value(section, config, path, &v);
	if (v.type == jbvString)
	{
		/* bounded: a list of the code */
		for (int i = 0; allowed[i] != NULL; i++)
		{
			if (strlen(allowed[i]) == (size_t) v.val.string.len &&
				memcmp(allowed[i], v.val.string.val, v.val.string.len) == 0)
				return pstrdup(allowed[i]);
		}
	}
	initStringInfo(&list);
	/* bounded: a list of the code */
	for (int i = 0; allowed[i] != NULL; i++)
		appendStringInfo(&list, "%s\"%s\"", i > 0 ? (allowed[i + 1] ? ", " : " or ") : "", allowed[i]);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("configuration key \"%s.%s\" must be %s", section, path, list.data)));
}
