/*-------------------------------------------------------------------------
 *
 * endpoint.c
 *		The declarative table of Polygon endpoints behind polygon_fdw.
 *
 * Every foreign table names one endpoint.  An endpoint row says which URL to
 * call, which JSON field fills each column and how, which WHERE conditions
 * push down into which request parameter, and in which order rows come back.
 * Adding an endpoint is adding a row here; the planner, the request builder,
 * the decoder and IMPORT FOREIGN SCHEMA all read this table.
 *
 * Column types follow the API's meaning: volumes and sizes are double
 * precision (the API sends fractions and exponents), times are timestamptz,
 * every column the API may omit is nullable.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/fdw/endpoint.c
 *
 *-------------------------------------------------------------------------
 */
#include "polygon_fdw.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"



/*
 * Shorthands for column rows.  The type shorthands (T_TEXT, ...) expand to
 * three arguments, hence the second level of macros.
 */
#define RES(...)		RES_I(__VA_ARGS__)
#define RES_NN(...)		RES_NN_I(__VA_ARGS__)
#define REQ(...)		REQ_I(__VA_ARGS__)
#define REQ_NULL(...)	REQ_NULL_I(__VA_ARGS__)
#define RES_I(name, sqltype, typid, kind, field) \
	{name, sqltype, typid, kind, PCS_RESULT, field, false}
#define RES_NN_I(name, sqltype, typid, kind, field) \
	{name, sqltype, typid, kind, PCS_RESULT, field, true}
#define REQ_I(name, sqltype, typid, kind) \
	{name, sqltype, typid, kind, PCS_REQUEST, name, true}
#define REQ_NULL_I(name, sqltype, typid, kind) \
	{name, sqltype, typid, kind, PCS_REQUEST, name, false}

#define T_TEXT		"text", TEXTOID, PVK_TEXT
#define T_FLOAT8	"double precision", FLOAT8OID, PVK_FLOAT8
#define T_INT4		"integer", INT4OID, PVK_INT4
#define T_INT8		"bigint", INT8OID, PVK_INT8
#define T_BOOL		"boolean", BOOLOID, PVK_BOOL
#define T_DATE		"date", DATEOID, PVK_DATE
#define T_TS_MS		"timestamp with time zone", TIMESTAMPTZOID, PVK_TS_MS
#define T_TS_TEXT	"timestamp with time zone", TIMESTAMPTZOID, PVK_TS_TEXT
#define T_TS_NS		"timestamp with time zone", TIMESTAMPTZOID, PVK_TS_NS
#define T_INT4_ARR	"integer[]", INT4ARRAYOID, PVK_INT4_ARRAY
#define T_TEXT_ARR	"text[]", TEXTARRAYOID, PVK_TEXT_ARRAY
#define T_QSIZE		"double precision", FLOAT8OID, PVK_QUOTE_SIZE
#define T_JSONB		"jsonb", JSONBOID, PVK_JSONB

/* The fields of an aggregate bar, the same in every aggregates endpoint */
#define AGGREGATE_BAR_COLUMNS \
	RES_NN("ts", T_TS_MS, "t"), \
	RES("open", T_FLOAT8, "o"), \
	RES("high", T_FLOAT8, "h"), \
	RES("low", T_FLOAT8, "l"), \
	RES("close", T_FLOAT8, "c"), \
	RES("volume", T_FLOAT8, "v"), \
	RES("vwap", T_FLOAT8, "vw"), \
	RES("transactions", T_INT8, "n"), \
	RES_NN("otc", "boolean", BOOLOID, PVK_BOOL_PRESENT, "otc"), \
	REQ("adjusted", T_BOOL)

/*
 * bars: /v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}
 *
 * Aggregates of one ticker.  "t" is the start of the bar in Unix ms.  The
 * ticker, timespan, multiplier and adjusted columns echo the request.
 */
static const PolygonColumn bars_columns[] = {
	REQ("ticker", T_TEXT),
	REQ("timespan", T_TEXT),
	REQ("multiplier", T_INT4),
	AGGREGATE_BAR_COLUMNS,
};

static const PolygonParam bars_params[] = {
	{"ticker", "ticker", PPE_TEXT, PPF_EQ | PPF_IN | PPF_REQUIRED | PPF_PATH, NULL},
	{"multiplier", "multiplier", PPE_POSITIVE_INT, PPF_EQ | PPF_IN | PPF_PATH, "1"},
	{"timespan", "timespan", PPE_TIMESPAN, PPF_EQ | PPF_IN | PPF_PATH, "minute"},
	{"ts", "range", PPE_AGGS_RANGE, PPF_EQ | PPF_RANGE | PPF_PATH, NULL},
	{"adjusted", "adjusted", PPE_BOOL, PPF_EQ | PPF_IN, "true"},
};

/*
 * grouped_daily: /v2/aggs/grouped/locale/us/market/stocks/{date}
 *
 * The day bar of every stock on one date.  "t" is the end of the window per
 * the specification.  One request per weekday of the date condition.
 */
static const PolygonColumn grouped_daily_columns[] = {
	RES_NN("ticker", T_TEXT, "T"),
	REQ("date", T_DATE),
	AGGREGATE_BAR_COLUMNS,
};

static const PolygonParam grouped_daily_params[] = {
	{"date", "date", PPE_DATE_EACH, PPF_EQ | PPF_IN | PPF_RANGE | PPF_REQUIRED | PPF_PATH, NULL},
	{"adjusted", "adjusted", PPE_BOOL, PPF_EQ | PPF_IN, "true"},
	/* otc = false excludes OTC rows; no condition (or otc = true) needs them */
	{"otc", "include_otc", PPE_BOOL, PPF_EQ, "true"},
};

/*
 * tickers: /v3/reference/tickers
 *
 * Active and delisted tickers.  The API lists only active ones unless asked,
 * so without a condition on active both lists are fetched.
 */
static const PolygonColumn tickers_columns[] = {
	RES_NN("ticker", T_TEXT, "ticker"),
	RES("name", T_TEXT, "name"),
	RES("market", T_TEXT, "market"),
	RES("locale", T_TEXT, "locale"),
	RES("primary_exchange", T_TEXT, "primary_exchange"),
	RES("type", T_TEXT, "type"),
	RES("active", T_BOOL, "active"),
	RES("currency_name", T_TEXT, "currency_name"),
	RES("currency_symbol", T_TEXT, "currency_symbol"),
	RES("base_currency_name", T_TEXT, "base_currency_name"),
	RES("base_currency_symbol", T_TEXT, "base_currency_symbol"),
	RES("cik", T_TEXT, "cik"),
	RES("composite_figi", T_TEXT, "composite_figi"),
	RES("share_class_figi", T_TEXT, "share_class_figi"),
	RES("last_updated_utc", T_TS_TEXT, "last_updated_utc"),
	RES("delisted_utc", T_TS_TEXT, "delisted_utc"),
	REQ_NULL("date", T_DATE),
};

static const PolygonParam tickers_params[] = {
	/* ranges on ticker stay local: the API's string order need not be the database's */
	{"ticker", "ticker", PPE_TEXT, PPF_EQ | PPF_IN, NULL},
	{"type", "type", PPE_TEXT, PPF_EQ | PPF_IN, NULL},
	{"market", "market", PPE_TEXT, PPF_EQ | PPF_IN, NULL},
	{"primary_exchange", "exchange", PPE_TEXT, PPF_EQ | PPF_IN, NULL},
	{"cik", "cik", PPE_TEXT, PPF_EQ | PPF_IN, NULL},
	{"date", "date", PPE_DATE, PPF_EQ, NULL},
	{"active", "active", PPE_BOOL, PPF_EQ | PPF_BOTH_IF_ABSENT, NULL},
};

/*
 * ticker_details: /v3/reference/tickers/{ticker}
 *
 * One ticker's reference data, optionally at a point in time.  Nested
 * objects (address, branding) are jsonb.
 */
static const PolygonColumn ticker_details_columns[] = {
	RES_NN("ticker", T_TEXT, "ticker"),
	RES("name", T_TEXT, "name"),
	RES("market", T_TEXT, "market"),
	RES("locale", T_TEXT, "locale"),
	RES("primary_exchange", T_TEXT, "primary_exchange"),
	RES("type", T_TEXT, "type"),
	RES("active", T_BOOL, "active"),
	RES("currency_name", T_TEXT, "currency_name"),
	RES("cik", T_TEXT, "cik"),
	RES("composite_figi", T_TEXT, "composite_figi"),
	RES("share_class_figi", T_TEXT, "share_class_figi"),
	RES("market_cap", T_FLOAT8, "market_cap"),
	RES("phone_number", T_TEXT, "phone_number"),
	RES("address", T_JSONB, "address"),
	RES("description", T_TEXT, "description"),
	RES("sic_code", T_TEXT, "sic_code"),
	RES("sic_description", T_TEXT, "sic_description"),
	RES("ticker_root", T_TEXT, "ticker_root"),
	RES("ticker_suffix", T_TEXT, "ticker_suffix"),
	RES("homepage_url", T_TEXT, "homepage_url"),
	RES("total_employees", T_INT8, "total_employees"),
	RES("list_date", T_DATE, "list_date"),
	RES("branding", T_JSONB, "branding"),
	RES("share_class_shares_outstanding", T_FLOAT8, "share_class_shares_outstanding"),
	RES("weighted_shares_outstanding", T_FLOAT8, "weighted_shares_outstanding"),
	RES("round_lot", T_INT4, "round_lot"),
	RES("delisted_utc", T_TS_TEXT, "delisted_utc"),
	RES("last_updated_utc", T_TS_TEXT, "last_updated_utc"),
	REQ_NULL("date", T_DATE),
};

static const PolygonParam ticker_details_params[] = {
	{"ticker", "ticker", PPE_TEXT, PPF_EQ | PPF_IN | PPF_REQUIRED | PPF_PATH, NULL},
	{"date", "date", PPE_DATE, PPF_EQ, NULL},
};

/*
 * trades: /v3/trades/{ticker}
 *
 * Every trade of one ticker, oldest first.  ts is sip_timestamp as a
 * timestamptz (floored to the microsecond); the nanosecond times are also
 * kept exact as bigint.  size is double precision: the API omits it on some
 * trades and sends fractions from 2026-02-23.  exchange 4 is any FINRA TRF
 * (trf_id tells which); id is unique only per (exchange, trf_id).
 */
/* the ticker and the times of a trade or a quote */
#define TICK_TIME_COLUMNS \
	REQ("ticker", T_TEXT), \
	RES_NN("ts", T_TS_NS, "sip_timestamp"), \
	RES_NN("sip_timestamp", T_INT8, "sip_timestamp"), \
	RES("participant_timestamp", T_INT8, "participant_timestamp"), \
	RES("trf_timestamp", T_INT8, "trf_timestamp")

static const PolygonColumn trades_columns[] = {
	TICK_TIME_COLUMNS,
	RES("price", T_FLOAT8, "price"),
	RES("size", T_FLOAT8, "size"),
	RES("exchange", T_INT4, "exchange"),
	RES("trf_id", T_INT4, "trf_id"),
	RES("tape", T_INT4, "tape"),
	RES("conditions", T_INT4_ARR, "conditions"),
	RES("correction", T_INT4, "correction"),
	RES("id", T_TEXT, "id"),
	RES("sequence_number", T_INT8, "sequence_number"),
};

/* conditions on ts and on sip_timestamp merge into one nanosecond range */
#define TICK_PARAMS \
	{"ticker", "ticker", PPE_TEXT, PPF_EQ | PPF_IN | PPF_REQUIRED | PPF_PATH, NULL}, \
	{"ts", "timestamp", PPE_NS_RANGE, PPF_EQ | PPF_RANGE, NULL}, \
	{"sip_timestamp", "timestamp", PPE_NS_RANGE, PPF_EQ | PPF_RANGE, NULL}

static const PolygonParam trades_params[] = {
	TICK_PARAMS,
};

/*
 * quotes: /v3/quotes/{ticker}
 *
 * The NBBO of one ticker, oldest first.  Sizes are in shares: the API sent
 * round lots (of 100 shares) before 2025-11-03 and shares since, and the
 * decoder converts the older ones.  A one-sided quote has 0 price and size
 * on its empty side.
 */
static const PolygonColumn quotes_columns[] = {
	TICK_TIME_COLUMNS,
	RES("bid_price", T_FLOAT8, "bid_price"),
	RES("bid_size", T_QSIZE, "bid_size"),
	RES("bid_exchange", T_INT4, "bid_exchange"),
	RES("ask_price", T_FLOAT8, "ask_price"),
	RES("ask_size", T_QSIZE, "ask_size"),
	RES("ask_exchange", T_INT4, "ask_exchange"),
	RES("conditions", T_INT4_ARR, "conditions"),
	RES("indicators", T_INT4_ARR, "indicators"),
	RES("sequence_number", T_INT8, "sequence_number"),
	RES("tape", T_INT4, "tape"),
};

static const PolygonParam quotes_params[] = {
	TICK_PARAMS,
};

#define ENDPOINT_COLUMNS(c) c, (int) lengthof(c)

static const PolygonEndpoint endpoints[] = {
	{
		"bars",
		"aggregate bars (second to year) of one or more tickers",
		"/v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}",
		"sort=asc&limit=50000",
		PRS_ARRAY,
		ENDPOINT_COLUMNS(bars_columns),
		ENDPOINT_COLUMNS(bars_params),
		{"ticker", "ts", NULL},
		PEST_AGGS,
		true,
		true,
		0
	},
	{
		"grouped_daily",
		"the day bar of every US stock on each requested date",
		"/v2/aggs/grouped/locale/us/market/stocks/{date}",
		NULL,
		PRS_ARRAY,
		ENDPOINT_COLUMNS(grouped_daily_columns),
		ENDPOINT_COLUMNS(grouped_daily_params),
		{NULL},
		PEST_GROUPED,
		true,
		true,
		0
	},
	{
		"tickers",
		"reference list of tickers, active and delisted",
		"/v3/reference/tickers",
		"order=asc&sort=ticker&limit=1000",
		PRS_ARRAY,
		ENDPOINT_COLUMNS(tickers_columns),
		ENDPOINT_COLUMNS(tickers_params),
		{NULL},
		PEST_LIST,
		true,
		false,
		0
	},
	{
		"ticker_details",
		"reference details of one ticker, optionally at a point in time",
		"/v3/reference/tickers/{ticker}",
		NULL,
		PRS_OBJECT,
		ENDPOINT_COLUMNS(ticker_details_columns),
		ENDPOINT_COLUMNS(ticker_details_params),
		{NULL},
		PEST_ONE,
		false,
		false,
		0
	},
	{
		"trades",
		"every trade of one or more tickers in a time range, oldest first",
		"/v3/trades/{ticker}",
		"order=asc&sort=timestamp&limit=50000",
		PRS_ARRAY,
		ENDPOINT_COLUMNS(trades_columns),
		ENDPOINT_COLUMNS(trades_params),
		{"ticker", "ts", NULL},
		PEST_TICKS,
		true,
		false,
		20000.0
	},
	{
		"quotes",
		"the NBBO quotes of one or more tickers in a time range, oldest first, sizes in shares",
		"/v3/quotes/{ticker}",
		"order=asc&sort=timestamp&limit=50000",
		PRS_ARRAY,
		ENDPOINT_COLUMNS(quotes_columns),
		ENDPOINT_COLUMNS(quotes_params),
		{"ticker", "ts", NULL},
		PEST_TICKS,
		true,
		false,
		60000.0
	},
};

/*
 * polygon_find_endpoint
 *		The endpoint named name, or NULL.
 */
const PolygonEndpoint *
polygon_find_endpoint(const char *name)
{
	for (int i = 0; i < (int) lengthof(endpoints); i++)
	{
		if (strcmp(endpoints[i].name, name) == 0)
			return &endpoints[i];
	}
	return NULL;
}

/*
 * polygon_endpoint_count / polygon_endpoint_by_index
 *		Iterate over the endpoint table.
 */
int
polygon_endpoint_count(void)
{
	return (int) lengthof(endpoints);
}

const PolygonEndpoint *
polygon_endpoint_by_index(int i)
{
	Assert(i >= 0 && i < (int) lengthof(endpoints));
	return &endpoints[i];
}

/*
 * polygon_endpoint_column
 *		Index of the column named name in ep, or -1.
 */
int
polygon_endpoint_column(const PolygonEndpoint *ep, const char *name)
{
	for (int i = 0; i < ep->ncolumns; i++)
	{
		if (strcmp(ep->columns[i].name, name) == 0)
			return i;
	}
	return -1;
}

/*
 * polygon_endpoint_param
 *		Index of the parameter fed by conditions on column, or -1.
 */
int
polygon_endpoint_param(const PolygonEndpoint *ep, const char *column)
{
	for (int i = 0; i < ep->nparams; i++)
	{
		if (strcmp(ep->params[i].column, column) == 0)
			return i;
	}
	return -1;
}

/*
 * polygon_endpoint_names
 *		"bars, grouped_daily, ..." for hints.
 */
char *
polygon_endpoint_names(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < (int) lengthof(endpoints); i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", endpoints[i].name);
	return buf.data;
}

/*
 * polygon_endpoint_column_names
 *		"ticker, timespan, ..." for hints.
 */
char *
polygon_endpoint_column_names(const PolygonEndpoint *ep)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < ep->ncolumns; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", ep->columns[i].name);
	return buf.data;
}

/*
 * polygon_import_statement
 *		The CREATE FOREIGN TABLE statement IMPORT FOREIGN SCHEMA runs for ep.
 */
char *
polygon_import_statement(const PolygonEndpoint *ep, const char *server, const char *schema)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s.%s (\n",
					 quote_identifier(schema), quote_identifier(ep->name));
	for (int i = 0; i < ep->ncolumns; i++)
	{
		const PolygonColumn *col = &ep->columns[i];

		appendStringInfo(&buf, "  %s %s%s%s\n",
						 quote_identifier(col->name), col->sqltype,
						 col->not_null ? " NOT NULL" : "",
						 i < ep->ncolumns - 1 ? "," : "");
	}
	appendStringInfo(&buf, ") SERVER %s OPTIONS (endpoint %s)",
					 quote_identifier(server), quote_literal_cstr(ep->name));
	return buf.data;
}

/*
 * param_pushdown
 *		"=, IN -> path {ticker} (required)" for the catalog functions.
 */
static char *
param_pushdown(const PolygonParam *p)
{
	StringInfoData buf;
	const char *ops[] = {"=", "IN", "<, <=, >, >="};
	int			flags[] = {PPF_EQ, PPF_IN, PPF_RANGE};
	bool		first = true;

	initStringInfo(&buf);
	for (int i = 0; i < (int) lengthof(ops); i++)
	{
		if (p->flags & flags[i])
		{
			appendStringInfo(&buf, "%s%s", first ? "" : ", ", ops[i]);
			first = false;
		}
	}
	if (p->encoding == PPE_AGGS_RANGE)
		appendStringInfoString(&buf, " -> path {from}/{to}");
	else if (p->encoding == PPE_DATE_EACH)
		appendStringInfo(&buf, " -> path {%s}, one request per weekday", p->name);
	else if (p->flags & PPF_PATH)
		appendStringInfo(&buf, " -> path {%s}", p->name);
	else
		appendStringInfo(&buf, " -> %s=", p->name);
	if (p->flags & PPF_REQUIRED)
		appendStringInfoString(&buf, " (required)");
	if (p->default_value)
		appendStringInfo(&buf, " (default %s)", p->default_value);
	if (p->flags & PPF_BOTH_IF_ABSENT)
		appendStringInfoString(&buf, " (both true and false when absent)");
	return buf.data;
}

PG_FUNCTION_INFO_V1(tape_polygon_endpoints);
PG_FUNCTION_INFO_V1(tape_polygon_columns);

/*
 * tape_polygon_endpoints
 *		One row per endpoint of polygon_fdw.
 */
Datum
tape_polygon_endpoints(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < (int) lengthof(endpoints); i++)
	{
		const PolygonEndpoint *ep = &endpoints[i];
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		StringInfoData sorted;

		initStringInfo(&sorted);
		for (int k = 0; k < (int) lengthof(ep->sort_columns) && ep->sort_columns[k]; k++)
			appendStringInfo(&sorted, "%s%s", k ? ", " : "", ep->sort_columns[k]);
		values[0] = CStringGetTextDatum(ep->name);
		values[1] = CStringGetTextDatum(ep->description);
		values[2] = CStringGetTextDatum(psprintf("GET %s%s%s", ep->path,
												 ep->fixed_query ? "?" : "",
												 ep->fixed_query ? ep->fixed_query : ""));
		values[3] = CStringGetTextDatum(sorted.data);
		nulls[3] = (sorted.len == 0);
		values[4] = BoolGetDatum(ep->not_found_is_empty);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * tape_polygon_columns
 *		One row per column of every endpoint: type, source and pushdown.
 */
Datum
tape_polygon_columns(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < (int) lengthof(endpoints); i++)
	{
		const PolygonEndpoint *ep = &endpoints[i];

		for (int c = 0; c < ep->ncolumns; c++)
		{
			const PolygonColumn *col = &ep->columns[c];
			int			p = polygon_endpoint_param(ep, col->name);
			Datum		values[7];
			bool		nulls[7] = {false, false, false, false, false, false, false};

			values[0] = CStringGetTextDatum(ep->name);
			values[1] = Int32GetDatum(c + 1);
			values[2] = CStringGetTextDatum(col->name);
			values[3] = CStringGetTextDatum(col->sqltype);
			values[4] = CStringGetTextDatum(col->source == PCS_RESULT
											? psprintf("results[].%s", col->field)
											: "the request");
			values[5] = BoolGetDatum(!col->not_null);
			if (p >= 0)
				values[6] = CStringGetTextDatum(param_pushdown(&ep->params[p]));
			else
				nulls[6] = true;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
