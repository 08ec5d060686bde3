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
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

typedef enum PolygonOptionKind
{
	POK_URL,					/* http:// or https:// base URL */
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
} PolygonOption;

static const PolygonOption polygon_options[] = {
	{"base_url", ForeignServerRelationId, POK_URL, 0, 0, "https://api.massive.com"},
	{"requests_per_minute", ForeignServerRelationId, POK_INT, 0, 1000000, "5"},
	{"max_retries", ForeignServerRelationId, POK_INT, 0, 100, "5"},
	{"connect_timeout_ms", ForeignServerRelationId, POK_INT, 1, 3600000, "10000"},
	{"timeout_ms", ForeignServerRelationId, POK_INT, 1, 86400000, "120000"},
	{"max_pages", ForeignServerRelationId, POK_INT, 1, 100000000, "100000"},
	{"retry_base_ms", ForeignServerRelationId, POK_INT, 0, 3600000, "1000"},
	{"retry_max_ms", ForeignServerRelationId, POK_INT, 0, 3600000, "60000"},
	{"cache", ForeignServerRelationId, POK_BOOL, 0, 0, "true"},
	{"concurrent_requests", ForeignServerRelationId, POK_INT, 0, 16, "0"},
	{"flatfiles_url", ForeignServerRelationId, POK_URL, 0, 0, "https://files.massive.com/flatfiles"},
	{"flatfiles_region", ForeignServerRelationId, POK_REGION, 0, 0, "us-east-1"},
	{"api_key", UserMappingRelationId, POK_SECRET, 0, 0, NULL},
	{"s3_access_key_id", UserMappingRelationId, POK_SECRET, 0, 0, NULL},
	{"s3_secret_access_key", UserMappingRelationId, POK_SECRET, 0, 0, NULL},
	{"endpoint", ForeignTableRelationId, POK_ENDPOINT, 0, 0, NULL},
};

static const PolygonOption *find_option(const char *name, Oid context);
static void check_option_value(const PolygonOption *opt, const char *value);
static int	option_int(const PolygonOption *opt, const char *value);
static bool option_bool(const PolygonOption *opt, const char *value);

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
 */
static int
option_int(const PolygonOption *opt, const char *value)
{
	int			result;

	if (!parse_int(value, &result, 0, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for integer option \"%s\": %s", opt->name, value)));
	if (result < opt->min || result > opt->max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value %d is out of range for option \"%s\"", result, opt->name),
				 errdetail("Valid values are between %d and %d.", opt->min, opt->max)));
	return result;
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
			if (strcmp(opt->name, "flatfiles_url") == 0 && strncmp(value, "file:///", 8) == 0)
				break;			/* a local directory of flat files */
			if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"", opt->name, value),
						 strcmp(opt->name, "flatfiles_url") == 0
						 ? errdetail("The URL must start with http://, https:// or file:///.")
						 : errdetail("The URL must start with http:// or https://.")));
			if (strpbrk(value, "?#@ \t\r\n") != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"%s\"", opt->name),
						 errdetail("The URL must not contain a query, a fragment, credentials or white space."),
						 errhint("Put the API key in the api_key option of a user mapping.")));
			break;

		case POK_BOOL:
			(void) option_bool(opt, value);
			break;

		case POK_REGION:
			if (value[0] == '\0' || strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(value))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"", opt->name, value),
						 errdetail("A region is lower-case letters, digits and hyphens, such as us-east-1.")));
			break;

		case POK_SECRET:
			if (value[0] == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"%s\" must not be empty", opt->name)));
			for (const char *p = value; *p; p++)
			{
				if ((unsigned char) *p <= ' ' || (unsigned char) *p == 0x7f)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"%s\"", opt->name),
							 errdetail("The value contains white space or a control character.")));
			}
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
 * polygon_get_server_options
 *		Resolve the options of a server, defaults included.
 */
void
polygon_get_server_options(Oid serverid, PolygonServerOptions *opts)
{
	ForeignServer *server = GetForeignServer(serverid);

	for (int i = 0; i < (int) lengthof(polygon_options); i++)
	{
		const PolygonOption *opt = &polygon_options[i];
		const char *value = opt->default_value;
		ListCell   *lc;

		if (opt->context != ForeignServerRelationId)
			continue;
		foreach(lc, server->options)
		{
			DefElem    *def = (DefElem *) lfirst(lc);

			if (strcmp(def->defname, opt->name) == 0)
				value = defGetString(def);
		}

		if (strcmp(opt->name, "base_url") == 0 || strcmp(opt->name, "flatfiles_url") == 0)
		{
			char	   *url = pstrdup(value);
			size_t		len = strlen(url);

			while (len > 0 && url[len - 1] == '/')
				url[--len] = '\0';
			if (opt->name[0] == 'b')
				opts->base_url = url;
			else
				opts->flatfiles_url = url;
		}
		else if (strcmp(opt->name, "flatfiles_region") == 0)
			opts->flatfiles_region = pstrdup(value);
		else if (strcmp(opt->name, "requests_per_minute") == 0)
			opts->requests_per_minute = option_int(opt, value);
		else if (strcmp(opt->name, "max_retries") == 0)
			opts->max_retries = option_int(opt, value);
		else if (strcmp(opt->name, "connect_timeout_ms") == 0)
			opts->connect_timeout_ms = option_int(opt, value);
		else if (strcmp(opt->name, "timeout_ms") == 0)
			opts->timeout_ms = option_int(opt, value);
		else if (strcmp(opt->name, "max_pages") == 0)
			opts->max_pages = option_int(opt, value);
		else if (strcmp(opt->name, "retry_base_ms") == 0)
			opts->retry_base_ms = option_int(opt, value);
		else if (strcmp(opt->name, "retry_max_ms") == 0)
			opts->retry_max_ms = option_int(opt, value);
		else if (strcmp(opt->name, "cache") == 0)
			opts->cache = option_bool(opt, value);
		else if (strcmp(opt->name, "concurrent_requests") == 0)
			opts->concurrent_requests = option_int(opt, value);
		else
			elog(ERROR, "server option \"%s\" is not handled", opt->name);
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
	if (strncmp(opts->flatfiles_url, "file://", 7) == 0)
		return opts->flatfiles_url + 7;
	return NULL;
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
