/*-------------------------------------------------------------------------
 *
 * tape.c
 *		Module entry point of the tape extension.
 *
 * Loaded from shared_preload_libraries, tape reserves the shared memory of
 * the polygon_fdw rate limiter, so every backend of the cluster shares each
 * API key's requests_per_minute, and of the progress slots that the
 * tape.progress view shows, and of the live worker (src/live/).  Loaded on
 * demand it works the same, with a limit per session and progress in
 * NOTICEs only, and without the live feed.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/tape.c
 *
 *-------------------------------------------------------------------------
 */
#include "tape.h"
#include "progress.h"
#include "live/live.h"

#include <unistd.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "utils/builtins.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void tape_shmem_request(void);
static void tape_shmem_startup(void);

PG_FUNCTION_INFO_V1(tape_version);

/* the machine's cores less one (the leader of a run is the other) */
static int
default_workers_per_run(void)
{
	long		cores = sysconf(_SC_NPROCESSORS_ONLN);

	return (int) Max(0, Min(cores - 1, 64));
}

/*
 * _PG_init
 *		Install the shared memory hooks when preloaded.
 */
void
_PG_init(void)
{
	DefineCustomIntVariable("tape.progress_interval",
							"Seconds between the progress NOTICEs of long operations.",
							"0 turns the NOTICEs off; the tape.progress view is updated regardless.",
							&tape_progress_interval,
							10, 0, 86400,
							PGC_USERSET, GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tape.max_workers_per_run",
							"Helpers (background workers) a run on the work queue may start.",
							"By default the machine's cores less one; 0 runs every step in the calling session alone.",
							&tape_max_workers_per_run,
							default_workers_per_run(), 0, 64,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	store_define_gucs();
	live_define_gucs();
	MarkGUCPrefixReserved("tape");

	if (!process_shared_preload_libraries_in_progress)
		return;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = tape_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = tape_shmem_startup;
}

static void
tape_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	polygon_ratelimit_shmem_request();
	polygon_cache_shmem_request();
	progress_shmem_request();
	live_shmem_request();
}

static void
tape_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	polygon_ratelimit_shmem_startup();
	polygon_cache_shmem_startup();
	progress_shmem_startup();
	live_shmem_startup();
}

/*
 * tape_version
 *		The version of the loaded library.
 */
Datum
tape_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(TAPE_VERSION));
}
