/*-------------------------------------------------------------------------
 *
 * querytext.h
 *		Reading the text of a query a user passes to a function.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/querytext.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TAPE_QUERYTEXT_H
#define TAPE_QUERYTEXT_H

#include "tape.h"

#include "access/tupdesc.h"

extern char *query_single_select(const char *query, const char *what);
extern TupleDesc query_describe(const char *query, const char *what, char **select);
extern int	query_column(TupleDesc desc, const char *name);
extern bool query_has_column(TupleDesc desc, const char *name);

#endif							/* TAPE_QUERYTEXT_H */
