/*-------------------------------------------------------------------------
 *
 * option.c
 *		The option validator of polygon_fdw and the reading of options.
 *
 * One table lists every option: where it may appear, what kind of value it
 * takes, its bounds and its default.  The validator, the readers and the
 * documentation follow that table.
 *
 * Copyright (c) 2026, tape developers
 *
 * IDENTIFICATION
 *		src/fdw/option.c
 *
 *-------------------------------------------------------------------------
 */
#include "polygon_fdw.h"

#include "access/reloptions.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

typedef enum PolygonOptionKind
{
	POK_URL,					/* http:// or https:// base URL */
	POK_FILES_URL,				/* the same, or file:///directory */
	POK_STREAM_URL,				/* ws:// or wss:// URL of the live feed */
	POK_INT,					/* integer within [min, max] */
	POK_SECRET,					/* never echoed back */
	POK_BOOL,					/* true / false / on / off ... */
	POK_REGION,					/* an S3 region name: letters, digits, '-' */
	POK_ENDPOINT				/* a row of the endpoint table */
} PolygonOptionKind;

typedef struct PolygonOption
{
	const char *name;			/* option name */
	Oid			context;		/* catalog where it may appear */
	PolygonOptionKind kind;		/* value kind */
	int			min;			/* POK_INT bounds */
	int			max;
	const char *default_value;	/* used when absent, or NULL if required */
	size_t		offset;			/* server options: the field of
								 * PolygonServerOptions it sets */
} PolygonOption;

#define SERVER_FIELD(f)		offsetof(PolygonServerOptions, f)

static const PolygonOption polygon_options[] = {
	{"base_url", ForeignServerRelationId, POK_URL, 0, 0, "https://api.massive.com", SERVER_FIELD(base_url)},
	{"requests_per_minute", ForeignServerRelationId, POK_INT, 0, 1000000, "5", SERVER_FIELD(requests_per_minute)},
	{"max_retries", ForeignServerRelationId, POK_INT, 0, 100, "5", SERVER_FIELD(max_retries)},
	{"connect_timeout_ms", ForeignServerRelationId, POK_INT, 1, 3600000, "10000", SERVER_FIELD(connect_timeout_ms)},
	{"timeout_ms", ForeignServerRelationId, POK_INT, 1, 86400000, "120000", SERVER_FIELD(timeout_ms)},
	{"max_pages", ForeignServerRelationId, POK_INT, 1, 100000000, "100000", SERVER_FIELD(max_pages)},
	{"max_scan_requests", ForeignServerRelationId, POK_INT, 1, 10000000, "10000", SERVER_FIELD(max_scan_requests)},
	{"retry_base_ms", ForeignServerRelationId, POK_INT, 0, 3600000, "1000", SERVER_FIELD(retry_base_ms)},
	{"retry_max_ms", ForeignServerRelationId, POK_INT, 0, 3600000, "60000", SERVER_FIELD(retry_max_ms)},
	{"cache", ForeignServerRelationId, POK_BOOL, 0, 0, "true", SERVER_FIELD(cache)},
	{"shared_cache", ForeignServerRelationId, POK_BOOL, 0, 0, "false", SERVER_FIELD(shared_cache)},
	{"concurrent_requests", ForeignServerRelationId, POK_INT, 0, 16, "0", SERVER_FIELD(concurrent_requests)},
	{"flatfiles_url", ForeignServerRelationId, POK_FILES_URL, 0, 0, "https://files.massive.com/flatfiles", SERVER_FIELD(flatfiles_url)},
	{"flatfiles_region", ForeignServerRelationId, POK_REGION, 0, 0, "us-east-1", SERVER_FIELD(flatfiles_region)},
	{"stream_url", ForeignServerRelationId, POK_STREAM_URL, 0, 0, "wss://socket.massive.com/stocks", SERVER_FIELD(stream_url)},
	{"api_key", UserMappingRelationId, POK_SECRET, 0, 0, NULL, 0},
	{"s3_access_key_id", UserMappingRelationId, POK_SECRET, 0, 0, NULL, 0},
	{"s3_secret_access_key", UserMappingRelationId, POK_SECRET, 0, 0, NULL, 0},
	{"endpoint", ForeignTableRelationId, POK_ENDPOINT, 0, 0, NULL, 0},
};

/* Longest URL option we accept */
#define MAX_URL_LENGTH	2048

/* Longest S3 region name */
#define MAX_REGION_LENGTH	64

static const PolygonOption *find_option(const char *name, Oid context);
static void check_option_value(const PolygonOption *opt, const char *value);
static int	option_int(const PolygonOption *opt, const char *value);
static bool option_bool(const PolygonOption *opt, const char *value);
static void parse_url_option(const PolygonOption *opt, const char *value, PolygonUrl *url);
static void check_local_files_allowed(const char *what);

PG_FUNCTION_INFO_V1(polygon_fdw_validator);

/*
 * polygon_fdw_validator
 *		Check the options of a server, user mapping or foreign table.
 */
Datum
polygon_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	List	   *seen = NIL;
	bool		have_endpoint = false;
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const PolygonOption *opt = find_option(def->defname, catalog);

		if (opt == NULL)
		{
			StringInfoData valid;

			initStringInfo(&valid);
			for (int i = 0; i < (int) lengthof(polygon_options); i++)
			{
				if (polygon_options[i].context == catalog)
					appendStringInfo(&valid, "%s%s", valid.len > 0 ? ", " : "",
									 polygon_options[i].name);
			}
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", def->defname),
					 valid.len > 0
					 ? errhint("Valid options in this context are: %s.", valid.data)
					 : errhint("There are no valid options in this context.")));
		}

		if (list_member_ptr(seen, opt))
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("conflicting or redundant options"),
					 errdetail("Option \"%s\" is given more than once.", def->defname)));
		seen = lappend(seen, (void *) opt);

		check_option_value(opt, defGetString(def));
		if (opt->kind == POK_FILES_URL && pg_strncasecmp(defGetString(def), "file:", 5) == 0)
			check_local_files_allowed("set a file: URL in option \"flatfiles_url\"");
		if (opt->kind == POK_ENDPOINT)
			have_endpoint = true;
	}

	if (catalog == ForeignTableRelationId && !have_endpoint)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_DYNAMIC_PARAMETER_VALUE_NEEDED),
				 errmsg("option \"endpoint\" is required for polygon_fdw foreign tables"),
				 errhint("Valid endpoints are: %s.", polygon_endpoint_names())));

	PG_RETURN_VOID();
}

/*
 * find_option
 *		The option named name that may appear in context, or NULL.
 */
static const PolygonOption *
find_option(const char *name, Oid context)
{
	for (int i = 0; i < (int) lengthof(polygon_options); i++)
	{
		if (polygon_options[i].context == context &&
			strcmp(polygon_options[i].name, name) == 0)
			return &polygon_options[i];
	}
	return NULL;
}

/*
 * option_int
 *		The integer value of an option, checked against its bounds.
 *
 * Only plain decimal digits are an integer here: parse_int() would take
 * "0.4" (rounded to 0), "0x10", "1e3", "+5" and surrounding white space.  A
 * minus sign is read, so that "-1" is said to be out of range ("-0" is
 * refused).
 */
static int
option_int(const PolygonOption *opt, const char *value)
{
	int64		result = 0;
	const char *p = value;

	if (*p == '-')
		p++;
	if (*p == '\0')
		goto invalid;
	for (; *p; p++)
	{
		if (*p < '0' || *p > '9')
			goto invalid;
		result = result * 10 + (*p - '0');
		if (result > PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value %s is out of range for option \"%s\"", value, opt->name),
					 errdetail("Valid values are between %d and %d.", opt->min, opt->max)));
	}
	if (value[0] == '-')
	{
		if (result == 0)
			goto invalid;		/* "-0" is no spelling of 0 */
		result = -result;
	}
	if (result < opt->min || result > opt->max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value %s is out of range for option \"%s\"", value, opt->name),
				 errdetail("Valid values are between %d and %d.", opt->min, opt->max)));
	return (int) result;

invalid:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for integer option \"%s\": \"%s\"", opt->name, value),
			 errdetail("An integer option takes decimal digits only, without a fraction, an exponent or white space.")));
	return 0;					/* keep compiler quiet */
}

/*
 * option_bool
 *		The boolean value of an option.
 */
static bool
option_bool(const PolygonOption *opt, const char *value)
{
	bool		result;

	if (!parse_bool(value, &result))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" requires a Boolean value", opt->name),
				 errdetail("The value was \"%s\".", value)));
	return result;
}

/* an RFC 3986 unreserved character */
static inline bool
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		c == '-' || c == '.' || c == '_' || c == '~';
}

/*
 * polygon_url_path_problem
 *		Why path (the path of a URL, and for a next_url its query) could
 *		change what it names, or NULL when it cannot: a dot segment ("." or
 *		"..", even percent-encoded), an empty segment, a stray "%", a
 *		fragment, a backslash, white space, a control or a non-ASCII
 *		character.  libcurl and web servers resolve dot segments and some
 *		read a backslash as a slash: such a path could reach another
 *		endpoint than the one it spells.  with_query allows a "?" and what
 *		follows it (checked for characters only).
 */
const char *
polygon_url_path_problem(const char *path, bool with_query)
{
	const char *seg = path;

	for (const char *p = path;; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (c == '\0' || c == '/' || c == '?')
		{
			/* the segment seg .. p: "." or "..", also as %2e */
			int			dots = 0;
			bool		only_dots = true;

			for (const char *q = seg; q < p && only_dots;)
			{
				if (*q == '.')
				{
					dots++;
					q++;
				}
				else if (q[0] == '%' && q[1] == '2' && (q[2] == 'e' || q[2] == 'E'))
				{
					dots++;
					q += 3;
				}
				else
					only_dots = false;
			}
			if (only_dots && (dots == 1 || dots == 2))
				return "It contains a \".\" or \"..\" segment.";
			if (p == seg && seg != path && c != '\0' && c != '?')
				return "It contains an empty segment (\"//\").";
			if (c == '\0')
				return NULL;
			if (c == '?')
				break;
			seg = p + 1;
			continue;
		}
		if (c <= ' ' || c >= 0x7f)
			return "It contains white space, a control character or a non-ASCII character.";
		if (c == '#')
			return "It contains a fragment (\"#\").";
		if (c == '\\')
			return "It contains a backslash.";
		if (c == '%' && !(isxdigit((unsigned char) p[1]) && isxdigit((unsigned char) p[2])))
			return "It contains a \"%\" that does not start a percent-encoded byte.";
	}

	/* the query: characters only */
	if (!with_query)
		return "It contains a query (\"?\").";
	for (const char *p = strchr(path, '?'); *p; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (c <= ' ' || c >= 0x7f)
			return "It contains white space, a control character or a non-ASCII character.";
		if (c == '#')
			return "It contains a fragment (\"#\").";
	}
	return NULL;
}

/*
 * url_error
 *		Report an invalid URL option; the detail says why.
 */
static void
url_error(const PolygonOption *opt, const char *value, const char *detail)
{
	bool		printable = strlen(value) <= 200;

	/* a value with control characters or of any length is not echoed */
	for (const char *p = value; *p && printable; p++)
		printable = (unsigned char) *p >= ' ' && (unsigned char) *p != 0x7f;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 printable
			 ? errmsg("invalid value for option \"%s\": \"%s\"", opt->name, value)
			 : errmsg("invalid value for option \"%s\"", opt->name),
			 errdetail_internal("%s", detail),
			 opt->kind == POK_FILES_URL
			 ? errhint("Give an S3 endpoint and bucket such as https://files.massive.com/flatfiles, or a local directory such as file:///data/polygon.")
			 : errhint("Give a URL such as https://api.massive.com; the API key goes in the api_key option of a user mapping.")));
}

/*
 * parse_url_option
 *		Check a URL option completely and split it into url.
 *
 * An http(s) URL is scheme://host[:port][/path]: the scheme http or https
 * (any case), a host name or an [IPv6] address, a port from 1 to 65535, no
 * credentials, and a path of plain segments (see polygon_url_path_problem)
 * without query or fragment.  Trailing slashes are dropped.  flatfiles_url
 * may also be file:///directory, an absolute local path.  Any invalid value
 * is an error: nothing a user can type reaches libcurl unchecked.
 */
static void
parse_url_option(const PolygonOption *opt, const char *value, PolygonUrl *url)
{
	size_t		len = strlen(value);
	const char *authority;
	const char *host_end;
	const char *path;
	const char *problem;
	char	   *trimmed;

	memset(url, 0, sizeof(*url));
	if (len == 0)
		url_error(opt, value, "The URL is empty.");
	if (len > MAX_URL_LENGTH)
		url_error(opt, value, psprintf("The URL is longer than %d bytes.", MAX_URL_LENGTH));
	for (const char *p = value; *p; p++)
	{
		if ((unsigned char) *p <= ' ' || (unsigned char) *p >= 0x7f)
			url_error(opt, value, "The URL contains white space, a control character or a non-ASCII character.");
	}

	if (strchr(value, '?') != NULL)
		url_error(opt, value, "The URL must not contain a query (\"?\").");
	if (strchr(value, '#') != NULL)
		url_error(opt, value, "The URL must not contain a fragment (\"#\").");

	/* trailing slashes are not part of the prefix */
	trimmed = pstrdup(value);
	while (len > 0 && trimmed[len - 1] == '/')
		trimmed[--len] = '\0';

	if (opt->kind == POK_FILES_URL && pg_strncasecmp(value, "file:", 5) == 0)
	{
		if (strncmp(value + 5, "///", 3) != 0)
			url_error(opt, value, "A local directory is written file:///absolute/path (an empty host and an absolute path).");
		path = trimmed + 7;		/* "" for file:/// itself: the root */
		if ((problem = polygon_url_path_problem(path, false)) != NULL)
			url_error(opt, value, psprintf("The directory is not a plain absolute path. %s", problem));
		url->local_dir = pstrdup(path);
		url->url = trimmed;
		return;
	}

	if (opt->kind == POK_STREAM_URL)
	{
		if (pg_strncasecmp(value, "ws://", 5) == 0)
			authority = trimmed + 5;
		else if (pg_strncasecmp(value, "wss://", 6) == 0)
			authority = trimmed + 6;
		else
			url_error(opt, value, "The URL must start with ws:// or wss://.");
	}
	else if (pg_strncasecmp(value, "http://", 7) == 0)
		authority = trimmed + 7;
	else if (pg_strncasecmp(value, "https://", 8) == 0)
		authority = trimmed + 8;
	else
		url_error(opt, value, opt->kind == POK_FILES_URL
				  ? "The URL must start with http://, https:// or file:///."
				  : "The URL must start with http:// or https://.");

	/* the authority: host, then an optional port */
	path = authority + strcspn(authority, "/");
	if (memchr(authority, '@', path - authority) != NULL)
		url_error(opt, value, "The URL must not contain credentials (user:password@).");
	if (*authority == '[')
	{
		host_end = authority + 1;
		while (host_end < path && (isxdigit((unsigned char) *host_end) || *host_end == ':' ||
								   *host_end == '.'))
			host_end++;
		if (host_end >= path || *host_end != ']' || host_end == authority + 1)
			url_error(opt, value, "The IPv6 address of the host is not valid.");
		host_end++;
	}
	else
	{
		host_end = authority;
		while (host_end < path && (is_unreserved((unsigned char) *host_end)))
			host_end++;
		if (host_end == authority)
			url_error(opt, value, host_end < path && *host_end != ':'
					  ? "The host name contains a character that is not allowed."
					  : "The URL has no host.");
	}
	if (host_end < path)
	{
		long		port = 0;
		const char *p = host_end + 1;

		if (*host_end != ':')
			url_error(opt, value, "The host name contains a character that is not allowed.");
		if (p == path)
			url_error(opt, value, "The port after \":\" is missing.");
		for (; p < path; p++)
		{
			if (*p < '0' || *p > '9')
				url_error(opt, value, "The port must be a number.");
			port = port * 10 + (*p - '0');
			if (port > 65535)
				break;
		}
		if (port < 1 || port > 65535)
			url_error(opt, value, "The port must be between 1 and 65535.");
	}

	if ((problem = polygon_url_path_problem(path, false)) != NULL)
		url_error(opt, value, psprintf("The path of the URL is not plain. %s", problem));

	url->url = trimmed;
	url->origin = pnstrdup(trimmed, path - trimmed);
	url->path = pstrdup(path);
}

/*
 * check_local_files_allowed
 *		Only roles that may read the server's files may use a local
 *		directory of flat files.
 */
static void
check_local_files_allowed(const char *what)
{
	Oid			userid = GetUserId();

	if (!superuser_arg(userid) && !has_privs_of_role(userid, ROLE_PG_READ_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s", what),
				 errdetail("Only roles with privileges of the \"%s\" role may read flat files from a local directory.",
						   "pg_read_server_files")));
}

/*
 * polygon_check_local_files
 *		At scan time: the role the scan runs as may read the server's
 *		files (flatfiles_url is a file: URL).  The validator checked who set
 *		the option; this checks who reads through it.
 */
void
polygon_check_local_files(Oid userid)
{
	if (!superuser_arg(userid) && !has_privs_of_role(userid, ROLE_PG_READ_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to read flat files from a local directory"),
				 errdetail("Reading flat files from a local directory needs the privileges of the \"%s\" role, which role \"%s\" lacks.",
						   "pg_read_server_files", GetUserNameFromId(userid, false)),
				 errhint("Read them through a server whose flatfiles_url is on S3, or ask an administrator to grant pg_read_server_files.")));
}

/*
 * check_option_value
 *		Reject a value the option cannot take.  Secrets are never echoed.
 */
static void
check_option_value(const PolygonOption *opt, const char *value)
{
	switch (opt->kind)
	{
		case POK_INT:
			(void) option_int(opt, value);
			break;

		case POK_URL:
		case POK_FILES_URL:
		case POK_STREAM_URL:
			{
				PolygonUrl	url;

				parse_url_option(opt, value, &url);
			}
			break;

		case POK_BOOL:
			(void) option_bool(opt, value);
			break;

		case POK_REGION:
			if (value[0] == '\0' || strlen(value) > MAX_REGION_LENGTH ||
				strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(value))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"", opt->name, value),
						 errdetail("A region is up to %d lower-case letters, digits and hyphens, such as us-east-1.",
								   MAX_REGION_LENGTH)));
			break;

		case POK_SECRET:
			polygon_check_secret(opt->name, value);
			break;

		case POK_ENDPOINT:
			if (polygon_find_endpoint(value) == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
						 errmsg("invalid value for option \"%s\": \"%s\"", opt->name, value),
						 errhint("Valid endpoints are: %s.", polygon_endpoint_names())));
			break;
	}
}

/*
 * polygon_check_secret
 *		A secret is not empty and holds no white space or control character
 *		(it goes into a request header).  Its value is never echoed.
 */
void
polygon_check_secret(const char *name, const char *value)
{
	if (value[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must not be empty", name)));
	for (const char *p = value; *p; p++)
	{
		if ((unsigned char) *p <= ' ' || (unsigned char) *p == 0x7f)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for option \"%s\"", name),
					 errdetail("The value contains white space or a control character.")));
	}
}

/*
 * polygon_get_server_options
 *		Resolve the options of a server, defaults included.
 *
 * Every value is checked again here, as the validator would: a wrapper
 * created without our validator, or a catalog edited by hand, must not
 * bring an unchecked value to libcurl.
 */
void
polygon_get_server_options(Oid serverid, PolygonServerOptions *opts)
{
	ForeignServer *server = GetForeignServer(serverid);

	memset(opts, 0, sizeof(*opts));
	for (int i = 0; i < (int) lengthof(polygon_options); i++)
	{
		const PolygonOption *opt = &polygon_options[i];
		const char *value = opt->default_value;
		char	   *field = (char *) opts + opt->offset;
		ListCell   *lc;

		if (opt->context != ForeignServerRelationId)
			continue;
		foreach(lc, server->options)
		{
			DefElem    *def = (DefElem *) lfirst(lc);

			if (strcmp(def->defname, opt->name) == 0)
				value = defGetString(def);
		}

		switch (opt->kind)
		{
			case POK_URL:
			case POK_FILES_URL:
				{
					PolygonUrl	url;

					parse_url_option(opt, value, &url);
					*(char **) field = url.url;
					if (opt->kind == POK_URL)
						opts->origin = url.origin;
					else
						opts->flatfiles_dir = url.local_dir;
				}
				break;
			case POK_STREAM_URL:
				{
					PolygonUrl	url;

					parse_url_option(opt, value, &url);
					*(char **) field = url.url;
				}
				break;
			case POK_INT:
				*(int *) field = option_int(opt, value);
				break;
			case POK_BOOL:
				*(bool *) field = option_bool(opt, value);
				break;
			case POK_REGION:
				check_option_value(opt, value);
				*(char **) field = pstrdup(value);
				break;
			case POK_SECRET:
			case POK_ENDPOINT:
				elog(ERROR, "server option \"%s\" is not handled", opt->name);
		}
	}

	/*
	 * 0 means: four requests in flight without a limit of ours or with one of
	 * at least 240 a minute (paid plans), one otherwise (the free plan's 5).
	 */
	if (opts->concurrent_requests == 0)
		opts->concurrent_requests =
			(opts->requests_per_minute == 0 || opts->requests_per_minute >= 240) ? 4 : 1;
}

/*
 * polygon_flatfiles_dir
 *		The local directory of the flat files when flatfiles_url is a
 *		file:/// URL ("/data/polygon"), or NULL when they are on S3.
 */
const char *
polygon_flatfiles_dir(const PolygonServerOptions *opts)
{
	return opts->flatfiles_dir;
}

/*
 * polygon_get_table_endpoint
 *		The endpoint option of a foreign table.
 */
char *
polygon_get_table_endpoint(Oid relid)
{
	ForeignTable *table = GetForeignTable(relid);
	ListCell   *lc;

	foreach(lc, table->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "endpoint") == 0)
			return defGetString(def);
	}
	ereport(ERROR,
			(errcode(ERRCODE_FDW_DYNAMIC_PARAMETER_VALUE_NEEDED),
			 errmsg("foreign table \"%s\" has no endpoint option", get_rel_name(relid))));
	return NULL;				/* keep compiler quiet */
}
