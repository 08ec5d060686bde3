/*-------------------------------------------------------------------------
 *
 * intcodec.h
 *		Runs of integers: the codings every column of a block builds on.
 *
 * A run of integers is first transformed (plain, delta, delta of delta,
 * minus a reference, delta within a group), then coded (one constant,
 * zigzag varints, or a dictionary).  Scaled doubles, decimal text and the
 * codes of every dictionary are runs of integers too.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/store/intcodec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TAPE_STORE_INTCODEC_H
#define TAPE_STORE_INTCODEC_H

#include "store/codec.h"

/* Codings: the first byte of a section (see column.c) */
#define CODING_ALL_NULL		0	/* every row NULL, or no values */
#define CODING_INT_CONST	1	/* transform, one svarint */
#define CODING_INT_VARINT	2	/* transform, an svarint a value */
#define CODING_INT_DICT		3	/* transform, dictionary, nested codes */
#define CODING_FLOAT_SCALED 4	/* scale, exceptions, nested integers */
#define CODING_FLOAT_RAW	5	/* 8 little-endian bytes a value */
#define CODING_TEXT_PLAIN	6	/* length and bytes a value */
#define CODING_TEXT_DICT	7	/* dictionary of strings, nested codes */
#define CODING_TEXT_INT		8	/* nested integers, written in decimal */
#define CODING_ARRAY_DICT	9	/* dictionary of arrays, nested codes */
#define CODING_INT_BUCKETS	10	/* transform, a bit length a value, then
								 * the bits below each leading one */
#define CODING_HAS_NULLS	0x80	/* a NULL bitmap starts the section */

/* Transforms of integers: the byte after an integer coding */
#define XF_PLAIN		0		/* the value */
#define XF_DELTA		1		/* minus the previous value */
#define XF_DOD			2		/* delta minus the previous delta */
#define XF_REF			3		/* minus the row's reference value */
#define XF_GROUP_DELTA	4		/* minus the previous value of its group */
#define XF_COUNT		5

/* Delta chains of XF_GROUP_DELTA: one per low byte of the group's value */
#define GROUP_SLOTS		256
#define GROUP_NULL_SLOT 255		/* the value standing for NULL */

/* The most distinct values a dictionary of integers or texts may have */
#define DICT_MAX_ENTRIES	4096

/*
 * The longest text or array (bytes of its data) a dictionary entry may give
 * more than one row: a longer one serves one row, so what a block's rows
 * hold read back follows from the bytes of the block.
 */
#define DICT_SHARED_MAX		256

/* Integers to encode, and what some transforms need */
typedef struct IntInput
{
	const int64 *v;				/* the values */
	const int64 *ref;			/* XF_REF: each value's reference, or NULL */
	const uint8 *slot;			/* XF_GROUP_DELTA: each value's chain, or
								 * NULL */
	int64		m;				/* values */
	bool		byte_each;		/* every value takes a byte at least: no
								 * constant, no dictionary (the order key) */
} IntInput;

/* The running state of a transform (the same both ways) */
typedef struct IntXform
{
	uint8		t;				/* XF_* */
	bool		started;		/* XF_DOD: a value was seen */
	uint64		prev;			/* previous value */
	uint64		prev_delta;		/* XF_DOD: previous delta */
	uint64	   *group_prev;		/* XF_GROUP_DELTA: previous value per chain */
} IntXform;

/* Bits of a byte stream, low bits first */
typedef struct BitReader
{
	const uint8 *p;				/* next byte */
	const uint8 *end;			/* one past the last */
	uint64		acc;			/* bits read ahead */
	int			nbits;			/* how many */
} BitReader;

/* A reader of a run of integers */
typedef struct IntReader
{
	uint8		coding;			/* CODING_INT_* or CODING_ALL_NULL */
	IntXform	xf;				/* the transform being undone */
	ByteReader	in;				/* CODING_INT_VARINT: the varints;
								 * CODING_INT_BUCKETS: the bit lengths */
	BitReader	bits;			/* CODING_INT_BUCKETS: the mantissas */
	int64		constval;		/* CODING_INT_CONST: the value */
	int64	   *dict;			/* CODING_INT_DICT: the values */
	int64		ndict;			/* their number */
	struct IntReader *codes;	/* CODING_INT_DICT: the codes */
	int64		nvalues;		/* values it holds */
	int64		read;			/* values read */
} IntReader;

/* What a run may use (int_reader_open); codes never have a dictionary */
#define ALLOW_REF	0x01
#define ALLOW_GROUP 0x02
#define ALLOW_DICT	0x04

extern uint8 int_body(Sink *body, const IntInput *in, bool allow_dict, double *estimate);
extern double int_section(Sink *out, const IntInput *in, bool allow_dict);
extern void int_reader_open(IntReader *ir, uint8 coding, ByteReader *s,
							int64 nvalues, int allow);
extern void int_reader_nested(IntReader *ir, ByteReader *s, int64 nvalues, int allow);
extern void int_reader_batch(IntReader *ir, int64 *out, int n, const int64 *ref,
							 const uint8 *slot, const char *what);
extern void int_reader_finish(IntReader *ir, const char *what);
extern void int_describe(StringInfo out, const IntReader *ir, const char *ref_name,
						 const char *group_name);

/* the delta chain of a row from the values of its group columns */
static inline uint8
group_slot(bool isnull, int64 v, bool isnull2, int64 v2)
{
	uint64		h = isnull ? GROUP_NULL_SLOT : (uint64) v;

	h = h * 31 + (isnull2 ? GROUP_NULL_SLOT : (uint64) v2);
	return (uint8) (h ^ (h >> 8));
}

#endif							/* TAPE_STORE_INTCODEC_H */
