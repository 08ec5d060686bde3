/*-------------------------------------------------------------------------
 *
 * block.c
 *		Tick blocks: the header, the CRC, zstd, and rows in and out.
 *
 * A block is a varlena:
 *
 *	  offset  size	field
 *		   0	 4	magic "TAPB"
 *		   4	 1	format version (1)
 *		   5	 1	kind: 1 trades, 2 quotes
 *		   6	 1	compression of the payload: 0 none, 1 zstd
 *		   7	 1	flags: 1 = the block names a ticker
 *		   8	 4	rows
 *		  12	 4	rows given to the aggregate that packed it
 *		  16	 4	quotes kept per second (0 = every update)
 *		  20	 8	sip_timestamp of the first row
 *		  28	 8	sip_timestamp of the last row
 *		  36	 4	bytes of the payload once decompressed
 *		  40	 1	bytes of the ticker
 *		  41	 3	zero
 *		  44	 4	CRC-32C of everything else: bytes 0..43, ticker, payload
 *		  48	 -	ticker, then payload
 *
 * every word little-endian.  The header alone says what a block is (kind,
 * ticker, rows, time span), so tape.block_info reads only the first bytes of
 * a block stored out of line.  The payload is one section per column (see
 * column.c), compressed with zstd unless that would not make it smaller (or
 * tape.block_compression_level is 0).  The CRC makes any damage an error:
 * a block never decodes into wrong rows.
 *
 * Decoding decompresses the payload once and walks every column's section
 * in step, a batch of rows at a time; nothing is allocated per row.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/store/block.c
 *
 *-------------------------------------------------------------------------
 */
#include "store/codec.h"

#include <zstd.h>

#include "access/htup_details.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port/pg_crc32c.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#define BLOCK_MAGIC			"TAPB"
#define BLOCK_VERSION		1
#define BLOCK_FLAG_TICKER	0x01

/* offsets of the header's fields */
#define OFF_VERSION		4
#define OFF_KIND		5
#define OFF_COMPRESSION 6
#define OFF_FLAGS		7
#define OFF_ROWS		8
#define OFF_SOURCE_ROWS 12
#define OFF_MAX_PER_SEC 16
#define OFF_FIRST		20
#define OFF_LAST		28
#define OFF_RAW_SIZE	36
#define OFF_TICKER_LEN	40
#define OFF_RESERVED	41
#define OFF_CRC			44

/* zstd level of new blocks; 0 stores them uncompressed */
int			store_compression_level = 1;

/* one compression and one decompression context per backend, kept */
static ZSTD_CCtx *store_cctx = NULL;
static ZSTD_DCtx *store_dctx = NULL;

/*
 * store_define_gucs
 *		The settings of the store, defined at load.
 */
void
store_define_gucs(void)
{
	DefineCustomIntVariable("tape.block_compression_level",
							"zstd level of new tick blocks.",
							"1 is fastest, 19 smallest; 0 stores blocks uncompressed.",
							&store_compression_level,
							1, 0, 19,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
}

/*
 * block_corrupted
 *		Report a corrupted block; the detail says where.
 */
void
block_corrupted(const char *fmt,...)
{
	char		detail[512];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("tick block is corrupted"),
			 errdetail_internal("%s", detail)));
}

/*
 * store_zstd_compress
 *		Append src[0..len) compressed at level to out, one zstd frame; return
 *		the bytes added.  (The request cache of polygon_fdw stores pages so.)
 */
size_t
store_zstd_compress(StringInfo out, const char *src, size_t len, int level)
{
	return store_zstd_compress_streams(out, src, len, NULL, 0, level);
}

/*
 * store_zstd_compress_streams
 *		Append src[0..len) compressed at level to out, as one zstd frame
 *		whose blocks end at each mark (offsets in src, ascending): every
 *		stream between marks gets zstd blocks, and so an entropy coder, of
 *		its own.  Return the bytes added.
 */
size_t
store_zstd_compress_streams(StringInfo out, const char *src, size_t len, const int *marks,
							int nmarks, int level)
{
	size_t		bound = ZSTD_compressBound(len) + 8 * ((size_t) nmarks + 1);
	ZSTD_outBuffer dst;
	size_t		start = 0;
	size_t		rc;

	if (store_cctx == NULL && (store_cctx = ZSTD_createCCtx()) == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"),
						errdetail("Could not create a zstd compression context.")));
	if (bound > MaxAllocSize - (Size) out->len - 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("tick block too large"),
				 errhint("Pack a shorter window.")));
	enlargeStringInfo(out, (int) bound);
	dst.dst = out->data + out->len;
	dst.size = bound;
	dst.pos = 0;
	rc = ZSTD_CCtx_reset(store_cctx, ZSTD_reset_session_and_parameters);
	if (!ZSTD_isError(rc))
		rc = ZSTD_CCtx_setParameter(store_cctx, ZSTD_c_compressionLevel, level);
	if (!ZSTD_isError(rc))
		rc = ZSTD_CCtx_setPledgedSrcSize(store_cctx, len);
	for (int k = 0; k <= nmarks && !ZSTD_isError(rc); k++)
	{
		size_t		end = k < nmarks ? (size_t) marks[k] : len;
		ZSTD_EndDirective mode = k < nmarks ? ZSTD_e_flush : ZSTD_e_end;
		ZSTD_inBuffer in = {src + start, end - start, 0};

		if (end <= start && k < nmarks)
			continue;
		do
			rc = ZSTD_compressStream2(store_cctx, &dst, &in, mode);
		while (!ZSTD_isError(rc) && rc != 0);
		start = end;
	}
	if (ZSTD_isError(rc))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compress a tick block"),
				 errdetail_internal("zstd: %s", ZSTD_getErrorName(rc))));
	out->len += (int) dst.pos;
	out->data[out->len] = '\0';
	return dst.pos;
}

/*
 * store_zstd_check
 *		Check that src[0..src_len) is one zstd frame holding exactly dst_len
 *		bytes (before anything that size is allocated).
 */
static void
store_zstd_check(const char *src, size_t src_len, size_t dst_len)
{
	unsigned long long content = ZSTD_getFrameContentSize(src, src_len);
	size_t		frame = ZSTD_findFrameCompressedSize(src, src_len);

	if (content != (unsigned long long) dst_len || ZSTD_isError(frame) || frame != src_len)
		block_corrupted("The zstd frame does not hold the %zu bytes the header announces.", dst_len);
}

/* bytes of a frame decompressed between two checks for interrupts */
#define ZSTD_STEP_IN	(64 * 1024)

/*
 * store_zstd_decompress_into
 *		Decompress a checked frame src[0..src_len) into dst[0..dst_len), a
 *		piece of the input at a time so that a query cancel is honoured
 *		between pieces.  zstd writes straight into dst (it allocates no window
 *		of the frame's size).
 */
static void
store_zstd_decompress_into(char *dst, size_t dst_len, const char *src, size_t src_len)
{
	ZSTD_inBuffer in = {src, 0, 0};
	ZSTD_outBuffer out = {dst, dst_len, 0};
	size_t		rc;

	if (store_dctx == NULL && (store_dctx = ZSTD_createDCtx()) == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"),
						errdetail("Could not create a zstd decompression context.")));
	rc = ZSTD_DCtx_reset(store_dctx, ZSTD_reset_session_and_parameters);
	/* ZSTD_d_stableOutBuffer (zstd 1.4.4 and later): decode into dst itself */
	if (!ZSTD_isError(rc))
		rc = ZSTD_DCtx_setParameter(store_dctx, ZSTD_d_experimentalParam2, 1);
	if (ZSTD_isError(rc))
	{
		/* an older zstd: one call */
		rc = ZSTD_decompressDCtx(store_dctx, dst, dst_len, src, src_len);
		if (ZSTD_isError(rc))
			block_corrupted("zstd: %s", ZSTD_getErrorName(rc));
		out.pos = rc;
		in.pos = src_len;
	}
	else
		rc = 1;					/* not done */
	while (rc != 0)
	{
		size_t		in_before = in.pos;
		size_t		out_before = out.pos;

		CHECK_FOR_INTERRUPTS();
		in.size = Min(src_len, in.pos + ZSTD_STEP_IN);
		rc = ZSTD_decompressStream(store_dctx, &out, &in);
		if (ZSTD_isError(rc))
			block_corrupted("zstd: %s", ZSTD_getErrorName(rc));
		if (rc != 0 && in.pos == in_before && out.pos == out_before)
			block_corrupted("The zstd frame ends early.");
	}
	if (out.pos != dst_len || in.pos != src_len)
		block_corrupted("The payload decompresses to %zu bytes, not %zu.", out.pos, dst_len);
}

/*
 * store_zstd_decompress
 *		Decompress src[0..src_len), one zstd frame that must hold exactly
 *		dst_len bytes, into a new buffer.  The frame is checked before the
 *		buffer is allocated.
 */
char *
store_zstd_decompress(const char *src, size_t src_len, size_t dst_len)
{
	char	   *dst;

	store_zstd_check(src, src_len, dst_len);
	dst = palloc(Max(dst_len, 1));
	store_zstd_decompress_into(dst, dst_len, src, src_len);
	return dst;
}

/* bytes summed between two checks for interrupts */
#define CRC_STEP		(1024 * 1024)

/* the CRC of a whole block (its bytes after the varlena header) */
static pg_crc32c
block_crc(const char *data, size_t len)
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, data, OFF_CRC);
	for (size_t off = BLOCK_HEADER_SIZE; off < len; off += CRC_STEP)
	{
		CHECK_FOR_INTERRUPTS();
		COMP_CRC32C(crc, data + off, Min(len - off, CRC_STEP));
	}
	FIN_CRC32C(crc);
	return crc;
}

/*
 * block_build
 *		Encode a window's rows as a block.
 */
bytea *
block_build(const BlockContents *b)
{
	const BlockSchema *schema = b->schema;
	Sink		payload;
	StringInfoData packed;
	const char *stored;
	size_t		stored_len;
	uint8		compression = BLOCK_COMPRESSION_NONE;
	bytea	   *block;
	char	   *p;
	Size		total;

	if (b->rows > BLOCK_MAX_ROWS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for one tick block"),
				 errdetail("A tick block holds at most " INT64_FORMAT " rows.", BLOCK_MAX_ROWS),
				 errhint("Pack a shorter window.")));

	sink_init(&payload);
	if (b->rows > 0)
		for (int c = 0; c < schema->ncolumns; c++)
			if (schema->columns[c].kind != SK_BLOCK_TEXT)
				column_encode(&payload, schema, c, b->cols, b->rows);

	stored = payload.buf.data;
	stored_len = payload.buf.len;
	/* the order key takes a byte a row (see BLOCK_MAX_EXPANSION) */
	if (stored_len < (size_t) b->rows)
		elog(ERROR, "tick block of " INT64_FORMAT " rows has a payload of %zu bytes", b->rows, stored_len);
	if (store_compression_level > 0 && payload.buf.len > 0)
	{
		size_t		n;

		initStringInfo(&packed);
		n = store_zstd_compress_streams(&packed, payload.buf.data, payload.buf.len, payload.marks,
										payload.nmarks, store_compression_level);
		/* smaller, yet a byte a row at least and not a bomb */
		if (n < stored_len && n >= (size_t) b->rows && stored_len <= n * BLOCK_MAX_EXPANSION)
		{
			stored = packed.data;
			stored_len = packed.len;
			compression = BLOCK_COMPRESSION_ZSTD;
		}
	}

	total = VARHDRSZ + BLOCK_HEADER_SIZE + b->ticker_len + stored_len;
	if (total > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("tick block too large"),
				 errhint("Pack a shorter window.")));
	block = palloc0(total);
	SET_VARSIZE(block, total);
	p = VARDATA(block);
	memcpy(p, BLOCK_MAGIC, 4);
	p[OFF_VERSION] = BLOCK_VERSION;
	p[OFF_KIND] = (char) schema->kind;
	p[OFF_COMPRESSION] = (char) compression;
	p[OFF_FLAGS] = b->ticker ? BLOCK_FLAG_TICKER : 0;
	store_le32(p + OFF_ROWS, (uint32) b->rows);
	store_le32(p + OFF_SOURCE_ROWS, (uint32) b->source_rows);
	store_le32(p + OFF_MAX_PER_SEC, (uint32) b->max_per_second);
	store_le64(p + OFF_FIRST, (uint64) b->first_order);
	store_le64(p + OFF_LAST, (uint64) b->last_order);
	store_le32(p + OFF_RAW_SIZE, (uint32) payload.buf.len);
	p[OFF_TICKER_LEN] = (char) b->ticker_len;
	if (b->ticker_len > 0)
		memcpy(p + BLOCK_HEADER_SIZE, b->ticker, b->ticker_len);
	memcpy(p + BLOCK_HEADER_SIZE + b->ticker_len, stored, stored_len);
	store_le32(p + OFF_CRC, block_crc(p, total - VARHDRSZ));
	sink_free(&payload);
	if (store_compression_level > 0 && payload.buf.len > 0)
		pfree(packed.data);
	return block;
}

/*
 * block_read_header
 *		Check and read a block's header.  With whole, block is all of it and
 *		its CRC is checked too; else it may be only its first bytes (enough
 *		for the header and the ticker).
 */
void
block_read_header(const bytea *block, bool whole, BlockHeader *hdr)
{
	const char *p = VARDATA_ANY(block);
	size_t		len = VARSIZE_ANY_EXHDR(block);
	uint8		flags;

	memset(hdr, 0, sizeof(BlockHeader));
	if (len < BLOCK_HEADER_SIZE || memcmp(p, BLOCK_MAGIC, 4) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("tick block is corrupted"),
				 errdetail("The value does not start with a tick block header.")));
	hdr->version = (uint8) p[OFF_VERSION];
	if (hdr->version != BLOCK_VERSION)
	{
		if (hdr->version > BLOCK_VERSION)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("tick block format version %d is not supported", hdr->version),
					 errdetail("This build of tape reads format version %d.", BLOCK_VERSION),
					 errhint("Update the tape extension.")));
		block_corrupted("The header has format version %d.", hdr->version);
	}
	hdr->kind = (uint8) p[OFF_KIND];
	if (store_schema_by_kind(hdr->kind) == NULL)
		block_corrupted("The header has kind %d.", hdr->kind);
	hdr->compression = (uint8) p[OFF_COMPRESSION];
	if (hdr->compression > BLOCK_COMPRESSION_ZSTD)
		block_corrupted("The header has compression %d.", hdr->compression);
	flags = (uint8) p[OFF_FLAGS];
	if ((flags & ~BLOCK_FLAG_TICKER) != 0 || p[OFF_RESERVED] || p[OFF_RESERVED + 1] ||
		p[OFF_RESERVED + 2])
		block_corrupted("The header has bits set that format version %d does not use.", BLOCK_VERSION);
	hdr->has_ticker = (flags & BLOCK_FLAG_TICKER) != 0;
	hdr->rows = load_le32(p + OFF_ROWS);
	hdr->source_rows = load_le32(p + OFF_SOURCE_ROWS);
	hdr->max_per_second = (int32) load_le32(p + OFF_MAX_PER_SEC);
	hdr->first_order = (int64) load_le64(p + OFF_FIRST);
	hdr->last_order = (int64) load_le64(p + OFF_LAST);
	hdr->raw_size = load_le32(p + OFF_RAW_SIZE);
	hdr->ticker_len = (uint8) p[OFF_TICKER_LEN];
	if (hdr->rows > BLOCK_MAX_ROWS || hdr->source_rows < hdr->rows || hdr->max_per_second < 0 ||
		hdr->first_order > hdr->last_order || hdr->raw_size > MaxAllocSize ||
		hdr->has_ticker != (hdr->rows > 0) || (hdr->ticker_len > 0) != hdr->has_ticker ||
		(hdr->rows == 0 && (hdr->raw_size != 0 || hdr->first_order != 0 || hdr->last_order != 0)))
		block_corrupted("The header's counts do not agree: %lld rows of %lld, %u bytes, ticker of %d bytes.",
						(long long) hdr->rows, (long long) hdr->source_rows, hdr->raw_size,
						hdr->ticker_len);
	if (hdr->rows > hdr->raw_size)
		block_corrupted("The header announces %lld rows in a payload of %u bytes, where a row takes a byte at least.",
						(long long) hdr->rows, hdr->raw_size);
	if (len < (size_t) BLOCK_HEADER_SIZE + hdr->ticker_len)
		block_corrupted("The block ends inside its ticker.");
	hdr->ticker = p + BLOCK_HEADER_SIZE;
	if (!pg_verifymbstr(hdr->ticker, hdr->ticker_len, true))
		block_corrupted("The ticker is not valid in the database encoding.");
	if (!whole)
		return;

	hdr->payload = hdr->ticker + hdr->ticker_len;
	hdr->stored_size = (uint32) (len - BLOCK_HEADER_SIZE - hdr->ticker_len);
	/* what the bytes given must justify (see BLOCK_MAX_EXPANSION) */
	if (hdr->rows > hdr->stored_size)
		block_corrupted("The header announces %lld rows, and the payload takes %u bytes, where a row takes a byte at least.",
						(long long) hdr->rows, hdr->stored_size);
	if (hdr->compression == BLOCK_COMPRESSION_ZSTD &&
		hdr->raw_size > (uint64) hdr->stored_size * BLOCK_MAX_EXPANSION)
		block_corrupted("The header announces a payload of %u bytes, more than %d times the %u bytes it takes.",
						hdr->raw_size, BLOCK_MAX_EXPANSION, hdr->stored_size);
	if (load_le32(p + OFF_CRC) != block_crc(p, len))
		block_corrupted("Its CRC-32C does not match its contents.");
	if (hdr->compression == BLOCK_COMPRESSION_NONE && hdr->stored_size != hdr->raw_size)
		block_corrupted("The payload has %u bytes where the header announces %u.",
						hdr->stored_size, hdr->raw_size);
}

/*
 * block_payload
 *		The payload of a checked block, decompressed (a new buffer) or in place.
 */
char *
block_payload(const bytea *block, BlockHeader *hdr)
{
	if (hdr->compression == BLOCK_COMPRESSION_NONE)
		return (char *) hdr->payload;
	return store_zstd_decompress(hdr->payload, hdr->stored_size, hdr->raw_size);
}

/*
 * block_decoder_open
 *		Check a whole block, decompress it and open every column.  The block
 *		must be of the kind of schema expect (or any kind when it is NULL).
 */
BlockDecoder *
block_decoder_open(const bytea *block, const BlockSchema *expect)
{
	BlockDecoder *d = palloc0(sizeof(BlockDecoder));
	const BlockSchema *schema;
	size_t		off = 0;

	block_read_header(block, true, &d->hdr);
	schema = store_schema_by_kind(d->hdr.kind);
	if (expect != NULL && schema != expect)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("tick block holds %s, not %s", schema->kind_name, expect->kind_name),
				 errhint("Read it with %s().", schema->read_function)));
	d->schema = schema;
	d->payload = block_payload(block, &d->hdr);
	if (d->hdr.rows == 0)
		return d;
	d->ticker = store_packed_datum(PointerGetDatum(cstring_to_text_with_len(d->hdr.ticker,
																			d->hdr.ticker_len)));
	d->values = palloc(STORE_BATCH * schema->ncolumns * sizeof(Datum));
	d->nulls = palloc(STORE_BATCH * schema->ncolumns * sizeof(bool));
	for (int i = 0; i < STORE_BATCH; i++)
	{
		d->values[i * schema->ncolumns + schema->ticker_column] = d->ticker;
		d->nulls[i * schema->ncolumns + schema->ticker_column] = false;
	}
	for (int c = 0; c < schema->ncolumns; c++)
	{
		size_t		used;

		if (schema->columns[c].kind == SK_BLOCK_TEXT)
			continue;
		d->readers[c] = column_reader_open(schema, c, d->payload + off, d->hdr.raw_size - off,
										   &used, d->hdr.rows);
		column_reader_start(d->readers[c], d->values + c, d->nulls + c, schema->ncolumns);
		off += used;
	}
	if (off != d->hdr.raw_size)
		block_corrupted("The payload has %zu bytes after its last column.", d->hdr.raw_size - off);
	return d;
}

/*
 * block_decoder_only
 *		Decode only the named columns (and those they are written relative
 *		to): the others' values in a batch are left unset, and the block is
 *		checked only as far as the columns read.  For readers that need a
 *		few columns of many rows; block_decoder_put needs them all.
 */
void
block_decoder_only(BlockDecoder *d, const char *const *columns, int n)
{
	const BlockSchema *schema = d->schema;

	for (int c = 0; c < schema->ncolumns; c++)
		d->skip[c] = true;
	d->skip[schema->order_column] = false;	/* the order check reads it */
	for (int i = 0; i < n; i++)
	{
		int			c;

		for (c = 0; c < schema->ncolumns; c++)
			if (strcmp(schema->columns[c].name, columns[i]) == 0)
				break;
		if (c == schema->ncolumns)
			elog(ERROR, "tick block schema \"%s\" has no column \"%s\"", schema->kind_name, columns[i]);
		d->skip[c] = false;
		if (schema->columns[c].ref >= 0)
			d->skip[schema->columns[c].ref] = false;
		if (schema->columns[c].group >= 0)
			d->skip[schema->columns[c].group] = false;
		if (schema->columns[c].group2 >= 0)
			d->skip[schema->columns[c].group2] = false;
	}
}

/*
 * block_decoder_next_batch
 *		Decode the next batch of rows into d->values and d->nulls; return how
 *		many (0 at the end).  The order key must run from the header's first
 *		to its last value without going back.
 */
int
block_decoder_next_batch(BlockDecoder *d)
{
	const BlockSchema *schema = d->schema;
	int			n = (int) Min((int64) STORE_BATCH, d->hdr.rows - d->next_row);
	const int64 *order;
	int64		prev;

	d->batch_rows = n;
	if (n <= 0)
		return 0;
	/* columns others refer to first (they refer to none themselves) */
	for (int pass = 0; pass < 2; pass++)
		for (int c = 0; c < schema->ncolumns; c++)
			if (d->readers[c] && !d->skip[c] &&
				(schema->columns[c].ref >= 0 || schema->columns[c].group >= 0) == (pass == 1))
				column_reader_batch(d->readers[c], d->next_row, n, d->readers,
									d->values + c, d->nulls + c, schema->ncolumns);

	order = column_reader_ints(d->readers[schema->order_column]);
	prev = d->next_row == 0 ? d->hdr.first_order : d->prev_order;
	if (d->next_row == 0 && order[0] != d->hdr.first_order)
		block_corrupted("Its first %s is not the header's.", schema->columns[schema->order_column].name);
	for (int i = 0; i < n; i++)
	{
		if (order[i] < prev)
			block_corrupted("Its %s goes back at row %lld.", schema->columns[schema->order_column].name,
							(long long) (d->next_row + i + 1));
		prev = order[i];
	}
	d->prev_order = prev;
	d->next_row += n;
	if (d->next_row == d->hdr.rows && prev != d->hdr.last_order)
		block_corrupted("Its last %s is not the header's.", schema->columns[schema->order_column].name);
	return n;
}

/*
 * block_decoder_put
 *		Put the rows of the current batch into a tuplestore, as tuples of the
 *		schema's columns.  They are built here rather than by the generic
 *		heap_form_tuple: every column's layout is known (integers and doubles
 *		by value, 8-byte ones aligned to 8; varlenas short already or made
 *		short, else aligned to 4), which spares a third of the time a row
 *		costs.  tuplestore_puttuple copies each into the store.
 */
void
block_decoder_put(BlockDecoder *d, Tuplestorestate *ts)
{
	const BlockSchema *schema = d->schema;
	int			nc = schema->ncolumns;

	for (int i = 0; i < d->batch_rows; i++)
	{
		Datum	   *values = d->values + i * nc;
		bool	   *nulls = d->nulls + i * nc;
		bool		hasnull = false;
		Size		hoff;
		Size		len = 0;
		HeapTupleHeader th;
		HeapTupleData tuple;
		char	   *data;
		uint16		infomask = 0;

		for (int c = 0; c < nc; c++)
			hasnull |= nulls[c];
		hoff = MAXALIGN(SizeofHeapTupleHeader + (hasnull ? BITMAPLEN(nc) : 0));

		/* the size of the data */
		for (int c = 0; c < nc; c++)
		{
			struct varlena *v;

			if (nulls[c])
				continue;
			switch (schema->columns[c].kind)
			{
				case SK_INT64:
				case SK_TIMESTAMPTZ:
				case SK_FLOAT64:
					len = DOUBLEALIGN(len) + 8;
					break;
				case SK_INT32:
					len = INTALIGN(len) + 4;
					break;
				default:
					v = (struct varlena *) DatumGetPointer(values[c]);
					if (VARATT_IS_SHORT(v))
						len += VARSIZE_SHORT(v);
					else if (VARATT_CAN_MAKE_SHORT(v))
						len += VARATT_CONVERTED_SHORT_SIZE(v);
					else
						len = INTALIGN(len) + VARSIZE(v);
					break;
			}
		}
		if (hoff + len > d->rowbuf_cap)
		{
			/* nothing in it is kept: a new buffer, not a copy */
			if (d->rowbuf)
				pfree(d->rowbuf);
			d->rowbuf_cap = Max(hoff + len, 2 * d->rowbuf_cap);
			d->rowbuf = palloc(d->rowbuf_cap);
		}

		/*
		 * Every byte zeroed first: the padding before an aligned value must
		 * be zero (a reader takes a nonzero byte where a 4-byte varlena may
		 * start for the header of a short one), and no byte of a tuple is
		 * left unset, since it may be written to disk as it is.
		 */
		th = (HeapTupleHeader) d->rowbuf;
		memset(th, 0, hoff + len);
		HeapTupleHeaderSetNatts(th, nc);
		th->t_hoff = (uint8) hoff;
		data = (char *) th + hoff;
		len = 0;
		for (int c = 0; c < nc; c++)
		{
			struct varlena *v;

			if (nulls[c])
				continue;
			if (hasnull)
				th->t_bits[c >> 3] |= (bits8) (1 << (c & 7));
			switch (schema->columns[c].kind)
			{
				case SK_INT64:
				case SK_TIMESTAMPTZ:
				case SK_FLOAT64:
					len = DOUBLEALIGN(len);
					*(int64 *) (data + len) = DatumGetInt64(values[c]);
					len += 8;
					break;
				case SK_INT32:
					len = INTALIGN(len);
					*(int32 *) (data + len) = DatumGetInt32(values[c]);
					len += 4;
					break;
				default:
					infomask |= HEAP_HASVARWIDTH;
					v = (struct varlena *) DatumGetPointer(values[c]);
					if (VARATT_IS_SHORT(v))
					{
						memcpy(data + len, v, VARSIZE_SHORT(v));
						len += VARSIZE_SHORT(v);
					}
					else if (VARATT_CAN_MAKE_SHORT(v))
					{
						Size		size = VARATT_CONVERTED_SHORT_SIZE(v);

						SET_VARSIZE_SHORT(data + len, size);
						memcpy(data + len + 1, VARDATA(v), size - 1);
						len += size;
					}
					else
					{
						len = INTALIGN(len);
						memcpy(data + len, v, VARSIZE(v));
						len += VARSIZE(v);
					}
					break;
			}
		}
		th->t_infomask = infomask | (hasnull ? HEAP_HASNULL : 0);
		tuple.t_len = (uint32) (hoff + len);
		tuple.t_data = th;
		ItemPointerSetInvalid(&tuple.t_self);
		tuple.t_tableOid = InvalidOid;
		tuplestore_puttuple(ts, &tuple);
	}
}

/*
 * block_decoder_finish
 *		Check that every column was read to its end.
 */
void
block_decoder_finish(BlockDecoder *d)
{
	for (int c = 0; c < d->schema->ncolumns; c++)
		if (d->readers[c] && !d->skip[c])
			column_reader_finish(d->readers[c]);
}
