/*-------------------------------------------------------------------------
 *
 * apierror.c
 *		Read the body of a failed Polygon response (json-c).
 *
 * Error bodies are small and come in several shapes: {"status":"ERROR",
 * "error":...}, {"status":"NOT_AUTHORIZED","message":...}, nginx HTML pages
 * for 5xx, or nothing at all.  json-c reads the JSON ones; nothing here may
 * raise an error, because the caller is busy reporting one.
 *
 * This file must not include utils/builtins.h: json-c's json_object type
 * collides with PostgreSQL's json_object() declaration.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/fdw/apierror.c
 *
 *-------------------------------------------------------------------------
 */
#include "polygon_fdw.h"

#include <json-c/json.h>

/* Longest API message we quote in an error */
#define MAX_API_TEXT 300

static char *member_string(struct json_object *obj, const char *key);
static char *html_title(const char *body, size_t len);

/*
 * member_string
 *		A palloc'd copy of the string member key of obj, or NULL.
 */
static char *
member_string(struct json_object *obj, const char *key)
{
	struct json_object *member;
	const char *s;

	if (!json_object_object_get_ex(obj, key, &member) ||
		!json_object_is_type(member, json_type_string))
		return NULL;
	s = json_object_get_string(member);
	return pnstrdup(s, Min(strlen(s), MAX_API_TEXT));
}

/*
 * html_title
 *		The text of the <title> element of an HTML body, or NULL.
 */
static char *
html_title(const char *body, size_t len)
{
	const char *end = body + len;

	for (const char *p = body; p + 7 <= end; p++)
	{
		if (pg_strncasecmp(p, "<title>", 7) == 0)
		{
			const char *start = p + 7;
			const char *q = start;

			while (q < end && *q != '<')
				q++;
			while (start < q && (*start == ' ' || *start == '\n' || *start == '\r'))
				start++;
			while (q > start && (q[-1] == ' ' || q[-1] == '\n' || q[-1] == '\r'))
				q--;
			return pnstrdup(start, Min(q - start, MAX_API_TEXT));
		}
	}
	return NULL;
}

/*
 * polygon_parse_error_body
 *		Fill err from the body of a non-200 response.
 */
void
polygon_parse_error_body(const char *body, size_t len, PolygonApiError *err)
{
	const char *p = body;
	const char *end = body + len;

	memset(err, 0, sizeof(*err));
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p == end)
		return;

	if (*p == '<')
	{
		err->is_html = true;
		err->html_title = html_title(p, end - p);
		return;
	}

	if (*p == '{' && len < INT_MAX)
	{
		struct json_tokener *tok = json_tokener_new();
		struct json_object *obj;

		if (tok == NULL)
			return;
		obj = json_tokener_parse_ex(tok, body, (int) len);
		if (obj != NULL && json_object_is_type(obj, json_type_object))
		{
			err->is_json = true;
			err->status = member_string(obj, "status");
			err->message = member_string(obj, "error");
			if (err->message == NULL)
				err->message = member_string(obj, "message");
			err->request_id = member_string(obj, "request_id");
		}
		if (obj != NULL)
			json_object_put(obj);
		json_tokener_free(tok);
	}
}
