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
#define RES_ZN(...)		RES_ZN_I(__VA_ARGS__)
#define RES_I(name, sqltype, typid, kind, field) \
	{name, sqltype, typid, kind, PCS_RESULT, field, false, false}
#define RES_NN_I(name, sqltype, typid, kind, field) \
	{name, sqltype, typid, kind, PCS_RESULT, field, true, false}
#define RES_ZN_I(name, sqltype, typid, kind, field) \
	{name, sqltype, typid, kind, PCS_RESULT, field, false, true}
#define REQ_I(name, sqltype, typid, kind) \
	{name, sqltype, typid, kind, PCS_REQUEST, name, true, false}
#define REQ_NULL_I(name, sqltype, typid, kind) \
	{name, sqltype, typid, kind, PCS_REQUEST, name, false, false}

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
/*
 * The times of a trade or a quote, and the other fields of each (shared with
 * the flat files).  ZN is RES, or RES_ZN where a 0 stands for none.
 */
#define TICK_TIMES(ZN) \
	RES_NN("ts", T_TS_NS, "sip_timestamp"), \
	RES_NN("sip_timestamp", T_INT8, "sip_timestamp"), \
	RES("participant_timestamp", T_INT8, "participant_timestamp"), \
	ZN("trf_timestamp", T_INT8, "trf_timestamp")

#define TRADE_FIELDS(ZN) \
	RES("price", T_FLOAT8, "price"), \
	RES("size", T_FLOAT8, "size"), \
	RES("exchange", T_INT4, "exchange"), \
	ZN("trf_id", T_INT4, "trf_id"), \
	RES("tape", T_INT4, "tape"), \
	RES("conditions", T_INT4_ARR, "conditions"), \
	ZN("correction", T_INT4, "correction"), \
	RES("id", T_TEXT, "id"), \
	RES("sequence_number", T_INT8, "sequence_number")

#define QUOTE_FIELDS \
	RES("bid_price", T_FLOAT8, "bid_price"), \
	RES("bid_size", T_QSIZE, "bid_size"), \
	RES("bid_exchange", T_INT4, "bid_exchange"), \
	RES("ask_price", T_FLOAT8, "ask_price"), \
	RES("ask_size", T_QSIZE, "ask_size"), \
	RES("ask_exchange", T_INT4, "ask_exchange"), \
	RES("conditions", T_INT4_ARR, "conditions"), \
	RES("indicators", T_INT4_ARR, "indicators"), \
	RES("sequence_number", T_INT8, "sequence_number"), \
	RES("tape", T_INT4, "tape")

static const PolygonColumn trades_columns[] = {
	REQ("ticker", T_TEXT),
	TICK_TIMES(RES),
	TRADE_FIELDS(RES),
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
	REQ("ticker", T_TEXT),
	TICK_TIMES(RES),
	QUOTE_FIELDS,
};

static const PolygonParam quotes_params[] = {
	TICK_PARAMS,
};

/*
 * splits: /v3/reference/splits
 *
 * A 2-for-1 split has split_from 1 and split_to 2; split_from > split_to is
 * a reverse split.
 */
static const PolygonColumn splits_columns[] = {
	RES_NN("ticker", T_TEXT, "ticker"),
	RES_NN("execution_date", T_DATE, "execution_date"),
	RES("split_from", T_FLOAT8, "split_from"),
	RES("split_to", T_FLOAT8, "split_to"),
	RES("id", T_TEXT, "id"),
};

static const PolygonParam splits_params[] = {
	{"ticker", "ticker", PPE_TEXT, PPF_EQ | PPF_IN, NULL},
	{"execution_date", "execution_date", PPE_DATE_RANGE, PPF_EQ | PPF_RANGE, NULL},
};

/*
 * dividends: /v3/reference/dividends
 */
static const PolygonColumn dividends_columns[] = {
	RES_NN("ticker", T_TEXT, "ticker"),
	RES_NN("ex_dividend_date", T_DATE, "ex_dividend_date"),
	RES("cash_amount", T_FLOAT8, "cash_amount"),
	RES("currency", T_TEXT, "currency"),
	RES("declaration_date", T_DATE, "declaration_date"),
	RES("record_date", T_DATE, "record_date"),
	RES("pay_date", T_DATE, "pay_date"),
	RES("dividend_type", T_TEXT, "dividend_type"),
	RES("frequency", T_INT4, "frequency"),
	RES("id", T_TEXT, "id"),
};

static const PolygonParam dividends_params[] = {
	{"ticker", "ticker", PPE_TEXT, PPF_EQ | PPF_IN, NULL},
	{"ex_dividend_date", "ex_dividend_date", PPE_DATE_RANGE, PPF_EQ | PPF_RANGE, NULL},
	{"record_date", "record_date", PPE_DATE_RANGE, PPF_EQ | PPF_RANGE, NULL},
	{"declaration_date", "declaration_date", PPE_DATE_RANGE, PPF_EQ | PPF_RANGE, NULL},
	{"pay_date", "pay_date", PPE_DATE_RANGE, PPF_EQ | PPF_RANGE, NULL},
	{"dividend_type", "dividend_type", PPE_TEXT, PPF_EQ, NULL},
};

/*
 * stock_splits: /stocks/v1/splits (Massive)
 *
 * The splits with their kind and the factor that adjusts earlier prices.
 */
static const PolygonColumn stock_splits_columns[] = {
	RES_NN("ticker", T_TEXT, "ticker"),
	RES_NN("execution_date", T_DATE, "execution_date"),
	RES("split_from", T_FLOAT8, "split_from"),
	RES("split_to", T_FLOAT8, "split_to"),
	RES("adjustment_type", T_TEXT, "adjustment_type"),
	RES("historical_adjustment_factor", T_FLOAT8, "historical_adjustment_factor"),
	RES("id", T_TEXT, "id"),
};

static const PolygonParam stock_splits_params[] = {
	{"ticker", "ticker", PPE_TEXT_ANY_OF, PPF_EQ | PPF_IN, NULL},
	{"execution_date", "execution_date", PPE_DATE_RANGE, PPF_EQ | PPF_RANGE, NULL},
	{"adjustment_type", "adjustment_type", PPE_TEXT_ANY_OF, PPF_EQ | PPF_IN, NULL},
};

/*
 * stock_dividends: /stocks/v1/dividends (Massive)
 */
static const PolygonColumn stock_dividends_columns[] = {
	RES_NN("ticker", T_TEXT, "ticker"),
	RES_NN("ex_dividend_date", T_DATE, "ex_dividend_date"),
	RES("cash_amount", T_FLOAT8, "cash_amount"),
	RES("split_adjusted_cash_amount", T_FLOAT8, "split_adjusted_cash_amount"),
	RES("currency", T_TEXT, "currency"),
	RES("declaration_date", T_DATE, "declaration_date"),
	RES("record_date", T_DATE, "record_date"),
	RES("pay_date", T_DATE, "pay_date"),
	RES("distribution_type", T_TEXT, "distribution_type"),
	RES("frequency", T_INT4, "frequency"),
	RES("historical_adjustment_factor", T_FLOAT8, "historical_adjustment_factor"),
	RES("id", T_TEXT, "id"),
};

static const PolygonParam stock_dividends_params[] = {
	{"ticker", "ticker", PPE_TEXT_ANY_OF, PPF_EQ | PPF_IN, NULL},
	{"ex_dividend_date", "ex_dividend_date", PPE_DATE_RANGE, PPF_EQ | PPF_RANGE, NULL},
	{"distribution_type", "distribution_type", PPE_TEXT_ANY_OF, PPF_EQ | PPF_IN, NULL},
};

/*
 * short_interest: /stocks/v1/short-interest
 *
 * Short interest reported twice a month (FINRA settlement dates).  Share
 * counts are double precision like every volume.
 */
static const PolygonColumn short_interest_columns[] = {
	RES_NN("ticker", T_TEXT, "ticker"),
	RES_NN("settlement_date", T_DATE, "settlement_date"),
	RES("short_interest", T_FLOAT8, "short_interest"),
	RES("avg_daily_volume", T_FLOAT8, "avg_daily_volume"),
	RES("days_to_cover", T_FLOAT8, "days_to_cover"),
};

static const PolygonParam short_interest_params[] = {
	{"ticker", "ticker", PPE_TEXT_ANY_OF, PPF_EQ | PPF_IN, NULL},
	{"settlement_date", "settlement_date", PPE_DATE_RANGE, PPF_EQ | PPF_RANGE, NULL},
};

/*
 * short_volume: /stocks/v1/short-volume
 *
 * Daily short sale volume by venue.  The specification typed these as
 * int64 in 2025 and double since: double precision takes both.
 */
static const PolygonColumn short_volume_columns[] = {
	RES_NN("ticker", T_TEXT, "ticker"),
	RES_NN("date", T_DATE, "date"),
	RES("short_volume", T_FLOAT8, "short_volume"),
	RES("short_volume_ratio", T_FLOAT8, "short_volume_ratio"),
	RES("total_volume", T_FLOAT8, "total_volume"),
	RES("exempt_volume", T_FLOAT8, "exempt_volume"),
	RES("non_exempt_volume", T_FLOAT8, "non_exempt_volume"),
	RES("adf_short_volume", T_FLOAT8, "adf_short_volume"),
	RES("adf_short_volume_exempt", T_FLOAT8, "adf_short_volume_exempt"),
	RES("nasdaq_carteret_short_volume", T_FLOAT8, "nasdaq_carteret_short_volume"),
	RES("nasdaq_carteret_short_volume_exempt", T_FLOAT8, "nasdaq_carteret_short_volume_exempt"),
	RES("nasdaq_chicago_short_volume", T_FLOAT8, "nasdaq_chicago_short_volume"),
	RES("nasdaq_chicago_short_volume_exempt", T_FLOAT8, "nasdaq_chicago_short_volume_exempt"),
	RES("nyse_short_volume", T_FLOAT8, "nyse_short_volume"),
	RES("nyse_short_volume_exempt", T_FLOAT8, "nyse_short_volume_exempt"),
};

static const PolygonParam short_volume_params[] = {
	{"ticker", "ticker", PPE_TEXT_ANY_OF, PPF_EQ | PPF_IN, NULL},
	{"date", "date", PPE_DATE_RANGE, PPF_EQ | PPF_RANGE, NULL},
};

/*
 * news: /v2/reference/news
 *
 * ticker is the ticker asked for (NULL without one); tickers lists every
 * ticker the article names.
 */
static const PolygonColumn news_columns[] = {
	REQ_NULL("ticker", T_TEXT),
	RES_NN("published_utc", T_TS_TEXT, "published_utc"),
	RES_NN("id", T_TEXT, "id"),
	RES("title", T_TEXT, "title"),
	RES("author", T_TEXT, "author"),
	RES("description", T_TEXT, "description"),
	RES("article_url", T_TEXT, "article_url"),
	RES("amp_url", T_TEXT, "amp_url"),
	RES("image_url", T_TEXT, "image_url"),
	RES("tickers", T_TEXT_ARR, "tickers"),
	RES("keywords", T_TEXT_ARR, "keywords"),
	RES("publisher_name", T_TEXT, "publisher.name"),
	RES("publisher", T_JSONB, "publisher"),
	RES("insights", T_JSONB, "insights"),
};

static const PolygonParam news_params[] = {
	{"ticker", "ticker", PPE_TEXT, PPF_EQ | PPF_IN, NULL},
	{"published_utc", "published_utc", PPE_TS_TEXT_RANGE, PPF_EQ | PPF_RANGE, NULL},
};

/*
 * exchanges: /v3/reference/exchanges
 *
 * id is not unique: 4 is every FINRA TRF and the ADF.
 */
static const PolygonColumn exchanges_columns[] = {
	RES_NN("id", T_INT4, "id"),
	RES("type", T_TEXT, "type"),
	RES("asset_class", T_TEXT, "asset_class"),
	RES("locale", T_TEXT, "locale"),
	RES("name", T_TEXT, "name"),
	RES("acronym", T_TEXT, "acronym"),
	RES("mic", T_TEXT, "mic"),
	RES("operating_mic", T_TEXT, "operating_mic"),
	RES("participant_id", T_TEXT, "participant_id"),
	RES("url", T_TEXT, "url"),
};

static const PolygonParam exchanges_params[] = {
	{"asset_class", "asset_class", PPE_TEXT, PPF_EQ, NULL},
	{"locale", "locale", PPE_TEXT, PPF_EQ, NULL},
};

/*
 * conditions: /v3/reference/conditions
 *
 * The trade and quote condition codes, with the update rules that decide
 * which trades count toward a bar's high/low, open/close and volume, for the
 * consolidated tape and for the market center.
 */
static const PolygonColumn conditions_columns[] = {
	RES_NN("id", T_INT4, "id"),
	RES("type", T_TEXT, "type"),
	RES("name", T_TEXT, "name"),
	RES("abbreviation", T_TEXT, "abbreviation"),
	RES("description", T_TEXT, "description"),
	RES("asset_class", T_TEXT, "asset_class"),
	RES("data_types", T_TEXT_ARR, "data_types"),
	RES("exchange", T_INT4, "exchange"),
	RES("legacy", T_BOOL, "legacy"),
	RES("sip_mapping", T_JSONB, "sip_mapping"),
	RES("updates_high_low", T_BOOL, "update_rules.consolidated.updates_high_low"),
	RES("updates_open_close", T_BOOL, "update_rules.consolidated.updates_open_close"),
	RES("updates_volume", T_BOOL, "update_rules.consolidated.updates_volume"),
	RES("market_center_updates_high_low", T_BOOL, "update_rules.market_center.updates_high_low"),
	RES("market_center_updates_open_close", T_BOOL, "update_rules.market_center.updates_open_close"),
	RES("market_center_updates_volume", T_BOOL, "update_rules.market_center.updates_volume"),
	RES("update_rules", T_JSONB, "update_rules"),
};

static const PolygonParam conditions_params[] = {
	{"asset_class", "asset_class", PPE_TEXT, PPF_EQ, NULL},
	{"id", "id", PPE_POSITIVE_INT, PPF_EQ, NULL},
	{"type", "type", PPE_TEXT, PPF_EQ, NULL},
};

/*
 * market_holidays: /v1/marketstatus/upcoming
 *
 * The upcoming closings and early closes of each exchange (a bare array).
 * open and close are given on early-close days only.
 */
static const PolygonColumn market_holidays_columns[] = {
	RES_NN("date", T_DATE, "date"),
	RES_NN("exchange", T_TEXT, "exchange"),
	RES("name", T_TEXT, "name"),
	RES("status", T_TEXT, "status"),
	RES("open", T_TS_TEXT, "open"),
	RES("close", T_TS_TEXT, "close"),
};

/*
 * Flat files: us_stocks_sip/{dataset}/YYYY/MM/YYYY-MM-DD.csv.gz, one gzip CSV
 * file per trading day with every ticker, from S3 (flatfiles_url, SigV4) or a
 * local directory.  Columns are matched to the file by its header; the types
 * are the REST tables'.  Where the API leaves a field out (no TRF, no
 * correction) the files write 0: those read as NULL, as in the REST tables.
 */
#define FLAT_DATE_PARAMS \
	{"date", "date", PPE_DATE_EACH, PPF_EQ | PPF_IN | PPF_RANGE | PPF_REQUIRED | PPF_PATH, NULL}

static const PolygonColumn flat_trades_columns[] = {
	RES_NN("ticker", T_TEXT, "ticker"),
	REQ("date", T_DATE),
	TICK_TIMES(RES_ZN),
	TRADE_FIELDS(RES_ZN),
};

static const PolygonColumn flat_quotes_columns[] = {
	RES_NN("ticker", T_TEXT, "ticker"),
	REQ("date", T_DATE),
	TICK_TIMES(RES_ZN),
	QUOTE_FIELDS,
};

static const PolygonColumn flat_aggs_columns[] = {
	RES_NN("ticker", T_TEXT, "ticker"),
	REQ("date", T_DATE),
	RES_NN("ts", T_TS_NS, "window_start"),
	RES("open", T_FLOAT8, "open"),
	RES("high", T_FLOAT8, "high"),
	RES("low", T_FLOAT8, "low"),
	RES("close", T_FLOAT8, "close"),
	RES("volume", T_FLOAT8, "volume"),
	RES("transactions", T_INT8, "transactions"),
};

static const PolygonParam flat_params[] = {
	FLAT_DATE_PARAMS,
};

#define ENDPOINT_COLUMNS(c) c, (int) lengthof(c)

/* a flat-file dataset: one file per weekday of the date condition */
#define FLAT_ENDPOINT(name, description, dataset, columns, per_day) \
	{ \
		name, description, "/us_stocks_sip/" dataset "/{yyyy}/{mm}/{date}.csv.gz", NULL, PRS_ARRAY, \
		ENDPOINT_COLUMNS(columns), ENDPOINT_COLUMNS(flat_params), \
		{NULL}, PEST_TICKS, true, false, per_day, true \
	}

/* a reference list: paged, 404 means no rows, sorted by (col1, col2) when given */
#define REFERENCE_ENDPOINT(name, description, path, query, table, sort1, sort2) \
	{ \
		name, description, path, query, PRS_ARRAY, \
		ENDPOINT_COLUMNS(table##_columns), ENDPOINT_COLUMNS(table##_params), \
		{sort1, sort2, NULL}, PEST_LIST, true, false, 0, false \
	}

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
		0,
		false
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
		0,
		false
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
		0,
		false
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
		0,
		false
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
		20000.0,
		false
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
		60000.0,
		false
	},
	REFERENCE_ENDPOINT("splits", "stock splits and reverse splits, from /v3/reference/splits",
					   "/v3/reference/splits", "order=asc&sort=execution_date&limit=1000",
					   splits, "ticker", "execution_date"),
	REFERENCE_ENDPOINT("dividends", "cash dividends, from /v3/reference/dividends",
					   "/v3/reference/dividends", "order=asc&sort=ex_dividend_date&limit=1000",
					   dividends, "ticker", "ex_dividend_date"),
	REFERENCE_ENDPOINT("stock_splits", "splits with their adjustment type and historical adjustment factor (Massive /stocks/v1)",
					   "/stocks/v1/splits", "sort=execution_date.asc&limit=5000",
					   stock_splits, NULL, NULL),
	REFERENCE_ENDPOINT("stock_dividends", "dividends with distribution type and historical adjustment factor (Massive /stocks/v1)",
					   "/stocks/v1/dividends", "sort=ex_dividend_date.asc&limit=5000",
					   stock_dividends, NULL, NULL),
	REFERENCE_ENDPOINT("short_interest", "short interest per FINRA settlement date",
					   "/stocks/v1/short-interest", "sort=settlement_date.asc&limit=50000",
					   short_interest, NULL, NULL),
	REFERENCE_ENDPOINT("short_volume", "daily short sale volume by venue",
					   "/stocks/v1/short-volume", "sort=date.asc&limit=50000",
					   short_volume, NULL, NULL),
	REFERENCE_ENDPOINT("news", "news articles, with the tickers they name and sentiment insights",
					   "/v2/reference/news", "order=asc&sort=published_utc&limit=1000",
					   news, "ticker", "published_utc"),
	REFERENCE_ENDPOINT("exchanges", "exchanges, TRFs and SIPs with their ids",
					   "/v3/reference/exchanges", NULL,
					   exchanges, NULL, NULL),
	REFERENCE_ENDPOINT("conditions", "trade and quote condition codes with their update rules",
					   "/v3/reference/conditions", "limit=1000",
					   conditions, NULL, NULL),
	{
		"market_holidays",
		"upcoming market closings and early closes per exchange",
		"/v1/marketstatus/upcoming",
		NULL,
		PRS_BARE_ARRAY,
		ENDPOINT_COLUMNS(market_holidays_columns),
		NULL, 0,
		{NULL},
		PEST_LIST,
		false,
		false,
		0,
		false
	},
	FLAT_ENDPOINT("flat_trades", "every trade of every ticker, one gzip CSV flat file per day (us_stocks_sip/trades_v1)",
				  "trades_v1", flat_trades_columns, 80000000.0),
	FLAT_ENDPOINT("flat_quotes", "every NBBO quote of every ticker, one flat file per day (us_stocks_sip/quotes_v1), sizes in shares",
				  "quotes_v1", flat_quotes_columns, 800000000.0),
	FLAT_ENDPOINT("flat_minute_aggs", "minute bars of every ticker, one flat file per day (us_stocks_sip/minute_aggs_v1)",
				  "minute_aggs_v1", flat_aggs_columns, 3000000.0),
	FLAT_ENDPOINT("flat_day_aggs", "day bars of every ticker, one flat file per day (us_stocks_sip/day_aggs_v1)",
				  "day_aggs_v1", flat_aggs_columns, 12000.0),
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
			if (col->source != PCS_RESULT)
				values[4] = CStringGetTextDatum("the request");
			else if (ep->flatfile)
				values[4] = CStringGetTextDatum(psprintf("CSV column %s", col->field));
			else
				values[4] = CStringGetTextDatum(psprintf("results[].%s", col->field));
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
