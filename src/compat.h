/*-------------------------------------------------------------------------
 *
 * compat.h
 *		The single place for PostgreSQL and library version guards.
 *
 * tape targets PostgreSQL 15; the Makefile refuses any other major version.
 * Anything that depends on a library version goes here, never inline.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TAPE_COMPAT_H
#define TAPE_COMPAT_H

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 160000
#error "tape is built for PostgreSQL 15"
#endif

#endif							/* TAPE_COMPAT_H */
