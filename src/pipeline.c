/*-------------------------------------------------------------------------
 *
 * pipeline.c
 *		What the pipeline's procedures need from C: to know that they may
 *		commit, and a lock that says "this refresh is running" for as long
 *		as the procedure runs, across its commits.
 *
 * The refresh procedures commit after each unit of work, so they must be
 * called on their own (CALL outside a transaction block, not from a
 * function).  PostgreSQL tells a procedure whether it may: the CallContext
 * of its call is atomic when it may not.  tape.require_transaction_control()
 * turns that into a clear error before any work is done, instead of
 * "invalid transaction termination" at the first COMMIT.
 *
 * A refresh takes an advisory lock named after it: a second start of the
 * same refresh finds it taken and ends with a NOTICE instead of running
 * twice.  A transaction-level lock would be released by the procedure's
 * first COMMIT, so it is a session-level lock; and so that a cancelled or
 * failed refresh does not leave its session holding it, the abort of the
 * transaction releases it.  A normal end releases it explicitly.
 *
 * The lock says "a run is in progress", so only tape's runs may take it:
 * were it one that pg_advisory_lock() can take, any connected role could
 * hold it and make every refresh end at once (or a joining one wait
 * forever).  pg_locks shows it as locktype advisory, classid
 * TAPE_LOCK_CLASS, objid hashtext(name) and objsubid TAPE_LOCK_SPACE, a
 * fourth key that pg_advisory_lock() never uses (it uses 1 for one bigint
 * key, 2 for two integer keys), so no SQL call can take it or wait for it;
 * and the functions that take it are not executable by PUBLIC.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/pipeline.c
 *
 *-------------------------------------------------------------------------
 */
#include "tape.h"

#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

/* the first key of tape's advisory locks: 'tape' read as an integer */
#define TAPE_LOCK_CLASS 0x74617065

/* their fourth key: none of pg_advisory_lock()'s (1 and 2) */
#define TAPE_LOCK_SPACE 3

/* the refresh locks this session holds, released if its transaction aborts */
typedef struct HeldLock
{
	struct HeldLock *next;
	LOCKTAG		tag;
} HeldLock;

static HeldLock *held_locks = NULL;
static bool callback_registered = false;

PG_FUNCTION_INFO_V1(tape_require_transaction_control);
PG_FUNCTION_INFO_V1(tape_try_refresh_lock);
PG_FUNCTION_INFO_V1(tape_refresh_unlock);
PG_FUNCTION_INFO_V1(tape_run_xact_lock);

/*
 * tape_require_transaction_control
 *		CALL tape.require_transaction_control(command): an error unless the
 *		calling procedure may commit.
 *
 * A procedure cannot be STRICT: a NULL command is an error of its own.
 */
Datum
tape_require_transaction_control(PG_FUNCTION_ARGS)
{
	char	   *command;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the command of tape.require_transaction_control must not be null")));
	command = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (fcinfo->context == NULL || !IsA(fcinfo->context, CallContext) ||
		((CallContext *) fcinfo->context)->atomic)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s cannot run inside a transaction block", command),
				 errdetail("It commits after each unit of work, so that an interruption loses only the units in flight."),
				 errhint("Call it on its own: CALL %s(...) outside BEGIN ... COMMIT, and not from a function.",
						 command)));
	PG_RETURN_VOID();
}

/* the lock tag of a refresh, or of another lock of tape's, by its name */
static void
refresh_lock_tag(LOCKTAG *tag, text *name)
{
	int32		key = DatumGetInt32(DirectFunctionCall1Coll(hashtext, DEFAULT_COLLATION_OID,
													PointerGetDatum(name)));

	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, TAPE_LOCK_CLASS, (uint32) key, TAPE_LOCK_SPACE);
}

/* forget a held lock; true if it was held */
static bool
forget_lock(const LOCKTAG *tag)
{
	for (HeldLock **p = &held_locks; *p != NULL; p = &(*p)->next)
	{
		if (memcmp(&(*p)->tag, tag, sizeof(LOCKTAG)) == 0)
		{
			HeldLock   *gone = *p;

			*p = gone->next;
			pfree(gone);
			return true;
		}
	}
	return false;
}

/*
 * release_on_abort
 *		The transaction of a refresh aborted (an error, a cancel): the
 *		refresh is over, release its locks.
 */
static void
release_on_abort(XactEvent event, void *arg)
{
	if (event != XACT_EVENT_ABORT && event != XACT_EVENT_PARALLEL_ABORT)
		return;
	while (held_locks != NULL)
	{
		HeldLock   *gone = held_locks;

		held_locks = gone->next;
		LockRelease(&gone->tag, ExclusiveLock, true);
		pfree(gone);
	}
}

/*
 * tape_try_refresh_lock
 *		tape.try_refresh_lock(name): take the lock of a refresh without
 *		waiting; false if another session holds it.  Held until
 *		tape.refresh_unlock(name) or the abort of a transaction of this
 *		session.
 */
Datum
tape_try_refresh_lock(PG_FUNCTION_ARGS)
{
	LOCKTAG		tag;
	HeldLock   *held;

	refresh_lock_tag(&tag, PG_GETARG_TEXT_PP(0));
	if (LockAcquire(&tag, ExclusiveLock, true, true) == LOCKACQUIRE_NOT_AVAIL)
		PG_RETURN_BOOL(false);
	if (forget_lock(&tag))
	{
		/* held already: keep one hold, not two */
		LockRelease(&tag, ExclusiveLock, true);
	}
	if (!callback_registered)
	{
		RegisterXactCallback(release_on_abort, NULL);
		callback_registered = true;
	}
	held = MemoryContextAlloc(TopMemoryContext, sizeof(HeldLock));
	held->tag = tag;
	held->next = held_locks;
	held_locks = held;
	PG_RETURN_BOOL(true);
}

/*
 * tape_refresh_unlock
 *		tape.refresh_unlock(name): the refresh is over.
 */
Datum
tape_refresh_unlock(PG_FUNCTION_ARGS)
{
	LOCKTAG		tag;

	refresh_lock_tag(&tag, PG_GETARG_TEXT_PP(0));
	if (forget_lock(&tag))
		LockRelease(&tag, ExclusiveLock, true);
	PG_RETURN_VOID();
}

/*
 * tape_run_xact_lock
 *		tape.run_xact_lock(name): wait for and take a lock of tape's own
 *		(the tag of the refresh locks) until the end of the transaction, for
 *		work that sessions sharing a run must do one at a time.
 */
Datum
tape_run_xact_lock(PG_FUNCTION_ARGS)
{
	LOCKTAG		tag;

	refresh_lock_tag(&tag, PG_GETARG_TEXT_PP(0));
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
	PG_RETURN_VOID();
}
