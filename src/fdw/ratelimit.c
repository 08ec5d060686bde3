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
 * Slots.  There are RATELIMIT_SLOTS of them.  A slot is "at rest" when its
 * key could start a request now and is not held back: its next start and
 * its deferral have passed (its holes with them).  A slot at rest says
 * nothing a fresh slot would not say, so it may be taken over by another
 * key without changing the pacing of its own; a slot that is not at rest is
 * never taken over.  A key that finds no slot of its own and none at rest
 * waits until one comes to rest.  So that one role cannot keep every slot
 * busy (cycling keys through its user mapping), a role may hold at most
 * RATELIMIT_SLOTS_PER_ROLE slots that are not at rest: its next key waits
 * for one of its own to come to rest, and the other roles' keys are paced
 * as before.
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

#define RATELIMIT_SLOTS 256
#define RATELIMIT_SLOTS_PER_ROLE 16
#define RATELIMIT_HOLES 8

typedef struct RateLimitSlot
{
	uint64		key_hash;		/* bucket of one API key, 0 = free */
	Oid			userid;			/* the role that took the slot */
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

static RateLimitSlot *find_key(RateLimitState *state, uint64 key_hash);
static RateLimitSlot *find_slot(RateLimitState *state, uint64 key_hash, Oid userid,
								TimestampTz now, TimestampTz *retry_at);
static RateLimitSlot *lock_slot(RateLimitState *state, uint64 key_hash, Oid userid,
								TimestampTz *now);
static void unlock_slots(void);
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

/* the key of a slot: 0 marks a free slot, so a key hashed to 0 is 1 */
static inline uint64
slot_key(uint64 key_hash)
{
	return key_hash == 0 ? 1 : key_hash;
}

/* when a slot comes to rest: its key may start a request and is not held back */
static inline TimestampTz
slot_rests_at(const RateLimitSlot *slot)
{
	return slot->key_hash == 0 ? 0 : Max(slot->next_start, slot->deferred_until);
}

/*
 * find_key
 *		The slot of key_hash, or NULL.  The caller holds the mutex (if any).
 */
static RateLimitSlot *
find_key(RateLimitState *state, uint64 key_hash)
{
	key_hash = slot_key(key_hash);
	for (int i = 0; i < RATELIMIT_SLOTS; i++)
	{
		if (state->slots[i].key_hash == key_hash)
			return &state->slots[i];
	}
	return NULL;
}

/*
 * find_slot
 *		The slot of key_hash; if it has none, a slot at rest taken over for
 *		it on behalf of userid.  NULL when none may be taken (userid holds
 *		RATELIMIT_SLOTS_PER_ROLE slots not at rest, or every slot is busy):
 *		*retry_at is then when one of them comes to rest.  The caller holds
 *		the mutex (if any).
 */
static RateLimitSlot *
find_slot(RateLimitState *state, uint64 key_hash, Oid userid, TimestampTz now,
		  TimestampTz *retry_at)
{
	RateLimitSlot *rested = NULL;
	int			busy_of_role = 0;
	TimestampTz role_rest = 0;
	TimestampTz any_rest = 0;

	key_hash = slot_key(key_hash);
	for (int i = 0; i < RATELIMIT_SLOTS; i++)
	{
		RateLimitSlot *slot = &state->slots[i];
		TimestampTz rests_at = slot_rests_at(slot);

		if (slot->key_hash == key_hash)
			return slot;
		if (rests_at <= now)
		{
			if (rested == NULL)
				rested = slot;
			continue;
		}
		if (any_rest == 0 || rests_at < any_rest)
			any_rest = rests_at;
		if (slot->userid == userid)
		{
			busy_of_role++;
			if (role_rest == 0 || rests_at < role_rest)
				role_rest = rests_at;
		}
	}
	if (busy_of_role >= RATELIMIT_SLOTS_PER_ROLE)
	{
		*retry_at = role_rest;
		return NULL;
	}
	if (rested == NULL)
	{
		*retry_at = any_rest;
		return NULL;
	}
	rested->key_hash = key_hash;
	rested->userid = userid;
	rested->next_start = now;
	rested->deferred_until = now;
	memset(rested->holes, 0, sizeof(rested->holes));
	return rested;
}

/*
 * lock_slot
 *		Take the mutex (if any) and return the slot of key_hash (see
 *		find_slot), waiting for one to come to rest if need be; *now is the
 *		time it was found.  The caller releases the mutex with unlock_slots().
 */
static RateLimitSlot *
lock_slot(RateLimitState *state, uint64 key_hash, Oid userid, TimestampTz *now)
{
	for (;;)
	{
		RateLimitSlot *slot;
		TimestampTz retry_at = 0;

		*now = GetCurrentTimestamp();
		if (shared_state)
			SpinLockAcquire(&shared_state->mutex);
		slot = find_slot(state, key_hash, userid, *now, &retry_at);
		if (slot != NULL)
			return slot;
		unlock_slots();
		polygon_interruptible_sleep(retry_at - *now);
	}
}

/* release the mutex taken by lock_slot() */
static void
unlock_slots(void)
{
	if (shared_state)
		SpinLockRelease(&shared_state->mutex);
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

	/*
	 * The slot cannot have come to rest while the turn was ahead; if it is
	 * gone all the same, so is the turn.
	 */
	slot = find_key(state, pending.key_hash);
	if (slot != NULL && pending.reserved_until != 0 && slot->next_start == pending.reserved_until)
		slot->next_start = pending.start;
	else if (slot != NULL)
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
	unlock_slots();
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
 * applies.  userid is the role whose user mapping holds the key (see the
 * slots in the header comment).  A wait that is cancelled gives its
 * reservation back when nobody has reserved after it.  Returns the
 * milliseconds waited, for a slot included.
 */
double
polygon_ratelimit_acquire(uint64 key_hash, Oid userid, int requests_per_minute)
{
	RateLimitState *state = shared_state ? shared_state : &local_state;
	TimestampTz asked = GetCurrentTimestamp();
	TimestampTz now;
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

	slot = lock_slot(state, key_hash, userid, &now);
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
	unlock_slots();

	if (start <= now)
		return (double) (now - asked) / 1000.0;

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
	return (double) (start - asked) / 1000.0;
}

/*
 * polygon_ratelimit_defer
 *		Hold back every request of the key for delay_us (after a 429).
 */
void
polygon_ratelimit_defer(uint64 key_hash, Oid userid, int64 delay_us)
{
	RateLimitState *state = shared_state ? shared_state : &local_state;
	TimestampTz asked = GetCurrentTimestamp();
	TimestampTz now;
	RateLimitSlot *slot;

	slot = lock_slot(state, key_hash, userid, &now);
	slot->deferred_until = Max(slot->deferred_until, asked + delay_us);
	unlock_slots();
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
