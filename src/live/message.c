/*-------------------------------------------------------------------------
 *
 * message.c
 *		Decoding the live feed's messages: JSON arrays of events.
 *
 * Every message of the feed is an array of objects, each with "ev", its
 * kind: "status" (connection, authentication, subscription), "AM" (a
 * minute bar), "A" (a second bar), "T" (a trade), "Q" (a quote), and kinds
 * the worker does not keep (LULD, imbalances, ...).  The fields are read
 * with the FDW's pull scanner (src/fdw/jsonscan.c), in one pass and without
 * a tree; an object is handed to the caller once it is read whole, since
 * "ev" need not come first.  A message that is not such an array is an
 * error (the caller counts it as malformed), after the events before the
 * damage were handed over.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/live/message.c
 *
 *-------------------------------------------------------------------------
 */
#include "live.h"
#include "fdw/jsonscan.h"

#include <math.h>

/* the number a value holds, NaN when it holds none */
static double
number_of(const JsonValue *v)
{
	char		buf[64];

	if (v->type != JV_NUMBER || v->len >= (int) sizeof(buf))
		return NAN;
	if (v->is_int)
		return (double) v->int_value;
	memcpy(buf, v->start, v->len);
	buf[v->len] = '\0';
	return strtod(buf, NULL);
}

/* an integer value; a fractional or missing one is 0 */
static int64
int_of(const JsonValue *v)
{
	if (v->type == JV_NUMBER && v->is_int)
		return v->int_value;
	return 0;
}

/* a string (or number) value copied into dst, unescaped */
static void
text_of(const JsonValue *v, char *dst, size_t size)
{
	int			len;
	char	   *s;

	if (v->type == JV_STRING)
	{
		s = json_string_value(v, &len);
		strlcpy(dst, s, size);
	}
	else if (v->type == JV_NUMBER)
	{
		len = Min(v->len, (int) size - 1);
		memcpy(dst, v->start, len);
		dst[len] = '\0';
	}
	else
		dst[0] = '\0';
}

/*
 * read_conditions
 *		"c": an array of integers (trades) or one integer (quotes).
 */
static void
read_conditions(JsonScanner *s, LiveEvent *ev)
{
	JsonValue	v;
	const char *save = s->p;

	json_read_value(s, &v, true);
	if (v.type == JV_NUMBER)
	{
		ev->conditions[0] = (int) int_of(&v);
		ev->nconditions = 1;
		return;
	}
	if (v.type != JV_ARRAY)
		return;
	s->p = save;
	json_begin_array(s);
	for (bool first = true; json_next_element(s, first); first = false)
	{
		json_read_value(s, &v, true);
		if (v.type == JV_NUMBER && ev->nconditions < LIVE_MAX_CONDITIONS)
			ev->conditions[ev->nconditions++] = (int) int_of(&v);
	}
}

/* the kind of an event from its "ev" */
static LiveEventKind
kind_of(const char *ev)
{
	if (strcmp(ev, "AM") == 0)
		return LEV_MINUTE_BAR;
	if (strcmp(ev, "A") == 0)
		return LEV_SECOND_BAR;
	if (strcmp(ev, "T") == 0)
		return LEV_TRADE;
	if (strcmp(ev, "Q") == 0)
		return LEV_QUOTE;
	if (strcmp(ev, "status") == 0)
		return LEV_STATUS;
	return LEV_OTHER;
}

#define KEY_IS(k) (keylen == (int) sizeof(k) - 1 && memcmp(key, k, keylen) == 0)

/*
 * live_decode
 *		Hand each event of a message to handler; returns how many there
 *		were.  An error (ereport) when the message is not an array of
 *		objects.
 */
int
live_decode(const char *data, size_t len, LiveEventHandler handler, void *arg)
{
	JsonScanner s;
	int			n = 0;

	json_scan_init(&s, data, len);
	json_begin_array(&s);
	for (bool first = true; json_next_element(&s, first); first = false)
	{
		LiveEvent	ev;
		char		kind[16] = "";
		const char *key;
		int			keylen;

		memset(&ev, 0, sizeof(ev));
		ev.o = ev.h = ev.l = ev.c = ev.v = ev.vw = NAN;
		ev.p = ev.size = ev.bp = ev.bs = ev.ap = ev.as = NAN;
		json_begin_object(&s);
		for (bool f = true; json_next_member(&s, f, &key, &keylen); f = false)
		{
			JsonValue	v;

			if (KEY_IS("c"))
			{
				/* the close of a bar, the conditions of a trade or quote */
				const char *save = s.p;

				json_read_value(&s, &v, true);
				if (v.type == JV_ARRAY)
				{
					s.p = save;
					read_conditions(&s, &ev);
				}
				else
				{
					ev.c = number_of(&v);
					ev.conditions[0] = (int) int_of(&v);
					ev.nconditions = v.type == JV_NUMBER && v.is_int ? 1 : 0;
				}
				continue;
			}
			json_read_value(&s, &v, true);
			if (KEY_IS("ev"))
				text_of(&v, kind, sizeof(kind));
			else if (KEY_IS("sym"))
				text_of(&v, ev.sym, sizeof(ev.sym));
			else if (KEY_IS("status"))
				text_of(&v, ev.status, sizeof(ev.status));
			else if (KEY_IS("message"))
				text_of(&v, ev.message, sizeof(ev.message));
			else if (KEY_IS("o"))
				ev.o = number_of(&v);
			else if (KEY_IS("h"))
				ev.h = number_of(&v);
			else if (KEY_IS("l"))
				ev.l = number_of(&v);
			else if (KEY_IS("v"))
				ev.v = number_of(&v);
			else if (KEY_IS("vw"))
				ev.vw = number_of(&v);
			else if (KEY_IS("s"))
			{
				/* a bar's start (ms), a trade's size */
				ev.s = int_of(&v);
				ev.size = number_of(&v);
			}
			else if (KEY_IS("e"))
				ev.e = int_of(&v);
			else if (KEY_IS("p"))
				ev.p = number_of(&v);
			else if (KEY_IS("x"))
				ev.x = (int) int_of(&v);
			else if (KEY_IS("i"))
				text_of(&v, ev.id, sizeof(ev.id));
			else if (KEY_IS("bp"))
				ev.bp = number_of(&v);
			else if (KEY_IS("bs"))
				ev.bs = number_of(&v);
			else if (KEY_IS("bx"))
				ev.bx = (int) int_of(&v);
			else if (KEY_IS("ap"))
				ev.ap = number_of(&v);
			else if (KEY_IS("as"))
				ev.as = number_of(&v);
			else if (KEY_IS("ax"))
				ev.ax = (int) int_of(&v);
			else if (KEY_IS("t"))
				ev.t = int_of(&v);
			else if (KEY_IS("q"))
				ev.q = int_of(&v);
			else if (KEY_IS("z"))
				ev.z = (int) int_of(&v);
		}
		ev.kind = kind_of(kind);
		handler(arg, &ev);
		n++;
	}
	json_expect_end(&s);
	return n;
}
