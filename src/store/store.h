/*-------------------------------------------------------------------------
 *
 * store.h
 *		The store layer: compressed column blocks of ticks.
 *
 * A block holds one window of one ticker's trades or quotes.  It is built in
 * three layers, each usable without the ones above it:
 *
 *	  codec.h	 bytes: varints, zigzag, little-endian words, a bounded
 *				 reader, sinks marking where streams begin
 *	  intcodec.c runs of integers: transforms (plain, delta, delta of
 *				 delta, minus another column, delta within a group) and
 *				 codings (a constant, varints, bit lengths and mantissas,
 *				 a dictionary), chosen by estimated compressed size
 *	  column.c	 columns: NULL bitmaps; integers; doubles as scaled
 *				 integers with exceptions; text; integer arrays as a
 *				 dictionary of distinct arrays
 *	  block.c	 blocks: a header a reader can check without decoding, a
 *				 CRC-32C, zstd (a block of its own for each stream), and
 *				 the rows of a schema encoded column by column and decoded
 *				 in batches
 *
 * A schema (schema.c) is a declarative table of columns, like the endpoint
 * table of polygon_fdw: adding a kind of block (bars, say) is adding a table.
 * docs/storage.md describes the format byte by byte.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/store/store.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TAPE_STORE_H
#define TAPE_STORE_H

#include "tape.h"

#include "access/tupdesc.h"
#include "lib/stringinfo.h"
#include "utils/tuplestore.h"

/* decoded doubles and bigints are Datums by value (block_decoder_put) */
#ifndef USE_FLOAT8_BYVAL
#error "tape's store needs 8-byte Datums (USE_FLOAT8_BYVAL)"
#endif

/* ---------------------------------------------------------------------
 * Schemas
 * ---------------------------------------------------------------------
 */

/* How a column's values are held and encoded */
typedef enum StoreKind
{
	SK_BLOCK_TEXT,				/* text, one value for the block (the ticker),
								 * kept in the header */
	SK_INT64,					/* bigint */
	SK_INT32,					/* integer */
	SK_TIMESTAMPTZ,				/* timestamptz (int64 microseconds) */
	SK_FLOAT64,					/* double precision, as scaled integers */
	SK_TEXT,					/* text */
	SK_INT4_ARRAY				/* integer[], as a dictionary of arrays */
} StoreKind;

/* How the value of a column's reference is turned into one of its own */
typedef enum StoreRefKind
{
	SRK_NONE,					/* no reference */
	SRK_SAME,					/* the reference's value as it is */
	SRK_NS_TO_TIMESTAMPTZ		/* Unix nanoseconds floored to a timestamptz */
} StoreRefKind;

/* Column flags */
#define SCF_ORDER_KEY	0x01	/* never NULL, rows in non-decreasing order */
#define SCF_NOT_NULL	0x02	/* never NULL */
#define SCF_DERIVED		0x04	/* may be absent from packed rows: then its
								 * value is its reference's */
#define SCF_NBBO		0x08	/* part of the NBBO state (down-sampling) */

/* One column of a schema */
typedef struct StoreColumn
{
	const char *name;			/* column name, as in the foreign table */
	Oid			typid;			/* its SQL type */
	StoreKind	kind;			/* how it is held and encoded */
	int			ref;			/* column its values may be taken relative
								 * to, or -1 */
	StoreRefKind ref_kind;		/* how that column's value converts */
	int			group;			/* column whose value picks a delta chain,
								 * or -1 */
	int			group2;			/* a second such column, or -1 */
	uint16		flags;			/* SCF_* */
} StoreColumn;

/* The most columns any schema has */
#define STORE_MAX_COLUMNS 24

/* Block kinds (a byte of the header: never renumber) */
#define BLOCK_KIND_TRADES	1
#define BLOCK_KIND_QUOTES	2

/* A kind of block: its columns in output order */
typedef struct BlockSchema
{
	uint8		kind;			/* BLOCK_KIND_* */
	const char *kind_name;		/* "trades" */
	const char *source;			/* the foreign table whose rows it packs */
	const char *pack_function;	/* the aggregate that packs them */
	const char *read_function;	/* the function that reads them back */
	const StoreColumn *columns; /* in the order of the source's columns */
	int			ncolumns;
	int			ticker_column;	/* the SK_BLOCK_TEXT column */
	int			order_column;	/* the SCF_ORDER_KEY column */
} BlockSchema;

/*
 * store_ns_to_timestamptz
 *		A timestamptz from Unix nanoseconds, floored to the microsecond (as
 *		polygon_fdw makes ts from sip_timestamp).
 */
static inline int64
store_ns_to_timestamptz(int64 ns)
{
	int64		us = ns / 1000 - (ns % 1000 < 0 ? 1 : 0);

	/* microseconds from 1970 to 2000 (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE days) */
	return (int64) ((uint64) us - UINT64CONST(946684800000000));
}

/*
 * store_ref_value
 *		What a column's reference value refval stands for in the column.
 */
static inline int64
store_ref_value(StoreRefKind kind, int64 refval)
{
	return kind == SRK_NS_TO_TIMESTAMPTZ ? store_ns_to_timestamptz(refval) : refval;
}

/* in schema.c */
extern const BlockSchema *store_schema_by_kind(uint8 kind);
extern const BlockSchema store_trades_schema;
extern const BlockSchema store_quotes_schema;

/* ---------------------------------------------------------------------
 * Columns of rows being packed (column.c)
 * ---------------------------------------------------------------------
 */

/* Distinct byte strings (integer arrays, texts), interned as they arrive */
typedef struct BytesDict BytesDict;

/*
 * The values of one column, accumulated row by row in growable arrays of
 * the aggregate's memory context.  Values of NULL rows are don't-care.
 */
typedef struct ColumnValues
{
	int64	   *i64;			/* SK_INT64, SK_TIMESTAMPTZ, SK_FLOAT64
								 * (the double's bits) */
	int32	   *i32;			/* SK_INT32; dictionary code of SK_INT4_ARRAY;
								 * end offset in text of SK_TEXT */
	bits8	   *nulls;			/* bit set = NULL */
	int64		nnulls;			/* rows that are NULL */
	char	   *text;			/* SK_TEXT: the values, back to back */
	uint32		text_len;		/* bytes used in text */
	uint32		text_cap;		/* bytes allocated for text */
	BytesDict  *arrays;			/* SK_INT4_ARRAY: the distinct arrays */
} ColumnValues;

extern void column_values_grow(const StoreColumn *col, ColumnValues *cv,
							   MemoryContext cxt, int64 old_cap, int64 new_cap);
extern void column_values_set(const StoreColumn *col, ColumnValues *cv,
							  MemoryContext cxt, int64 row, Datum value, bool isnull);
extern void column_values_truncate(const StoreColumn *col, ColumnValues *cv,
								   int64 row);
extern bool column_values_isnull(const ColumnValues *cv, int64 row);


/* Encode rows [0, nrows) of a column as one section of a block's payload */
typedef struct Sink Sink;
extern void column_encode(Sink *out, const BlockSchema *schema, int c,
						  const ColumnValues *cols, int64 nrows);

/* ---------------------------------------------------------------------
 * Reading columns back (column.c)
 * ---------------------------------------------------------------------
 */

/* Rows decoded at a time: every column of a batch, then its tuples */
#define STORE_BATCH 1024

typedef struct ColumnReader ColumnReader;

/* What column_describe tells of one section */
typedef struct ColumnSectionInfo
{
	char	   *encoding;		/* how its values are written, in words */
	int64		nulls;			/* rows that are NULL */
	int64		bytes;			/* bytes of the section before zstd */
} ColumnSectionInfo;

extern ColumnReader *column_reader_open(const BlockSchema *schema, int c,
										const char *payload, size_t len,
										size_t *used, int64 nrows);
extern void column_reader_start(ColumnReader *r, Datum *values, bool *nulls, int stride);
extern void column_reader_batch(ColumnReader *r, int64 first, int n,
								ColumnReader **readers, Datum *values, bool *nulls,
								int stride);
extern void column_reader_finish(ColumnReader *r);
extern const int64 *column_reader_ints(ColumnReader *r);
extern Datum store_packed_datum(Datum d);
extern void column_describe(const BlockSchema *schema, int c,
							const char *payload, size_t len, size_t *used,
							int64 nrows, ColumnSectionInfo *info);

/* ---------------------------------------------------------------------
 * Blocks (block.c)
 * ---------------------------------------------------------------------
 */

/* The most rows one block holds */
#define BLOCK_MAX_ROWS		(INT64CONST(1) << 26)

/*
 * What a block's bytes must justify, so that no reader sizes anything from a
 * count the block cannot back (block_read_header checks both before anything
 * is allocated, block_build keeps to them):
 *
 * - a row takes a byte of the payload at least, as stored and decompressed:
 *	 the order key is never written as a constant or a dictionary (a byte a
 *	 row at least), and a payload zstd would shrink below a byte a row is
 *	 stored as it is;
 * - a zstd payload decompresses to at most BLOCK_MAX_EXPANSION times the
 *	 bytes it takes (else it is stored as it is).
 *
 * So rows, and what readers allocate for them, follow from the bytes given.
 */
#define BLOCK_MAX_EXPANSION 64

/* The longest ticker a block keeps */
#define BLOCK_MAX_TICKER	255

/* What a block's header says, once checked */
typedef struct BlockHeader
{
	uint8		version;		/* format version */
	uint8		kind;			/* BLOCK_KIND_* */
	uint8		compression;	/* BLOCK_COMPRESSION_* */
	bool		has_ticker;		/* false only for a block of no rows */
	int64		rows;			/* rows it holds */
	int64		source_rows;	/* rows it was packed from */
	int32		max_per_second; /* quotes kept per second, 0 = all */
	int64		first_order;	/* sip_timestamp of the first row */
	int64		last_order;		/* sip_timestamp of the last row */
	uint32		raw_size;		/* bytes of the payload decompressed */
	uint32		stored_size;	/* bytes of the payload as stored (only when
								 * the whole block was read) */
	int			ticker_len;		/* bytes of the ticker */
	const char *ticker;			/* the ticker (not terminated), in the block */
	const char *payload;		/* the payload as stored, in the block */
} BlockHeader;

#define BLOCK_COMPRESSION_NONE	0
#define BLOCK_COMPRESSION_ZSTD	1

/* Bytes of the fixed header (after the varlena header) */
#define BLOCK_HEADER_SIZE	48

/* What a packed window is: its rows are in its ColumnValues */
typedef struct BlockContents
{
	const BlockSchema *schema;
	const ColumnValues *cols;	/* one per schema column */
	int64		rows;			/* rows to encode: [0, rows) */
	int64		source_rows;	/* rows given to the aggregate */
	int32		max_per_second; /* down-sampling of quotes, 0 = none */
	const char *ticker;			/* NULL for a block of no rows */
	int			ticker_len;
	int64		first_order;	/* the order key of the first row */
	int64		last_order;		/* and of the last */
} BlockContents;

/* in block.c */
extern int	store_compression_level;
extern bytea *block_build(const BlockContents *contents);
extern void block_read_header(const bytea *block, bool whole, BlockHeader *hdr);
extern char *block_payload(const bytea *block, BlockHeader *hdr);
extern void block_corrupted(const char *fmt,...) pg_attribute_printf(1, 2) pg_attribute_noreturn();
extern size_t store_zstd_compress(StringInfo out, const char *src, size_t len, int level);
extern size_t store_zstd_compress_streams(StringInfo out, const char *src, size_t len,
										  const int *marks, int nmarks, int level);
extern char *store_zstd_decompress(const char *src, size_t src_len, size_t dst_len);

/* Decoding a block's rows in batches */
typedef struct BlockDecoder
{
	const BlockSchema *schema;
	BlockHeader hdr;
	char	   *payload;		/* decompressed */
	int64		next_row;		/* first row of the next batch */
	int			batch_rows;		/* rows in the current batch */
	int64		prev_order;		/* order key of the last row decoded */
	Datum		ticker;			/* the ticker as a text datum */
	ColumnReader *readers[STORE_MAX_COLUMNS];	/* NULL for the ticker */
	bool		skip[STORE_MAX_COLUMNS];	/* columns not decoded (see
											 * block_decoder_only) */
	Datum	   *values;			/* the batch: row i's values at i * ncolumns */
	bool	   *nulls;			/* and its NULLs */
	char	   *rowbuf;			/* a tuple being built */
	Size		rowbuf_cap;		/* bytes allocated for it */
} BlockDecoder;

extern BlockDecoder *block_decoder_open(const bytea *block, const BlockSchema *expect);
extern void block_decoder_only(BlockDecoder *d, const char *const *columns, int n);
extern int	block_decoder_next_batch(BlockDecoder *d);

extern void block_decoder_put(BlockDecoder *d, Tuplestorestate *ts);
extern void block_decoder_finish(BlockDecoder *d);

#endif							/* TAPE_STORE_H */
