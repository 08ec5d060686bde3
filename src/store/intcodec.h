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
#define GROUP_NULL_SLOT 255

/* The most distinct values a dictionary may have */
#define DICT_MAX_ENTRIES	4096

/* Integers to encode, and what some transforms need */
typedef struct IntInput
{
	const int64 *v;				/* the values */
	const int64 *ref;			/* XF_REF: each value's reference, or NULL */
	const uint8 *slot;			/* XF_GROUP_DELTA: each value's chain, or
								 * NULL */
	int64		m;				/* values */
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

/* A reader of a run of integers */
typedef struct IntReader
{
	uint8		coding;			/* CODING_INT_* or CODING_ALL_NULL */
	IntXform	xf;				/* the transform being undone */
	ByteReader	in;				/* CODING_INT_VARINT: the varints */
	int64		constval;		/* CODING_INT_CONST: the value */
	int64	   *dict;			/* CODING_INT_DICT: the values */
	int64		ndict;			/* their number */
	struct IntReader *codes;	/* CODING_INT_DICT: the codes */
	int64		nvalues;		/* values it holds */
	int64		read;			/* values read */
} IntReader;

/* Which transforms a run may use (int_reader_open) */
#define ALLOW_REF	0x01
#define ALLOW_GROUP 0x02

extern uint8 int_body(StringInfo body, const IntInput *in, bool allow_dict);
extern void int_section(StringInfo out, const IntInput *in, bool allow_dict);
extern void int_reader_open(IntReader *ir, uint8 coding, ByteReader *s,
							int64 nvalues, int allow);
extern void int_reader_nested(IntReader *ir, ByteReader *s, int64 nvalues, int allow);
extern void int_reader_batch(IntReader *ir, int64 *out, int n, const int64 *ref,
							 const uint8 *slot, const char *what);
extern void int_reader_finish(IntReader *ir, const char *what);
extern void int_describe(StringInfo out, const IntReader *ir, const char *ref_name,
						 const char *group_name);

/* the delta chain of a row from its group column's value */
static inline uint8
group_slot(bool isnull, int64 v)
{
	return isnull ? GROUP_NULL_SLOT : (uint8) v;
}

#endif							/* TAPE_STORE_INTCODEC_H */
