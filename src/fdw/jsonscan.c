/*-------------------------------------------------------------------------
 *
 * jsonscan.c
 *		A pull scanner over one JSON document held in memory.
 *
 * Why not a JSON library for pages of results: json-c builds a tree of
 * about 1.5 KB of malloc'd memory per trade and parses at about 150 k trades
 * per second (see ../shared/DESIGN.md §3); a pull scanner reads the same page
 * in one pass with no tree.  json-c still reads error bodies (apierror.c).
 *
 * The scanner checks the full JSON grammar of everything it reads.  A
 * container that is only skipped (json_read_value with validate = false) is
 * checked for balance and string syntax only; that is enough to find the
 * end of a truncated response before any row of it is returned.
 *
 * Every error says what was expected, at which byte, and what was found.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/fdw/jsonscan.c
 *
 *-------------------------------------------------------------------------
 */
#include "jsonscan.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"

/* Deepest nesting we follow; Polygon bodies nest three or four levels. */
#define JSON_MAX_DEPTH 256

static inline void skip_ws(JsonScanner *s);
static void scan_string(JsonScanner *s, JsonValue *v);
static void scan_number(JsonScanner *s, JsonValue *v);
static void scan_literal(JsonScanner *s, JsonValue *v, const char *word, JsonValueType type);
static void skip_container_fast(JsonScanner *s);
static void walk_container(JsonScanner *s);
static int	hex_value(char c);

/*
 * json_scan_init
 *		Start scanning buf[0 .. len).
 */
void
json_scan_init(JsonScanner *s, const char *buf, size_t len)
{
	s->start = buf;
	s->p = buf;
	s->end = buf + len;
	s->depth = 0;
	s->csv_field = false;
}

static inline void
skip_ws(JsonScanner *s)
{
	while (s->p < s->end &&
		   (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
		s->p++;
}

/*
 * json_error
 *		Report malformed JSON: what was expected, where, and what was there.
 */
void
json_error(JsonScanner *s, const char *expected)
{
	char		found[64];
	long long	offset = (long long) (s->p - s->start);
	long long	total = (long long) (s->end - s->start);
	int			n = 0;

	if (s->csv_field)
	{
		/* a number field of a flat file: show the whole field */
		for (const char *q = s->start; q < s->end && n < (int) sizeof(found) - 1; q++)
			found[n++] = (*q >= 0x20 && *q < 0x7f) ? *q : '?';
		found[n] = '\0';
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
				 errmsg("invalid number in flat file"),
				 errdetail("The field \"%s\" is not a number.", found)));
	}

	if (s->p >= s->end)
		strlcpy(found, "the end of the response", sizeof(found));
	else
	{
		found[n++] = '"';
		for (const char *q = s->p; q < s->end && n < 40; q++)
			found[n++] = (*q >= 0x20 && *q < 0x7f) ? *q : '?';
		found[n++] = '"';
		found[n] = '\0';
	}
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
			 errmsg("invalid JSON in Polygon response"),
			 errdetail("Expected %s at byte %lld of %lld, found %s.",
					   expected, offset, total, found)));
}

/*
 * json_type_name
 *		"a string", "a number", ... for messages.
 */
const char *
json_type_name(JsonValueType type)
{
	switch (type)
	{
		case JV_NULL:
			return "null";
		case JV_FALSE:
		case JV_TRUE:
			return "a boolean";
		case JV_NUMBER:
			return "a number";
		case JV_STRING:
			return "a string";
		case JV_ARRAY:
			return "an array";
		case JV_OBJECT:
			return "an object";
	}
	return "a value";
}

/*
 * json_begin_object
 *		Consume '{'.
 */
void
json_begin_object(JsonScanner *s)
{
	skip_ws(s);
	if (s->p >= s->end || *s->p != '{')
		json_error(s, "an object");
	s->p++;
}

/* n bytes equal: keys are short, a loop beats a call to memcmp() */
static inline bool
same_bytes(const char *a, const char *b, int n)
{
	for (int i = 0; i < n; i++)
	{
		if (a[i] != b[i])
			return false;
	}
	return true;
}

/*
 * json_next_member
 *		Move to the next member of the current object and return its key.
 *
 * Returns false, having consumed '}', when the object has no more members.
 * The key points into the document (escapes left as they are).
 */
bool
json_next_member(JsonScanner *s, bool first, const char **key, int *keylen)
{
	bool		matched;

	return json_next_member_hint(s, first, NULL, 0, key, keylen, &matched);
}

/*
 * json_next_member_hint
 *		json_next_member(), faster when the key is hint (hintlen bytes, no
 *		escapes): decoders know which key usually comes next.
 */
bool
json_next_member_hint(JsonScanner *s, bool first, const char *hint, int hintlen,
					  const char **key, int *keylen, bool *hint_matched)
{
	JsonValue	k;

	skip_ws(s);
	if (s->p < s->end && *s->p == '}')
	{
		s->p++;
		return false;
	}
	if (!first)
	{
		if (s->p >= s->end || *s->p != ',')
			json_error(s, "\",\" or \"}\"");
		s->p++;
		skip_ws(s);
	}
	if (s->p >= s->end || *s->p != '"')
		json_error(s, "a member name");
	if (hint != NULL && s->end - s->p > hintlen + 1 && s->p[hintlen + 1] == '"' &&
		same_bytes(s->p + 1, hint, hintlen))
	{
		/* the key the caller expects: no need to scan it */
		k.start = s->p + 1;
		k.len = hintlen;
		s->p += hintlen + 2;
		*hint_matched = true;
	}
	else
	{
		scan_string(s, &k);
		*hint_matched = false;
	}
	skip_ws(s);
	if (s->p >= s->end || *s->p != ':')
		json_error(s, "\":\"");
	s->p++;
	*key = k.start;
	*keylen = k.len;
	return true;
}

/*
 * json_begin_array
 *		Consume '['.
 */
void
json_begin_array(JsonScanner *s)
{
	skip_ws(s);
	if (s->p >= s->end || *s->p != '[')
		json_error(s, "an array");
	s->p++;
}

/*
 * json_next_element
 *		Move to the next element of the current array.
 *
 * Returns false, having consumed ']', at the end of the array.
 */
bool
json_next_element(JsonScanner *s, bool first)
{
	skip_ws(s);
	if (s->p < s->end && *s->p == ']')
	{
		s->p++;
		return false;
	}
	if (!first)
	{
		if (s->p >= s->end || *s->p != ',')
			json_error(s, "\",\" or \"]\"");
		s->p++;
	}
	return true;
}

/*
 * json_expect_end
 *		Nothing but white space may follow the top-level value.
 */
void
json_expect_end(JsonScanner *s)
{
	skip_ws(s);
	if (s->p != s->end)
		json_error(s, "the end of the response");
}

/*
 * json_read_value
 *		Read the value at the current position into v.
 *
 * Scalars are always checked.  Containers are walked and checked when
 * validate is true, otherwise only skipped over (balance and strings).
 */
void
json_read_value(JsonScanner *s, JsonValue *v, bool validate)
{
	skip_ws(s);
	if (s->p >= s->end)
		json_error(s, "a value");
	v->escaped = false;
	v->is_int = false;
	switch (*s->p)
	{
		case '"':
			scan_string(s, v);
			break;
		case '{':
		case '[':
			v->type = (*s->p == '{') ? JV_OBJECT : JV_ARRAY;
			v->start = s->p;
			if (validate)
				walk_container(s);
			else
				skip_container_fast(s);
			v->len = (int) (s->p - v->start);
			break;
		case 't':
			scan_literal(s, v, "true", JV_TRUE);
			break;
		case 'f':
			scan_literal(s, v, "false", JV_FALSE);
			break;
		case 'n':
			scan_literal(s, v, "null", JV_NULL);
			break;
		default:
			scan_number(s, v);
			break;
	}
}

/*
 * scan_string
 *		Read a string; v points at its content, without the quotes.
 */
static void
scan_string(JsonScanner *s, JsonValue *v)
{
	const char *q = s->p + 1;
	const char *end = s->end;

	v->type = JV_STRING;
	v->start = q;
	v->escaped = false;
	for (;;)
	{
		unsigned char c;

		if (q >= end)
		{
			s->p = q;
			json_error(s, "the closing quote of a string");
		}
		c = (unsigned char) *q;
		if (c == '"')
			break;
		if (c == '\\')
		{
			v->escaped = true;
			if (q + 1 >= end)
			{
				s->p = q + 1;
				json_error(s, "an escape sequence");
			}
			switch (q[1])
			{
				case '"':
				case '\\':
				case '/':
				case 'b':
				case 'f':
				case 'n':
				case 'r':
				case 't':
					q += 2;
					break;
				case 'u':
					for (int i = 2; i < 6; i++)
					{
						if (q + i >= end || hex_value(q[i]) < 0)
						{
							s->p = q + Min(i, end - q);
							json_error(s, "four hexadecimal digits after \\u");
						}
					}
					q += 6;
					break;
				default:
					s->p = q;
					json_error(s, "a valid escape sequence");
			}
			continue;
		}
		if (c < 0x20)
		{
			s->p = q;
			json_error(s, "an escaped control character");
		}
		q++;
	}
	v->len = (int) (q - v->start);
	s->p = q + 1;
}

/*
 * scan_number
 *		Read a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 */
static void
scan_number(JsonScanner *s, JsonValue *v)
{
	const char *q = s->p;
	const char *end = s->end;

#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
	bool		neg = false;
	bool		integer = true;
	uint64		acc = 0;
	const char *digits;
	int			ndigits;

	v->type = JV_NUMBER;
	v->start = q;
	if (q < end && *q == '-')
	{
		neg = true;
		q++;
	}
	digits = q;
	if (q < end && *q == '0')
		q++;
	else if (q < end && IS_DIGIT(*q))
	{
		/* the integer value on the way: 19 digits never overflow a uint64 */
		while (q < end && IS_DIGIT(*q))
			acc = acc * 10 + (uint64) (*q++ - '0');
	}
	else
	{
		s->p = q;
		json_error(s, q == v->start ? "a value" : "a digit");
	}
	ndigits = (int) (q - digits);
	if (q < end && *q == '.')
	{
		integer = false;
		q++;
		if (q >= end || !IS_DIGIT(*q))
		{
			s->p = q;
			json_error(s, "a digit after the decimal point");
		}
		while (q < end && IS_DIGIT(*q))
			q++;
	}
	if (q < end && (*q == 'e' || *q == 'E'))
	{
		integer = false;
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if (q >= end || !IS_DIGIT(*q))
		{
			s->p = q;
			json_error(s, "a digit in the exponent");
		}
		while (q < end && IS_DIGIT(*q))
			q++;
	}
#undef IS_DIGIT
	v->len = (int) (q - v->start);
	s->p = q;

	/* an integer: no fraction, no exponent, at most 19 digits, in range */
	if (integer && ndigits <= 19)
	{
		if (!neg && acc <= (uint64) PG_INT64_MAX)
		{
			v->is_int = true;
			v->int_value = (int64) acc;
		}
		else if (neg && acc <= (uint64) PG_INT64_MAX + 1)
		{
			v->is_int = true;
			v->int_value = (acc == (uint64) PG_INT64_MAX + 1) ? PG_INT64_MIN : -(int64) acc;
		}
	}
}

/*
 * scan_literal
 *		Read true, false or null.
 */
static void
scan_literal(JsonScanner *s, JsonValue *v, const char *word, JsonValueType type)
{
	size_t		len = strlen(word);

	if ((size_t) (s->end - s->p) < len || memcmp(s->p, word, len) != 0)
		json_error(s, "a value");
	v->type = type;
	v->start = s->p;
	v->len = (int) len;
	s->p += len;
}

/* bytes that matter when skipping: a string starts, a container opens or closes */
static const unsigned char skip_class[256] = {
	['"'] = 1, ['{'] = 2, ['['] = 2, ['}'] = 3, [']'] = 3
};

/*
 * skip_container_fast
 *		Skip an object or array, checking only balance and strings.
 *
 * The hot loop of every page (it proves the page complete before any row
 * is returned): bytes without meaning are passed eight at a time, strings
 * with memchr().
 */
static void
skip_container_fast(JsonScanner *s)
{
	const unsigned char *q = (const unsigned char *) s->p;
	const unsigned char *end = (const unsigned char *) s->end;
	int			depth = 0;

	while (q < end)
	{
		unsigned char cls;

		while (q + 8 <= end &&
			   (skip_class[q[0]] | skip_class[q[1]] | skip_class[q[2]] | skip_class[q[3]] |
				skip_class[q[4]] | skip_class[q[5]] | skip_class[q[6]] | skip_class[q[7]]) == 0)
			q += 8;
		while (q < end && skip_class[*q] == 0)
			q++;
		if (q >= end)
			break;
		cls = skip_class[*q];
		if (cls == 1)
		{
			/* to the closing quote: one not preceded by an odd run of backslashes */
			const unsigned char *start = ++q;

			for (;;)
			{
				const unsigned char *quote = memchr(q, '"', end - q);
				const unsigned char *b;

				if (quote == NULL)
				{
					q = end;
					break;
				}
				for (b = quote; b > start && b[-1] == '\\'; b--)
					;
				q = quote + 1;
				if (((quote - b) & 1) == 0)
					break;
			}
			continue;
		}
		if (cls == 2)
			depth++;
		else if (--depth == 0)
		{
			s->p = (const char *) q + 1;
			return;
		}
		q++;
	}
	s->p = s->end;
	json_error(s, depth > 0 ? "the end of an object or array" : "a value");
}

/*
 * walk_container
 *		Read an object or array, checking the full grammar.
 */
static void
walk_container(JsonScanner *s)
{
	JsonValue	v;

	check_stack_depth();
	if (++s->depth > JSON_MAX_DEPTH)
		json_error(s, "less deeply nested JSON");

	if (*s->p == '{')
	{
		const char *key;
		int			keylen;
		bool		first = true;

		json_begin_object(s);
		while (json_next_member(s, first, &key, &keylen))
		{
			json_read_value(s, &v, true);
			first = false;
		}
	}
	else
	{
		bool		first = true;

		json_begin_array(s);
		while (json_next_element(s, first))
		{
			json_read_value(s, &v, true);
			first = false;
		}
	}
	s->depth--;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * json_string_value
 *		The content of a string value, unescaped, as palloc'd UTF-8.
 */
char *
json_string_value(const JsonValue *v, int *len)
{
	char	   *out;
	char	   *o;
	const char *p = v->start;
	const char *end = v->start + v->len;

	Assert(v->type == JV_STRING);
	if (!v->escaped)
	{
		*len = v->len;
		return pnstrdup(v->start, v->len);
	}

	/* escapes only ever shrink the text (\uXXXX is 6 bytes for <= 4) */
	out = palloc(v->len + 1);
	o = out;
	while (p < end)
	{
		if (*p != '\\')
		{
			*o++ = *p++;
			continue;
		}
		switch (p[1])
		{
			case 'b':
				*o++ = '\b';
				break;
			case 'f':
				*o++ = '\f';
				break;
			case 'n':
				*o++ = '\n';
				break;
			case 'r':
				*o++ = '\r';
				break;
			case 't':
				*o++ = '\t';
				break;
			case 'u':
				{
					pg_wchar	cp = 0;

					for (int i = 2; i < 6; i++)
						cp = (cp << 4) | hex_value(p[i]);
					if (cp >= 0xD800 && cp <= 0xDBFF && p + 12 <= end &&
						p[6] == '\\' && p[7] == 'u')
					{
						pg_wchar	lo = 0;

						for (int i = 8; i < 12; i++)
							lo = (lo << 4) | hex_value(p[i]);
						if (lo >= 0xDC00 && lo <= 0xDFFF)
						{
							cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
							p += 6;
						}
					}
					if (cp == 0)
						ereport(ERROR,
								(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
								 errmsg("unsupported Unicode escape sequence in Polygon response"),
								 errdetail("\\u0000 cannot be converted to text.")));
					if (cp >= 0xD800 && cp <= 0xDFFF)
						cp = 0xFFFD;	/* lone surrogate */
					/* unicode_to_utf8() returns where it wrote, not where it ended */
					unicode_to_utf8(cp, (unsigned char *) o);
					o += pg_utf_mblen((unsigned char *) o);
					p += 6;
					continue;
				}
			default:
				/* \" \\ \/ */
				*o++ = p[1];
				break;
		}
		p += 2;
	}
	*o = '\0';
	*len = (int) (o - out);
	return out;
}
