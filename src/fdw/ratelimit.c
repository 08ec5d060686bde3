/*-------------------------------------------------------------------------
 *
 * ratelimit.c
 *		The requests_per_minute limit of polygon_fdw.
 *
 * Polygon counts requests per API key and per minute (5 on the free plan).
 * We space requests evenly: each key has a slot holding the earliest time
 * its next request may start, and every request reserves the next free
 * start time, 60 s / requests_per_minute after the previous one.  Evenly
 * spaced requests never exceed the limit in any 60-second window, however
 * many sessions share the key.
 *
 * When tape is in shared_preload_libraries the slots live in shared memory
 * and every backend of the cluster shares them.  Otherwise each backend has
 * its own slots, and the first limited request of a session says so in a
 * NOTICE.
 *
 * A 429 response pushes the key's slot forward by the back-off delay, so
 * every session using that key waits, not only the one that was told.
 *
 * A backend that stops waiting for its turn (a cancel, a statement timeout,
 * pg_terminate_backend) gives the turn back: the last reservation of a key
 * by moving the key's next start back to it, any other one as a "hole" that
 * the next request of the key takes while it is still ahead.  The exit of a
 * backend gives back its reservation from a before_shmem_exit callback.  A
 * backend killed outright makes the postmaster reinitialize shared memory,
 * and every reservation with it.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/fdw/ratelimit.c
 *
 *-------------------------------------------------------------------------
 */
#include "polygon_fdw.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

#define RATELIMIT_SLOTS 64
#define RATELIMIT_HOLES 8

typedef struct RateLimitSlot
{
	uint64		key_hash;		/* bucket of one API key, 0 = free */
	TimestampTz next_start;		/* earliest start of the next limited request */
	TimestampTz deferred_until; /* no request at all before this (after a 429) */
	TimestampTz holes[RATELIMIT_HOLES]; /* start times given back before next_start,
										 * 0 = none */
} RateLimitSlot;

typedef struct RateLimitState
{
	slock_t		mutex;			/* protects slots */
	RateLimitSlot slots[RATELIMIT_SLOTS];
} RateLimitState;

static RateLimitState *shared_state = NULL;
static RateLimitState local_state;
static bool local_notice_sent = false;

/* The turn this backend is waiting for, given back if it stops waiting */
typedef struct PendingTurn
{
	bool		waiting;
	uint64		key_hash;
	TimestampTz start;			/* the reserved start time */
	TimestampTz reserved_until; /* next_start it set, or 0 when it took a hole */
} PendingTurn;

static PendingTurn pending;
static bool exit_callback_registered = false;

static RateLimitSlot *find_slot(RateLimitState *state, uint64 key_hash, TimestampTz now);
static TimestampTz take_hole(RateLimitSlot *slot, TimestampTz earliest, TimestampTz now);
static void give_back_turn(void);
static void give_back_turn_at_exit(int code, Datum arg);

/*
 * polygon_ratelimit_shmem_request
 *		Ask for the shared slots (from shmem_request_hook).
 */
void
polygon_ratelimit_shmem_request(void)
{
	RequestAddinShmemSpace(MAXALIGN(sizeof(RateLimitState)));
}

/*
 * polygon_ratelimit_shmem_startup
 *		Attach to (or create) the shared slots (from shmem_startup_hook).
 */
void
polygon_ratelimit_shmem_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared_state = ShmemInitStruct("tape polygon_fdw rate limit",
								   sizeof(RateLimitState), &found);
	if (!found)
	{
		SpinLockInit(&shared_state->mutex);
		memset(shared_state->slots, 0, sizeof(shared_state->slots));
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * polygon_ratelimit_is_shared
 *		Whether the limit is shared by every backend of the cluster.
 */
bool
polygon_ratelimit_is_shared(void)
{
	return shared_state != NULL;
}

/*
 * find_slot
 *		The slot of key_hash, taking over the stalest slot if it has none.
 *		The caller holds the mutex (if any).
 */
static RateLimitSlot *
find_slot(RateLimitState *state, uint64 key_hash, TimestampTz now)
{
	RateLimitSlot *stalest = &state->slots[0];

	if (key_hash == 0)
		key_hash = 1;			/* 0 marks a free slot */
	for (int i = 0; i < RATELIMIT_SLOTS; i++)
	{
		RateLimitSlot *slot = &state->slots[i];

		if (slot->key_hash == key_hash)
			return slot;
		if (slot->key_hash == 0 || slot->next_start < stalest->next_start)
			stalest = slot;
	}
	stalest->key_hash = key_hash;
	stalest->next_start = now;
	stalest->deferred_until = now;
	memset(stalest->holes, 0, sizeof(stalest->holes));
	return stalest;
}

/*
 * take_hole
 *		The earliest start time given back in slot that is not before
 *		earliest, removed from the slot; 0 if there is none.  Holes that have
 *		passed are forgotten.
 */
static TimestampTz
take_hole(RateLimitSlot *slot, TimestampTz earliest, TimestampTz now)
{
	int			best = -1;

	for (int i = 0; i < RATELIMIT_HOLES; i++)
	{
		if (slot->holes[i] != 0 && slot->holes[i] < now)
			slot->holes[i] = 0;
		if (slot->holes[i] != 0 && slot->holes[i] >= earliest &&
			(best < 0 || slot->holes[i] < slot->holes[best]))
			best = i;
	}
	if (best < 0)
		return 0;
	earliest = slot->holes[best];
	slot->holes[best] = 0;
	return earliest;
}

/*
 * give_back_turn
 *		Return the turn this backend was waiting for: the key's last
 *		reservation moves its next start back, any other becomes a hole.
 */
static void
give_back_turn(void)
{
	RateLimitState *state = shared_state ? shared_state : &local_state;
	RateLimitSlot *slot;

	if (!pending.waiting)
		return;
	pending.waiting = false;
	if (shared_state)
		SpinLockAcquire(&shared_state->mutex);
	slot = find_slot(state, pending.key_hash, pending.start);
	if (pending.reserved_until != 0 && slot->next_start == pending.reserved_until)
		slot->next_start = pending.start;
	else
	{
		for (int i = 0; i < RATELIMIT_HOLES; i++)
		{
			if (slot->holes[i] == 0)
			{
				slot->holes[i] = pending.start;
				break;
			}
		}
	}
	if (shared_state)
		SpinLockRelease(&shared_state->mutex);
}

/* before_shmem_exit callback: a terminated backend gives its turn back */
static void
give_back_turn_at_exit(int code, Datum arg)
{
	give_back_turn();
}

/*
 * polygon_ratelimit_acquire
 *		Wait until the key may send its next request, and reserve it.
 *
 * requests_per_minute = 0 means no limit of our own; a 429 deferral still
 * applies.  A wait that is cancelled gives its reservation back when nobody
 * has reserved after it.  Returns the milliseconds waited.
 */
double
polygon_ratelimit_acquire(uint64 key_hash, int requests_per_minute)
{
	RateLimitState *state = shared_state ? shared_state : &local_state;
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz start;
	TimestampTz reserved_until = 0;
	RateLimitSlot *slot;

	if (shared_state == NULL && requests_per_minute > 0 && !local_notice_sent)
	{
		local_notice_sent = true;
		ereport(NOTICE,
				(errmsg("the Polygon rate limit is enforced per session"),
				 errdetail("tape is not in shared_preload_libraries, so concurrent sessions do not share the requests_per_minute budget."),
				 errhint("Add tape to shared_preload_libraries and restart the server to share it.")));
	}

	if (shared_state && !exit_callback_registered)
	{
		before_shmem_exit(give_back_turn_at_exit, (Datum) 0);
		exit_callback_registered = true;
	}

	if (shared_state)
		SpinLockAcquire(&shared_state->mutex);
	slot = find_slot(state, key_hash, now);
	start = Max(now, slot->deferred_until);
	if (requests_per_minute > 0)
	{
		TimestampTz hole = take_hole(slot, start, now);

		if (hole != 0)
			start = hole;		/* a turn another backend gave back */
		else
		{
			start = Max(start, slot->next_start);
			reserved_until = start + (int64) (USECS_PER_SEC * 60.0 / requests_per_minute);
			slot->next_start = reserved_until;
		}
	}
	if (shared_state)
		SpinLockRelease(&shared_state->mutex);

	if (start <= now)
		return 0.0;

	pending.key_hash = key_hash;
	pending.start = start;
	pending.reserved_until = reserved_until;
	pending.waiting = (requests_per_minute > 0);
	PG_TRY();
	{
		polygon_interruptible_sleep(start - now);
	}
	PG_CATCH();
	{
		/* cancelled: the turn goes back (terminated: give_back_turn_at_exit) */
		give_back_turn();
		PG_RE_THROW();
	}
	PG_END_TRY();
	pending.waiting = false;
	return (double) (start - now) / 1000.0;
}

/*
 * polygon_ratelimit_defer
 *		Hold back every request of the key for delay_us (after a 429).
 */
void
polygon_ratelimit_defer(uint64 key_hash, int64 delay_us)
{
	RateLimitState *state = shared_state ? shared_state : &local_state;
	TimestampTz now = GetCurrentTimestamp();
	RateLimitSlot *slot;

	if (shared_state)
		SpinLockAcquire(&shared_state->mutex);
	slot = find_slot(state, key_hash, now);
	slot->deferred_until = Max(slot->deferred_until, now + delay_us);
	if (shared_state)
		SpinLockRelease(&shared_state->mutex);
}

/*
 * polygon_interruptible_sleep
 *		Sleep for delay_us; Ctrl-C and statement_timeout end it at once.
 */
void
polygon_interruptible_sleep(int64 delay_us)
{
	TimestampTz deadline = GetCurrentTimestamp() + delay_us;

	for (;;)
	{
		TimestampTz now;
		long		remaining_ms;

		CHECK_FOR_INTERRUPTS();
		now = GetCurrentTimestamp();
		if (now >= deadline)
			break;
		remaining_ms = (long) ((deadline - now + 999) / 1000);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 remaining_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
