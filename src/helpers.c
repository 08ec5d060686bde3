/*-------------------------------------------------------------------------
 *
 * helpers.c
 *		Helpers of a run on the work queue: dynamic background workers that
 *		join the run of the session that started them, so that one CALL
 *		uses every core.
 *
 * A run of the work queue (tape.detect_all, the event steps, the
 * refreshes) is shared by every session that works on it: a unit is
 * claimed with FOR UPDATE SKIP LOCKED, so two sessions never take the same
 * one.  The leader of a run starts helpers once a step's units are planned:
 * background workers in its database, as its role (the session user it
 * logged in as, the role it SET, the user its procedure runs as), with its
 * settings (search_path, TimeZone, DateStyle, work_mem, tape.* ...: every
 * setting parallel query hands to its workers), each running the worker
 * loop of the run (tape.work_queue_run) until no unit is left, as a joined
 * session would.  Then the leader waits for them before it plans the next
 * step or closes the run.
 *
 * What a helper says goes to the leader: its NOTICEs and WARNINGs are
 * relayed to the leader's client, its error becomes the leader's error
 * (with a context line naming the helper), through a shm_mq per helper as
 * in parallel query.  The leader reads them between its own units and
 * while it waits.  An error or a cancel of the leader's transaction, or
 * the end of its session, terminates the helpers: their unit in flight
 * rolls back and is done by the next run.  A helper killed with SIGKILL
 * takes the server through crash recovery, as any backend does; its unit
 * rolls back with it.
 *
 * Counting: a helper publishes the rows it stored and the requests it made
 * in its slot of the shared segment after each unit, so the leader's one
 * row of tape.progress counts the whole run; a helper reports no progress
 * of its own.  The days the detectors could not judge for lack of history
 * (tape.detector_history_gaps) are handed over when the helper ends.
 *
 * Helpers take background worker slots (max_worker_processes); with none
 * free the leader goes on alone, with a NOTICE that says so.  Their number
 * is bounded by tape.max_workers_per_run (by default the machine's cores
 * less one, the leader being the other).
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/helpers.c
 *
 *-------------------------------------------------------------------------
 */
#include "tape.h"
#include "progress.h"
#include "analytics/history_gaps.h"

#include <unistd.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "libpq/pqmq.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "parser/analyze.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/snapmgr.h"

/* the most helpers of one run (the setting's upper bound) */
#define HELPERS_MAX 64

/* bytes of each helper's message queue */
#define HELPER_QUEUE_SIZE 16384

/* the longest command name a run has (tape.compute_event_features) */
#define HELPER_COMMAND_LEN 64

/* What a helper publishes, in its slot of the shared segment */
typedef struct HelperSlot
{
	pg_atomic_uint64 rows;		/* rows its units stored so far */
	pg_atomic_uint64 requests;	/* API requests it made so far */
	bool		gaps_set;		/* gaps below are final */
	int64		gaps[HG_NDETECTORS][3]; /* tape.detector_history_gaps */
} HelperSlot;

/* The shared segment of a run's helpers: who they are, then a slot each */
typedef struct HelperShared
{
	Oid			database_id;
	Oid			authenticated_user_id;	/* the role the leader logged in as */
	Oid			outer_user_id;	/* the role it SET */
	Oid			current_user_id;	/* the user its procedure runs as */
	int			sec_context;
	bool		is_superuser;	/* of the session user */
	pid_t		leader_pid;
	int64		run_id;
	int			nhelpers;
	char		command[HELPER_COMMAND_LEN];
	Size		guc_offset;		/* the leader's settings (SerializeGUCState) */
	Size		queue_offset;	/* the first helper's shm_mq */
	HelperSlot	slots[FLEXIBLE_ARRAY_MEMBER];
} HelperShared;

/* The leader's view of its helpers (session lifetime, across commits) */
typedef struct RunHelpers
{
	dsm_segment *seg;
	HelperShared *shared;
	int			nhelpers;
	BackgroundWorkerHandle *handle[HELPERS_MAX];
	shm_mq_handle *queue[HELPERS_MAX];
	bool		finished[HELPERS_MAX];	/* its queue is detached: it ended */
} RunHelpers;

/* GUC tape.max_workers_per_run */
int			tape_max_workers_per_run = 1;

/* the leader's helpers, or NULL */
static RunHelpers *helpers = NULL;

/* the rows and requests of this session's helpers that have ended, for run_helpers_end */
static int64 ended_rows = 0;
static int64 ended_requests = 0;

/* in a helper: its slot */
static HelperSlot *my_helper_slot = NULL;

static bool callbacks_registered = false;

PGDLLEXPORT void tape_run_helper_main(Datum main_arg);

PG_FUNCTION_INFO_V1(tape_run_helpers_start);
PG_FUNCTION_INFO_V1(tape_run_helpers_wait);
PG_FUNCTION_INFO_V1(tape_run_helpers_end);
PG_FUNCTION_INFO_V1(tape_run_share);
PG_FUNCTION_INFO_V1(tape_run_helper_done);
PG_FUNCTION_INFO_V1(tape_run_is_helper);

/* the shm_mq of helper i */
static shm_mq *
helper_queue(HelperShared *shared, int i)
{
	return (shm_mq *) ((char *) shared + shared->queue_offset + (Size) i * HELPER_QUEUE_SIZE);
}

/*
 * terminate_helpers
 *		Stop the helpers still running and forget them: the leader's
 *		transaction aborted (an error, a cancel) or its session ends.
 */
static void
terminate_helpers(void)
{
	RunHelpers *h = helpers;

	if (h == NULL)
		return;
	helpers = NULL;
	for (int i = 0; i < h->nhelpers; i++)
	{
		if (!h->finished[i] && h->handle[i] != NULL)
			TerminateBackgroundWorker(h->handle[i]);
	}
	dsm_detach(h->seg);
	for (int i = 0; i < h->nhelpers; i++)
	{
		if (h->handle[i] != NULL)
			pfree(h->handle[i]);
	}
	pfree(h);
}

static void
helpers_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
	{
		terminate_helpers();
		/* the run is over: what its helpers counted with it */
		ended_rows = 0;
		ended_requests = 0;
	}
}

static void
helpers_exit_callback(int code, Datum arg)
{
	terminate_helpers();
}

/*
 * relay_message
 *		A message of helper i: a NOTICE or WARNING is said in this session, an
 *		error becomes this session's error (which terminates the others).
 */
static void
relay_message(int i, StringInfo msg)
{
	char		msgtype = pq_getmsgbyte(msg);

	if (msgtype == 'E' || msgtype == 'N')
	{
		ErrorData	edata;
		ErrorContextCallback *save = error_context_stack;

		pq_parse_errornotice(msg, &edata);
		/* a helper's FATAL (it was terminated) ends the CALL, not this session */
		if (edata.elevel > ERROR)
			edata.elevel = ERROR;
		if (edata.elevel >= ERROR)
			helpers->finished[i] = true;
		edata.context = edata.context
			? psprintf("%s\ntape run helper %d of %s", edata.context, i + 1, helpers->shared->command)
			: psprintf("tape run helper %d of %s", i + 1, helpers->shared->command);
		error_context_stack = NULL;
		ThrowErrorData(&edata);
		error_context_stack = save;
	}
	/* other messages (a helper sends no rows) are ignored */
}

/*
 * poll_helpers
 *		Read what the helpers sent without waiting; true once every one
 *		has ended.
 */
static bool
poll_helpers(void)
{
	bool		all_done = true;

	for (int i = 0; i < helpers->nhelpers; i++)
	{
		while (!helpers->finished[i])
		{
			Size		nbytes;
			void	   *data;
			shm_mq_result res = shm_mq_receive(helpers->queue[i], &nbytes, &data, true);

			if (res == SHM_MQ_WOULD_BLOCK)
				break;
			if (res == SHM_MQ_DETACHED)
			{
				helpers->finished[i] = true;
				break;
			}
			{
				StringInfoData msg;

				initStringInfo(&msg);
				appendBinaryStringInfo(&msg, data, nbytes);
				relay_message(i, &msg);
				pfree(msg.data);
			}
			CHECK_FOR_INTERRUPTS();
		}
		if (!helpers->finished[i])
			all_done = false;
	}
	return all_done;
}

/* the rows and requests the helpers published so far */
static void
helpers_counts(int64 *rows, int64 *requests)
{
	*rows = 0;
	*requests = 0;
	if (helpers == NULL)
		return;
	for (int i = 0; i < helpers->nhelpers; i++)
	{
		*rows += (int64) pg_atomic_read_u64(&helpers->shared->slots[i].rows);
		*requests += (int64) pg_atomic_read_u64(&helpers->shared->slots[i].requests);
	}
}

/*
 * tape_run_helpers_start
 *		tape_internal.run_helpers_start(run_id, command, wanted): start up to
 *		wanted helpers on a run this session leads; returns how many
 *		started.  With no background worker slot free, a NOTICE says the run
 *		goes on in this session alone.
 */
Datum
tape_run_helpers_start(PG_FUNCTION_ARGS)
{
	int64		run_id = PG_GETARG_INT64(0);
	char	   *command = text_to_cstring(PG_GETARG_TEXT_PP(1));
	int			wanted = Min(PG_GETARG_INT32(2), HELPERS_MAX);
	MemoryContext old;
	Size		guc_size;
	Size		header;
	Size		size;
	dsm_segment *seg;
	HelperShared *shared;
	RunHelpers *h;
	int			started = 0;

	if (helpers != NULL)
		elog(ERROR, "the helpers of the previous step are still running");
	if (wanted <= 0)
		PG_RETURN_INT32(0);
	if (!callbacks_registered)
	{
		RegisterXactCallback(helpers_xact_callback, NULL);
		before_shmem_exit(helpers_exit_callback, (Datum) 0);
		callbacks_registered = true;
	}

	/* the segment: who the helpers are, their slots, the settings, the queues */
	guc_size = EstimateGUCStateSpace();
	header = MAXALIGN(add_size(offsetof(HelperShared, slots), mul_size(wanted, sizeof(HelperSlot))));
	size = add_size(add_size(header, MAXALIGN(guc_size)), mul_size(wanted, HELPER_QUEUE_SIZE));

	old = MemoryContextSwitchTo(TopMemoryContext);
	seg = dsm_create(size, 0);
	dsm_pin_mapping(seg);
	shared = dsm_segment_address(seg);
	memset(shared, 0, header);
	shared->database_id = MyDatabaseId;
	shared->authenticated_user_id = GetAuthenticatedUserId();
	shared->outer_user_id = GetCurrentRoleId();
	shared->is_superuser = session_auth_is_superuser;
	GetUserIdAndSecContext(&shared->current_user_id, &shared->sec_context);
	shared->leader_pid = MyProcPid;
	shared->run_id = run_id;
	shared->nhelpers = wanted;
	strlcpy(shared->command, command, sizeof(shared->command));
	shared->guc_offset = header;
	shared->queue_offset = header + MAXALIGN(guc_size);
	SerializeGUCState(guc_size, (char *) shared + shared->guc_offset);

	h = palloc0(sizeof(RunHelpers));
	h->seg = seg;
	h->shared = shared;
	for (int i = 0; i < wanted; i++)
	{
		BackgroundWorker worker;
		shm_mq	   *mq;

		pg_atomic_init_u64(&shared->slots[i].rows, 0);
		pg_atomic_init_u64(&shared->slots[i].requests, 0);
		mq = shm_mq_create(helper_queue(shared, i), HELPER_QUEUE_SIZE);
		shm_mq_set_receiver(mq, MyProc);

		memset(&worker, 0, sizeof(worker));
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
		worker.bgw_start_time = BgWorkerStart_ConsistentState;
		worker.bgw_restart_time = BGW_NEVER_RESTART;
		strlcpy(worker.bgw_library_name, "tape", BGW_MAXLEN);
		strlcpy(worker.bgw_function_name, "tape_run_helper_main", BGW_MAXLEN);
		snprintf(worker.bgw_name, BGW_MAXLEN, "tape run helper %d of %s (pid %d)", i + 1, command, MyProcPid);
		strlcpy(worker.bgw_type, "tape run helper", BGW_MAXLEN);
		worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
		memcpy(worker.bgw_extra, &i, sizeof(int));
		worker.bgw_notify_pid = MyProcPid;
		if (!RegisterDynamicBackgroundWorker(&worker, &h->handle[i]))
			break;
		h->queue[i] = shm_mq_attach(mq, seg, h->handle[i]);
		started++;
	}
	h->nhelpers = started;
	MemoryContextSwitchTo(old);

	if (started == 0)
	{
		dsm_detach(seg);
		pfree(h);
		ereport(NOTICE,
				(errmsg("%s goes on in this session alone: no background worker slot is free", command),
				 errdetail("It asked for %d helper%s; the server's max_worker_processes (%d) are all in use.",
						   wanted, wanted == 1 ? "" : "s", max_worker_processes),
				 errhint("Raise max_worker_processes (a restart), or set tape.max_workers_per_run to 0 to run alone without this notice.")));
		PG_RETURN_INT32(0);
	}
	shared->nhelpers = started;
	helpers = h;
	PG_RETURN_INT32(started);
}

/*
 * tape_run_helpers_wait
 *		tape_internal.run_helpers_wait(): wait until every helper of this
 *		session has ended, saying what they said; their rows and requests
 *		are kept for tape_internal.run_helpers_end(), the days they could not
 *		judge are added to this session's tape.detector_history_gaps.
 *		Nothing to wait for: nothing done.
 */
Datum
tape_run_helpers_wait(PG_FUNCTION_ARGS)
{
	RunHelpers *h;
	int64		rows;
	int64		requests;

	if (helpers == NULL)
		PG_RETURN_VOID();
	while (!poll_helpers())
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1000,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	/* every helper has detached: their slots are final */
	helpers_counts(&rows, &requests);
	ended_rows += rows;
	ended_requests += requests;
	h = helpers;
	for (int i = 0; i < h->nhelpers; i++)
	{
		HelperSlot *slot = &h->shared->slots[i];

		if (!slot->gaps_set)
			continue;
		for (int d = 0; d < HG_NDETECTORS; d++)
			history_gaps_add((HistoryDetector) d, slot->gaps[d][0], slot->gaps[d][1], slot->gaps[d][2]);
	}
	/* they all ended: nothing to terminate, only to forget */
	terminate_helpers();
	PG_RETURN_VOID();
}

/*
 * tape_run_helpers_end
 *		tape_internal.run_helpers_end(OUT rows, OUT requests): what the
 *		helpers of this session stored and asked for since the last call,
 *		once every one has ended.
 */
Datum
tape_run_helpers_end(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (helpers != NULL)
		elog(ERROR, "the helpers of this session have not ended");
	values[0] = Int64GetDatum(ended_rows);
	values[1] = Int64GetDatum(ended_requests);
	ended_rows = 0;
	ended_requests = 0;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * tape_run_share
 *		tape_internal.run_share(rows, requests, OUT rows, OUT requests): a
 *		session's counts of a run, for its progress.  In a helper, they are
 *		published for the leader and returned as they are; in a leader with
 *		helpers, what the helpers said so far is relayed and their counts
 *		are added; elsewhere they are returned as they are.
 */
Datum
tape_run_share(PG_FUNCTION_ARGS)
{
	int64		rows = PG_GETARG_INT64(0);
	int64		requests = PG_GETARG_INT64(1);
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (my_helper_slot != NULL)
	{
		pg_atomic_write_u64(&my_helper_slot->rows, (uint64) rows);
		pg_atomic_write_u64(&my_helper_slot->requests, (uint64) requests);
	}
	else
	{
		int64		helper_rows = 0;
		int64		helper_requests = 0;

		if (helpers != NULL)
		{
			(void) poll_helpers();
			helpers_counts(&helper_rows, &helper_requests);
		}
		rows += helper_rows + ended_rows;
		requests += helper_requests + ended_requests;
	}
	values[0] = Int64GetDatum(rows);
	values[1] = Int64GetDatum(requests);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * tape_run_helper_done
 *		tape_internal.run_helper_done(): in a helper whose part of the run is
 *		over, hand the days its detectors could not judge to the leader.
 */
Datum
tape_run_helper_done(PG_FUNCTION_ARGS)
{
	if (my_helper_slot != NULL)
	{
		history_gaps_take(my_helper_slot->gaps);
		my_helper_slot->gaps_set = true;
	}
	PG_RETURN_VOID();
}

/*
 * tape_run_is_helper
 *		tape_internal.run_is_helper(): whether this session is a helper of a
 *		run.
 */
Datum
tape_run_is_helper(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(my_helper_slot != NULL);
}

/*
 * run_toplevel
 *		Run one statement as a client's simple query would: at the top
 *		level, so that a procedure it calls may commit.
 */
static void
run_toplevel(const char *sql)
{
	MemoryContext cxt = AllocSetContextCreate(TopMemoryContext, "tape run helper statement",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old;
	List	   *parsetrees;
	ListCell   *lc;

	StartTransactionCommand();
	/* the procedure's commits free the transaction's memory: parse and plan outside it */
	old = MemoryContextSwitchTo(cxt);
	parsetrees = pg_parse_query(sql);
	foreach(lc, parsetrees)
	{
		RawStmt    *parsetree = lfirst_node(RawStmt, lc);
		List	   *querytrees;
		List	   *plantrees;
		Portal		portal;
		DestReceiver *receiver;
		bool		snapshot_set = false;

		if (analyze_requires_snapshot(parsetree))
		{
			PushActiveSnapshot(GetTransactionSnapshot());
			snapshot_set = true;
		}
		querytrees = pg_analyze_and_rewrite_fixedparams(parsetree, sql, NULL, 0, NULL);
		plantrees = pg_plan_queries(querytrees, sql, CURSOR_OPT_PARALLEL_OK, NULL);
		if (snapshot_set)
			PopActiveSnapshot();
		portal = CreatePortal("", true, true);
		portal->visible = false;
		PortalDefineQuery(portal, NULL, sql, CreateCommandTag(parsetree->stmt), plantrees, NULL);
		PortalStart(portal, NULL, 0, InvalidSnapshot);
		receiver = CreateDestReceiver(DestNone);
		(void) PortalRun(portal, FETCH_ALL, true, true, receiver, receiver, NULL);
		receiver->rDestroy(receiver);
		PortalDrop(portal, false);
	}
	CommitTransactionCommand();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

/*
 * tape_run_helper_main
 *		The main function of a helper: attach to the leader's segment, send
 *		every message to it, connect as the leader did, take its role and
 *		settings, and work on the run until no unit is left.
 */
void
tape_run_helper_main(Datum main_arg)
{
	dsm_segment *seg;
	HelperShared *shared;
	shm_mq	   *mq;
	shm_mq_handle *mqh;
	int			index;
	char		sql[256];

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	memcpy(&index, MyBgworkerEntry->bgw_extra, sizeof(int));

	MemoryContextSwitchTo(TopMemoryContext);
	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
	{
		/* the leader is gone already: nothing to help */
		proc_exit(0);
	}
	dsm_pin_mapping(seg);
	shared = dsm_segment_address(seg);
	mq = helper_queue(shared, index);
	shm_mq_set_sender(mq, MyProc);
	mqh = shm_mq_attach(mq, seg, NULL);
	pq_redirect_to_shm_mq(seg, mqh);

	BackgroundWorkerInitializeConnectionByOid(shared->database_id, shared->authenticated_user_id, 0);
	/* the leader reads messages in the database's encoding */
	SetClientEncoding(GetDatabaseEncoding());

	StartTransactionCommand();
	RestoreGUCState((char *) shared + shared->guc_offset);
	CommitTransactionCommand();
	SetClientEncoding(GetDatabaseEncoding());
	SetCurrentRoleId(shared->outer_user_id, shared->is_superuser);
	SetUserIdAndSecContext(shared->current_user_id, shared->sec_context);

	my_helper_slot = &shared->slots[index];
	progress_silence();
	pgstat_report_appname("tape run helper");

	snprintf(sql, sizeof(sql), "CALL tape_internal.run_helper(" INT64_FORMAT ", %s)",
			 shared->run_id, quote_literal_cstr(shared->command));
	pgstat_report_activity(STATE_RUNNING, sql);
	run_toplevel(sql);
	pgstat_report_activity(STATE_IDLE, NULL);

	proc_exit(0);
}
