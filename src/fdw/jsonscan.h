/*-------------------------------------------------------------------------
 *
 * jsonscan.h
 *		A pull scanner over one JSON document held in memory.
 *
 * The scanner never builds a tree: the caller walks objects and arrays and
 * reads each scalar where it lies, so decoding a page of 50,000 bars costs
 * one pass and no allocation beyond the values kept.  Numbers are handed
 * over as their text, so nanosecond integers stay exact.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/fdw/jsonscan.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef JSONSCAN_H
#define JSONSCAN_H

#include "postgres.h"

typedef struct JsonScanner
{
	const char *start;			/* first byte of the document */
	const char *p;				/* current position */
	const char *end;			/* one past the last byte */
	int			depth;			/* nesting depth while skipping */
	bool		csv_field;		/* a field of a flat file, not a JSON body */
} JsonScanner;

typedef enum JsonValueType
{
	JV_NULL,
	JV_FALSE,
	JV_TRUE,
	JV_NUMBER,
	JV_STRING,
	JV_ARRAY,
	JV_OBJECT
} JsonValueType;

typedef struct JsonValue
{
	JsonValueType type;
	const char *start;			/* string: after the opening quote; else first byte */
	int			len;			/* bytes, without the quotes of a string */
	bool		escaped;		/* string holds backslash escapes */
	bool		is_int;			/* number without fraction or exponent that fits
								 * int64: its value is int_value */
	int64		int_value;
} JsonValue;

extern void json_scan_init(JsonScanner *s, const char *buf, size_t len);
extern void json_begin_object(JsonScanner *s);
extern bool json_next_member(JsonScanner *s, bool first, const char **key, int *keylen);
extern bool json_next_member_hint(JsonScanner *s, bool first, const char *hint, int hintlen,
								  const char **key, int *keylen, bool *hint_matched);
extern void json_begin_array(JsonScanner *s);
extern bool json_next_element(JsonScanner *s, bool first);
extern void json_read_value(JsonScanner *s, JsonValue *v, bool validate);
extern void json_expect_end(JsonScanner *s);
extern char *json_string_value(const JsonValue *v, int *len);
extern void json_error(JsonScanner *s, const char *expected) pg_attribute_noreturn();
extern const char *json_type_name(JsonValueType type);

#endif							/* JSONSCAN_H */
