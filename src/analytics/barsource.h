/*-------------------------------------------------------------------------
 *
 * barsource.h
 *		Bars for the detectors, from a user's query or from rows handed to an
 *		aggregate, and the detectors' configuration.
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

#include "access/htup.h"
#include "access/tupdesc.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "fmgr.h"
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
	BC_NVALUES
} BarColumn;

/* One row of the query: missing values are NaN */
typedef struct BarRow
{
	const char *ticker;			/* valid until the next row is read */
	int64		ticker_no;		/* 1 for the stream's first ticker, 2 for its next... */
	TimestampTz ts;				/* bar start (intraday) */
	DateADT		day;			/* trading day (daily) */
	double		v[BC_NVALUES];	/* the numeric columns */
} BarRow;

/* Reading a bars query through a cursor */
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
	int			prev_ticker_len;
	int			prev_ticker_cap;
	TimestampTz prev_ts;
	DateADT		prev_day;
	bool		has_prev;
} BarSource;

extern void barsource_open(BarSource *src, const char *fname, const char *query, bool daily,
						   Tuplestorestate *found);
extern bool barsource_next(BarSource *src, BarRow *row);
extern void barsource_close(BarSource *src);

/*
 * Reading bars from rows of a table or subquery handed to an aggregate
 * (tape.intraday_events(b ORDER BY ts)): the same columns, found by name in
 * the row's type and converted as the query's casts would.
 */
typedef struct BarRowCast
{
	int			attno;			/* 0-based attribute of the row, or -1 */
	Oid			source;			/* its type */
	int			how;			/* 0 same type, 1 cast function, 2 through text */
	FmgrInfo	fn;				/* the cast function, or the source's output */
	FmgrInfo	in;				/* the target's input function (through text) */
	Oid			in_param;
} BarRowCast;

typedef struct BarRowReader
{
	const char *fname;
	bool		daily;
	Oid			typid;			/* the row type the casts were set up for */
	int32		typmod;
	TupleDesc	desc;			/* its descriptor */
	MemoryContext cxt;			/* where the reader's state lives */
	BarRowCast	ticker;
	BarRowCast	when;			/* ts (intraday) or the day (daily) */
	bool		when_from_ts;	/* daily: the day is the New York date of a ts */
	BarRowCast	value[BC_NVALUES];
	int			natts;
	Datum	   *values;			/* the deformed row */
	bool	   *nulls;
	char	   *ticker_buf;		/* the current ticker, NUL-terminated */
	int			ticker_cap;
} BarRowReader;

extern void barrow_reader_init(BarRowReader *r, const char *fname, bool daily, MemoryContext cxt);
extern bool barrow_read(BarRowReader *r, HeapTupleHeader rec, BarRow *row);

/*
 * What the detector aggregates share: the first call's checks and merged
 * configuration, the order of the rows, and the result array.
 */
typedef struct AggregateInput
{
	const char *fname;			/* tape.intraday_events, tape.daily_events */
	bool		daily;
	MemoryContext cxt;			/* the aggregate's context */
	BarRowReader reader;
	char	   *ticker;			/* the group's ticker, once seen */
	int64		last;			/* ts or day of the last row */
	bool		has_last;
} AggregateInput;

extern Jsonb *aggregate_begin(AggregateInput *in, FunctionCallInfo fcinfo, const char *fname,
							  bool daily, MemoryContext aggcxt);
extern bool aggregate_next(AggregateInput *in, FunctionCallInfo fcinfo, BarRow *row);

typedef void (*EventColumns) (void *arg, int k, Datum *values, bool *nulls);
extern Datum aggregate_result(FunctionCallInfo fcinfo, int n, int natts, EventColumns columns,
							  void *arg);

/*
 * The detectors' configuration (tape.detector_config()).  Each detector
 * lists its keys in a table; config_read() reads them all into its
 * configuration struct and refuses a value out of its range, naming the key.
 */
typedef enum ConfigValueKind
{
	CV_NUMBER,					/* a double */
	CV_WHOLE,					/* an int, from a whole number */
	CV_BOOL						/* a bool */
} ConfigValueKind;

typedef struct ConfigKey
{
	const char *path;			/* dotted, within the section */
	ConfigValueKind kind;
	size_t		offset;			/* of the field in the configuration struct */
	double		min;			/* the allowed range, inclusive */
	double		max;
	bool		above_min;		/* min itself is excluded */
} ConfigKey;

extern Jsonb *config_merged(const char *section, Datum override, bool isnull);
extern void config_read(const char *section, Jsonb *config, const ConfigKey *keys, int nkeys,
						void *out);
extern char *config_string(const char *section, Jsonb *config, const char *path,
						   const char *const *allowed);
extern void config_out_of_range(const char *section, const char *path, double value,
								const char *must) pg_attribute_noreturn();

#endif							/* TAPE_BARSOURCE_H */
