/*-------------------------------------------------------------------------
 *
 * websocket.c
 *		The live feed's WebSocket connection, on libwebsockets.
 *
 * Debian's libcurl (7.88) is built without WebSocket support, so the live
 * worker speaks WebSocket through libwebsockets, in its own event loop: the
 * worker calls live_socket_service() in its main loop, and the callback
 * below only copies what arrives.  A message (its fragments joined) goes on
 * a queue the worker takes from between services; nothing of the database
 * runs inside a libwebsockets callback, so an error there can never unwind
 * through the library.
 *
 * Memory is bounded: a message over tape.live_max_message_bytes is dropped
 * (counted), and when the queue holds tape.live_max_queue_bytes the socket
 * stops being read (lws_rx_flow_control), so a slow consumer makes the
 * kernel's buffers and then the sender wait instead of this process grow.
 * Pings are answered by the library; it also sends one after
 * tape.live_idle_timeout / 2 seconds without a sign of life and hangs up
 * after tape.live_idle_timeout (a half-open socket).
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/live/websocket.c
 *
 *-------------------------------------------------------------------------
 */
#include "live.h"

#include <libwebsockets.h>

#include "utils/memutils.h"

/* a message received whole, waiting for the worker */
typedef struct LiveMsg
{
	struct LiveMsg *next;
	size_t		len;
	bool		oversized;		/* dropped for its size: len is what it had */
	char		data[FLEXIBLE_ARRAY_MEMBER];
} LiveMsg;

/* a message to send, once the socket is writeable */
typedef struct LiveOut
{
	struct LiveOut *next;
	size_t		len;
	unsigned char buf[FLEXIBLE_ARRAY_MEMBER];	/* LWS_PRE bytes, then the text */
} LiveOut;

struct LiveSocket
{
	struct lws_context *ctx;
	struct lws *wsi;			/* the connection, NULL when none */
	lws_sorted_usec_list_t tick;	/* wakes the service loop */
	lws_retry_bo_t retry;		/* ping and hang-up times */
	MemoryContext cxt;			/* messages in and out */
	bool		established;	/* the handshake succeeded */
	bool		closed;			/* the connection ended (or failed) */
	bool		paused;			/* reading stopped: the queue is full */
	char		error[LIVE_ERROR_LEN];	/* why it ended */
	char	   *url;			/* parsed in place by lws_parse_uri */
	char	   *path;
	/* the message being received */
	char	   *part;
	size_t		part_len;
	size_t		part_cap;
	bool		part_oversized;
	/* complete messages */
	LiveMsg    *head;
	LiveMsg    *tail;
	int64		queued;			/* bytes on the queue */
	LiveOut    *out_head;
	LiveOut    *out_tail;
};

static int	live_ws_callback(struct lws *wsi, enum lws_callback_reasons reason,
							 void *user, void *in, size_t len);

static const struct lws_protocols live_protocols[] = {
	{"tape-live", live_ws_callback, 0, 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0}
};

/*
 * live_ws_log
 *		libwebsockets' own errors go to the server log.
 */
static void
live_ws_log(int level, const char *line)
{
	int			len = strlen(line);

	while (len > 0 && line[len - 1] == '\n')
		len--;
	ereport(LOG, (errmsg_internal("tape live: libwebsockets: %.*s", len, line)));
}

/*
 * tick
 *		A timer every 50 ms: libwebsockets 4 waits for its own timers only,
 *		so this bounds how long one service call can sleep.
 */
static void
tick(lws_sorted_usec_list_t *sul)
{
	LiveSocket *ls = lws_container_of(sul, LiveSocket, tick);

	lws_sul_schedule(ls->ctx, 0, &ls->tick, tick, 50 * LWS_US_PER_MS);
}

/*
 * live_socket_create
 *		A libwebsockets context for the connections of the worker.
 */
LiveSocket *
live_socket_create(void)
{
	struct lws_context_creation_info info;
	LiveSocket *ls = palloc0(sizeof(LiveSocket));

	ls->cxt = AllocSetContextCreate(TopMemoryContext, "tape live socket", ALLOCSET_DEFAULT_SIZES);
	ls->retry.secs_since_valid_ping = Max(1, live_idle_timeout_s / 2);
	ls->retry.secs_since_valid_hangup = Max(2, live_idle_timeout_s);

	lws_set_log_level(LLL_ERR, live_ws_log);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = live_protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.fd_limit_per_thread = 8;
	info.retry_and_idle_policy = &ls->retry;
	info.user = ls;
	ls->ctx = lws_create_context(&info);
	if (ls->ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create the WebSocket context of the live feed")));
	lws_sul_schedule(ls->ctx, 0, &ls->tick, tick, 50 * LWS_US_PER_MS);
	return ls;
}

/*
 * live_socket_connect
 *		Start connecting to a ws:// or wss:// URL; false (and the reason in
 *		live_socket_error) if the attempt could not even start.
 */
bool
live_socket_connect(LiveSocket *ls, const char *url)
{
	struct lws_client_connect_info ci;
	const char *prot,
			   *address,
			   *path;
	int			port;

	live_socket_close(ls);
	MemoryContextReset(ls->cxt);
	ls->part = NULL;
	ls->part_len = ls->part_cap = 0;
	ls->part_oversized = false;
	ls->head = ls->tail = NULL;
	ls->out_head = ls->out_tail = NULL;
	ls->queued = 0;
	ls->established = false;
	ls->closed = false;
	ls->paused = false;
	ls->error[0] = '\0';

	ls->url = MemoryContextStrdup(ls->cxt, url);
	if (lws_parse_uri(ls->url, &prot, &address, &port, &path) != 0)
	{
		strlcpy(ls->error, "the stream_url could not be parsed", sizeof(ls->error));
		ls->closed = true;
		return false;
	}
	ls->path = MemoryContextAlloc(ls->cxt, strlen(path) + 2);
	ls->path[0] = '/';
	strcpy(ls->path + 1, path);

	memset(&ci, 0, sizeof(ci));
	ci.context = ls->ctx;
	ci.address = address;
	ci.port = port;
	ci.path = ls->path;
	ci.host = address;
	ci.origin = address;
	ci.ssl_connection = pg_strcasecmp(prot, "wss") == 0 ? LCCSCF_USE_SSL : 0;
	ci.local_protocol_name = live_protocols[0].name;
	ci.retry_and_idle_policy = &ls->retry;
	ci.userdata = ls;
	ci.pwsi = &ls->wsi;
	if (lws_client_connect_via_info(&ci) == NULL)
	{
		if (ls->error[0] == '\0')
			strlcpy(ls->error, "the connection could not be started", sizeof(ls->error));
		ls->closed = true;
		ls->wsi = NULL;
		return false;
	}
	return true;
}

/*
 * live_socket_send
 *		Queue a text message; it is written when the socket can take it.
 */
void
live_socket_send(LiveSocket *ls, const char *text)
{
	size_t		len = strlen(text);
	LiveOut    *o = MemoryContextAlloc(ls->cxt, offsetof(LiveOut, buf) + LWS_PRE + len);

	o->next = NULL;
	o->len = len;
	memcpy(o->buf + LWS_PRE, text, len);
	if (ls->out_tail)
		ls->out_tail->next = o;
	else
		ls->out_head = o;
	ls->out_tail = o;
	if (ls->wsi && ls->established)
		lws_callback_on_writable(ls->wsi);
}

/*
 * live_socket_service
 *		Let libwebsockets do what is due (read, write, ping, time out) for at
 *		most about 50 ms; true while the connection is open.
 */
bool
live_socket_service(LiveSocket *ls, int timeout_ms)
{
	lws_service(ls->ctx, timeout_ms);
	return !ls->closed;
}

/*
 * live_socket_alive
 *		The worker was busy (a long flush): that is no silence of the peer,
 *		so the idle timer starts again.
 */
void
live_socket_alive(LiveSocket *ls)
{
	if (ls->wsi != NULL && !ls->closed)
		lws_validity_confirmed(ls->wsi);
}

/*
 * live_socket_established
 *		Whether the WebSocket handshake succeeded and the connection is open.
 */
bool
live_socket_established(LiveSocket *ls)
{
	return ls->established && !ls->closed;
}

/*
 * live_socket_error
 *		Why the connection ended, or could not start.
 */
const char *
live_socket_error(LiveSocket *ls)
{
	return ls->error[0] ? ls->error : "the connection was closed";
}

/*
 * live_socket_pause
 *		Stop or resume reading the socket.
 */
void
live_socket_pause(LiveSocket *ls, bool pause)
{
	if (ls->wsi == NULL || ls->closed || ls->paused == pause)
		return;
	ls->paused = pause;
	lws_rx_flow_control(ls->wsi, pause ? 0 : 1);
}

/*
 * live_socket_wake
 *		Make a service call return now (safe in a signal handler).
 */
void
live_socket_wake(LiveSocket *ls)
{
	if (ls && ls->ctx)
		lws_cancel_service(ls->ctx);
}

/*
 * live_socket_take
 *		The oldest message received into msg (reset first); false when none
 *		is waiting.  An oversized message comes out empty with *oversized.
 *		Reading resumes once the queue is down to half its bound.
 */
bool
live_socket_take(LiveSocket *ls, StringInfo msg, bool *oversized)
{
	LiveMsg    *m = ls->head;

	if (m == NULL)
		return false;
	ls->head = m->next;
	if (ls->head == NULL)
		ls->tail = NULL;
	resetStringInfo(msg);
	*oversized = m->oversized;
	if (!m->oversized)
	{
		appendBinaryStringInfo(msg, m->data, m->len);
		ls->queued -= m->len;
	}
	pfree(m);
	SpinLockAcquire(&live_shared->mutex);
	live_shared->queue_bytes = ls->queued;
	SpinLockRelease(&live_shared->mutex);
	if (ls->paused && ls->queued <= live_max_queue_bytes / 2)
		live_socket_pause(ls, false);
	return true;
}

/*
 * live_socket_close
 *		Drop the connection (the context stays for the next one).
 */
void
live_socket_close(LiveSocket *ls)
{
	if (ls->wsi != NULL && !ls->closed)
	{
		struct lws *wsi = ls->wsi;

		ls->closed = true;
		lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
		/* let the library reap it */
		for (int i = 0; i < 4 && ls->wsi != NULL; i++)
			lws_service(ls->ctx, 0);
	}
	ls->wsi = NULL;
}

/*
 * live_socket_destroy
 *		Close and free everything.
 */
void
live_socket_destroy(LiveSocket *ls)
{
	live_socket_close(ls);
	lws_context_destroy(ls->ctx);
	ls->ctx = NULL;
	MemoryContextDelete(ls->cxt);
	pfree(ls);
}

/*
 * enqueue
 *		The message just completed goes on the queue; reading stops when the
 *		queue is full.
 */
static void
enqueue(LiveSocket *ls)
{
	size_t		len = ls->part_oversized ? 0 : ls->part_len;
	LiveMsg    *m = MemoryContextAllocExtended(ls->cxt, offsetof(LiveMsg, data) + len + 1,
											   MCXT_ALLOC_NO_OOM);

	if (m == NULL)
		return;					/* out of memory: lost, like an oversized one */
	m->next = NULL;
	m->oversized = ls->part_oversized;
	m->len = ls->part_oversized ? ls->part_len : len;
	if (!m->oversized)
	{
		memcpy(m->data, ls->part, len);
		m->data[len] = '\0';
		ls->queued += len;
	}
	if (ls->tail)
		ls->tail->next = m;
	else
		ls->head = m;
	ls->tail = m;
	ls->part_len = 0;
	ls->part_oversized = false;
	SpinLockAcquire(&live_shared->mutex);
	live_shared->queue_bytes = ls->queued;
	live_shared->max_queue_bytes = Max(live_shared->max_queue_bytes, ls->queued);
	SpinLockRelease(&live_shared->mutex);
	if (ls->queued >= live_max_queue_bytes)
		live_socket_pause(ls, true);
}

/*
 * append_part
 *		A piece of the message being received: kept while the message stays
 *		under tape.live_max_message_bytes, else only counted.
 */
static void
append_part(LiveSocket *ls, const char *in, size_t len)
{
	if (!ls->part_oversized && ls->part_len + len > (size_t) live_max_message_bytes)
	{
		ls->part_oversized = true;
		if (ls->part)
			pfree(ls->part);
		ls->part = NULL;
		ls->part_cap = 0;
	}
	if (!ls->part_oversized)
	{
		if (ls->part_len + len > ls->part_cap)
		{
			size_t		cap = Max(ls->part_cap * 2, Max(8192, ls->part_len + len));
			char	   *p = MemoryContextAllocExtended(ls->cxt, cap, MCXT_ALLOC_NO_OOM);

			if (p == NULL)
			{
				ls->part_oversized = true;
				ls->part_len += len;
				return;
			}
			if (ls->part)
			{
				memcpy(p, ls->part, ls->part_len);
				pfree(ls->part);
			}
			ls->part = p;
			ls->part_cap = cap;
		}
		memcpy(ls->part + ls->part_len, in, len);
	}
	ls->part_len += len;
}

/*
 * live_ws_callback
 *		libwebsockets' events of the connection: copy, queue, write, record.
 */
static int
live_ws_callback(struct lws *wsi, enum lws_callback_reasons reason,
				 void *user, void *in, size_t len)
{
	LiveSocket *ls = (LiveSocket *) lws_context_user(lws_get_context(wsi));
	int			n;

	if (ls == NULL)
		return 0;
	switch (reason)
	{
		case LWS_CALLBACK_CLIENT_ESTABLISHED:
			ls->established = true;
			if (ls->out_head)
				lws_callback_on_writable(wsi);
			break;

		case LWS_CALLBACK_CLIENT_RECEIVE:
			/* data is a sign of life as good as a pong */
			lws_validity_confirmed(wsi);
			append_part(ls, in, len);
			if (lws_is_final_fragment(wsi))
				enqueue(ls);
			break;

		case LWS_CALLBACK_CLIENT_WRITEABLE:
			if (ls->out_head)
			{
				LiveOut    *o = ls->out_head;
				size_t		len = o->len;

				ls->out_head = o->next;
				if (ls->out_head == NULL)
					ls->out_tail = NULL;
				n = lws_write(wsi, o->buf + LWS_PRE, len, LWS_WRITE_TEXT);
				/* the auth message held the key: no copy stays behind */
				memset(o->buf, 0, LWS_PRE + len);
				pfree(o);
				if (n < (int) len)
				{
					strlcpy(ls->error, "could not write to the socket", sizeof(ls->error));
					return -1;
				}
				if (ls->out_head)
					lws_callback_on_writable(wsi);
			}
			break;

		case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
			snprintf(ls->error, sizeof(ls->error), "could not connect: %s",
					 in ? (const char *) in : "unknown error");
			ls->closed = true;
			ls->wsi = NULL;
			break;

		case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
			if (len >= 2)
			{
				const unsigned char *p = in;

				snprintf(ls->error, sizeof(ls->error), "the feed closed the connection (code %d)",
						 (p[0] << 8) | p[1]);
			}
			else
				strlcpy(ls->error, "the feed closed the connection", sizeof(ls->error));
			break;

		case LWS_CALLBACK_CLIENT_CLOSED:
		case LWS_CALLBACK_CLOSED:
			if (ls->error[0] == '\0')
				strlcpy(ls->error, "the connection was lost", sizeof(ls->error));
			ls->closed = true;
			ls->wsi = NULL;
			break;

		case LWS_CALLBACK_WSI_DESTROY:
			if (ls->wsi == wsi)
				ls->wsi = NULL;
			break;

		default:
			break;
	}
	return 0;
}
