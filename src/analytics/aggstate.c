/*-------------------------------------------------------------------------
 *
 * aggstate.c
 *		Input, output, send and receive of the aggregates' state types.
 *
 * tape.vwap and tape.dollar_volume keep a tape.pv_state, tape.ohlcv a
 * tape.ohlcv_state.  They are real types, not "internal", because Citus
 * splits an aggregate into partials on the workers and a combine on the
 * coordinator only when its state has a type it can send: it turns the
 * worker's state into text with the type's output function and back with
 * its input function.  So the text form must give back the very same bits:
 * doubles are written in their shortest exact form whatever
 * extra_float_digits says, and times in UTC, ISO style, whatever DateStyle
 * and TimeZone say.
 *
 * Each type is a row of a small table (StateType): its fields, their kinds
 * and offsets; one reader and one writer per form serve both.
 *
 * Text forms, as a row literal of the struct's fields:
 *
 *	tape.pv_state		(rows,pv,pv_comp,v,v_comp)
 *	tape.ohlcv_state	(trades,"first_ts","last_ts",open,high,low,close,
 *						 volume,volume_comp,pv,pv_comp)
 *
 * where pv is the compensated sum of price * volume and v (volume) that of
 * the volume: the value of each sum is its two fields added.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/analytics/aggstate.c
 *
 *-------------------------------------------------------------------------
 */
#include "aggstate.h"

#include "common/shortest_dec.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/timestamp.h"

/* What a field of a state is */
typedef enum StateFieldKind
{
	FIELD_COUNT,				/* int64, never negative */
	FIELD_TIME,					/* TimestampTz */
	FIELD_DOUBLE				/* double */
} StateFieldKind;

/* A field of a state: its kind and where it is in the struct */
typedef struct StateField
{
	StateFieldKind kind;
	size_t		offset;
} StateField;

/* A state type: its SQL name, its struct, its fields in text and binary order */
typedef struct StateType
{
	const char *name;			/* SQL name, for errors */
	Size		size;			/* sizeof the struct */
	const StateField *fields;	/* the fields, in order */
	int			nfields;		/* how many */
} StateType;

#define COUNT_FIELD(type, member)	{FIELD_COUNT, offsetof(type, member)}
#define TIME_FIELD(type, member)	{FIELD_TIME, offsetof(type, member)}
#define DOUBLE_FIELD(type, member)	{FIELD_DOUBLE, offsetof(type, member)}

static const StateField pv_state_fields[] = {
	COUNT_FIELD(PvState, n),
	DOUBLE_FIELD(PvState, pv.sum),
	DOUBLE_FIELD(PvState, pv.comp),
	DOUBLE_FIELD(PvState, v.sum),
	DOUBLE_FIELD(PvState, v.comp),
};

static const StateField ohlcv_state_fields[] = {
	COUNT_FIELD(OhlcvState, trades),
	TIME_FIELD(OhlcvState, first_ts),
	TIME_FIELD(OhlcvState, last_ts),
	DOUBLE_FIELD(OhlcvState, open),
	DOUBLE_FIELD(OhlcvState, high),
	DOUBLE_FIELD(OhlcvState, low),
	DOUBLE_FIELD(OhlcvState, close),
	DOUBLE_FIELD(OhlcvState, volume.sum),
	DOUBLE_FIELD(OhlcvState, volume.comp),
	DOUBLE_FIELD(OhlcvState, pv.sum),
	DOUBLE_FIELD(OhlcvState, pv.comp),
};

static const StateType pv_state_type = {
	"tape.pv_state", sizeof(PvState), pv_state_fields, lengthof(pv_state_fields)
};

static const StateType ohlcv_state_type = {
	"tape.ohlcv_state", sizeof(OhlcvState), ohlcv_state_fields, lengthof(ohlcv_state_fields)
};

#define MAX_STATE_FIELDS	lengthof(ohlcv_state_fields)

/* SQL functions */
PG_FUNCTION_INFO_V1(tape_pv_state_in);
PG_FUNCTION_INFO_V1(tape_pv_state_out);
PG_FUNCTION_INFO_V1(tape_pv_state_recv);
PG_FUNCTION_INFO_V1(tape_pv_state_send);
PG_FUNCTION_INFO_V1(tape_ohlcv_state_in);
PG_FUNCTION_INFO_V1(tape_ohlcv_state_out);
PG_FUNCTION_INFO_V1(tape_ohlcv_state_recv);
PG_FUNCTION_INFO_V1(tape_ohlcv_state_send);

/* Helper functions */
static void *state_in(const StateType *type, const char *input);
static char *state_out(const StateType *type, const void *state);
static void *state_recv(const StateType *type, StringInfo buf);
static bytea *state_send(const StateType *type, const void *state);
static int	split_fields(char *text, char **fields, int max_fields);
static void syntax_error(const StateType *type, const char *input) pg_attribute_noreturn();
static void check_count(const StateType *type, int64 count);
static int64 count_in(const StateType *type, const char *field, const char *input);
static void append_double(StringInfo buf, double value);
static void append_timestamptz(StringInfo buf, TimestampTz ts);

/* ---------------------------------------------------------------------
 * Text form
 * ---------------------------------------------------------------------
 */

/*
 * syntax_error
 *		Report a text form that is not the type's fields in parentheses.
 */
static void
syntax_error(const StateType *type, const char *input)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", type->name, input),
			 errdetail("A %s is %d fields in parentheses, separated by commas.",
					   type->name, type->nfields)));
}

/*
 * split_fields
 *		Split "(a,b,...)" in place into at most max_fields fields and return
 *		how many there are, or -1 if the text is not of that form.  A field
 *		may be in double quotes (the times are); whitespace around fields is
 *		allowed.
 */
static int
split_fields(char *text, char **fields, int max_fields)
{
	char	   *p = text;
	int			n = 0;

	/*
	 * bounded: every loop here steps through the text once, and there are
	 * at most max_fields fields
	 */
	while (scanner_isspace(*p))
		p++;
	if (*p++ != '(')
		return -1;
	for (;;)					/* bounded: max_fields */
	{
		char	   *field;
		char		delimiter;

		/* bounded: one step a byte of the text */
		while (scanner_isspace(*p))
			p++;
		if (*p == '"')
		{
			field = ++p;
			p = strchr(p, '"');
			if (p == NULL)
				return -1;
			*p++ = '\0';
			/* bounded: one step a byte of the text */
			while (scanner_isspace(*p))
				p++;
		}
		else
		{
			field = p;
			p += strcspn(p, ",)");
		}
		delimiter = *p;
		if ((delimiter != ',' && delimiter != ')') || n == max_fields)
			return -1;
		*p++ = '\0';
		fields[n++] = field;
		if (delimiter == ')')
			break;
	}
	/* bounded: one step a byte of the text */
	while (scanner_isspace(*p))
		p++;
	return *p == '\0' ? n : -1;
}

/*
 * check_count
 *		A state counts rows, and a count is never negative.
 */
static void
check_count(const StateType *type, int64 count)
{
	if (count < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s value", type->name),
				 errdetail("The count of rows is " INT64_FORMAT ", and must not be negative.", count)));
}

/* a count field of the text form */
static int64
count_in(const StateType *type, const char *field, const char *input)
{
	char	   *end;
	int64		count;

	errno = 0;
	count = strtoi64(field, &end, 10);
	/* bounded: one step a byte of the field */
	while (scanner_isspace(*end))
		end++;
	if (errno != 0 || end == field || *end != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"", type->name, input),
				 errdetail("The count of rows \"%s\" is not an integer.", field)));
	check_count(type, count);
	return count;
}

/*
 * append_double
 *		The shortest text that reads back as the same double, whatever
 *		extra_float_digits is.
 */
static void
append_double(StringInfo buf, double value)
{
	char		text[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(value, text);
	appendStringInfoString(buf, text);
}

/*
 * append_timestamptz
 *		A time in UTC, ISO style and in double quotes, whatever DateStyle and
 *		TimeZone are: it reads back as the same microsecond anywhere.
 */
static void
append_timestamptz(StringInfo buf, TimestampTz ts)
{
	char		text[MAXDATELEN + 1];

	if (TIMESTAMP_NOT_FINITE(ts))
		EncodeSpecialTimestamp(ts, text);
	else
	{
		struct pg_tm tm;
		fsec_t		fsec;

		/* no time zone asked for: the fields are UTC */
		if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("timestamp out of range")));
		tm.tm_isdst = 0;		/* a known zone: print its offset, +00 */
		EncodeDateTime(&tm, fsec, true, 0, NULL, USE_ISO_DATES, text);
	}
	appendStringInfo(buf, "\"%s\"", text);
}

/*
 * state_in
 *		A state from its text form.
 */
static void *
state_in(const StateType *type, const char *input)
{
	char	   *fields[MAX_STATE_FIELDS];
	char	   *state = palloc0(type->size);

	if (split_fields(pstrdup(input), fields, type->nfields) != type->nfields)
		syntax_error(type, input);
	/* bounded: MAX_STATE_FIELDS */
	for (int i = 0; i < type->nfields; i++)
	{
		char	   *at = state + type->fields[i].offset;

		switch (type->fields[i].kind)
		{
			case FIELD_COUNT:
				*(int64 *) at = count_in(type, fields[i], input);
				break;
			case FIELD_TIME:
				*(TimestampTz *) at =
					DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
															CStringGetDatum(fields[i]),
															ObjectIdGetDatum(InvalidOid),
															Int32GetDatum(-1)));
				break;
			case FIELD_DOUBLE:
				*(double *) at = float8in_internal(fields[i], NULL, type->name, input);
				break;
		}
	}
	return state;
}

/*
 * state_out
 *		The text form of a state; it reads back exactly.
 */
static char *
state_out(const StateType *type, const void *state)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '(');
	/* bounded: MAX_STATE_FIELDS */
	for (int i = 0; i < type->nfields; i++)
	{
		const char *at = (const char *) state + type->fields[i].offset;

		if (i > 0)
			appendStringInfoChar(&buf, ',');
		switch (type->fields[i].kind)
		{
			case FIELD_COUNT:
				appendStringInfo(&buf, INT64_FORMAT, *(const int64 *) at);
				break;
			case FIELD_TIME:
				append_timestamptz(&buf, *(const TimestampTz *) at);
				break;
			case FIELD_DOUBLE:
				append_double(&buf, *(const double *) at);
				break;
		}
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* ---------------------------------------------------------------------
 * Binary form: the fields in order, big-endian; times as microseconds
 * since 2000-01-01 UTC
 * ---------------------------------------------------------------------
 */

/*
 * state_recv
 *		A state from its binary form.
 */
static void *
state_recv(const StateType *type, StringInfo buf)
{
	char	   *state = palloc0(type->size);

	/* bounded: MAX_STATE_FIELDS */
	for (int i = 0; i < type->nfields; i++)
	{
		char	   *at = state + type->fields[i].offset;

		switch (type->fields[i].kind)
		{
			case FIELD_COUNT:
				*(int64 *) at = pq_getmsgint64(buf);
				check_count(type, *(int64 *) at);
				break;
			case FIELD_TIME:
				*(TimestampTz *) at = pq_getmsgint64(buf);
				break;
			case FIELD_DOUBLE:
				*(double *) at = pq_getmsgfloat8(buf);
				break;
		}
	}
	return state;
}

/*
 * state_send
 *		The binary form of a state.
 */
static bytea *
state_send(const StateType *type, const void *state)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	/* bounded: MAX_STATE_FIELDS */
	for (int i = 0; i < type->nfields; i++)
	{
		const char *at = (const char *) state + type->fields[i].offset;

		switch (type->fields[i].kind)
		{
			case FIELD_COUNT:
				pq_sendint64(&buf, *(const int64 *) at);
				break;
			case FIELD_TIME:
				pq_sendint64(&buf, *(const TimestampTz *) at);
				break;
			case FIELD_DOUBLE:
				pq_sendfloat8(&buf, *(const double *) at);
				break;
		}
	}
	return pq_endtypsend(&buf);
}

/* ---------------------------------------------------------------------
 * SQL functions
 * ---------------------------------------------------------------------
 */

/*
 * tape_pv_state_in
 *		A tape.pv_state from its text form.
 */
Datum
tape_pv_state_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(state_in(&pv_state_type, PG_GETARG_CSTRING(0)));
}

/*
 * tape_pv_state_out
 *		The text form of a tape.pv_state.
 */
Datum
tape_pv_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(state_out(&pv_state_type, PG_GETARG_POINTER(0)));
}

/*
 * tape_pv_state_recv
 *		A tape.pv_state from its binary form.
 */
Datum
tape_pv_state_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(state_recv(&pv_state_type, (StringInfo) PG_GETARG_POINTER(0)));
}

/*
 * tape_pv_state_send
 *		The binary form of a tape.pv_state.
 */
Datum
tape_pv_state_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(state_send(&pv_state_type, PG_GETARG_POINTER(0)));
}

/*
 * tape_ohlcv_state_in
 *		A tape.ohlcv_state from its text form.
 */
Datum
tape_ohlcv_state_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(state_in(&ohlcv_state_type, PG_GETARG_CSTRING(0)));
}

/*
 * tape_ohlcv_state_out
 *		The text form of a tape.ohlcv_state.
 */
Datum
tape_ohlcv_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(state_out(&ohlcv_state_type, PG_GETARG_POINTER(0)));
}

/*
 * tape_ohlcv_state_recv
 *		A tape.ohlcv_state from its binary form.
 */
Datum
tape_ohlcv_state_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(state_recv(&ohlcv_state_type, (StringInfo) PG_GETARG_POINTER(0)));
}

/*
 * tape_ohlcv_state_send
 *		The binary form of a tape.ohlcv_state.
 */
Datum
tape_ohlcv_state_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(state_send(&ohlcv_state_type, PG_GETARG_POINTER(0)));
}
