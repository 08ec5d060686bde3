/*-------------------------------------------------------------------------
 *
 * source.c
 *		Streaming the rows of a user's query to the research functions.
 *
 * tape.bars_from_trades and tape.triple_barrier take queries (a table, a
 * view, a foreign table, anything) and read their rows once, in the order
 * they ask for, through a cursor fetched in batches: memory holds a batch,
 * never the whole result.  The caller names the columns it needs; the
 * query's columns are found by name without running it.
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
 * query_describe
 *		The columns of a query, without running it; what names the query in
 *		messages ("the trades query of tape.bars_from_trades").  The caller
 *		is connected to SPI; the result lives in its context.
 */
TupleDesc
query_describe(const char *query, const char *what)
{
	StringInfoData sql;
	SPIPlanPtr	plan;
	TupleDesc	desc;

	plan = SPI_prepare(query, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (!SPI_is_cursor_plan(plan))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a single SELECT", what)));
	SPI_freeplan(plan);

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT * FROM (%s) AS q LIMIT 0", query);
	if (SPI_execute(sql.data, true, 0) != SPI_OK_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a SELECT", what)));
	desc = CreateTupleDescCopy(SPI_tuptable->tupdesc);
	SPI_freetuptable(SPI_tuptable);
	pfree(sql.data);
	return desc;
}

/* whether a query's columns include name */
bool
query_has_column(TupleDesc desc, const char *name)
{
	/* bounded: MaxTupleAttributeNumber */
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return true;
	}
	return false;
}

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
