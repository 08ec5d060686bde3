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

#include <math.h>

#include "miscadmin.h"
#include "port/pg_bitutils.h"

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

/* a transform at the start of a run */
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

/* an empty dictionary trial for m values */
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

/* free a dictionary trial */
static void
int_dict_free(IntDict *d)
{
	pfree(d->keys);
	pfree(d->codes);
	pfree(d->values);
}

/* ---------------------------------------------------------------------
 * Sinks
 * ---------------------------------------------------------------------
 */

/* an empty sink */
void
sink_init(Sink *s)
{
	initStringInfo(&s->buf);
	s->marks = NULL;
	s->nmarks = 0;
	s->maxmarks = 0;
}

/* a stream begins at the current end of s */
void
sink_mark(Sink *s)
{
	if (s->nmarks > 0 && s->marks[s->nmarks - 1] == s->buf.len)
		return;
	if (s->nmarks == s->maxmarks)
	{
		s->maxmarks = Max(8, s->maxmarks * 2);
		s->marks = s->marks ? repalloc(s->marks, s->maxmarks * sizeof(int))
			: palloc(s->maxmarks * sizeof(int));
	}
	s->marks[s->nmarks++] = s->buf.len;
}

/* append src (bytes and marks) to dst */
void
sink_append(Sink *dst, const Sink *src)
{
	int			base = dst->buf.len;

	appendBinaryStringInfo(&dst->buf, src->buf.data, src->buf.len);
	for (int k = 0; k < src->nmarks; k++)
	{
		if (dst->nmarks > 0 && dst->marks[dst->nmarks - 1] == base + src->marks[k])
			continue;
		if (dst->nmarks == dst->maxmarks)
		{
			dst->maxmarks = Max(8, dst->maxmarks * 2);
			dst->marks = dst->marks ? repalloc(dst->marks, dst->maxmarks * sizeof(int))
				: palloc(dst->maxmarks * sizeof(int));
		}
		dst->marks[dst->nmarks++] = base + src->marks[k];
	}
}

/* free a sink's bytes and marks */
void
sink_free(Sink *s)
{
	pfree(s->buf.data);
	if (s->marks)
		pfree(s->marks);
}

/* ---------------------------------------------------------------------
 * Integers: choosing a coding
 * ---------------------------------------------------------------------
 */

/* The number of bits of u (0 for 0): its bucket */
static inline int
bit_length(uint64 u)
{
	return u == 0 ? 0 : pg_leftmost_one_pos64(u) + 1;
}

/* What a run costs under one transform: the symbols each coding writes */
typedef struct IntTrial
{
	int64		varint_hist[256];	/* bytes of the varints */
	int64		varint_bytes;	/* their number */
	int64		bucket_hist[65];	/* bit lengths of the zigzag values */
	int64		mantissa_bits;	/* bits below each value's leading one */
	bool		constant;		/* every value the same */
	int64		first;			/* the first value */
} IntTrial;

/* count a value's bit length */
static inline void
trial_add(IntTrial *tr, int64 xv, bool is_first)
{
	uint64		u = zigzag_encode(xv);
	int			b = bit_length(u);

	if (is_first)
	{
		tr->first = xv;
		tr->constant = true;
	}
	else if (xv != tr->first)
		tr->constant = false;
	tr->bucket_hist[b]++;
	tr->mantissa_bits += b > 1 ? b - 1 : 0;
}

/* count a value's varint bytes */
static inline void
trial_add_varint(IntTrial *tr, int64 xv)
{
	uint64		u = zigzag_encode(xv);

	while (u >= 0x80)
	{
		tr->varint_hist[(u & 0x7F) | 0x80]++;
		tr->varint_bytes++;
		u >>= 7;
	}
	tr->varint_hist[u]++;
	tr->varint_bytes++;
}

/*
 * coded_size
 *		About how many bytes zstd's entropy coder makes of n symbols with
 *		these counts: their order-0 entropy plus a table, never more than
 *		raw_bytes (zstd stores what it cannot shrink as it is).
 */
static double
coded_size(const int64 *hist, int nsym, int64 n, double raw_bytes)
{
	double		bits = 0;
	int			distinct = 0;

	for (int k = 0; k < nsym; k++)
		if (hist[k] > 0)
		{
			distinct++;
			bits += hist[k] * log2((double) n / hist[k]);
		}
	return Min(raw_bytes, bits / 8 + (distinct > 1 ? 0.5 * distinct : 0));
}

/*
 * What a stream of its own costs besides its contents: the zstd block it
 * starts and the table of its entropy coder, about
 */
#define STREAM_COST 12

/* The codings, ranked by the bytes they would take */
typedef struct IntChoice
{
	uint8		coding;			/* CODING_INT_* */
	uint8		t;				/* XF_* */
	double		size;			/* estimated bytes once compressed */
	int64		constval;		/* CODING_INT_CONST */
} IntChoice;

/* keep a coding if it should take fewer bytes than the best so far */
static void
consider(IntChoice *best, uint8 coding, uint8 t, double size, int64 constval)
{
	if (size < best->size)
	{
		best->coding = coding;
		best->t = t;
		best->size = size;
		best->constval = constval;
	}
}

/* bits into a byte stream, low bits first */
typedef struct BitWriter
{
	StringInfo	out;
	uint64		acc;			/* bits not written yet */
	int			nbits;			/* how many */
} BitWriter;

/* the low n bits of v (n <= 64) */
static inline void
put_bits(BitWriter *bw, uint64 v, int n)
{
	if (n > 32)
	{
		put_bits(bw, v & 0xFFFFFFFF, 32);
		put_bits(bw, v >> 32, n - 32);
		return;
	}
	bw->acc |= (v & ((UINT64CONST(1) << n) - 1)) << bw->nbits;
	bw->nbits += n;
	while (bw->nbits >= 8)
	{
		put_byte(bw->out, (uint8) bw->acc);
		bw->acc >>= 8;
		bw->nbits -= 8;
	}
}

/* the bits left, padded with zeros to a byte */
static void
flush_bits(BitWriter *bw)
{
	if (bw->nbits > 0)
		put_byte(bw->out, (uint8) bw->acc);
	bw->acc = 0;
	bw->nbits = 0;
}

/*
 * int_body
 *		Write integers with the transform and coding that should take the
 *		fewest bytes once compressed; return the coding.  Transforms needing
 *		a reference or a group are tried only when in has them.
 *
 *		The codings: one constant; zigzag varints; buckets (each value's bit
 *		length as a byte, then the bits below its leading one packed in a
 *		stream of their own, which zstd leaves alone: near the entropy of
 *		smooth distributions such as latencies and inter-arrival times); a
 *		dictionary of the distinct values with their codes as a nested run.
 */
uint8
int_body(Sink *body, const IntInput *in, bool allow_dict, double *estimate)
{
	IntChoice	best = {CODING_INT_VARINT, XF_PLAIN, 1e300, 0};
	IntTrial   *tr = palloc(sizeof(IntTrial));
	IntXform	x;
	StringInfo	out = &body->buf;

	Assert(in->m > 0);

	/* every transform, each coding */
	for (uint8 t = 0; t < XF_COUNT; t++)
	{
		if ((t == XF_REF && in->ref == NULL) || (t == XF_GROUP_DELTA && in->slot == NULL))
			continue;
		CHECK_FOR_INTERRUPTS();
		memset(tr, 0, sizeof(IntTrial));
		xform_init(&x, t);
		for (int64 j = 0; j < in->m; j++)
		{
			int64		xv = xform_apply(&x, in, j);

			trial_add(tr, xv, j == 0);
			trial_add_varint(tr, xv);
		}
		if (x.group_prev)
			pfree(x.group_prev);
		if (tr->constant && !in->byte_each)
			consider(&best, CODING_INT_CONST, t, 1 + svarint_len(tr->first), tr->first);
		consider(&best, CODING_INT_VARINT, t,
				 1 + STREAM_COST + coded_size(tr->varint_hist, 256, tr->varint_bytes, tr->varint_bytes), 0);
		consider(&best, CODING_INT_BUCKETS, t,
				 1 + 2 * STREAM_COST + coded_size(tr->bucket_hist, 65, in->m, in->m) +
				 (tr->mantissa_bits + 7) / 8, 0);
	}

	/* a dictionary of the plain values, when they are few */
	if (allow_dict && !in->byte_each && best.coding != CODING_INT_CONST && in->m > 1)
	{
		IntDict		d;
		int64		dict_bytes = 0;
		bool		fits = true;

		memset(tr, 0, sizeof(IntTrial));
		int_dict_init(&d, in->m);
		for (int64 j = 0; j < in->m && fits; j++)
		{
			int32		code = int_dict_code(&d, in->v[j]);

			if (code < 0)
				fits = false;
			else
				trial_add_varint(tr, code);
		}
		for (int32 k = 0; fits && k < d.n; k++)
			dict_bytes += svarint_len(d.values[k]);
		if (fits)
			consider(&best, CODING_INT_DICT, XF_PLAIN,
					 4 + STREAM_COST + dict_bytes +
					 coded_size(tr->varint_hist, 256, tr->varint_bytes, tr->varint_bytes), 0);
		if (fits && best.coding == CODING_INT_DICT)
		{
			IntInput	codes = {NULL, NULL, NULL, in->m, false};
			int64	   *code = palloc(in->m * sizeof(int64));

			/* codes by order of appearance: the same numbering again */
			memset(d.codes, 0xFF, (d.mask + 1) * sizeof(int32));
			d.n = 0;
			for (int64 j = 0; j < in->m; j++)
				code[j] = int_dict_code(&d, in->v[j]);
			put_byte(out, XF_PLAIN);
			put_uvarint(out, d.n);
			for (int32 k = 0; k < d.n; k++)
				put_svarint(out, d.values[k]);
			codes.v = code;
			int_section(body, &codes, false);
			pfree(code);
		}
		int_dict_free(&d);
	}
	pfree(tr);
	if (estimate)
		*estimate = best.size;
	if (best.coding == CODING_INT_DICT)
		return CODING_INT_DICT;

	put_byte(out, best.t);
	xform_init(&x, best.t);
	switch (best.coding)
	{
		case CODING_INT_CONST:
			put_svarint(out, best.constval);
			break;
		case CODING_INT_VARINT:
			for (int64 j = 0; j < in->m; j++)
				put_svarint(out, xform_apply(&x, in, j));
			break;
		case CODING_INT_BUCKETS:
			{
				uint64	   *u = palloc(in->m * sizeof(uint64));
				BitWriter	bw = {out, 0, 0};

				for (int64 j = 0; j < in->m; j++)
				{
					u[j] = zigzag_encode(xform_apply(&x, in, j));
					put_byte(out, (uint8) bit_length(u[j]));
				}
				sink_mark(body);
				for (int64 j = 0; j < in->m; j++)
				{
					int			b = bit_length(u[j]);

					if (b > 1)
						put_bits(&bw, u[j], b - 1);
				}
				flush_bits(&bw);
				pfree(u);
				break;
			}
	}
	if (x.group_prev)
		pfree(x.group_prev);
	return best.coding;
}

/* a nested section: coding, length, body (no bitmap), a stream of its own */
static void
nested_section(Sink *out, uint8 coding, const Sink *body)
{
	sink_mark(out);
	put_byte(&out->buf, coding);
	put_uvarint(&out->buf, body->buf.len);
	sink_append(out, body);
}

/*
 * int_section
 *		Integers as a nested section (the values of a parent's rows); return
 *		about how many bytes it takes once compressed.
 */
double
int_section(Sink *out, const IntInput *in, bool allow_dict)
{
	Sink		body;
	uint8		coding = CODING_ALL_NULL;
	double		estimate = 0;

	sink_init(&body);
	if (in->m > 0)
		coding = int_body(&body, in, allow_dict, &estimate);
	nested_section(out, coding, &body);
	sink_free(&body);
	return estimate + 1 + uvarint_len(body.buf.len);
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
	if (coding != CODING_INT_CONST && coding != CODING_INT_VARINT && coding != CODING_INT_BUCKETS &&
		(coding != CODING_INT_DICT || !(allow & ALLOW_DICT)))
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
		case CODING_INT_BUCKETS:
			{
				const char *lengths = reader_bytes(s, nvalues);

				reader_init(&ir->in, lengths, nvalues, s->what);
				ir->bits.p = s->p;
				ir->bits.end = s->end;
				break;
			}
		case CODING_INT_DICT:
			if (t != XF_PLAIN)
				block_corrupted("%s has a dictionary of transformed values.", s->what);
			ir->ndict = reader_count(s, 1);
			if (ir->ndict > DICT_MAX_ENTRIES || ir->ndict > nvalues)
				block_corrupted("%s has a dictionary of %lld entries for %lld values.", s->what,
								(long long) ir->ndict, (long long) nvalues);
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

/* the next n bits (n <= 32) of a bit stream */
static inline uint64
read_bits32(BitReader *br, int n, const char *what)
{
	uint64		v;

	while (br->nbits < n)
	{
		if (unlikely(br->p >= br->end))
			block_corrupted("%s has fewer mantissa bits than its values need.", what);
		br->acc |= (uint64) *br->p++ << br->nbits;
		br->nbits += 8;
	}
	v = br->acc & ((UINT64CONST(1) << n) - 1);
	br->acc >>= n;
	br->nbits -= n;
	return v;
}

/* the next n bits (n <= 63) */
static inline uint64
read_bits(BitReader *br, int n, const char *what)
{
	if (n > 32)
	{
		uint64		lo = read_bits32(br, 32, what);

		return lo | (read_bits32(br, n - 32, what) << 32);
	}
	return read_bits32(br, n, what);
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
		case CODING_INT_BUCKETS:
			{
				const uint8 *len = (const uint8 *) reader_bytes(&ir->in, n);
				BitReader	br = ir->bits;	/* in registers for the loop */

				for (int i = 0; i < n; i++)
				{
					int			b = len[i];
					int			need = b - 1;
					uint64		u;

					if (b <= 1)
						u = b;
					else if (likely(need <= 56))
					{
						while (br.nbits < need)
						{
							if (unlikely(br.p >= br.end))
								block_corrupted("%s has fewer mantissa bits than its values need.", what);
							br.acc |= (uint64) *br.p++ << br.nbits;
							br.nbits += 8;
						}
						u = (UINT64CONST(1) << need) | (br.acc & ((UINT64CONST(1) << need) - 1));
						br.acc >>= need;
						br.nbits -= need;
					}
					else if (b <= 64)
						u = (UINT64CONST(1) << need) | read_bits(&br, need, what);
					else
						block_corrupted("%s has a value of %d bits.", what, b);
					out[i] = zigzag_decode(u);
				}
				ir->bits = br;
				break;
			}
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
	if (ir->coding == CODING_INT_BUCKETS &&
		(ir->bits.p != ir->bits.end || ir->bits.nbits >= 8 || ir->bits.acc != 0))
		block_corrupted("%s has mantissa bits after its values.", what);
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
	else if (ir->coding == CODING_INT_BUCKETS)
		appendStringInfoString(out, ", bit lengths and mantissas");
	else
		appendStringInfoString(out, ", varints");
}
