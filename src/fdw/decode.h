/*-------------------------------------------------------------------------
 *
 * decode.h
 *		Turning one page of a Polygon response into tuples.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/fdw/decode.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef POLYGON_DECODE_H
#define POLYGON_DECODE_H

#include "polygon_fdw.h"
#include "jsonscan.h"

#include "access/tupdesc.h"
#include "fmgr.h"

/*
 * One result field of the endpoint and the attribute it fills.
 */
typedef struct DecodeField
{
	const char *key;			/* JSON key of the result element */
	int			keylen;
	const char *subpath;		/* "a.b" below that key for a nested value, or NULL */
	const PolygonColumn *column;	/* the endpoint's column */
	int			attidx;			/* tuple attribute index, or -1 if not wanted */
	bool		canonical;		/* attribute type is the column's own type */
	bool		raw_text;		/* else: feed the JSON text to the input function */
	FmgrInfo	in_func;		/* attribute type input, when not canonical */
	Oid			in_ioparam;
	int32		in_typmod;
	FmgrInfo	out_func;		/* canonical type output, when not canonical */
	bool		seen;			/* present in the current element */
	int			alias;			/* next field fed by the same key, or -1 */
	int			next_key;		/* the key that followed this one last time, or -1 */
	JsonValue	pending;		/* PVK_QUOTE_SIZE: the value, converted after
								 * the element's sip_timestamp is known */
	bool		has_pending;
} DecodeField;

typedef struct PolygonDecoder
{
	DecodeField *fields;		/* every result column of the endpoint */
	int			nfields;
	int			nkeys;			/* fields[0 .. nkeys-1] have distinct keys; the
								 * rest are aliases reached through .alias */
	int			guess;			/* index of the key expected next, or -1 */
	int			first_key;		/* index of the first key of the last element */
	int			sip_field;		/* field of "sip_timestamp" when quote sizes
								 * need it, else -1 */
	bool		has_quote_sizes;	/* some wanted field is PVK_QUOTE_SIZE */
	int		   *csv_col;		/* flat files: CSV column of each field, or -1 */
	int64		element;		/* 1-based element number in the page, for messages */
} PolygonDecoder;

/*
 * The envelope of a page and the position of its rows.
 */
typedef struct PolygonPage
{
	JsonScanner scan;			/* inside "results" while rows are read */
	char	   *status;			/* "OK", "DELAYED", ... or NULL */
	char	   *next_url;		/* or NULL on the last page */
	char	   *request_id;		/* or NULL */
	char	   *error_text;		/* "error" or "message" member, or NULL */
	int			adjusted;		/* -1 absent, else 0 / 1 */
	JsonValueType results_type; /* JV_ARRAY, JV_OBJECT, or JV_NULL if absent */
	const char *results_start;	/* where "results" begins */
	bool		first;			/* the next element is the first */
	bool		done;			/* every row has been returned */
} PolygonPage;

extern PolygonDecoder *polygon_decoder_create(const PolygonEndpoint *ep, TupleDesc tupdesc,
											  const bool *wanted);
extern void polygon_page_open(PolygonPage *page, const char *body, size_t len,
							  PolygonResultsShape shape);
extern bool polygon_page_next(PolygonPage *page, PolygonDecoder *dec, TupleDesc tupdesc,
							  Datum *values, bool *isnull);
extern void polygon_decoder_map_csv(PolygonDecoder *dec, char **header, int ncols, const char *file);
extern void polygon_decode_csv_row(PolygonDecoder *dec, char **fields, const int *lens,
								   Datum *values, bool *isnull);

#endif							/* POLYGON_DECODE_H */
