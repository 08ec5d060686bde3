/*-------------------------------------------------------------------------
 *
 * http.c
 *		The one module of tape that talks HTTP (libcurl).
 *
 * A backend keeps one curl easy handle, so the TCP and TLS connection to the
 * API is reused from request to request and page to page.  Every request:
 *
 *	- waits for the rate limit (ratelimit.c);
 *	- sends the API key only as "Authorization: Bearer", never in the URL;
 *	- asks for gzip and lets libcurl decompress;
 *	- can be cancelled: the transfer callback aborts on a pending interrupt
 *	  (Ctrl-C, statement_timeout, termination) and the error is raised by
 *	  CHECK_FOR_INTERRUPTS() once libcurl has returned, never from inside it;
 *	- shows the "Extension" wait event while it waits on the network;
 *	- is retried with exponential back-off and jitter on 429, 5xx and network
 *	  errors, honouring Retry-After when the server sends it; 400, 401, 403
 *	  and 404 are never retried.
 *
 * Errors name what went wrong in PostgreSQL's style: the API's own text goes
 * in the DETAIL, the request path in the CONTEXT, the key nowhere.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/fdw/http.c
 *
 *-------------------------------------------------------------------------
 */
#include "polygon_fdw.h"

#include <math.h>
#include <time.h>

#include <curl/curl.h>

#include "access/xact.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* Largest response body we accept: MaxAllocHugeSize is far beyond any page. */
#define MAX_BODY_BYTES		((size_t) 1024 * 1024 * 1024)

/* Longest Retry-After we honour */
#define MAX_RETRY_AFTER_MS	(3600 * 1000)

/* What a finished transfer means for the retry loop */
typedef enum HttpOutcome
{
	HTTP_OK,					/* 200: the body is a page */
	HTTP_NOT_FOUND,				/* 404, and the caller takes it */
	HTTP_RETRY,					/* 429, 5xx, network error: try again */
	HTTP_FAIL					/* anything else: report it */
} HttpOutcome;

/* Body being received, grown without ever raising an error inside libcurl */
typedef struct BodySink
{
	StringInfo	body;			/* destination, in its own memory context */
	MemoryContext cxt;			/* where body->data lives */
	bool		too_large;		/* MAX_BODY_BYTES exceeded */
	bool		out_of_memory;	/* allocation failed */
} BodySink;

/* Headers we care about */
typedef struct HeaderSink
{
	char		retry_after[64];	/* Retry-After value, or "" */
	char		content_type[128];	/* Content-Type value, or "" */
} HeaderSink;

/* Passed to the error context callback */
typedef struct RequestContext
{
	const char *path;			/* path and query, no host */
	int			attempt;		/* 1-based */
} RequestContext;

static CURL *curl_handle = NULL;
static char curl_errbuf[CURL_ERROR_SIZE];

static CURL *get_curl_handle(void);
static struct curl_slist *build_headers(const char *auth_header);
static size_t body_callback(char *ptr, size_t size, size_t nmemb, void *userdata);
static size_t header_callback(char *ptr, size_t size, size_t nmemb, void *userdata);
static int	progress_callback(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
							  curl_off_t ultotal, curl_off_t ulnow);
static bool retryable_curl_error(CURLcode res);
static int64 retry_delay_us(const PolygonServerOptions *opts, int attempt,
							const char *retry_after);
static void request_error_callback(void *arg);
static void setup_transfer(CURL *curl, PolygonConnection *conn, const char *url,
						   struct curl_slist *headers, BodySink *bsink, HeaderSink *hsink,
						   char *errbuf);
static void report_http_failure(PolygonConnection *conn, long status, StringInfo body,
								int attempts) pg_attribute_noreturn();

/*
 * get_curl_handle
 *		The backend's curl handle, created on first use.
 */
static CURL *
get_curl_handle(void)
{
	if (curl_handle == NULL)
	{
		static bool global_done = false;

		if (!global_done)
		{
			if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
						 errmsg("could not initialize libcurl")));
			global_done = true;
		}
		curl_handle = curl_easy_init();
		if (curl_handle == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_OUT_OF_MEMORY),
					 errmsg("could not create a libcurl handle")));
	}
	return curl_handle;
}

/*
 * build_headers
 *		The request headers.  libcurl copies each string into malloc'd memory;
 *		the caller frees the list with curl_slist_free_all().
 */
static struct curl_slist *
build_headers(const char *auth_header)
{
	const char *lines[] = {
		auth_header,
		"Accept: application/json",
		"User-Agent: tape/" TAPE_VERSION " (PostgreSQL polygon_fdw)",
	};
	struct curl_slist *list = NULL;

	for (int i = 0; i < (int) lengthof(lines); i++)
	{
		struct curl_slist *next = curl_slist_append(list, lines[i]);

		if (next == NULL)
		{
			curl_slist_free_all(list);
			ereport(ERROR,
					(errcode(ERRCODE_FDW_OUT_OF_MEMORY),
					 errmsg("out of memory while building a Polygon request")));
		}
		list = next;
	}
	return list;
}

/*
 * body_callback
 *		Append received bytes to the body.  Returns 0 (abort) instead of
 *		raising an error, which must not cross libcurl's frames.
 */
static size_t
body_callback(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	BodySink   *sink = (BodySink *) userdata;
	StringInfo	body = sink->body;
	size_t		n = size * nmemb;
	size_t		needed = (size_t) body->len + n + 1;

	if (needed > MAX_BODY_BYTES)
	{
		sink->too_large = true;
		return 0;
	}
	if (needed > (size_t) body->maxlen)
	{
		size_t		newlen = Max((size_t) body->maxlen * 2, needed);
		char	   *newdata;

		newlen = Min(newlen, MAX_BODY_BYTES);
		newdata = MemoryContextAllocExtended(sink->cxt, newlen,
											 MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
		if (newdata == NULL)
		{
			sink->out_of_memory = true;
			return 0;
		}
		memcpy(newdata, body->data, body->len);
		pfree(body->data);
		body->data = newdata;
		body->maxlen = (int) newlen;
	}
	memcpy(body->data + body->len, ptr, n);
	body->len += (int) n;
	body->data[body->len] = '\0';
	return n;
}

/*
 * header_callback
 *		Keep the Retry-After and Content-Type headers.
 */
static size_t
header_callback(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	HeaderSink *sink = (HeaderSink *) userdata;
	size_t		n = size * nmemb;
	static const struct
	{
		const char *name;
		size_t		offset;
		size_t		size;
	}			wanted[] = {
		{"retry-after:", offsetof(HeaderSink, retry_after), sizeof(((HeaderSink *) 0)->retry_after)},
		{"content-type:", offsetof(HeaderSink, content_type), sizeof(((HeaderSink *) 0)->content_type)},
	};

	/* A status line starts a new response: forget the previous headers */
	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0)
	{
		sink->retry_after[0] = '\0';
		sink->content_type[0] = '\0';
		return n;
	}
	for (int i = 0; i < (int) lengthof(wanted); i++)
	{
		size_t		len = strlen(wanted[i].name);

		if (n > len && pg_strncasecmp(ptr, wanted[i].name, len) == 0)
		{
			char	   *dest = (char *) sink + wanted[i].offset;
			const char *v = ptr + len;
			const char *e = ptr + n;
			size_t		vlen;

			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
				e--;
			vlen = Min((size_t) (e - v), wanted[i].size - 1);
			memcpy(dest, v, vlen);
			dest[vlen] = '\0';
		}
	}
	return n;
}

/*
 * progress_callback
 *		Abort the transfer when the backend has an interrupt pending.
 *
 * libcurl calls this often during a transfer and about once a second while
 * idle, so a cancel takes effect within about a second.
 */
static int
progress_callback(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
				  curl_off_t ultotal, curl_off_t ulnow)
{
	return (QueryCancelPending || ProcDiePending) ? 1 : 0;
}

/*
 * retryable_curl_error
 *		Network failures worth another attempt.
 */
static bool
retryable_curl_error(CURLcode res)
{
	switch (res)
	{
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_CONNECT:
		case CURLE_OPERATION_TIMEDOUT:
		case CURLE_SEND_ERROR:
		case CURLE_RECV_ERROR:
		case CURLE_GOT_NOTHING:
		case CURLE_PARTIAL_FILE:
		case CURLE_SSL_CONNECT_ERROR:
		case CURLE_BAD_CONTENT_ENCODING:
		case CURLE_HTTP2:
		case CURLE_HTTP2_STREAM:
			return true;
		default:
			return false;
	}
}

/*
 * retry_delay_us
 *		How long to wait before the next attempt.
 *
 * Retry-After (seconds or an HTTP date) wins when present.  Otherwise the
 * delay doubles with each attempt from retry_base_ms up to retry_max_ms, and
 * a random jitter of up to half of it spreads sessions that failed together.
 */
static int64
retry_delay_us(const PolygonServerOptions *opts, int attempt, const char *retry_after)
{
	double		delay_ms;

	if (retry_after[0] != '\0')
	{
		char	   *end;
		long		seconds = strtol(retry_after, &end, 10);

		if (end != retry_after && *end == '\0' && seconds >= 0)
			return (int64) Min((double) seconds * 1000.0, MAX_RETRY_AFTER_MS) * 1000;
		else
		{
			time_t		when = curl_getdate(retry_after, NULL);

			if (when != (time_t) -1)
			{
				double		ms = difftime(when, time(NULL)) * 1000.0;

				return (int64) Max(0.0, Min(ms, MAX_RETRY_AFTER_MS)) * 1000;
			}
		}
	}

	delay_ms = (double) opts->retry_base_ms * pow(2.0, Min(attempt, 30));
	delay_ms = Min(delay_ms, (double) opts->retry_max_ms);
	delay_ms *= 0.5 + 0.5 * pg_prng_double(&pg_global_prng_state);
	return (int64) (delay_ms * 1000.0);
}

/*
 * request_error_callback
 *		Name the request in the CONTEXT of any error raised while it runs.
 */
static void
request_error_callback(void *arg)
{
	RequestContext *rc = (RequestContext *) arg;

	if (rc->attempt > 1)
		errcontext("Polygon request: GET %s (attempt %d)", rc->path, rc->attempt);
	else
		errcontext("Polygon request: GET %s", rc->path);
}

/*
 * setup_get
 *		Set an easy handle up for a GET of url, with what every transfer of
 *		ours shares: http(s) only, no redirects, the connect timeout, the
 *		error buffer, and the progress callback that lets an interrupt stop
 *		it.  The caller adds where the answer goes.
 */
static void
setup_get(CURL *curl, PolygonConnection *conn, const char *url, char *errbuf)
{
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long) conn->opts.connect_timeout_ms);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress_callback);
}

/*
 * setup_transfer
 *		Set an easy handle up for one API request of url: the same options
 *		for the request of the moment and for a prefetch.
 */
static void
setup_transfer(CURL *curl, PolygonConnection *conn, const char *url, struct curl_slist *headers,
			   BodySink *bsink, HeaderSink *hsink, char *errbuf)
{
	setup_get(curl, conn, url, errbuf);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long) conn->opts.timeout_ms);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, body_callback);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, bsink);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header_callback);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, hsink);
}

/*
 * push_request_context
 *		Name the request (its key redacted) in errors raised until the
 *		callback is popped.
 */
static void
push_request_context(RequestContext *rc, ErrorContextCallback *errcallback, const char *url)
{
	char	   *path = polygon_path_of_url(url);

	rc->path = polygon_redact_url(path ? path : url);
	rc->attempt = 1;
	errcallback->callback = request_error_callback;
	errcallback->arg = rc;
	errcallback->previous = error_context_stack;
	error_context_stack = errcallback;
}

/*
 * perform_transfer
 *		Run a prepared transfer and count it; free its headers (if any).  An
 *		interrupt that stopped it is raised here.
 */
static CURLcode
perform_transfer(CURL *curl, struct curl_slist **headers, PolygonHttpStats *stats,
				 const char *what)
{
	CURLcode	res;

	pgstat_report_wait_start(PG_WAIT_EXTENSION);
	res = curl_easy_perform(curl);
	pgstat_report_wait_end();
	if (headers && *headers)
	{
		curl_slist_free_all(*headers);
		*headers = NULL;
	}
	stats->requests++;

	if (res == CURLE_ABORTED_BY_CALLBACK)
	{
		/* an interrupt is pending: let PostgreSQL raise it */
		CHECK_FOR_INTERRUPTS();
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("%s was interrupted", what)));
	}
	return res;
}

/*
 * polygon_http_get
 *		GET url and put the body of the 200 response into body.
 *
 * Returns the HTTP status: 200, or 404 when flags has PHG_ALLOW_404.  Any
 * other outcome, once retries are exhausted, raises an error.  body is reset
 * first; its data lives in the memory context it was created in.
 */
long
polygon_http_get(PolygonConnection *conn, const char *url, StringInfo body,
				 PolygonHttpStats *stats, int flags)
{
	CURL	   *curl = get_curl_handle();
	char	   *auth_header;
	struct curl_slist *headers = NULL;
	RequestContext rc;
	ErrorContextCallback errcallback;
	long		status = 0;
	int			attempt;

	if (conn->api_key == NULL)
		elog(ERROR, "polygon_fdw request without an API key");
	push_request_context(&rc, &errcallback, url);

	auth_header = psprintf("Authorization: Bearer %s", conn->api_key);

	for (attempt = 0;; attempt++)
	{
		BodySink	bsink;
		HeaderSink	hsink;
		CURLcode	res;
		HttpOutcome outcome;
		int64		delay_us;

		rc.attempt = attempt + 1;
		stats->ratelimit_wait_ms +=
			polygon_ratelimit_acquire(conn->key_hash, conn->userid,
									  conn->opts.requests_per_minute);

		resetStringInfo(body);
		bsink.body = body;
		bsink.cxt = GetMemoryChunkContext(body->data);
		bsink.too_large = false;
		bsink.out_of_memory = false;
		memset(&hsink, 0, sizeof(hsink));
		curl_errbuf[0] = '\0';

		headers = build_headers(auth_header);

		setup_transfer(curl, conn, url, headers, &bsink, &hsink, curl_errbuf);

		res = perform_transfer(curl, &headers, stats, "Polygon request");
		if (bsink.too_large)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_OUT_OF_MEMORY),
					 errmsg("Polygon response is larger than %zu bytes", MAX_BODY_BYTES)));
		if (bsink.out_of_memory)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_OUT_OF_MEMORY),
					 errmsg("out of memory while receiving a Polygon response of %d bytes",
							body->len)));

		status = 0;
		if (res == CURLE_OK)
		{
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
			if (status == 200)
				outcome = HTTP_OK;
			else if (status == 404 && (flags & PHG_ALLOW_404))
				outcome = HTTP_NOT_FOUND;
			else if (status == 429 || status == 500 || status == 502 ||
					 status == 503 || status == 504 || status == 408)
				outcome = HTTP_RETRY;
			else
				outcome = HTTP_FAIL;
		}
		else
			outcome = retryable_curl_error(res) ? HTTP_RETRY : HTTP_FAIL;

		if (outcome == HTTP_OK || outcome == HTTP_NOT_FOUND)
		{
			stats->pages++;
			stats->bytes += body->len;
			break;
		}

		if (outcome == HTTP_RETRY && attempt < conn->opts.max_retries)
		{
			delay_us = retry_delay_us(&conn->opts, attempt, hsink.retry_after);
			stats->retries++;
			if (status == 429)
			{
				stats->status_429++;
				/* every session using this key should hold back, not only us */
				polygon_ratelimit_defer(conn->key_hash, conn->userid, delay_us);
			}
			elog(DEBUG1, "polygon_fdw: retrying after %s, waiting %.0f ms",
				 res == CURLE_OK ? psprintf("HTTP %ld", status) : curl_easy_strerror(res),
				 delay_us / 1000.0);
			polygon_interruptible_sleep(delay_us);
			stats->backoff_wait_ms += delay_us / 1000.0;
			continue;
		}

		/* out of attempts, or not worth retrying */
		if (status == 429)
			stats->status_429++;
		if (res != CURLE_OK)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
					 errmsg("could not reach the Polygon API at \"%s\"", conn->origin),
					 attempt > 0
					 ? errdetail_internal("Gave up after %d attempts: %s", attempt + 1,
										  curl_errbuf[0] ? curl_errbuf : curl_easy_strerror(res))
					 : errdetail_internal("%s", curl_errbuf[0] ? curl_errbuf : curl_easy_strerror(res)),
					 errhint("Check the base_url option of server \"%s\" and the network.",
							 conn->servername)));
		report_http_failure(conn, status, body, attempt + 1);
	}

	pfree(auth_header);
	error_context_stack = errcallback.previous;
	return status;
}

/*
 * report_http_failure
 *		Raise the error for a response that is not a page.
 */
static void
report_http_failure(PolygonConnection *conn, long status, StringInfo body, int attempts)
{
	PolygonApiError err;
	char	   *api_text;
	char	   *gave_up = attempts > 1 ? psprintf("Gave up after %d attempts. ", attempts) : "";

	polygon_parse_error_body(body->data, body->len, &err);
	if (err.message)
		api_text = psprintf("%sThe API said: %s", gave_up, err.message);
	else if (err.is_html)
		api_text = psprintf("%sThe response was an HTML page%s%s%s, not JSON.", gave_up,
							err.html_title ? " titled \"" : "",
							err.html_title ? err.html_title : "",
							err.html_title ? "\"" : "");
	else if (body->len == 0)
		api_text = psprintf("%sThe response body was empty.", gave_up);
	else
		api_text = psprintf("%sThe response body was not a Polygon error object.", gave_up);

	switch (status)
	{
		case 401:
			ereport(ERROR,
					(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
					 errmsg("the Polygon API rejected the API key of server \"%s\"",
							conn->servername),
					 errdetail_internal("HTTP 401. %s", api_text),
					 errhint("Check the api_key option of the user mapping for server \"%s\".",
							 conn->servername)));
			break;
		case 403:
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("the Polygon plan of this API key is not entitled to this data"),
					 errdetail_internal("HTTP 403. %s", api_text),
					 errhint("Ask for data the plan covers (recent history only on the free plan, and never future dates), or upgrade the plan.")));
			break;
		case 400:
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("the Polygon API rejected the request"),
					 errdetail_internal("HTTP 400. %s", api_text)));
			break;
		case 404:
			ereport(ERROR,
					(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
					 errmsg("the Polygon API has nothing at the requested path"),
					 errdetail_internal("HTTP 404. %s", api_text)));
			break;
		case 429:
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("the Polygon API kept refusing requests with HTTP 429 (too many requests)"),
					 errdetail_internal("%s", api_text),
					 errhint("Set requests_per_minute of server \"%s\" to what the plan allows, or raise max_retries.",
							 conn->servername)));
			break;
		default:
			if (status >= 500)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
						 errmsg("the Polygon API failed with HTTP status %ld", status),
						 errdetail_internal("%s", api_text),
						 errhint("The service may be overloaded; try again later or ask for a shorter range.")));
			else
				ereport(ERROR,
						(errcode(ERRCODE_FDW_ERROR),
						 errmsg("unexpected HTTP status %ld from the Polygon API", status),
						 errdetail_internal("%s", api_text)));
			break;
	}
	pg_unreachable();
}

/*
 * Prefetching: requests in flight while the scan decodes.
 *
 * A scan that will read every row may ask for the pages it is certain to
 * need before it needs them: the next page of the series it is reading, the
 * first pages of the series after it.  Those transfers run on a curl multi
 * handle, each on an easy handle of a small pool (the multi handle keeps
 * their connections alive between requests), and make progress whenever the
 * scan calls polygon_prefetch_poll() or waits for one of them.
 *
 * A prefetch is only an early start: it waits for the rate limit like any
 * request, and when it does not end with a 200 its result is dropped and the
 * page is fetched again the ordinary way, with the retries and the errors of
 * polygon_http_get().  The transfers of an aborted transaction are removed
 * from the multi handle before anything else can run them.
 */
#define PREFETCH_POOL	16

typedef struct PrefetchSlot
{
	CURL	   *easy;			/* kept for reuse */
	struct PolygonPrefetch *owner;	/* the prefetch using it, or NULL */
	struct curl_slist *headers;
	char		errbuf[CURL_ERROR_SIZE];
} PrefetchSlot;

struct PolygonPrefetch
{
	PrefetchSlot *slot;			/* NULL once finished or cancelled */
	StringInfoData body;		/* in the scan's memory context */
	BodySink	bsink;
	HeaderSink	hsink;
	bool		done;			/* the transfer has ended */
	CURLcode	result;
	long		status;
};

static CURLM *prefetch_multi = NULL;
static PrefetchSlot prefetch_slots[PREFETCH_POOL];
static bool prefetch_callback_registered = false;

/*
 * release_slot
 *		End a slot's transfer and make it free again.  owner_lives is false
 *		when the prefetch owning it may already be freed (an abort).
 */
static void
release_slot(PrefetchSlot *slot, bool owner_lives)
{
	if (slot->owner)
	{
		curl_multi_remove_handle(prefetch_multi, slot->easy);
		if (owner_lives)
			slot->owner->slot = NULL;
		slot->owner = NULL;
	}
	if (slot->headers)
	{
		curl_slist_free_all(slot->headers);
		slot->headers = NULL;
	}
}

/*
 * An aborted (sub)transaction frees the bodies of its scans: every transfer
 * stops first.  Prefetches of scans that live on find their slot taken and
 * fetch their page again the ordinary way.
 */
static void
stop_all_prefetches(void)
{
	for (int i = 0; i < PREFETCH_POOL; i++)
		release_slot(&prefetch_slots[i], false);
}

static void
prefetch_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		stop_all_prefetches();
}

static void
prefetch_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						  SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		stop_all_prefetches();
}

/* whether pf still owns a transfer */
static inline bool
prefetch_active(PolygonPrefetch *pf)
{
	return pf->slot != NULL && pf->slot->owner == pf;
}

/* mark the transfers libcurl reports finished */
static void
collect_finished(void)
{
	CURLMsg    *msg;
	int			left;

	while ((msg = curl_multi_info_read(prefetch_multi, &left)) != NULL)
	{
		PrefetchSlot *slot = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &slot);
		if (slot == NULL || slot->owner == NULL)
			continue;
		slot->owner->done = true;
		slot->owner->result = msg->data.result;
		if (msg->data.result == CURLE_OK)
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &slot->owner->status);
	}
}

/*
 * polygon_prefetch_start
 *		Start GET url in the background; NULL when every slot is busy.  The
 *		body is allocated in the current memory context.
 */
PolygonPrefetch *
polygon_prefetch_start(PolygonConnection *conn, const char *url, PolygonHttpStats *stats)
{
	PrefetchSlot *slot = NULL;
	PolygonPrefetch *pf;
	char	   *auth_header;

	for (int i = 0; i < PREFETCH_POOL && slot == NULL; i++)
	{
		if (prefetch_slots[i].owner == NULL)
			slot = &prefetch_slots[i];
	}
	if (slot == NULL)
		return NULL;

	(void) get_curl_handle();	/* libcurl initialized */
	if (prefetch_multi == NULL)
	{
		prefetch_multi = curl_multi_init();
		if (prefetch_multi == NULL)
			return NULL;
	}
	if (!prefetch_callback_registered)
	{
		RegisterXactCallback(prefetch_xact_callback, NULL);
		RegisterSubXactCallback(prefetch_subxact_callback, NULL);
		prefetch_callback_registered = true;
	}
	if (slot->easy == NULL && (slot->easy = curl_easy_init()) == NULL)
		return NULL;

	stats->ratelimit_wait_ms +=
		polygon_ratelimit_acquire(conn->key_hash, conn->userid,
									  conn->opts.requests_per_minute);

	pf = palloc0(sizeof(PolygonPrefetch));
	initStringInfo(&pf->body);
	pf->bsink.body = &pf->body;
	pf->bsink.cxt = CurrentMemoryContext;
	auth_header = psprintf("Authorization: Bearer %s", conn->api_key);
	slot->headers = build_headers(auth_header);
	pfree(auth_header);
	slot->errbuf[0] = '\0';
	setup_transfer(slot->easy, conn, url, slot->headers, &pf->bsink, &pf->hsink, slot->errbuf);
	curl_easy_setopt(slot->easy, CURLOPT_PRIVATE, (char *) slot);
	if (curl_multi_add_handle(prefetch_multi, slot->easy) != CURLM_OK)
	{
		curl_slist_free_all(slot->headers);
		slot->headers = NULL;
		return NULL;
	}
	slot->owner = pf;
	pf->slot = slot;
	stats->requests++;
	polygon_prefetch_poll();
	return pf;
}

/*
 * polygon_prefetch_poll
 *		Let every transfer in flight move on, without waiting.
 */
void
polygon_prefetch_poll(void)
{
	int			running;

	if (prefetch_multi == NULL)
		return;
	curl_multi_perform(prefetch_multi, &running);
	collect_finished();
}

/*
 * polygon_prefetch_take
 *		Wait for a prefetch to end.  On a 200 its body goes to body (the two
 *		buffers are swapped: both must live in the same memory context) and
 *		true is returned; otherwise false, and the caller asks again the
 *		ordinary way.
 */
bool
polygon_prefetch_take(PolygonPrefetch *pf, StringInfo body, PolygonHttpStats *stats)
{
	bool		ok;

	pgstat_report_wait_start(PG_WAIT_EXTENSION);
	while (!pf->done && prefetch_active(pf))
	{
		int			running;

		curl_multi_poll(prefetch_multi, NULL, 0, 100, NULL);
		curl_multi_perform(prefetch_multi, &running);
		collect_finished();
		if (INTERRUPTS_PENDING_CONDITION())
		{
			/*
			 * Most interrupts end the statement; some do not (a barrier, a
			 * request to log memory contexts, a check of the client's
			 * connection).  The transfer stops only for the first kind, so
			 * that no page is asked for twice.
			 */
			pgstat_report_wait_end();
			PG_TRY();
			{
				CHECK_FOR_INTERRUPTS();
			}
			PG_CATCH();
			{
				polygon_prefetch_cancel(pf);
				PG_RE_THROW();
			}
			PG_END_TRY();
			pgstat_report_wait_start(PG_WAIT_EXTENSION);
		}
	}
	pgstat_report_wait_end();

	ok = pf->done && pf->result == CURLE_OK && pf->status == 200 &&
		!pf->bsink.too_large && !pf->bsink.out_of_memory;
	if (ok)
	{
		StringInfoData old = *body;

		*body = pf->body;
		pf->body = old;
		stats->pages++;
		stats->bytes += body->len;
	}
	polygon_prefetch_cancel(pf);	/* the slot, and the buffer not kept */
	return ok;
}

/*
 * polygon_prefetch_cancel
 *		Drop a prefetch that will not be needed.
 */
void
polygon_prefetch_cancel(PolygonPrefetch *pf)
{
	if (prefetch_active(pf))
		release_slot(pf->slot, true);
	pf->slot = NULL;
	if (pf->body.data)
		pfree(pf->body.data);
	pf->body.data = NULL;
}

/* Flat file being downloaded into a temporary file */
typedef struct FileSink
{
	File		file;
	off_t		size;			/* bytes written */
	bool		failed;			/* a write failed (errno kept) */
	int			save_errno;
	ErrorData  *write_error;	/* an error raised by FileWrite (temp_file_limit) */
	MemoryContext cxt;			/* where to keep it */
	StringInfoData error_body;	/* the body of a non-200 answer (S3's XML) */
	bool		is_error;		/* the answer is not 200: keep it in error_body */
} FileSink;

/*
 * file_sink_write
 *		FileWrite in a curl callback: an error it raises (temp_file_limit) is
 *		kept in the sink and raised once curl has returned, never longjmp'd
 *		through libcurl.
 */
static int
file_sink_write(FileSink *sink, char *ptr, int len)
{
	volatile int w = -1;

	PG_TRY();
	{
		w = FileWrite(sink->file, ptr, len, sink->size, PG_WAIT_EXTENSION);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(sink->cxt);
		sink->write_error = CopyErrorData();
		FlushErrorState();
	}
	PG_END_TRY();
	return w;
}

static size_t
file_callback(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	FileSink   *sink = (FileSink *) userdata;
	size_t		n = size * nmemb;

	if (sink->is_error)
	{
		if (sink->error_body.len < 8192)
			appendBinaryStringInfoNT(&sink->error_body, ptr,
									 Min(n, (size_t) (8192 - sink->error_body.len)));
		return n;
	}
	while (n > 0)
	{
		int			chunk = (int) Min(n, (size_t) (1 << 30));
		int			w = file_sink_write(sink, ptr, chunk);

		if (sink->write_error)
			return 0;
		if (w <= 0)
		{
			sink->failed = true;
			sink->save_errno = errno;
			return 0;
		}
		sink->size += w;
		ptr += w;
		n -= w;
	}
	return size * nmemb;
}

/* a status line starts the headers of an answer: is it an error? */
static size_t
file_header_callback(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	FileSink   *sink = (FileSink *) userdata;
	size_t		n = size * nmemb;

	if (n >= 12 && strncmp(ptr, "HTTP/", 5) == 0)
	{
		const char *sp = memchr(ptr, ' ', n);

		sink->is_error = !(sp && sp + 4 <= ptr + n && strncmp(sp + 1, "200", 3) == 0);
	}
	return n;
}

/* <Code> and <Message> of an S3 error body */
static char *
s3_error_text(const char *xml)
{
	const char *code = strstr(xml, "<Code>");
	const char *msg = strstr(xml, "<Message>");
	const char *code_end = code ? strstr(code, "</Code>") : NULL;
	const char *msg_end = msg ? strstr(msg, "</Message>") : NULL;

	if (code && code_end)
		return psprintf("%.*s%s%.*s", (int) (code_end - code - 6), code + 6,
						msg && msg_end ? ": " : "",
						msg && msg_end ? (int) (msg_end - msg - 9) : 0, msg ? msg + 9 : "");
	return NULL;
}

/*
 * polygon_http_download
 *		GET url from S3 (signed with AWS Signature Version 4 and the flat-file
 *		keys of the user mapping) into file, retrying network errors and 5xx.
 *		Returns the bytes written, or -1 when the object does not exist (404:
 *		a weekend, a holiday, a day not published yet).  Cancellable.
 */
off_t
polygon_http_download(PolygonConnection *conn, const char *url, File file, PolygonHttpStats *stats)
{
	CURL	   *curl = get_curl_handle();
	char	   *sigv4 = psprintf("aws:amz:%s:s3", conn->opts.flatfiles_region);
	RequestContext rc;
	ErrorContextCallback errcallback;
	long		status = 0;

	push_request_context(&rc, &errcallback, url);

	for (int attempt = 0;; attempt++)
	{
		FileSink	sink;
		CURLcode	res;

		rc.attempt = attempt + 1;
		memset(&sink, 0, sizeof(sink));
		sink.file = file;
		sink.cxt = CurrentMemoryContext;
		initStringInfo(&sink.error_body);
		enlargeStringInfo(&sink.error_body, 8192 + 1);	/* no palloc in a callback */
		if (attempt > 0 && FileTruncate(file, 0, PG_WAIT_EXTENSION) < 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not truncate a temporary file for a flat file: %m")));
		curl_errbuf[0] = '\0';

		/* a file of a day takes minutes: no timeout_ms */
		setup_get(curl, conn, url, curl_errbuf);
		curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4);
		curl_easy_setopt(curl, CURLOPT_USERNAME, conn->s3_access_key_id);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, conn->s3_secret_access_key);
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, file_callback);
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
		curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, file_header_callback);
		curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);

		res = perform_transfer(curl, NULL, stats, "flat file download");
		if (sink.write_error)
			ReThrowError(sink.write_error);
		if (sink.failed)
		{
			errno = sink.save_errno;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not write a temporary file for a flat file: %m")));
		}
		status = 0;
		if (res == CURLE_OK)
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		if (res == CURLE_OK && status == 200)
		{
			stats->pages++;
			stats->bytes += sink.size;
			error_context_stack = errcallback.previous;
			return sink.size;
		}
		if (res == CURLE_OK && status == 404)
		{
			error_context_stack = errcallback.previous;
			return -1;
		}
		if ((res != CURLE_OK ? retryable_curl_error(res) : status >= 500 || status == 429) &&
			attempt < conn->opts.max_retries)
		{
			int64		delay_us = retry_delay_us(&conn->opts, attempt, "");

			stats->retries++;
			polygon_interruptible_sleep(delay_us);
			stats->backoff_wait_ms += delay_us / 1000.0;
			continue;
		}
		if (res != CURLE_OK)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
					 errmsg("could not reach the flat files at \"%s\"", conn->opts.flatfiles_url),
					 errdetail_internal("%s", curl_errbuf[0] ? curl_errbuf : curl_easy_strerror(res)),
					 errhint("Check the flatfiles_url option of server \"%s\" and the network.",
							 conn->servername)));
		{
			char	   *s3 = s3_error_text(sink.error_body.data);

			ereport(ERROR,
					(errcode(status == 403 || status == 401 ? ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION
							 : ERRCODE_FDW_ERROR),
					 errmsg("the flat-file server refused the download with HTTP status %ld", status),
					 s3 ? errdetail_internal("S3 said: %s", s3) : 0,
					 (status == 403 || status == 401)
					 ? errhint("Check s3_access_key_id and s3_secret_access_key of the user mapping for server \"%s\", and flatfiles_region; flat files need a paid plan.",
							   conn->servername)
					 : 0));
		}
	}
}

/*
 * polygon_path_of_url
 *		The path and query of an absolute URL ("/v2/...?cursor=..."), or of a
 *		path ("/v2/...").  NULL when url is neither.
 */
char *
polygon_path_of_url(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *path;

	if (url[0] == '/')
		return pstrdup(url);
	if (scheme == NULL)
		return NULL;
	path = strchr(scheme + 3, '/');
	return pstrdup(path ? path : "/");
}

/*
 * printable_url
 *		url for a message: any key redacted, control characters as "?".
 */
static char *
printable_url(const char *url)
{
	char	   *s = polygon_redact_url(url);

	for (char *p = s; *p; p++)
	{
		if ((unsigned char) *p < ' ' || (unsigned char) *p == 0x7f)
			*p = '?';
	}
	return s;
}

/*
 * polygon_next_url_path
 *		The path and query of a next_url, which we fetch from our own server.
 *
 * next_url values may name another host, or carry ":443" or even ":443:443";
 * we only ever take their path and query.  A path that could resolve to
 * another one (dot segments, a backslash, an empty segment) or that carries
 * white space, control characters or a fragment is refused: the server's
 * text never chooses what we ask for beyond its own next page.
 */
char *
polygon_next_url_path(const char *next_url)
{
	char	   *path = polygon_path_of_url(next_url);
	const char *problem;

	if (path == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
				 errmsg("invalid next_url in Polygon response: \"%s\"", printable_url(next_url)),
				 errdetail("A next_url must be an absolute URL or path.")));
	if ((problem = polygon_url_path_problem(path, true)) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
				 errmsg("invalid next_url in Polygon response: \"%s\"", printable_url(next_url)),
				 errdetail_internal("%s", problem)));
	return path;
}

/*
 * polygon_append_url_encoded
 *		Append s percent-encoded (RFC 3986 unreserved characters kept).
 *
 * As a path segment, "/", "?", "%" and every other reserved character are
 * encoded, and so are the dots of a value that is "." or "..": libcurl and
 * servers resolve those as dot segments, which would make the path of one
 * endpoint reach another.  No value can change the path it is written in.
 */
void
polygon_append_url_encoded(StringInfo buf, const char *s, bool path_segment)
{
	static const char hex[] = "0123456789ABCDEF";
	bool		dot_segment = path_segment && (strcmp(s, ".") == 0 || strcmp(s, "..") == 0);

	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if (((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			 (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '~' ||
			 (*p == '.' && !dot_segment) || (!path_segment && *p == ':')))
			appendStringInfoChar(buf, (char) *p);
		else
		{
			appendStringInfoChar(buf, '%');
			appendStringInfoChar(buf, hex[*p >> 4]);
			appendStringInfoChar(buf, hex[*p & 0x0f]);
		}
	}
}

/*
 * polygon_redact_url
 *		The URL with the value of any apiKey / api_key parameter hidden.
 *
 * tape never puts the key in a URL, but a next_url or a base_url written by
 * hand might; whatever we print goes through here.
 */
char *
polygon_redact_url(const char *url)
{
	StringInfoData buf;
	const char *p = url;

	initStringInfo(&buf);
	while (*p)
	{
		if ((p == url || p[-1] == '?' || p[-1] == '&') &&
			(pg_strncasecmp(p, "apikey=", 7) == 0 || pg_strncasecmp(p, "api_key=", 8) == 0))
		{
			const char *eq = strchr(p, '=');

			appendBinaryStringInfo(&buf, p, eq - p + 1);
			appendStringInfoString(&buf, "REDACTED");
			p = eq + 1;
			while (*p && *p != '&' && *p != '#')
				p++;
			continue;
		}
		appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}
