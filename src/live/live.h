/*-------------------------------------------------------------------------
 *
 * live.h
 *		The live feed: a background worker on the feed's WebSocket.
 *
 * worker.c owns the worker, its shared-memory state and the SQL controls;
 * websocket.c the connection (libwebsockets); message.c the decoding of the
 * feed's JSON arrays of events; feed.c what becomes of them: bars, trades
 * and quotes into the store, each closed bar into the intraday detectors of
 * its ticker, events out.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/live/live.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TAPE_LIVE_H
#define TAPE_LIVE_H

#include "tape.h"

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "storage/spin.h"
#include "utils/date.h"
#include "utils/jsonb.h"

#define LIVE_TEXT_LEN	1024	/* channels, subscriptions */
#define LIVE_ERROR_LEN	512

typedef enum LiveState
{
	LIVE_STOPPED,				/* no worker */
	LIVE_STARTING,				/* registered, not yet connected */
	LIVE_CONNECTING,			/* TCP, TLS, WebSocket handshake */
	LIVE_AUTHENTICATING,		/* auth sent, waiting for auth_success */
	LIVE_SUBSCRIBING,			/* subscribe sent */
	LIVE_STREAMING,				/* data flows */
	LIVE_FILLING_GAP,			/* fetching missed minutes from REST */
	LIVE_BACKING_OFF,			/* disconnected, waiting to reconnect */
	LIVE_FAILED					/* stopped for good: the key or the plan */
} LiveState;

/* the state the worker shares with tape.live_status and tape.live_stop */
typedef struct LiveShared
{
	slock_t		mutex;			/* protects everything below */
	pid_t		pid;			/* the worker, 0 when none runs */
	LiveState	state;
	Oid			dboid;			/* where it runs, as whom */
	Oid			roleoid;
	char		server[NAMEDATALEN];
	char		channels[LIVE_TEXT_LEN];	/* asked for */
	char		subscribed[LIVE_TEXT_LEN];	/* confirmed by the feed */
	TimestampTz started_at;
	TimestampTz connected_at;	/* the current connection, 0 if none */
	TimestampTz last_message_at;
	int64		lag_us;			/* arrival of the last bar - its end */
	int64		messages;		/* WebSocket messages */
	int64		bytes;
	int64		bars;
	int64		trades;
	int64		quotes;
	int64		events;
	int64		malformed;		/* messages that were not the feed's JSON */
	int64		oversized;		/* messages over tape.live_max_message_bytes */
	int64		late_bars;		/* bars older than their ticker's last */
	int64		reconnects;
	int64		gap_bars;		/* bars filled from REST */
	int			tickers;		/* tickers with a detector */
	DateADT		trading_day;	/* of the bars being judged */
	DateADT		warmed_from;	/* the detectors' history starts here */
	int64		queue_bytes;	/* received, not yet processed */
	int64		max_queue_bytes;	/* the most it held */
	int64		memory_bytes;	/* the worker's memory contexts */
	char		last_error[LIVE_ERROR_LEN];
	TimestampTz last_error_at;
} LiveShared;

/* one event of the feed, decoded (message.c) */
typedef enum LiveEventKind
{
	LEV_OTHER,					/* a kind the worker does not keep */
	LEV_STATUS,
	LEV_MINUTE_BAR,				/* AM */
	LEV_SECOND_BAR,				/* A */
	LEV_TRADE,					/* T */
	LEV_QUOTE					/* Q */
} LiveEventKind;

#define LIVE_MAX_CONDITIONS 16

typedef struct LiveEvent
{
	LiveEventKind kind;
	char		sym[32];		/* ticker */
	char		status[64];		/* status: its status */
	char		message[256];	/* status: its message */
	double		o,
				h,
				l,
				c,
				v,
				vw;				/* bars */
	int64		s,
				e;				/* bars: start and end, ms */
	double		p,
				size;			/* trades */
	int			x;				/* trades: exchange */
	char		id[48];			/* trades: id */
	double		bp,
				bs,
				ap,
				as;				/* quotes */
	int			bx,
				ax;
	int64		t;				/* trades, quotes: SIP time, ms */
	int64		q;				/* sequence number */
	int			z;				/* tape */
	int			nconditions;
	int			conditions[LIVE_MAX_CONDITIONS];
} LiveEvent;

typedef void (*LiveEventHandler) (void *arg, const LiveEvent *ev);

/* in worker.c */
extern LiveShared *live_shared;
extern int	live_max_message_bytes;
extern int	live_max_queue_bytes;
extern int	live_reconnect_min_ms;
extern int	live_reconnect_max_ms;
extern int	live_idle_timeout_s;
extern int	live_max_tickers;
extern int	live_flush_ms;
extern void live_define_gucs(void);
extern void live_shmem_request(void);
extern void live_shmem_startup(void);
extern bool live_preloaded(void);
extern void live_set_state(LiveState state);
extern void live_report_error(const char *fmt,...) pg_attribute_printf(1, 2);
extern void live_count(int64 *counter, int64 n);
extern char *live_redact(const char *text);
extern PGDLLEXPORT void tape_live_worker_main(Datum arg);

/* in websocket.c */
typedef struct LiveSocket LiveSocket;
typedef void (*LiveMessageHandler) (void *arg, const char *data, size_t len);
extern LiveSocket *live_socket_create(void);
extern bool live_socket_connect(LiveSocket *ls, const char *url);
extern void live_socket_send(LiveSocket *ls, const char *text);
extern bool live_socket_service(LiveSocket *ls, int timeout_ms);
extern void live_socket_alive(LiveSocket *ls);
extern bool live_socket_established(LiveSocket *ls);
extern void live_socket_close(LiveSocket *ls);
extern void live_socket_pause(LiveSocket *ls, bool pause);
extern void live_socket_wake(LiveSocket *ls);
extern const char *live_socket_error(LiveSocket *ls);
extern bool live_socket_take(LiveSocket *ls, StringInfo msg, bool *oversized);
extern void live_socket_destroy(LiveSocket *ls);

/* in message.c */
extern int	live_decode(const char *data, size_t len, LiveEventHandler handler, void *arg);

/* in feed.c */
typedef struct LiveFeed LiveFeed;
extern LiveFeed *live_feed_create(Jsonb *config, Oid callback, void (*flush) (void *arg),
								  void *flush_arg);
extern void live_feed_event(LiveFeed *f, const LiveEvent *ev);
extern bool live_feed_pending(LiveFeed *f, bool *urgent);
extern void live_feed_flush(LiveFeed *f);
extern void live_feed_disconnected(LiveFeed *f);
extern void live_feed_discard(LiveFeed *f);

#endif							/* TAPE_LIVE_H */
