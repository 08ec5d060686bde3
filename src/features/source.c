/*-------------------------------------------------------------------------
 *
 * source.c
 *		Streaming the rows of a user's query to the research functions.
 *
 * tape.bars_from_trades and tape.triple_barrier take queries (a table, a
 * view, a foreign table, anything) and read their rows once, in the order
 * they ask for, through a cursor fetched in batches: memory holds a batch,
 * never the whole result.  The caller names the columns it needs; the
 * query's text is read, and its columns found by name without running it,
 * by querytext.c, as for the detectors.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/features/source.c
 *
 *-------------------------------------------------------------------------
 */
#include "features/source.h"

#include "access/htup_details.h"
#include "miscadmin.h"
#include "utils/portal.h"

#define SOURCE_BATCH_ROWS 10000 /* rows fetched from a cursor at a time */

/*
 * row_stream_open
 *		Open a cursor over sql (built by the caller from the user's query)
 *		and say how many rows the planner expects.
 */
void
row_stream_open(RowStream *src, const char *sql)
{
	PlannedStmt *stmt;

	memset(src, 0, sizeof(RowStream));
	src->portal = SPI_cursor_open_with_args(NULL, sql, 0, NULL, NULL, NULL, true, 0);
	src->estimated_rows = -1;
	if (list_length(src->portal->stmts) == 1)
	{
		stmt = linitial_node(PlannedStmt, src->portal->stmts);
		if (stmt->planTree != NULL)
			src->estimated_rows = stmt->planTree->plan_rows;
	}
}

/*
 * row_stream_next
 *		The next row, its columns in src->values and src->nulls (valid until
 *		the next call); false at the end.
 */
bool
row_stream_next(RowStream *src)
{
	TupleDesc	desc;

	if (src->batch == NULL || src->pos >= src->nrows)
	{
		if (src->batch)
			SPI_freetuptable(src->batch);
		src->batch = NULL;
		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(src->portal, true, SOURCE_BATCH_ROWS);
		if (SPI_processed == 0)
			return false;
		src->batch = SPI_tuptable;
		src->nrows = SPI_processed;
		src->pos = 0;
	}
	desc = src->batch->tupdesc;
	if (desc->natts > SOURCE_MAX_COLUMNS)
		elog(ERROR, "a research query may have at most %d columns", SOURCE_MAX_COLUMNS);
	heap_deform_tuple(src->batch->vals[src->pos++], desc, src->values, src->nulls);
	src->rows++;
	return true;
}

/* close the cursor */
void
row_stream_close(RowStream *src)
{
	if (src->batch)
		SPI_freetuptable(src->batch);
	src->batch = NULL;
	if (src->portal)
		SPI_cursor_close(src->portal);
	src->portal = NULL;
}
