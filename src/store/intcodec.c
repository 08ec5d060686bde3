/*-------------------------------------------------------------------------
 *
 * intcodec.c
 *		Runs of integers: transforms, codings, and their batch readers.
 *
 * Writing, every transform is tried (those needing a reference or a group
 * only when the column has one) with each coding, and the one that takes
 * the fewest bytes before zstd is kept.  Reading, a batch of values is
 * decoded at a time: first the coded values (a constant, varints, or codes
 * looked up in the dictionary), then the transform is undone over the whole
 * batch, so each loop is tight and branches once per batch.
 *
 * Arithmetic is unsigned and wraps, so every transform is exactly undone
 * whatever the values, and a corrupted run yields wrong numbers at worst,
 * never undefined behaviour; the block's CRC catches those first.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/store/intcodec.c
 *
 *-------------------------------------------------------------------------
 */
#include "store/intcodec.h"

/*
 * reader_uvarint_slow
 *		A varint of more than one byte, or one that runs past the end.
 */
uint64
reader_uvarint_slow(ByteReader *r)
{
	uint64		u = 0;

	for (int shift = 0; shift < 64; shift += 7)
	{
		uint8		b;

		if (unlikely(r->p >= r->end))
			block_corrupted("%s ends inside a varint.", r->what);
		b = *r->p++;
		if (shift == 63 && b > 1)
			break;
		u |= (uint64) (b & 0x7F) << shift;
		if (b < 0x80)
			return u;
	}
	block_corrupted("%s holds a varint longer than 64 bits.", r->what);
}

/* ---------------------------------------------------------------------
 * Integers: transforms
 * ---------------------------------------------------------------------
 */

static void
xform_init(IntXform *x, uint8 t)
{
	memset(x, 0, sizeof(IntXform));
	x->t = t;
	if (t == XF_GROUP_DELTA)
		x->group_prev = palloc0(GROUP_SLOTS * sizeof(uint64));
}

/* the transformed value of value j; unsigned arithmetic wraps both ways */
static inline int64
xform_apply(IntXform *x, const IntInput *in, int64 j)
{
	uint64		v = (uint64) in->v[j];
	uint64		d;

	switch (x->t)
	{
		case XF_DELTA:
			d = v - x->prev;
			x->prev = v;
			return (int64) d;
		case XF_DOD:
			if (!x->started)
			{
				x->started = true;
				x->prev = v;
				return (int64) v;
			}
			d = v - x->prev;
			x->prev = v;
			v = d - x->prev_delta;
			x->prev_delta = d;
			return (int64) v;
		case XF_REF:
			return (int64) (v - (uint64) in->ref[j]);
		case XF_GROUP_DELTA:
			d = v - x->group_prev[in->slot[j]];
			x->group_prev[in->slot[j]] = v;
			return (int64) d;
		default:
			return (int64) v;
	}
}

/* ---------------------------------------------------------------------
 * Integers: choosing and writing a coding
 * ---------------------------------------------------------------------
 */

/* Distinct int64 values numbered in order of appearance (a dictionary trial) */
typedef struct IntDict
{
	int64	   *keys;			/* slot keys */
	int32	   *codes;			/* slot codes, -1 = empty */
	int64	   *values;			/* value of each code */
	uint32		mask;			/* slots - 1 */
	int32		n;				/* values */
} IntDict;

static void
int_dict_init(IntDict *d, int64 m)
{
	int			slots = 16;

	while (slots < 4 * Min(m, DICT_MAX_ENTRIES))
		slots *= 2;

	d->keys = palloc(slots * sizeof(int64));
	d->codes = palloc(slots * sizeof(int32));
	memset(d->codes, 0xFF, slots * sizeof(int32));
	d->values = palloc(DICT_MAX_ENTRIES * sizeof(int64));
	d->mask = slots - 1;
	d->n = 0;
}

/* the code of key, added when new; -1 when the dictionary is full */
static inline int32
int_dict_code(IntDict *d, int64 key)
{
	uint64		h = (uint64) key * UINT64CONST(0x9E3779B97F4A7C15);
	uint32		s = (uint32) (h >> 40) & d->mask;

	while (d->codes[s] >= 0)
	{
		if (d->keys[s] == key)
			return d->codes[s];
		s = (s + 1) & d->mask;
	}
	if (d->n >= DICT_MAX_ENTRIES)
		return -1;
	d->keys[s] = key;
	d->codes[s] = d->n;
	d->values[d->n] = key;
	return d->n++;
}

static void
int_dict_free(IntDict *d)
{
	pfree(d->keys);
	pfree(d->codes);
	pfree(d->values);
}

/*
 * int_body
 *		Write integers with the transform and coding that take the fewest
 *		bytes; return the coding.  Transforms needing a reference or a group
 *		are tried only when in has them.
 */
uint8
int_body(StringInfo body, const IntInput *in, bool allow_dict)
{
	int64		best_size = PG_INT64_MAX;
	uint8		best_coding = CODING_INT_VARINT;
	uint8		best_t = XF_PLAIN;
	int64		best_const = 0;
	IntXform	x;

	Assert(in->m > 0);
	for (uint8 t = 0; t < XF_COUNT; t++)
	{
		int64		size = 1;
		int64		first = 0;
		bool		constant = true;

		if ((t == XF_REF && in->ref == NULL) || (t == XF_GROUP_DELTA && in->slot == NULL))
			continue;
		xform_init(&x, t);
		for (int64 j = 0; j < in->m; j++)
		{
			int64		xv = xform_apply(&x, in, j);

			if (j == 0)
				first = xv;
			else if (xv != first)
				constant = false;
			size += svarint_len(xv);
		}
		if (x.group_prev)
			pfree(x.group_prev);
		if (constant && 1 + svarint_len(first) < best_size)
		{
			best_size = 1 + svarint_len(first);
			best_coding = CODING_INT_CONST;
			best_t = t;
			best_const = first;
		}
		if (size < best_size)
		{
			best_size = size;
			best_coding = CODING_INT_VARINT;
			best_t = t;
		}
	}

	/* a dictionary of the plain values, when they are few */
	if (allow_dict && best_coding != CODING_INT_CONST && in->m > 1)
	{
		IntDict		d;
		int64		size = 2;	/* transform, the codes' coding */
		bool		fits = true;

		int_dict_init(&d, in->m);
		for (int64 j = 0; j < in->m && fits; j++)
		{
			int32		code = int_dict_code(&d, in->v[j]);

			if (code < 0)
				fits = false;
			size += uvarint_len((uint64) code << 1);
		}
		if (fits)
		{
			size += uvarint_len(d.n) + uvarint_len(in->m * 2);
			for (int32 k = 0; k < d.n; k++)
				size += svarint_len(d.values[k]);
		}
		if (fits && size < best_size)
		{
			IntInput	codes;
			int64	   *code = palloc(in->m * sizeof(int64));

			/* codes by order of appearance: the same numbering again */
			memset(d.codes, 0xFF, (d.mask + 1) * sizeof(int32));
			d.n = 0;
			for (int64 j = 0; j < in->m; j++)
				code[j] = int_dict_code(&d, in->v[j]);
			put_byte(body, XF_PLAIN);
			put_uvarint(body, d.n);
			for (int32 k = 0; k < d.n; k++)
				put_svarint(body, d.values[k]);
			codes.v = code;
			codes.ref = NULL;
			codes.slot = NULL;
			codes.m = in->m;
			int_section(body, &codes, false);
			pfree(code);
			int_dict_free(&d);
			return CODING_INT_DICT;
		}
		int_dict_free(&d);
	}

	put_byte(body, best_t);
	if (best_coding == CODING_INT_CONST)
		put_svarint(body, best_const);
	else
	{
		xform_init(&x, best_t);
		for (int64 j = 0; j < in->m; j++)
			put_svarint(body, xform_apply(&x, in, j));
		if (x.group_prev)
			pfree(x.group_prev);
	}
	return best_coding;
}

/* a nested section: coding, length, body (no bitmap) */
static void
nested_section(StringInfo out, uint8 coding, const StringInfo body)
{
	put_byte(out, coding);
	put_uvarint(out, body->len);
	appendBinaryStringInfo(out, body->data, body->len);
}

/*
 * int_section
 *		Integers as a nested section (the values of a parent's rows).
 */
void
int_section(StringInfo out, const IntInput *in, bool allow_dict)
{
	StringInfoData body;
	uint8		coding = CODING_ALL_NULL;

	initStringInfo(&body);
	if (in->m > 0)
		coding = int_body(&body, in, allow_dict);
	nested_section(out, coding, &body);
	pfree(body.data);
}

/* ---------------------------------------------------------------------
 * Reading integers
 * ---------------------------------------------------------------------
 */

/*
 * int_reader_nested
 *		Open a nested section of nvalues integers (codes, scaled values,
 *		decimal text) at the reader s.
 */
void
int_reader_nested(IntReader *ir, ByteReader *s, int64 nvalues, int allow)
{
	uint8		coding = reader_byte(s);
	uint64		len = reader_uvarint(s);
	ByteReader	sub;

	reader_init(&sub, reader_bytes(s, len), len, s->what);
	int_reader_open(ir, coding, &sub, nvalues, allow);
}

/*
 * int_reader_open
 *		Read the head of a run of nvalues integers coded as coding; the rest
 *		of s is the run.
 */
void
int_reader_open(IntReader *ir, uint8 coding, ByteReader *s, int64 nvalues, int allow)
{
	uint8		t;

	memset(ir, 0, sizeof(IntReader));
	ir->coding = coding;
	ir->nvalues = nvalues;
	if (coding == CODING_ALL_NULL)
	{
		if (nvalues != 0 || reader_left(s) != 0)
			block_corrupted("%s has no values where %lld are expected.", s->what,
							(long long) nvalues);
		return;
	}
	if (coding != CODING_INT_CONST && coding != CODING_INT_VARINT && coding != CODING_INT_DICT)
		block_corrupted("%s has coding %d where integers are expected.", s->what, coding);
	t = reader_byte(s);
	if (t >= XF_COUNT || (t == XF_REF && !(allow & ALLOW_REF)) ||
		(t == XF_GROUP_DELTA && !(allow & ALLOW_GROUP)))
		block_corrupted("%s has transform %d, which its values cannot have.", s->what, t);
	xform_init(&ir->xf, t);
	switch (coding)
	{
		case CODING_INT_CONST:
			ir->constval = reader_svarint(s);
			if (reader_left(s) != 0)
				block_corrupted("%s has %zu bytes after its constant.", s->what, reader_left(s));
			break;
		case CODING_INT_VARINT:
			ir->in = *s;
			break;
		case CODING_INT_DICT:
			if (t != XF_PLAIN)
				block_corrupted("%s has a dictionary of transformed values.", s->what);
			ir->ndict = reader_count(s, 1);
			ir->dict = palloc(Max(ir->ndict, 1) * sizeof(int64));
			for (int64 k = 0; k < ir->ndict; k++)
				ir->dict[k] = reader_svarint(s);
			ir->codes = palloc(sizeof(IntReader));
			int_reader_nested(ir->codes, s, nvalues, 0);
			if (reader_left(s) != 0)
				block_corrupted("%s has %zu bytes after its codes.", s->what, reader_left(s));
			break;
	}
}

/* n zigzag varints into out; ten bytes or more left need no check per byte */
static void
read_svarints(ByteReader *r, int64 *out, int n)
{
	const uint8 *p = r->p;

	for (int i = 0; i < n; i++)
	{
		uint64		u;

		if (likely(r->end - p >= 10))
		{
			uint64		b = *p++;

			u = b & 0x7F;
			if (b >= 0x80)
			{
				int			shift = 7;

				do
				{
					b = *p++;
					u |= (b & 0x7F) << shift;
					shift += 7;
				} while (b >= 0x80 && shift < 70);
				if (unlikely(b >= 0x80))
					block_corrupted("%s holds a varint longer than 64 bits.", r->what);
			}
		}
		else
		{
			r->p = p;
			u = reader_uvarint(r);
			p = r->p;
		}
		out[i] = zigzag_decode(u);
	}
	r->p = p;
}

/*
 * int_reader_batch
 *		The next n integers of a run.  ref and slot hold the reference value
 *		and delta chain of each of them when the transform needs them.
 */
void
int_reader_batch(IntReader *ir, int64 *out, int n, const int64 *ref, const uint8 *slot,
				 const char *what)
{
	IntXform   *x = &ir->xf;

	if (n <= 0)
		return;
	if (unlikely(n > ir->nvalues - ir->read))
		block_corrupted("%s has fewer values than its rows.", what);
	ir->read += n;

	switch (ir->coding)
	{
		case CODING_INT_CONST:
			for (int i = 0; i < n; i++)
				out[i] = ir->constval;
			break;
		case CODING_INT_VARINT:
			read_svarints(&ir->in, out, n);
			break;
		case CODING_INT_DICT:
			int_reader_batch(ir->codes, out, n, NULL, NULL, what);
			for (int i = 0; i < n; i++)
			{
				if (unlikely((uint64) out[i] >= (uint64) ir->ndict))
					block_corrupted("%s has code %llu in a dictionary of %lld.", what,
									(unsigned long long) out[i], (long long) ir->ndict);
				out[i] = ir->dict[out[i]];
			}
			break;
	}

	switch (x->t)
	{
		case XF_PLAIN:
			break;
		case XF_DELTA:
			for (int i = 0; i < n; i++)
			{
				x->prev += (uint64) out[i];
				out[i] = (int64) x->prev;
			}
			break;
		case XF_DOD:
			for (int i = 0; i < n; i++)
			{
				if (!x->started)
				{
					x->started = true;
					x->prev = (uint64) out[i];
					continue;
				}
				x->prev_delta += (uint64) out[i];
				x->prev += x->prev_delta;
				out[i] = (int64) x->prev;
			}
			break;
		case XF_REF:
			if (ref == NULL)
				block_corrupted("%s refers to a column it cannot.", what);
			for (int i = 0; i < n; i++)
				out[i] = (int64) ((uint64) ref[i] + (uint64) out[i]);
			break;
		case XF_GROUP_DELTA:
			if (slot == NULL)
				block_corrupted("%s refers to a column it cannot.", what);
			for (int i = 0; i < n; i++)
			{
				x->group_prev[slot[i]] += (uint64) out[i];
				out[i] = (int64) x->group_prev[slot[i]];
			}
			break;
	}
}

/*
 * int_reader_finish
 *		Check that a run was read to its end.
 */
void
int_reader_finish(IntReader *ir, const char *what)
{
	if (ir->read != ir->nvalues)
		block_corrupted("%s holds %lld values, %lld were read.", what,
						(long long) ir->nvalues, (long long) ir->read);
	if (ir->coding == CODING_INT_VARINT && reader_left(&ir->in) != 0)
		block_corrupted("%s has %zu bytes after its values.", what, reader_left(&ir->in));
	if (ir->codes)
		int_reader_finish(ir->codes, what);
}

static const char *const xform_names[XF_COUNT] = {
	"plain", "delta", "delta of delta", "minus %s", "delta per %s"
};

/*
 * int_describe
 *		What a run of integers is, in words.  ref_name and group_name name
 *		the columns a transform may refer to.
 */
void
int_describe(StringInfo out, const IntReader *ir, const char *ref_name, const char *group_name)
{
	uint8		t = ir->xf.t;

	if (ir->coding == CODING_ALL_NULL)
	{
		appendStringInfoString(out, "none");
		return;
	}
	if (ir->coding == CODING_INT_DICT)
	{
		appendStringInfo(out, "dictionary of %lld, codes ", (long long) ir->ndict);
		int_describe(out, ir->codes, NULL, NULL);
		return;
	}
	if (t == XF_REF)
		appendStringInfo(out, xform_names[t], ref_name);
	else if (t == XF_GROUP_DELTA)
		appendStringInfo(out, xform_names[t], group_name);
	else
		appendStringInfoString(out, xform_names[t]);
	if (ir->coding == CODING_INT_CONST)
		appendStringInfo(out, ", constant " INT64_FORMAT, ir->constval);
	else
		appendStringInfoString(out, ", varints");
}
