/*-------------------------------------------------------------------------
 *
 * column.c
 *		Columns of a tick block: how each kind of value is written and read.
 *
 * A block's payload is one section per column, in the schema's order:
 *
 *	  coding	1 byte: CODING_*, plus CODING_HAS_NULLS when a bitmap follows
 *	  length	varint: bytes of what follows
 *	  bitmap	ceil(rows / 8) bytes, bit set = NULL (only with HAS_NULLS)
 *	  body		the values of the rows that are not NULL, per the coding
 *
 * Integers (bigint, integer, timestamptz) are runs of integers (intcodec.c):
 * transformed (participant_timestamp minus sip_timestamp is a latency of a
 * few microseconds; ts minus sip_timestamp floored to microseconds is 0;
 * trade ids count per exchange and TRF), then coded, whatever should take
 * the fewest bytes once compressed.
 *
 * Doubles are scaled integers: the block takes one power of ten s (from
 * 10^-9 to 10^15), every value v with v = r / 10^s exactly (bit for bit) is
 * written as the integer r (a run of integers as above; each scale some
 * value needs is tried), and the
 * rest (values with more digits, -0, NaN, infinities) are exceptions kept as
 * their 8 raw bytes.  Prices on a penny grid take s = 2, sub-penny prices 4,
 * sizes in round lots s = -2; nothing is ever rounded.
 *
 * Text is a dictionary, plain strings, or, when every value is a canonical
 * decimal integer (trade ids), integers.  Integer arrays (condition codes)
 * are a dictionary of the distinct arrays, each written once.
 *
 * Each section is a stream of its own (block.c gives it zstd blocks of its
 * own).  Readers decode a batch of rows of a column at a time, so the
 * per-coding dispatch is paid per batch, not per value, and never read past
 * their section: a corrupted block is reported, never trusted.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/store/column.c
 *
 *-------------------------------------------------------------------------
 */
#include "store/intcodec.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* The powers of ten a double column may be scaled by */
#define SCALE_MIN		(-9)
#define SCALE_MAX		15
#define SCALE_NONE		127		/* fits no scale: an exception */
#define SCALE_ANY		(SCALE_MIN - 1) /* +0: fits every scale */

/* 10^0 .. 10^22, each exact in a double */
static const double pow10_table[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* ---------------------------------------------------------------------
 * Interned byte strings
 * ---------------------------------------------------------------------
 */

/*
 * Distinct byte strings, numbered in the order they were first seen, with
 * an open-addressing hash table over them.  Everything lives in one memory
 * context and grows by doubling: interning a string seen before allocates
 * nothing.
 */
struct BytesDict
{
	MemoryContext cxt;			/* where it grows */
	char	   *data;			/* the strings, back to back */
	Size		data_len;		/* bytes used */
	Size		data_cap;		/* bytes allocated */
	uint32	   *offset;			/* where string i starts in data */
	uint32	   *length;			/* its length */
	uint32	   *hash;			/* its hash */
	int32		n;				/* strings */
	int32		cap;			/* strings allocated */
	int32	   *slots;			/* hash table: string + 1, 0 = empty */
	uint32		mask;			/* slots - 1 (a power of two less one) */
};

/* an empty dictionary in cxt */
static BytesDict *
bytes_dict_create(MemoryContext cxt)
{
	BytesDict  *d = MemoryContextAllocZero(cxt, sizeof(BytesDict));

	d->cxt = cxt;
	d->cap = 16;
	d->offset = MemoryContextAlloc(cxt, d->cap * sizeof(uint32));
	d->length = MemoryContextAlloc(cxt, d->cap * sizeof(uint32));
	d->hash = MemoryContextAlloc(cxt, d->cap * sizeof(uint32));
	d->data_cap = 256;
	d->data = MemoryContextAlloc(cxt, d->data_cap);
	d->mask = 63;
	d->slots = MemoryContextAllocZero(cxt, (d->mask + 1) * sizeof(int32));
	return d;
}

/* double the hash table of a dictionary */
static void
bytes_dict_rehash(BytesDict *d)
{
	uint32		mask = d->mask * 2 + 1;
	int32	   *slots = MemoryContextAllocZero(d->cxt, ((Size) mask + 1) * sizeof(int32));

	for (int32 i = 0; i < d->n; i++)
	{
		uint32		s = d->hash[i] & mask;

		while (slots[s] != 0)
			s = (s + 1) & mask;
		slots[s] = i + 1;
	}
	pfree(d->slots);
	d->slots = slots;
	d->mask = mask;
}

/*
 * bytes_dict_intern
 *		The number of the string p[0..len), adding it when new; -1 when it is
 *		new and the dictionary already holds limit strings.
 */
static int32
bytes_dict_intern(BytesDict *d, const char *p, uint32 len, int32 limit)
{
	uint32		h = hash_bytes((const unsigned char *) p, len);
	uint32		s = h & d->mask;
	int32		i;

	while (d->slots[s] != 0)
	{
		i = d->slots[s] - 1;
		if (d->hash[i] == h && d->length[i] == len &&
			memcmp(d->data + d->offset[i], p, len) == 0)
			return i;
		s = (s + 1) & d->mask;
	}
	if (d->n >= limit)
		return -1;
	if (d->data_len + len > MaxAllocSize / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct values for one tick block"),
				 errhint("Pack a shorter window.")));
	if (d->n == d->cap)
	{
		d->cap *= 2;
		d->offset = repalloc(d->offset, d->cap * sizeof(uint32));
		d->length = repalloc(d->length, d->cap * sizeof(uint32));
		d->hash = repalloc(d->hash, d->cap * sizeof(uint32));
	}
	while (d->data_len + len > d->data_cap)
	{
		d->data_cap *= 2;
		d->data = repalloc(d->data, d->data_cap);
	}
	i = d->n++;
	memcpy(d->data + d->data_len, p, len);
	d->offset[i] = (uint32) d->data_len;
	d->length[i] = len;
	d->hash[i] = h;
	d->data_len += len;
	d->slots[s] = i + 1;
	if ((uint32) d->n * 2 > d->mask)
		bytes_dict_rehash(d);
	return i;
}

/* ---------------------------------------------------------------------
 * Accumulating values
 * ---------------------------------------------------------------------
 */

/* the bytes of a text or array datum, without detoasting a short one */
static const char *
varlena_bytes(Datum value, uint32 *len)
{
	struct varlena *v = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(value));

	*len = VARSIZE_ANY_EXHDR(v);
	return VARDATA_ANY(v);
}

/*
 * column_values_grow
 *		Make room for new_cap rows in a column.
 */
void
column_values_grow(const StoreColumn *col, ColumnValues *cv, MemoryContext cxt,
				   int64 old_cap, int64 new_cap)
{
	switch (col->kind)
	{
		case SK_BLOCK_TEXT:
			return;
		case SK_INT64:
		case SK_TIMESTAMPTZ:
		case SK_FLOAT64:
			cv->i64 = cv->i64 ? repalloc(cv->i64, new_cap * sizeof(int64))
				: MemoryContextAlloc(cxt, new_cap * sizeof(int64));
			break;
		case SK_INT32:
		case SK_TEXT:
		case SK_INT4_ARRAY:
			cv->i32 = cv->i32 ? repalloc(cv->i32, new_cap * sizeof(int32))
				: MemoryContextAlloc(cxt, new_cap * sizeof(int32));
			break;
	}
	/* a bit a row, allocated with the values (a sixty-fourth of them) */
	if (cv->nulls)
	{
		Size		old_bytes = (old_cap + 7) / 8;
		Size		new_bytes = (new_cap + 7) / 8;

		cv->nulls = repalloc(cv->nulls, new_bytes);
		memset(cv->nulls + old_bytes, 0, new_bytes - old_bytes);
	}
	else
		cv->nulls = MemoryContextAllocZero(cxt, (new_cap + 7) / 8);
}

/*
 * column_values_set
 *		Set a column's value of a row (the row after the last, or the last
 *		again after column_values_truncate).  Room was made by
 *		column_values_grow.
 */
void
column_values_set(const StoreColumn *col, ColumnValues *cv, MemoryContext cxt,
				  int64 row, Datum value, bool isnull)
{
	if (isnull)
	{
		cv->nulls[row >> 3] |= (bits8) (1 << (row & 7));
		cv->nnulls++;
		if (col->kind == SK_TEXT)
			cv->i32[row] = (int32) cv->text_len;
		return;
	}
	cv->nulls[row >> 3] &= (bits8) ~(1 << (row & 7));

	switch (col->kind)
	{
		case SK_BLOCK_TEXT:
			break;
		case SK_INT64:
		case SK_TIMESTAMPTZ:
			cv->i64[row] = DatumGetInt64(value);
			break;
		case SK_FLOAT64:
			{
				double		d = DatumGetFloat8(value);

				memcpy(&cv->i64[row], &d, sizeof(double));
				break;
			}
		case SK_INT32:
			cv->i32[row] = DatumGetInt32(value);
			break;
		case SK_TEXT:
			{
				uint32		len;
				const char *p = varlena_bytes(value, &len);

				if ((Size) cv->text_len + len > MaxAllocSize / 2)
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("too much text in column \"%s\" for one tick block", col->name),
							 errhint("Pack a shorter window.")));
				if (cv->text_len + len > cv->text_cap)
				{
					uint32		cap = Max(cv->text_cap * 2, 1024);

					while (cap < cv->text_len + len)
						cap *= 2;
					cv->text = cv->text ? repalloc(cv->text, cap) : MemoryContextAlloc(cxt, cap);
					cv->text_cap = cap;
				}
				memcpy(cv->text + cv->text_len, p, len);
				cv->text_len += len;
				cv->i32[row] = (int32) cv->text_len;
				break;
			}
		case SK_INT4_ARRAY:
			{
				uint32		len;
				const char *p = varlena_bytes(value, &len);

				if (cv->arrays == NULL)
					cv->arrays = bytes_dict_create(cxt);
				cv->i32[row] = bytes_dict_intern(cv->arrays, p, len, PG_INT32_MAX);
				break;
			}
	}
}

/*
 * column_values_isnull
 *		Whether a row of a column is NULL.
 */
bool
column_values_isnull(const ColumnValues *cv, int64 row)
{
	return (cv->nulls[row >> 3] & (1 << (row & 7))) != 0;
}

/*
 * column_values_truncate
 *		Forget row (the last one set): the next set writes it again.
 */
void
column_values_truncate(const StoreColumn *col, ColumnValues *cv, int64 row)
{
	if (column_values_isnull(cv, row))
	{
		cv->nulls[row >> 3] &= (bits8) ~(1 << (row & 7));
		cv->nnulls--;
	}
	if (col->kind == SK_TEXT)
		cv->text_len = row > 0 ? (uint32) cv->i32[row - 1] : 0;
}

/* the text of a row: [start, end) of the column's text */
static inline const char *
text_of_row(const ColumnValues *cv, int64 row, uint32 *len)
{
	uint32		start = row > 0 ? (uint32) cv->i32[row - 1] : 0;

	*len = (uint32) cv->i32[row] - start;
	return cv->text + start;
}

/* ---------------------------------------------------------------------
 * Doubles as scaled integers
 * ---------------------------------------------------------------------
 */

/* the double that integer r at scale s stands for (the reader's formula) */
static inline double
scaled_value(int64 r, int s)
{
	return s >= 0 ? (double) r / pow10_table[s] : (double) r * pow10_table[-s];
}

/* whether v is exactly some integer r at scale s, bit for bit */
static inline bool
scaled_fits(double v, int s, int64 *r)
{
	double		x = s >= 0 ? v * pow10_table[s] : v / pow10_table[-s];
	double		rr = rint(x);
	double		back;

	if (!(fabs(rr) < 9007199254740992.0))	/* 2^53; false for NaN */
		return false;
	back = scaled_value((int64) rr, s);
	if (memcmp(&back, &v, sizeof(double)) != 0)
		return false;
	*r = (int64) rr;
	return true;
}

/* the smallest scale v fits, SCALE_ANY for +0, SCALE_NONE when none */
static int
min_scale(double v)
{
	int64		r;

	if (v == 0 && !signbit(v))
		return SCALE_ANY;
	if (!isfinite(v) || v == 0)
		return SCALE_NONE;
	if (v == rint(v) && fabs(v) < 9007199254740992.0)
	{
		/* an integer: trailing zeros make a negative scale */
		int64		i = (int64) v;
		int			s = 0;

		while (s > SCALE_MIN && i % 10 == 0)
		{
			i /= 10;
			s--;
		}
		for (; s <= 0; s++)
			if (scaled_fits(v, s, &r))
				return s;
	}
	for (int s = 1; s <= SCALE_MAX; s++)
		if (scaled_fits(v, s, &r))
			return s;
	return SCALE_NONE;
}

/*
 * float_scaled
 *		Write m doubles as integers at scale s, with those that are not
 *		exactly an integer at that scale as exceptions; return about how
 *		many bytes that takes once compressed.
 */
static double
float_scaled(Sink *body, const double *v, const int8 *ms, int64 m, int s)
{
	int64	   *r = palloc(Max(m, 1) * sizeof(int64));
	int64		nreg = 0;
	int64		nexc = 0;
	int64		last_exc = -1;
	StringInfoData exc;
	IntInput	in;
	double		estimate;

	initStringInfo(&exc);
	for (int64 j = 0; j < m; j++)
	{
		if (ms[j] != SCALE_NONE && ms[j] <= s && scaled_fits(v[j], s, &r[nreg]))
			nreg++;
		else
		{
			uint64		bits;

			memcpy(&bits, &v[j], sizeof(double));
			put_uvarint(&exc, (uint64) (j - last_exc - 1));
			put_le64(&exc, bits);
			last_exc = j;
			nexc++;
		}
	}
	put_svarint(&body->buf, s);
	put_uvarint(&body->buf, nexc);
	appendBinaryStringInfo(&body->buf, exc.data, exc.len);
	in.v = r;
	in.ref = NULL;
	in.slot = NULL;
	in.m = nreg;
	in.byte_each = false;
	estimate = body->buf.len + int_section(body, &in, true);
	pfree(r);
	pfree(exc.data);
	return estimate;
}

/*
 * float_body
 *		Write m doubles: as scaled integers at the scale that should take
 *		fewest bytes (each smallest scale some value needs is tried), or as
 *		raw bytes when that is smaller.  Return the coding.
 */
static uint8
float_body(Sink *body, const double *v, int64 m)
{
	int8	   *ms = palloc(m);
	bool		needed[SCALE_MAX - SCALE_MIN + 1] = {0};
	Sink		best;
	Sink		trial;
	double		best_size = -1;

	for (int64 j = 0; j < m; j++)
	{
		ms[j] = (int8) min_scale(v[j]);
		if (ms[j] != SCALE_NONE && ms[j] != SCALE_ANY)
			needed[ms[j] - SCALE_MIN] = true;
	}

	sink_init(&best);
	for (int s = SCALE_MIN; s <= SCALE_MAX; s++)
	{
		double		size;

		if (!needed[s - SCALE_MIN])
			continue;
		sink_init(&trial);
		size = float_scaled(&trial, v, ms, m, s);
		if (best_size < 0 || size < best_size)
		{
			Sink		swap = best;

			best = trial;
			trial = swap;
			best_size = size;
		}
		sink_free(&trial);
	}
	if (best_size < 0)
		best_size = float_scaled(&best, v, ms, m, 0);	/* only zeros, or nothing fits */
	pfree(ms);

	if (best_size < m * 8)
	{
		sink_append(body, &best);
		sink_free(&best);
		return CODING_FLOAT_SCALED;
	}
	sink_free(&best);
	for (int64 j = 0; j < m; j++)
	{
		uint64		bits;

		memcpy(&bits, &v[j], sizeof(double));
		put_le64(&body->buf, bits);
	}
	return CODING_FLOAT_RAW;
}

/* ---------------------------------------------------------------------
 * Text and arrays
 * ---------------------------------------------------------------------
 */

/* whether s[0..len) is a canonical decimal int64 (as pg_lltoa writes it) */
static bool
text_as_int64(const char *s, uint32 len, int64 *v)
{
	char		buf[MAXINT8LEN + 1];
	uint64		u = 0;
	bool		neg = false;
	uint32		i = 0;

	if (len == 0 || len > MAXINT8LEN)
		return false;
	if (s[0] == '-')
	{
		neg = true;
		i = 1;
	}
	if (i == len)
		return false;
	for (; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (u > (PG_UINT64_MAX - 9) / 10)
			return false;
		u = u * 10 + (uint64) (s[i] - '0');
	}
	if (u > (uint64) PG_INT64_MAX + (neg ? 1 : 0))
		return false;
	*v = neg ? (int64) (0 - u) : (int64) u;
	/* canonical: no leading zeros, no "-0" */
	return pg_lltoa(*v, buf) == (int) len && memcmp(buf, s, len) == 0;
}

/*
 * text_body
 *		Write the texts of rows (m of them): as integers when every one is a
 *		decimal integer, else as a dictionary or plainly, whichever is smaller.
 */
static uint8
text_body(Sink *body, const ColumnValues *cv, const int64 *rows, int64 m,
		  const uint8 *slot)
{
	int64	   *iv = palloc(m * sizeof(int64));
	bool		numeric = true;
	int64		plain_size = 0;
	int64		dict_size;
	BytesDict  *d;
	int64	   *code;
	bool		fits = true;
	uint8		coding;

	for (int64 j = 0; j < m && numeric; j++)
	{
		uint32		len;
		const char *s = text_of_row(cv, rows[j], &len);

		numeric = text_as_int64(s, len, &iv[j]);
	}
	if (numeric)
	{
		IntInput	in = {iv, NULL, slot, m, false};

		int_section(body, &in, true);
		pfree(iv);
		return CODING_TEXT_INT;
	}

	d = bytes_dict_create(CurrentMemoryContext);
	code = iv;
	for (int64 j = 0; j < m; j++)
	{
		uint32		len;
		const char *s = text_of_row(cv, rows[j], &len);

		plain_size += uvarint_len(len) + len;
		/* a long text would serve several rows from one entry: plainly then */
		if (fits && len > DICT_SHARED_MAX)
			fits = false;
		if (fits)
		{
			code[j] = bytes_dict_intern(d, s, len, DICT_MAX_ENTRIES);
			fits = code[j] >= 0;
		}
	}
	dict_size = fits ? uvarint_len(d->n) + (int64) d->data_len + m + 8 : PG_INT64_MAX;
	for (int32 k = 0; fits && k < d->n; k++)
		dict_size += uvarint_len(d->length[k]);

	if (dict_size < plain_size)
	{
		IntInput	in = {code, NULL, NULL, m, false};

		put_uvarint(&body->buf, d->n);
		for (int32 k = 0; k < d->n; k++)
		{
			put_uvarint(&body->buf, d->length[k]);
			appendBinaryStringInfo(&body->buf, d->data + d->offset[k], d->length[k]);
		}
		int_section(body, &in, false);
		coding = CODING_TEXT_DICT;
	}
	else
	{
		for (int64 j = 0; j < m; j++)
		{
			uint32		len;
			const char *s = text_of_row(cv, rows[j], &len);

			put_uvarint(&body->buf, len);
			appendBinaryStringInfo(&body->buf, s, len);
		}
		coding = CODING_TEXT_PLAIN;
	}
	pfree(iv);
	return coding;
}

/* Forms of an array in a dictionary */
#define ARRAY_FORM_SIMPLE	0	/* empty, or one dimension from 1, no NULLs */
#define ARRAY_FORM_GENERAL	1	/* dimensions, bounds and NULLs written out */

/* write one int4[] (its varlena bytes without the length word) */
static void
array_entry(StringInfo out, const char *bytes, uint32 len)
{
	ArrayType  *a = palloc(VARHDRSZ + len);
	int			ndim;
	int			nitems;
	Datum	   *elems;
	bool	   *nulls;

	SET_VARSIZE(a, VARHDRSZ + len);
	memcpy(VARDATA(a), bytes, len);
	ndim = ARR_NDIM(a);
	deconstruct_array(a, INT4OID, sizeof(int32), true, TYPALIGN_INT, &elems, &nulls, &nitems);
	if (ndim == 0 || (ndim == 1 && ARR_LBOUND(a)[0] == 1 && !ARR_HASNULL(a)))
	{
		put_byte(out, ARRAY_FORM_SIMPLE);
		put_uvarint(out, nitems);
		for (int i = 0; i < nitems; i++)
			put_svarint(out, DatumGetInt32(elems[i]));
	}
	else
	{
		put_byte(out, ARRAY_FORM_GENERAL);
		put_uvarint(out, ndim);
		for (int k = 0; k < ndim; k++)
		{
			put_uvarint(out, ARR_DIMS(a)[k]);
			put_svarint(out, ARR_LBOUND(a)[k]);
		}
		put_byte(out, ARR_HASNULL(a));
		if (ARR_HASNULL(a))
		{
			/* bit set = not NULL, as in an array */
			for (int i = 0; i < nitems; i += 8)
			{
				uint8		b = 0;

				for (int k = 0; k < 8 && i + k < nitems; k++)
					if (!nulls[i + k])
						b |= (uint8) (1 << k);
				put_byte(out, b);
			}
		}
		for (int i = 0; i < nitems; i++)
			if (!nulls[i])
				put_svarint(out, DatumGetInt32(elems[i]));
	}
	pfree(elems);
	pfree(nulls);
	pfree(a);
}

/*
 * array_body
 *		Write the arrays of rows as a dictionary of the distinct ones (in order
 *		of first appearance among these rows) and their codes.  An array of
 *		more than DICT_SHARED_MAX bytes gets an entry for each row it is in.
 */
static uint8
array_body(Sink *body, const ColumnValues *cv, const int64 *rows, int64 m)
{
	BytesDict  *d = cv->arrays;
	int32	   *renumber = palloc(d->n * sizeof(int32));
	int32	   *order = palloc(m * sizeof(int32));
	int64	   *code = palloc(m * sizeof(int64));
	int64		n = 0;
	IntInput	in;

	memset(renumber, 0xFF, d->n * sizeof(int32));
	for (int64 j = 0; j < m; j++)
	{
		int32		old = cv->i32[rows[j]];

		if (d->length[old] > DICT_SHARED_MAX)
		{
			code[j] = n;
			order[n++] = old;
			continue;
		}
		if (renumber[old] < 0)
		{
			renumber[old] = (int32) n;
			order[n++] = old;
		}
		code[j] = renumber[old];
	}
	put_uvarint(&body->buf, n);
	for (int64 k = 0; k < n; k++)
	{
		if ((k & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		array_entry(&body->buf, d->data + d->offset[order[k]], d->length[order[k]]);
	}
	in.v = code;
	in.ref = NULL;
	in.slot = NULL;
	in.m = m;
	in.byte_each = false;
	int_section(body, &in, false);
	pfree(renumber);
	pfree(order);
	pfree(code);
	return CODING_ARRAY_DICT;
}

/* ---------------------------------------------------------------------
 * Encoding a column
 * ---------------------------------------------------------------------
 */

/* an integer value of a row of an integer column */
static inline int64
int_of_row(const StoreColumn *col, const ColumnValues *cv, int64 row)
{
	return col->kind == SK_INT32 ? cv->i32[row] : cv->i64[row];
}

/* the delta chain of a row: from its group column(s) */
static uint8
group_slot_of(const BlockSchema *schema, const StoreColumn *col, const ColumnValues *cols,
			  int64 row)
{
	const StoreColumn *g = &schema->columns[col->group];
	const StoreColumn *g2 = col->group2 >= 0 ? &schema->columns[col->group2] : NULL;

	return group_slot(column_values_isnull(&cols[col->group], row),
					  int_of_row(g, &cols[col->group], row),
					  g2 ? column_values_isnull(&cols[col->group2], row) : true,
					  g2 ? int_of_row(g2, &cols[col->group2], row) : 0);
}

/*
 * column_encode
 *		Encode rows [0, nrows) of column c as one section of the payload.
 */
void
column_encode(Sink *out, const BlockSchema *schema, int c,
			  const ColumnValues *cols, int64 nrows)
{
	const StoreColumn *col = &schema->columns[c];
	const ColumnValues *cv = &cols[c];
	int64		nulls = 0;
	int64		m;
	int64	   *rows = NULL;
	int64	   *ref = NULL;
	uint8	   *slot = NULL;
	Sink		body;
	uint8		coding;
	int64		bitmap_bytes = (nrows + 7) / 8;

	/* each column is a stream of its own */
	CHECK_FOR_INTERRUPTS();
	sink_mark(out);

	if (cv->nnulls > 0)
	{
		for (int64 b = 0; b < nrows / 8; b++)
			nulls += pg_number_of_ones[cv->nulls[b]];
		for (int64 row = nrows / 8 * 8; row < nrows; row++)
			nulls += column_values_isnull(cv, row);
	}
	m = nrows - nulls;
	if (m == 0)
	{
		put_byte(&out->buf, CODING_ALL_NULL);
		put_uvarint(&out->buf, 0);
		return;
	}

	/* the rows with a value, and what transforms may refer to */
	rows = palloc(m * sizeof(int64));
	for (int64 row = 0, j = 0; row < nrows; row++)
		if (!column_values_isnull(cv, row))
			rows[j++] = row;
	if (col->ref >= 0)
	{
		ref = palloc(m * sizeof(int64));
		for (int64 j = 0; j < m; j++)
			ref[j] = store_ref_value(col->ref_kind, cols[col->ref].i64[rows[j]]);
	}
	if (col->group >= 0)
	{
		slot = palloc(m);
		for (int64 j = 0; j < m; j++)
			slot[j] = group_slot_of(schema, col, cols, rows[j]);
	}

	sink_init(&body);
	if (nulls > 0)
	{
		appendBinaryStringInfo(&body.buf, (const char *) cv->nulls, bitmap_bytes);
		if (nrows % 8)
			body.buf.data[bitmap_bytes - 1] &= (char) ((1 << (nrows % 8)) - 1);
	}

	switch (col->kind)
	{
		case SK_INT64:
		case SK_INT32:
		case SK_TIMESTAMPTZ:
			{
				int64	   *v = palloc(m * sizeof(int64));
				/* the order key takes a byte a row (see BLOCK_MAX_EXPANSION) */
				IntInput	in = {v, ref, slot, m, (col->flags & SCF_ORDER_KEY) != 0};

				for (int64 j = 0; j < m; j++)
					v[j] = int_of_row(col, cv, rows[j]);
				coding = int_body(&body, &in, true, NULL);
				pfree(v);
				break;
			}
		case SK_FLOAT64:
			{
				double	   *v = palloc(m * sizeof(double));

				for (int64 j = 0; j < m; j++)
					memcpy(&v[j], &cv->i64[rows[j]], sizeof(double));
				coding = float_body(&body, v, m);
				pfree(v);
				break;
			}
		case SK_TEXT:
			coding = text_body(&body, cv, rows, m, slot);
			break;
		case SK_INT4_ARRAY:
			coding = array_body(&body, cv, rows, m);
			break;
		default:
			elog(ERROR, "column \"%s\" has no section", col->name);
	}

	put_byte(&out->buf, coding | (nulls > 0 ? CODING_HAS_NULLS : 0));
	put_uvarint(&out->buf, body.buf.len);
	sink_append(out, &body);
	sink_free(&body);
	pfree(rows);
	if (ref)
		pfree(ref);
	if (slot)
		pfree(slot);
}

/* ---------------------------------------------------------------------
 * Reading columns
 * ---------------------------------------------------------------------
 */

struct ColumnReader
{
	const BlockSchema *schema;
	const StoreColumn *col;		/* the column */
	int			c;				/* its index in the schema */
	uint8		coding;			/* CODING_* without CODING_HAS_NULLS */
	int64		nrows;			/* rows of the block */
	int64		section_bytes;	/* bytes of the section */
	const bits8 *nullbits;		/* NULL bitmap, or NULL */
	int64		nulls;			/* rows that are NULL */
	int64		nvalues;		/* rows that are not */
	int64		value_index;	/* values read so far */
	IntReader	ints;			/* integers, scaled values, codes */
	ByteReader	rest;			/* raw doubles, plain text */
	/* CODING_FLOAT_SCALED */
	int			scale;			/* the power of ten */
	int64		nexc;			/* exceptions */
	ByteReader	exc;			/* (gap, 8 bytes) of each */
	int64		exc_left;		/* exceptions not read */
	int64		next_exc;		/* value index of the next exception */
	/* dictionaries of text and arrays */
	Datum	   *dict;			/* the entries */
	int64		ndict;			/* their number */
	uint8	   *dict_once;		/* per entry: DICT_SHARED, DICT_ONCE or
								 * DICT_USED (NULL when every entry is short) */
	/* the current batch */
	char	   *arena;			/* text values of the batch */
	Size		arena_len;
	Size		arena_cap;
	bool		referenced;		/* other columns refer to its values */
	int64		ival[STORE_BATCH];	/* integer values, when referenced */
	bool		isnull[STORE_BATCH];	/* NULLs of the batch */
};

/* What a dictionary entry of more than DICT_SHARED_MAX bytes may still serve */
#define DICT_SHARED		0		/* short: any number of rows */
#define DICT_ONCE		1		/* long: one row, not read yet */
#define DICT_USED		2		/* long: its row was read */

/* read the gap to the next exception of a scaled column */
static inline void
next_exception(ColumnReader *r)
{
	if (r->exc_left == 0)
	{
		r->next_exc = -1;
		return;
	}
	r->next_exc += (int64) reader_uvarint(&r->exc) + 1;
	r->exc_left--;
	if (r->next_exc < 0 || r->next_exc >= r->nvalues)
		block_corrupted("%s has an exception past its values.", r->col->name);
}

/* a text datum of s[0..len) checked for the database encoding */
static Datum
checked_text(const char *s, uint64 len, const char *what)
{
	if (len > MaxAllocSize - VARHDRSZ || !pg_verifymbstr(s, (int) len, true))
		block_corrupted("%s holds text that is not valid in the database encoding.", what);
	return PointerGetDatum(cstring_to_text_with_len(s, (int) len));
}

/*
 * read_array_entry
 *		One array of a dictionary, built in place: its header, dimensions,
 *		NULL bitmap (only when an element is NULL, as construct_md_array
 *		makes it) and elements, in one zeroed allocation.  It takes about the
 *		bytes its entry does (four a value, a bit an element for the bitmap),
 *		however many NULL elements the entry claims.
 */
static Datum
read_array_entry(ByteReader *s)
{
	uint8		form = reader_byte(s);
	int			ndim = 1;
	int			dims[MAXDIM];
	int			lbs[MAXDIM];
	const bits8 *nullbits = NULL;
	int64		nitems;
	int64		nvalues;
	Size		dataoff;
	Size		bytes;
	ArrayType  *a;
	int32	   *values;

	if (form == ARRAY_FORM_SIMPLE)
	{
		nitems = (int64) reader_count(s, 1);
		if (nitems == 0)
			return PointerGetDatum(construct_empty_array(INT4OID));
		if (nitems > (int64) MaxArraySize)
			block_corrupted("%s holds an array too large.", s->what);
		dims[0] = (int) nitems;
		lbs[0] = 1;
	}
	else if (form == ARRAY_FORM_GENERAL)
	{
		uint64		nd = reader_uvarint(s);

		if (nd < 1 || nd > MAXDIM)
			block_corrupted("%s holds an array of %llu dimensions.", s->what, (unsigned long long) nd);
		ndim = (int) nd;
		nitems = 1;
		for (int k = 0; k < ndim; k++)
		{
			uint64		dim = reader_uvarint(s);
			int64		lb = reader_svarint(s);

			if (dim > MaxArraySize || lb < PG_INT32_MIN || lb > PG_INT32_MAX ||
				lb + (int64) dim - 1 > PG_INT32_MAX)
				block_corrupted("%s holds an array with invalid bounds.", s->what);
			dims[k] = (int) dim;
			lbs[k] = (int) lb;
			nitems *= (int64) dim;
			if (nitems > (int64) MaxArraySize)
				block_corrupted("%s holds an array too large.", s->what);
		}
		if (reader_byte(s) != 0)
			nullbits = (const bits8 *) reader_bytes(s, (nitems + 7) / 8);
	}
	else
		block_corrupted("%s holds an array of form %d.", s->what, form);

	if (nitems == 0)
		return PointerGetDatum(construct_md_array(NULL, NULL, ndim, dims, lbs,
												  INT4OID, sizeof(int32), true, TYPALIGN_INT));

	/* the elements that are not NULL (bit set = not NULL, as in an array) */
	nvalues = nitems;
	if (nullbits != NULL)
	{
		nvalues = 0;
		for (int64 b = 0; b < nitems / 8; b++)
		{
			if ((b & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			nvalues += pg_number_of_ones[nullbits[b]];
		}
		for (int64 i = nitems / 8 * 8; i < nitems; i++)
			nvalues += (nullbits[i / 8] >> (i % 8)) & 1;
		if (nvalues == nitems)
			nullbits = NULL;	/* no NULL: no bitmap */
	}
	/* each takes a byte at least */
	if (nvalues > (int64) reader_left(s))
		block_corrupted("%s ends early.", s->what);

	dataoff = nullbits ? ARR_OVERHEAD_WITHNULLS(ndim, nitems) : ARR_OVERHEAD_NONULLS(ndim);
	bytes = dataoff + (Size) nvalues * sizeof(int32);
	a = (ArrayType *) palloc0(bytes);
	SET_VARSIZE(a, bytes);
	a->ndim = ndim;
	a->dataoffset = nullbits ? (int32) dataoff : 0;
	a->elemtype = INT4OID;
	memcpy(ARR_DIMS(a), dims, ndim * sizeof(int));
	memcpy(ARR_LBOUND(a), lbs, ndim * sizeof(int));
	if (nullbits)
	{
		bits8	   *bitmap = ARR_NULLBITMAP(a);

		memcpy(bitmap, nullbits, (nitems + 7) / 8);
		if (nitems % 8)
			bitmap[nitems / 8] &= (bits8) ((1 << (nitems % 8)) - 1);
	}
	values = (int32 *) ((char *) a + dataoff);
	for (int64 k = 0; k < nvalues; k++)
	{
		int64		e;

		if ((k & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		e = reader_svarint(s);
		if (e < PG_INT32_MIN || e > PG_INT32_MAX)
			block_corrupted("%s holds an array element out of range for integer.", s->what);
		values[k] = (int32) e;
	}
	return PointerGetDatum(a);
}

/*
 * store_packed_datum
 *		A varlena datum in the short form a tuple keeps it in, when it is
 *		small enough: copied into tuples as it is, row after row.
 */
Datum
store_packed_datum(Datum d)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);
	Size		len;
	char	   *p;

	if (VARATT_IS_EXTENDED(v) || !VARATT_CAN_MAKE_SHORT(v))
		return d;
	len = VARATT_CONVERTED_SHORT_SIZE(v);
	p = palloc(len);
	SET_VARSIZE_SHORT(p, len);
	memcpy(p + VARHDRSZ_SHORT, VARDATA(v), len - VARHDRSZ_SHORT);
	return PointerGetDatum(p);
}

/*
 * read_datum_dict
 *		Read a dictionary of texts or arrays, then open its codes.  It has no
 *		more entries than values (and a dictionary of texts no more than
 *		DICT_MAX_ENTRIES); an entry longer than DICT_SHARED_MAX bytes is
 *		marked to serve one row.
 */
static void
read_datum_dict(ColumnReader *r, ByteReader *s)
{
	r->ndict = (int64) reader_count(s, 1);
	if (r->ndict > r->nvalues || (r->coding == CODING_TEXT_DICT && r->ndict > DICT_MAX_ENTRIES))
		block_corrupted("%s has a dictionary of %lld entries for %lld values.", s->what,
						(long long) r->ndict, (long long) r->nvalues);
	r->dict = palloc(Max(r->ndict, 1) * sizeof(Datum));
	for (int64 k = 0; k < r->ndict; k++)
	{
		if ((k & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (r->coding == CODING_TEXT_DICT)
		{
			uint64		len = reader_uvarint(s);
			const char *p = reader_bytes(s, len);

			r->dict[k] = store_packed_datum(checked_text(p, len, r->col->name));
		}
		else
			r->dict[k] = store_packed_datum(read_array_entry(s));
		if (VARSIZE_ANY_EXHDR(DatumGetPointer(r->dict[k])) > DICT_SHARED_MAX)
		{
			if (r->dict_once == NULL)
				r->dict_once = palloc0(r->ndict);
			r->dict_once[k] = DICT_ONCE;
		}
	}
	int_reader_nested(&r->ints, s, r->nvalues, 0);
	if (reader_left(s) != 0)
		block_corrupted("%s has %zu bytes after its codes.", s->what, reader_left(s));
}

/*
 * column_reader_open
 *		Read the head of column c's section at payload[0..len): its NULLs,
 *		coding and dictionaries.  *used is the size of the section.
 */
ColumnReader *
column_reader_open(const BlockSchema *schema, int c, const char *payload, size_t len,
				   size_t *used, int64 nrows)
{
	const StoreColumn *col = &schema->columns[c];
	ColumnReader *r = palloc0(sizeof(ColumnReader));
	ByteReader	head;
	ByteReader	s;
	uint8		coding;
	uint64		seclen;
	bool		hasnulls;
	int			allow = (col->ref >= 0 ? ALLOW_REF : 0) | (col->group >= 0 ? ALLOW_GROUP : 0);

	r->schema = schema;
	r->col = col;
	r->c = c;
	r->nrows = nrows;
	for (int k = 0; k < schema->ncolumns; k++)
		if (schema->columns[k].ref == c || schema->columns[k].group == c ||
			schema->columns[k].group2 == c)
			r->referenced = true;
	reader_init(&head, payload, len, col->name);
	coding = reader_byte(&head);
	seclen = reader_uvarint(&head);
	reader_init(&s, reader_bytes(&head, seclen), seclen, col->name);
	*used = len - reader_left(&head);
	r->section_bytes = (int64) *used;

	hasnulls = (coding & CODING_HAS_NULLS) != 0;
	coding &= ~CODING_HAS_NULLS;
	r->coding = coding;
	if (hasnulls)
	{
		r->nullbits = (const bits8 *) reader_bytes(&s, (nrows + 7) / 8);
		for (int64 b = 0; b < nrows / 8; b++)
		{
			if ((b & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			r->nulls += pg_number_of_ones[r->nullbits[b]];
		}
		for (int64 row = nrows / 8 * 8; row < nrows; row++)
			r->nulls += (r->nullbits[row >> 3] >> (row & 7)) & 1;
		if (r->nulls == 0)
			r->nullbits = NULL;
	}
	else if (coding == CODING_ALL_NULL)
		r->nulls = nrows;
	r->nvalues = nrows - r->nulls;
	if (r->nulls > 0 && (col->flags & (SCF_NOT_NULL | SCF_ORDER_KEY)))
		block_corrupted("Column \"%s\" is never NULL, yet the block has NULLs in it.", col->name);

	switch (coding)
	{
		case CODING_ALL_NULL:
			if (hasnulls || reader_left(&s) != 0)
				block_corrupted("%s is all NULL, yet has values.", col->name);
			return r;
		case CODING_INT_CONST:
		case CODING_INT_VARINT:
		case CODING_INT_DICT:
		case CODING_INT_BUCKETS:
			if (col->kind != SK_INT64 && col->kind != SK_INT32 && col->kind != SK_TIMESTAMPTZ)
				break;
			int_reader_open(&r->ints, coding, &s, r->nvalues, allow | ALLOW_DICT);
			return r;
		case CODING_FLOAT_SCALED:
			if (col->kind != SK_FLOAT64)
				break;
			{
				int64		scale = reader_svarint(&s);

				if (scale < SCALE_MIN || scale > SCALE_MAX)
					block_corrupted("%s is scaled by 10^%lld.", col->name, (long long) -scale);
				r->scale = (int) scale;
				r->nexc = (int64) reader_count(&s, 9);
				if (r->nexc > r->nvalues)
					block_corrupted("%s has more exceptions than values.", col->name);
				/* the exceptions are a run of (gap, 8 bytes); find its end */
				r->exc = s;
				for (int64 k = 0; k < r->nexc; k++)
				{
					if ((k & 0xFFFF) == 0)
						CHECK_FOR_INTERRUPTS();
					(void) reader_uvarint(&s);
					(void) reader_bytes(&s, 8);
				}
				r->exc.end = s.p;
				r->exc_left = r->nexc;
				r->next_exc = -1;
				next_exception(r);
				int_reader_nested(&r->ints, &s, r->nvalues - r->nexc, ALLOW_DICT);
				if (reader_left(&s) != 0)
					block_corrupted("%s has %zu bytes after its values.", col->name, reader_left(&s));
				return r;
			}
		case CODING_FLOAT_RAW:
			if (col->kind != SK_FLOAT64)
				break;
			if (reader_left(&s) != (uint64) r->nvalues * 8)
				block_corrupted("%s has %zu bytes for %lld doubles.", col->name, reader_left(&s),
								(long long) r->nvalues);
			r->rest = s;
			return r;
		case CODING_TEXT_PLAIN:
			if (col->kind != SK_TEXT)
				break;
			r->rest = s;
			return r;
		case CODING_TEXT_INT:
			if (col->kind != SK_TEXT)
				break;
			int_reader_nested(&r->ints, &s, r->nvalues, allow | ALLOW_DICT);
			if (reader_left(&s) != 0)
				block_corrupted("%s has %zu bytes after its values.", col->name, reader_left(&s));
			return r;
		case CODING_TEXT_DICT:
			if (col->kind != SK_TEXT)
				break;
			read_datum_dict(r, &s);
			return r;
		case CODING_ARRAY_DICT:
			if (col->kind != SK_INT4_ARRAY)
				break;
			read_datum_dict(r, &s);
			return r;
	}
	block_corrupted("%s has coding %d, which is not one for its type.", col->name, coding);
}

/* make room for len more bytes of text in the batch's arena */
static inline char *
arena_reserve(ColumnReader *r, Size len)
{
	if (r->arena_len + len > r->arena_cap)
	{
		Size		cap = Max(r->arena_cap * 2, 8192);

		while (cap < r->arena_len + len)
			cap *= 2;
		r->arena = r->arena ? repalloc_huge(r->arena, cap) : MemoryContextAllocHuge(CurrentMemoryContext, cap);
		r->arena_cap = cap;
	}
	return r->arena + r->arena_len;
}

/*
 * put s[0..len) in the arena as a text varlena (with the one-byte header a
 * tuple stores short values with, so it is copied as it is); return its
 * offset
 */
static inline Size
arena_text(ColumnReader *r, const char *s, Size len)
{
	Size		off;
	char	   *p;

	if (len <= VARATT_SHORT_MAX - VARHDRSZ_SHORT)
	{
		off = r->arena_len;
		p = arena_reserve(r, VARHDRSZ_SHORT + len);
		SET_VARSIZE_SHORT(p, VARHDRSZ_SHORT + len);
		memcpy(p + VARHDRSZ_SHORT, s, len);
		r->arena_len += VARHDRSZ_SHORT + len;
		return off;
	}
	off = INTALIGN(r->arena_len);
	r->arena_len = off;
	p = arena_reserve(r, VARHDRSZ + len);
	SET_VARSIZE(p, VARHDRSZ + len);
	memcpy(p + VARHDRSZ, s, len);
	r->arena_len += VARHDRSZ + len;
	return off;
}

/*
 * column_reader_start
 *		Set the NULL flags of a column in rows of stride values, once for
 *		every batch, when the column has no bitmap: never NULL, or NULL in
 *		every row.
 */
void
column_reader_start(ColumnReader *r, Datum *values, bool *nulls, int stride)
{
	bool		all_null = r->coding == CODING_ALL_NULL;
	int			n = (int) Min(r->nrows, STORE_BATCH);

	if (r->nullbits != NULL)
		return;
	for (int i = 0; i < n; i++)
	{
		r->isnull[i] = all_null;
		r->ival[i] = 0;
		nulls[i * stride] = all_null;
		values[i * stride] = (Datum) 0;
	}
}

/*
 * column_reader_batch
 *		Decode rows [first, first + n) of a column: row i's value goes to
 *		values[i * stride] and its NULL flag to nulls[i * stride] (the
 *		column's place in rows of stride values; see column_reader_start).
 *		readers holds the block's readers: the columns this one refers to
 *		were decoded for the same rows already.
 */
void
column_reader_batch(ColumnReader *r, int64 first, int n, ColumnReader **readers,
					Datum *values, bool *nulls, int stride)
{
	const StoreColumn *col = r->col;
	const char *what = col->name;
	ColumnReader *refr = col->ref >= 0 ? readers[col->ref] : NULL;
	ColumnReader *grpr = col->group >= 0 ? readers[col->group] : NULL;
	ColumnReader *grp2 = col->group2 >= 0 ? readers[col->group2] : NULL;
	int			pos[STORE_BATCH];	/* rows of the batch with a value */
	int64		vals[STORE_BATCH];	/* their integers */
	Datum		out[STORE_BATCH];	/* their values */
	int64		refs[STORE_BATCH];	/* their references */
	uint8		slots[STORE_BATCH]; /* their delta chains */
	int			m = 0;

	if (r->coding == CODING_ALL_NULL)
		return;

	/* the rows with a value */
	if (r->nullbits == NULL)
	{
		m = n;
		for (int i = 0; i < n; i++)
			pos[i] = i;
	}
	else
	{
		for (int i = 0; i < n; i++)
		{
			int64		row = first + i;
			bool		isnull = (r->nullbits[row >> 3] & (1 << (row & 7))) != 0;

			r->isnull[i] = isnull;
			nulls[i * stride] = isnull;
			values[i * stride] = (Datum) 0;
			r->ival[i] = 0;
			pos[m] = i;
			m += !isnull;
		}
	}
	if (refr)
		for (int j = 0; j < m; j++)
			refs[j] = store_ref_value(col->ref_kind, refr->ival[pos[j]]);
	if (grpr)
		for (int j = 0; j < m; j++)
			slots[j] = group_slot(grpr->isnull[pos[j]], grpr->ival[pos[j]],
								  grp2 ? grp2->isnull[pos[j]] : true, grp2 ? grp2->ival[pos[j]] : 0);
	r->value_index += m;

	switch (r->coding)
	{
		case CODING_INT_CONST:
		case CODING_INT_VARINT:
		case CODING_INT_DICT:
		case CODING_INT_BUCKETS:
			int_reader_batch(&r->ints, vals, m, refr ? refs : NULL, grpr ? slots : NULL, what);
			if (col->kind == SK_INT32)
			{
				for (int j = 0; j < m; j++)
					if (unlikely(vals[j] < PG_INT32_MIN || vals[j] > PG_INT32_MAX))
						block_corrupted("%s holds a value out of range for integer.", what);
			}
			else if (col->kind == SK_TIMESTAMPTZ)
			{
				for (int j = 0; j < m; j++)
					if (unlikely(!IS_VALID_TIMESTAMP(vals[j])) &&
						vals[j] != DT_NOBEGIN && vals[j] != DT_NOEND)
						block_corrupted("%s holds a timestamp out of range.", what);
			}
			/* an integer's Datum is its value (int32 sign-extended) */
			for (int j = 0; j < m; j++)
				out[j] = (Datum) vals[j];
			if (r->referenced)
				for (int j = 0; j < m; j++)
					r->ival[pos[j]] = vals[j];
			break;
		case CODING_FLOAT_SCALED:
			{
				int64		base = r->value_index - m;	/* value index of pos[0] */
				int			nexc = 0;
				int			k = 0;

				/* count the batch's exceptions ahead, without consuming them */
				if (r->next_exc >= 0 && r->next_exc < base + m)
				{
					ByteReader	peek = r->exc;
					int64		e = r->next_exc;
					int64		left = r->exc_left;

					for (;;)
					{
						nexc++;
						if (left == 0)
							break;
						(void) reader_bytes(&peek, 8);
						e += (int64) reader_uvarint(&peek) + 1;
						left--;
						if (e >= base + m)
							break;
					}
				}
				int_reader_batch(&r->ints, vals, m - nexc, NULL, NULL, what);
				if (nexc == 0)
				{
					for (int j = 0; j < m; j++)
						out[j] = Float8GetDatum(scaled_value(vals[j], r->scale));
					break;
				}
				for (int j = 0; j < m; j++)
				{
					if (base + j == r->next_exc)
					{
						double		d;
						uint64		bits = load_le64(reader_bytes(&r->exc, 8));

						memcpy(&d, &bits, sizeof(double));
						out[j] = Float8GetDatum(d);
						next_exception(r);
					}
					else
						out[j] = Float8GetDatum(scaled_value(vals[k++], r->scale));
				}
				break;
			}
		case CODING_FLOAT_RAW:
			for (int j = 0; j < m; j++)
			{
				uint64		bits = load_le64(reader_bytes(&r->rest, 8));
				double		d;

				memcpy(&d, &bits, sizeof(double));
				out[j] = Float8GetDatum(d);
			}
			break;
		case CODING_TEXT_PLAIN:
		case CODING_TEXT_INT:
			{
				Size		offs[STORE_BATCH];

				r->arena_len = 0;
				if (r->coding == CODING_TEXT_INT)
					int_reader_batch(&r->ints, vals, m, NULL, grpr ? slots : NULL, what);
				for (int j = 0; j < m; j++)
				{
					if (r->coding == CODING_TEXT_PLAIN)
					{
						uint64		len = reader_uvarint(&r->rest);
						const char *p = reader_bytes(&r->rest, len);

						if (len > MaxAllocSize - VARHDRSZ || !pg_verifymbstr(p, (int) len, true))
							block_corrupted("%s holds text that is not valid in the database encoding.", what);
						offs[j] = arena_text(r, p, len);
					}
					else
					{
						char		buf[MAXINT8LEN + 1];

						offs[j] = arena_text(r, buf, pg_lltoa(vals[j], buf));
					}
				}
				for (int j = 0; j < m; j++)
					out[j] = PointerGetDatum(r->arena + offs[j]);
				break;
			}
		case CODING_TEXT_DICT:
		case CODING_ARRAY_DICT:
			int_reader_batch(&r->ints, vals, m, NULL, NULL, what);
			for (int j = 0; j < m; j++)
			{
				if (unlikely((uint64) vals[j] >= (uint64) r->ndict))
					block_corrupted("%s has code %llu in a dictionary of %lld.", what,
									(unsigned long long) vals[j], (long long) r->ndict);
				if (r->dict_once && r->dict_once[vals[j]] != DICT_SHARED)
				{
					if (r->dict_once[vals[j]] == DICT_USED)
						block_corrupted("%s gives entry %lld of its dictionary, of more than %d bytes, to more than one row.",
										what, (long long) vals[j], DICT_SHARED_MAX);
					r->dict_once[vals[j]] = DICT_USED;
				}
				out[j] = r->dict[vals[j]];
			}
			break;
	}

	/* into the rows */
	if (r->nullbits == NULL)
		for (int i = 0; i < n; i++)
			values[i * stride] = out[i];
	else
		for (int j = 0; j < m; j++)
			values[pos[j] * stride] = out[j];
}

/* the integer values of the current batch (those of a column others refer to) */
const int64 *
column_reader_ints(ColumnReader *r)
{
	return r->ival;
}

/*
 * column_reader_finish
 *		Check that every byte of the section was read.
 */
void
column_reader_finish(ColumnReader *r)
{
	const char *what = r->col->name;

	switch (r->coding)
	{
		case CODING_ALL_NULL:
			break;
		case CODING_INT_CONST:
		case CODING_INT_VARINT:
		case CODING_INT_DICT:
		case CODING_INT_BUCKETS:
		case CODING_TEXT_INT:
		case CODING_TEXT_DICT:
		case CODING_ARRAY_DICT:
			int_reader_finish(&r->ints, what);
			break;
		case CODING_FLOAT_SCALED:
			if (r->exc_left != 0 || r->next_exc >= 0)
				block_corrupted("%s has exceptions that were not read.", what);
			int_reader_finish(&r->ints, what);
			break;
		case CODING_FLOAT_RAW:
		case CODING_TEXT_PLAIN:
			if (reader_left(&r->rest) != 0)
				block_corrupted("%s has %zu bytes after its values.", what, reader_left(&r->rest));
			break;
	}
}

/*
 * column_describe
 *		What column c's section at payload[0..len) is: its coding in words,
 *		NULLs and size.
 */
void
column_describe(const BlockSchema *schema, int c, const char *payload, size_t len,
				size_t *used, int64 nrows, ColumnSectionInfo *info)
{
	ColumnReader *r = column_reader_open(schema, c, payload, len, used, nrows);
	const StoreColumn *col = &schema->columns[c];
	const char *ref_name = col->ref >= 0 ? schema->columns[col->ref].name : NULL;
	const char *group_name = col->group < 0 ? NULL : col->group2 < 0 ? schema->columns[col->group].name :
		psprintf("%s and %s", schema->columns[col->group].name, schema->columns[col->group2].name);
	StringInfoData s;

	initStringInfo(&s);
	switch (r->coding)
	{
		case CODING_ALL_NULL:
			appendStringInfoString(&s, "all NULL");
			break;
		case CODING_INT_CONST:
		case CODING_INT_VARINT:
		case CODING_INT_DICT:
		case CODING_INT_BUCKETS:
			int_describe(&s, &r->ints, ref_name, group_name);
			break;
		case CODING_FLOAT_SCALED:
			appendStringInfo(&s, "scaled by 10^%d, ", r->scale);
			int_describe(&s, &r->ints, ref_name, group_name);
			appendStringInfo(&s, ", %lld exceptions", (long long) r->nexc);
			break;
		case CODING_FLOAT_RAW:
			appendStringInfoString(&s, "8-byte doubles");
			break;
		case CODING_TEXT_PLAIN:
			appendStringInfoString(&s, "strings");
			break;
		case CODING_TEXT_INT:
			appendStringInfoString(&s, "decimal integers, ");
			int_describe(&s, &r->ints, ref_name, group_name);
			break;
		case CODING_TEXT_DICT:
		case CODING_ARRAY_DICT:
			appendStringInfo(&s, "dictionary of %lld %s, codes ", (long long) r->ndict,
							 r->coding == CODING_TEXT_DICT ? "strings" : "arrays");
			int_describe(&s, &r->ints, NULL, NULL);
			break;
	}
	info->encoding = s.data;
	info->nulls = r->nulls;
	info->bytes = r->section_bytes;
}
