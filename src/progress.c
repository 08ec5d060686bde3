/*-------------------------------------------------------------------------
 *
 * progress.c
 *		Progress of long operations.
 *
 * An operation (a detector sweep, later a refresh or a capture) calls
 * progress_begin(), then progress_update() as it goes, then progress_end().
 * Every tape.progress_interval seconds the backend sends a NOTICE with the
 * counts, the rate and, when the total is known or estimated, the percent
 * done and the time left.  With tape in shared_preload_libraries each
 * backend also owns a slot in shared memory that the tape.progress view
 * shows to every session; without it the NOTICEs still come.
 *
 * A slot is freed by progress_end() and, should the operation fail, by the
 * abort of the (sub)transaction it began in.  An operation lives across the
 * commits of a procedure, and the abort of a subtransaction begun inside it
 * (a unit of work that failed and was recorded) leaves it running.
 *
 * Operations do not nest: one begun while another runs (a detector called
 * by tape.detect_all) is ignored, so the outer one keeps the slot and its
 * counts.
 *
 * Procedures written in SQL report through tape.progress_begin(),
 * tape.progress_update() and tape.progress_end().
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/progress.c
 *
 *-------------------------------------------------------------------------
 */
#include "progress.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/backendid.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#define PROGRESS_TEXT 64
#define PROGRESS_MAX_NESTED 16

/* One backend's operation, as other sessions see it */
typedef struct ProgressSlot
{
	slock_t		mutex;
	int			pid;			/* 0 when free */
	Oid			userid;			/* session user, as in pg_stat_activity */
	TimestampTz started;
	TimestampTz updated;
	TimestampTz first_at;		/* when the first unit was done (0: not yet) */
	int64		first_done;		/* units done then */
	int64		done;
	double		total;			/* < 0: unknown */
	int64		items;
	int64		found;
	char		command[PROGRESS_TEXT];
	char		unit[PROGRESS_TEXT / 2];
	char		items_label[PROGRESS_TEXT / 2];
	char		found_label[PROGRESS_TEXT / 2];
	char		detail[PROGRESS_TEXT];
} ProgressSlot;

typedef struct ProgressShared
{
	int			nslots;
	ProgressSlot slots[FLEXIBLE_ARRAY_MEMBER];
} ProgressShared;

/* This backend's operation */
typedef struct ProgressLocal
{
	bool		active;
	const char *command;
	const char *unit;
	const char *items_label;
	const char *found_label;
	double		total;
	TimestampTz started;
	TimestampTz last_notice;
	TimestampTz first_at;		/* when the first unit was done (0: not yet) */
	int64		first_done;
	bool		noticed;		/* a NOTICE has been sent */
	int64		done;
	int64		items;
	int64		found;
	SubTransactionId subid;		/* the subtransaction it began in */
	int			nested;			/* operations begun inside it, ignored */
	SubTransactionId nested_subid[PROGRESS_MAX_NESTED];
	/* the labels of an operation begun from SQL */
	char		sql_command[PROGRESS_TEXT];
	char		sql_unit[PROGRESS_TEXT / 2];
	char		sql_items_label[PROGRESS_TEXT / 2];
	char		sql_found_label[PROGRESS_TEXT / 2];
	bool		from_sql;
} ProgressLocal;

int			tape_progress_interval = 10;

static ProgressShared *shared = NULL;
static ProgressLocal local;
static bool silenced = false;
static bool callbacks_registered = false;

PG_FUNCTION_INFO_V1(tape_progress);
PG_FUNCTION_INFO_V1(tape_progress_begin);
PG_FUNCTION_INFO_V1(tape_progress_update);
PG_FUNCTION_INFO_V1(tape_progress_end);

static Size
progress_shmem_size(void)
{
	return add_size(offsetof(ProgressShared, slots),
					mul_size(MaxBackends, sizeof(ProgressSlot)));
}

/*
 * progress_shmem_request
 *		Ask for a slot per backend (from shmem_request_hook).
 */
void
progress_shmem_request(void)
{
	RequestAddinShmemSpace(progress_shmem_size());
}

/*
 * progress_shmem_startup
 *		Attach to (or create) the slots (from shmem_startup_hook).
 */
void
progress_shmem_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("tape progress", progress_shmem_size(), &found);
	if (!found)
	{
		shared->nslots = MaxBackends;
		for (int i = 0; i < MaxBackends; i++)
		{
			SpinLockInit(&shared->slots[i].mutex);
			shared->slots[i].pid = 0;
		}
	}
	LWLockRelease(AddinShmemInitLock);
}

/* this backend's slot, or NULL */
static ProgressSlot *
my_slot(void)
{
	if (shared == NULL || MyBackendId == InvalidBackendId || MyBackendId > shared->nslots)
		return NULL;
	return &shared->slots[MyBackendId - 1];
}

static void
release_slot(void)
{
	ProgressSlot *slot = my_slot();

	local.active = false;
	local.nested = 0;
	if (slot == NULL)
		return;
	SpinLockAcquire(&slot->mutex);
	slot->pid = 0;
	SpinLockRelease(&slot->mutex);
}

static void
progress_xact_callback(XactEvent event, void *arg)
{
	if (local.active && (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT))
		release_slot();
}

/*
 * progress_subxact_callback
 *		A subtransaction aborts: the operation ends if it began in it (or in
 *		one that began after the operation's own); operations nested in the
 *		aborted subtransaction are forgotten.  Subtransaction ids grow within
 *		a transaction, so "began in it or later" is mySubid <= subid.
 */
static void
progress_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						  SubTransactionId parentSubid, void *arg)
{
	if (!local.active || event != SUBXACT_EVENT_ABORT_SUB)
		return;
	if (mySubid <= local.subid)
	{
		release_slot();
		return;
	}
	while (local.nested > 0 &&
		   (local.nested > PROGRESS_MAX_NESTED ||
			local.nested_subid[local.nested - 1] >= mySubid))
		local.nested--;
}

/* n with thousands separators */
static void
append_count(StringInfo buf, double n)
{
	char		digits[32];
	int			len,
				lead;

	snprintf(digits, sizeof(digits), "%.0f", fabs(n));
	len = strlen(digits);
	if (n < 0)
		appendStringInfoChar(buf, '-');
	lead = len % 3 == 0 ? 3 : len % 3;
	appendBinaryStringInfo(buf, digits, lead);
	for (int i = lead; i < len; i += 3)
	{
		appendStringInfoChar(buf, ',');
		appendBinaryStringInfo(buf, digits + i, 3);
	}
}

/* a duration as "42 s", "3 min 20 s" or "2 h 05 min" */
static void
append_duration(StringInfo buf, double seconds)
{
	long		s = (long) (seconds + 0.5);

	if (s < 60)
		appendStringInfo(buf, "%ld s", s);
	else if (s < 3600)
		appendStringInfo(buf, "%ld min %02ld s", s / 60, s % 60);
	else
		appendStringInfo(buf, "%ld h %02ld min", s / 3600, (s % 3600) / 60);
}

static double
seconds_between(TimestampTz from, TimestampTz to)
{
	return (double) (to - from) / USECS_PER_SEC;
}

/*
 * current_rate
 *		Units per second since the first unit was done: the time before it
 *		(planning, a sort, the first page) says nothing about the pace of
 *		the rest.  0 while there is not a second of it yet.
 */
static double
current_rate(TimestampTz first_at, int64 first_done, int64 done, TimestampTz now)
{
	double		span;

	if (first_at == 0)
		return 0;
	span = seconds_between(first_at, now);
	if (span < 1.0 || done <= first_done)
		return 0;
	return (done - first_done) / span;
}

/*
 * describe
 *		"1,234,567 of about 2,000,000 bars (62 %), 812 tickers, 95 events,
 *		1,104,233 bars/s, about 7 s left" from the counts; when finished,
 *		"2,000,000 bars, ..., 1,104,233 bars/s, in 2 s" with the overall rate.
 */
static void
describe(StringInfo buf, const char *unit, double total, int64 done,
		 const char *items_label, int64 items, const char *found_label, int64 found,
		 double rate, double elapsed, bool finished)
{
	if (finished)
		rate = elapsed > 0 ? done / elapsed : 0;
	append_count(buf, (double) done);
	if (total >= 0 && !finished)
	{
		appendStringInfoString(buf, " of about ");
		append_count(buf, Max(total, (double) done));
	}
	appendStringInfo(buf, " %s", unit);
	if (total > 0 && !finished)
		appendStringInfo(buf, " (%d %%)", (int) Min(99, floor(100.0 * done / total)));
	if (items_label)
	{
		appendStringInfoString(buf, ", ");
		append_count(buf, (double) items);
		appendStringInfo(buf, " %s", items_label);
	}
	if (found_label)
	{
		appendStringInfoString(buf, ", ");
		append_count(buf, (double) found);
		appendStringInfo(buf, " %s", found_label);
	}
	if (rate > 0)
	{
		appendStringInfoString(buf, ", ");
		append_count(buf, rate);
		appendStringInfo(buf, " %s/s", unit);
	}
	if (finished)
	{
		appendStringInfoString(buf, ", in ");
		append_duration(buf, elapsed);
	}
	else if (total > done && rate > 0)
	{
		appendStringInfoString(buf, ", about ");
		append_duration(buf, (total - done) / rate);
		appendStringInfoString(buf, " left");
	}
}

/*
 * progress_silence
 *		From now on this backend begins no operation: a helper of a run,
 *		whose leader's one row of tape.progress counts the whole run.
 */
void
progress_silence(void)
{
	silenced = true;
}

void
progress_begin(const char *command, const char *unit, double total,
			   const char *items_label, const char *found_label)
{
	ProgressSlot *slot = my_slot();

	if (silenced)
		return;
	if (!callbacks_registered)
	{
		RegisterXactCallback(progress_xact_callback, NULL);
		RegisterSubXactCallback(progress_subxact_callback, NULL);
		callbacks_registered = true;
	}
	if (local.active)
	{
		/* nested in the running operation: that one keeps reporting */
		if (local.nested < PROGRESS_MAX_NESTED)
			local.nested_subid[local.nested] = GetCurrentSubTransactionId();
		local.nested++;
		return;
	}
	memset(&local, 0, offsetof(ProgressLocal, sql_command));
	local.from_sql = false;
	local.active = true;
	local.subid = GetCurrentSubTransactionId();
	local.command = command;
	local.unit = unit;
	local.items_label = items_label;
	local.found_label = found_label;
	local.total = total;
	local.started = local.last_notice = GetCurrentTimestamp();

	if (slot == NULL)
		return;
	SpinLockAcquire(&slot->mutex);
	slot->pid = MyProcPid;
	slot->userid = GetSessionUserId();
	slot->started = slot->updated = local.started;
	slot->done = slot->items = slot->found = 0;
	slot->first_at = 0;
	slot->first_done = 0;
	slot->total = total;
	strlcpy(slot->command, command, sizeof(slot->command));
	strlcpy(slot->unit, unit, sizeof(slot->unit));
	strlcpy(slot->items_label, items_label ? items_label : "", sizeof(slot->items_label));
	strlcpy(slot->found_label, found_label ? found_label : "", sizeof(slot->found_label));
	slot->detail[0] = '\0';
	SpinLockRelease(&slot->mutex);
}

void
progress_update(int64 done, int64 items, int64 found, const char *detail)
{
	ProgressSlot *slot = my_slot();
	TimestampTz now;

	if (!local.active || local.nested > 0)
		return;
	local.done = done;
	local.items = items;
	local.found = found;
	now = GetCurrentTimestamp();
	if (local.first_at == 0 && done > 0)
	{
		local.first_at = now;
		local.first_done = done;
	}

	if (slot != NULL)
	{
		SpinLockAcquire(&slot->mutex);
		slot->updated = now;
		slot->first_at = local.first_at;
		slot->first_done = local.first_done;
		slot->done = done;
		slot->items = items;
		slot->found = found;
		strlcpy(slot->detail, detail ? detail : "", sizeof(slot->detail));
		SpinLockRelease(&slot->mutex);
	}

	if (tape_progress_interval > 0 &&
		TimestampDifferenceExceeds(local.last_notice, now, tape_progress_interval * 1000))
	{
		StringInfoData buf;

		initStringInfo(&buf);
		describe(&buf, local.unit, local.total, done, local.items_label, items,
				 local.found_label, found,
				 current_rate(local.first_at, local.first_done, done, now),
				 seconds_between(local.started, now), false);
		ereport(NOTICE,
				(errmsg("%s: %s", local.command, buf.data),
				 detail && detail[0] ? errdetail("At %s.", detail) : 0));
		pfree(buf.data);
		local.last_notice = now;
		local.noticed = true;
	}
}

void
progress_end(void)
{
	progress_end_ext(true);
}

/*
 * progress_end_ext
 *		progress_end(), with the closing NOTICE only when closing_notice is
 *		true (a caller that reports its own totals last passes false).
 */
void
progress_end_ext(bool closing_notice)
{
	if (!local.active)
		return;
	if (local.nested > 0)
	{
		local.nested--;
		return;
	}
	if (local.noticed && closing_notice)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		describe(&buf, local.unit, local.total, local.done, local.items_label, local.items,
				 local.found_label, local.found, 0,
				 seconds_between(local.started, GetCurrentTimestamp()), true);
		ereport(NOTICE, (errmsg("%s: done, %s", local.command, buf.data)));
		pfree(buf.data);
	}
	release_slot();
}

/*
 * tape_progress
 *		tape.progress(): the operations under way in every session.
 *
 * pg_stat_activity's rule: what an operation is at (its detail, counts and
 * times) is shown to roles with the privileges of pg_read_all_stats or of
 * the session's user; others see its pid and command, and
 * "<insufficient privilege>" as its detail.
 */
Datum
tape_progress(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	static bool warned = false;
	TimestampTz now = GetCurrentTimestamp();
	bool		read_all = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);

	InitMaterializedSRF(fcinfo, 0);
	if (shared == NULL)
	{
		if (!warned)
			ereport(NOTICE,
					(errmsg("tape.progress shows other sessions only when tape is in shared_preload_libraries"),
					 errhint("Add tape to shared_preload_libraries in postgresql.conf and restart the server.")));
		warned = true;
		return (Datum) 0;
	}

	for (int i = 0; i < shared->nslots; i++)
	{
		ProgressSlot copy;
		Datum		values[12];
		bool		nulls[12] = {0};
		double		elapsed,
					rate;
		StringInfoData counts;

		SpinLockAcquire(&shared->slots[i].mutex);
		memcpy(&copy, &shared->slots[i], sizeof(copy));
		SpinLockRelease(&shared->slots[i].mutex);
		if (copy.pid == 0 || BackendPidGetProc(copy.pid) == NULL)
			continue;
		if (!read_all && !has_privs_of_role(GetUserId(), copy.userid))
		{
			memset(nulls, true, sizeof(nulls));
			values[0] = Int32GetDatum(copy.pid);
			nulls[0] = false;
			values[1] = CStringGetTextDatum(copy.command);
			nulls[1] = false;
			values[2] = CStringGetTextDatum("<insufficient privilege>");
			nulls[2] = false;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			continue;
		}

		elapsed = seconds_between(copy.started, now);
		rate = current_rate(copy.first_at, copy.first_done, copy.done, now);
		values[0] = Int32GetDatum(copy.pid);
		values[1] = CStringGetTextDatum(copy.command);
		values[2] = CStringGetTextDatum(copy.detail);
		nulls[2] = copy.detail[0] == '\0';
		values[3] = CStringGetTextDatum(copy.unit);
		values[4] = Int64GetDatum(copy.done);
		values[5] = Int64GetDatum((int64) Max(copy.total, (double) copy.done));
		nulls[5] = copy.total < 0;
		values[6] = Float8GetDatum(Min(100.0, 100.0 * copy.done / copy.total));
		nulls[6] = copy.total <= 0;
		values[7] = Float8GetDatum(rate);
		nulls[7] = rate <= 0;
		values[8] = TimestampTzGetDatum(copy.started);
		values[9] = TimestampTzGetDatum(copy.updated);
		nulls[10] = !(copy.total > copy.done && rate > 0);
		if (!nulls[10])
		{
			Interval   *eta = (Interval *) palloc0(sizeof(Interval));

			eta->time = (int64) ((copy.total - copy.done) / rate * USECS_PER_SEC);
			values[10] = IntervalPGetDatum(eta);
		}
		initStringInfo(&counts);
		describe(&counts, copy.unit, copy.total, copy.done,
				 copy.items_label[0] ? copy.items_label : NULL, copy.items,
				 copy.found_label[0] ? copy.found_label : NULL, copy.found, rate, elapsed, false);
		values[11] = CStringGetTextDatum(counts.data);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * progress_set_total
 *		A new estimate of the units to do (< 0: unknown).
 */
void
progress_set_total(double total)
{
	ProgressSlot *slot = my_slot();

	if (!local.active || local.nested > 0)
		return;
	local.total = total;
	if (slot == NULL)
		return;
	SpinLockAcquire(&slot->mutex);
	slot->total = total;
	SpinLockRelease(&slot->mutex);
}

/* a text argument into one of the label buffers, or NULL */
static const char *
copy_label(FunctionCallInfo fcinfo, int argno, char *buf, size_t size)
{
	if (PG_ARGISNULL(argno))
		return NULL;
	text_to_cstring_buffer(PG_GETARG_TEXT_PP(argno), buf, size);
	return buf;
}

/*
 * tape_progress_begin
 *		tape.progress_begin(command, unit, total, items_label, found_label):
 *		a procedure written in SQL starts reporting.  An operation begun from
 *		SQL before and never ended is replaced; one begun by C code is not.
 */
Datum
tape_progress_begin(PG_FUNCTION_ARGS)
{
	const char *command,
			   *unit,
			   *items_label,
			   *found_label;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the command and the unit of an operation must not be null")));
	if (local.active && local.from_sql && local.nested == 0)
		release_slot();
	if (local.active)
	{
		progress_begin("", "", -1, NULL, NULL);		/* counted as nested */
		PG_RETURN_VOID();
	}
	command = copy_label(fcinfo, 0, local.sql_command, sizeof(local.sql_command));
	unit = copy_label(fcinfo, 1, local.sql_unit, sizeof(local.sql_unit));
	items_label = copy_label(fcinfo, 3, local.sql_items_label, sizeof(local.sql_items_label));
	found_label = copy_label(fcinfo, 4, local.sql_found_label, sizeof(local.sql_found_label));
	progress_begin(command, unit, PG_ARGISNULL(2) ? -1 : PG_GETARG_FLOAT8(2),
				   items_label, found_label);
	local.from_sql = true;
	PG_RETURN_VOID();
}

/*
 * tape_progress_update
 *		tape.progress_update(done, items, found, detail, total): the counts
 *		so far, and a new total when it is given.
 */
Datum
tape_progress_update(PG_FUNCTION_ARGS)
{
	char		detail[PROGRESS_TEXT];

	if (!PG_ARGISNULL(4))
		progress_set_total(PG_GETARG_FLOAT8(4));
	progress_update(PG_ARGISNULL(0) ? 0 : PG_GETARG_INT64(0),
					PG_ARGISNULL(1) ? 0 : PG_GETARG_INT64(1),
					PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2),
					copy_label(fcinfo, 3, detail, sizeof(detail)));
	PG_RETURN_VOID();
}

/*
 * tape_progress_end
 *		tape.progress_end(closing_notice): the operation is over.
 */
Datum
tape_progress_end(PG_FUNCTION_ARGS)
{
	progress_end_ext(PG_ARGISNULL(0) || PG_GETARG_BOOL(0));
	PG_RETURN_VOID();
}
