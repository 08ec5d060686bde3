/*-------------------------------------------------------------------------
 *
 * codec.h
 *		Bytes of the store's format: varints, zigzag, little-endian words,
 *		and a reader that never reads past the end of what it was given.
 *
 * Unsigned integers are LEB128 varints (7 bits a byte, low bits first, at
 * most 10 bytes); signed ones are zigzag-mapped first, so small magnitudes
 * of either sign take one byte.  Fixed-width words are little-endian
 * whatever the machine, so a block means the same everywhere.
 *
 * Every read is bounds-checked: a reader that would pass its end reports a
 * corrupted block (ERRCODE_DATA_CORRUPTED) instead.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/store/codec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TAPE_STORE_CODEC_H
#define TAPE_STORE_CODEC_H

#include "store/store.h"

/* zigzag: 0, -1, 1, -2, ... map to 0, 1, 2, 3, ... */
static inline uint64
zigzag_encode(int64 v)
{
	return ((uint64) v << 1) ^ (uint64) (v >> 63);
}

static inline int64
zigzag_decode(uint64 u)
{
	return (int64) ((u >> 1) ^ (~(u & 1) + 1));
}

/* bytes of the varint of u */
static inline int
uvarint_len(uint64 u)
{
	int			n = 1;

	while (u >= 0x80)
	{
		u >>= 7;
		n++;
	}
	return n;
}

static inline int
svarint_len(int64 v)
{
	return uvarint_len(zigzag_encode(v));
}

static inline void
put_uvarint(StringInfo out, uint64 u)
{
	char		buf[10];
	int			n = 0;

	while (u >= 0x80)
	{
		buf[n++] = (char) ((u & 0x7F) | 0x80);
		u >>= 7;
	}
	buf[n++] = (char) u;
	appendBinaryStringInfo(out, buf, n);
}

static inline void
put_svarint(StringInfo out, int64 v)
{
	put_uvarint(out, zigzag_encode(v));
}

static inline void
put_byte(StringInfo out, uint8 b)
{
	appendStringInfoCharMacro(out, (char) b);
}

/* little-endian words into a buffer */
static inline void
store_le32(char *p, uint32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (char) (v >> (8 * i));
}

static inline void
store_le64(char *p, uint64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (char) (v >> (8 * i));
}

static inline uint32
load_le32(const char *p)
{
	uint32		v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | (uint8) p[i];
	return v;
}

static inline uint64
load_le64(const char *p)
{
	uint64		v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | (uint8) p[i];
	return v;
}

static inline void
put_le64(StringInfo out, uint64 v)
{
	char		buf[8];

	store_le64(buf, v);
	appendBinaryStringInfo(out, buf, 8);
}

/*
 * A growable output with marks where a stream begins: the payload of a
 * block is compressed one stream at a time, so each stream (a column, the
 * mantissas of a run) gets an entropy coder of its own.  Sections are
 * written into sinks of their own and appended, marks and all.
 */
struct Sink
{
	StringInfoData buf;			/* the bytes */
	int		   *marks;			/* offsets in buf where a stream begins */
	int			nmarks;			/* marks used */
	int			maxmarks;		/* marks allocated */
};

extern void sink_init(Sink *s);
extern void sink_mark(Sink *s);
extern void sink_append(Sink *dst, const Sink *src);
extern void sink_free(Sink *s);

/*
 * A bounded reader over bytes of a block: what names the section it reads,
 * for the error that says where the block is corrupted.
 */
typedef struct ByteReader
{
	const uint8 *p;				/* next byte */
	const uint8 *end;			/* one past the last byte */
	const char *what;			/* the column or part being read */
} ByteReader;

static inline void
reader_init(ByteReader *r, const char *data, size_t len, const char *what)
{
	r->p = (const uint8 *) data;
	r->end = (const uint8 *) data + len;
	r->what = what;
}

static inline size_t
reader_left(const ByteReader *r)
{
	return (size_t) (r->end - r->p);
}

extern uint64 reader_uvarint_slow(ByteReader *r);

static inline uint64
reader_uvarint(ByteReader *r)
{
	if (likely(r->p < r->end && *r->p < 0x80))
		return *r->p++;
	return reader_uvarint_slow(r);
}

static inline int64
reader_svarint(ByteReader *r)
{
	return zigzag_decode(reader_uvarint(r));
}

static inline uint8
reader_byte(ByteReader *r)
{
	if (unlikely(r->p >= r->end))
		block_corrupted("%s ends early.", r->what);
	return *r->p++;
}

/* n bytes, in place */
static inline const char *
reader_bytes(ByteReader *r, uint64 n)
{
	const char *p = (const char *) r->p;

	if (unlikely(n > reader_left(r)))
		block_corrupted("%s ends early: %llu bytes are missing.", r->what,
						(unsigned long long) (n - reader_left(r)));
	r->p += n;
	return p;
}

/* a count that cannot exceed the bytes left, each item taking min_bytes */
static inline uint64
reader_count(ByteReader *r, int min_bytes)
{
	uint64		n = reader_uvarint(r);

	if (unlikely(n > reader_left(r) / min_bytes))
		block_corrupted("%s counts %llu items where %zu bytes are left.", r->what,
						(unsigned long long) n, reader_left(r));
	return n;
}

#endif							/* TAPE_STORE_CODEC_H */
