/*-------------------------------------------------------------------------
 *
 * decode.c
 *		Turning one page of a Polygon response into tuples.
 *
 * A page is read in two passes over the body held in memory.  The first
 * reads the envelope (status, next_url, adjusted, request_id) and skips over
 * "results", which also proves the body is complete: a response cut
 * mid-stream fails here, before any of its rows is returned.  The second
 * pass returns the elements of "results" one at a time, as the executor asks
 * for them, converting only the fields the query uses.
 *
 * Polygon sends the keys of every element in the same order, so the decoder
 * guesses that the next key is the one that followed the previous key last
 * time (and the first key, the one that came first last time), and checks
 * the guess against the text without scanning the key; a wrong guess costs
 * one scan and one search of the endpoint's fields.  Numbers are scanned
 * once: an integer's value is computed on the way.
 *
 * Numbers: integers (including nanosecond timestamps) are read exactly from
 * their text, never through a double.  Decimals with at most 15 significant
 * digits and a small exponent are converted by one exact multiplication or
 * division, which is correctly rounded (Clinger's fast path); anything else
 * goes through strtod().
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/fdw/decode.c
 *
 *-------------------------------------------------------------------------
 */
#include "decode.h"
#include "markettime.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "datatype/timestamp.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"


/*
 * NBBO sizes are in shares from 2025-11-03 00:00 New York (05:00 UTC) on, in
 * round lots of 100 shares before (SEC market data infrastructure rules).
 */
#define QUOTE_SIZES_IN_SHARES_NS	INT64CONST(1762146000000000000)
#define SHARES_PER_ROUND_LOT		100.0

static const double exact_powers_of_ten[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

static void init_field(PolygonDecoder *dec, const PolygonColumn *col, TupleDesc tupdesc,
					   const bool *wanted);
static int	field_key_length(const char *field);
static bool nested_value(JsonScanner *parent, const JsonValue *v, const char *path,
						 JsonValue *out);
static DecodeField *find_field(PolygonDecoder *dec, const char *key, int keylen);
static void decode_element(JsonScanner *s, PolygonDecoder *dec, Datum *values, bool *isnull);
static Datum convert_value(JsonScanner *s, DecodeField *f, const JsonValue *v, bool *isnull);
static Datum canonical_value(JsonScanner *s, DecodeField *f, const JsonValue *v);
static Datum quote_size_value(DecodeField *f, const JsonValue *v, bool in_lots, bool *isnull);
static void wrong_type(DecodeField *f, const JsonValue *v, const char *expected) pg_attribute_noreturn();
static bool parse_int64(const char *p, int len, int64 *result);
static double parse_double(const char *p, int len);
static Datum make_text(const char *p, int len);
static char *value_text(const JsonValue *v);
static Datum timestamptz_from_unix(DecodeField *f, const JsonValue *v, int64 units_per_us_div,
								   int64 units_per_us_mul);
static Datum date_from_text(DecodeField *f, const JsonValue *v);
static Datum array_value(JsonScanner *parent, DecodeField *f, const JsonValue *v, Oid elemtype);

/*
 * polygon_decoder_create
 *		Map the endpoint's result fields onto the attributes of tupdesc.
 *
 * wanted[i] says whether attribute i is used by the query; unwanted fields
 * are skipped without conversion.
 */
PolygonDecoder *
polygon_decoder_create(const PolygonEndpoint *ep, TupleDesc tupdesc, const bool *wanted)
{
	PolygonDecoder *dec = palloc0(sizeof(PolygonDecoder));

	dec->fields = palloc0(sizeof(DecodeField) * ep->ncolumns);
	dec->sip_field = -1;

	/* fields with distinct keys first, in column order; then the aliases */
	for (int pass = 0; pass < 2; pass++)
	{
		for (int c = 0; c < ep->ncolumns; c++)
		{
			const PolygonColumn *col = &ep->columns[c];
			int			first = -1;

			if (col->source != PCS_RESULT)
				continue;
			for (int i = 0; i < dec->nfields && first < 0; i++)
			{
				if (dec->fields[i].keylen == field_key_length(col->field) &&
					strncmp(dec->fields[i].key, col->field, dec->fields[i].keylen) == 0)
					first = i;
			}
			if (pass == 0 && first < 0)
				init_field(dec, col, tupdesc, wanted);
			else if (pass == 1 && first >= 0 && dec->fields[first].column != col)
			{
				bool		known = false;

				/* already chained? */
				for (int i = first; i >= 0; i = dec->fields[i].alias)
				{
					if (dec->fields[i].column == col)
						known = true;
				}
				if (!known)
				{
					int			last = first;

					while (dec->fields[last].alias >= 0)
						last = dec->fields[last].alias;
					dec->fields[last].alias = dec->nfields;
					init_field(dec, col, tupdesc, wanted);
				}
			}
		}
		if (pass == 0)
			dec->nkeys = dec->nfields;
	}

	/* quote sizes are judged by the element's sip_timestamp */
	for (int i = 0; i < dec->nfields; i++)
	{
		if (dec->fields[i].column->kind == PVK_QUOTE_SIZE && dec->fields[i].attidx >= 0)
			dec->has_quote_sizes = true;
		if (i < dec->nkeys && strcmp(dec->fields[i].key, "sip_timestamp") == 0)
			dec->sip_field = i;
	}
	if (!dec->has_quote_sizes)
		dec->sip_field = -1;
	return dec;
}

/*
 * init_field
 *		Add the field of column col, mapped onto its attribute of tupdesc.
 */
static void
init_field(PolygonDecoder *dec, const PolygonColumn *col, TupleDesc tupdesc, const bool *wanted)
{
	DecodeField *f = &dec->fields[dec->nfields++];

	f->key = col->field;
	f->keylen = field_key_length(col->field);
	f->subpath = col->field[f->keylen] == '.' ? col->field + f->keylen + 1 : NULL;
	f->column = col;
	f->attidx = -1;
	f->alias = -1;
	f->next_key = -1;
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (!att->attisdropped && wanted[i] &&
			strcmp(NameStr(att->attname), col->name) == 0)
		{
			f->attidx = i;
			f->canonical = (att->atttypid == col->typid);
			if (!f->canonical)
			{
				Oid			infunc;
				Oid			outfunc;
				bool		isvarlena;
				char		category;
				bool		preferred;

				getTypeInputInfo(att->atttypid, &infunc, &f->in_ioparam);
				fmgr_info(infunc, &f->in_func);
				f->in_typmod = att->atttypmod;
				getTypeOutputInfo(col->typid, &outfunc, &isvarlena);
				fmgr_info(outfunc, &f->out_func);
				get_type_category_preferred(att->atttypid, &category, &preferred);
				/* numbers and strings read the JSON text itself (exact) */
				f->raw_text = (col->kind != PVK_QUOTE_SIZE &&
							   (category == TYPCATEGORY_NUMERIC ||
								category == TYPCATEGORY_STRING ||
								att->atttypid == JSONOID || att->atttypid == JSONBOID));
			}
		}
	}
}

/*
 * field_key_length
 *		Length of the element key of a column's field: "a" of "a.b.c".
 */
static int
field_key_length(const char *field)
{
	const char *dot = strchr(field, '.');

	return dot ? (int) (dot - field) : (int) strlen(field);
}

/*
 * nested_value
 *		The value at path ("b.c") inside the object v, read in place; false
 *		if a step is missing or not an object.
 */
static bool
nested_value(JsonScanner *parent, const JsonValue *v, const char *path, JsonValue *out)
{
	JsonScanner sub;
	const char *dot = strchr(path, '.');
	int			seglen = dot ? (int) (dot - path) : (int) strlen(path);
	const char *key;
	int			keylen;
	bool		first = true;

	if (v->type != JV_OBJECT)
		return false;
	sub = *parent;
	sub.p = v->start;
	sub.end = v->start + v->len;
	json_begin_object(&sub);
	while (json_next_member(&sub, first, &key, &keylen))
	{
		JsonValue	member;

		first = false;
		json_read_value(&sub, &member, false);
		if (keylen == seglen && memcmp(key, path, seglen) == 0)
		{
			if (dot == NULL)
			{
				*out = member;
				return true;
			}
			return nested_value(parent, &member, dot + 1, out);
		}
	}
	return false;
}

/*
 * polygon_page_open
 *		Read the envelope of a page and find its rows, where the endpoint's
 *		shape says they are: "results" (an array of rows, or one object), or
 *		the document itself (a bare array).
 *
 * The body must be followed by a NUL byte (StringInfo bodies are).
 */
void
polygon_page_open(PolygonPage *page, const char *body, size_t len, PolygonResultsShape shape)
{
	JsonScanner *s = &page->scan;
	const char *key;
	int			keylen;
	bool		first = true;
	JsonValue	v;

	memset(page, 0, sizeof(PolygonPage));
	page->adjusted = -1;
	page->results_type = JV_NULL;
	page->first = true;

	json_scan_init(s, body, len);
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
		s->p++;
	if (s->p < s->end && *s->p == '<')
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
				 errmsg("invalid JSON in Polygon response"),
				 errdetail("Expected a JSON object at byte 0 of %lld, found an HTML page.",
						   (long long) len)));

	/* a bare array (market holidays): the document is the rows */
	if (shape == PRS_BARE_ARRAY)
	{
		page->results_start = s->p;
		json_read_value(s, &v, false);
		if (v.type != JV_ARRAY)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("invalid Polygon response"),
					 errdetail("Expected an array of rows, found %s.", json_type_name(v.type))));
		json_expect_end(s);
		page->results_type = JV_ARRAY;
		s->p = page->results_start;
		return;
	}

	json_begin_object(s);
	while (json_next_member(s, first, &key, &keylen))
	{
		first = false;
#define KEY_IS(k) (keylen == (int) strlen(k) && memcmp(key, k, keylen) == 0)
		if (KEY_IS("results"))
		{
			JsonValueType expected = shape == PRS_OBJECT ? JV_OBJECT : JV_ARRAY;

			json_read_value(s, &v, false);
			if (v.type == expected)
			{
				page->results_type = v.type;
				page->results_start = v.start;
			}
			else if (v.type != JV_NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
						 errmsg("invalid \"results\" in Polygon response"),
						 errdetail("Expected %s, found %s.", json_type_name(expected),
								   json_type_name(v.type))));
			continue;
		}
		json_read_value(s, &v, false);
		if (KEY_IS("status") && v.type == JV_STRING)
			page->status = json_string_value(&v, &keylen);
		else if (KEY_IS("next_url") && v.type == JV_STRING)
			page->next_url = json_string_value(&v, &keylen);
		else if (KEY_IS("request_id") && v.type == JV_STRING)
			page->request_id = json_string_value(&v, &keylen);
		else if ((KEY_IS("error") || KEY_IS("message")) && v.type == JV_STRING)
			page->error_text = json_string_value(&v, &keylen);
		else if (KEY_IS("adjusted") && (v.type == JV_TRUE || v.type == JV_FALSE))
			page->adjusted = (v.type == JV_TRUE);
#undef KEY_IS
	}
	json_expect_end(s);

	if (page->results_type == JV_NULL)
		page->done = true;
	else
		s->p = page->results_start;
}

/*
 * polygon_page_next
 *		Decode the next row of the page into values/isnull.
 *
 * Only the attributes mapped to result fields are written; the caller
 * fills request-sourced columns.  Returns false when the page is exhausted.
 */
bool
polygon_page_next(PolygonPage *page, PolygonDecoder *dec, TupleDesc tupdesc,
				  Datum *values, bool *isnull)
{
	JsonScanner *s = &page->scan;

	if (page->done)
		return false;

	if (page->results_type == JV_ARRAY)
	{
		if (page->first)
			json_begin_array(s);
		if (!json_next_element(s, page->first))
		{
			page->done = true;
			return false;
		}
	}
	else if (!page->first)
	{
		page->done = true;
		return false;
	}
	page->first = false;
	dec->element++;
	decode_element(s, dec, values, isnull);
	return true;
}

/*
 * find_field
 *		The field of key, when the predicted one was not it.
 */
static DecodeField *
find_field(PolygonDecoder *dec, const char *key, int keylen)
{
	for (int i = 0; i < dec->nkeys; i++)
	{
		DecodeField *f = &dec->fields[i];

		if (f->keylen == keylen && memcmp(f->key, key, keylen) == 0)
			return f;
	}
	return NULL;
}

/*
 * decode_element
 *		Decode one element (a JSON object) of "results".
 */
static void
decode_element(JsonScanner *s, PolygonDecoder *dec, Datum *values, bool *isnull)
{
	const char *key;
	int			keylen;
	bool		first = true;
	JsonValue	v;

	bool		sip_known = false;
	int64		sip_ns = 0;
	int			prev;

	for (int i = 0; i < dec->nfields; i++)
	{
		DecodeField *f = &dec->fields[i];

		f->seen = false;
		f->has_pending = false;
		if (f->attidx >= 0)
		{
			values[f->attidx] = (Datum) 0;
			isnull[f->attidx] = true;
		}
	}
	dec->guess = dec->first_key;
	prev = -1;

	json_begin_object(s);
	for (;;)
	{
		DecodeField *f;
		DecodeField *guess = dec->guess >= 0 ? &dec->fields[dec->guess] : NULL;
		bool		matched;

		if (!json_next_member_hint(s, first, guess ? guess->key : NULL, guess ? guess->keylen : 0,
								   &key, &keylen, &matched))
			break;
		f = matched ? guess : find_field(dec, key, keylen);

		/* learn the order of the keys: the next guess is what followed this key */
		if (f != NULL)
		{
			int			idx = (int) (f - dec->fields);

			if (prev < 0)
				dec->first_key = idx;
			else
				dec->fields[prev].next_key = idx;
			prev = idx;
			dec->guess = f->next_key;
		}
		else
		{
			prev = -1;
			dec->guess = -1;
		}

		first = false;
		json_read_value(s, &v, false);
		if (f == NULL)
			continue;
		if (dec->sip_field >= 0 && f == &dec->fields[dec->sip_field] && v.type == JV_NUMBER)
		{
			sip_known = v.is_int || parse_int64(v.start, v.len, &sip_ns);
			if (v.is_int)
				sip_ns = v.int_value;
		}
		/* the field and every alias of its key */
		for (;;)
		{
			f->seen = true;
			if (f->attidx >= 0)
			{
				JsonValue	nested;

				if (f->subpath)
				{
					/* a value inside an object: absent is NULL */
					if (nested_value(s, &v, f->subpath, &nested))
						values[f->attidx] = convert_value(s, f, &nested, &isnull[f->attidx]);
				}
				else if (f->column->kind == PVK_QUOTE_SIZE && v.type != JV_NULL)
				{
					f->pending = v;
					f->has_pending = true;
				}
				else
					values[f->attidx] = convert_value(s, f, &v, &isnull[f->attidx]);
			}
			if (f->alias < 0)
				break;
			f = &dec->fields[f->alias];
		}
	}

	/* NBBO sizes: round lots of 100 shares before 2025-11-03, shares since */
	if (dec->has_quote_sizes)
	{
		for (int i = 0; i < dec->nfields; i++)
		{
			DecodeField *f = &dec->fields[i];

			if (f->has_pending)
				values[f->attidx] = quote_size_value(f, &f->pending,
													 sip_known && sip_ns < QUOTE_SIZES_IN_SHARES_NS,
													 &isnull[f->attidx]);
		}
	}

	for (int i = 0; i < dec->nfields; i++)
	{
		DecodeField *f = &dec->fields[i];

		if (f->seen || f->attidx < 0)
			continue;
		if (f->column->kind == PVK_BOOL_PRESENT)
		{
			JsonValue	absent = {JV_FALSE, "false", 5, false, false, 0};

			values[f->attidx] = convert_value(s, f, &absent, &isnull[f->attidx]);
		}
		else if (f->column->not_null)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("result %lld of the Polygon response has no \"%s\" field",
							(long long) dec->element, f->key),
					 errdetail("Column \"%s\" cannot be null.", f->column->name)));
	}
}

/*
 * convert_value
 *		The Datum of the attribute fed by f, from the JSON value v.
 */
static Datum
convert_value(JsonScanner *s, DecodeField *f, const JsonValue *v, bool *isnull)
{
	Datum		canonical;
	char	   *text;

	if (v->type == JV_NULL)
	{
		if (f->column->kind == PVK_BOOL_PRESENT)
		{
			*isnull = false;
			return BoolGetDatum(false);
		}
		*isnull = true;
		return (Datum) 0;
	}
	*isnull = false;
	if (f->canonical)
		return canonical_value(s, f, v);

	/* the user declared another type: go through its input function */
	if (f->raw_text)
		text = value_text(v);
	else
	{
		canonical = canonical_value(s, f, v);
		text = OutputFunctionCall(&f->out_func, canonical);
	}
	return InputFunctionCall(&f->in_func, text, f->in_ioparam, f->in_typmod);
}

/*
 * quote_size_value
 *		An NBBO size in shares, from a value in round lots when in_lots.
 */
static Datum
quote_size_value(DecodeField *f, const JsonValue *v, bool in_lots, bool *isnull)
{
	double		shares;

	if (v->type != JV_NUMBER)
		wrong_type(f, v, "a number");
	shares = parse_double(v->start, v->len);
	if (in_lots)
		shares *= SHARES_PER_ROUND_LOT;
	*isnull = false;
	if (f->canonical)
		return Float8GetDatum(shares);
	return InputFunctionCall(&f->in_func,
							 OutputFunctionCall(&f->out_func, Float8GetDatum(shares)),
							 f->in_ioparam, f->in_typmod);
}

/*
 * canonical_value
 *		The value of v as the column's own type.
 */
static Datum
canonical_value(JsonScanner *s, DecodeField *f, const JsonValue *v)
{
	int64		i64;
	char	   *str;
	int			len;

	switch (f->column->kind)
	{
		case PVK_TEXT:
			if (v->type == JV_STRING)
			{
				if (!v->escaped)
					return make_text(v->start, v->len);
				str = json_string_value(v, &len);
				return make_text(str, len);
			}
			if (v->type == JV_OBJECT || v->type == JV_ARRAY)
				wrong_type(f, v, "a string");
			return make_text(v->start, v->len);

		case PVK_FLOAT8:
		case PVK_QUOTE_SIZE:	/* as sent; decode_element converts lots */
			if (v->type != JV_NUMBER)
				wrong_type(f, v, "a number");
			return Float8GetDatum(parse_double(v->start, v->len));

		case PVK_INT4:
		case PVK_INT8:
			if (v->type != JV_NUMBER)
				wrong_type(f, v, "an integer");
			if (v->is_int)
				i64 = v->int_value;
			else if (!parse_int64(v->start, v->len, &i64))
			{
				double		d = parse_double(v->start, v->len);

				if (d != floor(d) || !FLOAT8_FITS_IN_INT64(d))
					wrong_type(f, v, "an integer");
				i64 = (int64) d;
			}
			if (f->column->kind == PVK_INT4)
			{
				if (i64 < PG_INT32_MIN || i64 > PG_INT32_MAX)
					wrong_type(f, v, "an integer in the range of type integer");
				return Int32GetDatum((int32) i64);
			}
			return Int64GetDatum(i64);

		case PVK_BOOL:
		case PVK_BOOL_PRESENT:
			if (v->type != JV_TRUE && v->type != JV_FALSE)
				wrong_type(f, v, "a boolean");
			return BoolGetDatum(v->type == JV_TRUE);

		case PVK_DATE:
			if (v->type != JV_STRING)
				wrong_type(f, v, "a date string");
			return date_from_text(f, v);

		case PVK_TS_MS:
			return timestamptz_from_unix(f, v, 1, 1000);

		case PVK_TS_NS:
			return timestamptz_from_unix(f, v, 1000, 1);

		case PVK_TS_TEXT:
			if (v->type != JV_STRING)
				wrong_type(f, v, "a timestamp string");
			str = json_string_value(v, &len);
			return DirectFunctionCall3(timestamptz_in, CStringGetDatum(str),
									   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));

		case PVK_INT4_ARRAY:
			return array_value(s, f, v, INT4OID);

		case PVK_TEXT_ARRAY:
			return array_value(s, f, v, TEXTOID);

		case PVK_JSONB:
			return DirectFunctionCall1(jsonb_in, CStringGetDatum(value_text(v)));
	}
	elog(ERROR, "unexpected value kind %d", (int) f->column->kind);
	return (Datum) 0;			/* keep compiler quiet */
}

/*
 * wrong_type
 *		Report a value of the wrong JSON type for its column.
 */
static void
wrong_type(DecodeField *f, const JsonValue *v, const char *expected)
{
	char	   *text = value_text(v);

	if (strlen(text) > 40)
		text[40] = '\0';
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			 errmsg("invalid value for column \"%s\" in Polygon response", f->column->name),
			 errdetail("Field \"%s\" should be %s, found %s %s.",
					   f->key, expected, json_type_name(v->type), text)));
}

/*
 * value_text
 *		The text a value contributes to an input function: the unescaped
 *		content of a string, the JSON text of anything else.
 */
static char *
value_text(const JsonValue *v)
{
	int			len;

	if (v->type == JV_STRING)
		return json_string_value(v, &len);
	return pnstrdup(v->start, v->len);
}

/*
 * make_text
 *		A text Datum from UTF-8 bytes, checked and converted to the database
 *		encoding when they are not plain ASCII.
 */
static Datum
make_text(const char *p, int len)
{
	for (int i = 0; i < len; i++)
	{
		if ((unsigned char) p[i] >= 0x80)
		{
			char	   *conv;

			if (GetDatabaseEncoding() == PG_UTF8)
			{
				(void) pg_verify_mbstr(PG_UTF8, p, len, false);
				break;
			}
			conv = pg_any_to_server(p, len, PG_UTF8);
			if (conv == p)		/* no conversion was needed: not NUL-terminated */
				break;
			return PointerGetDatum(cstring_to_text(conv));
		}
	}
	return PointerGetDatum(cstring_to_text_with_len(p, len));
}

/*
 * parse_int64
 *		Read an integer exactly.  False if the number has a fraction or an
 *		exponent, or does not fit.
 */
static bool
parse_int64(const char *p, int len, int64 *result)
{
	const char *end = p + len;
	bool		neg = false;
	uint64		acc = 0;

	if (p < end && *p == '-')
	{
		neg = true;
		p++;
	}
	if (p == end)
		return false;
	for (; p < end; p++)
	{
		unsigned	d = (unsigned) (*p - '0');

		if (d > 9)
			return false;
		if (acc > (PG_UINT64_MAX - d) / 10)
			return false;
		acc = acc * 10 + d;
	}
	if (neg)
	{
		if (acc > (uint64) PG_INT64_MAX + 1)
			return false;
		*result = (int64) (0 - acc);
	}
	else
	{
		if (acc > (uint64) PG_INT64_MAX)
			return false;
		*result = (int64) acc;
	}
	return true;
}

/*
 * parse_double
 *		Read a JSON number (already checked) as a correctly rounded double.
 */
static double
parse_double(const char *p, int len)
{
	const char *q = p;
	const char *end = p + len;
	bool		neg = false;
	uint64		mantissa = 0;
	int			digits = 0;
	int			exp10 = 0;

	if (*q == '-')
	{
		neg = true;
		q++;
	}
	for (; q < end && *q >= '0' && *q <= '9'; q++)
	{
		if (mantissa != 0 || *q != '0')
		{
			mantissa = mantissa * 10 + (*q - '0');
			if (++digits > 15)
				goto slow;
		}
	}
	if (q < end && *q == '.')
	{
		for (q++; q < end && *q >= '0' && *q <= '9'; q++)
		{
			if (mantissa != 0 || *q != '0')
			{
				mantissa = mantissa * 10 + (*q - '0');
				if (++digits > 15)
					goto slow;
			}
			exp10--;
		}
	}
	if (q < end && (*q == 'e' || *q == 'E'))
	{
		bool		eneg = false;
		int			e = 0;

		q++;
		if (*q == '+' || *q == '-')
			eneg = (*q++ == '-');
		for (; q < end && *q >= '0' && *q <= '9'; q++)
		{
			if (e > 10000)
				goto slow;
			e = e * 10 + (*q - '0');
		}
		exp10 += eneg ? -e : e;
	}
	if (mantissa == 0)
		return neg ? -0.0 : 0.0;
	if (exp10 >= -22 && exp10 <= 22)
	{
		double		d = (double) mantissa;

		d = exp10 < 0 ? d / exact_powers_of_ten[-exp10] : d * exact_powers_of_ten[exp10];
		return neg ? -d : d;
	}

slow:
	/* the body is NUL-terminated and the number ends at a JSON delimiter */
	return strtod(p, NULL);
}

/*
 * timestamptz_from_unix
 *		A timestamptz from an integer count of Unix ms (div 1, mul 1000) or
 *		ns (div 1000, mul 1).  Fractional ms are accepted; ns are floored.
 */
static Datum
timestamptz_from_unix(DecodeField *f, const JsonValue *v, int64 div, int64 mul)
{
	int64		n;
	int64		us;

	if (v->type != JV_NUMBER)
		wrong_type(f, v, "a Unix timestamp");
	if (v->is_int || parse_int64(v->start, v->len, &n))
	{
		if (v->is_int)
			n = v->int_value;
		if (div > 1)
			us = (n >= 0) ? n / div : -((-n + div - 1) / div);
		else
		{
			if (pg_mul_s64_overflow(n, mul, &us))
				wrong_type(f, v, "a Unix timestamp in range");
		}
	}
	else
	{
		double		d = parse_double(v->start, v->len) * (double) mul / (double) div;

		if (!FLOAT8_FITS_IN_INT64(d))
			wrong_type(f, v, "a Unix timestamp in range");
		us = (int64) floor(d);
	}
	if (pg_sub_s64_overflow(us, TAPE_UNIX_EPOCH_US, &us) || !IS_VALID_TIMESTAMP(us))
		wrong_type(f, v, "a Unix timestamp in range");
	return TimestampTzGetDatum(us);
}

/*
 * date_from_text
 *		A date from "YYYY-MM-DD" (fast), or anything date_in takes.
 */
static Datum
date_from_text(DecodeField *f, const JsonValue *v)
{
	const char *p = v->start;
	int			len;

	if (v->len == 10 && !v->escaped && p[4] == '-' && p[7] == '-')
	{
		int			y = 0,
					m = 0,
					d = 0;
		bool		ok = true;

		for (int i = 0; i < 10; i++)
		{
			if (i == 4 || i == 7)
				continue;
			if (p[i] < '0' || p[i] > '9')
				ok = false;
		}
		if (ok)
		{
			y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
			m = (p[5] - '0') * 10 + (p[6] - '0');
			d = (p[8] - '0') * 10 + (p[9] - '0');
			if (m >= 1 && m <= 12 && d >= 1 &&
				d <= day_tab[isleap(y)][m - 1] && y >= 1)
				return DateADTGetDatum(date2j(y, m, d) - POSTGRES_EPOCH_JDATE);
		}
	}
	return DirectFunctionCall1(date_in, CStringGetDatum(json_string_value(v, &len)));
}

/*
 * array_value
 *		An integer[] or text[] from a JSON array.
 */
static Datum
array_value(JsonScanner *parent, DecodeField *f, const JsonValue *v, Oid elemtype)
{
	JsonScanner sub;
	JsonValue	e;
	Datum	   *elems;
	int			n = 0;
	int			cap = 8;
	bool		first = true;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (v->type != JV_ARRAY)
		wrong_type(f, v, "an array");

	/* read the array again, with offsets relative to the whole body */
	sub = *parent;
	sub.p = v->start;
	sub.end = v->start + v->len;
	elems = palloc(sizeof(Datum) * cap);
	json_begin_array(&sub);
	while (json_next_element(&sub, first))
	{
		first = false;
		json_read_value(&sub, &e, true);
		if (n == cap)
		{
			cap *= 2;
			elems = repalloc(elems, sizeof(Datum) * cap);
		}
		if (elemtype == INT4OID)
		{
			int64		i64;

			if (e.type == JV_NUMBER && e.is_int)
				i64 = e.int_value;
			else if (e.type != JV_NUMBER || !parse_int64(e.start, e.len, &i64))
				wrong_type(f, &e, "an array of integers");
			if (i64 < PG_INT32_MIN || i64 > PG_INT32_MAX)
				wrong_type(f, &e, "an array of integers");
			elems[n++] = Int32GetDatum((int32) i64);
		}
		else
		{
			int			len;
			char	   *str;

			if (e.type != JV_STRING)
				wrong_type(f, &e, "an array of strings");
			str = json_string_value(&e, &len);
			elems[n++] = make_text(str, len);
		}
	}
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(elems, n, elemtype, typlen, typbyval, typalign));
}

/*
 * csv_int_array
 *		An integer[] from a flat file's list: "12,37", or "12".
 */
static Datum
csv_int_array(DecodeField *f, const char *p, int len)
{
	Datum	   *elems = palloc(sizeof(Datum) * (len / 2 + 1));
	int			n = 0;
	const char *end = p + len;

	while (p < end)
	{
		const char *comma = memchr(p, ',', end - p);
		int			elen = comma ? (int) (comma - p) : (int) (end - p);
		int64		v;

		if (!parse_int64(p, elen, &v) || v < PG_INT32_MIN || v > PG_INT32_MAX)
		{
			JsonValue	bad = {JV_STRING, p, elen, false, false, 0};

			wrong_type(f, &bad, "a list of integers");
		}
		elems[n++] = Int32GetDatum((int32) v);
		p += elen + (comma ? 1 : 0);
	}
	return PointerGetDatum(construct_array(elems, n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}

/*
 * polygon_decoder_map_csv
 *		Find the column of the flat file's header (ncols names) behind each
 *		field; a column the table needs and the file lacks is an error.
 */
void
polygon_decoder_map_csv(PolygonDecoder *dec, char **header, int ncols, const char *file)
{
	dec->csv_col = palloc(sizeof(int) * dec->nfields);
	dec->sip_field = -1;
	for (int i = 0; i < dec->nfields; i++)
	{
		DecodeField *f = &dec->fields[i];

		dec->csv_col[i] = -1;
		for (int c = 0; c < ncols; c++)
		{
			if ((int) strlen(header[c]) == f->keylen && memcmp(header[c], f->key, f->keylen) == 0)
				dec->csv_col[i] = c;
		}
		if (dec->csv_col[i] < 0 && (f->attidx >= 0 || f->column->not_null))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_COLUMN_NAME),
					 errmsg("flat file has no column \"%s\"", f->key),
					 errdetail("The header of %s does not name it.", file)));
		if (strcmp(f->key, "sip_timestamp") == 0)
			dec->sip_field = i;
	}
}

/*
 * polygon_decode_csv_row
 *		Decode one row of a flat file (fields NUL-terminated, empty for
 *		none) into values/isnull, like polygon_page_next() for a page.
 */
void
polygon_decode_csv_row(PolygonDecoder *dec, char **fields, const int *lens,
					   Datum *values, bool *isnull)
{
	bool		in_lots = false;

	dec->element++;
	if (dec->has_quote_sizes && dec->sip_field >= 0)
	{
		int			c = dec->csv_col[dec->sip_field];
		int64		sip;

		in_lots = c >= 0 && parse_int64(fields[c], lens[c], &sip) && sip < QUOTE_SIZES_IN_SHARES_NS;
	}
	for (int i = 0; i < dec->nfields; i++)
	{
		DecodeField *f = &dec->fields[i];
		int			c = dec->csv_col[i];
		const char *p;
		int			len;
		JsonValue	v;

		if (c < 0)
			continue;
		p = fields[c];
		len = lens[c];
		if (len == 0 || (f->column->zero_is_null && len == 1 && p[0] == '0'))
		{
			if (f->column->not_null)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
						 errmsg("row %lld of the flat file has no \"%s\"", (long long) dec->element, f->key),
						 errdetail("Column \"%s\" cannot be null.", f->column->name)));
			if (f->attidx >= 0)
				isnull[f->attidx] = true;
			continue;
		}
		if (f->attidx < 0)
			continue;
		isnull[f->attidx] = false;
		switch (f->column->kind)
		{
			case PVK_TEXT:
				values[f->attidx] = make_text(p, len);
				continue;
			case PVK_INT4_ARRAY:
				values[f->attidx] = csv_int_array(f, p, len);
				continue;
			default:
				break;
		}

		/* numbers: the JSON scanner checks them and reads integers exactly */
		{
			JsonScanner sc;

			json_scan_init(&sc, p, len);
			sc.csv_field = true;
			json_read_value(&sc, &v, false);
			json_expect_end(&sc);
		}
		if (f->column->kind == PVK_QUOTE_SIZE)
			values[f->attidx] = quote_size_value(f, &v, in_lots, &isnull[f->attidx]);
		else
			values[f->attidx] = convert_value(NULL, f, &v, &isnull[f->attidx]);
	}
}
