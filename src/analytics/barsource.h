/*-------------------------------------------------------------------------
 *
 * barsource.h
 *		Streaming the bars of a user's query to the detectors, and reading
 *		their configuration.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/analytics/barsource.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TAPE_BARSOURCE_H
#define TAPE_BARSOURCE_H

#include "tape.h"

#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "utils/date.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"

/* The columns a bars query may return */
typedef enum BarColumn
{
	BC_OPEN,
	BC_HIGH,
	BC_LOW,
	BC_CLOSE,
	BC_VOLUME,
	BC_VWAP,					/* optional: the bar's VWAP */
	BC_TRANSACTIONS,			/* optional: trades in the bar */
	BC_FLOAT_SHARES,			/* optional: float, for the filters */
	BC_SHORT_INTEREST_PCT,		/* optional: short interest, % of float */
	BC_DAYS_TO_COVER,			/* optional */
	BC_DAILY_ATR,				/* optional: daily ATR in price units */
	BC_NVALUES
} BarColumn;

/* One row of the query: missing values are NaN */
typedef struct BarRow
{
	const char *ticker;			/* valid until the next barsource_next() */
	TimestampTz ts;				/* bar start (intraday) */
	DateADT		day;			/* trading day (daily) */
	double		v[BC_NVALUES];	/* the numeric columns */
} BarRow;

typedef struct BarSource
{
	const char *fname;			/* calling function, for messages */
	bool		daily;			/* rows are day bars keyed by day */
	bool		present[BC_NVALUES];	/* optional columns the query has */
	int			attno[BC_NVALUES];	/* 0-based column in the cursor, or -1 */
	int			natts;			/* value columns in the cursor */
	Portal		portal;			/* cursor over the wrapped query */
	SPITupleTable *batch;		/* current batch of rows */
	uint64		pos;			/* next row of the batch */
	uint64		nrows;			/* rows in the batch */
	int64		rows;			/* rows read so far */
	int64		tickers;		/* tickers begun so far */
	Tuplestorestate *found;		/* the caller's output, counted for progress */
	char	   *prev_ticker;	/* for the order and duplicate checks */
	int			prev_ticker_cap;
	TimestampTz prev_ts;
	DateADT		prev_day;
	bool		has_prev;
} BarSource;

extern void barsource_open(BarSource *src, const char *fname, const char *query, bool daily,
						   Tuplestorestate *found);
extern bool barsource_next(BarSource *src, BarRow *row);
extern void barsource_close(BarSource *src);

/* reading the merged configuration (tape.detector_config()) */
extern double config_number(Jsonb *config, const char *path);
extern bool config_bool(Jsonb *config, const char *path);

#endif							/* TAPE_BARSOURCE_H */
