/*-------------------------------------------------------------------------
 *
 * source.h
 *		Streaming the rows of a user's query to the research functions.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/features/source.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TAPE_FEATURES_SOURCE_H
#define TAPE_FEATURES_SOURCE_H

#include "tape.h"
#include "querytext.h"

#include "access/tupdesc.h"
#include "executor/spi.h"

/* the most columns the wrapped query of a research function selects */
#define SOURCE_MAX_COLUMNS 16

typedef struct RowStream
{
	Portal		portal;			/* cursor over the wrapped query */
	SPITupleTable *batch;		/* current batch of rows */
	uint64		pos;			/* next row of the batch */
	uint64		nrows;			/* rows in the batch */
	int64		rows;			/* rows read so far */
	double		estimated_rows; /* the planner's estimate, or -1 */
	Datum		values[SOURCE_MAX_COLUMNS]; /* the current row */
	bool		nulls[SOURCE_MAX_COLUMNS];
} RowStream;

extern void row_stream_open(RowStream *src, const char *sql);
extern bool row_stream_next(RowStream *src);
extern void row_stream_close(RowStream *src);

#endif							/* TAPE_FEATURES_SOURCE_H */
