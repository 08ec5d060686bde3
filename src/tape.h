/*-------------------------------------------------------------------------
 *
 * tape.h
 *		Declarations shared by every part of the tape extension.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/tape.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TAPE_H
#define TAPE_H

#include "postgres.h"

#include "compat.h"

#ifndef TAPE_VERSION
#error "TAPE_VERSION must be defined by the build (see Makefile)"
#endif

/* The market's time zone: sessions, day bars and dates are New York time. */
#define TAPE_MARKET_TIMEZONE "America/New_York"

/* in tape.c */
extern void _PG_init(void);
extern struct pg_tz *tape_market_tz(void);

/* in helpers.c */
extern int	tape_max_workers_per_run;

/* in store/block.c */
extern void store_define_gucs(void);

/* in fdw/ratelimit.c */
extern void polygon_ratelimit_shmem_request(void);
extern void polygon_ratelimit_shmem_startup(void);

/* in fdw/cache.c */
extern void polygon_cache_shmem_request(void);
extern void polygon_cache_shmem_startup(void);

#endif							/* TAPE_H */
