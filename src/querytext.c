/*-------------------------------------------------------------------------
 *
 * querytext.c
 *		Reading the text of a query a user passes to a function.
 *
 * The detectors (tape.detect_intraday, tape.detect_daily) and the research
 * functions (tape.bars_from_trades, tape.triple_barrier) take queries as
 * text and wrap them in subqueries of their own: "SELECT ... FROM (query)
 * AS bars ORDER BY ...".  Every one of them reads that text here, so that
 * what one accepts they all accept: a single SELECT (or VALUES, TABLE),
 * with or without a semicolon and comments around it; anything else (two
 * statements, a DELETE, SELECT INTO, a WITH that writes) is refused with
 * one message.
 *
 * The parser finds the statement; its text, without what follows it (a
 * semicolon, a comment), is what gets wrapped.  A newline ends it, so that
 * a comment on its last line cannot swallow the wrapper's closing
 * parenthesis.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/querytext.c
 *
 *-------------------------------------------------------------------------
 */
#include "querytext.h"

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"

/*
 * query_single_select
 *		The one SELECT of a query's text, ready to be wrapped in a subquery;
 *		what names the query in messages ("the bars query of
 *		tape.detect_intraday").
 */
char *
query_single_select(const char *query, const char *what)
{
	List	   *stmts = raw_parser(query, RAW_PARSE_DEFAULT);
	RawStmt    *raw;
	SelectStmt *stmt;
	bool		single_select;
	int			len;
	StringInfoData select;

	raw = list_length(stmts) == 1 ? linitial_node(RawStmt, stmts) : NULL;
	single_select = raw != NULL && IsA(raw->stmt, SelectStmt);
	stmt = single_select ? (SelectStmt *) raw->stmt : NULL;
	if (single_select && stmt->intoClause != NULL)
		single_select = false;
	/* a WITH that writes (WITH d AS (DELETE ...) SELECT ...) is not a SELECT */
	if (single_select && stmt->withClause != NULL)
	{
		ListCell   *lc;

		foreach(lc, stmt->withClause->ctes)
		{
			if (!IsA(lfirst_node(CommonTableExpr, lc)->ctequery, SelectStmt))
				single_select = false;
		}
	}
	if (!single_select)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a single SELECT", what)));
	/* a length of 0 means "to the end of the text" */
	len = raw->stmt_len > 0 ? raw->stmt_len : (int) strlen(query) - raw->stmt_location;
	initStringInfo(&select);
	appendBinaryStringInfo(&select, query + raw->stmt_location, len);
	appendStringInfoChar(&select, '\n');
	return select.data;
}

/*
 * query_describe
 *		The columns of a query, without running it, and in *select its text
 *		as query_single_select() gives it.  The caller is connected to SPI;
 *		both live in its context.
 */
TupleDesc
query_describe(const char *query, const char *what, char **select)
{
	StringInfoData sql;
	TupleDesc	desc;

	*select = query_single_select(query, what);
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT * FROM (%s) AS q LIMIT 0", *select);
	if (SPI_execute(sql.data, true, 0) != SPI_OK_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a SELECT", what)));
	desc = CreateTupleDescCopy(SPI_tuptable->tupdesc);
	SPI_freetuptable(SPI_tuptable);
	pfree(sql.data);
	return desc;
}

/*
 * query_column
 *		The 0-based number of a query's column, or -1.
 */
int
query_column(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i;
	}
	return -1;
}

/* whether a query's columns include name */
bool
query_has_column(TupleDesc desc, const char *name)
{
	return query_column(desc, name) >= 0;
}
