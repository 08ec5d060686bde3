/*-------------------------------------------------------------------------
 *
 * worker.c
 *		The live worker: its shared-memory state, its main loop, and the SQL
 *		controls tape.live_start, tape.live_stop and tape.live_status.
 *
 * tape.live_start records what it was asked (tape_internal.live_settings,
 * with a generation number) and registers a dynamic background worker that
 * connects to the database as the calling role, so that role's user mapping
 * gives the API key.  The worker:
 *
 *	connects to the server's stream_url, sends {"action":"auth",...} and,
 *	on auth_success, {"action":"subscribe","params":channels};
 *	takes each message the socket received, decodes it and hands its
 *	events to the feed (feed.c), which flushes bars at once and ticks in
 *	batches;
 *	on a lost connection waits a back-off with jitter (doubling from
 *	tape.live_reconnect_min_ms to tape.live_reconnect_max_ms, reset once
 *	authenticated) and connects again; the feed fills the minutes missed
 *	from REST before it judges the next bar;
 *	stops for good, with the reason in tape.live_status and the log once,
 *	when the feed refuses the key or the plan (auth_failed, or an error
 *	answering the subscription): reconnecting could only repeat it.
 *
 * The postmaster restarts the worker after a crash (kill -9 included); the
 * restarted worker reads its settings again and resumes, the store and
 * tape.events_live making it idempotent.  tape.live_stop bumps the stop
 * generation in shared memory and signals the worker, which leaves within
 * about 50 ms (a flush waiting on a lock is interrupted).
 *
 * The API key lives in the worker's memory only: it is sent in the auth
 * message and never written to the log, tape.live_status or an error
 * (live_redact removes it from anything the feed sends back).
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/live/worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "live.h"
#include "fdw/polygon_fdw.h"

#include <signal.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "common/pg_prng.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "foreign/foreign.h"

/* what the worker gets in bgw_extra */
typedef struct LiveWorkerArgs
{
	Oid			dboid;
	Oid			roleoid;
	int64		generation;
} LiveWorkerArgs;

/* the shared state, plus what only shared memory may hold across a crash */
#define LIVE_CONFIG_LEN 16384

typedef struct LiveSharedAll
{
	LiveShared	s;
	int64		generation;		/* of the last tape.live_start */
	int64		stop_generation;	/* asked to stop */
	Oid			server_oid;		/* what it asked for, until a crash resets */
	Oid			callback;		/* shared memory (then the table has it) */
	char		config[LIVE_CONFIG_LEN];
} LiveSharedAll;

LiveShared *live_shared = NULL;
static LiveSharedAll *live_all = NULL;
static LiveShared live_local;	/* without shared memory: counters go nowhere */

int			live_max_message_bytes = 1048576;
int			live_max_queue_bytes = 16777216;
int			live_reconnect_min_ms = 1000;
int			live_reconnect_max_ms = 60000;
int			live_idle_timeout_s = 30;
int			live_max_tickers = 5000;
int			live_flush_ms = 100;

static bool preloaded = false;
static volatile sig_atomic_t got_sigterm = false;
static volatile sig_atomic_t in_flush = false;
static LiveSocket *live_socket = NULL;
static char *live_api_key = NULL;

PG_FUNCTION_INFO_V1(tape_live_start);
PG_FUNCTION_INFO_V1(tape_live_stop);
PG_FUNCTION_INFO_V1(tape_live_status);

/*
 * live_define_gucs
 *		The settings of the live worker (postgresql.conf; read when it
 *		starts).
 */
void
live_define_gucs(void)
{
	DefineCustomIntVariable("tape.live_max_message_bytes",
							"The largest message of the live feed the worker keeps.",
							"Larger ones are dropped and counted in tape.live_status.oversized.",
							&live_max_message_bytes, 1048576, 1024, INT_MAX / 2,
							PGC_SIGHUP, GUC_UNIT_BYTE, NULL, NULL, NULL);
	DefineCustomIntVariable("tape.live_max_queue_bytes",
							"Bytes of received messages the live worker holds before it stops reading the socket.",
							NULL,
							&live_max_queue_bytes, 16777216, 65536, INT_MAX / 2,
							PGC_SIGHUP, GUC_UNIT_BYTE, NULL, NULL, NULL);
	DefineCustomIntVariable("tape.live_reconnect_min_ms",
							"The live worker's first wait before reconnecting.",
							"The wait doubles up to tape.live_reconnect_max_ms, with up to 25 % jitter.",
							&live_reconnect_min_ms, 1000, 10, 3600000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("tape.live_reconnect_max_ms",
							"The live worker's longest wait before reconnecting.",
							NULL,
							&live_reconnect_max_ms, 60000, 10, 3600000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("tape.live_idle_timeout",
							"Seconds without a sign of life after which the live worker drops the connection.",
							"It pings after half of it.",
							&live_idle_timeout_s, 30, 2, 3600,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("tape.live_max_tickers",
							"Tickers the live worker runs detectors for (the others' bars are stored only).",
							NULL,
							&live_max_tickers, 5000, 0, 1000000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("tape.live_flush_ms",
							"Milliseconds trades and quotes of the live feed wait before they are stored.",
							"Bars are stored and judged at once.",
							&live_flush_ms, 100, 1, 60000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
}

/* ---------------------------------------------------------------------
 * Shared memory
 * ---------------------------------------------------------------------
 */

/*
 * live_shmem_request
 *		Reserve the worker's shared state (from shmem_request_hook).
 */
void
live_shmem_request(void)
{
	preloaded = true;
	RequestAddinShmemSpace(MAXALIGN(sizeof(LiveSharedAll)));
}

/*
 * live_shmem_startup
 *		Attach to (or create) the shared state (from shmem_startup_hook; a
 *		crash of any backend creates it anew).
 */
void
live_shmem_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	live_all = ShmemInitStruct("tape live", sizeof(LiveSharedAll), &found);
	if (!found)
	{
		memset(live_all, 0, sizeof(LiveSharedAll));
		SpinLockInit(&live_all->s.mutex);
	}
	live_shared = &live_all->s;
	LWLockRelease(AddinShmemInitLock);
}

/*
 * live_preloaded
 *		Whether tape was preloaded, so the shared state exists.
 */
bool
live_preloaded(void)
{
	return preloaded && live_all != NULL;
}

/* the shared state, or a local dummy where there is none */
static void
ensure_shared(void)
{
	if (live_shared == NULL)
	{
		SpinLockInit(&live_local.mutex);
		live_shared = &live_local;
	}
}

/*
 * live_set_state
 *		The worker's state, for tape.live_status.
 */
void
live_set_state(LiveState state)
{
	SpinLockAcquire(&live_shared->mutex);
	live_shared->state = state;
	SpinLockRelease(&live_shared->mutex);
}

/*
 * live_count
 *		Add n to a counter of the shared state.
 */
void
live_count(int64 *counter, int64 n)
{
	SpinLockAcquire(&live_shared->mutex);
	*counter += n;
	SpinLockRelease(&live_shared->mutex);
}

/*
 * live_redact
 *		A copy of text with the API key, wherever it appears, replaced.
 */
char *
live_redact(const char *text)
{
	StringInfoData s;
	size_t		klen = live_api_key ? strlen(live_api_key) : 0;
	const char *p = text;
	const char *hit;

	if (klen == 0)
		return pstrdup(text);
	initStringInfo(&s);
	while ((hit = strstr(p, live_api_key)) != NULL)
	{
		appendBinaryStringInfo(&s, p, hit - p);
		appendStringInfoString(&s, "[redacted]");
		p = hit + klen;
	}
	appendStringInfoString(&s, p);
	return s.data;
}

/*
 * live_report_error
 *		Record an error in tape.live_status and the log (the key redacted).
 */
void
live_report_error(const char *fmt,...)
{
	char		buf[LIVE_ERROR_LEN];
	char	   *clean;
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	clean = live_redact(buf);
	SpinLockAcquire(&live_shared->mutex);
	strlcpy(live_shared->last_error, clean, sizeof(live_shared->last_error));
	live_shared->last_error_at = GetCurrentTimestamp();
	SpinLockRelease(&live_shared->mutex);
	ereport(LOG, (errmsg("tape live: %s", clean)));
	pfree(clean);
}

/* ---------------------------------------------------------------------
 * The worker
 * ---------------------------------------------------------------------
 */

/* SIGTERM: leave the loop; a flush waiting (on a lock, say) is ended */
static void
live_sigterm(SIGNAL_ARGS)
{
	int			save_errno = errno;

	got_sigterm = true;
	if (in_flush)
	{
		InterruptPending = true;
		ProcDiePending = true;
	}
	SetLatch(MyLatch);
	live_socket_wake(live_socket);
	errno = save_errno;
}

/* on exit: no worker runs */
static void
live_worker_exit(int code, Datum arg)
{
	SpinLockAcquire(&live_shared->mutex);
	live_shared->pid = 0;
	if (live_shared->state != LIVE_FAILED)
		live_shared->state = LIVE_STOPPED;
	live_shared->connected_at = 0;
	SpinLockRelease(&live_shared->mutex);
}

/* what the connection loop keeps */
typedef struct LiveSession
{
	LiveFeed   *feed;
	LiveSocket *socket;
	const char *channels;
	bool		authenticated;	/* this connection */
	bool		subscribed;
	bool		fatal;			/* stop for good */
	int			failures;		/* flushes failed in a row */
} LiveSession;

/* flushes that may fail in a row (waiting longer each time) before the worker stops */
#define LIVE_MAX_FAILURES 5

/*
 * handle_status
 *		A status event of the feed: authentication, subscription, errors.
 */
static void
handle_status(LiveSession *ls, const LiveEvent *ev)
{
	if (strcmp(ev->status, "auth_success") == 0)
	{
		StringInfoData sub;

		ls->authenticated = true;
		live_set_state(LIVE_SUBSCRIBING);
		initStringInfo(&sub);
		appendStringInfoString(&sub, "{\"action\":\"subscribe\",\"params\":");
		escape_json(&sub, ls->channels);
		appendStringInfoChar(&sub, '}');
		live_socket_send(ls->socket, sub.data);
		pfree(sub.data);
	}
	else if (strcmp(ev->status, "auth_failed") == 0)
	{
		live_report_error("the feed refused the API key (auth_failed: %s); not reconnecting",
						  ev->message);
		ls->fatal = true;
	}
	else if (strcmp(ev->status, "success") == 0 && ls->authenticated)
	{
		char	   *m = live_redact(ev->message);
		const char *what = strncmp(m, "subscribed to: ", 15) == 0 ? m + 15 : m;

		ls->subscribed = true;
		SpinLockAcquire(&live_shared->mutex);
		if (live_shared->subscribed[0] != '\0' &&
			strlen(live_shared->subscribed) + strlen(what) + 2 < LIVE_TEXT_LEN)
			strcat(live_shared->subscribed, ",");
		if (live_shared->subscribed[0] == '\0' ||
			strlen(live_shared->subscribed) + strlen(what) + 1 < LIVE_TEXT_LEN)
			strcat(live_shared->subscribed, what);
		live_shared->state = LIVE_STREAMING;
		SpinLockRelease(&live_shared->mutex);
		pfree(m);
	}
	else if (strcmp(ev->status, "error") == 0 && ls->authenticated && !ls->subscribed)
	{
		live_report_error("the feed refused the subscription to \"%s\" (%s); not reconnecting",
						  ls->channels, ev->message);
		ls->fatal = true;
	}
	else if (strcmp(ev->status, "connected") != 0 && strcmp(ev->status, "success") != 0)
		live_report_error("status from the feed: %s: %s", ev->status, ev->message);
}

/* the decoder's handler */
static void
handle_event(void *arg, const LiveEvent *ev)
{
	LiveSession *ls = (LiveSession *) arg;

	if (ev->kind == LEV_STATUS)
		handle_status(ls, ev);
	else
		live_feed_event(ls->feed, ev);
}

/*
 * handle_message
 *		Decode one message; a malformed one is counted and reported, the
 *		events before the damage kept.
 */
static void
handle_message(LiveSession *ls, StringInfo msg, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);

	PG_TRY();
	{
		(void) live_decode(msg->data, msg->len, handle_event, ls);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		live_count(&live_shared->malformed, 1);
		live_report_error("malformed message of %d bytes dropped: %s", msg->len, edata->message);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	MemoryContextReset(cxt);
}

/* wait for ms milliseconds, or until told to stop */
static void
live_sleep(int64 ms)
{
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 Max(ms, 1), PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/*
 * flush
 *		A flush of the feed, interruptible by SIGTERM.  A flush that fails
 *		(a locked table timing out, a full disk, a broken callback table) is
 *		rolled back and reported; its bars are filled from REST later.  The
 *		worker waits longer after each failure in a row, and stops for good
 *		after LIVE_MAX_FAILURES of them: an error that persists would only
 *		repeat.
 */
static void
flush(void *arg)
{
	LiveSession *ls = (LiveSession *) arg;
	MemoryContext old = CurrentMemoryContext;

	in_flush = true;
	if (got_sigterm)
	{
		InterruptPending = true;
		ProcDiePending = true;
	}
	PG_TRY();
	{
		live_feed_flush(ls->feed);
		ls->failures = 0;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(old);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		MemoryContextSwitchTo(old);
		pgstat_report_activity(STATE_IDLE, NULL);
		live_feed_discard(ls->feed);
		ls->failures++;
		if (ls->failures >= LIVE_MAX_FAILURES)
		{
			live_report_error("stopped after %d failed flushes in a row: %s",
							  ls->failures, edata->message);
			ls->fatal = true;
		}
		else
		{
			int64		wait = (int64) live_reconnect_min_ms << (ls->failures - 1);

			live_report_error("a flush failed (%d in a row); its bars will be filled from REST: %s",
							  ls->failures, edata->message);
			in_flush = false;
			live_sleep(Min(wait, live_reconnect_max_ms));
		}
		FreeErrorData(edata);
	}
	PG_END_TRY();
	in_flush = false;
	live_socket_alive(ls->socket);
}

/* the memory the worker holds, for tape.live_status */
static void
report_memory(LiveSocket *sock)
{
	int64		mem = MemoryContextMemAllocated(TopMemoryContext, true);

	SpinLockAcquire(&live_shared->mutex);
	live_shared->memory_bytes = mem;
	SpinLockRelease(&live_shared->mutex);
}

/*
 * stream
 *		One connection, from connecting to its end.
 */
static void
stream(LiveSession *ls, const char *url, MemoryContext msg_cxt)
{
	StringInfoData msg;
	StringInfoData auth;
	bool		oversized;
	TimestampTz last_report = 0;

	initStringInfo(&msg);
	ls->authenticated = ls->subscribed = false;
	SpinLockAcquire(&live_shared->mutex);
	live_shared->subscribed[0] = '\0';
	SpinLockRelease(&live_shared->mutex);
	live_set_state(LIVE_CONNECTING);
	if (!live_socket_connect(ls->socket, url))
	{
		live_report_error("could not connect to the feed: %s", live_socket_error(ls->socket));
		return;
	}

	initStringInfo(&auth);
	appendStringInfoString(&auth, "{\"action\":\"auth\",\"params\":");
	escape_json(&auth, live_api_key);
	appendStringInfoChar(&auth, '}');
	live_socket_send(ls->socket, auth.data);
	memset(auth.data, 0, auth.len);
	pfree(auth.data);

	while (!got_sigterm && !ls->fatal)
	{
		bool		open = live_socket_service(ls->socket, 50);
		bool		urgent;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (live_socket_established(ls->socket))
		{
			SpinLockAcquire(&live_shared->mutex);
			if (live_shared->connected_at == 0)
			{
				live_shared->connected_at = GetCurrentTimestamp();
				if (live_shared->state == LIVE_CONNECTING)
					live_shared->state = LIVE_AUTHENTICATING;
			}
			SpinLockRelease(&live_shared->mutex);
		}
		while (!got_sigterm && !ls->fatal && live_socket_take(ls->socket, &msg, &oversized))
		{
			SpinLockAcquire(&live_shared->mutex);
			live_shared->messages++;
			live_shared->bytes += msg.len;
			live_shared->last_message_at = GetCurrentTimestamp();
			if (oversized)
				live_shared->oversized++;
			SpinLockRelease(&live_shared->mutex);
			if (!oversized)
				handle_message(ls, &msg, msg_cxt);
			if (live_feed_pending(ls->feed, &urgent) && urgent)
				flush(ls);
		}
		if (live_feed_pending(ls->feed, &urgent) && urgent)
			flush(ls);
		if (TimestampDifferenceExceeds(last_report, GetCurrentTimestamp(), 200))
		{
			report_memory(ls->socket);
			last_report = GetCurrentTimestamp();
		}
		if (!open)
			break;
	}
	if (!got_sigterm && !ls->fatal)
		live_report_error("disconnected: %s", live_socket_error(ls->socket));
	live_socket_close(ls->socket);
	if (live_feed_pending(ls->feed, &oversized))
		flush(ls);
	SpinLockAcquire(&live_shared->mutex);
	live_shared->connected_at = 0;
	live_shared->subscribed[0] = '\0';
	SpinLockRelease(&live_shared->mutex);
	pfree(msg.data);
}

/*
 * load_settings
 *		What tape.live_start asked for (from shared memory, or after a crash
 *		from tape_internal.live_settings), and the key of the role's user
 *		mapping; false when the worker has nothing (more) to do.
 */
static bool
load_settings(int64 generation, char **url, char **channels, Jsonb **config, Oid *callback)
{
	bool		isnull;
	bool		ok = false;
	Oid			serverid = InvalidOid;
	MemoryContext old;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	old = MemoryContextSwitchTo(TopMemoryContext);
	if (live_all->generation == generation && live_all->config[0] != '\0')
	{
		serverid = live_all->server_oid;
		*channels = pstrdup(live_all->s.channels);
		*config = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(live_all->config)));
		*callback = live_all->callback;
	}
	else
	{
		int			ret;

		MemoryContextSwitchTo(old);
		ret = SPI_execute("SELECT server, channels, config, callback, generation FROM tape_internal.live_settings",
						  true, 1);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "could not read tape_internal.live_settings: %s", SPI_result_code_string(ret));
		MemoryContextSwitchTo(TopMemoryContext);
		if (SPI_processed == 1 &&
			DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5, &isnull)) == generation)
		{
			HeapTuple	tup = SPI_tuptable->vals[0];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			Datum		cb;

			serverid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
			*channels = SPI_getvalue(tup, desc, 2);
			*config = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 3, &isnull));
			cb = SPI_getbinval(tup, desc, 4, &isnull);
			*callback = isnull ? InvalidOid : DatumGetObjectId(cb);
			live_all->generation = generation;
		}
	}
	if (OidIsValid(serverid))
	{
		PolygonConnection *conn = polygon_connect(serverid, GetUserId(), false, true);

		live_api_key = pstrdup(conn->api_key);
		*url = pstrdup(conn->opts.stream_url);
		SpinLockAcquire(&live_shared->mutex);
		strlcpy(live_shared->server, conn->servername, NAMEDATALEN);
		strlcpy(live_shared->channels, *channels, LIVE_TEXT_LEN);
		SpinLockRelease(&live_shared->mutex);
		ok = true;
	}
	MemoryContextSwitchTo(old);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	return ok;
}

/*
 * start_settings
 *		load_settings, and an error there (no user mapping now, say) the end
 *		of the worker, reported: it would stop a restarted worker again.
 */
static bool
start_settings(int64 generation, char **url, char **channels, Jsonb **config, Oid *callback)
{
	volatile bool ok = false;

	PG_TRY();
	{
		ok = load_settings(generation, url, channels, config, callback);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(TopMemoryContext);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		live_report_error("could not start: %s", edata->message);
		live_set_state(LIVE_FAILED);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/*
 * tape_live_worker_main
 *		The worker's entry point.
 */
void
tape_live_worker_main(Datum arg)
{
	LiveWorkerArgs args;
	LiveSession ls;
	char	   *url = NULL;
	char	   *channels = NULL;
	Jsonb	   *config = NULL;
	Oid			callback = InvalidOid;
	int			backoff;
	MemoryContext msg_cxt;

	memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof(args));
	pqsignal(SIGTERM, live_sigterm);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();
	ensure_shared();

	/* a worker asked to stop, restarted by the postmaster, goes at once */
	if (live_all != NULL && live_all->stop_generation == args.generation)
		proc_exit(0);

	BackgroundWorkerInitializeConnectionByOid(args.dboid, args.roleoid, 0);
	pgstat_report_appname("tape live");

	SpinLockAcquire(&live_shared->mutex);
	live_shared->pid = MyProcPid;
	live_shared->state = LIVE_STARTING;
	live_shared->dboid = args.dboid;
	live_shared->roleoid = args.roleoid;
	if (live_shared->started_at == 0)
		live_shared->started_at = GetCurrentTimestamp();
	SpinLockRelease(&live_shared->mutex);
	on_shmem_exit(live_worker_exit, (Datum) 0);

	if (!start_settings(args.generation, &url, &channels, &config, &callback))
		proc_exit(0);

	memset(&ls, 0, sizeof(ls));
	ls.channels = channels;
	ls.feed = live_feed_create(config, callback, flush, &ls);
	ls.socket = live_socket = live_socket_create();
	msg_cxt = AllocSetContextCreate(TopMemoryContext, "tape live message", ALLOCSET_DEFAULT_SIZES);
	backoff = live_reconnect_min_ms;

	while (!got_sigterm)
	{
		int64		wait;

		stream(&ls, url, msg_cxt);
		if (got_sigterm)
			break;
		if (ls.fatal)
		{
			live_set_state(LIVE_FAILED);
			break;
		}
		live_feed_disconnected(ls.feed);
		live_count(&live_shared->reconnects, 1);
		if (ls.authenticated)
			backoff = live_reconnect_min_ms;
		/* the wait, with up to 25 % jitter either way */
		wait = backoff + (int64) ((pg_prng_double(&pg_global_prng_state) - 0.5) * 0.5 * backoff);
		backoff = Min(backoff * 2, live_reconnect_max_ms);
		live_set_state(LIVE_BACKING_OFF);
		live_sleep(wait);
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
	}
	live_socket_destroy(ls.socket);
	live_socket = NULL;
	if (live_api_key)
	{
		memset(live_api_key, 0, strlen(live_api_key));
		live_api_key = NULL;
	}
	proc_exit(0);
}

/* ---------------------------------------------------------------------
 * SQL controls
 * ---------------------------------------------------------------------
 */

/* the recorded worker's pid if it is alive, else 0 */
static pid_t
running_pid(void)
{
	pid_t		pid;

	SpinLockAcquire(&live_shared->mutex);
	pid = live_shared->pid;
	SpinLockRelease(&live_shared->mutex);
	if (pid != 0 && kill(pid, 0) != 0)
		pid = 0;
	return pid;
}

/*
 * tape_live_start
 *		tape.live_start(server, channels, config, callback): record the
 *		settings, register the worker, wait for it to start; its pid.
 */
Datum
tape_live_start(PG_FUNCTION_ARGS)
{
	char	   *server;
	char	   *channels;
	Jsonb	   *user_config = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	ForeignServer *fs;
	PolygonConnection *conn;
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	LiveWorkerArgs args;
	pid_t		pid;
	char	   *config;
	Datum		sargs[6];
	Oid			stypes[6] = {OIDOID, TEXTOID, JSONBOID, REGPROCEDUREOID, OIDOID, INT8OID};
	char		snulls[6] = {' ', ' ', user_config ? ' ' : 'n', PG_ARGISNULL(3) ? 'n' : ' ', ' ', ' '};
	int			ret;

	if (!live_preloaded())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the live feed needs tape in shared_preload_libraries"),
				 errdetail("The live worker and its state live in shared memory, which only a preloaded library can reserve."),
				 errhint("Add tape to shared_preload_libraries in postgresql.conf and restart the server.")));
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("server and channels of tape.live_start must not be null")));
	server = NameStr(*PG_GETARG_NAME(0));
	channels = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (channels[0] == '\0' || strlen(channels) >= LIVE_TEXT_LEN ||
		strspn(channels, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.*,:-_") != strlen(channels))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid channels \"%s\"", channels),
				 errdetail("Channels are a comma-separated list such as \"AM.*\" or \"AM.ACME,T.ACME,Q.ACME\", shorter than %d bytes.",
						   LIVE_TEXT_LEN)));
	if ((pid = running_pid()) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("the live worker is already running (pid %d)", (int) pid),
				 errhint("Call tape.live_stop() first.")));

	/* the server, and the caller's key (an error now rather than in the worker) */
	fs = GetForeignServerByName(server, false);
	if (pg_foreign_server_aclcheck(fs->serverid, GetUserId(), ACL_USAGE) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_FOREIGN_SERVER, fs->servername);
	conn = polygon_connect(fs->serverid, GetUserId(), false, true);
	memset(conn->api_key, 0, strlen(conn->api_key));

	args.dboid = MyDatabaseId;
	args.roleoid = GetUserId();
	args.generation = GetCurrentTimestamp();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	sargs[0] = ObjectIdGetDatum(fs->serverid);
	sargs[1] = CStringGetTextDatum(channels);
	sargs[2] = user_config ? JsonbPGetDatum(user_config) : (Datum) 0;
	sargs[3] = PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3);
	sargs[4] = ObjectIdGetDatum(args.roleoid);
	sargs[5] = Int64GetDatum(args.generation);
	ret = SPI_execute_with_args(
								"INSERT INTO tape_internal.live_settings AS s (server, channels, config, callback, role, generation)"
								" VALUES ($1, $2, jsonb_set(jsonb_set(jsonb_set(tape.detector_config('intraday', $3),"
								"  '{filters,min_day_dollar_volume}', '0'), '{filters,min_day_dollar_volume_bearish}', '0'),"
								"  '{dedup,window_minutes}', '0'), $4, $5, $6)"
								" ON CONFLICT (only_row) DO UPDATE SET server = excluded.server, channels = excluded.channels,"
								"  config = excluded.config, callback = excluded.callback, role = excluded.role,"
								"  generation = excluded.generation, started_at = now()"
								" RETURNING config::text",
								6, stypes, sargs, snulls, false, 0);
	if (ret != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
		elog(ERROR, "could not record the live settings: %s", SPI_result_code_string(ret));
	config = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (strlen(config) >= LIVE_CONFIG_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the live configuration is longer than %d bytes", LIVE_CONFIG_LEN - 1)));

	/*
	 * The worker takes the settings from shared memory: the row is for a
	 * restart after a crash, by when the caller has committed it.
	 */
	SpinLockAcquire(&live_shared->mutex);
	live_all->generation = args.generation;
	live_all->server_oid = fs->serverid;
	live_all->callback = PG_ARGISNULL(3) ? InvalidOid : PG_GETARG_OID(3);
	strlcpy(live_all->config, config, LIVE_CONFIG_LEN);
	strlcpy(live_shared->channels, channels, LIVE_TEXT_LEN);
	live_shared->state = LIVE_STARTING;
	live_shared->pid = 0;
	live_shared->messages = live_shared->bytes = live_shared->bars = 0;
	live_shared->trades = live_shared->quotes = live_shared->events = 0;
	live_shared->malformed = live_shared->oversized = live_shared->late_bars = 0;
	live_shared->reconnects = live_shared->gap_bars = 0;
	live_shared->max_queue_bytes = live_shared->queue_bytes = live_shared->memory_bytes = 0;
	live_shared->tickers = 0;
	live_shared->trading_day = live_shared->warmed_from = 0;
	live_shared->lag_us = 0;
	live_shared->connected_at = live_shared->last_message_at = 0;
	live_shared->last_error[0] = '\0';
	live_shared->last_error_at = 0;
	live_shared->started_at = 0;
	live_shared->subscribed[0] = '\0';
	SpinLockRelease(&live_shared->mutex);
	SPI_finish();

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 1;
	strcpy(worker.bgw_library_name, "tape");
	strcpy(worker.bgw_function_name, "tape_live_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "tape live worker");
	snprintf(worker.bgw_type, BGW_MAXLEN, "tape live worker");
	memcpy(worker.bgw_extra, &args, sizeof(args));
	worker.bgw_notify_pid = MyProcPid;

	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("could not register the live worker"),
				 errhint("Raise max_worker_processes.")));
	if (WaitForBackgroundWorkerStartup(handle, &pid) != BGWH_STARTED)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("could not start the live worker"),
				 errhint("See the server log.")));
	PG_RETURN_INT32((int32) pid);
}

/*
 * tape_live_stop
 *		tape.live_stop(): forget the settings, stop the worker, wait for it
 *		to leave; false when none was running.
 */
Datum
tape_live_stop(PG_FUNCTION_ARGS)
{
	pid_t		pid;
	TimestampTz start = GetCurrentTimestamp();

	if (!live_preloaded())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the live feed needs tape in shared_preload_libraries"),
				 errhint("Add tape to shared_preload_libraries in postgresql.conf and restart the server.")));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("DELETE FROM tape_internal.live_settings", false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not delete the live settings");
	SPI_finish();

	SpinLockAcquire(&live_shared->mutex);
	live_all->stop_generation = live_all->generation;
	SpinLockRelease(&live_shared->mutex);
	pid = running_pid();
	if (pid == 0)
		PG_RETURN_BOOL(false);
	if (kill(pid, SIGTERM) != 0)
		PG_RETURN_BOOL(false);
	while (running_pid() == pid)
	{
		CHECK_FOR_INTERRUPTS();
		if (TimestampDifferenceExceeds(start, GetCurrentTimestamp(), 10000))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_IN_USE),
					 errmsg("the live worker (pid %d) did not stop within 10 seconds", (int) pid)));
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	PG_RETURN_BOOL(true);
}

/* the name of a state */
static const char *
state_name(LiveState s)
{
	static const char *const names[] = {
		[LIVE_STOPPED] = "stopped",
		[LIVE_STARTING] = "starting",
		[LIVE_CONNECTING] = "connecting",
		[LIVE_AUTHENTICATING] = "authenticating",
		[LIVE_SUBSCRIBING] = "subscribing",
		[LIVE_STREAMING] = "streaming",
		[LIVE_FILLING_GAP] = "filling gap",
		[LIVE_BACKING_OFF] = "backing off",
		[LIVE_FAILED] = "failed",
	};

	return names[s];
}

/*
 * tape_live_status
 *		The row of tape.live_status, from shared memory.
 */
Datum
tape_live_status(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	LiveShared	s;
	Datum		v[29];
	bool		n[29];
	int			i = 0;
	pid_t		pid;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	memset(n, 0, sizeof(n));
	if (!live_preloaded())
	{
		memset(&s, 0, sizeof(s));
		strlcpy(s.last_error, "tape is not in shared_preload_libraries", sizeof(s.last_error));
	}
	else
	{
		SpinLockAcquire(&live_shared->mutex);
		memcpy(&s, live_shared, sizeof(s));
		SpinLockRelease(&live_shared->mutex);
		pid = running_pid();
		if (pid == 0 && s.state != LIVE_FAILED)
			s.state = LIVE_STOPPED;
	}

#define TEXT_OR_NULL(x) do { if ((x)[0]) v[i] = CStringGetTextDatum(x); else n[i] = true; i++; } while (0)
#define TS_OR_NULL(x) do { if ((x) != 0) v[i] = TimestampTzGetDatum(x); else n[i] = true; i++; } while (0)
	v[i++] = CStringGetTextDatum(state_name(s.state));
	if (s.pid != 0)
		v[i] = Int32GetDatum(s.pid);
	else
		n[i] = true;
	i++;
	TEXT_OR_NULL(s.server);
	TEXT_OR_NULL(s.channels);
	TEXT_OR_NULL(s.subscribed);
	if (OidIsValid(s.roleoid))
	{
		char	   *r = GetUserNameFromId(s.roleoid, true);

		if (r)
			v[i] = CStringGetTextDatum(r);
		else
			n[i] = true;
	}
	else
		n[i] = true;
	i++;
	TS_OR_NULL(s.started_at);
	TS_OR_NULL(s.connected_at);
	TS_OR_NULL(s.last_message_at);
	if (s.bars > 0)
	{
		Interval   *iv = palloc0(sizeof(Interval));

		iv->time = s.lag_us;
		v[i] = IntervalPGetDatum(iv);
	}
	else
		n[i] = true;
	i++;
	v[i++] = Int64GetDatum(s.messages);
	v[i++] = Int64GetDatum(s.bytes);
	v[i++] = Int64GetDatum(s.bars);
	v[i++] = Int64GetDatum(s.trades);
	v[i++] = Int64GetDatum(s.quotes);
	v[i++] = Int64GetDatum(s.events);
	v[i++] = Int64GetDatum(s.malformed);
	v[i++] = Int64GetDatum(s.oversized);
	v[i++] = Int64GetDatum(s.late_bars);
	v[i++] = Int64GetDatum(s.reconnects);
	v[i++] = Int64GetDatum(s.gap_bars);
	v[i++] = Int32GetDatum(s.tickers);
	if (s.trading_day != 0)
		v[i] = DateADTGetDatum(s.trading_day);
	else
		n[i] = true;
	i++;
	if (s.warmed_from != 0)
		v[i] = DateADTGetDatum(s.warmed_from);
	else
		n[i] = true;
	i++;
	v[i++] = Int64GetDatum(s.queue_bytes);
	v[i++] = Int64GetDatum(s.max_queue_bytes);
	v[i++] = Int64GetDatum(s.memory_bytes);
	TEXT_OR_NULL(s.last_error);
	TS_OR_NULL(s.last_error_at);
#undef TEXT_OR_NULL
#undef TS_OR_NULL
	Assert(i == 29);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, v, n)));
}
