/*-------------------------------------------------------------------------
 *
 * polygon_fdw.h
 *		Declarations of the polygon_fdw foreign data wrapper.
 *
 * The wrapper is driven by one declarative table of endpoints (endpoint.c):
 * each row names the URL template, the JSON field behind every column, the
 * conditions that push down into which request parameter, and the order the
 * rows come back in.  Planning turns WHERE conditions into request parameters
 * (request.c), http.c owns libcurl, decode.c turns a page of JSON into tuples.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/fdw/polygon_fdw.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef POLYGON_FDW_H
#define POLYGON_FDW_H

#include "tape.h"

#include "lib/stringinfo.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"

/*
 * How one JSON value becomes a column value.
 */
typedef enum PolygonValueKind
{
	PVK_TEXT,					/* JSON string -> text */
	PVK_FLOAT8,					/* JSON number -> double precision */
	PVK_INT4,					/* JSON integer -> integer */
	PVK_INT8,					/* JSON integer -> bigint, exact from its text */
	PVK_BOOL,					/* JSON true/false -> boolean */
	PVK_BOOL_PRESENT,			/* boolean sent only when true: absent is false */
	PVK_DATE,					/* "YYYY-MM-DD" -> date */
	PVK_TS_MS,					/* Unix milliseconds -> timestamptz */
	PVK_TS_NS,					/* Unix nanoseconds -> timestamptz (floor to us) */
	PVK_QUOTE_SIZE,				/* NBBO size -> shares (round lots of 100 before
								 * 2025-11-03, judged by the row's sip_timestamp) */
	PVK_TS_TEXT,				/* RFC 3339 string -> timestamptz */
	PVK_INT4_ARRAY,				/* [1,2] -> integer[] */
	PVK_TEXT_ARRAY,				/* ["a","b"] -> text[] */
	PVK_JSONB					/* any JSON value -> jsonb */
} PolygonValueKind;

/*
 * Where a column's value comes from.
 */
typedef enum PolygonColumnSource
{
	PCS_RESULT,					/* a field of each element of "results" */
	PCS_REQUEST					/* the value sent for a request parameter */
} PolygonColumnSource;

typedef struct PolygonColumn
{
	const char *name;			/* column name */
	const char *sqltype;		/* type in IMPORT FOREIGN SCHEMA */
	Oid			typid;			/* the same type as an OID */
	PolygonValueKind kind;		/* JSON to Datum conversion */
	PolygonColumnSource source; /* result field or request parameter */
	const char *field;			/* JSON key ("a.b" inside an object), CSV column of a
								 * flat file, or the parameter's column */
	bool		not_null;		/* the API always sends it */
	bool		zero_is_null;	/* flat files write 0 where the API sends nothing */
} PolygonColumn;

/*
 * How a pushed-down condition is written into a request.
 */
typedef enum PolygonParamEncoding
{
	PPE_TEXT,					/* text as is (URL-encoded) */
	PPE_TIMESPAN,				/* one of second ... year */
	PPE_POSITIVE_INT,			/* integer > 0 */
	PPE_BOOL,					/* true / false */
	PPE_DATE,					/* YYYY-MM-DD */
	PPE_AGGS_RANGE,				/* ts range -> {from}/{to} of the aggregates path */
	PPE_NS_RANGE,				/* ts (timestamptz) or a bigint ns column -> the
								 * name.gte / name.lte query parameters, exact to
								 * the nanosecond; params of the same name merge */
	PPE_DATE_EACH,				/* date set or range -> one request per weekday */
	PPE_DATE_RANGE,				/* date = or range -> name= or name.gte / name.lte */
	PPE_TS_TEXT_RANGE,			/* timestamptz range -> name.gte / name.lte as RFC
								 * 3339 UTC, widened to whole seconds */
	PPE_TEXT_ANY_OF				/* text = or IN -> name= or one request with
								 * name.any_of=a,b,c */
} PolygonParamEncoding;

/* Flags of a PolygonParam */
#define PPF_EQ				0x0001	/* col = value pushes down */
#define PPF_IN				0x0002	/* col IN (...) pushes down: one request each */
#define PPF_RANGE			0x0004	/* col <, <=, >, >= push down */
#define PPF_REQUIRED		0x0008	/* the scan cannot run without it */
#define PPF_PATH			0x0010	/* written into the path, not the query */
#define PPF_BOTH_IF_ABSENT	0x0020	/* boolean: ask for true and false when absent */

typedef struct PolygonParam
{
	const char *column;			/* the column whose conditions feed it */
	const char *name;			/* API parameter, or path placeholder */
	PolygonParamEncoding encoding;	/* how values are written */
	int			flags;			/* PPF_* */
	const char *default_value;	/* sent when there is no condition, or NULL */
} PolygonParam;

/*
 * Shape of the "results" member of a response body.
 */
typedef enum PolygonResultsShape
{
	PRS_ARRAY,					/* {"results": [ {...}, ... ], ...} */
	PRS_OBJECT,					/* {"results": {...}, ...}: one row */
	PRS_BARE_ARRAY				/* [ {...}, ... ]: no envelope */
} PolygonResultsShape;

/*
 * How planning estimates the number of rows of one request.
 */
typedef enum PolygonEstimate
{
	PEST_AGGS,					/* trading days x bars per day of the timespan */
	PEST_TICKS,					/* est_per_day x the days of the time range */
	PEST_GROUPED,				/* every listed stock, per date */
	PEST_LIST,					/* a reference list */
	PEST_ONE					/* one row per request */
} PolygonEstimate;

typedef struct PolygonEndpoint
{
	const char *name;			/* endpoint option value and table name */
	const char *description;	/* one line, for COMMENT and docs */
	const char *path;			/* path template with {placeholders} */
	const char *fixed_query;	/* always sent, after the parameters */
	PolygonResultsShape shape;	/* where the rows are */
	const PolygonColumn *columns;	/* every column */
	int			ncolumns;
	const PolygonParam *params; /* every parameter, in request order */
	int			nparams;
	const char *sort_columns[3];	/* rows come sorted by these, or NULL */
	PolygonEstimate estimate;	/* row estimate kind */
	bool		not_found_is_empty; /* 404 means no rows (lists) */
	bool		check_adjusted; /* verify "adjusted" of every page */
	double		est_per_day;	/* PEST_TICKS: rows per ticker and trading day */
	bool		flatfile;		/* path names a gzip CSV flat file, not a REST call */
} PolygonEndpoint;

/*
 * A URL option, checked and split (option.c).
 */
typedef struct PolygonUrl
{
	char	   *url;			/* the value without trailing slashes */
	char	   *origin;			/* scheme://host[:port], or NULL for file: */
	char	   *path;			/* the path prefix ("" or "/a/b"), or NULL */
	char	   *local_dir;		/* file:///dir: "/dir" ("" for the root), or NULL */
} PolygonUrl;

/*
 * Server options, resolved with their defaults.
 */
typedef struct PolygonServerOptions
{
	char	   *base_url;		/* scheme://host[:port][/prefix], no trailing / */
	char	   *origin;			/* scheme://host[:port] of base_url */
	int			requests_per_minute;	/* 0 = no limit */
	int			max_retries;	/* retries after the first attempt */
	int			connect_timeout_ms; /* TCP + TLS connect */
	int			timeout_ms;		/* one whole request */
	int			max_pages;		/* pages followed from one request */
	int			max_scan_requests;	/* first requests one scan may plan */
	int			retry_base_ms;	/* first back-off delay */
	int			retry_max_ms;	/* back-off ceiling */
	bool		cache;			/* keep and reuse pages of settled history */
	bool		shared_cache;	/* every user mapping of the server shares the
								 * cached pages (one team, one account) */
	int			concurrent_requests;	/* requests in flight in one scan */
	char	   *flatfiles_url;	/* https://... (S3) or file:///... of the flat files */
	char	   *flatfiles_dir;	/* the local directory of a file: URL, or NULL */
	char	   *flatfiles_region;	/* S3 region for SigV4 */
	char	   *stream_url;		/* ws:// or wss:// URL of the live feed */
} PolygonServerOptions;

/*
 * Everything a scan needs to talk to the API.  The API key lives only here,
 * in executor memory; it never enters a plan, a message or a log line.
 */
typedef struct PolygonConnection
{
	Oid			serverid;		/* foreign server */
	char	   *servername;		/* for messages */
	PolygonServerOptions opts;	/* resolved server options */
	char	   *api_key;		/* user mapping api_key, or NULL in EXPLAIN */
	char	   *s3_access_key_id;	/* user mapping options for S3 flat files, */
	char	   *s3_secret_access_key;	/* when a flat-file scan needs them */
	uint64		key_hash;		/* rate-limit bucket of this key */
	char	   *origin;			/* scheme://host[:port] of base_url */
	Oid			userid;			/* the role the scan runs as */
	Oid			umid;			/* its user mapping (the PUBLIC one if it has
								 * none), or InvalidOid when not looked up */
} PolygonConnection;

/*
 * Counters of one scan, shown by EXPLAIN ANALYZE.
 */
typedef struct PolygonHttpStats
{
	int64		requests;		/* HTTP requests sent, retries included */
	int64		pages;			/* successful pages */
	int64		bytes;			/* body bytes received, after decompression */
	int64		retries;		/* requests repeated after a failure */
	int64		status_429;		/* 429 responses */
	int64		cache_hits;		/* pages read from tape.request_cache */
	double		ratelimit_wait_ms;	/* time waited for the rate limit */
	double		backoff_wait_ms;	/* time waited between retries */
} PolygonHttpStats;

/*
 * A condition pushed down into a request parameter.
 */
typedef enum PolygonPushOp
{
	PPO_EQ,						/* col = value */
	PPO_IN,						/* col = ANY (array) */
	PPO_LT,						/* col < value */
	PPO_LE,						/* col <= value */
	PPO_GT,						/* col > value */
	PPO_GE						/* col >= value */
} PolygonPushOp;

/* At plan time: which parameter, which operator, which expression */
typedef struct PolygonCond
{
	int			param;			/* index in the endpoint's params */
	PolygonPushOp op;			/* operator */
	Expr	   *value;			/* the side that is not our column */
	int			clause;			/* index of the whole clause in the scan's quals */
} PolygonCond;

/* At run time (or plan time, when constant): the condition's value */
typedef struct PolygonCondValue
{
	int			param;			/* index in the endpoint's params */
	PolygonPushOp op;			/* operator */
	Oid			type;			/* type of value */
	bool		known;			/* false at plan time for Params and functions */
	bool		isnull;			/* the value is NULL */
	Datum		value;			/* the value, if known and not null */
} PolygonCondValue;

/*
 * One request series: the first page's URL path, and the values of the
 * columns that echo request parameters.
 */
typedef struct PolygonRequest
{
	char	   *path;			/* path and query, relative to base_url */
	Datum	   *colvalues;		/* per endpoint column (PCS_REQUEST ones) */
	bool	   *colnulls;
	int			adjusted;		/* adjusted sent: -1 none, 0 false, 1 true */
	char	   *subject;		/* first path parameter's value, for messages */
	double		est_rows;		/* planner's estimate of its rows */
	bool		settled;		/* covers only time before today (New York):
								 * its pages may be cached */
} PolygonRequest;

/* Flags of polygon_http_get */
#define PHG_ALLOW_404		0x0001	/* return 404 to the caller */

/* in endpoint.c */
extern const PolygonEndpoint *polygon_find_endpoint(const char *name);
extern const PolygonEndpoint *polygon_endpoint_by_index(int i);
extern int	polygon_endpoint_count(void);
extern int	polygon_endpoint_column(const PolygonEndpoint *ep, const char *name);
extern int	polygon_endpoint_param(const PolygonEndpoint *ep, const char *column);
extern char *polygon_endpoint_names(void);
extern char *polygon_endpoint_column_names(const PolygonEndpoint *ep);
extern char *polygon_import_statement(const PolygonEndpoint *ep, const char *server,
									  const char *schema);

/* What bounds the first requests of one scan (request.c) */
typedef struct PolygonRequestLimit
{
	int			max_requests;	/* the server's max_scan_requests */
	const char *servername;		/* for messages */
} PolygonRequestLimit;

/* in request.c */
extern List *polygon_classify_conditions(PlannerInfo *root, RelOptInfo *baserel,
										 const PolygonEndpoint *ep, Oid relid,
										 List *clauses);
extern List *polygon_build_requests(const PolygonEndpoint *ep, PolygonCondValue *vals,
									int nvals, Oid sort_collation, bool planning,
									bool split_days, const PolygonRequestLimit *limit,
									bool *ordered);
extern const char *polygon_op_name(PolygonPushOp op);

/* in option.c */
extern void polygon_get_server_options(Oid serverid, PolygonServerOptions *opts);
extern char *polygon_get_table_endpoint(Oid relid);
extern const char *polygon_flatfiles_dir(const PolygonServerOptions *opts);
extern const char *polygon_url_path_problem(const char *path, bool with_query);
extern void polygon_check_secret(const char *name, const char *value);
extern void polygon_check_local_files(Oid userid);

/* in connection.c */
extern PolygonConnection *polygon_connect(Oid serverid, Oid userid, bool flatfile,
										  bool will_send);
extern uint64 polygon_key_hash(const char *api_key);

/* in http.c */
extern long polygon_http_get(PolygonConnection *conn, const char *path_and_query,
							 StringInfo body, PolygonHttpStats *stats, int flags);
extern char *polygon_path_of_url(const char *url);
extern char *polygon_next_url_path(const char *next_url);

extern off_t polygon_http_download(PolygonConnection *conn, const char *url, int file,
								   PolygonHttpStats *stats);

typedef struct PolygonPrefetch PolygonPrefetch;
extern PolygonPrefetch *polygon_prefetch_start(PolygonConnection *conn, const char *url,
											   PolygonHttpStats *stats);
extern void polygon_prefetch_poll(void);
extern bool polygon_prefetch_take(PolygonPrefetch *pf, StringInfo body, PolygonHttpStats *stats);
extern void polygon_prefetch_cancel(PolygonPrefetch *pf);
extern void polygon_append_url_encoded(StringInfo buf, const char *s, bool path_segment);
extern char *polygon_redact_url(const char *url);

/* in cache.c */
extern bool polygon_cache_lookup(PolygonConnection *conn, const PolygonEndpoint *ep,
								 const char *url, StringInfo body);
extern bool polygon_cache_contains(PolygonConnection *conn, const char *url);
extern void polygon_cache_store(PolygonConnection *conn, const PolygonEndpoint *ep,
								const char *url, const char *body, size_t len);
extern void polygon_cache_discard(PolygonConnection *conn, const char *url, const char *why);

/* in ratelimit.c */
extern double polygon_ratelimit_acquire(uint64 key_hash, Oid userid, int requests_per_minute);
extern void polygon_ratelimit_defer(uint64 key_hash, Oid userid, int64 delay_us);
extern bool polygon_ratelimit_is_shared(void);
extern void polygon_interruptible_sleep(int64 delay_us);

/* in apierror.c */
typedef struct PolygonApiError
{
	char	   *status;			/* "ERROR", "NOT_AUTHORIZED", ... or NULL */
	char	   *message;		/* "error" or "message" member, or NULL */
	char	   *request_id;		/* or NULL */
	bool		is_json;		/* the body parsed as a JSON object */
	bool		is_html;		/* the body looks like an HTML page */
	char	   *html_title;		/* <title> of an HTML body, or NULL */
} PolygonApiError;

extern void polygon_parse_error_body(const char *body, size_t len, PolygonApiError *err);

#endif							/* POLYGON_FDW_H */
