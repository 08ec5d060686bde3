/*-------------------------------------------------------------------------
 *
 * tick_block.c
 *		The SQL type tape.tick_block and the functions that read blocks.
 *
 * A tick_block is a varlena holding one block (see block.c).  Its text form
 * says what it is before its bytes in hex:
 *
 *	  (trades AAPL 2 rows)\x54415042...
 *
 * and reads back into the same block (the part in parentheses may be left
 * out; when present it must match).  Every way in (text, binary, a cast from
 * bytea) checks the header and the CRC, so a stored block is always one
 * tape wrote.  The type's storage is EXTERNAL: PostgreSQL moves large
 * blocks out of line without trying to compress them again.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/store/tick_block.c
 *
 *-------------------------------------------------------------------------
 */
#include "store/store.h"

#include "access/detoast.h"
#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(tape_tick_block_in);
PG_FUNCTION_INFO_V1(tape_tick_block_out);
PG_FUNCTION_INFO_V1(tape_tick_block_recv);
PG_FUNCTION_INFO_V1(tape_tick_block_send);
PG_FUNCTION_INFO_V1(tape_tick_block_from_bytea);
PG_FUNCTION_INFO_V1(tape_block_info);
PG_FUNCTION_INFO_V1(tape_block_columns);
PG_FUNCTION_INFO_V1(tape_trades_of);
PG_FUNCTION_INFO_V1(tape_quotes_of);

/* what the text form says before the bytes */
static char *
block_label(const BlockHeader *hdr)
{
	const BlockSchema *schema = store_schema_by_kind(hdr->kind);

	if (!hdr->has_ticker)
		return psprintf("(%s " INT64_FORMAT " rows)", schema->kind_name, hdr->rows);
	return psprintf("(%s %.*s " INT64_FORMAT " %s)", schema->kind_name, hdr->ticker_len,
					hdr->ticker, hdr->rows, hdr->rows == 1 ? "row" : "rows");
}

/* a copy of bytes as a checked block */
static bytea *
checked_block(const char *data, Size len)
{
	bytea	   *block = palloc(VARHDRSZ + len);
	BlockHeader hdr;

	SET_VARSIZE(block, VARHDRSZ + len);
	memcpy(VARDATA(block), data, len);
	block_read_header(block, true, &hdr);
	return block;
}

/*
 * tape_tick_block_in
 *		A block from its text form.
 */
Datum
tape_tick_block_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	char	   *hex = NULL;
	char	   *p;
	size_t		len;
	char	   *bytes;
	uint64		n;
	bytea	   *block;
	BlockHeader hdr;

	/* the hex digits start after the last "\x" (the ticker may hold one) */
	for (p = str; (p = strstr(p, "\\x")) != NULL; p += 2)
		hex = p;
	if (hex == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type tick_block"),
				 errdetail("A tick block is written as hexadecimal bytes after \"\\x\".")));
	len = strlen(hex + 2);
	bytes = palloc(len / 2 + 1);
	n = hex_decode(hex + 2, len, bytes);
	block = checked_block(bytes, n);
	pfree(bytes);

	if (hex > str)
	{
		char	   *label;

		block_read_header(block, false, &hdr);
		label = block_label(&hdr);
		if ((size_t) (hex - str) != strlen(label) || strncmp(str, label, hex - str) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type tick_block"),
					 errdetail("The label \"%.*s\" does not match the block, which is \"%s\".",
							   (int) (hex - str), str, label)));
	}
	PG_RETURN_BYTEA_P(block);
}

/*
 * tape_tick_block_out
 *		The text form of a block: its label, then its bytes in hex.
 */
Datum
tape_tick_block_out(PG_FUNCTION_ARGS)
{
	bytea	   *block = PG_GETARG_BYTEA_PP(0);
	BlockHeader hdr;
	char	   *label;
	size_t		len = VARSIZE_ANY_EXHDR(block);
	size_t		label_len;
	char	   *out;

	block_read_header(block, false, &hdr);
	label = block_label(&hdr);
	label_len = strlen(label);
	out = palloc(label_len + 2 + 2 * len + 1);
	memcpy(out, label, label_len);
	out[label_len] = '\\';
	out[label_len + 1] = 'x';
	hex_encode(VARDATA_ANY(block), len, out + label_len + 2);
	out[label_len + 2 + 2 * len] = '\0';
	PG_RETURN_CSTRING(out);
}

/*
 * tape_tick_block_recv
 *		A block from its binary form (its bytes).
 */
Datum
tape_tick_block_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;
	bytea	   *block = checked_block(buf->data + buf->cursor, len);

	buf->cursor += len;
	PG_RETURN_BYTEA_P(block);
}

/*
 * tape_tick_block_send
 *		The binary form of a block: its bytes.
 */
Datum
tape_tick_block_send(PG_FUNCTION_ARGS)
{
	bytea	   *block = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA_ANY(block), VARSIZE_ANY_EXHDR(block));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * tape_tick_block_from_bytea
 *		The cast bytea -> tick_block: the same bytes, checked.
 */
Datum
tape_tick_block_from_bytea(PG_FUNCTION_ARGS)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);

	PG_RETURN_BYTEA_P(checked_block(VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw)));
}

/*
 * tape_block_info
 *		What a block is, from its header alone: a block stored out of line is
 *		read no further than its first bytes.
 */
Datum
tape_block_info(PG_FUNCTION_ARGS)
{
	Datum		raw = PG_GETARG_DATUM(0);
	bytea	   *head = DatumGetByteaPSlice(raw, 0, BLOCK_HEADER_SIZE + BLOCK_MAX_TICKER);
	Size		bytes = toast_raw_datum_size(raw) - VARHDRSZ;
	BlockHeader hdr;
	TupleDesc	tupdesc;
	Datum		values[14];
	bool		nulls[14] = {0};
	int			i = 0;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	block_read_header(head, false, &hdr);

	values[i++] = CStringGetTextDatum(store_schema_by_kind(hdr.kind)->kind_name);
	nulls[i] = !hdr.has_ticker;
	values[i++] = hdr.has_ticker ? PointerGetDatum(cstring_to_text_with_len(hdr.ticker, hdr.ticker_len)) : (Datum) 0;
	values[i++] = Int64GetDatum(hdr.rows);
	nulls[i] = nulls[i + 1] = nulls[i + 2] = nulls[i + 3] = hdr.rows == 0;
	values[i++] = TimestampTzGetDatum(store_ns_to_timestamptz(hdr.first_order));
	values[i++] = TimestampTzGetDatum(store_ns_to_timestamptz(hdr.last_order));
	values[i++] = Int64GetDatum(hdr.first_order);
	values[i++] = Int64GetDatum(hdr.last_order);
	values[i++] = Int64GetDatum((int64) bytes);
	values[i++] = Int64GetDatum((int64) (BLOCK_HEADER_SIZE + hdr.ticker_len + hdr.raw_size));
	nulls[i] = hdr.rows == 0;
	values[i++] = Float8GetDatum(hdr.rows > 0 ? (double) bytes / hdr.rows : 0);
	values[i++] = Int64GetDatum(hdr.source_rows);
	values[i++] = Int32GetDatum(hdr.max_per_second);
	values[i++] = CStringGetTextDatum(hdr.compression == BLOCK_COMPRESSION_ZSTD ? "zstd" : "none");
	values[i++] = Int32GetDatum(hdr.version);
	Assert(i == tupdesc->natts);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * tape_block_columns
 *		How each column of a block is written and what it costs: bytes of its
 *		section before compression, and compressed on its own (about what
 *		it takes in the block, where each column is compressed apart).
 */
Datum
tape_block_columns(PG_FUNCTION_ARGS)
{
	bytea	   *block = PG_GETARG_BYTEA_PP(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BlockHeader hdr;
	const BlockSchema *schema;
	char	   *payload;
	size_t		off = 0;

	InitMaterializedSRF(fcinfo, 0);
	block_read_header(block, true, &hdr);
	schema = store_schema_by_kind(hdr.kind);
	payload = block_payload(block, &hdr);
	for (int c = 0; c < schema->ncolumns; c++)
	{
		Datum		values[5];
		bool		nulls[5] = {0};
		ColumnSectionInfo info;
		size_t		used = 0;
		int64		compressed = 0;

		values[0] = CStringGetTextDatum(schema->columns[c].name);
		if (schema->columns[c].kind == SK_BLOCK_TEXT)
		{
			info.encoding = "in the header";
			info.nulls = 0;
			info.bytes = hdr.ticker_len;
			compressed = hdr.ticker_len;
		}
		else if (hdr.rows == 0)
		{
			info.encoding = "no rows";
			info.nulls = 0;
			info.bytes = 0;
		}
		else
		{
			StringInfoData z;

			column_describe(schema, c, payload + off, hdr.raw_size - off, &used, hdr.rows, &info);
			initStringInfo(&z);
			compressed = (int64) store_zstd_compress(&z, payload + off, used,
												 Max(store_compression_level, 1));
			pfree(z.data);
			off += used;
		}
		values[1] = CStringGetTextDatum(info.encoding);
		values[2] = Int64GetDatum(info.nulls);
		values[3] = Int64GetDatum(info.bytes);
		values[4] = Int64GetDatum(compressed);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * ticks_of
 *		The rows of a block of schema's kind, every column, in order.
 */
static Datum
ticks_of(FunctionCallInfo fcinfo, const BlockSchema *schema)
{
	bytea	   *block = PG_GETARG_BYTEA_PP(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BlockDecoder *d;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	if (rsinfo->setDesc->natts != schema->ncolumns)
		elog(ERROR, "%s must return %d columns", schema->read_function, schema->ncolumns);
	for (int c = 0; c < schema->ncolumns; c++)
		if (TupleDescAttr(rsinfo->setDesc, c)->atttypid != schema->columns[c].typid)
			elog(ERROR, "column %d of %s must be of type %s", c + 1, schema->read_function,
				 format_type_be(schema->columns[c].typid));

	d = block_decoder_open(block, schema);
	while (block_decoder_next_batch(d) > 0)
	{
		CHECK_FOR_INTERRUPTS();
		block_decoder_put(d, rsinfo->setResult);
	}
	block_decoder_finish(d);
	return (Datum) 0;
}

/*
 * tape_trades_of
 *		The trades of a block, as polygon.trades has them.
 */
Datum
tape_trades_of(PG_FUNCTION_ARGS)
{
	return ticks_of(fcinfo, store_schema_by_kind(BLOCK_KIND_TRADES));
}

/*
 * tape_quotes_of
 *		The quotes of a block, as polygon.quotes has them.
 */
Datum
tape_quotes_of(PG_FUNCTION_ARGS)
{
	return ticks_of(fcinfo, store_schema_by_kind(BLOCK_KIND_QUOTES));
}
